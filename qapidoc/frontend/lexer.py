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

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .. import rules
from ..diagnostics import Diagnostic
from ..source import SourceFile
from .dialect import Dialect

__all__ = ["Deferred", "DocBlock", "DocLine", "LexResult", "Token", "tokenize"]

# Token kinds.  Punctuation is its own kind ('{', '}', '[', ']', ':', ','),
# so the parser tests a token with one comparison.
STRING = "str"     # value: the decoded string
BOOL = "bool"      # value: True / False
NULL = "null"      # value: None
DOC = "doc"        # value: a DocBlock
JUNK = "junk"      # text the lexer already reported
EOF = "eof"

Token = tuple[str, int, int, object]

# Whitespace and plain comments are skipped in the same match as the token
# after them; a comment starting '##' opens a doc block.
_SCAN = re.compile(
    r"""
    (?=(?P<skip>(?:[ \t\r\n\f]+|\#(?!\#)[^\n]*)*))(?P=skip)   # atomic: no backtracking into a comment
    (?:
      (?P<punct>[{}\[\]:,])
    | (?P<str>'[ -&(-\[\]-~]*')
    | (?P<doc>\#\#[^\n]*)
    | (?P<any>[^ \t\r\n\f])
    )
    """,
    re.VERBOSE,
)
# The inner lines of a doc block: comments that do not start with '##'.
_DOC_BODY = re.compile(r"(?:[ \t\r\n\f]*\#(?!\#)[^\n]*)*")
_DOC_LINE = re.compile(r"\#([^\n]*)")
_WS = re.compile(r"[ \t\r\n\f]*")


class DocLine(NamedTuple):
    """One line of a doc comment: its text after ``# `` and where that starts.

    ``offset`` is the file offset of ``text[0]`` (for a blank ``#`` line, the
    offset just after the ``#``).  ``hash_offset`` is where the ``#`` is.
    """

    text: str
    offset: int
    hash_offset: int


class DocBlock(NamedTuple):
    """The lines of a ``##`` block."""

    lines: list[DocLine]
    start: int        # the opening '##'
    end: int          # after the closing '##' (or where the block broke off)
    longest: int      # the length of the longest line's text
_WORD = re.compile(r"[^\[\]{}:,\s']+")
_OLD_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "/": "/", "'": "'", '"': '"'}


@dataclass(frozen=True, slots=True)
class Deferred:
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


@dataclass(slots=True)
class LexResult:
    tokens: list[Token]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    #: the text has carriage returns (CRLF line ends) to strip from doc lines
    has_cr: bool = False


def tokenize(source: SourceFile) -> LexResult:
    text = source.text
    tokens: list[Token] = []
    result = LexResult(tokens, has_cr="\r" in text)
    append = tokens.append
    scan = _SCAN.match
    pos = 0
    length = len(text)
    while True:
        m = scan(text, pos)
        if m is None:  # only trailing whitespace is left
            break
        kind = m.lastgroup
        start = m.start(kind) if kind else pos
        end = m.end()
        if kind == "punct":
            char = text[start]
            append((char, start, end, char))
        elif kind == "str":
            append((STRING, start, end, text[start + 1:end - 1]))
        elif kind == "doc":
            end = _lex_doc(source, start, end, result)
        else:
            end = _lex_other(source, start, result)
        pos = end
        if pos >= length:
            break
    eof = length - 1 if text.endswith("\n") else length
    append((EOF, max(eof, 0), max(eof, 0), None))
    return result


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """The end of a match of ``pattern`` (which matches the empty string)."""
    m = pattern.match(text, pos)
    assert m is not None
    return m.end()


def _lex_doc(source: SourceFile, start: int, end: int, result: LexResult) -> int:
    """Lex the doc block opened by the '##' comment at ``start``..``end``."""
    text = source.text
    diags = result.diagnostics
    if end - start != 2 and text[start:end].rstrip("\r") != "##":
        diags.append(Diagnostic(rules.DOC_SYNTAX, "junk after '##' at start of documentation comment",
                                source.span(start, end)))
    body_end = _match_end(_DOC_BODY, text, end)
    lines: list[DocLine] = []
    append = lines.append
    new = tuple.__new__
    strip_cr = result.has_cr
    longest = 0
    for m in _DOC_LINE.finditer(text, end, body_end):
        value = m[1]
        if strip_cr:
            value = value.rstrip("\r")
        if len(value) > longest:  # noqa: PLR1730 - cheaper than a call to max() per line
            longest = len(value)
        hash_at = m.start()
        if value[:1] == " ":
            append(new(DocLine, (value[1:], hash_at + 2, hash_at)))
        elif not value:
            append(new(DocLine, ("", hash_at + 1, hash_at)))
        else:
            diags.append(Diagnostic(rules.DOC_SYNTAX, "missing space after #",
                                    source.span(hash_at, m.end())))
            append(new(DocLine, (value, hash_at + 1, hash_at)))
    close = _match_end(_WS, text, body_end)
    if text.startswith("##", close):
        line_end = text.find("\n", close)
        line_end = len(text) if line_end < 0 else line_end
        if text[close:line_end].rstrip("\r") != "##":
            diags.append(Diagnostic(rules.DOC_SYNTAX, "junk after '##' at end of documentation comment",
                                    source.span(close, line_end)))
        result.tokens.append((DOC, start, close + 2, DocBlock(lines, start, close + 2, longest)))
        after = _match_end(_WS, text, line_end)
        if text.startswith("#", after) and not text.startswith("##", after):
            _comment_after_doc(source, start, lines, after, result)
        return line_end
    # Something other than a comment before the closing '##'.
    eof = close >= len(text)
    at = (len(text) - 1 if text.endswith("\n") else len(text)) if eof else close
    diags.append(Diagnostic(rules.DOC_SYNTAX, "documentation comment must end with '##'",
                            source.span(max(at, 0), max(at, 0) + (0 if eof else 1))))
    result.tokens.append((DOC, start, body_end, DocBlock(lines, start, body_end, longest)))
    return close


def _comment_after_doc(source: SourceFile, start: int, lines: list[DocLine], at: int,
                       result: LexResult) -> None:
    """QEMU 9.0 read a comment right after a doc comment as the start of
    another doc comment."""
    symbol = lines[0].text if lines and lines[0].text.startswith("@") else None
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
    m = _WORD.match(text, start)
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
            pos = _lex_escape(source, pos, chunks, result)
            continue
        if not " " <= char <= "~":
            result.deferred.append(Deferred("strict-strings", Diagnostic(
                rules.SYNTAX_ERROR, "funny character in string", source.span(pos, pos + 1))))
        chunks.append(char)
        pos += 1


def _lex_escape(source: SourceFile, pos: int, chunks: list[str], result: LexResult) -> int:
    """Decode the escape at ``pos`` (a backslash); return the offset after it."""
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
    else:
        result.diagnostics.append(Diagnostic(rules.SYNTAX_ERROR, f"unknown escape \\{esc}", span))
        chunks.append(esc)
        return pos + 2 if esc else pos + 1
    result.deferred.append(Deferred("strict-strings", Diagnostic(
        rules.SYNTAX_ERROR, f"unknown escape \\{esc}", span)))
    chunks.append(decoded)
    return end
