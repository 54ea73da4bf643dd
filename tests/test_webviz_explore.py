"""Explore (issue 6, items 1 and 8): the document graph's filters and cap, a node's
neighbours, and the officer-only Cypher box, with Flask's test client against real stores:
an embedded build of data/policies/ plus one hostile document, and the session's Neo4j.

Counts are checked by hand against data/policies/minhang-2024-industry.txt: chapter (一)
holds articles 1-7 and chapter (三) articles 14-21; 区科委 is named in the responsibility
notes of 12 articles (2, 3, 6, 15, 18, 19, 34, 43, 44, 47, 49, 50); only articles 44 and
45 give interest subsidies (贴息/利息补贴), with the bureaus 区财政局、区科委、区经委、
区市场监管局 between them; article 19 has three measures and three bureaus.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from graph import Batch
from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings, load_settings
from tests.conftest import hostile_document
from webviz import create_app
from webviz.i18n import MESSAGES

MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"
TOKEN = "correct horse battery staple"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
XSS_DOC = "doc-xssexplore01"
XSS_BUREAU = "bureau-xss-explore"
OUTLINE = {"PolicyDocument", "Chapter", "Article", "Bureau"}


def hostile_batch() -> Batch:
    """A document whose bureau and article names are markup."""
    return hostile_document(XSS_DOC, title=IMG, district=SCRIPT, chapter_title=SCRIPT, article_title=IMG,
                            article_text=SCRIPT, bureau_id=XSS_BUREAU, bureau_name=SCRIPT)


@pytest.fixture(scope="module")
def embedded_home(tmp_path_factory, ontology, policy_batches) -> Path:
    home = tmp_path_factory.mktemp("explore-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many([*policy_batches, hostile_batch()])
    store.close()
    return home


def _settings(request, embedded_home: Path, tmp_path: Path, **extra) -> Settings:
    if request.param == "embedded":
        return Settings(home=embedded_home, **extra)
    request.getfixturevalue("loaded_stores")  # Neo4j holds the shipped documents
    server = request.getfixturevalue("neo4j_server")
    return Settings(home=tmp_path, backend="neo4j", neo4j_uri=server["uri"], neo4j_user=server["user"],
                    neo4j_password=server["password"], neo4j_database=server["database"], **extra)


BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=BACKENDS)
def make_app(request, embedded_home, tmp_path):
    """A factory of apps on this backend with the given settings; closed after the test."""
    apps = []

    def make(**extra):
        app = create_app(_settings(request, embedded_home, tmp_path, **extra))
        apps.append(app)
        return app

    make.backend = request.param
    make.home = embedded_home if request.param == "embedded" else tmp_path
    yield make
    for app in apps:
        app.extensions["policykg"].close()


@pytest.fixture
def client(make_app):
    return make_app().test_client()


@pytest.fixture
def embedded_app(embedded_home):
    """An app on the embedded build only (which holds the hostile document)."""
    apps = []

    def make(**extra):
        app = create_app(Settings(home=embedded_home, **extra))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["policykg"].close()


def _minhang(client) -> str:
    docs = client.get("/api/documents").get_json()["documents"]
    return next(d["id"] for d in docs if d["properties"]["title"] == MINHANG_TITLE)


def _graph(client, doc_id: str, query: str = "") -> dict:
    r = client.get(f"/api/documents/{doc_id}/graph?{query}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _articles(g: dict) -> list[int]:
    return sorted(n["properties"]["number"] for n in g["nodes"] if n["label"] == "Article")


def _labels(g: dict) -> Counter:
    return Counter(n["label"] for n in g["nodes"])


def _consistent(g: dict) -> None:
    ids = {n["id"] for n in g["nodes"]}
    assert len(ids) == len(g["nodes"]) == g["shown"] <= g["total"]
    assert all(e["start"] in ids and e["end"] in ids for e in g["edges"])


# --- filters -------------------------------------------------------------------------------

def test_unfiltered_graph_is_the_outline_with_counts_and_facets(client):
    doc = _minhang(client)
    g = _graph(client, doc)
    _consistent(g)
    # 50 numbered articles in 9 chapters, plus the 附则 section in a chapter of its own
    # heading (loaders/structure.py)
    assert _labels(g) == {"PolicyDocument": 1, "Chapter": 10, "Article": 51, "Bureau": 9}
    assert g["total"] == g["shown"] == 71
    assert g["filters"] == {"chapter": "", "theme": "", "bureau": "", "support": "",
                            "types": ["PolicyDocument", "Chapter", "Article", "Bureau"]}
    f = g["facets"]
    assert [c["articles"] for c in f["chapters"]] == [7, 6, 8, 5, 6, 8, 3, 5, 2, 1]  # 50, and the 附则 section
    assert {b["caption"]: b["articles"] for b in f["bureaus"]}["区科委"] == 12
    assert {s["id"]: s["articles"] for s in f["support_forms"]}["interest"] == 2
    assert len(f["themes"]) == 9 and f["types"]["Measure"] > 100
    assert _labels(_graph(client, doc, "measures=1"))["Measure"] == f["types"]["Measure"]


FILTER_CASES = [
    # (query, article numbers kept, expected node counts per label)
    ("chapter={doc}-c1", list(range(1, 8)), {"PolicyDocument": 1, "Chapter": 1, "Article": 7}),
    ("chapter={doc}-c3", list(range(14, 22)), {"PolicyDocument": 1, "Chapter": 1, "Article": 8}),
    ("theme=innovation", list(range(1, 8)), {"Chapter": 1, "Article": 7}),
    ("bureau=minhang-science-commission", [2, 3, 6, 15, 18, 19, 34, 43, 44, 47, 49, 50], {"Article": 12}),
    ("chapter={doc}-c1&bureau=minhang-science-commission", [2, 3, 6], {"Chapter": 1, "Article": 3}),
    ("support=interest", [44, 45], {"Chapter": 1, "Article": 2, "Bureau": 4}),
    ("support=interest&measures=1", [44, 45], {"Article": 2, "Bureau": 4, "Measure": 4}),
    ("types=Article,Bureau", sorted([*range(1, 51), 3]), {"Article": 51, "Bureau": 9, "Chapter": 0,
                                                          "PolicyDocument": 0}),  # with the 附则 section (三)
    ("types=Chapter,Theme", [], {"Chapter": 10, "Theme": 9, "Article": 0}),  # 附则 has no theme
]


@pytest.mark.parametrize(("query", "articles", "counts"), FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_filters_narrow_the_graph(client, query, articles, counts):
    doc = _minhang(client)
    g = _graph(client, doc, query.format(doc=doc))
    _consistent(g)
    assert _articles(g) == articles
    labels = _labels(g)
    for label, n in counts.items():
        assert labels[label] == n, label
    assert g["total"] == g["shown"] == len(g["nodes"])


def test_filtered_graph_keeps_the_edges_between_what_it_draws(client):
    doc = _minhang(client)
    g = _graph(client, doc, "support=interest&measures=1")
    types = Counter(e["type"] for e in g["edges"])
    assert types["HAS_CHAPTER"] == 1 and types["HAS_ARTICLE"] == 2 and types["HAS_MEASURE"] == 4
    # 44 names four bureaus, 45 two (区财政局、区经委)
    assert types["RESPONSIBLE_FOR"] == 6
    concepts = _graph(client, doc, "support=interest&measures=1&types=Article,Measure,SupportForm")
    forms = {n["id"] for n in concepts["nodes"] if n["label"] == "SupportForm"}
    assert "interest" in forms  # concepts are drawn next to the measures that point to them
    assert not [n for n in concepts["nodes"] if n["label"] == "SupportForm" and not any(
        e["end"] == n["id"] for e in concepts["edges"])]


def test_bad_filters_are_400_naming_the_parameter(client):
    doc = _minhang(client)
    for query, where in (("chapter=nope", "?chapter="), ("theme=nope", "?theme="), ("bureau=nope", "?bureau="),
                         ("support=nope", "?support="), ("types=Article,Nope", "?types="), ("limit=0", "?limit="),
                         ("limit=abc", "?limit="), ("measures=maybe", "?measures=")):
        r = client.get(f"/api/documents/{doc}/graph?{query}")
        assert r.status_code == 400, query
        assert r.get_json()["ok"] is False and r.get_json()["where"] == where
    assert client.get("/api/documents/no-such-doc/graph?chapter=x").status_code == 404


# --- cap -----------------------------------------------------------------------------------

def test_graph_is_capped_with_shown_and_total(make_app):
    client = make_app(graph_node_limit=40).test_client()
    doc = _minhang(client)
    g = _graph(client, doc)
    _consistent(g)
    # the document, 9 + 1 chapters (the 附则 part is a chapter of its heading), 50 + 1 articles, 9 bureaus
    assert (g["shown"], g["total"]) == (40, 71)
    labels = _labels(g)
    assert labels["PolicyDocument"] == 1 and labels["Chapter"] < 9  # the document's beginning, in order
    chapters = sorted(n["properties"]["number"] for n in g["nodes"] if n["label"] == "Chapter")
    assert chapters == list(range(1, len(chapters) + 1))
    assert _graph(client, doc, "limit=1000")["shown"] == 40  # ?limit= never raises the cap
    assert (_graph(client, doc, "limit=10")["shown"], _graph(client, doc, "limit=10")["total"]) == (10, 71)
    narrowed = _graph(client, doc, f"chapter={doc}-c3")  # a filter brings it under the cap
    assert narrowed["shown"] == narrowed["total"] == 14
    with_measures = _graph(client, doc, "measures=1")
    assert with_measures["shown"] == 40 and with_measures["total"] == 71 + with_measures["facets"]["types"]["Measure"]


def test_cap_message_and_explore_strings_in_both_languages(client):
    for lang in ("zh", "en"):
        text = MESSAGES[lang]["graph_capped"].format(shown=40, total=71)
        assert "40" in text and "71" in text
    page = client.get(f"/documents/{_minhang(client)}/graph?lang=en").get_data(as_text=True)
    assert 'id="graph-cap"' in page and 'id="graph-filters"' in page and 'id="graph-fit"' in page
    messages = json.loads(re.search(r"data-explore-messages='([^']*)'", page).group(1).replace("&#34;", '"')
                          .replace("&amp;", "&"))
    assert messages["graph_capped"] == MESSAGES["en"]["graph_capped"]
    assert "Showing {shown} of {total} nodes" in messages["graph_capped"]


def test_graph_limit_setting_from_the_environment():
    assert load_settings({"POLICYKG_GRAPH_LIMIT": "40"}).graph_node_limit == 40
    assert load_settings({}).graph_node_limit == 300
    with pytest.raises(ValueError, match="POLICYKG_GRAPH_LIMIT"):
        load_settings({"POLICYKG_GRAPH_LIMIT": "-3"})
    s = load_settings({"POLICYKG_ADMIN_TOKEN": TOKEN, "POLICYKG_SECRET_KEY": "k" * 40})
    assert s.admin_token == TOKEN and s.secret_key == "k" * 40
    assert TOKEN not in repr(s) and "k" * 40 not in repr(s)


# --- neighbours ----------------------------------------------------------------------------

def test_neighbours_of_an_article(client):
    doc = _minhang(client)
    a19 = f"{doc}-c3-a19"
    r = client.get(f"/api/nodes/{a19}/neighbours")
    assert r.status_code == 200
    body = r.get_json()
    assert body["id"] == a19 and body["total"] == body["shown"] == 7
    assert body["nodes"][0]["id"] == a19
    neighbours = body["nodes"][1:]
    assert Counter(n["label"] for n in neighbours) == {"Chapter": 1, "Measure": 3, "Bureau": 3}
    assert {n["caption"] for n in neighbours if n["label"] == "Bureau"} == {"区经委", "区科委", "区商务委"}
    edges = {(e["type"], e["start"], e["end"]) for e in body["edges"]}
    assert ("HAS_ARTICLE", f"{doc}-c3", a19) in edges  # directions as stored
    assert ("HAS_MEASURE", a19, f"{doc}-c3-a19-m2") in edges
    assert ("RESPONSIBLE_FOR", "minhang-science-commission", a19) in edges

    capped = client.get(f"/api/nodes/{a19}/neighbours?limit=2").get_json()
    assert (capped["shown"], capped["total"], len(capped["nodes"])) == (2, 7, 3)
    assert all(e["start"] == a19 or e["end"] == a19 for e in capped["edges"])
    assert client.get("/api/nodes/no-such-node/neighbours").status_code == 404
    bad = client.get(f"/api/nodes/{a19}/neighbours?limit=abc")
    assert bad.status_code == 400 and bad.get_json()["where"] == "?limit="


def test_neighbours_cross_documents(client):
    """A qualification's neighbours are the measures of every document that require it."""
    body = client.get("/api/nodes/high-tech-enterprise/neighbours?limit=200").get_json()
    docs = {n["properties"].get("document_id") for n in body["nodes"] if n["label"] == "Measure"}
    assert len(docs) == 3 and body["total"] >= body["shown"] >= 3


