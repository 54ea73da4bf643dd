"""Turn an ExtractedDocument into a graph Batch with stable, content-derived ids."""

from __future__ import annotations

import hashlib

from graph.records import Batch, NodeRecord, RelRecord
from graph.store import GraphStore
from loaders.document import Article, ExtractedDocument, Measure
from ontology import Concept, Ontology, load_ontology


def stable_id(prefix: str, *parts: object) -> str:
    """A short ASCII id from content, the same on every machine and every run.

    >>> stable_id("doc", "闵行区", "闵府规发〔2024〕11号")
    'doc-94c53172d5a3'
    """
    digest = hashlib.sha256("|".join("" if p is None else str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}-{digest[:12]}"


def document_id(doc: ExtractedDocument) -> str:
    """Id of a document: from its identity (loaders.lifecycle.identity: place and 文号, or
    normalised title and issue date), not its file name, so a corrected copy keeps its id."""
    from loaders.lifecycle import identity

    return stable_id("doc", *identity(doc.doc_number, doc.district, doc.title, doc.issued_on))


ONTOLOGY_BATCH = "ontology"
# A re-load that keeps fewer than this share of a document's stored articles is refused
# unless asked for (``--replace``): a truncated copy must not silently replace the whole.
KEEP_AT_LEAST = 0.5


def article_count(batch: Batch) -> int:
    """Articles in a document's batch."""
    return sum(len(t.rows) for t in batch.node_tables if t.name == "Article")


def shrinking(store: GraphStore, batches: list[Batch]) -> list[tuple[Batch, int, int]]:
    """The document batches whose write would drop most of the document's stored articles:
    (batch, stored, new) where new < KEEP_AT_LEAST x stored. Read through the store, so it
    holds on both backends; a document not stored yet never shrinks."""
    out = []
    for b in batches:
        new = article_count(b)
        stored = store.read("MATCH (a:Article) WHERE a.document_id = $id RETURN count(a) AS n",
                            {"id": b.key}).rows[0][0]
        if new < KEEP_AT_LEAST * stored:
            out.append((b, stored, new))
    return out


def concept_node(ont: Ontology, scheme: str, concept: Concept) -> NodeRecord:
    """The graph node of a SKOS concept of a scheme that has a node type (not bureaus)."""
    label = ont.scheme_node_types()[scheme].label
    aliases = "|".join(a for a in concept.all_labels if a != concept.label_zh)
    props = {"name": concept.label_zh, "name_en": concept.label_en, "aliases": aliases}
    if label == "Qualification":
        props["level"] = concept.default_level
    return NodeRecord(label, concept.id, props)


def ontology_batch(ontology: Ontology | None = None) -> Batch:
    """Every concept of the concept schemes as nodes, with BROADER links: loaded with every
    document so that "qualifications nothing requires" can be asked."""
    ont = ontology or load_ontology()
    nodes, rels = [], []
    for scheme in ont.scheme_node_types():
        if scheme == "bureaus":
            continue  # bureaus are district-specific and enter with their documents
        for c in ont.concepts(scheme):
            nodes.append(concept_node(ont, scheme, c))
            if scheme == "qualifications":
                rels.extend(RelRecord("BROADER", c.id, b) for b in c.broader)
    return Batch.of(ONTOLOGY_BATCH, nodes, rels)


_FACT_RELS = (("qualifications", "qualifications", "REQUIRES"), ("support_forms", "support_forms", "PROVIDES"),
              ("beneficiaries", "beneficiary_types", "TARGETS"), ("industries", "industries", "CONCERNS"))


def _amount_props(m: Measure) -> dict[str, object]:
    props: dict[str, object] = {}
    for a in m.amounts:
        if a.cap is not None and "cap" not in props:
            props["cap"] = a.cap
        if a.amount is not None and "amount" not in props:
            props["amount"] = a.amount
        if a.ratio is not None and "ratio" not in props:
            props["ratio"] = a.ratio
        if a.basis and "basis" not in props:
            props["basis"] = a.basis
    return props


def document_batch(doc: ExtractedDocument, ontology: Ontology | None = None) -> Batch:
    """Nodes and relationships of one document, as one batch that replaces its previous load."""
    ont = ontology or load_ontology()
    from loaders.extract import bureau_resolver
    from loaders.lifecycle import references_json

    resolver = bureau_resolver(ont)
    did = document_id(doc)
    nodes = [NodeRecord("PolicyDocument", did, {
        "title": doc.title, "doc_number": doc.doc_number, "issuer": doc.issuer,
        "issued_on": doc.issued_on, "effective_from": doc.effective_from,
        "effective_until": doc.effective_until, "district": doc.district,
        "sha256": doc.sha256, "source": doc.source.rsplit("/", 1)[-1],
        "warnings": "\n".join(w.message for w in doc.warnings) or None,
        "references": references_json(doc),  # what it repeals or amends, as written (loaders.lifecycle)
    })]
    rels = []
    chapter_ids = {}
    for ch in doc.chapters:
        cid = f"{did}-c{ch.number}"
        chapter_ids[ch.number] = cid
        nodes.append(NodeRecord("Chapter", cid, {"number": ch.number, "title": ch.title, "document_id": did}))
        rels.append(RelRecord("HAS_CHAPTER", did, cid))
        theme = next((c for c in ont.concepts("themes") if c.label_zh == ch.theme), None)
        if theme is not None:
            nodes.append(concept_node(ont, "themes", theme))
            rels.append(RelRecord("ABOUT", cid, theme.id))
    if any(a.chapter is None for a in doc.articles):
        cid = f"{did}-c0"
        chapter_ids[None] = cid
        nodes.append(NodeRecord("Chapter", cid, {"number": 0, "document_id": did}))
        rels.append(RelRecord("HAS_CHAPTER", did, cid))
    bureau_ids: dict[str, str] = {}

    def bureau(name: str) -> str:
        if name not in bureau_ids:
            r = resolver.resolve(name, doc.district)
            c = r.concept if r else None
            t = r.type if r else None
            typed = {"bureau_type": t.label_zh if t else None, "bureau_type_id": t.id if t else None}
            if c is not None:
                bureau_ids[name] = c.id
                nodes.append(NodeRecord("Bureau", c.id, {
                    "name": c.label_zh, "name_en": c.label_en, "full_name": c.full_name,
                    "district": c.district, "known": True, **typed,
                }))
            else:  # one node per (place, type) when the type is known, else per name as written
                place = (r.place if r else None) or doc.district
                bid = stable_id("bureau", place, t.id) if t else stable_id("bureau", doc.district, name)
                bureau_ids[name] = bid
                nodes.append(NodeRecord("Bureau", bid, {"name": name, "district": place,
                                                        "known": t is not None, **typed}))
        return bureau_ids[name]

    for a in doc.articles:
        aid = f"{chapter_ids[a.chapter]}-{'s' if a.section else 'a'}{a.number}"  # a section may share a number
        nodes.append(NodeRecord("Article", aid, {"number": a.number, "title": a.title, "text": a.text,
                                                 "section": a.section, "document_id": did}))
        rels.append(RelRecord("HAS_ARTICLE", chapter_ids[a.chapter], aid))
        leads = {b for m in a.measures for b in m.lead}
        for name in a.bureaus:
            rels.append(RelRecord("RESPONSIBLE_FOR", bureau(name), aid, {"lead": name in leads}))
        for seq, m in enumerate(a.measures, start=1):
            mid = f"{aid}-m{seq}"
            nodes.append(NodeRecord("Measure", mid, {"text": m.text, "start": m.start, "end": m.end, "seq": seq,
                                                     "article_id": aid, "document_id": did,
                                                     "assessment": m.assessment}))
            rels.append(RelRecord("HAS_MEASURE", aid, mid))
            amounts = _amount_props(m)
            for field, scheme, rtype in _FACT_RELS:
                for i, f in enumerate(getattr(m, field)):
                    concept = ont.concept(scheme, f.concept_id) if f.concept_id else None
                    if concept is None:
                        continue
                    nodes.append(concept_node(ont, scheme, concept))
                    props: dict[str, object] = (
                        {"curated": f.curated} if f.curated else {"mention": f.mention, "start": f.start, "end": f.end})
                    if rtype == "REQUIRES":
                        props["level"] = f.level
                        props["level_rank"] = ont.level_rank(f.level)
                        props["requirement_group"] = _group_of(m, f)
                    if rtype == "PROVIDES" and i == 0:
                        props.update(amounts)
                    rels.append(RelRecord(rtype, mid, concept.id, props))
            for name in m.bureaus:
                rels.append(RelRecord("HANDLES", bureau(name), mid, {"lead": name in m.lead}))
            _numbers(m, mid, did, nodes, rels)
        _candidates(a, aid, did, nodes, rels)
    return Batch.of(did, nodes, rels)


def _group_of(m: Measure, f: object) -> int:
    """The requirement group (1-based) of qualification ``f`` in measure ``m``: groups must
    all hold, any one qualification of a group will do (loaders/amounts.requirement_groups)."""
    return next((i for i, g in enumerate(m.requirements, start=1) if any(q.name == f.name for q in g)), 1)


def _numbers(m: Measure, mid: str, did: str, nodes: list[NodeRecord], rels: list[RelRecord]) -> None:
    """A measure's typed amounts and conditions as nodes of its document (issue 15)."""
    for i, x in enumerate(a for a in m.amounts if a.kind):
        aid = f"{mid}-amount{i + 1}"
        nodes.append(NodeRecord("Amount", aid, {"kind": x.kind, "value": x.value, "unit": x.unit, "per": x.per,
                                                "basis": x.basis, "text": x.text, "start": x.start, "end": x.end,
                                                "document_id": did}))
        rels.append(RelRecord("HAS_AMOUNT", mid, aid))
    for i, c in enumerate(m.conditions):
        cid = f"{mid}-condition{i + 1}"
        nodes.append(NodeRecord("Condition", cid, {"metric": c.metric, "op": c.op, "value": c.value, "unit": c.unit,
                                                   "period": c.period, "text": c.text, "start": c.start,
                                                   "end": c.end, "document_id": did}))
        rels.append(RelRecord("HAS_CONDITION", mid, cid))


def _candidates(a: Article, aid: str, did: str, nodes: list[NodeRecord], rels: list[RelRecord]) -> None:
    """Recognitions the ontology lacks (loaders.discovery) as provisional nodes of this
    document, each linked from the measure whose span holds its mention (else from the
    article), first mention only: a separate label, so eligibility and the saved queries
    ignore them until a curator accepts them (``policykg curate``)."""
    seen: set[tuple[str, str]] = set()
    for c in a.candidates:
        cid = stable_id("candidate", did, c.phrase)
        nodes.append(NodeRecord("CandidateQualification", cid, {
            "name": c.phrase, "kind_hint": c.kind_hint, "level": c.level, "document_id": did}))
        seq = next((i for i, m in enumerate(a.measures, start=1) if m.start <= c.start and c.end <= m.end), None)
        start, rtype = (f"{aid}-m{seq}", "MENTIONS_CANDIDATE") if seq else (aid, "ARTICLE_MENTIONS_CANDIDATE")
        if (start, cid) not in seen:
            seen.add((start, cid))
            rels.append(RelRecord(rtype, start, cid, {"mention": a.text[c.start:c.end], "start": c.start,
                                                      "end": c.end}))
