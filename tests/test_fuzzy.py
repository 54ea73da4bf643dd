"""Misspellings find their targets wherever a name is typed (issue 18, item 4): graph
search, enterprise search, `eligibility --assume`, concept-typed query parameters and the
enterprise page's what-if field. 高薪 is the homophone a pinyin input method offers for 高新."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ontology.fuzzy import did_you_mean, pinyin, scored
from policykg.cli import main
from policykg.errors import ParameterError
from queries import load_library
from queries.eligibility import parse_assumption
from tests.conftest import CASES_REGISTER, MINHANG

DING = "91310112MA10000043"  # 丁(虚构)小巨人有限公司 in tests/data/eligibility-cases.csv


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> list[str]:
    """A home with Minhang's policy and the hand-checked cases register, loaded by the CLI."""
    home = ["--home", str(tmp_path_factory.mktemp("fuzzy"))]
    runner = CliRunner()
    for args in (["load", str(MINHANG)], ["load", "enterprises", str(CASES_REGISTER)]):
        res = runner.invoke(main, [*home, *args])
        assert res.exit_code == 0, res.output
    return home


@pytest.fixture(scope="module")
def client(web_app, graph_batches):
    return web_app("fuzzy-web", graph_batches).test_client()


def test_homophone_and_initials_find_the_word():
    assert pinyin("高薪技术企业") == pinyin("高新技术企业")
    names = ["高成长企业", "高新技术企业", "技术先进型企业"]
    assert [i for i, _ in scored("高薪技术企业", names)][:1] == [1]
    assert [i for i, _ in scored("gxjsqy", names)] == [1]
    assert scored("完全无关的词", names) == []


def test_graph_search_finds_the_misspelt_qualification(client):
    docs = client.get("/api/documents").get_json()["documents"]
    doc = next(d["id"] for d in docs if d["properties"]["district"] == "闵行区")
    exact = client.get(f"/api/documents/{doc}/search", query_string={"q": "高新技术企业"}).get_json()
    assert exact["fuzzy"] is False and exact["matches"][0]["id"] == "high-tech-enterprise"
    found = client.get(f"/api/documents/{doc}/search", query_string={"q": "高薪技术企业"}).get_json()
    assert found["fuzzy"] is True
    assert found["matches"][0]["id"] == "high-tech-enterprise"
    assert found["matches"][0]["caption"] == "高新技术企业"
    # the hit comes with what ties it to the drawing: the measures that require it
    assert any(e["type"] == "REQUIRES" and e["end"] == "high-tech-enterprise" for e in found["edges"])


def test_assume_suggests_the_right_qualification(home, ontology):
    with pytest.raises(ParameterError) as exc:
        parse_assumption("高薪企业", ontology)
    assert exc.value.hint == "did you mean 高新技术企业"
    res = CliRunner().invoke(main, [*home, "eligibility", DING, "--assume", "高薪企业"])
    assert res.exit_code != 0
    assert "did you mean 高新技术企业" in res.output and "Traceback" not in res.output


def test_concept_parameter_typo_suggests_the_concept():
    q = load_library()["qualification-unlocks"]
    with pytest.raises(ParameterError) as exc:
        q.bind({"qualification": "高薪技术企业"})
    assert exc.value.hint.startswith("did you mean 高新技术企业")
    with pytest.raises(ParameterError) as exc:
        q.bind({"qualification": "专精特新小巨人企"})
    assert "专精特新“小巨人”企业" in exc.value.hint
    assert did_you_mean([], "x") is None


def test_enterprise_search_offers_close_names(client):
    html = client.get("/enterprises", query_string={"q": "丁(虚构)小巨人有线公司"}).get_data(as_text=True)
    assert f"/enterprises/{DING}" in html and 'id="did-you-mean"' in html
    body = client.get("/api/enterprises", query_string={"q": "小巨人有限公司"}).get_json()
    assert all(not e.get("fuzzy") for e in body["enterprises"]) and body["enterprises"]  # plain hits stay plain
    assert client.get("/api/enterprises", query_string={"q": "完全不存在的名字"}).get_json()["enterprises"] == []


def test_what_if_field_suggests_in_the_pages_language(client):
    r = client.get(f"/enterprises/{DING}", query_string={"assume": "高薪企业", "as_of": "2025-06-30", "lang": "zh"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "高新技术企业" in html and "您是不是要找" in html and "did you mean" not in html
    r = client.get(f"/enterprises/{DING}", query_string={"assume": "高薪企业", "as_of": "2025-06-30", "lang": "en"})
    assert "did you mean 高新技术企业" in r.get_data(as_text=True)
