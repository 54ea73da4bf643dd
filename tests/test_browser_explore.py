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


def _outline(page, url: str, doc: str) -> int:
    """How many nodes the document's default drawing has (the API's answer)."""
    return page.request.get(f"{url}/api/documents/{doc}/graph").json()["total"]


def _all_nodes_in_view(page) -> bool:
    return page.evaluate(
        """() => { const g = document.getElementById('graph'); const net = g.policykgNetwork;
                   const box = g.getBoundingClientRect(); const pos = net.getPositions();
                   return Object.keys(pos).every(id => { const p = net.canvasToDOM(pos[id]);
                     return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height; }); }""")


def test_filter_expand_and_fit(page, base_url):
    doc = _open_minhang(page, base_url)
    outline = _outline(page, base_url, doc)
    assert _count(page) == outline > 60
    assert page.locator("#graph-cap").is_hidden()  # under the cap of 300

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
    page.wait_for_selector('#details-body[data-neighbours-loaded="minhang-science-commission"]')
    # every neighbour in the whole graph is listed (not only those drawn), with counts per type
    api = page.request.get(base_url + "/api/nodes/minhang-science-commission/neighbours?limit=200").json()
    links = page.locator("#details-body .neighbour-list button").count()
    assert links == api["shown"] == api["total"] > 12
    assert page.locator("#details-body .neighbour-list li.not-drawn").count() == links - 12  # 12 articles drawn
    counts = page.locator("#details-body .rel-counts button")
    assert sorted(counts.all_inner_texts()) == sorted(
        f"→ {c['name']} ({c['count']})" for c in api["by_type"])
    page.click("#expand-neighbours")
    page.wait_for_selector('#details-body[data-expanded="minhang-science-commission"]')
    grown = _count(page)
    assert grown > 26
    assert page.locator("#details-body .neighbour-list li.not-drawn").count() == 0  # all drawn now
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
    _wait_count(page, outline)
    assert "bureau=" not in page.url
    assert page.problems == []


def test_capped_graph_says_showing_n_of_m(page, capped_url):
    doc = _open_minhang(page, capped_url)
    assert _count(page) == 40
    cap = page.locator("#graph-cap")
    assert cap.is_visible()
    outline = _outline(page, capped_url, doc)
    assert f"仅显示 40 个节点（共 {outline} 个）" in cap.inner_text() and "筛选" in cap.inner_text()
    page.screenshot(path=str(SHOTS / "explore-capped-zh.png"))
    page.select_option("#filter-chapter", f"{doc}-c3")
    _wait_count(page, 14)
    assert cap.is_hidden()
    page.goto(f"{capped_url}/documents/{doc}/graph?lang=en")
    page.wait_for_selector("#graph[data-node-count]", state="attached")
    assert f"Showing 40 of {outline} nodes" in page.inner_text("#graph-cap")
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


# --- a graph people can read (issue 18.2) ------------------------------------------------------

@pytest.fixture
def small_page(browser):
    """A 1280×800 page, the size the issue's screenshots are taken at."""
    from tests.browser_support import watch

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN", accept_downloads=True)
    p = context.new_page()
    watch(p)
    yield p
    context.close()


def _net(page, script: str):
    return page.evaluate("() => { const net = document.getElementById('graph').policykgNetwork; " + script + " }")


def test_layered_layout_no_overlap_and_physics_stopped(small_page, base_url):
    page = small_page
    doc = _open_minhang(page, base_url)
    assert page.get_attribute("#graph", "data-layout") == "layered"
    assert page.get_attribute("#graph", "data-physics") == "stopped"
    assert _net(page, "return net.physics.options.enabled;") is False
    assert _net(page, "return net.layoutEngine.options.hierarchical.enabled;") is True
    # columns left to right: document, chapters, articles, bureaus; every article in one column
    pos = _net(page, "return net.getPositions();")
    nodes = page.request.get(f"{base_url}/api/documents/{doc}/graph").json()["nodes"]
    label = {n["id"]: n["label"] for n in nodes}
    kinds = ("PolicyDocument", "Chapter", "Article", "Bureau")
    xs = {k: {round(pos[i]["x"]) for i in pos if label[i] == k} for k in kinds}
    assert all(len(v) == 1 for v in xs.values()), xs
    columns = [xs[k].pop() for k in kinds]
    assert columns == sorted(columns) and len(set(columns)) == 4, columns
    # no two drawn boxes (labels inside) overlap
    boxes = _net(page, "return Object.fromEntries(net.body.data.nodes.getIds().map(i => [i, net.getBoundingBox(i)]));")
    items = list(boxes.values())
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            assert (a["right"] <= b["left"] or b["right"] <= a["left"] or a["bottom"] <= b["top"]
                    or b["bottom"] <= a["top"]), (a, b)
    # the first view is readable (not a speck of the whole), and the fit button shows all
    assert _net(page, "return net.getScale();") >= 0.6
    page.screenshot(path=str(SHOTS / "explore-layered-zh.png"))
    page.click("#graph-fit")
    assert _all_nodes_in_view(page)
    page.screenshot(path=str(SHOTS / "explore-layered-fit-zh.png"))
    assert page.problems == []


