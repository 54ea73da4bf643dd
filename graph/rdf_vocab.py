"""How the graph maps to RDF, in one place: namespaces, IRIs, predicates and literals.

Export (graph/rdf.py), import (graph/rdf_import.py) and ontology/shapes.ttl follow this
mapping. Classes and relations are the ontology's own IRIs (``NodeType.iri``,
``RelType.iri``); properties are ``pkg:<name>`` unless a standard vocabulary fits:
Dublin Core terms for a document's title, number and dates, SKOS labels for names,
W3C ORG classes for bureaus and enterprises, PROV-O for where a fact came from.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode

from ontology import Ontology, Prop
from policykg.errors import ParameterError

PKG = "https://policykg.org/ontology#"
ONTOLOGY_IRI = "https://policykg.org/ontology"
DEFAULT_BASE = "https://policykg.org/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
ELI = "http://data.europa.eu/eli/ontology#"

PREFIXES = {"pkg": PKG, "rdf": RDF, "xsd": XSD, "skos": SKOS, "dcterms": DCT, "org": ORG, "prov": PROV, "eli": ELI}

# Standard classes a node also gets (besides its ontology class; concept nodes also get
# skos:Concept). W3C ORG recommends skos:prefLabel for an organisation's name.
EXTRA_CLASSES: dict[str, tuple[str, ...]] = {
    "Bureau": (ORG + "Organization",),
    "Enterprise": (ORG + "FormalOrganization",),
}
# Standard predicates for properties of one label; every other property is pkg:<name>.
STANDARD_PREDICATES: dict[tuple[str, str], str] = {
    ("PolicyDocument", "title"): DCT + "title",
    ("PolicyDocument", "doc_number"): DCT + "identifier",
    ("PolicyDocument", "issued_on"): DCT + "issued",
}
# European Legislation Identifier terms a relationship also gives (besides its ontology
# relation, which import reads): a version that repeals or amends an earlier one.
ELI_RELATIONS: dict[str, str] = {"REPEALS": ELI + "repeals", "AMENDS": ELI + "amends"}
# Names on any label: (predicate, language tag, several values separated by "|").
LABEL_PREDICATES: dict[str, tuple[str, str, bool]] = {
    "name": (SKOS + "prefLabel", "zh", False),
    "name_en": (SKOS + "prefLabel", "en", False),
    "aliases": (SKOS + "altLabel", "zh", True),
}
# String properties that hold Chinese prose or names (tagged @zh); other strings are codes.
ZH_TEXT = frozenset({"title", "text", "full_name", "issuer", "district", "mention", "level", "basis",
                     "assessment", "scale"})

_XSD_OF = {"string": XSD + "string", "int": XSD + "integer", "float": XSD + "double",
           "bool": XSD + "boolean", "date": XSD + "date"}
_SAFE_ID = re.compile(r"[A-Za-z0-9._~-]+")
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def escape(text: str) -> str:
    r"""Text as the inside of an N-Triples string literal.

    >>> print(escape('say "hi"\n'))
    say \"hi\"\n
    """
    return text.translate(_ESCAPES)


@dataclass(frozen=True)
class PropMap:
    """One graph property as RDF: its predicate, datatype, language tag, and whether its
    value is a "|"-separated list written as one literal per item."""

    name: str
    predicate: str
    datatype: str
    lang: str | None = None
    multi: bool = False

    def writer(self) -> Callable[[str, object], str]:
        """A function (subject ``<IRI>``, graph value) -> the N-Triples line(s) of this
        property. Literals are typed by the ontology, not by the Python value, so both
        backends give the same lexical forms; typed ones are cached (levels, dates, flags
        repeat across millions of facts).

        >>> PropMap("amount", PKG + "amount", "float").writer()("<s>", 50)
        '<s> <https://policykg.org/ontology#amount> "50.0"^^<http://www.w3.org/2001/XMLSchema#double> .\\n'
        """
        pred = f"<{self.predicate}>"
        if self.multi:
            tag = f"@{self.lang}" if self.lang else ""
            return lambda s, v: "".join(f'{s} {pred} "{escape(x)}"{tag} .\n' for x in dict.fromkeys(str(v).split("|"))
                                        if x)
        if self.datatype == "string":
            end = f"@{self.lang} .\n" if self.lang else " .\n"
            return lambda s, v: f'{s} {pred} "{str(v).translate(_ESCAPES)}"{end}'
        datatype, suffix, cache = self.datatype, f"^^<{_XSD_OF[self.datatype]}> .\n", {}

        def typed(s: str, v: object) -> str:
            term = cache.get(v)
            if term is None:
                term = f'"{lexical(datatype, v)}"{suffix}'
                if len(cache) < 100_000:
                    cache[v] = term
            return f"{s} {pred} {term}"

        return typed

    def value(self, literal: Literal) -> object:
        """The graph value of a literal (the inverse of ``writer`` for single values)."""
        text = literal.value
        if self.datatype == "int":
            return int(text)
        if self.datatype == "float":
            return float(text)
        if self.datatype == "bool":
            return text in ("true", "1")
        if self.datatype == "date":
            return dt.date.fromisoformat(text[:10])
        return text


def lexical(datatype: str, value: object) -> str:
    """The lexical form of a graph value of ``datatype``.

    >>> lexical("float", 50), lexical("bool", True), lexical("int", 7)
    ('50.0', 'true', '7')
    """
    if datatype == "float":
        f = float(value)  # type: ignore[arg-type]
        if math.isnan(f):
            return "NaN"
        return repr(f) if math.isfinite(f) else ("INF" if f > 0 else "-INF")
    if datatype == "bool":
        return "true" if value else "false"
    if datatype == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    return str(int(value)) if datatype == "int" else str(value)  # type: ignore[call-overload]


def prop_map(prop: Prop, label: str | None = None) -> PropMap:
    """How the property ``prop`` (of a node with ``label``, or of a relationship) is written."""
    if prop.name in LABEL_PREDICATES:
        pred, lang, multi = LABEL_PREDICATES[prop.name]
        return PropMap(prop.name, pred, prop.datatype, lang, multi)
    pred = STANDARD_PREDICATES.get((label or "", prop.name), PKG + prop.name)
    lang = "zh" if prop.datatype == "string" and prop.name in ZH_TEXT else None
    return PropMap(prop.name, pred, prop.datatype, lang)


def kebab(name: str) -> str:
    """IRI path segment of a label or relationship type.

    >>> kebab("PolicyDocument"), kebab("RESPONSIBLE_FOR")
    ('policy-document', 'responsible-for')
    """
    if name.isupper() or "_" in name:
        return name.lower().replace("_", "-")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def id_segment(node_id: str) -> str:
    """An id as one IRI path segment: ASCII ids as they are, anything else percent-encoded.

    >>> id_segment("doc-1a2b"), id_segment("a b/“c”")
    ('doc-1a2b', 'a%20b%2F%E2%80%9Cc%E2%80%9D')
    """
    return node_id if _SAFE_ID.fullmatch(node_id) else quote(node_id, safe="")


def check_base(base: str) -> str:
    """``base`` if it is an absolute IRI ending in / or #; ParameterError otherwise."""
    try:
        NamedNode(base)
    except ValueError:
        raise ParameterError(f"not an absolute IRI: {base!r}", where="--base") from None
    if not re.match(r"^[a-z][a-z0-9+.-]*:", base) or base[-1] not in "/#":
        raise ParameterError(f"not an absolute IRI ending in / or #: {base!r}", where="--base",
                             hint=f"e.g. {DEFAULT_BASE}")
    return base


