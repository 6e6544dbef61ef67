"""Replies without their request: which commands could have sent one?

A log that starts in the middle of a session, or holds only what the server
said, has success replies whose request was never seen.  Such a reply is
still checkable: it is valid when some command's reply schema accepts it.
:class:`ReplyShapes` narrows the commands to those whose reply has the
reply's shape (the JSON type of ``return``, and for an object, member names
the command's return type can have), most likely first, so that a valid
reply is usually accepted by the first schema tried and an invalid one can
be explained against the commands it could have answered.

The shapes are a filter only: the reply schemas decide.  They are taken
from the model (every member of every union branch, every branch of an
alternate, whatever the build configuration), so they never leave out a
command whose reply schema would accept the reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..frontend.model import AlternateType, ArrayType, BuiltinType, EnumType, ObjectType, Schema
from ..records import NamedTuple

__all__ = ["ReplyShapes", "Shape"]

_JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
#: how many elements of an array reply are looked at
_ELEMENTS = 4


class Shape(NamedTuple):
    """What values of a type can look like, roughly."""

    #: JSON types a value may have ("integer" also stands for whole numbers)
    types: frozenset[str]
    #: for objects: every member name a value may have (None: any)
    members: frozenset[str] | None = None
    #: for arrays: the shape of the elements (None: any)
    element: Shape | None = None


_ANY = Shape(_JSON_TYPES)
_EMPTY_OBJECT = Shape(frozenset({"object"}), frozenset())


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


class ReplyShapes:
    """The commands a success reply could answer, by its shape."""

    def __init__(self, schema: Schema, commands: Iterable[str] | None = None) -> None:
        """``commands``: the commands that send a success reply (default:
        every command of ``schema`` that does)."""
        self._schema = schema
        self._shapes: dict[str, Shape] = {}
        wanted = None if commands is None else set(commands)
        #: command -> the shape of what it returns
        self.commands: dict[str, Shape] = {}
        for command in schema.commands():
            if not command.success_response or (wanted is not None and command.name not in wanted):
                continue
            ret = command.ret_type
            self.commands[command.name] = _EMPTY_OBJECT if ret is None else self._shape(ret, ())
        #: the commands whose reply may be anything at all (they return 'any')
        self.return_anything = frozenset(n for n, shape in self.commands.items() if shape == _ANY)
        # Indexes, so that a reply is fitted against few shapes: by JSON
        # type, and for objects by member name.
        self._order = {name: i for i, name in enumerate(self.commands)}
        self._cache: dict[object, tuple[str, ...]] = {}
        self._by_type: dict[str, list[str]] = {}
        self._by_member: dict[str, set[str]] = {}
        self._any_members: set[str] = set()
        for name, shape in self.commands.items():
            for kind in shape.types:
                self._by_type.setdefault(kind, []).append(name)
            if "object" in shape.types:
                if shape.members is None:
                    self._any_members.add(name)
                else:
                    for member in shape.members:
                        self._by_member.setdefault(member, set()).add(name)

    def _shape(self, name: str, visiting: tuple[str, ...]) -> Shape:
        known = self._shapes.get(name)
        if known is not None:
            return known
        if name in visiting:
            return _ANY          # a recursive type: any value, the schema decides
        shape = self._make(name, (*visiting, name))
        self._shapes[name] = shape
        return shape

    def _make(self, name: str, visiting: tuple[str, ...]) -> Shape:
        entity = self._schema.type(name)
        if isinstance(entity, BuiltinType):
            if entity.json_type == "value":
                return _ANY
            types = {entity.json_type} | ({"integer"} if entity.json_type == "number" else set())
            return Shape(frozenset(types))
        if isinstance(entity, EnumType):
            return Shape(frozenset({"string"}))
        if isinstance(entity, ArrayType):
            return Shape(frozenset({"array"}), None, self._shape(entity.element, visiting))
        if isinstance(entity, ObjectType):
            return Shape(frozenset({"object"}), self._member_names(entity, visiting))
        if isinstance(entity, AlternateType):
            branches = [self._shape(b.type, visiting) for b in entity.variants.branches]
            return _merge(branches)
        return _ANY

    def _member_names(self, entity: ObjectType, visiting: tuple[str, ...]) -> frozenset[str] | None:
        """Every member name a value of ``entity`` may have, those of every
        union branch included; None when any name may appear."""
        names = {m.name for m in entity.members}
        if entity.variants is not None:
            for branch in entity.variants.branches:
                shape = self._shape(branch.type, visiting)
                if shape.members is None:
                    return None
                names |= shape.members
        return frozenset(names)

    def candidates(self, reply: Mapping[str, Any]) -> list[str]:
        """The commands whose reply could be ``reply`` by its shape, the
        likeliest first (most of the reply's members known), those that may
        return anything last; every command when ``reply`` has no
        ``return``."""
        if "return" not in reply:
            return list(self.commands)
        value = reply["return"]
        # What decides the candidates is the value's shape alone (its JSON
        # type, member names, the shapes of its first elements): replies of
        # one shape recur, and are fitted once.
        key = _signature(value)
        known = self._cache.get(key)
        if known is None:
            if len(self._cache) >= _CACHE:
                self._cache.clear()
            known = self._cache[key] = self._candidates(value)
        return list(known)

    def _candidates(self, value: object) -> tuple[str, ...]:
        anything = self.return_anything
        commands = self.commands
        order = self._order
        scored: list[tuple[bool, int, int, str]] = []
        for name in self._possible(value):
            score = _fits(commands[name], value)
            if score is not None:
                scored.append((name in anything, -score, order[name], name))
        scored.sort()
        return tuple(entry[3] for entry in scored)

    def _possible(self, value: object) -> Iterable[str]:
        """A superset of the commands ``value`` fits, from the indexes."""
        kind = _json_type(value)
        if kind != "object" or not value:
            names = list(self._by_type.get(kind, ()))
            if kind == "integer":
                names += self._by_type.get("number", ())
            return set(names)
        assert isinstance(value, dict)
        found: set[str] | None = None
        for member in value:
            having = self._by_member.get(member, set())
            found = set(having) if found is None else found & having
            if not found:
                break
        return (found or set()) | self._any_members


#: reply shapes whose candidates are remembered
_CACHE = 4096


def _signature(value: object) -> object:
    """What :func:`_fits` looks at in ``value``: its JSON type, its member
    names, and the signatures of the elements it examines."""
    kind = _json_type(value)
    if kind == "object":
        assert isinstance(value, dict)
        return frozenset(value)
    if kind == "array":
        assert isinstance(value, list)
        return ("array", *(_signature(element) for element in value[:_ELEMENTS]))
    return kind


def _merge(shapes: list[Shape]) -> Shape:
    types = frozenset().union(*(s.types for s in shapes)) if shapes else frozenset()
    members: frozenset[str] | None = frozenset()
    element: Shape | None = None
    for shape in shapes:
        if "object" in shape.types:
            members = None if members is None or shape.members is None else members | shape.members
        if "array" in shape.types:
            element = shape.element if element is None else _merge([element, shape.element or _ANY])
    if "object" not in types:
        members = None
    return Shape(types, members, element)


def _fits(shape: Shape, value: object) -> int | None:
    """None when ``value`` cannot have ``shape``; otherwise how well it
    fits (members of the value the shape knows, more is better)."""
    kind = _json_type(value)
    if kind not in shape.types and not (kind == "integer" and "number" in shape.types):
        return None
    if kind == "object" and shape.members is not None:
        assert isinstance(value, dict)
        if not shape.members.issuperset(value):
            return None
        return len(value) * 2 + (1 if not value and not shape.members else 0)
    if kind == "array" and shape.element is not None:
        assert isinstance(value, list)
        total = 1
        for element in value[:_ELEMENTS]:
            score = _fits(shape.element, element)
            if score is None:
                return None
            total += score
        return total
    return 0 if shape.types == _JSON_TYPES else 1
