"""The diff page: two versions of a policy side by side, article by article, with the
changed words marked (queries.diff does the work; every text is escaped there)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from policykg.errors import ParameterError
from queries.diff import diff_documents, marked
from queries.lifecycle import find_document
from webviz.context import cached, require_store
from webviz.documents import list_documents

diff_pages = Blueprint("diff_pages", __name__)


@diff_pages.get("/diff")
def diff_page() -> tuple[str, int] | str:
    """``?a=OLD&b=NEW`` (each an id, a 文号 or a title word): the diff; without them, the form."""
    store = require_store()
    docs = [{"id": d["id"], **d["properties"]} for d in cached(("documents",), list_documents)]
    a, b = request.args.get("a", "").strip()[:200], request.args.get("b", "").strip()[:200]
    view, error = None, None
    if a and b:
        try:
            view = diff_documents(store, find_document(store, a), find_document(store, b))
        except ParameterError as exc:
            error = str(exc)
    if view is not None:
        for c in view["changed"]:
            c["old_html"], c["new_html"] = marked(c["diff"])
        for c in view["sections"]["changed"]:
            c["old_html"], c["new_html"] = marked(c["diff"])
    page = render_template("diff.html", documents=docs, view=view, error=error, a=a, b=b)
    return (page, 400) if error else page
