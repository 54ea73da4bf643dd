"""Enterprise registers: every bad register gets a clear message and leaves the graph as
it was; good ones load all or nothing, idempotently; demo registers are deterministic."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from loaders.demo import write_demo_register
from loaders.register import read_register, register_batch
from policykg.cli import main
from policykg.errors import LoadError
from tests.conftest import CASES_REGISTER

HEADER = "统一社会信用代码,企业名称,所属区,行业代码,规模,成立日期,资质名称,资质级别,认定日期,有效期至\n"
GOOD = "91310112MA1000001R,甲(虚构)高企有限公司,闵行区,C39,规上,2010-05-01,高新技术企业,国家级,2023-01-01,2026-12-31\n"

BAD = {
    "invalid-uscc": (HEADER + GOOD.replace("MA1000001R", "MA1000001X"), "not a valid USCC"),
    "missing-column": ("企业名称,所属区\n甲(虚构)有限公司,闵行区\n", "missing required column(s): 统一社会信用代码"),
    "duplicate-uscc": (HEADER + GOOD + GOOD.replace("甲(虚构)高企有限公司", "乙(虚构)有限公司"), "already named"),
    "duplicate-pair": (HEADER + GOOD + GOOD, "duplicate"),
    "empty": ("", "the register is empty"),
    "header-only": (HEADER, "header but no data rows"),
    "formula-name": (HEADER + GOOD.replace("甲(虚构)高企有限公司", "=HYPERLINK(\"x\")"), "spreadsheet formula"),
    "unknown-qualification": (HEADER + GOOD.replace("高新技术企业", "高新技术企"), "did you mean 高新技术企业"),
    "bad-date": (HEADER + GOOD.replace("2023-01-01", "2023-13-45"), "not a date"),
}


@pytest.mark.neo4j
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_register_clear_message_graph_unchanged(tmp_path, store, graph_batches, ontology, case):
    store.write_many(graph_batches)
    before = store.counts()
    content, message = BAD[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(LoadError) as err:
        store.write(register_batch(read_register(path, ontology=ontology), ontology))
    assert message in str(err.value) or any(message in p.reason for p in _problems(path, ontology))
    assert store.counts() == before


def _problems(path, ontology):
    try:
        return read_register(path, ontology=ontology).problems
    except LoadError:
        return []


def test_cli_reports_rows_on_screen_and_as_csv(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(HEADER + GOOD + GOOD.replace("MA1000001R", "MA1000001X").replace("甲", "乙"), "utf-8")
    runner = CliRunner()
    res = runner.invoke(main, ["--home", str(tmp_path / "home"), "load", "enterprises", str(path)])
    assert res.exit_code == 2
    assert "row 3" in res.output and "not a valid USCC" in res.output and "nothing was loaded" in res.output
    report = tmp_path / "home" / "reports" / "mixed-errors.csv"
    rows = list(csv.reader(report.open(encoding="utf-8")))
    assert rows[0] == ["row", "column", "value", "reason"] and rows[1][:2] == ["3", "统一社会信用代码"]
    res = runner.invoke(main, ["--home", str(tmp_path / "home"), "load", "enterprises", str(path), "--skip-invalid"])
    assert res.exit_code == 0 and "loaded 1 enterprise(s)" in res.output


def test_gb18030_bom_and_mapping(tmp_path, ontology):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + GOOD).encode("gb18030"))
    assert list(read_register(gbk, ontology=ontology).enterprises) == ["91310112MA1000001R"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    assert read_register(bom, ontology=ontology).holdings[0]["qualification"] == "high-tech-enterprise"
    other = tmp_path / "other.csv"
    other.write_text(HEADER.replace("统一社会信用代码", "Credit code") + GOOD, "utf-8")
    reg = read_register(other, ontology=ontology, mapping={"Credit code": "统一社会信用代码"})
    assert not reg.problems and len(reg.enterprises) == 1


def test_xlsx_register(tmp_path, ontology):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in (HEADER + GOOD).strip().splitlines():
        ws.append(line.split(","))
    wb.save(tmp_path / "r.xlsx")
    reg = read_register(tmp_path / "r.xlsx", ontology=ontology)
    assert not reg.problems and reg.holdings[0]["level"] == "国家级"


@pytest.mark.neo4j
def test_loading_a_register_twice_changes_nothing(store, ontology):
    batch = register_batch(read_register(CASES_REGISTER, ontology=ontology), ontology)
    store.write(batch)
    first = store.counts()
    store.write(batch)
    assert store.counts() == first
    assert first.nodes["Enterprise"] == 8 and first.rels["HOLDS"] == 7


def test_demo_register_is_deterministic_and_valid(tmp_path, ontology):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_demo_register(a, count=500, seed=3)
    write_demo_register(b, count=500, seed=3)
    assert a.read_bytes() == b.read_bytes()
    reg = read_register(a, ontology=ontology)
    assert not reg.problems and len(reg.enterprises) == 500
    assert all("虚构" in e["name"] for e in reg.enterprises.values())
    assert all(u.startswith("91310112") for u in reg.enterprises)  # Minhang's division code, from the ontology


def test_uscc_check_agrees_with_stdnum_on_random_values():
    """The fast path of the USCC check (compact form, stdnum's check digit) answers as
    stdnum's full validate() does, on valid, wrong-digit, lower-case and bad-letter values."""
    import random

    from stdnum.cn import uscc

    from loaders.register import uscc_problem

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    rnd = random.Random(7)
    verdicts = set()
    for i in range(20_000):
        v = "".join(rnd.choice("0123456789") for _ in range(8)) + "".join(rnd.choice(alphabet) for _ in range(9))
        v += rnd.choice(alphabet) if i % 2 else uscc.calc_check_digit(v)
        v = v.lower() if i % 7 == 0 else v[:5] + "I" + v[6:] if i % 11 == 0 else v
        verdicts.add((uscc_problem(v) is None, uscc.is_valid(v)))
    assert verdicts == {(True, True), (False, False)}
