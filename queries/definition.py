"""Saved queries as data files: one YAML file per query, checked when loaded.

A file names its parameters with types; the Cypher may use exactly those ``$names``;
anything but a plain read query is refused (``queries.readonly``); values are always
passed as parameters, never spliced.
See queries/README.md for the format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policykg.errors import ParameterError, QueryDefinitionError
from queries import readonly

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
PARAM_TYPES = ("string", "int", "date", "enum", "bool", "concept")
SHOW_KINDS = ("table", "graph", "bar")
BACKENDS = ("embedded", "neo4j")
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
RESERVED_PARAMS = ("lang", "format", "run", "name", "page_size")  # taken by the web pages' URLs
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # both databases' INT64


@dataclass(frozen=True)
class Param:
    """A typed query parameter; no default means required.

    ``enum`` values come from ``choices``; a ``concept`` names a concept of an ontology
    ``scheme`` by any of its labels or aliases and is passed to Cypher as the concept id;
    ``lookup`` is a small read query whose first column offers choices to a form; a date
    default of ``today`` means the day the query runs.
    """

    name: str
    type: str
    label_zh: str
    label_en: str
    default: Any = None
    required: bool = True
    choices: tuple[str, ...] = ()
    scheme: str | None = None
    lookup: str | None = None

    def coerce(self, raw: Any) -> Any:
        """Convert a user-supplied value (often a string) to this parameter's type."""
        where = f"parameter {self.name}"
        if raw is None or raw == "":
            if self.required:
                raise ParameterError("a value is required", where=where, hint=f"expected {self.type}")
            if self.type == "date" and self.default == "today":
                return dt.date.today()
            return self.default if self.default in (None, "") else self.coerce(self.default)
        if self.type == "concept":
            return self._concept_id(str(raw), where)
        try:
            if self.type == "int":
                if isinstance(raw, bool):
                    raise ValueError
                number = int(raw)
                if not INT_MIN <= number <= INT_MAX:
                    raise ParameterError(f"{str(raw)[:30]!r} is out of range", where=where,
                                         hint=f"a whole number from {INT_MIN} to {INT_MAX}")
                return number
            if self.type == "bool":
                if isinstance(raw, bool):
                    return raw
                if str(raw).lower() in ("true", "1", "yes"):
                    return True
                if str(raw).lower() in ("false", "0", "no"):
                    return False
                raise ValueError
            if self.type == "date":
                return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        except ValueError:
            raise ParameterError(f"{raw!r} is not a valid {self.type}", where=where,
                                 hint="dates are YYYY-MM-DD" if self.type == "date" else None) from None
        value = str(raw)
        if len(value) > 200:
            raise ParameterError("value is too long (over 200 characters)", where=where)
        if self.type == "enum" and value not in self.choices:
            raise ParameterError(f"{value!r} is not one of the choices", where=where,
                                 hint="choose one of: " + ", ".join(self.choices))
        return value


    def _concept_id(self, value: str, where: str) -> str:
        from ontology import load_ontology
        from ontology.fuzzy import did_you_mean
        from ontology.labels import find_concept

        concepts = load_ontology().concepts(self.scheme or "")
        concept = find_concept(concepts, value)
        if concept is None:  # rapidfuzz on characters and pinyin: 高薪技术企业 → 高新技术企业
            raise ParameterError(f"{value!r} is not a known {self.scheme} concept", where=where,
                                 hint=did_you_mean(concepts, value))
        return concept.id

    def concept_choices(self) -> list[tuple[str, str]]:
        """(id, zh label) of the concepts a ``concept`` parameter accepts."""
        from ontology import load_ontology

        return [(c.id, c.label_zh) for c in load_ontology().concepts(self.scheme or "")]


@dataclass(frozen=True)
class QueryDef:
    """One saved query: names, typed parameters, Cypher (with optional per-backend variants)."""

    name: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    params: tuple[Param, ...]
    cypher: str
    show: str
    path: Path
    variants: dict[str, str] = field(default_factory=dict)
    examples: tuple[dict[str, Any], ...] = ()
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (zh, en) heading

    def heading(self, column: str, lang: str = "zh") -> str:
        """The heading of result column ``column`` in ``lang`` (zh or en), from the file's
        ``columns:`` map; the column's own name when the file gives none."""
        zh, en = self.columns.get(column, (column, column))
        return en if lang == "en" else zh

    def cypher_for(self, backend: str) -> str:
        """The Cypher to run on ``backend`` (its variant if the file has one)."""
        return self.variants.get(backend, self.cypher)

    def bind(self, values: dict[str, Any]) -> dict[str, Any]:
        """Check and convert ``values``; unknown names and missing required values are errors."""
        unknown = sorted(set(values) - {p.name for p in self.params})
        if unknown:
            raise ParameterError(f"unknown parameter {unknown[0]!r}", where=f"query {self.name}",
                                 hint="parameters: " + (", ".join(p.name for p in self.params) or "none"))
        return {p.name: p.coerce(values.get(p.name)) for p in self.params}


def check_read_only(cypher: str, where: str) -> None:
    """Refuse Cypher that is not one plainly read-only query (``queries.readonly``: a
    tokenizer and an allow-list of clauses), so no write, call, file or URL read, admin
    command or second statement gets through, whatever the quotes and comments around it."""
    try:
        readonly.check(cypher)
    except readonly.ReadOnlyError as exc:
        raise QueryDefinitionError(str(exc), where=where) from None


