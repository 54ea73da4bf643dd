"""Figures and network analysis for the dashboard, computed from a few portable Cypher reads.

Everything here is language-neutral: nodes are given by id with both the data's ``name``
and ``name_en`` (the page picks one), so one computation serves zh and en and can be kept
per data version. All documents loaded count, whatever their validity dates: the dashboard
describes the graph as it stands, not the policy in force on a day (the saved queries do that).

The network (networkx):

- **centrality**: the Bureau–Measure–Qualification paths projected onto bureaus and
  qualifications. A bureau and a qualification are linked when the bureau handles a measure
  that requires the qualification (``(b)-[:HANDLES]->(m)-[:REQUIRES]->(q)``), weighted by the
  number of such measures. Degree is the number of distinct partners (a bureau: how many
  qualifications its measures ask for; a qualification: how many bureaus ask for it);
  betweenness (unweighted, normalised) shows who sits on the paths between the rest, e.g. a
  qualification that links the bureaus of two districts.
- **communities**: bureaus linked when they are responsible for the same article
  (``RESPONSIBLE_FOR``, as in the saved query ``bureau-co-responsibility``), weighted by
  shared articles, split by greedy modularity maximisation (deterministic: no random seed).
- **bridges**: qualifications required by measures in two or more themes (a chapter is
  ``ABOUT`` a theme; its articles' measures inherit it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from graph import GraphStore

TOP_BUREAUS = 15  # bars in the "measures per bureau" chart
EXACT_BETWEENNESS_MAX = 3000  # above this many nodes betweenness is estimated from a sample
SAMPLE_K, SAMPLE_SEED = 500, 7

THEMES = """
MATCH (c:Chapter)-[:ABOUT]->(t:Theme), (c)-[:HAS_ARTICLE]->(:Article)-[:HAS_MEASURE]->(m:Measure)
RETURN t.id AS id, t.name AS name, t.name_en AS name_en, count(DISTINCT m) AS n
"""
BUREAUS = """
MATCH (b:Bureau)-[:HANDLES]->(m:Measure)
RETURN b.id AS id, b.name AS name, b.name_en AS name_en, b.district AS district, count(DISTINCT m) AS n
"""
FORMS = """
MATCH (m:Measure)-[:PROVIDES]->(f:SupportForm)
RETURN f.id AS id, f.name AS name, f.name_en AS name_en, count(DISTINCT m) AS n
"""
HANDLES = "MATCH (b:Bureau)-[:HANDLES]->(m:Measure) RETURN b.id AS b, m.id AS m"
REQUIRES = "MATCH (m:Measure)-[:REQUIRES]->(q:Qualification) RETURN m.id AS m, q.id AS q"
SHARED = """
MATCH (b1:Bureau)-[:RESPONSIBLE_FOR]->(a:Article)<-[:RESPONSIBLE_FOR]-(b2:Bureau)
WHERE b1.id < b2.id
RETURN b1.id AS a, b2.id AS b, count(DISTINCT a) AS n
"""
RESPONSIBLE = "MATCH (b:Bureau)-[:RESPONSIBLE_FOR]->(a:Article) RETURN b.id AS id, count(DISTINCT a) AS n"
QUAL_THEMES = """
MATCH (t:Theme)<-[:ABOUT]-(:Chapter)-[:HAS_ARTICLE]->(:Article)-[:HAS_MEASURE]->(m:Measure),
      (m)-[:REQUIRES]->(q:Qualification)
