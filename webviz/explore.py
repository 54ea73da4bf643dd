"""Explore a document's graph: filter it (chapter, theme, bureau, support form, node type),
cap what is drawn with an honest "showing N of M", and fetch a node's neighbours.

Filtering works on the document's index (``webviz.search.document_index``: outline,
measures, the concepts they point to, the chapters' themes), read once per data version
and language and shared with the node search, so a filter costs no store round trip. The
filters choose *articles*; the drawing is then the document, the chapters holding those
articles, the articles, the bureaus responsible for them and, when asked for, their
measures and the concepts linked to what is drawn:

- ``chapter`` (a chapter id): the chapter's articles;
- ``theme`` (a Theme id): articles of chapters ABOUT the theme;
- ``bureau`` (a Bureau id): articles the bureau is RESPONSIBLE_FOR;
- ``support`` (a SupportForm id): articles with a measure that PROVIDES it (and, when
  measures are drawn, only those measures);
- ``types`` (node labels): which kinds of node to draw; concept nodes (themes,
  qualifications, support forms, ...) are drawn only next to a drawn node they link to.

Filters combine with AND. Nodes are ordered as a reader meets them (document, then each
chapter with its articles, each article's bureaus and measures) and the first ``limit``
are drawn, so a capped drawing is the beginning of the document, not a random sample.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph import GraphNode, GraphRel, GraphStore
from ontology import Ontology
from policykg.errors import ParameterError
from webviz.graphview import add_context, caption, drawable
from webviz.search import DocumentIndex

# Drawn when no ``types`` are given (the outline, as the graph page has always shown it).
DEFAULT_TYPES = ("PolicyDocument", "Chapter", "Article", "Bureau")
# A document's own nodes (and the bureaus named in it); any other kind is a concept.
OUTLINE = ("PolicyDocument", "Chapter", "Article", "Measure", "Bureau")
FILTER_KEYS = ("chapter", "theme", "bureau", "support")
DEFAULT_NEIGHBOURS = 50
TRUE = ("1", "true", "yes", "on")

NODE = "MATCH (n) WHERE n.id = $id RETURN n"
NODES = "MATCH (n) WHERE n.id IN $ids RETURN n"
# Every relationship of a node (the store gives each its type and ends: LadybugDB has no type()).
NODE_RELS = "MATCH (n)-[r]-(m) WHERE n.id = $id RETURN r"
FRONTIER = "MATCH (n)--(m) WHERE n.id IN $ids RETURN DISTINCT m.id AS id ORDER BY id"
RELS_AMONG = "MATCH (n)-[r]->(m) WHERE n.id IN $ids AND m.id IN $ids RETURN r"
MAX_DEPTH = 3


@dataclass(frozen=True)
class GraphFilter:
    """What to draw of a document: ids to filter by ('' for any) and node labels to draw."""

    chapter: str = ""
    theme: str = ""
    bureau: str = ""
    support: str = ""
    types: tuple[str, ...] = DEFAULT_TYPES

    @classmethod
    def from_args(cls, args: Mapping[str, str], ontology: Ontology) -> GraphFilter:
        """Read ``?chapter=&theme=&bureau=&support=&types=A,B&measures=1`` (``measures=1``
        adds Measure to the types, as the graph API has always accepted). An unknown node
        label is a ParameterError."""
        raw_types = (args.get("types") or "").strip()
        types = [t.strip() for t in raw_types.split(",") if t.strip()] if raw_types else list(DEFAULT_TYPES)
        for t in types:
            if t not in ontology.node_types:
                raise ParameterError(f"unknown node type {t[:40]!r}", where="?types=",
                                     hint="node types: " + ", ".join(sorted(ontology.node_types)))
        if (args.get("measures") or "").strip().lower() in TRUE and "Measure" not in types:
            types.append("Measure")
        values = {k: (args.get(k) or "").strip()[:200] for k in FILTER_KEYS}
        return cls(types=tuple(dict.fromkeys(types)), **values)

    @property
    def narrows(self) -> bool:
        """True when any of chapter, theme, bureau or support is set."""
        return any(getattr(self, k) for k in FILTER_KEYS)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the page puts back into its controls and URL)."""
        return {**{k: getattr(self, k) for k in FILTER_KEYS}, "types": list(self.types)}


