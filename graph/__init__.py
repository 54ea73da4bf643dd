"""Storage: one small GraphStore protocol, two backends (Neo4j, embedded LadybugDB)."""

from graph.records import Batch, NodeRecord, RelRecord, Table
from graph.schema import ladybug_ddl, neo4j_schema
from graph.store import Counts, GraphNode, GraphRel, GraphStore, ReadResult, open_store
from graph.validate import validate_batch

__all__ = [
    "Batch",
    "Counts",
    "GraphNode",
    "GraphRel",
    "GraphStore",
    "NodeRecord",
    "ReadResult",
    "RelRecord",
    "Table",
    "ladybug_ddl",
    "neo4j_schema",
    "open_store",
    "validate_batch",
]
