"""Export and compare in a real headless Chromium (Debian's /usr/bin/chromium, Playwright).

The standalone graph is downloaded from the app, then opened from a file:// URL in a
context where every request that is not for a file is aborted and recorded: it must draw
its nodes on the canvas with no network at all, and markup in names must stay text. The
compare page is used as an analyst would: pick two documents, read the result.
Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF

from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from tests.browser_support import SHOTS, serve, watch
from tests.test_webviz_export import DCT, SCRIPT_XSS, SKOS, XSS_DOC, hostile_batch

pytestmark = pytest.mark.browser

MINHANG_TITLE = "闵行区关于产业高质量发展的政策意见(试行)"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, ontology, graph_batches) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served from a background thread."""
    home = tmp_path_factory.mktemp("browser-export-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many([*graph_batches, hostile_batch()])
    store.close()
    with serve(Settings(home=home)) as url:
        yield url


@pytest.fixture(scope="module")
def doc_ids(base_url) -> dict[str, str]:
    with urllib.request.urlopen(base_url + "/api/documents") as r:
        docs = json.load(r)["documents"]
    ids = {d["properties"].get("district"): d["id"] for d in docs}
    return {"minhang": next(d["id"] for d in docs if d["properties"]["title"] == MINHANG_TITLE),
            "changning": ids["长宁区"]}


@pytest.fixture
def offline(browser):
    """A page with no network: every request that is not for a file (or data:/blob:, which
    stay inside the page) is aborted, and recorded as a problem."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    p = context.new_page()
    watch(p, ("file:", "data:", "blob:"))
    p.blocked = blocked
    yield p
    context.close()


def _download(page, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(str(path))
    return path


def _drawn(p) -> dict:
    """How many nodes vis-network holds, and how many canvas pixels are not background."""
    return p.evaluate(
        """() => { const el = document.getElementById('graph');
                   const canvas = el.querySelector('canvas');
                   const ctx = canvas.getContext('2d');
                   const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
                   let inked = 0;
                   for (let i = 0; i < px.length; i += 4) {
                     if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) { inked += 1; }
                   }
                   return { nodes: el.policykgNetwork.body.data.nodes.length, inked: inked,
                            canvases: el.querySelectorAll('canvas').length,
                            count: Number(el.getAttribute('data-node-count')) }; }"""
    )


def _node_point(p, node_id: str) -> tuple[float, float]:
    return p.evaluate(
        """id => { const net = document.getElementById('graph').policykgNetwork;
                   const q = net.canvasToDOM(net.getPosition(id));
                   const box = document.querySelector('#graph canvas').getBoundingClientRect();
                   return [box.left + q.x, box.top + q.y]; }""",
        node_id,
    )


def test_standalone_graph_draws_offline(page, offline, base_url, doc_ids, tmp_path):
    page.goto(f"{base_url}/documents/{doc_ids['minhang']}/graph")
    path = _download(page, "#download-standalone", tmp_path)
    assert path.name == f"policykg-{doc_ids['minhang']}-graph.html"
    assert page.problems == []

    offline.goto(path.as_uri())
    offline.wait_for_selector("#graph[data-node-count]", state="attached")
    drawn = _drawn(offline)
    assert drawn["canvases"] == 1 and drawn["nodes"] == drawn["count"] > 50
    assert drawn["inked"] > 5000  # nodes, edges and captions are on the canvas, not a blank box
    assert offline.inner_text("h1") == MINHANG_TITLE
    assert offline.locator('.legend li[data-label="Bureau"]').is_visible()
    offline.mouse.click(*_node_point(offline, doc_ids["minhang"]))
    offline.wait_for_selector(f'#details-body[data-node-id="{doc_ids["minhang"]}"]')
    assert "闵府规发〔2024〕11号" in offline.inner_text("#details-body")
    offline.screenshot(path=str(SHOTS / "standalone-graph-offline-zh.png"))
    assert offline.blocked == [] and offline.problems == []


def test_standalone_graph_with_hostile_names_stays_text(page, offline, base_url, tmp_path):
    page.goto(base_url + "/export")
    path = _download(page, f'tr[data-doc-id="{XSS_DOC}"] a.standalone-structure', tmp_path)
    page.screenshot(path=str(SHOTS / "export-zh.png"), full_page=True)
    assert page.locator("img").count() == 0 and page.problems == []

    offline.goto(path.as_uri())
    offline.wait_for_selector("#graph[data-node-count]", state="attached")
    assert _drawn(offline)["nodes"] == 4
    assert offline.inner_text("h1") == SCRIPT_XSS  # shown as text, not run
    assert offline.title() == SCRIPT_XSS
    offline.mouse.click(*_node_point(offline, "bureau-xss-export"))
    offline.wait_for_selector('#details-body[data-node-id="bureau-xss-export"]')
    assert SCRIPT_XSS in offline.inner_text("#details-body")
    assert offline.locator("img").count() == 0 and offline.locator("script").count() == 5
    offline.screenshot(path=str(SHOTS / "standalone-graph-hostile.png"))
    assert offline.blocked == [] and offline.problems == []


def test_rdf_form_downloads_a_document_with_the_ontology(page, base_url, doc_ids, tmp_path):
    page.goto(base_url + "/")
    page.click("#nav-export")
    page.wait_for_url("**/export")
    page.select_option("#export-document", doc_ids["minhang"])
    page.select_option("#export-format", "jsonld")
    page.check("#export-with-ontology")
    path = _download(page, "#export-rdf-download", tmp_path)
    assert path.name == f"policykg-{doc_ids['minhang']}-with-ontology.jsonld"
    g = rdflib.Graph().parse(path, format="json-ld")
    assert "闵府规发〔2024〕11号" in {str(o) for o in g.objects(None, DCT.identifier)}
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert page.problems == []


def test_compare_two_documents(page, base_url, doc_ids):
    page.goto(base_url + "/?lang=zh")
    page.click("#nav-compare")
    page.wait_for_url("**/compare")
    page.select_option("#compare-a", doc_ids["minhang"])
    page.select_option("#compare-b", doc_ids["changning"])
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#comparison")
    assert "专精特新“小巨人”企业" in page.inner_text("#quals-only-a")
    assert "专精特新“小巨人”企业" not in page.inner_text("#quals-only-b")
    assert "高新技术企业" in page.inner_text("#quals-both")
    assert page.locator("#compare-themes tr[data-coverage=only_b]").count() > 0
    page.screenshot(path=str(SHOTS / "compare-zh.png"), full_page=True)

    page.click("#lang-switch")
    page.wait_for_url("**lang=en**")
    assert "Compare two policy documents" in page.inner_text("h1")
    assert "little giant" in page.inner_text("#quals-only-a")
    page.screenshot(path=str(SHOTS / "compare-en.png"), full_page=True)

    response = page.goto(base_url + f"/compare?a={doc_ids['minhang']}&b={doc_ids['minhang']}&lang=zh")
    assert response.status == 400 and page.locator(".form-errors").is_visible()
    page.screenshot(path=str(SHOTS / "compare-same-document-zh.png"))
    assert all("status of 400" in p for p in page.problems), page.problems
