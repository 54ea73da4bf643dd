"""Eligibility: which measures an enterprise may claim and why, which enterprises qualify
for an article, and the whole register at once. Matching is one set-based Cypher query
per question (the same text on both backends); the verdicts are computed from its rows.

Rules. A measure's requirements are alternatives (the genre lists them: "获评A、B、C等…的企业");
holding a narrower qualification counts for a broader one (a 专精特新"小巨人" is a 专精特新
SME). A requirement is **met** when a holding is valid on the date and its level ranks at
least the required level (国家级 satisfies 市级); **unmet** when the register shows a
holding that fails on level or dates (a near miss, with the reason); **unknown** when the
register says nothing about it. Only policies in force on the date count.

With numbers (issue 15, queries/eligibility_numbers.py): a measure's qualifications come in
groups (REQUIRES.requirement_group) that must all hold, any one of a group doing; its
conditions (营业收入 > 10000 万元) are judged on the enterprise's reported metrics; a policy
applies only to enterprises of its place or a place below it. A measure is **eligible** when
every group and every condition is met, a **near miss** when one is unmet (with the reason
or the gap), **unknown** when data is missing (never eligible; listed apart). Each claim
carries ``estimate_wan`` and ``estimate_basis``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph import GraphStore
from graph.store import Reader
from ontology import Ontology, load_ontology
from ontology.labels import find_concept
from policykg.errors import ParameterError
from queries import eligibility_numbers as N
from queries.lifecycle import IN_FORCE, status

_IN_FORCE = IN_FORCE  # within its period and not repealed (queries.lifecycle: the one definition)

# Small queries, each anchored on ids: on LadybugDB one big pattern from the enterprise
# through BROADER*0..3 to documents costs ~90 ms on a 100,000-enterprise graph; these
# cost ~1-4 ms each.
_ENTERPRISE = "MATCH (e:Enterprise) WHERE e.id = $uscc RETURN e.id AS uscc, e.name AS name, e.district AS district"

_METRICS = """
MATCH (e:Enterprise)-[:REPORTED]->(v:MetricValue)
WHERE e.id = $uscc
RETURN v.metric AS metric, v.year AS year, v.value AS value
"""

# measures that ask for sizes only (no qualification): candidates for an enterprise that
# reported one of the metrics they name
_CONDITIONED = """
MATCH (m:Measure)-[:HAS_CONDITION]->(c:Condition)
WHERE c.metric IN $metrics AND NOT EXISTS { MATCH (m)-[:REQUIRES]->(:Qualification) }
RETURN DISTINCT m.id AS measure
"""

_CONDITIONS = """
MATCH (m:Measure)-[:HAS_CONDITION]->(c:Condition)
WHERE m.id IN $ids
RETURN m.id AS measure, c.metric AS metric, c.op AS op, c.value AS value, c.unit AS unit, c.period AS period,
       c.text AS text, c.start AS start
ORDER BY measure, start
"""

_AMOUNTS = """
MATCH (m:Measure)-[:HAS_AMOUNT]->(x:Amount)
WHERE m.id IN $ids
RETURN m.id AS measure, x.kind AS kind, x.value AS value, x.unit AS unit, x.per AS per, x.basis AS basis,
       x.text AS text, x.start AS start
ORDER BY measure, start
"""

_HELD = """
MATCH (e:Enterprise)-[h:HOLDS]->(hq:Qualification)
WHERE e.id = $uscc
RETURN hq.id AS qualification, hq.name AS held, h.level AS held_level, h.level_rank AS held_rank,
       h.since AS since, h.until AS until
"""

_REACH = """
MATCH (hq:Qualification)-[:BROADER*0..3]->(q:Qualification)<-[:REQUIRES]-(m:Measure)
WHERE hq.id IN $held
RETURN DISTINCT m.id AS measure, q.id AS requires, hq.id AS qualification
"""

_MEASURES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m:Measure)
WHERE m.id IN $ids
RETURN m.id AS measure, d.id AS document_id, d.district AS district, d.title AS document,
       d.effective_from AS effective_from,
       d.effective_until AS effective_until, a.number AS article, a.title AS title, m.seq AS seq, m.text AS text
"""

_REPEALS = """
MATCH (d:PolicyDocument)<-[x:REPEALS]-(:PolicyDocument)
WHERE d.id IN $ids
RETURN d.id AS document, x.since AS since
"""

