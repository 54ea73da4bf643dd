"""The overview dashboard: charts of counts, the network-analysis panel and the data-quality
panel, as a page (``/dashboard``) and as JSON (``/api/dashboard``) holding everything the
page shows.

The figures come from webviz.analysis and webviz.quality without language; this module
only names things in the request's language: node types from the ontology, themes,
bureaus, qualifications and support forms from the data's ``name``/``name_en``.

Computed once per data version (``store.data_version()``), single-flight: the first viewer
of a new version starts one computation (in a thread of its own, SHACL in a child process:
webviz.shacl), concurrent viewers wait for that same computation, and the answer is kept
for the version. A viewer waits at most ``Settings.dashboard_wait_s`` (60 s by default,
POLICYKG_DASHBOARD_WAIT); past that it is shown a page saying the dashboard is being
computed, which reloads itself. A failed computation is not kept: its viewers get an error
panel (500) naming the cause, and the next view starts a new computation.

``app.extensions[EXTENSION]`` is the app's DashboardRunner; its ``computations`` counter is
how tests (and an operator) see that concurrent viewers shared one computation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, jsonify, render_template, request
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from graph import GraphStore
from policykg.errors import PolicyKGError
from webviz import analysis, quality
from webviz.context import require_store, state
from webviz.i18n import current_lang, msg, pick

dashboard = Blueprint("dashboard", __name__)

EXTENSION = "policykg-dashboard"
TOP_CENTRAL = 10  # rows of each "most central" table on the page (the JSON has all)
LIST_LIMIT = 20  # items of each quality check listed on the page (the JSON has all)
REFRESH_S = 5  # the "being computed" page reloads itself after this many seconds

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Flight:
    """One running computation: its viewers wait on ``done``, then read value or error."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: dict[str, Any] | None = None
        self.error: BaseException | None = None


class DashboardRunner:
    """The dashboard's figures, computed once per data version (single flight).

    ``get`` answers ``("ready", figures)``, ``("pending", None)`` after a bounded wait, or
    ``("failed", error)``. Only the newest version's answer and its per-language views are
    kept (an old version is never shown again). ``computations`` counts the computations
    started, ``failures`` those that failed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._value: dict[str, Any] | None = None
        self._views: dict[str, Any] = {}
        self._flights: dict[str, _Flight] = {}
        self.computations = 0
        self.failures = 0

    def get(self, version: str, compute: Callable[[], dict[str, Any]], wait_s: float) -> tuple[str, Any]:
        """The figures of ``version``: kept, or computed by one ``compute()`` however many
        viewers ask at once; each viewer waits at most ``wait_s`` seconds for it."""
        with self._lock:
            if self._version == version and self._value is not None:
                return "ready", self._value
            flight = self._flights.get(version)
            if flight is None:
                flight = self._flights[version] = _Flight()
                self.computations += 1
                threading.Thread(target=self._run, args=(version, flight, compute), daemon=True,
                                 name=f"policykg-dashboard-{self.computations}").start()
        if not flight.done.wait(wait_s):
            return "pending", None
        if flight.error is not None:
            return "failed", flight.error
        return "ready", flight.value

    def _run(self, version: str, flight: _Flight, compute: Callable[[], dict[str, Any]]) -> None:
        try:
            flight.value = compute()
        except BaseException as exc:  # handed to every viewer waiting; never kept
            log.error("dashboard computation for data version %s failed: %s", version, exc,
                      exc_info=not isinstance(exc, PolicyKGError))
            flight.error = exc
        with self._lock:
            del self._flights[version]
            if flight.error is None:
                self._version, self._value, self._views = version, flight.value, {}
            else:
                self.failures += 1
        flight.done.set()

    def view(self, version: str, key: str, build: Callable[[], T]) -> T:
        """``build()``, kept under ``key`` (a language, a rendering) while ``version`` is the
        newest computed: the page and JSON are named and serialised once, not per view."""
        with self._lock:
            found = self._views.get(key) if self._version == version else None
        if found is None:
            found = build()
            with self._lock:
                if self._version == version:
                    self._views[key] = found
        return found


@dashboard.record_once
def _install(setup: BlueprintSetupState) -> None:
    setup.app.extensions[EXTENSION] = DashboardRunner()


def runner(app: Flask | None = None) -> DashboardRunner:
    """The app's DashboardRunner (``app.extensions[EXTENSION]``)."""
    return (app or current_app).extensions[EXTENSION]


