"""Check a batch against the ontology before any store sees it, so that bad records fail
with a message naming the record instead of half-written data or a driver error."""

from __future__ import annotations

import datetime as dt
from operator import itemgetter
from typing import Any

from graph.records import Batch, Table
from ontology import Ontology, Prop
from policykg.errors import LoadError

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "date": (dt.date,),
}


def _allowed(props: tuple[Prop, ...]) -> dict[str, tuple[type, ...]]:
    return {p.name: _PY_TYPES[p.datatype] for p in props}


def validate_batch(batch: Batch, ont: Ontology, *, earlier: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Raise LoadError for unknown labels/types/properties, wrong value types, missing or
    repeated keys, or relationships whose ends are not nodes of the batch (or, for a
    source written in parts, of its ``earlier`` parts: label -> ids) with the ontology's
    labels. Returns the batch's node ids by label. Works column by column: a register's
    tables hold 10^5 rows."""
    where = f"batch {batch.key}"
    earlier = earlier or {}
    ids: dict[str, set[str]] = {}
    for t in batch.node_tables:
        nt = ont.node_types.get(t.name)
        if nt is None:
            raise LoadError(f"unknown node label {t.name!r}", where=where)
        key_col, *value_cols = _columns(t, 1)
        if not all(key_col):
            raise LoadError(f"{t.name} node without id", where=where)
        ids[t.name] = set(key_col)
        if len(ids[t.name]) != len(key_col):
            raise LoadError(f"{t.name} node id repeated in one batch", where=where)
        _check_columns(t, value_cols, _allowed(nt.properties), 1, where)
    for t in batch.rel_tables:
        rt = ont.rel_types.get(t.name)
        if rt is None:
            raise LoadError(f"unknown relationship type {t.name!r}", where=where)
        start_col, end_col, *value_cols = _columns(t, 2)
        for col, label in ((start_col, rt.start), (end_col, rt.end)):
            missing = set(col) - ids.get(label, set())
            if missing and earlier:
                missing -= earlier.get(label, set())
            if missing:
                raise LoadError(f"{t.name} needs a {label} node {min(missing)!r} in the same batch", where=where)
        if len(set(zip(start_col, end_col, strict=True))) != len(start_col):
            raise LoadError(f"{t.name} relationship repeated between the same nodes", where=where)
        _check_columns(t, value_cols, _allowed(rt.properties), 2, where)
    return ids


def _columns(t: Table, keys: int) -> list[list[Any]]:
    """The table's columns (keys first), after checking every row has one cell per column."""
    width = keys + len(t.columns)
    if set(map(len, t.rows)) - {width}:
        bad = next(i for i, r in enumerate(t.rows) if len(r) != width)
        raise LoadError(f"{t.name} row {bad + 1} has {len(t.rows[bad])} cells, expected {width}",
                        where=f"table {t.name}")
    return [list(map(itemgetter(i), t.rows)) for i in range(width)]


def _check_columns(t: Table, value_cols: list[list[Any]], allowed: dict[str, tuple[type, ...]],
                   keys: int, where: str) -> None:
    def at(row: tuple[Any, ...]) -> str:  # "batch k, Article a-1" or "batch k, HOLDS e->q"
        return f"{where}, {t.name} " + "->".join(map(str, row[:keys]))

    for name, col in zip(t.columns, value_cols, strict=True):
        types = allowed.get(name)
        if types is None:  # refused even when empty: stores put column names into queries
            raise LoadError(f"property {name!r} is not in the ontology", where=f"{where}, {t.name}")
        if set(map(type, col)) <= {*types, type(None)}:  # fast path; _check explains or accepts subclasses
            continue
        for row, v in zip(t.rows, col, strict=True):
            if v is not None and type(v) not in types:
                _check(allowed, name, v, at(row))


def _check(allowed: dict[str, tuple[type, ...]], name: str, value: object, where: str) -> None:
    types = allowed.get(name)
    if types is None:
        raise LoadError(f"property {name!r} is not in the ontology", where=where)
    if type(value) not in types and (not isinstance(value, types) or (bool not in types and isinstance(value, bool))):
        raise LoadError(f"property {name!r} should be {_name(types)}, got {value!r}", where=where)


def _name(types: tuple[type, ...]) -> str:
    return {str: "string", int: "int", float: "float", bool: "bool", dt.date: "date"}[types[0]]