def test_neighbours_carry_hostile_names_as_data(embedded_app):
    client = embedded_app().test_client()
    r = client.get(f"/api/nodes/{XSS_BUREAU}/neighbours")
    assert r.mimetype == "application/json" and r.headers["X-Content-Type-Options"] == "nosniff"
    body = r.get_json()
    assert [n["caption"] for n in body["nodes"]] == [SCRIPT, f"第1条 {IMG}"]


# --- admin Cypher box ----------------------------------------------------------------------

def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _error(html: str) -> str:
    m = re.search(r'id="admin-error"[^>]*><p>(.*?)</p>', html, re.S)
    return m.group(1) if m else ""


COUNT_CHAPTERS = (f"MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter) WHERE d.title = '{MINHANG_TITLE}' "
                  "RETURN d.title AS title, count(c) AS chapters")


def test_admin_box_is_404_without_a_token(client):
    assert client.get("/admin/cypher").status_code == 404
    assert client.post("/admin/cypher", data={"cypher": "RETURN 1", "token": "x"}).status_code == 404
    assert client.post("/admin/logout").status_code == 404
    assert 'id="nav-admin"' not in client.get("/").get_data(as_text=True)


def test_admin_box_runs_read_only_queries_with_the_right_token(make_app):
    app = make_app(admin_token=TOKEN)
    client = app.test_client()
    page = client.get("/admin/cypher")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="password"' in html and 'name="csrf_token"' in html
    assert 'id="nav-admin"' in client.get("/").get_data(as_text=True)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "SameSite=Strict" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
    token = _csrf(html)

    # no CSRF field: 400, nothing runs (even with the right admin token)
    r = client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "token": TOKEN})
    assert r.status_code == 400 and 'id="admin-table"' not in r.get_data(as_text=True)
    assert client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "token": TOKEN,
                                              "csrf_token": "forged"}).status_code == 400
    # wrong token: 403
    r = client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "token": "wrong", "csrf_token": token})
    assert r.status_code == 403 and 'id="admin-table"' not in r.get_data(as_text=True)
    assert _error(r.get_data(as_text=True)) == MESSAGES["zh"]["admin_wrong_token"]
    # no token yet in this session: 403
    assert client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "csrf_token": token}).status_code == 403

    audit = make_app.home / "audit.jsonl"
    before = audit.read_text("utf-8").count("\n") if audit.exists() else 0
    r = client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "token": TOKEN, "csrf_token": token})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == [MINHANG_TITLE, "10"]  # 9 numbered chapters and the 附则 part
    assert 'id="admin-signed-in"' in html and 'type="password"' not in html  # the session remembers
    lines = audit.read_text("utf-8").splitlines()
    assert len(lines) == before + 1
    entry = json.loads(lines[-1])
    assert entry["user"] == "web-admin" and entry["query"] == "admin-cypher"
    assert entry["params"] == {"cypher": COUNT_CHAPTERS} and entry["rows"] == 1 and entry["backend"] == make_app.backend

    # later runs in the same session need no token
    r = client.post("/admin/cypher", data={"cypher": "MATCH (b:Bureau) RETURN count(b) AS n", "csrf_token": token})
    assert r.status_code == 200 and re.findall(r"<td[^>]*>([^<]*)</td>", r.get_data(as_text=True))[0].isdigit()

    # another browser (no session) with this page's CSRF token: refused
    other = app.test_client()
    assert other.post("/admin/cypher", data={"cypher": "RETURN 1", "token": TOKEN,
                                             "csrf_token": token}).status_code == 400

    # sign out: the next run needs the token again
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert client.post("/admin/cypher", data={"cypher": "RETURN 1", "csrf_token": token}).status_code == 403