_REQUIREMENTS = """
MATCH (m:Measure)-[r:REQUIRES]->(q:Qualification)
WHERE m.id IN $ids
RETURN m.id AS measure, q.id AS requires, q.name AS name, r.level AS level, r.level_rank AS rank,
       coalesce(r.requirement_group, 1) AS grp
"""

_DETAILS = """
MATCH (m:Measure)
WHERE m.id IN $ids
OPTIONAL MATCH (b:Bureau)-[:HANDLES]->(m)
OPTIONAL MATCH (m)-[:PROVIDES]->(f:SupportForm)
RETURN m.id AS measure, b.name AS bureau, b.full_name AS bureau_full_name, f.name AS support_form
"""

_QUALIFYING = """
MATCH (e:Enterprise)-[h:HOLDS]->(hq:Qualification)-[:BROADER*0..3]->(q:Qualification)<-[r:REQUIRES]-(m:Measure),
      (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m)
WHERE ($number < 0 OR a.number = $number) AND ($district = '' OR d.district = $district)
  AND """ + _IN_FORCE + """
  AND (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  AND (coalesce(r.level_rank, 0) = 0 OR coalesce(h.level_rank, 0) >= r.level_rank)
RETURN DISTINCT e.id AS uscc, e.name AS enterprise, d.district AS district, a.number AS article, m.seq AS measure,
       m.id AS measure_id, e.district AS enterprise_district, coalesce(r.requirement_group, 1) AS grp
ORDER BY uscc, district, article, measure
"""

# The whole register: narrow rows (who, which measure, which group), no order; the measures'
# and enterprises' details are read once each, not repeated on every row.
_QUALIFYING_PAIRS = """
MATCH (e:Enterprise)-[h:HOLDS]->(hq:Qualification)-[:BROADER*0..3]->(q:Qualification)<-[r:REQUIRES]-(m:Measure),
      (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m)
WHERE ($number < 0 OR a.number = $number) AND ($district = '' OR d.district = $district)
  AND """ + _IN_FORCE + """
  AND (h.since IS NULL OR h.since <= $as_of) AND (h.until IS NULL OR h.until >= $as_of)
  AND (coalesce(r.level_rank, 0) = 0 OR coalesce(h.level_rank, 0) >= r.level_rank)
RETURN DISTINCT e.id AS uscc, m.id AS measure_id, coalesce(r.requirement_group, 1) AS grp
"""

_MEASURE_PLACES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m:Measure)
WHERE m.id IN $ids
RETURN m.id AS measure_id, d.district AS district, a.number AS article, m.seq AS measure
"""

_WHO = "MATCH (e:Enterprise) RETURN e.id AS uscc, e.name AS enterprise, e.district AS district"

_GROUPS = """
MATCH (m:Measure)-[r:REQUIRES]->(:Qualification)
WHERE m.id IN $ids
RETURN DISTINCT m.id AS measure, coalesce(r.requirement_group, 1) AS grp
"""

_REGISTER_METRICS = """
MATCH (e:Enterprise)-[:REPORTED]->(v:MetricValue)
WHERE v.year >= $year - 1 AND v.year <= $year
RETURN e.id AS uscc, e.name AS enterprise, e.district AS enterprise_district, v.metric AS metric, v.year AS year,
       v.value AS value
"""

_CONDITION_ONLY = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m:Measure),
      (m)-[:HAS_CONDITION]->(k:Condition)
WHERE ($number < 0 OR a.number = $number) AND ($district = '' OR d.district = $district)
  AND """ + _IN_FORCE + """
  AND k.metric IS NOT NULL AND NOT EXISTS { MATCH (m)-[:REQUIRES]->(:Qualification) }
RETURN DISTINCT d.district AS district, a.number AS article, m.seq AS measure, m.id AS measure_id
"""


@dataclass(frozen=True)
class Requirement:
    """One requirement of a measure with its verdict for an enterprise."""

    qualification: str
    level: str | None
    verdict: str  # met | unmet | unknown
    reason: str = ""
    held: str | None = None
    group: int = 1  # requirements of one group are alternatives; every group must hold


