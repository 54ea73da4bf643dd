"""The overview dashboard (/dashboard, /api/dashboard) against real stores.

The embedded store holds the shipped documents plus a small synthetic document made to
fail each data-quality check: a measure no bureau handles, a measure whose span is not its
article's text (a SHACL violation), no effective dates, a bureau the ontology lacks (its
name is markup) and a phrase that looks like a qualification the ontology lacks. A second
store holds Changning's document only, so that qualifications only other documents require
show up as "nothing requires". Facts checked are ones a reader can verify in the documents.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import pytest
from werkzeug.serving import make_server

from graph import Batch, NodeRecord, RelRecord
from graph.embedded_store import EmbeddedStore
from loaders import document_batch, extract_file, ontology_batch
from loaders.knowledge import Knowledge, candidate_qualifications
from policykg.settings import Settings
from tests.conftest import CHANGNING, MINHANG
from tests.test_webviz import _own_external_urls, _Tags
from webviz import analysis, create_app, dashboard, quality
from webviz.i18n import MESSAGES

MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"
NANSHA_TITLE = "广州南沙新区(自贸片区)促进科技创新产业发展扶持办法"
CHANGNING_TITLE = "长宁区加快构建现代化产业体系促进经济高质量发展的实施意见（试行）"
SYN = "doc-synth0000000"
SYN_ARTICLE = f"{SYN}-c1-a1"
NO_BUREAU = f"{SYN_ARTICLE}-m1"
BAD_SPAN = f"{SYN_ARTICLE}-m2"
XSS = "<img src=x onerror=alert(1)>"
UNKNOWN_BUREAU = "bureau-synth-unknown"
S1 = "对获评星河创新示范单位的企业，给予一次性奖励50万元。"
S2 = "对新引进的企业，给予资金支持。"
PHRASE = "星河创新示范单位"
# as the loader stores them on the document (one per line); the second is markup
WARNINGS = ("日期不存在：2025年13月45日（有效期至），已忽略", "<b>有效期至早于生效日期</b>")


def synthetic_batch() -> Batch:
    """One undated document, one article, two measures: m1 with no bureau, m2 with a span
    that is not its text; an unknown bureau (markup for a name) handles m2."""
    c = f"{SYN}-c1"
    return Batch.of(SYN, [
        NodeRecord("PolicyDocument", SYN, {"title": "合成测试文件", "district": "测试区",
                                           "warnings": "\n".join(WARNINGS)}),
        NodeRecord("Chapter", c, {"number": 1, "title": "测试章", "document_id": SYN}),
        NodeRecord("Article", SYN_ARTICLE, {"number": 1, "title": "测试条", "text": S1 + S2, "document_id": SYN}),
        NodeRecord("Measure", NO_BUREAU, {"seq": 1, "start": 0, "end": len(S1), "text": S1,
                                          "article_id": SYN_ARTICLE, "document_id": SYN}),
        NodeRecord("Measure", BAD_SPAN, {"seq": 2, "start": 0, "end": len(S2), "text": S2,
                                         "article_id": SYN_ARTICLE, "document_id": SYN}),
        NodeRecord("Bureau", UNKNOWN_BUREAU, {"name": XSS, "known": False, "district": "测试区"}),
    ], [
        RelRecord("HAS_CHAPTER", SYN, c),
        RelRecord("HAS_ARTICLE", c, SYN_ARTICLE),
        RelRecord("HAS_MEASURE", SYN_ARTICLE, NO_BUREAU),
        RelRecord("HAS_MEASURE", SYN_ARTICLE, BAD_SPAN),
        RelRecord("RESPONSIBLE_FOR", UNKNOWN_BUREAU, SYN_ARTICLE, {"lead": True}),
        RelRecord("HANDLES", UNKNOWN_BUREAU, BAD_SPAN, {"lead": True}),
    ])


def _app(home, ontology, batches, finder: bool = True):
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(batches)
    store.close()
    application = create_app(Settings(home=home))
    if finder:
        application.config[quality.TERM_FINDER] = partial(candidate_qualifications, Knowledge.build(ontology))
    return application


@pytest.fixture(scope="module")
def app(tmp_path_factory, ontology, policy_batches):
    application = _app(tmp_path_factory.mktemp("dashboard-home"), ontology, [*policy_batches, synthetic_batch()])
    yield application
    application.extensions["policykg"].close()


@pytest.fixture(scope="module")
def changning_app(tmp_path_factory, ontology):
    """Changning's document only, and no term finder configured."""
    batches = [ontology_batch(ontology), document_batch(extract_file(CHANGNING), ontology)]
    application = _app(tmp_path_factory.mktemp("dashboard-changning"), ontology, batches, finder=False)
    yield application
    application.extensions["policykg"].close()


