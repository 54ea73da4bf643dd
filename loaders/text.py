"""Read a document file into text, whatever its encoding, or say clearly why not."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from policykg.errors import ExtractError


@dataclass(frozen=True)
class SourceText:
    """A document's decoded text with the file it came from and the digest of its bytes."""

    path: Path
    text: str
    sha256: str
    encoding: str


def read_text(path: Path) -> SourceText:
    """Decode ``path`` as UTF-8 (with or without BOM), else detect (GB18030, GBK, ...).

    Raises ExtractError for missing, empty or binary files.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror}", where=str(path)) from exc
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ExtractError("the file is empty", where=str(path), hint="expected a policy document")
    if b"\x00" in data[:4096]:
        raise ExtractError("the file looks binary, not text", where=str(path),
                           hint="give a .txt document (UTF-8 or GB18030)")
    for enc in ("utf-8-sig",):
        try:
            return SourceText(path, _normalise_newlines(data.decode(enc)), digest, "utf-8")
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is None:
        raise ExtractError("cannot determine the text encoding", where=str(path),
                           hint="save the document as UTF-8 or GB18030")
    return SourceText(path, _normalise_newlines(str(best)), digest, best.encoding)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
