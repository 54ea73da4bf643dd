"""The unlocks matrix's reading of the graph (webviz.unlocks.read_unlocks) gives the same
rows on Neo4j and on the embedded store, and build_matrix counts each pair's measures once."""

from __future__ import annotations

import datetime as dt

from webviz.unlocks import UnlockFilter, build_matrix, read_unlocks

AS_OF = dt.date(2025, 6, 30)


def _rows(raw: dict) -> dict:
    return {k: sorted(tuple(sorted((c, repr(v)) for c, v in r.items())) for r in rows) for k, rows in raw.items()}


def _named(matrix: dict, panel: int) -> set:
    """A panel's cells as (qualification id, form id, measure ids): rows are ordered over all panels."""
    p = matrix["panels"][panel]
    rows = [q["id"] for q in matrix["qualifications"]]
    return {(rows[r], p["forms"][c]["id"], tuple(ids)) for r, c, _, ids in p["cells"]}


def test_same_reading_on_both_backends_and_exact_counts(loaded_stores):
    from webviz import create_app

    emb, neo = (read_unlocks(loaded_stores[k], AS_OF) for k in ("embedded", "neo4j"))
    assert emb["measures"] and _rows(emb) == _rows(neo)
    with create_app().test_request_context("/?lang=zh"):
        both = build_matrix(emb, UnlockFilter(districts=("闵行区", "长宁区"), as_of=AS_OF))
        alone = build_matrix(emb, UnlockFilter(districts=("闵行区",), as_of=AS_OF))
    assert [p["district"] for p in both["panels"]] == ["闵行区", "长宁区"]
    assert _named(both, 0) == _named(alone, 0)  # a district's panel is the same beside another
    for panel in both["panels"]:
        for _, _, count, ids in panel["cells"]:
            assert count == len(set(ids)) and all(both["measures"][i]["district"] == panel["district"] for i in ids)
    little_giant = next(q for q in alone["qualifications"] if q["name"] == "专精特新“小巨人”企业")
    assert little_giant["measures"] >= 1
