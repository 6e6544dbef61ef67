"""Compatibility: what changed between two versions of a schema, as QMP sees it.

Takes two checked schemas (:class:`qapidoc.frontend.model.Schema`) and returns the
changes that matter on the wire, as frozen :class:`Change` values.  Pure: no
I/O, no printing; :mod:`qapidoc.cli.diff` loads, formats and sets the exit code.

The comparison follows the wire, not the definitions:

* Commands and events are matched by name (their names are on the wire).
  Types are not: a command's arguments, its return value and an event's data
  are compared by structure, position by position, whatever the types are
  called.  Implicit types (``q_obj_X-arg``, inline bases, simple-union
  wrappers) are compared like any other; a type renamed, split into a base,
  or folded into an implicit type without a change on the wire is not a
  change.  Type definitions are therefore never reported as added or removed.
* An object is its members with the base flattened in; a union is its base
  members plus, for each discriminator value, that branch's members.  A
  change common to every branch that comes from a base member is reported
  once, for the union; the rest per branch.
* An alternate is a choice by JSON type: its branches are matched by the JSON
  type that selects them (their names are not on the wire), and a plain type
  counts as an alternate of one branch, so ``str`` -> ``StrOrNull`` is one
  alternative added.
* Directions: command arguments travel from client to server (*input*);
  returns and event data from server to client (*output*).  The same edit can
  be compatible in one direction and breaking in the other, so each change is
  classified for every direction it is reached in, and the worst counts.

Each change gets two verdicts (:class:`Verdict`): for **clients** (a client
written for OLD talking to a server built from NEW: QEMU's backward
compatibility promise) and for the **server** (a server still built from
OLD, such as an older QEMU, a mock or a recorded fixture, talking to a client
written for NEW).  Each verdict is ``compatible``, ``caution`` (compatible by
QAPI's policy, but a client that assumes a closed set, or uses the new thing,
is affected) or ``breaking``.

The compatibility promise of what changed is read from OLD (:data:`Promise`):
``deprecated`` if it, or what contains it, had the ``deprecated`` feature;
``unstable`` if it, or what contains it, had the ``unstable`` feature or an
``x-`` name (no promise at all); else ``stable``.  A breaking change to a
stable interface is a policy violation (:attr:`Change.violation`): QEMU
removes or changes an interface only after deprecating it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from ..frontend.expressions import Cond, CondAll, CondAny, CondNot, CondText, CondVar, Feature
from ..frontend.model import (
    AlternateType,
    ArrayType,
    BuiltinType,
    CommandEntity,
    EnumMember,
    EnumType,
    EventEntity,
    ObjectMember,
    ObjectType,
    Schema,
    TypeEntity,
    Variant,
    Variants,
)
from ..records import NamedTuple
from ..source import Span

__all__ = [
    "LEVELS",
    "PROMISES",
    "Change",
    "Direction",
    "Facts",
    "Kind",
    "Level",
    "Occurrences",
    "Promise",
    "Verdict",
    "classify",
    "compare",
    "cond_text",
    "counts_by_kind",
    "number_change",
    "promise_of",
    "render_cond",
    "weakest",
]

Level = Literal["compatible", "caution", "breaking"]
LEVELS: tuple[Level, ...] = ("compatible", "caution", "breaking")
Promise = Literal["unstable", "deprecated", "stable"]
#: weakest first
PROMISES: tuple[Promise, ...] = ("unstable", "deprecated", "stable")
#: where a change sits: command arguments are ``input``; returns and event
#: data ``output``; reached both ways ``both``; commands and events themselves
#: ``none``
Direction = Literal["input", "output", "both", "none"]


class Kind(enum.Enum):
    """What changed.  The values are stable: output formats and tests use them."""

    COMMAND_ADDED = "command-added"
    COMMAND_REMOVED = "command-removed"
    EVENT_ADDED = "event-added"
    EVENT_REMOVED = "event-removed"
    FLAG_ADDED = "flag-added"
    FLAG_REMOVED = "flag-removed"
    MEMBER_ADDED = "member-added"
    MEMBER_REMOVED = "member-removed"
    MEMBER_OPTIONAL = "member-optional"
    MEMBER_REQUIRED = "member-required"
    TYPE_CHANGED = "type-changed"
    ENUM_VALUE_ADDED = "enum-value-added"
    ENUM_VALUE_REMOVED = "enum-value-removed"
    BRANCH_ADDED = "branch-added"
    BRANCH_REMOVED = "branch-removed"
    DISCRIMINATOR_CHANGED = "discriminator-changed"
    ALTERNATIVE_ADDED = "alternative-added"
    ALTERNATIVE_REMOVED = "alternative-removed"
    FEATURE_ADDED = "feature-added"
    FEATURE_REMOVED = "feature-removed"
    CONDITION_ADDED = "condition-added"
    CONDITION_REMOVED = "condition-removed"
    CONDITION_CHANGED = "condition-changed"


@dataclass(frozen=True, slots=True)
class Verdict:
    level: Level
    reason: str


@dataclass(frozen=True, slots=True)
class Change:
    """One change on the wire between OLD and NEW."""

    kind: Kind
    #: where, as QMP sees it: ``command query-status / returns / member running``
    subject: str
    #: what changed, in a phrase: ``mandatory member 'x' added (str)``
    message: str
    #: the element in OLD (or, for an addition, what holds it); None if none
    old: Span | None
    #: the element in NEW (or, for a removal, what held it); None if none
    new: Span | None
    #: a client written for OLD, talking to a server built from NEW
    client: Verdict
    #: a server built from OLD, talking to a client written for NEW
    server: Verdict
    direction: Direction
    #: the compatibility promise OLD made for what changed
    promise: Promise
    #: other places the same edit shows through (a shared type), in order
    also: tuple[str, ...] = ()

    @property
    def breaking(self) -> bool:
        """Breaks clients of an interface that promised compatibility
        (stable or deprecated; unstable interfaces promise nothing)."""
        return self.client.level == "breaking" and self.promise != "unstable"

    @property
    def violation(self) -> bool:
        """A breaking change to an interface OLD did not mark deprecated or
        unstable: against QEMU's deprecation policy."""
        return self.client.level == "breaking" and self.promise == "stable"


