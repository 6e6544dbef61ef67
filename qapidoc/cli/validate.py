"""``qapidoc validate SCHEMA [LOG...]``: check QMP traffic against a schema.

Reads each LOG (standard input when there is none, or for ``-``) with
:func:`qapidoc.backends.traffic.read_traffic`, checks every message with
:class:`qapidoc.backends.validate.QmpValidator` (a request against its command's
arguments, a reply against the command it answers, an error reply against
the error shape, an event against its event, the greeting), and reports
each violation with its position in the log, the definition it was checked
against, the JSON path inside the message and a plain reason.  Exit 1 when
anything was reported.  A success reply whose request is not in the log
is valid when some command it could answer (:mod:`qapidoc.backends.replies`)
accepts it.  Findings about the schema that leave its model complete (doc
comments) are printed on stderr and check the traffic anyway.

:func:`check_traffic` is the checking loop, usable without the command
line: it yields a :class:`Finding` per violation and adds up what it saw
in a :class:`CheckStats`.  With jsonschema-rs installed a valid message
costs one call into it; python-jsonschema only explains the messages that
fail.

Placeholders (``--placeholder timestamp``): test suites replace values that
change from run to run (timestamps, say) by strings.  A placeholder names a
JSON path; a string at or under that path that the schema refuses only for
its type or value is tolerated, counted, and listed in the summary, never
dropped silently.  A placeholder that tolerated nothing is warned about.
"""

from __future__ import annotations

import argparse
import fnmatch
import gc
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TextIO

from ..backends.examples import value_at
from ..backends.jsonvalues import FloatsInside
from ..backends.replies import ReplyShapes
from ..backends.traffic import (
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_MAX_PENDING,
    KINDS,
    FollowedFile,
    Message,
    ReadOptions,
    TrafficStats,
    json_backend,
    read_traffic,
)
from ..backends.validate import MessageKind, QmpValidator, Violation
from ..records import NamedTuple
from ..report import format_diagnostics
from .common import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    add_rule_options,
    add_schema_options,
    check_schemas,
    config_diagnostics,
    read_settings,
    usable_model,
)

__all__ = [
    "CheckStats",
    "Finding",
    "Placeholder",
    "PlaceholderUse",
    "add_arguments",
    "check_traffic",
    "describe_engine",
    "format_path",
    "parse_placeholder",
    "run",
]

JsonPath = tuple[str | int, ...]


class Finding(NamedTuple):
    """One violation, in the message where it was found."""

    message: Message
    violation: Violation


# --- placeholders ----------------------------------------------------------------------

#: keywords that refuse a value for what it is (not for members it lacks
#: or has too many of): the only ones a placeholder can excuse
_VALUE_KEYWORDS = frozenset({
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "anyOf", "oneOf", "pattern", "minLength", "maxLength", "format",
})

_PATH_PART = re.compile(r"[^.\[\]]+|\[\d+\]|\[\*\]")


@dataclass(frozen=True, slots=True)
class Placeholder:
    """``PATH[=GLOB]``: a string matching GLOB (default ``*``) is accepted
    at PATH and under it.  PATH is member names joined by ``.`` from the
    top of the message (``timestamp``, ``data.offset``, ``return[0].id``),
    where ``*`` stands for one member name or index and ``**`` for any
    number of them (``**.node-name``)."""

    spec: str
    path: tuple[str, ...]
    glob: str = "*"

    def tolerates(self, violation: Violation, message: object) -> bool:
        if violation.keyword not in _VALUE_KEYWORDS:
            return False
        if not _path_matches(self.path, violation.path):
            return False
        value = value_at(message, violation.path)
        return isinstance(value, str) and fnmatch.fnmatchcase(value, self.glob)


