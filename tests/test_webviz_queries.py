"""The saved-query pages and API against a real embedded store built from data/policies/.

The library page, a query's form (choices from the ontology and from lookups), runs shown
as table, bars or graph, CSV/JSON downloads, errors (400 naming the parameter, 404, 503),
a query file dropped into the deployment folder after the app started, escaping, audit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from test_webviz import _own_external_urls, _Tags  # same folder: pytest puts it on sys.path

from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from queries import load_library
from webviz import create_app
from webviz.i18n import MESSAGES

SUPPORTS = "/queries/qualification-supports"
MINHANG_RUN = {"district": "闵行区", "as_of": "2025-06-30"}
SCRIPT = "<script>alert(1)</script>"
ECHO = """\
name: {name}
title: {{zh: 回显, en: Echo}}
description: {{zh: 原样返回参数, en: Returns its parameter}}
params:
  - {{name: s, type: string, label: {{zh: 文字, en: Text}}}}
show: {show}
cypher: |
  RETURN $s AS s{extra}
"""


@pytest.fixture(scope="module")
def deploy_dir(tmp_path_factory) -> Path:
    """The deployment's own query folder; empty when the app starts."""
    return tmp_path_factory.mktemp("deployment-queries")


@pytest.fixture(scope="module")
def app(tmp_path_factory, ontology, policy_batches, deploy_dir):
    home = tmp_path_factory.mktemp("webviz-queries-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(policy_batches)  # the ontology's concepts (BROADER links) and the documents
    store.close()
    application = create_app(Settings(home=home, queries_dir=deploy_dir))
    yield application
    application.extensions["policykg"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def drop(deploy_dir) -> Iterator:
    """Write query files into the deployment folder; removed after the test."""
    written: list[Path] = []

    def write(name: str, text: str) -> Path:
        path = deploy_dir / f"{name}.yaml"
        path.write_text(text, "utf-8")
        written.append(path)
        return path

    yield write
    for path in written:
        path.unlink(missing_ok=True)


def echo_query(name: str, show: str = "table", extra: str = "") -> str:
    return ECHO.format(name=name, show=show, extra=extra)


class _Page(HTMLParser):
    """The parts of a query page the tests look at: table cells, form controls, links."""

    def __init__(self, html: str):
        super().__init__()
        self.headers: list[str] = []
        self.columns: list[str] = []  # each heading's result column (data-column), or its text
        self.rows: list[list[str]] = []
        self.inputs: dict[str, dict[str, str | None]] = {}
        self.selects: dict[str, list[tuple[str, bool]]] = {}
        self.datalists: dict[str, list[str]] = {}
        self.links: dict[str, str] = {}
        self.items: list[str] = []
        self.attrs_of: dict[str, dict[str, str | None]] = {}
        self._cell: list[str] | None = None
        self._column: str | None = None
        self._in_thead = False
        self._select: str | None = None
        self._datalist: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.attrs_of[a["id"]] = a
        if tag == "thead":
            self._in_thead = True
        elif tag == "tr" and not self._in_thead:
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
            self._column = a.get("data-column")
        elif tag == "input" and a.get("name"):
            self.inputs[a["name"]] = a
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self.selects[self._select] = []
        elif tag == "datalist":
            self._datalist = a["id"]
            self.datalists[self._datalist] = []
        elif tag == "option":
            if self._select:
                self.selects[self._select].append((a.get("value") or "", "selected" in a))
            elif self._datalist:
                self.datalists[self._datalist].append(a.get("value") or "")
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href") or ""
        elif tag == "li" and "query-item" in (a.get("class") or ""):
            self.items.append(a.get("data-query") or "")

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_thead = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if tag == "th":
                self.headers.append(text)
                self.columns.append(self._column or text)
            else:
                self.rows[-1].append(text)
            self._cell = None
        elif tag == "select":
            self._select = None
        elif tag == "datalist":
            self._datalist = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def records(self) -> list[dict[str, str]]:
        """Rows keyed by result column (the headings are the query file's, in the page's language)."""
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows if r]


def _get(client, url: str, status: int = 200, **params: str):
    r = client.get(url, query_string=params or None)
    assert r.status_code == status, (url, params, r.get_data(as_text=True)[:500])
    return r


def test_library_page_lists_every_query_in_both_languages(client):
    library = load_library()
    assert len(library) >= 15
    zh = _get(client, "/queries", lang="zh").get_data(as_text=True)
    page = _Page(zh)
    assert sorted(page.items) == sorted(library)
    for q in library.values():
        assert q.title_zh in unescape(zh) and q.description_zh in unescape(zh)
    assert f'href="/queries/qualification-supports">{library["qualification-supports"].title_zh}</a>' in zh
    assert MESSAGES["zh"]["group_review"] in zh  # curators' review queries have their own group
    assert f'id="nav-queries" href="/queries">{MESSAGES["zh"]["queries_nav"]}<' in zh
    en = _get(client, "/queries", lang="en").get_data(as_text=True)
    for q in library.values():
        assert q.title_en in unescape(en) and q.description_en in unescape(en)
    assert MESSAGES["en"]["queries_heading"] in en and MESSAGES["zh"]["queries_heading"] not in en
    assert f'>{MESSAGES["en"]["queries_nav"]}<' in en


def test_qualification_supports_from_its_form(client):
    r = _get(client, SUPPORTS, lang="zh", **MINHANG_RUN)
    page = _Page(r.get_data(as_text=True))
    assert page.headers[:1] == ["资质"] and "受理单位" in page.headers  # the query file's headings
    assert page.columns[:1] == ["qualification"] and "bureaus" in page.columns
    rows = [x for x in page.records() if x["article"] == "19" and x["district"] == "闵行区"]
    for qualification in ("高新技术企业", "专精特新“小巨人”企业"):
        # one row per measure, its bureaus in one cell
        assert [x["bureaus"] for x in rows if x["qualification"] == qualification] == ["区商务委; 区科委; 区经委"]
    # the form keeps the values: the URL is a permalink
    assert page.inputs["district"]["value"] == "闵行区" and page.inputs["as_of"]["value"] == "2025-06-30"
    assert page.attrs_of["query-form"]["method"] == "get"


def test_csv_and_json_downloads_repeat_the_result(client):
    page = _Page(_get(client, SUPPORTS, **MINHANG_RUN).get_data(as_text=True))
    csv_url, json_url = page.links["download-csv"], page.links["download-json"]
    for url in (csv_url, json_url):
        args = parse_qs(urlsplit(url).query)
        assert args["district"] == ["闵行区"] and args["as_of"] == ["2025-06-30"]
    r = _get(client, csv_url)
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    text = r.data.decode("utf-8-sig")  # a BOM, so that spreadsheets read UTF-8
    assert text.splitlines()[0] == ",".join(page.headers)
    table = list(csv.reader(io.StringIO(text)))
    assert len(table) == len(page.rows) + 1
    assert ["高新技术企业", "", "资金支持", "", "", "", "区商务委; 区科委; 区经委", "闵行区",
            "闵行区关于产业高质量发展的政策意见(试行)", "19", "加大培育优质企业", "2"] in table
    r = _get(client, json_url)
    assert "attachment" in r.headers["Content-Disposition"]
    body = json.loads(r.data)
    assert body["columns"] == page.columns and len(body["rows"]) == len(page.rows)
    api = _get(client, "/api/queries/qualification-supports", **MINHANG_RUN).get_json()
    assert api["ok"] is True and set(api) >= {"columns", "rows", "nodes", "rels"}
    assert api["rows"] == body["rows"] and api["params"] == MINHANG_RUN
    assert any(row["qualification"] == "高新技术企业" and row["article"] == 19 and "区经委" in row["bureaus"]
               for row in api["rows"])
    assert [api["headings"][c]["zh"] for c in api["columns"]] == page.headers
    r = _get(client, "/api/queries/qualification-supports", format="csv", **MINHANG_RUN)
    assert r.data.decode("utf-8-sig").startswith("资质,级别,支持方式,")
    r = _get(client, "/api/queries/qualification-supports", format="csv", lang="en", **MINHANG_RUN)
    assert r.data.decode("utf-8-sig").startswith("Qualification,Level,Forms of support,")


def test_csv_neutralises_formulas(client, drop):
    drop("echo-formula", echo_query("echo-formula"))
    r = _get(client, "/api/queries/echo-formula", s='=HYPERLINK("http://x","y")', format="csv")
    lines = r.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "s" and lines[1].startswith("\"'=HYPERLINK(")
    for value in ("+1", "-1", "@SUM(A1)"):
        r = _get(client, "/api/queries/echo-formula", s=value, format="csv")
        assert r.data.decode("utf-8-sig").splitlines()[1] == "'" + value


def test_bad_parameter_is_400_naming_it(client):
    r = _get(client, "/queries/bureaus-of-article", 400, number="abc", lang="en")
    html = r.get_data(as_text=True)
    page = _Page(html)
    assert "Article number" in html and "not a valid int" in html
    assert page.attrs_of["param-number"].get("aria-invalid") == "true"
    assert page.inputs["number"]["value"] == "abc"  # the form keeps what was typed
    assert "Traceback" not in html
    r = _get(client, "/api/queries/bureaus-of-article", 400, number="abc")
    body = r.get_json()
    assert body["ok"] is False and "not a valid int" in body["error"] and body["where"] == "parameter number"
    body = _get(client, "/api/queries/bureaus-of-article", 400).get_json()  # required, missing
    assert body["where"] == "parameter number" and "required" in body["error"]
    body = _get(client, "/api/queries/bureaus-of-article", 400, number="19", numbr="3").get_json()
    assert "numbr" in body["error"]
    body = _get(client, "/api/queries/bureaus-of-article", 400, number="19", format="xlsx").get_json()
    assert "format" in body["error"]
    body = _get(client, "/api/queries/bureaus-for-qualification", 400, qualification="高新企业X").get_json()
    assert body["where"] == "parameter qualification" and "concept" in body["error"]
    html = _get(client, "/queries/bureaus-of-article", 400, numbr="3", number="1").get_data(as_text=True)
    assert "numbr" in html


def test_unknown_query_is_404(client):
    r = _get(client, "/queries/no-such-query", 404)
    assert r.mimetype == "text/html" and MESSAGES["zh"]["no_such_query"] in r.get_data(as_text=True)
    r = _get(client, "/api/queries/no-such-query", 404)
    assert r.get_json()["ok"] is False and r.get_json()["error"]


def test_form_offers_choices_and_defaults(client):
    page = _Page(_get(client, "/queries/qualification-unlocks", lang="zh").get_data(as_text=True))
    assert page.rows == []  # no parameters given: the form only, nothing run
    assert page.inputs["qualification"]["list"] == "choices-qualification"
    assert "required" in page.inputs["qualification"]
    assert "高新技术企业" in page.datalists["choices-qualification"]
    assert "专精特新“小巨人”企业" in page.datalists["choices-qualification"]
    assert page.inputs["as_of"]["type"] == "date"
    assert page.inputs["as_of"]["value"] == dt.date.today().isoformat()  # default "today"
    page = _Page(_get(client, SUPPORTS).get_data(as_text=True))
    assert "闵行区" in page.datalists["choices-district"]  # from the lookup query
    assert "required" not in page.inputs["district"]
    page = _Page(_get(client, "/queries/path-between").get_data(as_text=True))
    assert page.selects["max_hops"] == [("", False), ("2", False), ("4", True), ("6", False)]
    page = _Page(_get(client, "/queries/qualifications-in-many-articles").get_data(as_text=True))
    assert page.inputs["min_articles"]["type"] == "number" and page.inputs["min_articles"]["value"] == "2"
    api = _get(client, "/api/queries").get_json()
    by_name = {q["name"]: q for q in api["queries"]}
    assert len(by_name) >= 15 and api["problems"] == []
    params = {p["name"]: p for p in by_name["qualification-supports"]["params"]}
    assert "闵行区" in params["district"]["choices"] and params["as_of"]["type"] == "date"
    assert by_name["qualification-supports"]["title"] == {"zh": "哪些资质可以获得哪些支持",
                                                          "en": "Which qualifications unlock which supports"}
    unlocks = {p["name"]: p for p in by_name["qualification-unlocks"]["params"]}
    assert "高新技术企业" in unlocks["qualification"]["choices"] and unlocks["qualification"]["type"] == "concept"


def test_concept_accepts_an_alias_and_english_labels_are_offered(client):
    page = _Page(_get(client, "/queries/qualification-unlocks", lang="en",
                      qualification="专精特新小巨人", as_of="2025-06-30").get_data(as_text=True))
    assert {x["article"] for x in page.records() if x["district"] == "闵行区"} >= {"19"}
    html = _get(client, "/queries/qualification-unlocks", lang="en").get_data(as_text=True)
    assert 'value="高新技术企业" label="High and New Technology Enterprise"' in html
    assert "What a qualification unlocks" in html and "Qualification" in html


def test_query_dropped_into_deployment_folder_appears_without_restart(client, drop):
    before = _Page(_get(client, "/queries").get_data(as_text=True)).items
    assert "local-echo" not in before
    drop("local-echo", echo_query("local-echo"))  # after the app was created
    html = _get(client, "/queries").get_data(as_text=True)
    page = _Page(html)
    assert "local-echo" in page.items and len(page.items) == len(before) + 1
    assert MESSAGES["zh"]["group_deployment"] in html
    page = _Page(_get(client, "/queries/local-echo", s="你好").get_data(as_text=True))
    assert page.records() == [{"s": "你好"}]
    assert "local-echo" in {q["name"] for q in _get(client, "/api/queries").get_json()["queries"]}
    assert _get(client, "/api/queries/local-echo", s="x").get_json()["rows"] == [{"s": "x"}]


def test_broken_deployment_file_is_reported_and_the_rest_still_work(client, drop):
    drop("broken-one", "name: broken-one\ntitle: [unclosed\n")
    drop("writer", echo_query("writer", extra="\n  CREATE (n:Article {id: 'x'})"))
    html = _get(client, "/queries").get_data(as_text=True)
    assert MESSAGES["zh"]["query_problems"] in html and "broken-one.yaml" in html and "writer.yaml" in html
    assert "qualification-supports" in _Page(html).items
    assert _get(client, SUPPORTS, **MINHANG_RUN).status_code == 200
    assert len(_get(client, "/api/queries").get_json()["problems"]) == 2
    r = _get(client, "/api/queries/writer", 500, s="x")
    assert "CREATE" in r.get_json()["error"] and "writer.yaml" in r.get_json()["where"]


def test_markup_in_results_is_escaped(client, drop):
    drop("echo-html", echo_query("echo-html"))
    drop("echo-bars", echo_query("echo-bars", show="bar", extra=", 3 AS n"))
    html = _get(client, "/queries/echo-html", s=SCRIPT).get_data(as_text=True)
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _Page(html).records() == [{"s": SCRIPT}]  # shown as text
    html = _get(client, "/queries/echo-bars", s=SCRIPT).get_data(as_text=True)
    assert SCRIPT not in html and "<svg" in html and "&lt;script&gt;" in html
    html = _get(client, "/queries/echo-html", 400, s="x", **{'"><img src=x>': "1"}).get_data(as_text=True)
    assert "<img" not in html
    assert _get(client, "/api/queries/echo-html", s=SCRIPT).get_json()["rows"] == [{"s": SCRIPT}]


def test_web_runs_are_audited_as_web(app, client):
    log = app.extensions["policykg"].settings.audit_log
    before = log.read_text("utf-8").splitlines() if log.exists() else []
    _get(client, SUPPORTS, **MINHANG_RUN)
    _get(client, "/api/queries/bureaus-of-article", number="19", format="csv")
    lines = log.read_text("utf-8").splitlines()
    assert len(lines) == len(before) + 2
    page_run, csv_run = (json.loads(x) for x in lines[-2:])
    assert page_run["user"] == "web" and page_run["query"] == "qualification-supports"
    assert page_run["params"] == MINHANG_RUN and page_run["rows"] > 0 and page_run["backend"] == "embedded"
    assert csv_run["user"] == "web" and csv_run["params"]["number"] == 19
    _get(client, "/queries/qualification-supports")  # showing the form runs nothing
    _get(client, "/queries/bureaus-of-article", 400, number="x")
    assert len(log.read_text("utf-8").splitlines()) == len(lines)


def test_bar_and_graph_results(client):
    html = _get(client, "/queries/articles-per-bureau", district="闵行区", as_of="2025-06-30").get_data(as_text=True)
    page = _Page(html)
    assert html.count('<g class="bar"') == len(page.rows) > 3
    assert "<title>区经委: 33</title>" in html  # district is the same on every row: not in the label
    r = _get(client, "/queries/path-between", from_name="专精特新“小巨人”企业", to_name="专精特新中小企业")
    page = _Page(r.get_data(as_text=True))
    graph = json.loads(page.attrs_of["graph"]["data-graph"])
    assert {n["caption"] for n in graph["nodes"]} == {"专精特新“小巨人”企业", "专精特新中小企业"}
    assert [e["type"] for e in graph["edges"]] == ["BROADER"] and "Qualification" in graph["types"]
    assert page.records()[0]["path"] == "专精特新“小巨人”企业 — 专精特新中小企业"


def test_query_pages_have_no_inline_code_and_no_external_hosts(client):
    urls = ["/queries", "/queries?lang=en", SUPPORTS, "/queries/path-between?from_name=a&to_name=b",
            "/queries/path-between?from_name=专精特新“小巨人”企业&to_name=专精特新中小企业",
            "/queries/articles-per-bureau?district=闵行区", "/queries/bureaus-of-article?number=x",
            f"{SUPPORTS}?district=闵行区&as_of=2025-06-30"]
    for url in urls:
        r = client.get(url)
        html = r.get_data(as_text=True)
        assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
        parsed = _Tags(html)
        assert parsed.inline == [], url
        for tag, attrs in parsed.tags:
            assert not [a for a in attrs if a.startswith("on") or a == "style"], f"{url}: <{tag} {attrs}>"
            if tag == "script":
                assert (attrs.get("src") or "").startswith("/static/"), url
        assert _own_external_urls(html) == [], url


def test_store_down_library_still_listed_runs_503(tmp_path):
    app = create_app(Settings(home=tmp_path, backend="neo4j"))
    client = app.test_client()
    assert len(_Page(_get(client, "/queries").get_data(as_text=True)).items) >= 15
    assert client.get(SUPPORTS).status_code == 503
    r = client.get("/api/queries/qualification-supports")
    assert r.status_code == 503 and r.get_json()["ok"] is False


def test_language_switch_keeps_the_parameters(client):
    html = _get(client, SUPPORTS, lang="zh", **MINHANG_RUN).get_data(as_text=True)
    link = _Page(html).links["lang-switch"]
    args = parse_qs(urlsplit(link).query)
    assert args["district"] == ["闵行区"] and args["lang"] == ["en"]
    en = _get(client, link).get_data(as_text=True)
    assert "Which qualifications unlock which supports" in en and "In force on" in en
    assert MESSAGES["en"]["download_csv"] in en
