"""Enterprise metrics (CSV or XLSX, long format): read, validate every row, convert units,
and write them as MetricValue nodes, all or nothing.

Format: one row per enterprise, year and metric, with the columns 统一社会信用代码, 年度,
指标, 数值, 单位 (or uscc, year, metric, value, unit). 指标 is a metric of
ontology/metrics.ttl by any of its labels (营业收入, 销售收入, 研发费用...); 单位 is converted
to the metric's unit (亿元/万元/元 → 万元, ‰ → %, 万人 → 人); an empty 单位 means the metric's
own unit. Every problem is named by file, row and column; any problem and nothing is
loaded; loading the same file again replaces what it stated (idempotent).

Graph: ``(:Enterprise)-[:REPORTED]->(:MetricValue {metric, year, value, unit, source})``, one
node per (file, enterprise, metric, year), owned by the file (``metrics_id``). A value node,
not a property of the relationship: a relationship is keyed by its two ends, so it could
hold one value per enterprise and metric, not one per year; and the Enterprise node belongs
to its register, so a metrics file must not write it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.records import Batch, Table
from graph.store import GraphStore
from loaders.records import stable_id
from loaders.register import FORMULA_START, Problem, _raw_rows, uscc_problem
from ontology import Ontology, load_ontology
from policykg.errors import LoadError

COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "uscc", "credit_code"),
    "year": ("年度", "year"),
    "metric": ("指标", "metric"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
}
REQUIRED = ("uscc", "year", "metric", "value")
# unit written → (unit kept, factor): money in 万元, shares in percent, people in 人
UNITS: dict[str, tuple[str, float]] = {
    "元": ("万元", 1e-4), "千元": ("万元", 0.1), "万元": ("万元", 1.0), "百万元": ("万元", 100.0),
    "千万元": ("万元", 1000.0), "亿元": ("万元", 1e4), "万": ("万元", 1.0), "亿": ("万元", 1e4),
    "%": ("%", 1.0), "％": ("%", 1.0), "‰": ("%", 0.1), "百分比": ("%", 1.0),
    "人": ("人", 1.0), "万人": ("人", 1e4),
    "吨标准煤": ("吨标准煤", 1.0), "万吨标准煤": ("吨标准煤", 1e4), "吨标煤": ("吨标准煤", 1.0),
}
YEARS = range(1949, 2101)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass
class Metrics:
    """What a metrics file holds once read: valid values and every problem."""

    path: Path
    values: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0


def metrics_key(path: Path) -> str:
    """The id of the metrics file read from ``path`` (owner of its values)."""
    return stable_id("metrics", Path(path).stem)


def read_metrics(path: Path, *, ontology: Ontology | None = None) -> Metrics:
    """Read and check every row of the metrics file at ``path``; problems are collected."""
    ont = ontology or load_ontology()
    path = Path(path)
    out = Metrics(path)
    rows = _raw_rows(path)
    header = next(rows, None)
    if header is None or not any(header):
        raise LoadError("the metrics file is empty", where=str(path),
                        hint="expected a header row: " + ", ".join(v[0] for v in COLUMNS.values()))
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        for key, accepted in COLUMNS.items():
            if h in accepted:
                if key in cols:
                    raise LoadError(f"column {key!r} appears twice", where=f"{path}: header")
                cols[key] = i
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in cols]
    if missing:
        raise LoadError(f"missing required column(s): {', '.join(missing)}", where=f"{path}: header",
                        hint="expected headers: " + ", ".join(v[0] for v in COLUMNS.values()))
    concepts = ont.concepts("metrics")
    names = {lbl: c for c in concepts for lbl in c.all_labels}
    seen: dict[tuple[str, str, int], int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        out.rows += 1
        cell = {k: (row[i].strip() if i < len(row) else "") for k, i in cols.items()}
        problems: list[tuple[str, str, str]] = []
        uscc = cell["uscc"].upper()
        if not uscc:
            problems.append(("uscc", uscc, "required"))
        elif why := uscc_problem(uscc):
            problems.append(("uscc", uscc, why))
        year = None
        if not re.fullmatch(r"\d{4}", cell["year"]) or int(cell["year"]) not in YEARS:
            problems.append(("year", cell["year"], "expected a year such as 2024"))
        else:
            year = int(cell["year"])
        concept = names.get(cell["metric"])
        if concept is None:
            close = difflib.get_close_matches(cell["metric"], list(names), n=1, cutoff=0.4)
            problems.append(("metric", cell["metric"], "not a metric of ontology/metrics.ttl"
                             + (f"; did you mean {close[0]}?" if close else "")))
        raw = cell["value"].replace(",", "").replace("，", "")
        value = None
        if raw[:1] in FORMULA_START and not _NUMBER.match(raw):
            problems.append(("value", cell["value"], "starts like a spreadsheet formula; refusing it"))
        elif not _NUMBER.match(raw):
            problems.append(("value", cell["value"], "not a number"))
        else:
            value = float(raw)
        unit_written = cell.get("unit", "")
        if concept is not None and value is not None:
            want = concept.unit
            unit, factor = UNITS.get(unit_written, (None, 0.0)) if unit_written else (want, 1.0)
            if unit is None:
                problems.append(("unit", unit_written, "unknown unit; expected one of " + ", ".join(UNITS)))
            elif want and unit != want:
                problems.append(("unit", unit_written, f"{concept.label_zh} is kept in {want}; {unit_written} "
                                 "cannot be converted to it"))
            else:
                value = round(value * factor, 6)
                if value < 0 and unit != "%":
                    problems.append(("value", cell["value"], "negative"))
        if concept is not None and year is not None and not problems:
            first = seen.setdefault((uscc, concept.label_zh, year), number)
            if first != number:
                problems.append(("metric", cell["metric"], f"duplicate: {uscc} {concept.label_zh} {year} "
                                 f"already in row {first}"))
        if problems:
            out.problems.extend(Problem(number, COLUMNS[k][0], v, why) for k, v, why in problems)
            continue
        out.values.append({"uscc": uscc, "metric": concept.label_zh, "year": year, "value": value,
                           "unit": concept.unit, "_row": number})
    if out.rows == 0:
        raise LoadError("the metrics file has a header but no data rows", where=str(path))
    return out


def metrics_batch(m: Metrics, enterprises: Table) -> Batch:
    """MetricValue nodes and REPORTED relationships of a checked file (one batch: replaced
    wholesale when the file is loaded again), with the ``enterprises`` they start from."""
    key = metrics_key(m.path)
    source = m.path.name
    nodes = Table("MetricValue", ("metric", "metrics_id", "source", "unit", "value", "year"), [
        (stable_id("metric", key, v["uscc"], v["metric"], v["year"]), v["metric"], key, source, v["unit"],
         v["value"], v["year"]) for v in m.values])
    rels = Table("REPORTED", (), [(v["uscc"], stable_id("metric", key, v["uscc"], v["metric"], v["year"]))
                                  for v in m.values])
    return Batch(key, (enterprises, nodes), (rels,))


def load_metrics(store: GraphStore, path: Path, *, ontology: Ontology | None = None) -> Metrics:
    """Read, check and write the metrics file at ``path`` in one all-or-nothing transaction.
    Every USCC must name an enterprise already in the graph (load its register first);
    LoadError lists every problem (file, row, column) and nothing is written."""
    m = read_metrics(path, ontology=ontology)
    usccs = sorted({v["uscc"] for v in m.values})
    known = {r[0] for r in store.read("MATCH (e:Enterprise) WHERE e.id IN $ids RETURN e.id", {"ids": usccs},
                                      timeout_s=600).rows} if usccs else set()
    first_row: dict[str, int] = {}
    for v in m.values:
        first_row.setdefault(v["uscc"], v["_row"])
    m.problems.extend(Problem(first_row[u], COLUMNS["uscc"][0], u, "no enterprise with this USCC in the graph; "
                              "load its register first") for u in usccs if u not in known)
    if m.problems:
        m.problems.sort(key=lambda p: p.row)
        shown = "; ".join(f"row {p.row}, {p.column}={p.value!r}: {p.reason}" for p in m.problems[:10])
        more = f" (and {len(m.problems) - 10} more)" if len(m.problems) > 10 else ""
        raise LoadError(f"{len({p.row for p in m.problems})} invalid row(s); nothing was loaded: {shown}{more}",
                        where=str(path), hint="fix them and load the file again")
    store.write_stream([metrics_batch(m, _enterprises(store, usccs, ontology or load_ontology()))])
    return m


def _enterprises(store: GraphStore, usccs: list[str], ont: Ontology) -> Table:
    """The enterprises the file reports on, as stored: a batch carries both ends of its
    relationships, and these nodes (owned by their register) are merged unchanged."""
    columns = tuple(sorted(p.name for p in ont.node_type("Enterprise").properties if p.name != "id"))
    cypher = ("MATCH (e:Enterprise) WHERE e.id IN $ids RETURN e.id AS id, "
              + ", ".join(f"e.{c} AS {c}" for c in columns))
    rows = store.read(cypher, {"ids": usccs}, timeout_s=600).rows
    return Table("Enterprise", columns, [tuple(r) for r in rows])

