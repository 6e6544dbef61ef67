"""Expressions: the shape check of each top-level definition.

Takes syntax nodes (:mod:`qapidoc.parser`) and returns typed definitions
(:class:`Definition` and its parts), each part with the span of the text it
came from, plus diagnostics.  This stage checks what can be checked on one
definition alone: keys, value forms, names, conditions, features and flags.
What needs the whole schema (types, clashes) is :mod:`qapidoc.frontend.model`'s.

A definition with a shape error is still returned, marked ``broken``, so the
model knows its name exists and does not report references to it as
unknown; it takes no part in further checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable

from .. import rules
from ..diagnostics import Context, Diagnostic, StageError
from ..records import NamedTuple
from ..source import SourceFile, Span
from .dialect import Dialect, DialectEvidence
from .parser import Node, RawDoc, SynBool, SynList, SynObject, SynString

__all__ = [
    "META_KINDS",
    "Alternate",
    "Branch",
    "Command",
    "Cond",
    "CondAll",
    "CondAny",
    "CondNot",
    "CondText",
    "CondVar",
    "Definition",
    "Enum",
    "EnumValue",
    "Event",
    "Feature",
    "Member",
    "Pragmas",
    "Struct",
    "TypeRef",
    "Union_",
    "c_name",
    "check_definition",
    "gather_evidence",
    "gather_schema_evidence",
    "inline_members",
]

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from typing import Literal

    Meta = Literal["enum", "struct", "union", "alternate", "command", "event"]
META_KINDS: tuple[Meta, ...] = ("enum", "struct", "union", "alternate", "command", "event")
_META_SET = frozenset(META_KINDS)


# --- conditions ---------------------------------------------------------------

class CondVar(NamedTuple):
    """A configuration symbol, true when the build defines it."""
    name: str

    def raw(self) -> object:
        return self.name


class CondText(NamedTuple):
    """A C preprocessor expression (the 'if' strings of QEMU 3.0 to 6.1)."""
    text: str

    def raw(self) -> object:
        return self.text


class CondNot(NamedTuple):
    operand: Cond

    def raw(self) -> object:
        return {"not": self.operand.raw()}


class CondAll(NamedTuple):
    operands: tuple[Cond, ...]

    def raw(self) -> object:
        return {"all": [c.raw() for c in self.operands]}


class CondAny(NamedTuple):
    operands: tuple[Cond, ...]

    def raw(self) -> object:
        return {"any": [c.raw() for c in self.operands]}


Cond = CondVar | CondText | CondNot | CondAll | CondAny


# --- definitions and their parts -------------------------------------------------

class TypeRef(NamedTuple):
    """A reference to a type by name: ``'T'`` or the array ``['T']``."""

    name: str
    is_array: bool
    span: Span

    @property
    def resolved_name(self) -> str:
        """The entity this names: ``T``, or the implicit array ``TList``."""
        return self.name + "List" if self.is_array else self.name

    def __str__(self) -> str:
        return f"['{self.name}']" if self.is_array else self.name


class Feature(NamedTuple):
    name: str
    cond: Cond | None
    span: Span


class Member(NamedTuple):
    """A struct member, command or event argument, or inline base member."""

    name: str
    optional: bool
    type: TypeRef
    cond: Cond | None
    features: tuple[Feature, ...]
    span: Span          # the key, with its '*'


class EnumValue(NamedTuple):
    name: str
    cond: Cond | None
    features: tuple[Feature, ...]
    span: Span


class Branch(NamedTuple):
    """A branch of a union or an alternate."""

    name: str
    type: TypeRef
    cond: Cond | None
    span: Span


# Every definition starts with the same seven fields (name, name_span, span,
# doc, cond, features, broken), then has its own.  A definition that failed
# its shape check is ``broken``: only its name counts.

class Enum(NamedTuple):
    """An enumeration."""

    name: str
    name_span: Span
    span: Span                      # the whole expression
    doc: RawDoc | None
    cond: Cond | None
    features: tuple[Feature, ...]
    broken: bool
    values: tuple[EnumValue, ...] = ()
    prefix: str | None = None

    @property
    def meta(self) -> Meta:
        return "enum"

    @property
    def context(self) -> Context:
        return _context_of(self)


class Struct(NamedTuple):
    """A struct: named members, optionally after a base's."""

    name: str
    name_span: Span
    span: Span                      # the whole expression
    doc: RawDoc | None
    cond: Cond | None
    features: tuple[Feature, ...]
    broken: bool
    base: TypeRef | None = None
    members: tuple[Member, ...] = ()

    @property
    def meta(self) -> Meta:
        return "struct"

    @property
    def context(self) -> Context:
        return _context_of(self)


class Union_(NamedTuple):  # noqa: N801 - "Union" would shadow typing.Union
    """A union: a base, a discriminator member and a branch per value."""

    name: str
    name_span: Span
    span: Span                      # the whole expression
    doc: RawDoc | None
    cond: Cond | None
    features: tuple[Feature, ...]
    broken: bool
    #: a named base, inline base members, or None for a simple union
    base: TypeRef | tuple[Member, ...] | None = None
    discriminator: str | None = None
    discriminator_span: Span | None = None
    branches: tuple[Branch, ...] = ()

    @property
    def meta(self) -> Meta:
        return "union"

    @property
    def context(self) -> Context:
        return _context_of(self)

    @property
    def is_simple(self) -> bool:
        return self.discriminator is None


class Alternate(NamedTuple):
    """An alternate: one of several types, told apart by JSON type."""

    name: str
    name_span: Span
    span: Span                      # the whole expression
    doc: RawDoc | None
    cond: Cond | None
    features: tuple[Feature, ...]
    broken: bool
    branches: tuple[Branch, ...] = ()

    @property
    def meta(self) -> Meta:
        return "alternate"

    @property
    def context(self) -> Context:
        return _context_of(self)