def counts_by_kind(changes: Iterable[Change]) -> dict[str, int]:
    """Number of changes of each kind, in :class:`Kind` order, zeros left out."""
    counts = dict.fromkeys((k.value for k in Kind), 0)
    for change in changes:
        counts[change.kind.value] += 1
    return {k: v for k, v in counts.items() if v}


# --- conditions ---------------------------------------------------------------------

_DEFINED = re.compile(r"\s*defined\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$")


def _norm_cond(cond: Cond | None) -> Cond | None:
    """The condition with pre-6.2 ``defined(X)`` strings read as ``X``, so
    that a schema converted to the new syntax shows no change."""
    if cond is None:
        return None
    if isinstance(cond, CondText):
        m = _DEFINED.match(cond.text)
        return CondVar(m.group(1)) if m else cond
    if isinstance(cond, CondNot):
        return CondNot(_norm_cond(cond.operand) or cond.operand)
    if isinstance(cond, CondAll):
        return CondAll(tuple(_norm_cond(c) or c for c in cond.operands))
    if isinstance(cond, CondAny):
        return CondAny(tuple(_norm_cond(c) or c for c in cond.operands))
    return cond


def cond_text(cond: Cond | None) -> str | None:
    """A condition as text, read as :func:`compare` reads it (``defined(X)``
    as ``X``); None for none."""
    normal = _norm_cond(cond)
    return render_cond(normal) if normal is not None else None


def render_cond(cond: Cond) -> str:
    """A condition as text: ``CONFIG_A and not CONFIG_B``."""
    if isinstance(cond, CondVar):
        return cond.name
    if isinstance(cond, CondText):
        return cond.text
    if isinstance(cond, CondNot):
        inner = render_cond(cond.operand)
        return f"not {inner}" if isinstance(cond.operand, (CondVar, CondText, CondNot)) else f"not ({inner})"
    joiner = " and " if isinstance(cond, CondAll) else " or "
    parts = [render_cond(c) if isinstance(c, (CondVar, CondText, CondNot)) else f"({render_cond(c)})"
             for c in cond.operands]
    return joiner.join(parts)


# --- classification -----------------------------------------------------------------

class Facts(NamedTuple):
    """What the verdict of a change depends on, besides its kind and direction."""

    optional: bool = False
    #: for TYPE_CHANGED: 'wider', 'narrower' or 'different' (the new set of
    #: values against the old one)
    relation: str = ""
    #: for TYPE_CHANGED between two string types (str, enums)
    strings: bool = False
    #: the feature or flag name, or the JSON type of an alternative
    name: str = ""


_C: Level = "compatible"
_W: Level = "caution"
_B: Level = "breaking"
_NO_FACTS = Facts()
_Pair = tuple[tuple[Level, str], tuple[Level, str]]


def _v_command(kind: Kind, facts: Facts, direction: str) -> _Pair:
    if kind is Kind.COMMAND_ADDED:
        return ((_C, "existing clients do not call it"),
                (_W, "an older server answers CommandNotFound; new clients must probe for it"))
    if kind is Kind.COMMAND_REMOVED:
        return ((_B, "clients that call it get CommandNotFound"), (_C, "new clients do not call it"))
    if kind is Kind.EVENT_ADDED:
        return ((_C, "clients ignore events they do not know"),
                (_W, "an older server never emits it; new clients must not wait for it"))
    return ((_B, "clients that wait for it wait forever"), (_C, "new clients ignore it"))


def _v_flag(kind: Kind, facts: Facts, direction: str) -> _Pair:
    added = kind is Kind.FLAG_ADDED
    if facts.name == "success-response: false":
        if added:
            return ((_B, "the command no longer replies; clients wait for a reply that never comes"),
                    (_W, "an older server still replies; new clients must ignore the reply"))
        return ((_W, "the command now replies; clients must ignore a reply they did not expect"),
                (_B, "an older server never replies; new clients wait for a reply that never comes"))
    use = "exec-oob" if facts.name == "allow-oob" else "it before machine initialisation (preconfig)"
    if added:
        return ((_C, f"clients may now use {use}"),
                (_W, f"an older server rejects {use}"))
    return ((_B, f"clients that use {use} get an error"), (_C, f"new clients do not use {use}"))


def _v_member(kind: Kind, facts: Facts, direction: str) -> _Pair:
    opt = facts.optional
    if direction == "input":
        if kind is Kind.MEMBER_ADDED:
            if opt:
                return ((_C, "optional: existing clients need not send it"),
                        (_W, "an older server rejects requests that use it"))
            return ((_B, "mandatory: existing clients do not send it, so their requests fail"),
                    (_B, "an older server rejects requests that carry it"))
        if kind is Kind.MEMBER_REMOVED:
            if opt:
                return ((_B, "clients that still send it get an error"),
                        (_C, "new clients do not send it, and an older server does not need it"))
            return ((_B, "clients still send it and get an error"),
                    (_B, "new clients do not send it, and an older server requires it"))
        if kind is Kind.MEMBER_OPTIONAL:
            return ((_C, "existing clients still send it"),
                    (_W, "an older server requires it; new clients must keep sending it"))
        return ((_B, "clients that omit it now get an error"),
                (_C, "new clients always send it"))
    if kind is Kind.MEMBER_ADDED:
        if opt:
            return ((_C, "clients ignore members they do not know"),
                    (_C, "optional: new clients cope with its absence"))
        return ((_C, "clients ignore members they do not know"),
                (_B, "an older server does not send it, and new clients may rely on it"))
    if kind is Kind.MEMBER_REMOVED:
        if opt:
            return ((_C, "optional: clients already cope with its absence"), (_C, "new clients ignore it"))
        return ((_B, "clients may rely on it, and it is no longer sent"), (_C, "new clients ignore it"))
    if kind is Kind.MEMBER_OPTIONAL:
        return ((_B, "clients may rely on it, and it may now be absent"),
                (_C, "an older server always sends it"))
    return ((_C, "it is now always sent"),
            (_W, "an older server may leave it out, and new clients may rely on it"))


