"""The saved query library: file checks, parameter checks, and every query on both
backends with the same rows and a hand-checked answer."""

from __future__ import annotations

import pytest

from policykg.errors import ParameterError, QueryDefinitionError
from queries import load_library, parse_query_file, run_query, to_csv

LIBRARY = load_library()

# One hand-checked fact per query, read off the documents (see tests/test_extract.py for
# Minhang's bureaus by article). Examples pin as_of so that answers do not move with today.


def _rows(records, *cols):
    return [tuple(r[c] for c in cols) for r in records]


def _check_supports(rows):
    """One row per measure and qualification, its bureaus gathered in one cell (issue 18.3)."""
    a19 = {(r["qualification"], r["level"], tuple(r["bureaus"])) for r in rows if r["article"] == 19}
    bureaus = ("区商务委", "区科委", "区经委")  # sorted, the same on both backends
    keys = [(r["qualification"], r["document"], r["article"], r["measure"], r["level"]) for r in rows]
    return ({("高新技术企业", None, bureaus), ("专精特新“小巨人”企业", "国家级", bureaus)} <= a19
            and all(r["support_forms"] == ["资金支持"] for r in rows if r["article"] == 19)
            and len(set(keys)) == len(keys)
            and {r["document"] for r in rows} == {"闵行区关于产业高质量发展的政策意见(试行)"})


# tests/data/eligibility-cases.csv: 丁 holds 专精特新“小巨人”企业 (国家级, valid); 甲 and 庚
# qualify for Minhang 19 too; 乙 (市级 冠军), 丙 (expired) and 辛 (not yet obtained) do not.
HAND_CHECKED = {
    "enterprise-claims": lambda rows: {(r["district"], r["article"], r["held"], r["requires"]) for r in rows} == {
        ("闵行区", 19, "专精特新“小巨人”企业", "专精特新“小巨人”企业"),
        ("闵行区", 19, "专精特新“小巨人”企业", "专精特新中小企业"),
        ("长宁区", 5, "专精特新“小巨人”企业", "专精特新中小企业")}
    and {r["bureau"] for r in rows if r["article"] == 19} == {"区经委", "区科委", "区商务委"},
    "article-enterprises": lambda rows: {r["enterprise"] for r in rows} == {
        "甲(虚构)高企有限公司", "丁(虚构)小巨人有限公司", "庚(虚构)科技小巨人有限公司"},
    "articles-per-bureau": lambda rows: rows[0]["bureau"] == "区经委" and rows[0]["articles"] == 33,
    "bureaus-of-article": lambda rows: _rows(rows, "bureau", "lead")
    == [("区经委", True), ("区商务委", False), ("区科委", False)],
    "articles-of-chapter": lambda rows: [r["article"] for r in rows] == list(range(14, 22)),
    # articles 2,15,19,22-26,28,29,32-34,43 name both 区经委 and 区商务委
    "bureau-co-responsibility": lambda rows: _rows(rows[:1], "bureau_a", "bureau_b", "shared_articles")
    == [("区商务委", "区经委", 14)],
    # on 2026-12-01 Changning (until 2026-11-14) and Nansha (until 2021-12-31) have lapsed
    # (Minhang's 50 numbered articles and its 附则 section, which grants 一事一议)
    "articles-in-force": lambda rows: len(rows) == 51 and {r["district"] for r in rows} == {"闵行区"}
    and sum(1 for r in rows if r["title"] == "附则") == 1,
    # Minhang 19 (区经委/区科委/区商务委) and Changning 2's AI paragraph (区科委/区数据局/区投促办)
    "bureaus-for-qualification": lambda rows: sorted(_rows(rows, "district", "bureau")) == sorted(
        [("闵行区", "区经委"), ("闵行区", "区科委"), ("闵行区", "区商务委"),
         ("长宁区", "区科委"), ("长宁区", "区数据局"), ("长宁区", "区投促办")])
    and {(r["bureau"], tuple(r["articles"])) for r in rows if r["district"] == "闵行区"} == {
        ("区经委", (19,)), ("区科委", (19,)), ("区商务委", (19,))},
    "documents-in-force": lambda rows: _rows(rows, "district", "in_force")
    == [("南沙区", False), ("长宁区", True), ("闵行区", True)],
    "measures-for-beneficiary": lambda rows: {("闵行区", 3), ("长宁区", 4)} <= set(_rows(rows, "district", "article")),
    "measures-without-bureau": lambda rows: {r["district"] for r in rows} == {"南沙区"}
    and {r["article"] for r in rows} == set(range(1, 38)),
    "path-between": lambda rows: rows[0]["hops"] == 1
    and rows[0]["path"]["rels"][0]["type"] == "BROADER",
    "qualification-supports": _check_supports,
    # a 小巨人 is also a 专精特新 SME: Minhang 19 names both; Changning 5 names “专精特新”企业
    "qualification-unlocks": lambda rows: _rows(rows, "district", "article", "requires") == [
        ("长宁区", 5, "专精特新中小企业"), ("闵行区", 19, "专精特新“小巨人”企业"), ("闵行区", 19, "专精特新中小企业")]
    and rows[0]["cap_wan"] == 500 and rows[1]["bureaus"] == ["区商务委", "区科委", "区经委"],
    "qualifications-in-many-articles": lambda rows: ("高新技术企业", 2) in _rows(rows, "qualification", "articles"),
    "qualifications-only-one-rewards": lambda rows: "专精特新“小巨人”企业" in {r["qualification"] for r in rows}
    and "高新技术企业" not in {r["qualification"] for r in rows},
    "review-measures-without-support": lambda rows: {38, 42} <= {r["article"] for r in rows},
    "review-unknown-bureaus": lambda rows: rows == [],  # every bureau of the shipped documents is known
    "support-forms-per-document": lambda rows: ("长宁区", "资金支持") in _rows(rows, "district", "support_form")
    and ("闵行区", "算力券", 1) in _rows(rows, "district", "support_form", "measures"),
    "supports-by-theme": lambda rows: ("科技创新", "算力券", 1) in _rows(rows, "theme", "support_form", "measures"),
    "themes-compared": lambda rows: {r["theme"]: r["coverage"] for r in rows}["知识产权"] == "only B"
    and {r["theme"]: r["coverage"] for r in rows}["人才支持"] == "only A"
    and {r["theme"]: r["coverage"] for r in rows}["科技创新"] == "both",
}


