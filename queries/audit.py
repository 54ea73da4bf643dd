"""Audit log: one JSON line per saved-query run, so that a cited result can be traced to
who ran what, with which parameters, on which data, and what came out."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
from pathlib import Path
from typing import Any

from graph import ReadResult


def _json_default(value: Any) -> str:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


def result_hash(result: ReadResult) -> str:
    """SHA-256 of the columns and rows in canonical JSON: equal answers, equal hashes."""
    canonical = json.dumps({"columns": result.columns, "rows": result.rows}, ensure_ascii=False,
                           sort_keys=True, default=_json_default, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def append_audit(path: Path, *, user: str, query: str, params: dict[str, Any], backend: str,
                 data_version: str, result: ReadResult) -> dict[str, Any]:
    """Append one line to the JSONL log at ``path`` (created if needed) and return it."""
    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "user": user,
        "query": query,
        "params": params,
        "backend": backend,
        "data_version": data_version,
        "rows": len(result.rows),
        "result_sha256": result_hash(result),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False, default=_json_default) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write(line)
    return entry
