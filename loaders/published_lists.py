"""Published lists of recognised enterprises (高新技术企业认定名单, 专精特新名单, 科技型中小企业
入库名单...): read a CSV or XLSX list, match each row to one enterprise of the graph, and
turn the matches into a source that states the holdings (graph/sources.py).

Columns: 企业名称 (required); 统一社会信用代码, 证书编号, 认定日期 or 发证日期, 有效期至 (optional).
A row with a USCC is matched by it. Other rows are matched by normalised name: full and
half width, bracket styles and spaces do not count, legal words do ("有限公司" ≠
"有限责任公司"). Close names (rapidfuzz) are suggested, never linked: a row without an
exact match is unmatched, and any unmatched row stops the load unless the caller skips
them. A holding is valid from the row's recognition date (else ``since``) until its
有效期至 (else ``until``, else the recognition date plus the qualification's usual validity
from the ontology, ``Concept.validity_years``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from rapidfuzz import fuzz, process

from graph.records import Batch, Table
from graph.sources import SOURCE, SOURCE_ID, STATES, date_in_name
from graph.store import GraphStore
from loaders.records import concept_node, stable_id
from loaders.register import FORMULA_START, _raw_rows, file_sha256, parse_date, uscc_problem
from ontology import Concept, Ontology, load_ontology
from ontology.labels import find_concept
from policykg.errors import LoadError, ParameterError

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("企业名称", "name"),
    "uscc": ("统一社会信用代码", "uscc", "credit_code"),
    "certificate": ("证书编号", "certificate"),
    "since": ("认定日期", "发证日期", "since"),
    "until": ("有效期至", "until"),
}
SUGGEST_CUTOFF = 80.0  # rapidfuzz ratio (0-100) from which a name is offered as "did you mean"
SUGGESTIONS = 3
_BRACKETS = str.maketrans("[]【】〔〕［］｛｝{}〈〉《》", "()()()()()()()()")
_SPACE = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """A company name compared without width, bracket style, spaces or letter case;
    every word kept (legal words like 有限公司 / 有限责任公司 differ).

    >>> normalise_name("甲测试科技(上海)有限公司") == normalise_name("甲测试科技（上海） 有限公司")
    True
    >>> normalise_name("甲有限公司") == normalise_name("甲有限责任公司")
    False
    """
    return _SPACE.sub("", unicodedata.normalize("NFKC", name).translate(_BRACKETS)).casefold()


@dataclass(frozen=True)
class Match:
    """A list row linked to one enterprise."""

    row: int
    uscc: str
    name: str
    since: dt.date | None
    until: dt.date | None
    certificate: str | None
    by: str  # "uscc" | "name"


@dataclass(frozen=True)
class Unmatched:
    """A list row no enterprise was linked to, why, and the closest names (never linked)."""

    row: int
    name: str
    uscc: str
    reason: str
    suggestions: tuple[tuple[str, str, float], ...] = ()  # (name, uscc, score)


@dataclass
class Recognitions:
    """A list once read and matched."""

    path: Path
    qualification: Concept
    level: str | None
    rows: int = 0
    matched: list[Match] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    problems: list[tuple[int, str, str, str]] = field(default_factory=list)  # (row, column, value, reason)

    def report_csv(self) -> str:
        """The unmatched rows and their suggestions as CSV (values neutralised for spreadsheets)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["row", "企业名称", "统一社会信用代码", "reason", "suggestions"])
        for u in self.unmatched:
            name = "'" + u.name if u.name[:1] in FORMULA_START else u.name
            w.writerow([u.row, name, u.uscc, u.reason,
                        "; ".join(f"{n} ({c}) {s:.0f}" for n, c, s in u.suggestions)])
        return buf.getvalue()


def recognitions_key(path: Path, qualification: Concept) -> str:
    """The id of the list at ``path`` for ``qualification`` (one file is one source)."""
    return stable_id("recognitions", Path(path).stem, qualification.id)


def resolve_qualification(text: str, ont: Ontology) -> Concept:
    """The qualification ``--qualification`` names (a label or alias); ParameterError with
    the closest names otherwise."""
    concept = find_concept(ont.concepts("qualifications"), text.strip())
    if concept is None:
        from ontology.fuzzy import did_you_mean

        raise ParameterError(f"{text!r} is not a known qualification", where="--qualification",
                             hint=did_you_mean(ont.concepts("qualifications"), text.strip()))
    return concept


