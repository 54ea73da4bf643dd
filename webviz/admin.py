"""The officer-only ad-hoc Cypher box: ``/admin/cypher``.

Off unless ``POLICYKG_ADMIN_TOKEN`` is set (then every admin URL answers 404, as if it did
not exist). When on:

- the officer types the token once; it is compared in constant time (``hmac.compare_digest``
  on SHA-256 digests, so not even its length leaks), and the session remembers a keyed
  fingerprint of it, never the token itself; changing the token, or the secret key (a
  restart without ``POLICYKG_SECRET_KEY``), ends every session. A wrong token: 403; after
  MAX_WRONG wrong tokens from one address within WINDOW_S seconds, that address may not
  try again until the oldest of them is WINDOW_S old: 429 (so guessing is slow even
  against a short token; the right token also waits, a cost for an officer who mistyped).
- every POST carries the session's CSRF token (webviz.csrf); without it: 400.
- the query must pass the saved-query library's read-only check (a tokenizer and an
  allow-list of clauses: ``queries.readonly``; CREATE, SET, CALL, LOAD, SHOW, TERMINATE ...
  are refused with the clause named), and every variable-length pattern needs an upper
  bound of at most ``MAX_HOPS`` hops (``-[*]-`` or ``-[*2..]-`` can fill the memory). It
  then runs through ``store.read`` on a read-only LadybugDB connection or in a Neo4j READ
  transaction, so a write is refused twice.
- budgets (``policykg.settings``): the database cancels the query after
  ``POLICYKG_ADMIN_TIMEOUT_S`` seconds (Neo4j: the transaction timeout; LadybugDB: the
  connection's query timeout), and at most ``POLICYKG_ADMIN_MAX_ROWS`` + 1 rows are
  fetched; beyond, the page says "more than N" and the rest is never read. Neo4j 5
  Community has no per-transaction memory limit (``db.memory.transaction.max`` is server
  wide and would also cap loads), so memory is bounded by the row budget, the hop cap and
  the server's own transaction memory pool.
- the result is an escaped table; each run is appended to the audit log like a saved
  query's (user ``web-admin``, query ``admin-cypher``, the text as its parameter).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from graph import ReadResult
from policykg.errors import QueryDefinitionError, StoreError
from queries import append_audit
from queries.definition import check_read_only
from queries.readonly import MAX_HOPS, ReadOnlyError, check_bounded_paths, check_bounded_ranges
from webviz.context import require_store, state
from webviz.csrf import check_csrf
from webviz.i18n import current_lang, msg
from webviz.results import table_rows

admin = Blueprint("admin", __name__, url_prefix="/admin")

MAX_CYPHER = 5000  # characters
ADMIN_USER = "web-admin"
AUDIT_QUERY = "admin-cypher"
SESSION_KEY = "admin"
MAX_WRONG = 5  # wrong tokens per address ...
WINDOW_S = 300.0  # ... within this many seconds, then the address waits


class Throttle:
    """Wrong-token attempts per client address, in a sliding window (in memory: one
    server process; a restart forgets them)."""

    def __init__(self, limit: int = MAX_WRONG, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._wrong: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, who: str) -> float:
        """Seconds until ``who`` may try a token again (0: now)."""
        with self._lock:
            times = self._recent(who)
            return self.window_s - (self.clock() - times[0]) if len(times) >= self.limit else 0.0

    def wrong(self, who: str) -> None:
        """Count a wrong token from ``who``."""
        with self._lock:
            times = self._recent(who)
            times.append(self.clock())
            self._wrong[who] = times

    def _recent(self, who: str) -> deque[float]:
        """``who``'s wrong tokens still inside the window; an address with none is
        forgotten, so the table holds only addresses that erred lately."""
        times = self._wrong.get(who, deque())
        now = self.clock()
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if not times:
            self._wrong.pop(who, None)
        return times


THROTTLE = "policykg_admin_throttle"


@admin.record_once
def _add_throttle(setup: BlueprintSetupState) -> None:
    """One throttle per app, made when the blueprint is registered."""
    setup.app.extensions[THROTTLE] = Throttle()


def throttle() -> Throttle:
    """This app's throttle of wrong admin tokens."""
    return current_app.extensions[THROTTLE]


