"""The dashboard's data-quality panel: the SHACL report of the graph's RDF export, grouped,
and named checks with counts and examples (four, plus the documents' extraction warnings
where the ontology has ``pkg:warnings``).

SHACL: the store is exported with graph.rdf (the same N-Triples as ``policykg export rdf``)
and validated with pyshacl against ontology/shapes.ttl, as tests/test_rdf.py does, in a
child process of its own (webviz.shacl says why: pyshacl is not thread-safe). Results
are grouped by severity, constraint and path (graph-wide SPARQL checks by their message),
each with a few offending nodes. pyshacl on rdflib takes about 2 s for the shipped
documents and grows with the graph (and its memory with it), so two limits bound it: an
enterprise register larger than REGISTER_LIMIT (enterprises plus holdings) is left out
(``scope: "documents"``), as before; and, new, at most ``max_triples`` triples are
validated (POLICYKG_SHACL_MAX_TRIPLES): past that the documents are validated while the
budget lasts and the rest are named as skipped, so one 20,000-article document cannot
stall the dashboard. The caller (webviz.dashboard) computes this once per data version.

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
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from graph import GraphStore
from graph.rdf import store_ntriples
from policykg.errors import PolicyKGError
from webviz import shacl
from webviz.shacl import compact

__all__ = ["compact"]  # the page's IRI form, kept importable from here

TermFinder = Callable[[str], Sequence[str]]
TERM_FINDER = "POLICYKG_TERM_FINDER"  # app.config key of the TermFinder
REGISTER_LIMIT = 5000  # enterprises + holdings validated with the documents; above, documents only
MAX_TRIPLES = 200_000  # default SHACL budget (Settings.shacl_max_triples, POLICYKG_SHACL_MAX_TRIPLES)
TIMEOUT_S = 300.0  # default SHACL deadline (Settings.shacl_timeout_s, POLICYKG_SHACL_TIMEOUT)

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
WARNINGS = """
MATCH (d:PolicyDocument)
WHERE d.warnings IS NOT NULL
RETURN d.id AS id, d.title AS title, d.district AS district, d.warnings AS warnings
"""
DOCUMENTS = """
MATCH (d:PolicyDocument)
RETURN d.id AS id, d.title AS title, d.district AS district
ORDER BY id
"""


def _rows(store: GraphStore, cypher: str) -> list[dict[str, Any]]:
    return store.read(cypher).records()


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


# --- SHACL -----------------------------------------------------------------------------------
def shacl_available() -> bool:
    """Whether pyshacl is installed (it is pinned in requirements.txt)."""
    return importlib.util.find_spec("pyshacl") is not None


class QualityCheckError(PolicyKGError):
    """A data-quality check could not be run (the SHACL process failed or timed out)."""


def _lines(chunk: str) -> int:
    return chunk.count("\n")


def _write_documents(store: GraphStore, out: IO[str], max_triples: int) -> tuple[int, list[dict[str, Any]]]:
    """Each document's N-Triples into ``out`` while the budget lasts; a document that would
    pass it is left out (stopping its export there) and listed as skipped."""
    written, skipped = 0, []
    for row in _rows(store, DOCUMENTS):
        lines: list[str] = []
        n = 0
        for chunk in store_ntriples(store, source=row["id"]):
            lines.append(chunk)
            n += _lines(chunk)
            if written + n > max_triples:
                break
        if written + n > max_triples:
            skipped.append({"id": row["id"], "title": row["title"] or "", "district": row["district"] or "",
                            "triples_over": max_triples - written})
            continue
        out.writelines(lines)
        written += n
    return written, skipped


def _write_all(store: GraphStore, out: IO[str], max_triples: int) -> bool:
    """The whole store's N-Triples into ``out``; False (stopped early) once past the budget."""
    n = 0
    for chunk in store_ntriples(store):
        n += _lines(chunk)
        if n > max_triples:
            return False
        out.write(chunk)
    return True


