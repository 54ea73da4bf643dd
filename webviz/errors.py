"""One place that turns errors into a friendly page, or JSON for ``/api/`` paths.

Library errors keep their message, ``where`` and ``hint``; anything unexpected becomes a
plain 500 (the traceback goes to the server log, never to the browser).
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from policykg.errors import ParameterError, PolicyKGError, StoreUnavailableError
from webviz.i18n import msg

HEADINGS = {400: "error_400", 404: "error_404", 503: "error_503"}


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
    """JSON ``{"ok": false, "error", "where"}`` under /api/, else the HTML error page."""
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
