"""Export the graph as RDF (Turtle, JSON-LD, N-Triples, RDF/XML): the whole store, one
source (a document or a register), or the graph elements of a query result.

The mapping is in graph/rdf_vocab.py. A relationship becomes a direct triple
(``measure pkg:requires qualification``); when its type carries properties (level,
mention, span, amount, lead...), an ``rdf:Statement`` named ``<base>fact/<type>/<start>/<end>``
reifies it and holds them, with ``prov:wasDerivedFrom`` the node of the text or register
it was read from (the end owned by a document or register: the measure, the article, the
enterprise). No blank nodes and no timestamps, so the same data gives the same triples.

How it streams: rows are read page by page and written as N-Triples lines, which
pyoxigraph parses and serialises in the chosen format as they come. Why not rdflib
(~30k triples/s) or pyoxigraph term objects (building a Triple with a Literal in it costs
~1.6 µs in Python): a 100,000-enterprise graph (4 million triples) then exports in
seconds. rdflib stays for the ontology and SHACL.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pyoxigraph import RdfFormat, parse, serialize

from graph.rdf_vocab import (
    DCT,
    DEFAULT_BASE,
    ELI,
    ELI_RELATIONS,
    EXTRA_CLASSES,
    ONTOLOGY_IRI,
    PREFIXES,
    PROV,
    RDF,
    SKOS,
    XSD,
    Iris,
    escape,
    lexical,
    node_maps,
    rel_maps,
    scheme_iri,
    validity_period,
)
from graph.store import GraphStore, ReadResult
from ontology import Ontology
from ontology.model import ONTOLOGY_DIR
from policykg.errors import ParameterError

FORMATS: dict[str, RdfFormat] = {
    "turtle": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSON_LD,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}
PAGE = 500_000  # rows per read: bounded memory, and few re-sorts (each page sorts the whole match)


def _iri(text: str) -> str:
    return f"<{text}>"


class Exporter:
    """Turns nodes and relationships (plain values, as the stores return them) into
    N-Triples lines; each call returns the lines of one node or relationship."""

    def __init__(self, ontology: Ontology, base: str = DEFAULT_BASE) -> None:
        self.ontology = ontology
        self.iris = Iris(ontology, base)
        self.node_maps = {lbl: [(m.name, m.writer()) for m in ms] for lbl, ms in node_maps(ontology).items()}
        self.rel_maps = {t: [(m.name, m.writer()) for m in ms] for t, ms in rel_maps(ontology).items()}
        self.keys = {lbl: nt.key for lbl, nt in ontology.node_types.items()}
        self.types = {lbl: [f" <{RDF}type> <{c}> .\n" for c in (nt.iri, *EXTRA_CLASSES.get(lbl, ()))]
                      for lbl, nt in ontology.node_types.items()}
        self.schemes = {nt.label: _iri(scheme_iri(s)) for s, nt in ontology.scheme_node_types().items()}
        # per relationship type: its ends' labels, its IRI, and the end a fact was read from
        # (the one whose label is owned by a document or register, e.g. the measure)
        self.rels = {t: (rt.start, rt.end, _iri(rt.iri),
                         1 if ontology.node_types[rt.end].owner and not ontology.node_types[rt.start].owner else 0)
                     for t, rt in ontology.rel_types.items()}
        self._concept_iris = {k: _iri(v) for k, v in self.iris.concepts.items()}
        self._statement = (f"%s <{RDF}type> <{RDF}Statement> .\n%s <{RDF}subject> %s .\n%s <{RDF}predicate> %s .\n"
                           f"%s <{RDF}object> %s .\n%s <{PROV}wasDerivedFrom> %s .\n")

    def node_iri(self, label: str, node_id: str) -> str:
        """``<IRI>`` of a node."""
        known = self._concept_iris.get((label, node_id))
        return known or _iri(self.iris.node(label, node_id))

    def node(self, label: str, node_id: str, props: dict[str, Any]) -> str:
        """Lines of one node; ``props`` may hold its id or not."""
        s = self.node_iri(label, node_id)
        out = [s + t for t in self.types[label]]
        if (label, node_id) in self._concept_iris:
            out.append(f"{s} <{RDF}type> <{SKOS}Concept> .\n{s} <{SKOS}inScheme> {self.schemes[label]} .\n")
        key = self.keys[label]
        for name, write in self.node_maps[label]:
            v = node_id if name == key else props.get(name)
            if v is not None and v != "":
                out.append(write(s, v))
        if label == "PolicyDocument":
            out.extend(f'{s} <{DCT}valid> "{escape(p)}"^^<{DCT}Period> .\n' for p in validity_period(props))
            out.extend(_eli_document(s, props))
        return "".join(out)

    def rel(self, rtype: str, start: str, end: str, props: dict[str, Any]) -> str:
        """The direct triple of a relationship, and its statement if its type has properties."""
        start_label, end_label, p, source_end = self.rels[rtype]
        s, o = self.node_iri(start_label, start), self.node_iri(end_label, end)
        direct = f"{s} {p} {o} .\n" + _eli_relation(rtype, s, o, props)
        maps = self.rel_maps[rtype]
        if not maps:
            return direct
        st = _iri(self.iris.fact(rtype, start, end))
        out = [direct, self._statement % (st, st, s, st, p, st, o, st, (s, o)[source_end])]
        for name, write in maps:
            v = props.get(name)
            if v is not None and v != "":
                out.append(write(st, v))
        return "".join(out)

    def header(self) -> str:
        """One triple naming the ontology the data conforms to (a resolvable IRI)."""
        return f"<{self.iris.base}dataset> <{DCT}conformsTo> <{ONTOLOGY_IRI}> .\n"


def _eli_document(s: str, props: dict[str, Any]) -> Iterator[str]:
    """ELI terms of a document from its own dates: first day in force (施行) and last day
    in force (有效期至); ``eli:in_force`` from them is stated only for a repeal (below),
    since anything else would change with the day of the export."""
    if props.get("effective_from") is not None:
        yield f'{s} <{ELI}first_date_entry_in_force> "{lexical("date", props["effective_from"])}"^^<{XSD}date> .\n'
    if props.get("effective_until") is not None:
        yield f'{s} <{ELI}date_no_longer_in_force> "{lexical("date", props["effective_until"])}"^^<{XSD}date> .\n'


def _eli_relation(rtype: str, s: str, o: str, props: dict[str, Any]) -> str:
    """``eli:repeals`` / ``eli:amends`` for a REPEALS / AMENDS relationship; a repealed
    document is ``eli:in_force eli:InForce-notInForce`` (the repeal is a fact of the data,
    whichever day the export is made), its stop day on the relationship's statement."""
    eli = ELI_RELATIONS.get(rtype)
    if eli is None:
        return ""
    line = f"{s} <{eli}> {o} .\n"
    if rtype == "REPEALS":
        line += f"{o} <{ELI}in_force> <{ELI}InForce-notInForce> .\n"
    return line