@pytest.fixture(scope="module")
def body(app):
    r = app.test_client().get("/api/dashboard?lang=zh")
    assert r.status_code == 200
    return r.get_json()


@pytest.fixture(scope="module")
def html(app):
    r = app.test_client().get("/dashboard?lang=zh")
    assert r.status_code == 200
    return r.get_data(as_text=True)


@pytest.fixture(scope="module")
def outline(app):
    """Minhang's document from the existing JSON API: chapters, articles and their bureaus."""
    client = app.test_client()
    doc = next(d for d in client.get("/api/documents").get_json()["documents"]
               if d["properties"]["title"] == MINHANG_TITLE)
    return doc, client.get(f"/api/documents/{doc['id']}").get_json()["document"]


def _chart(body, chart_id):
    return next(c for c in body["charts"] if c["id"] == chart_id)


# --- charts -------------------------------------------------------------------------------------
def test_charts_count_nodes_and_measures(body, app):
    counts = app.test_client().get("/api/stats").get_json()["nodes"]
    types = {r["id"]: r["value"] for r in _chart(body, "node_types")["rows"]}
    assert types == counts
    assert types["PolicyDocument"] == 4
    assert {r["label"] for r in _chart(body, "node_types")["rows"]} >= {"条款", "扶持措施"}  # the ontology's labels
    themes = _chart(body, "themes")["rows"]
    # every measure is counted once; about no theme: the synthetic chapter (2 measures),
    # Changning's chapter 保障措施 (4) and Minhang's one measure outside any chapter
    assert sum(r["value"] for r in themes) == counts["Measure"]
    assert themes[-1] == {"id": "", "label": MESSAGES["zh"]["dash_no_theme"], "value": 2 + 4 + 1}
    assert "科技创新" in {r["label"] for r in themes}  # the data's theme names
    forms = _chart(body, "support_forms")["rows"]
    assert forms and all(r["value"] > 0 for r in forms)
    assert [r["value"] for r in forms] == sorted((r["value"] for r in forms), reverse=True)


def test_bureau_chart_counts_the_measures_each_bureau_handles(body, app, outline):
    doc, _ = outline
    graph = app.test_client().get(f"/api/documents/{doc['id']}/graph?measures=1").get_json()
    handles = Counter(e["start"] for e in graph["edges"] if e["type"] == "HANDLES")
    bars = _chart(body, "bureaus")["rows"]
    assert len(bars) == min(analysis.TOP_BUREAUS, body["figures"]["bureaus_total"])
    assert bars[0]["id"] == "minhang-economic-commission" and bars[0]["label"] == "区经委（闵行区）"
    assert bars[0]["value"] == handles["minhang-economic-commission"] == max(handles.values())


def test_page_has_a_table_for_every_chart(html, body):
    for chart in body["charts"]:
        start = html.index(f'id="chart-{chart["id"]}"')
        part = html[start:html.index("</figure>", start)]
        assert "<canvas" in part and "<table" in part and "<caption>" in part
        assert part.count("<tr data-id=") == len(chart["rows"])
        for row in chart["rows"][:3]:
            assert f'data-value="{row["value"]}"' in part
    assert '<details class="chart-data" open>' in html  # readable without scripts


# --- network analysis ---------------------------------------------------------------------------
def test_the_bureau_responsible_for_most_minhang_articles_is_the_most_central(body, outline):
    _, doc = outline
    per_bureau = Counter(b["name"] for c in doc["chapters"] for a in c["articles"] for b in a["bureaus"])
    busiest, n = per_bureau.most_common(1)[0]
    assert busiest == "区经委" and n == 33  # responsible for 33 of Minhang's 50 articles
    bureaus = body["network"]["bureaus"]
    assert bureaus[0]["id"] == "minhang-economic-commission" and bureaus[0]["label"] == "区经委（闵行区）"
    assert bureaus[0]["betweenness"] == max(b["betweenness"] for b in bureaus)
    assert bureaus[0]["degree"] > bureaus[1]["degree"]
    quals = body["network"]["qualifications"]
    assert {"高新技术企业", "专精特新中小企业"} <= {q["label"] for q in quals[:3]}
    graph = body["network"]["graph"]
    assert graph["edges"] > 0 and graph["approximate"] is False


