"""A graph as one standalone HTML file that works offline: vis-network's script and
stylesheet, the graph data and a small drawing script all inlined, nothing fetched.

Why not pyvis: its ``local`` mode still loads vis-network from a CDN and its ``in_line``
mode still links Bootstrap (pyvis issues #228/#229); intranet analysts open these files
with no Internet at all. The file is built from the vendored copies in
``webviz/static/vendor/`` (the same bytes the app serves, minus their
``sourceMappingURL`` comments, which would make developer tools ask for a ``.map`` file).

Data goes in a ``<script type="application/json">`` element, serialised by
``script_json`` so that no text from the data can end that element: a node named
``</script><script>alert(1)</script>`` stays a string. Titles, captions and the legend are
escaped by Jinja; the drawing script sets every text from the data with ``textContent``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from flask import render_template
from markupsafe import Markup

WEBVIZ = Path(__file__).resolve().parent
VENDOR = WEBVIZ / "static" / "vendor"
OWN = WEBVIZ / "templates" / "standalone"
SCRIPTS = (VENDOR / "vis-data" / "vis-data.min.js", VENDOR / "vis-network" / "vis-network.min.js")
# Our drawing script, inlined as one element after the vendored ones: the node styles and
# details fields the app's pages share (static/graph-style.js), then the standalone drawing.
DRAWING = (WEBVIZ / "static" / "graph-style.js", OWN / "graph.js")
STYLES = (VENDOR / "vis-network" / "vis-network.min.css",)
TEMPLATE = "standalone/graph.html"

# A source-map comment at the end of a minified file (JS ``//#`` or CSS ``/*# ... */``).
_SOURCE_MAP = re.compile(r"(//[#@]\s*sourceMappingURL=[^\s]*|/\*[#@]\s*sourceMappingURL=[^*]*\*/)")
# What would end an inline element or switch the HTML parser into a script's escaped state.
_ENDS = {"script": re.compile(r"</(script)|<!--", re.I), "style": re.compile(r"</(style)", re.I)}
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_SPECIAL = re.compile("[<>&\u2028\u2029]")


def script_json(value: Any) -> Markup:
    """``value`` as JSON that is safe inside a ``<script>`` element.

    ``<``, ``>``, ``&`` and the line separators U+2028/U+2029 become ``\\uXXXX`` escapes:
    the same JSON to ``JSON.parse``, but no ``</script>`` or ``<!--`` can appear in it.

    >>> str(script_json({"name": "</script><b>"}))
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(_JSON_SPECIAL.sub(lambda m: _JSON_ESCAPES[m.group()], text))


def inline_code(text: str, element: str) -> Markup:
    """Source ``text`` made safe to place between ``<script>`` or ``<style>`` tags: its
    source-map comment dropped, and any ``</script``/``</style`` or ``<!--`` broken up
    (the vendored files hold none today; this keeps a future update from breaking out)."""
    text = _SOURCE_MAP.sub("", text)
    if element == "script":
        text = _ENDS["script"].sub(lambda m: "<\\/" + m.group(1) if m.group(1) else "\\x3C!--", text)
    else:
        text = _ENDS["style"].sub(lambda m: "<\\/" + m.group(1), text)
    return Markup(text)


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[tuple[Markup, ...], tuple[Markup, ...]]:
    """The inlined scripts and styles (vendored, then our own), read once per process; one
    element each, so that one file's missing semicolon cannot run into the next (our
    drawing script's parts are each a whole statement, joined by a newline)."""
    drawing = "\n".join(p.read_text("utf-8") for p in DRAWING)
    scripts = [p.read_text("utf-8") for p in SCRIPTS] + [drawing]
    styles = [p.read_text("utf-8") for p in STYLES] + [(OWN / "graph.css").read_text("utf-8")]
    return (tuple(inline_code(s, "script") for s in scripts), tuple(inline_code(s, "style") for s in styles))


def standalone_graph_html(graph: dict[str, Any], *, title: str, subtitle: str = "",
                          messages: dict[str, str] | None = None) -> str:
    """One HTML document drawing ``graph`` (the ``{"nodes", "edges", "types",
    "relationship_types"}`` of ``graphview.drawable``) offline, with a legend of the node
    types present and a details panel; ``messages`` are the UI strings the script shows.

    Renders in the current request's language (the caller's captions already are)."""
    scripts, styles = _assets()
    present = {n["label"] for n in graph.get("nodes", [])}
    legend = {label: t for label, t in graph.get("types", {}).items() if label in present}
    return render_template(TEMPLATE, title=title, subtitle=subtitle, legend=legend,
                           graph_json=script_json(graph), messages_json=script_json(messages or {}),
                           scripts=scripts, styles=styles, node_count=len(graph.get("nodes", [])),
                           edge_count=len(graph.get("edges", [])))
