"""Name resolution driven by the ontology: every label and alias of a concept scheme,
normalised (full/half width, quote styles, spaces), mapped to its concept.

No name lives here; the concept schemes in ontology/ are the gazetteer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology import Concept, Ontology
from ontology.labels import normalise

__all__ = ["Gazetteer", "find_place", "normalise"]

@dataclass(frozen=True)
class Gazetteer:
    """Labels of one scheme, by district (None = valid everywhere)."""

    scheme: str
    by_district: dict[str | None, dict[str, Concept]]
    districts: tuple[str, ...]

    @staticmethod
    def build(ont: Ontology, scheme: str) -> Gazetteer:
        """Index every label of ``scheme``'s concepts under its normalised form."""
        table: dict[str | None, dict[str, Concept]] = {}
        for c in ont.concepts(scheme):
            names = table.setdefault(c.district, {})
            for label in c.all_labels:
                names.setdefault(normalise(label), c)
        places = tuple(sorted({lbl for p in ont.concepts("places") for lbl in p.all_labels}, key=len, reverse=True))
        return Gazetteer(scheme, table, places)

    def resolve(self, name: str, district: str | None) -> Concept | None:
        """The concept called ``name`` in ``district`` (or one valid everywhere), else None.

        A leading district name (``闵行区经委``) is tolerated.
        """
        key = normalise(name)
        candidates = [key]
        for place in self.districts:
            p = normalise(place)
            if key.startswith(p) and len(key) > len(p):
                candidates.append("区" + key[len(p):] if not key[len(p):].startswith("区") else key[len(p):])
                candidates.append(key[len(p):])
                break
        for k in candidates:
            for scope in (district, None):
                hit = self.by_district.get(scope, {}).get(k)
                if hit is not None:
                    return hit
        return None


def find_place(ont: Ontology, *texts: str | None) -> Concept | None:
    """The first place (longest label first) named in ``texts``, searched in order."""
    places = [(normalise(lbl), p) for p in ont.concepts("places") for lbl in p.all_labels]
    places.sort(key=lambda x: len(x[0]), reverse=True)
    for text in texts:
        if not text:
            continue
        t = normalise(text)
        for label, place in places:
            if label in t:
                return place
    return None
