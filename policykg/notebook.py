"""A small Python API for researchers' notebooks: saved queries as pandas DataFrames,
subgraphs as networkx graphs, and an inline interactive view (pyvis) that uses the
project's own vis-network, so nothing is fetched from a CDN.

>>> import policykg                                    # doctest: +SKIP
>>> kg = policykg.open()                               # doctest: +SKIP
>>> kg.query("qualification-supports", district="闵行区", as_of="2025-06-30")  # doctest: +SKIP
>>> g = kg.subgraph(query="path-between", from_name="小巨人", to_name="专精特新中小企业")  # doctest: +SKIP
>>> kg.show(g)                                         # doctest: +SKIP
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from graph import GraphNode, GraphRel, GraphStore, ReadResult, open_store
from ontology import Ontology, load_ontology
from policykg.errors import ParameterError
from policykg.settings import load_settings
from queries import QueryDef, load_library, run_query

VENDOR = Path(__file__).resolve().parents[1] / "webviz" / "static" / "vendor" / "vis-network"
MAX_VIEW_NODES = 1500  # a browser draws this many comfortably

# A document's outline and what its measures point to (as the web app's explore view reads it).
_DOCUMENT = """
MATCH (d:PolicyDocument)-[hc:HAS_CHAPTER]->(c:Chapter)-[ha:HAS_ARTICLE]->(a:Article)-[hm:HAS_MEASURE]->(m:Measure)
WHERE d.id = $id
OPTIONAL MATCH (m)-[r:REQUIRES|PROVIDES|TARGETS|CONCERNS]->(x)
OPTIONAL MATCH (b:Bureau)-[h:HANDLES]->(m)
RETURN d, hc, c, ha, a, hm, m, r, x, h, b
"""


class PolicyGraph:
    """An open policy graph: ``query`` (a saved query as a DataFrame), ``subgraph`` (a
    networkx MultiDiGraph), ``show`` (an inline pyvis view). Close it when done, or use
    it in a ``with`` block."""

    def __init__(self, store: GraphStore, ontology: Ontology) -> None:
        self.store = store
        self.ontology = ontology

    def __enter__(self) -> PolicyGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store (the embedded database holds a lock while open)."""
        self.store.close()

    @property
    def queries(self) -> dict[str, QueryDef]:
        """The saved query library by name."""
        return load_library()

    def _run(self, name: str, params: dict[str, Any]) -> tuple[QueryDef, ReadResult]:
        lib = load_library()
        if name not in lib:
            raise ParameterError(f"no saved query {name!r}", where="query", hint="queries: " + ", ".join(sorted(lib)))
        q = lib[name]
        return q, run_query(self.store, q, params)

    def query(self, name: str, *, headings: str | None = None, **params: Any) -> pd.DataFrame:
        """Run saved query ``name`` with typed, checked ``params`` into a DataFrame, one
        column per result column; ``headings="zh"`` or ``"en"`` names the columns with the
        query file's headings instead of the Cypher names."""
        q, result = self._run(name, params)
        columns = [q.heading(c, headings) for c in result.columns] if headings else result.columns
        return pd.DataFrame([list(r) for r in result.rows], columns=columns)

    def cypher(self, text: str, **params: Any) -> pd.DataFrame:
        """A read-only Cypher query of your own into a DataFrame (writes are refused)."""
        from queries import check_read_only

        check_read_only(text, "cypher")
        result = self.store.read(text, params)
        return pd.DataFrame([list(r) for r in result.rows], columns=result.columns)

    def subgraph(self, *, query: str | None = None, document: str | None = None,
                 **params: Any) -> nx.MultiDiGraph:
        """The nodes and relationships of a saved query's result (``query=NAME`` with its
        parameters), or of one document's outline with what its measures point to
        (``document=ID``), as a networkx MultiDiGraph: node attributes ``label``,
        ``caption`` and the stored properties; edge attributes ``type`` and properties."""
        if (query is None) == (document is None):
            raise ParameterError("give one of query=NAME or document=ID", where="subgraph")
        if query is not None:
            result = self._run(query, params)[1]
        else:
            result = self.store.read(_DOCUMENT, {"id": document})
            if not result.nodes:
                raise ParameterError(f"no document with id {document!r}", where="subgraph",
                                     hint="kg.query('documents-in-force') lists them")
        return to_networkx(result.nodes, result.rels)

    def show(self, graph: nx.MultiDiGraph, *, height: str = "600px", path: Path | str | None = None) -> Any:
        """An interactive view of ``graph`` for Jupyter (an IPython HTML object), drawn by
        pyvis with the project's vendored vis-network inlined; ``path`` also writes the
        standalone HTML file."""
        page = view_html(graph, height=height)
        if path is not None:
            Path(path).write_text(page, "utf-8")
        from IPython.display import HTML

        frame = (f'<div class="policykg-view"><iframe srcdoc="{html.escape(page, quote=True)}" '
                 f'width="100%" height="{height}" frameborder="0"></iframe></div>')
        return HTML(frame)


