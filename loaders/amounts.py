"""Typed amounts of a measure: what a sentence of the genre says about money, shares and
sizes, as {kind, value, unit, per, basis, text, start, end} (DESIGN.md, second contract).

Kinds. ``grant`` a fixed sum; ``cap`` a ceiling (最高可给予, 最高奖励, 不超过, 上限, 累计不超过);
``ratio`` a share of ``basis`` (30%, 5‰ = 0.5, a 1:N matching ratio = N×100 %); ``rate`` a
sum per physical unit (0.9元/瓦, 每平方米10元: ``unit`` is then 元/平方米); ``threshold`` a
size the applicant must reach (N亿元（含）及以上, N万元以上, 超过N万元, 不低于5%). Money is
in 万元, ratios and percentage thresholds in percent, rates in their own unit.

``per`` is what a grant or a cap is counted per when the clause says (每年 → 年, 每月 → 月,
单个项目 → 项目, 每家企业 → 企业, 每个 → 个). Thresholds also become *conditions* (see
``read_conditions``): the enterprise metric they bound (a concept of ontology/metrics.ttl,
found by its labels), the comparison, the period (上年度...).

Only patterns of the genre live here; the metric names are data (ontology/metrics.ttl).
Chinese numerals (一千五百, 1.5亿, ５万) are read by cn2an, a maintained library.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cn2an

KINDS = ("grant", "cap", "ratio", "rate", "threshold")

_CN = "零〇一二两三四五六七八九十百千"
_NUM = rf"(?:\d[\d,]*(?:\.\d+)?|[0-9０-９]+(?:[.．][0-9０-９]+)?|[{_CN}]+(?:点[{_CN}]+)?)"
_MONEY_SIMPLE = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<mag>千万|百万|亿|万|千)?(?:(?P<yuan>元)|(?<=万)(?=[，。；,;）)]|$))")
_BAND_GAP = re.compile(r"\s*(?:[(（]不?含[)）])?\s*[至到~～-]\s*")
_RANGE_DASH = re.compile(r"^\s*[-－—~～]\s*$")
_PERCENT = re.compile(rf"(?P<num>{_NUM})\s*(?P<sign>[%％‰])|百分之(?P<cn>[{_CN}\d.]+)")
_PAIR = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[:：]\s*(\d+(?:\.\d+)?)(?![\d.])")
_MULT = {"千万": 1e7, "百万": 1e6, "亿": 1e8, "万": 1e4, "千": 1e3, None: 1.0, "": 1.0}

# Clause and sentence boundaries.
_CLAUSE = re.compile(r"[，,；;。！？!?：:]")
_SENTENCE = re.compile(r"[；;。！？!?]")

# Words right before a figure (same clause, nothing but these between) that make it a ceiling.
_CAP_BEFORE = re.compile(
    r"(?:最高|最多|不超过|不高于|上限为?|封顶|累计不超过|原则上最高|单笔最高)"
    r"[^，,；;。0-9０-９%％]{0,10}$")
_CAP_AFTER = re.compile(r"\s*(?:以内|为限|封顶)")
# A size to reach: a cue before, or 以上/以下 (含/不含) after.
_SIZE_BEFORE = re.compile(
    r"(?:(?<!不)超过|达到|达|不低于|不少于|高于|大于|低于|少于|不足|满|在)[^，,；;。0-9０-９]{0,6}$")
_SIZE_AFTER = re.compile(
    r"\s*(?:[(（]\s*(?P<incl1>不?含)[^)）]*[)）])?\s*(?P<and>及|或)?\s*(?P<dir>以上|以下)"
    r"(?:\s*[(（]\s*(?P<incl2>不?含)[^)）]*[)）])?")
# A percentage that measures the applicant (a share, a fall, a growth), not a share granted.
_PCT_SIZE_BEFORE = re.compile(
    r"(?:下降|降低|增长|增幅|提高|提升|缩减|减少|占[^，,；;。按给]{0,16}?(?:比例|比重|比)?|不低于|不少于|达到|"
    r"(?<!不)超过|高于|大于|低于|增长率)[^，,；;。按给补资奖%％0-9]{0,8}$")
_PCT_GRANT_NEAR = re.compile(r"(?:按|按照|给予|补贴|补助|资助|奖励|支持比例|配套|不超过|最高)[^，,；;。]{0,20}$")
# Physical units a rate is counted per (每平方米, 元/千瓦时): patterns of the genre.
_PHYSICAL = r"(?:平方米|千瓦时|兆瓦时|千瓦|兆瓦|瓦|吨标准煤|吨二氧化碳|吨标煤|吨|立方米|公里|千米|度电|度)"
_RATE_AFTER = re.compile(rf"\s*/\s*(?P<u>{_PHYSICAL}|[\u4e00-\u9fff]{{1,4}})")
_EVERY_PHYSICAL = re.compile(rf"每\s*(?P<u>{_PHYSICAL})")
# What a sum is counted per: entities, then time (每年每个企业 → 企业).
_PER_ENTITY = re.compile(r"(?:每个|每家|每户|每项|单个|单家|单项|单幢|每幢|每|单)\s*"
                         r"(?P<u>项目|企业|单位|楼宇|小区|机构|平台|园区|基地|载体|场景|个|家|项|户|人)")
_PER_BY = re.compile(r"按\s*(?P<u>项目|企业|单位)(?=给予|予以|奖励|补贴|补助)")
_PER_TIME = re.compile(r"每(?P<u>年度|年|月|季度|天|日)|(?P<y>同一年度|年度最高|单一年度)")
_PERIOD = re.compile(r"(?P<p>上一?年度|上年|前一年度|近(?:三|3|两|2|五|5)年|最近(?:三|3|两|2)(?:个)?年度?|当年|年度)")
_OP_BEFORE = (("不超过", "<="), ("不高于", "<="), ("不低于", ">="), ("不少于", ">="), ("低于", "<"),
              ("少于", "<"), ("不足", "<"), ("达到", ">="), ("满", ">="),
              ("超过", ">"), ("高于", ">"), ("大于", ">"))
# 按照2:1的比例: the district gives 1 for every 2 (50 %); 按4：6分级承担: a share of the total.
_SHARE_OF_TOTAL = re.compile(r"[^，,；;。]{0,8}(?:分级|分别)?(?:承担|分担)")
_BASIS = (
    re.compile(r"(?:按照|依据|根据|按)(?:其|该企业|企业)?(?:不超过|不高于)?(?P<b>[^，,；;。按]{2,16}?)的?(?:最高|不超过)?\s*$"),
    re.compile(r"(?:为|是|占|不超过|最高为|最高不超过)(?P<b>[^，,；;。为是占]{2,16}?)的\s*$"),
    re.compile(r"(?:按照|按)(?P<b>[^，,；;。按]{2,16}?)(?:给予|予以)[^，,；;。]{0,8}$"),
)


@dataclass(frozen=True)
class Figure:
    """One typed amount; ``start``/``end`` index the text it was read from."""

    kind: str
    value: float
    unit: str
    per: str | None
    basis: str | None
    text: str
    start: int
    end: int
    op: str | None = None  # thresholds: the comparison the applicant's size must pass

    def as_dict(self) -> dict[str, Any]:
        """Contract form (DESIGN.md)."""
        return {"kind": self.kind, "value": self.value, "unit": self.unit, "per": self.per, "basis": self.basis,
                "text": self.text, "start": self.start, "end": self.end}


@lru_cache(maxsize=4096)
def number(text: str) -> float:
    """A number as written in the genre: Arabic, full-width, with thousands separators, or
    Chinese (cn2an).

    >>> number("1,500"), number("一千五百"), number("５"), number("1.5"), number("二点五")
    (1500.0, 1500.0, 5.0, 1.5, 2.5)
    """
    s = unicodedata.normalize("NFKC", text).replace(",", "").replace("，", "")
    try:
        return float(s)
    except ValueError:
        return float(cn2an.cn2an(s, "smart"))


def _wan(value: float, mag: str | None, yuan: bool) -> float:
    """A money figure in 万元 (a bare 万 with no 元 is 万元)."""
    total = value * _MULT[mag]
    return round(total / 1e4, 6) if yuan or mag else round(value, 6)


def _clause_before(text: str, start: int, stop: re.Pattern[str] = _CLAUSE) -> str:
    cut = max((m.end() for m in stop.finditer(text, 0, start)), default=0)
    return text[cut:start]


def _per(text: str, start: int) -> str | None:
    """What a sum at ``start`` is counted per, from its sentence up to the figure."""
    before = _clause_before(text, start, _SENTENCE)
    entity = sorted([*_PER_ENTITY.finditer(before), *_PER_BY.finditer(before)], key=lambda m: m.start())
    if entity:
        return entity[-1].group("u")
    times = list(_PER_TIME.finditer(before))
    if times:
        m = times[-1]
        return "年" if m.group("y") else {"年度": "年", "日": "天"}.get(m.group("u"), m.group("u"))
    return None


def _basis(text: str, start: int) -> str | None:
    """What a share at ``start`` applies to (按项目总投资的20%, 不超过投资额的30%)."""
    before = _clause_before(text, start)
    for pat in _BASIS:
        m = pat.search(before)
        if m:
            b = re.sub(r"^(?:实际|其|企业)", "", m.group("b")).strip("的“”\" ")
            b = re.sub(r"(?:给予|予以|一定|比例|的)+$", "", b)
            if len(b) >= 2:
                return b
    return None


def _op(before: str, after: re.Match[str] | None) -> str:
    """The comparison of a size: from 以上/以下 and (不)含 after it, else the cue before it."""
    if after is not None:
        incl = after.group("incl1") or after.group("incl2")
        strict = incl == "不含"
        if after.group("dir") == "以上":
            return ">" if strict else ">="
        return "<" if strict else "<="
    for cue, op in _OP_BEFORE:
        if re.search(cue + r"[^，,；;。0-9０-９]{0,6}$", before):
            if cue == "超过" and re.search(r"不超过[^，,；;。0-9０-９]{0,6}$", before):
                continue
            return op
    return ">="


def read_amounts(text: str) -> list[Figure]:
    """Every typed figure of money, share or rate in ``text``, in order of position."""
    figures: list[Figure] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or b <= s for a, b in taken)

    # shares: 30%, 5‰, 百分之十
    for m in _PERCENT.finditer(text):
        s, e = m.span()
        raw = m.group("num") if m.group("num") is not None else m.group("cn")
        try:
            value = number(raw)
        except (ValueError, TypeError):
            continue
        if m.group("sign") == "‰":
            value = value / 10
        value = round(value, 6)
        before = _clause_before(text, s)
        after = _SIZE_AFTER.match(text, e)
        band = figures[-1].kind == "threshold" and text[figures[-1].end:s] if figures else ""
        if band and _BAND_GAP.fullmatch(band):
            taken.append((s, e))
            continue  # 15%(含)至20%: the upper end of a band, recorded once
        cap_words = re.search(r"(?:最高不超过|不超过|最高为?|不高于)\s*$", before)
        if after or (_PCT_SIZE_BEFORE.search(before) and not _PCT_GRANT_NEAR.search(before)):
            end = after.end() if after else e
            lead = re.search(r"(?:不低于|不少于|达到|超过|高于|大于)\s*$", before)
            start = s - len(lead.group(0)) if lead else s
            figures.append(Figure("threshold", value, "%", None, _metric_phrase(before), text[start:end], start, end,
                                  _op(before, after)))
        else:
            start = s - len(cap_words.group(0)) if cap_words else s
            figures.append(Figure("ratio", value, "%", None, _basis(text, start), text[start:e], start, e))
        taken.append((s, e))
    # matching ratios: 1:0.5, 按照2:1的比例予以区级配套; 按4：6分级承担 (a share of the total)
    for m in _PAIR.finditer(text):
        s, e = m.span()
        a, b = float(m.group(1)), float(m.group(2))
        if not a or not free(s, e) or re.search(r"\d\s*$", text[:s]):
            continue
        if not re.search(r"比例|配套|匹配|承担|分担|资金|补贴|给予|按", text[max(0, s - 12):e + 12]):
            continue
        value = b / (a + b) * 100 if _SHARE_OF_TOTAL.match(text, e) else b / a * 100
        before = _clause_before(text, s)
        cap_words = re.search(r"(?:不超过|不低于|最高)\s*$", before)
        start = s - len(cap_words.group(0)) if cap_words else s
        basis = _matching_basis(text, s)
        figures.append(Figure("ratio", round(value, 4), "%", None, basis, text[start:e], start, e))
        taken.append((s, e))
    # money
    prev: Figure | None = None
    for m in _money(text):
        s, e, low, value, mag, yuan = m
        if not free(s, e):
            continue
        before = _clause_before(text, s)
        rate_after = _RATE_AFTER.match(text, e)
        after = _SIZE_AFTER.match(text, e)
        gap = text[prev.end:s] if prev is not None else None
        if prev is not None and prev.kind == "threshold" and re.fullmatch(r"\s*[至到]\s*", gap):
            taken.append((s, e))
            continue  # 10万元至20万元: a band's upper end, recorded once
        listed = prev is not None and gap is not None and re.fullmatch(r"\s*(?:、|和|或|或者|及|以及)\s*", gap)
        unit_money = f"{mag or ''}元" if yuan else "万元"
        sentence = _clause_before(text, s, _SENTENCE)
        every = list(_EVERY_PHYSICAL.finditer(sentence))
        start, end = s, e
        if rate_after and (yuan or mag):
            unit = f"{unit_money}/{rate_after.group('u')}"
            end = rate_after.end()
            fig = Figure("rate", round(value, 6), unit, None, None, text[start:end], start, end)
        elif every and (unit_money == "元" or re.search(r"每\s*" + _PHYSICAL + r"[^，,；;。]{0,10}$", before)):
            fig = Figure("rate", round(value, 6), f"{unit_money}/{every[-1].group('u')}", None, None,
                         text[start:end], start, end)
        elif after or re.match(r"\s*[至到]", text[e:e + 2]) \
                or (_SIZE_BEFORE.search(before) and not _CAP_BEFORE.search(before)) \
                or (listed and prev.kind == "threshold"):
            if after:
                end = after.end()
            lead = re.search(r"(?:(?<!不)超过|不低于|不少于|达到)\s*$", before)
            start = s - len(lead.group(0)) if lead else s
            fig = Figure("threshold", _wan(value, mag, yuan), "万元", None, None, text[start:end], start, end,
                         _op(before, after))
        elif _CAP_BEFORE.search(before) or _CAP_AFTER.match(text, e) or low is not None \
                or (listed and prev.kind == "cap"):
            cue = _CAP_BEFORE.search(before)
            start = s - (len(before) - cue.start()) if cue else s
            fig = Figure("cap", _wan(value, mag, yuan), "万元", _per(text, s), None, text[start:end], start, end)
        else:
            fig = Figure("grant", _wan(value, mag, yuan), "万元", _per(text, s), None, text[start:end], start, end)
        figures.append(fig)
        taken.append((min(s, fig.start), max(e, fig.end)))
        prev = fig
    return sorted(figures, key=lambda f: (f.start, f.end))


def _money(text: str):  # noqa: ANN202
    """(start, end, low, value, magnitude, has 元) for each money figure; a range
    (5-10万元, 600-800元) is one figure at its upper bound, with ``low`` set."""
    out = []
    for m in _MONEY_SIMPLE.finditer(text):
        raw, mag, yuan = m.group("num"), m.group("mag"), bool(m.group("yuan"))
        if not yuan and not mag:
            continue
        if re.match(r"\s*[/每]?\s*(?:平方米|千瓦|瓦|吨|人|个|家|项|次|台|辆|户|年)", text[m.end():]) and not yuan:
            continue  # 1万平方米, 100万千瓦时: a size, not money
        try:
            value = number(raw)
        except (ValueError, TypeError, KeyError):
            continue
        s, e = m.span()
        if out:
            ps, pe, plow, pvalue, pmag, pyuan = out[-1]
            if plow is None and _RANGE_DASH.match(text[pe:s]) and not pyuan and not pmag:
                # 5-10万元: the low end carries no unit of its own
                out[-1] = (ps, e, pvalue, value, mag, yuan)
                continue
        out.append((s, e, None, value, mag, yuan))
    # fold "N-" before a figure into a range
    folded = []
    for s, e, low, value, mag, yuan in out:
        lo = re.search(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[-－—~～]\s*$", text[:s])
        if low is None and lo:
            folded.append((lo.start(1), e, float(lo.group(1)), value, mag, yuan))
        else:
            folded.append((s, e, low, value, mag, yuan))
    return folded


_HIGHER_GRANT = re.compile(
    r"(?:获得|按)(?P<b>(?:市级|国家|市|区级|上级)[^，,；;。的后]{0,8}?(?:补贴金额|补贴|支持|奖励|资金))")


def _matching_basis(text: str, start: int) -> str | None:
    """What a matching ratio multiplies: the higher-level grant the sentence names."""
    sentence = _clause_before(text, start, _SENTENCE)
    m = list(_HIGHER_GRANT.finditer(sentence))
    return m[-1].group("b") if m else None


def _metric_phrase(before: str) -> str | None:
    """The words a percentage threshold measures (占销售收入比例 → 销售收入), for ``basis``."""
    m = re.search(r"占(?P<b>[^，,；;。比]{2,12}?)(?:的)?(?:比例|比重|比)", before)
    if m:
        return m.group("b")
    m = re.search(r"(?P<b>[\u4e00-\u9fff]{2,10}?)(?:下降|降低|增长|缩减|减少)", before)
    return m.group("b") if m else None


# --- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A size the applicant must reach: ``metric`` (a metrics concept's label, or None when
    the words name no metric the ontology knows) ``op`` ``value`` ``unit`` over ``period``."""

    metric: str | None
    op: str
    value: float
    unit: str
    period: str | None
    text: str
    start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        """Contract form (DESIGN.md)."""
        return {"metric": self.metric, "op": self.op, "value": self.value, "unit": self.unit,
                "period": self.period, "text": self.text, "start": self.start, "end": self.end}

    @property
    def label(self) -> str:
        """``营业收入 > 10000 万元`` (the words of an eligibility requirement)."""
        unit = "%" if self.unit == "%" else f" {self.unit}"
        return f"{self.metric or '?'} {self.op} {_fmt(self.value)}{unit}"


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def read_conditions(text: str, figures: list[Figure], metrics: MetricNames | None) -> list[Condition]:
    """The thresholds of ``figures`` as conditions: the metric named closest before each
    one in its clause (or its sentence), the comparison and the period."""
    out = []
    for f in figures:
        if f.kind != "threshold":
            continue
        sentence = _clause_before(text, f.start, _SENTENCE)
        metric = metrics.last_in(sentence, f.unit) if metrics else None
        period = _PERIOD.search(sentence[-40:])
        p = period.group("p") if period else None
        if p in ("上年", "上一年度", "前一年度"):
            p = "上年度"
        cut = max((m.end() for m in _CLAUSE.finditer(text, 0, f.start)), default=0)
        start = min(f.start, cut + (metrics.start_in(text[cut:f.start]) if metrics else f.start - cut))
        period_at = text.rfind(p, cut, f.start) if p else -1
        if period_at >= 0:
            start = min(start, period_at)
        out.append(Condition(metric, f.op or ">=", f.value, f.unit, p, text[start:f.end], start, f.end))
    return out


