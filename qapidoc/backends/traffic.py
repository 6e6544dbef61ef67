"""Traffic: QMP logs -> a stream of positioned, paired messages.

Reads QMP traffic from a binary stream (a file, a pipe, standard input) and
yields one :class:`Message` per message, in input order, each with its
position (file, line, column, message number), its direction when the input
gives it, what kind of message it is, and, for a reply, the request it
answers.  Nothing here knows a schema: :mod:`qapidoc.cli.validate` checks
what comes out.

Three layouts are read, and may be mixed in one input:

* JSON Lines: one message per line, as QEMU writes them on the wire
  (``\\r\\n`` line ends are fine);
* a stream of concatenated JSON values, as a client may send them: several
  on one line, or one spread over several lines;
* transcripts, as QMP doc examples and test logs write them: ``->`` (client
  to server) or ``<-`` (server to client) before a message, which may go on
  over continuation lines.

A line ``{"direction": "->", "message": {...}}`` (with any other members
but no QMP ones, as ``Transcript.to_jsonl`` of the test suite writes) is an
envelope: its ``message`` is read with that direction.

Where the input gives no direction, the message's own keys tell it
(``execute``/``exec-oob`` from the client; ``QMP``, ``event``, ``return``,
``error`` from the server).

Pairing: a reply (``return`` or ``error``) with an ``id`` answers the
pending request with the same ``id``; a reply without one answers the
oldest pending request without one.  A greeting starts a new session and
forgets what was pending.

Bad input never raises: text that is not JSON gives a message of kind
``"malformed"`` whose value (:class:`Malformed`) says why and where, and
reading goes on.  A value left open is closed (reported) at the next line
that starts a message: an arrow, or ``{`` in the first column.

Memory does not grow with the length of the input: the pending-request
table holds at most ``max_pending`` entries (the oldest go first, counted
in :class:`TrafficStats`), and one message holds at most
``max_message_bytes``.  The common case, a line that is one JSON object,
costs one ``orjson.loads`` (``json.loads`` when orjson is not installed).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Literal

from ..records import NamedTuple
from . import jsonvalues
from .examples import parse_json

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_MAX_PENDING",
    "KINDS",
    "Direction",
    "FollowedFile",
    "Kind",
    "Malformed",
    "Message",
    "Pending",
    "ReadOptions",
    "TrafficStats",
    "json_backend",
    "read_traffic",
]

Direction = Literal["->", "<-"]
#: what a message is.  "request": a command (``execute``/``exec-oob``, or
#: anything the input marks "->"); "reply": a success reply; "error": an
#: error reply; "event"; "greeting"; "unknown": none of those (not an
#: object, or no QMP key); "malformed": not JSON at all.
Kind = Literal["request", "reply", "error", "event", "greeting", "unknown", "malformed"]
KINDS: tuple[Kind, ...] = ("request", "reply", "error", "event", "greeting", "unknown", "malformed")

try:
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads

    def _dumps_key(value: object) -> bytes:
        try:
            return bytes(orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
        except TypeError:       # an integer beyond 64 bits, a lone surrogate, deep nesting
            return json.dumps(value, sort_keys=True).encode()

    _dumps: Callable[[object], bytes] = orjson.dumps
    _BACKEND = "orjson"
except ImportError:  # pragma: no cover - exercised where orjson is missing
    def _reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def _loads(data: bytes) -> Any:
        return json.loads(data, parse_constant=_reject_constant)

    def _dumps_key(value: object) -> bytes:
        return json.dumps(value, sort_keys=True).encode()

    def _dumps(value: object) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")

    _BACKEND = "json"


def json_backend() -> str:
    """The JSON reader in use: "orjson" or "json"."""
    return _BACKEND


class Malformed(NamedTuple):
    """Why some input is not a message, and exactly where."""

    reason: str
    line: int
    column: int
    #: the start of the text, for the report
    excerpt: str


class Pending(NamedTuple):
    """A request waiting for its reply."""

    command: str | None
    line: int
    column: int
    number: int


class Message(NamedTuple):
    """One message of the input, with its position.

    ``name`` is the command for a request, and for a reply or an error reply
    the command of the request it answers (None when it answers none that
    was seen); the event name for an event.  ``value`` is the decoded JSON,
    or a :class:`Malformed` for kind "malformed".  ``line`` and ``column``
    (1-based) are where the message starts; ``number`` counts the messages
    of the file from 1, malformed ones included.
    """

    kind: Kind
    name: str | None
    value: Any
    direction: Direction | None
    file: str
    line: int
    column: int
    number: int
    #: for a reply or an error reply: the request it answers
    request: Pending | None


_new = tuple.__new__

DEFAULT_MAX_PENDING = 10_000
DEFAULT_MAX_MESSAGE_BYTES = 64 << 20


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read."""

    #: requests waiting for a reply that are remembered; past that, the
    #: oldest is forgotten (and counted)
    max_pending: int = DEFAULT_MAX_PENDING
    #: the longest message (or line) read; a longer one is reported
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    #: keep reading at the end of the input, as ``tail -f`` does
    follow: bool = False
    #: seconds between looks at a followed file
    poll_interval: float = 0.1
    #: stop following after this many seconds without new input
    idle_timeout: float | None = None
    #: stop following when this returns true (checked at every poll)
    stop: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        if self.max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        if self.max_message_bytes < 1:
            raise ValueError("max_message_bytes must be at least 1")


