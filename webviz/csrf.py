"""CSRF protection for forms that change or run anything: a synchroniser token.

Each browser session gets a random token kept in Flask's signed session cookie (HttpOnly,
SameSite=Strict). A form carries it in a hidden ``csrf_token`` field; a POST whose field
is missing or differs is refused with 400 before the view does anything. Another site can
make a browser send the cookie (not with SameSite=Strict, but older browsers) yet cannot
read the token, so it cannot forge the field. The session is signed with the app's secret
key: ``POLICYKG_SECRET_KEY``, else a random key per process (sessions then end with a
restart, which is harmless here).

No extension (Flask-WTF) is needed for one form; this is its ``generate_csrf`` /
``validate_csrf`` without the expiry, in a dozen lines that the tests exercise.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

from webviz.i18n import msg

FIELD = "csrf_token"
SESSION_KEY = "csrf"


def csrf_token() -> str:
    """This session's token (created on first use); templates put it in a hidden field."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def check_csrf() -> None:
    """Abort with 400 unless the request's ``csrf_token`` form field (or ``X-CSRF-Token``
    header) equals this session's token."""
    sent = request.form.get(FIELD) or request.headers.get("X-CSRF-Token") or ""
    expected = session.get(SESSION_KEY)
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, msg("csrf_failed"))


def init_app(app: Flask, secret_key: str | None) -> None:
    """Give ``app`` a secret key (``secret_key``, else random for this process), strict
    session cookies, and the ``csrf_token()`` template global."""
    if not app.secret_key:
        app.secret_key = secret_key or secrets.token_hex(32)
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = "Strict"
    app.add_template_global(csrf_token)
