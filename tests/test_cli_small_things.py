"""Small things found by trying the CLI as a new user (issue 18.7): `load --help` shows
`load FILE`, a document from a district the ontology cannot place is a one-line warning at
load and nothing breaks later (CLI eligibility, the web enterprise page), "loaded …" says
what was added and the graph's totals, and a broken PDF gives our one-line error with no
pypdf log lines before it."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from policykg.cli import main
from policykg.settings import Settings
from tests.conftest import MINHANG
from webviz import create_app

ROOT = Path(__file__).resolve().parents[1]
UNPLACED = """某某市某某区关于支持科技企业发展的若干措施
第一条 为支持科技企业发展，制定本措施。
第二条 对新认定的高新技术企业，给予最高20万元奖励。
第三条 对获评专精特新中小企业的，给予10万元奖励。
第四条 本措施自2025年1月1日起施行，有效期三年。
"""
USCC = "91310112MA10000043"
REGISTER = ("统一社会信用代码,企业名称,所属区,行业代码,规模,成立日期,资质名称,资质级别,认定日期,有效期至\n"
            f"{USCC},某某(虚构)科技有限公司,某某区,M73,规上,2012-05-06,高新技术企业,国家级,2024-04-22,2027-04-21\n")


def test_load_help_shows_load_file():
    res = CliRunner().invoke(main, ["load", "--help"], prog_name="policykg")
    assert res.exit_code == 0
    usage = " ".join(res.output.split("\n\n")[0].split())
    assert usage == "Usage: policykg load [documents|enterprises|metrics|recognitions] FILE... [OPTIONS]"
    assert "policykg load data/policies/" in res.output


@pytest.fixture(scope="module")
def unplaced(tmp_path_factory) -> tuple[Path, CliRunner]:
    folder = tmp_path_factory.mktemp("unplaced")
    (folder / "mouqu.txt").write_text(UNPLACED, encoding="utf-8")
    (folder / "register.csv").write_text(REGISTER, encoding="utf-8")
    return folder, CliRunner()


def test_unknown_district_is_a_warning_at_load_and_nothing_breaks_later(unplaced):
    folder, runner = unplaced
    home = ["--home", str(folder / "home")]
    res = runner.invoke(main, [*home, "load", str(folder / "mouqu.txt")])
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "'某某区' is not a place of the ontology" in warnings[0]
    assert runner.invoke(main, [*home, "load", "enterprises", str(folder / "register.csv")]).exit_code == 0
    res = runner.invoke(main, [*home, "eligibility", USCC, "--as-of", "2025-06-30"])
    assert res.exit_code == 0 and res.exception is None, res.output
    assert "1 measure(s) to claim" in res.output and "第2条" in res.output
    app = create_app(Settings(home=folder / "home"))
    try:
        client = app.test_client()
        page = client.get(f"/enterprises/{USCC}?as_of=2025-06-30")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "某某区" in html and "第2条" in html and "Traceback" not in html
        assert client.get(f"/api/enterprises/{USCC}?as_of=2025-06-30").status_code == 200
    finally:
        app.extensions["policykg"].close()


def test_loaded_says_what_was_added_and_the_totals(tmp_path):
    runner, home = CliRunner(), ["--home", str(tmp_path / "home")]
    (tmp_path / "mouqu.txt").write_text(UNPLACED, encoding="utf-8")
    first = runner.invoke(main, [*home, "load", str(tmp_path / "mouqu.txt")]).stdout.strip()
    m = re.fullmatch(r"loaded 1 document into embedded \(\+4 articles, \+(\d+) measures\); "
                     r"graph now 1 documents, ([\d,]+) nodes, ([\d,]+) relationships", first)
    assert m and int(m[1]) >= 2, first
    second = runner.invoke(main, [*home, "load", str(MINHANG)]).stdout.strip()
    assert re.fullmatch(r"loaded 1 document into embedded \(\+51 articles, \+\d+ measures\); "
                        r"graph now 2 documents, \d{1,3}(,\d{3})* nodes, \d{1,3}(,\d{3})* relationships", second)
    again = runner.invoke(main, [*home, "load", str(MINHANG)]).stdout.strip()
    assert again.startswith("loaded 1 document into embedded (+0 articles, +0 measures); graph now 2 documents")


def test_broken_pdf_is_one_line_without_pypdf_noise(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    buffer = io.BytesIO()
    writer.write(buffer)
    # a wrong startxref pointer and a broken page tree: pypdf logs its repairs, then finds no text
    broken = re.sub(rb"startxref\s+\d+", b"startxref\n9", buffer.getvalue()).replace(b"/Type /Pages", b"/Type /Pagez")
    (tmp_path / "broken.pdf").write_bytes(broken)
    run = subprocess.run([sys.executable, "-c", "from policykg.cli import main; main()", "--home", str(tmp_path / "h"),
                          "load", str(tmp_path / "broken.pdf")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if line.strip() and line.strip() != "extracting"]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "broken.pdf" in lines[0], run.stderr