def test_ego_network_depth(small_page, base_url):
    page = small_page
    doc = _open_minhang(page, base_url)
    a19 = f"{doc}-c3-a19"
    page.select_option("#node-picker", a19)
    page.wait_for_selector(f'#details-body[data-node-id="{a19}"]')
    page.click("#show-ego")
    page.wait_for_url(re.compile(r".*ego=.*depth=1.*"))
    page.wait_for_selector("#ego-bar:not([hidden])")
    _wait_count(page, 8)  # article 19, its chapter, 3 measures, 3 bureaus
    one = _net(page, "return net.body.data.nodes.getIds();")
    assert a19 in one and "第19条" in page.inner_text("#ego-label")
    page.screenshot(path=str(SHOTS / "explore-ego-1-zh.png"))
    page.select_option("#ego-depth", "2")
    page.wait_for_url(re.compile(r".*depth=2.*"))
    page.wait_for_function("() => Number(document.getElementById('graph').dataset.nodeCount) > 8")
    two = _net(page, "return net.body.data.nodes.getIds();")
    assert set(one) < set(two)
    api = page.request.get(f"{base_url}/api/nodes/{a19}/ego?depth=2").json()
    assert len(two) == api["shown"]
    # columns by distance: the centre alone in the first
    pos = _net(page, "return net.getPositions();")
    assert all(pos[a19]["x"] < pos[i]["x"] for i in two if i != a19)
    page.screenshot(path=str(SHOTS / "explore-ego-2-zh.png"))
    page.click("#ego-leave")
    _wait_count(page, _outline(page, base_url, doc))
    assert "ego=" not in page.url
    assert page.problems == []


def test_details_name_documents_and_articles_not_ids(small_page, base_url):
    page = small_page
    doc = _open_minhang(page, base_url)
    page.check("#toggle-measures")
    page.wait_for_function("n => Number(document.getElementById('graph').dataset.nodeCount) > n",
                           arg=_outline(page, base_url, doc))
    m2 = f"{doc}-c3-a19-m2"
    page.select_option("#node-picker", m2)
    page.wait_for_selector(f'#details-body[data-neighbours-loaded="{m2}"]')
    details = page.inner_text("#details-body")
    assert "第19条 加大培育优质企业" in details and MINHANG_TITLE in details
    assert not re.search(r"doc-[0-9a-f]{8,}", details), details  # no internal id anywhere
    # a qualification's neighbours are measures of several documents, each named with its article
    page.fill("#node-search", "高新技术企业")
    page.locator('#search-results button[data-node-id="high-tech-enterprise"]').click()
    page.wait_for_selector('#details-body[data-neighbours-loaded="high-tech-enterprise"]')
    wheres = page.locator("#details-body .neighbour-list .where").all_inner_texts()
    measures = [w for w in wheres if w.startswith("扶持措施")]
    assert len(measures) >= 3 and all("第" in w and "《" in w for w in measures), wheres
    assert len({w.split("《")[1] for w in measures}) == 3  # three documents
    assert not re.search(r"doc-[0-9a-f]{8,}", page.inner_text("#details-body"))
    # the search's hits are marked in the drawing
    assert "high-tech-enterprise" in page.get_attribute("#graph", "data-search-hits").split()
    page.locator("#details").screenshot(path=str(SHOTS / "explore-details-zh.png"))
    page.screenshot(path=str(SHOTS / "explore-search-hit-zh.png"))
    assert page.problems == []


def test_png_and_standalone_export_of_the_filtered_view(small_page, base_url):
    import io
    import json

    from PIL import Image

    page = small_page
    _open_minhang(page, base_url)
    page.select_option("#filter-bureau", "minhang-science-commission")
    _wait_count(page, 26)
    page.uncheck('#edge-filters label[data-edge-type="RESPONSIBLE_FOR"] input')
    page.wait_for_url(re.compile(r".*hide=RESPONSIBLE_FOR.*"))
    with page.expect_download() as dl:
        page.click("#export-png")
    png = open(dl.value.path(), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.width > 300 and img.height > 300
    assert img.getextrema()[0] < 128  # something dark is drawn on the white
    assert dl.value.suggested_filename.endswith(".png")

    drawn = set(_net(page, "return net.body.data.nodes.getIds();"))
    href = page.get_attribute("#download-standalone", "href")
    assert "bureau=minhang-science-commission" in href and "hide=RESPONSIBLE_FOR" in href
    html = page.request.get(base_url + href).text()
    data = json.loads(re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S).group(1))
    assert {n["id"] for n in data["nodes"]} == drawn  # only the filtered nodes
    assert not any(e["type"] == "RESPONSIBLE_FOR" for e in data["edges"])
    page.screenshot(path=str(SHOTS / "explore-export-zh.png"))
    assert page.problems == []
