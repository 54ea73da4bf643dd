"""Eligibility on both backends: hand-checked cases (level, expiry, not-yet-valid, broader
qualifications, effective period), what-if, per-article and whole-register answers.

Every enterprise of the cases register is in 闵行区: since issue 15 a district's policy
applies to that district's enterprises only, so the Changning claims these cases once had
(长宁 2, 长宁 5) are gone; tests/test_eligibility_numbers.py covers scope, conditions and
estimates."""

from __future__ import annotations

import datetime as dt

import pytest

from policykg.errors import ParameterError
from queries.eligibility import eligibility_matrix, enterprise_eligibility, qualifying_enterprises

pytestmark = pytest.mark.neo4j

A, B, C, D, E, G, H, FUTURE = ("91310112MA1000001R", "91310112MA1000002W", "91310112MA10000030", "91310112MA10000043",
                          "91310112MA10000056", "91310112MA10000069", "91310112MA1000007C", "91310112MA1000008F")
MID_2025 = dt.date(2025, 6, 30)


def _both(loaded_stores, fn):
    results = {name: fn(store) for name, store in loaded_stores.items()}
    assert results["embedded"] == results["neo4j"]
    return results["embedded"]


def _claims(result):
    return {(c.district, c.article, c.seq) for c in result}


def test_high_tech_holder_may_claim_article_19_and_whom_to_call(loaded_stores):
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, A, as_of=MID_2025).as_dict())
    assert {(c["district"], c["article"]) for c in r["eligible"]} == {("闵行区", 19)}  # not 长宁区 2: another district
    a19 = next(c for c in r["eligible"] if c["article"] == 19)
    assert {b["name"] for b in a19["bureaus"]} == {"区经委", "区科委", "区商务委"}
    assert a19["support_forms"] == ["资金支持"]
    met = [q for q in a19["requirements"] if q["verdict"] == "met"]
    assert [(q["qualification"], q["held"]) for q in met] == [("高新技术企业", "高新技术企业")]
    # the register says nothing about the other alternatives of the measure: unknown, not unmet
    assert {q["verdict"] for q in a19["requirements"] if q["qualification"] != "高新技术企业"} == {"unknown"}


def test_level_too_low_is_a_near_miss(loaded_stores):
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, B, as_of=MID_2025))
    assert r.eligible == []
    [miss] = r.near_misses
    assert miss.article == 19
    assert [q.reason for q in miss.requirements if q.verdict == "unmet"] == ["needs 国家级, holds 市级"]


def test_expired_and_not_yet_obtained_are_near_misses(loaded_stores):
    expired = _both(loaded_stores, lambda s: enterprise_eligibility(s, C, as_of=MID_2025))
    assert expired.eligible == [] and _claims(expired.near_misses) == {("闵行区", 19, 2)}
    assert {q.reason for c in expired.near_misses for q in c.requirements if q.verdict == "unmet"} == {
        "expired on 2024-12-31"}
    future = _both(loaded_stores, lambda s: enterprise_eligibility(s, FUTURE, as_of=MID_2025))
    assert future.eligible == []
    assert {q.reason for c in future.near_misses for q in c.requirements if q.verdict == "unmet"} == {
        "obtained only on 2025-09-01"}
    later = _both(loaded_stores, lambda s: enterprise_eligibility(s, FUTURE, as_of=dt.date(2026, 12, 1)))
    assert _claims(later.eligible) == {("闵行区", 19, 2)}
    assert later.near_misses == []


def test_narrower_qualification_counts_for_broader(loaded_stores):
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, D, as_of=MID_2025))
    assert _claims(r.eligible) == {("闵行区", 19, 2)}  # a 小巨人 counts as a 专精特新 SME


def test_district_level_holder_meets_district_level_requirement(loaded_stores):
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, G, as_of=MID_2025))
    assert _claims(r.eligible) == {("闵行区", 2, 1)}  # 区级及以上…企业技术中心


def test_effective_period_of_the_policy(loaded_stores):
    # on 2027-06-30 Minhang (until 2027-01-14) and Changning (until 2026-11-14) have lapsed
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, A, as_of=dt.date(2027, 6, 30)))
    assert r.eligible == [] and r.near_misses == []


def test_what_if_switches_measures_on(loaded_stores):
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, E, as_of=MID_2025, assume=["高企"]))
    assert r.eligible == []
    assert _claims(r.would_switch_on) == {("闵行区", 19, 2)}
    r = _both(loaded_stores, lambda s: enterprise_eligibility(s, B, as_of=MID_2025, assume=["单项冠军:国家级"]))
    assert _claims(r.would_switch_on) == {("闵行区", 19, 2)}
    with pytest.raises(ParameterError, match="not a known qualification"):
        enterprise_eligibility(loaded_stores["embedded"], E, as_of=MID_2025, assume=["月球工厂"])


def test_unknown_enterprise_is_a_clear_error(loaded_stores):
    with pytest.raises(ParameterError, match="no enterprise"):
        enterprise_eligibility(loaded_stores["neo4j"], "91310112MA1999999X", as_of=MID_2025)


def test_article_and_whole_register(loaded_stores):
    rows = _both(loaded_stores, lambda s: qualifying_enterprises(s, article=19, district="闵行区", as_of=MID_2025))
    assert {r["uscc"] for r in rows} == {A, D, H}
    everything = _both(loaded_stores, lambda s: qualifying_enterprises(s, as_of=MID_2025))
    header, table = eligibility_matrix(everything)
    assert header[:2] == ["uscc", "enterprise"] and "闵行区-19-2" in header
    by_uscc = {row[0]: row for row in table}
    assert set(by_uscc) == {A, D, G, H}
    assert by_uscc[G][header.index("闵行区-2-1")] == 1 and by_uscc[G][header.index("闵行区-19-2")] == 0
