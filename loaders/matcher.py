"""Longest-match search for a concept scheme's labels in text, tolerant of full/half
width, quote styles and stray spaces, with spans in the original text."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from ontology import Concept
from ontology.labels import normalise

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'"})


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` plus, for each normalised character, its index in ``text``.

    >>> normalise_with_map("（小 巨人）")
    ('(小巨人)', [0, 1, 3, 4, 5])
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch).translate(_QUOTES):
            if not n.isspace():
                out.append(n)
                index.append(i)
    return "".join(out), index


@dataclass(frozen=True)
class Match:
    """A concept found in text: ``text[start:end] == mention``."""

    concept: Concept
    start: int
    end: int
    mention: str


class Matcher:
    """Finds the concepts of one scheme in text, leftmost-longest, without overlaps."""

    def __init__(self, concepts: tuple[Concept, ...] | list[Concept]) -> None:
        self._by_prefix: dict[str, list[tuple[str, Concept | None]]] = defaultdict(list)
        for c in concepts:
            for label in c.all_labels:
                key = normalise(label)
                if key:
                    self._by_prefix[key[0]].append((key, c))
            for phrase in c.not_labels:  # blockers: consume the phrase, yield nothing
                key = normalise(phrase)
                if key:
                    self._by_prefix[key[0]].append((key, None))
        for entries in self._by_prefix.values():
            entries.sort(key=lambda e: len(e[0]), reverse=True)

    def find(self, text: str) -> list[Match]:
        """Every non-overlapping longest match in ``text``, left to right."""
        norm, index = normalise_with_map(text)
        found: list[Match] = []
        i = 0
        while i < len(norm):
            hit = None
            for key, concept in self._by_prefix.get(norm[i], ()):
                if norm.startswith(key, i):
                    hit = (key, concept)
                    break
            if hit is None:
                i += 1
                continue
            key, concept = hit
            start, end = index[i], index[i + len(key) - 1] + 1
            if concept is not None:
                found.append(Match(concept, start, end, text[start:end]))
            i += len(key)
        return found

    def best(self, text: str) -> Concept | None:
        """The concept with the longest match in ``text`` (first on ties), or None."""
        matches = self.find(text)
        return max(matches, key=lambda m: m.end - m.start).concept if matches else None
