"""Find nodes of one document's graph by name or by an ontology alias (高企 finds 高新技术企业).

The embedded store has no offline full-text index, so the search reads the document's
nodes (its structure, measures, and the concepts its measures and chapters point to) and
matches the query as a normalised substring (``ontology.labels.normalise``: full/half
width, quote styles, spaces; Latin letters case-folded) of each node's name, title,
caption, stored aliases and the ontology concept's labels and aliases. No word
segmentation (jieba) is needed for this: a substring of a name or alias is enough.
When no name holds the query, the closest names are offered (``ontology.fuzzy``:
rapidfuzz on characters and on pinyin), so a misspelling still finds its target.

Each match comes with the nodes and edges that tie it to the drawing (a qualification
with the measures that require it and their articles), so the page can add what is not
drawn yet and select it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph import GraphNode, GraphRel, GraphStore
from ontology import Ontology
from ontology.fuzzy import scored
from ontology.labels import normalise
from policykg.errors import ParameterError
from webviz.graphview import DOCUMENT, MEASURES, STRUCTURE, caption, drawable

MAX_QUERY = 60
MAX_MATCHES = 30

# Concepts that a document's measures and chapters point to (not drawn in the outline).
CONCEPTS = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[hm:HAS_MEASURE]->(m:Measure),
      (m)-[r:REQUIRES|PROVIDES|TARGETS|CONCERNS]->(x)
WHERE d.id = $id
RETURN a, hm, m, r, x
"""

THEMES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[r:ABOUT]->(t:Theme)
WHERE d.id = $id
RETURN c, r, t
"""

# Which kinds of node a search lists first (concepts people look up), then the outline.
ORDER = ("Qualification", "SupportForm", "Bureau", "Theme", "BeneficiaryType", "Industry",
         "Article", "Chapter", "PolicyDocument", "Measure")


@dataclass(frozen=True)
class Match:
    """A node whose name or alias contains the query; ``matched`` is that name or alias."""

    node: GraphNode
    matched: str
    rank: tuple[int, int, int]


def key(text: str) -> str:
    """The form both sides are compared in.

    >>> key("Ｈigh “小巨人” 企业")
    'high"小巨人"企业'
    """
    return normalise(text).casefold()


def names_of(node: GraphNode, ontology: Ontology) -> list[str]:
    """Every string a node may be found by: caption, name, title, stored aliases, and its
    ontology concept's labels and aliases (zh and en)."""
    p = node.properties
    names = [caption(node)]
    names += [str(p[k]) for k in ("name", "title", "full_name", "name_en") if p.get(k)]
    names += [a for a in str(p.get("aliases") or "").split("|") if a]
    nt = ontology.node_types.get(node.label)
    concept = ontology.concept(nt.scheme, node.id) if nt and nt.scheme else None
    if concept is not None:
        names += [*concept.all_labels, *([concept.label_en] if concept.label_en else [])]
    return list(dict.fromkeys(n for n in names if n))


def _rank(node: GraphNode, q: str, names: list[tuple[str, str]]) -> tuple[tuple[int, int, int], str] | None:
    """(exact 0 / prefix 1 / inside 2, kind order, length) of the best name holding ``q``."""
    best = None
    for name, k in names:
        if q not in k:
            continue
        how = 0 if k == q else 1 if k.startswith(q) else 2
        order = ORDER.index(node.label) if node.label in ORDER else len(ORDER)
        cand = ((how, order, len(k)), name)
        if best is None or cand[0] < best[0]:
            best = cand
    return best


@dataclass(frozen=True)
class DocumentIndex:
    """What a document's search looks in: its nodes, their relationships, and each node's
    names as (name, normalised key) pairs (captions in the request's language)."""

    nodes: dict[str, GraphNode]
    rels: list[GraphRel]
    names: dict[str, list[tuple[str, str]]]