def compute(store: GraphStore, finder: quality.TermFinder | None, settings: Any) -> dict[str, Any]:
    """Everything the dashboard shows, language-neutral: figures, network and quality."""
    shacl = quality.shacl_report(store, max_triples=settings.shacl_max_triples, timeout_s=settings.shacl_timeout_s)
    return {"figures": analysis.figures(store), "network": analysis.network(store),
            "quality": {"shacl": shacl, "checks": quality.checks(store, finder)}}


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


def dashboard_data() -> tuple[str, Any, str]:
    """``("ready", everything the page shows, named in the request's language, version)``,
    or ``("pending", None, version)`` or ``("failed", error, version)`` (DashboardRunner.get)."""
    store = require_store()
    st = state()
    finder = current_app.config.get(quality.TERM_FINDER)
    version = st.cache.version(store)
    run = runner()
    status, value = run.get(version, lambda: compute(store, finder, st.settings), st.settings.dashboard_wait_s)
    if status != "ready":
        return status, value, version
    lang = current_lang()

    def build() -> dict[str, Any]:
        figs, net, qual = (labelled(value[k]) for k in ("figures", "network", "quality"))
        return {"lang": lang, "charts": charts(figs), "figures": figs, "network": net, "quality": qual}

    return "ready", run.view(version, f"data:{lang}", build), version


def _failure_text(error: BaseException) -> tuple[str, str | None, str | None]:
    """What a viewer is told of a failed computation: a library error's own message, where
    and hint; anything else only that it failed (the log has the traceback)."""
    if isinstance(error, PolicyKGError):
        return error.message, error.where, error.hint
    return msg("dash_failed_unexpected"), None, None


def _render(d: dict[str, Any]) -> str:
    return render_template("dashboard.html", d=d, top=TOP_CENTRAL, limit=LIST_LIMIT,
                           shacl_limit=state().settings.shacl_max_triples)


@dashboard.get("/dashboard")
def page() -> tuple[str, int, dict[str, str]]:
    """The dashboard page: tables always, drawn as charts by dashboard.js when scripts run;
    while it is being computed (202) a page that reloads itself; an error panel (500)
    when the computation failed. The page as rendered is kept per version and language
    (only for URLs with no parameter but ``lang``, so that what is kept stays bounded)."""
    status, value, version = dashboard_data()
    if status == "ready":
        if set(request.args) <= {"lang"}:
            key = f"html:{current_lang()}:{request.query_string.decode('latin-1')}"
            return runner().view(version, key, lambda: _render(value)), 200, {}
        return _render(value), 200, {}
    if status == "pending":
        return (render_template("dashboard.html", d=None, pending=True, refresh=REFRESH_S), 202,
                {"Retry-After": str(REFRESH_S)})
    message, where, hint = _failure_text(value)
    return render_template("dashboard.html", d=None, failed=True, message=message, where=where, hint=hint), 500, {}


@dashboard.get("/api/dashboard")
def api() -> Response:
    """The dashboard as JSON: ``{"ok", "lang", "charts", "figures", "network", "quality"}``
    (serialised once per version and language); while it is being computed ``{"ok": false,
    "pending": true, "error"}`` (202, with Retry-After); when the computation failed
    ``{"ok": false, "error", "where"}`` (500)."""
    status, value, version = dashboard_data()
    if status == "ready":
        body = runner().view(version, f"json:{current_lang()}", lambda: jsonify({"ok": True, **value}).get_data())
        return Response(body, mimetype="application/json")
    if status == "pending":
        response = jsonify({"ok": False, "pending": True, "error": msg("dash_pending")})
        response.status_code = 202
        response.headers["Retry-After"] = str(REFRESH_S)
        return response
    message, where, hint = _failure_text(value)
    response = jsonify({"ok": False, "error": msg("dash_failed", reason=message), "where": where, "hint": hint})
    response.status_code = 500
    return response
