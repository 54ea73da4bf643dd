"""Close matches for a misspelt name: did-you-mean for concepts, fuzzy hits for searches.

Two comparisons, the better one wins (rapidfuzz's normalised Indel ratio, 0-100):
- the characters, normalised as everywhere else (``labels.normalise``): 高新技术企 finds
  高新技术企业;
- the pinyin (pypinyin, tones dropped), so a homophone typed with a pinyin input method is
  found as the word it sounds like: 高薪技术企业 finds 高新技术企业 (gaoxinjishuqiye). A
  query of Latin letters is also compared with the names' pinyin initials (gxjsqy).
Both libraries are maintained and pinned; pypinyin's dictionary is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TypeVar

from rapidfuzz import fuzz, process

from ontology.labels import normalise

T = TypeVar("T")

CUTOFF = 60.0  # below this a name is not offered (高薪企业 vs 高成长企业 scores 67 on characters)
SPREAD = 12.0  # suggestions within this of the best one are offered with it
PINYIN_WEIGHT = 0.95  # a pinyin-only match ranks just below the same score on characters


@lru_cache(maxsize=65536)
def pinyin(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of ``text``, tones dropped; other characters kept as they are.

    >>> pinyin("高新技术企业")
    ('gaoxinjishuqiye', 'gxjsqy')
    """
    from pypinyin import Style, lazy_pinyin

    key = normalise(text).casefold()
    full = lazy_pinyin(key, errors="default")
    initials = lazy_pinyin(key, style=Style.FIRST_LETTER, errors="default")
    return "".join(full), "".join(initials)


def _key(text: str) -> str:
    return normalise(text).casefold()


def scored(query: str, names: Sequence[str], *, cutoff: float = CUTOFF,
           limit: int = 10, partial: bool = False) -> list[tuple[int, float]]:
    """(index into ``names``, score) of the names close to ``query``, best first;
    ``partial`` compares the query with the best-fitting part of each name (for long names
    such as companies', of which people type a part).

    >>> [(i, round(s)) for i, s in scored("高薪技术企业", ["高成长企业", "高新技术企业"])]
    [(1, 95)]
    """
    q = _key(query)
    if not q or not names:
        return []
    scorer = fuzz.partial_ratio if partial else fuzz.ratio
    best: dict[int, float] = {}
    keys = [_key(n) for n in names]
    for _, score, i in process.extract(q, keys, scorer=scorer, score_cutoff=cutoff, limit=limit * 3):
        best[i] = max(best.get(i, 0.0), score)
    qp = pinyin(q)[0]
    sounds = [pinyin(k) for k in keys]
    for _, score, i in process.extract(qp, [s[0] for s in sounds], scorer=scorer,
                                       score_cutoff=cutoff / PINYIN_WEIGHT, limit=limit * 3):
        best[i] = max(best.get(i, 0.0), score * PINYIN_WEIGHT)
    if q.isascii() and q.isalpha():  # initials typed: gxjsqy
        for i, (_, initials) in enumerate(sounds):
            if initials == q:
                best[i] = max(best.get(i, 0.0), 100.0 * PINYIN_WEIGHT)
            elif initials.startswith(q) and len(q) >= 2:
                best[i] = max(best.get(i, 0.0), 90.0 * PINYIN_WEIGHT)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], len(keys[kv[0]]), kv[0]))
    return [(i, s) for i, s in ranked if s >= cutoff][:limit]


def closest(query: str, items: Iterable[T], names_of, *, limit: int = 3,  # noqa: ANN001
            cutoff: float = CUTOFF) -> list[T]:
    """The ``items`` (each found by any of ``names_of(item)``) closest to ``query``, best
    first, each once; those far behind the best one are left out."""
    pairs = [(item, name) for item in items for name in names_of(item) if name]
    found: list[T] = []
    hits = scored(query, [n for _, n in pairs], cutoff=cutoff, limit=limit * 5)
    for i, score in hits:
        if score < hits[0][1] - SPREAD:  # far behind the best: noise, not a suggestion
            break
        item = pairs[i][0]
        if all(item is not f for f in found):
            found.append(item)
        if len(found) == limit:
            break
    return found


def suggest_concepts(concepts: Sequence, text: str, limit: int = 3) -> list:
    """The concepts whose labels or aliases are closest to ``text`` (did-you-mean).

    Its zh label is what a did-you-mean shows; an alias is matched like a label.
    """
    return closest(text, concepts, lambda c: [*c.all_labels, *([c.label_en] if c.label_en else [])],
                   limit=limit)


def did_you_mean(concepts: Sequence, text: str, limit: int = 3) -> str | None:
    """``"did you mean A / B"`` for the concepts closest to ``text``, or None."""
    close = suggest_concepts(concepts, text, limit)
    return "did you mean " + " / ".join(c.label_zh for c in close) if close else None