def _v_type(kind: Kind, facts: Facts, direction: str) -> _Pair:
    rel = facts.relation
    if rel == "different":
        return ((_B, "values of the old type are not values of the new one"),
                (_B, "values of the new type are not values of the old one"))
    if direction == "input":
        if rel == "wider":
            return ((_C, "the server accepts everything it accepted before"),
                    (_W, "an older server rejects the values only the new type allows"))
        return ((_B, "the server no longer accepts some values it accepted"),
                (_C, "new clients send values an older server accepts"))
    if rel == "narrower":
        return ((_C, "the server sends only values it could send before"),
                (_W, "an older server may send values new clients do not expect"))
    if facts.strings:
        return ((_W, "compatible unless clients rely on the old set of strings"),
                (_C, "an older server sends only values new clients know"))
    return ((_B, "the server may send values clients do not expect"),
            (_C, "an older server sends only values new clients know"))


def _v_value(kind: Kind, facts: Facts, direction: str) -> _Pair:
    what = "branch" if kind in (Kind.BRANCH_ADDED, Kind.BRANCH_REMOVED) else "value"
    switch = "the discriminator" if what == "branch" else "the values"
    if kind in (Kind.ENUM_VALUE_ADDED, Kind.BRANCH_ADDED):
        if direction == "input":
            return ((_C, f"existing clients never send the new {what}"),
                    (_W, f"an older server rejects the new {what}"))
        return ((_W, f"compatible unless clients switch exhaustively on {switch}"),
                (_C, f"an older server never sends the new {what}"))
    if direction == "input":
        return ((_B, f"clients that send the {what} get an error"),
                (_C, f"new clients do not send the {what}"))
    return ((_C, f"the {what} is no longer sent"),
            (_W, f"an older server may still send the {what}; new clients do not know it"))


def _v_alternative(kind: Kind, facts: Facts, direction: str) -> _Pair:
    json = f"JSON {facts.name}"
    if kind is Kind.ALTERNATIVE_ADDED:
        if direction == "input":
            return ((_C, f"the server now also accepts a {json}"),
                    (_W, f"an older server rejects a {json} here"))
        return ((_B, f"the server may now send a {json}, which clients do not expect"),
                (_C, f"an older server never sends a {json} here"))
    if direction == "input":
        return ((_B, f"clients that send a {json} get an error"),
                (_C, f"new clients do not send a {json}"))
    return ((_C, f"the server no longer sends a {json}"),
            (_B, f"an older server may send a {json}, which new clients do not expect"))


def _v_discriminator(kind: Kind, facts: Facts, direction: str) -> _Pair:
    return ((_B, "the member that selects the branch has another name on the wire"),
            (_B, "the member that selects the branch has another name on the wire"))


def _v_feature(kind: Kind, facts: Facts, direction: str) -> _Pair:
    name = facts.name
    if kind is Kind.FEATURE_ADDED:
        if name == "deprecated":
            return ((_W, "deprecated: clients should stop using it before it is removed"),
                    (_C, "an older server still supports it"))
        if name == "unstable":
            return ((_W, "no longer covered by the compatibility promise"),
                    (_C, "an older server still supports it"))
        return ((_C, "clients that probe for the feature find it now"),
                (_W, "an older server lacks the feature; new clients must probe for it"))
    if name in ("deprecated", "unstable"):
        return ((_C, f"no longer {name}"), (_C, "an older server supports it too"))
    return ((_W, "clients that probe for the feature no longer find it"),
            (_C, "new clients do not expect the feature"))


def _v_condition(kind: Kind, facts: Facts, direction: str) -> _Pair:
    if kind is Kind.CONDITION_ADDED:
        return ((_W, "missing from builds where the condition is false"),
                (_C, "an older server has it in every build"))
    if kind is Kind.CONDITION_REMOVED:
        return ((_C, "now present in every build"),
                (_W, "missing from older builds where the condition was false"))
    return ((_W, "present in a different set of builds"), (_W, "present in a different set of builds"))


_CLASSIFY = {
    Kind.COMMAND_ADDED: _v_command, Kind.COMMAND_REMOVED: _v_command,
    Kind.EVENT_ADDED: _v_command, Kind.EVENT_REMOVED: _v_command,
    Kind.FLAG_ADDED: _v_flag, Kind.FLAG_REMOVED: _v_flag,
    Kind.MEMBER_ADDED: _v_member, Kind.MEMBER_REMOVED: _v_member,
    Kind.MEMBER_OPTIONAL: _v_member, Kind.MEMBER_REQUIRED: _v_member,
    Kind.TYPE_CHANGED: _v_type,
    Kind.ENUM_VALUE_ADDED: _v_value, Kind.ENUM_VALUE_REMOVED: _v_value,
    Kind.BRANCH_ADDED: _v_value, Kind.BRANCH_REMOVED: _v_value,
    Kind.ALTERNATIVE_ADDED: _v_alternative, Kind.ALTERNATIVE_REMOVED: _v_alternative,
    Kind.DISCRIMINATOR_CHANGED: _v_discriminator,
    Kind.FEATURE_ADDED: _v_feature, Kind.FEATURE_REMOVED: _v_feature,
    Kind.CONDITION_ADDED: _v_condition, Kind.CONDITION_REMOVED: _v_condition,
    Kind.CONDITION_CHANGED: _v_condition,
}


def classify(kind: Kind, directions: Iterable[str], *, optional: bool = False, relation: str = "",
             strings: bool = False, name: str = "") -> tuple[Verdict, Verdict]:
    """The verdicts for clients and for the server of a change of ``kind``
    reached in ``directions`` (``input``, ``output``, ``none``), as
    :func:`compare` gives them.  ``optional``: of the member concerned;
    ``relation`` (``wider``, ``narrower``, ``different``) and ``strings``:
    of a type change; ``name``: of the feature, flag or JSON type."""
    return _verdicts(kind, Facts(optional, relation, strings, name), directions)


