"""Score extraction against hand-made gold files (format in tests/gold/README.md):
precision, recall and F1 for articles, bureaus, qualifications (by mention overlap),
support forms and amounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from loaders.document import ExtractedDocument
from loaders.gazetteer import normalise
from policykg.errors import ExtractError


@dataclass(frozen=True)
class Score:
    """Counts and the measures derived from them."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of extracted items that are in the gold (1.0 when nothing was extracted)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of gold items that were extracted (1.0 when the gold is empty)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall.

        >>> round(Score(8, 2, 2).f1, 2)
        0.8
        """
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _sets(pred: Iterable[Any], gold: Iterable[Any]) -> Score:
    p, g = set(pred), set(gold)
    return Score(len(p & g), len(p - g), len(g - p))


def read_gold(path: Path) -> dict[str, Any]:
    """Load a gold file; ExtractError names the file if it is malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ExtractError(f"cannot read gold file: {exc}", where=str(path)) from exc
    if not isinstance(data, dict) or "articles" not in data or "document" not in data:
        raise ExtractError("expected 'document' and 'articles'", where=str(path))
    return data


def _spans(text: str, mention: str) -> list[tuple[int, int]]:
    out, i = [], text.find(mention)
    while i >= 0:
        out.append((i, i + len(mention)))
        i = text.find(mention, i + 1)
    return out


def _qualification_score(doc: ExtractedDocument, gold: dict[int, dict]) -> Score:
    tp = fp = fn = 0
    for a in (a for a in doc.articles if not a.section):
        g = gold.get(a.number, {})
        gold_spans = [s for q in g.get("qualifications") or [] for s in _spans(a.text, q["mention"])[:1]]
        gold_spans += [(-1, -1)] * sum(1 for q in g.get("qualifications") or [] if not _spans(a.text, q["mention"]))
        used: set[int] = set()
        for q in a.qualifications:
            hit = next((i for i, (s, e) in enumerate(gold_spans)
                        if i not in used and s < q.end and q.start < e), None)
            if hit is None:
                fp += 1
            else:
                used.add(hit)
                tp += 1
        fn += len(gold_spans) - len(used)
    return Score(tp, fp, fn)


def _amount_keys(amounts: Iterable[dict[str, Any]]) -> set[tuple[str, float]]:
    keys = set()
    for a in amounts:
        for field in ("amount_wan", "cap_wan", "ratio"):
            if a.get(field) is not None:
                keys.add((field, round(float(a[field]), 4)))
    return keys


def evaluate(doc: ExtractedDocument, gold_data: dict[str, Any]) -> dict[str, Score]:
    """Scores of ``doc`` against ``gold_data`` (a loaded gold file), per field."""
    gold = {int(a["number"]): a for a in gold_data["articles"]}
    arts = {a.number: a for a in doc.articles if not a.section}  # v1 gold numbers articles only
    scores = {
        "articles": _sets(arts, gold),
        "titles": _sets(((n, normalise(a.title or "")) for n, a in arts.items() if a.title),
                        ((n, normalise(g["title"])) for n, g in gold.items() if g.get("title"))),
        "bureaus": _sets(((n, b) for n, a in arts.items() for b in a.bureaus),
                         ((n, b) for n, g in gold.items() for b in g.get("bureaus") or [])),
        "qualifications": _qualification_score(doc, gold),
        "qualification_names": _sets(((n, q.name) for n, a in arts.items() for q in a.qualifications),
                                     ((n, q["name"]) for n, g in gold.items() for q in g.get("qualifications") or [])),
        "support_forms": _sets(((n, f) for n, a in arts.items() for f in a.support_forms),
                               ((n, f) for n, g in gold.items() for f in g.get("support_forms") or [])),
    }
    if any(g.get("amounts") for g in gold.values()):
        scores["amounts"] = _sets(
            ((n, k) for n, a in arts.items() for k in _amount_keys(x.as_dict() for m in a.measures for x in m.amounts)),
            ((n, k) for n, g in gold.items() for k in _amount_keys(g.get("amounts") or [])),
        )
    return scores


def differences(doc: ExtractedDocument, gold_data: dict[str, Any]) -> list[str]:
    """Human-readable misses and extras, for curators tuning the ontology."""
    gold = {int(a["number"]): a for a in gold_data["articles"]}
    out = []
    for a in (a for a in doc.articles if not a.section):
        g = gold.get(a.number, {})
        got = {q.mention for q in a.qualifications}
        want = {q["mention"] for q in g.get("qualifications") or []}
        for m in sorted(want):
            if not any(m in x or x in m for x in got):
                out.append(f"article {a.number}: missed qualification {m!r}")
        for m in sorted(got):
            if not any(m in x or x in m for x in want):
                out.append(f"article {a.number}: extra qualification {m!r}")
        for f in sorted(set(g.get("support_forms") or []) ^ set(a.support_forms)):
            kind = "missed" if f in (g.get("support_forms") or []) else "extra"
            out.append(f"article {a.number}: {kind} support form {f!r}")
    return out
