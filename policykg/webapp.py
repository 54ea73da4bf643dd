"""The web app as deployed: ``webviz.create_app`` plus the parts webviz may not import.

webviz reads the graph only; the extractor's phrase finder (for the dashboard's "unknown
terms awaiting curation") lives in loaders/, so it is plugged in here, at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Flask

from policykg.settings import Settings


def build_app(settings: Settings) -> Flask:
    """The Flask app ``policykg serve`` runs, with the dashboard's term finder configured."""
    from loaders.knowledge import Knowledge, candidate_qualifications
    from webviz import create_app
    from webviz.quality import TERM_FINDER

    app = create_app(settings)
    ontology = app.extensions["policykg"].ontology
    app.config[TERM_FINDER] = partial(candidate_qualifications, Knowledge.build(ontology))
    return app


def serve_workers(settings: Settings, host: str, port: int, *, workers: int, threads: int = 8,
                  on_ready: Callable[[int], None] | None = None) -> None:
    """Serve with gunicorn: ``workers`` processes of ``threads`` threads each.

    One Python process serves one core at a time (the GIL); on a multi-core server more
    workers answer more requests. Each worker builds its own app and opens its own
    read-only store handle (``preload_app`` off: no database handle crosses a fork).
    ``on_ready`` receives the bound port (useful with port 0).
    """
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("preload_app", False)
            self.cfg.set("accesslog", None)
            if on_ready is not None:
                self.cfg.set("when_ready", lambda server: on_ready(server.LISTENERS[0].sock.getsockname()[1]))

        def load(self) -> Flask:
            return build_app(settings)

    _App().run()
