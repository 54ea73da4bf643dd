"""The same code on documents it has never seen: other numbering, other responsibility
notes or none, other districts, other file formats. All documents here are synthetic."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from loaders import extract_file, extract_text
from policykg.cli import main
from policykg.errors import ExtractError

ARTICLES_DI_TIAO = """关于印发《某市某区科技创新若干措施》的通知
各街道：
现将《某市某区科技创新若干措施》印发给你们。
特此通知。
某区科学技术委员会
2023年3月1日
某市某区科技创新若干措施
一、企业培育
（一）高企培育
第一条 对首次认定的高新技术企业，给予最高30万元奖励。（牵头单位：区科委；配合单位：区财政局、区税务局）
第二条 对获评专精特新“小巨人”企业的，给予50万元奖励。（牵头单位：区经委）
（二）平台建设
第三条 对新认定的市级企业技术中心，按研发投入的10%给予补贴，最高100万元。
二、附则
第四条 本措施自2023年4月1日起施行，有效期两年。
"""

PAREN_ARTICLES = """某区支持人才发展的实施办法
一、人才引进
（一）对引进的领军人才，给予一次性安家补贴。（责任部门:区人才局）
（二）对获得国家级科学技术奖的团队，给予配套资助。（责任部门:区科委、区人才局）
二、人才培养
（三）对新设立的博士后科研工作站，给予资金支持。
"""


def test_di_tiao_numbering_with_lead_and_supporting_units():
    doc = extract_text(ARTICLES_DI_TIAO, source="di-tiao.txt")
    assert doc.title == "某市某区科技创新若干措施"
    assert doc.issuer == "某区科学技术委员会"
    assert doc.issued_on == dt.date(2023, 3, 1)
    assert doc.effective_from == dt.date(2023, 4, 1)
    assert doc.effective_until == dt.date(2025, 3, 31)  # 有效期两年
    assert [a.number for a in doc.articles] == [1, 2, 3, 4]
    assert [c.title for c in doc.chapters] == ["高企培育", "平台建设", "附则"]
    a1 = doc.articles[0]
    assert a1.bureaus == ("区科委", "区财政局", "区税务局")
    assert a1.measures[0].lead == ("区科委",)
    assert [q.name for q in a1.qualifications] == ["高新技术企业"]
    assert a1.measures[0].amounts[0].cap == 30.0
    a3 = doc.articles[2]
    assert {q.name: q.level for q in a3.qualifications} == {"企业技术中心": "市级"}
    amounts = a3.measures[0].amounts
    assert {(x.ratio, x.basis) for x in amounts if x.ratio} == {(10.0, "研发投入")}
    assert any(x.cap == 100.0 for x in amounts)


def test_paren_numbering_as_articles_and_ascii_notes():
    doc = extract_text(PAREN_ARTICLES, source="paren.txt")
    assert [a.number for a in doc.articles] == [1, 2, 3]
    assert [c.articles for c in doc.chapters] == [(1, 2), (3,)]
    assert doc.articles[1].bureaus == ("区科委", "区人才局")
    assert {q.name: q.level for q in doc.articles[1].qualifications} == {"科学技术奖": "国家级"}
    assert doc.articles[2].bureaus == ()  # no note: no bureau invented
    assert doc.articles[2].support_forms == ("资金支持",)


def test_no_title_line_takes_title_option(tmp_path):
    path = tmp_path / "untitled.txt"
    path.write_text("第一条 对认定的高新技术企业给予奖励。\n第二条 本办法自2020年1月1日起施行。\n", "utf-8")
    assert extract_file(path, title="某区措施").title == "某区措施"


def test_gb18030_and_bom(tmp_path):
    for name, data in [("gbk.txt", ARTICLES_DI_TIAO.encode("gb18030")),
                       ("bom.txt", b"\xef\xbb\xbf" + ARTICLES_DI_TIAO.encode())]:
        (tmp_path / name).write_bytes(data)
        assert len(extract_file(tmp_path / name).articles) == 4


def test_html_docx_and_pdf_inputs(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in ARTICLES_DI_TIAO.splitlines())
    html = tmp_path / "doc.html"
    html.write_text(f"<html><head><title>x</title><script>var a=1;</script></head><body>{body}</body></html>",
                    "utf-8")
    assert [a.number for a in extract_file(html).articles] == [1, 2, 3, 4]

    from docx import Document

    d = Document()
    for line in ARTICLES_DI_TIAO.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "doc.docx")
    assert extract_file(tmp_path / "doc.docx").articles[1].qualifications[0].name == "专精特新“小巨人”企业"

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(tmp_path / "doc.pdf"))
    c.setFont("STSong-Light", 10)
    for i, line in enumerate(ARTICLES_DI_TIAO.splitlines()):
        c.drawString(30, 800 - 15 * i, line)
    c.save()
    doc = extract_file(tmp_path / "doc.pdf")
    assert [a.number for a in doc.articles] == [1, 2, 3, 4]
    assert doc.articles[0].bureaus == ("区科委", "区财政局", "区税务局")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.docx", b"not a zip at all", "not a readable DOCX"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<<", "not a readable PDF"),
        ("truncated.txt", ARTICLES_DI_TIAO.encode()[:40], "no numbered articles"),
        ("wrong-genre.txt", "今天天气很好。\n我们去公园散步。\n".encode(), "no numbered articles"),
    ],
)
def test_bad_files_one_line_error_nothing_written(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=message):
        extract_file(path)
    home = tmp_path / "home"
    res = CliRunner().invoke(main, ["--home", str(home), "load", str(path)])
    assert res.exit_code == 2
    assert len(res.output.strip().splitlines()[-1:]) == 1 and "Traceback" not in res.output
    assert message in res.output and name in res.output
    assert not (home / "embedded").exists()  # nothing was written


INVENTED_DISTRICT = """X市Y区支持科技企业发展若干措施
一、支持内容
1.对新认定的高新技术企业，给予最高20万元奖励。（责任单位：Y区科委、区市场监督管理局、各相关单位）
2.对获评专精特新企业的，给予贴息支持。（牵头单位：区科学技术委员会；配合单位：区星际航行局、各有关部门）
3.对入驻园区的企业给予房租补贴。（责任单位：各镇街道）
"""


def test_bureaus_of_a_district_never_seen_resolve_by_type():
    from loaders import document_batch

    doc = extract_text(INVENTED_DISTRICT, source="invented.txt")
    assert doc.district == "Y区"  # as the title names it: no dataset knows it
    assert doc.articles[0].bureaus == ("Y区科委", "区市场监督管理局")  # no 各, no fragment
    assert doc.articles[1].bureaus == ("区科学技术委员会", "区星际航行局")
    assert doc.articles[2].bureaus == ()
    assert [w.text for w in doc.warnings if w.field == "bureau"] == ["区星际航行局"]
    nodes = {n.id: n.props for n in document_batch(doc).nodes if n.label == "Bureau"}
    assert not any(p["name"].startswith("各") or len(p["name"]) < 2 for p in nodes.values())
    known = [p for p in nodes.values() if p["known"]]
    # Y区科委 and 区科学技术委员会 are one bureau (Y区, science and technology); market regulation
    assert len(known) == 2 and {p["district"] for p in known} == {"Y区"}
    assert len({p["bureau_type_id"] for p in known}) == 2 and all(p["bureau_type"] for p in known)
    (unknown,) = [p for p in nodes.values() if not p["known"]]
    assert unknown["name"] == "区星际航行局" and unknown.get("bureau_type") is None
