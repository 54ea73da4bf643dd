"""The JSON API: documents with counts, one document's outline, its graph, store counts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from werkzeug.wrappers import Response

from policykg.errors import ParameterError
from webviz.context import require_store, state
from webviz.documents import get_document, list_documents
from webviz.graphview import document_graph
from webviz.i18n import msg

api = Blueprint("api", __name__, url_prefix="/api")

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


def flag(name: str) -> bool:
    """A boolean query parameter; anything but 1/0/true/false/yes/no/on/off is a ParameterError."""
    value = request.args.get(name, "").strip().lower()
    if value in TRUE or value in FALSE:
        return value in TRUE
    raise ParameterError(f"{name} must be 1 or 0, got {value[:40]!r}", where=f"?{name}=",
                         hint="use 1 (yes) or 0 (no)")


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["id"], "properties": doc["properties"], "counts": doc["counts"]}


@api.get("/documents")
def documents() -> Response:
    """Every loaded document with its counts of chapters, articles, measures and bureaus."""
    return jsonify({"ok": True, "documents": [_summary(d) for d in list_documents(require_store())]})


@api.get("/documents/<doc_id>")
def document(doc_id: str) -> Response:
    """One document with its chapters, their articles and each article's bureaus."""
    doc = get_document(require_store(), doc_id)
    if doc is None:
        abort(404, msg("no_such_document"))
    return jsonify({"ok": True, "document": doc})


@api.get("/documents/<doc_id>/graph")
def document_graph_json(doc_id: str) -> Response:
    """Nodes and edges of one document (``?measures=1`` adds measures) for drawing."""
    graph = document_graph(require_store(), state().ontology, doc_id, measures=flag("measures"))
    if graph is None:
        abort(404, msg("no_such_document"))
    return jsonify({"ok": True, **graph})


@api.get("/stats")
def stats() -> Response:
    """Node counts per label and relationship counts per type."""
    counts = require_store().counts()
    return jsonify({"ok": True, "nodes": counts.nodes, "relationships": counts.rels})
