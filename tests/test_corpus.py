"""The whole development corpus (data/policies/ with its sub-folders, 22 documents) loads
on both backends with identical counts, and every saved query answers the same on both.

The other tests use the three shipped documents only (tests/conftest.py), to stay fast."""

from __future__ import annotations

import pytest

from graph.embedded_store import EmbeddedStore
from loaders import document_batch, extract_file, ontology_batch
from loaders.text import SUFFIXES
from queries import load_library, run_query
from tests.conftest import POLICIES


@pytest.mark.neo4j
def test_corpus_loads_alike_on_both_backends(tmp_path, ontology, neo4j_store):
    files = sorted(p for p in POLICIES.rglob("*") if p.suffix.lower() in SUFFIXES)
    assert len(files) == 22
    batches = [ontology_batch(ontology), *(document_batch(extract_file(p), ontology) for p in files)]
    embedded = EmbeddedStore(tmp_path / "embedded", ontology)
    try:
        embedded.write_many(batches)
        neo4j_store.clear()
        neo4j_store.write_many(batches)
        counts = embedded.counts()
        assert counts == neo4j_store.counts()
        assert counts.nodes["PolicyDocument"] == 22
        for q in load_library().values():
            for example in q.examples:
                a, b = run_query(embedded, q, example["params"]), run_query(neo4j_store, q, example["params"])
                # the same rows; their order may differ only among ties of the query's ORDER BY
                # (in the corpus an article number can repeat within a document: sections, restarts)
                assert a.columns == b.columns, q.name
                assert sorted(map(_key, a.rows)) == sorted(map(_key, b.rows)), (q.name, example["params"])
    finally:
        embedded.close()
        neo4j_store.clear()


def _key(row: list) -> str:
    """A row as text to compare across backends. A path (path-between) is compared by its
    node ids and its relationships' types and ends: the property maps the two drivers give
    its nodes are a backend detail (which keys an absent value leaves out, in what order),
    not part of the answer."""
    def plain(v):
        if isinstance(v, dict) and set(v) >= {"nodes", "rels"}:
            return ([n["id"] for n in v["nodes"]], [(r["type"], r["start"], r["end"]) for r in v["rels"]])
        return v
    return repr([plain(v) for v in row])

