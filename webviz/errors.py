"""One place that turns errors into a friendly page, or JSON for ``/api/`` paths.

Library errors keep their message, ``where`` and ``hint``; anything unexpected becomes a
plain 500 (the traceback goes to the server log, never to the browser).
"""

from __future__ import annotations

import re

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from policykg.errors import ParameterError, PolicyKGError, StoreUnavailableError
from webviz.i18n import msg

HEADINGS = {400: "error_400", 404: "error_404", 503: "error_503"}

# The library says its errors in English (the CLI's language). The forms users meet on the
# web (a bad parameter, an unknown enterprise or document, a store that cannot open) are
# matched here and said with the i18n key's words in the page's language; anything else is
# shown as the library said it.
MESSAGE_FORMS = tuple((re.compile(pattern), key) for pattern, key in (
    (r"(?P<name>\w+) must be 1 or 0, got (?P<value>.*)", "err_flag"),
    (r"(?P<name>\w+) must be a whole number of at least (?P<low>-?\d+), got (?P<value>.*)", "err_whole"),
    (r"(?P<value>.*) is not a valid (?P<type>\w+)", "err_not_valid"),
    (r"a value is required", "err_required"),
    (r"value is too long \(over (?P<n>\d+) characters\)", "err_too_long"),
    (r"(?P<value>.*) is out of range", "err_out_of_range"),
    (r"(?P<value>.*) is not one of the choices", "err_not_a_choice"),
    (r"(?P<value>.*) is not a known (?P<scheme>\S+) concept", "err_unknown_concept"),
    (r"unknown parameter (?P<name>.*)", "err_unknown_param"),
    (r"format must be (?P<choices>.+), got (?P<value>.*)", "err_format"),
    (r"unknown relationship type (?P<value>.*)", "err_unknown_rel"),
    (r"search text is longer than (?P<n>\d+) characters", "err_search_long"),
    (r"as_of must be a date YYYY-MM-DD, got (?P<value>.*)", "err_as_of"),
    (r"at most (?P<n>\d+) districts side by side, got (?P<got>\d+)", "err_too_many_districts"),
    (r"no enterprise with USCC (?P<uscc>.*) in the graph", "err_no_enterprise"),
    (r"no loaded document is (?P<spec>.*)", "err_no_document"),
    (r"no document matches (?P<spec>.*)", "err_no_document"),
    (r"no embedded database", "err_no_embedded"),
    (r"the embedded database kept changing while it was being opened", "err_embedded_changing"),
    (r"no Neo4j server configured", "err_no_neo4j"),
    (r"cannot reach Neo4j: (?P<detail>.*)", "err_neo4j_unreachable"),
    (r"lost the connection to Neo4j.*", "err_neo4j_lost"),
    (r"Neo4j refused the credentials", "err_neo4j_auth"),
))
HINT_FORMS = tuple((re.compile(pattern), key) for pattern, key in (
    (r"use 1 \(yes\) or 0 \(no\)", "hint_flag"),
    (r"at most (?P<n>-?\d+)", "hint_at_most"),
    (r"dates are YYYY-MM-DD", "hint_dates"),
    (r"expected (?P<type>\w+)", "hint_expected"),
    (r"a whole number from (?P<low>-?\d+) to (?P<high>-?\d+)", "hint_whole_range"),
    (r"choose one of: (?P<names>.*)", "hint_choose"),
    (r"did you mean (?P<names>.+)", "did_you_mean"),
    (r"parameters: (?P<names>.*)", "hint_params"),
    (r"relationship types: (?P<names>.*)", "hint_rel_types"),
    (r"leave it out for the API's JSON", "hint_format_json"),
    (r"e\.g\. (?P<date>[\d-]+), or leave it empty for every loaded document", "hint_as_of"),
    (r"choose fewer districts", "hint_fewer_districts"),
    (r"load its register with `policykg load enterprises FILE`", "hint_load_register"),
    (r"run `policykg load` first", "hint_load_first"),
    (r"try again when the loads have finished", "hint_try_later"),
    (r"run `policykg neo4j start`, or set NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD", "hint_neo4j_start"),
    (r"is the server running\? `policykg neo4j status`.*", "hint_neo4j_status"),
    (r"give an id, a 文号 or a title word; see `policykg documents`", "hint_document_spec"),
))


def localise(text: str | None, forms: tuple[tuple[re.Pattern[str], str], ...] = MESSAGE_FORMS) -> str | None:
    """``text`` (a library error's message, or its hint with ``HINT_FORMS``) in the page's
    language when it is one of the known forms, else as it is."""
    if not text:
        return text
    for pattern, key in forms:
        m = pattern.fullmatch(text)
        if m:
            return msg(key, **m.groupdict())
    return text


def status_of(exc: PolicyKGError) -> int:
    """HTTP status for a library error: 400 bad parameter, 503 store unavailable, else 500."""
    if isinstance(exc, ParameterError):
        return 400
    if isinstance(exc, StoreUnavailableError):
        return 503
    return 500


def heading(status: int) -> str:
    """The localised title of an error page."""
    return msg(HEADINGS.get(status, "error_500"))


def error_response(status: int, message: str, where: str | None = None, hint: str | None = None) -> Response:
    """JSON ``{"ok": false, "error", "where"}`` under /api/, else the HTML error page; the
    message and hint in the page's language (``localise``)."""
    message, hint = localise(message) or "", localise(hint, HINT_FORMS)
    if request.path.startswith("/api/"):
        body: dict[str, object] = {"ok": False, "error": message, "where": where}
        if hint:
            body["hint"] = hint
        response = jsonify(body)
    else:
        response = Response(render_template("error.html", status=status, heading=heading(status),
                                            message=message, where=where, hint=hint))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for library errors, HTTP errors and anything else."""

    @app.errorhandler(PolicyKGError)
    def _library(exc: PolicyKGError) -> Response:
        status = status_of(exc)
        if status == 500:
            app.logger.error("request failed: %s", exc)
        return error_response(status, exc.message, exc.where, exc.hint)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        # werkzeug's stock descriptions are English; say it in the page's language instead.
        custom = exc.description and exc.description != type(exc).description
        return error_response(status, exc.description if custom else heading(status))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error")
        return error_response(500, msg("internal_error"))
