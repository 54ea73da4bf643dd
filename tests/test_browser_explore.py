"""Explore in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
filter a document's graph (the filters go into the URL and survive a reload), expand a
node's neighbours, fit the drawing, see "showing N of M" when the graph is capped, and
hostile names stay text in the neighbour list and in the admin Cypher box's table.
Screenshots go to test-output/screenshots/explore-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from tests.browser_support import SHOTS, app_page, serve
from tests.test_browser import MINHANG_TITLE, _node_point
from tests.test_webviz_explore import IMG, SCRIPT, TOKEN, XSS_BUREAU, XSS_DOC, hostile_batch

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def home(tmp_path_factory, ontology, graph_batches):
    home = tmp_path_factory.mktemp("browser-explore-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many([*graph_batches, hostile_batch()])
    store.close()
    return home


@pytest.fixture(scope="module")
def base_url(home) -> Iterator[str]:
    """The app with the admin box on."""
    with serve(Settings(home=home, admin_token=TOKEN)) as url:
        yield url


@pytest.fixture(scope="module")
def capped_url(home) -> Iterator[str]:
    """The same data with a 40-node cap."""
    with serve(Settings(home=home, graph_node_limit=40)) as url:
        yield url


@pytest.fixture
def page(browser):
    """A taller page than the default, so the whole graph and its details fit."""
    with app_page(browser, height=1000) as p:
        yield p


def _count(page) -> int:
    return int(page.get_attribute("#graph", "data-node-count"))


def _wait_count(page, n: int) -> None:
    page.wait_for_function("n => document.getElementById('graph').dataset.nodeCount === String(n)", arg=n)


def _open_minhang(page, url: str) -> str:
    page.goto(url + "/")
    page.locator("section.document", has_text=MINHANG_TITLE).locator("a.button").click()
    page.wait_for_url("**/documents/*/graph")
    page.wait_for_selector("#graph[data-node-count]", state="attached")
    page.wait_for_selector("#graph-filters[data-ready]", state="attached")
    return page.url.split("?")[0].rsplit("/", 2)[-2]


def _all_nodes_in_view(page) -> bool:
    return page.evaluate(
        """() => { const g = document.getElementById('graph'); const net = g.policykgNetwork;
                   const box = g.getBoundingClientRect(); const pos = net.getPositions();
                   return Object.keys(pos).every(id => { const p = net.canvasToDOM(pos[id]);
                     return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height; }); }""")


def test_filter_expand_and_fit(page, base_url):
    doc = _open_minhang(page, base_url)
    assert _count(page) == 69
    assert page.locator("#graph-cap").is_hidden()  # 69 nodes are under the cap of 300

    # a bureau filter: its 12 articles, their chapters and co-responsible bureaus
    page.select_option("#filter-bureau", "minhang-science-commission")
    page.wait_for_url(re.compile(r".*bureau=minhang-science-commission.*"))
    _wait_count(page, 26)
    articles = page.evaluate("() => document.getElementById('graph').policykgNetwork.body.data.nodes.getIds()"
                             ".filter(i => /-a\\d+$/.test(i)).length")
    assert articles == 12
    # and a node type: measures too (the permalink names the types)
    page.check("#toggle-measures")
    page.wait_for_url(re.compile(r".*types=.*Measure.*"))
    page.wait_for_function("() => Number(document.getElementById('graph').dataset.nodeCount) > 26")
    with_measures = _count(page)
    page.screenshot(path=str(SHOTS / "explore-filtered-zh.png"))

    # the URL is a permalink: a reload shows the same view with the same controls
    page.reload()
    page.wait_for_selector("#graph-filters[data-ready]", state="attached")
    _wait_count(page, with_measures)
    assert page.input_value("#filter-bureau") == "minhang-science-commission"
    assert page.is_checked("#toggle-measures")
    assert "bureau=minhang-science-commission" in page.get_attribute("#lang-switch", "href")

    # expand a node's neighbours: article 19's chapter is drawn, but 区科委's other
    # neighbours in the whole graph (measures of other articles it handles) are not all
    page.uncheck("#toggle-measures")
    _wait_count(page, 26)
    page.select_option("#node-picker", "minhang-science-commission")
    page.wait_for_selector('#details-body[data-node-id="minhang-science-commission"]')
    links = page.locator("#details-body .neighbour-list button").count()
    assert links == 12  # its 12 articles, as links
    page.click("#expand-neighbours")
    page.wait_for_selector('#details-body[data-expanded="minhang-science-commission"]')
    grown = _count(page)
    assert grown > 26
    assert page.locator("#details-body .neighbour-list button").count() > links
    assert re.search(r"\d+", page.inner_text("#details-body .neighbour-status"))
    page.screenshot(path=str(SHOTS / "explore-expanded-zh.png"))

    # a neighbour link focuses that node and shows its details
    a19 = f"{doc}-c3-a19"
    page.click(f'#details-body .neighbour-list button[data-node-id="{a19}"]')
    page.wait_for_selector(f'#details-body[data-node-id="{a19}"]')
    assert page.evaluate("() => document.getElementById('graph').policykgNetwork.getSelectedNodes()") == [a19]

    # zoom far in, then fit: every node is back in view
    page.evaluate("() => document.getElementById('graph').policykgNetwork.moveTo({scale: 6})")
    assert not _all_nodes_in_view(page)
    page.click("#graph-fit")
    page.wait_for_function("() => true")
    assert _all_nodes_in_view(page)
    page.screenshot(path=str(SHOTS / "explore-fit-zh.png"))

    # clearing the filters brings the whole outline back and cleans the URL
    page.click("#filter-reset")
    _wait_count(page, 69)
    assert "bureau=" not in page.url
    assert page.problems == []


def test_capped_graph_says_showing_n_of_m(page, capped_url):
    doc = _open_minhang(page, capped_url)
    assert _count(page) == 40
    cap = page.locator("#graph-cap")
    assert cap.is_visible()
    assert "仅显示 40 个节点（共 69 个）" in cap.inner_text() and "筛选" in cap.inner_text()
    page.screenshot(path=str(SHOTS / "explore-capped-zh.png"))
    page.select_option("#filter-chapter", f"{doc}-c3")
    _wait_count(page, 14)
    assert cap.is_hidden()
    page.goto(f"{capped_url}/documents/{doc}/graph?lang=en")
    page.wait_for_selector("#graph[data-node-count]", state="attached")
    assert "Showing 40 of 69 nodes" in page.inner_text("#graph-cap")
    page.screenshot(path=str(SHOTS / "explore-capped-en.png"))
    assert page.problems == []


def test_hostile_names_in_neighbours_and_admin_table(page, base_url):
    page.goto(f"{base_url}/documents/{XSS_DOC}/graph")
    page.wait_for_selector("#graph[data-node-count]", state="attached")
    page.select_option("#node-picker", XSS_BUREAU)
    page.wait_for_selector(f'#details-body[data-node-id="{XSS_BUREAU}"]')
    page.click("#expand-neighbours")
    page.wait_for_selector(f'#details-body[data-expanded="{XSS_BUREAU}"]')
    assert IMG in page.inner_text("#details-body .neighbour-list")
    assert SCRIPT in page.inner_text("#details-body h3")
    page.mouse.move(5, 5)
    page.mouse.move(*_node_point(page, XSS_BUREAU))
    tooltip = page.wait_for_selector("div.vis-tooltip", state="visible")
    assert SCRIPT in tooltip.inner_text()
    page.screenshot(path=str(SHOTS / "explore-hostile-neighbours.png"))
    assert page.locator("img").count() == 0

    # the admin box: token once, a read query, the hostile names as text in the table
    page.click("#nav-admin")
    page.wait_for_url("**/admin/cypher")
    page.fill("#admin-token", TOKEN)
    page.fill("#admin-cypher", f"MATCH (b:Bureau)-[:RESPONSIBLE_FOR]->(a:Article) WHERE b.id = '{XSS_BUREAU}' "
                               "RETURN b.name AS bureau, a.title AS article")
    page.click("#admin-run")
    page.wait_for_selector("#admin-table")
    assert page.locator("#admin-table tbody td").all_inner_texts() == [SCRIPT, IMG]
    assert page.locator("img").count() == 0
    assert page.locator("#admin-signed-in").is_visible()
    page.screenshot(path=str(SHOTS / "explore-admin-zh.png"), full_page=True)
    # a write is refused and says why
    page.fill("#admin-cypher", "MATCH (b:Bureau) DETACH DELETE b")
    page.click("#admin-run")
    page.wait_for_selector("#admin-error")
    assert "DETACH" in page.inner_text("#admin-error")
    page.screenshot(path=str(SHOTS / "explore-admin-refused-zh.png"), full_page=True)
    assert all("status of 400" in p for p in page.problems), page.problems
