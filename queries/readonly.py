"""The read-only check for Cypher that is run but not written by the project: saved queries,
their ``lookup`` queries, a deployment's query files and the officer's admin box.

It reads the text as the databases' lexers do (strings with backslash escapes, backtick
names with doubled backticks, ``//`` and ``/* */`` comments, parameters), so no quote or
comment can hide a clause from it, and then it checks the tokens against an ALLOW-LIST:

- a query starts with MATCH, OPTIONAL MATCH, WITH, UNWIND or RETURN;
- a word that follows a finished expression (a name, a literal, ``)``, ``]``, ``}``) must
  be an operator word (AND, IS, CONTAINS, AS, WHEN, ...) or one of the allowed clauses
  (MATCH, OPTIONAL MATCH, WITH, WHERE, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION);
  anything else there is a clause this check does not know, and is refused with its name;
- the words that start a write, a procedure call, a file or URL read, an admin command or
  a transaction (CALL, LOAD, SHOW, CREATE, ...: ``FORBIDDEN``) are refused wherever they
  stand as a bare word, unless right after a ``.`` (a property key such as ``n.set``); a
  variable with such a name is written in backticks;
- a function call with a namespace (``db.labels()``, ``apoc.load.csv()``) is refused
  unless it is one of a few pure built-ins (``PURE_NAMESPACED``), and so is a function
  whose name speaks of files, URLs or tables (``read_csv``);
- a ``;`` may only end the text (one statement per run);
- characters that are neither letters, digits, known punctuation nor whitespace are
  refused outside strings, so no invisible character can split or join a word.

Refusing too much is the safe error here: a rare legal query may need rewriting (backticks
around a name), but nothing the check passes can write, call out or read a file.
``check_bounded_paths`` is the admin box's extra rule: every variable-length pattern needs
an upper bound of at most ``MAX_HOPS``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Clauses a read-only query may use (OPTIONAL and ORDER are completed by MATCH and BY).
ALLOWED_CLAUSES = ("MATCH", "OPTIONAL", "WITH", "WHERE", "UNWIND", "RETURN", "ORDER", "SKIP", "LIMIT", "UNION")
ALLOWED_TEXT = "MATCH, OPTIONAL MATCH, WITH, WHERE, UNWIND, RETURN, ORDER BY, SKIP, LIMIT, UNION [ALL]"
#: Clauses a query may start with.
STARTS = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN")

#: Words that begin a write, a call, a file/URL read, an admin command, a transaction or a
#: query option in Neo4j 5 or LadybugDB: refused wherever they stand as a bare word.
FORBIDDEN = frozenset("""
    CALL LOAD SHOW TERMINATE USE CREATE MERGE SET DELETE DETACH REMOVE DROP FOREACH COPY INSTALL
    UNINSTALL ATTACH IMPORT EXPORT ALTER RENAME GRANT DENY REVOKE START STOP ENABLE DISABLE SUSPEND
    BEGIN COMMIT ROLLBACK CHECKPOINT PROFILE EXPLAIN CYPHER USING YIELD INSERT FINISH TRUNCATE
    DEALLOCATE REALLOCATE DRYRUN COMMENT UPDATE PERIODIC EXECUTE
""".split())

#: Words that may follow a finished expression without starting a clause.
_AFTER_OPERAND = frozenset("""
    AND OR XOR NOT IN IS CONTAINS STARTS ENDS AS ASC DESC ASCENDING DESCENDING WHEN THEN ELSE END
    BY ALL SHORTEST GROUPS GROUP PATH PATHS
""".split()) | frozenset(ALLOWED_CLAUSES)

#: Words after which an operand comes (so the next word is a name, not a clause).
_EXPECT_OPERAND = frozenset("""
    AND OR XOR NOT IN IS CONTAINS STARTS ENDS AS WHEN THEN ELSE CASE DISTINCT BY ALL ANY SHORTEST
