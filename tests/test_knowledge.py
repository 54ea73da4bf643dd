"""What measures know: qualifications with levels, support forms, amounts, themes, and
officers' corrections. Facts read off the shipped documents."""

from __future__ import annotations

import shutil

import pytest

from loaders import document_batch, extract_file, extract_text
from policykg.errors import ExtractError
from tests.conftest import CHANGNING, MINHANG, NANSHA


@pytest.fixture(scope="module")
def minhang():
    return extract_file(MINHANG)


@pytest.fixture(scope="module")
def nansha():
    return extract_file(NANSHA)


def _quals(article):
    return {q.name: q.level for q in article.qualifications}


def test_article_19_qualifications_and_levels(minhang):
    a19 = minhang.articles[18]
    assert _quals(a19) == {
        "专精特新中小企业": "市级",  # 上海市专精特新中小企业
        "专精特新“小巨人”企业": "国家级",
        "制造业单项冠军": "国家级",  # 工信部
        "高新技术企业": None,
        "科技小巨人企业": "市级",
    }
    assert a19.support_forms == ("资金支持",)
    for q in a19.qualifications:
        assert a19.text[q.start:q.end] == q.mention


def test_enumerations_share_their_level(minhang):
    assert set(_quals(minhang.articles[1]).values()) == {"区级"}  # 区级及以上重点实验室、工程技术研究中心…
    a43 = _quals(minhang.articles[42])
    assert a43["孵化器"] == a43["众创空间"] == "市级"  # 国家级、市级认定的孵化器、众创空间
    assert a43["特色园区"] is None


def test_every_span_is_an_exact_substring(minhang, nansha):
    for doc in (minhang, nansha, extract_file(CHANGNING)):
        for a in doc.articles:
            for m in a.measures:
                assert a.text[m.start:m.end] == m.text
                for f in (*m.qualifications, *m.support_forms, *m.beneficiaries, *m.industries):
                    assert a.text[f.start:f.end] == f.mention
                    assert m.start <= f.start < f.end <= m.end


def test_minhang_specific_support_forms(minhang):
    assert set(minhang.articles[43].support_forms) >= {"担保费补贴", "贴息"}  # 44: 担保费和利息补贴
    assert "算力券" in minhang.articles[6].support_forms
    assert set(minhang.articles[46].support_forms) >= {"创新券", "保险费补贴"}


def test_nansha_amounts_caps_and_ratios(nansha):
    a7 = nansha.articles[6]
    amounts = [x for m in a7.measures for x in m.amounts]
    assert {x.ratio for x in amounts if x.ratio} == {100.0, 70.0, 50.0}
    assert {x.cap for x in amounts if x.cap} == {500.0, 300.0, 200.0}
    a1 = nansha.articles[0]
    assert [x.amount for m in a1.measures for x in m.amounts if x.amount] == [50.0, 20.0]
    assert _quals(nansha.articles[1]) == {"高新技术企业": "国家级"}  # 国家高新技术企业
    a21 = [x for m in nansha.articles[20].measures for x in m.amounts]
    assert any(x.amount == 50000.0 for x in a21)  # 5亿元 = 50000万元


def test_measures_split_at_granting_sentences(minhang):
    a19 = minhang.articles[18]
    assert len(a19.measures) == 3
    assert "链主" in a19.measures[0].text and "小巨人" in a19.measures[1].text
    assert a19.measures[1].assessment == "经综合评定"


def test_chapters_map_to_themes(minhang, nansha):
    assert [c.theme for c in minhang.chapters] == [
        "科技创新", "扩大投资", "能级跃升", "项目引进", "服务赋能", "品牌建设", "空间保障", "金融赋能", "人才支持",
        None]  # the 附则 part (a chapter of its own heading, loaders/structure.py) has no theme
    assert nansha.chapters[4].theme == "金融赋能"  # 利用科技金融手段…


def test_quote_and_width_variants_match():
    text = "一、总则\n1.培育企业。对获评专精特新\"小巨人\"企业的，给予奖励。\n2.支持。对国家 高新技术企业，给予补贴。\n"
    doc = extract_text(text, source="variants.txt")
    assert _quals(doc.articles[0]) == {"专精特新“小巨人”企业": None}
    assert doc.articles[0].qualifications[0].mention == "专精特新\"小巨人\"企业"
    assert "高新技术企业" in _quals(doc.articles[1])


def test_curation_adds_and_removes_with_provenance(tmp_path, ontology):
    doc_path = tmp_path / MINHANG.name
    shutil.copy(MINHANG, doc_path)
    (tmp_path / (MINHANG.stem + ".curation.yaml")).write_text(
        "add:\n"
        "  - {article: 1, qualification: 高企, level: 国家级}\n"
        "  - {article: 9, support_form: 奖励}\n"
        "remove:\n"
        "  - {article: 19, qualification: 高新技术企业}\n", "utf-8")
    doc = extract_file(doc_path)
    added = doc.articles[0].qualifications
    assert [(q.name, q.level, q.curated) for q in added] == [
        ("高新技术企业", "国家级", f"{MINHANG.stem}.curation.yaml")]
    assert "奖励" in doc.articles[8].support_forms
    assert "高新技术企业" not in _quals(doc.articles[18])
    batch = document_batch(doc, ontology)
    curated = [r for r in batch.rels if r.type == "REQUIRES" and r.props.get("curated")]
    assert len(curated) == 1 and curated[0].end == "high-tech-enterprise"


def test_curation_errors_name_the_file_and_entry(tmp_path):
    doc_path = tmp_path / MINHANG.name
    shutil.copy(MINHANG, doc_path)
    corrections = tmp_path / (MINHANG.stem + ".curation.yaml")
    corrections.write_text("add:\n  - {article: 1, qualification: 高新技朮企业}\n", "utf-8")
    with pytest.raises(ExtractError, match=r"add\[0\].*did you mean '高新技术企业'"):
        extract_file(doc_path)
    corrections.write_text("add:\n  - {article: 99, support_form: 奖励}\n", "utf-8")
    with pytest.raises(ExtractError, match="no article 99"):
        extract_file(doc_path)
