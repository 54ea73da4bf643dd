"""Run a saved query on a store, and render results as table, CSV (formula-safe) or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from pathlib import Path
from typing import Any

from graph import GraphStore, ReadResult
from queries.audit import append_audit
from queries.definition import QueryDef

DEFAULT_TIMEOUT_S = 30.0


def run_query(store: GraphStore, query: QueryDef, values: dict[str, Any] | None = None,
              *, timeout_s: float = DEFAULT_TIMEOUT_S, audit_log: Path | None = None,
              user: str = "") -> ReadResult:
    """Check ``values`` against the query's parameters, run it read-only on ``store``, and
    append the run to ``audit_log`` if given."""
    params = query.bind(values or {})
    result = store.read(query.cypher_for(store.backend), params, timeout_s=timeout_s)
    if audit_log is not None:
        append_audit(audit_log, user=user, query=query.name, params=params, backend=store.backend,
                     data_version=store.data_version(), result=result)
    return result


def lookup_choices(store: GraphStore, query: QueryDef) -> dict[str, list[str]]:
    """Choices a form can offer for each parameter: enum choices, concept labels, or the
    first column of the parameter's lookup query."""
    out: dict[str, list[str]] = {}
    for p in query.params:
        if p.choices:
            out[p.name] = list(p.choices)
        elif p.type == "concept":
            out[p.name] = [label for _, label in p.concept_choices()]
        elif p.lookup:
            out[p.name] = [str(r[0]) for r in store.read(p.lookup).rows if r[0] is not None]
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict) and "label" in value and "properties" in value:
        p = value["properties"]
        return str(p.get("name") or p.get("title") or value["id"])
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return "; ".join(_cell(v) for v in value)  # a measure's bureaus, gathered in one cell
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def safe_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula.

    >>> safe_cell("=HYPERLINK(1)"), safe_cell("-3"), safe_cell(-3), safe_cell("区经委")
    ("'=HYPERLINK(1)", "'-3", '-3', '区经委')
    """
    text = _cell(value)
    if isinstance(value, (str, list)) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(result: ReadResult, headings: list[str] | None = None) -> str:
    """CSV text with a header row (``headings``, e.g. the query file's in one language, or
    the column names); formula-like text cells are neutralised; a list is one cell, its
    items joined by "; " as on the page."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(headings or result.columns)
    for row in result.rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def to_json(result: ReadResult) -> str:
    """JSON: columns, rows as objects, and the graph elements for drawing."""
    return json.dumps(
        {
            "columns": result.columns,
            "rows": result.records(),
            "nodes": [n.as_dict() for n in result.nodes],
            "rels": [r.as_dict() for r in result.rels],
        },
        ensure_ascii=False,
        indent=2,
        default=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v),
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_table(result: ReadResult, max_width: int = 60) -> str:
    """A plain-text table aligned for CJK (wide characters count double)."""
    cells = [[_cell(v) for v in row] for row in result.rows]
    cells = [[c if _width(c) <= max_width else c[: max_width // 2 - 1] + "…" for c in row] for row in cells]
    widths = [max([_width(h), *(_width(r[i]) for r in cells)]) for i, h in enumerate(result.columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(result.columns), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    out.append(f"({len(cells)} rows)")
    return "\n".join(out)
