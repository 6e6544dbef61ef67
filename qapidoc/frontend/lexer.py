"""Lexer: schema text -> a flat list of tokens with offsets.

The lexer accepts the union of every era's lexical rules (the escapes and
``null`` of 2017, the printable-ASCII strings of today) and records, beside
its tokens, the complaints that only some dialects make.  The loader emits
those once it knows the dialect.  Plain errors (a stray character, an
unterminated string) are diagnostics right away.

Tokens are tuples ``(kind, start, end, value)``: the hot path of the whole
tool, so no objects per token.
"""

from __future__ import annotations

import itertools
import operator
import re
import struct
from collections.abc import Iterable, Iterator, Sequence

from .. import rules
from ..diagnostics import Diagnostic
from ..records import NamedTuple
from ..source import SourceFile, Span
from .dialect import Dialect

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from typing import overload

__all__ = ["Deferred", "DocBlock", "DocLine", "DocLines", "DocTable", "LexResult", "Lexing", "Token", "doc_lines",
           "doc_texts", "tokenize"]

# Token kinds.  Punctuation is its own kind ('{', '}', '[', ']', ':', ','),
# so the parser tests a token with one comparison.
STRING = "str"     # value: the decoded string
BOOL = "bool"      # value: True / False
NULL = "null"      # value: None
DOC = "doc"        # value: a DocBlock
JUNK = "junk"      # text the lexer already reported
EOF = "eof"

Token = tuple[str, int, int, object]

# One match per token, with the whitespace before it; a plain comment is
# a match of its own, skipped.  Strings with escapes or odd characters,
# keywords and junk start with "anything else" and are lexed by hand.
_TOKEN = re.compile(r"""
    [ \t\r\n\f]*
    (?:
      ([{}\[\]:,])                 # 1: punctuation
    | ('[ -&(-\[\]-~]*')           # 2: a string of printable ASCII, no escapes
    | (\#\#)                      # 3: a doc block opens
    | \#[^\n]*                    #    a plain comment (no group: skipped)
    | ([^ \t\r\n\f])               # 4: anything else
    )
""", re.VERBOSE)
# The inner lines of a doc block: comments that do not start with '##'.
# (The patterns of layouts other than the usual one, and of junk, are
# compiled where used, when first used: re keeps them.  Most schemas
# never need them, and compiling a pattern costs more than using it.)
_DOC_BODY = r"(?:[ \t\r\n\f]*\#(?!\#)[^\n]*)*"
_DOC_LINE = r"\#([^\n]*)"
_WS = re.compile(r"[ \t\r\n\f]*")
_new = tuple.__new__     # a named tuple without its Python-level __new__


class DocLine(NamedTuple):
    """One line of a doc comment: its text after ``# `` and where that starts.

    ``offset`` is the file offset of ``text[0]`` (for a blank ``#`` line, the
    offset just after the ``#``).  ``hash_offset`` is where the ``#`` is.
    """

    text: str
    offset: int
    hash_offset: int


class DocBlock(NamedTuple):
    """Where a ``##`` block is (its lines are made on demand: :func:`doc_lines`)."""

    start: int        # the opening '##'
    end: int          # after the closing '##' (or where the block broke off)
    longest: int      # the length of the longest line's text
    body_start: int   # the inner lines: from here...
    body_end: int     # ...to here


