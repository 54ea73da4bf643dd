"""Which qualifications unlock which supports: a matrix of qualifications (rows) by forms
of support (columns), each cell the measures that require the one and provide the other,
with filters (district, theme, required level, in force on a date) and districts side by
side. Page ``/unlocks``, JSON ``/api/unlocks``.

Why a matrix and not a Sankey or a bipartite drawing: the relation is many-to-many (a
measure may require two qualifications and provide three forms), so the bands of a Sankey
would count one measure several times and their widths would suggest a flow that does not
exist; with 100+ qualifications and 50 forms, a two-column drawing crosses most of its
lines. A matrix shows every pair once, with its exact count in the cell, keeps the same
row order in each district's panel (districts side by side read along a row), and each
cell is a target to click for its clauses.

The graph is read through the store with four plain queries (both backends): the measures
of documents in force on the date (``queries.lifecycle.IN_FORCE``, the condition every
dated saved query uses; no date: every loaded document), what each requires, what each
provides (with amounts), and the chapters' themes. The filters then work on that in Python;
the reading is kept per data version and date, the answer per filters and language.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from graph import GraphStore
from policykg.errors import ParameterError
from queries.lifecycle import IN_FORCE
from webviz.context import cached
from webviz.i18n import current_lang, msg, pick

unlocks = Blueprint("unlocks", __name__)

MAX_PANELS = 4  # districts side by side: more would leave each panel too narrow to read
NO_LEVEL = "-"  # the level filter's value for a requirement that names no level

_MEASURES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m:Measure)
WHERE {where}
RETURN m.id AS id, m.seq AS seq, m.text AS text, a.id AS article_id, a.number AS article, a.title AS article_title,
       c.id AS chapter_id, d.id AS document_id, d.title AS document, d.doc_number AS doc_number,
       d.district AS district
ORDER BY district, document_id, article, seq, id
"""
_REQUIRES = """
MATCH (m:Measure)-[r:REQUIRES]->(q:Qualification)
RETURN m.id AS measure, q.id AS id, q.name AS name, q.name_en AS name_en, r.level AS level
ORDER BY measure, id
"""
_PROVIDES = """
MATCH (m:Measure)-[p:PROVIDES]->(f:SupportForm)
RETURN m.id AS measure, f.id AS id, f.name AS name, f.name_en AS name_en, p.amount AS amount, p.cap AS cap,
       p.ratio AS ratio, p.basis AS basis
ORDER BY measure, id
"""
_THEMES = """
MATCH (c:Chapter)-[:ABOUT]->(t:Theme)
RETURN c.id AS chapter, t.id AS id, t.name AS name, t.name_en AS name_en
ORDER BY chapter, id
"""


