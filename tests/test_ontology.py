"""The ontology is complete (zh and en labels everywhere) and generates the schemas;
the generated DDL is pinned by a golden file."""

from __future__ import annotations

import os
from pathlib import Path

from graph import ladybug_ddl, neo4j_schema
from loaders.gazetteer import normalise

GOLDEN = Path(__file__).parent / "golden"


def test_every_class_and_relation_has_zh_and_en_labels(ontology):
    for nt in ontology.node_types.values():
        assert nt.label_zh and nt.label_en, nt.label
        for p in nt.properties:
            assert p.label_zh and p.label_en, (nt.label, p.name)
    for rt in ontology.rel_types.values():
        assert rt.label_zh and rt.label_en, rt.type


def test_every_concept_has_zh_and_en_labels(ontology):
    for scheme, concepts in ontology.schemes.items():
        assert concepts, scheme
        for c in concepts:
            assert c.label_zh and c.label_en, c.iri


def test_no_alias_names_two_bureaus_of_one_district(ontology):
    seen: dict[tuple[str | None, str], str] = {}
    for c in ontology.concepts("bureaus"):
        for label in c.all_labels:
            key = (c.district, normalise(label))
            assert seen.setdefault(key, c.id) == c.id, f"{label} names {seen[key]} and {c.id}"


def test_generated_schema_matches_golden(ontology):
    text = "\n".join([*ladybug_ddl(ontology), "", *neo4j_schema(ontology)]) + "\n"
    golden = GOLDEN / "schema.txt"
    if os.environ.get("POLICYKG_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8"), "schema changed: review, then POLICYKG_UPDATE_GOLDEN=1 pytest"


def test_concept_ids_are_unique_across_schemes(ontology):
    ids = [c.id for concepts in ontology.schemes.values() for c in concepts]
    assert len(ids) == len(set(ids))