def document_index(store: GraphStore, ontology: Ontology, doc_id: str) -> DocumentIndex | None:
    """Read document ``doc_id``'s nodes (outline, measures, the concepts they point to) and
    their names; None if there is no such document."""
    params = {"id": doc_id}
    results = [store.read(STRUCTURE, params)]
    if not results[0].nodes:
        results = [store.read(DOCUMENT, params)]
        if not results[0].nodes:
            return None
    results += [store.read(MEASURES, params), store.read(CONCEPTS, params), store.read(THEMES, params)]
    nodes = {n.id: n for res in results for n in res.nodes}
    names = {n.id: [(name, key(name)) for name in names_of(n, ontology)] for n in nodes.values()}
    return DocumentIndex(nodes, [r for res in results for r in res.rels], names)


def search_document(store: GraphStore, ontology: Ontology, doc_id: str, text: str,
                    index: DocumentIndex | None = None) -> dict[str, Any] | None:
    """``{"q", "total", "matches", "nodes", "edges"}`` for ``text`` in document ``doc_id``
    (None if there is no such document; ``index`` if already read). ``matches`` are at most
    MAX_MATCHES, best first: exact name or alias, then prefix, then substring; concepts
    before the outline. When nothing holds the text, the closest names are offered
    instead and ``fuzzy`` is true (a did-you-mean)."""
    text = text.strip()
    if len(text) > MAX_QUERY:
        raise ParameterError(f"search text is longer than {MAX_QUERY} characters", where="?q=")
    index = index or document_index(store, ontology, doc_id)
    if index is None:
        return None
    q = key(text)
    if not q:
        return {"q": text, "total": 0, "matches": [], "nodes": [], "edges": []}
    found = []
    for node in index.nodes.values():
        best = _rank(node, q, index.names[node.id])
        if best is not None:
            found.append(Match(node, best[1], best[0]))
    fuzzy = not found
    if fuzzy:  # nothing holds the text: the names closest to it (高薪技术企业 → 高新技术企业)
        found = _close(index, text)
    found.sort(key=lambda m: (m.rank, caption(m.node), m.node.id))
    shown = found[:MAX_MATCHES]
    keep_nodes, keep_rels = _context([m.node for m in shown], index.nodes, index.rels)
    graph = drawable(keep_nodes, keep_rels, ontology)
    types = graph["types"]
    return {
        "q": text,
        "total": len(found),
        "fuzzy": fuzzy,
        "matches": [{"id": m.node.id, "label": m.node.label, "caption": caption(m.node),
                     "type": types[m.node.label]["name"] if m.node.label in types else m.node.label,
                     "matched": m.matched} for m in shown],
        "nodes": graph["nodes"],
        "edges": graph["edges"],
    }


def _close(index: DocumentIndex, text: str) -> list[Match]:
    """Matches for a misspelt ``text``: each node once, with its name closest to the text
    (rapidfuzz on characters and pinyin, ``ontology.fuzzy``), ranked after every exact
    kind of match and by closeness."""
    pairs = [(node, name) for node in index.nodes.values() for name, _ in index.names[node.id]]
    seen: dict[str, Match] = {}
    for i, score in scored(text, [name for _, name in pairs], limit=MAX_MATCHES):
        node, name = pairs[i]
        order = ORDER.index(node.label) if node.label in ORDER else len(ORDER)
        if node.id not in seen:
            seen[node.id] = Match(node, name, (3, round(100 - score), order))
    return list(seen.values())


def _context(matched: list[GraphNode], nodes: dict[str, GraphNode],
             rels: list[GraphRel]) -> tuple[list[GraphNode], list[GraphRel]]:
    """The matched nodes, and for those outside the outline (measures, concepts) the
    relationships and nodes that connect them to it: concept ← measure ← article."""
    keep = {n.id: n for n in matched}
    edges: list[GraphRel] = []
    outline = {"PolicyDocument", "Chapter", "Article", "Bureau"}
    measures = {n.id for n in matched if n.label == "Measure"}
    for n in matched:
        if n.label in outline or n.label == "Measure":
            continue
        for r in rels:
            if r.end == n.id and r.start in nodes:
                edges.append(r)
                keep.setdefault(r.start, nodes[r.start])
                if nodes[r.start].label == "Measure":
                    measures.add(r.start)
    for r in rels:
        if r.type == "HAS_MEASURE" and r.end in measures and r.start in nodes:
            edges.append(r)
            keep.setdefault(r.start, nodes[r.start])
            keep.setdefault(r.end, nodes[r.end])
    return list(keep.values()), edges
