"""Export and compare in the web app, against a real embedded store built from
data/policies/ plus one hostile document.

What must hold: RDF downloads (Turtle, JSON-LD) parse with rdflib and hold the documents'
facts, ``with_ontology`` adds the SKOS schemes; the standalone HTML graph refers to nothing
outside itself, carries the graph data, and keeps markup in names inert; the comparison
page and API show hand-checked facts (tests/test_rdf.py) and answer 400/404 with reasons.
"""

from __future__ import annotations

import json
import re
import threading
from html.parser import HTMLParser

import pytest
import rdflib
from rdflib import RDF, Namespace

from graph import Batch
from tests.conftest import hostile_document
from webviz.exports import stream_output
from webviz.i18n import MESSAGES
from webviz.standalone import script_json

DCT = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"
MINHANG_NUMBER = "闵府规发〔2024〕11号"
CHANGNING_DISTRICT = "长宁区"
SCRIPT_XSS = "</script><script>alert(1)</script>"
ATTR_XSS = '"><img src=x onerror=alert(1)>'
XSS_DOC = "doc-xssexport0001"


def hostile_batch() -> Batch:
    """A small document whose names would run script if they were ever inserted as HTML."""
    return hostile_document(XSS_DOC, title=SCRIPT_XSS, district=ATTR_XSS, doc_number=SCRIPT_XSS,
                            chapter_title=ATTR_XSS, article_title=SCRIPT_XSS, article_text=SCRIPT_XSS + ATTR_XSS,
                            bureau_id="bureau-xss-export", bureau_name=SCRIPT_XSS + "\u2028" + ATTR_XSS)


@pytest.fixture(scope="module")
def app(web_app, policy_batches):
    return web_app("webviz-export-home", [*policy_batches, hostile_batch()])


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def doc_ids(app) -> dict[str, str]:
    docs = app.test_client().get("/api/documents").get_json()["documents"]
    by_district = {d["properties"].get("district"): d["id"] for d in docs}
    minhang = next(d["id"] for d in docs if d["properties"]["title"] == MINHANG_TITLE)
    return {"minhang": minhang, "changning": by_district[CHANGNING_DISTRICT], "nansha": by_district["南沙区"]}


def _identifiers(g: rdflib.Graph) -> set[str]:
    return {str(o) for o in g.objects(None, DCT.identifier)}


# --- RDF ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "rdflib_format", "mimetype", "suffix"), [
    ("turtle", "turtle", "text/turtle", ".ttl"),
    ("jsonld", "json-ld", "application/ld+json", ".jsonld"),
])
def test_rdf_download_of_one_document_parses_and_holds_its_facts(client, doc_ids, fmt, rdflib_format, mimetype,
                                                                 suffix):
    r = client.get(f"/api/export/rdf?format={fmt}&document={doc_ids['minhang']}")
    assert r.status_code == 200 and r.mimetype == mimetype
    assert r.is_streamed  # written as the store is read, not built whole first
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'{doc_ids["minhang"]}{suffix}"' in disposition
    g = rdflib.Graph().parse(data=r.get_data(), format=rdflib_format)
    assert _identifiers(g) == {MINHANG_NUMBER}  # its 文号, and no other document's
    titles = {str(o) for o in g.objects(None, DCT.title)}
    assert MINHANG_TITLE in titles
    assert len(g) > 1000
    assert not list(g.subjects(RDF.type, SKOS.ConceptScheme))  # no ontology unless asked


def test_rdf_download_of_everything(client):
    r = client.get("/api/export/rdf?format=jsonld")
    assert r.status_code == 200 and 'filename="policykg.jsonld"' in r.headers["Content-Disposition"]
    g = rdflib.Graph().parse(data=r.get_data(), format="json-ld")
    assert MINHANG_NUMBER in _identifiers(g)
    assert len(set(g.subjects(DCT.title, None))) == 4  # the three shipped documents and the hostile one
    r = client.get("/api/export/rdf")  # Turtle by default
    assert r.mimetype == "text/turtle" and r.get_data().startswith(b"@prefix")


