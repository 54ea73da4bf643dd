"""Enterprise pages and API: find an enterprise by USCC or name, and show what it may
claim (with the requirement met, support forms and bureaus to call), near misses with
their reasons, what an assumed qualification would switch on, and the explanation drawn
as a small graph."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from ontology.fuzzy import scored
from policykg.errors import ParameterError
from queries.eligibility import Eligibility, enterprise_eligibility, parse_assumption
from webviz.claimgraph import ASSUMED, claim_graph
from webviz.context import cached, require_store, state
from webviz.graphview import node_types
from webviz.i18n import msg
from webviz.pages import JS_MESSAGES
from webviz.querylib import error_text

enterprise_pages = Blueprint("enterprise_pages", __name__)

MAX_SEARCH = 100  # characters
MAX_ASSUMPTIONS = 5
SEPARATORS = re.compile(r"[,，、;；]")  # one form field may name several qualifications

_SEARCH = """
MATCH (e:Enterprise)
WHERE e.id = $uscc OR e.name CONTAINS $q
RETURN e.id AS uscc, e.name AS name, e.district AS district
ORDER BY name, uscc
LIMIT 50
"""
_ALL = "MATCH (e:Enterprise) RETURN e.id AS uscc, e.name AS name, e.district AS district ORDER BY uscc"
FUZZY_MIN = 3  # characters typed before close names are offered
FUZZY_LIMIT = 10
FUZZY_CUTOFF = 75.0  # names are long and alike (…有限公司): only close ones


# The reasons queries.eligibility gives, to say them in the page's language.
REASONS = (
    (re.compile(r"needs (?P<need>.+), holds (?P<held>.+)"), "reason_level"),
    (re.compile(r"expired on (?P<date>[0-9-]+)"), "reason_expired"),
    (re.compile(r"obtained only on (?P<date>[0-9-]+)"), "reason_not_yet"),
)


def reason_text(reason: str) -> str:
    """A near miss's reason in the page's language (as given when it is not a known form)."""
    for pattern, key in REASONS:
        m = pattern.fullmatch(reason)
        if m:
            return msg(key, **m.groupdict())
    return reason


# The what-if field's errors from queries.eligibility, to say them in the page's language.
ASSUME_ERRORS = (
    (re.compile(r"'(?P<name>.*)' is not a known qualification"), "assume_unknown"),
    (re.compile(r"unknown level '(?P<level>.*)'"), "assume_unknown_level"),
    (re.compile(r"at most (?P<n>\d+) assumptions"), "assume_too_many"),
)
DID_YOU_MEAN = re.compile(r"did you mean (?P<names>.+)")


def assume_error_text(exc: ParameterError) -> str:
    """A what-if error in the page's language: the known forms translated, a did-you-mean
    kept with its names; anything else as the library said it."""
    for pattern, key in ASSUME_ERRORS:
        m = pattern.fullmatch(exc.message)
        if m:
            hint = DID_YOU_MEAN.fullmatch(exc.hint or "")
            tail = msg("did_you_mean", names=hint["names"]) if hint else msg("assume_hint")
            return f"{msg(key, **m.groupdict())} ({tail})"
    return error_text(exc)


def held_name(held: str | None) -> str:
    """The qualification a requirement is met with, "(assumed)" in the page's language."""
    if not held:
        return ""
    return held.removesuffix(ASSUMED) + msg("assumed_suffix") if held.endswith(ASSUMED) else held


@enterprise_pages.context_processor
def _helpers() -> dict[str, object]:
    return {"reason_text": reason_text, "held_name": held_name}


def search(q: str) -> list[dict[str, Any]]:
    """Enterprises whose USCC is ``q`` (any case) or whose name contains it (at most 50);
    when none does, the (at most 10) whose names are closest to it, marked ``fuzzy``."""
    q = q.strip()
    if not q:
        return []
    if len(q) > MAX_SEARCH:
        raise ParameterError(f"search text is longer than {MAX_SEARCH} characters", where="?q=")
    found = require_store().read(_SEARCH, {"uscc": q.upper(), "q": q}).records()  # USCCs are upper case
    if found or len(q) < FUZZY_MIN:
        return found
    # No name holds the text: the names closest to it (a typo, a homophone, a missing "(虚构)").
    register = cached(("enterprise-names",), lambda store: store.read(_ALL).records())
    hits = scored(q, [r["name"] or "" for r in register], partial=True, limit=FUZZY_LIMIT, cutoff=FUZZY_CUTOFF)
    return [{**register[i], "fuzzy": True} for i, _ in hits]


def as_of_arg() -> dt.date:
    """``?as_of=YYYY-MM-DD``, today when absent; a ParameterError (400) otherwise."""
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(f"{raw[:20]!r} is not a date", where="?as_of=", hint="YYYY-MM-DD") from None


def assume_args() -> list[str]:
    """The ``?assume=QUALIFICATION[:LEVEL]`` values (repeatable), each checked against the ontology."""
    assume = [a.strip() for v in request.args.getlist("assume") for a in SEPARATORS.split(v) if a.strip()]
    if len(assume) > MAX_ASSUMPTIONS:
        raise ParameterError(f"at most {MAX_ASSUMPTIONS} assumptions", where="?assume=")
    for text in assume:
        try:
            parse_assumption(text[:100], state().ontology)
        except ParameterError as exc:
            raise ParameterError(exc.message, where="?assume=", hint=exc.hint or msg("assume_hint")) from None
    return assume


