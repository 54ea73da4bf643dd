"""Eligibility with numbers (issue 15): where a policy applies, whether an enterprise's
reported metrics meet a measure's conditions, and what it could receive.

- **Scope.** A document of a place applies to enterprises registered in that place or in a
  place below it (the places scheme's skos:broader: a 上海市 document applies in 闵行区).
  A document without a place applies everywhere; an enterprise without a district is
  *unknown* for every placed document (never counted as in scope).
- **Conditions.** A condition ``营业收入 > 10000 万元`` (上年度) is judged on the value the
  enterprise reported for the year before the as-of date. **met**; **unmet** with the gap
  (``营业收入 5,000 万元，需超过 10,000 万元``); **unknown** when nothing was reported for that
  year, or when the condition names no metric the ontology knows. A share metric
  (研发投入占比) is computed from its parts when it was not reported itself.
- **Estimate.** The most the enterprise could receive under a measure from what is known:
  a ratio × the enterprise's reported basis, within the cap; else the cap; else the largest
  fixed sum. Null, with the reason, when nothing can be said. The per-enterprise total is
  a sum of such maxima: an upper bound.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ontology import Ontology

OP_WORDS = {">": "超过", ">=": "不低于", "<": "低于", "<=": "不超过"}
_OPS = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}


def number_text(v: float) -> str:
    """``5000.0`` → ``5,000``; ``7.5`` → ``7.5`` (figures people read).

    >>> number_text(5000.0), number_text(7.5), number_text(10000)
    ('5,000', '7.5', '10,000')
    """
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.2f}"


def _unit_text(unit: str | None) -> str:
    return "%" if unit == "%" else f" {unit}" if unit else ""


# --- scope -----------------------------------------------------------------------------------


_SCOPES: dict[tuple[int, str], frozenset[str]] = {}


def _scope(district: str, ont: Ontology) -> frozenset[str]:
    """The names of ``district`` and of every place above it (cached per vocabulary)."""
    key = (id(ont), district)
    if key not in _SCOPES:
        if len(_SCOPES) > 10_000:
            _SCOPES.clear()
        _SCOPES[key] = _places_up(district, ont)
    return _SCOPES[key]


def _places_up(district: str, ont: Ontology) -> frozenset[str]:
    places = ont.concepts("places")
    by_id = {c.id: c for c in places}
    todo = [c for c in places if district in c.all_labels]
    names: set[str] = {district}
    seen: set[str] = set()
    while todo:
        c = todo.pop()
        if c.id in seen:
            continue
        seen.add(c.id)
        names.update(c.all_labels)
        todo.extend(by_id[b] for b in c.broader if b in by_id)
    return frozenset(names)


def scope_of(districts: Iterable[str | None], ont: Ontology) -> frozenset[str] | None:
    """Names of the places whose documents apply to an enterprise of ``districts`` (its
    registered district, and a tax district where known): each place and every place above
    it. None when no district is known."""
    names: set[str] = set()
    for d in districts:
        if d:
            names |= _scope(d, ont)
    return frozenset(names) if names else None


def applies(document_district: str | None, scope: frozenset[str] | None) -> bool | None:
    """True when a document of ``document_district`` applies to an enterprise of ``scope``;
    None (unknown) when the enterprise's district is not known."""
    if not document_district:
        return True
    if scope is None:
        return None
    return document_district in scope


# --- metrics ---------------------------------------------------------------------------------


def metric_table(rows: Iterable[dict[str, Any]], ont: Ontology) -> dict[tuple[str, int], float]:
    """(metric, year) → value from REPORTED rows (``metric``, ``year``, ``value``), with the
    share metrics (pkg:numerator / pkg:denominator) computed where only their parts were
    reported."""
    values = {(r["metric"], int(r["year"])): float(r["value"]) for r in rows if r.get("value") is not None}
    concepts = {c.id: c for c in ont.concepts("metrics")}
    years = {y for _, y in values}
    for c in concepts.values():
        if len(c.parts) != 2 or c.parts[0] not in concepts or c.parts[1] not in concepts:
            continue
        top, bottom = concepts[c.parts[0]].label_zh, concepts[c.parts[1]].label_zh
        for y in years:
            if (c.label_zh, y) not in values and (top, y) in values and values.get((bottom, y)):
                values[(c.label_zh, y)] = round(values[(top, y)] / values[(bottom, y)] * 100, 4)
    return values


def year_for(period: str | None, as_of: dt.date) -> int:
    """The year a condition is judged on: 上年度 (and an unstated period) is the year before
    the as-of date, the last year whose figures exist."""
    return as_of.year - 1