# --- reading the store ---------------------------------------------------------------------
def _cols(var: str, names: Iterable[str]) -> str:
    return ", ".join(f"{var}.`{n}`" for n in names)


def _paged(store: GraphStore, cypher: str, order: str, params: dict[str, Any]) -> Iterator[list[Any]]:
    """Rows of ``cypher`` page by page (SKIP/LIMIT on a total order: both backends agree)."""
    skip = 0
    while True:
        rows = store.read(f"{cypher} ORDER BY {order} SKIP {skip} LIMIT {PAGE}", params, timeout_s=3600).rows
        yield from rows
        if len(rows) < PAGE:
            return
        skip += PAGE


def _owned(ont: Ontology, label: str, var: str) -> str:
    """Cypher condition: node ``var`` belongs to the source ``$key`` (is it, or is owned by it)."""
    nt = ont.node_types[label]
    cond = f"{var}.`{nt.key}` = $key"
    return f"({cond} OR {var}.`{nt.owner}` = $key)" if nt.owner else f"({cond})"


def _nodes(store: GraphStore, ex: Exporter, label: str, where: str, params: dict[str, Any],
           seen: set[str] | None = None) -> Iterator[str]:
    names = [name for name, _ in ex.node_maps[label]]
    key = ex.keys[label]
    at = names.index(key)
    for row in _paged(store, f"MATCH (n:{label}) {where} RETURN {_cols('n', names)}", f"n.`{key}`", params):
        node_id = str(row[at])
        if seen is not None:
            seen.add(node_id)
        yield ex.node(label, node_id, dict(zip(names, row, strict=True)))