class Command(NamedTuple):
    """A command."""

    name: str
    name_span: Span
    span: Span                      # the whole expression
    doc: RawDoc | None
    cond: Cond | None
    features: tuple[Feature, ...]
    broken: bool
    data: TypeRef | tuple[Member, ...] | None = None
    returns: TypeRef | None = None
    boxed: bool = False
    gen: bool = True
    success_response: bool = True
    allow_oob: bool = False
    allow_preconfig: bool = False
    coroutine: bool = False

    @property
    def meta(self) -> Meta:
        return "command"

    @property
    def context(self) -> Context:
        return _context_of(self)


class Event(NamedTuple):
    """An event."""

    name: str
    name_span: Span
    span: Span                      # the whole expression
    doc: RawDoc | None
    cond: Cond | None
    features: tuple[Feature, ...]
    broken: bool
    data: TypeRef | tuple[Member, ...] | None = None
    boxed: bool = False

    @property
    def meta(self) -> Meta:
        return "event"

    @property
    def context(self) -> Context:
        return _context_of(self)


Definition = Enum | Struct | Union_ | Alternate | Command | Event

_new = tuple.__new__     # a named tuple without its Python-level __new__


def _context_of(definition: Definition) -> Context:
    """``In command 'foo':``, pointing at the definition's opening brace."""
    span = definition.span
    return Context(definition.meta, definition.name, span.file.span(span.start, span.start + 1))


class Pragmas(NamedTuple):
    """The schema-wide pragma settings (the last value set wins)."""

    doc_required: bool = False
    command_name_exceptions: frozenset[str] = frozenset()
    command_returns_exceptions: frozenset[str] = frozenset()
    documentation_exceptions: frozenset[str] = frozenset()
    member_name_exceptions: frozenset[str] = frozenset()


def inline_members(value: TypeRef | tuple[Member, ...] | None) -> tuple[Member, ...] | None:
    """The members of an inline ``data`` or ``base`` object, or None when
    ``value`` names a type (or is absent)."""
    if value is None or isinstance(value, TypeRef):
        return None
    return value


# --- names ------------------------------------------------------------------------

# (_C_NAME, _VALID_NAME and _OLD_VALID_NAME are compiled where used, when
# first used: re keeps them.  Few names and only old dialects need them;
# _VALID_NAME, case-blind, cost half a percent of a check to compile.)
_C_NAME = r"[^A-Za-z0-9_]"
_VALID_NAME = r"(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$"       # (re.IGNORECASE)
_OLD_VALID_NAME = r"(__[a-zA-Z0-9.-]+_)?([a-zA-Z][a-zA-Z0-9_-]*)$"
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")
_IDENT = re.compile(r"[A-Z][A-Z0-9_]*")


_C_NAMES: dict[str, str] = {}


def c_name(name: str) -> str:
    """The C identifier QEMU derives from a QAPI name (``a-b`` -> ``a_b``)."""
    cached = _C_NAMES.get(name)
    if cached is None:
        cached = name.replace("-", "_")
        # Letters, digits and '_' stay: most names need no regex.
        if not (cached.isascii() and cached.replace("_", "").isalnum()):
            cached = re.sub(_C_NAME, "_", name)
        _C_NAMES[name] = cached
    return cached


#: the stems found so far, by the old rules and by the new ones
_STEMS: tuple[dict[str, str | None], dict[str, str | None]] = ({}, {})
_UNKNOWN = "\0"        # not a stem: marks a name not looked at yet


def _stem(name: str, new_rules: bool) -> str | None:
    """The part of ``name`` the case rules look at, or None if the name is
    not a valid QAPI name."""
    found = _STEMS[new_rules]
    stem = found.get(name, _UNKNOWN)
    if stem is not _UNKNOWN:
        return stem
    if (new_rules and name[:1].isalpha() and name.isascii()
            and name.replace("-", "").replace("_", "").isalnum()):
        # A letter, then letters, digits, '-' and '_' (most names): what
        # _VALID_NAME finds, without a match each.  The stem is all of it,
        # but after an 'x-' that a letter follows; a name that starts 'q_'
        # or 'q-' is QEMU's to use.
        if name[:2] in ("x-", "X-") and name[2:3].isalpha():
            stem = name[2:]
        else:
            stem = None if name[:2] in ("q_", "q-") else name
        found[name] = stem
        return stem
    if new_rules:
        m = re.match(_VALID_NAME, name, re.IGNORECASE)
        stem = m.group(3) if m else None
    else:
        m = re.match(_OLD_VALID_NAME, name)
        stem = m.group(2) if m else None
    if stem is not None and c_name(name).startswith("q_"):
        stem = None
    found[name] = stem
    return stem


#: Whether a name (a match, or None) is a lower-case name every release
#: accepts for a member, an enum value or a branch, whatever the pragmas: an
#: ASCII letter, then lower-case letters, digits and '-' (not 'q-', which
#: QEMU keeps for itself).  For most parts of a schema it is, and the part
#: needs none of the name checks (one match instead of four calls; the
#: fast-path test holds the two to each other).
is_plain_name = re.compile(r"(?!q-)[a-z][a-z0-9-]*").fullmatch
#: The same for a member's name, which 'u' and 'has-...' may not be either.
is_plain_member_name = re.compile(r"(?!q-|has-|u\Z)[a-z][a-z0-9-]*").fullmatch