@dataclass
class _Document:
    """A document's index arranged for filtering: who contains whom, in reading order."""

    doc: GraphNode | None
    chapters: list[GraphNode]
    articles_of: dict[str, list[GraphNode]]
    measures_of: dict[str, list[GraphNode]]
    out: dict[str, list[GraphRel]]
    into: dict[str, list[GraphRel]]


def _arrange(index: DocumentIndex, doc_id: str) -> _Document:
    out: dict[str, list[GraphRel]] = defaultdict(list)
    into: dict[str, list[GraphRel]] = defaultdict(list)
    seen = set()
    for r in index.rels:
        key = (r.type, r.start, r.end)
        if key in seen or r.start not in index.nodes or r.end not in index.nodes:
            continue
        seen.add(key)
        out[r.start].append(r)
        into[r.end].append(r)

    def ends(node_id: str, rtype: str, order: str) -> list[GraphNode]:
        found = [index.nodes[r.end] for r in out.get(node_id, []) if r.type == rtype]
        return sorted(found, key=lambda n: (_number(n.properties.get(order)), n.id))

    chapters = ends(doc_id, "HAS_CHAPTER", "number")
    articles_of = {c.id: ends(c.id, "HAS_ARTICLE", "number") for c in chapters}
    measures_of = {a.id: ends(a.id, "HAS_MEASURE", "seq") for arts in articles_of.values() for a in arts}
    return _Document(index.nodes.get(doc_id), chapters, articles_of, measures_of, out, into)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("inf")


def facets(index: DocumentIndex, doc_id: str) -> dict[str, Any]:
    """The choices a document's filters offer, each with how many articles it keeps:
    chapters (with their themes), themes, bureaus, support forms, and node types present."""
    d = _arrange(index, doc_id)
    theme_articles: Counter[str] = Counter()
    bureau_articles: Counter[str] = Counter()
    support_articles: Counter[str] = Counter()
    chapters = []
    for c in d.chapters:
        themes = [r.end for r in d.out.get(c.id, []) if r.type == "ABOUT"]
        for t in themes:
            theme_articles[t] += len(d.articles_of[c.id])
        chapters.append({"id": c.id, "caption": caption(c), "themes": themes, "articles": len(d.articles_of[c.id])})
        for a in d.articles_of[c.id]:
            for b in {r.start for r in d.into.get(a.id, []) if r.type == "RESPONSIBLE_FOR"}:
                bureau_articles[b] += 1
            forms = {r.end for m in d.measures_of[a.id] for r in d.out.get(m.id, []) if r.type == "PROVIDES"}
            for s in forms:
                support_articles[s] += 1

    def listed(counts: Counter[str]) -> list[dict[str, Any]]:
        items = [{"id": i, "caption": caption(index.nodes[i]), "articles": n} for i, n in counts.items()]
        return sorted(items, key=lambda x: (-x["articles"], x["caption"], x["id"]))

    types = Counter(n.label for n in index.nodes.values())
    return {"chapters": chapters, "themes": listed(theme_articles), "bureaus": listed(bureau_articles),
            "support_forms": listed(support_articles), "types": dict(types)}


def _check(flt: GraphFilter, found: dict[str, Any]) -> None:
    """A filter value this document does not offer is a ParameterError naming it."""
    offered = {
        "chapter": {c["id"] for c in found["chapters"]},
        "theme": {t["id"] for t in found["themes"]},
        "bureau": {b["id"] for b in found["bureaus"]},
        "support": {s["id"] for s in found["support_forms"]},
    }
    for k in FILTER_KEYS:
        value = getattr(flt, k)
        if value and value not in offered[k]:
            raise ParameterError(f"this document has no {k} {value[:60]!r}", where=f"?{k}=",
                                 hint="choose one the graph page's filters offer, or leave it empty")


