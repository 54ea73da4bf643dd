"""Run the comparison's SPARQL twins (queries/sparql/*.rq) on RDF with pyoxigraph.

This is the path another district takes: no policykg store, only our export loaded into
a triple store. ``policykg compare --rdf FILE`` uses it, and tests check that it gives
the Cypher path's numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyoxigraph import Literal, QuerySolutions, Store, Variable

from graph.rdf_compare import SECTIONS, Comparison, DocInfo, Figures, figures_from_rows, pick_document, sparql_query
from graph.rdf_import import rdf_format
from graph.rdf_vocab import XSD
from policykg.errors import LoadError, ParameterError

# The columns of each query that make a Figures row (as in graph.rdf_compare.CYPHER).
COLUMNS = {
    "documents": ("document", "title", "district", "articles", "measures"),
    "themes": ("theme", "name", "measures"),
    "support-forms": ("support_form", "name", "measures"),
    "qualifications": ("qualification", "name", "articles", "measures"),
    "bureaus": ("bureau", "name", "articles"),
    "amounts": ("support_form", "name", "measures", "max_amount", "max_cap", "max_ratio"),
}
_NUMERIC = {XSD + "double", XSD + "decimal", XSD + "float"}


def load_rdf(path: Path, fmt: str | None = None) -> Store:
    """An in-memory Oxigraph store holding the RDF file at ``path``."""
    syntax = rdf_format(path, fmt)
    store = Store()
    try:
        store.load(path=str(path), format=syntax)
    except (SyntaxError, ValueError) as exc:
        raise LoadError(f"not valid RDF: {exc}", where=str(path)) from exc
    return store


def _python(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, Literal):
        dtype = term.datatype.value
        if dtype == XSD + "integer":
            return int(term.value)
        if dtype in _NUMERIC:
            return float(term.value)
        return term.value
    return term.value


def sparql_rows(rdf: Store, name: str, columns: tuple[str, ...], **bind: str) -> list[list[Any]]:
    """Rows of queries/sparql/<name>.rq, with variables bound to string literals."""
    subs = {Variable(k): Literal(v) for k, v in bind.items()}
    result = rdf.query(sparql_query(name), substitutions=subs)
    assert isinstance(result, QuerySolutions)
    return [[_python(sol[c]) for c in columns] for sol in result]


def rdf_documents(rdf: Store) -> list[DocInfo]:
    """Every document in the RDF."""
    return [DocInfo(str(i), str(t or ""), str(d or "")) for i, t, d, _, _ in
            sparql_rows(rdf, "documents", COLUMNS["documents"])]


def sparql_figures(rdf: Store, doc_id: str) -> Figures:
    """The figures of document ``doc_id``, computed by the SPARQL queries."""
    rows = {name: sparql_rows(rdf, name, COLUMNS[name], document=doc_id) for name in ("documents", *SECTIONS)}
    if not rows["documents"]:
        raise ParameterError(f"document {doc_id!r} has no articles in the RDF", where="DOC")
    return figures_from_rows(rows)


def compare_rdf(rdf: Store, doc_a: str, doc_b: str) -> Comparison:
    """Compare two documents of an RDF export (ids or unique title/district words)."""
    docs = rdf_documents(rdf)
    a, b = pick_document(docs, doc_a), pick_document(docs, doc_b)
    return Comparison(sparql_figures(rdf, a.id), sparql_figures(rdf, b.id))