@dataclass
class Claim:
    """A measure and what an enterprise has for it: requirements with verdicts, the
    support forms and the bureaus to call (the explanation path is held → measure →
    article → bureaus)."""

    measure: str
    district: str
    document: str
    article: int
    title: str | None
    seq: int
    text: str
    requirements: list[Requirement] = field(default_factory=list)
    support_forms: list[str] = field(default_factory=list)
    bureaus: list[tuple[str, str | None]] = field(default_factory=list)
    conditions: list[N.ConditionVerdict] = field(default_factory=list)
    amounts: list[dict[str, Any]] = field(default_factory=list)
    estimate_wan: float | None = None
    estimate_basis: str = ""
    scope: bool | None = True  # the policy applies to the enterprise's place (None: its district is unknown)

    def group_verdicts(self) -> list[str]:
        """One verdict per requirement group: met if any of it is met, unmet if one is held
        but fails (level, dates), else unknown."""
        groups: dict[int, set[str]] = defaultdict(set)
        for r in self.requirements:
            groups[r.group].add(r.verdict)
        return ["met" if "met" in v else "unmet" if "unmet" in v else "unknown" for _, v in sorted(groups.items())]

    @property
    def verdict(self) -> str:
        """eligible if every requirement group and every condition is met; near-miss if one is
        unmet; unknown otherwise (missing data is never met)."""
        verdicts = [*self.group_verdicts(), *(c.verdict for c in self.conditions),
                    *([] if self.scope else ["unknown"])]
        if not verdicts:
            return "unknown"
        return "eligible" if set(verdicts) == {"met"} else "near-miss" if "unmet" in verdicts else "unknown"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (DESIGN.md: conditions appear in ``requirements`` too)."""
        return {
            "measure": self.measure, "district": self.district, "document": self.document,
            "article": self.article, "title": self.title, "seq": self.seq, "verdict": self.verdict,
            "requirements": [r.__dict__ for r in self.requirements] + [c.as_dict() for c in self.conditions],
            "support_forms": self.support_forms,
            "bureaus": [{"name": n, "full_name": f} for n, f in self.bureaus], "text": self.text,
            "amounts": self.amounts, "estimate_wan": self.estimate_wan, "estimate_basis": self.estimate_basis,
        }


@dataclass
class Eligibility:
    """What one enterprise may claim on a date: eligible measures, near misses, and (with
    assumptions) the measures that would switch on."""

    uscc: str
    as_of: dt.date
    eligible: list[Claim]
    near_misses: list[Claim]
    would_switch_on: list[Claim] = field(default_factory=list)
    unknown: list[Claim] = field(default_factory=list)  # data missing: listed apart, never claimed

    @property
    def estimate_total_wan(self) -> float:
        """Sum of the eligible claims' estimates: an upper bound (each is a most)."""
        return round(sum(c.estimate_wan for c in self.eligible if c.estimate_wan is not None), 4)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"uscc": self.uscc, "as_of": self.as_of.isoformat(),
                "eligible": [c.as_dict() for c in self.eligible],
                "near_misses": [c.as_dict() for c in self.near_misses],
                "would_switch_on": [c.as_dict() for c in self.would_switch_on],
                "unknown": [c.as_dict() for c in self.unknown],
                "estimate_total_wan": self.estimate_total_wan, "estimate_total_is_upper_bound": True,
                "estimate_unknown": sum(1 for c in self.eligible if c.estimate_wan is None)}


def _check(holding: dict[str, Any], req_level: str | None, req_rank: int | None, as_of: dt.date) -> str:
    """'' when the holding satisfies the requirement on ``as_of``, else the reason it does not."""
    if holding.get("since") and holding["since"] > as_of:
        return f"obtained only on {holding['since'].isoformat()}"
    if holding.get("until") and holding["until"] < as_of:
        return f"expired on {holding['until'].isoformat()}"
    if req_rank and (holding.get("held_rank") or 0) < req_rank:
        return f"needs {req_level}, holds {holding.get('held_level') or 'an unstated level'}"
    return ""


def parse_assumption(text: str, ont: Ontology) -> tuple[str, str | None, int]:
    """``QUALIFICATION[:LEVEL]`` → (concept id, level, level rank), names resolved via the ontology."""
    name, _, level = text.partition(":")
    concept = find_concept(ont.concepts("qualifications"), name.strip())
    if concept is None:
        from ontology.fuzzy import did_you_mean

        raise ParameterError(f"{name!r} is not a known qualification", where="--assume",
                             hint=did_you_mean(ont.concepts("qualifications"), name.strip()))
    level = level.strip() or concept.default_level
    if level and not ont.level_rank(level):
        raise ParameterError(f"unknown level {level!r}", where="--assume", hint="国家级, 省级, 市级 or 区级")
    canonical = next((c.label_zh for c in ont.concepts("levels") if level in c.all_labels), None)
    return concept.id, canonical, ont.level_rank(canonical)


