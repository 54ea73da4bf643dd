"""Extraction of the shipped documents (facts checked by reading them) and of synthetic
documents in other numbering and note styles, plus bad input."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from loaders import extract_file, extract_text
from policykg.cli import main
from policykg.errors import ExtractError
from tests.conftest import CHANGNING, MINHANG, NANSHA

# Read off each article's (责任单位：…) note by hand; article 50's 区市场监督局 is a typo
# for 区市场监管局.
MINHANG_BUREAUS = {
    1: {"区经委"}, 2: {"区经委", "区科委", "区商务委"}, 3: {"区科委"}, 4: {"区市场监管局"},
    5: {"区市场监管局"}, 6: {"区经委", "区科委"}, 7: {"区经委"}, 8: {"区经委"}, 9: {"区商务委"},
    10: {"区经委"}, 11: {"区经委"}, 12: {"区经委", "区发展改革委"}, 13: {"区经委"}, 14: {"区经委"},
    15: {"区商务委", "区科委", "区经委"}, 16: {"区商务委"}, 17: {"区商务委"}, 18: {"区科委"},
    19: {"区经委", "区科委", "区商务委"}, 20: {"区商务委", "区发展改革委"}, 21: {"区经委"},
    22: {"区经委", "区商务委"}, 23: {"区经委", "区商务委"}, 24: {"区经委", "区商务委"},
    25: {"区经委", "区商务委"}, 26: {"区经委", "区商务委", "区财政局", "区国资委"}, 27: {"区经委"},
    28: {"区经委", "区商务委"}, 29: {"区经委", "区商务委"}, 30: {"区经委", "区市场监管局"},
    31: {"区经委"}, 32: {"区经委", "区商务委"}, 33: {"区经委", "区商务委"},
    34: {"区经委", "区商务委", "区科委", "区人力资源社会保障局"}, 35: {"区商务委"}, 36: {"区商务委"},
    37: {"区市场监管局"}, 38: {"区商务委"}, 39: {"区商务委"}, 40: {"区商务委"}, 41: {"区经委"},
    42: {"区经委"}, 43: {"区经委", "区科委", "区商务委"},
    44: {"区财政局", "区科委", "区经委", "区市场监管局"}, 45: {"区财政局", "区经委"},
    46: {"区财政局", "区发展改革委", "区经委"}, 47: {"区科委"}, 48: {"区财政局"},
    49: {"区人才局", "区科委", "区人力资源社会保障局"}, 50: {"区人才局", "区经委", "区科委", "区市场监管局"},
}


@pytest.fixture(scope="module")
def minhang():
    return extract_file(MINHANG)


def test_minhang_metadata(minhang):
    assert minhang.title == "闵行区关于产业高质量发展的政策意见(试行)"
    assert minhang.doc_number == "闵府规发〔2024〕11号"
    assert minhang.issuer == "闵行区人民政府"
    assert minhang.issued_on == dt.date(2024, 12, 11)
    assert minhang.effective_from == dt.date(2025, 1, 15)
    assert minhang.effective_until == dt.date(2027, 1, 14)
    assert minhang.district == "闵行区"


def test_minhang_chapters_and_articles(minhang):
    # nine chapters of numbered articles, then 三、附则: a chapter of its own heading holding a section
    assert [len(c.articles) for c in minhang.chapters] == [7, 6, 8, 5, 6, 8, 3, 5, 2, 1]
    assert minhang.chapters[9].title == "附则"
    assert [c.title for c in minhang.chapters][:2] == ["推动产业科技创新", "支持企业扩大投资"]
    assert minhang.chapters[8].title == "优化产业人才支持"
    numbered = [a for a in minhang.articles if not a.section]
    assert [a.number for a in numbered] == list(range(1, 51))
    titles = {a.number: a.title for a in numbered}
    assert titles[1] == "支持企业加大研发投入"
    assert titles[19] == "加大培育优质企业"
    assert titles[42] == "推进“工业上楼”拓展产业空间"
    assert titles[50] == "支持产业人才发展"
    assert all(titles.values())


def test_minhang_bureaus_every_article(minhang):
    assert {a.number: set(a.bureaus) for a in minhang.articles if not a.section} == MINHANG_BUREAUS


def test_minhang_closing_part_is_kept_as_a_section(minhang):
    # 三、附则 holds no numbered article but grants 一事一议: it was silently dropped before
    (section,) = [a for a in minhang.articles if a.section]
    assert section.title == "附则" and section.chapter == 10  # its own heading, not a nameless chapter
    assert "一事一议" in section.text and section.measures


def test_minhang_measure_spans_are_exact_substrings(minhang):
    for a in minhang.articles:
        assert a.measures, a.number
        for m in a.measures:
            assert a.text[m.start:m.end] == m.text
            assert "责任单位" not in m.text


def test_nansha_chapters_and_articles():
    doc = extract_file(NANSHA)
    assert len(doc.chapters) == 6
    assert [a.number for a in doc.articles] == list(range(1, 38))
    assert doc.chapters[0].articles == (1, 2, 3, 4)
    assert doc.chapters[5].articles == tuple(range(26, 38))
    # (一)…(四) inside article 8 belong to its text, not new chapters
    assert "最高3000万元成果转化资助" in doc.articles[7].text
    assert doc.effective_from == dt.date(2017, 1, 1)
    assert doc.effective_until == dt.date(2021, 12, 31)  # 有效期5年
    assert doc.district == "南沙区"
    assert all(not a.bureaus for a in doc.articles)  # no responsibility notes


def test_changning_measures_carry_their_notes():
    doc = extract_file(CHANGNING)
    numbered = [a for a in doc.articles if not a.section]  # 五、保障措施 is a section: no notes
    notes = {(a.number, m.note) for a in numbered for m in a.measures}
    assert len(notes) == 17  # one group of measures per (责任部门：…) note
    for a in numbered:
        for m in a.measures:
            assert a.text[m.start:m.end] == m.text
            # the note that covers a measure is the first one after it
            note = re.search(r"\(责任部门：([^)]*)\)", a.text[m.end:]).group(1)
            units = tuple(u.replace("及相关部门", "") for u in note.split("、"))
            assert m.bureaus == units, (a.number, m.text[:20])
    assert doc.articles[0].measures[0].bureaus == (
        "区商务委", "区科委", "区投促办", "区司法局", "区市场监管局", "区人社局", "区数据局")
    assert doc.articles[0].measures[-1].bureaus == ("区投促办",)
    assert doc.articles[2].bureaus == ("区人才工作局",)  # "区人才工作局及相关部门"
    # 五、保障措施 numbers no articles: its (一)…(四) are kept as sections of their own chapter
    assert [c.articles for c in doc.chapters] == [(1, 2), (3, 4, 5, 6, 7), (1, 2, 3, 4)]
    assert [a.title for a in doc.articles if a.section] == [
        "加强组织保障", "提升服务效能", "加大宣介力度", "开展评估督查"]
    assert doc.issued_on == dt.date(2024, 11, 15)
    assert doc.effective_from == doc.issued_on  # 自发布之日起试行
    assert doc.effective_until == dt.date(2026, 11, 14)


SYNTHETIC = """某某市某区促进产业发展若干措施

