"""The web app as deployed: ``webviz.create_app`` plus the parts webviz may not import.

webviz reads the graph only; the extractor's phrase finder (for the dashboard's "unknown
terms awaiting curation") lives in loaders/, so it is plugged in here, at the top.
"""

from __future__ import annotations

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
