"""Check a batch against the ontology before any store sees it, so that bad records fail
with a message naming the record instead of half-written data or a driver error."""

from __future__ import annotations

import datetime as dt

from graph.records import Batch
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


def validate_batch(batch: Batch, ont: Ontology) -> None:
    """Raise LoadError for unknown labels/types/properties, wrong value types, or
    relationships whose ends are not nodes of the batch with the ontology's labels."""
    where = f"batch {batch.key}"
    node_props = {lbl: _allowed(nt.properties) for lbl, nt in ont.node_types.items()}
    label_of: dict[str, str] = {}
    for n in batch.nodes:
        allowed = node_props.get(n.label)
        if allowed is None:
            raise LoadError(f"unknown node label {n.label!r}", where=where)
        if not n.id:
            raise LoadError(f"{n.label} node without id", where=where)
        for k, v in n.props.items():
            if v.__class__ not in allowed.get(k, ()):  # fast path; _check explains or accepts subclasses
                _check(allowed, k, v, f"{where}, {n.label} {n.id}")
        label_of[n.id] = n.label
    rel_props = {t: (rt.start, rt.end, _allowed(rt.properties)) for t, rt in ont.rel_types.items()}
    for r in batch.rels:
        spec = rel_props.get(r.type)
        if spec is None:
            raise LoadError(f"unknown relationship type {r.type!r}", where=where)
        start, end, allowed = spec
        if label_of.get(r.start) != start or label_of.get(r.end) != end:
            missing, label = (r.start, start) if label_of.get(r.start) != start else (r.end, end)
            raise LoadError(f"{r.type} needs a {label} node {missing!r} in the same batch", where=where)
        for k, v in r.props.items():
            if v.__class__ not in allowed.get(k, ()):
                _check(allowed, k, v, f"{where}, {r.type} {r.start}->{r.end}")


def _check(allowed: dict[str, tuple[type, ...]], name: str, value: object, where: str) -> None:
    types = allowed.get(name)
    if types is None:
        raise LoadError(f"property {name!r} is not in the ontology", where=where)
    if type(value) not in types and (not isinstance(value, types) or (bool not in types and isinstance(value, bool))):
        raise LoadError(f"property {name!r} should be {_name(types)}, got {value!r}", where=where)


def _name(types: tuple[type, ...]) -> str:
    return {str: "string", int: "int", float: "float", bool: "bool", dt.date: "date"}[types[0]]
