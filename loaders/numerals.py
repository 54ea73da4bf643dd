"""Chinese numerals and dates as they appear in policy documents."""

from __future__ import annotations

import datetime as dt
import re

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "零〇○一二两三四五六七八九十百千"


def parse_number(text: str) -> int:
    """Arabic or Chinese numeral to int, ignoring stray spaces (OCR noise).

    >>> parse_number("二十一"), parse_number("十"), parse_number("2 1"), parse_number("一百零五")
    (21, 10, 21, 105)
    """
    s = re.sub(r"\s+", "", text)
    if s.isdigit():
        return int(s)
    if all(ch in _DIGITS for ch in s) and len(s) > 1:  # 二〇二四 style
        return int("".join(str(_DIGITS[ch]) for ch in s))
    total, current = 0, 0
    for ch in s:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise ValueError(f"not a numeral: {text!r}")
    return total + current


# Years a policy date can have; another year is kept but warned about (a typo, or a
# validity "until 1900").
PLAUSIBLE_YEARS = range(1949, 2101)
DATE_PATTERN = rf"([0-9{CN_NUMERAL}]{{4}})\s*年\s*([0-9{CN_NUMERAL}]{{1,3}})\s*月\s*([0-9{CN_NUMERAL}]{{1,3}})\s*日"


def parse_date(match: re.Match[str] | tuple[str, str, str]) -> dt.date | None:
    """A date from the three groups of DATE_PATTERN, or None if impossible.

    >>> parse_date(re.search(DATE_PATTERN, "二〇二四年十二月十一日"))
    datetime.date(2024, 12, 11)
    """
    y, m, d = match.groups() if isinstance(match, re.Match) else match
    try:
        return dt.date(parse_number(y), parse_number(m), parse_number(d))
    except ValueError:
        return None


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus ``years`` calendar years, minus one day (an N-year validity period).

    >>> add_years(dt.date(2017, 1, 1), 5)
    datetime.date(2021, 12, 31)
    """
    try:
        end = day.replace(year=day.year + years)
    except ValueError:  # 29 February
        end = day.replace(year=day.year + years, day=28)
    return end - dt.timedelta(days=1)
