"""Wherever a district is typed on the web, the loaded districts are offered (issue 18.7):
every saved query's district field and the sandbox's are backed by a datalist of the
districts of the loaded documents, so 闵行 vs 闵行区 is picked, not guessed."""

from __future__ import annotations

import re

import pytest

from queries import load_library

DISTRICTS = {"闵行区", "长宁区", "南沙区"}


@pytest.fixture(scope="module")
def client(web_app, policy_batches):
    return web_app("district-picker", policy_batches).test_client()


def _offered(html: str, field: str) -> set[str]:
    at = html.index(f'name="{field}"')
    tag = html[html.rindex("<input", 0, at):html.index(">", at)]  # the field's own <input ...>
    m = re.search(r'list="(?P<list>[^"]+)"', tag)
    assert m, f"the {field} field has no datalist"
    block = re.search(rf'<datalist id="{m["list"]}">(.*?)</datalist>', html, re.S)
    return set(re.findall(r'<option value="([^"]*)"', block[1]))


def test_every_district_field_of_a_saved_query_offers_the_loaded_districts(client):
    fields = [(q.name, p.name) for q in load_library().values() for p in q.params if p.name.startswith("district")]
    assert len(fields) >= 10
    for name, field in fields:
        html = client.get(f"/queries/{name}").get_data(as_text=True)
        assert DISTRICTS <= _offered(html, field), (name, field)


def test_sandbox_district_is_a_picker(client):
    html = client.get("/sandbox").get_data(as_text=True)
    assert DISTRICTS <= _offered(html, "district")
