"""Extraction speed on a ~100 KB document of the genre.

The document is the three shipped policies' articles, renumbered into one long
document. Baseline, measured in the same run: reading and decoding the file and
splitting it into lines (the floor any extractor pays).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import best_of, record
from loaders import extract_file
from loaders.structure import classify, lines_of
from loaders.text import read_text

ROOT = Path(__file__).resolve().parents[1]


def big_document(target_bytes: int = 100_000) -> str:
    """The Minhang document with its chapters repeated (articles renumbered) until it
    reaches ``target_bytes``: same genre, same header and closing clauses, bigger body."""
    lines = (ROOT / "data/policies/minhang-2024-industry.txt").read_text("utf-8").splitlines()
    first = next(i for i, ln in enumerate(lines) if classify(ln) and classify(ln)[0] == "paren_cn")
    last = next(i for i, ln in enumerate(lines) if i > first and classify(ln) and classify(ln)[0] == "cn")
    head, body, tail = lines[:first], lines[first:last], lines[last:]
    out, n = list(head), 0
    while len("\n".join(out).encode()) < target_bytes:
        for ln in body:
            c = classify(ln)
            if c and c[0] == "arabic":
                n += 1
                ln = f"{n}.{c[1].group(2)}"
            out.append(ln)
    return "\n".join(out + tail)


def main() -> None:
    text = big_document()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        path.write_text(text, "utf-8")
        base, _ = best_of(lambda: lines_of(read_text(path).text))
        took, doc = best_of(lambda: extract_file(path), repeat=3)
    size_kb = len(text.encode()) / 1000
    record("extract", {
        "document_kb": round(size_kb, 1),
        "articles": len(doc.articles),
        "measures": sum(len(a.measures) for a in doc.articles),
        "extract_s": round(took, 3),
        "baseline_read_and_split_s": round(base, 4),
        "ratio_to_baseline": round(took / base, 1),
        "kb_per_s": round(size_kb / took, 1),
    })


if __name__ == "__main__":
    main()