def _weigh(kind: Kind, facts: Facts, paths: Mapping[str, set[str]]) -> tuple[str, Verdict, Verdict, Direction]:
    # The change is named by the first path where it is worst for clients,
    # with that path's reasons; the server verdict is the worst over all.
    verdicts = {path: _verdicts(kind, facts, sorted(ways)) for path, ways in paths.items()}
    subject = max(verdicts, key=lambda p: LEVELS.index(verdicts[p][0].level))
    client, server = verdicts[subject]
    for _, other in verdicts.values():
        if LEVELS.index(other.level) > LEVELS.index(server.level):
            server = other
    directions = set().union(*paths.values())
    direction: Direction
    if {"input", "output"} <= directions:
        direction = "both"
    elif "input" in directions:
        direction = "input"
    elif "output" in directions:
        direction = "output"
    else:
        direction = "none"
    return subject, client, server, direction


def number_change(old: tuple[int | None, int | None] | None,
                  new: tuple[int | None, int | None] | None) -> tuple[str, str] | None:
    """How a number type changed, from its integer range (``None``: a
    number that may be fractional): the relation of the new set of values
    to the old ('wider', 'narrower', 'different') and a detail for the
    message; None when it did not."""
    if old == new:
        return None
    if old is None:
        return "narrower", " (no longer fractional)"
    if new is None:
        return "wider", " (may be fractional)"
    (lo_a, hi_a), (lo_b, hi_b) = old, new
    assert lo_a is not None and hi_a is not None and lo_b is not None and hi_b is not None
    if lo_b <= lo_a and hi_a <= hi_b:
        relation = "wider"
    elif lo_a <= lo_b and hi_b <= hi_a:
        relation = "narrower"
    else:
        relation = "different"
    return relation, f" (range [{lo_a}, {hi_a}] -> [{lo_b}, {hi_b}])"


def promise_of(name: str, features: Iterable[str]) -> Promise:
    """What an element named ``name`` with these features promises."""
    names = set(features)
    if "unstable" in names or _UNSTABLE_NAME.match(name):
        return "unstable"
    if "deprecated" in names:
        return "deprecated"
    return "stable"


def weakest(a: Promise, b: Promise) -> Promise:
    """The weaker of two promises (``unstable`` before ``deprecated``)."""
    return a if PROMISES.index(a) <= PROMISES.index(b) else b


def _verdicts(kind: Kind, facts: Facts, directions: Iterable[str]) -> tuple[Verdict, Verdict]:
    """The verdicts for clients and server; the worst over ``directions``."""
    client: tuple[Level, str] | None = None
    server: tuple[Level, str] | None = None
    for direction in directions:
        c, s = _CLASSIFY[kind](kind, facts, direction)
        if client is None or LEVELS.index(c[0]) > LEVELS.index(client[0]):
            client = c
        if server is None or LEVELS.index(s[0]) > LEVELS.index(server[0]):
            server = s
    assert client is not None and server is not None
    return Verdict(*client), Verdict(*server)


# --- relative changes -------------------------------------------------------------------

class _Rel(NamedTuple):
    """A change found inside a pair of types, relative to that pair.

    ``own_old``/``own_new`` locate the changed element itself (a member, a
    value, a branch, a feature); with the kind and message they identify
    the edit, so that the same edit reached by two paths (a shared type) is
    reported once.  A change of a position rather than of an element (a
    member's type) has no own location until the member that holds it
    lends its own (``anchor`` is then the path from that member).
    ``at_old``/``at_new`` are where to show it: the own location, else the
    nearest enclosing element that has one, filled in on the way up."""

    kind: Kind
    path: tuple[str, ...]
    message: str
    facts: Facts
    own_old: Span | None
    own_new: Span | None
    anchor: tuple[str, ...]
    at_old: Span | None
    at_new: Span | None
    promise: Promise

    def key(self) -> tuple[object, ...]:
        """What identifies the edit, whatever path it was reached by."""
        if self.own_old is None and self.own_new is None:
            return (self.kind, self.message, self.path)
        return (self.kind, self.message, self.own_old, self.own_new, self.anchor)

    def shown_at(self, old: Span | None, new: Span | None) -> _Rel:
        """With a place to show it filled in where a side has none yet."""
        if (self.at_old is None and old is not None) or (self.at_new is None and new is not None):
            return self._replace(at_old=self.at_old or old, at_new=self.at_new or new)
        return self

    def held_by(self, old: Span | None, new: Span | None) -> _Rel:
        """Seen from the element that holds it: anchored there if it has no
        location of its own, and shown there if nothing nearer is known."""
        rel = self
        if rel.own_old is None and rel.own_new is None and (old is not None or new is not None):
            rel = rel._replace(own_old=old, own_new=new, anchor=rel.path)
        return rel.shown_at(old, new)


def _weakest(a: Promise, b: Promise) -> Promise:
    return a if PROMISES.index(a) <= PROMISES.index(b) else b


_UNSTABLE_NAME = re.compile(r"(__[A-Za-z0-9.-]+_)?x-")


def _promise(name: str, features: tuple[Feature, ...]) -> Promise:
    names = {f.name for f in features}
    if "unstable" in names or _UNSTABLE_NAME.match(name):
        return "unstable"
    if "deprecated" in names:
        return "deprecated"
    return "stable"


def _prefix(rels: Iterable[_Rel], segment: str, old: Span | None, new: Span | None,
            promise: Promise = "stable") -> Iterator[_Rel]:
    """The changes seen from one level up: ``segment``, an element with
    locations ``old`` and ``new``, before their paths."""
    for rel in rels:
        rel = rel.held_by(old, new)
        yield rel._replace(path=(segment, *rel.path), promise=_weakest(rel.promise, promise))


def _rel(kind: Kind, message: str, own_old: Span | None, own_new: Span | None,
         facts: Facts = _NO_FACTS, promise: Promise = "stable", path: tuple[str, ...] = ()) -> _Rel:
    return _Rel(kind, path, message, facts, own_old, own_new, (), own_old, own_new, promise)