def explore_document(index: DocumentIndex, ontology: Ontology, doc_id: str, flt: GraphFilter,
                     limit: int) -> dict[str, Any]:
    """The drawable graph of document ``doc_id`` under ``flt``, at most ``limit`` nodes:
    ``graphview.drawable``'s keys plus ``total`` (nodes the filters keep), ``shown``
    (nodes drawn), ``filters`` (as applied) and ``facets`` (the choices offered)."""
    found = facets(index, doc_id)
    _check(flt, found)
    d = _arrange(index, doc_id)
    types = set(flt.types)

    def bureaus(node_id: str, rtype: str) -> list[str]:
        return sorted({r.start for r in d.into.get(node_id, []) if r.type == rtype})

    order: list[str] = []  # node ids in reading order, before the type filter
    if d.doc is not None:
        order.append(d.doc.id)
    for c in d.chapters:
        if flt.chapter and c.id != flt.chapter:
            continue
        if flt.theme and not any(r.type == "ABOUT" and r.end == flt.theme for r in d.out.get(c.id, [])):
            continue
        kept_articles = []
        for a in d.articles_of[c.id]:
            if flt.bureau and flt.bureau not in bureaus(a.id, "RESPONSIBLE_FOR"):
                continue
            measures = d.measures_of[a.id]
            if flt.support:
                measures = [m for m in measures
                            if any(r.type == "PROVIDES" and r.end == flt.support for r in d.out.get(m.id, []))]
                if not measures:
                    continue
            kept_articles.append((a, measures))
        if flt.narrows and not kept_articles:
            continue
        order.append(c.id)
        order += [r.end for r in d.out.get(c.id, []) if r.type == "ABOUT"]
        for a, measures in kept_articles:
            order.append(a.id)
            order += bureaus(a.id, "RESPONSIBLE_FOR")
            if "Measure" not in types:
                continue
            for m in measures:
                order.append(m.id)
                order += bureaus(m.id, "HANDLES")
                order += [r.end for r in d.out.get(m.id, []) if r.type != "HANDLES"]
    order = list(dict.fromkeys(order))
    drawn = [i for i in order if index.nodes[i].label in types]
    drawn = _linked_concepts_only(drawn, index, d)
    shown = drawn[:limit]
    keep = set(shown)
    rels = [r for rs in d.out.values() for r in rs if r.start in keep and r.end in keep]
    graph = drawable([index.nodes[i] for i in shown], rels, ontology)
    add_context(graph["nodes"], index.nodes)
    return {**graph, "total": len(drawn), "shown": len(shown), "filters": flt.as_dict(), "facets": found}


def _linked_concepts_only(drawn: list[str], index: DocumentIndex, d: _Document) -> list[str]:
    """Drop concept nodes (themes, qualifications, support forms, ...) that have no drawn
    outline neighbour: a support form is drawn next to a measure, not floating alone."""
    outline = {i for i in drawn if index.nodes[i].label in OUTLINE}

    def linked(i: str) -> bool:
        rels = [*d.out.get(i, []), *d.into.get(i, [])]
        return any((r.start if r.end == i else r.end) in outline for r in rels)

    return [i for i in drawn if i in outline or linked(i)]


