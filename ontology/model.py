"""Read the Turtle files of ontology/ into a frozen model that the rest of the code uses.

The model is the single source for the graph schema (node labels, keys, typed
properties, relationship types), the concept schemes (bureaus, places, ...) and the
zh/en labels shown to users. Generators elsewhere turn it into DDL, constraints and the
extractor's gazetteer.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from policykg.errors import OntologyError

PKG = Namespace("https://policykg.org/ontology#")
ONTOLOGY_DIR = Path(__file__).resolve().parent
SHAPES_FILE = "shapes.ttl"
# The curators' decisions (accepted recognitions, aliases, rejected phrases: Turtle written
# by ``policykg curate`` and the /curate page), read after ontology/*.ttl. The folder is
# POLICYKG_CURATION_DIR, else data/curation/ of the checkout. It is read here, not passed
# in, because every reader of the ontology (loader, web app, schema, tests) must see the
# same decisions, and they call load_ontology() without settings.
CURATION_VARIABLE = "POLICYKG_CURATION_DIR"
DEFAULT_CURATION_DIR = ONTOLOGY_DIR.parent / "data" / "curation"

_DATATYPES = {
    XSD.string: "string",
    XSD.integer: "int",
    XSD.int: "int",
    XSD.date: "date",
    XSD.boolean: "bool",
    XSD.double: "float",
    XSD.decimal: "float",
}


@dataclass(frozen=True)
class Prop:
    """A typed graph property (``datatype`` is string, int, date, bool or float)."""

    name: str
    datatype: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class NodeType:
    """A class of the ontology as a graph node label."""

    label: str
    iri: str
    key: str
    label_zh: str
    label_en: str
    properties: tuple[Prop, ...]
    colour: str
    shape: str
    scheme: str | None = None
    owner: str | None = None  # property naming the batch a node belongs to (document_id...)

    def prop(self, name: str) -> Prop | None:
        """The property called ``name``, or None."""
        return next((p for p in self.properties if p.name == name), None)


@dataclass(frozen=True)
class RelType:
    """An object property of the ontology as a graph relationship type."""

    type: str
    iri: str
    start: str
    end: str
    label_zh: str
    label_en: str
    properties: tuple[Prop, ...]


@dataclass(frozen=True)
class Concept:
    """A SKOS concept: canonical zh/en labels, aliases, and the district it belongs to."""

    id: str
    iri: str
    scheme: str
    label_zh: str
    label_en: str
    alt_labels: tuple[str, ...]
    full_name: str | None = None
    district: str | None = None
    broader: tuple[str, ...] = ()
    default_level: str | None = None
    rank: int | None = None
    for_amount: bool = False
    not_labels: tuple[str, ...] = ()
    needs_recognition: bool = False
    division_code: str | None = None
    kind: str | None = None  # qualifications: notation of its kind (enterprise, platform, ...)
    levels: tuple[str, ...] = ()  # qualifications: zh labels of the levels it exists at
    issued_by: str | None = None  # qualifications: a bureau-type id, or the authority as text
    validity_years: int | None = None  # qualifications: usual validity, where there is one
    definition: str | None = None  # skos:definition@zh: when the concept applies
    definition_en: str | None = None
    bureau_type: str | None = None  # bureaus: id of their bureau type
    name_patterns: tuple[str, ...] = ()  # bureau types: words that identify them in a name
    clause_cues: tuple[str, ...] = ()  # support forms: regexes of a clause that reads a generic grant as this form
    division_level: str | None = None  # places: province, city, district or county
    unit: str | None = None  # metrics: the unit values are kept in (万元, %, 人)
    parts: tuple[str, ...] = ()  # metrics: (numerator id, denominator id) of a ratio metric

    @property
    def all_labels(self) -> tuple[str, ...]:
        """Every zh string that names this concept: prefLabel, full name, aliases."""
        names = [self.label_zh, *([self.full_name] if self.full_name else []), *self.alt_labels]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Ontology:
    """The whole vocabulary: node types, relationship types and concept schemes."""

    node_types: dict[str, NodeType]
    rel_types: dict[str, RelType]
    schemes: dict[str, tuple[Concept, ...]]
    source_files: tuple[Path, ...]
    rejected: frozenset[str] = frozenset()  # phrases a curator said name no recognition

    def node_type(self, label: str) -> NodeType:
        """The node type with graph label ``label``; OntologyError if unknown."""
        try:
            return self.node_types[label]
        except KeyError:
            raise OntologyError(f"unknown node label {label!r}", where="ontology/") from None

    def concepts(self, scheme: str) -> tuple[Concept, ...]:
        """The concepts of ``scheme`` (empty if the scheme is absent)."""
        return self.schemes.get(scheme, ())

    def concept(self, scheme: str, concept_id: str) -> Concept | None:
        """The concept of ``scheme`` with id ``concept_id``, or None."""
        return next((c for c in self.concepts(scheme) if c.id == concept_id), None)

    def level_rank(self, level: str | None) -> int:
        """Rank of a level label (国家级 > 省级 > 市级 > 区级); 0 for None or unknown."""
        return next((c.rank or 0 for c in self.concepts("levels") if level in c.all_labels), 0)

    def scheme_node_types(self) -> dict[str, NodeType]:
        """Node types whose nodes are the concepts of a scheme, keyed by scheme name."""
        return {nt.scheme: nt for nt in self.node_types.values() if nt.scheme}


def _label(g: _Triples, subject: URIRef, lang: str, predicate: URIRef = RDFS.label) -> str:
    for obj in g.objects(subject, predicate):
        if isinstance(obj, Literal) and obj.language == lang:
            return str(obj)
    return ""


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _one(g: _Triples, subject: URIRef, predicate: URIRef) -> str | None:
    value = g.value(subject, predicate)
    return None if value is None else str(value)


class _Triples:
    """The few look-ups the model needs over the ontology's triples, indexed in plain dicts.

    rdflib's Graph costs most of the load time of a vocabulary this size (hashing, contexts);
    the model only asks for objects, subjects, one value and membership.
    """

    def __init__(self) -> None:
        self._sp: dict[tuple, list] = defaultdict(list)
        self._po: dict[tuple, list] = defaultdict(list)
        self._spo: set[tuple] = set()

    def add(self, s: object, p: object, o: object) -> None:
        """Add one triple (duplicates ignored)."""
        if (s, p, o) in self._spo:
            return
        self._spo.add((s, p, o))
        self._sp[(s, p)].append(o)
        self._po[(p, o)].append(s)

    def objects(self, s: object, p: object) -> list:
        """Objects of (s, p, ?)."""
        return self._sp.get((s, p), [])

    def subjects(self, p: object, o: object) -> list:
        """Subjects of (?, p, o)."""
        return self._po.get((p, o), [])

    def value(self, s: object, p: object) -> object | None:
        """One object of (s, p, ?), or None."""
        found = self._sp.get((s, p))
        return found[0] if found else None

    def __contains__(self, triple: tuple) -> bool:
        return triple in self._spo

    def __len__(self) -> int:
        return len(self._spo)


def _read_graph(folder: Path, curation_dir: Path | None = None) -> tuple[_Triples, tuple[Path, ...]]:
    files = tuple(sorted(p for p in folder.glob("*.ttl") if not p.name.startswith("shapes")))
    if not files:
        raise OntologyError("no Turtle files found", where=str(folder))
    curation = curation_folder(curation_dir)
    if curation.is_dir():
        files = (*files, *sorted(curation.glob("*.ttl")))
    g = _Triples()
    terms: dict[object, URIRef | Literal | BNode] = {}

    def term(x: object) -> URIRef | Literal | BNode:
        hit = terms.get(x)
        if hit is None:
            hit = terms[x] = _rdflib_term(x)
        return hit

    for path in files:
        try:  # pyoxigraph parses several times faster than rdflib's Turtle parser
            quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        except SyntaxError as exc:
            raise OntologyError(f"cannot parse Turtle: {exc}", where=str(path)) from exc
        for q in quads:
            g.add(term(q.subject), term(q.predicate), term(q.object))
    return g, files


def _rdflib_term(x: object) -> URIRef | Literal | BNode:
    if isinstance(x, ox.NamedNode):
        return URIRef(x.value)
    if isinstance(x, ox.BlankNode):
        return BNode(x.value)
    if x.language:
        return Literal(x.value, lang=x.language)
    datatype = x.datatype.value
    return Literal(x.value) if datatype == str(XSD.string) else Literal(x.value, datatype=URIRef(datatype))


def _properties_of(g: _Triples, domain: URIRef) -> tuple[Prop, ...]:
    props = []
    for prop in sorted(g.subjects(RDFS.domain, domain)):
        if (prop, RDF.type, OWL.DatatypeProperty) not in g:
            continue
        props.append(_datatype_prop(g, prop))
    return tuple(props)


def _datatype_prop(g: _Triples, prop: URIRef) -> Prop:
    rng = g.value(prop, RDFS.range)
    if rng not in _DATATYPES:
        raise OntologyError(f"property {_local(prop)} has unsupported range {rng}", where="ontology/")
    return Prop(_local(prop), _DATATYPES[rng], _label(g, prop, "zh"), _label(g, prop, "en"))


def _zh_values(g: _Triples, c: URIRef, predicate: URIRef) -> tuple[str, ...]:
    return tuple(sorted(str(o) for o in g.objects(c, predicate) if getattr(o, "language", None) == "zh"))


def _issuer(g: _Triples, c: URIRef) -> str | None:
    value = g.value(c, PKG.issuedBy)
    if value is None:
        return None
    return _local(value) if isinstance(value, URIRef) else str(value)


def _validity(g: _Triples, c: URIRef) -> int | None:
    value = g.value(c, PKG.validityYears)
    if value is None:
        return None
    try:
        years = int(value)
    except (TypeError, ValueError):
        years = 0
    if years <= 0 or str(years) != str(value):
        raise OntologyError(f"{_local(c)}: validityYears must be a positive integer, got {value!r}",
                            where="ontology/qualifications.ttl")
    return years


def _concept(g: _Triples, c: URIRef, scheme: str) -> Concept:
    district_iri = g.value(c, PKG.inDistrict)
    district = _label(g, district_iri, "zh", SKOS.prefLabel) if district_iri else None
    alts = sorted(str(o) for o in g.objects(c, SKOS.altLabel) if getattr(o, "language", None) == "zh")
    level_iri = g.value(c, PKG.defaultLevel)
    rank = g.value(c, PKG.rank)
    kind_iri = g.value(c, PKG.qualificationKind)
    type_iri = g.value(c, PKG.bureauType)
    return Concept(
        id=_local(c),
        iri=str(c),
        scheme=scheme,
        label_zh=_label(g, c, "zh", SKOS.prefLabel),
        label_en=_label(g, c, "en", SKOS.prefLabel),
        alt_labels=tuple(alts),
        full_name=_one(g, c, PKG.fullName),
        district=district,
        broader=tuple(sorted(_local(b) for b in g.objects(c, SKOS.broader))),
        default_level=_label(g, level_iri, "zh", SKOS.prefLabel) if level_iri else None,
        rank=int(rank) if rank is not None else None,
        for_amount=bool(g.value(c, PKG.forAmount)),
        not_labels=tuple(sorted(str(o) for o in g.objects(c, PKG.notLabel))),
        needs_recognition=bool(g.value(c, PKG.needsRecognition)),
        division_code=_one(g, c, PKG.divisionCode),
        kind=_one(g, kind_iri, SKOS.notation) if kind_iri is not None else None,
        levels=tuple(_label(g, lv, "zh", SKOS.prefLabel) for lv in
                     sorted(g.objects(c, PKG.existsAtLevel), key=lambda lv: -int(g.value(lv, PKG.rank) or 0))),
        issued_by=_issuer(g, c),
        validity_years=_validity(g, c),
        definition=_label(g, c, "zh", SKOS.definition) or None,
        definition_en=_label(g, c, "en", SKOS.definition) or None,
        bureau_type=_local(type_iri) if type_iri is not None else None,
        name_patterns=_zh_values(g, c, PKG.namePattern),
        clause_cues=tuple(sorted(str(o) for o in g.objects(c, PKG.clauseCue))),
        division_level=_one(g, c, PKG.divisionLevel),
        unit=_one(g, c, PKG.metricUnit),
        parts=tuple(_local(x) for x in (g.value(c, PKG.numerator), g.value(c, PKG.denominator)) if x is not None),
    )


def read_ontology(folder: Path = ONTOLOGY_DIR, curation_dir: Path | None = None) -> Ontology:
    """Parse every ``*.ttl`` in ``folder`` (except the SHACL shapes), then those of
    ``curation_dir`` (the curators' decisions), into an Ontology."""
    g, files = _read_graph(folder, curation_dir)
    node_types: dict[str, NodeType] = {}
    for cls in sorted(g.subjects(RDF.type, OWL.Class)):
        label = _one(g, cls, PKG.graphLabel)
        if not label:
            continue
        node_types[label] = NodeType(
            label=label,
            iri=str(cls),
            key=_one(g, cls, PKG.key) or "id",
            label_zh=_label(g, cls, "zh"),
            label_en=_label(g, cls, "en"),
            properties=_properties_of(g, cls),
            colour=_one(g, cls, PKG.colour) or "#888888",
            shape=_one(g, cls, PKG.shape) or "dot",
            scheme=_one(g, cls, PKG.scheme),
            owner=next((_local(p) for p in g.subjects(RDFS.domain, cls) if g.value(p, PKG.owner)), None),
        )
    label_of = {nt.iri: nt.label for nt in node_types.values()}
    rel_types: dict[str, RelType] = {}
    for prop in sorted(g.subjects(RDF.type, OWL.ObjectProperty)):
        rtype = _one(g, prop, PKG.graphType)
        if not rtype:
            continue
        start, end = str(g.value(prop, RDFS.domain)), str(g.value(prop, RDFS.range))
        if start not in label_of or end not in label_of:
            raise OntologyError(f"{rtype}: domain and range must be graph classes", where="ontology/")
        edge_props = tuple(_datatype_prop(g, p) for p in sorted(g.objects(prop, PKG.edgeProperty)))
        rel_types[rtype] = RelType(
            type=rtype,
            iri=str(prop),
            start=label_of[start],
            end=label_of[end],
            label_zh=_label(g, prop, "zh"),
            label_en=_label(g, prop, "en"),
            properties=edge_props,
        )
    schemes: dict[str, tuple[Concept, ...]] = {}
    for scheme in sorted(g.subjects(RDF.type, SKOS.ConceptScheme)):
        name = _local(scheme)
        members = sorted(g.subjects(SKOS.inScheme, scheme))
        schemes[name] = tuple(_concept(g, c, name) for c in members)
    from ontology.places import build_places  # here: places.py imports Concept from this module

    schemes["places"] = build_places(schemes.get("places", ()))
    for nt in node_types.values():
        for p in nt.properties:
            if p.name == nt.key and p.datatype != "string":
                raise OntologyError(f"{nt.label}.{p.name}: keys must be strings", where="ontology/")
    rejected = frozenset(str(lbl) for r in g.subjects(RDF.type, PKG.RejectedCandidate)
                         for lbl in g.objects(r, SKOS.prefLabel))
    return Ontology(node_types, rel_types, schemes, files, rejected)


def curation_folder(curation_dir: Path | None = None) -> Path:
    """Where the curators' decisions live: ``curation_dir``, else POLICYKG_CURATION_DIR,
    else data/curation/ beside ontology/."""
    if curation_dir is not None:
        return Path(curation_dir)
    return Path(os.environ.get(CURATION_VARIABLE) or DEFAULT_CURATION_DIR)


def load_ontology(folder: Path = ONTOLOGY_DIR, curation_dir: Path | None = None) -> Ontology:
    """The ontology in ``folder`` with the decisions in ``curation_dir`` (default: see
    :func:`curation_folder`), parsed once per process and again when a decision file
    changes (so the next load after ``policykg curate accept`` sees it)."""
    curation = curation_folder(curation_dir).resolve()
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(curation.glob("*.ttl"))) \
        if curation.is_dir() else ()
    return _load(Path(folder), curation, stamp)


@lru_cache(maxsize=4)
def _load(folder: Path, curation: Path, stamp: tuple[tuple[str, int, int], ...]) -> Ontology:
    return read_ontology(folder, curation)
