"""The curator-only page ``/curate``: candidate qualifications found by discovery, and
buttons to accept one as a new concept (kind, level) or as an alias of an existing one,
or to reject it.

Guarded like the officer's Cypher box (webviz.admin), with its functions: off unless
POLICYKG_ADMIN_TOKEN is set (every URL then answers 404); the officer signs in with the
admin token (constant-time check, wrong tokens throttled per address, the session keeps a
keyed fingerprint); every POST carries the session's CSRF token (400 without it). The
decisions go through queries.curate, the same functions as ``policykg curate``, to the
same Turtle file; they apply at the next load, and the page marks them meanwhile.
"""

from __future__ import annotations

import math

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from ontology import load_ontology
from policykg.errors import PolicyKGError
from queries.curate import accept, alias, kinds, list_candidates, reject
from webviz import admin as box
from webviz.context import require_store
from webviz.csrf import check_csrf
from webviz.i18n import current_lang, msg
from webviz.querylib import WEB_TIMEOUT_S

curate = Blueprint("curate", __name__, url_prefix="/curate")
DECISION_KEYS = {"accept": "curate_decision_accepted", "alias": "curate_decision_alias",
                 "reject": "curate_decision_rejected"}


def _token() -> str:
    """The admin token; 404 when the curation page is off."""
    token = box.admin_token()
    if not token:
        abort(404)
    return token


def _page(token: str, *, error: str | None = None, done: str | None = None, status: int = 200) -> tuple[str, int]:
    if not box.signed_in(token):
        return render_template("curate.html", signed_in=False, error=error or msg("admin_token_required"),
                               candidates=[], kinds=[], levels=[], qualifications=[], done=None), 403
    ont = load_ontology()  # with every decision written so far
    return render_template(
        "curate.html", signed_in=True, error=error, done=done,
        candidates=list_candidates(require_store(), timeout_s=WEB_TIMEOUT_S),
        kinds=kinds(ont), levels=ont.concepts("levels"),
        qualifications=sorted(c.label_zh for c in ont.concepts("qualifications")),
    ), status


@curate.get("")
def page() -> tuple[str, int]:
    """The candidates and their forms (signed in), else the sign-in form (403)."""
    return _page(_token(), done=request.args.get("done"))


@curate.post("/sign-in")
def sign_in() -> Response | tuple[str, int]:
    """Check the admin token (CSRF-checked, throttled as the Cypher box does)."""
    token = _token()
    check_csrf()
    who, guesses = request.remote_addr or "?", box.throttle()
    if (wait := guesses.wait_s(who)) > 0:
        return _page(token, error=msg("admin_too_many", s=math.ceil(wait)), status=429)
    if not box.token_matches(request.form.get("token", ""), token):
        guesses.wrong(who)
        session.pop(box.SESSION_KEY, None)
        return _page(token, error=msg("admin_wrong_token"), status=403)
    session[box.SESSION_KEY] = box._fingerprint(token)  # the Cypher box's own sign-in
    return redirect(url_for("curate.page", lang=current_lang()), code=303)


@curate.post("/decide")
def decide() -> Response | tuple[str, int]:
    """Write one decision: ``action`` accept (kind, level, en), alias (of) or reject."""
    token = _token()
    check_csrf()
    if not box.signed_in(token):
        return _page(token, status=403)
    form, ont = request.form, load_ontology()
    phrase, action = form.get("phrase", ""), form.get("action", "")
    try:
        if action == "accept":
            accept(phrase, form.get("kind", ""), form.get("level", ""), ont, en=form.get("en") or None)
        elif action == "alias":
            alias(phrase, form.get("of", ""), ont)
        elif action == "reject":
            reject(phrase, ont)
        else:
            return _page(token, error=f"unknown action {action!r}", status=400)
    except PolicyKGError as exc:
        return _page(token, error=str(exc), status=400)
    what = f"{msg(DECISION_KEYS[action])} {phrase}"
    return redirect(url_for("curate.page", lang=current_lang(), done=what), code=303)
