"""Extraction quality against the hand-made gold files in tests/gold/ (see its README).

The thresholds are the issue's: they guard against regressions when patterns or the
ontology change. The ontology was curated while reading these documents, so these
scores are optimistic for unseen documents; tests/test_genre.py covers other shapes.
"""

from __future__ import annotations

import re
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


# --- the scorer of the second gold format, on tiny hand-made gold ----------------------

TINY = """某区支持企业发展若干措施
一、支持内容
1.对新认定的高新技术企业，给予最高30万元奖励。（责任单位：区科委）
2.对获评专精特新企业的，给予贴息。
3.对入驻企业给予房租补贴。
二、附则
本措施由区科委负责解释。
"""


def _tiny(lines: dict) -> dict:
    return {"document": "tiny.txt", "format": 2, "lines": lines}


def test_v2_lines_group_into_articles_and_score_per_field(tmp_path):
    from loaders import extract_text

    doc = extract_text(TINY, source="tiny.txt")
    assert [(a.number, a.line, a.last_line) for a in doc.articles if not a.section] == [(1, 3, 3), (2, 4, 4), (3, 5, 5)]
    gold = _tiny({
        3: {"qualifications": [{"mention": "高新技术企业", "name": "高企", "level": None}],
            "support_forms": ["奖励"], "bureaus": ["区科委"],
            "amounts": [{"text": "最高30万元", "kind": "cap", "value": 30}]},
        4: {"qualifications": [{"mention": "专精特新企业", "name": "专精特新", "level": None},
                               {"mention": "创新型中小企业", "name": "创新型中小企业", "level": None}]},
        1: {"support_forms": ["奖励"]},  # a line before the first article: a miss whatever is extracted
    })
    s = evaluate(doc, gold)
    # 专精特新 (extracted) lies inside 专精特新企业 (gold): a hit; 创新型中小企业 is missed
    assert (s["qualifications"].tp, s["qualifications"].fn) == (2, 1)
    assert s["bureaus"].f1 == 1.0
    assert (s["amounts"].tp, s["amounts"].fp, s["amounts"].fn) == (1, 0, 0)
    # article 2's 贴息 and article 3's 房租补贴 have no gold line: false positives; line 1 is a miss
    assert s["support_forms"].fn == 1 and s["support_forms"].fp >= 2 and s["support_forms"].tp == 1


def test_v2_mentions_pair_one_to_one():
    from loaders.evaluate import _match_mentions

    pairs, extra, missed = _match_mentions(["高新技术企业"], ["国家高新技术企业", "高新技术企业"])
    assert len(pairs) == 1 and extra == [] and len(missed) == 1  # one extracted mention pays for one gold
    assert _match_mentions(["a", "b"], [])[1] == ["a", "b"]


def test_v2_gold_read_errors_name_the_file(tmp_path):
    from loaders.evaluate import read_gold
    from policykg.errors import ExtractError

    bad = tmp_path / "bad.yaml"
    bad.write_text("document: x.txt\nformat: 2\nlines:\n  first: {}\n", "utf-8")
    with pytest.raises(ExtractError, match=r"bad.yaml.*line 'first'"):
        read_gold(bad)


def test_eval_command_micro_averages_and_per_document(tmp_path):
    from click.testing import CliRunner

    from policykg.cli import main

    doc = tmp_path / "tiny.txt"
    doc.write_text(TINY, "utf-8")
    gold = tmp_path / "tiny.yaml"
    gold.write_text(f"document: {doc}\nformat: 2\nlines:\n  3:\n    bureaus: [区科委]\n", "utf-8")
    res = CliRunner().invoke(main, ["eval", str(gold), str(gold), "--per-document"])
    assert res.exit_code == 0, res.output
    assert res.output.count("tiny.yaml") == 2 and "all 2 gold file(s), micro-averaged" in res.output
    last = res.output.split("micro-averaged")[1]
    assert re.search(r"bureaus\s+1\.000\s+1\.000\s+1\.000\s+2/0/0", last)


# Figures reached on all development golds (the 3 first-format files and tests/gold/corpus/),
# rounded down to 0.01: `policykg eval tests/gold/*.yaml tests/gold/corpus/*.yaml`. Raise them
# when extraction improves; a change that lowers one must say why. (precision, recall, F1)
PINNED = {
    "qualifications": (0.95, 0.90, 0.93),
    "support_forms": (0.89, 0.86, 0.88),
    "bureaus": (1.00, 1.00, 1.00),
}


def test_dev_gold_figures_do_not_fall():
    from loaders.evaluate import total
    from tests.conftest import ROOT

    files = sorted(GOLD.glob("*.yaml")) + sorted((GOLD / "corpus").glob("*.yaml"))
    assert len(files) >= 11
    scores = []
    for path in files:
        gold = read_gold(path)
        named = Path(gold["document"])  # format 2 names it from the repository root
        scores.append(evaluate(extract_file(ROOT / named if (ROOT / named).exists() else POLICIES / named), gold))
    got = total(scores)
    for field, (p, r, f1) in PINNED.items():
        s = got[field]
        assert s.precision >= p and s.recall >= r and s.f1 >= f1, (field, s)
