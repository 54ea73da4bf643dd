"""The web app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Loads the overview, draws a document's graph, selects nodes, checks that markup in the
data stays text and that the CSP is never violated, switches to English. Screenshots go
to test-output/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import Batch
from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from tests.browser_support import SHOTS, serve
from tests.conftest import hostile_document

pytestmark = pytest.mark.browser

MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"
XSS = "<img src=x onerror=alert(1)>"
XSS_DOC = "doc-xss000000000"


def hostile_batch() -> Batch:
    """A small document whose texts are markup (same as in test_webviz)."""
    return hostile_document(XSS_DOC, title=XSS, district=XSS, chapter_title=XSS, article_title=XSS, article_text=XSS,
                            bureau_id="bureau-xss", bureau_name=XSS)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, ontology, graph_batches) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served from a background thread."""
    home = tmp_path_factory.mktemp("browser-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many([*graph_batches, hostile_batch()])
    store.close()
    with serve(Settings(home=home)) as url:
        yield url


def _wait_for_graph(page) -> int:
    page.wait_for_selector("#graph[data-node-count]", state="attached")
    assert page.locator("#graph canvas").count() == 1
    return int(page.get_attribute("#graph", "data-node-count"))


def _node_point(page, node_id: str) -> tuple[float, float]:
    """Page coordinates where vis-network drew ``node_id``."""
    x, y = page.evaluate(
        """id => { const el = document.getElementById('graph'), net = el.policykgNetwork;
                   el.scrollIntoView({block: 'center'});  // the user scrolls to the drawing ...
                   const c = el.querySelector('canvas').getBoundingClientRect();
                   const q = net.canvasToDOM(net.getPosition(id));
                   if (q.x < 0 || q.y < 0 || q.x > c.width || q.y > c.height)  // ... and pans to a node out of view
                       net.focus(id, {scale: net.getScale(), animation: false});
                   const p = net.canvasToDOM(net.getPosition(id));
                   const box = document.querySelector('#graph canvas').getBoundingClientRect();
                   return [box.left + p.x, box.top + p.y]; }""",
        node_id,
    )
    return x, y


def _click_node(page, node_id: str) -> None:
    """A real mouse click on the canvas where ``node_id`` is drawn."""
    page.mouse.click(*_node_point(page, node_id))


def test_overview_graph_details_and_language(page, base_url):
    page.goto(base_url + "/")
    section = page.locator("section.document", has_text=MINHANG_TITLE)
    assert section.count() == 1
    # 50 numbered articles in 9 chapters, plus the 附则 section in a chapter of its own heading
    assert section.locator('[data-count="chapters"] .n').inner_text() == "10"
    assert section.locator('[data-count="articles"] .n').inner_text() == "51"
    section.locator("details.chapter").first.locator("summary").click()
    assert section.locator("details.chapter").first.locator("tr[data-article]").first.is_visible()
    page.screenshot(path=str(SHOTS / "overview-zh.png"), full_page=False)

    section.locator("a.button").click()
    page.wait_for_url("**/documents/*/graph")
    count = _wait_for_graph(page)
    assert count > 50
    doc_id = page.url.rsplit("/", 2)[-2]
    _click_node(page, doc_id)
    page.wait_for_selector(f'#details-body[data-node-id="{doc_id}"]')
    assert MINHANG_TITLE in page.inner_text("#details-body")
    page.screenshot(path=str(SHOTS / "graph-zh-document.png"))

    article = f"{doc_id}-c1-a1"
    page.select_option("#node-picker", article)
    page.wait_for_selector(f'#details-body[data-node-id="{article}"]')
    assert page.locator("#details-body dd.long-text").inner_text().strip()  # the article's text
    page.screenshot(path=str(SHOTS / "graph-zh-article.png"))

    a19 = f"{doc_id}-c3-a19"
    page.select_option("#node-picker", a19)
    page.wait_for_selector(f'#details-body[data-source-shown="{a19}"]')
    marks = page.locator("#details-body .source-text mark")
    assert marks.count() == 3  # article 19's three measures, highlighted in its source text
    assert "小巨人" in marks.nth(1).inner_text()
    assert "专精特新“小巨人”企业" in page.inner_text("#details-body .measure-facts")
    page.locator("#details-body .source-text").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "graph-zh-article-source.png"))

    measure_legend = page.locator('.legend li[data-label="Measure"]')
    assert measure_legend.is_hidden() and page.locator('.legend li[data-label="Article"]').is_visible()
    page.check("#toggle-measures")
    page.wait_for_function("n => Number(document.getElementById('graph').dataset.nodeCount) > n", arg=count)
    assert measure_legend.is_visible()

    page.click("#lang-switch")
    page.wait_for_url("**lang=en")
    _wait_for_graph(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Legend" in page.inner_text(".legend")
    page.screenshot(path=str(SHOTS / "graph-en.png"))
    page.goto(base_url + "/")  # the cookie keeps English
    assert "Loaded policy documents" in page.inner_text("h1")
    page.screenshot(path=str(SHOTS / "overview-en.png"))
    assert page.problems == []


def test_markup_in_data_is_shown_as_text(page, base_url):
    page.goto(f"{base_url}/documents/{XSS_DOC}/graph")
    assert _wait_for_graph(page) == 4
    assert page.inner_text("h1") == XSS
    _click_node(page, XSS_DOC)
    page.wait_for_selector(f'#details-body[data-node-id="{XSS_DOC}"]')
    assert XSS in page.inner_text("#details-body")
    page.mouse.move(5, 5)
    page.mouse.move(*_node_point(page, "bureau-xss"))
    tooltip = page.wait_for_selector("div.vis-tooltip", state="visible")
    assert XSS in tooltip.inner_text()
    page.screenshot(path=str(SHOTS / "markup-as-text.png"))
    assert page.locator("img").count() == 0
    page.goto(base_url + "/")
    assert page.locator("img").count() == 0
    assert page.problems == []


def test_saved_query_form_result_download_and_language(page, base_url):
    """Open the library, run qualification-supports from its form, download the CSV, switch to English."""
    page.goto(base_url + "/queries")
    items = page.locator("li.query-item")
    assert items.count() >= 15
    page.screenshot(path=str(SHOTS / "queries-zh.png"), full_page=True)
    page.fill("#query-filter", "小巨人")  # the filter box hides what does not match
    assert 0 < page.locator("li.query-item:visible").count() < items.count()
    page.fill("#query-filter", "")

    page.click('li[data-query="qualification-supports"] a.query-title')
    page.wait_for_url("**/queries/qualification-supports")
    assert page.locator("img").count() == 0  # the hostile district offered by the lookup stays text
    page.fill("#param-district", "闵行区")
    page.fill("#param-as_of", "2025-06-30")
    page.click("#query-form button[type=submit]")
    page.wait_for_url("**/queries/qualification-supports?*as_of=2025-06-30*")
    row = page.locator("table.result-table tbody tr", has_text="高新技术企业").filter(has_text="区经委").first
    assert row.is_visible()
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "高新技术企业" and "闵行区" in cells
    page.screenshot(path=str(SHOTS / "query-result-zh.png"))

    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename == "qualification-supports.csv"
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    # the query file's headings in the page's language (issue 18.3)
    assert text.splitlines()[0] == ("资质,级别,支持方式,金额(万元),最高(万元),比例(%),受理单位,行政区,"
                                    "文件,条款,条款标题,措施")
    assert "高新技术企业" in text

    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    assert "Which qualifications unlock which supports" in page.inner_text("h1")
    assert page.input_value("#param-district") == "闵行区"  # the parameters survive the switch
    assert page.locator("table.result-table tbody tr", has_text="高新技术企业").count() > 0
    page.screenshot(path=str(SHOTS / "query-result-en.png"))
    page.goto(base_url + "/queries")
    assert "Saved queries" in page.inner_text("h1")
    page.screenshot(path=str(SHOTS / "queries-en.png"))
    assert page.problems == []


def test_saved_query_bar_chart_and_graph(page, base_url):
    """A bar query draws SVG bars; a path query draws its nodes with vis-network."""
    page.goto(base_url + "/queries/articles-per-bureau?district=闵行区&as_of=2025-06-30&lang=zh")
    bars = page.locator("svg.bar-chart g.bar")
    assert bars.count() == page.locator("table.result-table tbody tr").count() > 3
    assert bars.first.locator("rect").bounding_box()["width"] > bars.last.locator("rect").bounding_box()["width"]
    page.screenshot(path=str(SHOTS / "query-bar-zh.png"))
    page.goto(base_url + "/queries/path-between?from_name=专精特新“小巨人”企业&to_name=高新技术企业&max_hops=6")
    page.locator("#graph").scroll_into_view_if_needed()
    assert _wait_for_graph(page) >= 2
    _click_node(page, "little-giant")
    page.wait_for_selector('#details-body[data-node-id="little-giant"]')
    assert "专精特新“小巨人”企业" in page.inner_text("#details-body")
    page.screenshot(path=str(SHOTS / "query-graph-zh.png"), full_page=True)
    assert page.problems == []


def test_saved_query_bad_parameter_shows_the_form_again(page, base_url):
    """A value of the wrong type: status 400, the form again with the reason at the field."""
    response = page.goto(base_url + "/queries/bureaus-of-article?number=abc&district=闵行区&lang=zh")
    assert response.status == 400
    assert page.locator(".form-errors").is_visible()
    # the reason in the page's language (zh here), naming the field
    assert "条款序号" in page.inner_text(".form-errors") and "不是有效的 int 值" in page.inner_text(".form-errors")
    assert page.locator('.field.invalid[data-param="number"] .field-error').is_visible()
    page.fill("#param-number", "19")
    page.click("#query-form button[type=submit]")
    page.wait_for_selector("table.result-table")
    assert page.locator("table.result-table tbody tr", has_text="区经委").count() == 1
    page.goto(base_url + "/queries/bureaus-of-article?number=abc&district=闵行区&lang=zh")
    page.screenshot(path=str(SHOTS / "query-bad-parameter-zh.png"))
    # the only complaint the browser logs is the 400 status itself
    assert all("status of 400" in p for p in page.problems), page.problems


def test_check_an_enterprise(page, base_url):
    page.goto(base_url + "/")
    page.click("#nav-enterprises")
    page.fill("input[name=q]", "小巨人")
    page.click("form.query-form button[type=submit]")
    page.click("#enterprise-matches a")
    page.wait_for_url("**/enterprises/91310112MA10000043*")
    page.fill("input[name=as_of]", "2025-06-30")
    page.fill("input[name=assume]", "高新技术企业")
    page.click("form.query-form button[type=submit]")
    page.wait_for_selector("#eligible")
    assert "区经委" in page.inner_text("#eligible") and "加大培育优质企业" in page.inner_text("#eligible")
    assert "专精特新“小巨人”企业 → 国家级专精特新“小巨人”企业" in page.inner_text("#eligible")
    # the explanation path: enterprise → held → required ← measure ← article, bureaus; drawn in columns
    page.locator("#explanation").scroll_into_view_if_needed()
    assert _wait_for_graph(page) >= 8
    drawn = page.evaluate("() => document.getElementById('graph').policykgNetwork.body.data.nodes.getIds()")
    assert {"91310112MA10000043", "little-giant", "srdi-sme", "minhang-economic-commission"} <= set(drawn)
    x = {i: _node_point(page, i)[0] for i in ("91310112MA10000043", "little-giant", "srdi-sme")}
    assert x["91310112MA10000043"] < x["little-giant"] < x["srdi-sme"]  # left to right along the path
    page.screenshot(path=str(SHOTS / "enterprise-zh.png"), full_page=True)
    a19 = next(i for i in drawn if i.endswith("-c3-a19"))
    _click_node(page, a19)  # an article on the path shows its source text, measures highlighted
    page.wait_for_selector(f'#details-body[data-source-shown="{a19}"]')
    assert page.locator("#details-body .source-text mark").count() == 3
    page.locator("#explanation").screenshot(path=str(SHOTS / "enterprise-path-zh.png"))
    assert not page.problems, page.problems


def test_enterprise_near_miss_and_what_if(page, base_url):
    """A near miss says why; an assumed qualification lists what it switches on, drawn dashed."""
    page.goto(base_url + "/enterprises/91310112MA1000002W?as_of=2025-06-30&lang=en")
    assert "needs 国家级, holds 市级" in page.inner_text("#near-misses")
    assert _wait_for_graph(page) >= 4
    page.screenshot(path=str(SHOTS / "enterprise-near-miss-en.png"), full_page=True)
    page.goto(base_url + "/enterprises/91310112MA1000002W?as_of=2025-06-30&lang=zh")
    assert "要求国家级，持有市级" in page.inner_text("#near-misses")
    page.goto(base_url + "/enterprises/91310112MA10000056?as_of=2025-06-30&lang=zh")
    page.fill("#assume", "高企")
    page.click("#eligibility-form button[type=submit]")
    page.wait_for_selector("#switch-on")
    assert "加大培育优质企业" in page.inner_text("#switch-on")
    page.locator("#explanation").scroll_into_view_if_needed()
    assert _wait_for_graph(page) >= 4
    page.screenshot(path=str(SHOTS / "enterprise-what-if-zh.png"), full_page=True)
    assert not page.problems, page.problems


def test_graph_search_by_alias_and_article_source(page, base_url):
    """Search 高企 on Minhang's graph: 高新技术企业 (not drawn in the outline) is added and
    selected with its details; then article 19 shows its measures highlighted."""
    page.goto(base_url + "/?lang=zh")
    page.locator("section.document", has_text=MINHANG_TITLE).locator("a.button").click()
    page.wait_for_url("**/documents/*/graph")
    count = _wait_for_graph(page)
    doc_id = page.url.split("?")[0].rsplit("/", 2)[-2]
    page.fill("#node-search", "高企")
    match = page.locator('#search-results button[data-node-id="high-tech-enterprise"]')
    match.wait_for()
    assert "高新技术企业" in match.inner_text() and "高企" in match.inner_text()
    page.screenshot(path=str(SHOTS / "graph-search-zh.png"))
    match.click()
    page.wait_for_selector('#details-body[data-node-id="high-tech-enterprise"]')
    details = page.inner_text("#details-body")
    assert "高新技术企业" in details and "国家级" in details and "措施2" in details  # linked to 19's measure 2
    assert int(page.get_attribute("#graph", "data-node-count")) > count
    selected = page.evaluate("() => document.getElementById('graph').policykgNetwork.getSelectedNodes()")
    assert selected == ["high-tech-enterprise"]
    page.screenshot(path=str(SHOTS / "graph-search-selected-zh.png"))

    page.fill("#node-search", "加大培育")
    a19 = f"{doc_id}-c3-a19"
    page.locator(f'#search-results button[data-node-id="{a19}"]').click()
    page.wait_for_selector(f'#details-body[data-source-shown="{a19}"]')
    marks = page.locator("#details-body .source-text mark")
    assert marks.count() == 3 and "小巨人" in marks.nth(1).inner_text()
    page.locator("#details-body .source-text").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "graph-search-article-zh.png"))
    page.fill("#node-search", "没有这个节点")
    page.wait_for_function("() => document.getElementById('search-status').textContent.length > 0")
    assert "没有匹配" in page.inner_text("#search-status")
    assert not page.problems, page.problems
