"""Versions of a policy: who a document is, which earlier documents it repeals or amends,
and the links between documents that the graph keeps for as-of questions.

Identity. A document is its issuing place and 文号 or, without a 文号, its normalised title
and issue date (``identity``): a corrected copy (brackets fixed, spaces removed) is the
same document, so a re-load replaces it instead of adding a second one.

References. The genre states a repeal in a closing clause ("原《…》（文号）同时废止",
"《…》（文号）自本政策生效之日起废止", "决定废止《…》（文号）。废止文件自…起停止执行") or in
the title of an abolition notice ("关于废止…《…》的通知"); an amendment as "对《…》…修订/修改".
Only these genre patterns live here; which document repeals which is read from the texts.

Links. ``REPEALS``/``AMENDS`` relationships are derived from every stored document's
references, so they are rebuilt at each load and unload (``links_batch``) and a
reference to a document loaded later is linked when it arrives. A reference that names
no stored document stays as text on the document (property ``references``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from graph.records import LINKS_KEY, Batch, NodeRecord, RelRecord
from graph.store import GraphStore
from loaders.document import ExtractedDocument

_NUMBER = r"[^\s《》（）()、，,。；;:：]{1,16}\s*[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*第?\s*\d+\s*号"
_TITLE = r"《([^《》]{2,120})》"
# 《title》 optionally followed by （文号）, or a bare （文号）.
_CITED = re.compile(_TITLE + r"(?:\s*[（(]\s*(" + _NUMBER + r")\s*[）)])?")
_BARE_NUMBER = re.compile(r"[（(]\s*(" + _NUMBER + r")\s*[）)]")
_REPEAL = re.compile(r"废止|停止执行|不再执行|代替|替代|取代")
_AMEND = re.compile(r"(?:对|将)《[^《》]+》[^。；;]{0,40}?(?:进行|作|予以)?(?:修订|修改)(?!版|后的)")
_STOP_DATE = re.compile(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起[^。；;]{0,12}(?:停止执行|废止|失效)")
_ABOLITION_TITLE = re.compile(r"关于(?:废止|停止执行|宣布失效)")
_SENTENCE = re.compile(r"[^。；;\n]+[。；;\n]?")
# Words that cite a document as a basis or a standard, not as one being repealed.
_BASIS = re.compile(r"根据|依据|按照|参照|依照")
_SAME_TEXT = re.compile(r"(?:废止|原|该|上述)(?:文件|办法|政策|规定)")


@dataclass(frozen=True)
class Reference:
    """An earlier document this one repeals or amends, as the text names it."""

    kind: str  # "repeals" or "amends"
    doc_number: str | None
    title: str | None
    since: dt.date | None  # the day the text says the earlier one stops (None: this one's start)
    text: str  # the sentence, as written

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO text)."""
        d = asdict(self)
        d["since"] = self.since.isoformat() if self.since else None
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Reference:
        """The inverse of ``as_dict``."""
        since = d.get("since")
        return Reference(d["kind"], d.get("doc_number"), d.get("title"),
                         dt.date.fromisoformat(since) if since else None, d.get("text", ""))


_BRACKETS = str.maketrans({"（": "(", "）": ")", "〔": "[", "〕": "]", "［": "[", "］": "]", "【": "[", "】": "]",
                           "“": "", "”": "", "\"": "", "‘": "", "’": "", "'": "", "《": "", "》": "",
                           "，": ",", "：": ":", "、": ","})


def normalise(text: str | None) -> str:
    """Text compared without spaces, quote marks and bracket styles: ``关于印发《X（试行）》的通知``
    and ``关于印发《X(试行)》的通知`` are one title, ``闵府规发〔2024〕11号`` and
    ``闵府规发[2024] 11号`` one number.

    >>> normalise("闵府规发〔2024〕 11号") == normalise("闵府规发[2024]11号")
    True
    """
    return re.sub(r"\s+", "", (text or "").translate(_BRACKETS)).replace("第", "") if text else ""


def inner_title(title: str | None) -> str | None:
    """The policy's own name inside a cover notice's title: ``关于印发《X》的通知`` -> ``X``."""
    if not title:
        return None
    m = re.search(r"印发(?:修订后的)?《([^《》]+)》", title)
    return m.group(1) if m else None


