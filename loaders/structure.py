"""Split a document's text into chapters and articles, and articles into measures.

How the genre is read (see :func:`article_style` for which style numbers articles):
heading styles met *before* the first article (e.g. ``一、`` then ``（一）``) enclose
articles; a style first met inside an article (e.g. ``（一）`` items in a ``第N条``
document, or ``(1)`` sub-measures) is part of that article's text, and so is a list
inside a clause (:func:`inline_items`). A chapter is the innermost enclosing heading that
directly holds articles. Text under a heading outside any article is kept as a section
(:func:`parse_structure`).

The model the graph gets (loaders/records.py): a section is an Article node with
``section: true`` (its id ends in ``-sN``, as a section may share a number with an
article), so a 附则 clause that grants 一事一议 keeps its measures and bureaus and every query
that walks document → chapter → article finds it. It hangs from the chapter of the heading
that encloses it (Changning's 保障措施 items from the 保障措施 chapter); a part at the top level
(Minhang's ``三、附则`` beside ``二、政策措施`` whose ``(一)…(九)`` hold the articles) is a
chapter of its own, named by its heading. So Minhang has 50 numbered articles plus one
section (51 Article nodes) in 9 numbered chapters plus the 附则 part (10 Chapter nodes), and
no nameless chapter: only a document with no headings at all (第N条 articles alone, or a
notice's body) hangs its articles from one chapter numbered 0.
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
    section: bool = False  # text under a heading (or a whole body), not a numbered article
    last_line: int = 0  # 1-based line of its last text line


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


def article_style(lines: list[Line], inline: frozenset[int] = frozenset()) -> str | None:
    """The style that numbers articles in this document, or None if there are none.

    Rules of the genre, in order: ``第N条`` wherever it appears; else the finest style
    numbered continuously across headings of a coarser style (``1.``–``25.`` running
    through parts ``一、``–``六、``); else the style of the items directly under the
    top-level parts (the second style met: ``（一）`` under ``一、``), finer ones being
    items inside articles; else the one style used. Items of a list inside a clause
    (``inline``) never number articles.
    """
    seq = [(c[0], parse_number(c[1].group(1))) for i, ln in enumerate(lines)
           if i not in inline and (c := classify(ln.text))]
    order = list(dict.fromkeys(style for style, _ in seq))
    if "article_cn" in order:
        return "article_cn"
    crossing = [s for s in order if s in P.ARTICLE_STYLES and _numbered_across(seq, order, s)]
    if crossing:
        return crossing[-1]
    candidates = [s for s in order if s in P.ARTICLE_STYLES]
    if not candidates:
        return None
    below_top = [s for s in candidates if s != order[0]]
    return below_top[0] if below_top else candidates[0]


def _numbered_across(seq: list[tuple[str, int]], order: list[str], style: str) -> bool:
    """Whether ``style`` counts 1, 2, 3… without restarting, past at least one heading of
    a coarser style (one met before it)."""
    coarser = set(order[:order.index(style)])
    prev, pending, crossed, count = None, False, False, 0
    for s, n in seq:
        if s == style:
            if prev is not None and n != prev + 1:
                return False
            crossed = crossed or (pending and prev is not None)
            prev, pending, count = n, False, count + 1
        elif s in coarser and prev is not None:
            pending = True
    return crossed and count >= 2


def inline_items(lines: list[Line]) -> frozenset[int]:
    """Indices of lines that are items of a list inside a clause: a run of two or more
    short items numbered from 1, right after a sentence that ends with a colon
    (``重点支持以下产业：`` 1. 集成电路 2. 生物医药), none of which grants anything or
    carries a responsibility note. They belong to the clause, not the document's outline."""
    out: set[int] = set()
    for i, ln in enumerate(lines[:-1]):
        if classify(ln.text) or not ln.text.endswith(("：", ":")):
            continue
        first = classify(lines[i + 1].text)
        if first is None or first[0] == "article_cn":
            continue
        run, j = [], i + 1
        while j < len(lines) and (c := classify(lines[j].text)) and c[0] == first[0] \
                and parse_number(c[1].group(1)) == len(run) + 1:
            run.append(j)
            j += 1
        if len(run) >= 2 and all(_is_list_item(classify(lines[k].text)[1].group(2)) for k in run):
            out.update(run)
    return frozenset(out)


