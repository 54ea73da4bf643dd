"""Patterns of the genre: how Chinese industrial-policy documents number their parts,
write responsibility notes, dates and validity periods. Patterns only; no fact of any
one document (names, bureaus, numbers) belongs here.
"""

from __future__ import annotations

import re

from loaders.numerals import CN_NUMERAL, DATE_PATTERN

_N = f"[{CN_NUMERAL}]+"
OPEN, CLOSE = "[(（]", "[)）]"

# Line-start markers, by style. The article style is the finest level that carries a
# number; enclosing styles are found per document (see structure.py).
MARKERS: dict[str, re.Pattern[str]] = {
    "article_cn": re.compile(rf"^第\s*([{CN_NUMERAL}0-9][{CN_NUMERAL}0-9\s]*?)\s*条\s*(.*)$"),
    "cn": re.compile(rf"^({_N})\s*[、.．]\s*(.*)$"),
    "paren_cn": re.compile(rf"^{OPEN}\s*({_N})\s*{CLOSE}\s*(.*)$"),
    "arabic": re.compile(r"^(\d{1,3})\s*[.．、](?!\d)\s*(.*)$"),
    "paren_arabic": re.compile(rf"^{OPEN}\s*(\d{{1,3}})\s*{CLOSE}\s*(.*)$"),
    "circled": re.compile(r"^([\u2460-\u2473])\s*(.*)$"),
}
# Styles that can number articles, most specific first; （一） numbers articles only where
# neither 第N条 nor N. does, and 一、 only where it is the one style used.
ARTICLE_STYLES = ("article_cn", "arabic", "paren_cn", "cn")

# Responsibility notes: (责任单位：A、B) / (责任部门：…) / (执行单位：…) / (牵头单位：A；配合单位：B, C).
ROLE = r"(?:责任|牵头|主责|配合|协办|参与|执行|实施)(?:单位|部门)"
NOTE = re.compile(rf"{OPEN}\s*({ROLE}\s*[:：][^()（）]*){CLOSE}")
NOTE_PART = re.compile(rf"({ROLE})\s*[:：]\s*([^；;]*?)\s*(?=[；;，,]?\s*{ROLE}\s*[:：]|$)")
SUPPORTING_ROLE = re.compile(r"^(?:配合|协办|参与)")
LIST_SEPARATORS = re.compile(r"[、，,；;/\s]+")
TRAILING_VAGUE = re.compile(r"(?:及|和|等)?(?:其他)?(?:相关|有关)(?:部门|单位)$|等$")

# A list inside a clause: items this short that grant nothing are named things
# (industries, fields, sub-items), not articles.
LIST_ITEM_MAX = 30
# Titles of documents of the genre (a document that numbers nothing is read whole only then).
GENRE_TITLE = re.compile(r"通知|办法|措施|意见|细则|规定|政策|方案|决定|公告")

# The district a title names first (某市某区…措施): used only when no known place matches.
DISTRICT_IN_TITLE = re.compile(r"^(?:[\u4e00-\u9fffA-Za-z]{1,3}市)?([\u4e00-\u9fffA-Za-z]{1,3}?(?:新区|区|县))")

SENTENCE_END = re.compile(r"[。！？!?；;]")
TITLE_DELIMITER = re.compile(r"^(.{2,18}?)[。：:]")

# Document metadata.
DOC_NUMBER = re.compile(r"^\S{1,15}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d+\s*号$")
NOTICE_TITLE = re.compile(r"(.*?)(?:关于)?印发\s*《(.+?)》\s*的?通知")
DATE_LINE = re.compile(rf"^{DATE_PATTERN}(?:印发|发布)?$")
DATE_ANY = re.compile(DATE_PATTERN)
NOTICE_END = re.compile(r"特此(?:通知|公告)[。.]?$")
EFFECTIVE_FROM = re.compile(rf"自\s*{DATE_PATTERN}\s*起\s*(?:施行|实施|执行|试行|生效)")
EFFECTIVE_ON_ISSUE = re.compile(r"自(?:印发|发布|公布)之日起\s*(?:施行|实施|执行|试行|生效)")
EFFECTIVE_UNTIL = re.compile(rf"有效期\s*(?:至|到)\s*{DATE_PATTERN}")
EFFECTIVE_YEARS = re.compile(rf"有效期\s*(?:为)?\s*([0-9{CN_NUMERAL}]+)\s*年")

# Granting clauses: a sentence that grants something closes a measure.
CLAUSE_END = re.compile(r"[。；;！!？?]")
GRANT = re.compile(r"给予|予以|给子|奖励|补贴|补助|资助|配套|贴息|发放|授信|实行“?一事一议")
ASSESSMENT = re.compile(r"经(综合评定|认定|评审|评定|审核|审定|第三方评估机构评审|绩效评价认定|评估)")

# Amounts: caps (最高/不超过 N万元), fixed amounts (N万元), ratios (N%) and their basis.
_NUM = r"(\d+(?:\.\d+)?)\s*(亿元|万元|元)"
CAP = re.compile(rf"(?:最高|不超过|最多|上限为?|累计不超过)\s*(?:不超过|可达)?\s*{_NUM}")
AMOUNT = re.compile(_NUM)
RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*[%％]")
BASIS = re.compile(r"按(?:照)?(?:其)?(?:该企业)?((?:[\u4e00-\u9fff]|“|”){2,14}?)的?(?:一定比例|\d+(?:\.\d+)?\s*[%％])")
AMOUNT_SUPPORT = re.compile(rf"{_NUM}(?:的)?(?:资金)?支持")

