"""What a measure says: qualifications it requires (with level), support forms and amounts
it provides, beneficiaries, industries and its assessment condition. Driven by the
ontology's schemes; the patterns of the genre live in loaders/patterns.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders import patterns as P
from loaders.amounts import measure_conditions, requirement_groups, typed_amounts
from loaders.document import Amount, Found
from loaders.grants import granted_forms
from loaders.matcher import Match, Matcher, matching_key, word_boundaries
from loaders.recognitions import listed_recognitions, requirement_matches
from ontology import Ontology


@dataclass(frozen=True)
class Knowledge:
    """The matchers built once per ontology."""

    ontology: Ontology
    qualifications: Matcher
    support_forms: Matcher
    beneficiaries: Matcher
    industries: Matcher
    themes: Matcher
    level_labels: tuple[str, ...]

    @staticmethod
    def build(ont: Ontology) -> Knowledge:
        """Matchers for every scheme the extractor reads."""
        labels = sorted({lbl for c in ont.concepts("levels") for lbl in c.all_labels}, key=len, reverse=True)
        schemes = ("qualifications", "support_forms", "beneficiary_types", "industries", "themes", "levels")
        words = word_boundaries(frozenset(
            matching_key(lbl) for s in schemes for c in ont.concepts(s) for lbl in (*c.all_labels, *c.not_labels)))
        return Knowledge(
            ont,
            *(Matcher(ont.concepts(s), words) for s in schemes[:5]),
            tuple(labels),
        )

    def canonical_level(self, label: str) -> str | None:
        """The prefLabel of the level named ``label`` (``上海市`` → ``市级``)."""
        return next((c.label_zh for c in self.ontology.concepts("levels") if label in c.all_labels), None)

    def levels_before(self, text: str, start: int) -> list[str]:
        """Level words written directly in front of position ``start`` (``国家级、市级认定的``)."""
        level = "|".join(
            re.escape(lbl) if len(lbl) > 1 else rf"(?<=[、和及与]){re.escape(lbl)}(?=[、和及与级]|认定|批准|立项)"
            for lbl in self.level_labels
        )
        run = re.compile(rf"((?:(?:{level}){P.LEVEL_RUN_TAIL})+)(?:认定的|认定|批准的|立项的|的)?$")
        window = text[max(0, start - 24):start].rstrip("“\"「‘")  # 国家级和省级“专精特新”
        m = run.search(window)
        if not m:
            return []
        words = [w.group(0) for w in re.compile(level).finditer(window, m.start(1))
                 if w.end() <= m.end(1)]
        return [lv for w in words if (lv := self.canonical_level(w))]

    def recognised(self, text: str, m: Match, others: list[Match]) -> bool:
        """Whether the sentence recognises ``m``: a cue (认定, 获得, 入选…) right before it,
        across levels and other names of the same list, or 经认定 after it."""
        sentence_start = max((c.end() for c in P.CLAUSE_END.finditer(text, 0, m.start)), default=0)
        if P.RECOGNITION_AFTER.search(text[m.end:]):
            return True
        for cue in P.RECOGNITION_BEFORE.finditer(text, sentence_start, m.start):
            gap = text[cue.end():m.start]
            for o in others:
                if cue.end() <= o.start and o.end <= m.start:
                    gap = gap.replace(o.mention, "")
            for word in self.level_labels:
                gap = gap.replace(word, "")
            if len(re.sub(r"[的为、和及与等\s]", "", gap)) <= 2:
                return True
        return False

    def lowest(self, levels: list[str]) -> str | None:
        """The lowest of ``levels``: the level a requirement accepts."""
        return min(levels, key=self.ontology.level_rank) if levels else None


def _shift(m: Match, offset: int) -> tuple[int, int]:
    return m.start + offset, m.end + offset


def read_measure(k: Knowledge, text: str, offset: int) -> dict:
    """Facts of one measure whose ``text`` starts at ``offset`` in its article."""
    quals: list[Found] = []
    previous_stated: str | None = None
    prev_end = -1
    all_matches = k.qualifications.find(text)
    qual_matches = requirement_matches(k, text, all_matches)  # loaders/recognitions.py
    for m in qual_matches:
        stated = k.levels_before(text, m.start)
        in_list = prev_end >= 0 and re.fullmatch(r"[、和及与]", text[prev_end:m.start]) is not None
        # a level word that opens the mention itself wins: 国家高新技术企业, 国家级专精特新“小巨人”企业
        own = next((lv for w in k.level_labels if len(w) > 1 and m.mention.lstrip("“\"「").startswith(w)
                    and (lv := k.canonical_level(w))), None)
        if own:
            level = own
        elif stated:
            level = k.lowest(stated)
        elif in_list and previous_stated is not None:
            level = previous_stated  # an enumeration shares its level: 国家级、市级认定的孵化器、众创空间
        else:
            level = None
        previous_stated = level if own or stated or (in_list and previous_stated is not None) else None
        s, e = _shift(m, offset)
        found = Found(m.concept.label_zh, m.mention, s, e, level, m.concept.id)
        if all(q.name != found.name for q in quals):
            quals.append(found)
        prev_end = m.end
    if qual_matches or P.BENEFIT.search(text):
        quals += [f for f in listed_recognitions(text, offset, all_matches) if all(q.name != f.name for q in quals)]
    titles = [t.span() for t in P.BOOK_TITLE.finditer(text)]
    taken = [(q.start, q.end) for q in qual_matches] + titles
    forms = granted_forms(k.ontology, text, offset, k.support_forms.find(text), taken)  # loaders/grants.py
    amounts = read_amounts(text, offset)
    assessment = P.ASSESSMENT.search(text)
    return {
        "qualifications": quals,
        "support_forms": forms,
        "beneficiaries": _dedupe(Found(m.concept.label_zh, m.mention, *_shift(m, offset), None, m.concept.id)
                                 for m in k.beneficiaries.find(text)),
        "industries": _dedupe(Found(m.concept.label_zh, m.mention, *_shift(m, offset), None, m.concept.id)
                              for m in k.industries.find(text)),
        "amounts": amounts,
        "assessment": assessment.group(0) if assessment else None,
        # thresholds as conditions on an enterprise metric, qualifications as groups (loaders/amounts.py)
        "conditions": measure_conditions(text, offset, k.ontology.concepts("metrics")),
        "requirements": requirement_groups(text, quals, offset),
    }


def _dedupe(items) -> list[Found]:  # noqa: ANN001
    out: dict[str, Found] = {}
    for f in items:
        out.setdefault(f.name, f)
    return list(out.values())


def read_amounts(text: str, offset: int = 0) -> list[Amount]:
    """Typed figures stated in ``text`` (grants, caps, ratios, rates, thresholds; 万元 and
    percent), spans shifted by ``offset``: loaders/amounts.py reads them."""
    return typed_amounts(text, offset)


def candidate_qualifications(k: Knowledge, text: str) -> list[str]:
    """Phrases that look like qualifications (获评X, X称号, 入选X, 纳入X目录) but match no
    concept: the phrases of loaders.discovery (the dashboard's term finder uses this)."""
    from loaders.discovery import discover  # here: discovery builds on this module

    return list(dict.fromkeys(c.phrase for c in discover(k, text)))
