"""Publication-page metadata beside a document: ``<stem>.meta.yaml``.

Texts copied from a publication platform often omit the 文号 and the dates, which the
platform's page shows. The sidecar records them::

    title: 关于印发《浦东新区节能低碳专项资金管理办法》的通知
    doc_number: 沪浦发改规〔2025〕1号
    issuer: 上海市浦东新区发展和改革委员会
    issued_on: '2025-01-23'
    district: 浦东新区
    url: https://www.shanghai.gov.cn/...

Which wins: the sidecar is the publisher's own record, so it wins for ``doc_number``,
``issued_on`` and ``district`` (the text's header may be missing, cut or OCR-damaged).
``title`` and ``issuer`` come from the text where the text has them (the text names the
policy itself, the page names the notice that publishes it) and from the sidecar otherwise.
Effective dates stay the text's; "自印发之日起施行" and "有效期N年" are re-read against the
sidecar's issue date when the text gave none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from loaders import patterns as P
from loaders.metadata import Metadata
from loaders.numerals import add_years, parse_number
from policykg.errors import ExtractError

FIELDS = ("title", "doc_number", "issuer", "issued_on", "district", "url", "source")


@dataclass(frozen=True)
class Sidecar:
    """The values of a ``.meta.yaml`` file (None where absent)."""

    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    issued_on: dt.date | None = None
    district: str | None = None
    url: str | None = None


def sidecar_path(document: Path) -> Path:
    """Where the publication metadata of ``document`` lives."""
    return document.with_name(document.stem + ".meta.yaml")


def read_sidecar(path: Path) -> Sidecar:
    """Read and check a sidecar; ExtractError names the file and the field that is wrong."""
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ExtractError(f"cannot read the metadata file: {exc}", where=str(path)) from exc
    if not isinstance(data, dict):
        raise ExtractError("expected a mapping of fields", where=str(path), hint="fields: " + ", ".join(FIELDS))
    unknown = sorted(set(map(str, data)) - set(FIELDS))
    if unknown:
        raise ExtractError(f"unknown field(s) {', '.join(unknown)}", where=str(path),
                           hint="fields: " + ", ".join(FIELDS))
    values: dict[str, object] = {}
    for name in ("title", "doc_number", "issuer", "district", "url"):
        v = data.get(name)
        if v is not None and not isinstance(v, str):
            raise ExtractError(f"{name}: expected text, got {v!r}", where=str(path))
        values[name] = v.strip() or None if isinstance(v, str) else None
    issued = data.get("issued_on")
    if isinstance(issued, str):
        try:
            issued = dt.date.fromisoformat(issued.strip())
        except ValueError:
            raise ExtractError(f"issued_on: {issued!r} is not a date", where=str(path),
                               hint="write it as YYYY-MM-DD") from None
    if issued is not None and (isinstance(issued, dt.datetime) or not isinstance(issued, dt.date)):
        raise ExtractError(f"issued_on: {issued!r} is not a date", where=str(path), hint="write it as YYYY-MM-DD")
    return Sidecar(issued_on=issued, **values)  # type: ignore[arg-type]


def merge_metadata(meta: Metadata, side: Sidecar, text: str) -> Metadata:
    """``meta`` (read from the text) completed and corrected by ``side`` (see module doc)."""
    issued = side.issued_on or meta.issued_on
    effective_from = meta.effective_from
    if effective_from is None and P.EFFECTIVE_ON_ISSUE.search(text):
        effective_from = issued
    effective_until = meta.effective_until
    if effective_until is None and effective_from and (m := P.EFFECTIVE_YEARS.search(text)):
        effective_until = add_years(effective_from, parse_number(m.group(1)))
    return replace(
        meta,
        title=meta.title or side.title,
        doc_number=side.doc_number or meta.doc_number,
        issuer=meta.issuer or side.issuer,
        issued_on=issued,
        effective_from=effective_from,
        effective_until=effective_until,
    )
