"""Discovery: phrases that name a recognition the vocabulary lacks, found by the cues of
the genre (获评…, 认定为…, 入选…名单, 纳入…目录/库, …称号, 通过…认证, …示范项目, …试点,
获得…资质, 认定的…企业 + a grant), so that a curator can accept them into the ontology.

Each :class:`Candidate` carries the cleaned phrase (quotes, a level or place prefix such
as 国家级/X市/Y区 and a trailing 的企业/名单 removed), its span in the text, the sentence,
the cue that found it, a hint of its kind and the level its prefix stated. Phrases that
already name a concept, that a curator rejected (``pkg:RejectedCandidate`` in
data/curation/), or that are generic words (企业, 项目, 资金…) are left out. Only
patterns of the genre live here; the words of one document never do.

>>> from ontology import load_ontology
>>> from loaders.knowledge import Knowledge
>>> know = Knowledge.build(load_ontology())
>>> [(c.phrase, c.level) for c in discover(know, "对获评X市蓝海工坊的企业，给予奖励。")]
[('蓝海工坊', '市级')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from loaders import patterns as P
from loaders.knowledge import Knowledge
from loaders.matcher import matching_key

# A character that may belong to a recognition's name: no punctuation that ends a clause
# or separates list items (quotes are allowed: 获评“未来工厂”).
_C = r"[^，,。；;：:！？!?（）()\s、《》]"
_STOP = r"(?=的|等|称号|荣誉|$|[，,。；;、：:（）()\s])"
_LISTS = r"(?:名单|名录|目录|库|榜单)"

# Cues written before the name: (cue name, pattern with group ``p``, kind when the name
# itself says nothing, whether the matched suffix belongs to the name).
FORWARD_CUES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("获评", re.compile(rf"(?:获评|荣获|被评为|评为|被授予|授予)(?P<p>{_C}{{2,24}}?){_STOP}"), "brand"),
    ("认定为", re.compile(rf"(?:被)?(?:认定|确定|评定|命名)为(?P<p>{_C}{{2,24}}?){_STOP}"), "enterprise"),
    ("入选", re.compile(rf"入选(?P<p>{_C}{{2,24}}?){_LISTS}?{_STOP}"), "project"),
    ("纳入名单", re.compile(rf"(?:纳入|列入|进入)(?P<p>{_C}{{2,24}}?){_LISTS}"), "project"),
    ("通过认证", re.compile(rf"通过(?P<p>{_C}{{2,24}}?认证){_STOP}"), "product"),
    ("获得资质", re.compile(rf"(?:获得|取得)(?P<p>{_C}{{2,24}}?资质){_STOP}"), "enterprise"),
    ("认定的企业", re.compile(rf"(?:认定|评定|获批|命名|授牌|批准)(?:为|的)(?P<p>{_C}{{2,20}}?)"
                          rf"(?=的(?:企业|机构|单位)|[，,]|给予|予以)"), "enterprise"),
)
# Cues written after the name: the name is read backwards from them to the last word that
# cannot be part of it (a cue verb, 对, 的, punctuation).
BACKWARD_CUES: tuple[tuple[str, re.Pattern[str], bool, str], ...] = (
    ("称号", re.compile(r"[”\"]?(?:称号|荣誉称号)"), False, "brand"),
    ("示范", re.compile(r"示范(?:项目|企业|单位|基地|园区|工厂|平台|区)"), True, "project"),
    ("试点", re.compile(r"试点(?:单位|企业|项目|园区|示范)?"), True, "project"),
)
_LEFT_EDGE = re.compile(r"[，,。；;：:！？!?（）()\s、《》]|[0-9０-９]+[.．]|获得|授予|荣获|取得|获评|评为|"
                        r"认定为|认定的|认定|入选|列入|纳入|通过|成为|获批|创建|申报|争创|开展|建设|打造|对|为|的|及|和|与|或")
_SUFFIX_LISTS = re.compile(rf"{_LISTS}$")
_TRAILING = re.compile(r"(?:的(?:企业|单位|机构|项目|主体)?|等|企业名单|范围)$")
# Place prefixes: a short name ending in an administrative suffix; the suffix says the
# level (上海市 → 市, Y区 → 区). Words that end so but are no place are not prefixes.
_PLACE = re.compile(r"^([A-Za-z\u4e00-\u9fff]{1,6}?)(自治区|省|市|区|县)")
_NOT_PLACE = re.compile(r"(?:上|城|都|超|园|社|街|景|校|城|片|市|新|功能|开发|示范|试验|自贸)$")
_PREFIX_WORDS = ("各级", "各类", "首批", "首次", "新认定的", "新认定", "经认定的")
_ADJECTIVES = re.compile(r"^(?:重大|重点|专项|优秀|先进|国际|国内)+")
# A phrase made of these alone names nothing in particular.
GENERIC = frozenset("""企业 项目 单位 机构 资金 名单 称号 资质 认证 平台 示范 试点 示范项目 试点单位 试点企业
试点项目 示范企业 示范单位 试点示范 示范试点 试点示范项目 示范试点项目 优质 优秀 合格 先进 层级 等级 级别
相关 有关 奖励 补贴 资助 支持 荣誉 称号 认定 目录 名录 库 品牌 人才 计划 主体 市场
政策 专项 奖项 重点 重点项目 重点企业 标准 示范区 园区 基地 范围 统计 规划 产品 服务 领域""".split())
_NOT_A_NAME = re.compile(r"给予|予以|按照|按其|万元|不超过|最高|奖励|补贴|资助|支持|申请|鼓励|符合|条件|要求|等|"
                         r"提升|形成|推动|开展|促进|加强|推进|实施|参与|失信|黑名单|异常|处罚|"
                         r"^(?:相关|有关|上述|以上|该|其|此|本|各|其他|所|该类)")


@dataclass(frozen=True)
class Candidate:
    """A recognition the vocabulary lacks: ``phrase`` (cleaned), ``text[start:end]`` its
    mention, the ``sentence`` it stands in, the ``cue`` that found it, a ``kind_hint``
    (the notations of the ontology's qualification kinds: enterprise, platform, project,
    product, award, talent, brand)
    and the ``level`` its prefix stated (国家级, 市级…, or None)."""

    phrase: str
    start: int
    end: int
    sentence: str
    cue: str
    kind_hint: str
    level: str | None


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    for m in re.finditer(r"[。！？!?；;\n]", text):
        yield start, text[start:m.end()]
        start = m.end()
    if start < len(text):
        yield start, text[start:]


def _kind(phrase: str, default: str) -> str:
    """A kind from the name's head noun, else the cue's."""
    heads = (("platform", r"(?:中心|实验室|平台|基地|孵化器|众创空间|工作站|研究院|研究所)$"),
             ("project", r"(?:示范项目|试点|项目|工程|示范)$"), ("product", r"(?:认证|标志|标识|产品)$"),
             ("award", r"奖$"), ("talent", r"(?:人才|专家|学者|计划)$"), ("brand", r"(?:品牌|商标|老字号)$"))
    return next((kind for kind, head in heads if re.search(head, phrase)), default)


class _Cleaner:
    """Cuts a raw cue match down to the name, reading its level from the prefix."""

    def __init__(self, know: Knowledge) -> None:
        self.know = know
        self.levels = tuple(w for w in know.level_labels if len(w) > 1)
        schemes = ("qualifications", "support_forms", "beneficiary_types", "industries", "themes", "levels")
        self.labels = frozenset(matching_key(lbl) for s in schemes for c in know.ontology.concepts(s)
                                for lbl in c.all_labels)
        self.rejected = frozenset(matching_key(p) for p in know.ontology.rejected)

    def clean(self, text: str, s: int, e: int, strip_lists: bool) -> tuple[str, int, int, str | None] | None:
        """(name, start, end, level) of ``text[s:e]``, or None if it names nothing."""
        level: str | None = None
        changed = True
        while changed and s < e:
            changed = False
            part = text[s:e]
            if part[0] in "“”\"'‘’「」 、和及与或":
                s, changed = s + 1, True
                continue
            if m := re.match(r"[0-9０-９]+[.．、]|[(（][一二三四五六七八九十0-9]+[)）]", part):
                s, changed = s + m.end(), True
                s, changed = s + 1, True
                continue
            for w in (*self.levels, *_PREFIX_WORDS):
                if part.startswith(w) and e - s > len(w):
                    lv = self.know.canonical_level(w)
                    level = level or lv
                    s, changed = s + len(w), True
                    break
            else:
                m = _PLACE.match(part)
                if m and not _NOT_PLACE.search(m.group(1)) and e - s - m.end() >= 2:
                    level = level or self.know.canonical_level(m.group(2)) or self.know.canonical_level(m.group(0))
                    s, changed = s + m.end(), True
        changed = True
        while changed and s < e:
            changed = False
            part = text[s:e]
            if part[-1] in "“”\"'‘’「」 ":
                e, changed = e - 1, True
            elif part[-1] in "、和及与或":
                e, changed = e - 1, True
            elif (w := next((w for w in self.levels if part.endswith(w) and len(part) > len(w)), None)):
                e, changed = e - len(w), True  # …试点示范等市级(名单)
            elif m := _TRAILING.search(part):
                e, changed = e - len(m.group(0)), True
            elif strip_lists and (m := _SUFFIX_LISTS.search(part)) and e - s > len(m.group(0)):
                e, changed = e - len(m.group(0)), True
        mention = text[s:e]
        name = matching_key(mention)
        if not 2 <= len(name) <= 20 or name in GENERIC or _ADJECTIVES.sub("", name) in GENERIC \
                or _NOT_A_NAME.search(name):
            return None
        if re.search(r"[，,。；;：:、]", name) or re.fullmatch(r"[\d.%％A-Za-z]+", name):
            return None
        if name in self.labels or name in self.rejected:
            return None
        return name, s, e, level


_CLEANERS: dict[int, _Cleaner] = {}


def _cleaner(know: Knowledge) -> _Cleaner:
    """One cleaner per Knowledge (which keeps its ontology alive, so ids are not reused)."""
    if id(know) not in _CLEANERS or _CLEANERS[id(know)].know is not know:
        _CLEANERS[id(know)] = _Cleaner(know)
    return _CLEANERS[id(know)]


def discover(know: Knowledge, text: str) -> list[Candidate]:
    """Recognitions named in ``text`` that the ontology lacks, in order of appearance,
    one per span (a span two cues find is kept once, with the first cue)."""
    cleaner = _cleaner(know)
    found: dict[tuple[int, int], Candidate] = {}
    for offset, sentence in _sentences(text):
        raw: list[tuple[int, int, str, str, bool]] = []
        for cue, pattern, kind in FORWARD_CUES:
            for m in pattern.finditer(sentence):
                raw.append((m.start("p"), m.end("p"), cue, kind, cue in ("入选",)))
        for cue, pattern, keep, kind in BACKWARD_CUES:
            for m in pattern.finditer(sentence):
                window_start = max(0, m.start() - 24)
                edges = list(_LEFT_EDGE.finditer(sentence, window_start, m.start()))
                s = edges[-1].end() if edges else window_start
                raw.append((s, m.end() if keep else m.start(), cue, kind, False))
        if not P.GRANT.search(sentence):  # 认定的X企业 counts only where the sentence grants
            raw = [r for r in raw if r[2] != "认定的企业"]
        known = [(m.start, m.end) for m in know.qualifications.find(sentence)]
        for s, e, cue, kind, lists in raw:
            cleaned = cleaner.clean(sentence, s, e, strip_lists=lists)
            if cleaned is None:
                continue
            if any(a < cleaned[2] and cleaned[1] < b for a, b in known):
                continue  # touches a known recognition: a fragment or a variant of it
            name, cs, ce = cleaned[0], cleaned[1] + offset, cleaned[2] + offset
            if any(cs < b and a < ce for a, b in found):
                continue
            found[(cs, ce)] = Candidate(name, cs, ce, sentence.strip(), cue, _kind(name, kind), cleaned[3])
    return sorted(found.values(), key=lambda c: c.start)