def read_recognitions(path: Path, store: GraphStore, qualification: str, *, level: str | None = None,
                      since: dt.date | None = None, until: dt.date | None = None,
                      ontology: Ontology | None = None) -> Recognitions:
    """Read the list at ``path`` and match every row against the enterprises of ``store``.
    Raises LoadError only for a file that cannot be read as a list at all."""
    ont = ontology or load_ontology()
    path = Path(path)
    concept = resolve_qualification(qualification, ont)
    canonical = None
    if level:
        canonical = next((c.label_zh for c in ont.concepts("levels") if level in c.all_labels), None)
        if canonical is None:
            raise ParameterError(f"unknown level {level!r}", where="--level", hint="国家级, 省级, 市级 or 区级")
    rec = Recognitions(path, concept, canonical or concept.default_level)
    rows = _raw_rows(path)
    header = next(rows, None)
    if header is None or not any(header):
        raise LoadError("the list is empty", where=str(path), hint="expected a header row with 企业名称")
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        for key, accepted in COLUMNS.items():
            if h in accepted and key not in cols:
                cols[key] = i
    if "name" not in cols:
        raise LoadError("missing required column 企业名称", where=f"{path}: header",
                        hint="optional: " + ", ".join("/".join(v[:-1] if len(v) > 2 else v[:1])
                                                      for k, v in COLUMNS.items() if k != "name"))
    enterprises = store.read("MATCH (e:Enterprise) RETURN e.id AS uscc, e.name AS name").records()
    by_uscc = {e["uscc"]: e["name"] or "" for e in enterprises}
    by_name: dict[str, list[str]] = {}
    for e in enterprises:
        if e["name"]:
            by_name.setdefault(normalise_name(e["name"]), []).append(e["uscc"])
    names = list(by_name)
    width = len(header)
    pick = itemgetter(*(cols.get(k, width) for k in COLUMNS))
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        rec.rows += 1
        name, uscc, certificate, since_text, until_text = pick([*(row + [""] * width)[:width], ""])
        uscc = uscc.upper()
        dates = []
        for column, text in ((COLUMNS["since"][0], since_text), (COLUMNS["until"][0], until_text)):
            try:
                dates.append(parse_date(text))
            except ValueError:
                rec.problems.append((number, column, text, "not a date (expected YYYY-MM-DD)"))
                dates.append(None)
        if not name:
            rec.problems.append((number, COLUMNS["name"][0], name, "required"))
            continue
        if uscc and (why := uscc_problem(uscc)):
            rec.problems.append((number, COLUMNS["uscc"][0], uscc, why))
            continue
        target, reason = _match(name, uscc, by_uscc, by_name)
        if target is None:
            rec.unmatched.append(Unmatched(number, name, uscc, reason, _suggest(name, names, by_name, by_uscc)))
            continue
        if target in seen:
            rec.problems.append((number, COLUMNS["name"][0], name, f"the same enterprise as row {seen[target]}"))
            continue
        seen[target] = number
        start = dates[0] or since
        end = dates[1] or until or _valid_until(start, concept)
        if start and end and end < start:
            rec.problems.append((number, COLUMNS["until"][0], until_text, "ends before it starts"))
            continue
        rec.matched.append(Match(number, target, name, start, end, certificate or None, "uscc" if uscc else "name"))
    if rec.rows == 0:
        raise LoadError("the list has a header but no data rows", where=str(path))
    return rec


def _match(name: str, uscc: str, by_uscc: dict[str, str],
           by_name: dict[str, list[str]]) -> tuple[str | None, str]:
    """(the USCC of the one enterprise the row names, "") or (None, why not)."""
    if uscc:
        return (uscc, "") if uscc in by_uscc else (None, f"no enterprise with USCC {uscc} in the graph")
    hits = by_name.get(normalise_name(name), [])
    if len(hits) == 1:
        return hits[0], ""
    if hits:
        return None, f"{len(hits)} enterprises have this name: {', '.join(sorted(hits))}"
    return None, "no enterprise has this name"