class _Checker:
    """The shape check of one definition: its file, rules and findings."""

    __slots__ = ("diagnostics", "dialect", "file", "module_alone", "new_names", "pragmas", "where")

    def __init__(self, file: SourceFile, dialect: Dialect, pragmas: Pragmas, *, module_alone: bool = False) -> None:
        self.file = file
        self.dialect = dialect
        self.pragmas = pragmas
        #: the definition being checked (meta, name, whole span), once known
        self.where: tuple[Meta, str, Span] | None = None
        self.diagnostics: list[Diagnostic] = []
        self.new_names = dialect.has("name-case-rules")
        self.module_alone = module_alone

    @property
    def context(self) -> Context | None:
        """``In struct 'Foo':`` for a finding (made only when there is one)."""
        if self.where is None:
            return None
        meta, name, span = self.where
        return Context(meta, name, span.file.span(span.start, span.start + 1))

    def span(self, node: Node | SynString) -> Span:
        return _new(Span, (self.file, node.start, node.end))

    def report(self, err: StageError) -> None:
        self.diagnostics.append(err.diagnostic(self.context))

    # -- generic helpers -----------------------------------------------------

    def check_keys(self, obj: SynObject, source: str, required: Collection[str],
                   optional: Collection[str]) -> None:
        def pprint(names: Iterable[str]) -> str:
            return ", ".join(f"'{n}'" for n in sorted(names))

        members = obj.members
        missing = [k for k in required if k not in members]
        if missing:
            s = "s" if len(missing) > 1 else ""
            raise StageError(rules.EXPR_KEYS, f"{source} misses key{s} {pprint(missing)}",
                       self.file.span(obj.start, obj.start + 1))
        unknown = [k for k in members if k not in required and k not in optional]
        if unknown:
            allowed = set(required) | set(optional)
            s = "s" if len(unknown) > 1 else ""
            first = obj.members[unknown[0]][0]
            raise StageError(rules.EXPR_KEYS,
                       f"{source} has unknown key{s} {pprint(unknown)}\nValid keys are {pprint(allowed)}.",
                       self.span(first))

    def name_str(self, node: Node | None, source: str, where: Span) -> str:
        if not isinstance(node, SynString):
            raise StageError(rules.EXPR_VALUE, f"{source} requires a string name",
                       self.span(node) if node is not None else where)
        return node.value

    def check_name(self, name: str, span: Span, source: str) -> str:
        """Check the name syntax; return the stem the case rules look at."""
        stem = _stem(name, self.new_names)
        if stem is None:
            raise StageError(rules.INVALID_NAME, f"{source} has an invalid name", span)
        return stem

    def check_name_upper(self, name: str, span: Span, source: str) -> None:
        stem = self.check_name(name, span, source)
        if self.new_names and (stem != stem.upper() or "-" in stem):
            raise StageError(rules.NAME_CASE, f"name of {source} must not use lowercase or '-'", span)

    def check_name_lower(self, name: str, span: Span, source: str, *, permit_upper: bool = False,
                         permit_underscore: bool = False, lifted_by: str | None = None) -> None:
        """Check a lower-case name.  ``lifted_by`` names the pragma that
        could allow the name: when a module is checked alone, that pragma
        may be in a module it does not see, so a violation is a warning."""
        stem = self.check_name(name, span, source)
        if self.new_names:
            upper = not permit_upper and stem != stem.lower()
            underscore = not permit_underscore and "_" in stem
            if upper or underscore:
                message = f"name of {source} must not use uppercase or '_'"
                liftable = lifted_by is not None and not (upper and lifted_by == "command-name-exceptions")
                if liftable and self.module_alone:
                    self.diagnostics.append(Diagnostic(
                        rules.NAME_CASE, f"{message} (unless pragma '{lifted_by}' of another module lists it)",
                        span, self.context, severity=rules.Severity.WARNING))
                    return
                raise StageError(rules.NAME_CASE, message, span)
        elif self.dialect.has("name-case-by-definition") and not permit_upper and name != name.lower():
            raise StageError(rules.NAME_CASE, f"{source} uses uppercase in name", span)

    def check_part_name(self, name: str, span: Span, source: str, *, permit_upper: bool = False,
                        permit_underscore: bool = False, lifted_by: str | None = None) -> None:
        """Check the name of a part of a definition (enum value, member,
        branch, feature).  A bad one is reported and the part kept: the
        definition stays in the model, so the checks of other definitions
        that use it still run (before 4.2, QEMU checked a union's
        discriminator values against its enum before the enum's own value
        names when the union came first)."""
        try:
            self.check_name_lower(name, span, source, permit_upper=permit_upper,
                                  permit_underscore=permit_underscore, lifted_by=lifted_by)
        except StageError as err:
            self.report(err)

    def check_name_camel(self, name: str, span: Span, source: str) -> None:
        stem = self.check_name(name, span, source)
        if self.new_names and not _CAMEL.match(stem):
            raise StageError(rules.NAME_CASE, f"name of {source} must use CamelCase", span)

    # -- conditions ------------------------------------------------------------

    def cond(self, obj: SynObject, source: str) -> Cond | None:
        pair = obj.members.get("if")
        if pair is None:
            return None
        node = pair[1]
        if self.dialect.has("if-objects"):
            return self._cond_new(node, source)
        return self._cond_old(node, source)

    def _cond_new(self, node: Node, source: str) -> Cond:
        if isinstance(node, SynString):
            if not _IDENT.fullmatch(node.value):
                raise StageError(rules.INVALID_CONDITION,
                           f"'if' condition '{node.value}' of {source} is not a valid identifier",
                           self.span(node))
            return CondVar(node.value)
        if not isinstance(node, SynObject):
            raise StageError(rules.INVALID_CONDITION,
                       f"'if' condition of {source} must be a string or an object", self.span(node))
        self.check_keys(node, f"'if' condition of {source}", [], ["all", "any", "not"])
        if len(node.members) != 1:
            raise StageError(rules.INVALID_CONDITION, f"'if' condition of {source} has conflicting keys",
                       self.span(node))
        op, (_, operand) = next(iter(node.members.items()))
        if op == "not":
            return CondNot(self._cond_new(operand, source))
        if not isinstance(operand, SynList):
            raise StageError(rules.INVALID_CONDITION, f"'{op}' condition of {source} must be an array",
                       self.span(operand))
        if not operand.items:
            raise StageError(rules.INVALID_CONDITION, f"'if' condition [] of {source} is useless",
                       self.span(operand))
        operands = tuple(self._cond_new(o, source) for o in operand.items)
        return CondAll(operands) if op == "all" else CondAny(operands)

    def _cond_old(self, node: Node, source: str) -> Cond:
        def text(item: Node) -> CondText:
            if not isinstance(item, SynString):
                raise StageError(rules.INVALID_CONDITION,
                           f"'if' condition of {source} must be a string or a list of strings",
                           self.span(item))
            if not item.value.strip():
                raise StageError(rules.INVALID_CONDITION,
                           f"'if' condition '{item.value}' of {source} makes no sense", self.span(item))
            return CondText(item.value)

        if isinstance(node, SynList):
            if not node.items:
                raise StageError(rules.INVALID_CONDITION, f"'if' condition [] of {source} is useless",
                           self.span(node))
            conds = tuple(text(i) for i in node.items)
            return conds[0] if len(conds) == 1 else CondAll(conds)
        return text(node)

    # -- features -----------------------------------------------------------------

    def features(self, obj: SynObject) -> tuple[Feature, ...]:
        pair = obj.members.get("features")
        if pair is None:
            return ()
        node = pair[1]
        if not isinstance(node, SynList):
            raise StageError(rules.INVALID_FEATURE, "'features' must be an array", self.span(node))
        out = []
        for item in node.items:
            source = "'features' member"
            if isinstance(item, SynObject):
                self.check_keys(item, source, ["name"], ["if"])
                name_node = item.get("name")
            else:
                name_node = item
            if not isinstance(name_node, SynString):
                assert name_node is not None
                raise StageError(rules.INVALID_FEATURE, f"{source} requires a string name", self.span(name_node))
            source = f"{source} '{name_node.value}'"
            span = self.span(name_node)
            any_case = self.dialect.has("feature-names-any-case") and not self.dialect.has(
                "feature-names-lower-case")
            self.check_part_name(name_node.value, span, source, permit_upper=any_case, permit_underscore=any_case)
            cond = self.cond(item, source) if isinstance(item, SynObject) else None
            out.append(_new(Feature, (name_node.value, cond, span)))
        return tuple(out)

    # -- types ----------------------------------------------------------------------

    def type_name(self, node: Node | None, source: str) -> TypeRef | None:
        if node is None:
            return None
        if not isinstance(node, SynString):
            raise StageError(rules.EXPR_VALUE, f"{source} should be a type name", self.span(node))
        return _new(TypeRef, (node.value, False, self.span(node)))

    def type_name_or_array(self, node: Node | None, source: str) -> TypeRef | None:
        if node is None:
            return None
        if isinstance(node, SynString):
            return _new(TypeRef, (node.value, False, _new(Span, (self.file, node.start, node.end))))
        if not isinstance(node, SynList):
            raise StageError(rules.EXPR_VALUE, f"{source} should be a type name or array", self.span(node))
        if len(node.items) != 1 or not isinstance(node.items[0], SynString):
            raise StageError(rules.EXPR_VALUE, f"{source}: array type must contain single type name",
                       self.span(node))
        return _new(TypeRef, (node.items[0].value, True, self.span(node)))

    def members(self, node: Node, source: str, parent: str | None) -> tuple[Member, ...]:
        """An inline members object: ``{ '[*]name': TYPE-REF or {type, if, features} }``.

        A member with an error is reported and kept as far as its name and
        type can be read: before 4.2, QEMU checked a union against its base
        type's members (as written) before the base type's own errors."""
        if not isinstance(node, SynObject):
            raise StageError(rules.EXPR_VALUE, f"{source} should be an object or type name", self.span(node))
        permissive = parent is not None and parent in self.pragmas.member_name_exceptions
        file = self.file
        out = []
        for key, (key_node, value) in node.members.items():
            _, start, end = key_node
            span = _new(Span, (file, start, end))
            optional = key[:1] == "*"
            name = key[1:] if optional else key
            if type(value) is SynString and is_plain_member_name(name):
                # The usual member, 'name': 'Type', with nothing to report
                # (what _member makes of it).
                type_name, start, end = value
                plain = _new(TypeRef, (type_name, False, _new(Span, (file, start, end))))
                out.append(_new(Member, (name, optional, plain, None, (), span)))
                continue
            try:
                out.append(self._member(name, optional, span, value, f"{source} member '{key}'", permissive,
                                        "member-name-exceptions" if parent is not None else None))
            except StageError as err:
                self.report(err)
                typ = _type_as_written(value, self.span(value))
                if typ is not None:
                    out.append(_new(Member, (name, optional, typ, None, (), span)))
        return tuple(out)

    def _member(self, name: str, optional: bool, span: Span, value: Node, source: str, permissive: bool,
                lifted_by: str | None) -> Member:
        self.check_part_name(name, span, source, permit_upper=permissive, permit_underscore=permissive,
                             lifted_by=lifted_by)
        cname = c_name(name)
        if cname == "u" or cname.startswith("has_"):
            self.report(StageError(rules.RESERVED_NAME, f"{source} uses reserved name", span))
        cond: Cond | None = None
        features: tuple[Feature, ...] = ()
        if isinstance(value, SynObject):
            self.check_keys(value, source, ["type"], self._member_keys())
            cond = self.cond(value, source)
            features = self.features(value)
            type_node = value.get("type")
        else:
            type_node = value
        typ = self.type_name_or_array(type_node, source)
        assert typ is not None
        return _new(Member, (name, optional, typ, cond, features, span))

    def _member_keys(self) -> list[str]:
        keys = []
        if self.dialect.has("if-inner"):
            keys.append("if")
        if self.dialect.has("features-everywhere"):
            keys.append("features")
        return keys

    def branches(self, node: Node, *, alternate: bool, simple: bool) -> tuple[Branch, ...]:
        if not isinstance(node, SynObject):
            raise StageError(rules.EXPR_VALUE, "'data' must be an object", self.span(node))
        out = []
        for key, (key_node, value) in node.members.items():
            source = f"'data' member '{key}'"
            span = self.span(key_node)
            # From 6.0 a union's branch names are its discriminator's values,
            # checked there.
            if alternate or simple or not self.new_names:
                self.check_part_name(key, span, source)
            cond = None
            if isinstance(value, SynObject):
                self.check_keys(value, source, ["type"], ["if"] if self.dialect.has("if-inner") else [])
                cond = self.cond(value, source)
                type_node = value.get("type")
            else:
                type_node = value
            if simple or (alternate and self.dialect.has("alternate-arrays")):
                typ = self.type_name_or_array(type_node, source)
            else:
                typ = self.type_name(type_node, source)
            assert typ is not None
            out.append(_new(Branch, (key, typ, cond, span)))
        return tuple(out)


