"""The embedded store's sources: each batch kept as CSV tables, one per node label and
relationship type, in the column order LadybugDB's COPY expects.

Why CSV and not JSON: a 100,000-enterprise register is about 400,000 records; CSV is
written once, COPY reads it directly, and only tables that several sources share (the
ontology's concepts, bureaus) are merged in Python.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from graph.records import Batch
from ontology import Ontology
from policykg.errors import StoreError

META = "meta.json"
# Stored texts may be longer than the csv module's default longest field (131,072
# characters): a long article once loaded must never make a later load fail.
csv.field_size_limit(2**31 - 1)


def folder_name(key: str) -> str:
    """Folder of the source ``key`` (a digest: keys may hold any character)."""
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def csv_value(v: Any) -> Any:
    """A record value as LadybugDB's CSV reader wants it (empty = NULL)."""
    if type(v) is str:
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


@dataclass(frozen=True)
class Source:
    """A stored batch: its key, folder, and the row count of each table file."""

    key: str
    folder: Path
    tables: dict[str, int]
    digest: str

    def table(self, name: str) -> Path | None:
        """The CSV file of table ``name`` (``n_Label`` or ``r_TYPE``), if this source has one."""
        return self.folder / f"{name}.csv" if name in self.tables else None


def write_source(batch: Batch, folder: Path, ont: Ontology) -> Source:
    """Write ``batch`` as CSV tables into ``folder`` (created) and return its description."""
    folder.mkdir(mode=0o700)
    tables: dict[str, int] = {}
    digest = hashlib.sha256(batch.key.encode())
    for t in batch.node_tables:
        nt = ont.node_type(t.name)
        cols = [p.name for p in nt.properties]
        # the id goes in the key's column; a property the table lacks reads as NULL
        at = {nt.key: 0} | {c: i + 1 for i, c in enumerate(t.columns) if c != nt.key}
        bools = {p.name for p in nt.properties if p.datatype == "bool"}
        _write_table(folder / f"n_{t.name}.csv", cols, t.rows, [at.get(c) for c in cols], bools & set(at))
        tables[f"n_{t.name}"] = len(t.rows)
    for t in batch.rel_tables:
        rt = ont.rel_types[t.name]
        cols = [p.name for p in rt.properties]
        at = {c: i + 2 for i, c in enumerate(t.columns)}
        bools = {p.name for p in rt.properties if p.datatype == "bool"}
        _write_table(folder / f"r_{t.name}.csv", ["from", "to", *cols], t.rows,
                     [0, 1, *(at.get(c) for c in cols)], bools & set(at))
        tables[f"r_{t.name}"] = len(t.rows)
    for name in sorted(tables):
        with open(folder / f"{name}.csv", "rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    source = Source(batch.key, folder, tables, digest.hexdigest())
    (folder / META).write_text(json.dumps({"key": batch.key, "tables": tables, "digest": source.digest},
                                          ensure_ascii=False), "utf-8")
    return source


def _write_table(path: Path, header: list[str], rows: Sequence[tuple[Any, ...]], positions: list[int | None],
                 has_bools: set[str]) -> None:
    """Rows as CSV with cells reordered to ``header`` (None = the table has no such column).
    The csv module writes None as empty and dates as ISO text, which is what COPY reads;
    only booleans need converting."""
    width = max((len(r) for r in rows[:1]), default=0)
    index = [width if p is None else p for p in positions]  # index ``width`` is the padding None
    pick = itemgetter(*index) if len(index) > 1 else lambda r: (r[index[0]],)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        if has_bools:
            w.writerows([csv_value(v) for v in pick((*r, None))] for r in rows)
        elif None in positions:
            w.writerows(pick((*r, None)) for r in rows)
        else:
            w.writerows(map(pick, rows))


def read_sources(root: Path) -> dict[str, Source]:
    """Every stored source under ``root``, by key. Only a folder named after its key
    counts (an interrupted publish of the layout before versions left ``<name>.old``
    copies, which must not shadow the real one)."""
    out = {}
    for meta in sorted(root.glob(f"*/{META}")):
        data = json.loads(meta.read_text("utf-8"))
        if meta.parent.name == folder_name(data["key"]):
            out[data["key"]] = Source(data["key"], meta.parent, data["tables"], data["digest"])
    return out


def link_source(stored: Source, folder: Path) -> Source:
    """``stored`` again at ``folder`` (created 0700), its files hard links to the stored
    ones: a source's files are never changed once written, so versions of the store can
    share them and a load does not copy a big register it leaves unchanged. Falls back to
    a copy where the file system has no hard links."""
    folder.mkdir(mode=0o700)
    for f in stored.folder.iterdir():
        try:
            os.link(f, folder / f.name)
        except OSError:
            shutil.copy2(f, folder / f.name)
    return Source(stored.key, folder, stored.tables, stored.digest)


def merged_table(name: str, sources: list[Source], out: Path, key_at: tuple[int, ...],
                 owner_at: int | None = None) -> tuple[Path, int] | None:
    """One CSV for table ``name`` across ``sources``: the file itself when a single source
    has it; else rows de-duplicated on the cells at ``key_at``, later sources winning (as
    MERGE then SET would). A node that two sources own (cell ``owner_at``: an enterprise
    in two registers) is refused with StoreError, as Neo4j refuses it.
    Returns the file and its row count, or None if no source has it."""
    having = [s for s in sources if s.table(name)]
    if not having:
        return None
    if len(having) == 1:
        return having[0].table(name), having[0].tables[name]
    rows: dict[tuple[str, ...], list[str]] = {}
    header: list[str] = []
    for s in having:
        with open(s.table(name), newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            for row in reader:
                key = tuple(row[i] for i in key_at)
                if owner_at is not None and key in rows and rows[key][owner_at] and row[owner_at] and \
                        rows[key][owner_at] != row[owner_at]:
                    raise StoreError(f"{name[2:]} {key[0]!r} is owned by both {rows[key][owner_at]!r} and "
                                     f"{row[owner_at]!r}; nothing was changed",
                                     where=f"source {s.key}", hint="a node can belong to one source only")
                rows[key] = row
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows.values())
    return out, len(rows)