def _features(old: tuple[Feature, ...], new: tuple[Feature, ...]) -> list[_Rel]:
    rels: list[_Rel] = []
    old_by = {f.name: f for f in old}
    new_by = {f.name: f for f in new}
    for name, feature in old_by.items():
        other = new_by.get(name)
        if other is None:
            rels.append(_rel(Kind.FEATURE_REMOVED, f"feature '{name}' removed", feature.span, None,
                             Facts(name=name), path=(f"feature {name}",)))
        else:
            rels.extend(_prefix(_condition(feature.cond, other.cond, feature.span, other.span),
                                f"feature {name}", feature.span, other.span))
    for name, feature in new_by.items():
        if name not in old_by:
            rels.append(_rel(Kind.FEATURE_ADDED, f"feature '{name}' added", None, feature.span,
                             Facts(name=name), path=(f"feature {name}",)))
    return rels


def _condition(old: Cond | None, new: Cond | None, old_span: Span | None,
               new_span: Span | None) -> list[_Rel]:
    a, b = _norm_cond(old), _norm_cond(new)
    if a == b:
        return []
    if a is None:
        assert b is not None
        message, kind = f"condition added: {render_cond(b)}", Kind.CONDITION_ADDED
    elif b is None:
        message, kind = f"condition removed (was: {render_cond(a)})", Kind.CONDITION_REMOVED
    else:
        message, kind = f"condition changed from {render_cond(a)} to {render_cond(b)}", Kind.CONDITION_CHANGED
    return [_rel(kind, message, old_span, new_span)]


def _element(features_old: tuple[Feature, ...], features_new: tuple[Feature, ...],
             cond_old: Cond | None, cond_new: Cond | None,
             span_old: Span | None, span_new: Span | None) -> list[_Rel]:
    """Feature and condition changes of one element present in both."""
    return _condition(cond_old, cond_new, span_old, span_new) + _features(features_old, features_new)


# --- the structural comparison ---------------------------------------------------------

class _View(NamedTuple):
    """An object as the wire sees it: members (base flattened) and branches."""

    members: tuple[ObjectMember, ...]
    variants: Variants | None


#: the JSON type a value of a type has (alternates have several)
_JSON_KIND = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean",
              "null": "null", "value": "value", "array": "array", "object": "object"}