# --- the check of one definition -------------------------------------------------

_FLAG_KEYS = frozenset(("gen", "success-response", "boxed", "allow-oob", "allow-preconfig", "coroutine"))


def check_definition(
    node: SynObject, doc: RawDoc | None, file: SourceFile, dialect: Dialect, pragmas: Pragmas,
    *, module_alone: bool = False,
) -> tuple[Definition | None, list[Diagnostic]]:
    """Check one top-level definition; return it (or None) and diagnostics.

    With ``module_alone``, what a pragma of another module could allow is a
    warning, not an error."""
    checker = _Checker(file, dialect, pragmas, module_alone=module_alone)
    members = node.members
    found = _META_SET.intersection(members)
    metas = list(found) if len(found) == 1 else [m for m in META_KINDS if m in members]
    if len(metas) != 1 and (dialect.has("name-case-rules") or not metas):
        listed = ", ".join(f"'{m}'" for m in META_KINDS)
        checker.diagnostics.append(Diagnostic(
            rules.EXPR_KEYS, f"expression must have exactly one key {listed}", file.span(node.start, node.start + 1)))
        return None, checker.diagnostics
    meta = metas[0]
    name_node = members[meta][1]
    if not isinstance(name_node, SynString):
        try:
            checker.name_str(name_node, f"'{meta}'", file.span(node.start, node.start + 1))
        except StageError as err:
            checker.report(err)
        return None, checker.diagnostics
    name = name_node.value
    name_span = checker.span(name_node)
    span = _new(Span, (file, node.start, node.end))
    checker.where = (meta, name, span)
    definition: Definition | None = None
    try:
        _check_defn_name(checker, meta, name, name_span)
        _check_doc_binding(checker, doc, name, span)
        definition = _BUILDERS[meta](checker, node, name, name_span, span, doc)
    except StageError as err:
        checker.report(err)
    if definition is None:
        definition = _broken(meta, name, name_span, span, doc, node)
    elif not dialect.has("name-case-by-definition"):
        checker.diagnostics.extend(_old_case_findings(definition, pragmas, checker.context, module_alone))
    return definition, checker.diagnostics


