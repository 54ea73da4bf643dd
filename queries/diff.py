"""What changed between two versions of a policy, article by article, read from the graph.

Articles are aligned across renumbering: an identical text is the same article whatever
its number; otherwise the same number with a similar text, else the most similar title
and text (difflib) above ``SIMILAR``. Each pair is unchanged (same text) or changed (with
a character-level diff and the facts that changed: qualifications, support forms,
amounts, bureaus); articles left over are removed (old) or added (new). Un-numbered
sections (附则, 保障措施) are compared by title apart from the numbered articles.

The graph stores no conditions (营业收入 > …) per measure, so they are compared only as
part of the text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from html import escape
from typing import Any

from graph import GraphStore
from graph.store import Reader

SIMILAR = 0.5  # least similarity (0..1) for two different texts to count as one article

_ARTICLES = """
MATCH (d:PolicyDocument)-[:HAS_CHAPTER]->(c:Chapter)-[:HAS_ARTICLE]->(a:Article)
WHERE d.id = $id
RETURN a.id AS id, a.number AS number, a.title AS title, a.text AS text, c.number AS chapter
ORDER BY chapter, number, id
"""
_DOCUMENT = """
MATCH (d:PolicyDocument) WHERE d.id = $id
RETURN d.id AS id, d.title AS title, d.doc_number AS doc_number, d.district AS district,
       d.issued_on AS issued_on, d.effective_from AS effective_from, d.effective_until AS effective_until
