"""The dashboard's data-quality panel: the SHACL report of the graph's RDF export, grouped,
and four named checks with counts and examples.

SHACL: the store is exported with graph.rdf (the same N-Triples as ``policykg export rdf``)
and validated with pyshacl against ontology/shapes.ttl, as tests/test_rdf.py does. Results
are grouped by severity, constraint and path (graph-wide SPARQL checks by their message),
each with a few offending nodes. pyshacl on rdflib takes about 2 s for the shipped
documents and grows with the graph, so an enterprise register larger than
REGISTER_LIMIT (enterprises plus holdings) is left out and the documents are validated one
by one (``scope: "documents"``); the caller keeps the answer per data version.

Named checks (portable Cypher, both backends):

- measures with no responsible bureau (no ``HANDLES``, as the saved query
  ``measures-without-bureau``, but over every loaded document whatever its dates);
- qualifications nothing requires (no ``REQUIRES``), each with the required broader
  qualifications it still counts for (``BROADER``, transitively);
- documents without effective dates (``effective_from`` or ``effective_until`` missing);
- unknown extracted terms awaiting curation: bureaus the ontology lacks (``known = false``,
  stored by the loader) and phrases that look like qualifications the ontology lacks.

Why the phrases need a *term finder*: they are not stored in the graph, and webviz may not
import the extractor (tests/test_architecture.py: webviz → queries, graph, ontology only).
So the phrases are found in the articles' stored text by a function the app's builder
passes in ``app.config[TERM_FINDER]`` (the extractor's ``candidate_qualifications`` with
the ontology's matchers: the same phrases ``policykg extract --unknown`` lists for the
file). Without one the panel lists the unknown bureaus and says the phrases are unavailable.
"""

from __future__ import annotations

import importlib.util
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from graph import GraphStore
from graph.rdf import store_ntriples
from graph.rdf_vocab import DEFAULT_BASE, ONTOLOGY_IRI, PREFIXES
from ontology.model import ONTOLOGY_DIR, SHAPES_FILE

TermFinder = Callable[[str], Sequence[str]]
TERM_FINDER = "POLICYKG_TERM_FINDER"  # app.config key of the TermFinder
REGISTER_LIMIT = 5000  # enterprises + holdings validated with the documents; above, documents only
EXAMPLES = 5  # offending nodes kept per SHACL group
SH = "http://www.w3.org/ns/shacl#"

MEASURES_WITHOUT_BUREAU = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m:Measure)
OPTIONAL MATCH (b:Bureau)-[:HANDLES]->(m)
WITH d, a, m, count(b) AS bureaus
WHERE bureaus = 0
RETURN d.id AS document_id, d.title AS document, d.district AS district, a.id AS article_id,
       a.number AS article, m.id AS id, m.seq AS seq, m.text AS text
"""
UNREQUIRED = """
MATCH (q:Qualification)
OPTIONAL MATCH (m:Measure)-[:REQUIRES]->(q)
WITH q, count(m) AS measures
WHERE measures = 0
RETURN q.id AS id, q.name AS name, q.name_en AS name_en
"""
REQUIRED = """
MATCH (:Measure)-[:REQUIRES]->(q:Qualification)
RETURN DISTINCT q.id AS id, q.name AS name, q.name_en AS name_en
"""
BROADER = "MATCH (q:Qualification)-[:BROADER]->(p:Qualification) RETURN q.id AS q, p.id AS p"
UNDATED = """
MATCH (d:PolicyDocument)
WHERE d.effective_from IS NULL OR d.effective_until IS NULL
RETURN d.id AS id, d.title AS title, d.district AS district, d.effective_from AS effective_from,
       d.effective_until AS effective_until
"""
UNKNOWN_BUREAUS = """
MATCH (b:Bureau)
WHERE b.known = false
OPTIONAL MATCH (b)-[:RESPONSIBLE_FOR]->(a:Article)
RETURN b.id AS id, b.name AS name, b.district AS district, count(a) AS articles
"""
ARTICLE_TEXTS = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(:Chapter)-[:HAS_ARTICLE]->(a:Article)
RETURN d.id AS document_id, d.title AS document, d.district AS district, a.id AS article_id,
       a.number AS article, a.text AS text
"""
DOCUMENT_IDS = "MATCH (d:PolicyDocument) RETURN d.id AS id ORDER BY id"


