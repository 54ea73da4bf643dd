"""Enterprise pages and API on a real embedded store (the shipped documents, the cases
register and a small hostile register): search, claims with the bureaus to call, near
misses with reasons, what-if, the explanation graph, 404/400s, names shown as text; and
the graph page's node search and article details."""

from __future__ import annotations

import pytest

from graph.embedded_store import EmbeddedStore
from loaders.register import read_register, register_batch
from policykg.settings import Settings
from tests.test_webviz import _own_external_urls, _Tags
from webviz import create_app
from webviz.cache import AnswerCache
from webviz.search import search_document

D, B, E = "91310112MA10000043", "91310112MA1000002W", "91310112MA10000056"
EXPIRED = "91310112MA10000030"  # 高新技术企业 until 2024-12-31
HOSTILE_USCC = "91310112MA1000009J"
HOSTILE = "<img src=x onerror=alert(1)>有限公司"
MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"


@pytest.fixture(scope="module")
def app(tmp_path_factory, web_app, ontology, graph_batches):
    register = tmp_path_factory.mktemp("web-enterprise-register") / "hostile.csv"
    register.write_text(f"统一社会信用代码,企业名称,资质名称\n{HOSTILE_USCC},{HOSTILE},高新技术企业\n", "utf-8")
    hostile = register_batch(read_register(register, ontology=ontology), ontology)
    return web_app("web-enterprise", [*graph_batches, hostile])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def minhang(app) -> str:
    docs = app.test_client().get("/api/documents").get_json()["documents"]
    return next(d["id"] for d in docs if d["properties"]["title"] == MINHANG_TITLE)


# --- enterprises -------------------------------------------------------------------------

def test_search_by_name_part_and_uscc(client):
    page = client.get("/enterprises?q=小巨人").get_data(as_text=True)
    assert D in page and "丁(虚构)小巨人有限公司" in page
    assert f'href="/enterprises/{D}?lang=zh"' in page
    found = client.get(f"/api/enterprises?q={D}").get_json()["enterprises"]
    assert found == [{"uscc": D, "name": "丁(虚构)小巨人有限公司", "district": "闵行区"}]
    assert client.get(f"/api/enterprises?q={D.lower()}").get_json()["enterprises"] == found  # USCCs are upper case
    assert client.get("/api/enterprises?q=没有这家").get_json() == {"ok": True, "enterprises": []}
    assert "没有找到企业" in client.get("/enterprises?q=没有这家").get_data(as_text=True)
    assert client.get("/api/enterprises?q=" + "x" * 101).status_code == 400
    assert [e["uscc"] for e in client.get("/api/enterprises?q=img src").get_json()["enterprises"]] == [HOSTILE_USCC]
    assert client.get(f"/api/enterprises/{D.lower()}?as_of=2025-06-30").get_json()["uscc"] == D


def test_header_links_the_enterprise_page(client):
    assert 'id="nav-enterprises" href="/enterprises"' in client.get("/").get_data(as_text=True)


def test_claims_with_bureaus_and_held_qualification(client):
    page = client.get(f"/enterprises/{D}?as_of=2025-06-30").get_data(as_text=True)
    eligible = page[page.index('id="eligible"'):page.index("</table>", page.index('id="eligible"'))]
    assert "闵行区" in eligible and "第19条 加大培育优质企业 · 措施2" in eligible
    assert "区经委(闵行区经济委员会)" in eligible
    assert "专精特新“小巨人”企业 → 国家级专精特新“小巨人”企业" in eligible  # held → required
    assert "资金支持" in eligible


def test_api_json_shape(client):
    body = client.get(f"/api/enterprises/{D}?as_of=2025-06-30").get_json()
    assert set(body) == {"ok", "uscc", "as_of", "eligible", "near_misses", "would_switch_on", "unknown",
                         "estimate_total_wan", "estimate_total_is_upper_bound", "estimate_unknown"}  # issue 15
    assert body["ok"] is True and body["uscc"] == D and body["as_of"] == "2025-06-30"
    assert {(c["district"], c["article"], c["seq"]) for c in body["eligible"]} == {("闵行区", 19, 2)}  # D is in 闵行区
    a19 = next(c for c in body["eligible"] if c["article"] == 19)
    assert set(a19) == {"measure", "district", "document", "article", "title", "seq", "verdict", "requirements",
                        "support_forms", "bureaus", "text", "amounts", "estimate_wan", "estimate_basis"}
    assert a19["verdict"] == "eligible" and a19["title"] == "加大培育优质企业"
    assert {"name": "区经委", "full_name": "闵行区经济委员会"} in a19["bureaus"]
    met = [r for r in a19["requirements"] if r["verdict"] == "met"]
    assert {"qualification": "专精特新“小巨人”企业", "level": "国家级", "verdict": "met", "reason": "",
            "held": "专精特新“小巨人”企业", "group": 1} in met