def test_with_ontology_adds_the_skos_concept_schemes(client, doc_ids, ontology):
    url = f"/api/export/rdf?format=turtle&document={doc_ids['minhang']}"
    plain = rdflib.Graph().parse(data=client.get(url).get_data(), format="turtle")
    r = client.get(url + "&with_ontology=1")
    assert "with-ontology" in r.headers["Content-Disposition"]
    full = rdflib.Graph().parse(data=r.get_data(), format="turtle")
    schemes = set(full.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) >= 5 and not set(plain.subjects(RDF.type, SKOS.ConceptScheme))
    # 专利金奖 is rewarded by Nansha only: a SKOS concept in Minhang's export only with the ontology
    gold = rdflib.URIRef(ontology.concept("qualifications", "patent-gold-award").iri)
    assert (gold, RDF.type, SKOS.Concept) in full and (gold, None, None) not in plain
    assert len(set(full.subjects(RDF.type, SKOS.Concept))) > len(set(plain.subjects(RDF.type, SKOS.Concept)))
    assert _identifiers(full) == {MINHANG_NUMBER}


def test_rdf_download_refuses_bad_requests(client):
    r = client.get("/api/export/rdf?format=yaml")
    assert r.status_code == 400 and r.get_json()["ok"] is False and "format" in r.get_json()["error"]
    r = client.get("/api/export/rdf?with_ontology=maybe")
    assert r.status_code == 400 and "with_ontology" in r.get_json()["error"]
    r = client.get("/api/export/rdf?document=doc-no-such-document")
    assert r.status_code == 404 and r.get_json()["error"] == MESSAGES["zh"]["no_such_document"]


def test_stream_output_passes_errors_on_and_stops_when_the_reader_leaves():
    def failing(out):
        out.write(b"x" * 100_000)
        raise RuntimeError("store went away")

    pieces = stream_output(failing, chunk=1024)
    got = b""
    with pytest.raises(RuntimeError, match="store went away"):
        for piece in pieces:
            got += piece
    assert len(got) == 100_000  # what came before the error, then the error: never a silent short file

    stopped = threading.Event()

    def endless(out):
        try:
            while True:
                out.write(b"y" * 4096)
        finally:
            stopped.set()

    pieces = stream_output(endless, chunk=1024)
    assert next(pieces)
    pieces.close()  # the client went away
    assert stopped.wait(10)


# --- the standalone HTML graph --------------------------------------------------------------
class _Parsed(HTMLParser):
    """Start tags with attributes, and the text of each <script> and <style> element."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict[str, str | None]] | None = None
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open, self._text = (tag, dict(attrs)), []

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            text = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._open[1], text))
            else:
                self.styles.append(text)
            self._open = None

    def json_of(self, element_id: str):
        return json.loads(next(text for attrs, text in self.scripts if attrs.get("id") == element_id))


# Every http(s) URL in the file must be one of these texts, each at a place that loads
# nothing. They come with the inlined vis-network/vis-data bundles and may not be removed:
# the licence headers (block comments the Apache-2.0/MIT licences require us to keep), the
# hammer.js comment, and core-js's metadata object ({license: "...", source: "..."}), a
# plain string kept in a global registry, never fetched.
LICENCE_TEXT_URLS = {
    "https://visjs.github.io/vis-network/", "http://visjs.org/", "http://almende.com", "https://github.com/visjs",
    "http://www.apache.org/licenses/LICENSE-2.0", "http://opensource.org/licenses/MIT", "http://naver.github.io/egjs",
    "https://github.com/zloirock/core-js",
}
CORE_JS_LICENCE = re.compile(r"https://github\.com/zloirock/core-js/blob/v[0-9.]+/LICENSE")
URL = re.compile(r"""(?:https?|ftp|wss?):\/\/[^\s"'<>)\\]*""", re.I)
# What would make a browser load something: attributes that name a resource, CSS url()
# other than data: URIs, @import, source maps, and the script APIs that fetch.
LOADING_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "background", "data", "manifest",
                      "ping", "xlink:href"}
LOADING_TAGS = {"link", "img", "iframe", "frame", "object", "embed", "base", "audio", "video", "source", "track",
                "image", "use"}
