"""The officer's brief (issue 18, item 5): `policykg brief USCC --out FILE.pdf` and the
enterprise page's "print brief" button give a one- or two-page A4 PDF whose text holds the
enterprise's name, the articles it may claim and the bureaus to call, with the CJK font
embedded. Printed by the real headless Chromium; read back with pypdf."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from policykg.cli import main
from tests.conftest import CASES_REGISTER, POLICIES

DING = "91310112MA10000043"  # 丁(虚构)小巨人有限公司: 国家级 小巨人 from 2024-03-01
NAME = "丁(虚构)小巨人有限公司"


def _text(reader: PdfReader) -> str:
    """The PDF's text without the spaces pdf text extraction puts between CJK runs."""
    return "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for p in reader.pages:
        for ref in (p["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            for desc in font.get("/DescendantFonts") or []:
                d = desc.get_object().get("/FontDescriptor")
                if d is not None and any(k in d.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font.get("/BaseFont")))
    return names


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> list[str]:
    home = ["--home", str(tmp_path_factory.mktemp("brief"))]
    for args in (["load", str(POLICIES)], ["load", "enterprises", str(CASES_REGISTER)]):
        res = CliRunner().invoke(main, [*home, *args])
        assert res.exit_code == 0, res.output
    return home


def test_cli_brief_holds_name_articles_and_bureaus(home, tmp_path):
    out = tmp_path / "brief.pdf"
    res = CliRunner().invoke(main, [*home, "brief", DING.lower(), "--as-of", "2025-06-30", "--out", str(out)])
    assert res.exit_code == 0, res.output
    reader = PdfReader(out)
    assert 1 <= len(reader.pages) <= 2
    text = _text(reader)
    assert NAME in text and DING in text
    # may claim Minhang 19, handled by 区经委, 区科委 and 区商务委 (tests/test_queries.py)
    assert "第19条" in text
    for bureau in ("区经委", "区科委", "区商务委"):
        assert bureau in text, bureau
    assert "闵行区经济委员会" in text  # the bureau's full name, to look it up
    assert "经综合评定,给予一定的资金支持" in text  # the source clause of Minhang 19
    assert any("WenQuanYi" in f for f in _fonts(reader)), _fonts(reader)  # the CJK font is embedded


def test_cli_brief_in_english_and_an_unknown_uscc(home, tmp_path):
    out = tmp_path / "brief-en.pdf"
    res = CliRunner().invoke(main, [*home, "brief", DING, "--as-of", "2025-06-30", "--lang", "en", "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = _text(PdfReader(out))
    assert "Maycl" in text and "Bureaustocall" in text and NAME in text
    res = CliRunner().invoke(main, [*home, "brief", "91310112MA1000009X", "--out", str(tmp_path / "x.pdf")])
    assert res.exit_code != 0 and "Traceback" not in res.output and not (tmp_path / "x.pdf").exists()


def test_print_brief_button_gives_the_pdf(web_app, graph_batches):
    client = web_app("brief-web", graph_batches).test_client()
    page = client.get(f"/enterprises/{DING}", query_string={"as_of": "2025-06-30", "lang": "zh"}).get_data(as_text=True)
    assert 'id="print-brief"' in page
    href = page.split('id="print-brief"', 1)[1].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    r = client.get(href)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    text = _text(PdfReader(io.BytesIO(r.data)))
    assert NAME in text and "第19条" in text and "区经委" in text and "2025-06-30" in text
    assert client.get("/enterprises/91310112MA1000009X/brief.pdf").status_code == 404