def test_near_misses_with_reasons(client):
    en = client.get(f"/enterprises/{B}?as_of=2025-06-30&lang=en").get_data(as_text=True)
    near = en[en.index('id="near-misses"'):]
    assert "Article 19" in near and "needs 国家级, holds 市级" in near
    zh = client.get(f"/enterprises/{B}?as_of=2025-06-30&lang=zh").get_data(as_text=True)
    assert "要求国家级，持有市级" in zh[zh.index('id="near-misses"'):]
    body = client.get(f"/api/enterprises/{B}?as_of=2025-06-30").get_json()
    assert [r["reason"] for c in body["near_misses"] for r in c["requirements"] if r["verdict"] == "unmet"] == [
        "needs 国家级, holds 市级"]
    expired = client.get(f"/enterprises/{EXPIRED}?as_of=2025-06-30&lang=en").get_data(as_text=True)
    assert "expired on 2024-12-31" in expired[expired.index('id="near-misses"'):]


def test_what_if(client):
    page = client.get(f"/enterprises/{E}?as_of=2025-06-30&assume=高企").get_data(as_text=True)
    switch = page[page.index('id="switch-on"'):page.index("</table>", page.index('id="switch-on"'))]
    assert "第19条 加大培育优质企业" in switch and "高新技术企业（假设）" in switch
    body = client.get(f"/api/enterprises/{E}?as_of=2025-06-30&assume=高企").get_json()
    assert body["eligible"] == []
    assert {(c["district"], c["article"]) for c in body["would_switch_on"]} == {("闵行区", 19)}  # E is in 闵行区
    both = client.get(f"/api/enterprises/{E}?as_of=2025-06-30&assume=高企,专精特新小巨人:国家级").get_json()
    # in 闵行区 both qualifications unlock the same measure (长宁 5 no longer applies to a 闵行 enterprise)
    assert {c["measure"] for c in body["would_switch_on"]} <= {c["measure"] for c in both["would_switch_on"]}


def test_unknown_assumption_is_shown_at_its_field(client):
    r = client.get(f"/enterprises/{E}?as_of=2025-06-30&assume=不存在的资质")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert 'id="assume-error"' in page and "不存在的资质" in page and 'id="eligibility-form"' in page
    api = client.get(f"/api/enterprises/{E}?assume=不存在的资质")
    assert api.status_code == 400 and api.get_json()["where"] == "?assume="


def test_errors(client):
    for url in ("/enterprises/91310112MA1999999X", "/api/enterprises/91310112MA1999999X",
                "/api/enterprises/91310112MA1999999X/graph"):
        r = client.get(url)
        assert r.status_code == 404, url
    assert client.get("/api/enterprises/91310112MA1999999X").get_json()["ok"] is False
    for url in (f"/api/enterprises/{D}?as_of=2025-13-45", f"/enterprises/{D}?as_of=yesterday"):
        r = client.get(url)
        assert r.status_code == 400, url
    assert "as_of" in client.get(f"/api/enterprises/{D}?as_of=2025-13-45").get_json()["where"]


def test_explanation_graph(client):
    g = client.get(f"/api/enterprises/{D}/graph?as_of=2025-06-30").get_json()
    by_id = {n["id"]: n for n in g["nodes"]}
    edges = {(e["type"], e["start"], e["end"]) for e in g["edges"]}
    a19 = next(n for n in g["nodes"] if n["label"] == "Article" and n["properties"]["number"] == 19)
    m = f"{a19['id']}-m2"
    assert ("HOLDS", D, "little-giant") in edges  # enterprise → held
    assert ("BROADER", "little-giant", "srdi-sme") in edges  # held → broader required
    assert ("REQUIRES", m, "little-giant") in edges and ("REQUIRES", m, "srdi-sme") in edges
    assert ("HAS_MEASURE", a19["id"], m) in edges
    assert ("HANDLES", "minhang-economic-commission", m) in edges
    assert by_id["minhang-economic-commission"]["caption"] == "区经委"
    assert [by_id[i]["level"] for i in (D, "little-giant", "srdi-sme", m, a19["id"])] == [0, 1, 2, 3, 4]
    assert by_id[m]["caption"] == "第19条 措施2"
    near = client.get(f"/api/enterprises/{B}/graph?as_of=2025-06-30").get_json()
    unmet = [e for e in near["edges"] if e["type"] == "REQUIRES"]
    assert [(e["properties"]["verdict"], e["properties"]["reason"]) for e in unmet] == [
        ("unmet", "needs 国家级, holds 市级")]
    what_if = client.get(f"/api/enterprises/{E}/graph?as_of=2025-06-30&assume=高企").get_json()
    assert [e["properties"] for e in what_if["edges"] if e["type"] == "HOLDS"] == [{"level": "国家级", "assumed": True}]


