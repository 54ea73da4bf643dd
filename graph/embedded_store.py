"""The embedded default store: LadybugDB in a folder, rebuilt from its sources by bulk COPY.

Why a derived build: on LadybugDB 0.22 a relationship MERGE driven by UNWIND runs at
~80 rows/s while COPY FROM runs at 10^5 rows/s or more, and COPY into a non-empty table
is fragile. So every write keeps its batch as CSV tables (graph/embedded_sources.py) and
rebuilds the whole database into a new file, verifies the counts, then swaps it in
atomically. A failed build leaves the previous database and sources untouched; re-writing
a batch gives the same tables. Readers open the database read-only and reopen after a swap.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ladybug

from graph.embedded_sources import Source, merged_table, publish, read_sources, write_source
from graph.records import Batch, sources
from graph.schema import ladybug_ddl
from graph.store import Counts, GraphNode, GraphRel, Reader, ReadResult, make_node, plain
from graph.validate import validate_batch
from ontology import Ontology
from policykg.errors import LoadError, StoreError, StoreUnavailableError

DB_FILE = "graph.lbug"


class EmbeddedStore:
    """GraphStore on LadybugDB; ``folder`` holds ``sources/``, the database and a manifest."""

    backend = "embedded"
    streams = False

    def __init__(self, folder: Path, ontology: Ontology) -> None:
        self.folder = Path(folder)
        self.ontology = ontology
        self._db: ladybug.Database | None = None
        self._db_stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()
        # One read connection per thread, tied to the database handle it was opened on:
        # opening a connection per read cost ~1/4 of a small query's time under load.
        self._local = threading.local()
        (self.folder / "sources").mkdir(parents=True, exist_ok=True)
        if not (self.folder / DB_FILE).exists():
            self._rebuild([])

    # --- writing -------------------------------------------------------------------------
    def apply_schema(self) -> None:
        """Tables are created with every build; nothing else to do."""

    def write(self, batch: Batch) -> None:
        """Apply one batch (see ``write_many``)."""
        self.write_many([batch])

    def write_many(self, batches: Iterable[Batch]) -> None:
        """Replace the sources of ``batches`` and rebuild; all or nothing."""
        batches = list(batches)
        for b in batches:
            validate_batch(b, self.ontology)
        with self._writer():
            self._rebuild(batches)

    def write_stream(self, batches: Iterable[Batch]) -> None:
        """Gather the parts, then ``write_many`` (the database is rebuilt at once anyway)."""
        self.write_many([Batch.concat(group) for group in sources(batches)])

    def clear(self) -> None:
        """Remove all sources and rebuild an empty database."""
        with self._writer():
            self._rebuild([], removed_all=True)

    # --- reading -------------------------------------------------------------------------
    def read(self, cypher: str, params: dict[str, Any] | None = None, *, timeout_s: float = 30.0) -> ReadResult:
        """Run ``cypher`` on a read-only connection; writes are refused by the database."""
        return _run_read(self._connection(), cypher, params, timeout_s)

    @contextmanager
    def snapshot(self, *, timeout_s: float = 30.0) -> Iterator[Reader]:
        """Reads on one read-only connection, so on one database file even if a load
        swaps in a new one meanwhile."""
        conn = self._connection()
        yield lambda cypher, params=None: _run_read(conn, cypher, params, timeout_s)

    def counts(self) -> Counts:
        """Counts per label and type, read from the database itself."""
        nodes = {
            lbl: self.read(f"MATCH (n:{lbl}) RETURN count(n) AS c").rows[0][0]
            for lbl in sorted(self.ontology.node_types)
        }
        rels = {
            t: self.read(f"MATCH ()-[r:{t}]->() RETURN count(r) AS c").rows[0][0]
            for t in sorted(self.ontology.rel_types)
        }
        return Counts(nodes, rels)

    def data_version(self) -> str:
        """Digest of the sources the current database was built from."""
        manifest = self.folder / "manifest.json"
        if not manifest.exists():
            return "empty"
        return json.loads(manifest.read_text("utf-8"))["digest"][:12]

    def sources(self) -> list[str]:
        """Keys of the batches the database is built from."""
        return sorted(self._read_sources())

    def close(self) -> None:
        """Drop the cached read-only handle and every thread's connection on it, so the
        database is released (a connection alone kept it open, with its threads and memory)."""
        with self._lock:
            self._db = None
            self._db_stamp = None
            self._local = threading.local()

    # --- internals -----------------------------------------------------------------------
    def _connection(self) -> ladybug.Connection:
        """This thread's read connection on the current database (a new one after a swap)."""
        db = self._database()
        local = self._local
        if getattr(local, "db", None) is not db:
            local.conn = ladybug.Connection(db)
            local.db = db
        return local.conn

    def _database(self) -> ladybug.Database:
        path = self.folder / DB_FILE
        try:
            st = path.stat()
        except FileNotFoundError:
            raise StoreUnavailableError("no embedded database", where=str(path),
                                        hint="run `policykg load` first") from None
        stamp = (st.st_ino, st.st_mtime_ns)
        with self._lock:
            if self._db is None or self._db_stamp != stamp:
                try:
                    self._db = ladybug.Database(str(path), read_only=True)
                except RuntimeError as exc:
                    raise StoreUnavailableError(str(exc), where=str(path)) from exc
                self._db_stamp = stamp
            return self._db

    @contextmanager
    def _writer(self) -> Iterator[None]:
        with open(self.folder / ".write.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read_sources(self) -> dict[str, Source]:
        return read_sources(self.folder / "sources")

    def _rebuild(self, changed: list[Batch], removed_all: bool = False) -> None:
        """Build a new database from the stored sources with ``changed`` replacing theirs;
        publish sources and database only once the build and its counts are right."""
        tmp = Path(tempfile.mkdtemp(prefix="build-", dir=self.folder))
        try:
            sources = {} if removed_all else self._read_sources()
            staged = []
            for i, b in enumerate(changed):
                src = write_source(b, tmp / f"staged-{i}", self.ontology)
                sources[b.key] = src
                staged.append(src)
            ordered = [sources[k] for k in sorted(sources)]
            db_path = tmp / DB_FILE
            _build(db_path, tmp, self.ontology, ordered)
            if removed_all:
                shutil.rmtree(self.folder / "sources", ignore_errors=True)
                (self.folder / "sources").mkdir()
            for src in staged:
                publish(src, self.folder / "sources")
            os.replace(db_path, self.folder / DB_FILE)
            wal = self.folder / (DB_FILE + ".wal")
            if wal.exists():
                wal.unlink()
            digest = hashlib.sha256("".join(s.key + s.digest for s in ordered).encode()).hexdigest()
            manifest = {"digest": digest, "sources": [s.key for s in ordered]}
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
            os.replace(tmp / "manifest.json", self.folder / "manifest.json")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _build(db_path: Path, tmp: Path, ont: Ontology, sources: list[Source]) -> None:
    """Create the schema, COPY every table from the sources, and check the counts."""
    db = ladybug.Database(str(db_path))
    conn = ladybug.Connection(db)
    try:
        for stmt in ladybug_ddl(ont):
            conn.execute(stmt)
        expected: dict[str, int] = {}
        for label, nt in ont.node_types.items():
            names = [p.name for p in nt.properties]
            owner_at = names.index(nt.owner) if nt.owner in names else None
            table = merged_table(f"n_{label}", sources, tmp / f"n_{label}.csv", (names.index(nt.key),), owner_at)
            expected[label] = table[1] if table else 0
            if table:
                _copy(conn, label, table[0])
        for rtype in ont.rel_types:
            table = merged_table(f"r_{rtype}", sources, tmp / f"r_{rtype}.csv", (0, 1))
            expected[rtype] = table[1] if table else 0
            if table:
                _copy(conn, rtype, table[0])
        for name, n in expected.items():
            pattern = f"(x:{name})" if name in ont.node_types else f"()-[x:{name}]->()"
            got = conn.execute(f"MATCH {pattern} RETURN count(x)").get_all()[0][0]
            if got != n:
                raise LoadError(f"{name}: built {got}, expected {n}", where=str(db_path))
    finally:
        conn.close()
        del conn
        del db


def _copy(conn: ladybug.Connection, table: str, path: Path) -> None:
    try:
        conn.execute(f"COPY {table} FROM '{path}' (HEADER=true, PARALLEL=false)")
    except RuntimeError as exc:
        raise LoadError(f"bulk copy into {table} failed: {exc}".replace(str(path), table.lower() + ".csv"),
                        where=f"embedded store, table {table}") from exc


def _run_read(conn: ladybug.Connection, cypher: str, params: dict[str, Any] | None, timeout_s: float) -> ReadResult:
    conn.set_query_timeout(int(timeout_s * 1000))
    try:
        result = conn.execute(cypher, params or {})
        columns = result.get_column_names()
        raw_rows = result.get_all()
    except RuntimeError as exc:
        raise StoreError(str(exc).strip(), where="embedded store") from exc
    return _convert(columns, raw_rows, lambda refs: _lookup_ids(conn, refs))


def _lookup_ids(conn: ladybug.Connection, refs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """Stable ids of nodes known only by internal id (relationship ends not in the result)."""
    tables = {row[0]: row[1] for row in conn.execute("CALL show_tables() RETURN *").get_all()}
    by_table: dict[int, list[int]] = {}
    for table, offset in refs:
        by_table.setdefault(table, []).append(offset)
    out = {}
    for table, offsets in by_table.items():
        res = conn.execute(
            f"MATCH (n:{tables[table]}) WHERE offset(id(n)) IN $o RETURN offset(id(n)), n.id", {"o": offsets}
        )
        for offset, nid in res.get_all():
            out[(table, offset)] = nid
    return out


def _convert(columns: list[str], raw_rows: list[list[Any]],
             lookup: Callable[[set[tuple[int, int]]], dict[tuple[int, int], str]]) -> ReadResult:
    """Turn LadybugDB values into plain rows plus de-duplicated graph elements."""
    by_internal: dict[tuple[int, int], GraphNode] = {}

    def collect(v: Any) -> None:
        if isinstance(v, dict):
            if "_LABEL" in v and "_ID" in v and "_SRC" not in v:
                iid = v["_ID"]
                by_internal[(iid["table"], iid["offset"])] = make_node(v["_LABEL"], v)
            for x in v.values():
                collect(x)
        elif isinstance(v, list):
            for x in v:
                collect(x)

    for row in raw_rows:
        collect(row)
    rels: dict[tuple[str, str, str], GraphRel] = {}
    missing: set[tuple[int, int]] = set()

    def find_missing(v: Any) -> None:
        if isinstance(v, dict):
            for end in ("_SRC", "_DST"):
                if end in v and (v[end]["table"], v[end]["offset"]) not in by_internal:
                    missing.add((v[end]["table"], v[end]["offset"]))
            for x in v.values():
                find_missing(x)
        elif isinstance(v, list):
            for x in v:
                find_missing(x)

    for row in raw_rows:
        find_missing(row)
    ids = lookup(missing) if missing else {}

    def node_id(ref: dict[str, int]) -> str:
        key = (ref["table"], ref["offset"])
        n = by_internal.get(key)
        return n.id if n else ids.get(key, "")

    def conv(v: Any) -> Any:
        if isinstance(v, dict):
            if "_NODES" in v and "_RELS" in v:
                return {"nodes": [conv(n) for n in v["_NODES"]], "rels": [conv(r) for r in v["_RELS"]]}
            if "_SRC" in v and "_DST" in v:
                props = {k: plain(x) for k, x in v.items() if not k.startswith("_") and x is not None}
                r = GraphRel(v["_LABEL"], node_id(v["_SRC"]), node_id(v["_DST"]), props)
                rels[(r.type, r.start, r.end)] = r
                return r.as_dict()
            if "_LABEL" in v and "_ID" in v:
                iid = v["_ID"]
                return by_internal[(iid["table"], iid["offset"])].as_dict()
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return plain(v)

    rows = [[conv(v) for v in row] for row in raw_rows]
    nodes = list({n.id + "|" + n.label: n for n in by_internal.values()}.values())
    return ReadResult(columns, rows, nodes, list(rels.values()))