def doc_lines(text: str, body_start: int, body_end: int, first_only: bool = False) -> tuple[DocLine, ...]:
    """The lines of the doc block whose inner lines are
    ``text[body_start:body_end]`` (as the lexer found them); with
    ``first_only``, the first of them."""
    new = tuple.__new__
    if first_only and text.startswith("\n#", body_start, body_end):
        # The first line in the usual layout, found without the others
        # (what both readings below make of it).
        hash_at = body_start + 1
        end = text.find("\n", hash_at, body_end)
        value = text[hash_at + 1:body_end if end < 0 else end]
        if value[-1:] == "\r":
            value = value.rstrip("\r")
        if value[:1] == " ":
            return (new(DocLine, (value[1:], hash_at + 2, hash_at)),)
        return (new(DocLine, (value, hash_at + 1, hash_at)),)
    lines: list[DocLine] = []
    append = lines.append
    block = text[body_start:body_end]
    parts = block.split("\n")
    # The usual layout, every line '#...' from its first column: string
    # methods, no regex match per line.
    if parts[0] == "" and block.count("\n#") == len(parts) - 1:
        hash_at = body_start + 1
        if "\r" in block:
            for part in parts[1:2] if first_only else parts[1:]:
                value = part[1:]
                if value[-1:] == "\r":
                    value = value.rstrip("\r")
                if value[:1] == " ":
                    append(new(DocLine, (value[1:], hash_at + 2, hash_at)))
                else:
                    append(new(DocLine, (value, hash_at + 1, hash_at)))
                hash_at += len(part) + 1
            return tuple(lines)
        for part in parts[1:2] if first_only else parts[1:]:
            if part[1:2] == " ":
                append(new(DocLine, (part[2:], hash_at + 2, hash_at)))
            else:
                append(new(DocLine, (part[1:], hash_at + 1, hash_at)))
            hash_at += len(part) + 1
        return tuple(lines)
    found = re.compile(_DOC_LINE).finditer(text, body_start, body_end)
    if first_only:
        found = itertools.islice(found, 1)
    for m in found:
        value = m[1]
        if value[-1:] == "\r":
            value = value.rstrip("\r")
        hash_at = m.start()
        if value[:1] == " ":
            append(new(DocLine, (value[1:], hash_at + 2, hash_at)))
        elif not value:
            append(new(DocLine, ("", hash_at + 1, hash_at)))
        else:
            append(new(DocLine, (value, hash_at + 1, hash_at)))
    return tuple(lines)


def doc_texts(text: str, body_start: int, body_end: int) -> list[str]:
    """The text of each line :func:`doc_lines` gives, without making the
    lines (for a pass that reads the words alone)."""
    block = text[body_start:body_end]
    parts = block.split("\n")
    if parts[0] == "" and block.count("\n#") == len(parts) - 1 and "\r" not in block:
        del parts[0]
        if block.count("\n# ") + parts.count("#") == len(parts):
            return list(map(_AFTER_TWO, parts))      # (as DocTable)
        return [part[2:] if part[1:2] == " " else part[1:] for part in parts]
    return [line.text for line in doc_lines(text, body_start, body_end)]


#: a line's text in the usual layout, '#' or '# ...': what follows its first two characters
_AFTER_TWO = operator.itemgetter(slice(2, None))


class DocTable:
    """The lines of a doc block for a parser that reads their texts: the
    texts in a list, and a line's :class:`DocLine` (its offsets) made only
    when asked for.  A parser reads every line but needs the offsets of a
    few (where a section starts, where an error is); making a DocLine for
    each line cost a third of parsing a doc comment."""

    __slots__ = ("_ends", "_lines", "_parts", "_start", "texts")

    def __init__(self, text: str, body_start: int, body_end: int) -> None:
        block = text[body_start:body_end]
        parts = block.split("\n")
        #: the text of each line (as :func:`doc_lines` gives it); a parser
        #: may change them (QEMU strips trailing blanks): the offsets stay
        self.texts: list[str]
        # The usual layout (every line '#...' from its first column, no
        # carriage returns): each line's offsets from the lengths of the
        # lines before it.  Any other: the lines made now.
        self._lines: tuple[DocLine, ...] | None = None
        #: the total length of the lines before each (made when first needed)
        self._ends: list[int] | None = None
        if parts[0] == "" and "\r" not in block and (
                # (every line '#' or '# ...', as in most blocks: the usual
                # layout, counted once; else every line '#...')
                (usual := block.count("\n# ") + parts.count("#") == len(parts) - 1)
                or block.count("\n#") == len(parts) - 1):
            del parts[0]
            self._parts = parts
            self._start = body_start + 1
            if usual:
                # Each text after two characters, cut without a bytecode each.
                self.texts = list(map(_AFTER_TWO, parts))
            else:
                self.texts = [part[2:] if part[1:2] == " " else part[1:] for part in parts]
        else:
            self._lines = doc_lines(text, body_start, body_end)
            self._parts = []
            self._start = body_start
            self.texts = [line.text for line in self._lines]

    def line(self, index: int) -> DocLine:
        """Line ``index`` (0 <= index < len(texts)), with its current text."""
        if self._lines is not None:
            line = self._lines[index]
            return tuple.__new__(DocLine, (self.texts[index], line.offset, line.hash_offset))
        ends = self._ends
        if ends is None:
            ends = self._ends = list(itertools.accumulate(map(len, self._parts), initial=0))
        hash_at = self._start + ends[index] + index        # (and a newline after each line)
        return tuple.__new__(DocLine, (self.texts[index], hash_at + (2 if self._parts[index][1:2] == " " else 1),
                                       hash_at))

    def span(self, file: SourceFile, index: int) -> Span:
        """The span of line ``index`` of ``file`` (the table's): its '#' to
        the end of its current text (what ``DocBuilder.line_span`` gives
        for :meth:`line`)."""
        if self._lines is not None:
            line = self._lines[index]
            return tuple.__new__(Span, (file, line.hash_offset, line.offset + len(self.texts[index])))
        ends = self._ends
        if ends is None:
            ends = self._ends = list(itertools.accumulate(map(len, self._parts), initial=0))
        hash_at = self._start + ends[index] + index
        end = hash_at + (2 if self._parts[index][1:2] == " " else 1) + len(self.texts[index])
        return tuple.__new__(Span, (file, hash_at, end))

    def column(self, index: int) -> int:
        """How many columns of line ``index`` come before its text: its
        '#', and the space after it if there is one."""
        if self._lines is not None:
            line = self._lines[index]
            return line.offset - line.hash_offset
        return 2 if self._parts[index][1:2] == " " else 1

    def lines(self, start: int, end: int) -> list[DocLine]:
        """Lines ``start`` to ``end``, with their current texts."""
        if self._lines is not None or start >= end:
            return [self.line(i) for i in range(start, end)]
        new = tuple.__new__
        parts, texts = self._parts, self.texts
        hash_at = self.line(start).hash_offset
        out = []
        for i in range(start, end):
            part = parts[i]
            out.append(new(DocLine, (texts[i], hash_at + (2 if part[1:2] == " " else 1), hash_at)))
            hash_at += len(part) + 1
        return out