@dataclass(frozen=True)
class ConditionVerdict:
    """A condition of a measure judged for one enterprise."""

    condition: str  # 营业收入 > 10000 万元
    metric: str | None
    verdict: str  # met | unmet | unknown
    value: float | None = None
    gap: str = ""
    reason: str = ""
    year: int | None = None
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The form DESIGN.md gives a condition inside ``requirements``."""
        return {"condition": self.condition, "metric": self.metric, "verdict": self.verdict, "value": self.value,
                "gap": self.gap or None, "reason": self.reason or None, "year": self.year, "text": self.text}


@lru_cache(maxsize=4096)
def _label(metric: str | None, op: str, target: float, unit: str | None) -> str:
    return f"{metric or '?'} {op} {number_text(target)}{_unit_text(unit)}"


def judge(cond: dict[str, Any], values: dict[tuple[str, int], float], as_of: dt.date) -> ConditionVerdict:
    """The verdict of one condition row (metric, op, value, unit, period, text)."""
    metric, op, target, unit = cond["metric"], cond["op"] or ">=", float(cond["value"]), cond["unit"]
    label = _label(metric, op, target, unit)
    year = year_for(cond.get("period"), as_of)
    if not metric:
        return ConditionVerdict(label, None, "unknown", reason=f"“{cond.get('text') or ''}” names no metric "
                                "the ontology knows", year=year, text=cond.get("text") or "")
    have = values.get((metric, year))
    if have is None:
        return ConditionVerdict(label, metric, "unknown", reason=f"no {metric} reported for {year}", year=year,
                                text=cond.get("text") or "")
    if _OPS.get(op, _OPS[">="])(have, target):
        return ConditionVerdict(label, metric, "met", have, year=year, text=cond.get("text") or "")
    u = _unit_text(unit)
    gap = f"{metric} {number_text(have)}{u}，需{OP_WORDS.get(op, op)} {number_text(target)}{u}"
    return ConditionVerdict(label, metric, "unmet", have, gap=gap, reason=gap, year=year, text=cond.get("text") or "")


@lru_cache(maxsize=4096)
def basis_metric(basis: str, metrics: tuple[Any, ...]) -> str | None:
    """The money metric a ratio's basis names (研发投入 → 研发投入; 项目固定资产投资额 →
    固定资产投资): the longest label of a metric in ``basis`` kept in 万元, else None."""
    found = [(len(lbl), c.label_zh) for c in metrics if c.unit == "万元" for lbl in c.all_labels if lbl in basis]
    return max(found)[1] if found else None


# --- estimate --------------------------------------------------------------------------------


def estimate(amounts: list[dict[str, Any]], values: dict[tuple[str, int], float], as_of: dt.date,
             ont: Ontology) -> tuple[float | None, str]:
    """(estimate_wan, estimate_basis) of a measure from its amount rows (kind, value, unit,
    per, basis, text) and the enterprise's metrics: a ratio × the reported basis within the
    cap, else the cap, else the largest fixed sum; None with the reason otherwise."""
    caps = [a for a in amounts if a["kind"] == "cap" and a["unit"] == "万元"]
    grants = [a for a in amounts if a["kind"] == "grant" and a["unit"] == "万元"]
    ratios = [a for a in amounts if a["kind"] == "ratio"]
    rates = [a for a in amounts if a["kind"] == "rate"]
    cap = max(caps, key=lambda a: a["value"]) if caps else None
    cap_text = f"最高 {number_text(cap['value'])} 万元" + (f"/{cap['per']}" if cap and cap.get("per") else "") \
        if cap else ""
    year = as_of.year - 1
    missing = []
    for r in ratios:
        metric = basis_metric(r.get("basis") or "", ont.concepts("metrics")) if r.get("basis") else None
        if metric is None:
            continue
        base = values.get((metric, year))
        if base is None:
            missing.append(f"{metric} {year}")
            continue
        raw = round(base * float(r["value"]) / 100, 4)
        if cap is not None and raw > cap["value"]:
            return float(cap["value"]), (f"{number_text(float(r['value']))}% × {metric} {number_text(base)} 万元 "
                                         f"= {number_text(raw)} 万元，{cap_text}")
        return raw, f"{number_text(float(r['value']))}% × {metric} {number_text(base)} 万元 ({year})"
    if cap is not None:
        why = "; ".join(f"needs {m}" for m in missing)
        return float(cap["value"]), cap_text + (f" (upper bound; {why})" if why else "")
    if grants:
        g = max(grants, key=lambda a: a["value"])
        return float(g["value"]), f"定额 {number_text(g['value'])} 万元" + (f"/{g['per']}" if g.get("per") else "")
    if missing:
        return None, f"a share of the basis; no {', '.join(missing)} reported"
    if ratios:
        return None, f"a share ({number_text(float(ratios[0]['value']))}%) of {ratios[0].get('basis') or 'a basis'} " \
            "the register does not hold"
    if rates:
        return None, f"a rate ({rates[0]['text']}) per unit of a quantity the register does not hold"
    return None, "the measure states no amount"
