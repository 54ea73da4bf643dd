"""Extraction speed on a ~100 KB document of the genre.

The document is the three shipped policies' articles, renumbered into one long
document. Baseline, measured in the same run: reading and decoding the file and
splitting it into lines (the floor any extractor pays).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from bench.common import best_of, record
from loaders import extract_file
from loaders.structure import lines_of
from loaders.text import read_text

ROOT = Path(__file__).resolve().parents[1]


def big_document(target_bytes: int = 100_000) -> str:
    """A synthetic document: the Minhang header, then chapters of renumbered articles."""
    minhang = (ROOT / "data/policies/minhang-2024-industry.txt").read_text("utf-8")
    head, body = minhang.split("(一)", 1)
    articles = re.findall(r"^\d+\.(.+)$", body, flags=re.M)
    out, n, chapter = [head], 0, 0
    while len(("\n".join(out)).encode()) < target_bytes:
        chapter += 1
        out.append(f"({'一二三四五六七八九'[(chapter - 1) % 9]})第{chapter}组措施")
        for text in articles:
            n += 1
            out.append(f"{n}.{text}")
    out.append("三、附则\n本办法自2025年1月15日起施行,有效期至2027年1月14日。")
    return "\n".join(out)


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
