"""Record types that cross from loaders into a graph store: plain, frozen, backend-neutral.

A ``Batch`` is the unit of writing: one transaction, all or nothing. It replaces
everything a source owned before (for a document: its chapters, articles and measures)
and merges shared nodes (bureaus, concepts) on their stable ids, so re-running a load
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Value = str | int | float | bool | dt.date | None

# The source of the relationships between documents (REPEALS, AMENDS: loaders/lifecycle.py,
# graph/rdf_import.py): derived from every document's references and written again with
# each load, it carries only the bare ids of the documents it links. The key sorts before
# every document id ("doc-..."), so the embedded store, which merges sources in key order
# with later ones winning, keeps each document's own row.
LINKS_KEY = "_lifecycle"


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
class Table:
    """Rows of one node label or relationship type, the shape both stores write in bulk.

    A node row is ``(id, *values)``, a relationship row ``(start, end, *values)``, with
    values in the order of ``columns`` and None for "no value". Loaders of big sources (a
    register of 10^5 enterprises) build tables directly: one tuple per row costs a tenth
    of a record object, and checks and writers work column by column.
    """

    name: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]


@dataclass(frozen=True)
class Batch:
    """What one source contributes to the graph, as tables of nodes and relationships.

    ``key`` names the source (for a policy document, its id; for a register, its id).
    Nodes whose owner property (``document_id``, ``register_id``: marked ``pkg:owner`` in
    the ontology) equals ``key``, and the node whose id is ``key``, are owned by the batch
    and replaced wholesale on every write; other nodes are merged.
    """

    key: str
    node_tables: tuple[Table, ...]
    rel_tables: tuple[Table, ...]

    @staticmethod
    def of(key: str, nodes: Iterable[NodeRecord], rels: Iterable[RelRecord]) -> Batch:
        """Build a batch from records, dropping exact duplicates of nodes and relationships
        (last wins)."""
        n = {(r.label, r.id): r for r in nodes}
        e = {(r.type, r.start, r.end): r for r in rels}
        return Batch(key, _tables(n.values(), lambda r: r.label, lambda r: (r.id,)),
                     _tables(e.values(), lambda r: r.type, lambda r: (r.start, r.end)))

    @staticmethod
    def concat(parts: Sequence[Batch]) -> Batch:
        """The parts of one source (read in pieces, see ``GraphStore.write_stream``) as one
        batch. A node that several parts carry (a shared concept) keeps its first row, as
        does a repeated relationship; tables of one name with different columns are
        joined through records."""
        if len({p.key for p in parts}) != 1:
            raise ValueError("parts of one batch must share one key")
        if len(parts) == 1:  # a source read whole: nothing to join (10^5 rows not copied)
            return parts[0]
        return Batch(parts[0].key, _joined([t for p in parts for t in p.node_tables], 1),
                     _joined([t for p in parts for t in p.rel_tables], 2))

    @property
    def size(self) -> tuple[int, int]:
        """(nodes, relationships) in the batch."""
        return sum(len(t.rows) for t in self.node_tables), sum(len(t.rows) for t in self.rel_tables)

    @property
    def nodes(self) -> tuple[NodeRecord, ...]:
        """The nodes as records (for small batches and tests; stores read the tables)."""
        return tuple(NodeRecord(t.name, row[0], dict(zip(t.columns, row[1:], strict=True)))
                     for t in self.node_tables for row in t.rows)

    @property
    def rels(self) -> tuple[RelRecord, ...]:
        """The relationships as records (for small batches and tests)."""
        return tuple(RelRecord(t.name, row[0], row[1], dict(zip(t.columns, row[2:], strict=True)))
                     for t in self.rel_tables for row in t.rows)


def consecutive(parts: Iterable[Batch]) -> Iterator[Batch]:
    """The parts as they come; ValueError if a key comes back after another, since a
    source's parts must be consecutive."""
    done: set[str] = set()
    key = None
    for part in parts:
        if part.key != key:
            if part.key in done:
                raise ValueError(f"parts of source {part.key!r} are not consecutive")
            key = part.key
            done.add(key)
        yield part


def sources(parts: Iterable[Batch]) -> Iterator[list[Batch]]:
    """Consecutive parts grouped by key: each group is one source (``Batch.concat``)."""
    group: list[Batch] = []
    for part in consecutive(parts):
        if group and part.key != group[0].key:
            yield group
            group = []
        group.append(part)
    if group:
        yield group


def _joined(tables: Sequence[Table], keys: int) -> tuple[Table, ...]:
    """Tables of one name joined; the first row of a key (id, or start and end) wins."""
    groups: dict[str, list[Table]] = {}
    for t in tables:
        groups.setdefault(t.name, []).append(t)
    out = []
    for name, group in groups.items():
        columns = group[0].columns
        if any(t.columns != columns for t in group):  # rare: re-table through dicts
            columns = tuple(sorted({c for t in group for c in t.columns}))
            rows: Iterable[tuple[Any, ...]] = (
                (*r[:keys], *(dict(zip(t.columns, r[keys:], strict=True)).get(c) for c in columns))
                for t in group for r in t.rows)
        else:
            rows = (r for t in group for r in t.rows)
        first: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for r in rows:
            first.setdefault(r[:keys], r)
        out.append(Table(name, columns, list(first.values())))
    return tuple(out)


def _tables(records: Iterable[Any], name: Callable[[Any], str], key: Callable[[Any], tuple]) -> tuple[Table, ...]:
    """Group records into one table per label or type; columns are the properties any
    record of the group has, sorted."""
    groups: dict[str, list[Any]] = {}
    for r in records:
        groups.setdefault(name(r), []).append(r)
    out = []
    for label, group in groups.items():
        columns = tuple(sorted({k for r in group for k in r.props}))
        out.append(Table(label, columns, [(*key(r), *(r.props.get(c) for c in columns)) for r in group]))
    return tuple(out)
