"""Which support forms a measure grants, read clause by clause (rules of the genre; the
forms and their cues are data in ontology/support_forms.ttl).

1. Only a sentence that grants names a form: one with a granting verb (给予, 予以, 提供,
   享受, 可申请…, a 支持方式 statement, or a sum right after the form: 最高补贴300元). Scope
   lines (重点用于支持…), procedure (申请…支持的单位, 负责…补贴的实施) and refusals (不予,
   不得) name forms they do not grant.
2. A form inside a condition is not granted: 获得市级补贴的项目, 按市级补贴金额 are the
   higher level's money, 已落实区配套资金的项目 money already received, 用于…配套 the purpose
   of a fund, and so is anything inside a clause cue or a 《title》. A sentence whose only
   granting word is 方式 and that pays out (拨付) describes payment, not a grant.
3. The most specific form wins. A support form may carry ``pkg:clauseCue`` regexes (按投资额
   的N% for 固定资产投资补助, 元/吨标准煤 for 节能量奖励, 获得市级补贴 for 配套支持, 成功创建 /
   首次认定 for 奖励, 前期费 / 实际支出 for 补贴…). A generic grant (资金支持 or any form that
   is broader than a cued one) takes the form of the nearest cue before it in its sentence;
   then a generic form found next to one of its narrower forms in the same sentence is
   dropped (补贴 beside 电价补贴).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders import patterns as P
from loaders.document import Found
from ontology import Concept, Ontology


@dataclass(frozen=True)
class _Cues:
    cues: tuple[tuple[re.Pattern[str], Concept], ...]
    generic: frozenset[str]  # ids of forms a cue may specialise
    ancestors: dict[str, frozenset[str]]


_CACHE: dict[int, _Cues] = {}


def _cues(ont: Ontology) -> _Cues:
    """The cues of ``ont``'s support forms, built once per ontology object."""
    if id(ont) not in _CACHE:
        _CACHE[id(ont)] = _build(ont)
    return _CACHE[id(ont)]


def _build(ont: Ontology) -> _Cues:
    forms = {c.id: c for c in ont.concepts("support_forms")}

    def up(cid: str) -> frozenset[str]:
        out: set[str] = set()
        todo = list(forms[cid].broader) if cid in forms else []
        while todo:
            b = todo.pop()
            if b in forms and b not in out:
                out.add(b)
                todo.extend(forms[b].broader)
        return frozenset(out)

    ancestors = {cid: up(cid) for cid in forms}
    cues = tuple((re.compile(rx), c) for c in forms.values() for rx in c.clause_cues)
    generic = {a for _, c in cues for a in ancestors[c.id]}
    generic |= {c.id for c in forms.values() if c.for_amount}
    return _Cues(cues, frozenset(generic), ancestors)


def _sentences(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in P.CLAUSE_END.finditer(text):
        out.append((pos, m.end()))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    return out


def granted_forms(ont: Ontology, text: str, offset: int, matches: list, taken: list[tuple[int, int]]) -> list[Found]:
    """The forms ``text`` (a measure starting at ``offset`` in its article) grants, from the
    support-form ``matches`` of the matcher; ``taken`` spans (qualifications, titles) hold none."""
    cues = _cues(ont)
    default = next((c for c in ont.concepts("support_forms") if c.for_amount), None)
    out: list[Found] = []
    for s0, s1 in _sentences(text):
        sentence = text[s0:s1]
        verbs = {m.group(0) for m in P.GRANTING.finditer(sentence)}
        if not verbs or (verbs == {"方式"} and P.PAYMENT.search(sentence)):
            continue  # grants nothing, or says how money is paid (区级配套资金采取…方式…拨付)
        refused = [(s0 + m.start(), s0 + m.end()) for m in P.REFUSAL_CLAUSE.finditer(sentence)]
        refused += [(s0 + m.start(), s0 + m.end()) for rx in (P.RECEIVED_MONEY, P.FUND_USE)
                    for m in rx.finditer(sentence)]
        found_cues = [(s0 + m.start(), s0 + m.end(), c) for rx, c in cues.cues for m in rx.finditer(sentence)]
        conditions = [(s0 + m.start(), s0 + m.end()) for m in P.HIGHER_LEVEL_MONEY.finditer(sentence)]
        blocked = taken + refused + conditions
        here = [m for m in matches if s0 <= m.start and m.end <= s1
                and not any(a < m.end and m.start < b for a, b in blocked)
                and not any(a <= m.start and m.end <= b and c.id != m.concept.id for a, b, c in found_cues)]
        items: list[tuple[int, int, Concept]] = [(m.start, m.end, m.concept) for m in here]
        if not items and default is not None:
            for m in P.AMOUNT_SUPPORT.finditer(sentence):
                items.append((s0 + m.start(), s0 + m.end(), default))
        picked: list[tuple[int, int, Concept]] = []
        for a, b, concept in items:
            if concept.id in cues.generic:
                # a bare sum (N万元支持) or a generic subsidy or award takes the nearest cue of
                # its sentence; a form named 资金支持 only a cue of its own clause
                start = s0
                if concept.for_amount and not P.AMOUNT_SUPPORT.fullmatch(text[a:b]):
                    start = max((s0 + m.end() for m in P.CLAUSE_COMMA.finditer(sentence) if s0 + m.end() <= a),
                                default=s0)
                before = [(ca, c) for ca, cb, c in found_cues if cb <= b and start <= ca < a]
                if before:
                    concept = max(before, key=lambda x: x[0])[1]
            picked.append((a, b, concept))
        ids = {c.id for _, _, c in picked}
        for a, b, concept in picked:
            if any(concept.id in cues.ancestors.get(other, ()) for other in ids):
                continue  # 补贴 beside 电价补贴: the specific one wins
            out.append(Found(concept.label_zh, text[a:b], a + offset, b + offset, None, concept.id))
    seen: dict[str, Found] = {}
    for f in out:
        seen.setdefault(f.name, f)
    return list(seen.values())
