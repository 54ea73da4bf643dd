"""Curation of candidate qualifications: list what discovery put in the graph, and write a
curator's decision (accept as a new concept, accept as an alias, reject) as Turtle in the
decisions folder (data/curation/ or POLICYKG_CURATION_DIR), which load_ontology() reads
after ontology/*.ttl, so the next ``policykg load`` applies it.

The CLI (``policykg curate``) and the web page (/curate) both call these functions: one
way to decide, one file format. A decision file is appended to, one block per decision,
under a lock, through a temporary file and a rename: a crash never leaves half a file,
and the file stays readable in a diff.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS

from graph import GraphStore
from ontology import PKG, Concept, Ontology
from ontology.labels import normalise
from ontology.model import curation_folder
from policykg.errors import ParameterError

DECISIONS_FILE = "qualifications.ttl"
CONCEPT_BASE = "https://policykg.org/id/qualification/"
KINDS_SCHEME = "qualification_kinds"
MAX_PHRASE = 60
EXAMPLES = 3  # sentences shown per candidate
HEADER = """# Curators' decisions on candidate qualifications, written by `policykg curate accept |
# alias | reject` and the /curate page, read by load_ontology() after ontology/*.ttl and
# applied at the next `policykg load`. One block per decision, newest last; to undo one,
# delete its block, then load again.
@prefix pkg:  <https://policykg.org/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
"""

_MENTIONS = {
    "MENTIONS_CANDIDATE": """
MATCH (x:Measure)-[r:MENTIONS_CANDIDATE]->(c:CandidateQualification)
MATCH (d:PolicyDocument) WHERE d.id = c.document_id
RETURN c.name AS name, c.kind_hint AS kind, c.level AS level, d.id AS doc, d.title AS title,
       x.text AS text, x.start AS base, r.start AS s, r.`end` AS e""",
    "ARTICLE_MENTIONS_CANDIDATE": """
