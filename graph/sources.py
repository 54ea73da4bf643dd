"""Sources of enterprise data, and how the stores resolve what several sources say.

An Enterprise is shared, identified by its USCC. A source (a register extract, a published
list, a metrics file) is a ``Source`` node whose id is the batch key, so the source owns it
(graph/records.py): it goes with the source on a re-load or an unload, and so do the
relationships touching it. What a source says of an enterprise is a ``STATES`` relationship
from its Source node, carrying the attributes as the source wrote them and the source's
date (``as_of``). A relationship that does not touch the Source node but belongs to the
source (a ``HOLDS`` edge a list adds) names it in ``source_id``: re-loading replaces exactly
those, unloading removes them, and two sources stating the same holding are two edges.

Resolution happens at write time: after every write, the stores set each stated attribute
of an Enterprise node to the value of the latest-dated source that states one (ties: the
greater source id). Why not at read time: every reader (eligibility, search, saved queries,
the claim graph, RDF) then keeps reading ``e.name``, ``e.district`` on both backends, and
loads are rare while reads are many. ``STATES`` keeps every source's own value, which is
what ``policykg enterprise USCC --sources`` and the web page show.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ontology import Ontology

if TYPE_CHECKING:
    from graph.embedded_sources import Source as StoredSource
    from graph.store import GraphStore

SOURCE = "Source"
STATES = "STATES"
SOURCE_ID = "source_id"  # the property by which a relationship names the source that states it
KINDS = ("document", "register", "recognitions", "metrics")


def owner_prop(props: tuple[Any, ...] | list[Any]) -> str | None:
    """``source_id`` if a relationship type (its ontology properties) can name its source."""
    return SOURCE_ID if any(p.name == SOURCE_ID for p in props) else None


def stated(ont: Ontology) -> tuple[str, tuple[str, ...]]:
    """The label that sources state things of (STATES' end: Enterprise) and the attributes
    they state (STATES properties the label also has)."""
    rt = ont.rel_types[STATES]
    own = {p.name for p in ont.node_types[rt.end].properties}
    return rt.end, tuple(p.name for p in rt.properties if p.name in own)


# --- embedded: the resolved node table -----------------------------------------------------------
def resolve_table(merged: tuple[Path, int] | None, sources: list[StoredSource], out: Path,
                  ont: Ontology) -> tuple[Path, int] | None:
    """The stated label's CSV (``merged``: its rows from every source) with each stated
    attribute of a stated node set to the latest-dated source's value (empty when no
    source states one); nodes no source states keep their own row. None if no rows."""
    having = [s for s in sources if s.table(f"r_{STATES}")]
    if merged is None or not having:
        return merged
    _, attrs = stated(ont)
    stmt_cols = ["from", "to", *(p.name for p in ont.rel_types[STATES].properties)]
    as_of_at = stmt_cols.index("as_of")
    picks = [stmt_cols.index(a) for a in attrs]
    tables = []
    for s in having:
        with open(s.table(f"r_{STATES}"), newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            rows = list(reader)
        tables.append((rows[0][as_of_at] if rows else "", s.key, rows))
    best: dict[str, list[str]] = {}
    for _, _, rows in sorted(tables, key=lambda t: (t[0], t[1])):  # earliest first: later ones overwrite
        for row in rows:
            values = [row[i] for i in picks]
            known = best.get(row[1])
            if known is None:
                best[row[1]] = values
            else:
                best[row[1]] = [v if v != "" else k for v, k in zip(values, known, strict=True)]
    with open(merged[0], newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    key_at = header.index(ont.node_types[stated(ont)[0]].key)
    at = [header.index(a) for a in attrs]
    for row in rows:
        values = best.get(row[key_at])
        if values is not None:
            for i, v in zip(at, values, strict=True):
                row[i] = v
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return out, len(rows)


# --- Neo4j: resolve the nodes a write touched ---------------------------------------------------
def neo4j_resolve(ont: Ontology) -> tuple[str, str]:
    """Two Cypher statements over ``$ids``: the first sets each stated attribute of those
    stated nodes from their STATES relationships, latest ``as_of`` first (ties: greater
    source id; no date sorts first, as in the embedded store); the second deletes those
    left without any relationship (no source states them any more)."""
    label, attrs = stated(ont)
    key = ont.node_types[label].key
    sets = ", ".join(f"e.`{a}` = head([x IN ss WHERE x.`{a}` IS NOT NULL | x.`{a}`])" for a in attrs)
    resolve = (f"UNWIND $ids AS id MATCH (e:{label} {{{key}: id}})<-[s:{STATES}]-(:{SOURCE}) "
               f"WITH e, s ORDER BY coalesce(s.as_of, date('0001-01-01')) DESC, s.{SOURCE_ID} DESC "
               f"WITH e, collect(s) AS ss SET {sets}")
    orphans = f"UNWIND $ids AS id MATCH (e:{label} {{{key}: id}}) WHERE NOT (e)--() DELETE e"
    return resolve, orphans


def neo4j_stated_by(ont: Ontology) -> str:
    """Cypher (``$keys``): ids of the nodes the sources ``$keys`` state now."""
    label, _ = stated(ont)
    key = ont.node_types[label].key
    return (f"MATCH (s:{SOURCE})-[:{STATES}]->(e:{label}) WHERE s.id IN $keys "
            f"RETURN collect(DISTINCT e.{key}) AS ids")


# --- reading: sources, and one enterprise's facts by source --------------------------------------
_SOURCES = f"""
MATCH (s:{SOURCE})
RETURN s.id AS id, s.source_kind AS kind, s.file AS file, s.rows AS rows, s.loaded_at AS loaded_at,
       s.sha256 AS sha256, s.as_of AS as_of, s.districts AS districts