def test_communities_never_mix_districts(body):
    co = body["network"]["co_responsibility"]
    assert co["communities"] and 0 < co["modularity"] <= 1
    for community in co["communities"]:
        assert len({b["district"] for b in community["members"]}) == 1
    first = {b["id"] for b in co["communities"][0]["members"]}
    assert {"minhang-economic-commission", "minhang-commerce-commission"} <= first


def test_qualifications_that_bridge_themes(body):
    bridges = {b["label"]: b for b in body["network"]["bridges"]}
    assert all(len(b["themes"]) >= 2 for b in bridges.values())
    assert "高新技术企业" in bridges
    assert len(bridges["高新技术企业"]["themes"]) >= 2


# --- data quality -------------------------------------------------------------------------------
def test_measure_without_bureau_is_listed(body, app):
    check = body["quality"]["checks"]["measures_without_bureau"]
    ids = {m["id"] for m in check["items"]}
    assert NO_BUREAU in ids and BAD_SPAN not in ids
    docs = app.test_client().get("/api/documents").get_json()["documents"]
    nansha = next(d for d in docs if d["properties"].get("title") == NANSHA_TITLE)
    per_doc = {d["title"]: d["count"] for d in check["documents"]}
    # Nansha's document names no responsible units at all; the others name one for every
    # measure but those outside the themed chapters: Changning's 保障措施 (4 measures) and
    # Minhang's one measure outside any chapter
    assert per_doc == {NANSHA_TITLE: nansha["counts"]["measures"], "合成测试文件": 1, CHANGNING_TITLE: 4,
                       MINHANG_TITLE: 1}
    assert check["count"] == nansha["counts"]["measures"] + 1 + 4 + 1


def test_document_without_effective_dates_is_listed(body):
    check = body["quality"]["checks"]["documents_without_dates"]
    # the shipped documents state their validity periods; the synthetic one states none
    assert [(d["id"], d["missing"]) for d in check["items"]] == [(SYN, ["effective_from", "effective_until"])]


def test_unknown_terms_awaiting_curation(body):
    check = body["quality"]["checks"]["unknown_terms"]
    assert [b["id"] for b in check["bureaus"]] == [UNKNOWN_BUREAU]
    assert check["phrases_available"] is True
    phrases = {p["phrase"]: p["occurrences"] for p in check["phrases"]}
    # what `policykg extract data/policies/minhang-2024-industry.txt --unknown` prints
    assert [(o["article"], o["district"]) for o in phrases["人力资源服务企业"]] == [(49, "闵行区")]
    assert phrases[PHRASE][0]["article_id"] == SYN_ARTICLE and phrases[PHRASE][0]["sentence"] == S1.rstrip("。")
    assert check["count"] == 1 + len(phrases)


def test_document_warnings_in_the_quality_panel(body, app):
    check = body["quality"]["checks"]["document_warnings"]
    synthetic = next(d for d in check["items"] if d["id"] == SYN)
    assert synthetic["warnings"] == list(WARNINGS) and synthetic["title"] == "合成测试文件"
    assert check["count"] == len(check["items"]) and check["warnings"] >= 2
    for lang in ("zh", "en"):
        page = app.test_client().get(f"/dashboard?lang={lang}").get_data(as_text=True)
        assert re.search(rf'id="check-document-warnings" data-count="{check["count"]}"', page)
        assert MESSAGES[lang]["dash_check_warnings"] in page and WARNINGS[0] in page
        assert WARNINGS[1] not in page and "&lt;b&gt;有效期至早于生效日期&lt;/b&gt;" in page  # text, not markup


def test_qualifications_the_loaded_documents_require_are_not_listed(body, ontology):
    """The ontology also names qualifications of the development corpus (not loaded here):
    those are listed; the ones the shipped documents require are not."""
    check = body["quality"]["checks"]["unrequired_qualifications"]
    listed = {q["id"] for q in check["items"]}
    assert check["count"] == len(listed) > 0
    assert listed <= {c.id for c in ontology.concepts("qualifications")}
    assert not listed & {"high-tech-enterprise", "srdi-sme", "little-giant", "patent-gold-award"}