def neighbours(store: GraphStore, ontology: Ontology, node_id: str, limit: int, rtype: str = "",
               timeout_s: float = 30.0) -> dict[str, Any] | None:
    """``{"id", "total", "shown", "nodes", "edges", "by_type"}``: node ``node_id`` and at
    most ``limit`` of its neighbours (by id; only those linked by relationship type
    ``rtype`` when given), with the relationships between it and them, in either direction.
    ``total`` counts its distinct neighbours (of ``rtype``); ``by_type`` counts them per
    relationship type and direction (what "expand" offers), whatever ``rtype``. Each node
    carries its ``document`` and ``article`` captions when it belongs to one (see
    ``graphview.add_context``). None if there is no such node."""
    params: dict[str, Any] = {"id": node_id}
    centre = store.read(NODE, params, timeout_s=timeout_s)
    if not centre.nodes:
        return None
    all_rels = [r for r in store.read(NODE_RELS, params, timeout_s=timeout_s).rels
                if node_id in (r.start, r.end) and r.start != r.end]
    by_type: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in all_rels:
        outgoing = r.start == node_id
        by_type[(r.type, "out" if outgoing else "in")].add(r.end if outgoing else r.start)
    rels = [r for r in all_rels if not rtype or r.type == rtype]
    ids = sorted({r.end if r.start == node_id else r.start for r in rels})
    shown_ids = ids[:limit]
    nodes = list(centre.nodes)
    if shown_ids:
        nodes += store.read(NODES, {"ids": shown_ids}, timeout_s=timeout_s).nodes
    keep = set(shown_ids)
    rels = [r for r in rels if (r.end if r.start == node_id else r.start) in keep]
    graph = drawable(nodes, rels, ontology)
    add_context(graph["nodes"], context_nodes(store, nodes, timeout_s))
    by_id = {n["id"]: n for n in graph["nodes"]}
    ordered = [by_id[node_id], *[by_id[i] for i in shown_ids if i in by_id and i != node_id]]
    counts = [{"type": t, "direction": d, "count": len(found),
               "name": graph["relationship_types"].get(t, {}).get("name", t)}
              for (t, d), found in sorted(by_type.items(), key=lambda x: (-len(x[1]), x[0]))]
    return {"id": node_id, "total": len(ids), "shown": len(ordered) - 1, "nodes": ordered,
            "edges": graph["edges"], "by_type": counts, "rtype": rtype}


def ego_network(store: GraphStore, ontology: Ontology, node_id: str, depth: int, limit: int,
                timeout_s: float = 30.0) -> dict[str, Any] | None:
    """The nodes within ``depth`` steps (1 to MAX_DEPTH, either direction) of ``node_id``,
    nearest first and then by id, at most ``limit`` of them, with every relationship among
    those drawn: ``graphview.drawable``'s keys plus ``level`` on each node (its distance,
    which the page draws as columns), ``total`` (nodes within the depth), ``shown``,
    ``depth`` and ``id``. None if there is no such node.

    One query per step (the frontier's neighbours), so a depth of 3 costs three reads
    however many nodes it reaches; the relationships come in one more."""
    if not 1 <= depth <= MAX_DEPTH:
        raise ParameterError(f"depth must be 1 to {MAX_DEPTH}, got {depth}", where="?depth=",
                             hint="1: the node's neighbours; 2: theirs too; 3: one step further")
    centre = store.read(NODE, {"id": node_id}, timeout_s=timeout_s)
    if not centre.nodes:
        return None
    level = {node_id: 0}
    frontier = [node_id]
    for step in range(1, depth + 1):
        if not frontier:
            break
        found = [row[0] for row in store.read(FRONTIER, {"ids": frontier}, timeout_s=timeout_s).rows]
        frontier = [i for i in found if i not in level]
        for i in frontier:
            level[i] = step
    order = sorted(level, key=lambda i: (level[i], i))
    shown = order[:max(1, limit)]
    nodes = store.read(NODES, {"ids": shown}, timeout_s=timeout_s).nodes
    rels = store.read(RELS_AMONG, {"ids": shown}, timeout_s=timeout_s).rels
    graph = drawable(nodes, rels, ontology)
    add_context(graph["nodes"], context_nodes(store, nodes, timeout_s))
    for n in graph["nodes"]:
        n["level"] = level.get(n["id"], depth)
    graph["nodes"].sort(key=lambda n: (n["level"], n["id"]))
    return {**graph, "id": node_id, "depth": depth, "total": len(order), "shown": len(graph["nodes"])}


def context_nodes(store: GraphStore, nodes: list[GraphNode], timeout_s: float = 30.0) -> dict[str, GraphNode]:
    """The documents and articles ``nodes`` belong to (their ``document_id``/``article_id``),
    read in one query, with ``nodes`` themselves: what ``add_context`` looks names up in."""
    known = {n.id: n for n in nodes}
    wanted = sorted({str(v) for n in nodes for k in ("document_id", "article_id")
                     if (v := n.properties.get(k)) and str(v) not in known})
    if wanted:
        known.update({n.id: n for n in store.read(NODES, {"ids": wanted}, timeout_s=timeout_s).nodes})
    return known
