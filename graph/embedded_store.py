"""The embedded default store: LadybugDB in a folder, rebuilt from its sources by bulk COPY.

Why a derived build: on LadybugDB 0.22 a relationship MERGE driven by UNWIND runs at
~80 rows/s while COPY FROM runs at 10^5 rows/s or more, and COPY into a non-empty table
is fragile. So every write keeps its batch as CSV tables (graph/embedded_sources.py) and
rebuilds the whole database into a new version folder, verifies the counts, then makes
that version live with one atomic switch (graph/embedded_versions.py: layout, crash
safety, and how long old versions are kept). A failed or killed build leaves the live
version untouched; re-writing a batch gives the same tables. Readers open the live
database read-only and reopen after a switch.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ladybug

from graph import embedded_versions as versions
from graph.embedded_sources import Source, folder_name, link_source, merged_table, read_sources, write_source
from graph.embedded_versions import fault_point
from graph.records import Batch, sources
from graph.schema import ladybug_ddl
from graph.sources import SOURCE_ID, owner_prop, resolve_table, stated
from graph.store import Counts, GraphNode, GraphRel, Reader, ReadResult, make_node, plain
from graph.validate import validate_batch
from ontology import Ontology
from policykg.errors import LoadError, StoreError, StoreUnavailableError

DB_FILE = "graph.lbug"
LOCK_FILE = ".write.lock"


class EmbeddedStore:
    """GraphStore on LadybugDB; ``folder`` holds versions (each: ``sources/``, the database
    and a manifest) and ``current``, the pointer to the live one."""

    backend = "embedded"
    streams = False

    def __init__(self, folder: Path, ontology: Ontology) -> None:
        """Open the store in ``folder`` (0700): create an empty first version, or migrate
        a folder of the layout before versions, if nothing is live yet; then remove what
        killed loads left behind, unless a writer is at work right now."""
        self.folder = Path(folder)
        self.ontology = ontology
        self._db: ladybug.Database | None = None
        self._db_stamp: str | None = None  # the live version's id when ``_db`` was opened
        self._lock = threading.Lock()
        # One read connection per thread, tied to the database handle it was opened on:
        # opening a connection per read cost ~1/4 of a small query's time under load.
        self._local = threading.local()
        versions.private_dir(self.folder)
        try:
            self.folder.chmod(0o700)  # the store's files are private (issue 19)
        except PermissionError:
            pass  # a folder of another user, opened to read: leave it as it is
        if versions.current_dir(self.folder) is None:
            with self._writer():
                if versions.current_dir(self.folder) is None:
                    if any((self.folder / name).exists() for name in versions.LEGACY):
                        self._migrate()
                    else:
                        self._rebuild([])
        self._collect_garbage()

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

    def unload(self, key: str, batches: Iterable[Batch] = ()) -> None:
        """Remove source ``key`` and write ``batches`` (e.g. re-derived links) in one
        rebuild, all or nothing; LoadError if the store holds no such source."""
        batches = list(batches)
        for b in batches:
            validate_batch(b, self.ontology)
        with self._writer():
            if key not in self._read_sources():
                raise LoadError(f"the graph holds no source {key!r}; nothing was changed", where=str(self.folder),
                                hint="see `policykg sources` for the loaded sources")
            self._rebuild(batches, removed={key})

    def clear(self) -> None:
        """Remove all sources and rebuild an empty database."""
        with self._writer():
            self._rebuild([], removed_all=True)

    # --- reading -------------------------------------------------------------------------
    def read(self, cypher: str, params: dict[str, Any] | None = None, *, timeout_s: float = 30.0,
             max_rows: int | None = None) -> ReadResult:
        """Run ``cypher`` on a read-only connection; writes are refused by the database.
        LadybugDB interrupts the query after ``timeout_s``; with ``max_rows``, at most
        ``max_rows + 1`` rows are fetched (one more says that there were more)."""
        return _run_read(self._connection(), cypher, params, timeout_s, max_rows)

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
        """Digest of the sources the live database was built from."""
        return self._in_live(lambda live: versions.read_manifest(live)["digest"][:12])

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
        """The live version's database, opened read-only; reopened when ``current`` names
        another version than the open one (one readlink per call: the cheap check)."""
        for _ in range(3):
            live = self._live()
            with self._lock:
                if self._db is not None and self._db_stamp == live.name:
                    return self._db
                try:
                    db = ladybug.Database(str(live / DB_FILE), read_only=True)
                except RuntimeError as exc:
                    if versions.current_dir(self.folder) != live:
                        continue  # switched (and that version removed) meanwhile: resolve again
                    raise StoreUnavailableError(str(exc), where=str(live / DB_FILE)) from exc
                self._db, self._db_stamp = db, live.name
                return db
        raise StoreUnavailableError("the embedded database kept changing while it was being opened",
                                    where=str(self.folder), hint="try again when the loads have finished")

    def _live(self) -> Path:
        """The live version's folder; StoreUnavailableError if there is none."""
        live = versions.current_dir(self.folder)
        if live is None:
            raise StoreUnavailableError("no embedded database", where=str(self.folder / versions.CURRENT),
                                        hint="run `policykg load` first")
        return live

    def _in_live(self, read: Callable[[Path], Any]) -> Any:
        """``read(live version folder)``, resolved again if a switch removed that version
        while it was being read (a reader two loads behind; see embedded_versions)."""
        for _ in range(3):
            live = self._live()
            try:
                return read(live)
            except FileNotFoundError:
                if versions.current_dir(self.folder) == live:
                    raise
        return read(self._live())

    @contextmanager
    def _writer(self, *, wait: bool = True) -> Iterator[bool]:
        """Hold the store's write lock (flock on a 0600 file); yields False at once instead
        of waiting when ``wait`` is off and another process holds it."""
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _collect_garbage(self) -> None:
        """Remove what killed loads left (stale versions, temp folders), unless a writer
        is at work right now: it may be building a version, and cleans up after itself."""
        try:
            with self._writer(wait=False) as mine:
                if mine:
                    versions.collect_garbage(self.folder)
        except PermissionError:
            pass  # a store folder this user may read but not change

    def _read_sources(self) -> dict[str, Source]:
        def read(live: Path) -> dict[str, Source]:
            if not (live / "sources").is_dir():  # removed meanwhile: glob alone would say "none"
                raise FileNotFoundError(live / "sources")
            return read_sources(live / "sources")

        return self._in_live(read)

    def _rebuild(self, changed: list[Batch], removed_all: bool = False, removed: set[str] | None = None) -> None:
        """Build a new version: the live one's sources (hard links) with ``changed``
        replacing theirs, and a database built from them whose counts are checked; then
        make it live with one atomic switch and remove stale versions. The caller holds
        the write lock. Killed or failed anywhere before the switch, the live version is
        untouched and the half-made one is removed (now, or at the next start)."""
        live = versions.current_dir(self.folder)
        new = versions.new_version(self.folder)
        try:
            latest = {b.key: b for b in changed}  # a key given twice: the last batch wins
            root = new / "sources"
            root.mkdir(mode=0o700)
            sources = {}
            if live is not None and not removed_all:
                for key, src in read_sources(live / "sources").items():
                    if key not in latest and key not in (removed or ()):  # ``removed``: unloaded sources
                        sources[key] = link_source(src, root / src.folder.name)
            fault_point("after-link-sources")
            for key, b in latest.items():
                sources[key] = write_source(b, root / folder_name(key), self.ontology)
            fault_point("after-staging")
            ordered = [sources[k] for k in sorted(sources)]
            self._finish_version(new, live, ordered, build=True)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        self._publish(new)

    def _migrate(self) -> None:
        """Turn a store folder of the layout before versions (``sources/``, ``graph.lbug``
        and ``manifest.json`` at its top) into its first version, so an existing var/ keeps
        working. Files are hard-linked, not moved: until the switch the old layout stays
        whole, so a migration killed midway is simply done again at the next open. Only
        the sources the old manifest lists are taken (not an interrupted publish's
        ``*.old`` or half-published folders); if they do not match the manifest's digest,
        the database is rebuilt from them rather than trusted."""
        old_manifest = self.folder / versions.MANIFEST
        listed = set(json.loads(old_manifest.read_text("utf-8"))["sources"]) if old_manifest.exists() else None
        new = versions.new_version(self.folder)
        try:
            root = new / "sources"
            root.mkdir(mode=0o700)
            sources = {}
            if (self.folder / "sources").is_dir():
                for key, src in read_sources(self.folder / "sources").items():
                    if listed is None or key in listed:
                        sources[key] = link_source(src, root / src.folder.name)
            fault_point("after-link-sources")
            fault_point("after-staging")
            ordered = [sources[k] for k in sorted(sources)]
            same = (old_manifest.exists() and (self.folder / DB_FILE).exists()
                    and json.loads(old_manifest.read_text("utf-8"))["digest"] == _digest(ordered))
            if same:
                try:
                    os.link(self.folder / DB_FILE, new / DB_FILE)
                except OSError:
                    shutil.copy2(self.folder / DB_FILE, new / DB_FILE)
            self._finish_version(new, None, ordered, build=not same)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        self._publish(new)

    def _finish_version(self, new: Path, live: Path | None, ordered: list[Source], *, build: bool) -> None:
        """Build (if ``build``) the database of version ``new`` from ``ordered``, write its
        manifest and fsync it all: after this the version is complete, not yet live."""
        if build:
            work = new / "work"  # merged tables: needed only while building
            work.mkdir(mode=0o700)
            _build(new / DB_FILE, work, self.ontology, ordered)
            shutil.rmtree(work)
            (new / (DB_FILE + ".wal")).unlink(missing_ok=True)
        fault_point("after-build")
        versions.write_manifest(new, {"digest": _digest(ordered), "sources": [s.key for s in ordered],
                                      "version": new.name, "previous": live.name if live else None})
        versions.fsync_tree(new)
        fault_point("after-manifest")

    def _publish(self, new: Path) -> None:
        """Make the complete version ``new`` live, then remove stale versions."""
        versions.switch(self.folder, new)
        fault_point("after-switch")
        versions.collect_garbage(self.folder)
        fault_point("after-cleanup")