def _owned_names(definition: Definition) -> tuple[str, str, tuple[tuple[str, Span], ...]]:
    """Before 4.2: the type that owns the members, values or branches of
    ``definition``, how QEMU described them, and their names."""
    name = definition.name
    if isinstance(definition, Enum):
        return name, f"(member of {name})", tuple((v.name, v.span) for v in definition.values)
    if isinstance(definition, Struct):
        return name, f"(member of {name})", tuple((m.name, m.span) for m in definition.members)
    if isinstance(definition, Alternate):
        return name, f"(branch of {name})", tuple((b.name, b.span) for b in definition.branches)
    if isinstance(definition, Union_):
        if definition.is_simple:
            return f"{name}Kind", f"(branch of {name})", tuple((b.name, b.span) for b in definition.branches)
        return f"q_obj_{name}-base", f"(base of {name})", tuple(
            (m.name, m.span) for m in inline_members(definition.base) or ())
    return f"q_obj_{name}-arg", f"(parameter of {name})", tuple(
        (m.name, m.span) for m in inline_members(definition.data) or ())


def _old_case_findings(definition: Definition, pragmas: Pragmas, context: Context | None,
                       module_alone: bool) -> list[Diagnostic]:
    """Before 4.2, QEMU refused upper case in the names of members, enum
    values and branches when it checked them for clashes, unless pragma
    'name-case-whitelist' names the type that owns them.  (With
    ``module_alone``, that pragma may be in another module: a warning.)"""
    owner, described, names = _owned_names(definition)
    if owner in pragmas.member_name_exceptions:
        return []
    # (a struct's features from 4.1, checked after its members, owned by it)
    features = () if definition.name in pragmas.member_name_exceptions else tuple(
        (f"(feature of {definition.name})", feature.name, feature.span) for feature in definition.features)
    for member_described, member, span in (*((described, n, s) for n, s in names), *features):
        if member != member.lower():
            message = f"'{member}' {member_described} should not use uppercase"
            if module_alone:
                return [Diagnostic(rules.NAME_CASE,
                                   f"{message} (unless pragma 'name-case-whitelist' of another module lists it)",
                                   span, context, severity=rules.Severity.WARNING)]
            return [Diagnostic(rules.NAME_CASE, message, span, context)]
    return []


def _check_defn_name(checker: _Checker, meta: Meta, name: str, span: Span) -> None:
    if meta == "event":
        checker.check_name_upper(name, span, meta)
    elif meta == "command":
        checker.check_name_lower(
            name, span, meta, permit_upper=not checker.dialect.has("name-case-rules"),
            permit_underscore=name in checker.pragmas.command_name_exceptions,
            lifted_by="command-name-exceptions")
    else:
        checker.check_name_camel(name, span, meta)
    if meta in ("command", "event") and checker.dialect.has("reserved-suffixes-types-only"):
        return
    if name.endswith("List"):
        raise StageError(rules.RESERVED_NAME, f"{meta} name should not end in 'List'", span)
    if name.endswith("Kind") and not checker.dialect.has("no-simple-unions"):
        raise StageError(rules.RESERVED_NAME, f"{meta} name should not end in 'Kind'", span)


