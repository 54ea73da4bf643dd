"""The officers' article view (政策沙盘): per article, how many enterprises of the register
qualify, what they could receive together (an upper bound: each estimate is a most), how
many miss by a condition and on which metric, how many cannot be judged for missing data;
and a what-if on a threshold (``营业收入>5000``: "N more qualify, +X 万元").

Built on ``queries.eligibility.register_verdicts`` (the same verdicts as one enterprise's
page), so the table and the enterprise pages never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph import GraphStore
from ontology import Ontology, load_ontology
from ontology.labels import find_concept
from policykg.errors import ParameterError
from queries.eligibility import _CONDITIONS, register_verdicts

_WHAT_IF = re.compile(
    r"^\s*(?P<metric>[^<>=]+?)\s*(?P<op>>=|<=|>|<|=)\s*(?P<value>-?\d+(?:\.\d+)?)\s*(?P<unit>\S*)\s*$")
_TO_UNIT = {"": 1.0, "万元": 1.0, "万": 1.0, "亿元": 1e4, "亿": 1e4, "元": 1e-4, "%": 1.0, "人": 1.0}


@dataclass(frozen=True)
class WhatIf:
    """A threshold to try: every condition on ``metric`` of the chosen articles reads
    ``op value`` instead (value in the metric's unit)."""

    metric: str
    op: str
    value: float

    @property
    def label(self) -> str:
        """``营业收入 > 5,000``."""
        from queries.eligibility_numbers import number_text

        return f"{self.metric} {self.op} {number_text(self.value)}"


def parse_what_if(text: str, ont: Ontology) -> WhatIf:
    """``营业收入>5000`` (万元), ``营业收入>0.5亿元``, ``研发投入占比>=3`` → WhatIf; the metric
    by any label of ontology/metrics.ttl."""
    m = _WHAT_IF.match(text)
    if not m or m.group("unit") not in _TO_UNIT:
        raise ParameterError(f"cannot read {text!r}", where="--what-if",
                             hint="METRIC>VALUE, e.g. 营业收入>5000 (万元) or 研发投入占比>=3")
    concept = find_concept(ont.concepts("metrics"), m.group("metric").strip())
    if concept is None:
        raise ParameterError(f"{m.group('metric')!r} is not a metric", where="--what-if",
                             hint="one of " + ", ".join(c.label_zh for c in ont.concepts("metrics")))
    op = ">=" if m.group("op") == "=" else m.group("op")
    return WhatIf(concept.label_zh, op, float(m.group("value")) * _TO_UNIT[m.group("unit")])


@dataclass
class ArticleRow:
    """One article of the register's view."""

    district: str | None
    article: int
    qualify: int = 0
    estimate_wan: float = 0.0
    near_misses: int = 0
    near_on: Counter = field(default_factory=Counter)  # metric → near misses on it
    unknown: int = 0
    what_if_more: int | None = None
    what_if_plus_wan: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"district": self.district, "article": self.article, "qualify": self.qualify,
                "estimate_wan": round(self.estimate_wan, 4), "estimate_is_upper_bound": True,
                "near_misses": self.near_misses, "near_misses_on": dict(self.near_on.most_common()),
                "unknown": self.unknown, "what_if_more": self.what_if_more,
                "what_if_plus_wan": None if self.what_if_plus_wan is None else round(self.what_if_plus_wan, 4)}


def _rows(verdicts: list[dict[str, Any]]) -> dict[tuple[str | None, int], ArticleRow]:
    out: dict[tuple[str | None, int], ArticleRow] = {}
    per: dict[tuple[str | None, int], dict[str, dict[str, Any]]] = defaultdict(dict)
    for v in verdicts:  # an enterprise counts once per article: its best measure
        key = (v["district"], v["article"])
        best = per[key].get(v["uscc"])
        rank = {"eligible": 0, "near-miss": 1, "unknown": 2}[v["verdict"]]
        if best is None or rank < best["_rank"] or (rank == best["_rank"] and (v["estimate_wan"] or 0) >
                                                    (best["estimate_wan"] or 0)):
            per[key][v["uscc"]] = {**v, "_rank": rank}
    for key, enterprises in per.items():
        row = out.setdefault(key, ArticleRow(*key))
        for v in enterprises.values():
            if v["verdict"] == "eligible":
                row.qualify += 1
                row.estimate_wan += v["estimate_wan"] or 0
            elif v["verdict"] == "near-miss":
                row.near_misses += 1
                row.near_on.update(v["unmet_metrics"] or ["资质"])
            else:
                row.unknown += 1
    return out


def article_view(store: GraphStore, *, article: int | None = None, district: str = "",
                 as_of: dt.date | None = None, what_if: str | None = None,
                 ontology: Ontology | None = None) -> list[ArticleRow]:
    """The article table for the register (one article, or all), with the what-if's
    difference when one is given."""
    ont = ontology or load_ontology()
    as_of = as_of or dt.date.today()
    base = register_verdicts(store, article=article, district=district, as_of=as_of, ontology=ont)
    rows = _rows(base)
    if what_if:
        wi = parse_what_if(what_if, ont)
        ids = sorted({v["measure_id"] for v in base})
        with store.snapshot() as read:
            stored = read(_CONDITIONS, {"ids": ids}).records()
        changed: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in stored:
            changed[c["measure"]].append({**c, "op": wi.op, "value": wi.value} if c["metric"] == wi.metric else c)
        tried = _rows(register_verdicts(store, article=article, district=district, as_of=as_of, ontology=ont,
                                        conditions=dict(changed)))
        for key, row in rows.items():
            other = tried.get(key, ArticleRow(*key))
            row.what_if_more = other.qualify - row.qualify
            row.what_if_plus_wan = other.estimate_wan - row.estimate_wan
    return sorted(rows.values(), key=lambda r: (r.district or "", r.article))
