"""The officers' article view (政策沙盘): per article, who in the register qualifies, their
estimated total, near misses and on what, and a what-if on a threshold (queries.sandbox)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, render_template, request

from policykg.errors import ParameterError
from queries.sandbox import article_view
from webviz.context import cached, state

sandbox_pages = Blueprint("sandbox_pages", __name__)
# The district field offers the loaded documents' districts (typing one is error-prone: 闵行 vs 闵行区)
_DISTRICTS = "MATCH (d:PolicyDocument) RETURN DISTINCT d.district AS district ORDER BY district"


@sandbox_pages.get("/sandbox")
def sandbox_page() -> tuple[str, int] | str:
    """``?district=&article=&as_of=&what_if=营业收入>5000``: the article table; a what-if
    that cannot be read is shown at its field (status 400) and the table answered without it."""
    district = request.args.get("district", "").strip()[:40]
    article_arg = request.args.get("article", "").strip()
    what_if = request.args.get("what_if", "").strip()[:100]
    try:
        article = int(article_arg) if article_arg else None
        as_of = dt.date.fromisoformat(request.args["as_of"]) if request.args.get("as_of") else dt.date.today()
    except ValueError:
        abort(400)
    error = None
    ont = state().ontology
    if what_if:
        try:
            from queries.sandbox import parse_what_if

            parse_what_if(what_if, ont)
        except ParameterError as exc:
            error, what_if = str(exc), ""
    rows = cached(("sandbox", district, article, as_of, what_if),
                  lambda store: article_view(store, article=article, district=district, as_of=as_of,
                                             what_if=what_if or None, ontology=ont))
    districts = cached(("sandbox-districts",), lambda store: [r[0] for r in store.read(_DISTRICTS).rows if r[0]])
    page = render_template("sandbox.html", rows=rows, district=district, article=article_arg, as_of=as_of,
                           what_if=request.args.get("what_if", ""), error=error,
                           metrics=[c.label_zh for c in ont.concepts("metrics")], districts=districts)
    return (page, 400) if error else page