"""
_QUALIFICATIONS = """
MATCH (a:Article)-[:HAS_MEASURE]->(m:Measure)-[r:REQUIRES]->(q:Qualification)
WHERE a.document_id = $id
RETURN a.id AS article, q.name AS name, r.level AS level
"""
_SUPPORT = """
MATCH (a:Article)-[:HAS_MEASURE]->(m:Measure)-[p:PROVIDES]->(f:SupportForm)
WHERE a.document_id = $id
RETURN a.id AS article, f.name AS name, p.amount AS amount, p.cap AS cap, p.ratio AS ratio, p.basis AS basis
"""
_BUREAUS = """
MATCH (b:Bureau)-[:RESPONSIBLE_FOR]->(a:Article)
WHERE a.document_id = $id
RETURN a.id AS article, b.name AS name
"""
FACTS = ("qualifications", "support_forms", "amounts", "bureaus")


@dataclass
class Art:
    """An article (or section) as the diff sees it: number, title, text and its facts."""

    id: str
    number: int
    title: str | None
    text: str
    section: bool
    facts: dict[str, set[str]] = field(default_factory=lambda: {f: set() for f in FACTS})


def _number(value: float) -> str:
    return f"{value:g}"


def read_articles(read: Reader, doc_id: str) -> list[Art]:
    """The articles of document ``doc_id`` with their facts, in order."""
    arts = {r["id"]: Art(r["id"], r["number"], r["title"], r["text"] or "", bool(re.search(r"-s\d+$", r["id"])))
            for r in read(_ARTICLES, {"id": doc_id}).records()}
    for r in read(_QUALIFICATIONS, {"id": doc_id}).records():
        if r["article"] in arts:
            arts[r["article"]].facts["qualifications"].add(r["name"] + (f"({r['level']})" if r["level"] else ""))
    for r in read(_SUPPORT, {"id": doc_id}).records():
        if r["article"] not in arts:
            continue
        facts = arts[r["article"]].facts
        facts["support_forms"].add(r["name"])
        for kind, unit in (("amount", "万元"), ("cap", "万元"), ("ratio", "%")):
            if r[kind] is not None:
                facts["amounts"].add(f"{kind} {_number(r[kind])}{unit}" + (f" ({r['basis']})" if r["basis"] else ""))
    for r in read(_BUREAUS, {"id": doc_id}).records():
        if r["article"] in arts:
            arts[r["article"]].facts["bureaus"].add(r["name"])
    return list(arts.values())


def _plain(text: str) -> str:
    return "".join(text.split())


def _similarity(a: Art, b: Art) -> float:
    m = difflib.SequenceMatcher(None, _plain(a.text), _plain(b.text), autojunk=False)
    if m.real_quick_ratio() < SIMILAR or m.quick_ratio() < SIMILAR:
        return 0.0
    bonus = 0.1 if a.title and a.title == b.title else 0.0
    return min(1.0, m.ratio() + bonus)


def align(old: list[Art], new: list[Art]) -> tuple[list[tuple[Art, Art]], list[Art], list[Art]]:
    """Pairs (old, new), removed and added: identical texts first, then the same number
    with a similar text, then the most similar remaining pairs above ``SIMILAR``."""
    pairs: list[tuple[Art, Art]] = []
    left, right = list(old), list(new)

    def take(a: Art, b: Art) -> None:
        pairs.append((a, b))
        left.remove(a)
        right.remove(b)

    by_text: dict[str, list[Art]] = {}
    for b in right:
        by_text.setdefault(_plain(b.text), []).append(b)
    for a in list(left):
        same = by_text.get(_plain(a.text))
        if same:
            take(a, same.pop(0))
    for a in list(left):
        b = next((b for b in right if b.number == a.number), None)
        if b is not None and _similarity(a, b) >= SIMILAR:
            take(a, b)
    scored = sorted(((s, i, j) for i, a in enumerate(left) for j, b in enumerate(right)
                     if (s := _similarity(a, b)) >= SIMILAR), key=lambda t: (-t[0], t[1], t[2]))
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen = []
    for _s, i, j in scored:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            chosen.append((left[i], right[j]))
    for a, b in chosen:
        take(a, b)
    pairs.sort(key=lambda p: p[1].number)
    return pairs, left, right


def char_diff(old: str, new: str) -> list[list[str]]:
    """The character-level diff of two texts: [op, old part, new part] with op one of
    equal, delete, insert, replace (difflib opcodes).

    >>> char_diff("最高100万元", "最高200万元")
    [['equal', '最高', '最高'], ['replace', '1', '2'], ['equal', '00万元', '00万元']]
    """
    m = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [[op, old[i1:i2], new[j1:j2]] for op, i1, i2, j1, j2 in m.get_opcodes()]


def _fact_changes(a: Art, b: Art) -> dict[str, dict[str, list[str]]]:
    out = {}
    for f in FACTS:
        added, removed = sorted(b.facts[f] - a.facts[f]), sorted(a.facts[f] - b.facts[f])
        if added or removed:
            out[f] = {"added": added, "removed": removed}
    return out


def _compare(old: list[Art], new: list[Art]) -> dict[str, Any]:
    pairs, removed, added = align(old, new)
    changed, unchanged, renumbered = [], [], []
    for a, b in pairs:
        if a.number != b.number:
            renumbered.append({"old": a.number, "new": b.number})
        if _plain(a.text) == _plain(b.text) and a.title == b.title:
            unchanged.append(a.number)
            continue
        changed.append({"old": a.number, "new": b.number, "title_old": a.title, "title_new": b.title,
                        "similarity": round(difflib.SequenceMatcher(None, a.text, b.text, autojunk=False).ratio(), 3),
                        "facts": _fact_changes(a, b), "diff": char_diff(a.text, b.text)})
    return {"added": sorted(b.number for b in added), "removed": sorted(a.number for a in removed),
            "changed": changed, "unchanged": sorted(unchanged), "renumbered": renumbered,
            "added_text": {b.number: b.text for b in added}, "removed_text": {a.number: a.text for a in removed}}


def diff_documents(store: GraphStore, old_id: str, new_id: str) -> dict[str, Any]:
    """The diff of two stored documents (DESIGN.md: added, removed, changed, unchanged by
    article number), with the documents, renumberings and the sections' diff."""
    with store.snapshot() as read:
        docs = [read(_DOCUMENT, {"id": i}).records() for i in (old_id, new_id)]
        old, new = read_articles(read, old_id), read_articles(read, new_id)
    numbered = _compare([a for a in old if not a.section], [b for b in new if not b.section])
    sections = _compare([a for a in old if a.section], [b for b in new if b.section])
    result = {"old": _doc(docs[0]), "new": _doc(docs[1])}
    result.update({k: numbered[k] for k in ("added", "removed", "changed", "unchanged", "renumbered")})
    result["added_text"] = {str(k): v for k, v in numbered["added_text"].items()}
    result["removed_text"] = {str(k): v for k, v in numbered["removed_text"].items()}
    result["sections"] = {k: sections[k] for k in ("added", "removed", "changed", "unchanged")}
    return result


