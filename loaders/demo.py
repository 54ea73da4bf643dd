"""Deterministic, plainly fictional enterprise registers for demos, tests and benchmarks.

Names say they are fictional; USCCs are valid (check digit by python-stdnum) with the
district's division code from the ontology. Which qualifications enterprises hold, and how
often, comes from a profile file (data/enterprises/demo-profile.yaml by default).
``dense=True`` gives every enterprise three of them, for load benchmarks.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import yaml
from stdnum.cn import uscc as uscc_number

from loaders.register import COLUMNS, SCALES
from ontology import Ontology, load_ontology
from ontology.labels import find_concept
from policykg.errors import LoadError

DEFAULT_PROFILE = Path(__file__).resolve().parents[1] / "data" / "enterprises" / "demo-profile.yaml"
_ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def fictional_uscc(rng: random.Random, division: str) -> str:
    """A syntactically valid USCC: 9 (market regulator), 1 (enterprise), the division code,
    a random organisation code, and the check digit."""
    body = "91" + division + "".join(rng.choice(_ORG) for _ in range(9))
    return body + uscc_number.calc_check_digit(body)


def read_profile(path: Path, ont: Ontology) -> dict:
    """The demo profile with qualification names resolved to concepts (LoadError if unknown)."""
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    quals = []
    for i, q in enumerate(data["qualifications"]):
        concept = find_concept(ont.concepts("qualifications"), q["name"])
        if concept is None:
            raise LoadError(f"{q['name']!r} is not in the ontology", where=f"{path}: qualifications[{i}]")
        quals.append((concept, float(q["share"]), tuple(q["levels"])))
    return {"industries": tuple(data["industries"]), "above_scale": float(data["above_scale_share"]),
            "name_pattern": str(data["name_pattern"]), "district": data.get("district"), "qualifications": quals}


def write_demo_register(out: Path, *, count: int, seed: int = 1, district: str | None = None,
                        dense: bool = False, ontology: Ontology | None = None,
                        profile: Path = DEFAULT_PROFILE) -> int:
    """Write a register CSV of ``count`` fictional enterprises in ``district`` (default: the
    profile's); returns the number of rows."""
    ont = ontology or load_ontology()
    prof = read_profile(profile, ont)
    district = district or prof["district"]
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
            base = [uscc, prof["name_pattern"].format(i), place.label_zh, rng.choice(prof["industries"]),
                    SCALES[0] if rng.random() < prof["above_scale"] else SCALES[1],
                    (today - dt.timedelta(days=rng.randint(200, 9000))).isoformat()]
            quals = prof["qualifications"]
            held = rng.sample(quals, 3) if dense else [q for q in quals if rng.random() < q[1]]
            if not held:
                w.writerow([*base, "", "", "", ""])
                rows += 1
            for concept, _, levels in held:
                since = today - dt.timedelta(days=rng.randint(30, 1800))
                until = since + dt.timedelta(days=3 * 365)
                w.writerow([*base, concept.label_zh, rng.choice(levels), since.isoformat(), until.isoformat()])
                rows += 1
    return rows