WRITES = [
    "CREATE (b:Bureau {id: 'evil', name: 'evil'}) RETURN b",
    "MATCH (b:Bureau) DETACH DELETE b",
    "MATCH (b:Bureau) DELETE b",
    "MATCH (b:Bureau) SET b.name = 'x' RETURN b",
    "MERGE (b:Bureau {id: 'evil'}) RETURN b",
    "match (b:Bureau) // harmless?\n delete b",
    "CALL db.labels()",
]


def test_admin_box_refuses_writes(make_app):
    client = make_app(admin_token=TOKEN).test_client()
    token = _csrf(client.get("/admin/cypher").get_data(as_text=True))
    count = "MATCH (n) RETURN count(n) AS n"
    first = client.post("/admin/cypher", data={"cypher": count, "token": TOKEN, "csrf_token": token})
    nodes = re.findall(r"<td[^>]*>([^<]*)</td>", first.get_data(as_text=True))
    for text in WRITES:
        r = client.post("/admin/cypher", data={"cypher": text, "csrf_token": token})
        assert r.status_code == 400, text
        assert _error(r.get_data(as_text=True)).startswith(MESSAGES["zh"]["admin_refused"]), text
    after = client.post("/admin/cypher", data={"cypher": count, "csrf_token": token})
    assert re.findall(r"<td[^>]*>([^<]*)</td>", after.get_data(as_text=True)) == nodes
    # a broken query is reported, not a 500; empty or overlong text is refused
    # (unbalanced text is refused by the read-only check before the store sees it; a query
    # that passes the check and fails in the store is what this checks)
    r = client.post("/admin/cypher", data={"cypher": "MATCH (n) RETURN no_such_variable", "csrf_token": token})
    assert r.status_code == 400 and _error(r.get_data(as_text=True)).startswith(MESSAGES["zh"]["admin_failed"])
    assert client.post("/admin/cypher", data={"cypher": "  ", "csrf_token": token}).status_code == 400
    assert client.post("/admin/cypher", data={"cypher": "RETURN 1 " + "x" * 6000,
                                              "csrf_token": token}).status_code == 400