def _doc(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not rows:
        return None
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in rows[0].items()}


def marked(ops: list[list[str]]) -> tuple[str, str]:
    """HTML of both sides of a character diff, escaped, with deleted parts in ``<del>`` on
    the old side and inserted parts in ``<ins>`` on the new side."""
    old, new = [], []
    for op, a, b in ops:
        if op == "equal":
            old.append(escape(a))
            new.append(escape(b))
        else:
            if a:
                old.append(f"<del>{escape(a)}</del>")
            if b:
                new.append(f"<ins>{escape(b)}</ins>")
    return "".join(old), "".join(new)


def to_table(diff: dict[str, Any]) -> str:
    """The diff as plain text for a terminal."""
    lines = [f"old: {_label(diff['old'])}", f"new: {_label(diff['new'])}",
             f"added: {_nums(diff['added'])}", f"removed: {_nums(diff['removed'])}",
             f"unchanged: {len(diff['unchanged'])} article(s)"]
    if diff["renumbered"]:
        lines.append("renumbered: " + ", ".join(f"{r['old']}→{r['new']}" for r in diff["renumbered"]))
    for c in diff["changed"]:
        lines.append(f"changed: {c['old']}→{c['new']} {c['title_new'] or ''} (similarity {c['similarity']})")
        for f, ch in c["facts"].items():
            lines.append(f"    {f}: " + " ".join([*(f"+{x}" for x in ch["added"]), *(f"-{x}" for x in ch["removed"])]))
        for op, a, b in c["diff"]:
            if op != "equal":
                lines.append(f"    {op}: {a!r} → {b!r}")
    s = diff["sections"]
    if s["changed"] or s["added"] or s["removed"]:
        lines.append(f"sections: changed {len(s['changed'])}, added {len(s['added'])}, removed {len(s['removed'])}")
    return "\n".join(lines)


def _label(doc: dict[str, Any] | None) -> str:
    return f"{doc['doc_number'] or ''} {doc['title'] or ''} ({doc['id']})" if doc else "-"


def _nums(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers)) or "-"


def to_html(diff: dict[str, Any]) -> str:
    """A standalone HTML page of the diff, side by side, changed words marked, all text escaped."""
    rows = []
    for c in diff["changed"]:
        old, new = marked(c["diff"])
        facts = "; ".join(f"{escape(f)}: " + " ".join([*(f"+{escape(x)}" for x in ch["added"]),
                                                       *(f"−{escape(x)}" for x in ch["removed"])])
                          for f, ch in c["facts"].items())
        rows.append(f"<tr><th>{c['old']} → {c['new']}</th><td>{old}</td><td>{new}</td><td>{facts}</td></tr>")
    for n in diff["removed"]:
        text = escape(diff["removed_text"][str(n)])
        rows.append(f"<tr><th>{n} →</th><td><del>{text}</del></td><td></td><td></td></tr>")
    for n in diff["added"]:
        text = escape(diff["added_text"][str(n)])
        rows.append(f"<tr><th>→ {n}</th><td></td><td><ins>{text}</ins></td><td></td></tr>")
    return ("<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>diff</title><style>"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
            "del{background:#fdd}ins{background:#dfd}</style></head><body>"
            f"<h1>{escape(_label(diff['old']))} → {escape(_label(diff['new']))}</h1>"
            f"<p>unchanged: {len(diff['unchanged'])}</p><table>{''.join(rows)}</table></body></html>\n")