@dataclass(frozen=True)
class MetricNames:
    """The labels of the metrics scheme, longest first, to find a metric in a clause."""

    labels: tuple[tuple[str, str, str | None], ...]  # (label as written, canonical name, unit)

    @staticmethod
    def of(concepts) -> MetricNames:  # noqa: ANN001
        """From the concepts of ``ontology/metrics.ttl``."""
        pairs = {(lbl, c.label_zh, c.unit) for c in concepts for lbl in c.all_labels}
        return MetricNames(tuple(sorted(pairs, key=lambda p: -len(p[0]))))

    def _found(self, text: str, unit: str | None) -> list[tuple[int, int, str]]:
        spans: list[tuple[int, int, str]] = []
        for lbl, name, u in self.labels:
            if unit is not None and u is not None and (u == "%") != (unit == "%"):
                continue
            for m in re.finditer(re.escape(lbl), text):
                if all(m.end() <= a or b <= m.start() for a, b, _ in spans):
                    spans.append((m.start(), m.end(), name))
        return sorted(spans)

    def last_in(self, text: str, unit: str | None = None) -> str | None:
        """The metric named last in ``text`` whose unit fits ``unit`` (a share or an amount);
        cached: eligibility asks it of the same few bases for every enterprise."""
        return _last_in(self, text, unit)

    def start_in(self, text: str) -> int:
        """Where the last metric named in ``text`` starts (len(text) if none)."""
        found = self._found(text, None)
        return found[-1][0] if found else len(text)


