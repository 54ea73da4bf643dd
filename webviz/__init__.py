"""The web app: document overview and an interactive graph, every asset served locally.

``create_app(settings)`` is the only public name; ``policykg serve`` calls it.
"""

from webviz.app import create_app

__all__ = ["create_app"]
