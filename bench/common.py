"""Shared helpers for benchmarks: the machine they ran on, timing, and results.json."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "python": platform.python_version()}


def best_of(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs of ``fn`` (seconds) and its last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def record(name: str, figures: dict[str, Any]) -> None:
    """Print ``figures`` and merge them into bench/results.json under ``name``."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data["machine"] = machine()
    data[name] = figures
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    print(f"== {name} ({data['machine']['cores']} cores, {data['machine']['cpu']})")
    for k, v in figures.items():
        print(f"   {k}: {v}")
