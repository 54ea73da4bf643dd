"""Which named qualifications a measure requires: rules of the genre over the matcher's
hits (the vocabulary is data in ontology/qualifications.ttl).

* A measure that grants, promises or claws back nothing (a duty, a reporting rule, a
  review procedure) requires nothing.
* A name inside 《…》 is a document's title, not a recognition (unless 认证 follows it).
* The recognition a procedure is about is not a condition of it: 申请认定X应当…, X的认定
  按以下程序, X认定和奖励的管理, 申请X奖励, 统一命名为“X” — unless a cue of holding stands
  before it (获得X的认定证明, 通过X认定).
* Kinds given as examples in brackets after 各类… (各类园区(科技园区、众创空间等)) are not
  recognitions.
* A name that also denotes an ordinary thing (pkg:needsRecognition) counts only where the
  sentence recognises it (Knowledge.recognised), or where it is an item of a list that a
  recognition cue introduces (已获得以下认定之一：A、B、C) or that a creation word closes
  (A及B创建).
* A place on a higher level's list (列入/纳入/入选 + 市级/国家/省… + name + 的项目/名单/目录/库)
  is a recognition even when the vocabulary lacks the name: it is read with no concept
  (so it enters no REQUIRES edge; loaders/discovery.py proposes it to curators). The
  district's own lists (列入区级…) are the policy's own categories, not recognitions.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from loaders import patterns as P
from loaders.document import Found
from loaders.matcher import Match

if TYPE_CHECKING:
    from loaders.knowledge import Knowledge


def requirement_matches(k: Knowledge, text: str, matches: list[Match]) -> list[Match]:
    """The hits of ``matches`` in ``text`` (one measure) that are requirements."""
    if not P.BENEFIT.search(text):
        return []
    titles = [t.span() for t in P.BOOK_TITLE.finditer(text)]
    examples = [e.span() for e in P.EXAMPLES.finditer(text)]
    out = []
    for m in matches:
        if any(a <= m.start and m.end <= b and not P.CERTIFIED_TITLE.match(text, b) for a, b in titles):
            continue  # a document's title, unless a certificate is named after it (通过《X》认证)
        if any(a <= m.start and m.end <= b for a, b in examples):
            continue  # 各类园区(科技园区、众创空间等): kinds given as examples
        if _procedure(text, m):
            continue
        if m.concept.needs_recognition and not (k.recognised(text, m, matches) or _listed(k, text, m, matches)):
            continue
        out.append(m)
    return out


def _procedure(text: str, m: Match) -> bool:
    """``m`` is the recognition a procedure is about (申请认定X应当…, X的认定按…程序)."""
    sentence_start = max((c.end() for c in P.CLAUSE_END.finditer(text, 0, m.start)), default=0)
    before = text[sentence_start:m.start]
    after = text[m.end:]
    if P.HOLDING_BEFORE.search(before):
        return False
    if P.NAMING_BEFORE.search(before) or m.mention.endswith("认定"):
        return True  # 统一命名为“X”; X认定和奖励 (a name that is the recognition itself)
    return bool(P.PROCEDURE_AFTER.match(after) or (P.APPLYING_BEFORE.search(before) and P.APPLYING_AFTER.match(after)))


def _listed(k: Knowledge, text: str, m: Match, matches: list[Match]) -> bool:
    """``m`` is an item of a list introduced by a recognition cue before a colon, or closed
    by a creation word (绿色商场及绿色餐厅创建)."""
    sentence_start = max((c.end() for c in P.CLAUSE_END.finditer(text, 0, m.start)), default=0)
    colon = max((c.end() for c in re.finditer("[:：]", text[:m.start]) if c.end() > sentence_start), default=None)
    if colon is not None and P.RECOGNITION_BEFORE.search(text, sentence_start, colon) \
            and _only_names(k, text[colon:m.start], matches, colon, m.start):
        return True
    end = m.end
    rest = text[end:]
    nxt = re.match(r"[^，,。；;:：]*?(?:创建|认定)", rest)
    return bool(nxt) and _only_names(k, nxt.group(0)[:-2], matches, end, end + len(nxt.group(0)) - 2)


def _only_names(k: Knowledge, gap: str, matches: list[Match], start: int, end: int) -> bool:
    for o in matches:
        if start <= o.start and o.end <= end:
            gap = gap.replace(o.mention, "")
    for word in k.level_labels:
        gap = gap.replace(word, "")
    return len(re.sub(r"[的为、和及与等\s“”\"]", "", gap)) <= 1


def listed_recognitions(text: str, offset: int, matches: list[Match]) -> list[Found]:
    """Places on a higher level's list the vocabulary does not name (列入市级X的项目)."""
    out = []
    for m in P.HIGHER_LIST.finditer(text):
        s, e = m.span("mention")
        if any(o.start < e and s < o.end for o in matches):
            continue  # the vocabulary names it
        name = m.group("name").strip("“”\"")
        if len(name) < 3 or P.MONEY_WORDS.search(name):
            continue  # receipt of money (纳入…专项补贴计划) is not a recognition
        out.append(Found(name, text[s:e], s + offset, e + offset, None, None))
    return out
