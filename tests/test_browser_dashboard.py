"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Opens /dashboard from the navigation, checks that Chart.js drew every chart on its canvas
(pixels painted, the tables collapsed under them), that the CSP is never violated and no
other host is asked, and switches to English. Screenshots go to test-output/screenshots/.
Fixtures follow tests/test_browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from tests.browser_support import SHOTS, serve

pytestmark = pytest.mark.browser

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
    with serve(Settings(home=home)) as url:
        yield url


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