def _digest(ordered: list[Source]) -> str:
    """The data version of a build: a digest of its sources' keys and contents, in order."""
    return hashlib.sha256("".join(s.key + s.digest for s in ordered).encode()).hexdigest()


def _build(db_path: Path, tmp: Path, ont: Ontology, sources: list[Source]) -> None:
    """Create the schema, COPY every table from the sources, and check the counts."""
    db = ladybug.Database(str(db_path))
    conn = ladybug.Connection(db)
    try:
        for stmt in ladybug_ddl(ont):
            conn.execute(stmt)
        expected: dict[str, int] = {}
        stated_label, _ = stated(ont)
        for label, nt in ont.node_types.items():
            names = [p.name for p in nt.properties]
            owner_at = names.index(nt.owner) if nt.owner in names else None
            table = merged_table(f"n_{label}", sources, tmp / f"n_{label}.csv", (names.index(nt.key),), owner_at)
            if label == stated_label:  # each attribute from the latest source stating it (graph/sources.py)
                table = resolve_table(table, sources, tmp / f"n_{label}.resolved.csv", ont)
            expected[label] = table[1] if table else 0
            if table:
                _copy(conn, label, table[0])
        for rtype, rt in ont.rel_types.items():
            # a relationship naming its source (HOLDS) is one per source: two lists may state one holding
            names = [p.name for p in rt.properties]
            key_at = (0, 1, 2 + names.index(SOURCE_ID)) if owner_prop(rt.properties) else (0, 1)
            table = merged_table(f"r_{rtype}", sources, tmp / f"r_{rtype}.csv", key_at)
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
        # AUTO_DETECT off: the sniffer turned quoting off when its sample held no quote,
        # and a later quoted comma ("Pollutant discharge permit, key management") broke the copy
        conn.execute(f"COPY {table} FROM '{path}' (HEADER=true, PARALLEL=false, AUTO_DETECT=false)")
    except RuntimeError as exc:
        raise LoadError(f"bulk copy into {table} failed: {exc}".replace(str(path), table.lower() + ".csv"),
                        where=f"embedded store, table {table}") from exc


def _run_read(conn: ladybug.Connection, cypher: str, params: dict[str, Any] | None, timeout_s: float,
              max_rows: int | None = None) -> ReadResult:
    conn.set_query_timeout(max(1, int(timeout_s * 1000)))
    try:
        result = conn.execute(cypher, params or {})
        columns = result.get_column_names()
        if max_rows is None:
            raw_rows = result.get_all()
        else:
            raw_rows = []
            while len(raw_rows) <= max_rows and result.has_next():
                raw_rows.append(result.get_next())
            result.close()
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
