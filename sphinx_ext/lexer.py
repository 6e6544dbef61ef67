"""A Pygments lexer for QMP examples.

What a QMP example holds, of every era:

* ``-> {...}`` (client to server) and ``<- {...}`` (server to client)
  messages, their JSON running over as many lines as it needs;
* elisions, where text was left out: ``...`` on a line of its own,
  ``... text ...``, or inside JSON (``{ ... }``, ``[ ... more ... ]``);
* titles and prose between messages (``1. Add a new node``), and, before
  QEMU 9.1, bare event JSON without an arrow.

The lexer never fails and never emits ``Error`` tokens: Sphinx would drop
the highlighting of the whole block with a vague warning.  Text that is
not JSON where JSON is expected is marked ``Generic.Error`` (shown in red),
and ``qapidoc lint`` (QD5xx) reports it, located at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pygments.lexer import Lexer
from pygments.token import (
    Comment,
    Generic,
    Keyword,
    Name,
    Number,
    Punctuation,
    String,
    Text,
    Whitespace,
)

__all__ = ["QmpLexer"]

_ARROW = re.compile(r"(->|<-)(?=\s|$)")
_LINE_ELISION = re.compile(r"\.\.\.(?:\s.*\s\.\.\.)?\s*$")
#: a run of characters that start no token (one Generic.Error, not one per character)
_JUNK = re.compile(r"(?:(?!true|false|null)[^\s\"{}\[\],:.0-9-])+")
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"?')
_KEY_AFTER = re.compile(r"\s*:")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_CONSTANT = re.compile(r"(?:true|false|null)\b")
_SPACE = re.compile(r"[ \t]+")


class QmpLexer(Lexer):  # type: ignore[misc]
    """QMP exchanges: ``->``/``<-`` prompts, JSON, elisions and titles."""

    name = "QMP"
    aliases = ["qmp"]  # noqa: RUF012 - Pygments' interface
    filenames: list[str] = []  # noqa: RUF012
    mimetypes: list[str] = []  # noqa: RUF012

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, object, str]]:
        depth = 0
        pos = 0
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            pairs = self._line_start(pos, body) if depth == 0 else self._json(pos, body, 0, depth)
            for token, reached in pairs:
                depth = reached
                yield token
            if len(line) > len(body):
                yield pos + len(body), Whitespace, line[len(body):]
            pos += len(line)

    def _line_start(self, pos: int, body: str) -> Iterator[tuple[tuple[int, object, str], int]]:
        """A line outside any JSON value."""
        i = len(body) - len(body.lstrip())
        if i:
            yield (pos, Whitespace, body[:i]), 0
        rest = body[i:]
        if not rest:
            return
        m = _ARROW.match(rest)
        if m:
            yield (pos + i, Generic.Prompt, m.group(1)), 0
            i += m.end()
        elif _LINE_ELISION.match(rest):
            yield (pos + i, Comment.Multiline, rest), 0
            return
        elif not rest.startswith(("{", "[", '"')):
            yield (pos + i, Generic.Subheading, rest), 0
            return
        yield from self._json(pos, body, i, 0)

    def _json(self, pos: int, body: str, i: int, depth: int) -> Iterator[tuple[tuple[int, object, str], int]]:
        n = len(body)
        closes = _Closes(body)
        while i < n:
            c = body[i]
            if c in " \t":
                m = _SPACE.match(body, i)
                assert m
                yield (pos + i, Whitespace, m.group(0)), depth
                i = m.end()
                continue
            if c == '"':
                m = _STRING.match(body, i)
                assert m
                kind = Name.Tag if _KEY_AFTER.match(body, m.end()) else String.Double
                yield (pos + i, kind, m.group(0)), depth
                i = m.end()
                continue
            if c in "{[":
                depth += 1
                yield (pos + i, Punctuation, c), depth
                i += 1
                continue
            if c in "}]":
                depth = max(depth - 1, 0)
                yield (pos + i, Punctuation, c), depth
                i += 1
                continue
            if c in ",:":
                yield (pos + i, Punctuation, c), depth
                i += 1
                continue
            if c == "." and body.startswith("...", i):
                end = closes.elision_end(i)
                yield (pos + i, Comment.Multiline, body[i:end]), depth
                i = end
                continue
            m = _NUMBER.match(body, i)
            if m:
                yield (pos + i, Number, m.group(0)), depth
                i = m.end()
                continue
            m = _CONSTANT.match(body, i)
            if m:
                yield (pos + i, Keyword.Constant, m.group(0)), depth
                i = m.end()
                continue
            if depth == 0:
                # after the message: a trailing remark
                yield (pos + i, Text, body[i:]), depth
                return
            m = _JUNK.match(body, i)
            end = m.end() if m else i + 1
            yield (pos + i, Generic.Error, body[i:end]), depth
            i = end


class _Closes:
    """Where elisions end on one line: ``...`` alone, or ``... text ...``
    up to the first `` ...`` after it.  The search for that is remembered,
    so a line of many elisions that never close costs one scan, not one
    per elision (which made long lines quadratic)."""

    __slots__ = ("_body", "_found", "_searched_from")

    def __init__(self, body: str) -> None:
        self._body = body
        self._searched_from = len(body) + 1
        self._found = -1

    def elision_end(self, i: int) -> int:
        """The end of the elision whose ``...`` starts at ``i``."""
        body = self._body
        if body[i + 3:i + 4] != " ":
            return i + 3
        start = i + 4           # the closing ' ...' starts here or later
        if not (self._searched_from <= start and (self._found < 0 or self._found >= start)):
            self._searched_from = start
            self._found = body.find(" ...", start)
        if self._found < 0:
            return i + 3
        return self._found + 4