class _Comparer:
    def __init__(self, old: Schema, new: Schema) -> None:
        self.old = old
        self.new = new
        self.memo: dict[tuple[str, str], list[_Rel]] = {}
        #: the pairs being compared, with their depth
        self.active: dict[tuple[str, str], int] = {}
        #: the lowest depth a cut below the current pair went back to
        self.low = 0

    # -- types ---------------------------------------------------------------------

    def types(self, old: str, new: str) -> list[_Rel]:
        """The changes between the values of type ``old`` (in OLD) and type
        ``new`` (in NEW) at one position on the wire.

        A recursive type is cut where it comes back (what differs in it is
        found one level up).  A result computed below such a cut is not
        complete for other callers, so it is kept only once the cut type is
        done, as in Tarjan's algorithm."""
        key = (old, new)
        done = self.memo.get(key)
        if done is not None:
            return done
        at = self.active.get(key)
        if at is not None:
            self.low = min(self.low, at)
            return []
        outer_low = self.low
        self.low = depth = len(self.active)
        self.active[key] = depth
        try:
            result = self._types(old, new)
        finally:
            del self.active[key]
        if self.low >= depth:
            self.memo[key] = result
            self.low = outer_low
        else:
            self.low = min(outer_low, self.low)
        return result

    def _types(self, old: str, new: str) -> list[_Rel]:
        a = self.old.type(old)
        b = self.new.type(new)
        if a is None or b is None:
            return []           # a broken schema: nothing sound to say
        if isinstance(a, AlternateType) or isinstance(b, AlternateType):
            rels = self._alternates(a, b)
        else:
            rels = self._plain(a, b)
        if isinstance(a, (EnumType, ObjectType, AlternateType)) and isinstance(
                b, (EnumType, ObjectType, AlternateType)):
            rels.extend(_features(a.features, b.features))
        # Show what changed inside the types at their definitions; a change
        # of this position itself (its type, or its set of JSON types when
        # a side is not an alternate) is shown where the position is.
        span_a, span_b = self._span(a), self._span(b)
        both = isinstance(a, AlternateType) and isinstance(b, AlternateType)
        return [rel if self._of_position(rel, both) else rel.shown_at(span_a, span_b) for rel in rels]

    @staticmethod
    def _of_position(rel: _Rel, both_alternates: bool) -> bool:
        """A change of the position being compared, not of an element in
        its types."""
        if rel.kind is Kind.TYPE_CHANGED:
            return not rel.path
        if rel.kind in (Kind.ALTERNATIVE_ADDED, Kind.ALTERNATIVE_REMOVED):
            return len(rel.path) == 1 and not both_alternates
        return False

    @staticmethod
    def _span(ent: TypeEntity) -> Span | None:
        definition = getattr(ent, "definition", None)
        return definition.name_span if definition is not None else None

    @staticmethod
    def _json(ent: TypeEntity) -> str:
        """The JSON type of the values of a non-alternate type."""
        if isinstance(ent, BuiltinType):
            return ent.json_type
        if isinstance(ent, EnumType):
            return "string"
        if isinstance(ent, ArrayType):
            return "array"
        return "object"

    def _plain(self, a: TypeEntity, b: TypeEntity) -> list[_Rel]:
        ja, jb = self._json(a), self._json(b)
        if ja == "string" and jb == "string":
            return self._strings(a, b)
        if ja in ("integer", "number") and jb in ("integer", "number"):
            return self._numbers(a, b)
        if ja != jb:
            if ja == "value":
                relation = "narrower"
            elif jb == "value":
                relation = "wider"
            else:
                relation = "different"
            return [self._type_changed(a, b, relation)]
        if isinstance(a, ArrayType) and isinstance(b, ArrayType):
            return list(_prefix(self.types(a.element, b.element), "element", None, None))
        if isinstance(a, ObjectType) and isinstance(b, ObjectType):
            return self._objects(_View(a.members, a.variants), _View(b.members, b.variants))
        return []       # boolean, null, any: nothing more to compare

    def _describe(self, ent: TypeEntity, schema: Schema) -> str:
        if isinstance(ent, ArrayType):
            element = schema.type(ent.element)
            return f"[{self._describe(element, schema)}]" if element is not None else f"[{ent.element}]"
        if isinstance(ent, ObjectType) and ent.implicit:
            return "an object"
        return ent.name

    def _type_changed(self, a: TypeEntity, b: TypeEntity, relation: str, strings: bool = False,
                      detail: str = "") -> _Rel:
        message = f"type changed from {self._describe(a, self.old)} to {self._describe(b, self.new)}"
        return _rel(Kind.TYPE_CHANGED, message + detail, None, None, Facts(relation=relation, strings=strings))

    def _strings(self, a: TypeEntity, b: TypeEntity) -> list[_Rel]:
        if isinstance(a, EnumType) and isinstance(b, EnumType):
            return self._enums(a, b)
        if isinstance(a, EnumType):
            return [self._type_changed(a, b, "wider", strings=True)]
        if isinstance(b, EnumType):
            return [self._type_changed(a, b, "narrower", strings=True)]
        return []

    def _numbers(self, a: TypeEntity, b: TypeEntity) -> list[_Rel]:
        assert isinstance(a, BuiltinType) and isinstance(b, BuiltinType)
        ra = (a.minimum, a.maximum) if a.json_type == "integer" else None
        rb = (b.minimum, b.maximum) if b.json_type == "integer" else None
        change = number_change(ra, rb)
        return [] if change is None else [self._type_changed(a, b, change[0], detail=change[1])]

    def _enums(self, a: EnumType, b: EnumType) -> list[_Rel]:
        rels: list[_Rel] = []
        old_by = {v.name: v for v in a.values}
        new_by = {v.name: v for v in b.values}
        for name, value in old_by.items():
            other = new_by.get(name)
            promise = _promise(name, value.features)
            if other is None:
                rels.append(_rel(Kind.ENUM_VALUE_REMOVED, f"value '{name}' removed", value.span, None,
                                 promise=promise, path=(f"value {name}",)))
            else:
                rels.extend(_prefix(_element(value.features, other.features, value.cond, other.cond,
                                             value.span, other.span),
                                    f"value {name}", value.span, other.span, promise))
        for name, value in new_by.items():
            if name not in old_by:
                rels.append(_rel(Kind.ENUM_VALUE_ADDED, f"value '{name}' added", None, value.span,
                                 path=(f"value {name}",)))
        return rels

    # -- alternates ------------------------------------------------------------------

    def _choices(self, ent: TypeEntity, schema: Schema) -> dict[str, Variant] | None:
        """JSON type -> branch; None for ``any``, which takes every JSON type."""
        if isinstance(ent, AlternateType):
            out: dict[str, Variant] = {}
            for variant in ent.variants.branches:
                typ = schema.type(variant.type)
                if typ is not None:
                    out.setdefault(_JSON_KIND[self._json(typ)], variant)
            return out
        json = _JSON_KIND[self._json(ent)]
        if json == "value":
            return None
        return {json: Variant(ent.name, ent.name)}

    def _alternates(self, a: TypeEntity, b: TypeEntity) -> list[_Rel]:
        ca, cb = self._choices(a, self.old), self._choices(b, self.new)
        if ca is None or cb is None:
            relation = "narrower" if ca is None else "wider"
            return [self._type_changed(a, b, relation)]
        # Between two alternates, an alternative is an element of the NEW or
        # OLD one; when a side is a plain type, it is the position that
        # changed, and the member holding it identifies the edit.
        both = isinstance(a, AlternateType) and isinstance(b, AlternateType)
        rels: list[_Rel] = []
        for json, variant in ca.items():
            other = cb.get(json)
            segment = f"as {json}"
            if other is None:
                rel = _rel(Kind.ALTERNATIVE_REMOVED, f"JSON {json} alternative removed ({variant.type})",
                           variant.span, None, Facts(name=json), path=(segment,))
                rels.append(rel if both else rel._replace(own_old=None, at_old=None))
                continue
            inner = self.types(variant.type, other.type) + _condition(variant.cond, other.cond,
                                                                       variant.span, other.span)
            rels.extend(_prefix(inner, segment, variant.span, other.span))
        for json, variant in cb.items():
            if json not in ca:
                rel = _rel(Kind.ALTERNATIVE_ADDED, f"JSON {json} alternative added ({variant.type})",
                           None, variant.span, Facts(name=json), path=(f"as {json}",))
                rels.append(rel if both else rel._replace(own_new=None, at_new=None))
        return rels

    # -- objects -----------------------------------------------------------------------

    def _members(self, old: tuple[ObjectMember, ...], new: tuple[ObjectMember, ...],
                 skip: frozenset[str]) -> list[_Rel]:
        rels: list[_Rel] = []
        new_by = {m.name: m for m in new}
        old_names = {m.name for m in old}
        for member in old:
            segment = f"member {member.name}"
            promise = _promise(member.name, member.features)
            other = new_by.get(member.name)
            if other is None:
                optional = "optional " if member.optional else ""
                rels.append(_rel(Kind.MEMBER_REMOVED, f"{optional}member '{member.name}' removed",
                                 member.span, None, Facts(optional=member.optional), promise, (segment,)))
                continue
            inner: list[_Rel] = []
            if member.optional and not other.optional:
                inner.append(_rel(Kind.MEMBER_REQUIRED, f"member '{member.name}' made mandatory",
                                  member.span, other.span))
            elif other.optional and not member.optional:
                inner.append(_rel(Kind.MEMBER_OPTIONAL, f"member '{member.name}' made optional",
                                  member.span, other.span))
            inner.extend(_element(member.features, other.features, member.cond, other.cond,
                                  member.span, other.span))
            if member.name not in skip:
                inner.extend(self.types(member.type, other.type))
            rels.extend(_prefix(inner, segment, member.span, other.span, promise))
        for member in new:
            if member.name not in old_names:
                kind = "optional" if member.optional else "mandatory"
                typ = self.new.type(member.type)
                described = self._describe(typ, self.new) if typ is not None else member.type
                rels.append(_rel(Kind.MEMBER_ADDED, f"{kind} member '{member.name}' added ({described})",
                                 None, member.span, Facts(optional=member.optional),
                                 path=(f"member {member.name}",)))
        return rels

    def _objects(self, a: _View, b: _View, skip: frozenset[str] = frozenset()) -> list[_Rel]:
        """Compare two objects.  The members named in ``skip`` are the tags
        of enclosing unions, whose values are compared as branches: their
        types are not compared again.

        A plain struct against a union is compared with each branch of the
        union, as if it were a union whose branches all look alike."""
        va, vb = a.variants, b.variants
        rels: list[_Rel] = []
        branches_a = {v.name: v for v in va.branches} if va is not None else {}
        branches_b = {v.name: v for v in vb.branches} if vb is not None else {}
        pairs: list[tuple[str, Variant | None, Variant | None]]
        if va is not None and vb is not None:
            skip = skip | {va.tag.name, vb.tag.name}
            if va.tag.name != vb.tag.name:
                rels.append(_rel(Kind.DISCRIMINATOR_CHANGED,
                                 f"discriminator changed from '{va.tag.name}' to '{vb.tag.name}'",
                                 va.tag.span, vb.tag.span))
            pairs = [(n, x, branches_b[n]) for n, x in branches_a.items() if n in branches_b]
        elif va is not None:
            pairs = [(n, x, None) for n, x in branches_a.items()]
        elif vb is not None:
            pairs = [(n, None, y) for n, y in branches_b.items()]
        else:
            pairs = []
        if pairs:
            rels.extend(self._branches(a, b, pairs, skip))
        else:
            rels.extend(self._members(a.members, b.members, skip))
        if va is None or vb is None:
            return rels
        for name, variant in branches_a.items():
            if name not in branches_b:
                rels.append(_rel(Kind.BRANCH_REMOVED, f"branch '{name}' removed",
                                 self._branch_span(va, variant, self.old), None,
                                 promise=self._branch_promise(va, variant, self.old), path=(f"branch {name}",)))
        for name, variant in branches_b.items():
            if name not in branches_a:
                branch = self.new.object(variant.type)
                members = ", ".join(m.name for m in branch.members) if branch is not None else ""
                what = f"members: {members}" if members else "no members"
                rels.append(_rel(Kind.BRANCH_ADDED, f"branch '{name}' added ({what})", None,
                                 self._branch_span(vb, variant, self.new), path=(f"branch {name}",)))
        return rels

    def _branches(self, a: _View, b: _View, pairs: list[tuple[str, Variant | None, Variant | None]],
                  skip: frozenset[str]) -> list[_Rel]:
        """Compare branch by branch, base members included (a side without
        branches takes part whole in each), and report a change to a base
        member that shows in every branch once, for the whole object."""
        va, vb = a.variants, b.variants
        per_branch: list[tuple[str, Span | None, Span | None, Promise, list[_Rel]]] = []
        for name, x, y in pairs:
            view_a = self._branch_view(a, x, self.old) if x is not None else a
            view_b = self._branch_view(b, y, self.new) if y is not None else b
            inner = self._objects(view_a, view_b, skip)
            span_a = self._branch_span(va, x, self.old) if va is not None and x is not None else None
            span_b = self._branch_span(vb, y, self.new) if vb is not None and y is not None else None
            if x is not None and y is not None:
                inner.extend(_condition(x.cond, y.cond, span_a, span_b))
            if va is not None and vb is not None and x is not None and y is not None:
                # The discriminator's values are compared as branches, their
                # features with them.
                value_a, value_b = self._tag_value(va, x, self.old), self._tag_value(vb, y, self.new)
                if value_a is not None and value_b is not None:
                    inner.extend(_features(value_a.features, value_b.features))
            at_a = (self._branch_type_span(x, self.old) if x is not None else None) or span_a
            at_b = (self._branch_type_span(y, self.new) if y is not None else None) or span_b
            promise: Promise = "stable"
            if va is not None and x is not None:
                promise = self._branch_promise(va, x, self.old)
            per_branch.append((name, at_a, at_b, promise, inner))
        base = {f"member {m.name}" for m in a.members} | {f"member {m.name}" for m in b.members}
        shared = set.intersection(*({r for r in inner if r.path and r.path[0] in base}
                                    for *_, inner in per_branch))
        rels = [r for r in per_branch[0][4] if r in shared]
        for name, at_a, at_b, promise, inner in per_branch:
            rels.extend(_prefix((r for r in inner if r not in shared), f"branch {name}", at_a, at_b, promise))
        return rels

    def _branch_view(self, view: _View, variant: Variant, schema: Schema) -> _View:
        branch = schema.object(variant.type)
        if branch is None:
            return _View(view.members, None)
        return _View(view.members + branch.members, branch.variants)

    @staticmethod
    def _tag_value(union: Variants, variant: Variant, schema: Schema) -> EnumMember | None:
        tag = schema.type(union.tag.type)
        if isinstance(tag, EnumType):
            return next((v for v in tag.values if v.name == variant.name), None)
        return None

    def _branch_span(self, union: Variants, variant: Variant, schema: Schema) -> Span | None:
        if variant.span is not None:
            return variant.span
        value = self._tag_value(union, variant, schema)
        return value.span if value is not None else None

    def _branch_promise(self, union: Variants, variant: Variant, schema: Schema) -> Promise:
        """A branch promises what its discriminator value does."""
        value = self._tag_value(union, variant, schema)
        return _promise(variant.name, value.features if value is not None else ())

    @staticmethod
    def _branch_type_span(variant: Variant, schema: Schema) -> Span | None:
        branch = schema.object(variant.type)
        if branch is None or branch.implicit or branch.definition is None:
            return None
        return branch.definition.name_span

    # -- commands and events ---------------------------------------------------------

    def root(self, a: CommandEntity | EventEntity | None,
             b: CommandEntity | EventEntity | None) -> list[tuple[_Rel, str]]:
        """The changes of one command or event, each with its direction."""
        ent = a or b
        assert ent is not None
        meta = "command" if isinstance(ent, CommandEntity) else "event"
        head = f"{meta} {ent.name}"
        span_a = a.definition.name_span if a is not None and a.definition is not None else None
        span_b = b.definition.name_span if b is not None and b.definition is not None else None
        if a is None or b is None:
            added = a is None
            kind = {("command", True): Kind.COMMAND_ADDED, ("command", False): Kind.COMMAND_REMOVED,
                    ("event", True): Kind.EVENT_ADDED, ("event", False): Kind.EVENT_REMOVED}[meta, added]
            promise = "stable" if added else _promise(ent.name, ent.features)
            message = f"{meta} '{ent.name}' {'added' if added else 'removed'}"
            return [(_rel(kind, message, span_a, span_b, promise=promise)._replace(path=(head,)), "none")]
        promise = _promise(a.name, a.features)
        out: list[tuple[_Rel, str]] = []

        def add(rels: Iterable[_Rel], segment: str | None, direction: str) -> None:
            for rel in rels:
                if segment is not None:
                    rel = rel._replace(path=(segment, *rel.path))
                rel = rel.held_by(span_a, span_b)
                rel = rel._replace(path=(head, *rel.path), promise=_weakest(rel.promise, promise))
                out.append((rel, direction))

        add(_element(a.features, b.features, a.cond, b.cond, span_a, span_b), None, "none")
        if isinstance(a, CommandEntity) and isinstance(b, CommandEntity):
            add(self._flags(a, b, span_a, span_b), None, "none")
            add(self.types(a.arg_type or "q_empty", b.arg_type or "q_empty"), "arguments", "input")
            add(self.types(a.ret_type or "q_empty", b.ret_type or "q_empty"), "returns", "output")
        else:
            add(self.types(a.arg_type or "q_empty", b.arg_type or "q_empty"), "data", "output")
        return out

    @staticmethod
    def _flags(a: CommandEntity, b: CommandEntity, span_a: Span | None, span_b: Span | None) -> list[_Rel]:
        rels = []
        for name, x, y in (("allow-oob", a.allow_oob, b.allow_oob),
                           ("allow-preconfig", a.allow_preconfig, b.allow_preconfig),
                           ("success-response: false", not a.success_response, not b.success_response)):
            if x != y:
                kind = Kind.FLAG_ADDED if y else Kind.FLAG_REMOVED
                rels.append(_rel(kind, f"flag '{name}' {'added' if y else 'removed'}", span_a, span_b,
                                 Facts(name=name), path=(f"flag {name}",)))
        return rels