@dataclass(slots=True)
class TrafficStats:
    """What was read, added up over every input read with it."""

    files: int = 0
    lines: int = 0
    messages: int = 0
    #: messages by kind (malformed ones included)
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    #: replies that answer no request that was seen
    unpaired_replies: int = 0
    #: pending requests forgotten because the table was full
    dropped_requests: int = 0
    #: requests still waiting for a reply at the end of their session
    unanswered_requests: int = 0
    #: the first few of those, for the report
    unanswered_examples: list[tuple[str, Pending]] = field(default_factory=list)
    #: times a followed file was truncated and read again from its start
    truncations: int = 0


_MAX_EXAMPLES = 5
_MISSING: Any = object()
_ARROWS = (b"->", b"<-")
_JSON_SPACE = b" \t\r\n"
_STRUCTURE = re.compile(rb'[{}\[\]"]')
_IN_STRING = re.compile(rb'["\\]')
_BOM = b"\xef\xbb\xbf"
_OPENERS = b'{["'


def read_traffic(stream: IO[bytes], name: str = "<stdin>", options: ReadOptions | None = None,
                 stats: TrafficStats | None = None) -> Generator[Message, None, None]:
    """Yield the messages of ``stream`` (opened in binary mode) in order.

    ``name`` is the file name the positions give.  ``stats``, if given,
    is added to as the input is read, and is complete once the generator
    is exhausted or closed.
    """
    reader = _Reader(name, options or ReadOptions(), stats if stats is not None else TrafficStats())
    return reader.run(stream)


