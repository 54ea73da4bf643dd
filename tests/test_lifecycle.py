"""Versions of a policy (issue 17): one document per 文号, repeals that link versions, status
on a date used by the saved queries and eligibility, article diff, unload; on both backends.

The new version is Minhang's text changed the way a district reissues a policy: a new 文号
and dates, article 19's amount changed, article 50 gone, and a closing clause repealing the
old 文号 (read from the old one's extraction).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from loaders import document_batch, extract_file, ontology_batch
from loaders.lifecycle import LINKS_KEY, identity, references, with_links
from policykg.cli import main
from policykg.errors import LoadError, ParameterError
from queries import load_library, run_query
from queries.diff import diff_documents, marked
from queries.eligibility import enterprise_eligibility
from queries.lifecycle import IN_FORCE, NOT_REPEALED, documents, find_document
from tests.conftest import CASES_REGISTER, MINHANG

CORPUS = MINHANG.parent / "shanghai-corpus"
OLD_START, NEW_START = dt.date(2025, 1, 15), dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def old_number() -> str:
    return extract_file(MINHANG).doc_number


@pytest.fixture(scope="module")
def versions(tmp_path_factory, old_number) -> dict[str, Path]:
    """The old text, the new version, and a corrected copy of the old one (title brackets
    made full-width, the way a re-published copy differs)."""
    folder = tmp_path_factory.mktemp("versions")
    text = MINHANG.read_text("utf-8")
    assert old_number in text and "2025年1月15日起施行,有效期至2027年1月14日。" in text
    new = "\n".join(ln for ln in text.split("\n") if not ln.startswith("50.支持产业人才发展"))
    new = new.replace(old_number, "闵府规发〔2026〕3号").replace("2024年12月11日", "2026年2月10日")
    new = new.replace("2025年1月15日起施行,有效期至2027年1月14日。",
                      f"2026年3月1日起施行,有效期至2028年2月29日。原《闵行区关于产业高质量发展的政策意见(试行)》"
                      f"({old_number})同时废止。")
    at = new.index("给予一定的资金支持", new.index("\n19."))
    new = new[:at] + "给予最高200万元的资金支持" + new[at + len("给予一定的资金支持"):]
    paths = {"old": MINHANG, "new": folder / "minhang-2026.txt", "corrected": folder / "minhang-corrected.txt"}
    paths["new"].write_text(new, "utf-8")
    paths["corrected"].write_text(text.replace("(试行)", "（试行）"), "utf-8")
    return paths


def load(store, *paths: Path) -> list[str]:
    """What `policykg load` does: the documents, the ontology and the re-derived links in one write."""
    batches = [document_batch(extract_file(p)) for p in paths]
    store.write_many(with_links(store, [ontology_batch(), *batches]))
    return [b.key for b in batches]


def in_force_articles(store, day: dt.date) -> list[tuple[dt.date, int]]:
    """(effective_until, article number) of the articles in force: the versions end on different days."""
    rows = run_query(store, load_library()["articles-in-force"], {"as_of": day.isoformat()}).records()
    return sorted((r["until"], r["article"]) for r in rows)


def doc_numbers_in_force(store, day: dt.date) -> list[str]:
    return sorted(d.doc_number for d in documents(store, day) if d.status == "in_force")


# --- references: genre patterns, read from the texts ---------------------------------------------
def test_the_new_version_names_the_old_one(versions, old_number):
    refs = references(extract_file(versions["new"]))
    assert [(r.kind, r.doc_number) for r in refs] == [("repeals", old_number)]
    assert references(extract_file(versions["old"])) == []


def test_corpus_texts_state_which_version_they_repeal():
    """17 (an abolition notice) repeals 16 from the day it names; 19 and 08 say nothing of
    18 and 07 (SOURCES.md: those pairs are inferred, not written), so they are not linked."""
    notice = references(extract_file(CORPUS / "17_chongming-zongbu-banfa-feizhi-tongzhi-2026.txt"))
    assert [(r.kind, r.doc_number, r.since) for r in notice] == [
        ("repeals", "沪崇发改规〔2023〕1号", dt.date(2026, 8, 15))]
    for stem in ("19_shanghai-kezaisheng-nengyuan-fuchi-banfa-2022",
                 "08_jingan-zhichi-jieneng-jianpai-shishi-banfa-2025"):
        assert references(extract_file(CORPUS / f"{stem}.txt")) == []
    # a closing clause naming an old version the corpus lacks is still read (kept as text)
    pudong = references(extract_file(CORPUS / "01_pudong-jieneng-ditan-zhuanxiang-zijin.txt"))
    assert [r.doc_number for r in pudong] == ["沪浦发改规〔2023〕1号"]


def test_identity_ignores_bracket_styles_and_spaces():
    assert identity("闵府规发[2024] 11号", "闵行区", "x", None) == identity("闵府规发〔2024〕11号", "闵行区", "y", None)
    day = dt.date(2024, 1, 2)
    assert identity(None, "闵行区", "关于《X(试行)》的通知", day) == \
        identity(None, "闵行区", "关于“X（试行）”的通知", day)
    assert identity(None, "闵行区", "X", day) != identity(None, "闵行区", "X", dt.date(2024, 1, 3))


def test_every_dated_saved_query_uses_the_status():
    """The status is defined once (queries.lifecycle); each saved query with a date carries it."""
    dated = [q for q in load_library().values() if any(p.name == "as_of" for p in q.params)
             and "PolicyDocument" in q.cypher]
    assert len(dated) >= 12
    for q in dated:
        for backend in ("embedded", "neo4j"):
            assert NOT_REPEALED in q.cypher_for(backend), q.name
    assert NOT_REPEALED in IN_FORCE


# --- two versions on both backends ---------------------------------------------------------------
def test_a_new_version_repeals_the_old_one(store, versions, old_number):
    old_id, = load(store, versions["old"])
    new_id, = load(store, versions["new"])
    assert store.read("MATCH (d:PolicyDocument) RETURN count(d) AS n").rows == [[2]]
    link = store.read("MATCH (a:PolicyDocument)-[x:REPEALS]->(b:PolicyDocument) RETURN a.id, b.id, x.since").rows
    assert link == [[new_id, old_id, NEW_START]]

    diff = diff_documents(store, find_document(store, old_number), find_document(store, "闵府规发[2026]3号"))
    assert [(c["old"], c["new"]) for c in diff["changed"]] == [(19, 19)]
    assert diff["removed"] == [50] and diff["added"] == []
    assert diff["unchanged"] == [n for n in range(1, 50) if n != 19]
    assert diff["changed"][0]["facts"]["amounts"] == {"added": ["cap 200万元"], "removed": []}
    assert ["replace", "一定", "最高200万元"] in diff["changed"][0]["diff"]

    after, before = in_force_articles(store, NEW_START), in_force_articles(store, NEW_START - dt.timedelta(days=1))
    # both versions share a title; the new one ends 2028-02-29, the old one 2027-01-14
    # (article numbers 1-49 or 1-50, and the 附则 section numbered 3)
    assert after == sorted((dt.date(2028, 2, 29), n) for n in [*range(1, 50), 3])
    assert before == sorted((dt.date(2027, 1, 14), n) for n in [*range(1, 51), 3])

    by_id = {d.id: d for d in documents(store, NEW_START)}
    assert by_id[old_id].status == "repealed" and by_id[old_id].superseded_by == new_id
    assert by_id[old_id].repealed_from == NEW_START and by_id[new_id].supersedes == [old_id]
    assert by_id[new_id].status == "in_force" and by_id[new_id].references[0]["resolved"]
    assert {d.id: d.status for d in documents(store, NEW_START - dt.timedelta(days=1))} == {
        old_id: "in_force", new_id: "not_yet"}
    assert doc_numbers_in_force(store, dt.date(2024, 1, 1)) == []  # neither has started


def test_a_corrected_reload_keeps_one_document(store, versions):
    first, = load(store, versions["old"])
    counts = store.counts()
    again, = load(store, versions["corrected"])
    assert again == first
    assert store.counts() == counts
    assert store.read("MATCH (d:PolicyDocument) RETURN d.title").rows == [
        ["闵行区关于产业高质量发展的政策意见（试行）"]]


def test_the_old_version_loaded_later_is_linked(store, versions):
    new_id, = load(store, versions["new"])
    assert documents(store, NEW_START)[0].references[0]["resolved"] is False  # kept as text meanwhile
    old_id, = load(store, versions["old"])
    assert store.read("MATCH (a:PolicyDocument)-[:REPEALS]->(b:PolicyDocument) RETURN a.id, b.id").rows == [
        [new_id, old_id]]
    load(store, versions["old"])  # re-loading the repealed one keeps the link
    assert store.read("MATCH ()-[x:REPEALS]->() RETURN count(x)").rows == [[1]]


def test_unload_is_all_or_nothing_and_brings_the_old_version_back(store, versions):
    load(store, versions["old"])
    only_old = store.counts()
    new_id, = load(store, versions["new"])
    assert doc_numbers_in_force(store, NEW_START) == ["闵府规发〔2026〕3号"]
    from loaders.lifecycle import links_batch, stored_documents

    store.unload(new_id, [links_batch(d for d in stored_documents(store) if d.id != new_id)])
    assert store.counts() == only_old
    assert doc_numbers_in_force(store, NEW_START) == [extract_file(MINHANG).doc_number]
    with pytest.raises(LoadError, match="no source"):
        store.unload(new_id)
    assert store.counts() == only_old


def test_corpus_pairs_link_where_the_text_says_so(store):
    stems = ["07_jingan-jieneng-jianpai-zhuanxiang-zijin-2022", "08_jingan-zhichi-jieneng-jianpai-shishi-banfa-2025",
             "16_chongming-chuangxinxing-qiye-zongbu-rending-jiangli-2023",
             "17_chongming-zongbu-banfa-feizhi-tongzhi-2026",
             "18_shanghai-kezaisheng-nengyuan-fuchi-banfa-2020", "19_shanghai-kezaisheng-nengyuan-fuchi-banfa-2022"]
    load(store, *(CORPUS / f"{s}.txt" for s in reversed(stems)))  # the newer ones first
    rows = store.read("MATCH (a:PolicyDocument)-[x:REPEALS]->(b:PolicyDocument) "
                      "RETURN a.doc_number, b.doc_number, x.since").rows
    assert rows == [["沪崇发改规〔2026〕2号", "沪崇发改规〔2023〕1号", dt.date(2026, 8, 15)]]
    status = {d.doc_number: d.status for d in documents(store, dt.date(2026, 8, 15))}
    assert status["沪崇发改规〔2023〕1号"] == "repealed"
    day_before = {d.doc_number: d.status for d in documents(store, dt.date(2026, 8, 14))}
    assert day_before["沪崇发改规〔2023〕1号"] == "in_force"
    assert status["静发改委规〔2022〕1号"] == "in_force" and status["沪发改规范〔2020〕7号"] == "in_force"


def test_eligibility_counts_one_version(store, versions):
    from loaders.register import read_register, register_batch

    load(store, versions["old"], versions["new"])
    store.write(register_batch(read_register(CASES_REGISTER, ontology=store.ontology), store.ontology))
    uscc = store.read("MATCH (e:Enterprise) WHERE e.name = '丁(虚构)小巨人有限公司' RETURN e.id").rows[0][0]

    def claims(day: dt.date) -> list[tuple[int, int]]:
        return sorted((c.article, c.seq) for c in enterprise_eligibility(store, uscc, as_of=day).eligible)

    before, after = claims(NEW_START - dt.timedelta(days=1)), claims(NEW_START)
    assert (19, 2) in before and before == after  # once each: the new version replaces the old one
    assert len(after) == len(set(after))


# --- commands -------------------------------------------------------------------------------------
def test_commands_documents_diff_unload(tmp_path, versions, old_number):
    run = CliRunner().invoke
    home = ["--home", str(tmp_path / "home")]
    assert run(main, [*home, "load", str(versions["old"]), str(versions["new"])]).exit_code == 0
    out = run(main, [*home, "documents", "--as-of", "2026-06-01", "--format", "json"])
    assert out.exit_code == 0, out.output
    docs = {d["doc_number"]: d for d in json.loads(out.output)}
    assert set(docs[old_number]) >= {"id", "title", "doc_number", "district", "issued_on", "effective_from",
                                     "effective_until", "status", "supersedes", "superseded_by"}
    assert docs[old_number]["status"] == "repealed"
    assert docs[old_number]["superseded_by"] == docs["闵府规发〔2026〕3号"]["id"]
    assert docs["闵府规发〔2026〕3号"]["supersedes"] == [docs[old_number]["id"]]
    out = run(main, [*home, "diff", old_number, "闵府规发〔2026〕3号", "--format", "json"])
    diff = json.loads(out.output)
    assert [c["old"] for c in diff["changed"]] == [19] and diff["removed"] == [50]
    html = run(main, [*home, "diff", old_number, docs["闵府规发〔2026〕3号"]["id"], "--format", "html"]).output
    assert "<ins>最高200万元</ins>" in html
    out = run(main, [*home, "diff", "产业", old_number])  # a title word both documents share
    assert out.exit_code == 2 and "names 2 documents" in out.output
    out = run(main, [*home, "unload", "闵府规发〔2026〕3号"])
    assert out.exit_code == 0, out.output
    docs = json.loads(run(main, [*home, "documents", "--as-of", "2026-06-01", "--format", "json"]).output)
    assert [(d["doc_number"], d["status"]) for d in docs] == [(old_number, "in_force")]
    assert run(main, [*home, "unload", "nothing-like-this"]).exit_code == 2


def test_marked_diff_escapes_text():
    old, new = marked([["equal", "<b>", "<b>"], ["replace", "a&", "<script>"]])
    assert old == "&lt;b&gt;<del>a&amp;</del>" and new == "&lt;b&gt;<ins>&lt;script&gt;</ins>"


def test_unknown_document_is_a_clear_error(store, versions):
    load(store, versions["old"])
    with pytest.raises(ParameterError, match="no loaded document"):
        find_document(store, "沪府发〔1999〕1号")
    assert LINKS_KEY < "doc-"  # the links' bare ids must sort before documents (embedded merge order)


def test_web_shows_history_and_the_diff_side_by_side(web_app, versions, old_number):
    from loaders.lifecycle import batch_documents, links_batch

    docs = [document_batch(extract_file(versions[k])) for k in ("old", "new")]
    app = web_app("lifecycle", [ontology_batch(), *docs, links_batch(batch_documents(docs))])
    client = app.test_client()
    page = client.get("/?lang=en").get_data(as_text=True)
    assert page.count('class="history"') == 2 and 'class="repeals"' in page
    assert 'data-status="repealed"' in page or 'data-status="in_force"' in page  # today's status, whichever
    r = client.get("/diff", query_string={"a": old_number, "b": "闵府规发〔2026〕3号", "lang": "en"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'data-old="19" data-new="19"' in html and 'class="removed" data-old="50"' in html
    assert "<del>一定</del>" in html and "<ins>最高200万元</ins>" in html
    assert client.get("/diff", query_string={"a": "产业", "b": old_number}).status_code == 400


# --- RDF: ELI terms, SHACL, round trip ------------------------------------------------------------
def test_rdf_of_the_pair_uses_eli_conforms_and_round_trips(store, versions, tmp_path):
    import pyshacl
    import rdflib

    from graph.embedded_store import EmbeddedStore
    from graph.rdf import export_rdf
    from graph.rdf_import import import_rdf
    from ontology.model import ONTOLOGY_DIR

    old_id, new_id = load(store, versions["old"], versions["new"])
    data = export_rdf(store, None, "ntriples")[1]
    g = rdflib.Graph().parse(data=data, format="nt")
    eli = rdflib.Namespace("http://data.europa.eu/eli/ontology#")
    doc = rdflib.Namespace("https://policykg.org/id/policy-document/")
    assert (doc[new_id], eli.repeals, doc[old_id]) in g
    assert (doc[old_id], eli.in_force, eli["InForce-notInForce"]) in g
    assert g.value(doc[new_id], eli.first_date_entry_in_force).toPython() == NEW_START
    since = next(g.subjects(rdflib.RDF.predicate, rdflib.URIRef("https://policykg.org/ontology#repeals")))
    assert g.value(since, rdflib.URIRef("https://policykg.org/ontology#since")).toPython() == NEW_START
    shapes = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    ok, _, text = pyshacl.validate(g, shacl_graph=shapes)
    assert ok, text
    g.add((doc[old_id], eli.in_force, eli["InForce-inForce"]))  # the shapes can fail: two statuses
    assert not pyshacl.validate(g, shacl_graph=shapes)[0]

    path = tmp_path / "pair.nt"
    path.write_bytes(data)
    target = EmbeddedStore(tmp_path / "round-trip", store.ontology)
    try:
        import_rdf(target, path)
        assert sorted(export_rdf(target, None, "ntriples")[1].splitlines()) == sorted(data.splitlines())
        assert {d.id: d.status for d in documents(target, NEW_START)} == {old_id: "repealed", new_id: "in_force"}
    finally:
        target.close()