def _suggest(name: str, names: list[str], by_name: dict[str, list[str]],
             by_uscc: dict[str, str]) -> tuple[tuple[str, str, float], ...]:
    """The closest registered names (rapidfuzz ratio on normalised names), best first."""
    out = []
    for norm, score, _ in process.extract(normalise_name(name), names, scorer=fuzz.ratio, limit=SUGGESTIONS,
                                          score_cutoff=SUGGEST_CUTOFF):
        out.extend((by_uscc[u], u, round(score, 1)) for u in by_name[norm])
    return tuple(out[:SUGGESTIONS])


def _valid_until(since: dt.date | None, concept: Concept) -> dt.date | None:
    """The day before the recognition's ``validity_years``-th anniversary (3 years from
    2023-12-01 → 2026-11-30), or None without a date or a usual validity."""
    if since is None or not concept.validity_years:
        return None
    try:
        end = since.replace(year=since.year + concept.validity_years)
    except ValueError:  # 29 February
        end = since.replace(year=since.year + concept.validity_years, day=28)
    return end - dt.timedelta(days=1)


def recognitions_batch(rec: Recognitions, ont: Ontology, *, as_of: dt.date | None = None,
                       loaded_at: str | None = None) -> Batch:
    """The list as one source: its Source node, the enterprises it states (by USCC only: a
    list's spelling of a name never renames an enterprise) and their holdings."""
    key = recognitions_key(rec.path, rec.qualification)
    day = as_of or date_in_name(rec.path.name) or max((m.since for m in rec.matched if m.since), default=None) \
        or dt.date.fromtimestamp(rec.path.stat().st_mtime)
    at = loaded_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    source = Table(SOURCE, ("source_kind", "file", "rows", "loaded_at", "sha256", "as_of", "qualification_id"),
                   [(key, "recognitions", rec.path.name, rec.rows, at, file_sha256(rec.path), day,
                     rec.qualification.id)])
    enterprises = Table("Enterprise", ("uscc",), [(m.uscc, m.uscc) for m in rec.matched])
    states = Table(STATES, ("as_of", SOURCE_ID, "row"), [(key, m.uscc, day, key, m.row) for m in rec.matched])
    rank = ont.level_rank(rec.level) if rec.level else 0
    holds = Table("HOLDS", ("level", "level_rank", "since", "until", SOURCE_ID, "certificate"), [
        (m.uscc, rec.qualification.id, rec.level, rank, m.since, m.until, key, m.certificate) for m in rec.matched])
    concept = Batch.of(key, [concept_node(ont, "qualifications", rec.qualification)], [])
    return Batch(key, (source, enterprises, *concept.node_tables), (states, holds) if rec.matched else ())


def load_recognitions(store: GraphStore, rec: Recognitions, *, skip_unmatched: bool = False,
                      as_of: dt.date | None = None, ontology: Ontology | None = None) -> Batch:
    """Write the list ``rec`` as one source, all or nothing: refused (LoadError naming the
    first rows) if any row is invalid, or unmatched and not ``skip_unmatched``."""
    ont = ontology or load_ontology()
    if rec.problems:
        row, column, value, reason = rec.problems[0]
        raise LoadError(f"{len(rec.problems)} invalid row(s); nothing was loaded; row {row}, {column}={value!r}: "
                        f"{reason}", where=str(rec.path), hint="fix the rows and load the list again")
    if rec.unmatched and not skip_unmatched:
        first = ", ".join(f"row {u.row} {u.name}" for u in rec.unmatched[:3])
        raise LoadError(f"{len(rec.unmatched)} row(s) match no enterprise ({first}); nothing was loaded",
                        where=str(rec.path),
                        hint="check the suggestions, or pass --skip-unmatched to load the matched rows")
    key = recognitions_key(rec.path, rec.qualification)
    stored = store.read(f"MATCH (s:{SOURCE}) WHERE s.id = $id RETURN s.sha256 AS sha, s.loaded_at AS at",
                        {"id": key}).records()
    keep = stored[0]["at"] if stored and stored[0]["sha"] == file_sha256(rec.path) else None
    batch = recognitions_batch(rec, ont, as_of=as_of, loaded_at=keep)
    store.write(batch)
    return batch
