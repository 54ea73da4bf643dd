"""Both backends, same behaviour: counts, idempotent re-loads, all-or-nothing writes,
and identical answers."""

from __future__ import annotations

import pytest

from graph import Batch, NodeRecord, RelRecord, Table
from loaders import document_batch, extract_file
from policykg.errors import LoadError
from tests.conftest import MINHANG

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def minhang_batch(ontology):
    return document_batch(extract_file(MINHANG), ontology)


def test_minhang_counts(store, minhang_batch):
    store.write(minhang_batch)
    c = store.counts()
    # 50 numbered articles in 9 chapters, plus the 附则 part (三、附则, which grants 一事一议):
    # one section Article in a chapter of its own heading, with no theme (loaders/structure.py)
    assert {k: c.nodes[k] for k in ("Article", "Bureau", "Chapter", "PolicyDocument")} == {
        "Article": 51, "Bureau": 9, "Chapter": 10, "PolicyDocument": 1}
    assert c.nodes["Measure"] >= 50 and c.rels["ABOUT"] == 9
    assert c.rels["HAS_CHAPTER"] == 10
    assert c.rels["HAS_ARTICLE"] == 51
    t = next(t for t in minhang_batch.node_tables if t.name == "Article")
    cols = {c: i + 1 for i, c in enumerate(t.columns)}  # a row is (id, *values)
    sections = [(r[cols["number"]], r[cols["title"]]) for r in t.rows if r[cols["section"]]]
    assert sections == [(3, "附则")] and sum(1 for r in t.rows if r[cols["section"]] is False) == 50
    assert c.rels["RESPONSIBLE_FOR"] == sum(len(b) for b in _minhang_bureaus().values())


def _minhang_bureaus():
    from tests.test_extract import MINHANG_BUREAUS

    return MINHANG_BUREAUS


def test_loading_twice_changes_nothing(store, minhang_batch, policy_batches):
    store.write(minhang_batch)
    first = store.counts()
    store.write(minhang_batch)
    assert store.counts() == first
    store.write_many(policy_batches)
    everything = store.counts()
    store.write_many(policy_batches)
    assert store.counts() == everything
    assert everything.nodes["PolicyDocument"] == 3


def test_bad_batch_leaves_graph_unchanged(store, minhang_batch):
    store.write(minhang_batch)
    before = store.counts()
    dangling = Batch.of("broken", [NodeRecord("Bureau", "x", {"name": "某局"})],
                        [RelRecord("RESPONSIBLE_FOR", "x", "no-such-article")])
    with pytest.raises(LoadError, match="no-such-article"):
        store.write_many([minhang_batch, dangling])
    wrong_type = Batch.of("broken", [NodeRecord("Article", "a", {"number": "seven"})], [])
    with pytest.raises(LoadError, match="number"):
        store.write(wrong_type)
    assert store.counts() == before


@pytest.mark.parametrize(("tables", "message"), [
    (([Table("Enterprise", ("name",), [("E1", "甲"), ("E1", "乙")])], []), "Enterprise node id repeated"),
    (([Table("Enterprise", ("name",), [("E1", "甲"), ("E2",)])], []), "cells, expected 2"),
    (([Table("Enterprise", ("founded_on",), [("E1", None), ("E2", "2020-01-01")])], []),
     "'founded_on' should be date, got '2020-01-01'"),
    (([Table("Enterprise", ("colour",), [("E1", "red")])], []), "'colour' is not in the ontology"),
    (([Table("Enterprise", (), [("E1",)]), Table("Qualification", (), [("q",)])],
      [Table("HOLDS", (), [("E1", "q"), ("E1", "q")])]), "HOLDS relationship repeated"),
    (([Table("Enterprise", (), [("E1",)])], [Table("HOLDS", (), [("E1", "q")])]), "needs a Qualification node 'q'"),
])
def test_bad_tables_are_refused_before_any_write(store, minhang_batch, tables, message):
    """Tables (how big sources such as registers arrive) get the same checks as records,
    each naming the table and row at fault, and nothing is written."""
    store.write(minhang_batch)
    before = store.counts()
    nodes, rels = tables
    with pytest.raises(LoadError, match=message):
        store.write(Batch("bad-tables", tuple(nodes), tuple(rels)))
    assert store.counts() == before


