"""Enterprise pages and API: find an enterprise by USCC or name, and show what it may
claim (with the requirement met, support forms and bureaus to call), near misses with
their reasons, and what an assumed qualification would switch on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, jsonify, render_template, request

from policykg.errors import ParameterError
from queries.eligibility import Eligibility, enterprise_eligibility
from webviz.context import require_store, state

enterprise_pages = Blueprint("enterprise_pages", __name__)

_SEARCH = """
MATCH (e:Enterprise)
WHERE e.id = $q OR e.name CONTAINS $q
RETURN e.id AS uscc, e.name AS name, e.district AS district
ORDER BY name, uscc
LIMIT 50
"""


def search(q: str) -> list[dict[str, Any]]:
    """Enterprises whose USCC is ``q`` or whose name contains it (at most 50)."""
    q = q.strip()
    if not q:
        return []
    if len(q) > 100:
        raise ParameterError("search text is too long", where="q")
    return require_store().read(_SEARCH, {"q": q.upper() if q.isascii() else q}).records()


def _as_of() -> dt.date:
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ParameterError(f"{raw[:20]!r} is not a date", where="as_of", hint="YYYY-MM-DD") from None


def _eligibility(uscc: str) -> Eligibility:
    assume = [a for a in request.args.getlist("assume") if a.strip()]
    try:
        return enterprise_eligibility(require_store(), uscc, as_of=_as_of(), assume=assume,
                                      ontology=state().ontology)
    except ParameterError as exc:
        if exc.where == "USCC":
            abort(404, exc.message)
        raise


@enterprise_pages.get("/enterprises")
def find() -> str:
    """Search form and matches."""
    q = request.args.get("q", "")
    return render_template("enterprises.html", q=q, matches=search(q) if q else None)


@enterprise_pages.get("/enterprises/<uscc>")
def enterprise(uscc: str) -> str:
    """What one enterprise may claim on a date, near misses, and a what-if."""
    result = _eligibility(uscc)
    name = require_store().read("MATCH (e:Enterprise) WHERE e.id = $u RETURN e.name", {"u": uscc}).rows[0][0]
    return render_template("enterprise.html", result=result, name=name,
                           assume=request.args.get("assume", ""), as_of=result.as_of.isoformat())


@enterprise_pages.get("/api/enterprises")
def api_search() -> Response:
    """Matches for ``?q=`` (USCC or part of a name)."""
    return jsonify({"ok": True, "enterprises": search(request.args.get("q", ""))})


@enterprise_pages.get("/api/enterprises/<uscc>")
def api_enterprise(uscc: str) -> Response:
    """The eligibility of one enterprise (``?as_of=``, ``?assume=`` repeated)."""
    return jsonify({"ok": True, **_eligibility(uscc).as_dict()})

