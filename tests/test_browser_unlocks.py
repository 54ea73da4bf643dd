"""The "which qualifications unlock which supports" matrix (/unlocks) in a real headless
Chromium on a real embedded store holding the three shipped documents: it draws with
counts that match the API, the filters change it (one district, two side by side, a
required level), a click on a cell lists that cell's clauses, and a clause's link opens the
article's source with the measure marked. Screenshots (1280×800) go to
test-output/screenshots/unlocks-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.embedded_store import EmbeddedStore
from policykg.settings import Settings
from tests.browser_support import SHOTS, serve, watch

pytestmark = pytest.mark.browser

AS_OF = "2025-06-30"  # all three shipped documents are in force that day


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, ontology, graph_batches) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser-unlocks-home")
    store = EmbeddedStore(home / "embedded", ontology)
    store.write_many(graph_batches)
    store.close()
    with serve(Settings(home=home)) as url:
        yield url


@pytest.fixture
def page(browser):
    """A 1280×800 zh-CN page that records every problem (console errors, CSP, other hosts)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    p = context.new_page()
    watch(p)
    yield p
    context.close()


def _drawn(page, seq: int | None = None) -> None:
    page.wait_for_selector("#unlocks-chart[data-drawn]", state="attached")
    if seq is not None:
        page.wait_for_function("n => Number(document.getElementById('unlocks-chart').dataset.drawn) >= n", arg=seq)


def _attr(page, name: str) -> int:
    return int(page.get_attribute("#unlocks-chart", f"data-{name}"))


def _click_cell(page, series: int, col: int, row: int) -> None:
    """A real mouse click on the matrix cell (col, row) of panel ``series``."""
    x, y = page.evaluate(
        """([s, c, r]) => { const chart = document.getElementById('unlocks-chart').policykgChart;
             const p = chart.convertToPixel({seriesIndex: s}, [c, r]);
             const box = chart.getDom().getBoundingClientRect(); return [box.left + p[0], box.top + p[1]]; }""",
        [series, col, row])
    page.mouse.click(x, y)


def test_matrix_counts_filters_and_clauses(page, base_url):
    api = page.request.get(f"{base_url}/api/unlocks?as_of={AS_OF}").json()
    page.goto(f"{base_url}/unlocks?as_of={AS_OF}")
    _drawn(page)
    total = api["total_measures"]
    assert total > 10 and _attr(page, "total-measures") == total
    assert _attr(page, "panels") == 1
    assert _attr(page, "cells") > 10
    assert _attr(page, "rows") == min(20, len(api["qualifications"]))
    assert f"共 {total} 项措施" in page.inner_text("#unlocks-summary")
    assert "矩阵" in page.inner_text("#unlocks-help")  # the help says why a matrix
    page.screenshot(path=str(SHOTS / "unlocks-zh.png"))

    # one district: fewer measures; two: side by side, with the same rows
    page.check('#unlocks-districts label[data-district="闵行区"] input')
    page.wait_for_url("**district=*")
    page.wait_for_function("n => document.getElementById('unlocks-summary').textContent.indexOf('共') === 0 && "
                           "document.getElementById('unlocks-chart').dataset.totalMeasures !== String(n)", arg=total)
    minhang = _attr(page, "total-measures")
    assert 0 < minhang < total
    page.check('#unlocks-districts label[data-district="长宁区"] input')
    page.wait_for_function("() => document.getElementById('unlocks-chart').dataset.panels === '2'")
    both = page.request.get(f"{base_url}/api/unlocks?as_of={AS_OF}&district=闵行区&district=长宁区").json()
    assert [p["district"] for p in both["panels"]] == ["闵行区", "长宁区"]
    assert _attr(page, "total-measures") == both["total_measures"] > minhang
    page.screenshot(path=str(SHOTS / "unlocks-side-by-side-zh.png"))

    # a required level narrows it further; the URL keeps every filter (a permalink)
    page.select_option("#unlocks-level", "国家级")
    page.wait_for_url("**level=*")
    page.wait_for_function("n => Number(document.getElementById('unlocks-chart').dataset.totalMeasures) < n",
                           arg=both["total_measures"])
    page.reload()
    _drawn(page)
    assert page.input_value("#unlocks-level") == "国家级"
    assert page.is_checked('#unlocks-districts label[data-district="长宁区"] input')

    # a click on a cell lists its clauses: as many as the cell counts, each with its text
    page.goto(f"{base_url}/unlocks?as_of={AS_OF}&district=闵行区")
    _drawn(page)
    panel = page.request.get(f"{base_url}/api/unlocks?as_of={AS_OF}&district=闵行区").json()["panels"][0]
    row, col, count, ids = max(panel["cells"], key=lambda c: (c[2], -c[0]))
    _click_cell(page, 0, col, row)
    page.wait_for_selector("#unlocks-clause-list[data-count]")
    items = page.locator("#unlocks-clause-list > li")
    assert items.count() == count and {items.nth(i).get_attribute("data-measure-id") for i in range(count)} == set(ids)
    first = items.first
    assert "《闵行区关于产业高质量发展的政策意见(试行)》" in first.inner_text()
    assert first.locator(".clause-text").inner_text().strip()
    page.screenshot(path=str(SHOTS / "unlocks-clauses-zh.png"))

    # the clause's link opens the article in its document's graph, the measure marked
    measure_id = first.get_attribute("data-measure-id")
    first.locator("a.clause-source").click()
    page.wait_for_url("**/documents/*/graph?*node=*")
    page.wait_for_selector("#details-body[data-measure-focused]", state="attached")
    marked = page.locator("#details-body .source-text mark.focused")
    assert marked.count() == 1
    seq = measure_id.rsplit("-m", 1)[1]
    assert marked.get_attribute("data-measure") == seq
    page.screenshot(path=str(SHOTS / "unlocks-clause-source-zh.png"))
    assert page.problems == []


def test_english_and_bad_filters(page, base_url):
    page.goto(f"{base_url}/unlocks?as_of={AS_OF}&lang=en")
    _drawn(page)
    assert page.inner_text("h1") == "Which qualifications unlock which supports"
    assert "measures" in page.inner_text("#unlocks-summary")
    page.screenshot(path=str(SHOTS / "unlocks-en.png"))
    bad = page.request.get(f"{base_url}/api/unlocks?district=no-such-district&lang=en")
    assert bad.status == 400 and bad.json()["where"] == "?district="
    bad = page.request.get(f"{base_url}/api/unlocks?as_of=30.06.2025")
    assert bad.status == 400 and bad.json()["where"] == "?as_of="
    assert page.problems == []
