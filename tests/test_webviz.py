"""The web app against a real embedded store built from data/policies/ (plus one hostile document).

Checks pages, the JSON API, errors (404, 400, 503 when the store cannot open), security
headers, that nothing refers to an external host, and the zh/en switch.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from graph import Batch
from policykg.settings import Settings
from tests.conftest import hostile_document
from webviz import create_app
from webviz.documents import list_documents
from webviz.graphview import document_graph
from webviz.i18n import MESSAGES
from webviz.pages import JS_MESSAGES

ROOT = Path(__file__).resolve().parents[1]
WEBVIZ = ROOT / "webviz"
VENDOR = WEBVIZ / "static" / "vendor"
MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"
XSS = "<img src=x onerror=alert(1)>"
XSS_DOC = "doc-xss000000000"


def hostile_batch() -> Batch:
    """A document whose every text field is markup, to prove it is shown as text."""
    return hostile_document(XSS_DOC, title=XSS, district=XSS, doc_number='"><script>x</script>', chapter_title=XSS,
                            article_title=XSS, article_text=XSS + " & 'q' \"q\"", bureau_id="bureau-xss",
                            bureau_name=XSS)


@pytest.fixture(scope="module")
def app(web_app, policy_batches):
    return web_app("webviz-home", [*policy_batches, hostile_batch()])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def minhang(app):
    docs = app.test_client().get("/api/documents").get_json()["documents"]
    return next(d for d in docs if d["properties"]["title"] == MINHANG_TITLE)


def _section(html: str, doc_id: str) -> str:
    start = html.index(f'data-doc-id="{doc_id}"')
    return html[start:html.index("</section>", start)]


def test_overview_lists_minhang_with_its_outline(client, minhang):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert MINHANG_TITLE in html
    part = _section(html, minhang["id"])
    # 50 numbered articles in 9 chapters, plus the 附则 part as a section in a chapter of its
    # own heading (loaders/structure.py): the outline shows what the graph holds
    assert '<li data-count="chapters"><span class="n">10</span>' in part
    assert '<li data-count="articles"><span class="n">51</span>' in part
    assert part.count('<details class="chapter"') == 10
    assert part.count("<tr data-article=") == 51
    assert "闵府规发〔2024〕11号" in part  # 文号 shown as in the data
    assert 'class="bureau lead"' in part
    assert '<tr data-label="Article"' in html  # store counts per label


def test_api_documents_counts(client, minhang):
    assert minhang["counts"]["chapters"] == 10  # 9 numbered and the 附则 part
    assert minhang["counts"]["articles"] == 51  # 50 numbered and the 附则 section
    assert minhang["counts"]["measures"] > 0
    assert minhang["counts"]["bureaus"] > 0
    assert minhang["properties"]["issued_on"] == "2024-12-11"  # ISO dates, not HTTP dates
    docs = client.get("/api/documents").get_json()["documents"]
    assert docs[0]["id"] == minhang["id"]  # newest first


def test_api_document_outline(client, minhang):
    r = client.get(f"/api/documents/{minhang['id']}")
    assert r.status_code == 200
    doc = r.get_json()["document"]
    assert [c["number"] for c in doc["chapters"]] == list(range(1, 11))
    assert doc["chapters"][-1]["title"] == "附则"
    numbers = [a["number"] for c in doc["chapters"] for a in c["articles"]]
    assert numbers == [*range(1, 51), 3]  # the 附则 section keeps the heading's number (三)
    bureaus = {b["name"] for c in doc["chapters"] for a in c["articles"] for b in a["bureaus"]}
    assert len(bureaus) == minhang["counts"]["bureaus"]


def test_graph_api_has_the_document_structure(client, minhang):
    r = client.get(f"/api/documents/{minhang['id']}/graph")
    assert r.status_code == 200
    g = r.get_json()
    labels = Counter(n["label"] for n in g["nodes"])
    assert labels == {"PolicyDocument": 1, "Chapter": 10, "Article": 51, "Bureau": minhang["counts"]["bureaus"]}
    ids = {n["id"] for n in g["nodes"]}
    assert len(ids) == len(g["nodes"])
    assert all(e["start"] in ids and e["end"] in ids for e in g["edges"])
    types = Counter(e["type"] for e in g["edges"])
    assert types["HAS_CHAPTER"] == 10 and types["HAS_ARTICLE"] == 51 and types["RESPONSIBLE_FOR"] > 0
    assert set(types) == {"HAS_CHAPTER", "HAS_ARTICLE", "RESPONSIBLE_FOR"}
    assert set(labels) <= set(g["types"])
    assert all(n["caption"] for n in g["nodes"])

    with_measures = client.get(f"/api/documents/{minhang['id']}/graph?measures=1").get_json()
    labels = Counter(n["label"] for n in with_measures["nodes"])
    assert labels["Measure"] == minhang["counts"]["measures"]
    ids = {n["id"] for n in with_measures["nodes"]}
    assert all(e["start"] in ids and e["end"] in ids for e in with_measures["edges"])


def test_unknown_document_is_404(client):
    for url in ("/api/documents/no-such-doc", "/api/documents/no-such-doc/graph"):
        r = client.get(url)
        assert r.status_code == 404
        assert r.is_json and r.get_json()["ok"] is False and r.get_json()["error"]
    r = client.get("/documents/no-such-doc/graph")
    assert r.status_code == 404 and r.mimetype == "text/html"
    r = client.get("/api/no-such-endpoint")
    assert r.status_code == 404 and r.get_json()["ok"] is False


def test_bad_parameter_is_400_json(client, minhang):
    r = client.get(f"/api/documents/{minhang['id']}/graph?measures=maybe")
    assert r.status_code == 400
    body = r.get_json()
    assert body["ok"] is False and "measures" in body["error"] and body["where"]


def test_store_that_cannot_open_gives_503_and_static_still_served(tmp_path):
    # Neo4j backend with no server configured: open_store raises StoreUnavailableError.
    app = create_app(Settings(home=tmp_path, backend="neo4j"))
    client = app.test_client()
    r = client.get("/")
    assert r.status_code == 503 and r.mimetype == "text/html"
    text = r.get_data(as_text=True)
    assert "policykg neo4j start" in text and "Traceback" not in text
    for url in ("/api/documents", "/api/stats", "/api/documents/x/graph"):
        r = client.get(url)
        assert r.status_code == 503
        assert r.get_json()["ok"] is False and "where" in r.get_json()
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/vendor/vis-network/vis-network.min.js").status_code == 200
    assert "Content-Security-Policy" in client.get("/").headers


def test_empty_store_says_how_to_load(tmp_path):
    app = create_app(Settings(home=tmp_path))
    try:
        r = app.test_client().get("/")
        assert r.status_code == 200 and MESSAGES["zh"]["no_documents"] in r.get_data(as_text=True)
        assert app.test_client().get("/api/documents").get_json() == {"ok": True, "documents": []}
    finally:
        app.extensions["policykg"].close()


def test_security_headers(client, minhang):
    for url in ("/", f"/documents/{minhang['id']}/graph", "/api/documents", "/static/graph.js", "/missing"):
        h = client.get(url).headers
        csp = h["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert h["X-Content-Type-Options"] == "nosniff"


def _pages(client, doc_id: str) -> dict[str, str]:
    urls = ["/", "/?lang=en", f"/documents/{doc_id}/graph", f"/documents/{XSS_DOC}/graph", "/missing"]
    return {u: client.get(u).get_data(as_text=True) for u in urls}


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script>/<style> elements."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in ("script", "style") else None

    def handle_data(self, data):
        if self._open and data.strip():
            self.inline.append(data)


def test_pages_have_no_inline_script_or_style(client, minhang):
    for url, html in _pages(client, minhang["id"]).items():
        parsed = _Tags(html)
        assert parsed.inline == [], url
        for tag, attrs in parsed.tags:
            assert not [a for a in attrs if a.startswith("on") or a == "style"], f"{url}: <{tag} {attrs}>"
            if tag == "script":
                assert (attrs.get("src") or "").startswith("/static/"), f"{url}: {attrs}"
            assert tag not in ("img", "iframe", "object", "embed", "style"), f"{url}: <{tag}>"


# Own files may name no host at all except loopback (and the SVG namespace, which is an
# identifier, never fetched). Vendored files carry licence and homepage URLs in comments
# and metadata strings; for them we look for anything that would load from a host.
LOOPBACK = re.compile(r"https?://(127\.0\.0\.1|localhost)[:/]")
NAMESPACES = ("http://www.w3.org/2000/svg",)
LOADS = [
    re.compile(p, re.I) for p in (
        r"<script[^>]+src\s*=\s*[\"']?(https?:)?//",
        r"<link[^>]+href\s*=\s*[\"']?(https?:)?//",
        r"url\(\s*[\"']?(https?:)?//",
        r"@import\s+[\"']?(url\()?[\"']?(https?:)?//",
        r"\bimport\s*(\(|[^;()]*\bfrom)\s*[\"'](https?:)?//",
        r"\bfetch\(\s*[\"'`](https?:)?//",
        r"\.open\(\s*[\"'][A-Z]+[\"']\s*,\s*[\"'`](https?:)?//",
        r"\bnew\s+(WebSocket|EventSource|Worker)\(\s*[\"'`](wss?:|https?:)?//",
        r"\bimportScripts\(",
        r"sourceMappingURL\s*=\s*(https?:)?//",
        r"\.src\s*=\s*[\"'`](https?:)?//",
    )
]


def _own_external_urls(text: str) -> list[str]:
    urls = re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*", text)
    return [u for u in urls if not LOOPBACK.match(u) and not u.startswith(NAMESPACES)]


def test_no_external_references(client, minhang):
    for url, html in _pages(client, minhang["id"]).items():
        assert _own_external_urls(html) == [], url
        for src in re.findall(r'(?:src|href)="([^"]*)"', html):
            assert src.startswith(("/", "?", "#")) and not src.startswith("//"), f"{url}: {src}"
    files = [p for p in WEBVIZ.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".css", ".svg")]
    assert any(p.parent == VENDOR / "vis-network" for p in files)
    for path in files:
        text = path.read_text("utf-8")
        if VENDOR in path.parents:
            for pattern in LOADS:
                assert not pattern.search(text), f"{path}: {pattern.pattern}"
        else:
            assert _own_external_urls(text) == [], path
            assert not any(p.search(text) for p in LOADS), path


def test_served_vendor_files_match_their_checksums(client):
    for line in (VENDOR / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split()
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
        served = client.get(f"/static/vendor/{name}")
        assert served.status_code == 200 and hashlib.sha256(served.data).hexdigest() == digest, name
        served.close()


def test_language_switch(app, minhang):
    client = app.test_client()
    zh = client.get("/").get_data(as_text=True)
    assert MESSAGES["zh"]["documents_heading"] in zh and 'lang="zh-CN"' in zh
    assert 'href="/?lang=en"' in zh
    r = client.get("/?lang=en")
    en = r.get_data(as_text=True)
    assert MESSAGES["en"]["documents_heading"] in en and 'lang="en"' in en
    assert "</span> Chapter</li>" in en and "</span> 章节</li>" in zh  # the ontology's label_en / label_zh
    assert MINHANG_TITLE in en  # the data's Chinese stays as it is
    assert "lang=en" in r.headers["Set-Cookie"]
    again = client.get(f"/documents/{minhang['id']}/graph").get_data(as_text=True)  # the cookie remembers
    assert MESSAGES["en"]["legend"] in again and MESSAGES["zh"]["legend"] not in again
    assert client.get("/?lang=zh").get_data(as_text=True).count(MESSAGES["zh"]["documents_heading"]) == 1
    hostile = client.get("/?_external=1&_scheme=javascript&_anchor=x", headers={"Host": "evil.example"})
    assert 'id="lang-switch" href="/?' in hostile.get_data(as_text=True)  # url_for options never from the query
    caption = client.get(f"/api/documents/{minhang['id']}/graph?lang=en").get_json()["nodes"]
    assert any(n["caption"].startswith("Article 1 ") for n in caption)


def test_markup_in_data_is_escaped(client):
    html = client.get("/").get_data(as_text=True)
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>x</script>" not in html
    page = client.get(f"/documents/{XSS_DOC}/graph").get_data(as_text=True)
    assert XSS not in page and "&lt;img" in page
    g = client.get(f"/api/documents/{XSS_DOC}/graph").get_json()
    assert {n["properties"].get("title") or n["properties"].get("name") for n in g["nodes"]} == {XSS}


def test_messages_exist_in_both_languages():
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])
    assert set(JS_MESSAGES) <= set(MESSAGES["zh"])


@pytest.mark.neo4j
def test_same_pages_data_on_both_backends(app, loaded_stores):
    """The Cypher in webviz runs on Neo4j and LadybugDB with the same answer."""
    emb, neo = loaded_stores["embedded"], loaded_stores["neo4j"]
    with app.test_request_context("/?lang=zh"):
        assert list_documents(neo) == list_documents(emb)
        for doc in list_documents(emb):
            a = document_graph(emb, emb.ontology, doc["id"], measures=True)
            b = document_graph(neo, neo.ontology, doc["id"], measures=True)
            assert sorted(a["nodes"], key=lambda n: n["id"]) == sorted(b["nodes"], key=lambda n: n["id"])
            assert sorted(a["edges"], key=lambda e: e["id"]) == sorted(b["edges"], key=lambda e: e["id"])


def test_article_details_give_measure_spans_of_the_source(client):
    doc = next(d for d in client.get("/api/documents").get_json()["documents"]
               if d["properties"]["title"] == "闵行区关于产业高质量发展的政策意见(试行)")
    graph = client.get(f"/api/documents/{doc['id']}/graph").get_json()
    a19 = next(n for n in graph["nodes"] if n["label"] == "Article" and n["properties"]["number"] == 19)
    body = client.get(f"/api/articles/{a19['id']}").get_json()["article"]
    assert body["number"] == 19 and len(body["measures"]) == 3
    for m in body["measures"]:
        assert 0 <= m["start"] < m["end"] <= len(body["text"])
    m2 = body["measures"][1]
    assert "小巨人" in body["text"][m2["start"]:m2["end"]]
    assert {"name": "专精特新“小巨人”企业", "level": "国家级"} in m2["qualifications"]
    assert m2["support_forms"] == ["资金支持"]
    assert client.get("/api/articles/no-such-article").status_code == 404
