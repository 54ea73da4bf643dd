"""Check a batch against the ontology before any store sees it, so that bad records fail
with a message naming the record instead of half-written data or a driver error."""

from __future__ import annotations

import datetime as dt

from graph.records import Batch
from ontology import Ontology
from policykg.errors import LoadError

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "date": (dt.date,),
}


def validate_batch(batch: Batch, ont: Ontology) -> None:
    """Raise LoadError for unknown labels/types/properties, wrong value types, or
    relationships whose ends are not nodes of the batch with the ontology's labels."""
    where = f"batch {batch.key}"
    label_of: dict[str, str] = {}
    for n in batch.nodes:
        nt = ont.node_types.get(n.label)
        if nt is None:
            raise LoadError(f"unknown node label {n.label!r}", where=where)
        if not n.id:
            raise LoadError(f"{n.label} node without id", where=where)
        for k, v in n.props.items():
            _check_prop(nt.prop(k), k, v, f"{where}, {n.label} {n.id}")
        label_of[n.id] = n.label
    for r in batch.rels:
        rt = ont.rel_types.get(r.type)
        if rt is None:
            raise LoadError(f"unknown relationship type {r.type!r}", where=where)
        for end, label in ((r.start, rt.start), (r.end, rt.end)):
            if label_of.get(end) != label:
                raise LoadError(
                    f"{r.type} needs a {label} node {end!r} in the same batch", where=where
                )
        props = {p.name: p for p in rt.properties}
        for k, v in r.props.items():
            _check_prop(props.get(k), k, v, f"{where}, {r.type} {r.start}->{r.end}")


def _check_prop(prop, name: str, value: object, where: str) -> None:  # noqa: ANN001
    if prop is None:
        raise LoadError(f"property {name!r} is not in the ontology", where=where)
    ok = _PY_TYPES[prop.datatype]
    if not isinstance(value, ok) or (prop.datatype == "int" and isinstance(value, bool)):
        raise LoadError(f"property {name!r} should be {prop.datatype}, got {value!r}", where=where)
