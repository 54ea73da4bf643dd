"""Read documents, their outline (chapters, articles, bureaus) and counts from a store.

Plain dicts out, so pages and the JSON API share one reading. Every query is Cypher that
runs on both backends, with values passed as parameters; ``$id = ''`` means all documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph import GraphStore
from queries import lifecycle

DOCUMENTS = """
MATCH (d:PolicyDocument)
WHERE $id = '' OR d.id = $id
RETURN d AS document
ORDER BY d.id
"""

CHAPTERS = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)
WHERE $id = '' OR d.id = $id
RETURN d.id AS document, c.id AS id, c.number AS number, c.title AS title
ORDER BY document, number
"""

ARTICLES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)
WHERE $id = '' OR d.id = $id
RETURN c.id AS chapter, a.id AS id, a.number AS number, a.title AS title, a.text AS text
ORDER BY number
"""

BUREAUS = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article),
      (b:Bureau)-[r:RESPONSIBLE_FOR]->(a)
WHERE $id = '' OR d.id = $id
RETURN a.id AS article, b.id AS id, b.name AS name, r.lead AS lead
ORDER BY article, lead DESC, name
"""

MEASURE_COUNTS = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)-[:HAS_MEASURE]->(m:Measure)
WHERE $id = '' OR d.id = $id
RETURN d.id AS document, count(m) AS measures
"""


def list_documents(store: GraphStore, doc_id: str = "") -> list[dict[str, Any]]:
    """Every document (or only ``doc_id``) with its properties, outline and counts.

    Each item: ``id``, ``properties``, ``chapters`` (each with ``articles``, each with
    ``bureaus``) and ``counts`` of chapters, articles, measures and distinct bureaus.
    A chapter numbered 0 holds articles outside any chapter and is not counted.
    """
    params = {"id": doc_id}
    docs = {
        row["document"]["id"]: {"id": row["document"]["id"], "properties": row["document"]["properties"],
                                "chapters": []}
        for row in store.read(DOCUMENTS, params).records()
    }
    chapters: dict[str, dict[str, Any]] = {}
    for row in store.read(CHAPTERS, params).records():
        chapter = {"id": row["id"], "number": row["number"], "title": row["title"], "articles": []}
        chapters[row["id"]] = chapter
        if row["document"] in docs:
            docs[row["document"]]["chapters"].append(chapter)
    articles: dict[str, dict[str, Any]] = {}
    for row in store.read(ARTICLES, params).records():
        article = {"id": row["id"], "number": row["number"], "title": row["title"],
                   "excerpt": _excerpt(row["text"]), "bureaus": []}
        articles[row["id"]] = article
        if row["chapter"] in chapters:
            chapters[row["chapter"]]["articles"].append(article)
    for row in store.read(BUREAUS, params).records():
        if row["article"] in articles:
            articles[row["article"]]["bureaus"].append({"id": row["id"], "name": row["name"], "lead": row["lead"]})
    measures = {row["document"]: row["measures"] for row in store.read(MEASURE_COUNTS, params).records()}
    histories = document_histories(store)
    for doc in docs.values():
        doc["counts"] = _counts(doc, measures.get(doc["id"], 0))
        doc["history"] = histories.get(doc["id"])
    return _newest_first(list(docs.values()))


def document_histories(store: GraphStore, as_of: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """Per document id: its status on ``as_of`` (default today), the documents it repeals
    or amends and those that repeal or amend it (each with id, 文号 and title), and the
    references the graph could not link (kept as text). One reading for every page that
    shows a document's versions (queries.lifecycle holds the status rule)."""
    states = {d.id: d for d in lifecycle.documents(store, as_of)}

    def brief(doc_id: str) -> dict[str, Any]:
        d = states[doc_id]
        return {"id": d.id, "doc_number": d.doc_number, "title": d.title, "issued_on": d.issued_on}

    out = {}
    for d in states.values():
        out[d.id] = {"status": d.status, "repealed_from": d.repealed_from,
                     "superseded_by": brief(d.superseded_by) if d.superseded_by else None,
                     "repealed_by": [{**brief(r["id"]), "since": r["since"]} for r in d.repealed_by],
                     "supersedes": [brief(i) for i in d.supersedes], "amends": [brief(i) for i in d.amends],
                     "amended_by": [brief(i) for i in d.amended_by],
                     "unresolved": [r for r in d.references if not r.get("resolved")]}
    return out