def test_every_query_has_a_hand_checked_answer():
    assert set(LIBRARY) == set(HAND_CHECKED)
    assert len(LIBRARY) >= 15
    for q in LIBRARY.values():
        assert q.title_zh and q.title_en and q.description_zh and q.description_en


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


def test_concept_parameters_accept_aliases_and_explain_unknowns():
    q = LIBRARY["qualification-unlocks"]
    assert q.bind({"qualification": "高企", "as_of": "2025-01-01"})["qualification"] == "high-tech-enterprise"
    assert q.bind({"qualification": "国家高新技术企业"})["qualification"] == "high-tech-enterprise"
    with pytest.raises(ParameterError, match="did you mean"):
        q.bind({"qualification": "高新技术企"})


def test_as_of_defaults_to_today():
    import datetime as dt

    assert LIBRARY["articles-in-force"].bind({})["as_of"] == dt.date.today()


@pytest.mark.neo4j
def test_as_of_changes_what_counts(loaded_stores):
    q = LIBRARY["articles-in-force"]
    for store in loaded_stores.values():
        mid_2025 = {r["district"] for r in run_query(store, q, {"as_of": "2025-06-30"}).records()}
        assert mid_2025 == {"闵行区", "长宁区"}
        assert {r["district"] for r in run_query(store, q, {"as_of": "2019-06-30"}).records()} == {"南沙区"}


@pytest.mark.neo4j
def test_lookup_choices_come_from_the_data_and_the_ontology(loaded_stores):
    from queries import lookup_choices

    choices = lookup_choices(loaded_stores["embedded"], LIBRARY["qualification-supports"])
    assert choices["district"] == ["南沙区", "长宁区", "闵行区"]
    assert "专精特新“小巨人”企业" in lookup_choices(loaded_stores["neo4j"], LIBRARY["qualification-unlocks"])[
        "qualification"]


@pytest.mark.neo4j
def test_unknown_bureau_shows_in_review_queue(store, ontology):
    from loaders import document_batch, extract_text, ontology_batch

    doc = extract_text("某区措施\n一、总则\n1.对认定的高新技术企业给予奖励。(责任单位:区未知局)\n", source="x.txt")
    store.write_many([ontology_batch(ontology), document_batch(doc, ontology)])
    rows = run_query(store, LIBRARY["review-unknown-bureaus"], {}).records()
    assert [(r["bureau"], r["article"]) for r in rows] == [("区未知局", 1)]


def test_audit_log_records_every_run(tmp_path):
    import json

    from click.testing import CliRunner

    from policykg.cli import main
    from tests.conftest import MINHANG

    runner = CliRunner()
    home = ["--home", str(tmp_path)]
    assert runner.invoke(main, [*home, "load", str(MINHANG)]).exit_code == 0
    args = [*home, "query", "run", "bureaus-of-article", "-p", "number=19"]
    assert runner.invoke(main, args, env={"POLICYKG_USER": "officer-li"}).exit_code == 0
    assert runner.invoke(main, args, env={"POLICYKG_USER": "officer-li"}).exit_code == 0
    lines = [json.loads(x) for x in (tmp_path / "audit.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 2
    assert lines[0]["user"] == "officer-li" and lines[0]["query"] == "bureaus-of-article"
    assert lines[0]["params"] == {"number": 19, "district": ""} and lines[0]["rows"] == 3
    assert lines[0]["result_sha256"] == lines[1]["result_sha256"] and lines[0]["data_version"]
