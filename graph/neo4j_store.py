"""The Neo4j store: the official driver, managed transactions, idempotent UNWIND/MERGE writes.

Writes run as functions under ``execute_write`` so the driver may retry them safely; a
batch is one transaction that first removes what its source owned, then merges. Reads
run under ``execute_read`` with a timeout, so a saved query can never change data.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import groupby, islice
from operator import itemgetter
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, IncompleteCommit, Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.graph import Node, Path, Relationship

from graph.records import Batch, Table, consecutive
from graph.schema import neo4j_schema
from graph.sources import SOURCE_ID, STATES, neo4j_resolve, neo4j_stated_by, owner_prop
from graph.store import Counts, GraphNode, GraphRel, Reader, ReadResult, make_node, plain
from graph.validate import validate_batch
from ontology import NodeType, Ontology
from policykg.errors import LoadError, StoreError, StoreUnavailableError
from policykg.settings import Settings

CHUNK = 5000
INDEX_WAIT_S = 300
REPLAN_ROWS = 10_000  # rows written at once after which index statistics are refreshed
NEST_MAX = 100  # relationships per node at most, to be written nested in its node's row (_nestable)
log = logging.getLogger(__name__)


# The driver's ways of saying the server went away (stopped, crashed, network gone).
LOST = (ServiceUnavailable, SessionExpired)


def lost_connection(exc: Exception, uri: str, *, writing: bool = False) -> StoreUnavailableError:
    """One line for a connection lost mid-work, instead of the driver's traceback: whether
    anything was written (a load is one transaction, so nothing, unless the commit itself
    was cut off) and what to do."""
    if isinstance(exc, IncompleteCommit):
        return StoreUnavailableError(
            "lost the connection to Neo4j while committing: the load may or may not have been stored",
            where=uri, hint="check `policykg neo4j status`, then run the load again (loads are idempotent)")
    return StoreUnavailableError("lost the connection to Neo4j" + ("; nothing was written" if writing else ""),
                                 where=uri, hint="is the server running? `policykg neo4j status`, then run it again")


def resolve_neo4j(settings: Settings) -> tuple[str, str, str, str | None]:
    """URI and credentials: ``NEO4J_*`` settings if given, else the project-managed server."""
    if settings.neo4j_uri:
        if not settings.neo4j_password:
            raise StoreUnavailableError("NEO4J_URI is set but NEO4J_PASSWORD is not", where="environment")
        return settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database
    info_file = settings.neo4j_home / "server.json"
    if not info_file.exists():
        raise StoreUnavailableError(
            "no Neo4j server configured", where=str(info_file),
            hint="run `policykg neo4j start`, or set NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD",
        )
    info = json.loads(info_file.read_text("utf-8"))
    password = (settings.neo4j_home / "password").read_text("utf-8").strip()
    return info["uri"], info.get("user", "neo4j"), password, settings.neo4j_database


class Neo4jStore:
    """GraphStore on a Neo4j server (single instance or cluster URI)."""

    backend = "neo4j"
    streams = True

    def __init__(self, uri: str, user: str, password: str, ontology: Ontology, *, database: str | None = None) -> None:
        self.uri = uri
        self.ontology = ontology
        self.database = database
        try:
            # Notifications (e.g. "property key does not exist" for a property no node has
            # yet) are advice for query authors, not errors; keep them out of users' logs.
            self.driver = GraphDatabase.driver(uri, auth=(user, password), notifications_min_severity="OFF")
            self.driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            raise StoreUnavailableError(f"cannot reach Neo4j: {' '.join(str(exc).split())}", where=uri,
                                        hint="is the server running? `policykg neo4j status`") from exc
        except AuthError as exc:
            raise StoreUnavailableError("Neo4j refused the credentials", where=uri) from exc

    def _session(self, access: str = neo4j.WRITE_ACCESS) -> neo4j.Session:
        return self.driver.session(database=self.database, default_access_mode=access)

    def apply_schema(self) -> None:
        """Create uniqueness constraints and indexes generated from the ontology (idempotent).
        Writes call it once per store object: without the index on a new label's key,
        every relationship MATCH would scan the label."""
        with self._errors(), self._session() as s:
            for stmt in neo4j_schema(self.ontology):
                s.run(stmt).consume()
            # New indexes populate in the background and the planner ignores them until
            # they are online: a write planned meanwhile scans whole labels (minutes, not seconds).
            s.run("CALL db.awaitIndexes($s)", s=INDEX_WAIT_S).consume()
        self._schema_applied = True

    def write(self, batch: Batch) -> None:
        """Apply one batch (see ``write_many``)."""
        self.write_many([batch])

    def write_many(self, batches: Iterable[Batch]) -> None:
        """All batches in one managed write transaction: delete owned nodes, then MERGE."""
        batches = list(batches)
        self._checked_write("write", _write_tx, batches)
        self._replan_after(sum(sum(b.size) for b in batches))

    def _checked_write(self, what: str, tx_fn: Callable[..., None], batches: list[Batch], *args: Any) -> None:
        """Check ``batches`` against the ontology, then run ``tx_fn(tx, *args, batches,
        ontology)`` as one managed write transaction; a refusal or a lost connection is one
        StoreError that says nothing was changed."""
        for b in batches:
            validate_batch(b, self.ontology)
        if not getattr(self, "_schema_applied", False):
            self.apply_schema()
        try:
            with self._session() as s:
                s.execute_write(tx_fn, *args, batches, self.ontology)
        except Neo4jError as exc:
            raise StoreError(f"{what} failed, nothing was changed: {exc.message}", where=self.uri) from exc
        except LOST as exc:
            raise lost_connection(exc, self.uri, writing=True) from exc

    def _replan_after(self, rows: int) -> None:
        """After a bulk write, refresh index statistics and drop cached plans.

        Plans are cached with the statistics of the moment: planned right after a bulk
        load, before Neo4j resampled its indexes, an enterprise's eligibility ran at a p50
        of 38-43 ms instead of 10-14 ms (2 runs in 3, until the next replan).
        ``db.prepareForReplanning`` resamples and clears the caches (~0.1 s for 10^5 nodes).
        The data is committed by then, so a user not allowed to call it only loses speed.
        """
        if rows < REPLAN_ROWS:
            return
        try:
            with self._session() as s:
                s.run("CALL db.prepareForReplanning()").consume()
        except Neo4jError as exc:
            log.warning("could not refresh Neo4j's statistics after a bulk write: %s", exc.message)
        except LOST as exc:  # the write is committed; the next command will say if the server is gone
            log.warning("could not refresh Neo4j's statistics after a bulk write: %s", exc)

    def write_stream(self, batches: Iterable[Batch], *, timeout_s: float = 600.0) -> None:
        """All parts in one explicit write transaction, each written as it arrives.

        The parts of a source the graph does not hold yet go straight in (created, nothing
        to replace), so the server works while the caller is still reading its file; the
        parts of a source it holds are gathered and written as one batch, since replacing
        needs the whole source. The transaction commits when the iterator ends and rolls
        back if it raises. Unlike ``write_many`` it is not retried on a transient error
        (the parts cannot be replayed): the error is raised and nothing is written.
        """
        if not getattr(self, "_schema_applied", False):
            self.apply_schema()
        try:
            with self._session() as s, s.begin_transaction(timeout=timeout_s) as tx:
                held: list[Batch] = []  # the parts of a source the graph holds
                current: str | None = None
                written = 0
                for part in _checked(batches, self.ontology):
                    written += sum(part.size)
                    if part.key != current:
                        if held:
                            _write_tx(tx, [Batch.concat(held)], self.ontology)
                            held = []
                        current = part.key
                        if _holds_source(tx, part.key, self.ontology):  # a re-load: diff the whole source
                            held = [part]
                            continue
                    if held:
                        held.append(part)
                    else:  # the next part is pulled only once this one is written
                        _write_tx(tx, [part], self.ontology, fresh=True)
                if held:
                    _write_tx(tx, [Batch.concat(held)], self.ontology)
                tx.commit()
        except Neo4jError as exc:
            raise StoreError(f"write failed, nothing was changed: {exc.message}", where=self.uri) from exc
        except LOST as exc:
            raise lost_connection(exc, self.uri, writing=True) from exc
        self._replan_after(written)

    def unload(self, key: str, batches: Iterable[Batch] = ()) -> None:
        """Remove what source ``key`` owns, and the bureaus no other source mentions, and
        write ``batches`` (e.g. re-derived links), in one transaction; LoadError if the
        graph holds nothing of ``key``."""
        self._checked_write("unload", _unload_tx, list(batches), key)

    def read(self, cypher: str, params: dict[str, Any] | None = None, *, timeout_s: float = 30.0,
             max_rows: int | None = None) -> ReadResult:
        """Run ``cypher`` in a READ transaction (READ-mode session, ``execute_read``: the
        server refuses writes) that the server ends after ``timeout_s``; retried by the
        driver. With ``max_rows``, at most ``max_rows + 1`` rows are fetched and the rest
        is discarded on the server (one more says that there were more)."""
        @neo4j.unit_of_work(timeout=timeout_s)
        def work(tx: neo4j.ManagedTransaction) -> ReadResult:
            return _run_read(tx, cypher, params, max_rows)

        with self._errors():
            with self._session(neo4j.READ_ACCESS) as s:
                return s.execute_read(work)

    @contextmanager
    def snapshot(self, *, timeout_s: float = 30.0) -> Iterator[Reader]:
        """Reads in one READ-mode transaction, rolled back at the end (it never writes)."""
        with self._errors():
            with self._session(neo4j.READ_ACCESS) as s:
                with s.begin_transaction(timeout=timeout_s) as tx:
                    def read(cypher: str, params: dict[str, Any] | None = None) -> ReadResult:
                        with self._errors():
                            return _run_read(tx, cypher, params)

                    yield read
                    tx.rollback()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors as the store's errors, so callers need not know the backend."""
        try:
            yield
        except Neo4jError as exc:
            raise StoreError(exc.message or str(exc), where="neo4j") from exc
        except LOST as exc:
            raise lost_connection(exc, self.uri) from exc

    def counts(self) -> Counts:
        """Counts per label and type (labels and types from the ontology)."""
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
        """Changes whenever counts change (Neo4j has no cheap content digest)."""
        c = self.counts()
        return "n" + "-".join(str(v) for v in [*c.nodes.values(), *c.rels.values()])

    def clear(self) -> None:
        """Delete every node and relationship of the ontology's labels, in chunks."""
        with self._errors(), self._session() as s:
            for lbl in self.ontology.node_types:
                while True:
                    deleted = s.execute_write(
                        lambda tx, lbl=lbl: tx.run(
                            f"MATCH (n:{lbl}) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c"
                        ).single()["c"]
                    )
                    if not deleted:
                        break

    def close(self) -> None:
        """Close the driver."""
        self.driver.close()


