"""Eligibility with numbers (issue 15): typed amounts, conditions on reported metrics,
district scope, estimates; a made-up 闵行区 document and register (tests/data/numbers/),
on both backends."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loaders import document_batch, extract_file, ontology_batch
from loaders.amounts import read_amounts, read_conditions, requirement_groups
from loaders.document import Found
from loaders.metrics import load_metrics, read_metrics
from loaders.register import read_register, register_batch
from policykg.errors import LoadError
from queries.eligibility import enterprise_eligibility, qualifying_enterprises, register_verdicts

DATA = Path(__file__).parent / "data" / "numbers"
TWO_YI, FIVE_K, NO_REVENUE, CHANGNING, RD = ("91310112MA1NUM0109", "91310112MA1NUM020A", "91310112MA1NUM030B",
                                            "91310105MA1NUM0408", "91310112MA1NUM050D")
MID_2025 = dt.date(2025, 6, 30)


# --- amount typing on sentences of the genre (no database) -------------------------------------

def _typed(text: str) -> list[tuple]:
    return [(f.kind, f.value, f.unit, f.per) for f in read_amounts(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("上年度营业收入超过1亿元的高新技术企业，给予最高100万元奖励",
     [("threshold", 10000.0, "万元", None), ("cap", 100.0, "万元", None)]),
    ("对符合条件的企业，最高可给予3000万元支持", [("cap", 3000.0, "万元", None)]),
    ("入驻企业每月最高可享受2000元房租补贴", [("cap", 0.2, "万元", "月")]),
    ("营业收入1亿元（含）及以上的，给予20万元奖励",
     [("threshold", 10000.0, "万元", None), ("grant", 20.0, "万元", None)]),
    ("投资额5000万元以上(含5000万元)的项目，每个项目奖励50万元",
     [("threshold", 5000.0, "万元", None), ("grant", 50.0, "万元", "项目")]),
    ("按照基金实际规模的5‰给予管理费补贴", [("ratio", 0.5, "%", None)]),
    ("获得市级补贴的项目，按照1:0.5的比例给予区级配套", [("ratio", 50.0, "%", None)]),
    ("按照2:1的比例予以区级配套补贴，单个项目补贴总额不超过100万元",
     [("ratio", 50.0, "%", None), ("cap", 100.0, "万元", "项目")]),
    ("给予每平方米受益面积补贴不超过25元", [("rate", 25.0, "元/平方米", None)]),
    ("补贴力度不超过0.05元/千瓦时，每年每个企业最高不超过100万元",
     [("rate", 0.05, "元/千瓦时", None), ("cap", 100.0, "万元", "企业")]),
    ("每年给予运营单位五十万元支持", [("grant", 50.0, "万元", "年")]),
    ("对单个项目给予5-10万元补贴", [("cap", 10.0, "万元", "项目")]),
    ("按国家级、市级分别给予最高150万元、100万元支持", [("cap", 150.0, "万元", None), ("cap", 100.0, "万元", None)]),
    ("研发投入占营业收入比例不低于5%的，按研发投入的10%给予补贴",
     [("threshold", 5.0, "%", None), ("ratio", 10.0, "%", None)]),
])
def test_amounts_are_typed(text, expected):
    assert _typed(text) == expected


def test_ratio_basis_and_conditions(ontology):
    from loaders.amounts import metric_names

    text = "研发投入占营业收入比例不低于5%的企业，按研发投入的10%给予补贴，最高不超过50万元"
    figures = read_amounts(text)
    assert [(f.kind, f.basis) for f in figures if f.kind == "ratio"] == [("ratio", "研发投入")]
    [cond] = read_conditions(text, figures, metric_names(ontology.concepts("metrics")))
    assert (cond.metric, cond.op, cond.value, cond.unit) == ("研发投入占比", ">=", 5.0, "%")
    text = "上年度营业收入超过1亿元的高新技术企业，给予最高100万元奖励"
    [cond] = read_conditions(text, read_amounts(text), metric_names(ontology.concepts("metrics")))
    assert (cond.metric, cond.op, cond.value, cond.period, cond.text) == (
        "营业收入", ">", 10000.0, "上年度", "上年度营业收入超过1亿元")


def _found(text: str, name: str) -> Found:
    i = text.index(name)
    return Found(name, name, i, i + len(name), None, None)


def test_requirement_groups():
    both = "同时为规模以上工业企业和高新技术企业的，给予奖励"
    groups = requirement_groups(both, [_found(both, "规模以上工业企业"), _found(both, "高新技术企业")])
    assert [[q.name for q in g] for g in groups] == [["规模以上工业企业"], ["高新技术企业"]]
    either = "高新技术企业或专精特新中小企业，给予奖励"
    groups = requirement_groups(either, [_found(either, "高新技术企业"), _found(either, "专精特新中小企业")])
    assert [[q.name for q in g] for g in groups] == [["高新技术企业", "专精特新中小企业"]]


def test_metrics_file_problems_are_named(tmp_path, ontology):
    bad = tmp_path / "bad.csv"
    bad.write_text("统一社会信用代码,年度,指标,数值,单位\n91310112MA1NUM0109,24,营业收入,2,亿元\n"
                   "91310112MA1NUM0109,2024,月球产值,2,亿元\n91310112MA1NUM0109,2024,营业收入,abc,亿元\n"
                   "91310112MA1NUM0109,2024,营业收入,2,吨\n", "utf-8")
    m = read_metrics(bad, ontology=ontology)
    assert {(p.row, p.column) for p in m.problems} == {(2, "年度"), (3, "指标"), (4, "数值"), (5, "单位")}
    good = read_metrics(DATA / "metrics.csv", ontology=ontology)
    assert not good.problems
    assert {(v["uscc"], v["metric"], v["year"]): v["value"] for v in good.values}[(TWO_YI, "营业收入", 2024)] == 20000


# --- eligibility on both backends ----------------------------------------------------------------

@pytest.fixture
def numbers(store, ontology):
    doc = extract_file(DATA / "minhang-numbers.txt")
    store.write_many([ontology_batch(ontology), document_batch(doc, ontology),
                      register_batch(read_register(DATA / "register.csv", ontology=ontology), ontology)])
    load_metrics(store, DATA / "metrics.csv", ontology=ontology)
    return store


def _claim(result, article):
    return [c for c in result if c.article == article]


def test_revenue_over_the_threshold_qualifies_with_estimate(numbers):
    r = enterprise_eligibility(numbers, TWO_YI, as_of=MID_2025)
    [claim] = _claim(r.eligible, 1)
    assert claim.estimate_wan == 100
    [cond] = claim.conditions
    assert (cond.verdict, cond.metric, cond.value) == ("met", "营业收入", 20000)
    assert r.as_dict()["estimate_total_wan"] == 100 and r.as_dict()["estimate_total_is_upper_bound"] is True


def test_revenue_under_the_threshold_is_a_near_miss_with_the_gap(numbers):
    r = enterprise_eligibility(numbers, FIVE_K, as_of=MID_2025)  # 2023 was 3亿: 上年度 is 2024
    assert _claim(r.eligible, 1) == []
    [miss] = _claim(r.near_misses, 1)
    [cond] = miss.conditions
    assert cond.verdict == "unmet"
    assert cond.gap == "营业收入 5,000 万元，需超过 10,000 万元"
    as_json = next(q for q in miss.as_dict()["requirements"] if q.get("condition"))
    assert as_json["condition"] == "营业收入 > 10,000 万元" and as_json["gap"] == cond.gap


def test_missing_revenue_is_unknown_not_eligible(numbers):
    r = enterprise_eligibility(numbers, NO_REVENUE, as_of=MID_2025)
    assert _claim(r.eligible, 1) == [] and _claim(r.near_misses, 1) == []
    [unknown] = _claim(r.unknown, 1)
    assert [c.verdict for c in unknown.conditions] == ["unknown"]
    assert "unknown" in r.as_dict() and r.as_dict()["estimate_total_wan"] == 0


def test_another_district_gets_no_claim(numbers):
    r = enterprise_eligibility(numbers, CHANGNING, as_of=MID_2025)
    assert r.eligible == [] and r.near_misses == [] and r.unknown == []
    assert CHANGNING not in {row["uscc"] for row in qualifying_enterprises(numbers, as_of=MID_2025)}


def test_share_condition_and_ratio_within_cap(numbers):
    r = enterprise_eligibility(numbers, RD, as_of=MID_2025)
    [claim] = _claim(r.eligible, 2)
    [cond] = claim.conditions
    assert (cond.metric, cond.verdict, cond.value) == ("研发投入占比", "met", 7.5)  # 1,500 / 20,000, computed
    assert claim.estimate_wan == 50  # 10% × 1,500 = 150, capped at 50
    assert "150" in claim.estimate_basis and "50" in claim.estimate_basis


def test_whole_register_agrees_with_one_enterprise(numbers):
    rows = {(r["uscc"], r["article"]): r for r in register_verdicts(numbers, as_of=MID_2025)}
    assert rows[(TWO_YI, 1)]["verdict"] == "eligible" and rows[(TWO_YI, 1)]["estimate_wan"] == 100
    assert rows[(FIVE_K, 1)]["verdict"] == "near-miss" and rows[(FIVE_K, 1)]["unmet_metrics"] == ["营业收入"]
    assert rows[(NO_REVENUE, 1)]["verdict"] == "unknown"
    assert rows[(RD, 2)]["verdict"] == "eligible" and rows[(RD, 2)]["estimate_wan"] == 50
    assert not any(u == CHANGNING for u, _ in rows)


def test_metrics_load_is_all_or_nothing_and_idempotent(numbers, tmp_path):
    before = numbers.counts()
    load_metrics(numbers, DATA / "metrics.csv")
    assert numbers.counts() == before
    stranger = tmp_path / "stranger.csv"
    stranger.write_text("统一社会信用代码,年度,指标,数值,单位\n91310112MA1NUM0109,2024,纳税总额,30,万元\n"
                        "91310112MA1NUM06X0,2024,营业收入,1,亿元\n", "utf-8")
    with pytest.raises(LoadError, match="row 3"):
        load_metrics(numbers, stranger)
    assert numbers.counts() == before


def test_both_backends_give_identical_answers(tmp_path, ontology, neo4j_store):
    from graph.embedded_store import EmbeddedStore

    emb = EmbeddedStore(tmp_path / "emb", ontology)
    answers = []
    try:
        for s in (emb, neo4j_store):
            s.clear()
            doc = extract_file(DATA / "minhang-numbers.txt")
            s.write_many([ontology_batch(ontology), document_batch(doc, ontology),
                          register_batch(read_register(DATA / "register.csv", ontology=ontology), ontology)])
            load_metrics(s, DATA / "metrics.csv", ontology=ontology)
            answers.append(([enterprise_eligibility(s, u, as_of=MID_2025).as_dict()
                             for u in (TWO_YI, FIVE_K, NO_REVENUE, CHANGNING, RD)],
                            register_verdicts(s, as_of=MID_2025)))
    finally:
        emb.close()
        neo4j_store.clear()
    assert answers[0] == answers[1]


def test_enterprise_page_shows_amounts_gaps_and_unknowns(web_app, ontology):
    doc = extract_file(DATA / "minhang-numbers.txt")
    app = web_app("numbers", [ontology_batch(ontology), document_batch(doc, ontology),
                              register_batch(read_register(DATA / "register.csv", ontology=ontology), ontology)])
    load_metrics(app.extensions["policykg"].store, DATA / "metrics.csv", ontology=ontology)
    client = app.test_client()
    page = client.get(f"/enterprises/{TWO_YI}?as_of=2025-06-30&lang=zh").get_data(as_text=True)
    eligible = page[page.index('id="eligible"'):]
    assert "<strong>100</strong>" in eligible and "最高100万元" in eligible and 'id="estimate-total"' in page
    page = client.get(f"/enterprises/{FIVE_K}?as_of=2025-06-30&lang=zh").get_data(as_text=True)
    assert "营业收入 5,000 万元，需超过 10,000 万元" in page[page.index('id="near-misses"'):]
    page = client.get(f"/enterprises/{NO_REVENUE}?as_of=2025-06-30&lang=en").get_data(as_text=True)
    unknown = page[page.index('id="unknown"'):]
    assert "data missing" in unknown and "no 营业收入 reported for 2024" in unknown
    page = client.get("/sandbox?district=闵行区&as_of=2025-06-30&what_if=营业收入>4000").get_data(as_text=True)
    row = page[page.index('<tr data-article="1">'):]
    row = row[:row.index("</tr>")]
    assert "营业收入 1" in row and "+1" in row and "+100" in row
    assert client.get("/sandbox?what_if=月球产值>1").status_code == 400


def test_sandbox_article_view_and_what_if(numbers):
    from queries.sandbox import article_view

    [a1] = article_view(numbers, article=1, district="闵行区", as_of=MID_2025, what_if="营业收入>0.4亿元")
    assert (a1.qualify, a1.estimate_wan, a1.near_misses, a1.unknown) == (1, 100, 1, 1)
    assert dict(a1.near_on) == {"营业收入": 1}
    assert (a1.what_if_more, a1.what_if_plus_wan) == (1, 100)  # 5,000 万元 passes 4,000: one more, +100
