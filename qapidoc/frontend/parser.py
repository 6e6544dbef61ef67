"""Parser: schema text -> syntax nodes with offsets, and raw doc comment blocks.

The syntax tree is JSON with positions: every node records the offsets of
the text it came from, so later stages can report at the narrowest place.
Doc comments are collected as blocks of lines (each with the offset of its
text) and bound to the expression that follows them; :mod:`qapidoc.frontend.docs`
parses their content once the dialect is known.

A recursive descent that lexes as it goes: each function takes the first
token of its value and the offset after it, and asks
:func:`lexer.next_token` for the tokens after that.  Objects and lists
first try the usual shapes (a member ``'key': 'value',``, an item
``'item',``), which one regex match each reads whole; three tokens in
four are read that way, with no token made for them (see ``_PAIR``).
Lexing and parsing were a quarter of ``qapidoc check``; a token list
between them, and a tuple per token, were half of that.

After a syntax error the parser resynchronises at the next line that starts
with ``{`` or ``##``, so one typo does not hide the rest of the file.

Objects and lists may nest :data:`MAX_NESTING` levels deep (no real schema
nests more than about six); the bracket that opens level 101 is an error,
so no later stage, each of which walks the nesting, meets deeper input.
"""

from __future__ import annotations

import re

from .. import rules
from ..diagnostics import Diagnostic
from ..records import NamedTuple
from ..rules import Rule
from ..source import SourceFile, Span
from . import lexer
from .lexer import (
    BLANKS,
    BOOL,
    CLEAN_STRING,
    DOC,
    EOF,
    JUNK,
    MET_HANDLING_BEFORE,
    MET_READING,
    NULL,
    STRING,
    TOKEN,
    Deferred,
    DocBlock,
    DocLine,
    LexResult,
    Token,
    next_token,
)

__all__ = [
    "MAX_NESTING", "DocLine", "Node", "ParsedFile", "RawDoc", "SynBool", "SynList", "SynNull",
    "SynObject", "SynString", "TopExpr", "next_token_start", "parse",
]


class SynString(NamedTuple):
    value: str
    start: int
    end: int


class SynBool(NamedTuple):
    value: bool
    start: int
    end: int


class SynNull(NamedTuple):
    start: int
    end: int


class SynList(NamedTuple):
    items: list[Node]
    start: int
    end: int


class SynObject(NamedTuple):
    """A JSON object; ``members`` maps each key to (key node, value node)."""

    members: dict[str, tuple[SynString, Node]]
    start: int
    end: int

    def get(self, key: str) -> Node | None:
        pair = self.members.get(key)
        return pair[1] if pair is not None else None

    def key_node(self, key: str) -> SynString | None:
        pair = self.members.get(key)
        return pair[0] if pair is not None else None


Node = SynString | SynBool | SynNull | SynList | SynObject


class RawDoc(NamedTuple):
    """A ``##`` ... ``##`` block: its inner lines, unparsed.

    The lines are not kept: :attr:`lines` makes them from the file's text
    each time (a schema's doc lines, kept as objects, took more memory
    than the rest of it); read them once per pass."""

    file: SourceFile
    start: int          # offset of the opening '##'
    end: int            # offset after the closing '##'
    #: the longest line's length, counting the '#' and the space after it
    longest: int = 0
    #: where the inner lines start and end
    body_start: int = 0
    body_end: int = 0
    #: the ``@NAME`` of a definition doc (its first line), else None
    symbol: str | None = None

    @property
    def lines(self) -> tuple[DocLine, ...]:
        return lexer.doc_lines(self.file.text, self.body_start, self.body_end)

    def table(self) -> lexer.DocTable:
        """The lines' texts, each line made when asked for."""
        return lexer.DocTable(self.file.text, self.body_start, self.body_end)

    def texts(self) -> list[str]:
        """The text of each line, without making the lines."""
        return lexer.doc_texts(self.file.text, self.body_start, self.body_end)

    def contains(self, text: str) -> bool:
        """Whether ``text`` occurs in the block (a fast test before a scan)."""
        return self.file.text.find(text, self.start, self.end) >= 0

    @property
    def span(self) -> Span:
        return self.file.span(self.start, self.end)

    @property
    def closed(self) -> bool:
        """Whether the block ends with its closing '##' line (else the
        lexer reported that it does not)."""
        text = self.file.text
        last_line = text.rfind("\n", 0, self.end) + 1
        return last_line > self.start and text[last_line:self.end].strip() == "##"


