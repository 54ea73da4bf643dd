"""HTML pages of the saved query library: the list, and one query's form with its result.

The form is sent with GET, so a result's URL is a permalink holding its parameters.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from queries import QueryDef
from webviz.context import require_store, state
from webviz.errors import heading
from webviz.graphview import node_types
from webviz.i18n import current_lang, msg, pick
from webviz.pages import JS_MESSAGES
from webviz.querylib import (
    check_values,
    error_text,
    form_fields,
    get_query,
    group_of,
    load_queries,
    request_values,
    run_saved,
)
from webviz.results import MAX_TABLE_ROWS, PAGE_SIZE, bar_chart, headings, result_graph, table_rows

query_pages = Blueprint("query_pages", __name__)

GROUPS = ("policy", "review", "deployment")
TABLE_MESSAGES = ("table_page", "table_prev", "table_next", "table_sort")  # static/tables.js's words


@query_pages.get("/queries")
def library() -> str:
    """Every saved query with its title and description, grouped, with a filter box."""
    lib = load_queries()
    groups: dict[str, list[QueryDef]] = {g: [] for g in GROUPS}
    for q in sorted(lib.queries.values(), key=lambda q: q.name):
        groups[group_of(q)].append(q)
    return render_template("queries.html", groups=groups, problems=lib.problems, total=len(lib.queries))


@query_pages.get("/queries/<name>")
def query(name: str) -> str | tuple[str, int]:
    """The query's form; with parameters in the URL (or ``run``), also its result.

    Bad values give the form again with each problem next to its field, status 400.
    """
    q = get_query(name)
    store = require_store()
    values = request_values(request.args)
    asked = "run" in request.args or any(p.name in request.args for p in q.params)
    errors = check_values(q, values) if asked else {}
    context = {
        "q": q,
        "title": pick(q.title_zh, q.title_en),
        "description": pick(q.description_zh, q.description_en),
        "fields": form_fields(store, q, values, errors),
        "cypher": q.cypher_for(store.backend),
        "errors": [(_label(q, n), error_text(e)) for n, e in errors.items()],
        "error_heading": heading(400),
        "result": None,
    }
    if not asked or errors:
        page = render_template("query.html", **context)
        return (page, 400) if errors else page
    result = run_saved(store, q, values)
    # The values the run used, a default date pinned, so a download repeats this result.
    params = {f.name: f.value if f.value != "" else f.default for f in context["fields"]}
    context.update(
        result=result,
        rows=table_rows(result),
        headings=headings(q, result, current_lang()),
        max_rows=MAX_TABLE_ROWS,
        page_size=_page_size(),
        table_messages={k: msg(k) for k in TABLE_MESSAGES},
        chart=bar_chart(result, heading=lambda c: q.heading(c, current_lang())) if q.show == "bar" else None,
        graph=result_graph(result, state().ontology) if q.show == "graph" else None,
        types=node_types(state().ontology),
        js_messages={k: msg(k) for k in JS_MESSAGES},
        csv_url=download_url(q, params, "csv"),
        json_url=download_url(q, params, "json"),
    )
    return render_template("query.html", **context)


def _page_size() -> int:
    """Rows a table shows at a time: ``?page_size=`` (10 to MAX_TABLE_ROWS), else PAGE_SIZE."""
    raw = request.args.get("page_size", "")
    return min(max(int(raw), 10), MAX_TABLE_ROWS) if raw.isdigit() else PAGE_SIZE


def _label(q: QueryDef, name: str) -> str:
    p = next((p for p in q.params if p.name == name), None)
    return pick(p.label_zh, p.label_en) if p else ""


def download_url(q: QueryDef, params: dict[str, str], fmt: str) -> str:
    """The API URL that returns this result as ``fmt`` (csv or json), same parameters."""
    return url_for("api.saved_query", name=q.name) + "?" + urlencode({**params, "format": fmt})