def test_read_returns_plain_values_and_graph(store, minhang_batch):
    store.write(minhang_batch)
    res = store.read(
        "MATCH (b:Bureau)-[r:RESPONSIBLE_FOR]->(a:Article) WHERE a.number = $n "
        "RETURN b.name AS bureau, r AS r, a AS a ORDER BY bureau", {"n": 19})
    assert [row[0] for row in res.rows] == ["区商务委", "区科委", "区经委"]
    rel = res.rows[0][1]
    assert rel["type"] == "RESPONSIBLE_FOR" and rel["end"] == res.rows[0][2]["id"]
    assert res.rows[0][2]["properties"]["title"] == "加大培育优质企业"
    assert {n.label for n in res.nodes} == {"Article"}  # only nodes the query returns
    doc = store.read("MATCH (d:PolicyDocument) RETURN d.effective_from AS f").rows[0][0]
    assert doc.isoformat() == "2025-01-15"


def test_same_answers_on_both_backends(loaded_stores):
    cypher = (
        "MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)"
        "<-[r:RESPONSIBLE_FOR]-(b:Bureau) "
        "RETURN d.district AS district, c.number AS chapter, a.number AS article, b.name AS bureau, r.lead AS lead "
        "ORDER BY district, chapter, article, bureau"
    )
    rows = {name: s.read(cypher).rows for name, s in loaded_stores.items()}
    assert rows["embedded"] == rows["neo4j"]
    assert len(rows["embedded"]) > 100
    assert loaded_stores["embedded"].counts() == loaded_stores["neo4j"].counts()


@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_reads_refuse_writes(loaded_stores, backend):
    """The read path itself refuses writes (read-only database; Neo4j READ-mode session),
    whatever the query library's checks let through."""
    from policykg.errors import StoreError

    st = loaded_stores[backend]
    before = st.counts()
    for write in ("CREATE (:Bureau {id: 'evil'})", "MATCH (b:Bureau) SET b.name = 'evil'",
                  "MATCH (a:Article) DETACH DELETE a"):
        with pytest.raises(StoreError):
            st.read(write)
        with pytest.raises(StoreError), st.snapshot() as read:
            read(write)
    assert st.counts() == before


@pytest.mark.parametrize("backend", ["embedded", "neo4j"])
def test_snapshot_reads_see_the_data(loaded_stores, backend):
    """Several reads in one snapshot answer as separate reads do."""
    st = loaded_stores[backend]
    q1, q2 = "MATCH (a:Article) RETURN count(a) AS c", "MATCH (b:Bureau) RETURN b.id AS id ORDER BY id"
    with st.snapshot() as read:
        together = (read(q1).rows, read(q2).rows)
    assert together == (st.read(q1).rows, st.read(q2).rows)
    assert together[0][0][0] >= 50


def _register(enterprises: dict[str, dict], holds: list[tuple[str, str, dict]]) -> Batch:
    """A small register batch: Enterprise nodes owned by ``reg-t`` and their HOLDS edges."""
    quals = {q for _, q, _ in holds}
    nodes = [NodeRecord("Enterprise", u, {"register_id": "reg-t", **p}) for u, p in enterprises.items()]
    nodes += [NodeRecord("Qualification", q, {"name": q}) for q in sorted(quals)]
    return Batch.of("reg-t", nodes, [RelRecord("HOLDS", u, q, p) for u, q, p in holds])


def test_reloading_a_changed_register_replaces_it_exactly(store):
    """A second version of a source replaces the first: enterprises, properties and edges it
    no longer has are gone, kept ones are updated, and the shared concept stays."""
    first = _register({"E1": {"name": "甲", "scale": "规上"}, "E2": {"name": "乙"}},
                      [("E1", "q-a", {"level": "市级"}), ("E2", "q-a", {}), ("E2", "q-b", {})])
    second = _register({"E1": {"name": "甲二"}, "E3": {"name": "丙"}},
                       [("E1", "q-b", {"level": "国家级"}), ("E3", "q-a", {})])
    store.write(first)
    store.write(second)
    rows = store.read("MATCH (e:Enterprise) OPTIONAL MATCH (e)-[h:HOLDS]->(q:Qualification) "
                      "RETURN e.id, e.name, e.scale, q.id, h.level ORDER BY e.id, q.id").rows
    assert rows == [["E1", "甲二", None, "q-b", "国家级"], ["E3", "丙", None, "q-a", None]]
    assert store.counts().nodes["Qualification"] == 2
    store.write(second)
    assert store.read("MATCH ()-[h:HOLDS]->() RETURN count(h)").rows == [[2]]


