"""QD5xx: the QMP examples of doc comments, checked against the schema.

Each example is read by :mod:`qapidoc.backends.examples`; then, message by message
in source order:

* a message that is not JSON is QD501, at the exact line and column;
* a request names a command the schema defines (QD502) and its arguments
  match that command's (QD504); it waits for its reply;
* a reply is paired with the oldest request still waiting (or the one with
  the same ``id``) and checked against that command's returns (QD505); an
  error reply against the error shape (QD507); a reply that follows no
  request is QD511, and is checked against the documented command;
* an event names an event the schema defines (QD503), has a timestamp
  (QD510) and its data matches (QD506);
* arrows: missing (QD508), or the other peer's (QD509).

The JSON Schema validation itself is :class:`qapidoc.backends.validate.QmpValidator`'s.
Elision relaxes ``required`` where it stands, and nothing else.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from .. import rules
from ..backends.examples import JsonPath, Message, ParsedExample, parse_examples, value_at
from ..diagnostics import Context, Diagnostic, Note
from ..frontend.docs import DocComment
from ..frontend.expressions import Definition
from ..frontend.model import (
    AlternateType,
    ArrayType,
    BuiltinType,
    CommandEntity,
    Entity,
    EventEntity,
    ObjectType,
    Schema,
)
from ..records import NamedTuple
from ..rules import Rule
from ..source import Span

__all__ = ["RULES", "ValidatorLike", "ViolationLike", "check_examples", "make_validator"]

RULES: tuple[Rule, ...] = tuple(r for r in rules.ALL_RULES if r.code.startswith("QD5"))


class ViolationLike(Protocol):
    @property
    def path(self) -> tuple[str | int, ...]: ...
    @property
    def keyword(self) -> str: ...
    @property
    def message(self) -> str: ...


class ValidatorLike(Protocol):
    def has_command(self, name: str) -> bool: ...
    def has_event(self, name: str) -> bool: ...
    def request(self, message: object) -> Sequence[ViolationLike]: ...
    def reply(self, command: str, message: object) -> Sequence[ViolationLike]: ...
    def error_reply(self, message: object) -> Sequence[ViolationLike]: ...
    def event(self, message: object) -> Sequence[ViolationLike]: ...
    def any_message(self, message: object, direction: Literal["->", "<-"]) -> Sequence[ViolationLike]: ...


def make_validator(schema: Schema) -> ValidatorLike | None:
    """A :class:`qapidoc.backends.validate.QmpValidator` for ``schema``, or None when
    that module is not available (then only what needs no JSON Schema is
    checked)."""
    try:
        from ..backends.validate import QmpValidator
    except ImportError:
        return None
    validator: ValidatorLike = QmpValidator(_completed(schema))
    return validator


def _completed(schema: Schema) -> Schema:
    """``schema``, where a type it uses but does not define (a module
    checked on its own) accepts any value: what the module alone cannot
    tell is not reported."""
    referenced: set[str] = set()
    for entity in schema.entities.values():
        if isinstance(entity, ObjectType):
            referenced.update(m.type for m in entity.members)
            if entity.variants is not None:
                referenced.update(b.type for b in entity.variants.branches)
        elif isinstance(entity, AlternateType):
            referenced.update(b.type for b in entity.variants.branches)
        elif isinstance(entity, ArrayType):
            referenced.add(entity.element)
        elif isinstance(entity, CommandEntity):
            referenced.update(t for t in (entity.arg_type, entity.ret_type) if t is not None)
        elif isinstance(entity, EventEntity) and entity.arg_type is not None:
            referenced.add(entity.arg_type)
    missing = referenced - schema.entities.keys()
    if not missing:
        return schema
    entities: dict[str, Entity] = dict(schema.entities)
    entities.update((name, BuiltinType(name, "value")) for name in sorted(missing))
    return schema._replace(entities=entities)


class _Pending(NamedTuple):
    message: Message
    command: str | None         # None: unknown command, its reply is not checked


@dataclass(slots=True)
class _Checker:
    schema: Schema
    validator: ValidatorLike | None
    out: list[Diagnostic] = field(default_factory=list)
    commands: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)
    definitions: dict[str, Definition] = field(default_factory=dict)
    #: complete messages that passed every check: (kind, name) -> values
    valid: dict[tuple[str, str], list[object]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.definitions = {d.name: d for d in self.schema.definitions}
        self.commands = {c.name for c in self.schema.commands()}
        self.events = {e.name for e in self.schema.events()}
        self.broken = set(self.schema.broken)
        for definition in self.schema.definitions:
            if definition.name not in self.schema.entities:
                self.broken.add(definition.name)

    def ask(self, m: Message, method: Callable[..., Sequence[ViolationLike]], *args: object) -> Sequence[ViolationLike]:
        """The validator's answer; a crash in it is QD999 on this message,
        and the other messages are still checked."""
        try:
            return method(*args)
        except Exception as exc:
            self.report(rules.INTERNAL_ERROR,
                        f"internal error while validating this message: {type(exc).__name__}: {exc}; "
                        "this is a bug in qapidoc, please report it", m.span, None)
            return ()

    def report(self, rule: Rule, message: str, span: Span, context: Context | None,
               notes: tuple[Note, ...] = ()) -> None:
        self.out.append(Diagnostic(rule, message, span, context, notes))

    # -- one doc comment ------------------------------------------------------

    def doc(self, doc: DocComment | None, examples: list[ParsedExample]) -> None:
        definition = self.definitions.get(doc.symbol) if doc is not None and doc.symbol else None
        context = definition.context if definition is not None else None
        shown: set[tuple[str, str]] = set()
        any_ok = False
        for parsed in examples:
            pending: deque[_Pending] = deque()
            for item in parsed.items:
                if item.kind == "prose" and parsed.code_block:
                    self.report(rules.EXAMPLE_PROSE_IN_CODE,
                                "this line of a plain '.. qmp-example::' block is not a QMP message; "
                                "write prose in an ':annotated:' example, outside its '::' blocks",
                                item.span, context)
                message = item.message
                if message is None:
                    continue
                if message.ok:
                    any_ok = True
                self.message(message, pending, doc, context, shown)
        if doc is not None and doc.symbol and any_ok and context is not None:
            self.elsewhere(doc, context, shown, examples)

    def elsewhere(self, doc: DocComment, context: Context, shown: set[tuple[str, str]],
                  examples: list[ParsedExample]) -> None:
        meta = context.meta
        symbol = doc.symbol or ""
        if meta not in ("command", "event") or (meta, symbol) in shown:
            return
        if any(not m.ok or m.kind == "unknown" for p in examples for m in p.messages):
            return
        if any(kind == "unknown-name" for kind, _ in shown):
            return        # a misspelt name is reported already
        what = "an 'execute' of" if meta == "command" else "the event"
        self.report(rules.EXAMPLE_ELSEWHERE,
                    f"the example of {meta} '{symbol}' shows no message of it ({what} '{symbol}')",
                    examples[0].example.span, context)

    # -- one message --------------------------------------------------------------

    def message(self, m: Message, pending: deque[_Pending], doc: DocComment | None,
                context: Context | None, shown: set[tuple[str, str]]) -> None:
        if m.error is not None:
            notes = tuple(Note(text, span) for text, span in m.error.related)
            self.report(rules.EXAMPLE_JSON, f"invalid JSON in example: {m.error.message}",
                        m.error.span, context, notes)
            if _looks_like_request(m):
                pending.append(_Pending(m, None))     # its reply is not an orphan
            return
        if m.elided_whole:
            return
        kind = m.kind
        head = m.span.file.span(m.span.start, m.span.start + 1)
        if kind == "unknown":
            keys = ", ".join(f"'{k}'" for k in m.value) if isinstance(m.value, dict) else "none"
            hint = ("; a reply carries the command's result in \"return\"" if m.direction == "<-"
                    and isinstance(m.value, dict) else "")
            self.report(rules.EXAMPLE_BAD_MESSAGE,
                        "not a QMP message: expected an object with 'execute', 'return', 'error' or "
                        f"'event' (its keys: {keys}){hint}", head, context)
            return
        expected = "->" if kind == "request" else "<-"
        if m.direction is None:
            sender = "client" if expected == "->" else "server"
            self.report(rules.EXAMPLE_NO_DIRECTION,
                        f"message without a direction arrow: write '{expected} ' before it "
                        f"(it is sent by the {sender})", head, context)
        elif m.direction != expected and m.arrow is not None:
            what = {"request": "a request", "return": "a reply", "error": "an error reply",
                    "event": "an event", "greeting": "the greeting"}[kind]
            self.report(rules.EXAMPLE_WRONG_DIRECTION,
                        f"'{m.direction}' on {what}: the {'client' if expected == '->' else 'server'} sends it, "
                        f"so it takes '{expected}'", m.arrow, context)
        assert isinstance(m.value, dict)
        if not any(k in m.value for k in ("execute", "exec-oob", "return", "error", "event", "QMP")):
            shown.add(("unknown-name", ""))
            return        # '"event": ...': what it is was elided
        if kind == "request":
            self.request(m, m.value, pending, context, shown)
        elif kind in ("return", "error"):
            self.reply(m, m.value, pending, doc, context)
        elif kind == "event":
            self.event(m, m.value, context, shown)
        elif self.validator is not None:
            self.violations(m, [(rules.EXAMPLE_BAD_MESSAGE, "greeting", v) for v in
                                _relaxed(m, self.ask(m, self.validator.any_message, m.value, "<-"))], context)

    def request(self, m: Message, value: dict[str, object], pending: deque[_Pending],
                context: Context | None, shown: set[tuple[str, str]]) -> None:
        key = "execute" if "execute" in value else "exec-oob"
        name = value[key]
        if not isinstance(name, str):
            self.report(rules.EXAMPLE_BAD_MESSAGE, f"'{key}' must be a command name (a string)",
                        m.span_of((key,)), context)
            pending.append(_Pending(m, None))
            return
        shown.add(("command", name))
        if name not in self.commands:
            shown.add(("unknown-name", name))
            if name not in self.broken:
                self.report(rules.EXAMPLE_UNKNOWN_COMMAND,
                            f"unknown command '{name}'{_did_you_mean(name, self.commands)}",
                            m.span_of((key,)), context)
            pending.append(_Pending(m, None))
            return
        pending.append(_Pending(m, name))
        if self.validator is None:
            return
        found = []
        for v in _relaxed(m, self.ask(m, self.validator.request, value)):
            path = tuple(v.path)
            if (path and path[0] == "arguments") or (not path and _named(v) == "arguments"):
                found.append((rules.EXAMPLE_BAD_ARGUMENTS, f"arguments of '{name}'", v))
            else:
                found.append((rules.EXAMPLE_BAD_MESSAGE, f"request for '{name}'", v))
        self.keep_if_valid(m, "request", name, found)
        self.violations(m, found, context)

    def reply(self, m: Message, value: dict[str, object], pending: deque[_Pending],
              doc: DocComment | None, context: Context | None) -> None:
        request = _take(pending, value.get("id"))
        command: str | None
        if request is None:
            what = "reply" if "return" in value else "error reply"
            self.report(rules.EXAMPLE_ORPHAN_REPLY,
                        f"{what} without a request: no '->' message before it in this example",
                        m.span.file.span(m.span.start, m.span.start + 1), context)
            command = doc.symbol if doc is not None and doc.symbol in self.commands else None
        else:
            command = request.command
        if self.validator is None:
            return
        if "error" in value and "return" not in value:
            self.violations(m, [(rules.EXAMPLE_BAD_MESSAGE, "error reply", v)
                                for v in _relaxed(m, self.ask(m, self.validator.error_reply, value))], context)
            return
        if command is None:
            return
        found = []
        for v in _relaxed(m, self.ask(m, self.validator.reply, command, value)):
            path = tuple(v.path)
            rule = rules.EXAMPLE_BAD_RETURN if path and path[0] == "return" else rules.EXAMPLE_BAD_MESSAGE
            found.append((rule, f"reply of '{command}'", v))
        if request is not None:     # an orphan reply is no test vector
            self.keep_if_valid(m, "reply", command, found)
        self.violations(m, found, context)

    def event(self, m: Message, value: dict[str, object], context: Context | None,
              shown: set[tuple[str, str]]) -> None:
        name = value["event"]
        if not isinstance(name, str):
            self.report(rules.EXAMPLE_BAD_MESSAGE, "'event' must be an event name (a string)",
                        m.span_of(("event",)), context)
            return
        shown.add(("event", name))
        if name not in self.events:
            shown.add(("unknown-name", name))
            if name not in self.broken:
                self.report(rules.EXAMPLE_UNKNOWN_EVENT,
                            f"unknown event '{name}'{_did_you_mean(name, self.events)}",
                            m.span_of(("event",)), context)
            return
        no_timestamp = "timestamp" not in value and () not in m.elided
        if no_timestamp:
            self.report(rules.EXAMPLE_NO_TIMESTAMP,
                        f"event '{name}' without a 'timestamp': QEMU sends "
                        "\"timestamp\": { \"seconds\": ..., \"microseconds\": ... } with every event",
                        m.span.file.span(m.span.start, m.span.start + 1), context)
        if self.validator is None:
            return
        found = []
        for v in _relaxed(m, self.ask(m, self.validator.event, value)):
            path = tuple(v.path)
            named = _named(v)
            if not path and v.keyword == "required" and named == "timestamp":
                continue          # reported above
            if (path and path[0] == "data") or (not path and named == "data"):
                found.append((rules.EXAMPLE_BAD_EVENT, f"data of event '{name}'", v))
            else:
                found.append((rules.EXAMPLE_BAD_MESSAGE, f"event '{name}'", v))
        if not no_timestamp:
            self.keep_if_valid(m, "event", name, found)
        self.violations(m, found, context)

    def keep_if_valid(self, m: Message, kind: str, name: str,
                      found: Sequence[tuple[Rule, str, ViolationLike]]) -> None:
        """Remember a complete message that the schema accepts, as an
        example for the JSON Schema files (``qapidoc jsonschema --examples``)."""
        if not found and not m.elided and not m.elided_whole:
            self.valid.setdefault((kind, name), []).append(m.value)

    def violations(self, m: Message, found: list[tuple[Rule, str, ViolationLike]],
                   context: Context | None) -> None:
        """Report what the validator found, one finding per problem: the
        missing members of one object together, and its unknown ones."""
        groups: dict[tuple[str, JsonPath, str], list[tuple[Rule, str, ViolationLike]]] = {}
        order: list[tuple[str, JsonPath, str]] = []
        for rule, where, v in found:
            path = tuple(v.path)
            if v.keyword == "additionalProperties" and path and _named(v) == path[-1]:
                path = path[:-1]
            key = (rule.code, path, v.keyword if v.keyword in _GROUPED else f"{v.keyword}:{id(v)}")
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append((rule, where, v))
        _pair_typos(groups)
        for key in order:
            group = groups[key]
            if not group:
                continue
            rule, where, first = group[0]
            path = key[1]
            shown = _show_path(path)
            definition = getattr(first, "definition", None)
            of = f", type '{definition}'" if definition and len(path) > 1 and definition not in where else ""
            at = f" (at {shown}{of})" if shown and len(path) > 1 else ""
            if first.keyword in _GROUPED and len(group) > 1:
                names = [_named(v) or "?" for _, _, v in group]
                text = _GROUPED[first.keyword](names)
            else:
                text = first.message
            if isinstance(first, _Typo):
                first = first.unknown
            self.report(rule, f"{where}{at}: {text}", _violation_span(m, first), context)


# --- helpers ---------------------------------------------------------------------

def _names(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


_GROUPED = {
    "required": lambda names: f"members {_names(names)} are required",
    "additionalProperties": lambda names: f"unknown members {_names(names)}",
}


class _Typo(NamedTuple):
    """An unknown member that is a misspelling of a missing one."""

    unknown: ViolationLike
    wanted: str

    @property
    def path(self) -> tuple[str | int, ...]:
        return self.unknown.path

    @property
    def keyword(self) -> str:
        return "typo"

    @property
    def message(self) -> str:
        return f"unknown member '{_named(self.unknown)}'; did you mean '{self.wanted}' (which is required)?"


_Group = list[tuple[Rule, str, ViolationLike]]


def _pair_typos(groups: dict[tuple[str, JsonPath, str], _Group]) -> None:
    """Where one object both lacks a member and has an unknown one that is
    spelled almost the same, report the misspelling once."""
    for (code, path, keyword), missing in groups.items():
        if keyword != "required":
            continue
        unknown = groups.get((code, path, "additionalProperties"))
        if not unknown:
            continue
        for entry in list(unknown):
            rule, where, v = entry
            name = _named(v) or ""
            wanted = [_named(m) or "" for _, _, m in missing]
            close = difflib.get_close_matches(name, wanted, n=1, cutoff=0.8)
            if not close:
                continue
            unknown.remove(entry)
            missing[:] = [m for m in missing if _named(m[2]) != close[0]]
            unknown.append((rule, where, _Typo(v, close[0])))


def _looks_like_request(m: Message) -> bool:
    if m.direction is not None:
        return m.direction == "->"
    text = m.span.file.text[m.span.start:m.span.end]
    return '"execute"' in text or '"exec-oob"' in text


_QUOTED = re.compile(r"'([^']+)'")


def _named(v: ViolationLike) -> str | None:
    """The member a 'required' or 'additionalProperties' violation names."""
    m = _QUOTED.search(v.message)
    return m.group(1) if m else None


def _relaxed(m: Message, violations: Iterable[ViolationLike]) -> Iterator[ViolationLike]:
    """Drop what an elision excuses: a missing member of an object that
    holds an elision, and the length of an array that holds one."""
    for v in violations:
        path = tuple(v.path)
        if path in m.elided and v.keyword in ("required", "minItems", "maxItems", "minProperties",
                                               "maxProperties", "minContains", "contains"):
            if v.keyword == "required" and not _is_object(m, path):
                yield v
                continue
            continue
        yield v


def _is_object(m: Message, path: JsonPath) -> bool:
    return isinstance(value_at(m.value, path), dict)


def _violation_span(m: Message, v: ViolationLike) -> Span:
    path: JsonPath = tuple(v.path)
    if v.keyword == "additionalProperties":
        name = _named(v)
        if name is not None and (*path, name) in m.locations:
            return m.span_of((*path, name), key=True)
        loc = m.locations.get(path)
        if loc is not None and loc.key is not None and path and path[-1] == name:
            return loc.key
    span = m.span_of(path)
    if v.keyword == "required":
        # The object that lacks a member: point at its opening brace.
        return span.file.span(span.start, span.start + 1)
    return span


def _show_path(path: JsonPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _take(pending: deque[_Pending], reply_id: object) -> _Pending | None:
    if not pending:
        return None
    if reply_id is not None:
        for i, p in enumerate(pending):
            if isinstance(p.message.value, dict) and p.message.value.get("id") == reply_id:
                del pending[i]
                return p
    return pending.popleft()


def _did_you_mean(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_examples(schema: Schema, docs: Sequence[DocComment],
                   validator: ValidatorLike | None) -> list[Diagnostic]:
    """Every QD5xx finding of the examples in ``docs``."""
    return _check(schema, docs, validator).out


def valid_examples(schema: Schema, docs: Sequence[DocComment],
                   validator: ValidatorLike) -> dict[tuple[str, str], list[object]]:
    """The complete example messages the schema accepts, by ("request" |
    "reply" | "event", command or event name), in source order."""
    return _check(schema, docs, validator).valid


def _check(schema: Schema, docs: Sequence[DocComment], validator: ValidatorLike | None) -> _Checker:
    checker = _Checker(schema, validator)
    by_doc: dict[int, list[ParsedExample]] = {}
    order: list[DocComment] = []
    for parsed in parse_examples(list(docs)):
        assert parsed.doc is not None
        key = id(parsed.doc)
        if key not in by_doc:
            by_doc[key] = []
            order.append(parsed.doc)
        by_doc[key].append(parsed)
    for doc in order:
        checker.doc(doc, by_doc[id(doc)])
    return checker
