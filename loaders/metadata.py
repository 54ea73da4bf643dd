"""Document metadata from the genre's header and closing clauses: title, 文号, issuer,
issue date, and the effective period."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from loaders import patterns as P
from loaders.document import ExtractWarning
from loaders.numerals import PLAUSIBLE_YEARS, add_years, parse_date, parse_number
from loaders.structure import Line, classify


@dataclass(frozen=True)
class Metadata:
    """What the header and closing clauses say about the document."""

    title: str | None
    doc_number: str | None
    issuer: str | None
    issued_on: dt.date | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    warnings: tuple[ExtractWarning, ...] = ()


def header_lines(lines: list[Line]) -> list[Line]:
    """Lines before the body starts (the first numbered heading or article)."""
    out = []
    for ln in lines:
        if classify(ln.text):
            break
        out.append(ln)
    return out


def read_metadata(lines: list[Line], text: str, title_override: str | None = None) -> Metadata:
    """Metadata of the document whose non-empty lines are ``lines`` and full text ``text``.

    A date that cannot exist (2025年13月45日) is left out, a year outside PLAUSIBLE_YEARS
    or a period that ends before it starts is kept as written; each gives a warning."""
    warnings: list[ExtractWarning] = []
    head = header_lines(lines)[:40]
    doc_number = next((ln.text for ln in head[:5] if P.DOC_NUMBER.match(ln.text)), None)

    title, issuer = None, None
    joined = "".join(ln.text for ln in head[:8])
    notice = P.NOTICE_TITLE.search(joined)
    if notice:
        title = notice.group(2).strip()
        prefix = notice.group(1)
        if doc_number and prefix.startswith(doc_number):
            prefix = prefix[len(doc_number):]
        issuer = prefix.strip() or None
    if title is None:
        title = next((ln.text for ln in head if not P.DOC_NUMBER.match(ln.text)
                      and not P.DATE_LINE.match(ln.text)), None)
    if title_override:
        title = title_override

    issued_on = None
    date_idx = None
    for i, ln in enumerate(head):
        m = P.DATE_LINE.match(ln.text)
        if m:
            issued_on, date_idx = _date(m, "issued_on", warnings), i
            break
    if issuer is None and date_idx is not None:
        start = next((i + 1 for i, ln in enumerate(head[:date_idx]) if P.NOTICE_END.search(ln.text)), None)
        if start is not None:
            names = [n for ln in head[start:date_idx] for n in ln.text.split()]
            issuer = "、".join(names) or None

    effective_from = None
    if m := P.EFFECTIVE_FROM.search(text):
        effective_from = _date(m, "effective_from", warnings)
    elif P.EFFECTIVE_ON_ISSUE.search(text):
        effective_from = issued_on
    effective_until = None
    if m := P.EFFECTIVE_UNTIL.search(text):
        effective_until = _date(m, "effective_until", warnings)
    elif (m := P.EFFECTIVE_YEARS.search(text)) and effective_from:
        effective_until = add_years(effective_from, parse_number(m.group(1)))
    start = effective_from or issued_on
    if effective_until and start and effective_until < start:
        which = "takes effect" if effective_from else "is issued"
        warnings.append(ExtractWarning(
            "effective_until", effective_until.isoformat(),
            f"effective_until: the document is valid until {effective_until} but {which} on {start}; "
            "kept as written, check the dates"))
    return Metadata(title, doc_number, issuer, issued_on, effective_from, effective_until, tuple(warnings))


def _date(match: re.Match[str], field: str, warnings: list[ExtractWarning]) -> dt.date | None:
    """The date of ``match`` (a DATE_PATTERN inside it), with a warning if it cannot be a
    policy date: None for a day that does not exist, the day itself for an odd year."""
    text = P.DATE_ANY.search(match.group(0))
    written = text.group(0) if text else match.group(0)
    day = parse_date(match)
    if day is None:
        warnings.append(ExtractWarning(field, written, f"{field}: {written} is not a real date; left out"))
    elif day.year not in PLAUSIBLE_YEARS:
        warnings.append(ExtractWarning(
            field, written, f"{field}: the year {day.year} is outside {PLAUSIBLE_YEARS.start}-"
            f"{PLAUSIBLE_YEARS.stop - 1}; kept as written, check the date"))
    return day
