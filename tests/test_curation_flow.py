"""Discovery and curation (issue 14, item 5): a document of an unseen district names
recognitions the vocabulary lacks; they come out as candidates, enter the graph as
CandidateQualification nodes that eligibility ignores, and a curator's decision (CLI or
web page) written to the decisions folder makes the next load recognise them, or stop
proposing them."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from graph.embedded_store import EmbeddedStore
from loaders import document_batch, extract_text, ontology_batch
from loaders.discovery import discover
from loaders.knowledge import Knowledge
from ontology import load_ontology
from policykg.cli import main
from policykg.settings import Settings
from queries.curate import decisions_path, list_candidates

DOC = """X市Y区关于促进先进制造业高质量发展的若干措施

第一条 对获评X市未来工厂的企业，给予最高100万元奖励。（责任单位：区经济委员会）
第二条 入选Y区星火计划名单的企业，给予一次性奖励50万元。（责任单位：区科学技术委员会）
第三条 对认定为高新技术企业的，给予20万元奖励。
第四条 对获得“金梭服务商”称号的企业给予10万元奖励。

X市Y区人民政府
2025年3月1日
"""


@pytest.fixture
def curation(tmp_path, monkeypatch):
    """An empty decisions folder of this test, read by every load_ontology()."""
    folder = tmp_path / "curation"
    monkeypatch.setenv("POLICYKG_CURATION_DIR", str(folder))
    return folder


def _extract():
    return extract_text(DOC, source="x-y-district.txt", ontology=load_ontology())


def _candidates(doc) -> dict[str, str | None]:
    return {c.phrase: c.level for a in doc.articles for c in a.candidates}


# --- discovery on sentences ----------------------------------------------------------------------------
@pytest.mark.parametrize(("sentence", "expected"), [
    ("对获评X市未来工厂的企业，给予最高100万元奖励。", [("未来工厂", "市级", "获评")]),
    ("入选Y区星火计划名单的企业，给予一次性奖励。", [("星火计划", "区级", "入选")]),
    ("对获得“金梭服务商”称号的企业给予奖励。", [("金梭服务商", None, "称号")]),
    ("通过国际青鸾体系认证的产品，给予补贴。", [("国际青鸾体系认证", None, "通过认证")]),
    ("纳入本市青松培育库的企业，给予资助。", [("青松培育", "市级", "纳入名单")]),
    ("对获批国家级银杏智造示范项目的，给予配套支持。", [("银杏智造示范项目", "国家级", "示范")]),
    ("对取得甲级测绘资质的单位，给予奖励。", [("甲级测绘资质", None, "获得资质")]),
    # known concepts, generic words and negative lists are no candidates
    ("对被认定为国家级高新技术企业的，给予奖励。", []),
    ("入选国家级、市级专精特新企业名单的，给予奖励。", []),
    ("对获评优秀的项目给予奖励。", []),
    ("应依法将其列入失信信息目录。", []),
    ("对上市企业给予奖励。", []),
])
def test_discover_finds_unknown_recognitions_with_clean_boundaries(curation, sentence, expected):
    know = Knowledge.build(load_ontology())
    found = discover(know, sentence)
    assert [(c.phrase, c.level, c.cue) for c in found] == expected
    for c in found:  # the span is the mention, quotes and level prefix outside it
        assert sentence[c.start:c.end] == c.phrase and c.sentence in sentence


def test_extraction_lists_candidates_with_levels(curation):
    doc = _extract()
    assert _candidates(doc) == {"未来工厂": "市级", "星火计划": "区级", "金梭服务商": None}
    first = doc.articles[0]
    assert first.unknown_qualifications == ("未来工厂",)
    assert "未来工厂" not in {q.name for q in first.qualifications}


# --- graph, both backends --------------------------------------------------------------------------------
def _write(store, ont):
    store.apply_schema()
    doc = extract_text(DOC, source="x-y-district.txt", ontology=ont)
    store.write_many([ontology_batch(ont), document_batch(doc, ont)])


def test_candidates_enter_the_graph_and_accepting_one_makes_the_next_load_recognise_it(store, curation, tmp_path):
    _write(store, load_ontology())
    names = {r[0] for r in store.read("MATCH (c:CandidateQualification) RETURN c.name").rows}
    assert names == {"未来工厂", "星火计划", "金梭服务商"}
    spans = store.read("MATCH (m:Measure)-[r:MENTIONS_CANDIDATE]->(c:CandidateQualification) "
                       "WHERE c.name = '未来工厂' RETURN r.mention, m.text").rows
    assert spans and spans[0][0] == "未来工厂" and "获评X市未来工厂" in spans[0][1]
    required = store.read("MATCH (:Measure)-[:REQUIRES]->(q:Qualification) RETURN q.name").rows
    assert "未来工厂" not in {r[0] for r in required}  # eligibility sees no candidate
    listed = {c.phrase: c for c in list_candidates(store)}
    assert listed["未来工厂"].count == 1 and listed["未来工厂"].examples[0].mention == "未来工厂"

    home = ["--home", str(tmp_path / "home")]
    res = CliRunner().invoke(main, [*home, "curate", "accept", "未来工厂", "--kind", "project", "--level", "市级",
                                    "--en", "Future factory"])
    assert res.exit_code == 0, res.output
    assert "next `policykg load`" in res.output
    text = decisions_path().read_text("utf-8")
    assert '"未来工厂"@zh' in text and "pkg:acceptedFrom" in text and '"Future factory"@en' in text
    res = CliRunner().invoke(main, [*home, "curate", "reject", "星火计划"])
    assert res.exit_code == 0, res.output
    assert {c.phrase: c.decision for c in list_candidates(store)}["未来工厂"] == "accepted"  # until the next load

    ont = load_ontology()  # the decisions file changed: read again
    assert any(c.label_zh == "未来工厂" and c.default_level == "市级" for c in ont.concepts("qualifications"))
    assert "星火计划" in ont.rejected
    _write(store, ont)
    required = store.read("MATCH (:Measure)-[r:REQUIRES]->(q:Qualification) WHERE q.name = '未来工厂' "
                          "RETURN r.mention").rows
    assert required == [["未来工厂"]]
    names = {r[0] for r in store.read("MATCH (c:CandidateQualification) RETURN c.name").rows}
    assert names == {"金梭服务商"}  # accepted and rejected phrases are candidates no more


def test_cli_curate_list_alias_and_refusals(curation, tmp_path):
    runner, home = CliRunner(), ["--home", str(tmp_path / "home")]
    doc = tmp_path / "x-y-district.txt"
    doc.write_text(DOC, "utf-8")
    assert runner.invoke(main, [*home, "load", str(doc)]).exit_code == 0
    res = runner.invoke(main, [*home, "curate", "list", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {r["phrase"] for r in rows} == {"未来工厂", "星火计划", "金梭服务商"}
    assert any("获评X市未来工厂" in s for r in rows for s in r["sentences"])
    res = runner.invoke(main, [*home, "curate", "alias", "金梭服务商", "--of", "高新技术企业"])
    assert res.exit_code == 0, res.output
    # refused with a reason: decided twice, unknown kind or level, an unknown concept
    for args, why in ((["alias", "金梭服务商", "--of", "高新技术企业"], "already names"),
                      (["accept", "未来工厂", "--kind", "spaceship", "--level", "市级"], "unknown kind"),
                      (["accept", "未来工厂", "--kind", "project", "--level", "银河级"], "unknown level"),
                      (["alias", "星火计划", "--of", "不存在的资质"], "not a qualification")):
        res = runner.invoke(main, [*home, "curate", *args])
        assert res.exit_code == 2 and why in res.output, res.output
    assert runner.invoke(main, [*home, "load", str(doc)]).exit_code == 0
    rows = json.loads(runner.invoke(main, [*home, "curate", "list", "--format", "json"]).output)
    assert {r["phrase"] for r in rows} == {"未来工厂", "星火计划"}
    hte = next(c for c in load_ontology().concepts("qualifications") if c.label_zh == "高新技术企业")
    assert "金梭服务商" in hte.alt_labels


# --- the web page -------------------------------------------------------------------------------------------
def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_curate_page_is_guarded_and_writes_the_same_file(curation, tmp_path):
    from webviz import create_app

    ont = load_ontology()
    home = tmp_path / "web"
    store = EmbeddedStore(home / "embedded", ont)
    store.write_many([ontology_batch(ont), document_batch(_extract(), ont)])
    store.close()
    off = create_app(Settings(home=home))
    try:
        assert off.test_client().get("/curate").status_code == 404
    finally:
        off.extensions["policykg"].close()
    app = create_app(Settings(home=home, admin_token="curator-token-123", secret_key="k" * 32))
    try:
        client = app.test_client()
        first = client.get("/curate")
        assert first.status_code == 403 and "未来工厂" not in first.text
        token = _csrf(first.text)
        form = {"phrase": "未来工厂", "action": "accept", "kind": "project", "level": "市级"}
        assert client.post("/curate/decide", data=form).status_code == 400  # no CSRF token
        assert client.post("/curate/decide", data={**form, "csrf_token": token}).status_code == 403  # not signed in
        assert client.post("/curate/sign-in", data={"token": "wrong", "csrf_token": token}).status_code == 403
        signed = client.post("/curate/sign-in", data={"token": "curator-token-123", "csrf_token": token})
        assert signed.status_code == 303
        page = client.get("/curate")
        assert page.status_code == 200 and "<mark>未来工厂</mark>" in page.text and "星火计划" in page.text
        assert not decisions_path().exists()
        done = client.post("/curate/decide", data={**form, "csrf_token": token})
        assert done.status_code == 303
        assert '"未来工厂"@zh' in decisions_path().read_text("utf-8")
        again = client.post("/curate/decide", data={**form, "csrf_token": token})
        assert again.status_code == 400 and "already" in again.text
        assert "已审定" in client.get("/curate").text  # marked as decided until the next load
    finally:
        app.extensions["policykg"].close()
