"""Bureaus named in responsibility notes, resolved to (place, type) in any district.

Order of the rules (all driven by the ontology; no name lives here):

1. A collective (各相关单位, 各有关部门, 各镇街道, 相关部门) or a fragment of one character
   is not a bureau: it yields nothing.
2. A bureau of ``bureaus.ttl`` (district-specific, with its canonical short name) wins.
3. Otherwise the name is split into a place and a rest: a place label of the ontology
   in front (松江区经委), else a leading 区/县 meaning the document's own district
   (区科委 in a 松江区 document), else a place-shaped prefix (Y区…) of a district the
   dataset does not know. The rest is matched against the bureau-type scheme's labels,
   aliases and name patterns (科委, 科学技术委员会 → science and technology).
4. A name whose rest matches no type is kept as written with ``known = False``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders.gazetteer import Gazetteer
from ontology import Concept, Ontology
from ontology.labels import normalise

COLLECTIVE = re.compile(r"^(?:各|其他|其它|相关|有关)|^(?:单位|部门|机构)$")
_PLACE_SHAPED = re.compile(r"^([\u4e00-\u9fff]{1,4}?(?:新区|区|县))(.{2,})$")
BUREAU_TYPE_SCHEME = "bureau_types"


@dataclass(frozen=True)
class ResolvedBureau:
    """A name from a note with what is known of it."""

    written: str
    name: str  # canonical short name (bureaus.ttl) or the name as written
    concept: Concept | None  # the bureaus.ttl concept, if any
    type: Concept | None  # its bureau type, if resolved
    place: str | None  # the place it belongs to (zh label), if known

    @property
    def known(self) -> bool:
        """Resolved to a bureau of the ontology or to a bureau type."""
        return self.concept is not None or self.type is not None


class BureauResolver:
    """Resolves the bureau names of notes (built once per ontology)."""

    def __init__(self, ont: Ontology) -> None:
        self.gazetteer = Gazetteer.build(ont, "bureaus")
        self.types = ont.concepts(BUREAU_TYPE_SCHEME)
        self._type_by_id = {t.id: t for t in self.types}
        keys: dict[str, Concept] = {}
        for t in self.types:
            for word in (*t.all_labels, *getattr(t, "name_patterns", ())):
                if k := normalise(word):
                    keys.setdefault(k, t)
        self._type_keys = sorted(keys.items(), key=lambda kv: len(kv[0]), reverse=True)
        places = {normalise(lbl): p.label_zh for p in ont.concepts("places") for lbl in p.all_labels if len(lbl) > 1}
        self._places = sorted(places.items(), key=lambda kv: len(kv[0]), reverse=True)

    def type_of(self, rest: str) -> Concept | None:
        """The bureau type whose longest label or pattern occurs in ``rest``."""
        key = normalise(rest)
        return next((t for k, t in self._type_keys if k in key), None)

    def resolve(self, written: str, district: str | None) -> ResolvedBureau | None:
        """What ``written`` (a name from a note of a ``district`` document) names; None
        for a collective or a fragment."""
        name = written.strip()
        if len(name) < 2 or COLLECTIVE.search(name):
            return None
        concept = self.gazetteer.resolve(name, district)
        if concept is not None:
            btype = self._type_by_id.get(getattr(concept, "bureau_type", None) or "")
            return ResolvedBureau(written, concept.label_zh, concept, btype or self.type_of(name),
                                  concept.district or district)
        place, rest = self._split_place(name, district)
        return ResolvedBureau(written, name, None, self.type_of(rest) if rest else None, place)

    def _split_place(self, name: str, district: str | None) -> tuple[str | None, str]:
        key = normalise(name)
        for label, place in self._places:
            if key.startswith(label) and len(key) > len(label):
                return place, key[len(label):]
        if key[0] in "区县":
            return district, key[1:]
        if key[0] == "市":
            return None, key[1:]
        m = _PLACE_SHAPED.match(key)
        if m and self.type_of(m.group(2)) is not None:
            return m.group(1), m.group(2)
        return None, key