def enterprise_eligibility(store: GraphStore, uscc: str, *, as_of: dt.date | None = None,
                           assume: list[str] = (), ontology: Ontology | None = None) -> Eligibility:
    """Measures ``uscc`` may claim on ``as_of`` (default today), near misses, and what the
    assumed qualifications (``QUALIFICATION[:LEVEL]``) would switch on."""
    ont = ontology or load_ontology()
    as_of = as_of or dt.date.today()
    with store.snapshot() as read:  # six small reads, one transaction
        return _eligibility(read, uscc, as_of, assume, ont)


def _eligibility(read: Reader, uscc: str, as_of: dt.date, assume: list[str], ont: Ontology) -> Eligibility:
    found = read(_ENTERPRISE, {"uscc": uscc}).records()
    if not found:
        raise ParameterError(f"no enterprise with USCC {uscc!r} in the graph", where="USCC",
                             hint="load its register with `policykg load enterprises FILE`")
    held = read(_HELD, {"uscc": uscc}).records()
    values = N.metric_table(read(_METRICS, {"uscc": uscc}).records(), ont)
    ctx = _Context(N.scope_of([found[0]["district"]], ont), values, ont)
    real = _claims(read, held, as_of, ctx)
    eligible = [c for c in real.values() if c.verdict == "eligible"]
    near = [c for c in real.values() if c.verdict == "near-miss"]
    unknown = [c for c in real.values() if c.verdict == "unknown"]
    switch_on: list[Claim] = []
    if assume:
        extra = []
        for text in assume:
            qid, level, rank = parse_assumption(text, ont)
            concept = ont.concept("qualifications", qid)
            extra.append({"qualification": qid, "held": concept.label_zh + " (assumed)", "held_level": level,
                          "held_rank": rank, "since": None, "until": None})
        with_assumed = _claims(read, held + extra, as_of, ctx)
        switch_on = [c for m, c in with_assumed.items()
                     if c.verdict == "eligible" and (m not in real or real[m].verdict != "eligible")]
    return Eligibility(uscc, as_of, sorted(eligible, key=_order), sorted(near, key=_order),
                       sorted(switch_on, key=_order), sorted(unknown, key=_order))


@dataclass(frozen=True)
class _Context:
    """What is known of one enterprise beyond its holdings: where it is (the names of its
    place and the places above it; None if unknown) and its metrics by (metric, year)."""

    scope: frozenset[str] | None
    values: dict[tuple[str, int], float]
    ontology: Ontology


def _order(c: Claim) -> tuple:
    return (c.district, c.article, c.seq)