LOADS = [re.compile(p, re.I) for p in (
    r"""(?<![\w$.])url\(\s*(?!["']?data:)""",  # CSS url() of anything but a data: URI
    r"@import",
    r"sourceMappingURL",
    r"""(?:src|href)\s*=\s*["']?(?:[a-z]+:)?//""",
    r"""\bfetch\(\s*["'`]""",
    r"""\.open\(\s*["'][A-Z]+["']\s*,\s*["'`]""",
    r"""\bnew\s+(?:WebSocket|EventSource|Worker|SharedWorker)\(\s*["'`]""",
    r"\bimportScripts\(",
    r"""\bimport\s*\(\s*["'`]""",
    r"""\.src\s*=\s*["'`](?:[a-z]+:)?//""",
    r"""http-equiv\s*=\s*["']?refresh""",
)]


def assert_self_contained(html: str) -> _Parsed:
    """Fail unless ``html`` can load nothing from anywhere: no resource attributes or
    tags, no loading construct in scripts or styles, and every URL text accounted for."""
    parsed = _Parsed(html)
    for tag, attrs in parsed.tags:
        assert tag not in LOADING_TAGS, f"<{tag} {attrs}>"
        assert not (LOADING_ATTRIBUTES & set(attrs)), f"<{tag} {attrs}>"
        assert not [a for a in attrs if a.startswith("on")], f"<{tag} {attrs}>"  # no event handler attributes
    for pattern in LOADS:
        found = pattern.search(html)
        assert not found, f"{pattern.pattern}: …{html[max(0, found.start() - 60):found.end() + 60]}…"
    for m in URL.finditer(html):
        url = m.group()
        line = html[html.rfind("\n", 0, m.start()) + 1:m.start()]
        before = html[max(0, m.start() - 9):m.start()]
        in_comment = line.lstrip().startswith("*")  # a line of a /** ... */ licence header
        core_js_string = before.endswith(('license:"', 'source:"'))
        assert (url in LICENCE_TEXT_URLS or CORE_JS_LICENCE.fullmatch(url)) and (in_comment or core_js_string), \
            f"unexpected URL {url!r} after {line[-60:]!r}"
    # protocol-relative references anywhere but in those comment lines
    for m in re.finditer(r"""["'(=]\s*//[A-Za-z0-9-]+\.""", html):
        raise AssertionError(f"protocol-relative reference: {html[m.start() - 40:m.end() + 40]!r}")
    return parsed


def test_standalone_graph_of_a_document(client, doc_ids):
    r = client.get(f"/export/documents/{doc_ids['minhang']}/graph.html")
    assert r.status_code == 200 and r.mimetype == "text/html"
    disposition = r.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="policykg-{doc_ids["minhang"]}-graph.html"'
    # The strict CSP stays on the response: an attachment is not rendered, and the saved
    # file carries no headers; shown inline by mistake, its scripts would all be blocked.
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    html = r.get_data(as_text=True)
    parsed = assert_self_contained(html)
    api = client.get(f"/api/documents/{doc_ids['minhang']}/graph").get_json()
    data = parsed.json_of("graph-data")
    assert {n["id"] for n in data["nodes"]} == {n["id"] for n in api["nodes"]}
    assert any(n["properties"].get("doc_number") == MINHANG_NUMBER for n in data["nodes"])
    assert len(data["edges"]) == len(api["edges"])
    assert f"<title>{MINHANG_TITLE}</title>" in html
    inline = [text for attrs, text in parsed.scripts if "src" not in attrs and attrs.get("type") != "application/json"]
    assert len(inline) == 3 and "vis.Network" in inline[-1]  # vis-data, vis-network, our drawing script
    assert any("vis-network" in css for css in parsed.styles)
    legend = [attrs["data-label"] for tag, attrs in parsed.tags if tag == "li" and "data-label" in attrs]
    assert set(legend) == {"PolicyDocument", "Chapter", "Article", "Bureau"}  # the types drawn

    with_measures = _Parsed(client.get(f"/export/documents/{doc_ids['minhang']}/graph.html?measures=1")
                            .get_data(as_text=True)).json_of("graph-data")
    assert any(n["label"] == "Measure" for n in with_measures["nodes"])
    en = client.get(f"/export/documents/{doc_ids['minhang']}/graph.html?lang=en").get_data(as_text=True)
    assert MESSAGES["en"]["legend"] in en and any(
        n["caption"].startswith("Article 1 ") for n in _Parsed(en).json_of("graph-data")["nodes"])