class DocLines(Sequence[DocLine]):
    """Doc lines kept compactly: their texts in one string and, per line,
    where its text ends and its two offsets packed in 24 bytes; a
    :class:`DocLine` is made only when one is read.  A line kept as a
    DocLine costs about 200 bytes beside its text (a tuple, two integers,
    a string); here it costs 24, and the doc comments are most of what a
    loaded schema holds."""

    __slots__ = ("_marks", "_text")

    def __init__(self, lines: Iterable[DocLine] = ()) -> None:
        texts: list[str] = []
        marks: list[int] = []
        end = 0
        for text, offset, hash_offset in lines:
            texts.append(text)
            end += len(text)
            marks += (end, offset, hash_offset)
        self._text = "".join(texts)
        self._marks = struct.pack(f"{len(marks)}q", *marks)

    def __len__(self) -> int:
        return len(self._marks) // _MARK.size

    if TYPE_CHECKING:       # (the overloads are the type checker's: typing is not imported to run)
        @overload
        def __getitem__(self, index: int) -> DocLine: ...

        @overload
        def __getitem__(self, index: slice) -> DocLines: ...

    def __getitem__(self, index: int | slice) -> DocLine | DocLines:
        if isinstance(index, slice):
            return DocLines(self[i] for i in range(*index.indices(len(self))))
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("DocLines index out of range")
        end, offset, hash_offset = _MARK.unpack_from(self._marks, index * _MARK.size)
        start = _MARK.unpack_from(self._marks, (index - 1) * _MARK.size)[0] if index else 0
        return tuple.__new__(DocLine, (self._text[start:end], offset, hash_offset))

    def __iter__(self) -> Iterator[DocLine]:
        text = self._text
        new = tuple.__new__
        start = 0
        for end, offset, hash_offset in _MARK.iter_unpack(self._marks):
            yield new(DocLine, (text[start:end], offset, hash_offset))
            start = end

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocLines):
            return self._text == other._text and self._marks == other._marks
        if isinstance(other, (tuple, list)):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._text, self._marks))

    def __repr__(self) -> str:
        return f"DocLines({list(self)!r})"

    def texts(self) -> list[str]:
        """The text of each line (no DocLine made)."""
        text = self._text
        out = []
        start = 0
        for end, _, _ in _MARK.iter_unpack(self._marks):
            out.append(text[start:end])
            start = end
        return out


