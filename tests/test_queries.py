"""The saved query library: file checks, parameter checks, and every query on both
backends with the same rows and a hand-checked answer."""

from __future__ import annotations

import pytest

from policykg.errors import ParameterError, QueryDefinitionError
from queries import load_library, parse_query_file, run_query, to_csv

LIBRARY = load_library()

# One hand-checked fact per query (read off the Minhang document).
HAND_CHECKED = {
    "articles-per-bureau": lambda rows: rows[0]["bureau"] == "区经委" and rows[0]["articles"] == 33,
    "bureaus-of-article": lambda rows: [(r["bureau"], r["lead"]) for r in rows]
    == [("区经委", True), ("区商务委", False), ("区科委", False)],
    "articles-of-chapter": lambda rows: [r["article"] for r in rows] == list(range(14, 22)),
}


def test_every_query_has_a_hand_checked_answer():
    assert set(LIBRARY) == set(HAND_CHECKED)


@pytest.mark.neo4j
@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_query_same_rows_on_both_backends(name, loaded_stores):
    q = LIBRARY[name]
    assert q.examples, f"{name} has no examples"
    for example in q.examples:
        results = {b: run_query(s, q, example["params"]) for b, s in loaded_stores.items()}
        assert results["embedded"].rows == results["neo4j"].rows
        assert results["embedded"].columns == results["neo4j"].columns
    assert HAND_CHECKED[name](results["embedded"].records())


def _write(tmp_path, name, body):
    path = tmp_path / f"{name}.yaml"
    path.write_text(body, "utf-8")
    return path


GOOD = """name: {name}
title: {{zh: 测试, en: Test}}
description: {{zh: 测试, en: Test}}
params:
  - {{name: n, type: int}}
cypher: |
  {cypher}
"""


@pytest.mark.parametrize(
    ("cypher", "message"),
    [
        ("MATCH (a:Article) WHERE a.number = $n DETACH DELETE a", "DETACH"),
        ("MATCH (a:Article) WHERE a.number = $n SET a.title = 'x'", "SET"),
        ("MATCH (a:Article) WHERE a.number = $n CREATE (:Bureau {id: 'x'})", "CREATE"),
        ("MATCH (a:Article) WHERE a.number = $n MERGE (:Bureau {id: 'x'})", "MERGE"),
        ("LOAD CSV FROM 'file:///x' AS row RETURN row, $n", "LOAD"),
        ("CALL db.labels() YIELD label RETURN label, $n", "CALL"),
        ("MATCH (a:Article) WHERE a.number = $m RETURN a", "differ from those declared"),
    ],
)
def test_bad_query_files_are_refused_naming_the_file(tmp_path, cypher, message):
    path = _write(tmp_path, "bad-query", GOOD.format(name="bad-query", cypher=cypher))
    with pytest.raises(QueryDefinitionError) as err:
        parse_query_file(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_write_words_inside_strings_are_fine(tmp_path):
    path = _write(tmp_path, "ok-query", GOOD.format(
        name="ok-query", cypher="MATCH (a:Article) WHERE a.number = $n AND a.title <> 'CREATE SET' RETURN a.id"))
    assert parse_query_file(path).name == "ok-query"


def test_syntax_error_and_unknown_type(tmp_path):
    path = _write(tmp_path, "broken", "name: broken\ntitle: [unclosed\n")
    with pytest.raises(QueryDefinitionError, match=r"broken.yaml:\d+"):
        parse_query_file(path)
    path = _write(tmp_path, "typed", GOOD.format(name="typed", cypher="RETURN $n").replace("type: int", "type: money"))
    with pytest.raises(QueryDefinitionError, match="unknown parameter type 'money'"):
        parse_query_file(path)


def test_parameters_are_checked_before_running():
    q = LIBRARY["bureaus-of-article"]
    with pytest.raises(ParameterError, match="number"):
        q.bind({"number": "nineteen"})
    with pytest.raises(ParameterError, match="required"):
        q.bind({})
    with pytest.raises(ParameterError, match="unknown parameter 'evil'"):
        q.bind({"number": 1, "evil": 2})
    assert q.bind({"number": "19"}) == {"number": 19, "district": ""}


@pytest.mark.neo4j
@pytest.mark.parametrize("evil", ["' OR 1=1 //", "x'}) DETACH DELETE n //", "闵行区\" RETURN 1"])
def test_injection_shaped_values_change_nothing(loaded_stores, evil):
    q = LIBRARY["bureaus-of-article"]
    for store in loaded_stores.values():
        before = store.counts()
        assert run_query(store, q, {"number": 19, "district": evil}).rows == []
        assert store.counts() == before


def test_deployment_folder_adds_queries(tmp_path):
    path = _write(tmp_path, "my-query", GOOD.format(name="my-query", cypher="MATCH (a:Article) "
                                                     "WHERE a.number = $n RETURN a.title AS t"))
    lib = load_library(tmp_path)
    assert "my-query" in lib and set(LIBRARY) < set(lib)
    assert lib["my-query"].path == path


def test_csv_neutralises_formulas():
    from graph import ReadResult

    text = to_csv(ReadResult(["a", "b"], [["=1+1", 3], ["@SUM(A1)", "正常"]]))
    assert text.splitlines()[1:] == ["'=1+1,3", "'@SUM(A1),正常"]