def test_standalone_graph_keeps_hostile_names_inert(client):
    r = client.get(f"/export/documents/{XSS_DOC}/graph.html")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert SCRIPT_XSS not in html and "<script>alert" not in html
    assert "<img" not in html and "onerror=alert(1)>" not in html.replace("onerror=alert(1)\\u003e", "")
    assert "\u2028" not in html  # the line separator in the bureau's name is escaped too
    parsed = assert_self_contained(html)
    assert [tag for tag, _ in parsed.tags].count("script") == 5  # 2 data, 3 code: none injected
    assert "img" not in [tag for tag, _ in parsed.tags]
    assert f"<title>{SCRIPT_XSS.replace('<', '&lt;').replace('>', '&gt;')}</title>" in html
    data = parsed.json_of("graph-data")  # and the data comes back exactly
    assert {n["caption"] for n in data["nodes"] if n["label"] == "PolicyDocument"} == {SCRIPT_XSS}
    assert {n["properties"]["name"] for n in data["nodes"] if n["label"] == "Bureau"} == \
        {SCRIPT_XSS + "\u2028" + ATTR_XSS}


def test_script_json_escapes_what_could_end_a_script():
    text = str(script_json({"a": "</script><!--x-->&\u2028\u2029"}))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"a": "</script><!--x-->&\u2028\u2029"}


def test_standalone_graph_of_a_saved_query(client):
    url = "/export/queries/path-between/graph.html?from_name=专精特新“小巨人”企业&to_name=高新技术企业&max_hops=6"
    r = client.get(url)
    assert r.status_code == 200 and "policykg-path-between-graph.html" in r.headers["Content-Disposition"]
    data = assert_self_contained(r.get_data(as_text=True)).json_of("graph-data")
    assert {"little-giant", "high-tech-enterprise"} <= {n["id"] for n in data["nodes"]}
    page = client.get("/queries/path-between?from_name=专精特新“小巨人”企业&to_name=高新技术企业&max_hops=6&lang=zh")
    link = re.search(r'id="download-standalone" href="([^"]+)"', page.get_data(as_text=True))
    assert link and client.get(link.group(1).replace("&amp;", "&")).status_code == 200
    assert client.get("/export/queries/path-between/graph.html?max_hops=abc").status_code == 400
    assert client.get("/export/queries/no-such-query/graph.html").status_code == 404


def test_standalone_unknown_document_and_bad_flag(client, doc_ids):
    assert client.get("/export/documents/doc-no-such/graph.html").status_code == 404
    assert client.get(f"/export/documents/{doc_ids['minhang']}/graph.html?measures=maybe").status_code == 400


# --- pages ------------------------------------------------------------------------------------
def test_export_page_offers_documents_formats_and_links(client, doc_ids):
    html = client.get("/export").get_data(as_text=True)
    assert 'id="rdf-form"' in html and 'action="/api/export/rdf"' in html
    assert f'<option value="{doc_ids["minhang"]}">' in html and 'name="with_ontology" value="1"' in html
    assert '<option value="turtle">Turtle</option>' in html and '<option value="jsonld">JSON-LD</option>' in html
    assert f'href="/export/documents/{doc_ids["minhang"]}/graph.html?measures=1' in html
    assert MESSAGES["zh"]["export_heading"] in html and "<img" not in html  # the hostile title is escaped
    en = client.get("/export?lang=en").get_data(as_text=True)
    assert MESSAGES["en"]["export_rdf_heading"] in en
    for page in ("/", "/export", "/compare"):
        text = client.get(page).get_data(as_text=True)
        assert 'id="nav-export" href="/export"' in text and 'id="nav-compare" href="/compare"' in text
    graph_page = client.get(f"/documents/{doc_ids['minhang']}/graph").get_data(as_text=True)
    assert f'href="/export/documents/{doc_ids["minhang"]}/graph.html' in graph_page