ORDER BY id
"""
_DOCUMENTS = """
MATCH (d:PolicyDocument)
OPTIONAL MATCH (d)-[:HAS_CHAPTER]->(:Chapter)-[:HAS_ARTICLE]->(a:Article)
RETURN d.id AS id, d.source AS file, count(a) AS rows, d.sha256 AS sha256
ORDER BY id
"""
_STATEMENTS = f"""
MATCH (s:{SOURCE})-[x:{STATES}]->(e:Enterprise)
WHERE e.id = $uscc
RETURN s.id AS source, s.source_kind AS kind, s.file AS file, x AS statement
ORDER BY x.as_of, source
"""
_HOLDINGS = """
MATCH (e:Enterprise)-[h:HOLDS]->(q:Qualification)
WHERE e.id = $uscc
RETURN q.name AS qualification, h.level AS level, h.since AS since, h.until AS until, h.source_id AS source,
       h.certificate AS certificate
ORDER BY qualification, since, source
"""
_REGISTERS = f"""
MATCH (s:{SOURCE})
WHERE s.source_kind = 'register'
RETURN s.id AS id, s.file AS file, s.as_of AS as_of, s.districts AS districts
"""


def list_sources(store: GraphStore) -> list[dict[str, Any]]:
    """Every loaded source as DESIGN.md's ``policykg sources`` contract: id, kind, file,
    rows, loaded_at, sha256 (documents: rows are articles; their load time is not kept)."""
    out = []
    for r in store.read(_SOURCES).records():
        out.append({"id": r["id"], "kind": r["kind"], "file": r["file"], "rows": r["rows"],
                    "loaded_at": r["loaded_at"], "sha256": r["sha256"],
                    "as_of": r["as_of"].isoformat() if r["as_of"] else None})
    for r in store.read(_DOCUMENTS).records():
        out.append({"id": r["id"], "kind": "document", "file": r["file"], "rows": r["rows"], "loaded_at": None,
                    "sha256": r["sha256"], "as_of": None})
    return sorted(out, key=lambda s: (KINDS.index(s["kind"]) if s["kind"] in KINDS else 9, s["id"]))


def find_source(store: GraphStore, text: str) -> dict[str, Any] | None:
    """The source named by ``text``: its id, its file name, or its file's stem; None if
    none; LookupError naming them if several sources have that name."""
    every = list_sources(store)
    exact = [s for s in every if s["id"] == text]
    if exact:
        return exact[0]
    named = [s for s in every if s["file"] and Path(text).name in (s["file"], Path(s["file"]).stem)]
    if len(named) > 1:
        raise LookupError(", ".join(s["id"] for s in named))
    return named[0] if named else None


@dataclass
class EnterpriseSources:
    """One enterprise's facts by source: each source's statement, the attributes on which
    sources disagree (with who says what and which wins), the holdings with their source,
    and whether the latest register of its district leaves it out."""

    uscc: str
    resolved: dict[str, Any]
    statements: list[dict[str, Any]] = field(default_factory=list)
    conflicts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    holdings: list[dict[str, Any]] = field(default_factory=list)
    missing_from: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO text)."""
        return _iso({"uscc": self.uscc, "resolved": self.resolved, "statements": self.statements,
                     "conflicts": self.conflicts, "holdings": self.holdings, "missing_from": self.missing_from})