def test_admin_table_escapes_markup_and_caps_rows(embedded_app):
    client = embedded_app(admin_token=TOKEN).test_client()
    token = _csrf(client.get("/admin/cypher?lang=en").get_data(as_text=True))
    query = f"MATCH (b:Bureau)-[:RESPONSIBLE_FOR]->(a:Article) WHERE b.id = '{XSS_BUREAU}' RETURN b.name, a.title, b"
    r = client.post("/admin/cypher?lang=en", data={"cypher": query, "token": TOKEN, "csrf_token": token})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert SCRIPT not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script" not in html.replace('<script src="/static/', "")  # no script but the app's own files
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", html) and " style=" not in html
    # more rows than the table shows: it says so
    many = client.post("/admin/cypher?lang=en", data={"cypher": "UNWIND range(1, 700) AS i RETURN i",
                                                      "csrf_token": token}).get_data(as_text=True)
    assert MESSAGES["en"]["admin_rows_more"].format(n=500) in many  # 501 rows fetched, the rest never read
    assert many.count("<tr>") == 501  # the header row and 500 rows


def test_wrong_tokens_are_throttled_per_address():
    from webviz.admin import Throttle

    now = [1000.0]
    t = Throttle(limit=3, window_s=60, clock=lambda: now[0])
    for _ in range(2):
        t.wrong("a")
        now[0] += 1
    assert t.wait_s("a") == 0
    t.wrong("a")
    assert t.wait_s("a") == pytest.approx(58)  # until the oldest of the three is 60 s old
    assert t.wait_s("b") == 0  # other addresses are not affected
    now[0] += 58
    assert t.wait_s("a") == 0
    now[0] += 60
    assert t.wait_s("a") == 0 and "a" not in t._wrong  # idle addresses are forgotten