def _rels(store: GraphStore, ex: Exporter, rtype: str, where: str, params: dict[str, Any],
          ends: dict[str, set[str]] | None = None) -> Iterator[str]:
    start, end = ex.rels[rtype][:2]
    names = [name for name, _ in ex.rel_maps[rtype]]
    sk, ek = ex.keys[start], ex.keys[end]
    cypher = (f"MATCH (a:{start})-[r:{rtype}]->(b:{end}) {where} "
              f"RETURN a.`{sk}`, b.`{ek}`" + (", " + _cols("r", names) if names else ""))
    for row in _paged(store, cypher, f"a.`{sk}`, b.`{ek}`", params):
        if ends is not None:
            ends[start].add(row[0])
            ends[end].add(row[1])
        yield ex.rel(rtype, row[0], row[1], dict(zip(names, row[2:], strict=True)))


def _check_source(store: GraphStore, source: str) -> None:
    ont = store.ontology
    for label in ont.node_types:
        if store.read(f"MATCH (n:{label}) WHERE {_owned(ont, label, 'n')} RETURN n.`id` LIMIT 1",
                      {"key": source}).rows:
            return
    raise ParameterError(f"no document or register with id {source!r}", where="--document")


def enterprise_side(ont: Ontology) -> tuple[frozenset[str], frozenset[str]]:
    """The node labels and relationship types of the enterprise register: Enterprise, every
    instance label all of whose relationships lead there (its metric values, the sources
    stating it), and each relationship touching one. Left out of an export shared with
    another district (``enterprises=False``); read from the ontology, so a new register
    class joins by its relationships.

    >>> from ontology import load_ontology
    >>> labels, types = enterprise_side(load_ontology())
    >>> sorted(labels), sorted(types)
    (['Enterprise', 'MetricValue', 'Source'], ['HOLDS', 'REPORTED', 'STATES'])
    """
    side = {"Enterprise"}
    grown = True
    while grown:
        grown = False
        for label, nt in ont.node_types.items():
            touching = [rt for rt in ont.rel_types.values() if label in (rt.start, rt.end)]
            ends = {rt.end if rt.start == label else rt.start for rt in touching}
            if label not in side and nt.scheme is None and touching and ends <= side:
                side.add(label)
                grown = True
    types = {name for name, rt in ont.rel_types.items() if rt.start in side or rt.end in side}
    return frozenset(side), frozenset(types)


def store_ntriples(store: GraphStore, base: str = DEFAULT_BASE, source: str | None = None, *,
                   enterprises: bool = True) -> Iterator[str]:
    """N-Triples of the whole store, or of one source (a document or register id): its own
    nodes, every relationship touching them, the nodes at their other ends (concepts,
    bureaus) and the relationships among those (BROADER). ParameterError at once if
    ``source`` is unknown. ``enterprises=False`` leaves out the enterprise register
    (``enterprise_side``): the policies alone, to share with another district."""
    ex = Exporter(store.ontology, base)
    if source is not None:
        _check_source(store, source)
    return _store_lines(store, ex, source, frozenset() if enterprises else enterprise_side(store.ontology)[0])


def _store_lines(store: GraphStore, ex: Exporter, source: str | None, skip: frozenset[str]) -> Iterator[str]:
    ont = store.ontology
    yield ex.header()
    labels = sorted(set(ont.node_types) - skip)
    types = sorted(t for t, rt in ont.rel_types.items() if rt.start not in skip and rt.end not in skip)
    if source is None:
        for label in labels:
            yield from _nodes(store, ex, label, "", {})
        for rtype in types:
            yield from _rels(store, ex, rtype, "", {})
        return
    params = {"key": source}
    owned: dict[str, set[str]] = {label: set() for label in labels}
    for label in labels:
        yield from _nodes(store, ex, label, "WHERE " + _owned(ont, label, "n"), params, owned[label])
    ends: dict[str, set[str]] = {label: set() for label in labels}
    for rtype in types:
        rt = ont.rel_types[rtype]
        where = f"WHERE {_owned(ont, rt.start, 'a')} OR {_owned(ont, rt.end, 'b')}"
        yield from _rels(store, ex, rtype, where, params, ends)
    others = {label: sorted(ends[label] - owned[label]) for label in labels}
    for label in labels:
        if others[label]:
            yield from _nodes(store, ex, label, f"WHERE n.`{ex.keys[label]}` IN $ids", {"ids": others[label]})
    for rtype in types:
        rt = ont.rel_types[rtype]
        if others[rt.start] and others[rt.end]:
            yield from _rels(store, ex, rtype, f"WHERE a.`{ex.keys[rt.start]}` IN $s AND b.`{ex.keys[rt.end]}` IN $e",
                             {"s": others[rt.start], "e": others[rt.end]})