def find_document(store: GraphStore, doc_id: str) -> dict[str, Any] | None:
    """The properties of document ``doc_id`` (no outline), or None."""
    rows = store.read(DOCUMENTS, {"id": doc_id}).rows if doc_id else []
    return rows[0][0]["properties"] if rows else None


def get_document(store: GraphStore, doc_id: str) -> dict[str, Any] | None:
    """One document as in ``list_documents``, or None if there is no such id."""
    found = list_documents(store, doc_id) if doc_id else []
    return found[0] if found else None


def _newest_first(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Latest issue (else effective) date first, undated last; ties by title."""
    def when(doc: dict[str, Any]) -> dt.date:
        p = doc["properties"]
        return p.get("issued_on") or p.get("effective_from") or dt.date.min

    by_title = sorted(docs, key=lambda d: d["properties"].get("title") or "")
    return sorted(by_title, key=when, reverse=True)  # stable: equal dates keep title order


def _excerpt(text: str | None, limit: int = 48) -> str:
    """The start of an article's text, for articles without a title.

    >>> _excerpt("第一句话。第二句话。", 6)
    '第一句话。…'
    """
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _counts(doc: dict[str, Any], measures: int) -> dict[str, int]:
    arts = [a for c in doc["chapters"] for a in c["articles"]]
    bureaus = {b["id"] for a in arts for b in a["bureaus"]}
    return {
        "chapters": sum(1 for c in doc["chapters"] if c["number"]),
        "articles": len(arts),
        "measures": measures,
        "bureaus": len(bureaus),
    }


# `end` is a keyword in LadybugDB's Cypher: quote the property, alias it plainly.
_ARTICLE = """
MATCH (a:Article)
WHERE a.id = $id
OPTIONAL MATCH (a)-[:HAS_MEASURE]->(m:Measure)
OPTIONAL MATCH (m)-[r:REQUIRES]->(q:Qualification)
RETURN a.number AS number, a.title AS title, a.text AS text, m.id AS measure, m.seq AS seq,
       m.text AS measure_text, m.start AS span_start, m.`end` AS span_end, q.name AS qualification, r.level AS level
"""

_ARTICLE_FORMS = """
MATCH (a:Article)-[:HAS_MEASURE]->(m:Measure)-[:PROVIDES]->(f:SupportForm)
WHERE a.id = $id
RETURN m.id AS measure, f.name AS support_form
"""


def article_details(store: GraphStore, article_id: str) -> dict[str, Any] | None:
    """An article's text and its measures' spans (offsets in that text) with what each
    requires and provides, for highlighting the source (none for an article without
    measures); None if there is no such article."""
    rows = store.read(_ARTICLE, {"id": article_id}).records()
    if not rows:
        return None
    measures: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["measure"] is None:
            continue
        m = measures.setdefault(r["measure"], {"id": r["measure"], "seq": r["seq"], "text": r["measure_text"],
                                               "start": r["span_start"], "end": r["span_end"],
                                               "qualifications": [], "support_forms": []})
        if r["qualification"] and {"name": r["qualification"], "level": r["level"]} not in m["qualifications"]:
            m["qualifications"].append({"name": r["qualification"], "level": r["level"]})
    for r in store.read(_ARTICLE_FORMS, {"id": article_id}).records():
        forms = measures[r["measure"]]["support_forms"]
        if r["support_form"] not in forms:
            forms.append(r["support_form"])
    for m in measures.values():
        m["qualifications"].sort(key=lambda q: q["name"])
        m["support_forms"].sort()
    first = rows[0]
    return {"id": article_id, "number": first["number"], "title": first["title"], "text": first["text"],
            "measures": sorted(measures.values(), key=lambda m: m["seq"])}