""".split()) | frozenset(ALLOWED_CLAUSES)

#: Functions with a namespace that are pure (no I/O, no database internals), lower case.
PURE_NAMESPACED = frozenset("""
    point.distance point.withinbbox date.truncate datetime.truncate localdatetime.truncate time.truncate
    localtime.truncate datetime.fromepoch datetime.fromepochmillis duration.between duration.indays
    duration.inmonths duration.inseconds
""".split())

#: A function name without namespace that speaks of reading outside the graph (or of moving
#: a LadybugDB sequence) is refused too.
_IO_NAME = re.compile(r"read|load|file|csv|json|parquet|http|url|import|export|copy|attach|sql|show|table"
                      r"|exec|system|shell|getenv|setting|sleep|nextval|currval|setval", re.I)

#: The longest variable-length path the admin box allows.
MAX_HOPS = 6

# Line ends that may close a // comment in either database: end ours at the earliest.
_LINE_ENDS = "\n\r\u2028\u2029\x85\x0b\x0c"
_PUNCT = set("()[]{},.:;|+-*/%^=<>!~&?")
_NUMBER = re.compile(r"0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?")


class ReadOnlyError(ValueError):
    """The text is not a query this check can prove read-only; the message says why."""


@dataclass(frozen=True)
class Token:
    """One lexical token: ``kind`` is word, name (backticked), string, param, number or punct;
    ``text`` is the raw text (a ``word`` upper-cased and NFKC-folded in ``key``)."""

    kind: str
    text: str
    pos: int
    key: str = ""


def _is_word_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def tokenize(cypher: str) -> list[Token]:
    """Split ``cypher`` into tokens, dropping whitespace and comments.

    >>> [t.text for t in tokenize("MATCH (n) // x\\nRETURN 'a\\\\'b' AS `c``d`")]
    ['MATCH', '(', 'n', ')', 'RETURN', "'a\\\\'b'", 'AS', '`c``d`']
    """
    out: list[Token] = []
    i, n = 0, len(cypher)
    while i < n:
        ch = cypher[i]
        if ch.isspace():
            i += 1
        elif cypher.startswith("//", i):
            ends = [j for j in (cypher.find(c, i) for c in _LINE_ENDS) if j >= 0]
            i = min(ends) if ends else n
        elif cypher.startswith("/*", i):
            j = cypher.find("*/", i + 2)
            if j < 0:
                raise ReadOnlyError(f"unterminated /* comment at character {i + 1}")
            i = j + 2
        elif ch in "'\"":
            j = i + 1
            while j < n and cypher[j] != ch:
                j += 2 if cypher[j] == "\\" else 1
            if j >= n:
                raise ReadOnlyError(f"unterminated string at character {i + 1}")
            out.append(Token("string", cypher[i:j + 1], i))
            i = j + 1
        elif ch == "`":
            j = _backtick_end(cypher, i)
            out.append(Token("name", cypher[i:j], i))
            i = j
        elif ch == "$":
            j = i + 1
            if j < n and cypher[j] == "`":
                j = _backtick_end(cypher, j)
            else:
                while j < n and _is_word_char(cypher[j]):
                    j += 1
            if j == i + 1:
                raise ReadOnlyError(f"'$' without a parameter name at character {i + 1}")
            out.append(Token("param", cypher[i:j], i))
            i = j
        elif ch.isdigit() and ch.isascii():
            m = _NUMBER.match(cypher, i)
            out.append(Token("number", m.group(0), i))
            i = m.end()
        elif _is_word_char(ch):
            j = i
            while j < n and _is_word_char(cypher[j]):
                j += 1
            word = cypher[i:j]
            out.append(Token("word", word, i, unicodedata.normalize("NFKC", word).upper()))
            i = j
        elif cypher.startswith("..", i):
            out.append(Token("punct", "..", i))
            i += 2
        elif ch in _PUNCT:
            out.append(Token("punct", ch, i))
            i += 1
        else:
            raise ReadOnlyError(f"unexpected character {ch!r} (U+{ord(ch):04X}) at character {i + 1}")
    return out


def _backtick_end(cypher: str, i: int) -> int:
    """The index after the backtick name starting at ``i`` (a doubled backtick is one)."""
    j = i + 1
    while True:
        k = cypher.find("`", j)
        if k < 0:
            raise ReadOnlyError(f"unterminated backtick name at character {i + 1}")
        if cypher.startswith("``", k):
            j = k + 2
            continue
        return k + 1


def _refuse_clause(name: str, hint: str = "") -> ReadOnlyError:
    return ReadOnlyError(f"clause {name!r} is not allowed: saved and admin queries are read-only "
                         f"(allowed: {ALLOWED_TEXT}){hint}")


def _clause_name(tokens: list[Token], i: int) -> str:
    """The clause named as people write it: LOAD CSV, DETACH DELETE, OPTIONAL CALL ..."""
    word = tokens[i].key
    nxt = tokens[i + 1].key if i + 1 < len(tokens) and tokens[i + 1].kind == "word" else ""
    return f"{word} {nxt}" if nxt and word in ("LOAD", "DETACH", "OPTIONAL", "TERMINATE", "SHOW") else word


def check(cypher: str) -> list[Token]:
    """Raise ReadOnlyError unless ``cypher`` is one read-only query; return its tokens.

    >>> _ = check("MATCH (n) RETURN n.name AS name ORDER BY name LIMIT 5")
    >>> try:
    ...     check("WITH '//' AS a LOAD FROM '/etc/passwd' (header=false) RETURN * //'")
    ... except ReadOnlyError as exc:
    ...     print(str(exc)[:40])
    clause 'LOAD FROM' is not allowed: saved
    """
    tokens = tokenize(cypher)
    if not tokens:
        raise ReadOnlyError("the query is empty (only comments or spaces)")
    for i, t in enumerate(tokens):
        if t.text == ";" and i != len(tokens) - 1:
            raise ReadOnlyError("';' joins several statements: run one query at a time")
    if tokens[-1].text == ";":
        tokens = tokens[:-1]
        if not tokens:
            raise ReadOnlyError("the query is empty (only ';')")
    first = tokens[0]
    if first.kind != "word" or first.key not in STARTS:
        if first.kind == "word":
            raise _refuse_clause(_clause_name(tokens, 0))
        raise ReadOnlyError(f"a query starts with one of {', '.join(STARTS)}, not {first.text!r}")
    depth: list[str] = []
    expect_operand = True  # True where a name/literal comes next, False right after one
    prev: Token | None = None
    for i, t in enumerate(tokens):
        if t.kind == "word":
            after_dot = prev is not None and prev.text == "."
            if t.key in FORBIDDEN and not after_dot:
                hint = "; a name that is a keyword goes in backticks" if t.key in ("START", "SET", "UPDATE") else ""
                raise _refuse_clause(_clause_name(tokens, i), hint)
            if not after_dot and not expect_operand and t.key not in _AFTER_OPERAND:
                raise _refuse_clause(t.text.upper(), f" (at character {t.pos + 1})")
            if t.key == "OPTIONAL" and not after_dot and _next_key(tokens, i) != "MATCH":
                raise _refuse_clause(_clause_name(tokens, i))
            expect_operand = t.key in _EXPECT_OPERAND and not after_dot
        elif t.kind in ("string", "number", "param", "name"):
            expect_operand = False
        else:  # punctuation
            if t.text == "(" and prev is not None and prev.kind in ("word", "name"):
                _check_call(tokens, i)
            if t.text in "([{":
                depth.append(t.text)
            elif t.text in ")]}":
                if not depth or "([{"[")]}".index(t.text)] != depth.pop():
                    raise ReadOnlyError(f"unbalanced {t.text!r} at character {t.pos + 1}")
            expect_operand = t.text not in (")", "]", "}")
        prev = t
    if depth:
        raise ReadOnlyError(f"unclosed {depth[-1]!r}")
    return tokens


def _next_key(tokens: list[Token], i: int) -> str:
    return tokens[i + 1].key if i + 1 < len(tokens) else ""


def _check_call(tokens: list[Token], paren: int) -> None:
    """Refuse a namespaced function call that is not a known pure one, or an I/O-named one."""
    j = paren - 1
    parts = [tokens[j]]
    while j >= 2 and tokens[j - 1].text == "." and tokens[j - 2].kind in ("word", "name"):
        j -= 2
        parts.insert(0, tokens[j])
    if len(parts) == 1 and parts[0].kind == "word" and parts[0].key in _EXPECT_OPERAND | {"EXISTS", "COUNT"}:
        return  # MATCH (, AND (, IN (, count( ...: not a namespaced call
    names = [p.text.strip("`").replace("``", "`") for p in parts]
    full = ".".join(names)
    if len(names) > 1 or "." in full:
        if full.lower() not in PURE_NAMESPACED:
            raise ReadOnlyError(f"function or procedure {full!r} is not allowed: only plain functions and "
                                f"{', '.join(sorted(PURE_NAMESPACED))} may be called in a read-only query")
    elif _IO_NAME.search(full):
        raise ReadOnlyError(f"function {full!r} is not allowed: it may read outside the graph")


def check_bounded_paths(cypher: str, max_hops: int = MAX_HOPS) -> None:
    """Refuse a variable-length pattern without an upper bound, or with one above ``max_hops``
    (``-[*]-``, ``-[:R*2..]-``, ``-[* SHORTEST]-``, ``-->+``, ``{1,}``): such a query can run
    for hours and fill the memory.

    >>> check_bounded_paths("MATCH p = (a)-[*1..3]-(b) RETURN p")
    >>> try:
    ...     check_bounded_paths("MATCH p = (a)-[*2..]-(b) RETURN p")
    ... except ReadOnlyError as exc:
    ...     print(str(exc)[:49])
    variable-length pattern '*2..' has no upper bound
    """
    tokens = tokenize(cypher)
    for i, t in enumerate(tokens):
        prev = tokens[i - 1].text if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if t.text == "*" and _in_rel_bracket(tokens, i):
            _check_star(tokens, i, max_hops)
        elif t.text in ("+", "*") and prev in (")", "]", ">", "-") and _ends_pattern(nxt):
            raise _unbounded(t.text, max_hops)
        elif t.text == "{" and prev in (")", "]", ">", "-") and nxt is not None and nxt.kind in ("number", "punct"):
            _check_quantifier(tokens, i, max_hops)


MAX_RANGE = 100_000  # items a range() in the admin box may make


def check_bounded_ranges(cypher: str, max_items: int = MAX_RANGE) -> None:
    """Refuse a ``range()`` whose size is not written as plain integers or exceeds
    ``max_items``: LadybugDB builds the whole list before its query timeout can act, so
    ``UNWIND range(1, 2000000000)`` would fill the memory (the admin box's memory budget).

    >>> check_bounded_ranges("UNWIND range(1, 10) AS i RETURN i")
    >>> try:
    ...     check_bounded_ranges("UNWIND range(1, 2000000000) AS i RETURN i")
    ... except ReadOnlyError as exc:
    ...     print(str(exc)[:40])
    range() of 2,000,000,000 items is over t
    """
    tokens = tokenize(cypher)
    for i, t in enumerate(tokens):
        if t.kind != "word" or t.key != "RANGE" or i + 1 >= len(tokens) or tokens[i + 1].text != "(":
            continue
        if i and tokens[i - 1].text == ".":
            continue  # a property or key named range
        args, j, current = [], i + 2, []
        while j < len(tokens) and tokens[j].text != ")":
            if tokens[j].text == ",":
                args.append(current)
                current = []
            else:
                current.append(tokens[j])
            j += 1
        args.append(current)
        values = [_literal_int(a) for a in args]
        if not 2 <= len(values) <= 3 or any(v is None for v in values):
            raise ReadOnlyError("range() in the admin box takes plain integers only (its size must be known "
                                f"before it runs; at most {max_items:,} items)")
        start, end = values[0], values[1]
        step = values[2] if len(values) == 3 else 1
        items = 0 if step == 0 else max(0, (end - start) // step + 1)
        if step == 0:
            raise ReadOnlyError("range() with a step of 0 never ends")
        if items > max_items:
            raise ReadOnlyError(f"range() of {items:,} items is over the admin box's budget of {max_items:,}")


def _literal_int(tokens: list[Token]) -> int | None:
    """The integer written by ``tokens`` (a number with an optional sign), else None."""
    sign = 1
    if tokens and tokens[0].text in "+-" and tokens[0].kind == "punct":
        sign, tokens = (-1 if tokens[0].text == "-" else 1), tokens[1:]
    if len(tokens) != 1 or tokens[0].kind != "number":
        return None
    try:
        return sign * int(tokens[0].text.replace("_", ""), 0)
    except ValueError:
        return None


def _ends_pattern(nxt: Token | None) -> bool:
    """True if what follows a ``+``/``*`` is the rest of a path pattern (so the sign is a
    path quantifier, not arithmetic): another node or relationship, a comma, the end, or a
    clause."""
    if nxt is None:
        return True
    return nxt.text in ("(", "-", "<", ",", ")", "}") or (nxt.kind == "word" and nxt.key in _CLAUSE_AFTER_PATTERN)


_CLAUSE_AFTER_PATTERN = frozenset(ALLOWED_CLAUSES)


def _in_rel_bracket(tokens: list[Token], i: int) -> bool:
    """True if the ``*`` at ``i`` is inside a relationship pattern ``-[ ... ]``."""
    depth = 0
    for j in range(i - 1, -1, -1):
        text = tokens[j].text
        if text in ")]}":
            depth += 1
        elif text in "([{":
            if depth == 0:
                return text == "[" and j > 0 and tokens[j - 1].text == "-"
            depth -= 1
    return False


def _check_star(tokens: list[Token], i: int, max_hops: int) -> None:
    j = i + 1
    while j < len(tokens) and tokens[j].kind == "word" and tokens[j].key in ("SHORTEST", "ALL", "ANY", "WSHORTEST"):
        j += 1
    lower = upper = None
    if j < len(tokens) and tokens[j].kind == "number":
        lower = upper = _hops(tokens[j].text)
        j += 1
    text = "*" + (str(lower) if lower is not None else "")
    if j < len(tokens) and tokens[j].text == "..":
        upper = None
        text += ".."
        j += 1
        if j < len(tokens) and tokens[j].kind == "number":
            upper = _hops(tokens[j].text)
            text += tokens[j].text
    if upper is None:
        raise _unbounded(text, max_hops)
    if upper > max_hops:
        raise ReadOnlyError(f"variable-length pattern {text!r} goes up to {upper} hops: the admin box allows at "
                            f"most {max_hops} (write *1..{max_hops})")


def _hops(number: str) -> int:
    """A hop count as written (decimal, 0x.., 0o..); anything else is refused."""
    try:
        return int(number.replace("_", ""), 0 if number[:2].lower() in ("0x", "0o") else 10)
    except ValueError:
        raise ReadOnlyError(f"{number!r} is not a whole number of hops") from None


def _check_quantifier(tokens: list[Token], i: int, max_hops: int) -> None:
    """A quantified path pattern ``{m,n}``: needs an upper bound ``n``."""
    j, inner = i + 1, ""
    while j < len(tokens) and tokens[j].text != "}":
        if tokens[j].kind != "number" and tokens[j].text != ",":
            return  # a map or a subquery, not a quantifier
        inner += tokens[j].text
        j += 1
    text = "{" + inner + "}"
    if not re.fullmatch(r"\d*(,\d*)?", inner):
        raise ReadOnlyError(f"path quantifier {text!r} is not understood: write {{1,{max_hops}}}")
    upper = inner.split(",")[-1]
    if not upper:
        raise _unbounded(text, max_hops)
    if int(upper) > max_hops:
        raise ReadOnlyError(f"path quantifier {text!r} goes up to {upper} hops: the admin box allows at most "
                            f"{max_hops}")


def _unbounded(text: str, max_hops: int) -> ReadOnlyError:
    return ReadOnlyError(f"variable-length pattern {text!r} has no upper bound: the admin box needs one of at "
                         f"most {max_hops} hops (write *1..{max_hops} or {{1,{max_hops}}})")