def test_new_pages_have_no_inline_script_or_style(client, doc_ids):
    for url in ("/export", "/compare", f"/compare?a={doc_ids['minhang']}&b={doc_ids['changning']}",
                "/compare?a=no-such&b=长宁"):
        r = client.get(url)
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        parsed = _Parsed(r.get_data(as_text=True))
        for tag, attrs in parsed.tags:
            assert tag != "style" and "style" not in attrs, f"{url}: <{tag} {attrs}>"
            assert not [a for a in attrs if a.startswith("on")], f"{url}: <{tag} {attrs}>"
            if tag == "script":
                assert (attrs.get("src") or "").startswith("/static/"), f"{url}: {attrs}"


# --- compare ----------------------------------------------------------------------------------
def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</table>", start)]


def test_compare_page_shows_little_giant_is_minhang_only(client, doc_ids):
    r = client.get(f"/compare?a={doc_ids['minhang']}&b={doc_ids['changning']}&lang=zh")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "专精特新“小巨人”企业" in _table(html, "quals-only-a")
    assert "专精特新“小巨人”企业" not in _table(html, "quals-only-b") + _table(html, "quals-both")
    assert "高新技术企业" in _table(html, "quals-both")
    assert 'data-id="ecommerce-demo"' in _table(html, "quals-only-b")  # 电商示范企业: Changning only
    themes = _table(html, "compare-themes")
    assert re.search(r'data-id="ecosystem" data-coverage="only_b"', themes)  # 产业生态: Changning only
    assert f'<option value="{doc_ids["minhang"]}" selected>' in html
    assert MINHANG_TITLE in _table(html, "compare-documents")
    assert 'id="compare-json"' in html and 'id="compare-html"' in html
    en = client.get(f"/compare?a={doc_ids['minhang']}&b={doc_ids['changning']}&lang=en").get_data(as_text=True)
    assert "little giant" in _table(en, "quals-only-a") and MESSAGES["en"]["compare_themes"] in en


def test_compare_api(client, doc_ids):
    r = client.get(f"/api/compare?a={doc_ids['minhang']}&b={doc_ids['changning']}")
    assert r.status_code == 200
    body = r.get_json()
    assert body["ok"] is True and body["a"]["id"] == doc_ids["minhang"] and body["b"]["id"] == doc_ids["changning"]
    q = body["qualifications"]
    assert "little-giant" in {x["id"] for x in q["only_a"]}
    assert "high-tech-enterprise" in {x["id"] for x in q["both"]}
    assert "ecommerce-demo" in {x["id"] for x in q["only_b"]}
    words = client.get("/api/compare?a=闵行&b=南沙").get_json()  # as `policykg compare 闵行 南沙`
    assert words["b"]["id"] == doc_ids["nansha"] and "patent-gold-award" in {x["id"] for x in
                                                                             words["qualifications"]["only_b"]}


def test_compare_report_download_is_the_cli_html(client, doc_ids):
    r = client.get(f"/export/compare.html?a={doc_ids['minhang']}&b={doc_ids['nansha']}")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment;")
    html = r.get_data(as_text=True)
    assert "measures per theme" in html and "知识产权" in html and "<script" not in html


@pytest.mark.parametrize(("query", "status", "words"), [
    ("a=闵行", 400, "b"),  # one side missing
    ("", 400, "a"),
    ("a=闵行&b=闵行", 400, ""),  # the same document twice
    ("a=区&b=闵行", 400, "matches"),  # ambiguous: every district ends in 区
    ("a=doc-no-such&b=闵行", 404, "doc-no-such"),
    ("a=闵行&b=不存在", 404, "不存在"),
])
def test_compare_bad_or_unknown_documents(client, query, status, words):
    r = client.get(f"/api/compare?{query}")
    assert r.status_code == status and r.get_json()["ok"] is False
    assert words in r.get_json()["error"] + (r.get_json().get("where") or "")
    page = client.get(f"/compare?{query}" if query else "/compare?a=")
    assert page.status_code == status and 'class="form-errors"' in page.get_data(as_text=True)
    if words:
        assert words in page.get_data(as_text=True)


def test_compare_page_without_choice_is_just_the_form(client, doc_ids):
    r = client.get("/compare")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'id="compare-form"' in html and 'id="comparison"' not in html and "form-errors" not in html
    assert html.count(f'<option value="{doc_ids["changning"]}"') == 2  # in both selects

