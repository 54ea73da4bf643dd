"""Find a concept scheme's labels in text: an Aho–Corasick automaton over the normalised
labels (full/half width, one quote style, no spaces or quotes), leftmost-longest, and a
word-boundary check so that no label is found inside a longer word that means something
else (提高企业 holds no 高企, 融资助力 no 资助).

The boundary check is a segmenter (jieba, dictionary mode, no HMM) whose dictionary is
extended with every label of the ontology: a label is found only where it *ends* on a word
boundary. Chinese compounds put their head last, so a label may end a longer word
(财政补贴 is a kind of 补贴, 配套资助 of 资助) but a label that ends inside a word is a
fragment or a modifier of something else (提高企业, 融资助力, 基金投资决策, 咨询服务平台).
Requiring the start on a boundary too was measured and rejected: it loses 财政资金支持,
专项资金扶持, 区级财政补贴. Labels are words of the dictionary, so a label is never split;
text the dictionary does not know is cut into single characters, so it never blocks a
label. Speed measured against the old loop in bench/bench_extract.py.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from ontology import Concept
from ontology.labels import normalise

# Quotes are dropped for matching (“专精特新”企业 is 专精特新企业); spans still point
# into the original text.
_DROPPED = set("\"'“”「」‘’『』")


def normalise_with_map(text: str) -> tuple[str, list[int]]:
    """The matching form of ``text`` (NFKC, no spaces, no quotes) plus, for each of its
    characters, its index in ``text``.

    >>> normalise_with_map("（小 “巨人”）")
    ('(小巨人)', [0, 1, 4, 5, 7])
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch):
            if not n.isspace() and n not in _DROPPED:
                out.append(n)
                index.append(i)
    return "".join(out), index


def matching_key(label: str) -> str:
    """The form a label is matched in (see :func:`normalise_with_map`)."""
    return "".join(ch for ch in normalise(label) if ch not in _DROPPED)


class WordBoundaries:
    """Word boundaries of text from a dictionary segmenter that knows the ontology's labels."""

    def __init__(self, words: Iterable[str]) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for w in sorted(set(words)):
            if len(w) > 1:
                self._tokenizer.add_word(w)
        self.boundaries = lru_cache(maxsize=4096)(self._boundaries)

    def _boundaries(self, norm: str) -> frozenset[int]:
        """Offsets in ``norm`` where a word ends (and 0)."""
        out, pos = {0}, 0
        for token in self._tokenizer.cut(norm, HMM=False):
            pos += len(token)
            out.add(pos)
        return frozenset(out)


@lru_cache(maxsize=8)
def word_boundaries(words: frozenset[str]) -> WordBoundaries:
    """One segmenter per vocabulary (building it costs about a second)."""
    return WordBoundaries(words)


@dataclass(frozen=True)
class Match:
    """A concept found in text: ``text[start:end] == mention``."""

    concept: Concept
    start: int
    end: int
    mention: str


class Matcher:
    """Finds the concepts of one scheme in text, leftmost-longest, without overlaps, ending
    on a word boundary when ``words`` is given. ``notLabel`` phrases are blockers: they
    consume their text and yield nothing."""

    def __init__(self, concepts: tuple[Concept, ...] | list[Concept], words: WordBoundaries | None = None) -> None:
        self._automaton = ahocorasick.Automaton()
        self._words = words
        entries: dict[str, Concept | None] = {}
        for c in concepts:
            for phrase in c.not_labels:
                if key := matching_key(phrase):
                    entries.setdefault(key, None)
            for label in c.all_labels:
                if key := matching_key(label):
                    entries.setdefault(key, c)
        for key, concept in entries.items():
            self._automaton.add_word(key, (len(key), concept))
        self._empty = not entries
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        """Every non-overlapping longest match in ``text``, left to right."""
        if self._empty:
            return []
        norm, index = normalise_with_map(text)
        if not norm:
            return []
        bounds = self._words.boundaries(norm) if self._words else None
        starts: dict[int, tuple[int, Concept | None]] = {}
        for last, (length, concept) in self._automaton.iter(norm):
            s = last - length + 1
            if bounds is not None and last + 1 not in bounds:
                continue
            if s not in starts or starts[s][0] < length:
                starts[s] = (length, concept)
        found: list[Match] = []
        i = 0
        for s in sorted(starts):
            if s < i:
                continue
            length, concept = starts[s]
            i = s + length
            if concept is not None:
                start, end = _balanced(text, index[s], index[s + length - 1] + 1)
                found.append(Match(concept, start, end, text[start:end]))
        return found

    def best(self, text: str) -> Concept | None:
        """The concept with the longest match in ``text`` (first on ties), or None."""
        matches = self.find(text)
        return max(matches, key=lambda m: m.end - m.start).concept if matches else None


_OPEN, _CLOSE = "“「‘『\"", "”」’』\""


def _balanced(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` by one quote on either side where the mention holds a quote
    whose partner lies just outside (“专精特新”企业 rather than 专精特新”企业)."""
    mention = text[start:end]
    opens = sum(mention.count(q) for q in "“「‘『")
    closes = sum(mention.count(q) for q in "”」’』")
    if closes > opens and start > 0 and text[start - 1] in _OPEN:
        start -= 1
    elif opens > closes and end < len(text) and text[end] in _CLOSE:
        end += 1
    return start, end