def _roots(schema: Schema) -> dict[str, CommandEntity | EventEntity]:
    return {e.name: e for e in schema.entities.values() if isinstance(e, (CommandEntity, EventEntity))}


class _Found(Protocol):
    """A change found along one path (each module's own record of it)."""

    @property
    def kind(self) -> Kind: ...
    @property
    def path(self) -> tuple[str, ...]: ...
    @property
    def facts(self) -> Facts: ...
    @property
    def promise(self) -> Promise: ...


FoundT = TypeVar("FoundT", bound=_Found)


class Occurrences(Generic[FoundT]):
    """The occurrences of one edit, reached along several paths (a shared
    type), merged: the first found, the order it was found in, the
    directions of each path, the weakest promise."""

    __slots__ = ("first", "order", "paths", "promise")

    def __init__(self, found: FoundT, order: int) -> None:
        self.first = found
        self.order = order
        #: path -> the directions it was reached in
        self.paths: dict[str, set[str]] = {}
        self.promise: Promise = found.promise

    def add(self, found: FoundT, direction: str) -> None:
        self.paths.setdefault(" / ".join(found.path), set()).add(direction)
        if PROMISES.index(found.promise) > PROMISES.index(self.promise):
            self.promise = found.promise

    def weigh(self) -> tuple[str, Verdict, Verdict, Direction]:
        """The path that names the edit, its verdicts for clients and for
        the server, and its direction over all paths."""
        return _weigh(self.first.kind, self.first.facts, self.paths)


