"""Enterprise registers (CSV or XLSX): read, validate every row, and turn the valid ones
into a graph Batch of Enterprise nodes and HOLDS relationships.

Format: one row per enterprise-qualification (an enterprise without qualifications has
one row with the qualification columns empty); enterprise columns repeat on each of its
rows. Headers are the Chinese names below or their English keys; ``mapping`` renames
other headers. The first column should be the USCC.

A register is a source (graph/sources.py): enterprises are shared by USCC, the register
states their attributes on its own STATES relationships, dated by the register's date
(``as_of``: given, else a date in the file's name, else the file's modification day), and
its holdings name it in ``source_id``. So next month's register loads beside this one; a
re-load replaces exactly what the register stated; the later register wins a disagreement.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError

from graph.records import Batch, Table
from graph.sources import SOURCE, SOURCE_ID, STATES, date_in_name
from graph.store import GraphStore
from loaders.records import concept_node, stable_id
from ontology import Concept, Ontology, load_ontology
from ontology.labels import normalise
from policykg.errors import LoadError, StoreError
from policykg.settings import load_limits

# canonical key: accepted headers (the documented Chinese header first)
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "uscc", "credit_code"),
    "name": ("企业名称", "name"),
    "district": ("所属区", "district"),
    "industry_code": ("行业代码", "industry_code"),
    "scale": ("规模", "scale"),
    "founded_on": ("成立日期", "founded_on"),
    "qualification": ("资质名称", "qualification"),
    "level": ("资质级别", "level"),
    "since": ("认定日期", "since"),
    "until": ("有效期至", "until"),
}
REQUIRED = ("uscc", "name")
# the graph's columns (ontology property names) of a register's tables
ENTERPRISE_COLUMNS = ("uscc",)  # shared: the attributes are stated on STATES, resolved by the store
STATES_COLUMNS = ("name", "district", "industry_code", "scale", "founded_on", "as_of", SOURCE_ID, "row")
HOLDS_COLUMNS = ("level", "level_rank", "since", "until", SOURCE_ID)
SOURCE_COLUMNS = ("source_kind", "file", "rows", "loaded_at", "sha256", "as_of", "districts")
SCALES = ("规上", "规下")
FORMULA_START = ("=", "+", "-", "@")
_COMPACT_USCC = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}\Z")  # stdnum's format of a compact USCC
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


@dataclass(frozen=True)
class Problem:
    """One invalid cell or row: spreadsheet row number (header = row 1), column, value, reason."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class Register:
    """What a register file holds once read: valid rows by enterprise, and every problem.
    ``as_of`` is the date the register speaks for, ``loaded_at`` when it was loaded (kept
    from the graph when the same file is loaded again, so a re-load changes nothing)."""

    path: Path
    enterprises: dict[str, dict[str, object]] = field(default_factory=dict)
    holdings: list[dict[str, object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    as_of: dt.date | None = None
    loaded_at: str | None = None

    @property
    def invalid_rows(self) -> set[int]:
        """Row numbers with at least one problem."""
        return {p.row for p in self.problems}

    def problems_csv(self) -> str:
        """The problems as CSV (row, column, value, reason), values neutralised for spreadsheets."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["row", "column", "value", "reason"])
        for p in self.problems:
            value = "'" + p.value if p.value[:1] in FORMULA_START else p.value
            w.writerow([p.row, p.column, value, p.reason])
        return buf.getvalue()


def _decode(data: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise LoadError("cannot decode the register", where=str(path), hint="save it as UTF-8 or GB18030")


def _raw_rows(path: Path) -> Iterator[list[str]]:
    """Rows of cells as strings, header first. Only a regular file of at most
    POLICYKG_MAX_REGISTER_BYTES is read (a FIFO or a device would hang or fill memory)."""
    from loaders.text import read_bounded

    data = read_bounded(path, load_limits().register_bytes, what="register", variable="POLICYKG_MAX_REGISTER_BYTES",
                        error=LoadError)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise LoadError(f"not a readable XLSX file ({exc})", where=str(path)) from exc
        for row in wb.active.iter_rows(values_only=True):
            yield ["" if v is None else (v.date().isoformat() if isinstance(v, dt.datetime) else str(v)).strip()
                   for v in row]
        wb.close()
        return
    if b"\x00" in data[:4096]:
        raise LoadError("the register looks binary, not CSV", where=str(path), hint="give a .csv or .xlsx file")
    # The csv module's longest field (131,072 by default, process-wide) raised to the file's
    # size, which is bounded and already in memory: then any long cell reaches the row
    # check, which names its row and column (POLICYKG_MAX_FIELD_CHARS).
    limit = min(len(data) + 1, 2**31 - 1)
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    reader = csv.reader(io.StringIO(_decode(data, path)))
    try:
        for row in reader:
            yield list(map(str.strip, row))
    except csv.Error as exc:  # broken quoting
        raise LoadError(f"cannot read the row: {exc}", where=f"{path}: row {reader.line_num}",
                        hint="check the quotes of that row") from exc


def _header_map(header: list[str], mapping: dict[str, str], path: Path) -> dict[str, int]:
    names = {h: mapping.get(h, h) for h in header}
    out: dict[str, int] = {}
    for i, h in enumerate(header):
        target = names[h]
        for key, accepted in COLUMNS.items():
            if target == key or target in accepted:
                if key in out:
                    raise LoadError(f"column {key!r} appears twice", where=f"{path}: header")
                out[key] = i
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in out]
    if missing:
        raise LoadError(f"missing required column(s): {', '.join(missing)}", where=f"{path}: header",
                        hint="expected headers: " + ", ".join(v[0] for v in COLUMNS.values())
                        + " (or use --map OLD=NEW)")
    return out


@lru_cache(maxsize=65536)
def parse_date(text: str) -> dt.date | None:
    """A date written as 2024-01-31, 2024/1/31, 2024.1.31 or 2024年1月31日.

    >>> parse_date("2024年1月31日"), parse_date("")
    (datetime.date(2024, 1, 31), None)
    """
    if not text:
        return None
    m = _DATE.match(text)
    if not m:
        raise ValueError(text)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def read_register(path: Path, *, ontology: Ontology | None = None, mapping: dict[str, str] | None = None,
                  progress: Callable[[int], None] | None = None,
                  on_part: Callable[[Register, list[str], int], None] | None = None,
                  part_rows: int = 20_000) -> Register:
    """Read and validate every row of the register at ``path``; problems are collected, not raised.

    ``on_part(register, usccs, first_holding)``, if given, is called while reading, about
    every ``part_rows`` valid rows (between two enterprises' rows) and at the end, with
    the enterprises accepted since the last call and the index of the first holding
    accepted since: the caller can write them while the rest is read.
    Raises LoadError only for a file that cannot be read as a register at all.
    """
    ont = ontology or load_ontology()
    path = Path(path)
    reg = Register(path)
    rows = _raw_rows(path)
    header = next(rows, None)
    if header is None or not any(header):
        raise LoadError("the register is empty", where=str(path), hint="expected a header row and data rows")
    cols = _header_map(header, mapping or {}, path)
    width = len(header)
    # every canonical column in COLUMNS order; a column the file lacks reads the padding cell ""
    pick = itemgetter(*(cols.get(k, width) for k in COLUMNS))
    check = _Checks(ont)
    longest = load_limits().field_chars
    seen_pairs: dict[tuple[str, str], int] = {}
    fresh: list[str] = []  # enterprises accepted since the last part
    first_holding, previous, uscc_at = 0, "", cols["uscc"]
    for number, row in enumerate(rows, start=2):
        if not any(row):
            continue
        if on_part:
            current = row[uscc_at] if uscc_at < len(row) else ""
            if len(reg.holdings) - first_holding + len(fresh) >= part_rows and current != previous:
                on_part(reg, fresh, first_holding)  # cut between two enterprises' rows
                fresh, first_holding = [], len(reg.holdings)
            previous = current
        reg.rows += 1
        if progress and reg.rows % 1000 == 0:
            progress(1000)
        if len(row) != width:
            row = (row + [""] * width)[:width]
        row.append("")
        cells = pick(row)
        uscc_cell, name, district, industry_code, scale, founded_on, qualification, level, since, until = cells
        if max(map(len, cells)) > longest:
            reg.problems.extend(Problem(number, COLUMNS[k][0], v[:40] + "…", f"{len(v):,} characters, over the "
                                        f"limit of {longest:,} (POLICYKG_MAX_FIELD_CHARS)")
                                for k, v in zip(COLUMNS, cells, strict=True) if len(v) > longest)
            continue
        problems = [Problem(number, COLUMNS[k][0], v, why)
                    for k, v, why in (*check.enterprise(cells[:6]), *check.holding(cells[6:]))]
        uscc = uscc_cell.upper()
        known = reg.enterprises.get(uscc)
        if known is not None and not problems and known["name"] != name:
            problems.append(Problem(number, COLUMNS["name"][0], name,
                                    f"USCC {uscc} already named {known['name']!r} in row {known['_row']}"))
        qual = check.qualifications.get(normalise(qualification)) if qualification else None
        if qual is not None and not problems:
            first = seen_pairs.setdefault((uscc, qual.id), number)
            if first != number:
                problems.append(Problem(number, COLUMNS["qualification"][0], qualification,
                                        f"duplicate: USCC {uscc} with this qualification already in row {first}"))
        if problems:
            reg.problems.extend(problems)
            continue
        if known is None:
            fresh.append(uscc)
            reg.enterprises[uscc] = {
                "_row": number, "name": name, "district": district or None, "industry_code": industry_code or None,
                "scale": scale or None, "founded_on": parse_date(founded_on),
            }
        if qual is not None:
            canonical = check.levels.get(level) or qual.default_level
            reg.holdings.append({
                "uscc": uscc, "qualification": qual.id, "level": canonical, "level_rank": check.rank.get(canonical, 0),
                "since": parse_date(since), "until": parse_date(until),
            })
    if progress:
        progress(reg.rows % 1000)
    if reg.rows == 0:
        raise LoadError("the register has a header but no data rows", where=str(path))
    if on_part and (fresh or first_holding < len(reg.holdings)):
        on_part(reg, fresh, first_holding)
    return reg


@lru_cache(maxsize=262144)
def uscc_problem(value: str) -> str | None:
    """Why ``value`` is not a valid USCC (length, format, check digit), or None.
    Cached: a register repeats an enterprise's USCC on each of its qualification rows."""
    # Most values are already in compact form: then stdnum's check digit alone decides,
    # at half the cost of validate(), which would compact the value twice.
    if _COMPACT_USCC.match(value) and uscc_number.calc_check_digit(value[:17]) == value[17]:
        return None
    try:
        uscc_number.validate(value)
    except ValidationError as exc:
        return f"not a valid USCC ({exc.message})"
    return None


Found = tuple[str, str, str]  # (column key, value, reason)


class _Checks:
    """The checks of a row, in two halves that registers repeat: an enterprise's columns
    recur on each of its qualification rows, and a qualification with a level recurs
    across enterprises. Each half's answer is cached on its cells."""

    def __init__(self, ont: Ontology) -> None:
        qualifications = ont.concepts("qualifications")
        self.names = [c.label_zh for c in qualifications]
        self.qualifications: dict[str, Concept] = (
            {normalise(lbl): c for c in qualifications for lbl in c.all_labels} | {c.id: c for c in qualifications})
        self.levels = {lbl: c.label_zh for c in ont.concepts("levels") for lbl in c.all_labels}
        self.rank = {c.label_zh: c.rank or 0 for c in ont.concepts("levels")}
        self._enterprises: dict[tuple[str, ...], tuple[Found, ...]] = {}
        self._holdings: dict[tuple[str, ...], tuple[Found, ...]] = {}

    def enterprise(self, cells: tuple[str, ...]) -> tuple[Found, ...]:
        """Problems of (uscc, name, district, industry_code, scale, founded_on)."""
        found = self._enterprises.get(cells)
        if found is None:
            found = self._enterprises[cells] = tuple(self._enterprise(*cells))
        return found

    def holding(self, cells: tuple[str, ...]) -> tuple[Found, ...]:
        """Problems of (qualification, level, since, until)."""
        found = self._holdings.get(cells)
        if found is None:
            found = tuple(self._holding(*cells))
            if len(self._holdings) < 65536:
                self._holdings[cells] = found
        return found

    def _enterprise(self, uscc: str, name: str, district: str, _industry: str, scale: str,
                    founded_on: str) -> Iterator[Found]:
        if not uscc:
            yield "uscc", uscc, "required"
        if not name:
            yield "name", name, "required"
        if uscc and (reason := uscc_problem(uscc)):
            yield "uscc", uscc, reason
        for key, value in (("name", name), ("district", district)):
            if value[:1] in FORMULA_START:
                yield key, value, "starts like a spreadsheet formula (=, +, -, @); refusing it"
        if scale and scale not in SCALES:
            yield "scale", scale, f"expected one of {', '.join(SCALES)}"
        yield from _date_problem("founded_on", founded_on)

    def _holding(self, qualification: str, level: str, since: str, until: str) -> Iterator[Found]:
        if qualification[:1] in FORMULA_START:
            yield "qualification", qualification, "starts like a spreadsheet formula (=, +, -, @); refusing it"
        yield from _date_problem("since", since)
        yield from _date_problem("until", until)
        if since and until and _is_date(since) and _is_date(until) and parse_date(until) < parse_date(since):
            yield "until", until, f"ends before it starts: {COLUMNS['since'][0]} is {since}"
        if level and level not in self.levels:
            yield "level", level, "unknown level; expected " + ", ".join(sorted(set(self.levels.values())))
        if (qualification and qualification[:1] not in FORMULA_START
                and normalise(qualification) not in self.qualifications):
            close = difflib.get_close_matches(qualification, self.names, n=1, cutoff=0.3)
            hint = f"; did you mean {close[0]}?" if close else ""
            yield "qualification", qualification, "not in the ontology" + hint
        if not qualification and (level or since or until):
            yield "qualification", qualification, "a level or date is given without a qualification"


def _is_date(text: str) -> bool:
    try:
        parse_date(text)
    except ValueError:
        return False
    return True


def _date_problem(key: str, text: str) -> Iterator[Found]:
    try:
        parse_date(text)
    except ValueError:
        yield key, text, "not a date (expected YYYY-MM-DD)"


def register_batch(reg: Register, ontology: Ontology | None = None, *, skip_invalid: bool = False) -> Batch:
    """The Batch of a validated register; LoadError if any row is invalid and not ``skip_invalid``."""
    ont = ontology or load_ontology()
    _refuse_problems(reg, skip_invalid)
    return Batch.concat([register_part(reg, list(reg.enterprises), 0, ont), source_part(reg)])


def register_as_of(path: Path) -> dt.date:
    """The date a register speaks for when none is given: a date in its file name
    (``register-2026-11.csv``), else the day the file was last modified."""
    return date_in_name(Path(path).name) or dt.date.fromtimestamp(Path(path).stat().st_mtime)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (what ``policykg sources`` shows)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def source_part(reg: Register) -> Batch:
    """The register's own Source node and what it states of each enterprise it accepted
    (the last part of a register: its row count is known only once the file is read)."""
    key = register_key(reg.path)
    as_of = reg.as_of or register_as_of(reg.path)
    districts = sorted({e["district"] for e in reg.enterprises.values() if e["district"]})
    loaded_at = reg.loaded_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    source = Table(SOURCE, SOURCE_COLUMNS, [(key, "register", reg.path.name, reg.rows, loaded_at,
                                             file_sha256(reg.path), as_of, "|".join(districts) or None)])
    enterprises = Table("Enterprise", ENTERPRISE_COLUMNS, [(u, u) for u in reg.enterprises])
    states = Table(STATES, STATES_COLUMNS, [
        (key, u, e["name"], e["district"], e["industry_code"], e["scale"], e["founded_on"], as_of, key, e["_row"])
        for u, e in reg.enterprises.items()])
    return Batch(key, (source, enterprises), (states,))


def register_key(path: Path) -> str:
    """The id of the register read from ``path`` (owner of its enterprises)."""
    return stable_id("register", Path(path).stem)


def register_part(reg: Register, usccs: list[str], first_holding: int, ont: Ontology) -> Batch:
    """The Batch of enterprises ``usccs`` and of the holdings from ``first_holding`` on,
    with the qualification concepts they hold (merged, so a part stands on its own)."""
    key = register_key(reg.path)
    enterprises = Table("Enterprise", ENTERPRISE_COLUMNS, [(u, u) for u in usccs])
    holdings = reg.holdings[first_holding:]
    holds = Table("HOLDS", HOLDS_COLUMNS, [
        (h["uscc"], h["qualification"], h["level"], h["level_rank"], h["since"], h["until"], key) for h in holdings])
    held = {h["qualification"] for h in holdings}
    concepts = Batch.of(key, [concept_node(ont, "qualifications", c)
                              for c in ont.concepts("qualifications") if c.id in held], [])
    return Batch(key, (enterprises, *concepts.node_tables), (holds,) if holds.rows else ())


def _refuse_problems(reg: Register, skip_invalid: bool) -> None:
    if reg.problems and not skip_invalid:
        raise LoadError(f"{len(reg.invalid_rows)} invalid row(s); nothing was loaded", where=str(reg.path),
                        hint="fix them, or pass --skip-invalid to load the valid rows")


def load_register(store: GraphStore, path: Path, *, ontology: Ontology | None = None,
                  mapping: dict[str, str] | None = None, skip_invalid: bool = False,
                  before: Sequence[Batch] = (), progress: Callable[[int], None] | None = None,
                  report: Callable[[Register], None] | None = None, part_rows: int = 20_000,
                  as_of: dt.date | None = None) -> Register:
    """Read, check and write the register at ``path`` in one all-or-nothing transaction
    (after the batches ``before``, in the same transaction); returns what was read.

    On a store that ``streams`` (Neo4j), valid rows are written while the rest of the
    file is still being read: the server works on one core while Python checks rows on
    the other. The transaction commits only once the whole file is read and no row is
    invalid (or ``skip_invalid``); otherwise it is rolled back, LoadError is raised and
    the graph is as it was. ``report(register)`` is called once the file is read, before
    that decision, so a caller can show the problems either way.
    """
    ont = ontology or load_ontology()
    read: list[Register] = []
    path = Path(path)
    stamp = _stamp(store, path, as_of)

    def seen(reg: Register) -> None:
        reg.as_of, reg.loaded_at = stamp
        if not read:
            read.append(reg)
        if report:
            report(reg)

    try:
        if not store.streams:
            reg = read_register(path, ontology=ont, mapping=mapping, progress=progress)
            seen(reg)
            store.write_stream([*before, register_batch(reg, ont, skip_invalid=skip_invalid)])
            return reg
        return _streamed(store, path, ont, mapping, skip_invalid, before, progress, seen, part_rows, read)
    except StoreError as exc:
        raise _in_user_terms(exc, Path(path), read[0] if read else None) from exc


def _stamp(store: GraphStore, path: Path, as_of: dt.date | None) -> tuple[dt.date, str | None]:
    """(as_of, loaded_at) of the register at ``path``: loaded_at is kept from the graph when
    the same bytes with the same date are loaded again (a re-load changes nothing), else
    None (now)."""
    as_of = as_of or register_as_of(path)
    stored = store.read(f"MATCH (s:{SOURCE}) WHERE s.id = $id RETURN s.sha256 AS sha, s.as_of AS as_of, "
                        "s.loaded_at AS at", {"id": register_key(path)}).records()
    if stored and stored[0]["sha"] == file_sha256(path) and stored[0]["as_of"] == as_of:
        return as_of, stored[0]["at"]
    return as_of, None


_USCC_IN_TEXT = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])")


def _in_user_terms(exc: StoreError, path: Path, reg: Register | None) -> StoreError:
    """The store's refusal named by the user's file and row: the stores speak of their own
    sources and tables (a temp build file, a source key), the user knows the register."""
    where = str(path)
    for uscc in _USCC_IN_TEXT.findall(exc.message):
        if reg is not None and uscc in reg.enterprises:
            where = f"{path}: row {reg.enterprises[uscc]['_row']}, {COLUMNS['uscc'][0]}={uscc}"
            break
    message = exc.message
    if "owned by both" in message or "already exists" in message:
        message = "this enterprise is already loaded from another register; nothing was loaded"
    return StoreError(message, where=where,
                      hint="an enterprise belongs to one register: drop the row, or update it in that register")


class _Abandon(Exception):
    """Raised inside the writer's part iterator: roll the transaction back."""


def _streamed(store: GraphStore, path: Path, ont: Ontology, mapping: dict[str, str] | None, skip_invalid: bool,
              before: Sequence[Batch], progress: Callable[[int], None] | None,
              report: Callable[[Register], None] | None, part_rows: int, reading: list[Register]) -> Register:
    parts: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=4)
    failed: list[BaseException] = []

    def produced() -> Iterator[Batch]:
        yield from before
        while (item := parts.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def write() -> None:
        try:
            store.write_stream(produced())
        except BaseException as exc:  # handed to the reading thread, which raises it
            failed.append(exc)

    def hand(item: Batch | BaseException | None) -> None:
        while writer.is_alive():
            try:
                parts.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        if failed and not isinstance(item, BaseException):
            raise failed[0]  # the writer stopped: stop reading too

    def on_part(reg: Register, usccs: list[str], first_holding: int) -> None:
        if not reading:
            reading.append(reg)  # so that a store error can name the row, even mid-file
        if reg.problems and not skip_invalid:
            return  # the load will be refused: write no more, but read on to report every problem
        hand(register_part(reg, usccs, first_holding, ont))

    writer = threading.Thread(target=write, name="policykg-register-writer", daemon=True)
    writer.start()
    try:
        reg = read_register(path, ontology=ont, mapping=mapping, progress=progress, on_part=on_part,
                            part_rows=part_rows)
        if report:
            report(reg)
        _refuse_problems(reg, skip_invalid)
        hand(source_part(reg))  # the Source node and its statements, once the row count is known
    except BaseException:
        hand(_Abandon())
        writer.join()
        raise
    hand(None)
    writer.join()
    if failed:
        raise failed[0]
    return reg