def test_shacl_groups_the_broken_span(body):
    shacl = body["quality"]["shacl"]
    assert shacl["available"] and shacl["scope"] == "all" and shacl["conforms"] is False
    assert shacl["triples"] > 10_000
    group = next(g for g in shacl["groups"] if g["message"].startswith("a measure's text is not"))
    assert group["constraint"] == "SPARQL" and group["severity"] == "Violation"
    assert group["examples"] == [f"measure/{BAD_SPAN}"] and group["count"] == 1
    assert shacl["results"] == sum(g["count"] for g in shacl["groups"])


def test_quality_panel_on_the_page(html, body):
    for anchor, count in (("check-measures-without-bureau", None), ("check-documents-without-dates", 1),
                          ("check-unknown-terms", body["quality"]["checks"]["unknown_terms"]["count"]),
                          ("check-unrequired-qualifications",
                           body["quality"]["checks"]["unrequired_qualifications"]["count"])):
        m = re.search(rf'id="{anchor}" data-count="(\d+)"', html)
        assert m, anchor
        if count is not None:
            assert int(m.group(1)) == count, anchor
    first = body["quality"]["checks"]["measures_without_bureau"]["items"][0]
    assert f'<tr data-id="{first["id"]}">' in html and "合成测试文件 (测试区): 1" in html
    assert PHRASE in html and "人力资源服务企业" in html
    assert f"measure/{BAD_SPAN}" in html and 'data-conforms="false"' in html
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # markup in the data stays text


def test_qualifications_only_other_documents_require(changning_app):
    client = changning_app.test_client()
    body = client.get("/api/dashboard").get_json()
    check = body["quality"]["checks"]["unrequired_qualifications"]
    items = {q["id"]: q for q in check["items"]}
    assert items["patent-gold-award"]["label"] == "专利金奖"  # required only in Nansha's document
    assert "high-tech-enterprise" not in items  # Changning requires it
    # 专精特新"小巨人" is required only by Minhang, but holders count as 专精特新中小企业, which Changning requires
    assert [b["id"] for b in items["little-giant"]["counts_for"]] == ["srdi-sme"]
    assert body["quality"]["shacl"]["conforms"] is True
    assert body["quality"]["checks"]["unknown_terms"]["phrases_available"] is False
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    first = sorted(check["items"], key=lambda q: (q["name"], q["id"]))[0]  # the page lists the first 20
    assert 'id="check-unrequired-qualifications"' in page and f'<li data-id="{first["id"]}">' in page
    assert MESSAGES["en"]["dash_phrases_unavailable"] in page
    assert MESSAGES["en"]["dash_shacl_conforms"].format(triples=body["quality"]["shacl"]["triples"]) in page


def test_shacl_of_a_large_register_validates_the_documents_only(changning_app):
    store = changning_app.extensions["policykg"].store
    report = quality.shacl_report(store, register_limit=-1)
    assert report["scope"] == "documents" and report["conforms"] is True and report["triples"] > 1000


# --- API, language, caching, errors, hosts ---------------------------------------------------------
def test_api_holds_everything_the_page_shows(body, html):
    assert body["ok"] is True and set(body) == {"ok", "lang", "charts", "figures", "network", "quality"}
    for b in body["network"]["bureaus"][:10]:
        assert f'<tr data-id="{b["id"]}">' in html
    for c in body["network"]["co_responsibility"]["communities"]:
        assert all(f'data-id="{m["id"]}"' in html for m in c["members"])


def test_language_switch(app):
    client = app.test_client()
    zh = client.get("/dashboard?lang=zh").get_data(as_text=True)
    en = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert MESSAGES["zh"]["dash_heading"] in zh and MESSAGES["en"]["dash_heading"] not in zh
    assert MESSAGES["en"]["dash_heading"] in en and 'lang="en"' in en
    assert "Economic Commission (闵行区)" in en and "区经委（闵行区）" in zh  # the data's names, both languages
    assert "Science and technology innovation" in en and "条款" in zh  # theme from the data, type from the ontology
    assert 'id="nav-dashboard" href="/dashboard"' in zh
    assert 'id="lang-switch" href="/dashboard?lang=en"' in zh
    api = client.get("/api/dashboard?lang=en").get_json()
    assert api["lang"] == "en" and _chart(api, "node_types")["title"] == MESSAGES["en"]["dash_chart_node_types"]


def test_answers_are_computed_once_per_data_version(app):
    run = dashboard.runner(app)
    client = app.test_client()
    client.get("/api/dashboard")
    computed = run.computations
    client.get("/dashboard?lang=en")
    client.get("/api/dashboard?lang=zh")
    assert run.computations == computed == 1