def _claims(read: Reader, held: list[dict[str, Any]], as_of: dt.date, ctx: _Context) -> dict[str, Claim]:
    """Claims for the measures that require a held qualification (or one it is narrower
    than), or that ask only for sizes the enterprise reports, in policies in force on
    ``as_of`` that apply to its place, with a verdict for every requirement and condition."""
    by_qualification = defaultdict(list)
    for h in held:
        by_qualification[h["qualification"]].append(h)
    reach = read(_REACH, {"held": sorted(by_qualification)}).records() if held else []
    by_req: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in reach:
        by_req[(r["measure"], r["requires"])].extend(by_qualification[r["qualification"]])
    reported = sorted({m for m, _ in ctx.values})
    sized = read(_CONDITIONED, {"metrics": reported}).records() if reported else []
    ids = sorted({r["measure"] for r in reach} | {r["measure"] for r in sized})
    if not ids:
        return {}
    claims: dict[str, Claim] = {}
    measures = read(_MEASURES, {"ids": ids}).records()
    repeals: dict[str, list[dt.date | None]] = defaultdict(list)
    for row in read(_REPEALS, {"ids": sorted({r["document_id"] for r in measures})}).records():
        repeals[row["document"]].append(row["since"])
    for row in measures:
        days = repeals.get(row["document_id"], [])
        first = min((d for d in days if d), default=None) if None not in days else None
        if status(row["effective_from"], row["effective_until"], first, as_of, repealed=bool(days)) != "in_force":
            continue  # the policy is not in force on the date (not yet, expired, or repealed)
        scope = N.applies(row["district"], ctx.scope)
        if scope is False:
            continue  # a policy of another place
        claims[row["measure"]] = Claim(row["measure"], row["district"], row["document"], row["article"],
                                       row["title"], row["seq"], row["text"], scope=scope)
    if not claims:
        return {}
    for row in read(_REQUIREMENTS, {"ids": sorted(claims)}).records():
        reasons = [(h["held"], _check(h, row["level"], row["rank"], as_of))
                   for h in by_req.get((row["measure"], row["requires"]), [])]
        met = next((name for name, why in reasons if not why), None)
        if met is not None:
            req = Requirement(row["name"], row["level"], "met", held=met, group=row["grp"])
        elif reasons:
            req = Requirement(row["name"], row["level"], "unmet", reason=reasons[0][1], held=reasons[0][0],
                              group=row["grp"])
        else:
            req = Requirement(row["name"], row["level"], "unknown", group=row["grp"])
        claims[row["measure"]].requirements.append(req)
    for row in read(_DETAILS, {"ids": sorted(claims)}).records():
        claim = claims[row["measure"]]
        if row["support_form"] and row["support_form"] not in claim.support_forms:
            claim.support_forms.append(row["support_form"])
        if row["bureau"] and (row["bureau"], row["bureau_full_name"]) not in claim.bureaus:
            claim.bureaus.append((row["bureau"], row["bureau_full_name"]))
    for row in read(_CONDITIONS, {"ids": sorted(claims)}).records():
        claims[row["measure"]].conditions.append(N.judge(row, ctx.values, as_of))
    for row in read(_AMOUNTS, {"ids": sorted(claims)}).records():
        claims[row["measure"]].amounts.append({k: row[k] for k in ("kind", "value", "unit", "per", "basis", "text")})
    for c in claims.values():
        c.estimate_wan, c.estimate_basis = N.estimate(c.amounts, ctx.values, as_of, ctx.ontology)
        c.requirements.sort(key=lambda r: (r.group, r.verdict != "met", r.qualification, r.held or ""))
        c.support_forms.sort()
        c.bureaus.sort()
    return claims


