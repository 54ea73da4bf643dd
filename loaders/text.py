"""Read a document file into text, whatever its format (plain text in any common Chinese
encoding, HTML, DOCX, PDF with a text layer), or say clearly why not."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from policykg.errors import ExtractError, PolicyKGError
from policykg.settings import load_limits


@dataclass(frozen=True)
class SourceText:
    """A document's decoded text with the file it came from and the digest of its bytes."""

    path: Path
    text: str
    sha256: str
    encoding: str


SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf")


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_bounded(path: Path, max_bytes: int, *, what: str, variable: str,
                 error: type[PolicyKGError] = ExtractError) -> bytes:
    """The bytes of the regular file ``path``, refused (``error``) if it is not a regular file
    or holds more than ``max_bytes``. Why: ``/dev/zero`` would fill memory and a FIFO would
    wait forever; the file is opened without blocking, checked on the open descriptor (no
    race with a rename), and at most ``max_bytes + 1`` bytes are ever read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror}", where=str(path)) from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise error(f"is {kind}, not a regular file", where=str(path), hint=f"give a {what} file")
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise error(f"cannot read the {what}: {exc.strerror}", where=str(path)) from exc
    if len(data) > max_bytes:
        raise error(f"the {what} is larger than the limit of {max_bytes:,} bytes", where=str(path),
                    hint=f"split it, or raise {variable}")
    return data


def read_text(path: Path, *, max_bytes: int | None = None) -> SourceText:
    """Text of ``path`` by its suffix: .docx and .pdf through their libraries, .html parsed,
    anything else decoded as UTF-8 (with or without BOM) or a detected encoding (GB18030...).

    Raises ExtractError for missing, empty, binary or unreadable files, for anything but a
    regular file, and for a file over ``max_bytes`` (default: POLICYKG_MAX_DOCUMENT_BYTES).
    """
    path = Path(path)
    limit = load_limits().document_bytes if max_bytes is None else max_bytes
    data = read_bounded(path, limit, what="document", variable="POLICYKG_MAX_DOCUMENT_BYTES")
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ExtractError("the file is empty", where=str(path), hint="expected a policy document")
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return SourceText(path, _docx_text(data, path), digest, "docx")
    if suffix == ".pdf":
        return SourceText(path, _pdf_text(data, path), digest, "pdf")
    src = _decode(data, path, digest)
    if suffix in (".html", ".htm"):
        return SourceText(path, _html_text(src.text), digest, src.encoding)
    return src


def _decode(data: bytes, path: Path, digest: str) -> SourceText:
    """Plain text: UTF-8 (BOM or not) first, else the encoding charset-normalizer detects."""
    if b"\x00" in data[:4096]:
        raise ExtractError("the file looks binary, not text", where=str(path),
                           hint="give a .txt document (UTF-8 or GB18030)")
    try:
        return SourceText(path, _normalise_newlines(data.decode("utf-8-sig")), digest, "utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":  # cut in the middle of a character
            return SourceText(path, _normalise_newlines(data[:exc.start].decode("utf-8-sig")), digest, "utf-8")
    best = from_bytes(data).best()
    if best is None:
        raise ExtractError("cannot determine the text encoding", where=str(path),
                           hint="save the document as UTF-8 or GB18030")
    return SourceText(path, _normalise_newlines(str(best)), digest, best.encoding)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _html_text(markup: str) -> str:
    """Visible text of an HTML page, one block per line (scripts and styles dropped)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "head", "nav"]):
        tag.decompose()
    return _normalise_newlines(soup.get_text("\n"))


def _docx_text(data: bytes, path: Path) -> str:
    """Paragraphs (and table cells) of a Word document, one per line."""
    import io
    import zipfile

    from docx import Document

    try:
        doc = Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(f"not a readable DOCX file ({exc})", where=str(path)) from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(lines)


def _pdf_text(data: bytes, path: Path) -> str:
    """The text layer of a PDF, page after page; a scanned PDF (no text) is an error."""
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs ("incorrect startxref pointer", ...) to stderr through the
    # logging module; the user gets our one-line error instead, so its logger is quiet here.
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL + 1)
    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise ExtractError(f"not a readable PDF file ({exc})", where=str(path)) from exc
    finally:
        log.setLevel(level)
    if not text.strip():
        raise ExtractError("the PDF has no text layer (scanned?)", where=str(path),
                           hint="run OCR first, or give the text version")
    return _normalise_newlines(text)