def test_admin_box_refuses_tokens_after_too_many_wrong_ones(make_app):
    from webviz.admin import MAX_WRONG

    client = make_app(admin_token=TOKEN).test_client()
    csrf = _csrf(client.get("/admin/cypher").get_data(as_text=True))
    for _ in range(MAX_WRONG):
        r = client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "token": "guess", "csrf_token": csrf})
        assert r.status_code == 403
    # now even the right token waits, and nothing runs
    r = client.post("/admin/cypher", data={"cypher": COUNT_CHAPTERS, "token": TOKEN, "csrf_token": csrf})
    html = r.get_data(as_text=True)
    assert r.status_code == 429 and 'id="admin-table"' not in html
    assert _error(html).startswith("管理令牌错误次数过多")


# --- a very large document (issue 19, item 4) ------------------------------------------------
LARGE_DOC = "doc-large0000000"
LARGE_ARTICLES = 3000
LARGE_BUREAU = "bureau-large-unit"
LARGE_TEXT = "对符合条件的企业给予资金支持。" * 30  # 450 characters per article


def large_document(doc_id: str, ontology, articles: int = LARGE_ARTICLES, per_chapter: int = 100) -> Batch:
    """A synthetic document of ``articles`` articles, ``per_chapter`` to a chapter, each with
    one measure that a single bureau handles and that requires 高新技术企业: a stand-in for
    the 10 MB, 20,000-article document of issue 19 (same shape, fewer articles)."""
    from graph import NodeRecord, RelRecord
    from loaders.records import concept_node

    qual = ontology.concept("qualifications", "high-tech-enterprise")
    nodes = [NodeRecord("PolicyDocument", doc_id, {"title": "超大测试文件", "district": "测试区"}),
             NodeRecord("Bureau", LARGE_BUREAU, {"name": "超大测试局", "known": False, "district": "测试区"}),
             concept_node(ontology, "qualifications", qual)]
    rels = []
    for i in range(articles):
        number = i // per_chapter + 1
        c = f"{doc_id}-c{number}"
        if i % per_chapter == 0:
            nodes.append(NodeRecord("Chapter", c, {"number": number, "title": f"第{number}章", "document_id": doc_id}))
            rels.append(RelRecord("HAS_CHAPTER", doc_id, c))
        a, m = f"{c}-a{i + 1}", f"{c}-a{i + 1}-m1"
        nodes += [NodeRecord("Article", a, {"number": i + 1, "title": f"条{i + 1}", "text": LARGE_TEXT,
                                            "document_id": doc_id}),
                  NodeRecord("Measure", m, {"seq": 1, "start": 0, "end": 15, "text": LARGE_TEXT[:15],
                                            "article_id": a, "document_id": doc_id})]
        rels += [RelRecord("HAS_ARTICLE", c, a), RelRecord("HAS_MEASURE", a, m),
                 RelRecord("RESPONSIBLE_FOR", LARGE_BUREAU, a, {"lead": True}),
                 RelRecord("HANDLES", LARGE_BUREAU, m, {"lead": True}),
                 RelRecord("REQUIRES", m, qual.id, {"level": None})]
    return Batch.of(doc_id, nodes, rels)


