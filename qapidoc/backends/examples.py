"""Examples: QMP examples in doc comments -> QMP messages with positions.

Takes the :class:`~qapidoc.frontend.docs.DocExample` values of the doc model and
returns, for each, the messages it shows (:class:`Message`), each with its
direction, its JSON value, the exact span of every value inside it (a
JSON-path -> span map) and the places where the author elided something.
Validation against the schema is not done here (see :mod:`qapidoc.lint`).

Both eras of example markup are read:

* 2017-style ``Example:`` sections: ``->``/``<-`` lines, JSON that goes on
  over continuation lines, numbered sub-examples and other prose between
  messages, and messages without an arrow (a line that starts with ``{``);
* ``.. qmp-example::`` blocks: the plain form is one QMP code block; in the
  ``:annotated:`` form only the literal blocks (after a ``::``) hold QMP.

Elisions follow QEMU's QMP lexer: ``...`` or ``... free text ...``, in an
object where a member may stand, in an array where an element may stand,
as a member's value, as a whole message, or alone on a line between
messages.  An elided spot is recorded (:attr:`Message.elided`) so that the
validator relaxes ``required`` there and nothing else.

Parsing is tolerant: a message that is not JSON gives a :class:`JsonError`
at the exact line and column, and the next message is read as usual.  The
parser never raises on bad input.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..frontend.docs import DocComment, DocExample
from ..frontend.parser import DocLine
from ..records import NamedTuple
from ..source import SourceFile, Span

__all__ = [
    "ELISION",
    "Direction",
    "ExampleItem",
    "JsonError",
    "JsonPath",
    "Location",
    "Message",
    "ParsedExample",
    "message_kind",
    "parse_example",
    "parse_examples",
    "parse_json",
    "value_at",
]

Direction = Literal["->", "<-"]
JsonPath = tuple[str | int, ...]
#: what a message is, by its top-level key
MessageKind = Literal["request", "return", "error", "event", "greeting", "unknown"]

#: the elision of QEMU's QMP lexer: ``...`` or ``... text ...`` (the text
#: may not hold JSON punctuation, so two elisions in one object stay two)
ELISION = re.compile(r"\.\.\.(?:[^\"{}\[\],:\n]*?\.\.\.)?")
_ELISION_LINE = re.compile(r"\s*\.\.\.(?:[^\n]*\.\.\.)?\s*$")
_ARROW = re.compile(r"(\s*)(->|<-)")
_MAX_DEPTH = 100


class Location(NamedTuple):
    """Where one JSON value of a message is: the value, and for an object
    member also its key."""

    value: Span
    key: Span | None = None


@dataclass(frozen=True, slots=True)
class JsonError:
    """Why a message is not JSON, and where (the narrowest span)."""

    message: str
    span: Span
    #: (message, span) pairs pointing elsewhere, e.g. at an unclosed brace
    related: tuple[tuple[str, Span], ...] = ()


@dataclass(frozen=True, slots=True)
class Message:
    """One QMP message of an example.

    ``value`` is the parsed JSON, with elided members and elements left
    out; it is None when the JSON is broken (``error`` says why) or when the
    whole message is elided.  ``locations`` maps each JSON path (``()`` for
    the message itself, ``("data", "guest")`` for a member) to where its
    value stands in the ``.json`` file.  ``elided`` holds the paths of the
    objects and arrays that contained an elision.
    """

    direction: Direction | None
    span: Span
    arrow: Span | None
    value: object = None
    error: JsonError | None = None
    locations: Mapping[JsonPath, Location] = field(default_factory=dict)
    elided: frozenset[JsonPath] = frozenset()
    #: the whole message is an elision (``-> ... text ...``)
    elided_whole: bool = False
    #: the members whose whole value was elided (``"data": ...``), left
    #: out of ``value``
    elided_members: frozenset[JsonPath] = frozenset()

    @property
    def ok(self) -> bool:
        return self.error is None and not self.elided_whole

    @property
    def kind(self) -> MessageKind:
        if isinstance(self.value, dict) and self.elided_members:
            keys = dict.fromkeys(p[0] for p in self.elided_members if len(p) == 1)
            return message_kind({**keys, **self.value})
        return message_kind(self.value)

    def span_of(self, path: JsonPath, *, key: bool = False) -> Span:
        """The span of the value at ``path`` (of its key, with ``key``), or
        of the nearest enclosing value that exists."""
        while True:
            loc = self.locations.get(path)
            if loc is not None:
                return loc.key if key and loc.key is not None else loc.value
            if not path:
                return self.span
            path = path[:-1]


class ExampleItem(NamedTuple):
    """A line or message of an example, in source order.

    ``kind`` is ``message``, ``elision`` (a line that is only ``...``) or
    ``prose`` (text between messages).
    """

    kind: Literal["message", "elision", "prose"]
    span: Span
    message: Message | None = None


@dataclass(frozen=True, slots=True)
class ParsedExample:
    example: DocExample
    doc: DocComment | None
    items: tuple[ExampleItem, ...]

    @property
    def messages(self) -> tuple[Message, ...]:
        return tuple(i.message for i in self.items if i.message is not None)

    @property
    def code_block(self) -> bool:
        """Whether the whole body is one QMP code block (a plain
        ``.. qmp-example::``), where prose cannot be lexed."""
        return self.example.kind == "directive" and not self.example.annotated


def value_at(value: object, path: JsonPath) -> object:
    """The part of ``value`` at a JSON ``path`` (as in a validator's
    violation), or None when the path leads nowhere."""
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


def message_kind(value: object) -> MessageKind:
    if not isinstance(value, dict):
        return "unknown"
    if "execute" in value or "exec-oob" in value:
        return "request"
    if "return" in value:
        return "return"
    if "error" in value:
        return "error"
    if "event" in value:
        return "event"
    if "QMP" in value:
        return "greeting"
    return "unknown"


# --- the text of a message ---------------------------------------------------------

class _Text:
    """Doc lines joined by newlines, with a map back to file offsets."""

    __slots__ = ("_skip", "file", "lines", "starts", "text")

    def __init__(self, file: SourceFile, lines: list[DocLine], first_skip: int = 0) -> None:
        self.file = file
        self.lines = lines
        starts = []
        pos = 0
        parts = []
        for i, line in enumerate(lines):
            text = line.text[first_skip:] if i == 0 else line.text
            starts.append(pos)
            parts.append(text)
            pos += len(text) + 1
        self.starts = starts
        self.text = "\n".join(parts)
        self._skip = first_skip

    def offset(self, pos: int) -> int:
        """The file offset of position ``pos`` of the joined text."""
        i = bisect.bisect_right(self.starts, pos) - 1
        i = max(i, 0)
        skip = self._skip if i == 0 else 0
        line = self.lines[i]
        return line.offset + skip + min(pos - self.starts[i], len(line.text) - skip)

    def span(self, start: int, end: int) -> Span:
        a = self.offset(start)
        b = self.offset(end) if end > start else a
        if end > start and b <= a:
            b = a + 1
        return self.file.span(a, max(a, b))

    def line_index(self, pos: int) -> int:
        return max(bisect.bisect_right(self.starts, pos) - 1, 0)


# --- a tolerant JSON parser with positions ------------------------------------------

_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_STRING = re.compile(r'"((?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*)"')
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*|\S")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")
_SIMPLE = {"true": True, "false": False, "null": None}


class _ParseError(Exception):
    def __init__(self, message: str, start: int, end: int, related: tuple[tuple[str, int], ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.related = related


class _Elided:
    """Stands for a value that was elided (``"data": ...``)."""


_ELIDED = _Elided()


def _unescape(body: str, at: int) -> str:
    """The value of a JSON string whose body (between the quotes) starts at
    ``at``; a lone UTF-16 surrogate escape is an error, as it is for QEMU."""
    if "\\" not in body:
        return body
    if _SURROGATE.search(body):
        _check_surrogates(body, at)

    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        if esc[0] == "u":
            return chr(int(esc[1:], 16))
        return _ESCAPES.get(esc, esc)
    out = _ESCAPE.sub(one, body)
    if "\\u" in body:
        # \ud83d\ude00 is one character, as JSON says: join surrogate pairs.
        out = out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return out


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_surrogates(body: str, at: int) -> None:
    """Raise at the first surrogate escape that is not half of a pair."""
    escapes = [m for m in _ESCAPE.finditer(body) if m.group(1)[0] == "u"]
    paired = False
    for i, m in enumerate(escapes):
        code = int(m.group(1)[1:], 16)
        if paired:          # the low half of the pair before
            paired = False
            continue
        if 0xD800 <= code <= 0xDBFF and i + 1 < len(escapes):
            after = escapes[i + 1]
            if after.start() == m.end() and 0xDC00 <= int(after.group(1)[1:], 16) <= 0xDFFF:
                paired = True
                continue
        if 0xD800 <= code <= 0xDFFF:
            raise _ParseError(f"'{m.group()}' is a lone UTF-16 surrogate, not a character",
                              at + m.start(), at + m.end())


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "the end of the message"
    if text[pos] == "\n":
        return "the end of the line"
    m = _WORD.match(text, pos)
    token = m.group() if m else text[pos]
    if token[0] == '"':
        end = text.find('"', pos + 1)
        token = text[pos:end + 1] if 0 < end < pos + 40 else token
    return _quote(token[:30])


def _quote(token: str) -> str:
    return f'"{token}"' if "'" in token else f"'{token}'"


class _JsonParser:
    """Recursive descent over ``text[pos:limit]``; records spans per path."""

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.spans: dict[JsonPath, tuple[int, int, int, int]] = {}   # path -> value (start, end), key (start, end)
        self.elided: set[JsonPath] = set()
        self.elided_members: set[JsonPath] = set()

    def ws(self, pos: int) -> int:
        m = _WS.match(self.text, pos, self.limit)
        assert m is not None
        return m.end()

    def elision(self, pos: int) -> int:
        """End of an elision starting at ``pos``, or -1."""
        if not self.text.startswith("...", pos):
            return -1
        m = ELISION.match(self.text, pos, self.limit)
        return m.end() if m else -1

    def value(self, pos: int, path: JsonPath, depth: int, key: tuple[int, int] = (-1, -1)) -> tuple[object, int]:
        text = self.text
        if pos >= self.limit:
            raise _ParseError(f"expected a JSON value, found {_describe(text[:self.limit], pos)}", pos, pos)
        c = text[pos]
        start = pos
        if depth > _MAX_DEPTH:
            raise _ParseError("the message is nested too deeply", pos, pos + 1)
        value: object
        if c == "{":
            value, pos = self.parse_object(pos, path, depth)
        elif c == "[":
            value, pos = self.parse_array(pos, path, depth)
        elif c == '"':
            m = _STRING.match(text, pos, self.limit)
            if m is None:
                raise self.bad_string(pos)
            value, pos = _unescape(m.group(1), m.start(1)), m.end()
        elif c == "'":
            raise _ParseError("strings must be in double quotes: JSON has no single-quoted strings", pos, pos + 1)
        elif c == "-" or c.isdigit():
            m = _NUMBER.match(text, pos, self.limit)
            if m is None:
                raise _ParseError(f"expected a number, found {_describe(text, pos)}", pos, pos + 1)
            literal = m.group()
            value = float(literal) if any(ch in literal for ch in ".eE") else int(literal)
            pos = m.end()
        elif (end := self.elision(pos)) >= 0:
            return _ELIDED, end
        else:
            m = _WORD.match(text, pos, self.limit)
            word = m.group() if m else c
            if word in _SIMPLE:
                value, pos = _SIMPLE[word], pos + len(word)
            else:
                hint = ""
                if word in ("True", "False", "None", "TRUE", "FALSE", "NULL"):
                    hint = f" (JSON spells it '{word.lower() if word != 'None' else 'null'}')"
                raise _ParseError(f"expected a JSON value, found {_describe(text, pos)}{hint}", pos, pos + len(word))
        self.spans[path] = (start, pos, key[0], key[1])
        return value, pos

    def bad_string(self, pos: int) -> _ParseError:
        text = self.text
        i = pos + 1
        while i < self.limit:
            ch = text[i]
            if ch == '"':
                break
            if ch == "\n":
                return _ParseError("unterminated string: a JSON string ends on the line it starts", pos, i)
            if ch == "\\":
                if not re.match(r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})', text[i:i + 6]):
                    return _ParseError(f"invalid escape '{text[i:i + 2]}' in string", i, i + 2)
                i += 2
                continue
            if ord(ch) < 0x20:
                return _ParseError("control character in string", i, i + 1)
            i += 1
        return _ParseError("unterminated string", pos, min(i, self.limit))

    def after_item(self, pos: int, close: str, what: str, opened: int) -> tuple[bool, int]:
        """After a member or element: True and the position after ',', or
        False and the position after the closing bracket."""
        text = self.text
        pos = self.ws(pos)
        if pos < self.limit and text[pos] == ",":
            return True, pos + 1
        if pos < self.limit and text[pos] == close:
            return False, pos + 1
        if pos >= self.limit:
            line = f"'{text[opened]}'"
            raise _ParseError(f"unclosed {line}: expected ',' or '{close}' after {what}, found the end of the message",
                        pos, pos, (("the unclosed bracket", opened),))
        found = _describe(text, pos)
        raise _ParseError(f"expected ',' or '{close}' after {what}, found {found}", pos, pos + 1)

    def parse_object(self, pos: int, path: JsonPath, depth: int) -> tuple[dict[str, object], int]:
        text = self.text
        opened = pos
        out: dict[str, object] = {}
        pos = self.ws(pos + 1)
        if pos < self.limit and text[pos] == "}":
            return out, pos + 1
        members = 0
        while True:
            pos = self.ws(pos)
            end = self.elision(pos)
            if end >= 0:
                self.elided.add(path)
                more, pos = self.after_item(end, "}", "'...'", opened)
                if not more:
                    # '{ ... }' stands for a whole value, like '...' does.
                    return (out if members else _ELIDED), pos  # type: ignore[return-value]
                continue
            members += 1
            if pos < self.limit and text[pos] == "}" and out:
                raise _ParseError("trailing comma before '}'", self.last_comma(pos), self.last_comma(pos) + 1)
            if pos >= self.limit or text[pos] != '"':
                if pos < self.limit and text[pos] == "'":
                    raise _ParseError("member names must be in double quotes: JSON has no single-quoted strings",
                                pos, pos + 1)
                if pos >= self.limit:
                    raise _ParseError("unclosed '{': expected a member name, found the end of the message",
                                pos, pos, (("the unclosed bracket", opened),))
                raise _ParseError(f"expected a member name in double quotes, found {_describe(text, pos)}",
                            pos, pos + 1)
            m = _STRING.match(text, pos, self.limit)
            if m is None:
                raise self.bad_string(pos)
            name = _unescape(m.group(1), m.start(1))
            key = (pos, m.end())
            pos = self.ws(m.end())
            if pos >= self.limit or text[pos] != ":":
                raise _ParseError(f"expected ':' after member name '{name}', found {_describe(text, pos)}",
                            pos, pos + 1)
            if name in out:
                raise _ParseError(f"duplicate member '{name}'", key[0], key[1])
            pos = self.ws(pos + 1)
            member = (*path, name)
            value, pos = self.value(pos, member, depth + 1, key)
            if value is _ELIDED:
                self.elided.add(path)
                self.elided_members.add(member)
                self.spans[member] = (key[0], pos, key[0], key[1])
            else:
                out[name] = value
            more, pos = self.after_item(pos, "}", f"member '{name}'", opened)
            if not more:
                return out, pos

    def last_comma(self, pos: int) -> int:
        return self.text.rfind(",", 0, pos)

    def parse_array(self, pos: int, path: JsonPath, depth: int) -> tuple[list[object], int]:
        text = self.text
        opened = pos
        out: list[object] = []
        pos = self.ws(pos + 1)
        if pos < self.limit and text[pos] == "]":
            return out, pos + 1
        index = 0
        elements = 0
        while True:
            pos = self.ws(pos)
            if pos < self.limit and text[pos] == "]" and index:
                raise _ParseError("trailing comma before ']'", self.last_comma(pos), self.last_comma(pos) + 1)
            if pos >= self.limit:
                raise _ParseError("unclosed '[': expected an element, found the end of the message",
                            pos, pos, (("the unclosed bracket", opened),))
            if self.elision(pos) < 0:
                elements += 1
            value, pos = self.value(pos, (*path, len(out)), depth + 1)
            if value is _ELIDED:
                self.elided.add(path)
            else:
                out.append(value)
            index += 1
            more, pos = self.after_item(pos, "]", "an array element", opened)
            if not more:
                # '[ ... more ... ]' stands for a whole value, like '...' does.
                return (out if elements else _ELIDED), pos  # type: ignore[return-value]


def parse_json(text: str, pos: int = 0, limit: int | None = None) -> tuple[
        object, int, dict[JsonPath, tuple[int, int, int, int]], set[JsonPath]]:
    """Parse one JSON value (with elisions) from ``text[pos:limit]``.

    Returns the value, the position after it, the spans by path and the
    elided paths; raises ``ValueError(message, start, end)`` if it is not
    JSON.  (The positions are into ``text``; :func:`parse_example` maps
    them to the file.)
    """
    parser = _JsonParser(text, len(text) if limit is None else limit)
    try:
        value, end = parser.value(parser.ws(pos), (), 0)
    except _ParseError as fail:
        raise ValueError(fail.message, fail.start, fail.end) from None
    except RecursionError:
        raise ValueError("the message is nested too deeply", pos, pos + 1) from None
    return value, end, parser.spans, parser.elided


# --- reading an example -----------------------------------------------------------

def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _code_lines(example: DocExample) -> Iterator[tuple[int, int]]:
    """The (start, end) index ranges of the lines that hold QMP: the whole
    body, or for an annotated example its ``::`` literal blocks."""
    n = len(example.lines)
    if not example.annotated:
        yield 0, n
        return
    lines = tuple(example.lines)
    i = 0
    while i < n:
        text = lines[i].text.rstrip()
        if not text.endswith("::") or text.lstrip().startswith(".."):
            i += 1
            continue
        # The paragraph that ends in '::' starts at the first line of it.
        j = i
        while j > 0 and lines[j - 1].text.strip():
            j -= 1
        base = _indent(lines[j].text)
        k = i + 1
        while k < n and not lines[k].text.strip():
            k += 1
        start = k
        while k < n and (not lines[k].text.strip() or _indent(lines[k].text) > base):
            k += 1
        if start < k:
            yield start, k
        i = max(k, i + 1)


def parse_example(example: DocExample, doc: DocComment | None = None) -> ParsedExample:
    """The messages (and prose and elision lines) of one example."""
    file = example.span.file
    items: list[ExampleItem] = []
    lines = tuple(example.lines)
    for start, end in _code_lines(example):
        _read_block(file, lines, start, end, items)
    return ParsedExample(example, doc, tuple(items))


def parse_examples(docs: tuple[DocComment, ...] | list[DocComment]) -> list[ParsedExample]:
    return [parse_example(ex, doc) for doc in docs for ex in doc.examples]


def _line_span(file: SourceFile, line: DocLine) -> Span:
    stripped = line.text.strip()
    lead = len(line.text) - len(line.text.lstrip())
    return file.span(line.offset + lead, line.offset + lead + len(stripped))


def _starts_message(text: str) -> bool:
    s = text.lstrip()
    return s.startswith(("->", "<-"))


def _read_block(file: SourceFile, lines: tuple[DocLine, ...], i: int, n: int, items: list[ExampleItem]) -> None:
    while i < n:
        line = lines[i]
        stripped = line.text.strip()
        if not stripped:
            i += 1
            continue
        if _starts_message(line.text) or stripped[0] == "{":
            i = _read_message(file, lines, i, n, items)
        elif _ELISION_LINE.match(line.text):
            items.append(ExampleItem("elision", _line_span(file, line)))
            i += 1
        else:
            items.append(ExampleItem("prose", _line_span(file, line)))
            i += 1


def _read_message(file: SourceFile, lines: tuple[DocLine, ...], i: int, n: int, items: list[ExampleItem]) -> int:
    """Read the message starting at ``lines[i]``; return the index of the
    line after it."""
    first = lines[i]
    direction: Direction | None = None
    arrow: Span | None = None
    skip = 0
    m = _ARROW.match(first.text)
    if m:
        direction = "->" if m.group(2) == "->" else "<-"
        arrow = file.span(first.offset + m.start(2), first.offset + m.end(2))
        skip = m.end()
    # The region: up to a blank line or the next arrow.
    j = i + 1
    while j < n and lines[j].text.strip() and not _starts_message(lines[j].text):
        j += 1
    text = _Text(file, list(lines[i:j]), skip)
    body = text.text
    pos = len(body) - len(body.lstrip())
    if pos >= len(body):
        # An arrow and nothing else.
        span = arrow or _line_span(file, first)
        error = JsonError("a message arrow without a message", span)
        items.append(ExampleItem("message", span, Message(direction, span, arrow, error=error)))
        return j
    head = (arrow.start if arrow is not None else text.offset(pos))
    end_line = body.find("\n", pos)
    whole = body[pos:end_line if end_line >= 0 else len(body)]
    if _ELISION_LINE.fullmatch(whole) and whole.strip().startswith("..."):
        span = file.span(head, text.offset(pos + len(whole.rstrip())))
        items.append(ExampleItem("message", span, Message(direction, span, arrow, elided_whole=True)))
        return i + 1
    if "..." not in body:
        # Most messages are plain JSON: let the C decoder read them, and
        # find the positions of their values only if someone asks.
        fast = _decode(body, pos)
        if fast is not None and _trailing(body, fast[1]) is None:
            value, after = fast
            span = file.span(head, text.offset(after - 1) + 1)
            items.append(ExampleItem("message", span, Message(
                direction, span, arrow, value, None, _LazyLocations(text, pos))))
            return i + text.line_index(after) + 1
    parser = _JsonParser(body, len(body))
    try:
        value, after = parser.value(pos, (), 0)
        junk = _trailing(body, after)
        if junk is not None:
            raise junk
    except _ParseError as fail:
        related = tuple((msg, text.span(p, p + 1)) for msg, p in fail.related)
        err_span = text.span(fail.start, fail.end)
        last = min(text.line_index(max(fail.start, pos)), len(text.lines) - 1)
        span = file.span(head, max(head, _line_end(text.lines[last])))
        msg = Message(direction, span, arrow, error=JsonError(fail.message, err_span, related))
        items.append(ExampleItem("message", span, msg))
        return j
    except RecursionError:
        span = file.span(head, _line_end(first))
        msg = Message(direction, span, arrow,
                      error=JsonError("the message is nested too deeply", text.span(pos, pos + 1)))
        items.append(ExampleItem("message", span, msg))
        return j
    if value is _ELIDED:
        span = file.span(head, text.offset(after - 1) + 1)
        items.append(ExampleItem("message", span, Message(direction, span, arrow, elided_whole=True)))
        return i + text.line_index(after) + 1
    locations = _locations(text, parser.spans)
    span = file.span(head, text.offset(after - 1) + 1)
    items.append(ExampleItem("message", span, Message(
        direction, span, arrow, value, None, locations, frozenset(parser.elided),
        elided_members=frozenset(parser.elided_members))))
    # What follows on the next lines of the region: a message without an
    # arrow starts with '{'; anything else is prose.
    return i + text.line_index(after) + 1


def _locations(text: _Text, spans: dict[JsonPath, tuple[int, int, int, int]]) -> dict[JsonPath, Location]:
    return {path: Location(text.span(a, b), text.span(ka, kb) if ka >= 0 else None)
            for path, (a, b, ka, kb) in spans.items()}


class _LazyLocations(Mapping[JsonPath, Location]):
    """The locations of a message's values, worked out on first use (most
    messages are valid and nobody asks)."""

    __slots__ = ("_done", "_pos", "_text")

    def __init__(self, text: _Text, pos: int) -> None:
        self._text = text
        self._pos = pos
        self._done: dict[JsonPath, Location] | None = None

    def _get(self) -> dict[JsonPath, Location]:
        if self._done is None:
            parser = _JsonParser(self._text.text, len(self._text.text))
            with contextlib.suppress(_ParseError, RecursionError):   # the C decoder read it
                parser.value(self._pos, (), 0)
            self._done = _locations(self._text, parser.spans)
        return self._done

    def __getitem__(self, key: JsonPath) -> Location:
        return self._get()[key]

    def __iter__(self) -> Iterator[JsonPath]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate member")
    return out


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


def _decode(body: str, pos: int) -> tuple[object, int] | None:
    """The value at ``body[pos:]`` and where it ends, if it is plain JSON
    (a surrogate escape is left to the parser, which checks its pairing,
    and so is a message that may nest deeper than it allows)."""
    if _SURROGATE.search(body, pos):
        return None
    if body.count("[", pos) + body.count("{", pos) > _MAX_DEPTH:
        return None     # maybe nested too deeply: the parser says where
    try:
        return _DECODER.raw_decode(body, pos)
    except (ValueError, RecursionError):
        return None


def _line_end(line: DocLine) -> int:
    return line.offset + len(line.text)


def _trailing(body: str, after: int) -> _ParseError | None:
    """Text after a complete message: on its line, anything but blanks is
    junk; on the following lines of its region, a closing bracket or comma
    is junk (an extra '}'), while other text is prose or the next message."""
    nl = body.find("\n", after)
    rest = body[after:nl if nl >= 0 else len(body)]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        at = after + lead
        return _ParseError(f"unexpected {_describe(body, at)} after the end of the message", at, at + 1,
                     (("the message ends here", after - 1),))
    while nl >= 0:
        start = nl + 1
        nl = body.find("\n", start)
        line = body[start:nl if nl >= 0 else len(body)]
        stripped = line.lstrip()
        if not stripped:
            continue
        at = start + len(line) - len(stripped)
        if stripped[0] in "}],:\"":
            return _ParseError(f"unexpected {_describe(body, at)} after the end of the message", at, at + 1,
                         (("the message ends here", after - 1),))
        return None
    return None
