"""The app factory: open the store once, register blueprints, errors and security headers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider

from graph import open_store
from ontology import load_ontology
from policykg.errors import StoreUnavailableError
from policykg.settings import Settings, load_settings
from webviz import csrf, i18n
from webviz.admin import admin
from webviz.api import api
from webviz.context import EXTENSION, WebState
from webviz.curate import curate
from webviz.dashboard import dashboard
from webviz.diff import diff_pages
from webviz.enterprises import enterprise_pages
from webviz.errors import register_error_handlers
from webviz.exports import exports
from webviz.pages import pages
from webviz.querypages import query_pages
from webviz.sandbox import sandbox_pages
from webviz.unlocks import unlocks

# Only this origin: no inline script or style, no CDN, no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class JSONProvider(DefaultJSONProvider):
    """JSON with readable Chinese and ISO dates (Flask's default writes HTTP dates)."""

    ensure_ascii = False
    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        """Dates as ``YYYY-MM-DD``; everything else as Flask does."""
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app for ``settings`` (default: from the environment).

    The store is opened once here. If it cannot be opened the app still starts: static
    files are served and pages that need data answer 503 with the reason.
    """
    settings = settings or load_settings()
    app = Flask(__name__)
    app.json = JSONProvider(app)
    ontology = load_ontology()
    try:
        st = WebState(settings, ontology, open_store(settings, ontology))
    except StoreUnavailableError as exc:
        app.logger.warning("graph store unavailable: %s", exc)
        st = WebState(settings, ontology, None, exc)
    app.extensions[EXTENSION] = st
    i18n.init_app(app)
    csrf.init_app(app, settings.secret_key)
    app.register_blueprint(pages)
    app.register_blueprint(query_pages)
    app.register_blueprint(enterprise_pages)
    app.register_blueprint(sandbox_pages)  # 政策沙盘 (issue 15)
    app.register_blueprint(dashboard)
    app.register_blueprint(api)
    app.register_blueprint(admin)
    app.register_blueprint(curate)
    app.register_blueprint(exports)
    app.register_blueprint(unlocks)
    app.register_blueprint(diff_pages)
    register_error_handlers(app)
    app.after_request(_security_headers)
    return app


def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