def result_ntriples(result: ReadResult, ontology: Ontology, base: str = DEFAULT_BASE, *,
                    enterprises: bool = True) -> Iterator[str]:
    """N-Triples of the nodes and relationships found in a query result (e.g. a saved query's),
    without the enterprise register's if not ``enterprises``."""
    ex = Exporter(ontology, base)
    skip_labels, skip_types = (frozenset(), frozenset()) if enterprises else enterprise_side(ontology)
    yield ex.header()
    for n in sorted(result.nodes, key=lambda n: (n.label, n.id)):
        if n.label in ontology.node_types and n.label not in skip_labels:
            yield ex.node(n.label, n.id, n.properties)
    for r in sorted(result.rels, key=lambda r: (r.type, r.start, r.end)):
        if r.type in ontology.rel_types and r.type not in skip_types:
            yield ex.rel(r.type, r.start, r.end, r.properties)


def ontology_ntriples(folder: Path = ONTOLOGY_DIR) -> Iterator[str]:
    """The ontology's own triples (classes, properties, concept schemes), to publish with data."""
    for path in sorted(folder.glob("*.ttl")):
        if not path.name.startswith("shapes"):  # shapes.ttl, shapes_vocabulary.ttl: not the model
            yield serialize(parse(path=str(path), format=RdfFormat.TURTLE), None, RdfFormat.N_TRIPLES).decode()


class _TextStream(io.RawIOBase):
    """A readable byte stream over str chunks, so pyoxigraph's parser pulls the N-Triples
    as they are made (never the whole export in memory); counts the lines it passes on."""

    def __init__(self, chunks: Iterable[str]) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")
        self.lines = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self.lines += chunk.count("\n")
            self._pending = memoryview(chunk.encode("utf-8"))
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def serialise(ntriples: Iterable[str], out: IO[bytes] | Path | None, fmt: str = "turtle") -> tuple[int, bytes | None]:
    """Write N-Triples chunks as ``fmt`` (turtle, jsonld, ntriples, rdfxml) to ``out`` as they
    come; returns the triple count and, when ``out`` is None, the bytes."""
    if fmt not in FORMATS:
        raise ParameterError(f"unknown RDF format {fmt!r}", where="--format", hint=", ".join(FORMATS))
    stream = _TextStream(ntriples)
    # lenient: skip re-validating IRIs we built ourselves from a checked base, ontology IRIs
    # and percent-encoded ids (a third faster); literals are escaped in rdf_vocab.escape
    quads = parse(io.BufferedReader(stream, 1 << 16), format=RdfFormat.N_TRIPLES, lenient=True)
    data = serialize(quads, str(out) if isinstance(out, Path) else out, FORMATS[fmt], prefixes=PREFIXES)
    return stream.lines, data


def export_rdf(store: GraphStore, out: IO[bytes] | Path | None, fmt: str = "turtle", *, base: str = DEFAULT_BASE,
               source: str | None = None, with_ontology: bool = False,
               enterprises: bool = True) -> tuple[int, bytes | None]:
    """Export the store (or one ``source``) to ``out``, without the enterprise register if
    not ``enterprises``; returns the triple count and, when ``out`` is None, the bytes."""
    lines = store_ntriples(store, base, source, enterprises=enterprises)
    return serialise(_chain(ontology_ntriples(), lines) if with_ontology else lines, out, fmt)


def _chain(*parts: Iterable[str]) -> Iterator[str]:
    for p in parts:
        yield from p