def _checked(batches: Iterable[Batch], ont: Ontology) -> Iterator[Batch]:
    """The batches, each checked; a source's later parts may name nodes of its earlier ones."""
    key, seen = None, defaultdict(set)
    for b in consecutive(batches):
        if b.key != key:
            key, seen = b.key, defaultdict(set)
        for label, ids in validate_batch(b, ont, earlier=seen).items():
            seen[label] |= ids
        yield b


def _unload_tx(tx: neo4j.ManagedTransaction, key: str, batches: list[Batch], ont: Ontology) -> None:
    """Unit of work of ``Neo4jStore.unload``: an empty batch for ``key`` strips what it owned.
    Bureaus enter the graph only with the documents that mention them, so one left without
    any relationship was mentioned by ``key`` alone (the embedded store drops it with the
    source: both backends keep the same nodes)."""
    if not _holds_source(tx, key, ont):
        raise LoadError(f"the graph holds no source {key!r}; nothing was changed", where="neo4j",
                        hint="see `policykg sources` for the loaded sources")
    _write_tx(tx, [Batch(key, (), ()), *batches], ont)
    tx.run("MATCH (b:Bureau) WHERE NOT (b)--() DELETE b").consume()


def _holds_source(tx: neo4j.Transaction, key: str, ont: Ontology) -> bool:
    """Whether the graph holds any node that source ``key`` owns."""
    return bool(_owned_places(tx, [key], ont))