@pytest.fixture(scope="module")
def large_app(tmp_path_factory, ontology):
    """The shipped ontology and one very large document, with small caps so the test shows
    them at work: 500 nodes per export, 100 neighbours, 20,000 triples for SHACL."""
    from functools import partial

    from loaders import ontology_batch
    from loaders.knowledge import Knowledge, candidate_qualifications
    from webviz import quality

    home = tmp_path_factory.mktemp("large-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many([ontology_batch(ontology), large_document(LARGE_DOC, ontology)])
    store.close()
    app = create_app(Settings(home=home, graph_max_nodes=500, graph_max_neighbours=100, shacl_max_triples=20_000,
                              dashboard_wait_s=600))
    app.config[quality.TERM_FINDER] = partial(candidate_qualifications, Knowledge.build(ontology))
    yield app
    app.extensions["policykg"].close()


def test_large_document_graph_is_capped_and_says_so(large_app):
    client = large_app.test_client()
    total = 1 + LARGE_ARTICLES // 100 + LARGE_ARTICLES + 1  # document, chapters, articles, the bureau
    for lang in ("zh", "en"):
        g = _graph(client, LARGE_DOC, f"lang={lang}")
        _consistent(g)
        assert (g["shown"], g["total"]) == (300, total)  # the page's own cap, POLICYKG_GRAPH_LIMIT
        assert g["note"] == MESSAGES[lang]["showing_nodes"].format(shown=300, total=total)
    with_measures = _graph(client, LARGE_DOC, "measures=1")
    assert with_measures["shown"] == 300 and with_measures["total"] == total + LARGE_ARTICLES
    small = _graph(client, LARGE_DOC, f"chapter={LARGE_DOC}-c2")
    assert small["shown"] == small["total"] and small["note"] == ""


def test_large_document_export_is_capped_and_says_so(large_app):
    client = large_app.test_client()
    for lang in ("zh", "en"):
        r = client.get(f"/export/documents/{LARGE_DOC}/graph.html?measures=1&lang={lang}")
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        data = json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html,
                                    re.S).group(1))
        assert len(data["nodes"]) == data["shown"] == 500  # POLICYKG_GRAPH_MAX_NODES
        total = 1 + LARGE_ARTICLES // 100 + 2 * LARGE_ARTICLES + 1  # document, chapters, articles, measures, bureau
        assert data["total"] == total
        assert MESSAGES[lang]["showing_nodes"].format(shown=500, total=total) in html
        assert len(r.data) < 5_000_000  # bounded by the cap, not by the document


