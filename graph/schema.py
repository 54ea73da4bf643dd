"""Generators from the ontology model to each backend's schema. Pure functions; pinned
by golden tests so that a change to the ontology shows up as a reviewed diff."""

from __future__ import annotations

from ontology import Ontology, Prop

_LADYBUG_TYPES = {"string": "STRING", "int": "INT64", "date": "DATE", "bool": "BOOLEAN", "float": "DOUBLE"}


def _column(p: Prop) -> str:
    return f"`{p.name}` {_LADYBUG_TYPES[p.datatype]}"


def ladybug_ddl(ont: Ontology) -> list[str]:
    """CREATE NODE/REL TABLE statements for LadybugDB, one table per label and type."""
    out = []
    for nt in sorted(ont.node_types.values(), key=lambda n: n.label):
        cols = ", ".join(_column(p) for p in nt.properties)
        out.append(f"CREATE NODE TABLE IF NOT EXISTS {nt.label}({cols}, PRIMARY KEY(`{nt.key}`))")
    for rt in sorted(ont.rel_types.values(), key=lambda r: r.type):
        cols = "".join(", " + _column(p) for p in rt.properties)
        out.append(f"CREATE REL TABLE IF NOT EXISTS {rt.type}(FROM {rt.start} TO {rt.end}{cols})")
    return out


def neo4j_schema(ont: Ontology) -> list[str]:
    """Uniqueness constraints on every key, and an index on the owner property (document_id...)."""
    out = []
    for nt in sorted(ont.node_types.values(), key=lambda n: n.label):
        out.append(
            f"CREATE CONSTRAINT {nt.label.lower()}_{nt.key}_unique IF NOT EXISTS "
            f"FOR (n:{nt.label}) REQUIRE n.{nt.key} IS UNIQUE"
        )
        if nt.owner:
            out.append(
                f"CREATE INDEX {nt.label.lower()}_{nt.owner} IF NOT EXISTS "
                f"FOR (n:{nt.label}) ON (n.{nt.owner})"
            )
    for rt in sorted(ont.rel_types.values(), key=lambda r: r.type):  # a relationship that names its source
        if any(p.name == "source_id" for p in rt.properties):
            out.append(f"CREATE INDEX {rt.type.lower()}_source_id IF NOT EXISTS "
                       f"FOR ()-[r:{rt.type}]-() ON (r.source_id)")
    return out