def _doc_symbol(text: str, body_start: int, body_end: int) -> str | None:
    """The ``@NAME`` a doc block's first line names, else None."""
    if text.startswith("\n# @", body_start, body_end):
        # The usual layout: the first line's text after '# ', to its end.
        end = text.find("\n", body_start + 4, body_end)
        name = text[body_start + 4:body_end if end < 0 else end].rstrip()
        return name[:-1] if name[-1:] == ":" else name
    if text.startswith("\n# ", body_start, body_end):
        return None
    first = lexer.doc_lines(text, body_start, body_end, first_only=True)
    if first and first[0].text.startswith("@"):
        name = first[0].text.rstrip()
        # (without the ':' it must end with, the doc parser says)
        return name[1:-1] if name.endswith(":") else name[1:]
    return None


class TopExpr(NamedTuple):
    """A top-level expression and the doc block right before it, if any."""

    node: SynObject
    doc: RawDoc | None

    def span(self, file: SourceFile) -> Span:
        return file.span(self.node.start, self.node.end)


class ParsedFile:
    """One file's top-level expressions and doc blocks, in source order."""

    __slots__ = ("deferred", "diagnostics", "file", "found_at", "items")

    def __init__(self, file: SourceFile, deferred: list[Deferred] | None = None,
                 found_at: list[tuple[Diagnostic, int, int]] | None = None) -> None:
        self.file = file
        self.items: list[TopExpr | RawDoc] = []
        self.diagnostics: list[Diagnostic] = []
        self.deferred: list[Deferred] = [] if deferred is None else deferred
        #: findings QEMU meets elsewhere than where they are: (finding,
        #: offset, when at that offset), as the loader orders them.  The
        #: parser's own errors are met when QEMU starts to read the
        #: expression there, after it has handled the one before (a
        #: directive and any file it includes, a top-level value that is
        #: not an object), though it lexed that token before
        self.found_at: list[tuple[Diagnostic, int, int]] = [] if found_at is None else found_at