def test_enterprise_page_draws_from_embedded_json(client):
    page = client.get(f"/enterprises/{D}?as_of=2025-06-30").get_data(as_text=True)
    assert 'data-layout="levels"' in page and "data-graph='{" in page and "/static/graph.js" in page
    parsed = _Tags(page)
    assert parsed.inline == []
    for tag, attrs in parsed.tags:
        assert not [a for a in attrs if a.startswith("on") or a == "style"], f"<{tag} {attrs}>"
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/")
    assert _own_external_urls(page) == []
    blank = client.get(f"/enterprises/{E}?as_of=2025-06-30").get_data(as_text=True)
    assert "/static/graph.js" not in blank and "data-graph=" not in blank  # nothing to explain, nothing drawn


def test_names_are_text(client):
    page = client.get("/enterprises?q=有限公司").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    detail = client.get(f"/enterprises/{HOSTILE_USCC}?as_of=2025-06-30").get_data(as_text=True)
    assert "<img src=x" not in detail and "&lt;img src=x onerror=alert(1)&gt;有限公司" in detail
    assert "data-graph='{" in detail  # the name is in the drawing's JSON too, escaped: no markup can open
    graph_json = detail[detail.index("data-graph='") + 12:detail.index("'", detail.index("data-graph='") + 12)]
    assert "<" not in graph_json and "\\u003cimg" in graph_json


def test_language_switch_keeps_the_what_if(client):
    page = client.get(f"/enterprises/{E}?as_of=2025-06-30&assume=高企&lang=en").get_data(as_text=True)
    assert "Would switch on" in page and 'value="高企"' in page
    assert 'href="/enterprises/91310112MA10000056?as_of=2025-06-30&amp;assume=' in page


# --- the document graph: node search and article details ---------------------------------

def test_search_finds_a_qualification_by_its_alias(client, minhang):
    body = client.get(f"/api/documents/{minhang}/search?q=高企").get_json()
    assert body["ok"] and body["matches"][0] == {"id": "high-tech-enterprise", "label": "Qualification",
                                                 "caption": "高新技术企业", "type": "资质", "matched": "高企"}
    ids = {n["id"] for n in body["nodes"]}
    edges = {(e["type"], e["start"], e["end"]) for e in body["edges"]}
    m = f"{minhang}-c3-a19-m2"
    assert {"high-tech-enterprise", m, f"{minhang}-c3-a19"} <= ids  # the qualification and its way into the drawing
    assert ("REQUIRES", m, "high-tech-enterprise") in edges and ("HAS_MEASURE", f"{minhang}-c3-a19", m) in edges


def test_search_matches_names_normalised(client, minhang):
    names = {m["caption"] for m in client.get(f"/api/documents/{minhang}/search?q=小巨人").get_json()["matches"]}
    assert {"专精特新“小巨人”企业", "科技小巨人企业"} <= names
    quoted = client.get(f'/api/documents/{minhang}/search?q="小巨人"').get_json()["matches"]  # straight quotes
    assert quoted[0]["id"] == "little-giant"
    bureau = client.get(f"/api/documents/{minhang}/search?q=区经济委员会").get_json()["matches"]
    assert bureau[0]["id"] == "minhang-economic-commission"  # by its full name
    en = client.get(f"/api/documents/{minhang}/search?q=high and new").get_json()["matches"]
    assert en[0]["id"] == "high-tech-enterprise"  # English labels, case-folded
    assert client.get(f"/api/documents/{minhang}/search?q=").get_json()["matches"] == []
    assert client.get(f"/api/documents/{minhang}/search?q=" + "字" * 61).status_code == 400
    assert client.get("/api/documents/no-such-doc/search?q=高企").status_code == 404


def test_graph_page_has_the_search_box(client, minhang):
    page = client.get(f"/documents/{minhang}/graph").get_data(as_text=True)
    assert 'id="node-search"' in page and f'data-search-url="/api/documents/{minhang}/search?lang=zh"' in page