def _rows(store: GraphStore, cypher: str) -> list[dict[str, Any]]:
    return store.read(cypher).records()


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


# --- SHACL -----------------------------------------------------------------------------------
def shacl_available() -> bool:
    """Whether pyshacl is installed (it is pinned in requirements.txt)."""
    return importlib.util.find_spec("pyshacl") is not None


def _export(store: GraphStore, scope: str) -> Iterator[str]:
    if scope == "all":
        yield from store_ntriples(store)
        return
    for row in _rows(store, DOCUMENT_IDS):
        yield from store_ntriples(store, source=row["id"])


def compact(iri: str) -> str:
    """An IRI as the page shows it: instance IRIs without the base, terms with their prefix.

    >>> compact("https://policykg.org/id/measure/doc-1-c1-a2-m1"), compact("https://policykg.org/ontology#start")
    ('measure/doc-1-c1-a2-m1', 'pkg:start')
    """
    if iri.startswith(DEFAULT_BASE):
        return iri[len(DEFAULT_BASE):]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def shacl_report(store: GraphStore, register_limit: int = REGISTER_LIMIT) -> dict[str, Any]:
    """``{"available", "scope", "triples", "conforms", "results", "groups"}``: the export
    validated against ontology/shapes.ttl, results grouped, most frequent group first."""
    if not shacl_available():
        return {"available": False, "scope": None, "triples": 0, "conforms": None, "results": 0, "groups": []}
    import pyshacl
    import rdflib

    counts = store.counts()
    register = counts.nodes.get("Enterprise", 0) + counts.rels.get("HOLDS", 0)
    scope = "all" if register <= register_limit else "documents"
    data = rdflib.Graph().parse(data="".join(_export(store, scope)), format="nt")
    shapes = rdflib.Graph().parse(ONTOLOGY_DIR / SHAPES_FILE, format="turtle")
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes)
    groups = _group(results)
    return {"available": True, "scope": scope, "triples": len(data), "conforms": bool(conforms),
            "results": sum(g["count"] for g in groups), "groups": groups}


def _path(results: Any, node: Any) -> str | None:
    """A result path as text: ``pkg:title``, ``^pkg:hasArticle`` for an inverse path."""
    from rdflib import BNode, URIRef

    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, BNode):
        inverse = results.value(node, URIRef(SH + "inversePath"))
        return "^" + compact(str(inverse)) if inverse is not None else "(path)"
    return None


def _group(results: Any) -> list[dict[str, Any]]:
    """Validation results grouped by (severity, constraint, path or, for SPARQL checks, message)."""
    from rdflib import RDF, URIRef

    def value(r: Any, name: str) -> Any:
        return results.value(r, URIRef(SH + name))

    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in results.subjects(RDF.type, URIRef(SH + "ValidationResult")):
        severity = str(value(r, "resultSeverity") or "").removeprefix(SH)
        component = str(value(r, "sourceConstraintComponent") or "").removeprefix(SH)
        component = component.removesuffix("ConstraintComponent")
        path = _path(results, value(r, "resultPath"))
        message = str(value(r, "resultMessage") or "")
        focus, offender = value(r, "focusNode"), value(r, "value")
        # graph-wide checks have the ontology's IRI as focus; the offending node is the value
        node = offender if str(focus) == ONTOLOGY_IRI and offender is not None else focus
        key = (severity, component, path or message)
        g = groups.setdefault(key, {"severity": severity, "constraint": component, "path": path,
                                    "message": message, "count": 0, "nodes": set()})
        g["count"] += 1
        g["nodes"].add(compact(str(node)))
    out = [{**{k: v for k, v in g.items() if k != "nodes"}, "examples": sorted(g["nodes"])[:EXAMPLES]}
           for g in groups.values()]
    return sorted(out, key=lambda g: (-g["count"], g["severity"], g["constraint"], g["path"] or g["message"]))