def admin_token() -> str | None:
    """The configured admin token, or None when the box is off."""
    return state().settings.admin_token


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def token_matches(given: str, token: str) -> bool:
    """True when ``given`` is the admin token (constant time, length not revealed)."""
    return hmac.compare_digest(_digest(given), _digest(token))


def _fingerprint(token: str) -> str:
    """What the session keeps: an HMAC of the token under the app's secret key."""
    key = current_app.secret_key
    key_bytes = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key_bytes, b"policykg-admin\0" + token.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_in(token: str) -> bool:
    """True when this session gave the current token before."""
    kept = session.get(SESSION_KEY)
    return isinstance(kept, str) and hmac.compare_digest(kept, _fingerprint(token))


@admin.app_context_processor
def _nav() -> dict[str, object]:
    """``admin_enabled`` for the navigation bar: the link shows only when the box is on."""
    return {"admin_enabled": bool(admin_token())}


def _page(token: str, text: str = "", *, error: str | None = None, result: ReadResult | None = None,
          status: int = 200) -> tuple[str, int]:
    settings = state().settings
    max_rows = settings.admin_max_rows
    html = render_template(
        "admin_cypher.html", cypher=text, error=error, signed_in=signed_in(token), max_cypher=MAX_CYPHER,
        columns=result.columns if result else [], rows=table_rows(result, max_rows) if result else [],
        total=min(len(result.rows), max_rows) if result else 0, ran=result is not None,
        more=result is not None and len(result.rows) > max_rows, max_rows=max_rows,
        timeout_s=settings.admin_timeout_s,
    )
    return html, status


def _timed_out(message: str) -> bool:
    """True if a store error says the database cancelled the query for its time limit
    (LadybugDB: "Interrupted."; Neo4j: TransactionTimedOut, "terminated")."""
    lowered = message.lower()
    return any(word in lowered for word in ("interrupted", "timed out", "timedout", "terminated"))


@admin.route("/cypher", methods=["GET", "POST"])
def cypher() -> tuple[str, int]:
    """The form (GET) and a run (POST): token, CSRF and read-only checks, then the table."""
    token = admin_token()
    if not token:
        abort(404)
    if request.method == "GET":
        return _page(token)
    check_csrf()
    text = request.form.get("cypher", "")[: MAX_CYPHER + 1].strip()
    given = request.form.get("token", "")
    if given:
        who, guesses = request.remote_addr or "?", throttle()
        wait = guesses.wait_s(who)
        if wait > 0:
            return _page(token, text, error=msg("admin_too_many", s=math.ceil(wait)), status=429)
        if not token_matches(given, token):
            guesses.wrong(who)
            session.pop(SESSION_KEY, None)
            return _page(token, text, error=msg("admin_wrong_token"), status=403)
        session[SESSION_KEY] = _fingerprint(token)
    elif not signed_in(token):
        return _page(token, text, error=msg("admin_token_required"), status=403)
    if not text:
        return _page(token, text, error=msg("admin_empty"), status=400)
    if len(text) > MAX_CYPHER:
        return _page(token, text[:MAX_CYPHER], error=msg("admin_too_long", n=MAX_CYPHER), status=400)
    try:
        check_read_only(text, where="admin Cypher box")
        check_bounded_paths(text, MAX_HOPS)
        check_bounded_ranges(text)
    except (QueryDefinitionError, ReadOnlyError) as exc:
        return _page(token, text, error=f"{msg('admin_refused')}: {getattr(exc, 'message', exc)}", status=400)
    store = require_store()
    st = state()
    try:
        result = store.read(text, {}, timeout_s=st.settings.admin_timeout_s, max_rows=st.settings.admin_max_rows)
    except StoreError as exc:
        reason = msg("admin_timeout", s=st.settings.admin_timeout_s) if _timed_out(exc.message) else exc.message
        return _page(token, text, error=f"{msg('admin_failed')}: {reason}", status=400)
    append_audit(st.settings.audit_log, user=ADMIN_USER, query=AUDIT_QUERY, params={"cypher": text},
                 backend=store.backend, data_version=st.cache.version(store), result=result)
    return _page(token, text, result=result)


@admin.post("/logout")
def logout() -> Response:
    """Forget this session's admin sign-in (CSRF-checked), back to the form."""
    if not admin_token():
        abort(404)
    check_csrf()
    session.pop(SESSION_KEY, None)
    return redirect(url_for("admin.cypher", lang=current_lang()))
