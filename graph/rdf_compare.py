"""Compare two policy documents side by side: themes, support forms, qualifications
(matched by ontology concept, never by string), bureaus' share of articles, amounts.

The figures of one document come either from the store (Cypher that runs on both
backends) or from an RDF export (the SPARQL files in queries/sparql/, which any triple
store can run); tests require both to give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.store import GraphStore
from policykg.errors import ParameterError

SPARQL_DIR = Path(__file__).resolve().parents[1] / "queries" / "sparql"

_DOC_PATH = "(d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)"
# One Cypher query per figure; ``$doc`` is a document id. The SPARQL twin of each is
# queries/sparql/<name>.rq (grouped by ?document; bind ?document to pick one).
CYPHER = {
    "documents": f"MATCH {_DOC_PATH} WHERE d.id = $doc OPTIONAL MATCH (a)-[:HAS_MEASURE]->(m:Measure) "
                 "RETURN d.id, d.title, d.district, count(DISTINCT a), count(DISTINCT m)",
    "themes": f"MATCH {_DOC_PATH}-[:HAS_MEASURE]->(m:Measure), (c)-[:ABOUT]->(t:Theme) WHERE d.id = $doc "
              "RETURN t.id, t.name, count(DISTINCT m) ORDER BY t.id",
    "support-forms": f"MATCH {_DOC_PATH}-[:HAS_MEASURE]->(m:Measure)-[:PROVIDES]->(f:SupportForm) "
                     "WHERE d.id = $doc RETURN f.id, f.name, count(DISTINCT m) ORDER BY f.id",
    "qualifications": f"MATCH {_DOC_PATH}-[:HAS_MEASURE]->(m:Measure)-[:REQUIRES]->(q:Qualification) "
                      "WHERE d.id = $doc RETURN q.id, q.name, count(DISTINCT a), count(DISTINCT m) ORDER BY q.id",
    "bureaus": f"MATCH {_DOC_PATH}<-[:RESPONSIBLE_FOR]-(b:Bureau) WHERE d.id = $doc "
               "RETURN b.id, b.name, count(DISTINCT a) ORDER BY b.id",
    "amounts": f"MATCH {_DOC_PATH}-[:HAS_MEASURE]->(m:Measure)-[p:PROVIDES]->(f:SupportForm) "
               "WHERE d.id = $doc AND (p.amount IS NOT NULL OR p.cap IS NOT NULL OR p.ratio IS NOT NULL) "
               "RETURN f.id, f.name, count(DISTINCT m), max(p.amount), max(p.cap), max(p.ratio) ORDER BY f.id",
}
SECTIONS = ("themes", "support-forms", "qualifications", "bureaus", "amounts")


@dataclass(frozen=True)
class DocInfo:
    """A document as the user names it: id, title, district."""

    id: str
    title: str
    district: str


@dataclass(frozen=True)
class Figures:
    """The numbers of one document. ``counts[section][id]`` is a tuple of numbers:
    themes and support-forms (measures,), qualifications (articles, measures), bureaus
    (articles,), amounts (measures stating one, max amount, max cap, max ratio); amounts
    and caps in 万元, ratios in percent. ``names`` maps every id to its zh name."""

    doc: DocInfo
    articles: int
    measures: int
    counts: dict[str, dict[str, tuple[Any, ...]]]
    names: dict[str, str] = field(default_factory=dict)


def _num(v: Any) -> Any:
    return float(v) if isinstance(v, float) else v


def figures_from_rows(rows: dict[str, list[list[Any]]]) -> Figures:
    """Figures from the rows of each query: [id, name, *numbers] (documents: id, title,
    district, articles, measures); shared by the Cypher and SPARQL paths."""
    doc_row = rows["documents"][0]
    names: dict[str, str] = {}
    counts: dict[str, dict[str, tuple[Any, ...]]] = {}
    for section in SECTIONS:
        counts[section] = {}
        for key, name, *nums in rows[section]:
            counts[section][str(key)] = tuple(_num(n) for n in nums)
            names[str(key)] = str(name or key)
    return Figures(DocInfo(str(doc_row[0]), str(doc_row[1] or ""), str(doc_row[2] or "")),
                   int(doc_row[3]), int(doc_row[4]), counts, names)


def documents(store: GraphStore) -> list[DocInfo]:
    """Every document in the store."""
    rows = store.read("MATCH (d:PolicyDocument) RETURN d.id, d.title, d.district ORDER BY d.id").rows
    return [DocInfo(str(i), str(t or ""), str(d or "")) for i, t, d in rows]


def pick_document(docs: list[DocInfo], text: str) -> DocInfo:
    """The document named by ``text``: its id, or a unique substring of its title or district."""
    exact = [d for d in docs if d.id == text]
    found = exact or [d for d in docs if text and (text in d.title or text in d.district)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ParameterError(f"no document matches {text!r}", where="DOC",
                             hint="give a document id or a word of its title or district; `policykg query run "
                                  "documents-in-force` lists them")
    listed = "; ".join(f"{d.id} {d.district} {d.title}" for d in found[:5])
    raise ParameterError(f"{text!r} matches {len(found)} documents: {listed}", where="DOC",
                         hint="give more of the title, or the id")


def cypher_figures(store: GraphStore, doc_id: str) -> Figures:
    """The figures of document ``doc_id``, read from the store."""
    rows = {name: store.read(q, {"doc": doc_id}).rows for name, q in CYPHER.items()}
    if not rows["documents"]:
        raise ParameterError(f"document {doc_id!r} has no articles", where="DOC")
    return figures_from_rows(rows)


def sparql_query(name: str) -> str:
    """The text of queries/sparql/<name>.rq."""
    return (SPARQL_DIR / f"{name}.rq").read_text("utf-8")


@dataclass(frozen=True)
class Comparison:
    """Two documents' figures, and the views of them people ask for."""

    a: Figures
    b: Figures

    def _pairs(self, section: str, at: int = 0) -> list[tuple[str, str, Any, Any]]:
        ca, cb = self.a.counts[section], self.b.counts[section]
        names = {**self.b.names, **self.a.names}
        keys = sorted(set(ca) | set(cb), key=lambda k: names.get(k, k))
        return [(k, names.get(k, k), ca[k][at] if k in ca else 0, cb[k][at] if k in cb else 0) for k in keys]

    def themes(self) -> list[tuple[str, str, int, int]]:
        """(theme id, name, measures in A, measures in B) for themes either covers."""
        return self._pairs("themes")

    def support_forms(self) -> list[tuple[str, str, int, int]]:
        """(form id, name, measures in A, measures in B)."""
        return self._pairs("support-forms")

    def qualifications(self) -> dict[str, list[tuple[str, str, int, int]]]:
        """Qualifications rewarded by both, only A, only B: (id, name, articles in A, in B)."""
        out: dict[str, list[tuple[str, str, int, int]]] = {"both": [], "only_a": [], "only_b": []}
        for row in self._pairs("qualifications"):
            out["both" if row[2] and row[3] else "only_a" if row[2] else "only_b"].append(row)
        return out

    def bureaus(self) -> list[tuple[str, str, str, int, float]]:
        """(document side, bureau id, name, articles, share of the document's articles in %)."""
        out = []
        for side, f in (("A", self.a), ("B", self.b)):
            ranked = sorted(f.counts["bureaus"].items(), key=lambda kv: (-kv[1][0], f.names[kv[0]]))
            for k, (n,) in ranked:
                out.append((side, k, f.names[k], n, round(100 * n / f.articles, 1) if f.articles else 0.0))
        return out

    def amounts(self) -> list[tuple[str, str, str, int, Any, Any, Any]]:
        """(document side, form id, name, measures stating one, max amount, max cap, max ratio)."""
        return [(side, k, f.names[k], *f.counts["amounts"][k])
                for side, f in (("A", self.a), ("B", self.b)) for k in sorted(f.counts["amounts"])]

    def sections(self) -> list[tuple[str, list[str], list[list[Any]]]]:
        """The comparison as titled tables (title, columns, rows), for text and HTML."""
        a, b = self.a.doc, self.b.doc
        q = self.qualifications()
        coverage = [[n, x, y, "both" if x and y else "only A" if x else "only B"] for _, n, x, y in self.themes()]
        return [
            ("documents", ["side", "id", "district", "title", "articles", "measures"],
             [["A", a.id, a.district, a.title, self.a.articles, self.a.measures],
              ["B", b.id, b.district, b.title, self.b.articles, self.b.measures]]),
            ("measures per theme", ["theme", "A", "B", "coverage"], coverage),
            ("support forms (measures)", ["support form", "A", "B"],
             [[n, x, y] for _, n, x, y in self.support_forms()]),
            *[(f"qualifications rewarded by {title} (articles)", ["qualification", "A", "B"],
               [[n, x, y] for _, n, x, y in q[key]])
              for key, title in (("both", "both"), ("only_a", "A only"), ("only_b", "B only"))],
            ("bureaus' share of articles", ["side", "bureau", "articles", "share %"],
             [[s, n, c, p] for s, _, n, c, p in self.bureaus()]),
            ("amounts where stated (万元, %)",
             ["side", "support form", "measures", "max amount", "max cap", "max ratio"],
             [[s, n, c, am, cap, r] for s, _, n, c, am, cap, r in self.amounts()]),
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form: the documents and every view, keyed by ontology ids."""
        q = self.qualifications()

        def doc(f: Figures) -> dict[str, Any]:
            return {"id": f.doc.id, "title": f.doc.title, "district": f.doc.district,
                    "articles": f.articles, "measures": f.measures}

        def pairs(rows: list[tuple[str, str, Any, Any]]) -> list[dict[str, Any]]:
            return [{"id": k, "name": n, "a": x, "b": y} for k, n, x, y in rows]

        return {
            "a": doc(self.a), "b": doc(self.b),
            "themes": pairs(self.themes()),
            "support_forms": pairs(self.support_forms()),
            "qualifications": {k: pairs(v) for k, v in q.items()},
            "bureaus": [{"side": s, "id": k, "name": n, "articles": c, "share_percent": p}
                        for s, k, n, c, p in self.bureaus()],
            "amounts": [{"side": s, "id": k, "name": n, "measures": c, "max_amount": am, "max_cap": cap,
                         "max_ratio": r} for s, k, n, c, am, cap, r in self.amounts()],
        }


def compare_documents(store: GraphStore, doc_a: str, doc_b: str) -> Comparison:
    """Compare the documents named ``doc_a`` and ``doc_b`` (ids or unique title/district words)."""
    docs = documents(store)
    a, b = pick_document(docs, doc_a), pick_document(docs, doc_b)
    return Comparison(cypher_figures(store, a.id), cypher_figures(store, b.id))
