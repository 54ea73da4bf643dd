"""Export and compare in the browser: RDF downloads, standalone HTML graphs, and two
documents side by side.

Nothing here computes RDF or comparisons itself: the RDF is ``graph.rdf.export_rdf`` (what
``policykg export rdf`` runs), the comparison ``graph.rdf_compare.compare_documents`` (what
``policykg compare`` runs) and its downloadable page ``comparison_html``. This module
checks the request, streams the answer and lays out the comparison in the app's language.

Pages: ``/export`` (forms and links), ``/compare?a=&b=``. Files: ``/api/export/rdf``,
``/export/documents/<id>/graph.html``, ``/export/queries/<name>/graph.html``,
``/export/compare.html``. JSON: ``/api/compare?a=&b=``.
"""

from __future__ import annotations

import io
import queue
import re
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any
from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from graph.rdf import export_rdf
from graph.rdf_compare import Comparison, DocInfo, compare_documents, documents, pick_document
from graph.rdf_compare_html import comparison_html
from policykg.errors import ParameterError
from queries import QueryDef
from webviz.api import explored, flag, int_arg
from webviz.context import cached, require_store, state
from webviz.documents import find_document, list_documents
from webviz.errors import heading
from webviz.explore import MAX_DEPTH, GraphFilter, ego_network
from webviz.i18n import current_lang, msg, pick
from webviz.querylib import Field, check_values, error_text, get_query, request_values, run_saved
from webviz.results import result_graph
from webviz.standalone import standalone_graph_html

exports = Blueprint("exports", __name__)

# Media type and file suffix per RDF syntax of graph.rdf.FORMATS; the page offers the first two.
RDF_MEDIA = {
    "turtle": ("text/turtle; charset=utf-8", "ttl", "Turtle"),
    "jsonld": ("application/ld+json; charset=utf-8", "jsonld", "JSON-LD"),
    "ntriples": ("application/n-triples; charset=utf-8", "nt", "N-Triples"),
    "rdfxml": ("application/rdf+xml; charset=utf-8", "rdf", "RDF/XML"),
}
PAGE_FORMATS = ("turtle", "jsonld")
# UI strings the standalone file's script shows.
STANDALONE_MESSAGES = ("node_type", "relationships", "load_failed")
CHUNK = 1 << 16  # bytes per streamed piece of an RDF download
KEEP_HTML_CHARS = 8_000_000  # a standalone graph file larger than this is rendered per request, not kept
HEAT_STEPS = 5  # shades of the theme matrix (CSS classes heat-0 .. heat-5)
# Concept schemes whose English labels name a comparison's rows, by Comparison section.
SCHEMES = {"themes": "themes", "support-forms": "support_forms", "qualifications": "qualifications",
           "bureaus": "bureaus"}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


# --- the export page and RDF -----------------------------------------------------------------
@exports.get("/export")
def export_page() -> str:
    """Forms for the RDF download (a document or all, Turtle or JSON-LD, with the ontology or
    not) and a standalone graph link per document."""
    return render_template("export.html", documents=cached(("documents",), list_documents),
                           formats=[(f, RDF_MEDIA[f][2]) for f in PAGE_FORMATS])


@exports.get("/api/export/rdf")
def export_rdf_file() -> Response:
    """The graph, or one ``document``'s part of it, as an RDF file: ``format=turtle|jsonld``
    (also ``ntriples``, ``rdfxml``), ``with_ontology=1`` adds the ontology's own triples,
    ``enterprises=0`` leaves out the enterprise register (to share with another district).

    Streamed as the store is read (``graph.rdf`` pages through the store and pyoxigraph
    serialises as the lines come), so a large graph never sits whole in memory."""
    fmt = request.args.get("format", "turtle").strip() or "turtle"
    if fmt not in RDF_MEDIA:
        raise ParameterError(f"format must be one of {', '.join(RDF_MEDIA)}, got {fmt[:20]!r}",
                             where="?format=", hint="turtle or jsonld")
    with_ontology = flag("with_ontology")
    enterprises = flag("enterprises") if "enterprises" in request.args else True
    doc_id = request.args.get("document", "").strip()
    store = require_store()
    if doc_id and find_document(store, doc_id) is None:
        abort(404, msg("no_such_document"))
    media, suffix, _ = RDF_MEDIA[fmt]
    body = stream_output(lambda out: export_rdf(store, out, fmt, source=doc_id or None,
                                                with_ontology=with_ontology, enterprises=enterprises))
    name = ("policykg" + (f"-{doc_id}" if doc_id else "") + ("-with-ontology" if with_ontology else "")
            + ("" if enterprises else "-no-enterprises"))
    return attachment(body, media, f"{name}.{suffix}")