def parse_placeholder(spec: str) -> Placeholder:
    """Read a ``--placeholder`` argument; ValueError says what is wrong."""
    path_text, sep, glob = spec.partition("=")
    path_text = path_text.strip()
    if path_text.startswith("$"):
        path_text = path_text[1:].lstrip(".")
    if sep and not glob:
        raise ValueError(f"placeholder {spec!r}: nothing after '='; use '{path_text}=*' to accept any string")
    parts: list[str] = []
    pos = 0
    while pos < len(path_text):
        found = _PATH_PART.match(path_text, pos)
        if found is None:
            raise ValueError(f"placeholder {spec!r}: expected a member name at {path_text[pos:]!r}")
        part = found.group()
        parts.append(part[1:-1] if part.startswith("[") else part)
        pos = found.end()
        if pos < len(path_text) and path_text[pos] == ".":
            pos += 1
            if pos == len(path_text):
                raise ValueError(f"placeholder {spec!r}: the path ends with '.'")
    if not parts:
        raise ValueError(f"placeholder {spec!r}: expected a JSON path such as 'timestamp' or 'data.offset'")
    return Placeholder(spec, tuple(parts), glob or "*")


def _path_matches(pattern: tuple[str, ...], path: JsonPath) -> bool:
    """Whether ``pattern`` matches the start of ``path``.

    A set of positions in the pattern is carried along the path (an NFA):
    time is at most the product of the two lengths, however many ``**``
    the pattern holds (trying each split of the path for each ``**`` in
    turn would take time exponential in their number)."""
    end = len(pattern)
    states = _skip_stars(pattern, {0})
    for part in path:
        if end in states:
            return True
        text = str(part)
        moved: set[int] = set()
        for at in states:
            head = pattern[at]
            if head == "**":
                moved.add(at)
            elif head in ("*", text):
                moved.add(at + 1)
        if not moved:
            return False
        states = _skip_stars(pattern, moved)
    return end in states


def _skip_stars(pattern: tuple[str, ...], states: set[int]) -> set[int]:
    """``states`` and the positions after each ``**`` in it (which may
    match no part at all)."""
    out = set(states)
    todo = [at for at in states if at < len(pattern) and pattern[at] == "**"]
    while todo:
        after = todo.pop() + 1
        if after not in out:
            out.add(after)
            if after < len(pattern) and pattern[after] == "**":
                todo.append(after)
    return out


# --- checking ----------------------------------------------------------------------------

@dataclass(slots=True)
class PlaceholderUse:
    """How often a placeholder excused a violation, and where first."""

    placeholder: Placeholder
    count: int = 0
    first: Message | None = None


