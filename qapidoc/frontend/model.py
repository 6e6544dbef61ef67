"""Model: the resolved, checked schema.

Takes the typed definitions of :mod:`qapidoc.expressions` and returns a
:class:`Schema`: every entity (built-in, enum, object, alternate, array,
command, event) by name, in definition order, with implicit types made
explicit, base members flattened and union branches completed.  Entities
refer to each other by name (``schema.types[name]``), which keeps the model
frozen, acyclic and serialisable even for recursive types.

This stage owns the checks that need the whole schema: unknown types, name
clashes, base and branch rules, alternate ambiguity, the returns and boxed
rules.  An entity that fails a check is left out of ``schema.types`` and
recorded in ``schema.broken``, so what depends on it is not reported again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import rules
from ..diagnostics import Diagnostic, Note, StageError
from ..records import NamedTuple
from ..rules import Rule
from ..source import Span
from .dialect import Dialect
from .expressions import (
    Alternate,
    Branch,
    Command,
    Cond,
    Definition,
    Enum,
    EnumValue,
    Event,
    Feature,
    Member,
    Pragmas,
    Struct,
    TypeRef,
    Union_,
    c_name,
    inline_members,
)

__all__ = [
    "BUILTIN_TYPES",
    "AlternateType",
    "ArrayType",
    "Built",
    "BuiltinType",
    "CommandEntity",
    "Entity",
    "EnumMember",
    "EnumType",
    "EventEntity",
    "ObjectMember",
    "ObjectType",
    "Schema",
    "Variant",
    "Variants",
    "build_model",
]


# --- entities ----------------------------------------------------------------------

class BuiltinType(NamedTuple):
    name: str
    json_type: str              # 'string', 'integer', 'number', 'boolean', 'null', 'value'
    minimum: int | None = None
    maximum: int | None = None

    @property
    def meta(self) -> str:
        return "built-in"

    @property
    def is_implicit(self) -> bool:
        return False


_I = [(f"int{n}", -(2 ** (n - 1)), 2 ** (n - 1) - 1) for n in (8, 16, 32, 64)]
_U = [(f"uint{n}", 0, 2 ** n - 1) for n in (8, 16, 32, 64)]
BUILTIN_TYPES: dict[str, BuiltinType] = {
    b.name: b for b in [
        BuiltinType("str", "string"),
        BuiltinType("number", "number"),
        BuiltinType("int", "integer", -(2 ** 63), 2 ** 63 - 1),
        *(BuiltinType(n, "integer", lo, hi) for n, lo, hi in _I),
        *(BuiltinType(n, "integer", lo, hi) for n, lo, hi in _U),
        BuiltinType("size", "integer", 0, 2 ** 64 - 1),
        BuiltinType("bool", "boolean"),
        BuiltinType("null", "null"),
        BuiltinType("any", "value"),
    ]
}
_QTYPE_VALUES = ("none", "qnull", "qnum", "qstring", "qdict", "qlist", "qbool")
#: definitions whose names are no types
_NOT_TYPES = frozenset(("command", "event"))


class EnumMember(NamedTuple):
    name: str
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    span: Span | None = None


class EnumType(NamedTuple):
    name: str
    values: tuple[EnumMember, ...]
    prefix: str | None = None
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    definition: Definition | None = None
    implicit: bool = False           # the Kind enum of a simple union, and QType

    @property
    def meta(self) -> str:
        return "enum"

    @property
    def is_implicit(self) -> bool:
        return self.implicit

    @property
    def value_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.values)


class ObjectMember(NamedTuple):
    name: str
    type: str                     # the resolved type's name
    optional: bool
    defined_in: str               # the object type whose own member it is
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    span: Span | None = None


class Variant(NamedTuple):
    name: str
    type: str
    cond: Cond | None = None
    span: Span | None = None
    #: True for an enum value the union did not name (its type is q_empty)
    implicit: bool = False


class Variants(NamedTuple):
    """Union branches (selected by ``tag``) or alternate branches."""

    tag: ObjectMember
    branches: tuple[Variant, ...]


class ObjectType(NamedTuple):
    name: str
    base: str | None
    local_members: tuple[ObjectMember, ...]
    #: base members first, then local ones: the wire order
    members: tuple[ObjectMember, ...]
    variants: Variants | None = None
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    definition: Definition | None = None
    implicit: bool = False

    @property
    def meta(self) -> str:
        return "union" if self.variants is not None else "struct"

    @property
    def is_implicit(self) -> bool:
        return self.implicit


class AlternateType(NamedTuple):
    name: str
    variants: Variants
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    definition: Definition | None = None

    @property
    def meta(self) -> str:
        return "alternate"

    @property
    def is_implicit(self) -> bool:
        return False


class ArrayType(NamedTuple):
    name: str
    element: str
    span: Span | None = None      # where it was first used

    @property
    def meta(self) -> str:
        return "array"

    @property
    def is_implicit(self) -> bool:
        return True


class CommandEntity(NamedTuple):
    name: str
    arg_type: str | None
    boxed: bool
    ret_type: str | None
    gen: bool = True
    success_response: bool = True
    allow_oob: bool = False
    allow_preconfig: bool = False
    coroutine: bool = False
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    definition: Command | None = None

    @property
    def meta(self) -> str:
        return "command"

    @property
    def is_implicit(self) -> bool:
        return False


class EventEntity(NamedTuple):
    name: str
    arg_type: str | None
    boxed: bool
    cond: Cond | None = None
    features: tuple[Feature, ...] = ()
    definition: Event | None = None

    @property
    def meta(self) -> str:
        return "event"

    @property
    def is_implicit(self) -> bool:
        return False


TypeEntity = BuiltinType | EnumType | ObjectType | AlternateType | ArrayType
Entity = TypeEntity | CommandEntity | EventEntity


class Schema(NamedTuple):
    """The checked schema.  ``entities`` keeps definition order."""

    entities: dict[str, Entity]
    #: names of definitions that failed a check (left out of ``entities``)
    broken: frozenset[str]
    #: user definitions in source order (including broken ones)
    definitions: tuple[Definition, ...]
    pragmas: Pragmas
    dialect: Dialect
    #: the module (file path) each entity was defined in; None for built-ins
    modules: dict[str, str | None]
    #: the definition each entity comes from (for implicit types, the
    #: definition that made them; for arrays, their first user)
    origins: dict[str, Definition]

    def lookup(self, name: str) -> Entity | None:
        return self.entities.get(name)

    def type(self, name: str) -> TypeEntity | None:
        ent = self.entities.get(name)
        return ent if ent is not None and not isinstance(ent, (CommandEntity, EventEntity)) else None

    def commands(self) -> Iterator[CommandEntity]:
        return (e for e in self.entities.values() if isinstance(e, CommandEntity))

    def events(self) -> Iterator[EventEntity]:
        return (e for e in self.entities.values() if isinstance(e, EventEntity))

    def object(self, name: str | None) -> ObjectType | None:
        ent = self.entities.get(name) if name is not None else None
        return ent if isinstance(ent, ObjectType) else None


# --- building -----------------------------------------------------------------------

_new = tuple.__new__     # a named tuple without its Python-level __new__


def _head(span: Span) -> Span:
    """The first character of a definition: where QEMU reports it."""
    return span.file.span(span.start, span.start + 1)


class _DependencyError(Exception):
    """A check that depends on a broken entity: nothing new to report."""


class _ObjRec:
    """The working record of an object type (struct, union, alternate,
    implicit type) before and while it is checked."""

    __slots__ = ("base", "branches", "checking", "definition", "implicit", "local", "members", "name", "result",
                 "simple_union", "tag_name", "tag_span", "wrapper_cond")

    def __init__(self, name: str, definition: Definition | None, base: TypeRef | None,
                 local: list[tuple[Member, str]], branches: list[tuple[Branch, str]] | None,
                 tag_name: str | None, tag_span: Span | None, implicit: bool, *,
                 simple_union: bool = False, wrapper_cond: tuple[Cond | None] | None = None) -> None:
        self.name = name
        self.definition = definition
        self.base = base
        self.local = local                  # member, its (resolved-name) type
        self.branches = branches
        self.tag_name = tag_name
        self.tag_span = tag_span
        self.implicit = implicit
        self.simple_union = simple_union
        self.members: tuple[ObjectMember, ...] | None = None
        self.checking = False
        self.result: ObjectType | None = None
        #: a simple union's wrapper type has the condition of the type it
        #: wraps (when defined before the union), not the union's
        self.wrapper_cond = wrapper_cond


class _Definitions:
    """The first stage of the model: every definition put in its place by
    name (entities, the records of objects and arrays, what each came
    from), before anything is resolved; :class:`_Checker` does the rest."""

    __slots__ = ("arrays", "broken", "defined_at", "diagnostics", "dialect", "entities", "meta_of",
                 "module_alone", "modules", "objects", "order", "owner", "pending", "pragmas", "turns")

    def __init__(self, dialect: Dialect, pragmas: Pragmas, *, module_alone: bool = False) -> None:
        self.dialect = dialect
        self.pragmas = pragmas
        self.module_alone = module_alone
        self.diagnostics: list[Diagnostic] = []
        self.entities: dict[str, Entity] = {}
        self.order: list[str] = []
        #: each entity checked in turn, with where its turn's diagnostics begin
        self.turns: list[tuple[str, int]] = []
        #: where each definition is (its whole span; its head is reported)
        self.defined_at: dict[str, Span | None] = {}
        self.meta_of: dict[str, str] = {}
        self.owner: dict[str, Definition] = {}          # entity -> definition it came from
        self.objects: dict[str, _ObjRec] = {}
        self.arrays: dict[str, tuple[str, Span | None]] = {}
        self.pending: dict[str, Definition] = {}
        self.broken: set[str] = set()
        self.modules: dict[str, str | None] = {}

    # -- definition ----------------------------------------------------------

    def predefine(self) -> None:
        for builtin in BUILTIN_TYPES.values():
            self._add(builtin.name, "built-in", None, None)
            self.entities[builtin.name] = builtin
            self._def_array(builtin.name, None, None)
        self._add("q_empty", "struct", None, None)
        self.objects["q_empty"] = _ObjRec("q_empty", None, None, [], None, None, None, True)
        self._add("QType", "enum", None, None)
        self.entities["QType"] = EnumType("QType", tuple(EnumMember(v) for v in _QTYPE_VALUES),
                                          None, implicit=True)
        self._def_array("QType", None, None)

    def _add(self, name: str, meta: str, span: Span | None, definition: Definition | None) -> bool:
        if name in self.meta_of:
            if definition is None:
                return False       # an implicit type defined twice: reported with its owner
            previous = self.defined_at.get(name)
            where = _head(span) if span is not None else definition.name_span
            if previous is not None:
                self.report(definition, rules.REDEFINITION, f"'{name}' is already defined", where,
                            (Note("previous definition", _head(previous)),))
            else:
                self.report(definition, rules.REDEFINITION,
                            f"{self.meta_of[name]} type '{name}' is already defined", where)
            return False
        self.meta_of[name] = meta
        self.defined_at[name] = span
        self.order.append(name)
        if definition is not None:
            self.owner[name] = definition
            self.modules[name] = definition.span.file.path
        else:
            self.modules.setdefault(name, None)
        return True

    def _def_array(self, element: str, span: Span | None, definition: Definition | None) -> str:
        name = element + "List"
        if name not in self.meta_of:
            self._add(name, "array", None, None)
            self.arrays[name] = (element, span)
            if definition is not None:
                self.owner[name] = definition
                self.modules[name] = definition.span.file.path
        return name

    def _type_name(self, ref: TypeRef, definition: Definition) -> str:
        if ref.is_array:
            return self._def_array(ref.name, ref.span, definition)
        return ref.name

    def _members(self, members: tuple[Member, ...], definition: Definition) -> list[tuple[Member, str]]:
        return [(m, self._type_name(m.type, definition)) for m in members]

    def _implicit_object(self, name: str, definition: Definition,
                         members: list[tuple[Member, str]]) -> str | None:
        if not members:
            return None
        if name not in self.meta_of:
            self._add(name, "struct", None, None)
            self.owner[name] = definition
            self.modules[name] = definition.span.file.path
            self.objects[name] = _ObjRec(name, definition, None, members, None, None, None, True)
        return name

    def define(self, definition: Definition) -> None:
        if definition.broken:
            self.broken.add(definition.name)
            if definition.name in self.meta_of:
                self._add(definition.name, definition.meta, definition.span, definition)   # reports it
            else:
                self.meta_of[definition.name] = definition.meta
                self.defined_at[definition.name] = definition.span
            return
        span = definition.span
        if isinstance(definition, Enum):
            if self._add(definition.name, "enum", span, definition):
                self.pending[definition.name] = definition
        elif isinstance(definition, Struct):
            local = self._members(definition.members, definition)
            if self._add(definition.name, "struct", span, definition):
                self.objects[definition.name] = _ObjRec(
                    definition.name, definition, definition.base, local, None, None, None, False)
        elif isinstance(definition, Union_):
            self._define_union(definition, span)
        elif isinstance(definition, Alternate):
            branches = [(b, self._type_name(b.type, definition)) for b in definition.branches]
            if self._add(definition.name, "alternate", span, definition):
                self.pending[definition.name] = definition
                self.objects[definition.name] = _ObjRec(
                    definition.name, definition, None, [], branches, None, None, False)
        elif isinstance(definition, (Command, Event)):
            inline = inline_members(definition.data)
            if inline is not None:
                self._implicit_object(f"q_obj_{definition.name}-arg", definition,
                                      self._members(inline, definition))
            if isinstance(definition, Command) and definition.returns is not None:
                self._type_name(definition.returns, definition)
            if self._add(definition.name, definition.meta, span, definition):
                self.pending[definition.name] = definition

    def _define_union(self, definition: Union_, span: Span) -> None:
        if definition.is_simple:
            self._define_simple_union(definition, span)
            return
        base: TypeRef | None
        inline = inline_members(definition.base)
        if inline is not None:
            base_name = self._implicit_object(
                f"q_obj_{definition.name}-base", definition, self._members(inline, definition))
            base = TypeRef(base_name, False, definition.name_span) if base_name else None
        else:
            base = definition.base if isinstance(definition.base, TypeRef) else None
        branches = [(b, self._type_name(b.type, definition)) for b in definition.branches]
        if self._add(definition.name, "union", span, definition):
            self.objects[definition.name] = _ObjRec(
                definition.name, definition, base, [], branches, definition.discriminator,
                definition.discriminator_span, False)
            if base is None:
                # An empty inline base: the discriminator cannot be in it.
                self.objects[definition.name].base = None

    def _define_simple_union(self, definition: Union_, span: Span) -> None:
        """A pre-6.2 simple union: wire form ``{"type": BRANCH, "data": VALUE}``."""
        kind = definition.name + "Kind"
        values = tuple(EnumMember(b.name, b.cond, (), b.span) for b in definition.branches)
        seen: dict[str, Branch] = {}
        for branch in definition.branches:
            other = seen.setdefault(c_name(branch.name), branch)
            if other is not branch:
                # The branch names are the values of the implicit enum.
                self.report(definition, rules.MEMBER_CLASH,
                            f"branch '{branch.name}' collides with branch '{other.name}'", branch.span,
                            (Note(f"branch '{other.name}' is here", other.span),))
                self.broken.add(definition.name)
                break
        # As QEMU: the wrappers first, then the enum of the branch names.
        branches = []
        for branch in definition.branches:
            wrapped = self.owner.get(branch.type.name) if branch.type.name in self.defined_at else None
            type_name = self._type_name(branch.type, definition)
            wrapper = f"q_obj_{type_name}-wrapper"
            if wrapper not in self.meta_of:
                self._add(wrapper, "struct", None, None)
                self.owner[wrapper] = definition
                self.modules[wrapper] = definition.span.file.path
                data = Member("data", False, TypeRef(type_name, False, branch.type.span), None, (), branch.span)
                self.objects[wrapper] = _ObjRec(wrapper, definition, None, [(data, type_name)], None,
                                                None, None, True,
                                                wrapper_cond=(wrapped.cond if wrapped is not None else None,))
            branches.append((branch, wrapper))
        if self._add(kind, "enum", None, None):
            self.entities[kind] = EnumType(kind, values, None, definition.cond, (), definition, True)
            self.owner[kind] = definition
            self.modules[kind] = definition.span.file.path
        if self._add(definition.name, "union", span, definition):
            tag = Member("type", False, TypeRef(kind, False, definition.name_span), None, (),
                         definition.name_span)
            self.objects[definition.name] = _ObjRec(
                definition.name, definition, None, [(tag, kind)], branches, "type",
                definition.name_span, False, simple_union=True)

    # -- reporting -------------------------------------------------------------

    def report(self, definition: Definition | None, rule: Rule, message: str, span: Span,
               notes: tuple[Note, ...] = ()) -> None:
        context = definition.context if definition is not None else None
        self.diagnostics.append(Diagnostic(rule, message, span, context, notes))

    def check_feature_limit(self, definitions: list[Definition]) -> None:
        if not self.dialect.has("feature-limit"):
            return
        # The two special features count whether they are used or not.
        names = {"deprecated", "unstable"}
        for definition in definitions:
            for feature in _all_features(definition):
                if feature.name not in names:
                    names.add(feature.name)
                    if len(names) == 65:
                        self.report(definition, rules.FEATURE_USE,
                                    "Maximum of 64 schema features is permitted", feature.span)
                        return


class _Checker:
    """The second stage: each definition of :class:`_Definitions` resolved
    and checked in source order, its entity made (or it is marked broken).
    It works on the same tables, which it completes."""

    __slots__ = ("arrays", "broken", "current", "diagnostics", "dialect", "entities", "incomplete", "meta_of",
                 "module_alone", "objects", "order", "owner", "pending", "pragmas", "report", "turns",
                 "unknown_reported")

    def __init__(self, defined: _Definitions) -> None:
        self.dialect = defined.dialect
        self.pragmas = defined.pragmas
        self.module_alone = defined.module_alone
        self.report = defined.report
        # the same tables, not copies
        self.diagnostics = defined.diagnostics
        self.entities = defined.entities
        self.order = defined.order
        self.turns = defined.turns
        self.meta_of = defined.meta_of
        self.owner = defined.owner
        self.objects = defined.objects
        self.arrays = defined.arrays
        self.pending = defined.pending
        self.broken = defined.broken
        #: the definition being checked
        self.current: str | None = None
        self.unknown_reported: set[str] = set()
        #: entities that refer to unknown types: checked, then left out
        self.incomplete: set[str] = set()

    def check_all(self) -> None:
        for name in list(self.order):
            self.turns.append((name, len(self.diagnostics)))
            self.current = name
            try:
                self._check_entity(name)
                if name in self.incomplete:
                    self._mark_broken(name)
            except StageError as fail:
                definition = self.owner.get(name)
                self.diagnostics.append(fail.diagnostic(definition.context if definition else None))
                self._mark_broken(name)
            except _DependencyError:
                self._mark_broken(name)

    def _mark_broken(self, name: str) -> None:
        self.broken.add(name)
        self.entities.pop(name, None)
        definition = self.owner.get(name)
        if definition is not None and definition.name != name:
            # An implicit type failed: its user cannot be complete either.
            self.broken.add(definition.name)

    def _check_entity(self, name: str) -> None:
        meta = self.meta_of[name]
        if name in self.entities and meta in ("built-in",):
            return
        if meta == "array":
            self._check_array(name)
        elif name in self.objects and meta in ("struct", "union"):
            self._check_object(name)
        elif meta == "alternate":
            self._check_alternate(name)
        elif meta == "enum":
            self._check_enum(name)
        elif meta == "command":
            self._check_command(name)
        elif meta == "event":
            self._check_event(name)

    def _resolve(self, name: str, what: str, span: Span | None) -> str:
        """Check that type ``name`` exists.

        An unknown type is reported once per name (as a warning with
        ``module_alone``) and checking goes on, so one missing type does not
        hide the next; without ``module_alone`` the entity is left out of
        the model once checked."""
        if name in self.broken:
            raise _DependencyError()
        if name not in self.meta_of:
            if name not in self.unknown_reported and span is not None:
                self.unknown_reported.add(name)
                definition = self.owner.get(self.current or "")
                if self.module_alone:
                    self.diagnostics.append(Diagnostic(
                        rules.UNKNOWN_TYPE, f"{what} uses type '{name}', which this module does not define",
                        span, definition.context if definition else None, severity=rules.Severity.WARNING))
                else:
                    self.diagnostics.append(Diagnostic(
                        rules.UNKNOWN_TYPE, f"{what} uses unknown type '{name}'", span,
                        definition.context if definition else None))
            if not self.module_alone:
                self.incomplete.add(self.current or name)
        return name

    def _go_on_after(self, rule: Rule, message: str, span: Span, notes: tuple[Note, ...] = ()) -> None:
        """Report a finding about the definition being checked, which is
        kept: the checks of what uses it still run."""
        self.report(self.owner.get(self.current or ""), rule, message, span, notes)

    def _check_is_type(self, name: str, what: str, span: Span) -> None:
        """A command or an event is no type (it names no entity a member
        or an array may hold)."""
        meta = self.meta_of.get(name)
        if meta in _NOT_TYPES:
            raise StageError(rules.WRONG_TYPE_KIND, f"{what} cannot use {meta} type '{name}'", span)

    def _known(self, name: str) -> bool:
        return name in self.meta_of

    def _describe_type(self, name: str) -> str:
        meta = self.meta_of.get(name, "type")
        if meta == "array":
            return f"array type ['{self.arrays[name][0]}']"
        return f"{meta} type '{name}'"

    def _check_features(self, features: tuple[Feature, ...], owner: str) -> None:
        """Features that collide are reported; what has them is kept (a
        definition that uses it is still checked)."""
        seen: dict[str, Feature] = {}
        for feature in features:
            other = seen.get(c_name(feature.name))
            if other is not None:
                self._go_on_after(rules.MEMBER_CLASH, f"feature '{feature.name}' collides with feature '{other.name}'",
                                  feature.span, (Note(f"feature '{other.name}' is here", other.span),))
                continue
            seen[c_name(feature.name)] = feature

    def _check_type_features(self, definition: Definition) -> None:
        if not definition.features:
            return
        self._check_features(definition.features, definition.name)
        special = ("deprecated", "unstable") if self.dialect.has("special-features-not-on-types") else (
            "deprecated",)
        if self.dialect.has("features-everywhere"):
            for feature in definition.features:
                if feature.name in special:
                    raise StageError(rules.FEATURE_USE, f"feature '{feature.name}' is not supported for types",
                                feature.span)

    def _check_enum(self, name: str) -> None:
        if name in self.entities:
            return          # predefined or implicit
        definition = self.pending[name]
        assert isinstance(definition, Enum)
        self._check_type_features(definition)
        seen: dict[str, EnumMember] = {}
        values = []
        for value in definition.values:
            member = _new(EnumMember, (value.name, value.cond, value.features, value.span))
            if value.features:
                self._check_features(value.features, name)
            key = c_name(value.name)
            other = seen.get(key)
            if other is not None:
                # Reported, and the enum kept with the first of the two: a
                # definition that uses it is still checked (before 4.2 QEMU
                # checked an alternate's branches before the enum's clashes).
                assert value.span is not None
                self.report(definition, rules.MEMBER_CLASH, f"value '{value.name}' collides with value '{other.name}'",
                            value.span, (Note(f"value '{other.name}' is here", other.span),))
                continue
            seen[key] = member
            values.append(member)
        self.entities[name] = EnumType(name, tuple(values), definition.prefix, definition.cond,
                                       definition.features, definition)

    def _check_array(self, name: str) -> None:
        element, span = self.arrays[name]
        if name in self.entities:
            return
        definition = self.owner.get(name)
        what = definition.meta if definition is not None else "array"
        where = span or (definition.name_span if definition else None)
        self._resolve(element, what, where)
        if where is not None:       # (no built-in array holds a command)
            self._check_is_type(element, "array", where)
        self.entities[name] = ArrayType(name, element, span)

    # Members are described as QEMU does: "member 'x' of type 'T'".
    def _describe_member(self, member: ObjectMember, context: str, role: str = "member") -> str:
        defined_in = member.defined_in
        meta = "type"
        if defined_in.startswith("q_obj_"):
            defined_in = defined_in[6:]
            if defined_in.endswith("-arg"):
                role, meta, defined_in = "parameter", "command", defined_in[:-4]
            elif defined_in.endswith("-base"):
                role, defined_in = "base " + role, defined_in[:-5]
            elif defined_in.endswith("-wrapper"):
                role, defined_in = "branch", defined_in[:-8]
        if defined_in != context:
            return f"{role} '{member.name}' of {meta} '{defined_in}'"
        return f"{role} '{member.name}'"

    def _here(self) -> Span:
        """The name of the definition being checked: where to report when
        nothing narrower is known."""
        definition = self.owner.get(self.current or "")
        if definition is None:
            raise _DependencyError()
        return definition.name_span

    def _clash(self, member: ObjectMember, seen: dict[str, ObjectMember], context: str,
               at: Span | None, *, outside: bool = False) -> None:
        """Record ``member``; report a clash with a member already seen.

        The report goes to the member, or to ``at`` when the member is
        ``outside`` the definition being checked (a branch type's member is
        reported at the branch), with notes on where both members are.  The
        type is kept without the second member, so the definitions that use
        it are still checked (before 4.2 QEMU checked a union, an alternate
        or a command before the clashes of the types they use)."""
        key = c_name(member.name)
        other = seen.get(key)
        if other is None:
            seen[key] = member
            return
        described = self._describe_member(member, context)
        other_described = self._describe_member(other, context)
        notes = tuple(Note(f"{d} is here", m.span) for d, m in
                      ((described, member), (other_described, other)) if m.span is not None)
        where = (at if outside else member.span or at) or self._here()
        self._go_on_after(rules.MEMBER_CLASH, f"{described} collides with {other_described}", where,
                          notes if outside else notes[1:])

    def _clashes(self, members: tuple[ObjectMember, ...], seen: dict[str, ObjectMember], context: str,
                 at: Span) -> None:
        """:meth:`_clash` for each of ``members``, which are from outside the
        definition being checked (the usual member, which clashes with
        nothing, without a call)."""
        for member in members:
            key = c_name(member.name)
            if key in seen:
                self._clash(member, seen, context, at, outside=True)
            else:
                seen[key] = member

    def _context_name(self, rec: _ObjRec) -> str:
        return rec.definition.name if rec.definition is not None else rec.name

    def _check_dependency(self, name: str) -> tuple[ObjectMember, ...]:
        """Check object type ``name`` on behalf of another entity.  Its own
        failure is reported for it; the caller only learns it cannot go on."""
        rec = self.objects.get(name)
        if name == self.current or rec is None or rec.checking:
            return self._check_object(name)
        saved = self.current
        self.current = name
        try:
            return self._check_object(name)
        except StageError as fail:
            owner = self.owner.get(name)
            self.diagnostics.append(fail.diagnostic(owner.context if owner else None))
            self._mark_broken(name)
            raise _DependencyError() from None
        except _DependencyError:
            self._mark_broken(name)
            raise
        finally:
            self.current = saved

    def _check_object(self, name: str) -> tuple[ObjectMember, ...]:
        """Check an object type; return its members (base first)."""
        rec = self.objects.get(name)
        if rec is None:
            raise _DependencyError()    # unknown or broken: reported where it is
        if rec.members is not None:
            return rec.members
        if name in self.broken:
            raise _DependencyError()
        definition = rec.definition
        if rec.checking:
            assert definition is not None
            raise StageError(rules.BASE_CYCLE, f"object {name} contains itself", definition.name_span)
        rec.checking = True
        try:
            return self._check_object_body(name, rec)
        finally:
            rec.checking = False

    def _check_object_body(self, name: str, rec: _ObjRec) -> tuple[ObjectMember, ...]:
        definition = rec.definition
        if isinstance(definition, Struct) and definition.name == name:
            self._check_type_features(definition)
        if isinstance(definition, Union_) and definition.name == name:
            self._check_type_features(definition)
        context = self._context_name(rec)
        seen: dict[str, ObjectMember] = {}
        base_name = None
        if rec.base is not None:
            base_name = self._resolve(rec.base.name, "'base'", rec.base.span)
            base_rec = self.objects.get(base_name)
            if not self._known(base_name):
                raise _DependencyError()     # module alone: nothing more can be known
            if base_rec is None or base_rec.branches is not None or self.meta_of[base_name] == "alternate":
                raise StageError(rules.WRONG_TYPE_KIND,
                            f"'base' requires a struct type, {self._describe_type(base_name)} isn't",
                            rec.base.span)
            self._clashes(self._check_dependency(base_name), seen, context, rec.base.span)
        local = []
        known, broken = self.meta_of, self.broken
        for member, type_name in rec.local:
            member_name, optional, written_type, cond, features, span = member
            if type_name not in known or type_name in broken:
                self._resolve(type_name, self._describe_member(
                    ObjectMember(member_name, type_name, optional, name), context), written_type.span)
            elif known[type_name] in _NOT_TYPES:
                self._check_is_type(type_name, self._describe_member(
                    ObjectMember(member_name, type_name, optional, name), context), written_type.span)
            if features:
                self._check_features(features, name)
            om = _new(ObjectMember, (member_name, type_name, optional, name, cond, features, span))
            key = c_name(member_name)
            if key in seen:
                self._clash(om, seen, context, span)
            else:
                seen[key] = om
            local.append(om)
        members = tuple(seen.values())
        variants = None
        if rec.branches is not None:
            variants = self._check_union_branches(rec, seen, context)
        rec.members = members
        cond = definition.cond if definition is not None else None
        if rec.wrapper_cond is not None:
            cond = rec.wrapper_cond[0]
        rec.result = ObjectType(name, base_name, tuple(local), members, variants, cond,
                                definition.features if definition is not None and definition.name == name else (),
                                definition if definition is not None and definition.name == name else None,
                                rec.implicit)
        self.entities[name] = rec.result
        return members

    def _check_union_branches(self, rec: _ObjRec, seen: dict[str, ObjectMember], context: str) -> Variants:
        assert rec.branches is not None and rec.tag_name is not None
        definition = rec.definition
        assert definition is not None
        tag = seen.get(c_name(rec.tag_name))
        where = rec.tag_span or definition.name_span
        base_desc = "'base'"
        if tag is None or tag.name != rec.tag_name:
            raise StageError(rules.UNION_DISCRIMINATOR,
                        f"discriminator '{rec.tag_name}' is not a member of {base_desc}", where)
        if not self.objects[tag.defined_in].implicit:
            base_desc = f"base type '{tag.defined_in}'"
        tag_type = self.entities.get(tag.type)
        if tag.type in self.broken:
            raise _DependencyError()
        if tag.type not in self.entities and self.meta_of.get(tag.type) == "enum":
            self._check_enum(tag.type)
            tag_type = self.entities.get(tag.type)
        if not isinstance(tag_type, EnumType):
            raise StageError(rules.UNION_DISCRIMINATOR,
                        f"discriminator member '{rec.tag_name}' of {base_desc} must be of enum type", where)
        if tag.optional:
            raise StageError(rules.UNION_DISCRIMINATOR,
                        f"discriminator member '{rec.tag_name}' of {base_desc} must not be optional", where)
        if tag.cond is not None:
            raise StageError(rules.UNION_DISCRIMINATOR,
                        f"discriminator member '{rec.tag_name}' of {base_desc} must not be conditional",
                        where)
        variants = [_new(Variant, (b.name, t, b.cond, b.span, False)) for b, t in rec.branches]
        named = {v.name for v in variants}
        for value in tag_type.values:
            if value.name not in named:
                if not self.dialect.has("uncovered-branches-empty") and not rec.simple_union:
                    raise StageError(rules.UNION_BRANCH,
                                f"union '{rec.name}' data missing '{value.name}' branch", definition.name_span)
                variants.append(_new(Variant, (value.name, "q_empty", value.cond, value.span, True)))
        if not variants:
            raise StageError(rules.UNION_BRANCH, "union has no branches", definition.name_span)
        values = set(tag_type.value_names)
        for variant, (branch, type_name) in zip(variants, rec.branches, strict=False):
            if variant.name not in values:
                raise StageError(rules.UNION_BRANCH,
                            f"branch '{variant.name}' is not a value of {self._describe_type(tag.type)}",
                            branch.span)
            self._resolve(type_name, f"branch '{variant.name}'", branch.type.span)
            if not self._known(type_name):
                continue
            ok = type_name in self.objects and self.meta_of[type_name] != "alternate" and (
                self.objects[type_name].branches is None or self.dialect.has("union-branch-unions"))
            if not ok:
                raise StageError(rules.WRONG_TYPE_KIND,
                            f"branch '{variant.name}' cannot use {self._describe_type(type_name)}",
                            branch.type.span)
            self._check_dependency(type_name)
        for variant in variants:
            if not self._known(variant.type):
                continue
            branch_seen = dict(seen)
            self._clashes(self._check_dependency(variant.type), branch_seen, context,
                          variant.span or definition.name_span)
            self._check_branch_variants(variant.type, branch_seen, context,
                                        variant.span or definition.name_span)
        return Variants(tag, tuple(variants))

    def _check_branch_variants(self, type_name: str, seen: dict[str, ObjectMember], context: str,
                               at: Span) -> None:
        """A union branch that is itself a union: its branches must not clash either."""
        rec = self.objects[type_name]
        if rec.result is None or rec.result.variants is None:
            return
        for variant in rec.result.variants.branches:
            branch_seen = dict(seen)
            self._clashes(self._check_object(variant.type), branch_seen, context, at)

    def _check_alternate(self, name: str) -> None:
        rec = self.objects[name]
        definition = rec.definition
        assert isinstance(definition, Alternate) and rec.branches is not None
        self._check_type_features(definition)
        seen: dict[str, Variant] = {}
        types_seen: dict[str, str] = {}
        variants = []
        for branch, type_name in rec.branches:
            variant = _new(Variant, (branch.name, type_name, branch.cond, branch.span, False))
            self._resolve(type_name, f"branch '{branch.name}'", branch.type.span)
            if not self._known(type_name):
                variants.append(variant)
                continue
            other = seen.get(c_name(branch.name))
            if other is not None:
                raise StageError(rules.MEMBER_CLASH, f"branch '{branch.name}' collides with branch '{other.name}'",
                            branch.span)
            seen[c_name(branch.name)] = variant
            qtype = self._alternate_qtype(type_name)
            if qtype is None:
                raise StageError(rules.WRONG_TYPE_KIND,
                            f"branch '{branch.name}' cannot use {self._describe_type(type_name)}",
                            branch.type.span)
            conflicting = {qtype}
            if qtype == "string":
                enum = self.entities.get(type_name)
                if self.meta_of.get(type_name) == "enum":
                    if enum is None:
                        self._check_enum(type_name)
                        enum = self.entities.get(type_name)
                    assert isinstance(enum, EnumType)
                    for value in enum.values:
                        if value.name in ("on", "off"):
                            conflicting.add("boolean")
                        if re.match(r"[-+0-9.]", value.name):
                            conflicting.add("number")
                else:
                    conflicting.update(("number", "boolean"))
            for qt in sorted(conflicting):
                if qt in types_seen:
                    raise StageError(rules.ALTERNATE_CONFLICT,
                                f"branch '{branch.name}' can't be distinguished from '{types_seen[qt]}'",
                                branch.span)
            for qt in conflicting:
                types_seen[qt] = branch.name
            variants.append(variant)
        tag = ObjectMember("type", "QType", False, name)
        self.entities[name] = AlternateType(name, Variants(tag, tuple(variants)), definition.cond,
                                            definition.features, definition)

    def _alternate_qtype(self, type_name: str) -> str | None:
        meta = self.meta_of.get(type_name)
        if meta == "built-in":
            json_type = BUILTIN_TYPES[type_name].json_type
            return {"string": "string", "integer": "number", "number": "number", "boolean": "boolean",
                    "null": "null"}.get(json_type)
        if meta == "enum":
            return "string"
        if meta in ("struct", "union"):
            return "object"
        if meta == "array" and self.dialect.has("alternate-arrays"):
            return "array"
        return None

    def _check_args(self, definition: Command | Event, what: str) -> str | None:
        data = definition.data
        if data is None:
            return None
        if not isinstance(data, TypeRef):
            if not data:
                return None     # an empty inline 'data' makes no argument type
            arg_name = f"q_obj_{definition.name}-arg"
            span = definition.name_span
        else:
            arg_name = data.name
            span = data.span
        self._resolve(arg_name, f"{what}'s 'data'", span)
        if not self._known(arg_name):
            return arg_name
        rec = self.objects.get(arg_name)
        if rec is None or self.meta_of[arg_name] == "alternate":
            if self.meta_of[arg_name] == "alternate" and definition.boxed and not self.dialect.has(
                    "no-boxed-alternate"):
                return arg_name
            raise StageError(rules.WRONG_TYPE_KIND, f"{what}'s 'data' cannot take {self._describe_type(arg_name)}",
                        span)
        if rec.branches is not None and not definition.boxed:
            raise StageError(rules.WRONG_TYPE_KIND,
                        f"{what}'s 'data' can take {self._describe_type(arg_name)} only with 'boxed': true",
                        span)
        # QEMU checked the argument type's members here from 8.1 (for its
        # conditions); before, at the type's own turn, after the command.
        old_boxed_rule = definition.boxed and not self.dialect.has("alternate-single-branch")
        if not (self.dialect.has("unboxed-conditions-rejected") or old_boxed_rule):
            return arg_name
        members = self._check_dependency(arg_name)
        if (self.dialect.has("unboxed-conditions-rejected") and not definition.boxed
                and any(m.cond is not None for m in members)):
            conditional = next(m for m in members if m.cond is not None)
            raise StageError(rules.UNBOXED_CONDITION,
                              f"conditional {what} arguments require 'boxed': true", span,
                              (Note(f"argument '{conditional.name}' has an 'if' condition",
                                    conditional.span),))
        if old_boxed_rule and not members:
            raise StageError(rules.WRONG_TYPE_KIND, "cannot use 'boxed' with empty type", span)
        return arg_name

    def _check_command(self, name: str) -> None:
        definition = self.pending[name]
        assert isinstance(definition, Command)
        self._check_features(definition.features, name)
        arg_type = self._check_args(definition, "command")
        ret_type = None
        returns_broken = False
        if definition.returns is not None:
            ret_type = definition.returns.resolved_name
            element = self.arrays[ret_type][0] if ret_type in self.arrays else ret_type
            # A broken type still has its kind, which is all this needs.
            returns_broken = element in self.broken
            if not returns_broken:
                self._resolve(ret_type, "command's 'returns'", definition.returns.span)
            exceptions = self.pragmas.command_returns_exceptions
            if name not in exceptions and self._known(element) \
                    and self.meta_of[element] not in ("struct", "union"):
                message = f"command's 'returns' cannot take {self._describe_type(ret_type)}"
                if not self.module_alone:
                    raise StageError(rules.WRONG_TYPE_KIND, message, definition.returns.span)
                self.diagnostics.append(Diagnostic(
                    rules.WRONG_TYPE_KIND,
                    f"{message} (unless pragma 'command-returns-exceptions' of another module lists it)",
                    definition.returns.span, definition.context, severity=rules.Severity.WARNING))
        if returns_broken:
            raise _DependencyError()
        self.entities[name] = CommandEntity(
            name, arg_type, definition.boxed, ret_type, definition.gen, definition.success_response,
            definition.allow_oob, definition.allow_preconfig, definition.coroutine, definition.cond,
            definition.features, definition)

    def _check_event(self, name: str) -> None:
        definition = self.pending[name]
        assert isinstance(definition, Event)
        self._check_features(definition.features, name)
        arg_type = self._check_args(definition, "event")
        self.entities[name] = EventEntity(name, arg_type, definition.boxed, definition.cond,
                                          definition.features, definition)


def _all_features(definition: Definition) -> list[Feature]:
    """The features of a definition, of its members and of its values, in
    source order."""
    found = list(definition.features)
    parts: tuple[EnumValue | Member, ...] = ()
    if isinstance(definition, Enum):
        parts = definition.values
    elif isinstance(definition, Struct):
        parts = definition.members
    elif isinstance(definition, (Command, Event)):
        parts = inline_members(definition.data) or ()
    elif isinstance(definition, Union_):
        parts = inline_members(definition.base) or ()
    for part in parts:
        if part.features:
            found.extend(part.features)
    return found


class Built(NamedTuple):
    """What :func:`build_model` made and found."""

    schema: Schema
    diagnostics: list[Diagnostic]
    #: each entity (named, implicit ones too) in the order it was checked,
    #: with the index in ``diagnostics`` where the findings of its turn begin
    turns: list[tuple[str, int]]


def build_model(definitions: list[Definition], pragmas: Pragmas, dialect: Dialect, *,
                module_alone: bool = False) -> Built:
    """Resolve and check ``definitions`` (in source order).

    With ``module_alone``, the definitions are one module of a larger
    schema: a type that is not defined is reported once, as a warning, and
    what refers to it is still checked and built."""
    builder = _Definitions(dialect, pragmas, module_alone=module_alone)
    builder.predefine()
    for definition in definitions:
        builder.define(definition)
    builder.check_feature_limit(definitions)
    _Checker(builder).check_all()
    entities = {name: builder.entities[name] for name in builder.order if name in builder.entities}
    schema = Schema(entities, frozenset(builder.broken), tuple(definitions), pragmas, dialect,
                    {n: builder.modules.get(n) for n in entities},
                    {n: builder.owner[n] for n in entities if n in builder.owner})
    return Built(schema, builder.diagnostics, builder.turns)