def test_store_down_gives_503(tmp_path):
    app = create_app(Settings(home=tmp_path, backend="neo4j"))
    client = app.test_client()
    r = client.get("/dashboard")
    assert r.status_code == 503 and r.mimetype == "text/html" and "Traceback" not in r.get_data(as_text=True)
    r = client.get("/api/dashboard")
    assert r.status_code == 503 and r.get_json()["ok"] is False
    assert client.get("/static/dashboard.js").status_code == 200
    assert client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200


def test_page_refers_to_no_external_host_and_has_no_inline_code(app, html):
    en = app.test_client().get("/dashboard?lang=en").get_data(as_text=True)
    for page in (html, en):
        assert _own_external_urls(page) == []
        for src in re.findall(r'(?:src|href)="([^"]*)"', page):
            assert src.startswith(("/", "?", "#")) and not src.startswith("//"), src
        parsed = _Tags(page)
        assert parsed.inline == []
        scripts = [a.get("src") for tag, a in parsed.tags if tag == "script"]
        assert scripts == ["/static/vendor/chartjs/chart.umd.min.js", "/static/dashboard.js"]
        for _tag, attrs in parsed.tags:
            assert not [a for a in attrs if a.startswith("on") or a == "style"]
    h = app.test_client().get("/dashboard").headers["Content-Security-Policy"]
    assert "script-src 'self'" in h and "unsafe-inline" not in h


# --- both backends ------------------------------------------------------------------------------
@pytest.mark.neo4j
def test_same_figures_on_both_backends(loaded_stores, ontology):
    """Every dashboard query runs on Neo4j and LadybugDB with the same answer."""
    emb, neo = loaded_stores["embedded"], loaded_stores["neo4j"]
    assert analysis.figures(neo) == analysis.figures(emb)
    assert analysis.network(neo) == analysis.network(emb)
    finder = partial(candidate_qualifications, Knowledge.build(ontology))
    assert quality.checks(neo, finder) == quality.checks(emb, finder)
    a, b = quality.shacl_report(neo, register_limit=-1), quality.shacl_report(emb, register_limit=-1)
    assert a == b and a["scope"] == "documents"


def test_phrases_from_the_stored_text_are_those_extract_unknown_finds_in_the_file(body):
    """The dashboard reads the articles' stored text; `policykg extract --unknown` reads the file."""
    from_file = {(a.number, p) for a in extract_file(MINHANG).articles for p in a.unknown_qualifications}
    stored = {(o["article"], p["phrase"]) for p in body["quality"]["checks"]["unknown_terms"]["phrases"]
              for o in p["occurrences"] if o["document"] == MINHANG_TITLE}
    assert stored == from_file == {(49, "人力资源服务企业")}


# --- computed once per data version, safely (issue 19, item 3) ---------------------------------
@contextmanager
def served(application) -> Iterator[str]:
    """``application`` served by a real threaded WSGI server on 127.0.0.1 (a free port)."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def fetch(url: str) -> tuple[int, str]:
    """GET ``url``: status and body, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=600) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _patient(application, **changes):
    """Give ``application`` other settings (the real Settings, replaced as a deployment
    would set its environment); by default a long wait, so a busy machine never turns a
    slow first computation into a "being computed" page."""
    st = application.extensions["policykg"]
    st.settings = dataclasses.replace(st.settings, **{"dashboard_wait_s": 600, **changes})
    return application


