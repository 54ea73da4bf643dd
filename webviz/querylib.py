"""The saved query library as the web app sees it: loading, forms and runs.

The library is ``queries.load_library(settings.queries_dir)``, re-read whenever a file in
either folder changes (a file dropped into ``$POLICYKG_QUERIES`` appears on the next
request, no restart). Cypher comes only from those files; request values are passed to
``queries.run_query`` as parameters, never spliced into text.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import abort

from graph import GraphStore, ReadResult
from policykg.errors import ParameterError, QueryDefinitionError
from queries import LIBRARY_DIR, Param, QueryDef, append_audit, load_library, lookup_choices, parse_query_file
from webviz.context import state
from webviz.errors import HINT_FORMS, localise
from webviz.i18n import current_lang, msg, pick

WEB_USER = "web"  # who the audit log names for runs from the web app (until it has logins)
WEB_TIMEOUT_S = 30.0
MAX_CACHED_ROWS = 5000  # larger answers are not kept (see webviz.cache)
# Request arguments that belong to the page, not to the query.
RESERVED = ("lang", "format", "run", "page_size")
GLOB = "*.y*ml"  # as load_library reads
_QUERY_FILE = re.compile(fnmatch.translate(GLOB))


@dataclass(frozen=True)
class Library:
    """The loaded queries by name, and the files that could not be loaded (skipped)."""

    queries: dict[str, QueryDef]
    problems: tuple[QueryDefinitionError, ...] = ()


_cache: dict[tuple[Any, ...], Library] = {}
_cache_lock = threading.Lock()


def _signature(folders: list[Path]) -> tuple[Any, ...]:
    """Names, sizes and modification times of every query file: changes when any file does.

    Runs on every request that needs the library, so it lists each folder once with
    ``os.scandir`` (a glob and a Path per file cost several times more).
    """
    sig: list[Any] = []
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                files = sorted((e.name, *_stat(e)) for e in entries if _QUERY_FILE.match(e.name))
        except OSError:  # no such folder: load_queries reports it
            files = []
        sig.append((str(folder), tuple(files)))
    return tuple(sig)


def _stat(entry: os.DirEntry) -> tuple[int, int]:
    try:
        st = entry.stat()
    except OSError:  # removed between listing and stat: the next request sees it gone
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


def load_queries() -> Library:
    """The shipped library plus the deployment's folder, re-read when a file changes.

    Parsing every YAML file costs tens of milliseconds, so the result is kept until a file
    is added, removed or modified. One broken file does not hide the others: they are
    loaded one by one and the broken ones reported as ``problems``.
    """
    extra = state().settings.queries_dir
    folders = [LIBRARY_DIR, *([Path(extra)] if extra else [])]
    key = _signature(folders)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    try:
        lib = Library(load_library(Path(extra) if extra else None))
    except QueryDefinitionError:
        lib = _load_one_by_one(folders)
    with _cache_lock:
        _cache.clear()  # keep only the current version
        _cache[key] = lib
    return lib


def _load_one_by_one(folders: list[Path]) -> Library:
    found: dict[str, QueryDef] = {}
    problems: list[QueryDefinitionError] = []
    for folder in folders:
        if not folder.is_dir():
            problems.append(QueryDefinitionError("query folder not found", where=str(folder)))
            continue
        for path in sorted(folder.glob(GLOB)):
            try:
                q = parse_query_file(path)
            except QueryDefinitionError as exc:
                problems.append(exc)
                continue
            if q.name in found:
                problems.append(QueryDefinitionError(f"query {q.name!r} is defined twice",
                                                     where=f"{found[q.name].path}, {path}"))
                continue
            found[q.name] = q
    return Library(found, tuple(problems))


def get_query(name: str) -> QueryDef:
    """The saved query ``name``; 404 if there is none, the file's own error if it is broken."""
    lib = load_queries()
    if name in lib.queries:
        return lib.queries[name]
    for problem in lib.problems:
        if Path((problem.where or "").split(":")[0]).stem == name:  # its file is broken: say how
            raise QueryDefinitionError(problem.message, where=problem.where, hint=problem.hint)
    abort(404, msg("no_such_query"))


def is_deployment(q: QueryDef) -> bool:
    """True for a query from the deployment's folder rather than the shipped library."""
    return q.path.parent.resolve() != LIBRARY_DIR.resolve()


def group_of(q: QueryDef) -> str:
    """Which list the library page shows ``q`` in: deployment, review (curators) or policy."""
    if is_deployment(q):
        return "deployment"
    return "review" if q.name.startswith("review-") else "policy"


def request_values(args: Mapping[str, str]) -> dict[str, str]:
    """The query's parameter values from request arguments (page-only arguments dropped;
    other unknown names are kept so that ``bind`` reports them)."""
    return {k: v for k, v in args.items() if k not in RESERVED}