def _is_list_item(rest: str) -> bool:
    """A short item that names something rather than granting it."""
    return len(rest) <= P.LIST_ITEM_MAX and not P.GRANT.search(rest) and not P.NOTE.search(rest)


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
    """Chapters and articles of the document, plus the article style used.

    Nothing after the first article is dropped: text under a heading that is not inside
    any article (a 保障措施 or 附则 part, the paragraph that opens a part, items of a finer
    style met there) becomes a *section* article carrying the heading's number and title.
    Before the first article, a part becomes a section only if it grants something or has
    a responsibility note (总体要求 and 基本原则 parts stay out, like the preamble).
    A document of the genre with no numbered articles at all (a short notice, a repeal)
    is read as one article: its body (see :func:`body_article`).
    """
    inline = inline_items(lines)
    style = article_style(lines, inline)
    if style is None:
        body = body_article(lines)
        return [], ([body] if body else []), None
    first_article = next(i for i, ln in enumerate(lines)
                         if i not in inline and (c := classify(ln.text)) and c[0] == style)
    enclosing: list[str] = []
    for i, ln in enumerate(lines[:first_article]):
        c = classify(ln.text)
        if c and i not in inline and c[0] != style and c[0] not in enclosing:
            enclosing.append(c[0])

    stack: list[tuple[int, Line, str]] = []  # (level, line, title)
    chapter_of_heading: dict[int, int] = {}
    chapters: list[RawChapter] = []
    articles: list[RawArticle] = []
    current: dict | None = None
    seen_article = False

    def chapter_for(depth: int) -> int | None:
        """The chapter number of the heading at ``stack[depth]`` (made on first use)."""
        if depth < 0:
            return None
        head = stack[depth][1]
        if head.no not in chapter_of_heading:
            chapter_of_heading[head.no] = len(chapters) + 1
            title = stack[depth][2].rstrip("。")
            chapters.append(RawChapter(len(chapters) + 1, title or None, head.no))
        return chapter_of_heading[head.no]

    def close() -> None:
        nonlocal current
        if current is None:
            return
        text = "\n".join(current["parts"])
        has_body = len(current["parts"]) > 1 or not _is_heading_line(text)
        keep = not current["section"] or (has_body and (seen_article or P.GRANT.search(text) or P.NOTE.search(text)))
        if keep:
            chapter = current["chapter"]
            if current["section"]:  # the enclosing heading's chapter; a top-level part is its own
                chapter = chapter_for(current["depth"] if current["depth"] >= 0 else 0)
            articles.append(RawArticle(current["number"], current["title"], text, current["line"], chapter,
                                       section=current["section"], last_line=current["last"]))
        current = None

    for i, ln in enumerate(lines):
        c = classify(ln.text) if i not in inline else None
        if c and c[0] in enclosing:
            close()
            level = enclosing.index(c[0])
            while stack and stack[-1][0] >= level:
                stack.pop()
            title = c[1].group(2).strip()
            stack.append((level, ln, title))
            heading_title, _ = split_title(title)
            current = {"number": parse_number(c[1].group(1)), "title": heading_title, "parts": [title] if title else [],
                       "line": ln.no, "last": ln.no, "chapter": None, "section": True, "depth": len(stack) - 2}
        elif c and c[0] == style:
            close()
            seen_article = True
            chapter = chapter_for(len(stack) - 1) if stack else None
            rest = c[1].group(2).strip()
            title, _ = split_title(rest)
            current = {"number": parse_number(c[1].group(1)), "title": title, "parts": [rest] if rest else [],
                       "line": ln.no, "last": ln.no, "chapter": chapter, "section": False}
        elif current is not None:
            current["parts"].append(ln.text)
            current["last"] = ln.no
    close()
    return chapters, articles, style


def body_article(lines: list[Line]) -> RawArticle | None:
    """The body of a document of the genre that numbers nothing, as one article: the lines
    between the addressee (``各…：``) or the title and the closing ``特此通知`` (or the
    end). Only when the title names a document of the genre (通知, 办法, 措施…) and the
    body grants something or is closed by 特此通知: a text of another genre, or a notice
    cut off in the middle, is still refused."""
    if len(lines) < 2 or not P.GENRE_TITLE.search(lines[0].text):
        return None
    start = 1
    for i, ln in enumerate(lines[1:5], start=1):
        if ln.text.endswith(("：", ":")):
            start = i + 1
            break
    end = next((i for i, ln in enumerate(lines) if i >= start and P.NOTICE_END.search(ln.text)), None)
    body = lines[start:end] if end is not None else lines[start:]
    text = "\n".join(ln.text for ln in body)
    if not body or not (end is not None or P.GRANT.search(text)):
        return None
    return RawArticle(1, None, text, body[0].no, None, section=True, last_line=body[-1].no)


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
