"""Enterprise registers: every bad register gets a clear message and leaves the graph as
it was; good ones load all or nothing, idempotently; demo registers are deterministic."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

import loaders.register as register_module
from graph.records import Batch, Table
from loaders import ontology_batch
from loaders.demo import write_demo_register
from loaders.register import load_register, read_register, register_batch
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
    # a holding granted in 2030 but valid until 2020 (issue 19)
    "inverted-holding": (HEADER + GOOD.replace("2023-01-01", "2030-01-01").replace("2026-12-31", "2020-12-31"),
                         "ends before it starts: 认定日期 is 2030-01-01"),
    # a cell over the csv module's 131,072 characters once gave a _csv.Error traceback
    "huge-cell": (HEADER + GOOD.replace("甲(虚构)高企有限公司", "甲" * 200_000), "over the limit of 2,000"),
    "long-cell": (HEADER + GOOD.replace("甲(虚构)高企有限公司", "甲" * 3000), "3,000 characters"),
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
        load_register(store, path, ontology=ontology, part_rows=1)
    assert message in str(err.value) or any(message in p.reason for p in _problems(path, ontology))
    assert store.counts() == before


@pytest.mark.neo4j
def test_a_late_invalid_row_rolls_back_the_parts_already_written(tmp_path, store, graph_batches, ontology,
                                                                  monkeypatch):
    """On Neo4j the first rows are written while the file is read: the last row's error
    must still leave the graph as it was."""
    store.write_many(graph_batches)
    before = store.counts()
    path = tmp_path / "late.csv"
    write_demo_register(path, count=6, seed=11)
    with path.open("a", encoding="utf-8") as f:
        f.write(GOOD.replace("MA1000001R", "MA1000001X"))
    handed = []
    part = register_module.register_part
    monkeypatch.setattr(register_module, "register_part", lambda *a: handed.append(1) or part(*a))
    with pytest.raises(LoadError, match="1 invalid row"):
        load_register(store, path, ontology=ontology, part_rows=1)
    assert len(handed) >= (3 if store.streams else 0)  # parts went to the writer before the bad row
    assert store.counts() == before


@pytest.mark.neo4j
def test_a_failed_write_mid_file_changes_nothing(tmp_path, store, ontology, monkeypatch):
    """A part the store refuses (here a holding of a qualification no part brings) rolls
    back the parts written before it (Neo4j writes them while the file is still read).
    (An enterprise of two registers is no longer refused: it is shared, issue 16.)"""
    load_register(store, CASES_REGISTER, ontology=ontology)
    before = store.counts()
    other = tmp_path / "other.csv"
    write_demo_register(other, count=6, seed=9)
    part, made = register_module.register_part, []

    def broken(*args):
        batch = part(*args)
        made.append(batch)
        if len(made) == (3 if store.streams else 1):  # the embedded store gets one part
            first = next(t for t in batch.node_tables if t.name == "Enterprise").rows[0][0]
            bad = Table("HOLDS", ("source_id",), [(first, "no-such-qualification", batch.key)])
            batch = Batch(batch.key, batch.node_tables, (*batch.rel_tables, bad))
        return batch

    monkeypatch.setattr(register_module, "register_part", broken)
    with pytest.raises(LoadError, match="needs a Qualification node 'no-such-qualification'"):
        load_register(store, other, ontology=ontology, part_rows=1)
    assert store.counts() == before
    monkeypatch.undo()
    load_register(store, CASES_REGISTER, ontology=ontology)  # the store still takes loads
    assert store.counts() == before


@pytest.mark.neo4j
def test_a_register_written_in_parts_equals_one_batch(store, ontology):
    load_register(store, CASES_REGISTER, ontology=ontology, before=[ontology_batch(ontology)], part_rows=1)
    in_parts = store.counts(), _holdings(store)
    store.clear()
    store.write_many([ontology_batch(ontology), register_batch(read_register(CASES_REGISTER, ontology=ontology),
                                                                ontology)])
    assert (store.counts(), _holdings(store)) == in_parts
    assert in_parts[0].nodes["Enterprise"] == 8 and len(in_parts[1]) == 7


def _holdings(store):
    return store.read("MATCH (e:Enterprise)-[h:HOLDS]->(q:Qualification) RETURN e.id, e.name, e.founded_on, "
                      "q.id, h.level, h.level_rank, h.since, h.until ORDER BY e.id, q.id").rows


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
    load_register(store, CASES_REGISTER, ontology=ontology, part_rows=2)
    first = store.counts(), _holdings(store)
    load_register(store, CASES_REGISTER, ontology=ontology, part_rows=2)  # the re-load gathers its parts
    assert (store.counts(), _holdings(store)) == first
    assert first[0].nodes["Enterprise"] == 8 and first[0].rels["HOLDS"] == 7


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
