"""The drawable graph of one document or of a query result: nodes with captions, edges,
and the legend types.

Built from the ``nodes``/``rels`` of ``store.read`` results so the drawing shows exactly
what the store holds; captions and type names follow the request's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph import GraphNode, GraphRel, GraphStore
from ontology import Ontology
from webviz.i18n import msg, pick

STRUCTURE = """
MATCH (d:PolicyDocument)-[hc:HAS_CHAPTER]->(c:Chapter)
WHERE d.id = $id
OPTIONAL MATCH (c)-[ha:HAS_ARTICLE]->(a:Article)
OPTIONAL MATCH (b:Bureau)-[r:RESPONSIBLE_FOR]->(a)
RETURN d, hc, c, ha, a, r, b
"""

MEASURES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[hm:HAS_MEASURE]->(m:Measure)
WHERE d.id = $id
OPTIONAL MATCH (b:Bureau)-[h:HANDLES]->(m)
RETURN a, hm, m, h, b
"""

DOCUMENT = "MATCH (d:PolicyDocument) WHERE d.id = $id RETURN d"

# Properties shown first in the details panel; long text last; the rest in ontology order.
FIRST = ("title", "name", "number", "seq", "full_name", "doc_number", "district", "issuer",
         "issued_on", "effective_from", "effective_until")
LAST = ("text",)


def document_graph(store: GraphStore, ontology: Ontology, doc_id: str, *,
                   measures: bool = False) -> dict[str, Any] | None:
    """``{"nodes", "edges", "types", "relationship_types"}`` for ``doc_id``, or None if unknown."""
    params = {"id": doc_id}
    results = [store.read(STRUCTURE, params)]
    if not results[0].nodes:
        results = [store.read(DOCUMENT, params)]
        if not results[0].nodes:
            return None
    if measures:
        results.append(store.read(MEASURES, params))
    return drawable([n for res in results for n in res.nodes], [r for res in results for r in res.rels], ontology)


def drawable(nodes: Iterable[GraphNode], rels: Iterable[GraphRel], ontology: Ontology) -> dict[str, Any]:
    """``{"nodes", "edges", "types", "relationship_types"}`` for graph.js: nodes with captions,
    edges de-duplicated by type and ends (a later duplicate wins)."""
    by_id = {n.id: n for n in nodes}
    edges: dict[str, dict[str, Any]] = {}
    for r in rels:
        key = f"{r.type}|{r.start}|{r.end}"
        edges[key] = {"id": key, **r.as_dict()}
    return {
        "nodes": [{**n.as_dict(), "caption": caption(n)} for n in by_id.values()],
        "edges": list(edges.values()),
        "types": node_types(ontology),
        "relationship_types": {
            t.type: {"name": pick(t.label_zh, t.label_en),
                     "properties": {p.name: pick(p.label_zh, p.label_en) for p in t.properties}}
            for t in ontology.rel_types.values()
        },
    }


def node_types(ontology: Ontology) -> dict[str, dict[str, Any]]:
    """Legend entries per node label: localised name, colour, shape, ordered property labels."""
    out = {}
    for nt in ontology.node_types.values():
        names = [p.name for p in nt.properties]
        order = sorted(names, key=lambda n: (n in LAST, FIRST.index(n) if n in FIRST else len(FIRST)))
        labels = {p.name: pick(p.label_zh, p.label_en) for p in nt.properties}
        out[nt.label] = {
            "name": pick(nt.label_zh, nt.label_en),
            "colour": nt.colour,
            "shape": nt.shape,
            "properties": [[name, labels[name]] for name in order],
        }
    return out


def caption(node: GraphNode) -> str:
    """A short label to draw: title for documents, 第N章/第N条 plus title, a bureau's name."""
    p = node.properties
    if node.label == "Chapter":
        head = msg("chapter_caption", number=p.get("number")) if p.get("number") else msg("no_chapter")
        return f"{head} {p.get('title') or ''}".strip()
    if node.label == "Article":
        return f"{msg('article_caption', number=p.get('number'))} {p.get('title') or ''}".strip()
    if node.label == "Measure":
        return msg("measure_caption", seq=p.get("seq", ""))
    return str(p.get("title") or p.get("name") or node.id)


def add_context(nodes: list[dict[str, Any]], known: Mapping[str, GraphNode]) -> None:
    """Give each drawable node of a document (chapter, article, measure) the human names of
    where it sits: ``document`` (the document's title), ``article`` (第N条 and title) and
    ``where`` (both, for a line under its name), looked up in ``known`` by the node's
    ``document_id``/``article_id``. The details panel and the tooltips show these instead
    of internal ids; a measure drawn far from its article (after "expand") still says
    which article and document it is."""
    for n in nodes:
        p = n.get("properties", {})
        doc = known.get(str(p.get("document_id") or ""))
        art = known.get(str(p.get("article_id") or ""))
        parts = []
        if art is not None and art.label == "Article":
            n["article"] = caption(art)
            parts.append(n["article"])
        if doc is not None and doc.label == "PolicyDocument":
            n["document"] = caption(doc)
            parts.append(f"《{n['document']}》")
        if parts:
            n["where"] = " · ".join(parts)