class _Seen(Occurrences["_Rel"]):
    """The occurrences of one edit, merged into one :class:`Change`."""

    __slots__ = ()

    def change(self) -> Change:
        rel = self.first
        subject, client, server, direction = self.weigh()
        return Change(rel.kind, subject, rel.message, rel.at_old, rel.at_new,
                      client, server, direction, self.promise, tuple(p for p in self.paths if p != subject))


def compare(old: Schema, new: Schema) -> list[Change]:
    """The changes on the wire from ``old`` to ``new``, ordered by command or
    event (by name, commands first), then as found.

    The schemas should be free of errors: an entity that failed its checks
    is missing from its schema and would show as removed or added."""
    comparer = _Comparer(old, new)
    roots_a, roots_b = _roots(old), _roots(new)
    names = list(roots_a) + [n for n in roots_b if n not in roots_a]
    seen: dict[tuple[object, ...], _Seen] = {}
    for name in names:
        a, b = roots_a.get(name), roots_b.get(name)
        pairs = [(a, b)]
        if a is not None and b is not None and type(a) is not type(b):
            pairs = [(a, None), (None, b)]      # a command became an event: not the same thing
        for x, y in pairs:
            for rel, direction in comparer.root(x, y):
                key = rel.key()
                entry = seen.get(key)
                if entry is None:
                    entry = seen[key] = _Seen(rel, len(seen))
                entry.add(rel, direction)
    changes = [(entry, entry.change()) for entry in seen.values()]
    changes.sort(key=lambda item: (not item[1].subject.startswith("command "),
                                   item[1].subject.split(" / ")[0], item[0].order))
    return [change for _, change in changes]
