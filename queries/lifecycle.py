"""A document's status on a date, in one place: the Cypher condition every as-of query uses
and the Python function the CLI, the web pages and eligibility use, which say the same.

A document is **in force** on a day from its start (施行, effective_from) to its end
(有效期至, effective_until), both included, unless a document that repeals it (a REPEALS
relationship, loaders/lifecycle.py) has taken effect by then: from the relationship's
``since`` (the day the repealing text names, else its own start) it is **repealed**.
Before its start it is **not yet** in force, after its end **expired**. A missing date
does not limit: a document without dates is in force until repealed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from graph import GraphStore
from policykg.errors import ParameterError

STATUSES = ("in_force", "not_yet", "expired", "repealed")

#: Not repealed by ``$as_of``: the condition, on a document bound to ``d``, that every saved
#: query with a date carries (tests/test_lifecycle.py checks that each one does, verbatim).
NOT_REPEALED = "NOT EXISTS { MATCH (d)<-[x:REPEALS]-(:PolicyDocument) WHERE x.since IS NULL OR x.since <= $as_of }"

#: In force on ``$as_of``: within its period and not repealed.
IN_FORCE = ("(d.effective_from IS NULL OR d.effective_from <= $as_of) "
            "AND (d.effective_until IS NULL OR d.effective_until >= $as_of) "
            "AND " + NOT_REPEALED)


def status(effective_from: dt.date | None, effective_until: dt.date | None, repealed_since: dt.date | None,
           as_of: dt.date, *, repealed: bool = False) -> str:
    """One of STATUSES, exactly as ``IN_FORCE`` decides: ``repealed_since`` is the earliest
    day a repeal takes effect (``repealed`` says a repeal without any day exists).

    >>> d = dt.date
    >>> status(d(2025, 1, 15), d(2027, 1, 14), d(2026, 3, 1), d(2026, 2, 28))
    'in_force'
    >>> status(d(2025, 1, 15), d(2027, 1, 14), d(2026, 3, 1), d(2026, 3, 1))
    'repealed'
    >>> status(d(2025, 1, 15), None, None, d(2024, 1, 1)), status(None, d(2020, 1, 1), None, d(2024, 1, 1))
    ('not_yet', 'expired')
    """
    if (repealed and repealed_since is None) or (repealed_since is not None and repealed_since <= as_of):
        return "repealed"
    if effective_from is not None and effective_from > as_of:
        return "not_yet"
    if effective_until is not None and effective_until < as_of:
        return "expired"
    return "in_force"


@dataclass
class DocumentState:
    """A stored document with its versions and its status on a date."""

    id: str
    title: str | None
    doc_number: str | None
    district: str | None
    issued_on: dt.date | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    status: str = "in_force"
    supersedes: list[str] = field(default_factory=list)  # documents it repeals
    superseded_by: str | None = None  # the document whose repeal takes effect first
    repealed_from: dt.date | None = None
    amends: list[str] = field(default_factory=list)
    amended_by: list[str] = field(default_factory=list)
    references: list[dict[str, Any]] = field(default_factory=list)  # as written, with ``resolved``
    repealed_by: list[dict[str, Any]] = field(default_factory=list)  # [{id, since}]

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``policykg documents`` (DESIGN.md), plus versions detail."""
        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {"id": self.id, "title": self.title, "doc_number": self.doc_number, "district": self.district,
                "issued_on": iso(self.issued_on), "effective_from": iso(self.effective_from),
                "effective_until": iso(self.effective_until), "status": self.status,
                "supersedes": self.supersedes, "superseded_by": self.superseded_by,
                "repealed_from": iso(self.repealed_from), "amends": self.amends, "amended_by": self.amended_by,
                "references": self.references}