def check_values(q: QueryDef, values: Mapping[str, str]) -> dict[str, ParameterError]:
    """Every problem with ``values``, by parameter name ('' for unknown names), not just the first."""
    errors: dict[str, ParameterError] = {}
    unknown = sorted(set(values) - {p.name for p in q.params})
    if unknown:
        errors[""] = ParameterError(f"unknown parameter {unknown[0]!r}", where=f"query {q.name}",
                                    hint="parameters: " + (", ".join(p.name for p in q.params) or "none"))
    for p in q.params:
        try:
            p.coerce(values.get(p.name))
        except ParameterError as exc:
            errors[p.name] = exc
    return errors


def run_saved(store: GraphStore, q: QueryDef, values: Mapping[str, str]) -> ReadResult:
    """Run ``q`` read-only with ``values``, logging the run in the audit log as the web user.

    As ``queries.run_query`` does, except that the answer for the same query text and
    parameters is kept per data version (webviz.cache): every run is still audited, with
    the version and the hash of the answer it was given.
    """
    st = state()
    params = q.bind(dict(values))
    cypher = q.cypher_for(store.backend)
    key = ("query", q.name, cypher, json.dumps(params, sort_keys=True, default=str, ensure_ascii=False))
    result = st.cache.get(store, key, lambda: store.read(cypher, params, timeout_s=WEB_TIMEOUT_S),
                          keep=lambda r: len(r.rows) <= MAX_CACHED_ROWS)
    append_audit(st.settings.audit_log, user=WEB_USER, query=q.name, params=params, backend=store.backend,
                 data_version=st.cache.version(store), result=result)
    return result


def bound_params(q: QueryDef, values: Mapping[str, str]) -> dict[str, Any]:
    """The checked, converted values a run used (dates as dates, concepts as ids)."""
    return q.bind(dict(values))


def default_text(p: Param) -> str:
    """A parameter's default as a form shows it: ``today`` as today's date, bools as true/false.

    >>> default_text(Param("n", "int", "数", "n", default=2, required=False))
    '2'
    """
    if p.default is None:
        return ""
    if p.type == "date" and p.default == "today":
        return dt.date.today().isoformat()
    if isinstance(p.default, bool):
        return "true" if p.default else "false"
    return p.default.isoformat() if isinstance(p.default, dt.date) else str(p.default)


@dataclass(frozen=True)
class Field:
    """One form control for a parameter.

    ``widget`` is ``select`` (enum, bool: a closed set), ``text`` with ``options`` offered
    in a datalist (concepts accept any label or alias; lookups only suggest), ``number``
    or ``date``. ``options`` are (value, text) pairs.
    """

    name: str
    type: str
    label: str
    widget: str
    value: str
    required: bool
    options: tuple[tuple[str, str], ...] = ()
    default: str = ""
    error: str | None = None


def form_fields(store: GraphStore, q: QueryDef, values: Mapping[str, str],
                errors: Mapping[str, ParameterError] | None = None) -> list[Field]:
    """The form for ``q``: a field per parameter, filled from ``values`` or the default."""
    choices = lookup_choices(store, q)
    errors = errors or {}
    fields = []
    for p in q.params:
        default = default_text(p)
        value = values[p.name] if p.name in values else default
        err = errors.get(p.name)
        fields.append(Field(
            name=p.name, type=p.type, label=pick(p.label_zh, p.label_en), widget=_widget(p),
            value=value, required=p.required, options=_options(p, choices.get(p.name, [])),
            default=default, error=error_text(err) if err else None,
        ))
    return fields


def error_text(exc: ParameterError) -> str:
    """The reason and, if any, the hint of a parameter error, in one line, in the page's language."""
    message, hint = localise(exc.message), localise(exc.hint, HINT_FORMS)
    return f"{message} ({hint})" if hint else message or ""


def _widget(p: Param) -> str:
    if p.type in ("enum", "bool"):
        return "select"
    return {"int": "number", "date": "date"}.get(p.type, "text")


def _options(p: Param, choices: list[str]) -> tuple[tuple[str, str], ...]:
    if p.type == "bool":
        return (("true", msg("yes")), ("false", msg("no")))
    if p.type == "concept" and current_lang() == "en":
        ont = state().ontology
        english = {c.label_zh: c.label_en for c in ont.concepts(p.scheme or "")}
        return tuple((c, english.get(c) or c) for c in choices)
    return tuple((c, c) for c in choices)


def describe(q: QueryDef, choices: Mapping[str, list[str]] | None = None) -> dict[str, Any]:
    """A query for the JSON API: names in both languages, parameters with their choices."""
    choices = choices or {}
    return {
        "name": q.name,
        "title": {"zh": q.title_zh, "en": q.title_en},
        "description": {"zh": q.description_zh, "en": q.description_en},
        "show": q.show,
        "source": "deployment" if is_deployment(q) else "library",
        "params": [
            {"name": p.name, "type": p.type, "label": {"zh": p.label_zh, "en": p.label_en},
             "required": p.required, "default": p.default, "default_value": default_text(p),
             **({"scheme": p.scheme} if p.scheme else {}),
             **({"choices": choices[p.name]} if p.name in choices else {})}
            for p in q.params
        ],
    }