@lru_cache(maxsize=65536)
def _last_in(names: MetricNames, text: str, unit: str | None) -> str | None:
    found = names._found(text, unit)
    return found[-1][2] if found else None


# --- what a measure asks and gives, in the contract's records -----------------------------------


@lru_cache(maxsize=8)
def metric_names(concepts: tuple[Any, ...]) -> MetricNames:
    """``MetricNames`` of the metrics scheme's concepts, built once per vocabulary."""
    return MetricNames.of(concepts)


def typed_amounts(text: str, offset: int = 0) -> list[Any]:
    """The figures of a measure's ``text`` (starting at ``offset`` in its article) as
    ``loaders.document.Amount``: typed fields, and the first contract's amount/cap/ratio."""
    from loaders.document import Amount  # here: document.py is the contract, this module its reader

    out = []
    for f in read_amounts(text):
        out.append(Amount(
            f.text, f.value if f.kind == "grant" else None, f.value if f.kind == "cap" else None,
            f.value if f.kind == "ratio" else None, f.basis, kind=f.kind, value=f.value, unit=f.unit, per=f.per,
            start=f.start + offset, end=f.end + offset))
    return out


def measure_conditions(text: str, offset: int, metrics: tuple[Any, ...]) -> list[Condition]:
    """The conditions of a measure's ``text``, spans in its article (``offset``)."""
    names = metric_names(metrics) if metrics else None
    return [Condition(c.metric, c.op, c.value, c.unit, c.period, c.text, c.start + offset, c.end + offset)
            for c in read_conditions(text, read_amounts(text), names)]


