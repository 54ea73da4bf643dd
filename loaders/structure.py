"""Split a document's text into chapters and articles, and articles into measures.

How the genre is read: the article style is ``第N条`` if present, else ``N.``. Heading
styles met *before* the first article (e.g. ``一、`` then ``（一）``) enclose articles;
a style first met inside an article (e.g. ``（一）`` items in a ``第N条`` document, or
``(1)`` sub-measures) is part of that article's text. A chapter is the innermost
enclosing heading that directly holds articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from loaders import patterns as P
from loaders.numerals import parse_number


@dataclass(frozen=True)
class Line:
    """A non-empty line with surrounding whitespace removed and its 1-based line number."""

    no: int
    text: str


@dataclass(frozen=True)
class RawArticle:
    """An article as found: number, title, text (paragraphs joined by newlines), chapter."""

    number: int
    title: str | None
    text: str
    line: int
    chapter: int | None


@dataclass(frozen=True)
class RawChapter:
    """A heading that holds articles."""

    number: int
    title: str | None
    line: int


@dataclass(frozen=True)
class Note:
    """A responsibility note inside an article's text: its span and the names it lists."""

    start: int
    end: int
    names: tuple[tuple[str, bool], ...]  # (name as written, is lead)


def lines_of(text: str) -> list[Line]:
    """Non-empty lines, stripped of ASCII and full-width spaces."""
    out = []
    for i, raw in enumerate(text.split("\n"), start=1):
        s = raw.strip().strip("\u3000").strip()
        if s and s != "|":
            out.append(Line(i, s))
    return out


def classify(text: str) -> tuple[str, re.Match[str]] | None:
    """The marker style a line starts with, and the match; None for a plain paragraph."""
    for style, pattern in P.MARKERS.items():
        m = pattern.match(text)
        if m:
            return style, m
    return None


def article_style(lines: list[Line]) -> str | None:
    """The style that numbers articles in this document, or None if there are none."""
    present = {c[0] for ln in lines if (c := classify(ln.text))}
    for style in P.ARTICLE_STYLES:
        if style in present and (style != "cn" or len(present) == 1):
            return style
    return None


def split_title(rest: str) -> tuple[str | None, bool]:
    """Title of an article from the text after its number, and whether the title is the
    whole line (a heading line) rather than the first sentence of the body."""
    if _is_heading_line(rest):
        return (rest or None), True
    m = P.TITLE_DELIMITER.match(rest)
    if m and not re.search(r"[，,、]", m.group(1)):
        return m.group(1), False
    return None, False


def parse_structure(lines: list[Line]) -> tuple[list[RawChapter], list[RawArticle], str | None]:
    """Chapters and articles of the document, plus the article style used."""
    style = article_style(lines)
    if style is None:
        return [], [], None
    first_article = next(i for i, ln in enumerate(lines) if (c := classify(ln.text)) and c[0] == style)
    enclosing: list[str] = []
    for ln in lines[:first_article]:
        c = classify(ln.text)
        if c and c[0] != style and c[0] not in enclosing:
            enclosing.append(c[0])

    stack: list[tuple[int, Line, str]] = []  # (level, line, title)
    chapter_of_heading: dict[int, int] = {}
    chapters: list[RawChapter] = []
    articles: list[RawArticle] = []
    current: dict | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            articles.append(RawArticle(current["number"], current["title"],
                                       "\n".join(current["parts"]), current["line"], current["chapter"]))
            current = None

    for ln in lines:
        c = classify(ln.text)
        if c and c[0] in enclosing:
            close()
            level = enclosing.index(c[0])
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, ln, c[1].group(2).strip()))
        elif c and c[0] == style:
            close()
            chapter = None
            if stack:
                head = stack[-1][1]
                if head.no not in chapter_of_heading:
                    chapter_of_heading[head.no] = len(chapters) + 1
                    title = stack[-1][2].rstrip("。")
                    chapters.append(RawChapter(len(chapters) + 1, title or None, head.no))
                chapter = chapter_of_heading[head.no]
            rest = c[1].group(2).strip()
            title, _ = split_title(rest)
            current = {"number": parse_number(c[1].group(1)), "title": title, "parts": [rest] if rest else [],
                       "line": ln.no, "chapter": chapter}
        elif current is not None:
            current["parts"].append(ln.text)
    close()
    return chapters, articles, style


def find_notes(text: str) -> list[Note]:
    """Responsibility notes in an article's text, with the units each names."""
    notes = []
    for m in P.NOTE.finditer(text):
        names: list[tuple[str, bool]] = []
        for part in P.NOTE_PART.finditer(m.group(1)):
            supporting = bool(P.SUPPORTING_ROLE.match(part.group(1)))
            for i, raw in enumerate(n for n in P.LIST_SEPARATORS.split(part.group(2)) if n):
                name = P.TRAILING_VAGUE.sub("", raw).strip()
                if name:
                    names.append((name, not supporting and (i == 0 or part.group(1).startswith("牵头"))))
        notes.append(Note(m.start(), m.end(), tuple(names)))
    return notes


def _is_heading_line(line: str) -> bool:
    """A short line that ends no sentence and introduces no list: a title or sub-heading."""
    return not P.SENTENCE_END.search(line) and len(line) <= 40 and not line.endswith(("：", ":"))


def note_segments(text: str, notes: list[Note]) -> list[tuple[int, int, Note | None]]:
    """The text each note covers: a note closes the text before it; text after the last
    note (or a note-less article) forms one more segment. Heading-only lines (the title
    line, ``(1)`` sub-headings) are left out."""
    spans: list[tuple[int, int, Note | None]] = []
    pos = 0
    for note in [*notes, None]:
        end = note.start if note else len(text)
        start, stop = _trim(text, pos, end)
        if start < stop:
            spans.append((start, stop, note))
        pos = note.end if note else end
    return spans


def granting_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into measures: runs of sentences that end with a granting
    sentence (给予, 奖励, 补贴, ...). Trailing sentences that grant nothing join the last
    measure; a segment that grants nothing stays one measure."""
    sentences: list[tuple[int, int]] = []
    pos = start
    for m in P.CLAUSE_END.finditer(text, start, end):
        sentences.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        sentences.append((pos, end))
    clauses: list[tuple[int, int]] = []
    open_start: int | None = None
    for s, e in sentences:
        if open_start is None:
            open_start = s
        if P.GRANT.search(text, s, e):
            clauses.append((open_start, e))
            open_start = None
    if open_start is not None:
        if clauses:
            clauses[-1] = (clauses[-1][0], end)
        else:
            clauses.append((open_start, end))
    return [_trim(text, s, e) for s, e in clauses if _trim(text, s, e)[0] < _trim(text, s, e)[1]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past whitespace and leading heading-only lines."""
    while True:
        while start < end and text[start] in " \n\t\u3000":
            start += 1
        nl = text.find("\n", start, end)
        if nl == -1:
            break
        if _is_heading_line(text[start:nl]):
            start = nl + 1
        else:
            break
    while end > start and text[end - 1] in " \n\t\u3000":
        end -= 1
    return start, end
