"""Label normalisation shared by everything that matches names against the ontology."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'"})


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Canonical form for matching: NFKC (full-width to half-width), one quote style, no spaces.

    >>> normalise("区 市场监管局（试行）“小巨人”")
    '区市场监管局(试行)"小巨人"'
    """
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(_QUOTES))


def find_concept(concepts, name: str):  # noqa: ANN001, ANN201
    """The concept among ``concepts`` with a label or alias equal to ``name`` (normalised), or None."""
    key = normalise(name)
    return next((c for c in concepts if c.id == name or key in {normalise(x) for x in c.all_labels}), None)