def _check_doc_binding(checker: _Checker, doc: RawDoc | None, name: str, span: Span) -> None:
    """Whether the doc comment before the definition (``span``) is its own."""
    if doc is not None:
        symbol = doc.symbol
        if symbol not in (None, "", name):
            head = span.file.span(span.start, span.start + 1)
            checker.diagnostics.append(Diagnostic(
                rules.DOC_BINDING, f"documentation comment is for '{symbol}'", head, checker.context))
    elif checker.pragmas.doc_required:
        head = span.file.span(span.start, span.start + 1)
        checker.diagnostics.append(Diagnostic(
            rules.DOC_MISSING, "documentation comment required", head, checker.context))


def _keys(dialect: Dialect, meta: Meta, optional: list[str]) -> list[str]:
    """``optional`` with the keys every kind of definition may have."""
    if dialect.has("if"):
        optional.append("if")
    if dialect.has("features-everywhere") or (meta == "struct" and dialect.has("features")) or (
            meta == "command" and dialect.has("features-must-be-documented")):
        optional.append("features")
    return optional


def _definition_keys(dialect: Dialect, meta: Meta) -> tuple[list[str], list[str]]:
    """The keys a definition of kind ``meta`` must have and may have."""
    if meta == "enum":
        return ["enum", "data"], _keys(dialect, meta, ["prefix"])
    if meta == "struct":
        return ["struct", "data"], _keys(dialect, meta, ["base"])
    if meta == "union":
        if dialect.has("no-simple-unions"):
            return ["union", "base", "discriminator", "data"], _keys(dialect, meta, [])
        return ["union", "data"], _keys(dialect, meta, ["base", "discriminator"])
    if meta == "alternate":
        return ["alternate", "data"], _keys(dialect, meta, [])
    if meta == "command":
        optional = ["data", "returns", "boxed", "gen", "success-response"]
        optional += [flag for flag in ("allow-oob", "allow-preconfig", "coroutine") if dialect.has(flag)]
        return ["command"], _keys(dialect, meta, optional)
    return ["event"], _keys(dialect, meta, ["data", "boxed"])


#: what _definition_keys gives, as sets, by release and kind
_KEY_SETS: dict[tuple[tuple[int, int], str], tuple[frozenset[str], frozenset[str]]] = {}


def _check_definition_keys(checker: _Checker, node: SynObject, meta: Meta) -> None:
    """The keys of definition ``node``: those it must have, and no others
    than it may have (the sets made once per release and kind: a
    definition with the right keys, the usual one, costs two set tests)."""
    dialect = checker.dialect
    sets = _KEY_SETS.get((dialect.version, meta))
    if sets is None:
        required, optional = _definition_keys(dialect, meta)
        sets = _KEY_SETS[dialect.version, meta] = (frozenset(required), frozenset(required + optional))
    keys = node.members.keys()
    if keys >= sets[0] and keys <= sets[1]:
        return
    checker.check_keys(node, meta, *_definition_keys(dialect, meta))


def _common(checker: _Checker, node: SynObject, meta: Meta) -> tuple[Cond | None, tuple[Feature, ...]]:
    cond = checker.cond(node, meta)
    features = checker.features(node)
    _check_flags(checker, node)
    return cond, features


def _check_flags(checker: _Checker, node: SynObject) -> None:
    if _FLAG_KEYS.isdisjoint(node.members):
        return
    for key in ("gen", "success-response"):
        value = node.get(key)
        if value is not None and not (isinstance(value, SynBool) and value.value is False):
            raise StageError(rules.INVALID_FLAG, f"flag '{key}' may only use false value", checker.span(value))
    for key in ("boxed", "allow-oob", "allow-preconfig", "coroutine"):
        value = node.get(key)
        if value is not None and not (isinstance(value, SynBool) and value.value is True):
            raise StageError(rules.INVALID_FLAG, f"flag '{key}' may only use true value", checker.span(value))
    if "allow-oob" in node.members and "coroutine" in node.members:
        raise StageError(rules.INVALID_FLAG, "flags 'allow-oob' and 'coroutine' are incompatible",
                   checker.span(node.members["coroutine"][0]))


def _build_enum(checker: _Checker, node: SynObject, name: str, name_span: Span, span: Span,
                doc: RawDoc | None) -> Enum:
    _check_definition_keys(checker, node, "enum")
    data = node.get("data")
    if not isinstance(data, SynList):
        assert data is not None
        raise StageError(rules.EXPR_VALUE, "'data' must be an array", checker.span(data))
    prefix = node.get("prefix")
    if prefix is not None and not isinstance(prefix, SynString):
        checker.report(StageError(rules.EXPR_VALUE, "'prefix' must be a string", checker.span(prefix)))
    permissive = name in checker.pragmas.member_name_exceptions
    value_keys = (["if"] if checker.dialect.has("if-inner") else []) + (
        ["features"] if checker.dialect.has("enum-value-features") else [])
    values = []
    # A value with an error is reported and kept when it has a name: before
    # 4.2 QEMU checked a union or alternate against the values as written
    # before the enum's own errors.
    file = checker.file
    for item in data.items:
        if type(item) is SynString and is_plain_name(item.value):
            # The usual value, with nothing to report (what _enum_value makes of it).
            value_name, start, end = item
            values.append(_new(EnumValue, (value_name, None, (), _new(Span, (file, start, end)))))
            continue
        name_node = item.get("name") if isinstance(item, SynObject) else item
        try:
            values.append(_enum_value(checker, item, value_keys, permissive))
        except StageError as err:
            checker.report(err)
            if isinstance(name_node, SynString):
                values.append(_new(EnumValue, (name_node.value, None, (), checker.span(name_node))))
    cond, features = _common(checker, node, "enum")
    return _new(Enum, (name, name_span, span, doc, cond, features, False, tuple(values),
                       prefix.value if isinstance(prefix, SynString) else None))