_DOCS = """
MATCH (d:PolicyDocument)
RETURN d.id AS id, d.title AS title, d.doc_number AS doc_number, d.district AS district, d.issued_on AS issued_on,
       d.effective_from AS effective_from, d.effective_until AS effective_until, d.references AS refs
ORDER BY district, issued_on, id
"""
_LINKS = """
MATCH (a:PolicyDocument)-[x:{type}]->(b:PolicyDocument)
RETURN a.id AS source, b.id AS target, x.since AS since, x.text AS mention
ORDER BY source, target
"""


def documents(store: GraphStore, as_of: dt.date | None = None) -> list[DocumentState]:
    """Every stored document with its status on ``as_of`` (default today) and its versions."""
    day = as_of or dt.date.today()
    with store.snapshot() as read:
        rows = read(_DOCS).records()
        repeals = read(_LINKS.format(type="REPEALS")).records()
        amends = read(_LINKS.format(type="AMENDS")).records()
    docs = {}
    for r in rows:
        docs[r["id"]] = DocumentState(r["id"], r["title"], r["doc_number"], r["district"], r["issued_on"],
                                      r["effective_from"], r["effective_until"],
                                      references=json.loads(r["refs"] or "[]"))
    linked: dict[str, set[str]] = {}
    for link in repeals:
        src, dst = docs.get(link["source"]), docs.get(link["target"])
        if src is None or dst is None:
            continue
        src.supersedes.append(dst.id)
        dst.repealed_by.append({"id": src.id, "since": link["since"]})
        linked.setdefault(src.id, set()).add(link["mention"] or "")
    for link in amends:
        src, dst = docs.get(link["source"]), docs.get(link["target"])
        if src is not None and dst is not None:
            src.amends.append(dst.id)
            dst.amended_by.append(src.id)
            linked.setdefault(src.id, set()).add(link["mention"] or "")
    for d in docs.values():
        if d.repealed_by:  # the repeal that takes effect first (one without a day: at once)
            first = min(d.repealed_by, key=lambda r: (r["since"] or dt.date.min, r["id"]))
            d.superseded_by, d.repealed_from = first["id"], first["since"]
            for r in d.repealed_by:
                r["since"] = r["since"].isoformat() if r["since"] else None
        d.status = status(d.effective_from, d.effective_until, d.repealed_from, day, repealed=bool(d.repealed_by))
        targets = {docs[t].doc_number for t in [*d.supersedes, *d.amends]} | \
            {docs[t].title for t in [*d.supersedes, *d.amends]}
        for ref in d.references:  # resolved: the graph links it to a stored document
            ref["resolved"] = bool(ref.get("doc_number") in targets or any(
                ref.get("title") and ref["title"] in (t or "") for t in targets))
    return list(docs.values())


def find_document(store: GraphStore, spec: str) -> str:
    """The id of the one stored document ``spec`` names: its id, its 文号 (any bracket
    style), or a word of its title that no other document's title holds. ParameterError
    lists the candidates otherwise."""
    spec = spec.strip()
    rows = store.read(_DOCS).records()
    squash = _squash(spec)
    for test in (lambda r: r["id"] == spec,
                 lambda r: bool(r["doc_number"]) and _squash(r["doc_number"]) == squash,
                 lambda r: bool(spec) and spec in (r["title"] or "")):
        hits = [r for r in rows if test(r)]
        if len(hits) == 1:
            return hits[0]["id"]
        if len(hits) > 1:
            raise ParameterError(f"{spec!r} names {len(hits)} documents", where="document",
                                 hint="give the id or 文号 of one: " + "; ".join(
                                     f"{r['id']} {r['doc_number'] or ''} {r['title'] or ''}" for r in hits[:6]))
    raise ParameterError(f"no loaded document is {spec!r}", where="document",
                         hint="give an id, a 文号 or a title word; see `policykg documents`")


def _squash(text: str) -> str:
    """A 文号 without spaces and with 〔〕 for every bracket style, to compare spellings."""
    return "".join(text.split()).translate(str.maketrans("[［(（【]］)）】", "〔〔〔〔〔〕〕〕〕〕"))
