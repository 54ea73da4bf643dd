"""A query result shaped for a page: cells as text, a bar chart drawn as SVG, graph elements.

Everything here returns plain text and numbers; templates escape them, so markup in the
data is shown as text.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph import GraphNode, ReadResult
from ontology import Ontology
from queries import QueryDef
from webviz.graphview import caption, drawable
from webviz.i18n import msg

MAX_TABLE_ROWS = 1000  # more rows: the page says so and offers the CSV
PAGE_SIZE = 100  # rows a table shows at a time (static/tables.js pages and sorts in the browser)
MAX_BARS = 100
MAX_GRAPH_NODES = 500
# The SVG bar chart's geometry, in its own units (the SVG scales to the page width).
CHART_WIDTH = 900
BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_COLUMNS = 40  # label width in columns, a CJK character counting as two
COLUMN_PX = 7.2
VALUE_PX = 70


def cell_text(value: Any) -> str:
    """A result cell as text: nodes by caption, paths as their nodes' captions, booleans as 是/否.

    >>> cell_text(None), cell_text(3), cell_text(dt.date(2025, 6, 30))
    ('', '3', '2025-06-30')
    >>> cell_text({"label": "Bureau", "id": "b1", "properties": {"name": "区经委"}})
    '区经委'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return msg("yes") if value else msg("no")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        if "label" in value and "properties" in value:  # a node: its caption, as in the drawing
            return caption(GraphNode(str(value["label"]), str(value.get("id") or ""), value["properties"]))
        if "nodes" in value and "rels" in value:
            return " — ".join(cell_text(n) for n in value["nodes"])
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list):
        return "; ".join(cell_text(v) for v in value)
    return str(value)


def is_number(value: Any) -> bool:
    """True for ints and floats (not booleans)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def table_rows(result: ReadResult, limit: int = MAX_TABLE_ROWS) -> list[list[tuple[str, bool]]]:
    """The first ``limit`` rows as (text, is_number) cells."""
    return [[(cell_text(v), is_number(v)) for v in row] for row in result.rows[:limit]]


@dataclass(frozen=True)
class Heading:
    """A result column: its name in the Cypher, its heading in the page's language, and
    whether it holds numbers (sorted as numbers, aligned right)."""

    name: str
    text: str
    numeric: bool


def headings(query: QueryDef, result: ReadResult, lang: str) -> list[Heading]:
    """The result's columns with the query file's headings (``columns:``) in ``lang``."""
    return [Heading(c, query.heading(c, lang),
                    bool(result.rows) and all(is_number(r[i]) or r[i] is None for r in result.rows))
            for i, c in enumerate(result.columns)]


@dataclass(frozen=True)
class Bar:
    """One bar: its label (shortened to fit, full text kept for the tooltip) and value."""

    label: str
    full_label: str
    value: float
    text: str
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart in SVG units; ``total`` rows, ``bars`` drawn."""

    value_column: str
    label_columns: tuple[str, ...]
    bars: tuple[Bar, ...]
    total: int
    width: int
    height: float
    label_width: float
    bar_height: int


def bar_chart(result: ReadResult, limit: int = MAX_BARS,
              heading: Callable[[str], str] = str) -> BarChart | None:
    """The result as bars, or None when it has no numeric column or no rows.

    The value is the last column that holds only numbers; the label joins the text columns
    whose values differ between rows (a column that is the same on every row, such as the
    district a query was asked about, says nothing), or the first text column if none differ.
    ``heading`` names a column in the caption (the query file's heading in the page's language).
    """
    if not result.rows:
        return None
    cols = range(len(result.columns))
    numeric = [i for i in cols if all(is_number(r[i]) or r[i] is None for r in result.rows)
               and any(is_number(r[i]) for r in result.rows)]
    if not numeric:
        return None
    value_col = numeric[-1]
    # lists (a bureau's documents, articles) are details for the table, not part of a bar's name
    text_cols = [i for i in cols if i not in numeric and not any(isinstance(r[i], list) for r in result.rows)]
    varying = [i for i in text_cols if len({cell_text(r[i]) for r in result.rows}) > 1]
    label_cols = varying or text_cols[:1]
    rows = result.rows[:limit]
    values = [float(r[value_col] or 0) for r in rows]
    top = max([*values, 0.0]) or 1.0
    labels = [" · ".join(cell_text(r[i]) for i in label_cols if cell_text(r[i])) for r in rows]
    widest = max((_columns(x) for x in labels), default=0)
    label_width = min(widest, LABEL_COLUMNS) * COLUMN_PX + 12
    plot = CHART_WIDTH - label_width - VALUE_PX
    bars = tuple(
        Bar(label=_shorten(label, LABEL_COLUMNS), full_label=label, value=v, text=cell_text(r[value_col]),
            y=i * (BAR_HEIGHT + BAR_GAP), width=max(plot * v / top, 0.0))
        for i, (label, v, r) in enumerate(zip(labels, values, rows, strict=True))
    )
    return BarChart(
        value_column=heading(result.columns[value_col]),
        label_columns=tuple(heading(result.columns[i]) for i in label_cols),
        bars=bars, total=len(result.rows), width=CHART_WIDTH, height=len(bars) * (BAR_HEIGHT + BAR_GAP),
        label_width=label_width, bar_height=BAR_HEIGHT,
    )


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` columns, a wide character counting as two.

    >>> _shorten("上海市闵行区经济委员会", 10)
    '上海市闵…'
    """
    width = 0
    for i, ch in enumerate(text):
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if width > limit - 1 and i < len(text) - 1:
            return text[:i] + "…"
    return text


def result_graph(result: ReadResult, ontology: Ontology, limit: int = MAX_GRAPH_NODES) -> dict[str, Any]:
    """The result's nodes and relationships for graph.js (at most ``limit`` nodes), with
    ``total`` nodes in the result."""
    nodes = result.nodes[:limit]
    kept = {n.id for n in nodes}
    rels = [r for r in result.rels if r.start in kept and r.end in kept]
    return {**drawable(nodes, rels, ontology), "total": len(result.nodes)}
