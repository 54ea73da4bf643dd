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
from webviz.explore import DEFAULT_NEIGHBOURS, MAX_DEPTH, GraphFilter, ego_network, explore_document, neighbours
from webviz.i18n import current_lang, msg
from webviz.querylib import bound_params, describe, get_query, load_queries, request_values, run_saved
from webviz.search import DocumentIndex, document_index, search_document

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


def indexed(doc_id: str) -> DocumentIndex | None:
    """Document ``doc_id``'s index (webviz.search), read once per data version and language."""
    ont = state().ontology
    return cached(("search-index", doc_id, current_lang()), lambda store: document_index(store, ont, doc_id))


def explored(doc_id: str, flt: GraphFilter, limit: int) -> dict[str, Any] | None:
    """``explore_document`` of ``doc_id`` under ``flt``, at most ``limit`` nodes, with a
    ``note`` ("showing N of M nodes", in the request's language; "" when all are drawn);
    kept per data version, so a large document is walked once per filter, not per view.
    None if there is no such document."""
    index = indexed(doc_id)
    if index is None:
        return None

    def walk(_store: Any) -> dict[str, Any]:
        found = explore_document(index, state().ontology, doc_id, flt, limit)
        capped = found["total"] > found["shown"]
        return {**found, "note": msg("showing_nodes", shown=found["shown"], total=found["total"]) if capped else ""}

    return cached(("explore", doc_id, flt, limit, current_lang()), walk)


@api.get("/documents/<doc_id>/graph")
def document_graph_json(doc_id: str) -> Response:
    """Nodes and edges of one document for drawing, filtered and capped (webviz.explore):
    ``?chapter=&theme=&bureau=&support=`` (ids), ``types=Article,Bureau`` (node labels;
    ``measures=1`` adds measures), ``limit=`` (at most the configured POLICYKG_GRAPH_LIMIT).
    Besides nodes and edges: ``total`` nodes kept by the filters, ``shown`` nodes drawn,
    ``note`` saying so when some are left out, the ``filters`` applied and the ``facets``
    the filters offer."""
    flag("measures")  # 400 for a value that is not a boolean
    flt = GraphFilter.from_args(request.args, state().ontology)
    cap = state().settings.graph_node_limit
    limit = int_arg("limit", cap, 1, cap)
    found = explored(doc_id, flt, limit)
    if found is None:
        abort(404, msg("no_such_document"))
    return jsonify({"ok": True, **found})


@api.get("/nodes/<node_id>/neighbours")
def node_neighbours(node_id: str) -> Response:
    """A node and its neighbours in the whole graph (either direction), at most ``?limit=``
    (default 50, at most POLICYKG_GRAPH_MAX_NEIGHBOURS, 200 by default), with ``total`` (all
    its distinct neighbours), ``shown`` and ``note`` ("showing N of M" when capped)."""
    cap = state().settings.graph_max_neighbours
    limit = int_arg("limit", min(DEFAULT_NEIGHBOURS, cap), 1, cap)
    rtype = request.args.get("type", "").strip()
    if rtype and rtype not in state().ontology.rel_types:
        raise ParameterError(f"unknown relationship type {rtype[:40]!r}", where="?type=",
                             hint="relationship types: " + ", ".join(sorted(state().ontology.rel_types)))
    found = cached(("neighbours", node_id, limit, rtype, current_lang()),
                   lambda store: neighbours(store, state().ontology, node_id, limit, rtype))
    if found is None:
        abort(404, msg("no_such_node"))
    capped = found["total"] > found["shown"]
    note = msg("neighbours_capped", shown=found["shown"], total=found["total"]) if capped else ""
    return jsonify({"ok": True, **found, "note": note})


@api.get("/nodes/<node_id>/ego")
def node_ego(node_id: str) -> Response:
    """The ego network of a node: every node within ``?depth=`` steps (1 to 3, default 1)
    and the relationships among them, nearest first, at most POLICYKG_GRAPH_LIMIT nodes
    (``total``, ``shown`` and a ``note`` when capped); each node's ``level`` is its distance."""
    depth = int_arg("depth", 1, 1, MAX_DEPTH)
    limit = state().settings.graph_node_limit
    found = cached(("ego", node_id, depth, limit, current_lang()),
                   lambda store: ego_network(store, state().ontology, node_id, depth, limit))
    if found is None:
        abort(404, msg("no_such_node"))
    capped = found["total"] > found["shown"]
    return jsonify({"ok": True, **found,
                    "note": msg("showing_nodes", shown=found["shown"], total=found["total"]) if capped else ""})


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
    index = indexed(doc_id)
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
    "rels", "nodes_total", "note"}`` (at most POLICYKG_GRAPH_MAX_NODES nodes, with the
    relationships among them; ``note`` says "showing N of M" when capped); ``format=csv``
    or ``format=json`` download the result as a file."""
    q = get_query(name)
    fmt = request.args.get("format", "")
    if fmt not in ("", "json", "csv"):
        raise ParameterError(f"format must be csv or json, got {fmt[:20]!r}", where="?format=",
                             hint="leave it out for the API's JSON")
    values = request_values(request.args)
    result = run_saved(require_store(), q, values)
    if fmt == "csv":
        # A byte-order mark so that spreadsheet programs read the Chinese as UTF-8.
        headings = [q.heading(c, current_lang()) for c in result.columns]  # the page's language
        return _download("\ufeff" + to_csv(result, headings), "text/csv; charset=utf-8", f"{q.name}.csv")
    if fmt == "json":
        return _download(to_json(result), "application/json; charset=utf-8", f"{q.name}.json")
    cap = state().settings.graph_max_nodes
    nodes = result.nodes[:cap]
    kept = {n.id for n in nodes}
    rels = result.rels if len(result.nodes) <= cap else [r for r in result.rels if r.start in kept and r.end in kept]
    capped = len(result.nodes) > cap
    return jsonify({
        "ok": True,
        "query": q.name,
        "params": bound_params(q, values),
        "columns": result.columns,
        "headings": {c: {"zh": q.heading(c, "zh"), "en": q.heading(c, "en")} for c in result.columns},
        "rows": result.records(),
        "nodes": [n.as_dict() for n in nodes],
        "rels": [r.as_dict() for r in rels],
        "nodes_total": len(result.nodes),
        "note": msg("showing_nodes", shown=len(nodes), total=len(result.nodes)) if capped else "",
    })


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
