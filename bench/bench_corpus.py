"""Extraction of the whole corpus (every document under data/policies/, 22 of them).

Measured in the same run, all on the same ontology:
- ``loop``: the old matcher (for each position, try every label with that first
  character, longest first), kept here as the baseline;
- ``automaton``: the Aho–Corasick matcher without the word-boundary check;
- ``segmenter``: what loaders/ ships, the automaton plus jieba word boundaries.
The ratio printed is shipped / baseline. The one-off cost of building the matchers (the
segmenter's dictionary above all, paid by the first build only) is timed apart: a CLI run
pays it once. Extraction time covers everything extract_file does, not only matching.
"""

from __future__ import annotations

import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from bench.common import best_of, record
from loaders import extract as extract_module
from loaders import extract_file
from loaders import knowledge as knowledge_module
from loaders.matcher import Match, Matcher, word_boundaries
from loaders.text import SUFFIXES
from ontology import load_ontology
from ontology.labels import normalise

ROOT = Path(__file__).resolve().parents[1]


class LoopMatcher:
    """The matcher loaders/ used before the automaton (baseline)."""

    def __init__(self, concepts, words=None) -> None:
        self._by_prefix = defaultdict(list)
        for c in concepts:
            for label in c.all_labels:
                if key := normalise(label):
                    self._by_prefix[key[0]].append((key, c))
            for phrase in c.not_labels:
                if key := normalise(phrase):
                    self._by_prefix[key[0]].append((key, None))
        for entries in self._by_prefix.values():
            entries.sort(key=lambda e: len(e[0]), reverse=True)

    def find(self, text: str) -> list[Match]:
        norm, index = _old_normalise_with_map(text)
        found, i = [], 0
        while i < len(norm):
            hit = next(((k, c) for k, c in self._by_prefix.get(norm[i], ()) if norm.startswith(k, i)), None)
            if hit is None:
                i += 1
                continue
            key, concept = hit
            start, end = index[i], index[i + len(key) - 1] + 1
            if concept is not None:
                found.append(Match(concept, start, end, text[start:end]))
            i += len(key)
        return found

    def best(self, text: str):
        m = self.find(text)
        return max(m, key=lambda x: x.end - x.start).concept if m else None


_Q = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'"})


def _old_normalise_with_map(text: str) -> tuple[str, list[int]]:
    out, index = [], []
    for i, ch in enumerate(text):
        for n in unicodedata.normalize("NFKC", ch).translate(_Q):
            if not n.isspace():
                out.append(n)
                index.append(i)
    return "".join(out), index


def _with_matcher(factory) -> float:
    """Build the matchers with ``factory``; return the build time in seconds."""
    extract_module._KNOWLEDGE.clear()
    original = knowledge_module.Matcher
    knowledge_module.Matcher = factory
    try:
        t = time.perf_counter()
        extract_module._knowledge(load_ontology())
        return time.perf_counter() - t
    finally:
        knowledge_module.Matcher = original


def main() -> None:
    files = sorted(p for p in (ROOT / "data/policies").rglob("*") if p.suffix.lower() in SUFFIXES)
    load_ontology()

    def run() -> int:
        return sum(len(extract_file(f).articles) for f in files)

    figures: dict[str, object] = {"documents": len(files), "kb": round(sum(f.stat().st_size for f in files) / 1000, 1)}
    for name, factory in (("segmenter", Matcher), ("automaton", lambda concepts, words=None: Matcher(concepts)),
                          ("loop", LoopMatcher)):
        if name == "segmenter":
            word_boundaries.cache_clear()  # its build includes loading the segmenter's dictionary
        build = _with_matcher(factory)
        took, articles = best_of(run, repeat=3)
        figures[f"{name}_build_s"] = round(build, 3)
        figures[f"{name}_extract_s"] = round(took, 3)
        figures["articles"] = articles
    extract_module._KNOWLEDGE.clear()
    figures["ratio_segmenter_to_loop"] = round(figures["segmenter_extract_s"] / figures["loop_extract_s"], 2)
    figures["ratio_automaton_to_loop"] = round(figures["automaton_extract_s"] / figures["loop_extract_s"], 2)
    record("extract_corpus", figures)


if __name__ == "__main__":
    main()
