"""The web app: document overview and an interactive graph, every asset served locally.

``create_app(settings)`` is the only public name; ``policykg serve`` calls it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from policykg.settings import STATE_UMASK
from webviz import app as _app

if TYPE_CHECKING:
    from flask import Flask

    from policykg.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """The Flask app for ``settings`` (see ``webviz.app.create_app``), with the process
    umask set first so what the app writes (the audit log, a store it creates) is
    private to its owner: files 0600, folders 0700 (settings.STATE_UMASK)."""
    os.umask(STATE_UMASK)
    return _app.create_app(settings)


__all__ = ["create_app"]
