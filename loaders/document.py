"""What the loader understood of a document, before any database: the extract contract.

``ExtractedDocument.to_contract()`` is the JSON of ``policykg extract`` described in
DESIGN.md; other tools rely on its shape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExtractWarning:
    """Something the loader noticed but did not stop for: the ``field`` it concerns
    (``effective_until``, ``article``, ``bureau``, ...), the ``text`` as written in the
    document, and a ``message`` for people. Shown on screen, in the extract JSON, and
    stored on the document node, so nothing is dropped silently."""

    field: str
    text: str
    message: str

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, str]:
        """Contract form."""
        return {"field": self.field, "text": self.text, "message": self.message}


@dataclass(frozen=True)
class Found:
    """A concept found in an article: canonical ``name``, the exact ``mention`` and its span
    in the article text, the level stated for it (qualifications), the concept id."""

    name: str
    mention: str
    start: int
    end: int
    level: str | None
    concept_id: str | None
    curated: str | None = None  # the corrections file that added it

    def as_dict(self) -> dict[str, Any]:
        """Contract form."""
        out = {"name": self.name, "mention": self.mention, "level": self.level, "start": self.start,
               "end": self.end}
        if self.curated:
            out["curated"] = self.curated
        return out


@dataclass(frozen=True)
class Amount:
    """A figure stated in a measure: fixed ``amount`` or ``cap`` in 万元, or a ``ratio`` in
    percent of ``basis`` (the first contract's fields), and the typed form of the second
    contract: ``kind`` (grant, cap, ratio, rate, threshold), ``value`` in ``unit``, what
    it is counted ``per``, and its span in the article (loaders/amounts.py)."""

    text: str
    amount: float | None
    cap: float | None
    ratio: float | None
    basis: str | None
    kind: str | None = None
    value: float | None = None
    unit: str | None = None
    per: str | None = None
    start: int | None = None
    end: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Contract form: the typed fields (DESIGN.md, second version) and the first ones."""
        return {"kind": self.kind, "value": self.value, "unit": self.unit, "per": self.per, "basis": self.basis,
                "text": self.text, "start": self.start, "end": self.end,
                "amount_wan": self.amount, "cap_wan": self.cap, "ratio": self.ratio}


@dataclass(frozen=True)
class Measure:
    """One granting clause of an article: ``text == article.text[start:end]``, with the
    bureaus of the note that covers it and what it requires and provides."""

    text: str
    start: int
    end: int
    bureaus: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    qualifications: tuple[Found, ...] = ()
    support_forms: tuple[Found, ...] = ()
    beneficiaries: tuple[Found, ...] = ()
    industries: tuple[Found, ...] = ()
    amounts: tuple[Amount, ...] = ()
    assessment: str | None = None
    note: int | None = None  # index of the responsibility note that covers it
    # sizes the applicant must reach (loaders.amounts.Condition), and the qualifications as
    # groups that must all hold, any one of a group doing (tuples of Found)
    conditions: tuple[Any, ...] = ()
    requirements: tuple[tuple[Found, ...], ...] = ()


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
    unknown_qualifications: tuple[str, ...] = ()
    section: bool = False  # text under a heading kept whole (保障措施, 附则, a notice's body), not numbered
    last_line: int = 0  # 1-based line of its last text line (``line`` is its first)
    # recognitions the ontology lacks, with spans (loaders.discovery.Candidate); their
    # phrases are ``unknown_qualifications``
    candidates: tuple[Any, ...] = ()

    @property
    def bureaus(self) -> tuple[str, ...]:
        """Canonical names of every bureau named for this article, first mention first."""
        return tuple(dict.fromkeys(b for m in self.measures for b in m.bureaus))

    @property
    def qualifications(self) -> tuple[Found, ...]:
        """Qualifications over all measures, one per name (its first mention)."""
        seen: dict[str, Found] = {}
        for m in self.measures:
            for q in m.qualifications:
                seen.setdefault(q.name, q)
        return tuple(seen.values())

    @property
    def support_forms(self) -> tuple[str, ...]:
        """Names of the support forms over all measures, first mention first."""
        return tuple(dict.fromkeys(f.name for m in self.measures for f in m.support_forms))


@dataclass(frozen=True)
class Chapter:
    """A heading that directly contains articles, numbered by order of appearance."""

    number: int
    title: str | None
    articles: tuple[int, ...]
    line: int
    theme: str | None = None


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
    warnings: tuple[ExtractWarning, ...] = field(default=())

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
                {"number": c.number, "title": c.title, "articles": list(c.articles), "theme": c.theme}
                for c in self.chapters
            ],
            "articles": [
                {
                    "number": a.number,
                    "title": a.title,
                    "chapter": a.chapter,
                    "text": a.text,
                    "bureaus": list(a.bureaus),
                    "qualifications": [q.as_dict() for q in a.qualifications],
                    "support_forms": list(a.support_forms),
                    "unknown_qualifications": list(a.unknown_qualifications),
                    "measures": [
                        {
                            "text": m.text, "start": m.start, "end": m.end, "bureaus": list(m.bureaus),
                            "qualifications": [q.as_dict() for q in m.qualifications],
                            "support_forms": [f.as_dict() for f in m.support_forms],
                            "beneficiaries": [f.name for f in m.beneficiaries],
                            "industries": [f.name for f in m.industries],
                            "amounts": [x.as_dict() for x in m.amounts],
                            "conditions": [c.as_dict() for c in m.conditions],
                            "requirements": [{"any_of": [{"name": q.name, "level": q.level} for q in g]}
                                             for g in m.requirements],
                            "assessment": m.assessment,
                        }
                        for m in a.measures
                    ],
                }
                for a in self.articles
            ],
            "warnings": [w.as_dict() for w in self.warnings],
        }
