"""The overview dashboard: charts of counts, the network-analysis panel and the data-quality
panel, as a page (``/dashboard``) and as JSON (``/api/dashboard``) holding everything the
page shows.

The figures come from webviz.analysis and webviz.quality, computed once per data version
(webviz.context.cached) without language; this module only names things in the request's
language: node types from the ontology, themes, bureaus, qualifications and support forms
from the data's ``name``/``name_en``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from graph import GraphStore
from webviz import analysis, quality
from webviz.context import cached, state
from webviz.i18n import current_lang, msg, pick

dashboard = Blueprint("dashboard", __name__)

TOP_CENTRAL = 10  # rows of each "most central" table on the page (the JSON has all)
LIST_LIMIT = 20  # items of each quality check listed on the page (the JSON has all)


def _quality(store: GraphStore) -> dict[str, Any]:
    finder = current_app.config.get(quality.TERM_FINDER)
    return {"shacl": quality.shacl_report(store), "checks": quality.checks(store, finder)}


def labelled(value: Any) -> Any:
    """A copy of ``value`` where every dict with ``name`` and ``name_en`` also has ``label``
    in the request's language (a bureau's with its district); cached answers stay untouched."""
    if isinstance(value, list):
        return [labelled(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: labelled(v) for k, v in value.items()}
    if "name" in value and "name_en" in value:
        name = pick(value["name"], value["name_en"])
        district = value.get("district")
        out["label"] = msg("dash_bureau_in_district", name=name, district=district) if district else name
    return out


def _chart(chart_id: str, title: str, rows: list[dict[str, Any]], note: str = "") -> dict[str, Any]:
    return {"id": chart_id, "title": title, "value_label": msg("dash_measures_count"), "note": note,
            "rows": [{"id": r["id"], "label": r["label"], "value": r["count"]} for r in rows]}


def charts(figs: dict[str, Any]) -> list[dict[str, Any]]:
    """The four bar charts (node types, themes, bureaus, support forms) with their rows."""
    ont = state().ontology
    types = []
    for label, n in figs["node_counts"].items():
        nt = ont.node_types.get(label)
        types.append({"id": label, "label": pick(nt.label_zh, nt.label_en) if nt else label, "count": n})
    themes = list(figs["themes"])
    if figs["unthemed"]:
        themes.append({"id": "", "label": msg("dash_no_theme"), "count": figs["unthemed"]})
    node_chart = _chart("node_types", msg("dash_chart_node_types"), types)
    node_chart["value_label"] = msg("count")
    return [
        node_chart,
        _chart("themes", msg("dash_chart_themes"), themes),
        _chart("bureaus", msg("dash_chart_bureaus"), figs["bureaus"],
               msg("dash_chart_bureaus_note", shown=len(figs["bureaus"]), total=figs["bureaus_total"])),
        _chart("support_forms", msg("dash_chart_forms"), figs["support_forms"]),
    ]


def dashboard_data() -> dict[str, Any]:
    """Everything the page shows, named in the request's language."""
    figs = labelled(cached(("dashboard", "figures"), analysis.figures))
    net = labelled(cached(("dashboard", "network"), analysis.network))
    finder = current_app.config.get(quality.TERM_FINDER)
    qual = labelled(cached(("dashboard", "quality", finder is not None), _quality))
    return {"lang": current_lang(), "charts": charts(figs), "figures": figs, "network": net, "quality": qual}


@dashboard.get("/dashboard")
def page() -> str:
    """The dashboard page: tables always, drawn as charts by dashboard.js when scripts run."""
    return render_template("dashboard.html", d=dashboard_data(), top=TOP_CENTRAL, limit=LIST_LIMIT)


@dashboard.get("/api/dashboard")
def api() -> Response:
    """The dashboard as JSON: ``{"ok", "lang", "charts", "figures", "network", "quality"}``."""
    return jsonify({"ok": True, **dashboard_data()})