RETURN q.id AS q, t.id AS t, count(DISTINCT m) AS n
"""
NAMES = "MATCH (n:{label}) RETURN n.id AS id, n.name AS name, n.name_en AS name_en"
BUREAU_NAMES = "MATCH (n:Bureau) RETURN n.id AS id, n.name AS name, n.name_en AS name_en, n.district AS district"


def _rows(store: GraphStore, cypher: str) -> list[dict[str, Any]]:
    return store.read(cypher).records()


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """A named thing and its count; LadybugDB may answer counts as Decimal, so int() them."""
    out = {"id": row["id"], "name": row["name"] or row["id"], "name_en": row.get("name_en") or ""}
    if "district" in row:
        out["district"] = row["district"] or ""
    return {**out, "count": int(row["n"])}


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((_entry(r) for r in rows), key=lambda e: (-e["count"], e["name"], e["id"]))


def figures(store: GraphStore) -> dict[str, Any]:
    """What the charts show: node counts per label, measures per theme (with the measures in
    chapters about no theme), per bureau (top TOP_BUREAUS) and per support form."""
    counts = store.counts()
    themes = _ranked(_rows(store, THEMES))
    unthemed = counts.nodes.get("Measure", 0) - sum(t["count"] for t in themes)
    bureaus = _ranked(_rows(store, BUREAUS))
    return {
        "node_counts": dict(counts.nodes),
        "relationship_counts": dict(counts.rels),
        "measures": counts.nodes.get("Measure", 0),
        "themes": themes,
        "unthemed": unthemed,
        "bureaus": bureaus[:TOP_BUREAUS],
        "bureaus_total": len(bureaus),
        "support_forms": _ranked(_rows(store, FORMS)),
    }


def _names(store: GraphStore) -> dict[str, dict[str, dict[str, Any]]]:
    """``{label: {id: {"id", "name", "name_en"[, "district"]}}}`` for the labels the network names."""
    out = {"Bureau": {r["id"]: r for r in _rows(store, BUREAU_NAMES)}}
    for label in ("Qualification", "Theme"):
        out[label] = {r["id"]: r for r in _rows(store, NAMES.format(label=label))}
    return out


def _named(names: dict[str, dict[str, Any]], node_id: str) -> dict[str, Any]:
    row = names.get(node_id, {})
    out = {"id": node_id, "name": row.get("name") or node_id, "name_en": row.get("name_en") or ""}
    if "district" in row:
        out["district"] = row["district"] or ""
    return out


def bureau_qualification_graph(store: GraphStore) -> nx.Graph:
    """The projected graph: nodes ``("Bureau", id)`` and ``("Qualification", id)``, an edge
    when a measure handled by the bureau requires the qualification, ``weight`` = measures."""
    requires: dict[str, set[str]] = defaultdict(set)
    for r in _rows(store, REQUIRES):
        requires[r["m"]].add(r["q"])
    weights: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in _rows(store, HANDLES):
        for q in requires.get(r["m"], ()):
            weights[(r["b"], q)].add(r["m"])
    g = nx.Graph()
    for (b, q), measures in sorted(weights.items()):
        g.add_edge(("Bureau", b), ("Qualification", q), weight=len(measures))
    return g


def centrality(g: nx.Graph) -> dict[tuple[str, str], dict[str, float]]:
    """Degree (distinct partners), networkx degree centrality and betweenness per node.
    Betweenness is exact up to EXACT_BETWEENNESS_MAX nodes, else estimated from SAMPLE_K
    sources with a fixed seed (so a page shows the same numbers twice)."""
    if g.number_of_nodes() == 0:
        return {}
    deg_c = nx.degree_centrality(g)
    k = SAMPLE_K if g.number_of_nodes() > EXACT_BETWEENNESS_MAX else None
    btw = nx.betweenness_centrality(g, k=k, seed=SAMPLE_SEED if k else None, normalized=True)
    return {n: {"degree": g.degree(n), "degree_centrality": round(deg_c[n], 4), "betweenness": round(btw[n], 4)}
            for n in g.nodes}


def _most_central(scores: dict[tuple[str, str], dict[str, float]], label: str,
                  names: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Nodes of ``label`` by degree, then betweenness, then name (all of them; the page shows the top)."""
    rows = [{**_named(names, node_id), **s} for (lbl, node_id), s in scores.items() if lbl == label]
    return sorted(rows, key=lambda r: (-r["degree"], -r["betweenness"], r["name"], r["id"]))


def communities(store: GraphStore, names: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Communities of co-responsible bureaus (two or more members), biggest first, with the
    articles each member is responsible for and the modularity of the split."""
    g = nx.Graph()
    articles = {r["id"]: int(r["n"]) for r in _rows(store, RESPONSIBLE)}
    g.add_nodes_from(sorted(articles))
    for r in sorted(_rows(store, SHARED), key=lambda r: (r["a"], r["b"])):
        g.add_edge(r["a"], r["b"], weight=int(r["n"]))
    if g.number_of_edges() == 0:
        return {"communities": [], "modularity": None, "bureaus": g.number_of_nodes(), "edges": 0}
    parts = nx.community.greedy_modularity_communities(g, weight="weight")
    out = []
    for part in parts:
        if len(part) < 2:
            continue
        members = sorted(part, key=lambda b: (-articles.get(b, 0), b))
        shared = int(g.subgraph(part).size(weight="weight"))
        out.append({"members": [{**_named(names, b), "articles": articles.get(b, 0)} for b in members],
                    "shared_articles": shared})
    out.sort(key=lambda c: (-len(c["members"]), -c["shared_articles"], c["members"][0]["id"]))
    return {"communities": out, "modularity": round(nx.community.modularity(g, parts, weight="weight"), 4),
            "bureaus": g.number_of_nodes(), "edges": g.number_of_edges()}


def bridges(store: GraphStore, names: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Qualifications required by measures in at least two themes, most themes first."""
    per_q: dict[str, dict[str, int]] = defaultdict(dict)
    for r in _rows(store, QUAL_THEMES):
        per_q[r["q"]][r["t"]] = int(r["n"])
    out = []
    for q, themes in per_q.items():
        if len(themes) >= 2:
            ordered = sorted(themes, key=lambda t: (-themes[t], t))
            out.append({**_named(names["Qualification"], q),
                        "themes": [{**_named(names["Theme"], t), "measures": themes[t]} for t in ordered],
                        "measures": sum(themes.values())})
    return sorted(out, key=lambda b: (-len(b["themes"]), -b["measures"], b["name"], b["id"]))


def network(store: GraphStore) -> dict[str, Any]:
    """The network-analysis panel: most central bureaus and qualifications, bureau
    communities, and qualifications that bridge themes (see the module docstring)."""
    names = _names(store)
    g = bureau_qualification_graph(store)
    scores = centrality(g)
    return {
        "graph": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(),
                  "approximate": g.number_of_nodes() > EXACT_BETWEENNESS_MAX},
        "bureaus": _most_central(scores, "Bureau", names["Bureau"]),
        "qualifications": _most_central(scores, "Qualification", names["Qualification"]),
        "co_responsibility": communities(store, names["Bureau"]),
        "bridges": bridges(store, names),
    }
