"""Record types that cross from loaders into a graph store: plain, frozen, backend-neutral.

A ``Batch`` is the unit of writing: one transaction, all or nothing. It replaces
everything a source owned before (for a document: its chapters, articles and measures)
and merges shared nodes (bureaus, concepts) on their stable ids, so re-running a load
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Value = str | int | float | bool | dt.date | None


def _clean(props: Mapping[str, Any]) -> dict[str, Value]:
    """Drop empty values: both backends treat a missing property and NULL alike."""
    return {k: v for k, v in props.items() if v is not None and v != ""}


@dataclass(frozen=True)
class NodeRecord:
    """One node: its label, its stable id and its properties (id excluded)."""

    label: str
    id: str
    props: Mapping[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "props", _clean(self.props))


@dataclass(frozen=True)
class RelRecord:
    """One relationship between two nodes named by their ids; (type, start, end) is its key."""

    type: str
    start: str
    end: str
    props: Mapping[str, Value] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "props", _clean(self.props))


@dataclass(frozen=True)
class Batch:
    """What one source contributes to the graph.

    ``key`` names the source (for a policy document, its id; for a register, its id).
    Nodes whose owner property (``document_id``, ``register_id``: marked ``pkg:owner`` in
    the ontology) equals ``key``, and the node whose id is ``key``, are owned by the batch
    and replaced wholesale on every write; other nodes are merged.
    """

    key: str
    nodes: tuple[NodeRecord, ...]
    rels: tuple[RelRecord, ...]

    @staticmethod
    def of(key: str, nodes: Iterable[NodeRecord], rels: Iterable[RelRecord]) -> Batch:
        """Build a batch, dropping exact duplicates of nodes and relationships (last wins)."""
        n = {(r.label, r.id): r for r in nodes}
        e = {(r.type, r.start, r.end): r for r in rels}
        return Batch(key, tuple(n.values()), tuple(e.values()))
