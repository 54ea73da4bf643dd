"""Enterprise data as officers have it (issue 16): registers month after month share their
enterprises, a published list is matched to them by USCC or normalised name, each source
owns what it states and can be unloaded alone; disagreements are shown with their sources."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.sources import enterprise_sources
from loaders.published_lists import load_recognitions, normalise_name, read_recognitions
from loaders.register import load_register, register_key
from policykg.cli import main
from policykg.errors import LoadError
from queries.eligibility import enterprise_eligibility

DATA = Path(__file__).parent / "data"
NOV, DEC = DATA / "register-2026-11.csv", DATA / "register-2026-12.csv"
GAOQI = DATA / "recognitions-gaoqi-2024.csv"
JIA = "91310112MA7H00001T"  # 甲测试科技（上海）有限公司: 规下 in November, 规上 in December
DAY = dt.date(2025, 6, 30)


def _article_19(store, uscc: str) -> bool:
    result = enterprise_eligibility(store, uscc, as_of=DAY)
    return any(c.district == "闵行区" and c.article == 19 for c in result.eligible)


@pytest.mark.neo4j
def test_registers_month_after_month_then_a_list_and_its_unload(store, policy_batches, ontology):
    store.write_many(policy_batches)
    load_register(store, NOV, ontology=ontology)
    load_register(store, DEC, ontology=ontology)  # once refused: "owned by both"
    assert store.counts().nodes["Enterprise"] == 5
    before = store.counts()
    load_register(store, NOV, ontology=ontology)
    load_register(store, DEC, ontology=ontology)
    assert store.counts() == before  # re-loading replaces exactly the register's own facts

    # the later register wins the disagreement, and both values are kept with their sources
    facts = enterprise_sources(store, JIA, ontology)
    assert facts.resolved["scale"] == "规上" and facts.resolved["name"] == "甲测试科技（上海）有限公司"
    assert {(c["file"], c["value"], c["wins"]) for c in facts.conflicts["scale"]} == {
        ("register-2026-11.csv", "规下", False), ("register-2026-12.csv", "规上", True)}
    assert set(facts.conflicts) == {"scale"} and facts.missing_from is None

    # a 高企 list: ASCII brackets where the register has full-width ones; one unknown name
    rec = read_recognitions(GAOQI, store, "高新技术企业", ontology=ontology)
    assert [(m.row, m.uscc, m.by) for m in rec.matched] == [(2, JIA, "name")]
    assert [u.row for u in rec.unmatched] == [3]
    assert rec.unmatched[0].suggestions[0][1] == JIA  # suggested (legal words differ), never linked
    with pytest.raises(LoadError, match=r"row 3 甲测试科技（上海）有限责任公司.*nothing was loaded"):
        load_recognitions(store, rec, ontology=ontology)
    assert store.counts() == before and not _article_19(store, JIA)
    batch = load_recognitions(store, rec, skip_unmatched=True, ontology=ontology)
    assert _article_19(store, JIA)
    held = enterprise_sources(store, JIA, ontology).holdings
    assert [(h["qualification"], h["since"], h["until"], h["source"]) for h in held] == [
        ("高新技术企业", dt.date(2024, 12, 1), dt.date(2027, 11, 30), batch.key)]  # + 3 years (the ontology's)
    # holdings keep their dates: before the recognition it does not count
    assert not any(c.article == 19 for c in enterprise_eligibility(store, JIA, as_of=dt.date(2024, 6, 30)).eligible)
    load_recognitions(store, rec, skip_unmatched=True, ontology=ontology)
    after_list = store.counts()
    assert after_list.nodes["Enterprise"] == 5 and after_list.rels["HOLDS"] == before.rels["HOLDS"] + 1

    store.unload(batch.key)
    assert not _article_19(store, JIA)
    assert store.counts() == before  # all 5 enterprises remain, the list's facts are gone

    # unloading December: November states four of them, with its own values again
    store.unload(register_key(DEC))
    assert store.counts().nodes["Enterprise"] == 4
    assert enterprise_sources(store, JIA, ontology).resolved["scale"] == "规下"


@pytest.mark.neo4j
def test_an_enterprise_another_source_states_stays(store, ontology):
    """Unloading the register leaves the enterprise a list still states (with no name:
    a list's spelling never names an enterprise); unloading both removes it."""
    load_register(store, NOV, ontology=ontology)
    rec = read_recognitions(GAOQI, store, "高新技术企业", ontology=ontology)
    batch = load_recognitions(store, rec, skip_unmatched=True, ontology=ontology)
    store.unload(register_key(NOV))
    assert store.read("MATCH (e:Enterprise) RETURN e.id AS id, e.name AS name").rows == [[JIA, None]]
    store.unload(batch.key)
    assert store.counts().nodes["Enterprise"] == 0


def test_missing_from_the_latest_register_is_flagged_not_deleted(tmp_path, store_embedded, ontology):
    store = store_embedded
    jan = tmp_path / "register-2027-01.csv"
    lines = DEC.read_text("utf-8").splitlines()
    jan.write_text("\n".join(line for line in lines if not line.startswith("91310112MA7H000031")) + "\n", "utf-8")
    for path in (NOV, DEC, jan):
        load_register(store, path, ontology=ontology)
    assert store.counts().nodes["Enterprise"] == 5
    facts = enterprise_sources(store, "91310112MA7H000031", ontology)
    assert facts.missing_from["file"] == "register-2027-01.csv"
    assert enterprise_sources(store, JIA, ontology).missing_from is None


def test_names_are_compared_without_width_brackets_or_spaces_but_with_legal_words():
    assert normalise_name("甲测试科技(上海)有限公司") == normalise_name("甲测试科技（上海） 有限公司")
    assert normalise_name("ＡＢＣ【上海】有限公司") == normalise_name("abc(上海)有限公司")
    assert normalise_name("甲有限公司") != normalise_name("甲有限责任公司")


def test_cli_sources_list_enterprise_and_unload(tmp_path):
    home = ["--home", str(tmp_path / "home")]
    run = CliRunner().invoke
    for path in (NOV, DEC):
        assert run(main, [*home, "load", "enterprises", str(path)]).exit_code == 0
    refused = run(main, [*home, "load", "recognitions", str(GAOQI), "--qualification", "高新技术企业"])
    assert refused.exit_code == 2 and "row 3" in refused.output and "nothing was loaded" in refused.output
    assert "did you mean 甲测试科技（上海）有限公司" in refused.output
    report = tmp_path / "home" / "reports" / "recognitions-gaoqi-2024-unmatched.csv"
    assert report.read_text("utf-8").splitlines()[1].startswith("3,甲测试科技（上海）有限责任公司,")
    ok = run(main, [*home, "load", "recognitions", str(GAOQI), "--qualification", "高企", "--skip-unmatched"])
    assert ok.exit_code == 0, ok.output
    listed = json.loads(run(main, [*home, "sources", "--format", "json"]).output)
    assert sorted((s["kind"], s["file"], s["rows"]) for s in listed) == [
        ("recognitions", "recognitions-gaoqi-2024.csv", 2), ("register", "register-2026-11.csv", 4),
        ("register", "register-2026-12.csv", 5)]
    assert all(set(s) == {"id", "kind", "file", "rows", "loaded_at", "sha256"} and len(s["sha256"]) == 64
               for s in listed)
    shown = run(main, [*home, "enterprise", JIA, "--sources"]).output
    assert "sources disagree" in shown and "规下  ← register-2026-11.csv" in shown
    assert "* 规上  ← register-2026-12.csv" in shown and "高新技术企业" in shown
    gone = run(main, [*home, "unload", "recognitions-gaoqi-2024.csv"])
    assert gone.exit_code == 0, gone.output
    assert "高新技术企业" not in run(main, [*home, "enterprise", JIA, "--sources"]).output
    stats = json.loads(run(main, [*home, "stats", "--format", "json"]).output)
    assert stats["nodes"]["Enterprise"] == 5


def test_web_enterprise_page_shows_where_each_fact_came_from(tmp_path, ontology, policy_batches):
    from graph.embedded_store import EmbeddedStore
    from policykg.settings import Settings
    from webviz import create_app

    store = EmbeddedStore(tmp_path / "embedded", ontology)
    store.write_many(policy_batches)
    for path in (NOV, DEC):
        load_register(store, path, ontology=ontology)
    store.close()
    app = create_app(Settings(home=tmp_path))
    try:
        page = app.test_client().get(f"/enterprises/{JIA}?as_of=2025-06-30&lang=en").get_data(as_text=True)
        assert "register-2026-11.csv" in page and "register-2026-12.csv" in page
        assert "规下" in page and "Sources disagree" in page
        zh = app.test_client().get(f"/enterprises/{JIA}?as_of=2025-06-30&lang=zh").get_data(as_text=True)
        assert "来源不一致" in zh
    finally:
        app.extensions["policykg"].close()


@pytest.fixture
def store_embedded(tmp_path, ontology):
    from graph.embedded_store import EmbeddedStore

    s = EmbeddedStore(tmp_path / "embedded", ontology)
    yield s
    s.close()
