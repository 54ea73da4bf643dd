"""Shared pieces of the browser tests: Debian's Chromium, the app served from a thread, and
pages that record every problem (console errors such as CSP violations, page errors,
dialogs, requests to other hosts)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from policykg.settings import Settings
from webviz import create_app

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
WAIT_MS = 30_000  # an upper bound for slow machines, not a timing assertion
APP_ORIGIN = ("http://127.0.0.1:", "data:", "blob:")


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The app for ``settings`` on 127.0.0.1 and a free port, served from a background thread."""
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
        app.extensions["policykg"].close()


def watch(p, allowed: tuple[str, ...] = APP_ORIGIN) -> None:
    """Record on ``p.problems`` console errors (CSP violations among them), page errors,
    dialogs (an alert would mean XSS) and requests whose URL does not start with ``allowed``."""
    p.set_default_timeout(WAIT_MS)
    p.problems = []
    p.on("console", lambda m: m.type in ("error", "warning") and p.problems.append(f"console {m.type}: {m.text}"))
    p.on("pageerror", lambda e: p.problems.append(f"page error: {e}"))
    p.on("dialog", lambda d: (p.problems.append(f"dialog: {d.message}"), d.dismiss()))
    p.on("request", lambda r: r.url.startswith(allowed) or p.problems.append(f"request to another host: {r.url}"))


@contextmanager
def app_page(browser, *, height: int = 900) -> Iterator:
    """A fresh zh-CN page on the app that watches for problems (see ``watch``)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": height}, locale="zh-CN", accept_downloads=True)
    p = context.new_page()
    watch(p)
    try:
        yield p
    finally:
        context.close()