_DONE = object()


class _QueueWriter(io.RawIOBase):
    """The writing end of a download: bytes go into a bounded queue that the response
    reads; once the reader is gone (``cancelled``), writing fails and the export stops."""

    def __init__(self, chunks: queue.Queue[Any], cancelled: threading.Event) -> None:
        super().__init__()
        self._chunks = chunks
        self._cancelled = cancelled

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        _put(self._chunks, bytes(data), self._cancelled)
        return len(data)


def _put(chunks: queue.Queue[Any], item: Any, cancelled: threading.Event) -> None:
    while True:
        if cancelled.is_set():
            raise BrokenPipeError("the download was cancelled")
        try:
            chunks.put(item, timeout=0.5)
            return
        except queue.Full:
            continue


def stream_output(write: Callable[[IO[bytes]], Any], chunk: int = CHUNK) -> Iterator[bytes]:
    """The bytes ``write(out)`` writes to ``out``, as an iterator of pieces of about ``chunk``
    bytes, for a streamed response.

    ``write`` runs in a worker thread (pyoxigraph serialises into a file object, it cannot
    be pulled from), at most a few pieces ahead of the client. An error in ``write`` is
    raised here, after the pieces before it (the server then cuts the connection, so a
    broken download is never mistaken for a whole one); a client that goes away stops the
    worker at its next write. The thread starts when the response is first read."""
    chunks: queue.Queue[Any] = queue.Queue(maxsize=8)
    cancelled = threading.Event()

    def work() -> None:
        out = io.BufferedWriter(_QueueWriter(chunks, cancelled), chunk)
        try:
            write(out)
            out.flush()
            item: Any = _DONE
        except BaseException as exc:  # handed to the reading side
            item = exc
        try:
            _put(chunks, item, cancelled)
        except BrokenPipeError:
            pass

    worker = threading.Thread(target=work, name="policykg-export", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancelled.set()


def attachment(body: str | bytes | Iterator[bytes], mimetype: str, filename: str) -> Response:
    """A download named ``filename`` (reduced to safe ASCII).

    The app's strict Content-Security-Policy stays on the response: a browser does not
    render an attachment, and headers are not saved with the file, so a downloaded page
    runs its own inline scripts when opened from disk, while the same bytes shown inline
    by mistake would have every script blocked."""
    safe = _UNSAFE_FILENAME.sub("-", filename).strip("-.") or "download"
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return response


# --- standalone HTML graphs --------------------------------------------------------------------
def _standalone_messages() -> dict[str, str]:
    return {k: msg(k) for k in STANDALONE_MESSAGES}


@exports.get("/export/documents/<doc_id>/graph.html")
def document_graph_html(doc_id: str) -> Response:
    """The document's graph as one offline HTML file, captions in the request's language:
    the view the graph page shows, with the same query string: its filters
    (``?chapter=&theme=&bureau=&support=&types=``; ``measures=1`` adds measures), the
    relationship types it hides (``hide=HANDLES,ABOUT``: those edges are left out) and,
    with ``ego=ID&depth=N``, the network around one node instead of the outline.

    The same drawing as the graph page (webviz.explore: reading order, kept per data
    version), at most POLICYKG_GRAPH_MAX_NODES nodes (2,000 by default); the subtitle says
    "showing N of M" when a larger document is cut, so a 20,000-article document gives a
    file a browser can open, not one of 75 MB."""
    flag("measures")  # 400 for a value that is not a boolean
    flt = GraphFilter.from_args(request.args, state().ontology)
    hide = tuple(sorted({t.strip() for t in request.args.get("hide", "").split(",") if t.strip()}))
    for t in hide:
        if t not in state().ontology.rel_types:
            raise ParameterError(f"unknown relationship type {t[:40]!r}", where="?hide=",
                                 hint="relationship types: " + ", ".join(sorted(state().ontology.rel_types)))
    ego = request.args.get("ego", "").strip()[:200]
    depth = int_arg("depth", 1, 1, MAX_DEPTH)
    store = require_store()

    def render() -> str | None:
        props = find_document(store, doc_id)
        if props is None:
            return None
        cap = state().settings.graph_max_nodes
        found = (ego_network(store, state().ontology, ego, depth, cap) if ego
                 else explored(doc_id, flt, cap))
        if found is None:
            return None
        capped = found["total"] > found["shown"]
        note = msg("showing_nodes", shown=found["shown"], total=found["total"]) if capped else ""
        graph = {k: v for k, v in found.items() if k not in ("facets", "filters", "note")}
        graph["edges"] = [e for e in graph["edges"] if e["type"] not in hide]
        facts = [str(f) for f in (props.get("district"), props.get("doc_number"), props.get("issued_on")) if f]
        if ego:
            centre = next((n["caption"] for n in graph["nodes"] if n["id"] == ego), ego)
            facts.append(msg("graph_ego_heading", name=centre, n=len(graph["nodes"])))
        if note:
            facts.append(note)
        return standalone_graph_html(graph, title=str(props.get("title") or msg("untitled")),
                                     subtitle=" · ".join(facts), messages=_standalone_messages())

    # kept per data version, view and language (a file is a few MB at most: the node cap bounds it)
    html = state().cache.get(store, ("graph-html", doc_id, flt, hide, ego, depth, current_lang()), render,
                             keep=lambda h: h is not None and len(h) < KEEP_HTML_CHARS)
    if html is None:
        abort(404, msg("no_such_node") if ego else msg("no_such_document"))
    suffix = "-measures" if "Measure" in flt.types else ""
    suffix += "-filtered" if flt.narrows or hide else ""
    suffix += "-ego" if ego else ""
    return attachment(html, "text/html; charset=utf-8", f"policykg-{doc_id}{suffix}-graph.html")


@exports.get("/export/queries/<name>/graph.html")
def query_graph_html(name: str) -> Response:
    """A saved query's result (same parameters as its page) drawn as one offline HTML file:
    its nodes and relationships, at most ``results.MAX_GRAPH_NODES`` nodes."""
    q = get_query(name)
    values = request_values(request.args)
    errors = check_values(q, values)
    if errors:
        raise next(iter(errors.values()))
    result = run_saved(require_store(), q, values)
    graph = result_graph(result, state().ontology)
    shown = "; ".join(f"{k}={v}" for k, v in values.items())
    subtitle = msg("standalone_query_subtitle", name=q.name, params=shown or "-")
    if graph["total"] > len(graph["nodes"]):
        subtitle += " · " + msg("showing_nodes", shown=len(graph["nodes"]), total=graph["total"])
    html = standalone_graph_html(graph, title=pick(q.title_zh, q.title_en), subtitle=subtitle,
                                 messages=_standalone_messages())
    return attachment(html, "text/html; charset=utf-8", f"policykg-{q.name}-graph.html")


def standalone_query_url(q: QueryDef, fields: list[Field]) -> str:
    """The standalone graph file of the result a query page shows: the page's parameters,
    a default pinned as the page pins it for its CSV, so the file repeats that result."""
    params = {f.name: f.value if f.value != "" else f.default for f in fields}
    params = {k: v for k, v in params.items() if v != ""}
    return url_for("exports.query_graph_html", name=q.name) + "?" + urlencode({**params, "lang": current_lang()})


@exports.app_context_processor
def _template_helpers() -> dict[str, object]:
    """``standalone_query_url`` for the query page's download link."""
    return {"standalone_query_url": standalone_query_url}


# --- compare -----------------------------------------------------------------------------------
def _known_documents() -> list[DocInfo]:
    return cached(("compare-documents",), documents)


def _document(key: str, docs: list[DocInfo]) -> DocInfo:
    """The document named by ``?key=``: an id, or (as ``policykg compare`` takes) a unique
    word of a title or district. Missing or ambiguous: ParameterError (400); no match: 404."""
    text = request.args.get(key, "").strip()
    if not text:
        raise ParameterError(msg("compare_missing", param=key), where=f"?{key}=", hint=msg("compare_need_two"))
    if not any(d.id == text or text in d.title or text in d.district for d in docs):
        abort(404, msg("compare_unknown", param=key, value=text[:80]))
    try:
        return pick_document(docs, text)
    except ParameterError as exc:
        raise ParameterError(exc.message, where=f"?{key}=", hint=exc.hint) from None


def _comparison() -> Comparison:
    """The comparison asked for by ``?a=&b=``, kept for the current data version."""
    docs = _known_documents()
    a, b = _document("a", docs), _document("b", docs)
    if a.id == b.id:
        raise ParameterError(msg("compare_same"), where="?b=")
    return cached(("compare", a.id, b.id), lambda store: compare_documents(store, a.id, b.id))


@exports.get("/api/compare")
def compare_json() -> Response:
    """Two documents compared (``?a=&b=``: ids or unique words): the figures of
    ``policykg compare --format json``, with ``"ok": true``."""
    return jsonify({"ok": True, **_comparison().as_dict()})


@exports.get("/export/compare.html")
def compare_html_file() -> Response:
    """The comparison as the CLI's self-contained HTML report (``policykg compare --format html``)."""
    c = _comparison()
    return attachment(comparison_html(c), "text/html; charset=utf-8",
                      f"policykg-compare-{c.a.doc.id}-{c.b.doc.id}.html")


@exports.get("/compare")
def compare_page() -> tuple[str, int]:
    """Two selects of the loaded documents; with ``?a=&b=``, their comparison. A bad or
    unknown choice shows the form again with the reason (400 or 404)."""
    docs = _known_documents()
    asked = "a" in request.args or "b" in request.args
    view, error, status = None, None, 200
    if asked:
        try:
            view = comparison_view(_comparison())
        except ParameterError as exc:
            error, status = error_text(exc), 400
        except NotFound as exc:
            error, status = str(exc.description), 404
    query = urlencode({"a": request.args.get("a", ""), "b": request.args.get("b", "")})
    return render_template(
        "compare.html", documents=docs, chosen=(request.args.get("a", ""), request.args.get("b", "")),
        view=view, error=error, error_heading=heading(status) if error else "",
        json_url=url_for("exports.compare_json") + "?" + query,
        html_url=url_for("exports.compare_html_file") + "?" + query,
    ), status


def _number(value: Any) -> str:
    """A figure as the page shows it: empty for none, floats in plain notation without
    trailing zeros.

    >>> _number(None), _number(3), _number(3000000.0), _number(0.35)
    ('', '3', '3000000', '0.35')
    """
    if value is None:
        return ""
    if isinstance(value, float):  # 3000000.0 as 3000000, not 3e+06; 0.35 as 0.35
        return str(int(value)) if value.is_integer() else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def comparison_view(c: Comparison) -> dict[str, Any]:
    """The comparison laid out for compare.html, names in the request's language: the
    documents, the theme matrix (with a shade 0..HEAT_STEPS per cell), support forms,
    qualifications by who rewards them, bureaus' shares and stated amounts.

    Names are the data's own (Chinese); in English, a concept's English label from the
    ontology when it has one."""
    ont = state().ontology
    english = current_lang() == "en"

    def name(section: str, key: str, fallback: str) -> str:
        concept = ont.concept(SCHEMES[section], key) if english else None
        return concept.label_en if concept and concept.label_en else fallback

    themes = c.themes()
    top = max([max(x, y) for _, _, x, y in themes] or [0]) or 1
    quals = c.qualifications()
    return {
        "docs": [{"side": side, "id": f.doc.id, "district": f.doc.district, "title": f.doc.title,
                  "articles": f.articles, "measures": f.measures} for side, f in (("A", c.a), ("B", c.b))],
        "themes": [{"id": k, "name": name("themes", k, n), "a": x, "b": y,
                    "heat_a": round(HEAT_STEPS * x / top), "heat_b": round(HEAT_STEPS * y / top),
                    "coverage": "both" if x and y else "only_a" if x else "only_b"}
                   for k, n, x, y in themes],
        "forms": [{"id": k, "name": name("support-forms", k, n), "a": x, "b": y} for k, n, x, y in c.support_forms()],
        "qualifications": {group: [{"id": k, "name": name("qualifications", k, n), "a": x, "b": y}
                                   for k, n, x, y in rows]
                           for group, rows in quals.items()},
        "bureaus": [{"side": s, "id": k, "name": name("bureaus", k, n), "articles": count, "share": _number(p)}
                    for s, k, n, count, p in c.bureaus()],
        "amounts": [{"side": s, "id": k, "name": name("support-forms", k, n), "measures": count,
                     "amount": _number(am), "cap": _number(cap), "ratio": _number(r)}
                    for s, k, n, count, am, cap, r in c.amounts()],
    }