def _enum_value(checker: _Checker, item: Node, value_keys: list[str], permissive: bool) -> EnumValue:
    source = "'data' member"
    if isinstance(item, SynObject):
        checker.check_keys(item, source, ("name",), value_keys)
        name_node = item.get("name")
    else:
        name_node = item
    if not isinstance(name_node, SynString):
        checker.name_str(name_node, source, checker.span(item))     # reports it
    assert isinstance(name_node, SynString)
    vname = name_node.value
    vspan = checker.span(name_node)
    source = f"{source} '{vname}'"
    # Enum values may start with a digit: hide it from the name rules.
    checked = "d" + vname if vname[:1].isdigit() else vname
    checker.check_part_name(checked, vspan, source, permit_upper=permissive,
                            lifted_by="member-name-exceptions", permit_underscore=permissive)
    if isinstance(item, SynObject):
        cond = checker.cond(item, source)
        features = checker.features(item)
    else:
        cond, features = None, ()
    return _new(EnumValue, (vname, cond, features, vspan))


def _build_struct(checker: _Checker, node: SynObject, name: str, name_span: Span, span: Span,
                  doc: RawDoc | None) -> Struct:
    _check_definition_keys(checker, node, "struct")
    data = node.get("data")
    assert data is not None
    members = checker.members(data, "'data'", name)
    base = checker.type_name(node.get("base"), "'base'")
    cond, features = _common(checker, node, "struct")
    return _new(Struct, (name, name_span, span, doc, cond, features, False, base, members))


def _build_union(checker: _Checker, node: SynObject, name: str, name_span: Span, span: Span,
                 doc: RawDoc | None) -> Union_:
    _check_definition_keys(checker, node, "union")
    if not checker.dialect.has("no-simple-unions"):
        if "base" in node.members and "discriminator" not in node.members:
            raise StageError(rules.EXPR_KEYS, "'base' requires 'discriminator'", checker.span(node.members["base"][0]))
        if "discriminator" in node.members and "base" not in node.members:
            raise StageError(rules.EXPR_KEYS, "'discriminator' requires 'base'",
                       checker.span(node.members["discriminator"][0]))
    base_node = node.get("base")
    base: TypeRef | tuple[Member, ...] | None = None
    if isinstance(base_node, SynString):
        base = TypeRef(base_node.value, False, checker.span(base_node))
    elif base_node is not None:
        base = checker.members(base_node, "'base'", name)
    disc_node = node.get("discriminator")
    discriminator = None
    disc_span = None
    if disc_node is not None:
        discriminator = checker.name_str(disc_node, "'discriminator'", checker.span(disc_node))
        disc_span = checker.span(disc_node)
    data = node.get("data")
    assert data is not None
    branches = checker.branches(data, alternate=False, simple=discriminator is None)
    cond, features = _common(checker, node, "union")
    return _new(Union_, (name, name_span, span, doc, cond, features, False, base, discriminator, disc_span,
                         branches))


def _build_alternate(checker: _Checker, node: SynObject, name: str, name_span: Span, span: Span,
                     doc: RawDoc | None) -> Alternate:
    _check_definition_keys(checker, node, "alternate")
    data = node.get("data")
    assert data is not None
    empty = (isinstance(data, SynObject) and not data.members) or (
        isinstance(data, (SynList, SynString)) and not (data.items if isinstance(data, SynList) else data.value))
    if empty:
        raise StageError(rules.EXPR_VALUE, "'data' must not be empty", checker.span(data))
    branches = checker.branches(data, alternate=True, simple=False)
    if len(branches) < 2 and not checker.dialect.has("alternate-single-branch"):
        raise StageError(rules.EXPR_VALUE, "alternate should have at least two branches in 'data'",
                   checker.span(data))
    cond, features = _common(checker, node, "alternate")
    return _new(Alternate, (name, name_span, span, doc, cond, features, False, branches))


def _args(checker: _Checker, node: SynObject, meta: Meta) -> tuple[TypeRef | tuple[Member, ...] | None, bool]:
    data = node.get("data")
    boxed_node = node.get("boxed")
    boxed = isinstance(boxed_node, SynBool) and boxed_node.value
    if boxed:
        if data is None:
            assert boxed_node is not None
            raise StageError(rules.EXPR_VALUE, "'boxed': true requires 'data'", checker.span(boxed_node))
        return checker.type_name(data, "'data'"), True
    if data is None:
        return None, False
    if isinstance(data, SynString):
        return TypeRef(data.value, False, checker.span(data)), False
    return checker.members(data, "'data'", None), False


def _build_command(checker: _Checker, node: SynObject, name: str, name_span: Span, span: Span,
                   doc: RawDoc | None) -> Command:
    _check_definition_keys(checker, node, "command")
    data, boxed = _args(checker, node, "command")
    returns = checker.type_name_or_array(node.get("returns"), "'returns'")
    cond, features = _common(checker, node, "command")

    members = node.members

    def flag(key: str, default: bool) -> bool:
        pair = members.get(key)
        return pair[1].value if pair is not None and isinstance(pair[1], SynBool) else default

    return _new(Command, (name, name_span, span, doc, cond, features, False, data, returns, boxed,
                          flag("gen", True), flag("success-response", True), flag("allow-oob", False),
                          flag("allow-preconfig", False), flag("coroutine", False)))


def _build_event(checker: _Checker, node: SynObject, name: str, name_span: Span, span: Span,
                 doc: RawDoc | None) -> Event:
    _check_definition_keys(checker, node, "event")
    data, boxed = _args(checker, node, "event")
    cond, features = _common(checker, node, "event")
    return _new(Event, (name, name_span, span, doc, cond, features, False, data, boxed))


_BUILDERS: dict[str, Callable[[_Checker, SynObject, str, Span, Span, RawDoc | None], Definition]] = {
    "enum": _build_enum, "struct": _build_struct, "union": _build_union,
    "alternate": _build_alternate, "command": _build_command, "event": _build_event,
}

_BROKEN_CLASSES: dict[str, type[Definition]] = {
    "enum": Enum, "struct": Struct, "union": Union_, "alternate": Alternate,
    "command": Command, "event": Event,
}