class _SyntaxError(Exception):
    """Raised inside the parser only; turned into a diagnostic at top level."""

    def __init__(self, message: str, start: int, end: int, after: int, *, reported: bool = False,
                 rule: Rule = rules.SYNTAX_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.after = after          # where lexing goes on after the offending token
        self.reported = reported    # the lexer reported that token already (junk)
        self.rule = rule


#: the deepest nesting of objects and lists the parser accepts
MAX_NESTING = 100

_SKIP = re.compile(r"(?:[ \t\r\n\f]+|\#(?!\#)[^\n]*)*")


def next_token_start(text: str, pos: int) -> int:
    """Where the token after ``pos`` starts (past blanks and comments)."""
    m = _SKIP.match(text, pos)
    assert m is not None
    return m.end()


#: (compiled where used, after an error alone: re keeps it)
_RESYNC = r"^(?:\{|##)"
_FIRST_VALUE = "expected '{', '[', string, or boolean"
_FIRST_ITEM = "expected '{', '[', ']', string, or boolean"

# The usual shapes, each read with one match instead of a token at a time
# (three tokens in four are in them).  _PAIR: an object member's key and
# ':', then (group 2, 3) a value that is a plain string and the ',' or '}'
# after it, or (group 4) the '{' or '[' that opens the value; else the key
# and ':' alone.  _ITEM: a list item that is a plain string, with the ','
# or ']' after it.  _SEPARATOR: the ',' or '}' after a member's value.
# Only blanks may come between their tokens: where a comment, a doc block,
# an escape, a keyword or an error is, they do not match, and the parser
# reads that part a token at a time (:func:`lexer.next_token`), which
# lexes and reports it.  What they match holds only tokens with nothing to
# report, so the two ways give the same nodes and the same findings
# (tests/test_parser_fastpaths.py holds them to it).
_PAIR = re.compile(rf"{BLANKS}({CLEAN_STRING}){BLANKS}:{BLANKS}(?:({CLEAN_STRING}){BLANKS}([,}}])|([{{\[]))?")
_ITEM = re.compile(rf"{BLANKS}({CLEAN_STRING}){BLANKS}([,\]])")
_SEPARATOR = re.compile(rf"{BLANKS}[,}}]")
_NEVER = r"(?!)"     # the plain way: no shape matched, every token lexed (compiled when used)


def parse(source: SourceFile, *, fast_paths: bool = True) -> ParsedFile:
    """The syntax of ``source``: its top-level expressions and doc blocks,
    and what is wrong with them.  ``fast_paths=False`` reads every token
    with :func:`lexer.next_token` (the plain way, which tests compare the
    usual one with)."""
    lexed = LexResult([], has_cr="\r" in source.text)
    parsed = ParsedFile(source)
    parser = _Parser(source, lexed, parsed, fast_paths)
    parser.run()
    # The lexer's deferred complaints go before the parser's: the loader
    # keeps this order among findings QEMU meets at the same place.  (The
    # lexer once ran ahead of the parser and made them first.)
    parsed.deferred[:0] = lexed.deferred
    parsed.found_at[:0] = lexed.found_at
    # Lexer complaints inside text the parser skipped after an error would
    # only repeat that error.
    kept = [d for d in lexed.diagnostics
            if d.span is None or not any(lo <= d.span.start < hi for lo, hi in parser.skipped)]
    parsed.diagnostics = sorted(kept + parsed.diagnostics,
                                key=lambda d: d.span.start if d.span is not None else -1)
    return parsed


class _Parser:
    """The state of parsing one file.  The position in the text travels
    as a value through the functions below, not in here."""

    __slots__ = ("depth", "item", "lexed", "out", "pair", "separator", "skipped", "source", "text")

    def __init__(self, source: SourceFile, lexed: LexResult, out: ParsedFile, fast_paths: bool) -> None:
        self.source = source
        self.text = source.text
        self.lexed = lexed
        self.out = out
        #: matchers of the usual shapes (see _PAIR)
        never = None if fast_paths else re.compile(_NEVER)
        self.pair = (never or _PAIR).match
        self.item = (never or _ITEM).match
        self.separator = (never or _SEPARATOR).match
        # Ranges of text skipped after errors, as (start, end) offsets.
        self.skipped: list[tuple[int, int]] = []
        # how many objects and lists are open
        self.depth = 0

    # -- top level ---------------------------------------------------------

    def run(self) -> None:
        source, lexed = self.source, self.lexed
        pending_doc: RawDoc | None = None
        pos = 0
        while True:
            tok, after = next_token(source, pos, lexed)
            kind = tok[0]
            if kind == EOF:
                break
            if kind == DOC:
                pos = after
                block = tok[3]
                assert isinstance(block, DocBlock)
                doc = _new(RawDoc, (source, block.start, block.end, block.longest + 1, block.body_start,
                                    block.body_end, _doc_symbol(self.text, block.body_start, block.body_end)))
                self._reject_pending(pending_doc)
                self.out.items.append(doc)
                pending_doc = doc
                continue
            self.depth = 0
            if kind not in ("{", JUNK):
                # Until 6.1, QEMU refused it at its first token.
                refused = Diagnostic(rules.SYNTAX_ERROR, "expected '{'", source.span(tok[1], tok[2]))
                self.out.deferred.append(Deferred(None, refused, "top-level-value-parsed"))
                self.out.found_at.append((refused, tok[1], MET_READING))
            try:
                node, pos = _value(self, tok, after)
            except _SyntaxError as err:
                pending_doc = None
                pos = self._recover(err)
                continue
            if not isinstance(node, SynObject):
                self.out.deferred.append(Deferred("top-level-value-parsed", Diagnostic(
                    rules.SYNTAX_ERROR, "top-level expression must be an object",
                    source.span(node.start, node.end)), found_at=next_token_start(self.text, node.end)))
                pending_doc = None
                continue
            if pending_doc is not None and ("include" in node.members or "pragma" in node.members):
                self._reject_pending(pending_doc, next_token_start(self.text, node.end))
                pending_doc = None
            self.out.items.append(_new(TopExpr, (node, pending_doc)))
            pending_doc = None
        self._reject_pending(pending_doc)

    def _reject_pending(self, doc: RawDoc | None, found_at: int | None = None) -> None:
        """``doc`` names a definition that does not follow it (QEMU finds
        it at ``found_at``: after the directive that follows it)."""
        if doc is not None and doc.symbol and doc.closed:
            self.out.deferred.append(Deferred(None, Diagnostic(
                rules.DOC_BINDING,
                f"documentation for '{doc.symbol}' is not followed by the definition",
                self.source.span(doc.start, doc.start + 2)), found_at=found_at))

    def _met_reading_next(self, diag: Diagnostic) -> None:
        assert diag.span is not None
        self.out.diagnostics.append(diag)
        self.out.found_at.append((diag, diag.span.start, MET_READING))

    def _recover(self, err: _SyntaxError) -> int:
        """Report ``err`` and skip to the next line that starts a definition
        or a doc comment; return where to read on.  A run of several lines
        of prose is reported once, as text that is not QAPI.  The tokens
        skipped are lexed all the same (their complaints are the lexer's
        to make or drop)."""
        source = self.source
        text = source.text
        line_end = text.find("\n", err.start)
        m = re.compile(_RESYNC, re.MULTILINE).search(text, line_end + 1) if line_end >= 0 else None
        target = m.start() if m else len(text)
        first = source.line_of(err.start)
        last = source.line_of(max(target - 1, err.start))
        while last > first and source.line_text(last).strip()[:1] in ("", "#"):
            last -= 1
        line_text = source.line_text(first)
        stripped = line_text.strip()
        if last > first and stripped and not stripped.startswith(("{", "[", "'", "}", "]", ",")):
            start = source.line_start(first) + len(line_text) - len(line_text.lstrip())
            resumes = (f"parsing resumes at line {source.line_of(target)}" if m
                       else "nothing after it parses")
            self._met_reading_next(Diagnostic(
                rules.NOT_QAPI,
                f"this is not QAPI: '{_shorten(stripped)}'; skipped lines {first}-{last}, {resumes}",
                source.span(start, start + len(stripped))))
            self.skipped.append((err.start, target))
        else:
            if not err.reported:
                self._met_reading_next(Diagnostic(err.rule, err.message, source.span(err.start, err.end)))
            self.skipped.append((err.end, target))
        pos = err.after
        while True:
            found = TOKEN.match(text, pos)
            if found is None:
                return pos
            start = found.start(found.lastindex or 0)
            if start >= target:
                return start
            pos = next_token(source, start, self.lexed)[1]



# -- values -----------------------------------------------------------------
#
# Functions from (parser, a value's first token, where lexing goes on after
# it) to (node, where lexing goes on after the value): the position
# travels as a value, which is both clearer and faster here than a cursor
# in the parser object.  Objects and lists try the usual shapes (_PAIR,
# _ITEM) before they ask for a token.

def _error(tok: Token, after: int, message: str) -> _SyntaxError:
    if tok[0] == DOC:
        # A doc comment inside an expression: QEMU reads it as one and
        # then finds it misplaced.
        return _SyntaxError("documentation comment inside an expression", tok[1], tok[1] + 2, after)
    return _SyntaxError(message, tok[1], tok[2], after, reported=tok[0] == JUNK)


_new = tuple.__new__     # a named tuple without its Python-level __new__


def _value(p: _Parser, tok: Token, after: int, expected: str = _FIRST_VALUE) -> tuple[Node, int]:
    kind = tok[0]
    if kind == STRING:
        return _new(SynString, (tok[3], tok[1], tok[2])), after
    if kind == "{":
        return _object(p, tok[1], after)
    if kind == "[":
        return _list(p, tok[1], after)
    if kind == BOOL:
        return _new(SynBool, (tok[3], tok[1], tok[2])), after
    if kind == NULL:
        return _new(SynNull, (tok[1], tok[2])), after
    raise _error(tok, after, expected)


def _too_deep(start: int) -> _SyntaxError:
    """The error at the bracket at ``start`` that opens one level too many."""
    return _SyntaxError(f"nesting deeper than {MAX_NESTING} levels of objects and lists", start, start + 1, start + 1,
                        rule=rules.NESTING_TOO_DEEP)


def _duplicate(p: _Parser, key: SynString, value_start: int) -> None:
    # (from the key to the value, where QEMU notices it: once it has lexed
    # the value's first token, before it reads the value)
    found = Diagnostic(rules.DUPLICATE_KEY, f"duplicate key '{key.value}'", p.source.span(key.start, value_start))
    p.out.diagnostics.append(found)
    p.out.found_at.append((found, value_start, MET_HANDLING_BEFORE))


def _object(p: _Parser, start: int, pos: int) -> tuple[SynObject, int]:
    """The object whose '{' is at ``start``; ``pos`` is after it."""
    p.depth += 1
    if p.depth > MAX_NESTING:
        raise _too_deep(start)
    text, source, lexed, pair = p.text, p.source, p.lexed, p.pair
    members: dict[str, tuple[SynString, Node]] = {}
    first = True
    value: Node
    while True:
        m = pair(text, pos)
        if m is not None:
            key_start, key_end = m.span(1)
            key: SynString = _new(SynString, (text[key_start + 1:key_end - 1], key_start, key_end))
            shape = m.lastindex
            if shape == 3:
                # 'key': 'value' and the ',' or '}' after it
                value_start, value_end = m.span(2)
                if key[0] in members:
                    _duplicate(p, key, value_start)
                else:
                    members[key[0]] = (key, _new(SynString, (text[value_start + 1:value_end - 1], value_start,
                                                             value_end)))
                pos = m.end()
                if text[pos - 1] == "}":
                    p.depth -= 1
                    return _new(SynObject, (members, start, pos)), pos
                first = False
                continue
            pos = m.end()
            if shape == 4:
                # 'key': and the '{' or '[' of the value
                duplicate = key[0] in members
                if duplicate:
                    _duplicate(p, key, pos - 1)
                value, pos = (_object if text[pos - 1] == "{" else _list)(p, pos - 1, pos)
            else:
                tok, after = next_token(source, pos, lexed)
                duplicate = key[0] in members
                if duplicate:
                    _duplicate(p, key, tok[1])
                value, pos = _value(p, tok, after)
        else:
            tok, after = next_token(source, pos, lexed)
            if tok[0] != STRING:
                if first and tok[0] == "}":
                    p.depth -= 1
                    return _new(SynObject, (members, start, tok[2])), after
                raise _error(tok, after, "expected string or '}'" if first else "expected string")
            key = _new(SynString, (tok[3], tok[1], tok[2]))
            tok, after = next_token(source, after, lexed)
            if tok[0] != ":":
                raise _error(tok, after, "expected ':'")
            tok, after = next_token(source, after, lexed)
            duplicate = key[0] in members
            if duplicate:
                _duplicate(p, key, tok[1])
            value, pos = _value(p, tok, after)
        if not duplicate:
            members[key[0]] = (key, value)
        m = p.separator(text, pos)
        if m is not None:
            pos = m.end()
            if text[pos - 1] == "}":
                p.depth -= 1
                return _new(SynObject, (members, start, pos)), pos
        else:
            tok, pos = next_token(source, pos, lexed)
            if tok[0] == "}":
                p.depth -= 1
                return _new(SynObject, (members, start, tok[2])), pos
            if tok[0] != ",":
                raise _error(tok, pos, "expected ',' or '}'")
        first = False


def _list(p: _Parser, start: int, pos: int) -> tuple[SynList, int]:
    """The list whose '[' is at ``start``; ``pos`` is after it."""
    p.depth += 1
    if p.depth > MAX_NESTING:
        raise _too_deep(start)
    text, source, lexed, item = p.text, p.source, p.lexed, p.item
    items: list[Node] = []
    first = True
    while True:
        m = item(text, pos)
        if m is not None:
            # 'item' and the ',' or ']' after it
            item_start, item_end = m.span(1)
            items.append(_new(SynString, (text[item_start + 1:item_end - 1], item_start, item_end)))
            pos = m.end()
            if text[pos - 1] == "]":
                p.depth -= 1
                return _new(SynList, (items, start, pos)), pos
            first = False
            continue
        tok, after = next_token(source, pos, lexed)
        if first and tok[0] == "]":
            p.depth -= 1
            return _new(SynList, (items, start, tok[2])), after
        value, pos = _value(p, tok, after, _FIRST_ITEM if first else _FIRST_VALUE)
        items.append(value)
        tok, after = next_token(source, pos, lexed)
        if tok[0] == "]":
            p.depth -= 1
            return _new(SynList, (items, start, tok[2])), after
        if tok[0] != ",":
            raise _error(tok, after, "expected ',' or ']'")
        pos = after
        first = False


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