@dataclass(slots=True)
class CheckStats:
    """What :func:`check_traffic` saw."""

    violations: int = 0
    #: messages with at least one violation reported
    bad_messages: int = 0
    placeholders: list[PlaceholderUse] = field(default_factory=list)
    traffic: TrafficStats = field(default_factory=TrafficStats)
    #: the run was stopped (Ctrl-C) before the end of its input
    interrupted: bool = False
    #: unpaired replies that only a command returning 'any' accepts, by command
    unpaired_only_anything: dict[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return self.traffic.messages

    @property
    def kinds(self) -> dict[str, int]:
        return self.traffic.kinds


_Verdict = Callable[[Any], bool]
_EXPLANATION_CACHE = 1024


def _never(value: object) -> bool:
    return False


class _UnpairedReplies:
    """Success replies whose request was not seen.  One is valid when the
    reply of some command it could answer accepts it: the commands whose
    reply has its shape (:meth:`ReplyShapes.candidates`, likeliest first).
    A command whose reply may be anything ('qom-get') counts only for a
    reply that no other command's reply fits by shape: else every reply
    would pass."""

    def __init__(self, validator: QmpValidator, shapes: ReplyShapes, stats: CheckStats) -> None:
        self.validator = validator
        self.shapes = shapes
        self.stats = stats
        self.verdicts: dict[str, _Verdict] = {}

    def _accepts(self, name: str, value: Any) -> bool:
        verdict = self.verdicts.get(name)
        if verdict is None:
            verdict = self.verdicts[name] = self.validator.verdict("reply", name)
        return verdict(value)

    def _candidates(self, value: dict[str, Any]) -> tuple[list[str], bool]:
        """The commands to try, and whether they are those that may return
        anything (no other fits)."""
        candidates = self.shapes.candidates(value)
        anything = self.shapes.return_anything
        specific = [name for name in candidates if name not in anything]
        return (specific, False) if specific else (candidates, True)

    def __call__(self, value: Any) -> bool:
        """The verdict; it may raise ValueError as jsonschema-rs does."""
        if not isinstance(value, dict):
            return False
        candidates, fallback = self._candidates(value)
        for name in candidates:
            if self._accepts(name, value):
                if fallback:
                    only = self.stats.unpaired_only_anything
                    only[name] = only.get(name, 0) + 1
                return True
        return False

    def explain(self, value: Any) -> list[Violation]:
        validator = self.validator
        shape = validator.any_message(value, "<-")
        if shape:
            return shape        # not even a reply
        try:
            if self(value):
                return []
        except (ValueError, TypeError, OverflowError, RecursionError):
            pass
        candidates, fallback = self._candidates(value)
        if not candidates or fallback:
            return [Violation(("return",), "candidates",
                              f"no command returns {_shape_words(value.get('return'))}", None)]
        closest = candidates[0]
        head = Violation((), "candidates", "no command's reply accepts it; by its shape it could answer "
                         f"{_names(candidates)} (checked against '{closest}' below)", None)
        return [head, *validator.reply(closest, value)]


def _names(names: Sequence[str], limit: int = 4) -> str:
    shown = [f"'{n}'" for n in names[:limit]]
    if len(names) > limit:
        return ", ".join(shown) + f" or {len(names) - limit} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _shape_words(value: object) -> str:
    if isinstance(value, dict):
        members = ", ".join(f"'{k}'" for k in list(value)[:4]) + (", ..." if len(value) > 4 else "")
        return f"an object with member{'s' if len(value) != 1 else ''} {members}" if value else "an empty object"
    if isinstance(value, list):
        return "an array like this one"
    return f"a value like {_show(value)}"


class _Checker:
    """Yes/no verdicts per (kind, name), and explanations of a no."""

    def __init__(self, validator: QmpValidator, unpaired: _UnpairedReplies | None = None) -> None:
        self.validator = validator
        self.unpaired = unpaired
        self.verdicts: dict[str, dict[str | None, _Verdict]] = {kind: {} for kind in KINDS}
        #: for messages that hold integral floats (FloatsInside)
        self.strict_verdicts: dict[str, dict[str | None, _Verdict]] = {kind: {} for kind in KINDS}
        self.explained: dict[tuple[str, str | None, str | None, bytes], list[Violation]] = {}
        if unpaired is not None and validator.fast:
            self.verdicts["reply"][None] = unpaired

    def verdict(self, kind: str, name: str | None, *, strict: bool = False) -> _Verdict:
        table = self.strict_verdicts if strict else self.verdicts
        verdict = table[kind].get(name)
        if verdict is None:
            verdict = table[kind][name] = self._make_verdict(kind, name, strict)
        return verdict

    def _make_verdict(self, kind: str, name: str | None, strict: bool) -> _Verdict:
        key = self._schema_key(kind, name)
        if key is None or not self.validator.fast:
            return _never       # explained every time: the explanation is the check
        verdict: _Verdict = self.validator.verdict(*key, strict=strict)
        return verdict

    def _schema_key(self, kind: str, name: str | None) -> tuple[MessageKind, str] | None:
        gen = self.validator.generated
        if kind == "request":
            return ("request", name) if name is not None and name in gen.requests else None
        if kind == "reply":
            if name is None or name not in gen.requests:
                return ("reply", "")
            return ("reply", name) if name in gen.replies else None
        if kind == "event":
            return ("event", name) if name is not None and name in gen.events else None
        if kind == "error":
            return ("error", "")
        if kind == "greeting":
            return ("greeting", "")
        return None

    def explain(self, message: Message) -> list[Violation]:
        kind, name, value = message.kind, message.name, message.value
        if kind == "malformed":
            return [Violation((), "syntax", value.reason, None)]
        if not self.validator.fast:
            return self._explain(kind, name, value, message)
        try:
            key = (kind, name, message.direction, _canonical(value))
        except (TypeError, ValueError, RecursionError):
            return self._explain(kind, name, value, message)
        found = self.explained.get(key)
        if found is None:
            if len(self.explained) >= _EXPLANATION_CACHE:
                self.explained.clear()
            found = self.explained[key] = self._explain(kind, name, value, message)
        return found

    def _explain(self, kind: str, name: str | None, value: Any, message: Message) -> list[Violation]:
        try:
            return self._explain_by_kind(kind, name, value, message)
        except RecursionError:
            # python-jsonschema recurses a few frames per level of nesting
            what = _describe(message) or "message"
            return [Violation((), "depth", f"this {what} does not match its schema; it is nested too deeply "
                                           "to say where", name)]

    def _explain_by_kind(self, kind: str, name: str | None, value: Any, message: Message) -> list[Violation]:
        validator = self.validator
        if kind == "request":
            return validator.request(value)
        if kind == "reply":
            if name is None and self.unpaired is not None:
                return self.unpaired.explain(value)
            if name is None or not validator.has_command(name):
                return validator.any_message(value, "<-")
            return validator.reply(name, value)
        if kind == "error":
            return validator.error_reply(value)
        if kind == "event":
            return validator.event(value)
        if kind == "greeting":
            return validator.greeting(value)
        if message.direction == "<-":
            return validator.any_message(value, "<-")
        if not isinstance(value, dict):
            return [Violation((), "type", f"expected a QMP message (an object), got {_show(value)}", None)]
        return [Violation((), "required", "not a QMP message: expected member 'execute', 'exec-oob', "
                                          "'QMP', 'event', 'return' or 'error'", None)]


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _show(value: object) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_traffic(messages: Iterable[Message], validator: QmpValidator,
                  placeholders: Sequence[Placeholder] = (),
                  stats: CheckStats | None = None, replies: ReplyShapes | None = None) -> Iterator[Finding]:
    """Check each message; yield a :class:`Finding` per violation, in input
    order.  Violations a placeholder tolerates are counted in
    ``stats.placeholders``, not yielded; when it is already filled (one
    :class:`CheckStats` for several logs), the counts go on there.

    A success reply whose request was not seen is valid when the reply of
    some command accepts it; ``replies`` (made from the same schema) says
    which commands could have sent it.  Without it, such a reply is checked
    against the reply shape only."""
    stats = stats if stats is not None else CheckStats()
    if not stats.placeholders:
        stats.placeholders = [PlaceholderUse(p) for p in placeholders]
    uses = stats.placeholders
    checker = _Checker(validator, None if replies is None else _UnpairedReplies(validator, replies, stats))
    verdicts = checker.verdicts
    for message in messages:
        kind = message[0]
        found = verdicts[kind].get(message[1]) if type(message[2]) is not FloatsInside else None
        verdict = found if found is not None else checker.verdict(
            kind, message[1], strict=type(message[2]) is FloatsInside)
        try:
            if verdict(message[2]):
                continue
        except (ValueError, TypeError, OverflowError, RecursionError):
            pass        # not plain JSON data for jsonschema-rs: explain it
        violations = checker.explain(message)
        if uses and violations:
            violations = _tolerate(violations, message, uses)
        if violations:
            stats.bad_messages += 1
            stats.violations += len(violations)
            for violation in violations:
                yield Finding(message, violation)


def _tolerate(violations: list[Violation], message: Message, uses: list[PlaceholderUse]) -> list[Violation]:
    kept: list[Violation] = []
    for violation in violations:
        for use in uses:
            if use.placeholder.tolerates(violation, message.value):
                use.count += 1
                if use.first is None:
                    use.first = message
                break
        else:
            kept.append(violation)
    return kept


# --- output ------------------------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def format_path(path: JsonPath) -> str:
    """``$``, ``$.return.status``, ``$.return[0].name``."""
    out = ["$"]
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _NAME.match(part):
            out.append("." + part)
        else:
            out.append("[" + json.dumps(part) + "]")
    return "".join(out)


def _describe(message: Message) -> str:
    """What the message is, in words: "reply to 'query-status' (line 11)";
    "" when it is nothing QMP knows."""
    kind, name = message.kind, message.name
    request = message.request
    if kind == "request":
        return f"request '{name}'" if name is not None else "request"
    if kind in ("reply", "error"):
        what = "reply" if kind == "reply" else "error reply"
        if request is None:
            return f"{what} to no request seen"
        if name is None:
            return f"{what} to the request at line {request.line}"
        return f"{what} to '{name}' (line {request.line})"
    if kind == "event":
        return f"event '{name}'" if name is not None else "event"
    if kind == "greeting":
        return "greeting"
    return ""


def _position(message: Message) -> tuple[int, int]:
    value = message.value
    if message.kind == "malformed":
        return value.line, value.column
    return message.line, message.column


def format_finding_text(finding: Finding) -> str:
    message, violation = finding
    line, column = _position(message)
    where = f"{message.file}:{line}:{column}"
    if message.kind == "malformed":
        excerpt = message.value.excerpt
        return (f"{where}: error: message {message.number}: {violation.message} [syntax]\n"
                + (f"    {excerpt}\n" if excerpt else ""))
    tag = violation.keyword if violation.definition is None else f"{violation.keyword} in {violation.definition}"
    what = _describe(message)
    return (f"{where}: error: message {message.number}{', ' + what if what else ''}: "
            f"{format_path(violation.path)}: {violation.message} [{tag}]\n")


def finding_dict(finding: Finding) -> dict[str, Any]:
    message, violation = finding
    line, column = _position(message)
    out: dict[str, Any] = {
        "severity": "error",
        "file": message.file,
        "line": line,
        "column": column,
        "message_number": message.number,
        "kind": message.kind,
        "name": message.name,
        "direction": message.direction,
        "definition": violation.definition,
        "path": list(violation.path),
        "json_path": format_path(violation.path),
        "keyword": violation.keyword,
        "message": violation.message,
        "context": _describe(message),
    }
    if message.request is not None:
        out["request"] = {"line": message.request.line, "column": message.request.column,
                          "message_number": message.request.number}
    if message.kind == "malformed":
        out["excerpt"] = message.value.excerpt
    return out


def summary_dict(stats: CheckStats) -> dict[str, Any]:
    traffic = stats.traffic
    return {
        "complete": not stats.interrupted,
        "files": traffic.files,
        "lines": traffic.lines,
        "messages": stats.messages,
        "kinds": dict(stats.kinds),
        "violations": stats.violations,
        "messages_with_violations": stats.bad_messages,
        "unpaired_replies": traffic.unpaired_replies,
        "unpaired_replies_only_anything": dict(stats.unpaired_only_anything),
        "unanswered_requests": traffic.unanswered_requests,
        "dropped_requests": traffic.dropped_requests,
        "truncations": traffic.truncations,
        "placeholders": [
            {"placeholder": use.placeholder.spec, "tolerated": use.count,
             "first": None if use.first is None else
             {"file": use.first.file, "line": use.first.line, "message_number": use.first.number}}
            for use in stats.placeholders],
    }


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


_KIND_WORDS = {"request": ("request", None), "reply": ("reply", "replies"), "error": ("error reply", "error replies"),
               "event": ("event", None), "greeting": ("greeting", None), "unknown": ("unknown", "unknown"),
               "malformed": ("malformed", "malformed")}


def format_summary_text(stats: CheckStats) -> str:
    traffic = stats.traffic
    kinds = ", ".join(_plural(n, *_KIND_WORDS[k]) for k, n in stats.kinds.items() if n)
    found = (f"{_plural(stats.violations, 'violation')} in {_plural(stats.bad_messages, 'message')}"
             if stats.violations else "no violations")
    checked = f"checked {_plural(stats.messages, 'message')}" + (f" ({kinds})" if kinds else "")
    if stats.interrupted:
        lines = [f"interrupted: {checked} in {_plural(traffic.files, 'file')} ({_plural(traffic.lines, 'line')} "
                 f"read) before the end of the input: {_plural(stats.violations, 'violation')} in what was read; "
                 "the rest was not checked"]
    else:
        lines = [f"{checked} in {_plural(traffic.files, 'file')}: {found}"]
    for use in stats.placeholders:
        if use.first is None:
            lines.append(f"warning: placeholder '{use.placeholder.spec}' matched nothing")
        else:
            lines.append(f"note: placeholder '{use.placeholder.spec}' tolerated {_plural(use.count, 'value')} "
                         f"(first at {use.first.file}:{use.first.line}, message {use.first.number})")
    if traffic.unpaired_replies:
        verb = "answers" if traffic.unpaired_replies == 1 else "answer"
        lines.append(f"note: {_plural(traffic.unpaired_replies, 'reply', 'replies')} {verb} no request seen; "
                     "each was checked against every command whose reply it could be")
    for command, count in stats.unpaired_only_anything.items():
        lines.append(f"note: {_plural(count, 'of them', 'of them')} fit only '{command}', whose reply may be "
                     "anything")
    if traffic.unanswered_requests:
        examples = ", ".join(f"'{p.command}' at {f}:{p.line}" for f, p in traffic.unanswered_examples)
        lines.append(f"note: {_plural(traffic.unanswered_requests, 'request')} got no reply ({examples})")
    if traffic.dropped_requests:
        lines.append(f"note: {_plural(traffic.dropped_requests, 'request')} forgotten unanswered: more than "
                     "--max-pending were waiting at once")
    if traffic.truncations:
        lines.append(f"note: the followed file was truncated or replaced {_plural(traffic.truncations, 'time')}; "
                     "read again from its start")
    return "\n".join(lines) + "\n"


class _Output:
    """Writes findings as they come, then the summary."""

    def __init__(self, out: TextIO, fmt: str, *, flush: bool, quiet: bool) -> None:
        self.out = out
        self.fmt = fmt
        self.flush = flush
        self.quiet = quiet
        self.count = 0
        if fmt == "json":
            out.write('{"violations": [')

    def finding(self, finding: Finding) -> None:
        out = self.out
        if self.fmt == "text":
            out.write(format_finding_text(finding))
        elif self.fmt == "json":
            out.write(("\n  " if not self.count else ",\n  ") + json.dumps(finding_dict(finding)))
        else:
            out.write(json.dumps(finding_dict(finding)) + "\n")
        self.count += 1
        if self.flush:
            out.flush()

    def finish(self, stats: CheckStats) -> None:
        out = self.out
        if self.fmt == "text":
            if not self.quiet:
                out.write(format_summary_text(stats))
        elif self.fmt == "json":
            out.write(("\n" if self.count else "") + '],\n"summary": '
                      + json.dumps(summary_dict(stats), indent=2) + "}\n")
        else:
            out.write(json.dumps({"summary": summary_dict(stats)}) + "\n")
        out.flush()


# --- the command -------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("schema", metavar="SCHEMA", help="schema root file")
    parser.add_argument("logs", nargs="*", metavar="LOG",
                        help="QMP traffic: JSON Lines, concatenated JSON, or a '->'/'<-' transcript "
                             "(default, and for '-': standard input)")
    add_schema_options(parser)
    add_rule_options(parser)
    parser.add_argument("--format", choices=["text", "json", "jsonl"], default="text",
                        help="output format (default: text)")
    parser.add_argument("--placeholder", metavar="PATH[=GLOB]", action="append", default=[],
                        help="accept a string matching GLOB (default '*') at PATH and under it, e.g. "
                             "'timestamp' or 'timestamp.*=SECS' (repeatable); what is accepted is "
                             "counted in the summary")
    parser.add_argument("--define", metavar="NAME", action="append",
                        help="a configuration symbol the QEMU build defines (repeatable); with any, "
                             "what the build lacks is refused")
    parser.add_argument("-f", "--follow", action="store_true",
                        help="keep reading the LOG as it grows, as 'tail -f' does (stop with Ctrl-C: "
                             "exit 130, or with --idle-timeout)")
    parser.add_argument("--idle-timeout", metavar="SECONDS", type=_positive_float,
                        help="with --follow: stop after this long without new input")
    parser.add_argument("--max-pending", metavar="N", type=_positive_int, default=DEFAULT_MAX_PENDING,
                        help="requests remembered while they wait for a reply "
                             f"(default: {DEFAULT_MAX_PENDING})")
    parser.add_argument("--max-message-bytes", metavar="N", type=_positive_int,
                        default=DEFAULT_MAX_MESSAGE_BYTES,
                        help=f"longest message read (default: {DEFAULT_MAX_MESSAGE_BYTES})")
    parser.add_argument("-q", "--quiet", action="store_true", help="text format: no summary")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return value


def _error(text: str) -> None:
    sys.stderr.write(f"qapidoc validate: {text}\n")


def run(args: argparse.Namespace, out: TextIO | None = None, stdin: IO[bytes] | None = None) -> int:
    out = out if out is not None else sys.stdout
    try:
        placeholders = [parse_placeholder(spec) for spec in args.placeholder]
    except ValueError as err:
        _error(str(err))
        return EXIT_USAGE
    logs: list[str] = list(args.logs) or ["-"]
    if args.follow and len(logs) > 1:
        _error("--follow reads one LOG")
        return EXIT_USAGE
    if args.idle_timeout is not None and not args.follow:
        _error("--idle-timeout goes with --follow")
        return EXIT_USAGE
    if args.define is not None and any(not d or any(c.isspace() for c in d) for d in args.define):
        _error("--define needs a symbol name")
        return EXIT_USAGE

    settings = read_settings(args, [args.schema])
    if settings.errors:
        sys.stderr.write(format_diagnostics(config_diagnostics(settings.errors), "text"))
        return EXIT_USAGE
    # The model alone is checked against: the doc comments are let go once
    # checked, as 'check' does.
    checked = check_schemas([args.schema], settings._replace(load=settings.load._replace(keep_docs=False)))
    result = checked.loaded[0]
    stop = usable_model("validate", args.schema, result, checked.diagnostics, sys.stderr,
                        "the checks of traffic", "no traffic checked")
    if stop is not None:
        return stop
    assert result.schema is not None
    del checked
    validator = QmpValidator(result.schema, defines=frozenset(args.define) if args.define else None)
    replies = ReplyShapes(result.schema, validator.generated.replies)
    # The schema, its model and its JSON Schemas live as long as the check:
    # keep the cyclic collector from scanning them again and again while
    # millions of short-lived messages go by (30-40 % of the time).
    del result
    gc.freeze()
    try:
        return _check_logs(args, logs, validator, placeholders, out, stdin, replies)
    finally:
        gc.unfreeze()


def _check_logs(args: argparse.Namespace, logs: list[str], validator: QmpValidator,
                placeholders: list[Placeholder], out: TextIO, stdin: IO[bytes] | None,
                replies: ReplyShapes | None = None) -> int:
    options = ReadOptions(max_pending=args.max_pending, max_message_bytes=args.max_message_bytes,
                          follow=args.follow, idle_timeout=args.idle_timeout)
    stats = CheckStats(placeholders=[PlaceholderUse(p) for p in placeholders])
    output = _Output(out, args.format, flush=args.follow, quiet=args.quiet)
    unreadable = False
    try:
        for log in logs:
            if not _check_log(log, validator, placeholders, options, stats, output, stdin, replies):
                unreadable = True
    except KeyboardInterrupt:
        # Ctrl-C (also the end of --follow): what was read is reported,
        # and said to be only part of the input.
        stats.interrupted = True
        output.finish(stats)
        return EXIT_INTERRUPTED
    output.finish(stats)
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if stats.violations else EXIT_OK


def _check_log(log: str, validator: QmpValidator, placeholders: Sequence[Placeholder], options: ReadOptions,
               stats: CheckStats, output: _Output, stdin: IO[bytes] | None,
               replies: ReplyShapes | None = None) -> bool:
    """Check one LOG; False if it cannot be read (said on stderr)."""
    if log == "-":
        _check_stream(stdin if stdin is not None else sys.stdin.buffer, "<stdin>", validator, placeholders,
                      options, stats, output, replies)
        return True
    try:
        with (FollowedFile(log) if options.follow else open(log, "rb")) as stream:
            _check_stream(stream, log, validator, placeholders, options, stats, output,  # type: ignore[arg-type]
                          replies)
    except BrokenPipeError:
        raise       # the output was closed (| head): not a LOG that cannot be read
    except OSError as err:
        _error(f"can't read '{log}': {err.strerror or err}")
        return False
    return True


def _check_stream(stream: IO[bytes], name: str, validator: QmpValidator, placeholders: Sequence[Placeholder],
                  options: ReadOptions, stats: CheckStats, output: _Output,
                  replies: ReplyShapes | None = None) -> None:
    messages = read_traffic(stream, name, options, stats.traffic)
    try:
        for finding in check_traffic(messages, validator, placeholders, stats, replies):
            output.finding(finding)
    finally:
        messages.close()        # the counts are complete, even after Ctrl-C


def describe_engine(validator: QmpValidator) -> str:
    """Which libraries do the work, for benchmarks and bug reports."""
    return f"{json_backend()} + {'jsonschema-rs' if validator.fast else 'python-jsonschema'}"
