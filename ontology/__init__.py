"""The vocabulary of policykg, read from the Turtle files beside this module."""

from ontology.model import (
    ONTOLOGY_DIR,
    PKG,
    Concept,
    NodeType,
    Ontology,
    Prop,
    RelType,
    load_ontology,
    read_ontology,
)

__all__ = [
    "ONTOLOGY_DIR",
    "PKG",
    "Concept",
    "NodeType",
    "Ontology",
    "Prop",
    "RelType",
    "load_ontology",
    "read_ontology",
]
