"""Enterprise pages and API on a real embedded store: search, claims with the bureaus to
call, near misses with reasons, what-if, 404s, and names shown as text."""

from __future__ import annotations

import pytest

from graph.embedded_store import EmbeddedStore
from loaders.register import read_register, register_batch
from policykg.settings import Settings
from webviz import create_app

D, B, E = "91310112MA10000043", "91310112MA1000002W", "91310112MA10000056"
HOSTILE = "<img src=x onerror=alert(1)>有限公司"


@pytest.fixture(scope="module")
def client(tmp_path_factory, ontology, graph_batches):
    home = tmp_path_factory.mktemp("web-enterprise")
    register = home / "hostile.csv"
    register.write_text("统一社会信用代码,企业名称\n91310112MA1000009J," + HOSTILE + "\n", "utf-8")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many([*graph_batches, register_batch(read_register(register, ontology=ontology), ontology)])
    store.close()
    app = create_app(Settings(home=home))
    return app.test_client()


def test_search_by_name_part_and_uscc(client):
    page = client.get("/enterprises?q=小巨人").get_data(as_text=True)
    assert D in page and "丁(虚构)小巨人有限公司" in page
    found = client.get(f"/api/enterprises?q={D}").get_json()["enterprises"]
    assert [e["uscc"] for e in found] == [D]


def test_claims_with_bureaus_and_held_qualification(client):
    page = client.get(f"/enterprises/{D}?as_of=2025-06-30").get_data(as_text=True)
    assert "加大培育优质企业" in page and "区经委(闵行区经济委员会)" in page
    assert "专精特新“小巨人”企业 → 国家级专精特新“小巨人”企业" in page
    body = client.get(f"/api/enterprises/{D}?as_of=2025-06-30").get_json()
    assert {(c["district"], c["article"]) for c in body["eligible"]} == {("闵行区", 19), ("长宁区", 5)}


def test_near_miss_and_what_if(client):
    page = client.get(f"/enterprises/{B}?as_of=2025-06-30").get_data(as_text=True)
    assert "needs 国家级, holds 市级" in page
    body = client.get(f"/api/enterprises/{E}?as_of=2025-06-30&assume=高企").get_json()
    assert {(c["district"], c["article"]) for c in body["would_switch_on"]} == {("闵行区", 19), ("长宁区", 2)}


def test_errors(client):
    assert client.get("/enterprises/91310112MA1999999X").status_code == 404
    assert client.get("/api/enterprises/91310112MA1999999X").status_code == 404
    assert client.get(f"/api/enterprises/{D}?as_of=2025-13-45").status_code == 400


def test_names_are_text(client):
    page = client.get("/enterprises?q=有限公司").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
