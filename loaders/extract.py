"""From a file to an ExtractedDocument: read, split, resolve names through the ontology."""

from __future__ import annotations

from pathlib import Path

from loaders import patterns as P
from loaders.bureaus import BureauResolver
from loaders.curation import apply_curation, curation_path
from loaders.discovery import discover
from loaders.document import Article, Chapter, ExtractedDocument, ExtractWarning, Measure
from loaders.gazetteer import find_place
from loaders.knowledge import Knowledge, read_measure
from loaders.metadata import read_metadata
from loaders.sidecar import Sidecar, merge_metadata, read_sidecar, sidecar_path
from loaders.structure import RawArticle, find_notes, granting_clauses, lines_of, note_segments, parse_structure
from loaders.text import read_text
from ontology import Ontology, load_ontology
from policykg.errors import ExtractError
from policykg.settings import Limits, load_limits

_KNOWLEDGE: dict[int, Knowledge] = {}


def _knowledge(ont: Ontology) -> Knowledge:
    """Matchers are built once per ontology object (cheap to keep, costly to rebuild)."""
    if id(ont) not in _KNOWLEDGE:
        _KNOWLEDGE[id(ont)] = Knowledge.build(ont)
    return _KNOWLEDGE[id(ont)]


_RESOLVERS: dict[int, BureauResolver] = {}


def bureau_resolver(ont: Ontology) -> BureauResolver:
    """The bureau resolver of ``ont``, built once."""
    if id(ont) not in _RESOLVERS:
        _RESOLVERS[id(ont)] = BureauResolver(ont)
    return _RESOLVERS[id(ont)]


def extract_file(path: Path, *, ontology: Ontology | None = None, title: str | None = None) -> ExtractedDocument:
    """Extract one document file; ExtractError names the file if it is not of the genre.
    Publication metadata in ``<stem>.meta.yaml`` beside it is used (loaders/sidecar.py)."""
    path = Path(path)
    src = read_text(path)
    ont = ontology or load_ontology()
    side = sidecar_path(path)
    sidecar = read_sidecar(side) if side.exists() else None
    doc = extract_text(src.text, source=str(path), sha256=src.sha256, ontology=ont, title=title, sidecar=sidecar)
    corrections = curation_path(path)
    return apply_curation(doc, corrections, ont) if corrections.exists() else doc


