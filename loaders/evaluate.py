"""Score extraction against hand-made gold files: precision, recall and F1 per field.

Two gold formats. The first (tests/gold/README.md) is keyed by article number. The second
(tests/gold/GUIDELINES-v2.md, ``format: 2``) is keyed by 1-based line number, so the
annotator never decides what an article is: gold lines are grouped into the extractor's
articles by line range (an article covers its ``line`` to its ``last_line``); a gold line
outside every article (before the first one, or in text the extractor dropped) counts its
facts as misses, and an article without gold lines counts its facts as false positives.
Within a group, qualifications match one-to-one when either mention contains the other;
support forms and bureaus are compared as sets; amounts as sets of (kind, value).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from loaders.document import Article, ExtractedDocument
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


# The first format's closed vocabulary of support forms (tests/gold/README.md): a finer
# form the ontology has since gained cannot be judged by those files, so it is not scored.
V1_SUPPORT_FORMS = frozenset({"资金支持", "配套支持", "奖励", "补贴", "贴息", "担保费补贴", "保险费补贴", "算力券",
                              "创新券", "股权投资", "专项贷款", "空间资源保障", "审批便利", "一事一议"})


def _sets(pred: Iterable[Any], gold: Iterable[Any]) -> Score:
    p, g = set(pred), set(gold)
    return Score(len(p & g), len(p - g), len(g - p))


def read_gold(path: Path) -> dict[str, Any]:
    """Load a gold file of either format; ExtractError names the file if it is malformed."""
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ExtractError(f"cannot read gold file: {exc}", where=str(path)) from exc
    if isinstance(data, dict) and data.get("format") == 2:
        if "document" not in data or not isinstance(data.get("lines") or {}, dict):
            raise ExtractError("expected 'document' and a 'lines' mapping (format 2)", where=str(path))
        for key, facts in (data.get("lines") or {}).items():
            if not isinstance(key, int) or key < 1 or not isinstance(facts, dict):
                raise ExtractError(f"line {key!r}: expected a line number (1-based) holding a mapping of facts",
                                   where=str(path))
        return data
    if not isinstance(data, dict) or "articles" not in data or "document" not in data:
        raise ExtractError("expected 'document' and 'articles' (format 1) or 'format: 2' with 'lines'",
                           where=str(path))
    return data


def gold_document(gold: dict[str, Any], documents: Path) -> Path:
    """The document a gold file names: a path as given if it exists (format 2 names it from
    the repository root), else a file of ``documents``."""
    named = Path(gold["document"])
    return named if named.exists() else Path(documents) / named


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
    """Scores of ``doc`` against ``gold_data`` (a loaded gold file of either format), per field."""
    if gold_data.get("format") == 2:
        return _evaluate_v2(doc, gold_data)
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
        "support_forms": _sets(((n, f) for n, a in arts.items() for f in a.support_forms if f in V1_SUPPORT_FORMS),
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
    if gold_data.get("format") == 2:
        return _differences_v2(doc, gold_data)
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


# --- second format: facts by line ------------------------------------------------------

FIELDS_V2 = ("qualifications", "support_forms", "bureaus", "amounts")
_AMOUNT_KINDS = (("amount", "grant"), ("cap", "cap"), ("ratio", "ratio"))


def _key(mention: str) -> str:
    """A mention as compared: normalised, without quotes."""
    return re.sub("[\"'“”「」‘’]", "", normalise(mention))


def _extracted(a: Article) -> dict[str, list[Any]]:
    """What the extractor states for article ``a``, in the gold's terms."""
    mentions = list(dict.fromkeys(_key(q.mention) for m in a.measures for q in m.qualifications if q.mention))
    amounts = {(kind, round(float(getattr(x, attr)), 4)) for m in a.measures for x in m.amounts
               for attr, kind in _AMOUNT_KINDS if getattr(x, attr) is not None}
    return {"qualifications": mentions, "support_forms": sorted(set(a.support_forms)),
            "bureaus": sorted(set(a.bureaus)), "amounts": sorted(amounts)}


def _gold_facts(facts: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        "qualifications": [_key(str(q["mention"])) for q in facts.get("qualifications") or []],
        "support_forms": list(facts.get("support_forms") or []),
        "bureaus": list(facts.get("bureaus") or []),
        "amounts": [(str(x["kind"]), round(float(x["value"]), 4)) for x in facts.get("amounts") or []
                    if x.get("value") is not None],
    }


def group_lines(doc: ExtractedDocument, lines: Iterable[int]) -> dict[int | None, list[int]]:
    """Gold line numbers by the index of the article whose range holds them (None: no article)."""
    spans = sorted(((a.line, a.last_line or a.line, i) for i, a in enumerate(doc.articles)))
    out: dict[int | None, list[int]] = {}
    for n in sorted(lines):
        owner = next((i for start, end, i in spans if start <= n <= end), None)
        out.setdefault(owner, []).append(n)
    return out


