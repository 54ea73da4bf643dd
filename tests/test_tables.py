"""Result tables people can read (issue 18, item 3): headings from the query file in zh and
en (page, CSV, API), one row per measure with its bureaus in one cell, the document named,
amounts shown, and long results sorted and paged in the browser."""

from __future__ import annotations

import csv
import io
import re

import pytest

from policykg.errors import QueryDefinitionError
from policykg.settings import Settings
from queries import load_library, parse_query_file, run_query
from tests.browser_support import SHOTS, serve

LIBRARY = load_library()
MINHANG = "闵行区关于产业高质量发展的政策意见(试行)"
RUN = {"district": "闵行区", "as_of": "2025-06-30"}


@pytest.fixture(scope="module")
def client(web_app, graph_batches):
    return web_app("tables-web", graph_batches).test_client()


def test_every_column_of_every_query_has_zh_and_en_headings(loaded_embedded):
    for name, q in LIBRARY.items():
        for example in q.examples:
            columns = run_query(loaded_embedded, q, example["params"]).columns
            missing = [c for c in columns if c not in q.columns]
            assert not missing, f"{name}: no heading for {missing}"
            for c in columns:
                zh, en = q.heading(c, "zh"), q.heading(c, "en")
                assert zh != c and re.search(r"[\u4e00-\u9fff]", zh), (name, c, zh)
                assert en and en != zh, (name, c)


def test_columns_map_is_checked_naming_the_file(tmp_path):
    body = ("name: bad-columns\ntitle: {zh: 测试, en: Test}\ndescription: {zh: 测试, en: Test}\n"
            "columns:\n  n: {zh: 数}\ncypher: |\n  RETURN 1 AS n\n")
    path = tmp_path / "bad-columns.yaml"
    path.write_text(body, "utf-8")
    with pytest.raises(QueryDefinitionError, match="'en'") as exc:
        parse_query_file(path)
    assert "bad-columns.yaml: columns.n" in str(exc.value)
    path.write_text(body.replace("{zh: 数}", "{zh: 数, en: Number}"), "utf-8")
    q = parse_query_file(path)
    assert (q.heading("n", "zh"), q.heading("n", "en"), q.heading("other", "en")) == ("数", "Number", "other")


def test_one_row_per_measure_with_document_bureaus_and_amounts(loaded_embedded):
    rows = run_query(loaded_embedded, LIBRARY["qualification-supports"], {"as_of": "2025-06-30"}).records()
    keys = [(r["qualification"], r["document"], r["article"], r["measure"], r["level"]) for r in rows]
    assert len(keys) == len(set(keys))  # not one row per bureau any more
    assert all(r["document"] for r in rows)
    assert {r["district"] for r in rows} == {"闵行区", "长宁区"}
    a19 = [r for r in rows if r["document"] == MINHANG and r["article"] == 19 and r["qualification"] == "高新技术企业"]
    assert [r["bureaus"] for r in a19] == [["区商务委", "区科委", "区经委"]]
    # Changning 5: up to 500 万元 for a specialised SME (the graph holds the cap on PROVIDES)
    assert any(r["article"] == 5 and r["district"] == "长宁区" and r["cap_wan"] == 500 for r in rows)


def test_page_and_csv_speak_the_pages_language(client):
    zh = client.get("/queries/qualification-supports", query_string={**RUN, "lang": "zh"}).get_data(as_text=True)
    assert '<th scope="col" data-column="bureaus" title="bureaus">受理单位</th>' in zh
    assert '<th scope="col" data-column="document" title="document">文件</th>' in zh
    assert "<td>区商务委; 区科委; 区经委</td>" in zh and f"<td>{MINHANG}</td>" in zh
    en = client.get("/queries/qualification-supports", query_string={**RUN, "lang": "en"}).get_data(as_text=True)
    assert ">Bureaus</th>" in en and ">Document</th>" in en and ">受理单位<" not in en
    text = client.get("/api/queries/qualification-supports",
                      query_string={**RUN, "format": "csv", "lang": "en"}).data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["Qualification", "Level", "Forms of support"] and "Bureaus" in table[0]
    assert "区商务委; 区科委; 区经委" in {cell for row in table for cell in row}


def test_bar_chart_caption_uses_headings_and_leaves_lists_out_of_labels(client):
    html = client.get("/queries/bureaus-for-qualification",
                      query_string={"qualification": "高新技术企业", "as_of": "2025-06-30",
                                    "lang": "zh"}).get_data(as_text=True)
    assert "相关措施数" in html
    # the documents and articles gathered for a bureau are not part of its bar's name
    assert "<title>闵行区 · 区经委 · 闵行区经济委员会: 1</title>" in html


@pytest.mark.browser
def test_long_table_is_paged_and_sorted_in_the_browser(page, tmp_path_factory, ontology, graph_batches):
    from graph.embedded_store import EmbeddedStore

    home = tmp_path_factory.mktemp("tables-browser")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(graph_batches)
    store.close()
    with serve(Settings(home=home)) as url:
        # every article in force in every district, 20 rows a page (?page_size=, default 100)
        page.goto(f"{url}/queries/articles-in-force?district=&as_of=2025-06-30&run=1&page_size=20")
        page.wait_for_selector("#result-table[data-ready]", state="attached")
        total = int(page.get_attribute("#result", "data-rows"))
        pages = -(-total // 20)
        assert total > 40 and pages >= 3
        assert page.locator("#result-table tbody tr:visible").count() == 20
        assert f"第 1 / {pages} 页" in page.inner_text("#table-pager")
        page.screenshot(path=str(SHOTS / "query-table-paged-zh.png"))
        for _ in range(pages - 1):
            page.click("#table-pager .table-next")
        assert page.locator("#result-table tbody tr:visible").count() == total - 20 * (pages - 1)
        assert page.locator("#table-pager .table-next").is_disabled()
        # sort by article: numbers as numbers, ascending then descending
        page.click('#result-table th[data-column="article"] button.sort')
        assert page.get_attribute('#result-table th[data-column="article"]', "aria-sort") == "ascending"
        column = [h for h in page.locator("#result-table thead th").all_inner_texts()].index("条款")
        first = page.locator("#result-table tbody tr:visible").first.locator("td").nth(column).inner_text()
        assert first == "1"
        page.click('#result-table th[data-column="article"] button.sort')
        assert page.get_attribute('#result-table th[data-column="article"]', "aria-sort") == "descending"
        first = int(page.locator("#result-table tbody tr:visible").first.locator("td").nth(column).inner_text())
        assert first > 20
        # printing shows every row, without the pager, the form or the menus
        page.emulate_media(media="print")
        assert page.locator("#result-table tbody tr:visible").count() == total
        assert not page.locator("header.topbar").is_visible() and not page.locator("#query-form").is_visible()
        page.emulate_media(media="screen")
        assert page.problems == []