def extract_text(text: str, *, source: str, sha256: str = "", ontology: Ontology | None = None,
                 title: str | None = None, sidecar: Sidecar | None = None) -> ExtractedDocument:
    """Extract a document from its text (``source`` names it in errors and provenance);
    ``sidecar`` is its publication metadata, if any."""
    ont = ontology or load_ontology()
    lines = lines_of(text)
    raw_chapters, raw_articles, _style = parse_structure(lines)
    if not raw_articles:
        raise ExtractError(
            "no numbered articles found; this does not look like a policy document of the genre",
            where=source, hint="expected articles numbered like '第一条', '1.', '（一）' or '一、'",
        )
    limits = load_limits()
    _check_sizes(raw_articles, source, limits)
    meta = read_metadata(lines, text, title)
    if sidecar is not None:
        meta = merge_metadata(meta, sidecar, text)
    for name, value in (("title", meta.title), ("doc_number", meta.doc_number), ("issuer", meta.issuer)):
        if value and len(value) > limits.field_chars:
            raise ExtractError(f"the {name} is {len(value):,} characters long, over the limit of "
                               f"{limits.field_chars:,}", where=source,
                               hint="is the file one long line? split it, or raise POLICYKG_MAX_FIELD_CHARS")
    place = find_place(ont, meta.title, meta.issuer, meta.doc_number, "".join(ln.text for ln in lines[:10]))
    district = place.label_zh if place else None
    if sidecar is not None and sidecar.district:  # the publisher's page knows best
        named = find_place(ont, sidecar.district)
        district, place = (named.label_zh, named) if named else (sidecar.district, None)
    if district is None and (m := P.DISTRICT_IN_TITLE.match(meta.title or "")):
        district = m.group(1)  # a district no dataset knows: as the title names it
    bureaus = bureau_resolver(ont)
    know = _knowledge(ont)
    warnings: list[ExtractWarning] = list(meta.warnings)
    if district and place is None:  # said at load, rather than a surprise in eligibility later
        warnings.append(ExtractWarning("district", district, (
            f"district {district!r} is not a place of the ontology (ontology/places.ttl): the document applies "
            f"only to enterprises registered in exactly {district!r}; add the place there to put it under its city")))
    seen: dict[int, int] = {}
    articles = []
    for a in raw_articles:
        if a.number in seen and a.chapter == seen[a.number]:
            warnings.append(ExtractWarning("article", str(a.number),
                                           f"line {a.line}: article {a.number} appears twice in chapter {a.chapter}"))
        seen[a.number] = a.chapter
        measures, unknown = [], []
        notes = find_notes(a.text)
        for seg_start, seg_end, note in note_segments(a.text, notes):
            names, leads = [], []
            for written, lead in note.names if note else ():
                resolved = bureaus.resolve(written, district)
                if resolved is None:
                    continue  # 各相关单位, 各有关部门: not a bureau
                name = resolved.name
                if not resolved.known:
                    unknown.append(written)
                    warnings.append(ExtractWarning("bureau", written, f"line {a.line}: article {a.number}: "
                                                   f"bureau {written!r} is not in the ontology"))
                if name not in names:
                    names.append(name)
                    if lead:
                        leads.append(name)
            for start, end in granting_clauses(a.text, seg_start, seg_end):
                facts = read_measure(know, a.text[start:end], start)
                measures.append(Measure(
                    a.text[start:end], start, end, tuple(names), tuple(leads),
                    qualifications=tuple(facts["qualifications"]), support_forms=tuple(facts["support_forms"]),
                    beneficiaries=tuple(facts["beneficiaries"]), industries=tuple(facts["industries"]),
                    amounts=tuple(facts["amounts"]), assessment=facts["assessment"],
                    conditions=tuple(facts["conditions"]), requirements=tuple(facts["requirements"]),
                    note=notes.index(note) if note else None,
                ))
        found = tuple(discover(know, a.text))  # recognitions the ontology lacks, for curators
        articles.append(Article(a.number, a.title, a.chapter, a.text, a.line, tuple(measures),
                                tuple(dict.fromkeys(unknown)), tuple(dict.fromkeys(c.phrase for c in found)),
                                candidates=found,
                                section=a.section, last_line=a.last_line))
    chapters = tuple(
        Chapter(c.number, c.title, tuple(a.number for a in articles if a.chapter == c.number), c.line,
                theme=(t.label_zh if (t := know.themes.best(c.title or "")) else None))
        for c in raw_chapters
    )
    if meta.title is None:
        warnings.append(ExtractWarning("title", "", "no title found; pass --title"))
    return ExtractedDocument(
        source=source, sha256=sha256, title=meta.title, doc_number=meta.doc_number, issuer=meta.issuer,
        issued_on=meta.issued_on, effective_from=meta.effective_from, effective_until=meta.effective_until,
        district=district, chapters=chapters, articles=tuple(articles), warnings=tuple(dict.fromkeys(warnings)),
    )


def _check_sizes(articles: list[RawArticle], source: str, limits: Limits) -> None:
    """Refuse an article or a responsibility note longer than the limits: a real one is a
    few thousand characters, so a longer one is a broken file (no line breaks, a pasted
    table), and every stored text must load again on both backends."""
    for a in articles:
        where = f"{source}: line {a.line}: article {a.number}"
        if len(a.text) > limits.article_chars:
            raise ExtractError(f"the article is {len(a.text):,} characters long, over the limit of "
                               f"{limits.article_chars:,}", where=where,
                               hint="check the file's article numbering, or raise POLICYKG_MAX_ARTICLE_CHARS")
        for note in find_notes(a.text):
            if note.end - note.start > limits.note_chars:
                raise ExtractError(f"a responsibility note is {note.end - note.start:,} characters long, over the "
                                   f"limit of {limits.note_chars:,}", where=where,
                                   hint="check its brackets, or raise POLICYKG_MAX_NOTE_CHARS")
