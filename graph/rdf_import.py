"""Read an RDF export (ours, or another district's made with policykg) back into Batches.

The inverse of graph/rdf.py: subjects typed with an ontology class become nodes (their id
is ``pkg:id``), triples whose predicate is an ontology relation become relationships, and
``rdf:Statement``s give those relationships their properties. Everything else (extra
classes, skos:inScheme, dcterms:valid, the ontology itself) is derived and ignored.

Nodes are grouped into batches the way loads make them, so writing them is idempotent:
one per owning source (a document with its chapters, articles and measures; a register
with its enterprises), each carrying the shared nodes it points to; shared nodes and the
relationships among them (concepts, BROADER) go into the ``shared_key`` batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from graph.rdf_vocab import PKG, RDF, PropMap, node_maps, rel_maps
from graph.records import LINKS_KEY, Batch, NodeRecord, RelRecord
from graph.store import GraphStore
from ontology import Ontology
from policykg.errors import LoadError

SUFFIXES = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml",
            ".xml": "rdfxml", ".owl": "rdfxml"}
NAMED_FORMATS = {"turtle": RdfFormat.TURTLE, "ntriples": RdfFormat.N_TRIPLES, "jsonld": RdfFormat.JSON_LD,
                 "rdfxml": RdfFormat.RDF_XML}


@dataclass
class _Subject:
    classes: set[str]
    values: list[tuple[str, Literal | NamedNode]]


def rdf_format(path: Path, fmt: str | None = None) -> RdfFormat:
    """The syntax named ``fmt`` (turtle, jsonld, ntriples, rdfxml), else the one of the file suffix."""
    name = fmt or SUFFIXES.get(path.suffix.lower())
    if name not in NAMED_FORMATS:
        raise LoadError("cannot tell the RDF format from the file name", where=str(path),
                        hint="pass --format turtle|jsonld|ntriples|rdfxml")
    return NAMED_FORMATS[name]


def _read(path: Path, fmt: RdfFormat) -> dict[str, _Subject]:
    subjects: dict[str, _Subject] = defaultdict(lambda: _Subject(set(), []))
    rdf_type = RDF + "type"
    try:
        for q in parse(path=str(path), format=fmt):
            if not isinstance(q.subject, NamedNode) or not isinstance(q.object, (Literal, NamedNode)):
                continue  # our exports have no blank nodes
            s = subjects[q.subject.value]
            if q.predicate.value == rdf_type:
                s.classes.add(q.object.value)
            else:
                s.values.append((q.predicate.value, q.object))
    except (SyntaxError, ValueError) as exc:
        raise LoadError(f"not valid RDF: {exc}", where=str(path)) from exc
    return subjects


def _props(values: Iterable[tuple[str, Literal | NamedNode]], maps: tuple[PropMap, ...]) -> dict[str, object]:
    """Graph properties from a subject's literals (a language tag picks between maps that
    share a predicate, e.g. skos:prefLabel @zh = name, @en = name_en)."""
    by_pred: dict[str, list[PropMap]] = defaultdict(list)
    for m in maps:
        by_pred[m.predicate].append(m)
    found: dict[str, list[str]] = defaultdict(list)
    out: dict[str, object] = {}
    for pred, obj in sorted(values, key=lambda v: (v[0], str(v[1]))):
        if not isinstance(obj, Literal) or pred not in by_pred:
            continue
        cands = by_pred[pred]
        m = next((c for c in cands if c.lang == obj.language), cands[0])
        if m.multi:
            found[m.name].append(obj.value)
        elif m.name not in out:
            try:
                out[m.name] = m.value(obj)
            except ValueError as exc:
                raise LoadError(f"{m.name}: {obj.value!r} is not a {m.datatype}", where=pred) from exc
    for name, items in found.items():
        # aliases never repeat the name (the ontology's own altLabels sometimes do, and an
        # export made --with-ontology carries them)
        out[name] = "|".join(sorted(set(items) - {out.get("name")}))
    return out


def read_batches(path: Path, ontology: Ontology, *, fmt: str | None = None,
                 shared_key: str = "ontology") -> list[Batch]:
    """The batches described by the RDF file at ``path`` (format from ``fmt`` or the suffix)."""
    subjects = _read(path, rdf_format(path, fmt))
    label_of_class = {nt.iri: lbl for lbl, nt in ontology.node_types.items()}
    nmaps, rmaps = node_maps(ontology), rel_maps(ontology)
    nodes: dict[str, NodeRecord] = {}  # by IRI
    for iri, s in subjects.items():
        labels = sorted(label_of_class[c] for c in s.classes if c in label_of_class)
        if not labels:
            continue
        if len(labels) > 1:
            raise LoadError(f"typed with several graph classes: {', '.join(labels)}", where=iri)
        props = _props(s.values, nmaps[labels[0]])
        key = ontology.node_types[labels[0]].key
        node_id = props.pop(key, None)
        if not node_id:
            raise LoadError(f"no pkg:{key}", where=iri, hint="every node needs its id as a literal")
        nodes[iri] = NodeRecord(labels[0], str(node_id), props)
    rel_of_iri = {rt.iri: t for t, rt in ontology.rel_types.items()}
    rels: dict[tuple[str, str, str], dict[str, object]] = {}

    def end(iri: str, label: str) -> str:
        n = nodes.get(iri)
        if n is None or n.label != label:
            raise LoadError(f"a relationship points to {iri}, which is not described as a {label}", where=iri)
        return n.id

    for iri, s in subjects.items():
        for pred, obj in s.values:
            rtype = rel_of_iri.get(pred)
            if rtype and isinstance(obj, NamedNode):
                rt = ontology.rel_types[rtype]
                rels.setdefault((rtype, end(iri, rt.start), end(obj.value, rt.end)), {})
    for s in subjects.values():
        if RDF + "Statement" in s.classes:
            fields = {p: o.value for p, o in s.values if p in (RDF + "subject", RDF + "predicate", RDF + "object")}
            rtype = rel_of_iri.get(fields.get(RDF + "predicate", ""))
            if rtype is None:
                continue
            rt = ontology.rel_types[rtype]
            key3 = (rtype, end(fields[RDF + "subject"], rt.start), end(fields[RDF + "object"], rt.end))
            rels[key3] = _props(s.values, rmaps[rtype])
    records = [RelRecord(t, a, b, p) for (t, a, b), p in sorted(rels.items())]
    return group_batches(sorted(nodes.values(), key=lambda n: (n.label, n.id)), records, ontology, shared_key)


def group_batches(nodes: list[NodeRecord], rels: list[RelRecord], ontology: Ontology,
                  shared_key: str = "ontology") -> list[Batch]:
    """Split records into the batches a load would have made (see the module docstring)."""
    owner_of: dict[str, str] = {}
    for n in nodes:
        owner = ontology.node_types[n.label].owner
        if owner and n.props.get(owner):
            owner_of[n.id] = str(n.props[owner])
    keys = set(owner_of.values())
    by_id = {n.id: n for n in nodes}
    for n in nodes:
        if n.id in keys:
            owner_of[n.id] = n.id
    grouped_nodes: dict[str, list[NodeRecord]] = defaultdict(list)
    grouped_rels: dict[str, list[RelRecord]] = defaultdict(list)
    for n in nodes:
        grouped_nodes[owner_of.get(n.id, shared_key)].append(n)
    for r in rels:
        key = owner_of.get(r.start) or owner_of.get(r.end) or shared_key
        if r.start in owner_of and r.end in owner_of and owner_of[r.start] != owner_of[r.end]:
            # between two sources (a document repealing another): the links batch, as a load makes it
            grouped_rels[LINKS_KEY].append(r)
            grouped_nodes[LINKS_KEY].extend(NodeRecord(by_id[i].label, i) for i in (r.start, r.end))
            continue
        grouped_rels[key].append(r)
        for end_id in (r.start, r.end):  # a batch carries the shared nodes it points to
            if key != shared_key and end_id not in owner_of:
                grouped_nodes[key].append(by_id[end_id])
    return [Batch.of(k, grouped_nodes[k], grouped_rels[k]) for k in sorted(set(grouped_nodes) | set(grouped_rels))]


def import_rdf(store: GraphStore, path: Path, *, fmt: str | None = None, shared_key: str = "ontology") -> list[Batch]:
    """Read ``path`` and write its batches to ``store`` in one go (all or nothing)."""
    batches = read_batches(path, store.ontology, fmt=fmt, shared_key=shared_key)
    if not batches:
        raise LoadError("no policykg nodes found", where=str(path),
                        hint=f"expected subjects typed with classes of {PKG}")
    store.apply_schema()
    store.write_many(batches)  # type: ignore[attr-defined]  # both backends have it
    return batches