def qualifying_enterprises(store: GraphStore, *, article: int | None = None, district: str = "",
                           as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """(uscc, enterprise, district, article, measure) for every met claim, in one set-based
    query: for one article, or for every article when ``article`` is None."""
    keys = ("uscc", "enterprise", "district", "article", "measure", "measure_id", "estimate_wan")
    return [{k: r[k] for k in keys} for r in register_verdicts(store, article=article, district=district, as_of=as_of)
            if r["verdict"] == "eligible"]


def register_verdicts(store: GraphStore, *, article: int | None = None, district: str = "",
                      as_of: dt.date | None = None, ontology: Ontology | None = None,
                      conditions: dict[str, list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """For the whole register at once: (enterprise, measure) pairs whose qualification
    groups are all met by a valid holding (or, for measures asking sizes only, whose
    enterprise reported the metric), in policies in force that apply to the enterprise's
    place, each with its verdict on the measure's conditions (eligible, near-miss with the
    gaps, unknown), ``estimate_wan`` and ``estimate_basis``. A few set-based queries, then
    Python. ``conditions`` (measure id → condition rows) replaces the stored conditions:
    the sandbox's what-if."""
    ont = ontology or load_ontology()
    as_of = as_of or dt.date.today()
    params = {"number": -1 if article is None else article, "district": district, "as_of": as_of}
    year = as_of.year - 1
    with store.snapshot(timeout_s=600) as read:
        pairs = read(_QUALIFYING_PAIRS, params).rows
        sized = read(_CONDITION_ONLY, params).records()
        ids = sorted({r[1] for r in pairs} | {r["measure_id"] for r in sized})
        places = {r["measure_id"]: r for r in read(_MEASURE_PLACES, {"ids": ids}).records()}
        people = {r[0]: r for r in read(_WHO).rows} if pairs else {}  # all: an IN list of 10^5 ids costs more
        groups: dict[str, set[int]] = defaultdict(set)
        for g in read(_GROUPS, {"ids": ids}).records():
            groups[g["measure"]].add(g["grp"])
        stated: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in read(_CONDITIONS, {"ids": ids}).records():
            stated[c["measure"]].append(c)
        amounts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for x in read(_AMOUNTS, {"ids": ids}).records():
            amounts[x["measure"]].append(x)
        if conditions:
            stated.update(conditions)
        metric_rows = read(_REGISTER_METRICS, {"year": year}).records() if (stated or amounts) else []
    reported: dict[str, list[dict[str, Any]]] = defaultdict(list)
    who: dict[str, dict[str, Any]] = {}
    for v in metric_rows:
        reported[v["uscc"]].append(v)
        who.setdefault(v["uscc"], v)
    met: dict[tuple[str, str], set[int]] = defaultdict(set)
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for uscc, mid, grp in pairs:
        key = (uscc, mid)
        met[key].add(grp)
        if key not in first:
            _, name, where = people[uscc]
            first[key] = {"uscc": uscc, "enterprise": name, "enterprise_district": where, **places[mid]}
    tables: dict[str, dict[tuple[str, int], float]] = {}
    known: dict[str, set[str]] = {}
    for m in sized:  # measures asking sizes only: every enterprise that reported one of their metrics
        metrics = {c["metric"] for c in stated.get(m["measure_id"], [])}
        for uscc, values in reported.items():
            if uscc not in known:
                tables[uscc] = N.metric_table(values, ont)
                known[uscc] = {k for k, _ in tables[uscc]}
            if metrics & known[uscc]:
                e = who[uscc]
                first.setdefault((uscc, m["measure_id"]), {
                    "uscc": uscc, "enterprise": e["enterprise"], "enterprise_district": e["enterprise_district"],
                    **{k: m[k] for k in ("district", "article", "measure", "measure_id")}})
    out = []
    scopes: dict[str | None, frozenset[str] | None] = {}
    fixed: dict[str, tuple[float | None, str]] = {}  # estimates that do not depend on the enterprise
    applies: dict[tuple[str | None, str | None], bool | None] = {}
    no_values: dict[tuple[str, int], float] = {}
    for (uscc, mid), r in first.items():
        if not groups.get(mid, set()) <= met.get((uscc, mid), set()):
            continue  # a group of qualifications the enterprise does not hold
        where = (r["district"], r["enterprise_district"])
        if where not in applies:
            if r["enterprise_district"] not in scopes:
                scopes[r["enterprise_district"]] = N.scope_of([r["enterprise_district"]], ont)
            applies[where] = N.applies(r["district"], scopes[r["enterprise_district"]])
        if applies[where] is not True:
            continue  # a policy of another place (or a place unknown)
        needs_values = mid in stated or any(x["kind"] == "ratio" for x in amounts.get(mid, ()))
        values = tables.get(uscc) if needs_values else no_values
        if values is None:
            values = tables[uscc] = N.metric_table(reported.get(uscc, []), ont)
        verdicts = [N.judge(c, values, as_of) for c in stated.get(mid, [])]
        kinds = {v.verdict for v in verdicts}
        verdict = "near-miss" if "unmet" in kinds else "unknown" if "unknown" in kinds else "eligible"
        if needs_values:
            est, basis = N.estimate(amounts.get(mid, []), values, as_of, ont)
        else:
            if mid not in fixed:
                fixed[mid] = N.estimate(amounts.get(mid, []), no_values, as_of, ont)
            est, basis = fixed[mid]
        out.append({"uscc": uscc, "enterprise": r["enterprise"], "district": r["district"], "article": r["article"],
                    "measure": r["measure"], "measure_id": mid, "verdict": verdict, "estimate_wan": est,
                    "estimate_basis": basis, "gaps": [v.gap for v in verdicts if v.verdict == "unmet"],
                    "unmet_metrics": sorted({v.metric for v in verdicts if v.verdict == "unmet" and v.metric}),
                    "values": {v.metric: v.value for v in verdicts if v.metric}})
    out.sort(key=lambda r: (r["uscc"], r["district"] or "", r["article"], r["measure"]))
    return out


def eligibility_matrix(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Enterprise × measure table (1 where eligible) from ``qualifying_enterprises`` rows;
    only enterprises that may claim something appear."""
    measures = sorted({(r["district"], r["article"], r["measure"]) for r in rows})
    col = {m: i for i, m in enumerate(measures)}
    table: dict[str, list[Any]] = {}
    for r in rows:
        line = table.setdefault(r["uscc"], [r["uscc"], r["enterprise"], *([0] * len(measures))])
        line[2 + col[(r["district"], r["article"], r["measure"])]] = 1
    header = ["uscc", "enterprise", *(f"{d}-{a}-{s}" for d, a, s in measures)]
    return header, [table[k] for k in sorted(table)]
