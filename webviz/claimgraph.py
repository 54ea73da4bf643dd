"""The explanation of an eligibility result as a small graph to draw:
enterprise → held qualification → (broader) required qualification ← measure ← article,
and the bureaus that handle each measure.

Built from the ``Eligibility`` result (which claim, which requirement met by which holding)
with three small id-anchored reads for the nodes' own properties, so that clicking a node
shows what the store holds (an article shows its source text). Each node carries a
``level`` (the column it is drawn in, left to right).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from graph import GraphNode, GraphRel, GraphStore
from ontology import Concept, Ontology
from queries.eligibility import Claim, Eligibility, Requirement, parse_assumption
from webviz.graphview import drawable
from webviz.i18n import msg

MAX_CLAIMS = 40  # more claims: the page says so; the table lists them all
ASSUMED = " (assumed)"  # how queries.eligibility marks an assumed holding
# Columns of the drawing.
LEVELS = {"Enterprise": 0, "held": 1, "required": 2, "Measure": 3, "Article": 4, "Bureau": 4}

ENTERPRISE = """
MATCH (e:Enterprise)
WHERE e.id = $uscc
OPTIONAL MATCH (e)-[h:HOLDS]->(q:Qualification)
RETURN e, h, q
"""

PATHS = """
MATCH (a:Article)-[hm:HAS_MEASURE]->(m:Measure)
WHERE m.id IN $ids
OPTIONAL MATCH (b:Bureau)-[h:HANDLES]->(m)
RETURN a, hm, m, h, b
"""

QUALIFICATIONS = """
MATCH (q:Qualification)
WHERE q.id IN $ids OR q.name IN $names
RETURN q
"""


def enterprise_node(store: GraphStore, uscc: str) -> tuple[GraphNode | None, list[GraphNode], list[GraphRel]]:
    """The enterprise node, its held qualifications and its HOLDS relationships."""
    res = store.read(ENTERPRISE, {"uscc": uscc})
    node = next((n for n in res.nodes if n.label == "Enterprise"), None)
    return node, [n for n in res.nodes if n.label == "Qualification"], list(res.rels)


def claim_graph(store: GraphStore, ontology: Ontology, result: Eligibility,
                assume: Sequence[str] = ()) -> dict[str, Any]:
    """``{"nodes", "edges", "types", "relationship_types", "claims", "total"}`` explaining
    the eligible claims, what the assumptions (``QUALIFICATION[:LEVEL]``, as given to
    ``enterprise_eligibility``) switch on, and the near misses (at most MAX_CLAIMS, in that
    order); REQUIRES edges carry the verdict and any reason, assumed HOLDS ``assumed``."""
    enterprise, held_nodes, holds = enterprise_node(store, result.uscc)
    listed = [*result.eligible, *result.would_switch_on, *result.near_misses]
    claims = listed[:MAX_CLAIMS]
    by_name = {c.label_zh: c for c in ontology.concepts("qualifications")}
    concepts = ontology.concepts("qualifications")

    nodes: dict[str, GraphNode] = {}
    rels: list[GraphRel] = []
    levels: dict[str, int] = {}
    if enterprise is not None:
        nodes[enterprise.id] = enterprise
        levels[enterprise.id] = LEVELS["Enterprise"]
    for n in held_nodes:
        nodes[n.id] = n
        levels[n.id] = LEVELS["held"]
    rels += holds

    path = store.read(PATHS, {"ids": sorted({c.measure for c in claims})}) if claims else None
    if path is not None:
        for n in path.nodes:
            nodes[n.id] = n
            levels.setdefault(n.id, LEVELS.get(n.label, LEVELS["Bureau"]))
        rels += path.rels

    wanted_ids: set[str] = set()
    wanted_names: set[str] = set()
    links: list[tuple[str, str, dict[str, Any]]] = []  # (measure, required name, REQUIRES properties)
    chains: list[list[str]] = []  # held, ..., required: concept ids (names if the ontology has no chain)
    assumed = [parse_assumption(text, ontology)[:2] for text in assume]  # (concept id, level)
    wanted_ids.update(qid for qid, _ in assumed)
    for claim in claims:
        for req in _shown(claim):
            held = (req.held or "").removesuffix(ASSUMED)
            wanted_names.update(x for x in (held, req.qualification) if x)
            props = {"level": req.level, "verdict": req.verdict, **({"reason": req.reason} if req.reason else {})}
            links.append((claim.measure, req.qualification, props))
            if held and held != req.qualification:
                chain = _broader_chain(by_name.get(held), by_name.get(req.qualification), concepts)
                chains.append(chain or [held, req.qualification])
                wanted_ids.update(c for c in chain if c)
    quals = store.read(QUALIFICATIONS, {"ids": sorted(wanted_ids), "names": sorted(wanted_names)}).nodes
    qid = {n.properties.get("name"): n.id for n in quals}
    qid.update({n.id: n.id for n in quals})
    for n in quals:
        nodes.setdefault(n.id, n)
        levels.setdefault(n.id, LEVELS["required"])

    for measure, required, props in links:
        if required in qid and measure in nodes:
            rels.append(GraphRel("REQUIRES", measure, qid[required], props))
    for chain in chains:
        for a, b in pairwise(chain):
            if a in qid and b in qid:
                rels.append(GraphRel("BROADER", qid[a], qid[b], {}))
    if enterprise is not None:
        for concept_id, level in assumed:
            if concept_id in qid:
                levels[concept_id] = LEVELS["held"]
                rels.append(GraphRel("HOLDS", enterprise.id, concept_id, {"level": level, "assumed": True}))

    used = {r.start for r in rels} | {r.end for r in rels} | ({enterprise.id} if enterprise else set())
    graph = drawable([n for n in nodes.values() if n.id in used], rels, ontology)
    _distinct_captions(graph["nodes"], nodes)
    for n in graph["nodes"]:
        n["level"] = levels.get(n["id"], LEVELS["required"])
    graph["claims"] = len(claims)
    graph["total"] = len(listed)
    return graph


def _distinct_captions(drawn: list[dict[str, Any]], nodes: dict[str, GraphNode]) -> None:
    """Captions that tell nodes apart on a path of several articles: a measure with its
    article's number (措施2 of 第19条), a bureau named like another by its full name."""
    for n in drawn:
        if n["label"] == "Measure":
            article = nodes.get(str(n["properties"].get("article_id")))
            if article is not None:
                n["caption"] = f"{msg('article_caption', number=article.properties.get('number'))} {n['caption']}"
    seen: dict[str, int] = {}
    for n in drawn:
        seen[n["caption"]] = seen.get(n["caption"], 0) + 1
    for n in drawn:
        if n["label"] == "Bureau" and seen[n["caption"]] > 1 and n["properties"].get("full_name"):
            n["caption"] = n["properties"]["full_name"]


def _shown(claim: Claim) -> list[Requirement]:
    """The requirements that explain a claim: those met, else those a holding fails."""
    met = [r for r in claim.requirements if r.verdict == "met"]
    return met or [r for r in claim.requirements if r.verdict == "unmet"]


def _broader_chain(held: Concept | None, required: Concept | None, concepts: tuple[Concept, ...]) -> list[str]:
    """Concept ids from ``held`` up its ``skos:broader`` links to ``required`` (shortest), or []."""
    if held is None or required is None:
        return []
    by_id = {c.id: c for c in concepts}
    frontier = [[held.id]]
    seen = {held.id}
    while frontier:
        nxt = []
        for chain in frontier:
            for up in by_id[chain[-1]].broader if chain[-1] in by_id else ():
                if up == required.id:
                    return [*chain, up]
                if up not in seen:
                    seen.add(up)
                    nxt.append([*chain, up])
        frontier = nxt
    return []
