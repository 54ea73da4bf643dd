"""Errors are said in the page's language (issue 18.7): a bad parameter, an unknown document
or enterprise and a store that cannot open read in Chinese on a Chinese page and in English
on an English one, on HTML pages and in the JSON API alike."""

from __future__ import annotations

import html

import pytest

from policykg.settings import Settings
from tests.conftest import hostile_document
from webviz import create_app

DOC = "doc-errlang00000"


@pytest.fixture(scope="module")
def client(web_app):
    batch = hostile_document(DOC, title="某区若干措施", district="某区", chapter_title="总则", article_title="目的",
                             article_text="为了……", bureau_id="bureau-errlang", bureau_name="某区科委")
    return web_app("error-lang", [batch]).test_client()


def test_bad_parameter_in_the_pages_language(client):
    zh = client.get(f"/api/documents/{DOC}/graph?measures=maybe&lang=zh").get_json()
    assert zh["error"] == "measures 应为 1 或 0，收到的是 'maybe'" and zh["hint"] == "请用 1（是）或 0（否）"
    en = client.get(f"/api/documents/{DOC}/graph?measures=maybe&lang=en").get_json()
    assert en["error"] == "measures must be 1 or 0, got 'maybe'" and en["hint"] == "use 1 (yes) or 0 (no)"
    page = client.get("/api/queries/documents-in-force?as_of=someday&lang=zh").get_json()
    assert "不是有效的" in page["error"] and "is not a valid" not in page["error"]


def test_unknown_enterprise_in_the_pages_language(client):
    for url in ("/enterprises/91310000NOSUCH0001", "/api/enterprises/91310000NOSUCH0001"):
        zh = client.get(url + "?lang=zh")
        assert zh.status_code == 404
        text = html.unescape(zh.get_data(as_text=True))
        assert "没有统一社会信用代码为 '91310000NOSUCH0001' 的企业" in text and "no enterprise" not in text
        en = html.unescape(client.get(url + "?lang=en").get_data(as_text=True))
        assert "no enterprise with USCC '91310000NOSUCH0001' in the graph" in en
    r = client.get("/api/documents/no-such-doc?lang=zh")
    assert r.status_code == 404 and r.get_json()["error"] == "没有这个政策文件"


def test_store_unavailable_in_the_pages_language(tmp_path):
    app = create_app(Settings(home=tmp_path, backend="neo4j"))  # no Neo4j server configured
    client = app.test_client()
    html = client.get("/?lang=zh").get_data(as_text=True)
    assert "尚未配置 Neo4j 服务器" in html and "no Neo4j server configured" not in html
    assert "policykg neo4j start" in html and "or set NEO4J_URI" not in html
    body = client.get("/api/stats?lang=zh").get_json()
    assert body["error"] == "尚未配置 Neo4j 服务器" and body["hint"].startswith("请运行")
    assert client.get("/api/stats?lang=en").get_json()["error"] == "no Neo4j server configured"