class _Reader:
    """The state of reading one input: position, pairing, an open value."""

    def __init__(self, name: str, options: ReadOptions, stats: TrafficStats) -> None:
        self.name = name
        self.options = options
        self.stats = stats
        self.line = 0
        self.number = 0
        self.by_id: dict[object, Pending] = {}
        self.in_order: deque[Pending] = deque()
        # a value spread over lines: its bytes so far, where it started
        self.parts: list[bytes] | None = None
        self.size = 0
        self.start = (0, 0)
        self.start_direction: Direction | None = None
        # scanner state inside the open value
        self.depth = 0
        self.in_string = False
        self.escape = False
        # an arrow seen, waiting for its message: (direction, line, column)
        self.arrow: tuple[Direction, int, int] | None = None
        # after an overlong value: skip lines until one starts a message
        self.skipping = False
        # where the last value decoded by _value ended in its line
        self.value_end = 0

    # -- the main loop --------------------------------------------------------------

    def run(self, stream: IO[bytes]) -> Generator[Message, None, None]:
        self.stats.files += 1
        try:
            yield from self._lines(stream)
            yield from self._end_of_input()
        finally:
            self._close_session()
            self.stats.lines += self.line
            self.stats.messages += self.number

    def _lines(self, stream: IO[bytes]) -> Iterator[Message]:
        """Read line by line.  A line that is one JSON object, the common
        case, is taken here, and the common messages in it (a request with
        an ``id``, the reply to it, an event) are classified and paired
        inline; everything else goes to :meth:`_message` and :meth:`_feed`.
        ``line`` and ``number`` live in locals here and in attributes
        everywhere else."""
        limit = self.options.max_message_bytes + 1
        max_pending = self.options.max_pending
        readline = stream.readline
        loads = _loads
        new = _new
        name = self.name
        by_id = self.by_id
        missing = _MISSING
        dumps_key = _dumps_key
        dumps = _dumps
        mark_walked = jsonvalues.mark_walked
        integral_float = jsonvalues.integral_float_syntax
        line, number = self.line, self.number
        requests = replies = events = 0
        raw = readline(limit)
        if raw.startswith(_BOM):
            raw = raw[3:]
        try:
            while True:
                if not raw or raw[-1] != 10:        # 10: b"\n"
                    self.line, self.number = line, number
                    got = self._line_end(stream, raw, limit)
                    line, number = self.line, self.number
                    if got is None:
                        return
                    raw = got
                    if not raw:
                        # an overlong line: reported, skipped
                        self.line = line = line + 1
                        yield self._too_long(line, 1)
                        number = self.number
                        raw = readline(limit)
                        continue
                line += 1
                if raw[0] == 123 and self.parts is None and self.arrow is None and not self.skipping:  # "{"
                    try:
                        value = loads(raw)
                    except (ValueError, RecursionError):
                        value = missing
                    else:       # _screen, inline
                        try:
                            written = dumps(value)
                            # a byte looked for by its number ('92 in raw'): with a bytes operand,
                            # 'in' raises and clears a TypeError inside, costing more than the search
                            if (92 in raw and raw.find(b"\\u") >= 0) or raw.count(34) != written.count(34):
                                value = missing     # maybe a duplicate key: the careful way
                            elif (46 in written or 43 in written) and integral_float(written):
                                value = mark_walked(value)      # see _screen
                        except TypeError:       # nested deeper than orjson writes
                            value = missing
                    if type(value) is dict:
                        if "execute" in value:
                            ident = value.get("id", missing)
                            if ident is not missing:
                                key = ident if type(ident) is int or type(ident) is str else dumps_key(ident)
                                if key in by_id or len(by_id) < max_pending:
                                    command = value["execute"]
                                    number += 1
                                    pending = new(Pending, (command if type(command) is str else None,
                                                            line, 1, number))
                                    by_id[key] = pending
                                    requests += 1
                                    yield new(Message, ("request", pending[0], value, None, name, line, 1,
                                                        number, None))
                                    raw = readline(limit)
                                    continue
                        elif "return" in value:
                            ident = value.get("id", missing)
                            if ident is not missing:
                                key = ident if type(ident) is int or type(ident) is str else dumps_key(ident)
                                answers = by_id.pop(key, None)
                                if answers is not None:
                                    number += 1
                                    replies += 1
                                    yield new(Message, ("reply", answers[0], value, None, name, line, 1,
                                                        number, answers))
                                    raw = readline(limit)
                                    continue
                        elif "event" in value:
                            event = value["event"]
                            number += 1
                            events += 1
                            yield new(Message, ("event", event if type(event) is str else None, value, None,
                                                name, line, 1, number, None))
                            raw = readline(limit)
                            continue
                    if value is not missing:
                        self.line, self.number = line, number
                        yield self._message(value, None, line, 1)
                        number = self.number
                        raw = readline(limit)
                        continue
                elif raw[:2] in _ARROWS and self.parts is None and self.arrow is None and not self.skipping:
                    # a transcript line: an arrow and a whole message
                    body = raw[2:]
                    try:
                        value = loads(body)
                    except (ValueError, RecursionError):
                        value = missing
                    else:
                        value = _screen(body, value)
                    if value is not missing:
                        self.line, self.number = line, number
                        column = 3 + len(body) - len(body.lstrip(b" \t"))
                        yield self._message(value, "->" if raw[0] == 45 else "<-", line, column)  # 45: "-"
                        number = self.number
                        raw = readline(limit)
                        continue
                self.line, self.number = line, number
                yield from self._feed(raw)
                line, number = self.line, self.number
                raw = readline(limit)
        finally:
            self.line, self.number = line, number
            kinds = self.stats.kinds
            kinds["request"] += requests
            kinds["reply"] += replies
            kinds["event"] += events

    def _line_end(self, stream: IO[bytes], raw: bytes, limit: int) -> bytes | None:
        """Complete a line that did not end in a newline: the end of the
        input (None when nothing is left), a line longer than the limit
        (b"", after skipping it), or, when following, a line still being
        written."""
        if len(raw) >= limit:
            self._skip_rest_of_line(stream, limit)
            return b""
        if not self.options.follow:
            return raw or None
        while True:
            more = self._wait_for_input(stream, limit - len(raw))
            if more is None:
                return raw or None
            if not more:        # the file was truncated: start again
                raw = b""
                continue
            raw += more
            if raw.endswith(b"\n"):
                return raw
            if len(raw) >= limit:
                self._skip_rest_of_line(stream, limit)
                return b""

    def _skip_rest_of_line(self, stream: IO[bytes], limit: int) -> None:
        while True:
            chunk = stream.readline(limit)
            if not chunk or chunk.endswith(b"\n"):
                return

    def _wait_for_input(self, stream: IO[bytes], limit: int) -> bytes | None:
        """Follow: wait until ``stream`` has more to read and return it;
        None when told to stop or idle for too long.  When the file shrank,
        read it again from its start, as a new session (b"")."""
        options = self.options
        idle_since = time.monotonic()
        while True:
            if options.stop is not None and options.stop():
                return None
            if options.idle_timeout is not None and time.monotonic() - idle_since >= options.idle_timeout:
                return None
            time.sleep(options.poll_interval)
            if _restarted(stream):
                self.stats.truncations += 1
                self._close_session()
                self.stats.lines += self.line
                self.stats.messages += self.number
                self.line = 0
                self.number = 0
                self.parts = None
                self.skipping = False
                self.arrow = None
                return b""
            more = stream.readline(limit)
            if more:
                return more

    # -- messages: kind and pairing -------------------------------------------------

    def _message(self, value: Any, direction: Direction | None, line: int, column: int) -> Message:
        """Classify a decoded value, pair it, give it its number, count it."""
        self.number += 1
        kinds = self.stats.kinds
        if not isinstance(value, dict):
            kind: Kind = "request" if direction == "->" else "unknown"
            kinds[kind] += 1
            return _new(Message, (kind, None, value, direction, self.name, line, column, self.number, None))
        # the order of these tests is that of the inline ones in _lines
        if direction == "->" or (direction is None and "execute" in value):
            return self._request(value, direction, line, column)
        if "return" in value:
            return self._reply("reply", value, direction, line, column)
        if "event" in value:
            event = value["event"]
            kinds["event"] += 1
            return _new(Message, ("event", event if type(event) is str else None, value, direction,
                                  self.name, line, column, self.number, None))
        if direction is None and "exec-oob" in value:
            return self._request(value, direction, line, column)
        if "error" in value:
            return self._reply("error", value, direction, line, column)
        if "QMP" in value:
            self._close_session()
            kinds["greeting"] += 1
            return _new(Message, ("greeting", None, value, direction, self.name, line, column, self.number, None))
        if direction is None:
            inner_direction = value.get("direction")
            if "message" in value and inner_direction in ("->", "<-"):
                self.number -= 1
                return self._message(value["message"], inner_direction, line, column)
        kinds["unknown"] += 1
        return _new(Message, ("unknown", None, value, direction, self.name, line, column, self.number, None))

    def _request(self, value: dict[str, Any], direction: Direction | None, line: int, column: int) -> Message:
        command = value.get("execute", _MISSING)
        if command is _MISSING:
            command = value.get("exec-oob")
        name = command if type(command) is str else None
        pending = _new(Pending, (name, line, column, self.number))
        ident = value.get("id", _MISSING)
        max_pending = self.options.max_pending
        if ident is _MISSING:
            in_order = self.in_order
            if len(in_order) >= max_pending:
                in_order.popleft()
                self.stats.dropped_requests += 1
            in_order.append(pending)
        else:
            by_id = self.by_id
            key = ident if type(ident) is str or type(ident) is int else _dumps_key(ident)
            if key not in by_id and len(by_id) >= max_pending:
                del by_id[next(iter(by_id))]
                self.stats.dropped_requests += 1
            by_id[key] = pending
        self.stats.kinds["request"] += 1
        return _new(Message, ("request", name, value, direction, self.name, line, column, self.number, None))

    def _reply(self, kind: Kind, value: dict[str, Any], direction: Direction | None,
               line: int, column: int) -> Message:
        ident = value.get("id", _MISSING)
        pending: Pending | None
        if ident is _MISSING:
            pending = self.in_order.popleft() if self.in_order else None
        else:
            key = ident if type(ident) is str or type(ident) is int else _dumps_key(ident)
            pending = self.by_id.pop(key, None)
        self.stats.kinds[kind] += 1
        if pending is None:
            self.stats.unpaired_replies += 1
            return _new(Message, (kind, None, value, direction, self.name, line, column, self.number, None))
        return _new(Message, (kind, pending.command, value, direction, self.name, line, column, self.number,
                              pending))

    def _close_session(self) -> None:
        """Count the requests left without a reply, and forget them."""
        stats = self.stats
        for pending in (*self.by_id.values(), *self.in_order):
            stats.unanswered_requests += 1
            if len(stats.unanswered_examples) < _MAX_EXAMPLES:
                stats.unanswered_examples.append((self.name, pending))
        self.by_id.clear()
        self.in_order.clear()

    # -- everything but one-object lines ----------------------------------------------

    def _feed(self, raw: bytes) -> Iterator[Message]:
        """One line, the slow way: arrows, values spread over lines or
        sharing one, anything that is not JSON."""
        line = self.line
        if self.skipping:
            if not _starts_message(raw):
                return
            self.skipping = False
        pos = 0
        if self.parts is not None:
            if _starts_message(raw):
                yield self._unterminated(line)
            else:
                end = self._scan(raw, 0)
                if end < 0 and self.in_string:
                    end = len(raw)      # a string cannot go on over a line end
                    self._reset_scan()
                if end < 0:
                    self.parts.append(raw)
                    self.size += len(raw)
                    if self.size > self.options.max_message_bytes:
                        yield self._too_long(*self.start)
                        self.parts = None
                        self.skipping = True
                    return
                self.parts.append(raw[:end])
                parts, self.parts = self.parts, None
                yield self._decode(b"".join(parts), *self.start, self.start_direction)
                pos = end
        size = len(raw)
        # on an ASCII line, objects are taken one by one with raw_decode
        # (offsets in characters are offsets in bytes there)
        text = raw.decode("ascii") if raw.isascii() else None
        while True:
            while pos < size and raw[pos] in _JSON_SPACE:
                pos += 1
            if pos >= size:
                return
            byte = raw[pos]
            if byte == 123:             # "{": the fast way first
                try:
                    if text is not None:
                        value, end = _raw_decode(text, pos)
                    else:               # only a value that fills the rest of the line
                        value, end = _loads(raw[pos:]), size
                except (ValueError, RecursionError):
                    pass
                else:
                    column = pos + 1 if text is not None else _column(raw, pos)
                    start, pos = pos, end
                    value = _screen(raw[start:end], value)
                    if value is _MISSING:
                        yield self._decode(raw[start:end], line, column, self._take_arrow())
                    else:
                        yield self._message(value, self._take_arrow(), line, column)
                    continue
            elif byte in b"-<" and raw.startswith(_ARROWS, pos):
                if self.arrow is not None:
                    yield self._lone_arrow()
                direction: Direction = "->" if byte == 45 else "<-"
                self.arrow = (direction, line, _column(raw, pos))
                pos += 2
                continue
            if byte in _OPENERS:
                yield from self._value(raw, pos)
                if self.parts is not None:
                    return
                pos = self.value_end
                continue
            column = _column(raw, pos)
            if byte in b"}]":
                self.number += 1
                yield self._malformed(f"'{chr(byte)}' with no '{'{' if byte == 125 else '['}' before it",
                                      line, column, raw[pos:])
                pos += 1
                continue
            # a bare word, number or prose: the rest of the line is one value
            yield self._decode(raw[pos:].rstrip(_JSON_SPACE), line, column, self._take_arrow())
            return

    def _value(self, raw: bytes, pos: int) -> Iterator[Message]:
        """A value starting at ``pos``, the slow way: find its end with the
        scanner and decode it if it ends on this line, else keep it open.
        Sets ``value_end``."""
        line = self.line
        column = _column(raw, pos)
        direction = self._take_arrow()
        self._reset_scan()
        end = self._scan(raw, pos)
        if end < 0 and self.in_string:
            end = len(raw)
            self._reset_scan()
        if end < 0:
            self.parts = [raw[pos:]]
            self.size = len(raw) - pos
            self.start = (line, column)
            self.start_direction = direction
            return
        self.value_end = end
        yield self._decode(raw[pos:end], line, column, direction)

    def _take_arrow(self) -> Direction | None:
        if self.arrow is None:
            return None
        direction = self.arrow[0]
        self.arrow = None
        return direction

    def _reset_scan(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escape = False

    def _scan(self, raw: bytes, pos: int) -> int:
        """Find where the open value ends in ``raw``: the offset just past
        it, or -1 if it goes on after this line (the state is kept)."""
        depth, in_string = self.depth, self.in_string
        size = len(raw)
        if self.escape:
            pos += 1
            self.escape = False
        while pos < size:
            if in_string:
                found = _IN_STRING.search(raw, pos)
                if found is None:
                    break
                pos = found.end()
                if raw[found.start()] == 92:        # 92: backslash
                    if pos >= size:
                        self.escape = True
                        break
                    pos += 1
                    continue
                in_string = False
                if depth == 0:
                    self._reset_scan()
                    return pos
                continue
            found = _STRUCTURE.search(raw, pos)
            if found is None:
                break
            pos = found.end()
            byte = raw[found.start()]
            if byte == 34:                          # 34: '"'
                in_string = True
            elif byte in b"{[":
                depth += 1
            else:
                depth -= 1
                if depth <= 0:
                    self._reset_scan()
                    return pos
        self.depth, self.in_string = depth, in_string
        return -1

    def _end_of_input(self) -> Iterator[Message]:
        if self.parts is not None:
            yield self._unterminated(None)
        if self.arrow is not None:
            yield self._lone_arrow()

    # -- decoding and reporting -------------------------------------------------------

    def _decode(self, data: bytes, line: int, column: int, direction: Direction | None) -> Message:
        try:
            value = _loads(data)
        except (ValueError, RecursionError):
            pass
        else:
            value = _screen(data, value)
            if value is not _MISSING:
                return self._message(value, direction, line, column)
        self.number += 1
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            at_line, at_column = _offset_position(data, err.start, line, column)
            return self._malformed(f"not UTF-8: byte 0x{data[err.start]:02x} cannot start a character",
                                   at_line, at_column, data[data.rfind(b"\n", 0, err.start) + 1:])
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as err:
            at_line = line + err.lineno - 1
            at_column = err.colno + (column - 1 if err.lineno == 1 else 0)
            return self._malformed(f"not JSON: {_json_reason(err, text)}", at_line, at_column,
                                   data.split(b"\n")[err.lineno - 1])
        except RecursionError:
            return self._malformed("not JSON: nested too deeply", line, column, data)
        except ValueError as err:
            return self._malformed(f"not JSON: {err}", line, column, data)
        refused = _refused_by_qemu(text)
        if refused is not None:
            reason, offset = refused
            at_line, at_column = _offset_position(data, len(text[:offset].encode("utf-8", "surrogatepass")),
                                                  line, column)
            return self._malformed(reason, at_line, at_column, data[data.rfind(b"\n", 0, offset) + 1:])
        self.number -= 1
        return self._message(jsonvalues.mark_floats(value), direction, line, column)

    def _malformed(self, reason: str, line: int, column: int, data: bytes) -> Message:
        """A malformed message; its number is already counted."""
        self.stats.kinds["malformed"] += 1
        excerpt = data.split(b"\n", 1)[0].strip().decode("utf-8", "replace")
        if len(excerpt) > 60:
            excerpt = excerpt[:57] + "..."
        problem = _new(Malformed, (reason, line, column, excerpt))
        return _new(Message, ("malformed", None, problem, None, self.name, line, column, self.number, None))

    def _unterminated(self, before: int | None) -> Message:
        self.number += 1
        parts, self.parts = self.parts or [], None
        self._reset_scan()
        line, column = self.start
        where = f"before line {before}" if before is not None else "at the end of the input"
        return self._malformed(f"not JSON: the value is not closed {where}", line, column,
                               parts[0] if parts else b"")

    def _too_long(self, line: int, column: int) -> Message:
        self.number += 1
        return self._malformed(f"message longer than {self.options.max_message_bytes} bytes; skipped",
                               line, column, b"")

    def _lone_arrow(self) -> Message:
        assert self.arrow is not None
        direction, line, column = self.arrow
        self.arrow = None
        self.number += 1
        return self._malformed(f"'{direction}' with no message after it", line, column, direction.encode())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _restarted(stream: IO[bytes]) -> bool:
    """Whether a followed input must be read again from its start (and if
    so, it is ready for that)."""
    if isinstance(stream, FollowedFile):
        return stream.restart_if_changed()
    try:
        if os.fstat(stream.fileno()).st_size < stream.tell():
            stream.seek(0)
            return True
    except (OSError, ValueError):
        pass        # a pipe, or a stream without a file
    return False


class FollowedFile:
    """A log file read as it grows, as ``tail -F`` reads it.

    What was read is remembered by where it ended and by its first and last
    bytes, so that :meth:`restart_if_changed` (called while waiting for more)
    sees every way the file can start over: truncated (shorter than what
    was read), rewritten (truncated, then grown past the old size between
    two looks: the bytes read are no longer there), or replaced (another
    file at the path, as log rotation leaves it).  Then it reads the new
    content from its start.  A path that vanished is waited for."""

    _EDGE = 64

    def __init__(self, path: str) -> None:
        self.path = path
        self._file = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._identity = self._id(os.fstat(self._file.fileno()))
        self._offset = 0
        self._head = b""
        self._tail = b""

    @staticmethod
    def _id(info: os.stat_result) -> tuple[int, int]:
        return info.st_dev, info.st_ino

    def readline(self, limit: int = -1) -> bytes:
        line = self._file.readline(limit)
        if line:
            if len(self._head) < self._EDGE:
                self._head = (self._head + line)[:self._EDGE]
            self._tail = line[-self._EDGE:] if len(line) >= self._EDGE else (self._tail + line)[-self._EDGE:]
            self._offset += len(line)
        return line

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> FollowedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def restart_if_changed(self) -> bool:
        try:
            at_path = self._id(os.stat(self.path))
        except OSError:
            at_path = self._identity        # gone for now (rotated): wait
        if at_path != self._identity:
            try:
                fresh = open(self.path, "rb")  # noqa: SIM115 - kept as self._file
            except OSError:
                return False
            self._file.close()
            self._file = fresh
            self._identity = self._id(os.fstat(fresh.fileno()))
        elif self._same():
            return False
        else:
            self._file.seek(0)
        self._offset = 0
        self._head = self._tail = b""
        return True

    def _same(self) -> bool:
        """Whether the file still holds what was read, where it was read."""
        fd = self._file.fileno()
        try:
            if os.fstat(fd).st_size < self._offset:
                return False
            tail_at = self._offset - len(self._tail)
            return os.pread(fd, len(self._head), 0) == self._head \
                and os.pread(fd, len(self._tail), tail_at) == self._tail
        except OSError:
            return True


def _screen(data: bytes, value: Any) -> Any:
    """``value``, decoded from the JSON text ``data`` by a fast reader, as
    QEMU reads it: marked (:func:`jsonvalues.mark_floats`) when it may hold
    an integral float, or ``_MISSING`` when it may be JSON that QEMU
    refuses though the reader took it, to be read again carefully: an
    object with a key twice (the reader keeps the last), a lone surrogate
    escape.  Cheap: a key dropped as a duplicate takes its quotes with it,
    so ``data`` has more of them than ``value`` written out again (which
    escapes every quote inside a string, as ``data`` does unless it writes
    one as ``\\u0022``; any ``\\u`` escape is read carefully)."""
    if 92 in data and data.find(b"\\u") >= 0:                 # 92: a backslash
        return _MISSING
    try:
        written = _dumps(value)
    except (TypeError, ValueError, OverflowError):
        return _MISSING     # not plain JSON data for the encoder: look
    if data.count(34) != written.count(34):                     # 34: a quote
        return _MISSING
    if (46 in written or 43 in written) and jsonvalues.integral_float_syntax(written):   # '.', '+'
        return jsonvalues.mark_walked(value)
    return value




def _refused_by_qemu(text: str) -> tuple[str, int] | None:
    """Why QEMU's JSON parser refuses the JSON ``text`` that Python's
    accepts, and the character offset where; None when it does not."""
    try:
        parse_json(text)
    except ValueError as err:
        reason, start = err.args[0], err.args[1]
        if "nested too deeply" not in reason:
            return f"QEMU refuses this JSON: {reason}", start
    except RecursionError:
        pass
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKeyError as dup:
        return f"QEMU refuses this JSON: duplicate member '{dup.args[0]}'", 0
    except (ValueError, RecursionError):
        pass
    if _LONE_SURROGATE.search(text):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "QEMU refuses this JSON: a lone UTF-16 surrogate escape is not a character", 0
    return None


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return out


_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


_raw_decode = json.JSONDecoder(parse_constant=_no_constant).raw_decode


def _json_reason(err: json.JSONDecodeError, text: str) -> str:
    """The decoder's complaint, reworded where it is cryptic."""
    found = text[err.pos] if err.pos < len(text) else ""
    if err.msg.startswith("Invalid control character"):
        if found in "\r\n":
            return "a string is not closed before the end of the line"
        return f"control character {found!r} in a string must be written as an escape"
    if err.msg.startswith("Unterminated string"):
        return "a string is not closed"
    if err.msg == "Extra data":
        return f"more text after the value, starting with {found!r}"
    reason = err.msg[:1].lower() + err.msg[1:]
    if not text[err.pos:].strip():
        return reason + ", found the end of the message"
    if reason.startswith("expecting"):
        return f"{reason}, found {found!r}"
    return reason


def _starts_message(raw: bytes) -> bool:
    """Whether a line surely starts a new message: an arrow, or ``{`` in
    the first column."""
    return raw[:1] == b"{" or raw.lstrip(_JSON_SPACE).startswith(_ARROWS)


def _column(raw: bytes, pos: int) -> int:
    """The 1-based column, in characters, of byte offset ``pos``."""
    if raw[:pos].isascii():
        return pos + 1
    return len(raw[:pos].decode("utf-8", "replace")) + 1


def _offset_position(data: bytes, offset: int, line: int, column: int) -> tuple[int, int]:
    newlines = data.count(b"\n", 0, offset)
    if not newlines:
        return line, column + len(data[:offset].decode("utf-8", "replace"))
    start = data.rindex(b"\n", 0, offset) + 1
    return line + newlines, _column(data[start:], offset - start)