一、总则

第 1 条 为促进产业发展，制定本措施。

二、支持内容

第二条 支持企业研发。对研发投入大的企业给予资金支持。（牵头单位：区经委；配合单位：区科委、区财政局）
第 2 1 条 对新认定的高新技术企业，给予奖励。（责任部门：区科委）

本措施自2025年3月1日起施行，有效期3年。
"""


def test_other_numbering_and_note_styles():
    doc = extract_text(SYNTHETIC, source="synthetic.txt")
    assert doc.title == "某某市某区促进产业发展若干措施"
    assert [a.number for a in doc.articles] == [1, 2, 21]  # OCR noise in 第 2 1 条
    assert [c.articles for c in doc.chapters] == [(1,), (2, 21)]
    art2 = doc.articles[1]
    assert art2.bureaus == ("区经委", "区科委", "区财政局")
    assert art2.measures[0].lead == ("区经委",)
    assert doc.effective_from == dt.date(2025, 3, 1)
    assert doc.effective_until == dt.date(2028, 2, 29)  # 2028 is a leap year
    # a district no dataset knows: its bureaus resolve by type (区经委: economy and IT), none flagged
    assert not [w for w in doc.warnings if w.field == "bureau"]


def test_gb18030_file(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(MINHANG.read_text("utf-8").encode("gb18030"))
    doc = extract_file(path)
    assert len([a for a in doc.articles if not a.section]) == 50
    assert doc.title == "闵行区关于产业高质量发展的政策意见(试行)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00" * 50, "binary"),
        ("这是一段普通的文字，不是政策文件。\n没有任何条款。".encode(), "no numbered articles"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ExtractError) as err:
        extract_file(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_cli_extract_contract_and_errors(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["extract", str(MINHANG), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data) >= {"document", "chapters", "articles"}
    assert data["document"]["issued_on"] == "2024-12-11"
    art = data["articles"][49]
    assert set(art) >= {"number", "title", "chapter", "text", "bureaus", "qualifications", "support_forms",
                        "measures"}
    assert "区市场监管局" in art["bureaus"] and "区市场监督局" not in art["bureaus"]
    assert {"text", "start", "end", "bureaus"} <= set(art["measures"][0])

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    res = runner.invoke(main, ["extract", str(empty)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert "empty" in res.output