_MARK = struct.Struct("qqq")
_WORD = r"[^\[\]{}:,\s']+"         # (compiled where used, as _DOC_LINE)
_OLD_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "/": "/", "'": "'", '"': '"'}


class Deferred(NamedTuple):
    """A complaint that holds only from dialect ``change`` on (always, when
    None), and with ``until``, only before that change."""

    change: str | None
    diagnostic: Diagnostic
    until: str | None = None
    #: where QEMU finds it, when later than where it is (after reading
    #: the whole value it is about, and the token after it)
    found_at: int | None = None

    def holds(self, dialect: Dialect) -> bool:
        return (self.change is None or dialect.has(self.change)) and (
            self.until is None or not dialect.has(self.until))


# When, at one offset, QEMU meets a finding (the loader orders findings by
# where QEMU meets them: offset, then this).  It lexes the token there, then
# handles the expression before it (a directive, the file it includes, a
# top-level value that is not an object), then reads the expression or
# doc comment that starts there.
MET_LEXING, MET_HANDLING_BEFORE, MET_READING = 0, 1, 2


class LexResult:
    """The tokens of one file, and what the lexer found wrong."""

    __slots__ = ("deferred", "diagnostics", "found_at", "has_cr", "tokens")

    def __init__(self, tokens: list[Token], *, has_cr: bool = False) -> None:
        self.tokens = tokens
        self.diagnostics: list[Diagnostic] = []
        self.deferred: list[Deferred] = []
        #: findings QEMU meets elsewhere than where they are: (finding,
        #: offset, when at that offset), as the loader orders them (a
        #: string's are met as its token is lexed, at its start)
        self.found_at: list[tuple[Diagnostic, int, int]] = []
        #: the text has carriage returns (CRLF line ends) to strip from doc lines
        self.has_cr = has_cr


def tokenize(source: SourceFile) -> LexResult:
    """Every token of ``source`` at once."""
    lexing = Lexing(source)
    while lexing.more(1 << 62):
        pass
    return lexing.result


class Lexing:
    """Lexing one file a chunk at a time, so that the tokens of a whole
    file never exist at once (they took more memory than the rest of the
    parse together): :meth:`more` adds at least ``at_least`` tokens to
    ``result.tokens`` and stops only where a top-level value ends (its
    brackets all closed), so the parser never runs off a chunk within a
    value.  The parser drops the tokens it is done with."""

    __slots__ = ("depth", "done", "pos", "result", "source")

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.result = LexResult([], has_cr="\r" in source.text)
        self.pos = 0
        self.depth = 0
        self.done = False

    def more(self, at_least: int = 4096) -> bool:
        """Lex on; False (and the EOF token added) once the file is done."""
        if self.done:
            return False
        source = self.source
        text = source.text
        result = self.result
        tokens = result.tokens
        append = tokens.append
        finditer = _TOKEN.finditer
        pos = self.pos
        depth = self.depth
        length = len(text)
        goal = len(tokens) + at_least
        while pos < length:
            # The search restarts only after what is lexed by hand, and at
            # the end of a chunk.
            for m in finditer(text, pos):
                kind = m.lastindex
                if kind == 1:
                    end = m.end()
                    char = text[end - 1]
                    append((char, end - 1, end, char))
                    if char in "{[":
                        depth += 1
                    elif char in "}]":
                        depth = depth - 1 if depth else 0
                        if not depth and len(tokens) >= goal:
                            self.pos, self.depth = end, depth
                            return True
                elif kind == 2:
                    start, end = m.span(2)
                    append((STRING, start, end, text[start + 1:end - 1]))
                elif kind is not None:
                    start = m.start(kind)
                    pos = _lex_doc(source, start, result) if kind == 3 else _lex_other(source, start, result)
                    break
            else:
                break
        eof = length - 1 if text.endswith("\n") else length
        append((EOF, max(eof, 0), max(eof, 0), None))
        self.pos, self.depth, self.done = length, 0, True
        return False


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """The end of a match of ``pattern`` (which matches the empty string)."""
    m = pattern.match(text, pos)
    assert m is not None
    return m.end()


