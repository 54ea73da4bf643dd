"""Corrections an officer writes without code: a YAML file beside a document
(``<name>.curation.yaml``) that adds or removes facts; applied on every extraction, and
the facts it adds carry the file's name as provenance.

    add:
      - {article: 19, qualification: 高新技术企业, level: 国家级}
      - {article: 44, support_form: 贴息, measure: 1}
      - {article: 12, bureau: 区发展改革委}
    remove:
      - {article: 3, qualification: 科学技术奖}
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from loaders.document import Article, ExtractedDocument, Found, Measure
from loaders.gazetteer import normalise
from ontology import Concept, Ontology
from policykg.errors import ExtractError

KINDS = {"qualification": ("qualifications", "qualifications"),
         "support_form": ("support_forms", "support_forms"),
         "beneficiary": ("beneficiaries", "beneficiary_types"),
         "industry": ("industries", "industries")}


def curation_path(document: Path) -> Path:
    """Where the corrections of ``document`` live."""
    return document.with_name(document.stem + ".curation.yaml")


def _concept(ont: Ontology, scheme: str, name: str, where: str) -> Concept:
    key = normalise(name)
    for c in ont.concepts(scheme):
        if key in {normalise(lbl) for lbl in c.all_labels}:
            return c
    names = [c.label_zh for c in ont.concepts(scheme)]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.3)
    raise ExtractError(f"{name!r} is not in the ontology's {scheme}", where=where,
                       hint=f"did you mean {close[0]!r}?" if close else "add it to ontology/ first")


def _entry(item: Any, where: str) -> tuple[int, str, str, dict[str, Any]]:
    if not isinstance(item, dict) or "article" not in item:
        raise ExtractError("each entry needs an 'article' and one fact", where=where)
    kinds = [k for k in (*KINDS, "bureau") if k in item]
    if len(kinds) != 1:
        raise ExtractError("name exactly one of " + ", ".join((*KINDS, "bureau")), where=where)
    try:
        return int(item["article"]), kinds[0], str(item[kinds[0]]), item
    except (TypeError, ValueError):
        raise ExtractError("'article' must be a number", where=where) from None


def apply_curation(doc: ExtractedDocument, path: Path, ont: Ontology) -> ExtractedDocument:
    """``doc`` with the corrections in ``path`` applied; ExtractError names file and entry."""
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ExtractError(f"cannot read corrections: {exc}", where=str(path)) from exc
    if not isinstance(data, dict) or set(data) - {"add", "remove", "document"}:
        raise ExtractError("expected 'add' and/or 'remove' lists", where=str(path))
    articles = {a.number: a for a in doc.articles}
    source = path.name
    for action in ("remove", "add"):
        for i, item in enumerate(data.get(action) or []):
            where = f"{path}: {action}[{i}]"
            number, kind, name, entry = _entry(item, where)
            if number not in articles:
                raise ExtractError(f"no article {number} in {doc.source}", where=where)
            articles[number] = _apply(articles[number], action, kind, name, entry, ont, source, where)
    return replace(doc, articles=tuple(articles[a.number] for a in doc.articles))


def _apply(a: Article, action: str, kind: str, name: str, entry: dict[str, Any], ont: Ontology,
           source: str, where: str) -> Article:
    measures = list(a.measures)
    if not measures:
        raise ExtractError(f"article {a.number} has no measure to correct", where=where)
    seq = entry.get("measure")
    targets = range(len(measures)) if seq is None and action == "remove" else [int(seq or 1) - 1]
    if any(not 0 <= t < len(measures) for t in targets):
        raise ExtractError(f"article {a.number} has {len(measures)} measure(s), not {seq}", where=where)
    for t in targets:
        measures[t] = _apply_measure(measures[t], action, kind, name, entry, ont, source, where)
    return replace(a, measures=tuple(measures))


def _apply_measure(m: Measure, action: str, kind: str, name: str, entry: dict[str, Any], ont: Ontology,
                   source: str, where: str) -> Measure:
    if kind == "bureau":
        bureaus = tuple(b for b in m.bureaus if b != name)
        return replace(m, bureaus=(*bureaus, name) if action == "add" else bureaus)
    field, scheme = KINDS[kind]
    concept = _concept(ont, scheme, name, where)
    kept = tuple(f for f in getattr(m, field) if f.concept_id != concept.id)
    if action == "remove":
        return replace(m, **{field: kept})
    found = Found(concept.label_zh, "", m.start, m.end, entry.get("level"), concept.id, curated=source)
    return replace(m, **{field: (*kept, found)})