@dataclass(frozen=True)
class UnlockFilter:
    """What the matrix shows: districts (none: all in one panel; two or more: side by
    side), a theme id, a required level (NO_LEVEL for none named) and the date."""

    districts: tuple[str, ...] = ()
    theme: str = ""
    level: str = ""
    as_of: dt.date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any], today: dt.date | None = None) -> UnlockFilter:
        """Read ``?district=A&district=B&theme=&level=&as_of=YYYY-MM-DD``. ``as_of`` absent
        means today; present and empty means any date (every loaded document). A bad date
        or more than MAX_PANELS districts is a ParameterError."""
        getlist = getattr(args, "getlist", None)
        raw = getlist("district") if getlist else [args.get("district", "")]
        districts = tuple(dict.fromkeys(d.strip()[:60] for v in raw for d in str(v).split(",") if d.strip()))
        if len(districts) > MAX_PANELS:
            raise ParameterError(f"at most {MAX_PANELS} districts side by side, got {len(districts)}",
                                 where="?district=", hint="choose fewer districts")
        as_of: dt.date | None = today or dt.date.today()
        if "as_of" in args:
            text = str(args.get("as_of") or "").strip()
            try:
                as_of = dt.date.fromisoformat(text) if text else None
            except ValueError:
                raise ParameterError(f"as_of must be a date YYYY-MM-DD, got {text[:20]!r}", where="?as_of=",
                                     hint="e.g. 2025-06-30, or leave it empty for every loaded document") from None
        return cls(districts, str(args.get("theme") or "").strip()[:100], str(args.get("level") or "").strip()[:20],
                   as_of)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what the page puts back into its controls)."""
        return {"districts": list(self.districts), "theme": self.theme, "level": self.level,
                "as_of": self.as_of.isoformat() if self.as_of else ""}


def read_unlocks(store: GraphStore, as_of: dt.date | None) -> dict[str, Any]:
    """The measures of documents in force on ``as_of`` (all documents if None) that
    require a qualification, with what they require and provide and their chapters' themes,
    as plain rows: ``{"measures", "requires", "provides", "themes"}``."""
    where = IN_FORCE if as_of is not None else "true"
    params: dict[str, Any] = {"as_of": as_of} if as_of is not None else {}
    with store.snapshot() as read:
        measures = read(_MEASURES.format(where=where), params).records()
        requires = read(_REQUIRES).records()
        provides = read(_PROVIDES).records()
        themes = read(_THEMES).records()
    return {"measures": measures, "requires": requires, "provides": provides, "themes": themes}


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def amount_text(p: Mapping[str, Any]) -> str:
    """What a PROVIDES relationship says of the sum, in the request's language ('' if
    nothing): a fixed sum, a ceiling, a share of a basis (money in 万元, as extracted)."""
    parts = []
    if (amount := _number(p.get("amount"))) is not None and amount >= 1:
        parts.append(msg("unlocks_amount", v=_fmt(amount)))
    if (cap := _number(p.get("cap"))) is not None:
        parts.append(msg("unlocks_cap", v=_fmt(cap)))
    if (ratio := _number(p.get("ratio"))) is not None:
        basis = str(p.get("basis") or "")
        parts.append(msg("unlocks_ratio", v=_fmt(ratio)) + (f" ({basis})" if basis else ""))
    return ", ".join(parts)


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 else f"{v:g}"


def _most(p: Mapping[str, Any]) -> float | None:
    """The largest sum in 万元 a PROVIDES relationship names (a ceiling or a fixed sum)."""
    sums = [x for x in (_number(p.get("cap")), _number(p.get("amount"))) if x is not None and x >= 1]
    return max(sums) if sums else None


def build_matrix(raw: Mapping[str, Any], flt: UnlockFilter, article_url: Any = None) -> dict[str, Any]:
    """The matrix under ``flt``: ``qualifications`` (rows, most measures first), ``panels``
    (one per district asked for, or one for all), each with its ``forms`` (columns, with
    measure counts and the largest sum named) and ``cells`` ``[row, column, count,
    measure ids]``; ``measures`` (id -> clause: document, article, measure text, what it
    requires and provides, ``url`` of the article's source); ``facets`` (the choices the
    filters offer, with counts) and ``filters`` as applied. Labels in the request's language.

    ``article_url(measure_row)`` gives a clause's link (the graph page in the app)."""
    themes_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in raw["themes"]:
        themes_of[t["chapter"]].append(t)
    req_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in raw["requires"]:
        req_of[r["measure"]].append(r)
    pro_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in raw["provides"]:
        pro_of[p["measure"]].append(p)

    # measures that require something: the universe the facets count in
    found = [m for m in raw["measures"] if req_of.get(m["id"])]
    facet_district: Counter[str] = Counter(str(m["district"] or "") for m in found)
    facet_theme: Counter[str] = Counter()
    theme_names: dict[str, str] = {}
    facet_level: Counter[str] = Counter()
    for m in found:
        for t in {t["id"]: t for t in themes_of.get(m["chapter_id"], [])}.values():
            facet_theme[t["id"]] += 1
            theme_names[t["id"]] = pick(t["name"], t["name_en"] or "")
        for lv in {r["level"] or NO_LEVEL for r in req_of[m["id"]]}:
            facet_level[lv] += 1
    _check(flt, facet_district, facet_theme, facet_level)

    def kept_requirements(m: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [r for r in req_of[m["id"]] if not flt.level or (r["level"] or NO_LEVEL) == flt.level]

    kept = [m for m in found
            if (not flt.districts or str(m["district"] or "") in flt.districts)
            and (not flt.theme or any(t["id"] == flt.theme for t in themes_of.get(m["chapter_id"], [])))
            and kept_requirements(m)]

    no_form = {"id": "", "name": msg("unlocks_no_form"), "name_en": msg("unlocks_no_form"),
               "amount": None, "cap": None, "ratio": None, "basis": None}
    panels_of = list(flt.districts) if flt.districts else [""]
    row_measures: dict[str, set[str]] = defaultdict(set)
    row_names: dict[str, str] = {}
    cells: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    col_measures: dict[tuple[str, str], set[str]] = defaultdict(set)
    col_names: dict[str, str] = {}
    col_most: dict[tuple[str, str], float] = {}
    measures: dict[str, dict[str, Any]] = {}
    for m in kept:
        panel = str(m["district"] or "") if flt.districts else ""
        reqs = kept_requirements(m)
        forms = pro_of.get(m["id"]) or [no_form]
        for r in reqs:
            row_measures[r["id"]].add(m["id"])
            row_names[r["id"]] = pick(r["name"], r["name_en"] or "")
            for f in forms:
                cells[(panel, r["id"], f["id"])].add(m["id"])
        for f in forms:
            col_measures[(panel, f["id"])].add(m["id"])
            col_names[f["id"]] = pick(f["name"], f["name_en"] or "")
            most = _most(f)
            if most is not None:
                col_most[(panel, f["id"])] = max(most, col_most.get((panel, f["id"]), 0.0))
        measures[m["id"]] = _clause(m, req_of[m["id"]], pro_of.get(m["id"], []), article_url)

    rows = sorted(row_measures, key=lambda q: (-len(row_measures[q]), row_names[q], q))
    row_index = {q: i for i, q in enumerate(rows)}
    panels = []
    for panel in panels_of:
        cols = sorted({f for (p, f) in col_measures if p == panel},
                      key=lambda f: (f == "", -len(col_measures[(panel, f)]), col_names[f], f))
        col_index = {f: i for i, f in enumerate(cols)}
        in_panel = {mid for (p, _), ids in col_measures.items() if p == panel for mid in ids}
        panel_cells = sorted(([row_index[q], col_index[f], len(ids), sorted(ids)]
                              for (p, q, f), ids in cells.items() if p == panel), key=lambda c: (c[0], c[1]))
        panels.append({
            "district": panel,
            "label": panel or (msg("unlocks_all_districts")),
            "measures": len(in_panel),
            "documents": len({measures[i]["document_id"] for i in in_panel}),
            "forms": [{"id": f, "name": col_names[f], "measures": len(col_measures[(panel, f)]),
                       "most_wan": col_most.get((panel, f)),
                       "most": msg("unlocks_cap", v=_fmt(col_most[(panel, f)])) if (panel, f) in col_most else ""}
                      for f in cols],
            "cells": panel_cells,
        })
    return {
        "qualifications": [{"id": q, "name": row_names[q], "measures": len(row_measures[q])} for q in rows],
        "panels": panels,
        "measures": measures,
        "total_measures": len(kept),
        "total_documents": len({m["document_id"] for m in kept}),
        "filters": flt.as_dict(),
        "facets": {
            "districts": [{"id": d, "name": d, "measures": n}
                          for d, n in sorted(facet_district.items(), key=lambda x: (-x[1], x[0])) if d],
            "themes": [{"id": t, "name": theme_names[t], "measures": n}
                       for t, n in sorted(facet_theme.items(), key=lambda x: (-x[1], theme_names[x[0]]))],
            "levels": [{"id": lv, "name": msg("unlocks_level_none") if lv == NO_LEVEL else lv, "measures": n}
                       for lv, n in sorted(facet_level.items(), key=lambda x: (x[0] == NO_LEVEL, -x[1], x[0]))],
        },
    }


def _check(flt: UnlockFilter, districts: Counter[str], themes: Counter[str], levels: Counter[str]) -> None:
    """A filter value the data does not offer is a ParameterError naming it."""
    for d in flt.districts:
        if d not in districts:
            raise ParameterError(msg("unlocks_unknown", what=msg("district"), value=d[:60]), where="?district=",
                                 hint=msg("unlocks_choose_offered"))
    if flt.theme and flt.theme not in themes:
        raise ParameterError(msg("unlocks_unknown", what=msg("unlocks_theme"), value=flt.theme[:60]), where="?theme=",
                             hint=msg("unlocks_choose_offered"))
    if flt.level and flt.level not in levels:
        raise ParameterError(msg("unlocks_unknown", what=msg("unlocks_level"), value=flt.level[:20]), where="?level=",
                             hint=msg("unlocks_choose_offered"))


def _clause(m: Mapping[str, Any], reqs: list[dict[str, Any]], pros: list[dict[str, Any]],
            article_url: Any) -> dict[str, Any]:
    """One measure as the clause list shows it: where it is, its text, what it asks and gives."""
    article = msg("article_caption", number=m["article"]) if m["article"] is not None else ""
    return {
        "id": m["id"], "seq": m["seq"], "text": m["text"] or "",
        "district": m["district"] or "", "document_id": m["document_id"], "document": m["document"] or "",
        "doc_number": m["doc_number"] or "",
        "article_id": m["article_id"], "article": f"{article} {m['article_title'] or ''}".strip(),
        "measure": msg("measure_caption", seq=m["seq"]),
        "requires": [{"name": pick(r["name"], r["name_en"] or ""), "level": r["level"] or ""} for r in reqs],
        "provides": [{"name": pick(p["name"], p["name_en"] or ""), "amount": amount_text(p)} for p in pros],
        "url": article_url(m) if article_url else "",
    }


def _article_url(m: Mapping[str, Any]) -> str:
    """The document's graph page opened on the clause's chapter, the article selected and
    the measure's span marked in its source text (static/graph.js reads node= and measure=)."""
    return url_for("pages.document_graph", doc_id=m["document_id"], chapter=m["chapter_id"],
                   node=m["article_id"], measure=m["seq"], lang=current_lang())


def unlocks_answer(flt: UnlockFilter) -> dict[str, Any]:
    """``build_matrix`` of the store's data under ``flt``, kept per data version."""
    raw = cached(("unlocks-raw", flt.as_of), lambda store: read_unlocks(store, flt.as_of))
    return cached(("unlocks", flt, current_lang()), lambda _store: build_matrix(raw, flt, _article_url))


@unlocks.get("/unlocks")
def page() -> str:
    """The matrix page; the script fetches ``/api/unlocks`` with the page's own query string."""
    flt = UnlockFilter.from_args(request.args)
    return render_template("unlocks.html", filters=flt.as_dict(), max_panels=MAX_PANELS)


@unlocks.get("/api/unlocks")
def api() -> Response:
    """The matrix as JSON (``build_matrix``), for the page and for anyone's own chart."""
    return jsonify({"ok": True, **unlocks_answer(UnlockFilter.from_args(request.args))})