def _lex_doc(source: SourceFile, start: int, result: LexResult) -> int:
    """Lex the doc block opened by the '##' at ``start``; return the offset
    after it.  Its lines are not made here (:func:`doc_lines` makes them
    when they are read)."""
    text = source.text
    diags = result.diagnostics
    end = text.find("\n", start)
    if end < 0:
        end = len(text)
    if end - start != 2 and text[start:end].rstrip("\r") != "##":
        junk = Diagnostic(rules.DOC_SYNTAX, "junk after '##' at start of documentation comment",
                          source.span(start, end))
        diags.append(junk)
        result.found_at.append((junk, start, MET_READING))
    plain = None if result.has_cr else _plain_doc_body(text, end)
    if plain is not None:
        body_end, longest = plain
        close = body_end + 1
    else:
        body_end, longest = _doc_body(source, end, result)
        close = _match_end(_WS, text, body_end)
    if text.startswith("##", close):
        line_end = text.find("\n", close)
        line_end = len(text) if line_end < 0 else line_end
        if text[close:line_end].rstrip("\r") != "##":
            diags.append(Diagnostic(rules.DOC_SYNTAX, "junk after '##' at end of documentation comment",
                                    source.span(close, line_end)))
        result.tokens.append((DOC, start, close + 2, _new(DocBlock, (start, close + 2, longest, end, body_end))))
        after = _match_end(_WS, text, line_end)
        if text.startswith("#", after) and not text.startswith("##", after):
            _comment_after_doc(source, start, end, body_end, after, result)
        return line_end
    # Something other than a comment before the closing '##'.
    eof = close >= len(text)
    at = (len(text) - 1 if text.endswith("\n") else len(text)) if eof else close
    diags.append(Diagnostic(rules.DOC_SYNTAX, "documentation comment must end with '##'",
                            source.span(max(at, 0), max(at, 0) + (0 if eof else 1))))
    result.tokens.append((DOC, start, body_end, DocBlock(start, body_end, longest, end, body_end)))
    return close


def _plain_doc_body(text: str, end: int) -> tuple[int, int] | None:
    """The inner lines of a doc block in the usual layout, found with
    string methods alone: every line ``#`` or ``# text`` from its first
    column, the closing ``##`` at the start of the next.  ``end`` is where
    the opening line ends.  Returns (where the lines end, the longest
    line's text length), or None for any other layout (:func:`_doc_body`)."""
    close = text.find("\n##", end) + 1
    if not close:
        return None
    if close - 1 == end:
        return end, 0
    body = text[end:close - 1]          # each line with the newline before it
    parts = body[1:].split("\n")
    count = len(parts)
    if body.count("\n#") != count or body.count("\n# ") + parts.count("#") != count:
        return None
    return close - 1, max(map(len, parts)) - 1


def _doc_body(source: SourceFile, end: int, result: LexResult) -> tuple[int, int]:
    """The inner lines of a doc block in any layout, one match per line:
    (where they end, the longest line's text length); reports lines without
    a space after the '#'."""
    text = source.text
    diags = result.diagnostics
    body_end = _match_end(re.compile(_DOC_BODY), text, end)
    strip_cr = result.has_cr
    longest = 0
    for m in re.compile(_DOC_LINE).finditer(text, end, body_end):
        value = m[1]
        if strip_cr:
            value = value.rstrip("\r")
        if len(value) > longest:  # noqa: PLR1730 - cheaper than a call to max() per line
            longest = len(value)
        if value and value[0] != " ":
            diags.append(Diagnostic(rules.DOC_SYNTAX, "missing space after #",
                                    source.span(m.start(), m.end())))
    return body_end, longest


def _comment_after_doc(source: SourceFile, start: int, body_start: int, body_end: int, at: int,
                       result: LexResult) -> None:
    """QEMU 9.0 read a comment right after a doc comment as the start of
    another doc comment."""
    first = doc_lines(source.text, body_start, body_end, first_only=True)
    symbol = first[0].text if first and first[0].text.startswith("@") else None
    if symbol is not None:
        name = symbol[1:].split(":", 1)[0]
        diagnostic = Diagnostic(rules.DOC_BINDING, f"documentation for '{name}' is not followed by the definition",
                                source.span(start, start + 2))
    else:
        end = source.text.find("\n", at)
        diagnostic = Diagnostic(rules.DOC_SYNTAX, "junk after '##' at start of documentation comment",
                                source.span(at, len(source.text) if end < 0 else end))
    result.deferred.append(Deferred("comment-after-doc-is-doc", diagnostic, "comment-after-doc-is-comment"))


