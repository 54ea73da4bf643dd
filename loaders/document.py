"""What the loader understood of a document, before any database: the extract contract.

``ExtractedDocument.to_contract()`` is the JSON of ``policykg extract`` described in
DESIGN.md; other tools rely on its shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Measure:
    """One clause of an article: ``text == article.text[start:end]``, with its bureaus."""

    text: str
    start: int
    end: int
    bureaus: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()


@dataclass(frozen=True)
class Article:
    """A numbered article; ``bureaus`` is the union over its measures, in order."""

    number: int
    title: str | None
    chapter: int | None
    text: str
    line: int
    measures: tuple[Measure, ...] = ()
    unknown_bureaus: tuple[str, ...] = ()

    @property
    def bureaus(self) -> tuple[str, ...]:
        """Canonical names of every bureau named for this article, first mention first."""
        return tuple(dict.fromkeys(b for m in self.measures for b in m.bureaus))


@dataclass(frozen=True)
class Chapter:
    """A heading that directly contains articles, numbered by order of appearance."""

    number: int
    title: str | None
    articles: tuple[int, ...]
    line: int


@dataclass(frozen=True)
class ExtractedDocument:
    """Metadata, chapters and articles of one policy document."""

    source: str
    sha256: str
    title: str | None
    doc_number: str | None
    issuer: str | None
    issued_on: dt.date | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    district: str | None
    chapters: tuple[Chapter, ...]
    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_contract(self) -> dict[str, Any]:
        """The JSON structure of ``policykg extract`` (DESIGN.md)."""

        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "document": {
                "title": self.title,
                "doc_number": self.doc_number,
                "issuer": self.issuer,
                "issued_on": iso(self.issued_on),
                "effective_from": iso(self.effective_from),
                "effective_until": iso(self.effective_until),
                "district": self.district,
                "source": self.source,
                "sha256": self.sha256,
            },
            "chapters": [
                {"number": c.number, "title": c.title, "articles": list(c.articles)} for c in self.chapters
            ],
            "articles": [
                {
                    "number": a.number,
                    "title": a.title,
                    "chapter": a.chapter,
                    "text": a.text,
                    "bureaus": list(a.bureaus),
                    "qualifications": [],
                    "support_forms": [],
                    "measures": [
                        {"text": m.text, "start": m.start, "end": m.end, "bureaus": list(m.bureaus)}
                        for m in a.measures
                    ],
                }
                for a in self.articles
            ],
            "warnings": list(self.warnings),
        }