# Between two qualifications: an alternative (或, 、) keeps them in one group; a conjunction
# (且, 并, 同时) starts a new group that must hold too.
_ALTERNATIVE = re.compile(r"或|或者|之一|任一|其一")
_CONJUNCTION = re.compile(r"且|并且|同时|并已|并获|并取得|并被|并经|并列入|并纳入|以及同时")
_BOTH_BEFORE = re.compile(r"(?:同时|均|既)(?:为|是|具有|具备|获得|取得|属于)?[^，,；;。]{0,6}$")


def requirement_groups(text: str, quals: list[Any], offset: int = 0) -> list[tuple[Any, ...]]:
    """The qualifications of a measure (``Found``, spans in the article; ``text`` starts at
    ``offset``) as groups that must all hold, any one within a group doing. The genre lists
    alternatives (获评A、B、C等…的企业; 高企或专精特新): one group. A conjunction between
    two (属于规上企业且为高企; 同时为A和B) makes two."""
    groups: list[list[Any]] = []
    both = False
    for q in sorted(quals, key=lambda q: q.start):
        if not groups:
            both = bool(_BOTH_BEFORE.search(text[max(0, q.start - offset - 12):q.start - offset]))
            groups.append([q])
            continue
        prev = groups[-1][-1]
        gap = text[prev.end - offset:q.start - offset]
        if _ALTERNATIVE.search(gap):
            groups[-1].append(q)
        elif _CONJUNCTION.search(gap) or (both and re.fullmatch(r"\s*(?:和|与|及)\s*", gap)):
            groups.append([q])
        else:
            groups[-1].append(q)
    return [tuple(g) for g in groups]
