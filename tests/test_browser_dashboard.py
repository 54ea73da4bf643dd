"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Opens /dashboard from the navigation, checks that Chart.js drew every chart on its canvas
(pixels painted, the tables collapsed under them), that the CSP is never violated and no
other host is asked, and switches to English. Screenshots go to test-output/screenshots/.
Fixtures follow tests/test_browser.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from webviz import create_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
WAIT_MS = 30_000  # an upper bound for slow machines, not a timing assertion
CHARTS = ("node_types", "themes", "bureaus", "support_forms")

# Painted pixels of a canvas: Chart.js draws bars, axes and labels; an undrawn canvas is all transparent.
PAINTED = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                     let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, ontology, graph_batches) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served from a background thread."""
    home = tmp_path_factory.mktemp("browser-dashboard-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(graph_batches)
    store.close()
    app = create_app(Settings(home=home))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join()
        app.extensions["policykg"].close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-wqy-zenhei)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors (CSP violations among them), page errors,
    dialogs and any request to a host other than the app."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    p = context.new_page()
    p.set_default_timeout(WAIT_MS)
    p.problems = []
    p.on("console", lambda m: m.type in ("error", "warning") and p.problems.append(f"console {m.type}: {m.text}"))
    p.on("pageerror", lambda e: p.problems.append(f"page error: {e}"))
    p.on("dialog", lambda d: (p.problems.append(f"dialog: {d.message}"), d.dismiss()))
    p.on("request", lambda r: r.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
         or p.problems.append(f"request to another host: {r.url}"))
    yield p
    context.close()


def test_dashboard_draws_its_charts(page, base_url):
    page.goto(base_url + "/?lang=zh")
    page.click("#nav-dashboard")
    page.wait_for_url("**/dashboard")
    page.wait_for_selector("body[data-charts-drawn]", state="attached")
    for chart in CHARTS:
        canvas = page.locator(f"#chart-{chart} canvas")
        assert canvas.is_visible(), chart
        rows = page.locator(f"#chart-{chart} table tbody tr").count()
        assert canvas.get_attribute("data-drawn") == str(rows) and rows > 0, chart
        assert canvas.evaluate(PAINTED) > 1000, chart
        assert page.locator(f"#chart-{chart} details.chart-data").get_attribute("open") is None  # table folded
    bars = page.evaluate("() => document.querySelector('#chart-bureaus canvas').policykgChart.data.labels")
    assert bars[0] == "区经委（闵行区）"
    assert "区经委（闵行区）" in page.inner_text("#central-bureaus")
    assert "高新技术企业" in page.inner_text("#bridges")
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    page.locator("#quality").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "dashboard-quality-zh.png"))

    page.click("#lang-switch")
    page.wait_for_url("**lang=en")
    page.wait_for_selector("body[data-charts-drawn]", state="attached")
    assert "Overview dashboard" in page.inner_text("h1")
    labels = page.evaluate("() => document.querySelector('#chart-themes canvas').policykgChart.data.labels")
    assert "Science and technology innovation" in labels
    page.screenshot(path=str(SHOTS / "dashboard-en.png"))
    assert page.problems == []


def test_dashboard_without_scripts_shows_the_tables(browser, base_url):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        p = context.new_page()
        p.goto(base_url + "/dashboard?lang=zh")
        assert p.locator("#chart-themes canvas").is_hidden()
        assert p.locator("#chart-themes table").is_visible()
        assert "科技创新" in p.inner_text("#chart-themes table")
    finally:
        context.close()