def canonical_number(doc_number: str) -> str:
    """A 文号 in one spelling: no spaces, 〔〕 for its year brackets, no 第.

    >>> canonical_number("闵府规发[2024] 第11号")
    '闵府规发〔2024〕11号'
    """
    text = re.sub(r"\s+", "", doc_number).replace("第", "")
    return re.sub(r"[\[［【(（](\d{4})[\]］】)）]", r"〔\1〕", text)


def identity(doc_number: str | None, district: str | None, title: str | None,
             issued_on: dt.date | None) -> tuple[str, ...]:
    """Who a document is: (place, 文号), or (normalised title, issue date) without a 文号.

    >>> identity("闵府规发〔2024〕11号", "闵行区", "x", None)
    ('闵行区', '闵府规发〔2024〕11号')
    """
    if doc_number:
        return (district or "", canonical_number(doc_number))
    return ("title", normalise(title), issued_on.isoformat() if issued_on else "")


def references(doc: ExtractedDocument) -> list[Reference]:
    """The earlier documents ``doc`` says it repeals or amends (its articles, sections and,
    for an abolition notice, its title), in text order, each once."""
    own_number = normalise(doc.doc_number)
    own_titles = {normalise(t) for t in (doc.title, inner_title(doc.title)) if t}
    found: dict[tuple[str, str], Reference] = {}
    texts = [a.text for a in doc.articles]
    for text in texts:
        sentences = [m.group(0).strip() for m in _SENTENCE.finditer(text)]
        for i, sentence in enumerate(sentences):
            after = sentences[i + 1] if i + 1 < len(sentences) else ""  # "废止文件自…起停止执行"
            for ref in _in_sentence(sentence, after):
                if _is_self(ref, own_number, own_titles):
                    continue
                found.setdefault((ref.kind, normalise(ref.doc_number) or normalise(ref.title)), ref)
    if doc.title and _ABOLITION_TITLE.search(doc.title) and not any(r.kind == "repeals" for r in found.values()):
        for m in _CITED.finditer(doc.title):  # a notice that says nothing but its title
            ref = Reference("repeals", m.group(2), m.group(1), None, doc.title)
            found.setdefault(("repeals", normalise(ref.doc_number) or normalise(ref.title)), ref)
    return list(found.values())


def _in_sentence(sentence: str, after: str = "") -> list[Reference]:
    """References one sentence makes: a cited 《title》(文号) next to a repeal or amendment verb;
    the day it stops is read from the sentence or, if not there, from the one ``after`` it
    when that one speaks of the cited text (废止文件, 原文件, 该文件...)."""
    out = []
    stop = _STOP_DATE.search(sentence) or (_STOP_DATE.search(after) if _SAME_TEXT.match(after) else None)
    since = _date(stop) if stop else None
    if _AMEND.search(sentence):
        for m in _CITED.finditer(sentence):
            out.append(Reference("amends", m.group(2), m.group(1), since, sentence))
        return out
    verb = _REPEAL.search(sentence)
    if not verb:
        return out
    cited = [m for m in _CITED.finditer(sentence) if not _cited_as_basis(sentence, m.start())]
    numbered = [m for m in cited if m.group(2)]
    for m in numbered or cited:
        out.append(Reference("repeals", m.group(2), m.group(1), since, sentence))
    if not cited:  # "（文号）文件同时废止" without a title
        for m in _BARE_NUMBER.finditer(sentence):
            out.append(Reference("repeals", m.group(1), None, since, sentence))
    return out


def _cited_as_basis(sentence: str, at: int) -> bool:
    """True if the citation at ``at`` follows 根据/依据/按照… within a few characters."""
    return bool(_BASIS.search(sentence[max(0, at - 4):at]))


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _is_self(ref: Reference, own_number: str, own_titles: set[str]) -> bool:
    if ref.doc_number:
        return normalise(ref.doc_number) == own_number
    return normalise(ref.title) in own_titles