def used_params(cypher: str) -> set[str]:
    """The ``$names`` a (checked) query uses, outside strings and comments.

    >>> sorted(used_params("MATCH (n) WHERE n.a = $a AND n.b = '$b' // $c\\nRETURN $`d`"))
    ['a', 'd']
    """
    return {t.text[1:].strip("`").replace("``", "`") for t in readonly.tokenize(cypher) if t.kind == "param"}


def _text(data: dict, key: str, where: str, lang: str | None = None) -> str:
    value = data.get(key)
    if lang is not None:
        value = value.get(lang) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value.strip():
        label = f"{key}.{lang}" if lang else key
        raise QueryDefinitionError(f"missing or empty field {label!r}", where=where)
    return value.strip()


def _columns(raw: Any, where: str) -> dict[str, tuple[str, str]]:
    """The ``columns:`` map (result column -> ``{zh, en}`` heading), checked."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise QueryDefinitionError("columns must map each result column to {zh: ..., en: ...}", where=where)
    out = {}
    for name, label in raw.items():
        cw = f"{where}: columns.{name}"
        if not isinstance(label, dict):
            raise QueryDefinitionError("expected {zh: ..., en: ...}", where=cw)
        out[str(name)] = (_text(label, "zh", cw), _text(label, "en", cw))
    return out


def parse_query_file(path: Path) -> QueryDef:
    """Read and check one query file; QueryDefinitionError names the file (and line)."""
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"{where}:{mark.line + 1}" if mark else where
        raise QueryDefinitionError(f"YAML syntax error: {getattr(exc, 'problem', exc)}", where=loc) from None
    except UnicodeDecodeError:
        raise QueryDefinitionError("not UTF-8 text", where=where) from None
    if not isinstance(data, dict):
        raise QueryDefinitionError("expected a mapping of fields", where=where)
    name = _text(data, "name", where)
    if name != path.stem or not NAME_RE.match(name):
        raise QueryDefinitionError(f"name {name!r} must be kebab-case and equal the file name", where=where)
    params = []
    for i, p in enumerate(data.get("params") or []):
        pw = f"{where}: params[{i}]"
        if not isinstance(p, dict) or "name" not in p:
            raise QueryDefinitionError("each parameter needs a name", where=pw)
        if str(p["name"]) in RESERVED_PARAMS:
            raise QueryDefinitionError(f"parameter name {p['name']!r} is reserved", where=pw,
                                       hint="reserved: " + ", ".join(RESERVED_PARAMS))
        ptype = p.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise QueryDefinitionError(f"unknown parameter type {ptype!r}", where=pw,
                                       hint="one of " + ", ".join(PARAM_TYPES))
        label = p.get("label") or {}
        param = Param(
            name=str(p["name"]), type=ptype, label_zh=str(label.get("zh", p["name"])),
            label_en=str(label.get("en", p["name"])), default=p.get("default"),
            required="default" not in p, choices=tuple(str(c) for c in p.get("choices") or ()),
            scheme=p.get("scheme"), lookup=p.get("lookup"),
        )
        if ptype == "enum" and not param.choices:
            raise QueryDefinitionError("an enum parameter needs choices", where=pw)
        if ptype == "concept":
            from ontology import load_ontology

            if not load_ontology().concepts(param.scheme or ""):
                raise QueryDefinitionError(f"unknown concept scheme {param.scheme!r}", where=pw,
                                           hint="schemes: " + ", ".join(load_ontology().schemes))
        if param.lookup:
            check_read_only(param.lookup, pw)
        if param.default not in (None, "", "today"):
            try:
                param.coerce(param.default)
            except ParameterError as exc:
                raise QueryDefinitionError(f"bad default: {exc.message}", where=pw) from None
        params.append(param)
    cypher = _text(data, "cypher", where)
    variants = {k: str(v) for k, v in (data.get("variants") or {}).items()}
    if set(variants) - set(BACKENDS):
        raise QueryDefinitionError(f"unknown backend in variants: {sorted(set(variants) - set(BACKENDS))}",
                                   where=where)
    declared = {p.name for p in params}
    for text in [cypher, *variants.values()]:
        check_read_only(text, where)
        used = used_params(text)
        if used != declared:
            raise QueryDefinitionError(
                f"parameters used in the Cypher {sorted(used)} differ from those declared {sorted(declared)}",
                where=where,
            )
    columns = _columns(data.get("columns"), where)
    show = data.get("show", "table")
    if show not in SHOW_KINDS:
        raise QueryDefinitionError(f"unknown show {show!r}", where=where, hint="one of " + ", ".join(SHOW_KINDS))
    return QueryDef(
        name=name,
        title_zh=_text(data, "title", where, "zh"),
        title_en=_text(data, "title", where, "en"),
        description_zh=_text(data, "description", where, "zh"),
        description_en=_text(data, "description", where, "en"),
        params=tuple(params),
        cypher=cypher,
        show=show,
        path=path,
        variants=variants,
        examples=tuple(data.get("examples") or ()),
        columns=columns,
    )


def load_library(extra_dir: Path | None = None, library_dir: Path = LIBRARY_DIR) -> dict[str, QueryDef]:
    """All saved queries: the shipped library plus a deployment's folder (read on every call,
    so a dropped-in file appears without a restart). Duplicate names are an error."""
    out: dict[str, QueryDef] = {}
    for folder in [library_dir, *([extra_dir] if extra_dir else [])]:
        if not folder.is_dir():
            raise QueryDefinitionError("query folder not found", where=str(folder))
        for path in sorted(folder.glob("*.y*ml")):
            q = parse_query_file(path)
            if q.name in out:
                raise QueryDefinitionError(f"query {q.name!r} is defined twice", where=f"{out[q.name].path}, {path}")
            out[q.name] = q
    return out
