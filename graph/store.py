"""The GraphStore protocol, the plain result types both backends return, and ``open_store``.

Only plain Python values cross this seam (str, int, float, bool, date, list, dict, and
node/relationship dicts), which is what makes "same answer on both backends" testable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from graph.records import Batch
from ontology import Ontology
from policykg.errors import StoreUnavailableError
from policykg.settings import BACKENDS, Settings


@dataclass(frozen=True)
class GraphNode:
    """A node in a result: its label, stable id and properties."""

    label: str
    id: str
    properties: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"label": self.label, "id": self.id, "properties": self.properties}


@dataclass(frozen=True)
class GraphRel:
    """A relationship in a result, with the stable ids of its ends."""

    type: str
    start: str
    end: str
    properties: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"type": self.type, "start": self.start, "end": self.end, "properties": self.properties}


@dataclass(frozen=True)
class ReadResult:
    """Rows of plain values (nodes and relationships as dicts), plus the graph elements
    found anywhere in the rows, de-duplicated, for drawing."""

    columns: list[str]
    rows: list[list[Any]]
    nodes: list[GraphNode] = field(default_factory=list)
    rels: list[GraphRel] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Counts:
    """Node counts per label and relationship counts per type (zeros included)."""

    nodes: dict[str, int]
    rels: dict[str, int]

    @property
    def total(self) -> int:
        """All nodes and relationships together."""
        return sum(self.nodes.values()) + sum(self.rels.values())


class Reader(Protocol):
    """A read inside a ``snapshot``: ``read(cypher, params)``."""

    def __call__(self, cypher: str, params: dict[str, Any] | None = None) -> ReadResult: ...


class GraphStore(Protocol):
    """What every backend offers. Writes are batches, all or nothing and idempotent;
    reads never change data."""

    backend: str
    ontology: Ontology

    def apply_schema(self) -> None:
        """Create constraints/tables generated from the ontology (idempotent)."""

    def write(self, batch: Batch) -> None:
        """Apply ``batch`` in one transaction: replace what its source owned, merge the rest."""

    def write_many(self, batches: Iterable[Batch]) -> None:
        """Apply several batches in one transaction (all or nothing)."""

    #: True if ``write_stream`` writes each part as it arrives (reading and writing then
    #: overlap, so callers should produce parts in another thread); False if it gathers them.
    streams: bool

    def write_stream(self, batches: Iterable[Batch]) -> None:
        """Like ``write_many``, but the batches may still be in the making: a source may
        come as several consecutive parts with one key (``Batch.concat`` of them is what
        ``write_many`` would get), and if the iterator raises, nothing is written and the
        exception propagates."""

    def read(self, cypher: str, params: dict[str, Any] | None = None, *, timeout_s: float = 30.0,
             max_rows: int | None = None) -> ReadResult:
        """Run a read-only query and return plain rows and graph elements; the database
        cancels it after ``timeout_s``; with ``max_rows``, at most ``max_rows + 1`` rows are
        fetched (so a caller can say "more than max_rows")."""

    def snapshot(self, *, timeout_s: float = 30.0) -> AbstractContextManager[Reader]:
        """Several reads in one read-only transaction: they see the same data, and a
        question asked as a few small queries pays for one transaction, not one each."""

    def counts(self) -> Counts:
        """Node and relationship counts per label and type."""

    def data_version(self) -> str:
        """A short token that changes whenever the data changes (for audit and caching)."""

    def unload(self, key: str, batches: Iterable[Batch] = ()) -> None:
        """Remove everything source ``key`` stated (its owned nodes, and shared nodes no other
        source states) and write ``batches``, in one transaction; LoadError if there is no
        such source."""

    def clear(self) -> None:
        """Remove every node and relationship."""

    def close(self) -> None:
        """Release connections and files."""


def make_node(label: str, props: dict[str, Any]) -> GraphNode:
    """A GraphNode from a label and raw properties (None values dropped, id pulled out)."""
    clean = {k: plain(v) for k, v in props.items() if v is not None and not k.startswith("_")}
    return GraphNode(label, str(clean.get("id", "")), clean)


def plain(value: Any) -> Any:
    """Convert backend values to plain Python (dates stay ``datetime.date``)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, Decimal):  # LadybugDB sums integers as INT128
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    to_native = getattr(value, "to_native", None)
    if to_native is not None:  # neo4j.time types
        return to_native()
    return str(value)


def open_store(settings: Settings, ontology: Ontology | None = None) -> GraphStore:
    """Open the backend named in ``settings`` (``embedded`` by default, or ``neo4j``)."""
    from ontology import load_ontology

    ont = ontology or load_ontology()
    if settings.backend == "embedded":
        from graph.embedded_store import EmbeddedStore

        return EmbeddedStore(settings.embedded_path, ont)
    if settings.backend == "neo4j":
        from graph.neo4j_store import Neo4jStore, resolve_neo4j

        uri, user, password, database = resolve_neo4j(settings)
        return Neo4jStore(uri, user, password, ont, database=database)
    raise StoreUnavailableError(
        f"unknown backend {settings.backend!r}", where="POLICYKG_BACKEND/--backend",
        hint=f"choose one of {', '.join(BACKENDS)}",
    )