def to_networkx(nodes: list[GraphNode], rels: list[GraphRel]) -> nx.MultiDiGraph:
    """Nodes and relationships read from a store as a networkx MultiDiGraph."""
    g = nx.MultiDiGraph()
    for n in nodes:
        g.add_node(n.id, label=n.label, caption=caption(n), **{k: v for k, v in n.properties.items()
                                                                 if k not in ("label", "caption")})
    for r in rels:
        if r.start in g and r.end in g:
            props = {k: v for k, v in r.properties.items() if k != "type"}
            g.add_edge(r.start, r.end, key=r.type, type=r.type, **props)
    return g


def caption(node: GraphNode) -> str:
    """A short name for a node, as the web app draws it (in Chinese): 第N章/第N条 and the
    title, 措施N, or the name or title.

    >>> caption(GraphNode("Article", "a1", {"number": 19, "title": "加大培育优质企业"}))
    '第19条 加大培育优质企业'
    """
    p = node.properties
    if node.label == "Chapter":
        return f"第{p.get('number')}章 {p.get('title') or ''}".strip() if p.get("number") else str(p.get("title") or "")
    if node.label == "Article":
        return f"第{p.get('number')}条 {p.get('title') or ''}".strip()
    if node.label == "Measure":
        return f"措施{p.get('seq', '')}"
    return str(p.get("title") or p.get("name") or node.id)


def view_html(graph: nx.MultiDiGraph, *, height: str = "600px") -> str:
    """A standalone HTML page drawing ``graph`` with pyvis, every script and style inline:
    the project's vis-network (webviz/static/vendor) instead of pyvis's CDN links."""
    from pyvis.network import Network


    if graph.number_of_nodes() > MAX_VIEW_NODES:
        raise ParameterError(f"{graph.number_of_nodes()} nodes are too many to draw", where="show",
                             hint=f"at most {MAX_VIEW_NODES}: narrow the query or the document")
    styles = _styles()
    net = Network(height=height, width="100%", directed=True, cdn_resources="remote")
    for node, data in graph.nodes(data=True):
        style = styles.get(data.get("label"), {})
        net.add_node(node, label=str(data.get("caption") or node)[:30],
                     title=f"{data.get('label')}: {data.get('caption')}",
                     color=style.get("color"), shape=style.get("shape") or "dot")
    for start, end, data in graph.edges(data=True):
        net.add_edge(start, end, title=data.get("type"), label=data.get("type"), arrows="to")
    page = net.generate_html(notebook=False)
    # Drop every remote (CDN) and pyvis-local script or stylesheet, then inline our own copy.
    page = re.sub(r'<script[^>]*src="(https?:|lib/)[^"]*"[^>]*>\s*</script>', "", page)
    page = re.sub(r'<link[^>]*href="(https?:|lib/)[^"]*"[^>]*/?>', "", page)
    css = (VENDOR / "vis-network.min.css").read_text("utf-8")
    js = (VENDOR / "vis-network.min.js").read_text("utf-8")
    return page.replace("<head>", f"<head>\n<style>{css}</style>\n<script>{js}</script>", 1)


def _styles() -> dict[str, dict[str, str]]:
    """Colour and shape of each node label, from the ontology (as the web app draws them)."""
    ont = load_ontology()
    out = {}
    for label, nt in ont.node_types.items():
        out[label] = {"color": nt.colour or "#97c2fc", "shape": nt.shape or "dot"}
    return out


def open(home: Path | str | None = None, backend: str | None = None) -> PolicyGraph:
    """Open the policy graph of ``home`` (default: POLICYKG_HOME or ./var) on ``backend``
    (default: POLICYKG_BACKEND or the embedded store), read-only use intended."""
    settings = load_settings()
    overrides: dict[str, Any] = {"backend": backend}
    if home is not None:
        overrides["home"] = Path(home)
    settings = settings.with_overrides(**overrides)
    return PolicyGraph(open_store(settings), load_ontology())