def references_json(doc: ExtractedDocument) -> str | None:
    """``references(doc)`` as the text stored on the document node (None when there are none)."""
    refs = references(doc)
    return json.dumps([r.as_dict() for r in refs], ensure_ascii=False) if refs else None


# --- links between stored documents ---------------------------------------------------------------
@dataclass(frozen=True)
class DocInfo:
    """What linking needs of a document: its id, names, dates and references."""

    id: str
    doc_number: str | None
    title: str | None
    district: str | None
    issued_on: dt.date | None
    effective_from: dt.date | None
    references: tuple[Reference, ...]

    @staticmethod
    def of(props: dict[str, Any]) -> DocInfo:
        """From a PolicyDocument node's properties (as stored or as batched)."""
        refs = tuple(Reference.from_dict(r) for r in json.loads(props.get("references") or "[]"))
        return DocInfo(str(props["id"]), props.get("doc_number"), props.get("title"), props.get("district"),
                       props.get("issued_on"), props.get("effective_from"), refs)


def resolve(ref: Reference, citing: DocInfo, docs: Sequence[DocInfo]) -> DocInfo | None:
    """The document ``ref`` names among ``docs``: by 文号 (the citing document's place first),
    else by title (its own or the policy's inside a cover notice), the latest issued
    before the citing one; None if none matches."""
    others = [d for d in docs if d.id != citing.id]
    if ref.doc_number:
        number = normalise(ref.doc_number)
        hits = [d for d in others if normalise(d.doc_number) == number]
        same_place = [d for d in hits if d.district == citing.district]
        if same_place or hits:
            return (same_place or hits)[0]
    if ref.title:
        title = normalise(ref.title)
        hits = [d for d in others if title in {normalise(d.title), normalise(inner_title(d.title))}]
        if citing.issued_on:
            hits = [d for d in hits if d.issued_on is None or d.issued_on <= citing.issued_on] or hits
        if hits:
            return max(hits, key=lambda d: (d.issued_on or dt.date.min, d.id))
    return None


def links_batch(docs: Iterable[DocInfo]) -> Batch:
    """The REPEALS/AMENDS relationships among ``docs`` (every document the graph will hold),
    as the batch of source ``LINKS_KEY``; ``since`` is the day the text names, else the
    citing document's start (施行), else its issue date."""
    docs = list(docs)
    nodes, rels = [], []
    for d in docs:
        for ref in d.references:
            target = resolve(ref, d, docs)
            if target is None:
                continue
            rtype = "REPEALS" if ref.kind == "repeals" else "AMENDS"
            since = ref.since or d.effective_from or d.issued_on
            nodes += [NodeRecord("PolicyDocument", d.id), NodeRecord("PolicyDocument", target.id)]
            rels.append(RelRecord(rtype, d.id, target.id, {"since": since, "text": ref.text[:500]}))
    return Batch.of(LINKS_KEY, nodes, rels)


_STORED = """
MATCH (d:PolicyDocument)
RETURN d.id AS id, d.doc_number AS doc_number, d.title AS title, d.district AS district,
       d.issued_on AS issued_on, d.effective_from AS effective_from, d.references AS references
"""


def stored_documents(store: GraphStore) -> list[DocInfo]:
    """The documents the graph holds now (empty if it holds none or has no tables yet)."""
    return [DocInfo.of(r) for r in store.read(_STORED).records() if r["id"]]


def batch_documents(batches: Iterable[Batch]) -> list[DocInfo]:
    """The documents that ``batches`` write (their own PolicyDocument node)."""
    out = []
    for b in batches:
        for n in b.nodes if b.key != LINKS_KEY else ():
            if n.label == "PolicyDocument" and n.id == b.key:
                out.append(DocInfo.of({"id": n.id, **n.props}))
    return out


def with_links(store: GraphStore, batches: list[Batch], *, removed: Iterable[str] = ()) -> list[Batch]:
    """``batches`` plus the links batch of the graph they make (stored documents, replaced
    or removed ones left out), to be written in the same transaction."""
    new = batch_documents(batches)
    gone = {d.id for d in new} | set(removed)
    docs = [d for d in stored_documents(store) if d.id not in gone] + new
    return [*batches, links_batch(docs)]