def _lex_other(source: SourceFile, start: int, result: LexResult) -> int:
    """Lex a string with escapes or odd characters, a keyword, or junk."""
    text = source.text
    char = text[start]
    if char == "'":
        return _lex_string(source, start, result)
    if text.startswith("true", start):
        result.tokens.append((BOOL, start, start + 4, True))
        return start + 4
    if text.startswith("false", start):
        result.tokens.append((BOOL, start, start + 5, False))
        return start + 5
    if text.startswith("null", start):
        result.tokens.append((NULL, start, start + 4, None))
        result.deferred.append(Deferred("strict-strings", Diagnostic(
            rules.SYNTAX_ERROR, "stray 'null' (null was removed from the language in QEMU 4.2)",
            source.span(start, start + 4))))
        return start + 4
    m = re.compile(_WORD).match(text, start)
    end = m.end() if m else start + 1
    word = text[start:end]
    result.diagnostics.append(Diagnostic(rules.SYNTAX_ERROR, f"stray '{word}'", source.span(start, end)))
    # The parser sees junk and resynchronises.
    result.tokens.append((JUNK, start, end, None))
    return end


def _lex_string(source: SourceFile, start: int, result: LexResult) -> int:
    text = source.text
    pos = start + 1
    chunks: list[str] = []
    while True:
        if pos >= len(text) or text[pos] == "\n":
            result.diagnostics.append(Diagnostic(
                rules.SYNTAX_ERROR, "missing terminating \"'\"", source.span(start, pos)))
            result.tokens.append((JUNK, start, pos, None))
            return pos
        char = text[pos]
        if char == "'":
            result.tokens.append((STRING, start, pos + 1, "".join(chunks)))
            return pos + 1
        if char == "\\":
            pos = _lex_escape(source, pos, chunks, result, start)
            continue
        if not " " <= char <= "~":
            result.deferred.append(Deferred("strict-strings", Diagnostic(
                rules.SYNTAX_ERROR, "funny character in string", source.span(pos, pos + 1)), found_at=start))
        chunks.append(char)
        pos += 1


def _lex_escape(source: SourceFile, pos: int, chunks: list[str], result: LexResult, string: int) -> int:
    """Decode the escape at ``pos`` (a backslash) in the string token that
    starts at ``string``; return the offset after it."""
    text = source.text
    esc = text[pos + 1:pos + 2]
    if esc == "\\":
        chunks.append("\\")
        return pos + 2
    span = source.span(pos, pos + 2)
    if esc in _OLD_ESCAPES:
        decoded, end = _OLD_ESCAPES[esc], pos + 2
    elif esc == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[pos + 2:pos + 6]):
        decoded, end = chr(int(text[pos + 2:pos + 6], 16)), pos + 6
        if "\ud800" <= decoded <= "\udfff":
            # Half of a UTF-16 pair is no character: it could not even be
            # written to a file.  Kept as U+FFFD.
            _in_string(result, Diagnostic(
                rules.SYNTAX_ERROR, f"\\{text[pos + 1:end]} is a lone UTF-16 surrogate, not a character",
                source.span(pos, end)), string)
            chunks.append("\ufffd")
            return end
        if not "\x01" <= decoded <= "\x7f":
            # Before 4.2 QEMU decoded \u escapes of ASCII only (not NUL).
            result.deferred.append(Deferred(None, Diagnostic(
                rules.SYNTAX_ERROR, "\\u escape only supports non-zero values up to \\u007f",
                source.span(pos, end)), until="strict-strings", found_at=string))
    else:
        _in_string(result, Diagnostic(rules.SYNTAX_ERROR, f"unknown escape \\{esc}", span), string)
        chunks.append(esc)
        return pos + 2 if esc else pos + 1
    result.deferred.append(Deferred("strict-strings", Diagnostic(
        rules.SYNTAX_ERROR, f"unknown escape \\{esc}", span), found_at=string))
    chunks.append(decoded)
    return end


def _in_string(result: LexResult, diag: Diagnostic, string: int) -> None:
    """Report ``diag``, found inside the string token that starts at
    ``string``: QEMU meets it as it lexes that token."""
    result.diagnostics.append(diag)
    result.found_at.append((diag, string, MET_LEXING))