def shacl_report(store: GraphStore, register_limit: int = REGISTER_LIMIT, max_triples: int = MAX_TRIPLES,
                 timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """``{"available", "scope", "triples", "conforms", "results", "groups", "skipped"}``: the
    export validated against ontology/shapes.ttl in a child process (webviz.shacl says
    why), results grouped, most frequent group first.

    Bounded twice: an enterprise register above ``register_limit`` (enterprises plus
    holdings) is left out (``scope: "documents"``), and at most ``max_triples`` triples are
    validated: when the whole export is larger, the documents are exported one by one and a
    document that would pass the budget is left out and named in ``skipped``. The child
    is stopped after ``timeout_s`` seconds (QualityCheckError)."""
    if not shacl_available():
        return {"available": False, "scope": None, "triples": 0, "conforms": None, "results": 0, "groups": [],
                "skipped": []}
    counts = store.counts()
    register = counts.nodes.get("Enterprise", 0) + counts.rels.get("HOLDS", 0)
    scope = "all" if register <= register_limit else "documents"
    skipped: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="policykg-shacl-") as tmp:
        data = Path(tmp) / "export.nt"
        with open(data, "w", encoding="utf-8") as out:
            if scope == "all" and not _write_all(store, out, max_triples):
                scope = "documents"
                out.seek(0)
                out.truncate()
            if scope == "documents":
                _, skipped = _write_documents(store, out, max_triples)
        try:
            report = shacl.validate(data, timeout_s)
        except shacl.ShaclFailed as exc:
            raise QualityCheckError(str(exc), where="SHACL (ontology/shapes.ttl)",
                                    hint="POLICYKG_SHACL_TIMEOUT and POLICYKG_SHACL_MAX_TRIPLES bound it") from None
    groups = report["groups"]
    return {"available": True, "scope": scope, "triples": report["triples"], "conforms": report["conforms"],
            "results": sum(g["count"] for g in groups), "groups": groups, "skipped": skipped}


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


def _warning_lines(value: Any) -> list[str]:
    """A document's stored ``warnings``: one message per line (as the loader stores them), a
    JSON list, or a list.

    >>> _warning_lines("a\\nb"), _warning_lines('["x"]'), _warning_lines(None)
    (['a', 'b'], ['x'], [])
    """
    if isinstance(value, list):
        return [str(w) for w in value if str(w).strip()]
    text = str(value or "").strip()
    if text.startswith("["):
        try:
            return _warning_lines(json.loads(text))
        except ValueError:
            pass
    return [line.strip() for line in text.splitlines() if line.strip()]


def document_warnings(store: GraphStore) -> dict[str, Any]:
    """Documents whose extraction left warnings (an impossible date, an inverted validity
    period...), each with its messages, most warnings first."""
    items = []
    for r in _rows(store, WARNINGS):
        lines = _warning_lines(r["warnings"])
        if lines:
            items.append({"id": r["id"], "title": r["title"] or "", "district": r["district"] or "",
                          "warnings": lines})
    items.sort(key=lambda d: (-len(d["warnings"]), d["district"], d["title"], d["id"]))
    return {"count": len(items), "warnings": sum(len(d["warnings"]) for d in items), "items": items}


def has_warnings(store: GraphStore) -> bool:
    """Whether the ontology gives documents a ``warnings`` property (the loader's extraction
    warnings); older graphs have none, and then the check is not shown."""
    nt = store.ontology.node_types.get("PolicyDocument")
    return nt is not None and any(p.name == "warnings" for p in nt.properties)


def checks(store: GraphStore, finder: TermFinder | None) -> dict[str, Any]:
    """The named checks: four always, and the documents' extraction warnings where the
    ontology has them."""
    out = {
        "measures_without_bureau": measures_without_bureau(store),
        "unrequired_qualifications": unrequired_qualifications(store),
        "documents_without_dates": documents_without_dates(store),
        "unknown_terms": unknown_terms(store, finder),
    }
    if has_warnings(store):
        out["document_warnings"] = document_warnings(store)
    return out