def test_large_neighbourhood_is_capped_and_says_so(large_app):
    client = large_app.test_client()
    r = client.get(f"/api/nodes/{LARGE_BUREAU}/neighbours?lang=en").get_json()
    neighbours = 2 * LARGE_ARTICLES  # every article and every measure
    assert (r["shown"], r["total"]) == (50, neighbours)
    assert r["note"] == MESSAGES["en"]["neighbours_capped"].format(shown=50, total=neighbours)
    r = client.get(f"/api/nodes/{LARGE_BUREAU}/neighbours?limit=5000&lang=zh").get_json()
    assert r["shown"] == 100 and len(r["nodes"]) == 101  # POLICYKG_GRAPH_MAX_NEIGHBOURS, plus the node itself
    assert r["note"] == MESSAGES["zh"]["neighbours_capped"].format(shown=100, total=neighbours)


def test_dashboard_answers_for_a_large_document(large_app):
    """Before: no answer in 120 s at 6.8 GB. Now SHACL skips what is over its budget (named on
    the page) and the rest is bounded by the document's size, computed once."""
    client = large_app.test_client()
    r = client.get("/api/dashboard?lang=en")
    assert r.status_code == 200
    shacl = r.get_json()["quality"]["shacl"]
    assert shacl["scope"] == "documents" and [d["id"] for d in shacl["skipped"]] == [LARGE_DOC]
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert 'id="shacl-skipped"' in page and "超大测试文件" in page
    assert MESSAGES["en"]["dash_shacl_skipped"].format(limit=20_000) in page


def test_web_limits_from_the_environment():
    s = load_settings({"POLICYKG_GRAPH_MAX_NODES": "700", "POLICYKG_GRAPH_MAX_NEIGHBOURS": "30",
                       "POLICYKG_SHACL_MAX_TRIPLES": "1000", "POLICYKG_SHACL_TIMEOUT": "9",
                       "POLICYKG_DASHBOARD_WAIT": "5"})
    assert (s.graph_max_nodes, s.graph_max_neighbours, s.shacl_max_triples, s.shacl_timeout_s,
            s.dashboard_wait_s) == (700, 30, 1000, 9, 5)
    d = load_settings({})
    assert (d.graph_max_nodes, d.graph_max_neighbours, d.shacl_max_triples, d.dashboard_wait_s) == (2000, 200,
                                                                                                   200_000, 60)
    with pytest.raises(ValueError, match="POLICYKG_GRAPH_MAX_NODES"):
        load_settings({"POLICYKG_GRAPH_MAX_NODES": "0"})
