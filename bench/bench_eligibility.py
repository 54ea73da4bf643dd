"""Eligibility with numbers (issue 15) at district scale: 100,000 fictional 闵行区
enterprises with three qualifications each and three reported metrics each (营业收入, 研发投入,
纳税总额 for the year before the as-of date), the shipped documents plus a small fictional
document whose measures set thresholds, on both backends.

Measured per backend, in a process of its own: the metrics load (300,000 values), then
eligibility for one enterprise (p50/p95 over 1,000 random lookups after 200 warm-up
lookups) and for the whole register (``register_verdicts``: conditions judged, estimates).
The baseline, in the same run and on the same store, is the same questions asked before
the metrics were loaded (qualifications and scope only): the ratio is what the numbers cost.
Targets (issue 15): whole register ≤ 30 s, one enterprise p95 ≤ 20 ms."""

from __future__ import annotations

import csv
import datetime as dt
import multiprocessing
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import record
from graph import neo4j_server
from graph.embedded_store import EmbeddedStore
from graph.neo4j_store import Neo4jStore
from loaders import document_batch, extract_file, ontology_batch
from loaders.demo import write_demo_register
from loaders.metrics import load_metrics
from loaders.register import load_register, read_register
from ontology import load_ontology
from queries.eligibility import enterprise_eligibility, register_verdicts

ROOT = Path(__file__).resolve().parents[1]
COUNT = 100_000
LOOKUPS = 1_000
WARMUP = 200
AS_OF = dt.date(2025, 6, 30)
NUMBERS_DOC = ROOT / "tests" / "data" / "numbers" / "minhang-numbers.txt"


def write_metrics(path: Path, usccs: list[str], seed: int = 7) -> int:
    """A long-format metrics file: three metrics of the year before AS_OF per enterprise,
    sizes spread around the fictional document's thresholds."""
    rng = random.Random(seed)
    year = AS_OF.year - 1
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["统一社会信用代码", "年度", "指标", "数值", "单位"])
        for u in usccs:
            revenue = round(rng.lognormvariate(8.5, 1.2), 1)  # 万元: median ~5,000
            w.writerow([u, year, "营业收入", revenue, "万元"])
            w.writerow([u, year, "研发投入", round(revenue * rng.uniform(0.0, 0.12), 1), "万元"])
            w.writerow([u, year, "纳税总额", round(revenue * rng.uniform(0.01, 0.08), 1), "万元"])
    return 3 * len(usccs)


def _questions(store, usccs: list[str], warmup: list[str], prefix: str) -> dict:
    for u in warmup:
        enterprise_eligibility(store, u, as_of=AS_OF)
    times = []
    for u in usccs:
        t = time.perf_counter()
        enterprise_eligibility(store, u, as_of=AS_OF)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    t = time.perf_counter()
    rows = register_verdicts(store, as_of=AS_OF)
    whole = time.perf_counter() - t
    return {f"{prefix}single_p50_ms": round(statistics.median(times), 1),
            f"{prefix}single_p95_ms": round(times[int(0.95 * len(times))], 1),
            f"{prefix}whole_register_s": round(whole, 2),
            f"{prefix}whole_register_pairs": len(rows),
            f"{prefix}eligible_pairs": sum(1 for r in rows if r["verdict"] == "eligible")}


def _run(store, tmp: Path, usccs: list[str], warmup: list[str], name: str) -> None:
    ont = load_ontology()
    docs = [ontology_batch(ont), *(document_batch(extract_file(p), ont)
                                   for p in [*sorted((ROOT / "data/policies").glob("*.txt")), NUMBERS_DOC])]
    store.apply_schema()
    store.write_many(docs)
    load_register(store, tmp / "register.csv", ontology=ont, before=[ontology_batch(ont)])
    figures = _questions(store, usccs, warmup, "baseline_")  # no metrics yet: qualifications and scope only
    t = time.perf_counter()
    m = load_metrics(store, tmp / "metrics.csv", ontology=ont)
    figures["metrics_values"] = len(m.values)
    figures["metrics_load_s"] = round(time.perf_counter() - t, 2)
    figures.update(_questions(store, usccs, warmup, ""))
    figures["single_p95_ratio_to_baseline"] = round(figures["single_p95_ms"] / figures["baseline_single_p95_ms"], 2)
    figures["whole_ratio_to_baseline"] = round(figures["whole_register_s"] / figures["baseline_whole_register_s"], 2)
    figures["meets_targets"] = figures["whole_register_s"] <= 30 and figures["single_p95_ms"] <= 20
    record(name, figures)


def _embedded(tmp: Path, usccs: list[str], warmup: list[str]) -> None:
    store = EmbeddedStore(tmp / "embedded", load_ontology())
    try:
        _run(store, tmp, usccs, warmup, "eligibility_numbers_embedded")
    finally:
        store.close()


def _neo4j(tmp: Path, usccs: list[str], warmup: list[str]) -> None:
    home = tmp / "neo4j"
    info = neo4j_server.start(home, heap="4g", extra_conf={"server.memory.pagecache.size": "1g"})
    try:
        store = Neo4jStore(info.uri, info.user, info.password, load_ontology())
        try:
            _run(store, tmp, usccs, warmup, "eligibility_numbers_neo4j")
        finally:
            store.close()
    finally:
        neo4j_server.stop(home)


def main() -> None:
    """Each backend in a process of its own (see bench_enterprises: one backend's traces
    slow the other's lookups)."""
    ont = load_ontology()
    spawn = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_demo_register(tmp / "register.csv", count=COUNT, seed=42, district="闵行区", dense=True, ontology=ont)
        everyone = sorted(read_register(tmp / "register.csv", ontology=ont).enterprises)
        write_metrics(tmp / "metrics.csv", everyone)
        sample = random.Random(1).sample(everyone, LOOKUPS + WARMUP)
        usccs, warmup = sample[:LOOKUPS], sample[LOOKUPS:]
        for part in (_embedded, _neo4j):
            child = spawn.Process(target=part, args=(tmp, usccs, warmup))
            child.start()
            child.join()
            if child.exitcode:
                raise SystemExit(f"{part.__name__} failed (exit {child.exitcode})")


if __name__ == "__main__":
    main()