def test_article_details_measures_are_spans_of_the_text(client, minhang):
    body = client.get(f"/api/articles/{minhang}-c3-a19").get_json()["article"]
    assert body["number"] == 19 and [m["seq"] for m in body["measures"]] == [1, 2, 3]
    for m in body["measures"]:
        assert body["text"][m["start"]:m["end"]] == m["text"]
    m2 = body["measures"][1]
    assert {"name": "专精特新“小巨人”企业", "level": "国家级"} in m2["qualifications"]
    assert m2["support_forms"] == ["资金支持"]
    docs = client.get("/api/documents").get_json()["documents"]
    for doc in docs:  # every measure of every article of every shipped document
        outline = client.get(f"/api/documents/{doc['id']}").get_json()["document"]
        for chapter in outline["chapters"]:
            for art in chapter["articles"]:
                a = client.get(f"/api/articles/{art['id']}").get_json()["article"]
                assert all(a["text"][m["start"]:m["end"]] == m["text"] for m in a["measures"]), art["id"]


@pytest.mark.neo4j
def test_search_and_explanation_same_on_both_backends(app, loaded_stores, minhang):
    """The search's, the article details' and the explanation graph's Cypher give the same
    answer on both backends."""
    import datetime as dt

    from queries.eligibility import enterprise_eligibility
    from webviz.claimgraph import claim_graph
    from webviz.documents import article_details

    emb, neo = loaded_stores["embedded"], loaded_stores["neo4j"]
    with app.test_request_context("/?lang=zh"):
        for q in ("高企", "小巨人", "区经委", "资金"):
            a, b = search_document(emb, emb.ontology, minhang, q), search_document(neo, neo.ontology, minhang, q)
            assert a["matches"] == b["matches"], q
            assert sorted(a["edges"], key=lambda e: e["id"]) == sorted(b["edges"], key=lambda e: e["id"]), q
        for article in (f"{minhang}-c3-a19", f"{minhang}-c1-a1", "no-such-article"):
            assert article_details(emb, article) == article_details(neo, article), article
        for uscc in (D, B):
            ga, gb = (claim_graph(s, s.ontology, enterprise_eligibility(s, uscc, as_of=dt.date(2025, 6, 30)))
                      for s in (emb, neo))
            assert sorted(ga["nodes"], key=lambda n: n["id"]) == sorted(gb["nodes"], key=lambda n: n["id"])
            assert sorted(ga["edges"], key=lambda e: e["id"]) == sorted(gb["edges"], key=lambda e: e["id"])


# --- answers kept per data version ------------------------------------------------------

class _Versioned:
    """A stand-in store that only has a data version."""

    def __init__(self) -> None:
        self.version = "v1"

    def data_version(self) -> str:
        return self.version


def test_answers_are_kept_per_data_version():
    cache = AnswerCache(max_entries=2, version_ttl_s=0)
    store, calls = _Versioned(), []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get(store, "a", compute) == 1 and cache.get(store, "a", compute) == 1
    store.version = "v2"  # a load: answers are computed again
    assert cache.get(store, "a", compute) == 2
    cache.get(store, "b", compute)
    cache.get(store, "c", compute)  # bounded: the least recently used goes
    assert cache.get(store, "a", compute) == 5
    assert cache.get(store, "big", compute, keep=lambda v: False) == 6
    assert cache.get(store, "big", compute, keep=lambda v: False) == 7  # not kept
    slow = AnswerCache(version_ttl_s=3600)
    assert slow.get(store, "a", compute) == 8
    store.version = "v3"
    assert slow.get(store, "a", compute) == 8  # the version is asked again only after the TTL


def test_a_load_shows_up_in_the_running_app(tmp_path, ontology, graph_batches):
    store = EmbeddedStore(tmp_path / "embedded", ontology)
    store.write_many([graph_batches[0], graph_batches[-1]])  # the ontology and the cases register
    app = create_app(Settings(home=tmp_path))
    app.extensions["policykg"].cache.version_ttl_s = 0
    client = app.test_client()
    before = client.get("/api/stats").get_json()["nodes"]["Enterprise"]
    register = tmp_path / "new.csv"
    register.write_text(f"统一社会信用代码,企业名称\n{HOSTILE_USCC},新来(虚构)有限公司\n", "utf-8")
    store.write(register_batch(read_register(register, ontology=ontology), ontology))
    store.close()
    assert client.get("/api/stats").get_json()["nodes"]["Enterprise"] == before + 1
    assert client.get(f"/api/enterprises/{HOSTILE_USCC}").status_code == 200
    app.extensions["policykg"].close()