def test_eight_concurrent_first_views_share_one_computation(web_app, policy_batches):
    """Today's failure: eight first views at once each ran pyshacl in a server thread (500s,
    then 500s until a restart). Now all eight get the page, from one computation."""
    application = _patient(web_app("dashboard-concurrent", [*policy_batches, synthetic_batch()]))
    results: list[tuple[int, str]] = []
    with served(application) as url:
        start = threading.Barrier(8)

        def view(i: int) -> None:
            start.wait()
            results.append(fetch(f"{url}/dashboard?lang={'zh' if i % 2 else 'en'}"))

        threads = [threading.Thread(target=view, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [status for status, _ in results] == [200] * 8
        assert all('id="shacl" data-conforms="false"' in body for _, body in results)
        assert dashboard.runner(application).computations == 1
        # and it stays computed: later views, either language, JSON or page, compute nothing
        assert fetch(f"{url}/api/dashboard?lang=en")[0] == 200 and fetch(f"{url}/dashboard")[0] == 200
        assert fetch(f"{url}/dashboard?lang=en")[0] == 200
    assert dashboard.runner(application).computations == 1


def test_a_failed_computation_is_not_kept(web_app, policy_batches):
    """A computation that fails gives every viewer an error panel (500, not a traceback); the
    next view computes again, and succeeds once the cause is gone. The cause here is real: a
    term finder (the extractor's phrase finder, plugged in by the deployment) that raises."""
    application = _patient(web_app("dashboard-failing", policy_batches))
    working = partial(candidate_qualifications, Knowledge.build(application.extensions["policykg"].ontology))

    def broken(text: str) -> list[str]:
        raise RuntimeError("the term finder lost its gazetteer")

    application.config[quality.TERM_FINDER] = broken
    client = application.test_client()
    run = dashboard.runner(application)
    for lang in ("zh", "en"):
        r = client.get(f"/dashboard?lang={lang}")
        page = r.get_data(as_text=True)
        assert r.status_code == 500 and 'id="dashboard-failed"' in page
        assert MESSAGES[lang]["dash_failed_heading"] in page and MESSAGES[lang]["dash_failed_unexpected"] in page
        assert "Traceback" not in page and "gazetteer" not in page  # the log has it, not the browser
    api = client.get("/api/dashboard?lang=en")
    assert api.status_code == 500 and api.get_json()["ok"] is False
    assert run.computations == 3 and run.failures == 3  # each view after a failure tried again
    application.config[quality.TERM_FINDER] = working
    r = client.get("/dashboard")
    assert r.status_code == 200 and 'id="check-unknown-terms"' in r.get_data(as_text=True)
    assert client.get("/api/dashboard").get_json()["ok"] is True
    assert (run.computations, run.failures) == (4, 3)


def test_a_long_computation_shows_a_page_that_refreshes(web_app, policy_batches):
    """Past the bounded wait a viewer gets a "being computed" page (202) that reloads itself,
    in its language; the computation goes on and the next view shows the dashboard."""
    application = _patient(web_app("dashboard-slow", policy_batches), dashboard_wait_s=1)
    release = threading.Event()
    finder = partial(candidate_qualifications, Knowledge.build(application.extensions["policykg"].ontology))

    def slow(text: str) -> list[str]:
        release.wait(600)
        return list(finder(text))

    application.config[quality.TERM_FINDER] = slow
    client = application.test_client()
    try:
        for lang in ("zh", "en"):
            r = client.get(f"/dashboard?lang={lang}")
            page = r.get_data(as_text=True)
            assert r.status_code == 202 and r.headers["Retry-After"] == str(dashboard.REFRESH_S)
            assert MESSAGES[lang]["dash_pending"] in page and '<meta http-equiv="refresh"' in page
            assert 'id="dashboard-pending"' in page and "<script" not in page.split("</main>")[1]
        r = client.get("/api/dashboard?lang=zh")
        assert r.status_code == 202 and r.get_json() == {"ok": False, "pending": True,
                                                          "error": MESSAGES["zh"]["dash_pending"]}
    finally:
        release.set()
    _patient(application)
    assert client.get("/dashboard").status_code == 200
    assert dashboard.runner(application).computations == 1  # the waiting views started nothing new


def test_shacl_runs_in_a_child_process_that_is_stopped_at_its_deadline(changning_app):
    store = changning_app.extensions["policykg"].store
    with pytest.raises(quality.QualityCheckError, match="longer than"):
        quality.shacl_report(store, timeout_s=0.001)  # no Python process starts in a millisecond


def test_shacl_budget_skips_the_documents_over_it(changning_app):
    store = changning_app.extensions["policykg"].store
    whole = quality.shacl_report(store)
    assert whole["scope"] == "all" and whole["skipped"] == []
    (doc,) = store.read("MATCH (d:PolicyDocument) RETURN d.id AS id, d.title AS title").records()
    tight = quality.shacl_report(store, max_triples=100)
    # the one document is over the budget: left out and named, nothing else validated
    assert tight["scope"] == "documents" and tight["triples"] == 0 and tight["conforms"] is True
    assert [(d["id"], d["title"]) for d in tight["skipped"]] == [(doc["id"], doc["title"])]
    page = changning_app.test_client().get("/dashboard?lang=en").get_data(as_text=True)
    assert 'id="shacl-skipped"' not in page  # the app's own budget holds the whole graph
