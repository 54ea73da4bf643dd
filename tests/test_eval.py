"""Extraction quality against the hand-made gold files in tests/gold/ (see its README).

The thresholds are the issue's: they guard against regressions when patterns or the
ontology change. The ontology was curated while reading these documents, so these
scores are optimistic for unseen documents; tests/test_genre.py covers other shapes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders import extract_file
from loaders.evaluate import evaluate, read_gold
from tests.conftest import POLICIES

GOLD = Path(__file__).parent / "gold"


def _scores(name):
    gold = read_gold(GOLD / f"{name}.yaml")
    return evaluate(extract_file(POLICIES / gold["document"]), gold)


def test_minhang_against_gold():
    s = _scores("minhang-2024-industry")
    for field in ("articles", "titles", "bureaus"):
        assert s[field].f1 == 1.0, field
    assert s["qualifications"].f1 >= 0.95
    assert s["support_forms"].f1 >= 0.95


def test_nansha_against_gold():
    s = _scores("nansha-2017-tech-innovation")
    assert s["articles"].f1 == 1.0
    assert s["qualifications"].f1 >= 0.90
    assert s["amounts"].f1 >= 0.90


def test_changning_against_gold():
    s = _scores("changning-2024-modern-industry")
    assert s["articles"].f1 == s["bureaus"].f1 == 1.0
    assert s["qualifications"].f1 >= 0.90


@pytest.mark.parametrize("path", sorted(GOLD.glob("*.yaml")), ids=lambda p: p.stem)
def test_gold_mentions_are_substrings_of_articles(path):
    gold = read_gold(path)
    doc = extract_file(POLICIES / gold["document"])
    texts = {a.number: a.text for a in doc.articles if not a.section}
    for a in gold["articles"]:
        for q in a.get("qualifications") or []:
            assert q["mention"] in texts[a["number"]], (a["number"], q["mention"])