# --- named checks ----------------------------------------------------------------------------
def measures_without_bureau(store: GraphStore) -> dict[str, Any]:
    """Measures no bureau handles: the count, the count per document, and every one in order."""
    rows = sorted(_rows(store, MEASURES_WITHOUT_BUREAU),
                  key=lambda r: (r["district"] or "", r["document"] or "", _int(r["article"]), _int(r["seq"])))
    per_doc = Counter((r["document_id"], r["document"] or "", r["district"] or "") for r in rows)
    return {
        "count": len(rows),
        "documents": [{"id": d, "title": t, "district": s, "count": n}
                      for (d, t, s), n in sorted(per_doc.items(), key=lambda kv: (-kv[1], kv[0]))],
        "items": [{"id": r["id"], "document_id": r["document_id"], "document": r["document"] or "",
                   "district": r["district"] or "", "article_id": r["article_id"], "article": _int(r["article"]),
                   "seq": _int(r["seq"]), "text": r["text"] or ""} for r in rows],
    }


def _broader_closure(pairs: list[dict[str, Any]]) -> dict[str, set[str]]:
    up: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        up[p["q"]].add(p["p"])
    closure: dict[str, set[str]] = {}
    for q in list(up):
        seen: set[str] = set()
        todo = list(up[q])
        while todo:
            b = todo.pop()
            if b not in seen:
                seen.add(b)
                todo.extend(up.get(b, ()))
        closure[q] = seen
    return closure


def unrequired_qualifications(store: GraphStore) -> dict[str, Any]:
    """Qualifications of the graph that no measure requires, each with the required broader
    qualifications it counts for (holding it still meets those)."""
    required = {r["id"]: r for r in _rows(store, REQUIRED)}
    closure = _broader_closure(_rows(store, BROADER))
    items = []
    for r in sorted(_rows(store, UNREQUIRED), key=lambda r: (r["name"] or "", r["id"])):
        counts_for = sorted(closure.get(r["id"], set()) & set(required))
        items.append({"id": r["id"], "name": r["name"] or r["id"], "name_en": r["name_en"] or "",
                      "counts_for": [{"id": b, "name": required[b]["name"] or b,
                                      "name_en": required[b]["name_en"] or ""} for b in counts_for]})
    return {"count": len(items), "items": items}


def documents_without_dates(store: GraphStore) -> dict[str, Any]:
    """Documents missing ``effective_from`` or ``effective_until``, with the missing fields."""
    items = []
    for r in sorted(_rows(store, UNDATED), key=lambda r: (r["district"] or "", r["title"] or "", r["id"])):
        missing = [f for f in ("effective_from", "effective_until") if r[f] is None]
        items.append({"id": r["id"], "title": r["title"] or "", "district": r["district"] or "", "missing": missing})
    return {"count": len(items), "items": items}


def _sentence(text: str, phrase: str) -> str:
    """The sentence of ``text`` holding ``phrase`` (as ``policykg extract --unknown`` prints it)."""
    return next((s.strip() for s in text.replace("；", "。").split("。") if phrase in s), "")


def unknown_terms(store: GraphStore, finder: TermFinder | None) -> dict[str, Any]:
    """Bureaus the ontology lacks, and (with a ``finder``) phrases in the articles' stored
    text that look like qualifications the ontology lacks, each with where it was met."""
    bureaus = [{"id": r["id"], "name": r["name"] or r["id"], "district": r["district"] or "",
                "articles": _int(r["articles"])}
               for r in sorted(_rows(store, UNKNOWN_BUREAUS), key=lambda r: (r["district"] or "", r["name"] or ""))]
    phrases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if finder is not None:
        for r in _rows(store, ARTICLE_TEXTS):
            text = r["text"] or ""
            for phrase in finder(text):
                phrases[phrase].append({"document_id": r["document_id"], "document": r["document"] or "",
                                        "district": r["district"] or "", "article_id": r["article_id"],
                                        "article": _int(r["article"]), "sentence": _sentence(text, phrase)})
    items = [{"phrase": p, "occurrences": sorted(occ, key=lambda o: (o["district"], o["document"], o["article"]))}
             for p, occ in sorted(phrases.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return {"count": len(bureaus) + len(items), "bureaus": bureaus, "phrases_available": finder is not None,
            "phrases": items}


def checks(store: GraphStore, finder: TermFinder | None) -> dict[str, Any]:
    """The four named checks."""
    return {
        "measures_without_bureau": measures_without_bureau(store),
        "unrequired_qualifications": unrequired_qualifications(store),
        "documents_without_dates": documents_without_dates(store),
        "unknown_terms": unknown_terms(store, finder),
    }