def _type_as_written(value: Node, span: Span) -> TypeRef | None:
    """The type a member with an error names, if it names one: a string,
    ``{'type': string}``, or an array whose first item is a string."""
    if isinstance(value, SynObject):
        value = value.get("type") or value
    if isinstance(value, SynString):
        return _new(TypeRef, (value.value, False, span))
    if isinstance(value, SynList) and value.items and isinstance(value.items[0], SynString):
        return _new(TypeRef, (value.items[0].value, True, span))
    return None


def _broken(meta: Meta, name: str, name_span: Span, span: Span, doc: RawDoc | None, node: SynObject) -> Definition:
    returns = node.get("returns") if meta == "command" else None
    if returns is not None:
        # (as written: what its doc comment's 'Returns' section is checked against)
        where = _new(Span, (span.file, returns.start, returns.end))
        written = _type_as_written(returns, where) or _new(TypeRef, ("", False, where))
        return Command(name, name_span, span, doc, None, (), True, returns=written)
    return _BROKEN_CLASSES[meta](name, name_span, span, doc, None, (), True)


# --- evidence for dialect detection ------------------------------------------------

_C_EXPR = re.compile(r"defined\s*\(|[!&|()]")


def gather_pragma_evidence(pragma: SynObject, evidence: DialectEvidence) -> None:
    """Note what the keys of a pragma directive say about its era."""
    for key in pragma.members:
        if key in ("returns-whitelist", "name-case-whitelist"):
            evidence.before("pragma-exceptions", f"pragma '{key}'")
        elif key in ("command-returns-exceptions", "member-name-exceptions", "command-name-exceptions"):
            evidence.at_least("pragma-exceptions", f"pragma '{key}'")
        elif key == "documentation-exceptions":
            evidence.at_least("documentation-exceptions", f"pragma '{key}'")


def gather_schema_evidence(nodes: list[SynObject], evidence: DialectEvidence) -> None:
    """Note what the definitions say about their era together: a union
    branch that is itself a union (8.1)."""
    unions = [node for node in nodes if "union" in node.members and isinstance(node.get("union"), SynString)]
    names = {name.value for node in unions if isinstance(name := node.get("union"), SynString)}
    for node in unions:
        data = node.get("data")
        if not isinstance(data, SynObject):
            continue
        for _, branch in data.members.values():
            if isinstance(branch, SynObject):
                branch = branch.get("type") or branch
            if isinstance(branch, SynString) and branch.value in names:
                evidence.at_least("union-branch-unions", "a union branch that is a union")
                return


def gather_evidence(node: SynObject, evidence: DialectEvidence, text: str | None = None) -> None:
    """Note what ``node`` (a top-level expression) says about its era
    (``text``: the text of its file, when known)."""
    members = node.members
    if "union" in members and "discriminator" not in members and "base" not in members:
        evidence.before("no-simple-unions", "a simple union")
    if "alternate" in members and isinstance(data := node.get("data"), SynObject):
        for _, branch in data.members.values():
            if isinstance(branch, SynObject):
                branch = branch.get("type") or branch
            if isinstance(branch, SynList):
                evidence.at_least("alternate-arrays", "an alternate with an array branch")
    for key in ("allow-oob", "coroutine", "allow-preconfig"):
        if key in members:
            evidence.at_least({"allow-oob": "allow-oob", "coroutine": "coroutine",
                               "allow-preconfig": "allow-preconfig"}[key], f"the '{key}' flag")
    if text is not None:
        # What _cond_evidence looks for is under a key 'if', 'features' or
        # 'type': where none is written (nor an escape), it finds nothing.
        find, start, end = text.find, node.start, node.end
        if (find("'if'", start, end) < 0 and find("'features'", start, end) < 0
                and find("'type'", start, end) < 0 and find("\\", start, end) < 0):
            return
    _cond_evidence(node, evidence, 0)


_EVIDENCE_KEYS = frozenset(("features", "type", "if"))


def _cond_evidence(node: Node, evidence: DialectEvidence, depth: int) -> None:
    if not isinstance(node, SynObject):
        if isinstance(node, SynList) and depth < 4:
            for item in node.items:
                if isinstance(item, (SynObject, SynList)):
                    _cond_evidence(item, evidence, depth + 1)
        return
    if _EVIDENCE_KEYS.isdisjoint(node.members):
        # Nothing here to note: only what is inside (the common case).
        if depth < 4:
            for _, value in node.members.values():
                if isinstance(value, (SynObject, SynList)):
                    _cond_evidence(value, evidence, depth + 1)
        return
    for key, (_, value) in node.members.items():
        if key == "features" and depth == 0:
            meta = next((m for m in META_KINDS if m in node.members), "struct")
            change = {"struct": "features", "command": "features-must-be-documented"}.get(
                meta, "features-everywhere")
            evidence.at_least(change, f"'features' on {'an' if meta[0] in 'aeiou' else 'a'} {meta}")
        if key == "features" and depth > 1:
            if "name" in node.members:
                evidence.at_least("enum-value-features", "'features' on an enum value")
            else:
                evidence.at_least("features-everywhere", "'features' on a member")
        if key == "type" and depth > 1:
            evidence.at_least("if-inner", "a member in the long form { 'type': ... }")
        if key == "if":
            evidence.at_least("if", "an 'if' condition")
            if isinstance(value, SynObject):
                evidence.at_least("if-objects", "an 'if' condition object")
            elif isinstance(value, SynList) or (isinstance(value, SynString) and _C_EXPR.search(value.value)):
                evidence.before("if-objects", "a C-expression 'if' condition")
            elif isinstance(value, SynString) and _IDENT.fullmatch(value.value):
                evidence.at_least("if-objects", "an 'if' condition naming a bare symbol")
        elif depth < 4 and isinstance(value, (SynObject, SynList)):
            _cond_evidence(value, evidence, depth + 1)
