"""The JSON API: documents with counts, one document's outline, its graph, store counts, and
the saved queries (list, run, CSV/JSON download)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from werkzeug.wrappers import Response

from policykg.errors import ParameterError
from queries import lookup_choices, to_csv, to_json
from webviz.context import cached, require_store, state
from webviz.documents import article_details, get_document, list_documents
from webviz.explore import DEFAULT_NEIGHBOURS, MAX_NEIGHBOURS, GraphFilter, explore_document, neighbours
from webviz.i18n import current_lang, msg
from webviz.querylib import bound_params, describe, get_query, load_queries, request_values, run_saved
from webviz.search import document_index, search_document

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
    docs = cached(("documents",), list_documents)
    return jsonify({"ok": True, "documents": [_summary(d) for d in docs]})


@api.get("/documents/<doc_id>")
def document(doc_id: str) -> Response:
    """One document with its chapters, their articles and each article's bureaus."""
    doc = get_document(require_store(), doc_id)
    if doc is None:
        abort(404, msg("no_such_document"))
    return jsonify({"ok": True, "document": doc})


@api.get("/documents/<doc_id>/graph")
def document_graph_json(doc_id: str) -> Response:
    """Nodes and edges of one document for drawing, filtered and capped (webviz.explore):
    ``?chapter=&theme=&bureau=&support=`` (ids), ``types=Article,Bureau`` (node labels;
    ``measures=1`` adds measures), ``limit=`` (at most the configured POLICYKG_GRAPH_LIMIT).
    Besides nodes and edges: ``total`` nodes kept by the filters, ``shown`` nodes drawn,
    the ``filters`` applied and the ``facets`` the filters offer."""
    flag("measures")  # 400 for a value that is not a boolean
    ont = state().ontology
    flt = GraphFilter.from_args(request.args, ont)
    cap = state().settings.graph_node_limit
    limit = int_arg("limit", cap, 1, cap)
    index = cached(("search-index", doc_id, current_lang()), lambda store: document_index(store, ont, doc_id))
    if index is None:
        abort(404, msg("no_such_document"))
    return jsonify({"ok": True, **explore_document(index, ont, doc_id, flt, limit)})


@api.get("/nodes/<node_id>/neighbours")
def node_neighbours(node_id: str) -> Response:
    """A node and its neighbours in the whole graph (either direction), at most ``?limit=``
    (default 50, at most 200), with ``total`` (all its distinct neighbours) and ``shown``."""
    limit = int_arg("limit", DEFAULT_NEIGHBOURS, 1, MAX_NEIGHBOURS)
    found = cached(("neighbours", node_id, limit, current_lang()),
                   lambda store: neighbours(store, state().ontology, node_id, limit))
    if found is None:
        abort(404, msg("no_such_node"))
    return jsonify({"ok": True, **found})


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter (``default`` when absent), at most ``high``; anything
    that is not a number of at least ``low`` is a ParameterError."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < low:
        raise ParameterError(f"{name} must be a whole number of at least {low}, got {raw[:20]!r}",
                             where=f"?{name}=", hint=f"at most {high}")
    return min(int(raw), high)


@api.get("/documents/<doc_id>/search")
def document_search(doc_id: str) -> Response:
    """Nodes of one document whose name or ontology alias contains ``?q=``, best first, with
    the nodes and edges that connect each to the drawing."""
    ont = state().ontology
    index = cached(("search-index", doc_id, current_lang()), lambda store: document_index(store, ont, doc_id))
    found = search_document(require_store(), ont, doc_id, request.args.get("q", ""), index) if index else None
    if found is None:
        abort(404, msg("no_such_document"))
    return jsonify({"ok": True, **found})


@api.get("/articles/<article_id>")
def article(article_id: str) -> Response:
    """An article's source text with its measures' spans and extracted facts."""
    details = article_details(require_store(), article_id)
    if details is None:
        abort(404, msg("no_such_article"))
    return jsonify({"ok": True, "article": details})


@api.get("/stats")
def stats() -> Response:
    """Node counts per label and relationship counts per type."""
    counts = cached(("counts",), lambda store: store.counts())
    return jsonify({"ok": True, "nodes": counts.nodes, "relationships": counts.rels})


@api.get("/queries")
def saved_queries() -> Response:
    """The saved query library: titles, descriptions, parameters with the choices a form offers."""
    store = require_store()
    lib = load_queries()
    return jsonify({
        "ok": True,
        "queries": [describe(q, lookup_choices(store, q)) for q in sorted(lib.queries.values(), key=lambda q: q.name)],
        "problems": [{"error": p.message, "where": p.where} for p in lib.problems],
    })


@api.get("/queries/<name>")
def saved_query(name: str) -> Response:
    """Run a saved query with the URL's parameters: JSON ``{"ok", "columns", "rows", "nodes",
    "rels"}``; ``format=csv`` or ``format=json`` download the result as a file."""
    q = get_query(name)
    fmt = request.args.get("format", "")
    if fmt not in ("", "json", "csv"):
        raise ParameterError(f"format must be csv or json, got {fmt[:20]!r}", where="?format=",
                             hint="leave it out for the API's JSON")
    values = request_values(request.args)
    result = run_saved(require_store(), q, values)
    if fmt == "csv":
        # A byte-order mark so that spreadsheet programs read the Chinese as UTF-8.
        return _download("\ufeff" + to_csv(result), "text/csv; charset=utf-8", f"{q.name}.csv")
    if fmt == "json":
        return _download(to_json(result), "application/json; charset=utf-8", f"{q.name}.json")
    return jsonify({
        "ok": True,
        "query": q.name,
        "params": bound_params(q, values),
        "columns": result.columns,
        "rows": result.records(),
        "nodes": [n.as_dict() for n in result.nodes],
        "rels": [r.as_dict() for r in result.rels],
    })


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