def _owned_places(tx: neo4j.ManagedTransaction | neo4j.Transaction, keys: list[str],
                  ont: Ontology) -> set[tuple[str, str]]:
    """The (label, property) pairs under which the graph holds nodes that ``keys`` own
    (their key or owner property names one of ``keys``), asked in one statement.

    One statement, not one per pair: the store clears Neo4j's plan cache after every bulk
    write (see ``_replan_after``), and planning the ~15 small probes again made the next
    load ~1 s slower (0.4 s per source it checked); a single UNION is planned once.
    """
    branches = [f"MATCH (n:{nt.label}) WHERE n.{prop} IN $keys RETURN '{nt.label}' AS label, '{prop}' AS prop LIMIT 1"
                for nt in sorted(ont.node_types.values(), key=lambda n: n.label) for prop in _owning_props(nt)]
    return {(rec["label"], rec["prop"]) for rec in tx.run(" UNION ALL ".join(branches), keys=keys)}


def _owning_props(nt: NodeType) -> tuple[str, ...]:
    """The properties that can name a node's source: its key (a source's own node) and
    its owner property, if the label has one."""
    return (nt.key, nt.owner) if nt.owner else (nt.key,)


def _write_tx(tx: neo4j.ManagedTransaction | neo4j.Transaction, batches: list[Batch], ont: Ontology, *,
              fresh: bool = False) -> None:
    """Idempotent unit of work (safe to retry) that makes the store hold exactly the batches.

    Owned nodes (a batch's own node and those whose owner property names it) that the
    batches no longer contain are deleted; the others are kept and their properties
    replaced, so a re-run does not delete and re-create 10^5 indexed nodes in one
    transaction (Neo4j's index lookups over that much transaction state took minutes).
    Relationships touching owned nodes are removed and created again; shared nodes
    (bureaus, concepts) and the relationships between them are merged.

    Owned rows travel as lists with the properties written inline (cheaper to send and
    to run than a map per row); each owned node is written together with the
    relationships that start from it, in one statement (one lookup of the node, not one
    per relationship). Shared rows travel as maps without NULLs, so that one source's
    missing value never erases another's.

    ``fresh``: the graph holds nothing the batches own (the caller checked), so nothing
    is looked for to replace; the second and later parts of a new source go this way.
    """
    keys = [b.key for b in batches]
    # the enterprises the sources stated before this write: their attributes are resolved again after it
    restate = set() if fresh else set(tx.run(neo4j_stated_by(ont), keys=keys).single()["ids"])
    owned_nodes: list[tuple[Table, list[tuple[Any, ...]]]] = []
    owned_rels: list[tuple[Table, list[tuple[Any, ...]]]] = []
    shared_nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    shared_rels: dict[str, list[dict[str, Any]]] = defaultdict(list)
    owned_ids: dict[str, list[str]] = defaultdict(list)
    for b in batches:
        owned: set[str] = set()
        for t in b.node_tables:
            nt = ont.node_types[t.name]
            owner_at = t.columns.index(nt.owner) + 1 if nt.owner in t.columns else None
            if owner_at is not None and set(map(itemgetter(owner_at), t.rows)) == {b.key}:
                mine = t.rows  # a register: every row is the source's own
            else:
                mine = [r for r in t.rows if r[0] == b.key or (owner_at is not None and r[owner_at] == b.key)]
            if mine:
                owned_nodes.append((t, _sendable(t, mine, 1, ont)))
                owned.update(r[0] for r in mine)
                owned_ids[t.name].extend(r[0] for r in mine)
            if len(mine) < len(t.rows):
                ids = {r[0] for r in mine}
                shared_nodes[t.name].extend({"id": r[0], "props": _props(t.columns, r[1:])}
                                            for r in t.rows if r[0] not in ids)
        for t in b.rel_tables:
            starts = set(map(itemgetter(0), t.rows))
            # a relationship is the source's own if it touches a node the source owns, or names the source
            by = t.columns.index(SOURCE_ID) + 2 if SOURCE_ID in t.columns else None
            if owned.issuperset(starts) or (by is not None and set(map(itemgetter(by), t.rows)) == {b.key}):
                mine = t.rows
            else:
                mine = [r for r in t.rows if r[0] in owned or r[1] in owned or (by is not None and r[by] == b.key)]
            if t.name == STATES:
                restate.update(map(itemgetter(1), t.rows))
            if mine:
                owned_rels.append((t, _sendable(t, mine, 2, ont)))
            if len(mine) < len(t.rows):
                taken = set(map(id, mine))  # the row objects themselves: a row is mine or shared
                shared_rels[t.name].extend({"start": r[0], "end": r[1], "props": _props(t.columns, r[2:])}
                                           for r in t.rows if id(r) not in taken)
    all_owned = {i for ids in owned_ids.values() for i in ids}
    nests = [_nestable(t, rows, owned_rels, all_owned, ont) for t, rows in owned_nodes]
    per_label = Counter(t.name for t, _ in owned_nodes)
    # a label's nested edges are diffed in place on a re-load (unchanged ones are not
    # rewritten: deleting and re-creating 300k edges made the commit 15 s), so the strip
    # spares them; only when one table holds the label's owned nodes, else all are stripped
    spare = {t.name: {n[0].name} for (t, _), n in zip(owned_nodes, nests, strict=True)
             if n is not None and per_label[t.name] == 1}
    places = set() if fresh else _owned_places(tx, keys, ont)
    reused = {nt.label for nt in ont.node_types.values()
              if _strip_owned(tx, nt, keys, owned_ids[nt.label], sorted(spare.get(nt.label, ())), places)}
    if not fresh:  # the relationships that name a source of this write (graph/sources.py)
        for rt in ont.rel_types.values():
            if owner_prop(rt.properties):
                while tx.run(f"MATCH ()-[r:{rt.type}]->() WHERE r.{SOURCE_ID} IN $keys WITH r LIMIT 50000 "
                             "DELETE r RETURN count(*) AS c", keys=keys).single()["c"]:
                    pass
    for lbl, rows in shared_nodes.items():
        # a node that a batch of this write owns is written as owned: merged first from another
        # batch's mention of it (a link's end), its CREATE below would break the key constraint
        mine = set(owned_ids[lbl])
        _run_chunks(tx, f"UNWIND $rows AS row MERGE (n:{lbl} {{{ont.node_type(lbl).key}: row.id}}) "
                        "SET n += row.props", [r for r in rows if r["id"] not in mine] if mine else rows)
    for (t, rows), nested in zip(owned_nodes, nests, strict=True):
        key = ont.node_type(t.name).key
        props = _inline(((key, 0), *((c, i + 1) for i, c in enumerate(t.columns) if c != key)),
                        dates=_dates(ont, t.name))
        if t.name in reused:  # kept nodes: props replaced whole (unchanged values cost nothing)
            upsert = f"UNWIND $rows AS row MERGE (n:{t.name} {{{key}: row[0]}}) SET n = {props}"
        else:
            upsert = f"UNWIND $rows AS row CREATE (n:{t.name} {props})"
        if nested is None:
            _run_chunks(tx, upsert, rows)
            continue
        rt_table, by_start = nested
        rt = ont.rel_types[rt_table.name]
        ek, at = ont.node_type(rt.end).key, len(t.columns) + 1
        rel_props = _inline(_positions(rt_table.columns, 2), "r", _dates(ont, rt.type))
        if t.name in reused:
            edges = (f"WITH n, row OPTIONAL MATCH (n)-[old:{rt.type}]->(x:{rt.end}) "
                     f"WHERE NOT x.{ek} IN [r IN row[{at}] | r[1]] "
                     "WITH n, row, collect(old) AS stale FOREACH (o IN stale | DELETE o) "
                     f"WITH n, row UNWIND row[{at}] AS r MATCH (b:{rt.end} {{{ek}: r[1]}}) "
                     f"MERGE (n)-[e:{rt.type}]->(b) SET e = {rel_props}")
        else:
            edges = (f"WITH n, row UNWIND row[{at}] AS r MATCH (b:{rt.end} {{{ek}: r[1]}}) "
                     f"CREATE (n)-[:{rt.type} {rel_props}]->(b)")
        _run_chunks(tx, f"{upsert} {edges}", [(*row, by_start.get(row[0], [])) for row in rows], chunk=CHUNK // 2)
    for t, rows in owned_rels:
        rt = ont.rel_types[t.name]
        sk, ek = ont.node_type(rt.start).key, ont.node_type(rt.end).key
        rel_props = _inline(_positions(t.columns, 2), dates=_dates(ont, rt.type))
        _run_chunks(tx, f"UNWIND $rows AS row MATCH (a:{rt.start} {{{sk}: row[0]}}) "
                        f"MATCH (b:{rt.end} {{{ek}: row[1]}}) CREATE (a)-[:{rt.type} {rel_props}]->(b)", rows)
    for rtype, rows in shared_rels.items():
        rt = ont.rel_types[rtype]
        sk, ek = ont.node_type(rt.start).key, ont.node_type(rt.end).key
        _run_chunks(tx, f"UNWIND $rows AS row MATCH (a:{rt.start} {{{sk}: row.start}}) "
                        f"MATCH (b:{rt.end} {{{ek}: row.end}}) MERGE (a)-[r:{rtype}]->(b) SET r += row.props", rows)
    if restate:  # attributes from the latest source that states them; enterprises no source states go
        resolve, orphans = neo4j_resolve(ont)
        ids = sorted(restate)
        _run_chunks(tx, resolve.replace("$ids", "$rows"), ids)
        _run_chunks(tx, orphans.replace("$ids", "$rows"), ids)


def _nestable(nodes: Table, rows: list[tuple[Any, ...]], owned_rels: list[tuple[Table, list[tuple[Any, ...]]]],
              owned: set[str], ont: Ontology) -> tuple[Table, dict[str, list[Any]]] | None:
    """The first owned relationship table whose rows all start at ``rows``' nodes and end
    at shared nodes (merged before any owned node is written), taken out of
    ``owned_rels`` and grouped by start id, to be created with its nodes."""
    ids = {r[0] for r in rows}
    for i, (t, rels) in enumerate(owned_rels):
        if ont.rel_types[t.name].start == nodes.name and ids.issuperset(map(itemgetter(0), rels)) and \
                owned.isdisjoint(map(itemgetter(1), rels)) and len(rels) <= NEST_MAX * len(ids):
            # sorted, then grouped: C-level work instead of 10^5 appends (rows keep their start id)
            by_start = {start: list(group) for start, group in groupby(sorted(rels, key=itemgetter(0)), itemgetter(0))}
            del owned_rels[i]
            return t, by_start
    return None


def _positions(columns: tuple[str, ...], first: int) -> tuple[tuple[str, int], ...]:
    return tuple((c, i + first) for i, c in enumerate(columns))


def _inline(props: tuple[tuple[str, int], ...], row: str = "row", dates: set[str] | None = None) -> str:
    """A Cypher map of list positions, ``{`name`: row[1], `since`: date(row[2])}``; names
    are ontology properties (checked by validate_batch), quoted all the same; dates
    arrive as ISO text (see ``_sendable``). NULLs are not stored."""
    dates = dates or set()
    return "{" + ", ".join(f"`{name}`: date({row}[{i}])" if name in dates else f"`{name}`: {row}[{i}]"
                           for name, i in props) + "}"


def _dates(ont: Ontology, name: str) -> set[str]:
    """Names of the date properties of a node label or relationship type."""
    spec = ont.node_types.get(name) or ont.rel_types[name]
    return {p.name for p in spec.properties if p.datatype == "date"}


def _sendable(t: Table, rows: list[tuple[Any, ...]], keys: int, ont: Ontology) -> list[tuple[Any, ...]]:
    """Rows with their dates as ISO text. The driver turns each date into a Bolt structure
    in Python (about 3 s for the 700,000 dates of a 100k-enterprise register); Cypher's
    date() reads the text on the server for next to nothing. Done column-wise: a
    register's dates repeat, so each distinct date is formatted once."""
    dates = _dates(ont, t.name)
    at = {keys + i for i, c in enumerate(t.columns) if c in dates}
    if not at or not rows:
        return rows
    columns = [list(map(itemgetter(k), rows)) for k in range(len(rows[0]))]
    for k in at:
        iso = {d: d.isoformat() for d in set(columns[k]) if d is not None} | {None: None}
        columns[k] = list(map(iso.__getitem__, columns[k]))
    return list(zip(*columns, strict=True))


def _props(columns: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    return {c: v for c, v in zip(columns, values, strict=True) if v is not None}


def _run_chunks(tx: neo4j.ManagedTransaction, cypher: str, rows: list[Any], chunk: int = CHUNK) -> None:
    for i in range(0, len(rows), chunk):
        tx.run(cypher, rows=rows[i:i + chunk]).consume()


def _run_read(tx: neo4j.ManagedTransaction | neo4j.Transaction, cypher: str,
              params: dict[str, Any] | None, max_rows: int | None = None) -> ReadResult:
    res = tx.run(cypher, params or {})
    columns, raw = list(res.keys()), [list(rec.values()) for rec in islice(res, None if max_rows is None
                                                                            else max_rows + 1)]
    res.consume()  # DISCARD the rest on the server (a later run in this transaction would buffer it)

    def lookup(element_ids: set[str]) -> dict[str, str]:
        found = tx.run("MATCH (n) WHERE elementId(n) IN $ids RETURN elementId(n) AS e, n.id AS id",
                       ids=list(element_ids))
        return {rec["e"]: rec["id"] for rec in found}

    return _convert(columns, raw, lookup)


def _strip_owned(tx: neo4j.ManagedTransaction, nt: NodeType, keys: list[str], keep: list[str],
                 spare: list[str], places: set[tuple[str, str]]) -> bool:
    """Delete the stored nodes of label ``nt`` that ``keys`` own and ``keep`` does not list,
    and every relationship of the owned nodes that stay except their outgoing ones of the
    ``spare`` types (diffed by the caller); True if any owned node stays. ``places``: where
    owned nodes were found (``_owned_places``); the other properties are not searched."""
    props = [p for p in _owning_props(nt) if (nt.label, p) in places]
    stays = False
    for cond in (f"n.{p} IN $keys" for p in props):  # one condition per statement, so each can use its index
        while tx.run(f"MATCH (n:{nt.label}) WHERE {cond} AND NOT n.{nt.key} IN $keep WITH n LIMIT 20000 "
                     "DETACH DELETE n RETURN count(*) AS c", keys=keys, keep=keep).single()["c"]:
            pass
        while tx.run(f"MATCH (n:{nt.label})-[r]-() WHERE {cond} "
                     "AND NOT (type(r) IN $spare AND startNode(r) = n) WITH DISTINCT r LIMIT 50000 "
                     "DELETE r RETURN count(*) AS c", keys=keys, spare=spare).single()["c"]:
            pass
        stays = stays or tx.run(f"MATCH (n:{nt.label}) WHERE {cond} RETURN count(n) > 0 AS any",
                                keys=keys).single()["any"]
    return stays


def _convert(columns: list[str], raw_rows: list[list[Any]],
             lookup: Callable[[set[str]], dict[str, str]]) -> ReadResult:
    """Turn driver values into plain rows plus de-duplicated graph elements."""
    nodes: dict[str, GraphNode] = {}
    rels: dict[tuple[str, str, str], GraphRel] = {}
    known: dict[str, str] = {}  # element id -> stable id
    bare: set[str] = set()

    def scan(v: Any) -> None:
        if isinstance(v, Node):
            known[v.element_id] = str(v.get("id"))
        elif isinstance(v, Relationship):
            for n in (v.start_node, v.end_node):
                if n is not None and "id" in n:
                    known[n.element_id] = str(n["id"])
                elif n is not None:
                    bare.add(n.element_id)
        elif isinstance(v, Path):
            for x in [*v.nodes, *v.relationships]:
                scan(x)
        elif isinstance(v, dict):
            for x in v.values():
                scan(x)
        elif isinstance(v, list):
            for x in v:
                scan(x)

    for row in raw_rows:
        for v in row:
            scan(v)
    missing = bare - known.keys()
    if missing:
        known.update(lookup(missing))

    def node(n: Node) -> dict[str, Any]:
        label = sorted(n.labels)[0] if n.labels else ""
        g = make_node(label, dict(n.items()))
        nodes[g.id + "|" + g.label] = g
        return g.as_dict()

    def rel(r: Relationship) -> dict[str, Any]:
        start = known.get(r.start_node.element_id, "") if r.start_node is not None else ""
        end = known.get(r.end_node.element_id, "") if r.end_node is not None else ""
        g = GraphRel(r.type, start, end, {k: plain(v) for k, v in r.items()})
        rels[(g.type, g.start, g.end)] = g
        return g.as_dict()

    def conv(v: Any) -> Any:
        if isinstance(v, Node):
            return node(v)
        if isinstance(v, Relationship):
            return rel(v)
        if isinstance(v, Path):
            return {"nodes": [node(n) for n in v.nodes], "rels": [rel(r) for r in v.relationships]}
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return plain(v)

    rows = [[conv(v) for v in row] for row in raw_rows]
    return ReadResult(columns, rows, list(nodes.values()), list(rels.values()))