class Iris:
    """Stable IRIs: ``<base><label>/<id>`` for instances (ids are ASCII and derived from
    content, never raw names), the ontology's own IRI for concepts it defines (so exports
    from different districts and machines share them), ``<base>fact/<type>/<start>/<end>``
    for the statement that carries a relationship's properties."""

    def __init__(self, ontology: Ontology, base: str = DEFAULT_BASE) -> None:
        self.base = check_base(base)
        self.segment = {label: kebab(label) for label in ontology.node_types}
        self.fact_segment = {rtype: "fact/" + kebab(rtype) for rtype in ontology.rel_types}
        self.concepts: dict[tuple[str, str], str] = {}
        for scheme, nt in ontology.scheme_node_types().items():
            for c in ontology.concepts(scheme):
                self.concepts[(nt.label, c.id)] = c.iri

    def node(self, label: str, node_id: str) -> str:
        """IRI of the node ``node_id`` with ``label``."""
        known = self.concepts.get((label, node_id))
        return known or f"{self.base}{self.segment[label]}/{id_segment(node_id)}"

    def fact(self, rtype: str, start: str, end: str) -> str:
        """IRI of the reified statement of relationship (rtype, start, end)."""
        return f"{self.base}{self.fact_segment[rtype]}/{id_segment(start)}/{id_segment(end)}"


def node_maps(ontology: Ontology) -> dict[str, tuple[PropMap, ...]]:
    """Property mappings of every node label."""
    return {lbl: tuple(prop_map(p, lbl) for p in nt.properties) for lbl, nt in ontology.node_types.items()}


def rel_maps(ontology: Ontology) -> dict[str, tuple[PropMap, ...]]:
    """Property mappings of every relationship type (empty: no statement node)."""
    return {t: tuple(prop_map(p) for p in rt.properties) for t, rt in ontology.rel_types.items()}


def scheme_iri(scheme: str) -> str:
    """IRI of a SKOS concept scheme of the ontology (they live in the pkg: namespace)."""
    return PKG + scheme


def validity_period(props: dict[str, object]) -> Iterator[str]:
    """A DCMI Period literal for dcterms:valid from a document's effective dates, if any.

    >>> list(validity_period({"effective_from": dt.date(2025, 1, 15)}))
    ['start=2025-01-15; scheme=W3C-DTF']
    """
    parts = [f"{k}={lexical('date', props[p])}" for k, p in (("start", "effective_from"), ("end", "effective_until"))
             if props.get(p) is not None]
    if parts:
        yield "; ".join([*parts, "scheme=W3C-DTF"])
