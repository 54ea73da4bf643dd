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
# Styles that can number articles, most specific first.
ARTICLE_STYLES = ("article_cn", "arabic", "cn")

# Responsibility notes: (责任单位：A、B) / (责任部门：…) / (牵头单位：A；配合单位：B, C).
ROLE = r"(?:责任|牵头|主责|配合|协办|参与)(?:单位|部门)"
NOTE = re.compile(rf"{OPEN}\s*({ROLE}\s*[:：][^()（）]*){CLOSE}")
NOTE_PART = re.compile(rf"({ROLE})\s*[:：]\s*([^；;]*?)\s*(?=[；;，,]?\s*{ROLE}\s*[:：]|$)")
SUPPORTING_ROLE = re.compile(r"^(?:配合|协办|参与)")
LIST_SEPARATORS = re.compile(r"[、，,；;/\s]+")
TRAILING_VAGUE = re.compile(r"(?:及|和|等)?(?:其他)?(?:相关|有关)(?:部门|单位)$|等$")

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