def _group_pairs(doc: ExtractedDocument, gold_data: dict[str, Any]):  # noqa: ANN202
    """(label, extracted facts, gold facts) per article, and one group of orphan gold lines."""
    lines = {int(k): v for k, v in (gold_data.get("lines") or {}).items()}
    groups = group_lines(doc, lines)
    for i, a in enumerate(doc.articles):
        gold: dict[str, list[Any]] = {f: [] for f in FIELDS_V2}
        for n in groups.get(i, []):
            for f, values in _gold_facts(lines[n]).items():
                gold[f].extend(values)
        yield f"article {a.number} (lines {a.line}-{a.last_line})", _extracted(a), gold
    orphans: dict[str, list[Any]] = {f: [] for f in FIELDS_V2}
    for n in groups.get(None, []):
        for f, values in _gold_facts(lines[n]).items():
            orphans[f].extend(values)
    yield f"lines outside every article ({', '.join(map(str, groups.get(None, [])))})", \
        {f: [] for f in FIELDS_V2}, orphans


def _match_mentions(got: list[str], want: list[str]) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """One-to-one pairs of mentions where either contains the other (longest gold first),
    then the extracted and gold mentions left unpaired."""
    want = list(dict.fromkeys(want))
    free = list(got)
    pairs = []
    for w in sorted(want, key=len, reverse=True):
        hit = next((g for g in free if g in w or w in g), None)
        if hit is not None:
            free.remove(hit)
            pairs.append((hit, w))
    paired = {w for _, w in pairs}
    return pairs, free, [w for w in want if w not in paired]


def _evaluate_v2(doc: ExtractedDocument, gold_data: dict[str, Any]) -> dict[str, Score]:
    counts = {f: [0, 0, 0] for f in FIELDS_V2}
    for _label, got, want in _group_pairs(doc, gold_data):
        pairs, extra, missed = _match_mentions(got["qualifications"], want["qualifications"])
        c = counts["qualifications"]
        c[0], c[1], c[2] = c[0] + len(pairs), c[1] + len(extra), c[2] + len(missed)
        for f in ("support_forms", "bureaus", "amounts"):
            sc = _sets(got[f], want[f])
            c = counts[f]
            c[0], c[1], c[2] = c[0] + sc.tp, c[1] + sc.fp, c[2] + sc.fn
    return {f: Score(*v) for f, v in counts.items()} | {"amounts_typed": amounts_typed(doc, gold_data)}


def amounts_typed(doc: ExtractedDocument, gold_data: dict[str, Any]) -> Score:
    """Typed amounts (issue 15): the multiset of (kind, value, per) per group of gold lines
    (an article's lines, and the orphan lines) against the article's measures' amounts."""
    from collections import Counter

    lines = {int(k): v for k, v in (gold_data.get("lines") or {}).items()}
    groups = group_lines(doc, lines)
    tp = fp = fn = 0
    for i in [*range(len(doc.articles)), None]:
        stated = [x for m in doc.articles[i].measures for x in m.amounts if x.kind] if i is not None else []
        got = Counter((x.kind, round(float(x.value), 4), x.per) for x in stated)
        want = Counter((str(x["kind"]), round(float(x["value"]), 4), x.get("per")) for n in groups.get(i, [])
                       for x in lines[n].get("amounts") or [] if x.get("value") is not None)
        tp, fp, fn = tp + sum((got & want).values()), fp + sum((got - want).values()), fn + sum((want - got).values())
    return Score(tp, fp, fn)


def _differences_v2(doc: ExtractedDocument, gold_data: dict[str, Any]) -> list[str]:
    out = []
    for label, got, want in _group_pairs(doc, gold_data):
        _pairs, extra, missed = _match_mentions(got["qualifications"], want["qualifications"])
        out += [f"{label}: missed qualification {m!r}" for m in missed]
        out += [f"{label}: extra qualification {m!r}" for m in extra]
        for f in ("support_forms", "bureaus", "amounts"):
            g, w = set(got[f]), set(want[f])
            out += [f"{label}: missed {f[:-1]} {x!r}" for x in sorted(w - g, key=str)]
            out += [f"{label}: extra {f[:-1]} {x!r}" for x in sorted(g - w, key=str)]
    return out


def total(scores: Iterable[dict[str, Score]]) -> dict[str, Score]:
    """Micro-average: counts summed per field over documents (fields any document has)."""
    out: dict[str, list[int]] = {}
    for per_doc in scores:
        for f, sc in per_doc.items():
            c = out.setdefault(f, [0, 0, 0])
            c[0], c[1], c[2] = c[0] + sc.tp, c[1] + sc.fp, c[2] + sc.fn
    return {f: Score(*c) for f, c in out.items()}