MATCH (x:Article)-[r:ARTICLE_MENTIONS_CANDIDATE]->(c:CandidateQualification)
MATCH (d:PolicyDocument) WHERE d.id = c.document_id
RETURN c.name AS name, c.kind_hint AS kind, c.level AS level, d.id AS doc, d.title AS title,
       x.text AS text, 0 AS base, r.start AS s, r.`end` AS e""",
}


@dataclass(frozen=True)
class Example:
    """A sentence naming a candidate, cut in three so a page can highlight the mention
    while escaping all three."""

    document: str
    before: str
    mention: str
    after: str


@dataclass
class CandidateSummary:
    """One candidate phrase over the loaded documents: how often it is named, where, how."""

    phrase: str
    count: int = 0
    documents: list[str] = field(default_factory=list)
    kind_hint: str | None = None
    level: str | None = None
    examples: list[Example] = field(default_factory=list)
    decision: str | None = None  # a decision written since the last load ("accepted", ...)

    def as_dict(self) -> dict[str, object]:
        """JSON form (``policykg curate list --format json``)."""
        return {"phrase": self.phrase, "count": self.count, "documents": self.documents,
                "kind_hint": self.kind_hint, "level": self.level, "decision": self.decision,
                "sentences": [e.before + e.mention + e.after for e in self.examples]}


def _sentence(text: str, s: int, e: int, document: str) -> Example:
    """The sentence of ``text`` around ``[s, e)``."""
    left = max((m.end() for m in re.finditer(r"[。；;！？!?\n]", text[:s])), default=0)
    right = next((m.end() for m in re.finditer(r"[。；;！？!?\n]", text[e:])), len(text) - e) + e
    return Example(document, text[left:s].lstrip(), text[s:e], text[e:right].rstrip())


def list_candidates(store: GraphStore, folder: Path | None = None, *,
                    timeout_s: float = 30.0) -> list[CandidateSummary]:
    """Candidates in the graph, most mentioned first, with their documents and example
    sentences, marked with any decision already written to ``folder`` (applied at the
    next load)."""
    out: dict[str, CandidateSummary] = {}
    kinds: dict[str, Counter[str]] = {}
    levels: dict[str, Counter[str]] = {}
    for cypher in _MENTIONS.values():
        for name, kind, level, _doc, title, text, base, s, e in store.read(cypher, {}, timeout_s=timeout_s).rows:
            c = out.setdefault(name, CandidateSummary(name))
            c.count += 1
            title = title or _doc
            if title not in c.documents:
                c.documents.append(title)
            kinds.setdefault(name, Counter())[kind or ""] += 1
            if level:
                levels.setdefault(name, Counter())[level] += 1
            offset = int(base or 0)
            if len(c.examples) < EXAMPLES and text:
                c.examples.append(_sentence(text, int(s) - offset, int(e) - offset, title))
    made = decisions(folder)
    for name, c in out.items():
        c.kind_hint = kinds[name].most_common(1)[0][0] or None
        c.level = levels[name].most_common(1)[0][0] if name in levels else None
        c.decision = made.get(normalise(name))
        c.documents.sort()
    return sorted(out.values(), key=lambda c: (-c.count, c.phrase))


# --- decisions ------------------------------------------------------------------------------------
def decisions_path(folder: Path | None = None) -> Path:
    """The decisions file in ``folder`` (default: POLICYKG_CURATION_DIR or data/curation/)."""
    return curation_folder(folder) / DECISIONS_FILE


def decisions(folder: Path | None = None) -> dict[str, str]:
    """Phrases (normalised) already decided in the decisions file: ``accepted``, ``alias``
    or ``rejected``."""
    path = decisions_path(folder)
    if not path.exists():
        return {}
    g = Graph().parse(path, format="turtle")
    out = {normalise(str(lbl)): "rejected" for r in g.subjects(RDF.type, PKG.RejectedCandidate)
           for lbl in g.objects(r, SKOS.prefLabel)}
    for s, phrase in g.subject_objects(PKG.acceptedFrom):
        out[normalise(str(phrase))] = "alias" if (s, SKOS.prefLabel, phrase) not in g else "accepted"
    return out


def _phrase(phrase: str, ont: Ontology, folder: Path | None) -> str:
    """``phrase`` checked: one line, not too long, not yet a label, not yet decided."""
    phrase = re.sub(r"\s+", "", phrase or "").strip("“”\"'")
    if not phrase or len(phrase) > MAX_PHRASE:
        raise ParameterError(f"the phrase must be 1 to {MAX_PHRASE} characters", where="phrase")
    key = normalise(phrase)
    owner = next((c for c in ont.concepts("qualifications") if key in {normalise(x) for x in c.all_labels}), None)
    if owner is not None:
        raise ParameterError(f"{phrase!r} already names the qualification {owner.label_zh!r} ({owner.id})",
                             where="phrase", hint="nothing to decide")
    if made := decisions(folder).get(key):
        raise ParameterError(f"{phrase!r} was already decided ({made}) in {decisions_path(folder)}",
                             where="phrase", hint="delete its block there to decide again")
    return phrase


def kinds(ont: Ontology) -> list[Concept]:
    """The kinds a new qualification may have (the ontology's qualification kinds)."""
    return list(ont.concepts(KINDS_SCHEME))


def _find(concepts: list[Concept] | tuple[Concept, ...], name: str) -> Concept | None:
    key = normalise(name)
    return next((c for c in concepts if name in (c.id, c.id.removeprefix("kind-"), c.label_en)
                 or key in {normalise(x) for x in c.all_labels}), None)


def _lit(text: str) -> str:
    return Literal(text, lang="zh").n3()


def _today(today: dt.date | None) -> str:
    return Literal(today or dt.date.today()).n3().replace("<http://www.w3.org/2001/XMLSchema#date>", "xsd:date")


def accept(phrase: str, kind: str, level: str, ont: Ontology, *, en: str | None = None,
           folder: Path | None = None, today: dt.date | None = None) -> Path:
    """Write ``phrase`` as a new qualification of ``kind`` (a qualification kind: its
    notation, id or label) with default ``level`` (a level label); returns the file."""
    phrase = _phrase(phrase, ont, folder)
    k = _find(kinds(ont), kind)
    if k is None:
        raise ParameterError(f"unknown kind {kind!r}", where="--kind",
                             hint="one of " + ", ".join(c.id.removeprefix("kind-") for c in kinds(ont)))
    lv = _find(ont.concepts("levels"), level)
    if lv is None:
        raise ParameterError(f"unknown level {level!r}", where="--level",
                             hint="one of " + ", ".join(c.label_zh for c in ont.concepts("levels")))
    iri = CONCEPT_BASE + "curated-" + hashlib.sha256(phrase.encode()).hexdigest()[:12]
    en_part = f" , {Literal(en.strip(), lang='en').n3()}" if en and en.strip() else ""
    block = (f"<{iri}> a skos:Concept ; skos:inScheme pkg:qualifications ;\n"
             f"    skos:prefLabel {_lit(phrase)}{en_part} ;\n"
             f"    pkg:qualificationKind <{k.iri}> ; pkg:defaultLevel <{lv.iri}> ;\n"
             f"    pkg:acceptedFrom {_lit(phrase)} ; pkg:acceptedOn {_today(today)} .\n")
    return _append(folder, f"accepted {phrase}", block)


def alias(phrase: str, of: str, ont: Ontology, *, folder: Path | None = None, today: dt.date | None = None) -> Path:
    """Write ``phrase`` as another name of the existing qualification ``of`` (its id or a
    label); returns the file."""
    phrase = _phrase(phrase, ont, folder)
    target = _find(ont.concepts("qualifications"), of)
    if target is None:
        raise ParameterError(f"{of!r} is not a qualification of the ontology", where="--of",
                             hint="give its id or one of its labels (policykg curate list shows candidates)")
    block = (f"<{target.iri}> skos:altLabel {_lit(phrase)} ;\n"
             f"    pkg:acceptedFrom {_lit(phrase)} ; pkg:acceptedOn {_today(today)} .\n")
    return _append(folder, f"alias {phrase} of {target.label_zh}", block)


def reject(phrase: str, ont: Ontology, *, folder: Path | None = None, today: dt.date | None = None) -> Path:
    """Write ``phrase`` as naming no recognition: discovery proposes it no more."""
    phrase = _phrase(phrase, ont, folder)
    block = f"[] a pkg:RejectedCandidate ; skos:prefLabel {_lit(phrase)} ; pkg:rejectedOn {_today(today)} .\n"
    return _append(folder, f"rejected {phrase}", block)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time (the CLI and the web page may write the same file)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".curation.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _append(folder: Path | None, what: str, block: str) -> Path:
    """Append ``block`` to the decisions file atomically; the result must parse."""
    path = decisions_path(folder)
    with _locked(path.parent):
        old = path.read_text("utf-8") if path.exists() else HEADER
        text = f"{old.rstrip()}\n\n# {what.splitlines()[0][:80]}\n{block}"
        try:
            Graph().parse(data=text, format="turtle")
        except Exception as exc:  # rdflib raises several parser error types
            raise ParameterError(f"the decisions file would not parse: {exc}", where=str(path),
                                 hint="was it edited by hand? fix it, then decide again") from exc
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return path
