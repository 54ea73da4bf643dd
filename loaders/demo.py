"""Deterministic, plainly fictional enterprise registers for demos, tests and benchmarks.

Names say they are fictional (示例企业…); USCCs are valid (check digit by python-stdnum)
with the district's division code from the ontology. Qualification shares are rough,
plausible orders of magnitude for a Shanghai district, not statistics: a few percent of
enterprises are 高新技术企业 or 创新型中小企业, around one percent 专精特新中小企业, and
national designations (专精特新"小巨人", 单项冠军) are rarer still. ``dense=True`` gives
every enterprise about three qualifications, for load benchmarks.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from stdnum.cn import uscc as uscc_number

from loaders.register import COLUMNS
from ontology import Ontology, load_ontology
from policykg.errors import LoadError

# (qualification id, share of enterprises, level choices) — ids are the ontology's.
SHARES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("high-tech-enterprise", 0.04, ("国家级",)),
    ("innovative-sme", 0.03, ("市级",)),
    ("srdi-sme", 0.012, ("市级",)),
    ("tech-little-giant", 0.004, ("市级",)),
    ("little-giant", 0.0015, ("国家级",)),
    ("enterprise-tech-centre", 0.005, ("区级", "市级", "国家级")),
    ("single-champion", 0.0003, ("国家级",)),
    ("smart-factory", 0.002, ("市级", "区级")),
    ("green-factory", 0.002, ("市级", "国家级")),
    ("foreign-hq", 0.002, ("市级",)),
)
INDUSTRIES = ("C39", "C35", "C26", "I65", "M73", "F51", "L72", "C38", "I64", "M75")
_ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def fictional_uscc(rng: random.Random, division: str) -> str:
    """A syntactically valid USCC: 9 (market regulator), 1 (enterprise), the division code,
    a random organisation code, and the check digit."""
    body = "91" + division + "".join(rng.choice(_ORG) for _ in range(9))
    return body + uscc_number.calc_check_digit(body)


def write_demo_register(out: Path, *, count: int, seed: int = 1, district: str = "闵行区",
                        dense: bool = False, ontology: Ontology | None = None) -> int:
    """Write a register CSV of ``count`` fictional enterprises; returns the number of rows."""
    ont = ontology or load_ontology()
    place = next((p for p in ont.concepts("places") if district in p.all_labels), None)
    if place is None or not place.division_code:
        raise LoadError(f"no division code for district {district!r} in ontology/places.ttl", where="--district")
    rng = random.Random(seed)
    today = dt.date(2025, 6, 30)  # fixed, so the same seed gives the same file on any day
    header = [v[0] for v in COLUMNS.values()]
    rows = 0
    seen: set[str] = set()
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(1, count + 1):
            uscc = fictional_uscc(rng, place.division_code)
            while uscc in seen:
                uscc = fictional_uscc(rng, place.division_code)
            seen.add(uscc)
            base = [uscc, f"示例企业{i:06d}(虚构)有限公司", place.label_zh, rng.choice(INDUSTRIES),
                    "规上" if rng.random() < 0.15 else "规下",
                    (today - dt.timedelta(days=rng.randint(200, 9000))).isoformat()]
            held = ([s for s in rng.sample(SHARES, 3)] if dense
                    else [s for s in SHARES if rng.random() < s[1]])
            if not held:
                w.writerow([*base, "", "", "", ""])
                rows += 1
            for qid, _, levels in held:
                concept = ont.concept("qualifications", qid)
                since = today - dt.timedelta(days=rng.randint(30, 1800))
                until = since + dt.timedelta(days=3 * 365)
                w.writerow([*base, concept.label_zh, rng.choice(levels), since.isoformat(), until.isoformat()])
                rows += 1
    return rows