# Phrases that name a qualification the ontology may lack (for curators): loaders/discovery.py.
LEVEL_RUN_TAIL = r"(?:[、和及与,，]|及以上|以上)*"

# Recognition in the same sentence: before a name (认定的/获得/入选…) or after it (经认定).
RECOGNITION_BEFORE = re.compile(r"认定|获评|获得|获批|入选|纳入|列入|批准|挂牌|评为|授予|创建|通过")
# 经认定 right after the name, or after a short head noun (…等研究机构，经认定), not across a clause.
RECOGNITION_AFTER = re.compile(r"^(?:[的等]?[\u4e00-\u9fff]{0,6})?[，,]?经(?:认定|评定|审定)")
# Titles of other documents: what is named inside 《…》 is not granted here.
BOOK_TITLE = re.compile(r"《[^》]*》")

# Support forms (loaders/grants.py): a sentence that grants something (a verb of granting,
# a 支持方式 statement, a form followed by its sum: 最高补贴300元); a clause that refuses;
# money of a higher level named as a condition (获得市级补贴的, 按市级补贴金额).
GRANTING = re.compile(
    r"给予|予以|给子|发放|提供|享受|可以?申请|方式|实行|一事一议|批复|批准后执行"
    r"|(?:补贴|奖励|补助|资助|支持|扶持)[^，,。；;]{0,6}?\d|最高(?:补贴|奖励|补助|资助)"
    r"|最高\d[\d.]*(?:万元|亿元|元)[^，,。；;]{0,10}?(?:补贴|补助|奖励|资助)")
CLAUSE_COMMA = re.compile(r"[，,]")
# Money named as already received (已获得…支持并已落实区配套资金的项目): a condition, not a grant.
RECEIVED_MONEY = re.compile(
    r"(?:已|曾)(?:获得|落实|享受|取得)[^，,。；;]{0,24}?(?:补贴|补助|奖励|资助|资金|扶持|支持)")
# The purpose of a fund (用于市级…资金配套): matching money a fund is for is scope, not a grant.
FUND_USE = re.compile(r"用于[^，,。；;]*?配套[^。；;]*")
# Payment procedure (由…拨付): a sentence whose only granting word is 方式 grants nothing there.
PAYMENT = re.compile(r"拨付|拨款")
REFUSAL_CLAUSE = re.compile(r"[^，,。；;]*(?:不予|不得|不再)[^，,。；;]*")
HIGHER_LEVEL_MONEY = re.compile(
    r"(?:获得|按|按照|参照|享受)(?:国家|中央|省级?|市级?|本市|上级|[\u4e00-\u9fff]{2}[省市])(?:有关部门|相关部门|相关)?(?:财政)?"
    r"(?:专项)?(?:补贴|补助|奖励|资助|资金|扶持)")

# Qualifications (loaders/recognitions.py).
# A measure that grants, promises or claws back something (else it requires nothing).
BENEFIT = re.compile(
    r"给予|予以|给子|奖励|补贴|补助|资助|配套|贴息|发放|授信|一事一议|支持|扶持|优先|便利|享受|提供|收回|追回|匹配")
# Holding a recognition (获得X的认定证明), applying for it (申请认定X应当…), a procedure about it.
HOLDING_BEFORE = re.compile(r"(?:获得|已获|取得|获评|评为|已认定|经认定|通过|首次)[^，,。；;]{0,4}$")
PROCEDURE_AFTER = re.compile(r"[”\"]?(?:的)?(?:认定|奖励)(?!证明|证书|资格)")
# What a procedure names a holder (统一命名为“上海市X”): the name, not a condition.
NAMING_BEFORE = re.compile(r"(?:命名为|称为|简称|授予其)[“\"]?$")
# Examples of a type in brackets (各类园区(科技园区、文创园区、众创空间等)): kinds, not recognitions.
EXAMPLES = re.compile(r"各类[\u4e00-\u9fff]{1,6}[(（][^)）]{0,60}[)）]")
APPLYING_BEFORE = re.compile(r"申请(?:认定)?$")
APPLYING_AFTER = re.compile(r"[，,]?(?:应当|应|须|需|奖励)")
# A place on a higher level's list: 列入市级X的项目, 列入上海市X等市级名单, 被列入市X目录的.
HIGHER_LIST = re.compile(
    r"(?:列入|纳入|入选)(?P<mention>(?:国家级?|省级?|市级?|本市|中央|[\u4e00-\u9fff]{2}[省市](?!级))(?P<name>[^，,。；;、()（）]{2,24}?))"
    r"(?:的?项目|等[^，,。；;]{0,6}?名单|的?(?:名单|目录|库)|的)")
CERTIFIED_TITLE = re.compile(r"认证|证书|标识")
MONEY_WORDS = re.compile(r"补贴|补助|资金|配套|奖励|资助|拨款")
