"""Turn an ExtractedDocument into a graph Batch with stable, content-derived ids."""

from __future__ import annotations

import hashlib

from graph.records import Batch, NodeRecord, RelRecord
from loaders.document import ExtractedDocument
from loaders.gazetteer import Gazetteer
from ontology import Ontology, load_ontology


def stable_id(prefix: str, *parts: object) -> str:
    """A short ASCII id from content, the same on every machine and every run.

    >>> stable_id("doc", "闵行区", "闵府规发〔2024〕11号")
    'doc-94c53172d5a3'
    """
    digest = hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}-{digest[:12]}"


def document_id(doc: ExtractedDocument) -> str:
    """Id of a document: from its district, 文号, title and issue date (not its file name)."""
    return stable_id("doc", doc.district, doc.doc_number, doc.title, doc.issued_on)


def document_batch(doc: ExtractedDocument, ontology: Ontology | None = None) -> Batch:
    """Nodes and relationships of one document, as one batch that replaces its previous load."""
    ont = ontology or load_ontology()
    gaz = Gazetteer.build(ont, "bureaus")
    did = document_id(doc)
    nodes = [NodeRecord("PolicyDocument", did, {
        "title": doc.title, "doc_number": doc.doc_number, "issuer": doc.issuer,
        "issued_on": doc.issued_on, "effective_from": doc.effective_from,
        "effective_until": doc.effective_until, "district": doc.district,
        "sha256": doc.sha256, "source": doc.source.rsplit("/", 1)[-1],
    })]
    rels = []
    chapter_ids = {}
    for ch in doc.chapters:
        cid = f"{did}-c{ch.number}"
        chapter_ids[ch.number] = cid
        nodes.append(NodeRecord("Chapter", cid, {"number": ch.number, "title": ch.title, "document_id": did}))
        rels.append(RelRecord("HAS_CHAPTER", did, cid))
    if any(a.chapter is None for a in doc.articles):
        cid = f"{did}-c0"
        chapter_ids[None] = cid
        nodes.append(NodeRecord("Chapter", cid, {"number": 0, "document_id": did}))
        rels.append(RelRecord("HAS_CHAPTER", did, cid))
    bureau_ids: dict[str, str] = {}

    def bureau(name: str) -> str:
        if name not in bureau_ids:
            c = gaz.resolve(name, doc.district)
            if c is not None:
                bureau_ids[name] = c.id
                nodes.append(NodeRecord("Bureau", c.id, {
                    "name": c.label_zh, "name_en": c.label_en, "full_name": c.full_name,
                    "district": c.district, "known": True,
                }))
            else:
                bid = stable_id("bureau", doc.district, name)
                bureau_ids[name] = bid
                nodes.append(NodeRecord("Bureau", bid, {"name": name, "district": doc.district, "known": False}))
        return bureau_ids[name]

    for a in doc.articles:
        aid = f"{chapter_ids[a.chapter]}-a{a.number}"
        nodes.append(NodeRecord("Article", aid, {"number": a.number, "title": a.title, "text": a.text,
                                                 "document_id": did}))
        rels.append(RelRecord("HAS_ARTICLE", chapter_ids[a.chapter], aid))
        leads = {b for m in a.measures for b in m.lead}
        for name in a.bureaus:
            rels.append(RelRecord("RESPONSIBLE_FOR", bureau(name), aid, {"lead": name in leads}))
        for seq, m in enumerate(a.measures, start=1):
            mid = f"{aid}-m{seq}"
            nodes.append(NodeRecord("Measure", mid, {"text": m.text, "start": m.start, "end": m.end, "seq": seq,
                                                     "article_id": aid, "document_id": did}))
            rels.append(RelRecord("HAS_MEASURE", aid, mid))
            for name in m.bureaus:
                rels.append(RelRecord("HANDLES", bureau(name), mid, {"lead": name in m.lead}))
    return Batch.of(did, nodes, rels)