def _iso(v: Any) -> Any:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _iso(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_iso(x) for x in v]
    return v


def enterprise_sources(store: GraphStore, uscc: str, ont: Ontology) -> EnterpriseSources | None:
    """What every source says of the enterprise ``uscc``; None if the graph has no such
    enterprise."""
    _, attrs = stated(ont)
    with store.snapshot() as read:
        node = read("MATCH (e:Enterprise) WHERE e.id = $uscc RETURN e AS e", {"uscc": uscc}).rows
        if not node:
            return None
        props = node[0][0]["properties"]
        statements = []
        for r in read(_STATEMENTS, {"uscc": uscc}).records():
            p = r["statement"]["properties"]
            statements.append({"source": r["source"], "kind": r["kind"], "file": r["file"],
                               "as_of": p.get("as_of"), "row": p.get("row"),
                               "attributes": {a: p[a] for a in attrs if p.get(a) is not None}})
        holdings = read(_HOLDINGS, {"uscc": uscc}).records()
        registers = read(_REGISTERS).records()
    resolved = {a: props.get(a) for a in attrs}
    conflicts: dict[str, list[dict[str, Any]]] = {}
    for a in attrs:
        said = [s for s in statements if a in s["attributes"]]
        if len({s["attributes"][a] for s in said}) > 1:
            conflicts[a] = [{"source": s["source"], "file": s["file"], "as_of": s["as_of"],
                             "value": s["attributes"][a], "wins": s["attributes"][a] == resolved[a]}
                            for s in said]
    missing = missing_from_latest(registers, {s["source"] for s in statements}, resolved.get("district"))
    return EnterpriseSources(uscc, resolved, statements, conflicts, holdings, missing)


def missing_from_latest(registers: list[dict[str, Any]], stating: set[str],
                        district: str | None) -> dict[str, Any] | None:
    """The latest register of ``district`` if it does not state the enterprise (stated by
    the sources ``stating``), else None: such an enterprise is flagged, never deleted."""
    if not district:
        return None
    mine = [r for r in registers if district in (r["districts"] or "").split("|") and r["as_of"]]
    if not mine:
        return None
    latest = max(mine, key=lambda r: (r["as_of"], r["id"]))
    if latest["id"] in stating:
        return None
    return {"source": latest["id"], "file": latest["file"], "as_of": latest["as_of"]}


_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(0[1-9]|[12]\d|3[01]))?(?!\d)")


def date_in_name(name: str) -> dt.date | None:
    """The date a file's name gives (``register-2026-11.csv`` → 2026-11-01,
    ``名单20250315.xlsx`` → 2025-03-15), or None.

    >>> date_in_name("register-2026-11.csv"), date_in_name("list_20250315.xlsx"), date_in_name("demo.csv")
    (datetime.date(2026, 11, 1), datetime.date(2025, 3, 15), None)
    """
    m = _DATE_IN_NAME.search(Path(name).stem)
    if not m:
        return None
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
