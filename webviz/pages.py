"""HTML pages: the overview of loaded documents and the interactive graph of one document."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from webviz.context import cached, state
from webviz.documents import find_document, list_documents
from webviz.graphview import node_types
from webviz.i18n import msg, other_lang, pick

pages = Blueprint("pages", __name__)

# Document properties shown under each title on the overview, in this order.
DOCUMENT_FIELDS = ("district", "doc_number", "issuer", "issued_on", "effective_from", "effective_until")
# UI strings the graph script needs.
JS_MESSAGES = ("loading", "load_failed", "node_type", "details_hint", "choose_node", "relationships",
               "source_text", "requires", "provides", "measure_caption", "no_search_matches", "search_more",
               "search_failed", "assumed")


@pages.app_context_processor
def _labels() -> dict[str, object]:
    """Ontology labels for templates, and the URL of this page in the other language."""
    ont = state().ontology

    def type_name(label: str) -> str:
        nt = ont.node_types.get(label)
        return pick(nt.label_zh, nt.label_en) if nt else label

    def prop_name(label: str, prop: str) -> str:
        nt = ont.node_types.get(label)
        p = nt.prop(prop) if nt else None
        return pick(p.label_zh, p.label_en) if p else prop

    def rel_name(rtype: str) -> str:
        rt = ont.rel_types.get(rtype)
        return pick(rt.label_zh, rt.label_en) if rt else rtype

    def rel_prop_name(rtype: str, prop: str) -> str:
        rt = ont.rel_types.get(rtype)
        p = next((q for q in rt.properties if q.name == prop), None) if rt else None
        return pick(p.label_zh, p.label_en) if p else prop

    return {"type_name": type_name, "prop_name": prop_name, "rel_name": rel_name, "rel_prop_name": rel_prop_name,
            "switch_url": _switch_url()}


def _switch_url() -> str:
    """This page with ``lang`` switched (the overview when the URL matched no page)."""
    if request.endpoint and request.endpoint != "static" and not request.path.startswith("/api/"):
        # Keys starting with "_" are url_for's own options (_external, _scheme...): never from the query.
        args = {k: v for k, v in request.args.items() if not k.startswith("_")}
        return url_for(request.endpoint, **{**args, **(request.view_args or {}), "lang": other_lang()})
    return url_for("pages.overview", lang=other_lang())


@pages.get("/")
def overview() -> str:
    """Every loaded document with its counts and outline, then the store's counts."""
    return render_template("overview.html", documents=cached(("documents",), list_documents),
                           counts=cached(("counts",), lambda store: store.counts()), fields=DOCUMENT_FIELDS)


@pages.get("/documents/<doc_id>/graph")
def document_graph(doc_id: str) -> str:
    """The interactive graph of one document; the script fetches the JSON API."""
    props = cached(("graph-page-document", doc_id), lambda store: find_document(store, doc_id))
    if props is None:
        abort(404, msg("no_such_document"))
    return render_template("graph.html", doc_id=doc_id, doc=props, types=node_types(state().ontology),
                           js_messages={k: msg(k) for k in JS_MESSAGES})
