"""A comparison as one self-contained HTML page (no scripts, no external assets: it is
mailed around and opened on intranets), with the theme × document matrix shaded by count."""

from __future__ import annotations

from html import escape
from typing import Any

from graph.rdf_compare import Comparison

_STYLE = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:0 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em}
th{background:#f3f3f3;text-align:left}td.n{text-align:right}.matrix td.n{min-width:4em}
caption{text-align:left;font-weight:bold;padding:.3em 0}
"""


def _cell(value: Any) -> str:
    if value is None:
        return '<td class="n"></td>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<td class="n">{value:g}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(title)}</caption><tr>{head}</tr>{body}</table>"


def _matrix(c: Comparison) -> str:
    """Themes down, documents across; the darker the cell, the more measures."""
    themes = c.themes()
    top = max([max(x, y) for _, _, x, y in themes] or [1]) or 1
    head = (f"<tr><th>theme</th><th>A: {escape(c.a.doc.district)}</th>"
            f"<th>B: {escape(c.b.doc.district)}</th></tr>")
    rows = []
    for _, name, x, y in themes:
        cells = "".join(f'<td class="n" style="background:rgba(112,48,160,{0.08 + 0.8 * v / top:.2f})">{v}</td>'
                        for v in (x, y))
        rows.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    return f'<table class="matrix"><caption>measures per theme</caption>{head}{"".join(rows)}</table>'


def comparison_html(c: Comparison) -> str:
    """The whole comparison as an HTML document."""
    title = f"{c.a.doc.district} {c.a.doc.title} ↔ {c.b.doc.district} {c.b.doc.title}"
    parts = [_matrix(c) if name == "measures per theme" else _table(name, cols, rows)
             for name, cols, rows in c.sections()]
    return (f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{''.join(parts)}</body></html>\n")