def test_reloading_updates_kept_edges_in_place(store):
    """An edge both versions have takes the second version's properties, including a
    property the second version no longer states; its twin edges are not duplicated."""
    first = _register({"E1": {"name": "甲"}}, [("E1", "q-a", {"level": "市级"}), ("E1", "q-b", {"level": "区级"})])
    second = _register({"E1": {"name": "甲"}}, [("E1", "q-a", {"level": "国家级"}), ("E1", "q-b", {})])
    store.write(first)
    store.write(second)
    rows = store.read("MATCH (e:Enterprise)-[h:HOLDS]->(q:Qualification) RETURN q.id, h.level ORDER BY q.id").rows
    assert rows == [["q-a", "国家级"], ["q-b", None]]


def _parts() -> list[Batch]:
    """One register in two parts, as a reader hands them over: the second repeats a shared
    concept, and holds an edge of an enterprise the first part brought."""
    first = _register({"E1": {"name": "甲", "scale": "规上"}}, [("E1", "q-a", {"level": "市级"})])
    second = _register({"E2": {"name": "乙"}}, [("E2", "q-a", {}), ("E2", "q-b", {"level": "区级"}),
                                               ("E1", "q-b", {"level": "国家级"})])
    return [first, second]


def _snapshot_rows(store) -> list:
    return store.read("MATCH (e:Enterprise) OPTIONAL MATCH (e)-[h:HOLDS]->(q:Qualification) "
                      "RETURN e.id, e.name, e.scale, e.register_id, q.id, q.name, h.level ORDER BY e.id, q.id").rows


def test_a_source_streamed_in_parts_equals_one_batch(store):
    """Parts written as they arrive (Neo4j) or gathered (embedded) give the graph that their
    concatenation gives; streaming them again is a re-load and changes nothing."""
    store.write_stream(iter(_parts()))
    streamed = store.counts(), _snapshot_rows(store)
    assert streamed[0].nodes["Enterprise"] == 2 and streamed[0].rels["HOLDS"] == 4
    store.write_stream(iter(_parts()))
    assert (store.counts(), _snapshot_rows(store)) == streamed
    store.clear()
    store.write_many([Batch.concat(_parts())])
    assert (store.counts(), _snapshot_rows(store)) == streamed


def test_a_failing_stream_writes_nothing(store, minhang_batch):
    store.write(minhang_batch)
    before = store.counts()

    def parts():
        yield from _parts()[:1]
        raise RuntimeError("the reader failed")

    with pytest.raises(RuntimeError, match="the reader failed"):
        store.write_stream(parts())
    with pytest.raises(ValueError, match="not consecutive"):
        store.write_stream(iter([_parts()[0], minhang_batch, _parts()[1]]))
    assert store.counts() == before


def test_concat_keeps_the_first_row_of_a_node_and_joins_columns():
    a = Batch("k", (Table("Qualification", ("name",), [("q1", "一")]),), ())
    b = Batch("k", (Table("Qualification", ("default_level", "name"), [("q1", "国家级", "x"), ("q2", None, "二")]),),
              (Table("HOLDS", ("level",), [("E1", "q2", "市级")]),))
    joined = Batch.concat([a, b])
    assert joined.node_tables == (Table("Qualification", ("default_level", "name"),
                                        [("q1", None, "一"), ("q2", None, "二")]),)
    assert joined.rel_tables == b.rel_tables
    with pytest.raises(ValueError):
        Batch.concat([a, Batch("other", (), ())])


def test_owned_places_finds_a_source_by_key_and_by_owner(neo4j_store, minhang_batch):
    """The one-statement probe behind re-loads: where a source's nodes are, and nothing
    for a source the graph does not hold."""
    from graph.neo4j_store import _holds_source, _owned_places

    neo4j_store.clear()
    neo4j_store.write(minhang_batch)
    try:
        with neo4j_store.driver.session() as s, s.begin_transaction() as tx:
            places = _owned_places(tx, [minhang_batch.key], neo4j_store.ontology)
            assert {("PolicyDocument", "id"), ("Article", "document_id"), ("Chapter", "document_id")} <= places
            assert not {label for label, _ in places} & {"Enterprise", "Qualification", "Bureau"}
            assert _owned_places(tx, ["no-such-source"], neo4j_store.ontology) == set()
            assert _holds_source(tx, minhang_batch.key, neo4j_store.ontology)
            assert not _holds_source(tx, "no-such-source", neo4j_store.ontology)
            tx.rollback()
    finally:
        neo4j_store.clear()