def eligibility(uscc: str, assume: list[str]) -> Eligibility:
    """``enterprise_eligibility`` for the request's date; an unknown USCC is a 404."""
    as_of = as_of_arg()
    uscc = uscc.strip().upper()  # USCCs are written in upper case
    try:
        return cached(("eligibility", uscc, as_of, tuple(assume)),
                      lambda store: enterprise_eligibility(store, uscc, as_of=as_of, assume=assume,
                                                           ontology=state().ontology))
    except ParameterError as exc:
        if exc.where == "USCC":  # the library's "no enterprise with USCC ..."
            abort(404, exc.message)
        raise


@enterprise_pages.get("/enterprises")
def find() -> str:
    """Search form and matches."""
    q = request.args.get("q", "")
    return render_template("enterprises.html", q=q, matches=search(q) if q.strip() else None)


@enterprise_pages.get("/enterprises/<uscc>")
def enterprise(uscc: str) -> tuple[str, int]:
    """What one enterprise may claim on a date, near misses, a what-if, and the explanation
    graph. A what-if naming no known qualification is shown at its field (status 400) and
    the rest of the page is answered without it."""
    as_of_arg()  # a bad date is a plain 400 before any work
    assume_error = None
    try:
        assume = assume_args()
    except ParameterError as exc:
        assume, assume_error = [], assume_error_text(exc)
    result = eligibility(uscc, assume)
    ont = state().ontology
    graph = claim_graph(require_store(), ont, result, assume)
    node = next((n for n in graph["nodes"] if n["label"] == "Enterprise"), {"properties": {}})
    qualifications = [c.label_zh for c in ont.concepts("qualifications")]
    assumed_names = []
    for text in assume:
        concept_id, level, _ = parse_assumption(text, ont)
        concept = ont.concept("qualifications", concept_id)
        assumed_names.append(f"{level or ''}{concept.label_zh if concept else concept_id}")
    page = render_template(
        "enterprise.html", result=result, name=node["properties"].get("name") or uscc,
        enterprise=node["properties"], assume="，".join(request.args.getlist("assume")),
        assumed=assumed_names, assume_error=assume_error, as_of=result.as_of.isoformat(), graph=graph,
        types=node_types(ont), qualifications=qualifications, facts=fact_sources(result.uscc),
        js_messages={k: msg(k) for k in JS_MESSAGES})
    return page, 400 if assume_error else 200


def fact_sources(uscc: str) -> dict[str, Any] | None:
    """Where each fact about the enterprise came from (graph/sources.py): one row per stated
    attribute (value, the files stating it, each file's value where they disagree) and per
    holding (its file); None for an enterprise no source states (an older graph)."""
    from graph.sources import enterprise_sources

    facts = cached(("fact-sources", uscc), lambda store: enterprise_sources(store, uscc, state().ontology))
    if facts is None or not facts.statements:
        return None
    data = facts.as_dict()
    files = {s["source"]: s["file"] for s in data["statements"]}
    rows = []
    for attr, value in data["resolved"].items():
        stating = [s for s in data["statements"] if attr in s["attributes"]]
        if value is None and not stating:
            continue
        rows.append({"attribute": attr, "value": value, "conflicts": data["conflicts"].get(attr, []),
                     "files": [f"{s['file']} ({s['as_of']})" for s in stating]})
    holdings = [{**h, "file": files.get(h["source"], h["source"])} for h in data["holdings"]]
    return {"rows": rows, "holdings": holdings, "missing_from": data["missing_from"]}


@enterprise_pages.get("/enterprises/<uscc>/brief.pdf")
def brief_pdf(uscc: str) -> Response:
    """The officer's brief of one enterprise on ``?as_of=`` as a PDF (webviz.brief, printed
    by headless Chromium), in the page's language; an unknown USCC is a 404."""
    import tempfile
    from pathlib import Path

    from webviz.brief import brief_data, html_to_pdf, render_brief
    from webviz.i18n import current_lang

    as_of = as_of_arg()
    uscc = uscc.strip().upper()
    try:
        data = brief_data(require_store(), state().ontology, uscc, as_of)
    except ParameterError as exc:
        if exc.where == "USCC":
            abort(404, exc.message)
        raise
    with tempfile.TemporaryDirectory(prefix="policykg-brief-") as tmp:
        pdf = html_to_pdf(render_brief(data, current_lang()), Path(tmp) / "brief.pdf").read_bytes()
    response = Response(pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="brief-{uscc}-{as_of.isoformat()}.pdf"'
    return response


@enterprise_pages.get("/api/enterprises")
def api_search() -> Response:
    """Matches for ``?q=`` (USCC or part of a name)."""
    return jsonify({"ok": True, "enterprises": search(request.args.get("q", ""))})


@enterprise_pages.get("/api/enterprises/<uscc>")
def api_enterprise(uscc: str) -> Response:
    """The eligibility of one enterprise (``?as_of=``, ``?assume=`` repeated): ``Eligibility.as_dict()``."""
    return jsonify({"ok": True, **eligibility(uscc, assume_args()).as_dict()})


@enterprise_pages.get("/api/enterprises/<uscc>/graph")
def api_enterprise_graph(uscc: str) -> Response:
    """The explanation graph the enterprise page draws (same parameters)."""
    assume = assume_args()
    result = eligibility(uscc, assume)
    return jsonify({"ok": True, **claim_graph(require_store(), state().ontology, result, assume)})
