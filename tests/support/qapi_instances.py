"""QMP messages and values generated from a QAPI model, and mutants of them.

The generator reads the *model* (qapidoc.frontend.model), not the generated JSON
Schema, so it is an independent oracle: every value it makes is valid on the
wire by QAPI's rules, and a JSON Schema that rejects one is wrong.  Mutants
change one spot of a valid instance (drop or add a member, change a type,
push a number out of range, misspell an enum value); most become invalid,
some stay valid, which is fine where only verdicts of two validators are
compared.

Deterministic for a given seed.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from qapidoc.frontend.model import (
    AlternateType,
    ArrayType,
    BuiltinType,
    CommandEntity,
    EnumType,
    EventEntity,
    ObjectType,
    Schema,
)

__all__ = ["NUMBER_BOUNDS", "InstanceFactory", "numbers_in"]

#: every numeric bound the generated schemas use (for ajv's double rounding)
NUMBER_BOUNDS: tuple[int, ...] = (
    -(2 ** 63), 2 ** 63 - 1, 2 ** 64 - 1, -(2 ** 31), 2 ** 31 - 1, 2 ** 32 - 1,
    -(2 ** 15), 2 ** 15 - 1, 2 ** 16 - 1, -128, 127, 255, 0, -1, 999999,
)

_STRINGS = ["", "a", "node-1", "dev0", "é ü ✓", "x" * 24, "on", "42"]
_ANY = [1, "s", None, True, 1.5, [1, {"a": "b"}], {"k": [1.5, None]}, {}, []]
_WRONG = [1, "x", True, None, [], {}, 1.5, [1], {"a": 1}]
_OUT_OF_RANGE = [-1, 256, 65536, -129, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, -(2 ** 63) - 1, 1.5, -40000]


def numbers_in(value: Any) -> Iterator[int | float]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from numbers_in(item)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


class InstanceFactory:
    def __init__(self, schema: Schema, seed: int = 0, *, max_depth: int = 4) -> None:
        self.schema = schema
        self.rng = random.Random(seed)
        self.max_depth = max_depth

    # -- values ---------------------------------------------------------------------

    def value(self, type_name: str, depth: int = 0) -> Any:
        ent = self.schema.type(type_name)
        rng = self.rng
        if isinstance(ent, BuiltinType):
            return self._builtin(ent)
        if isinstance(ent, EnumType):
            return rng.choice(ent.values).name
        if isinstance(ent, ArrayType):
            count = 0 if depth >= self.max_depth else rng.randint(0, 3)
            return [self.value(ent.element, depth + 1) for _ in range(count)]
        if isinstance(ent, ObjectType):
            return self.object(ent, depth)
        if isinstance(ent, AlternateType):
            branches = list(ent.variants.branches)
            if depth >= self.max_depth:
                simple = [b for b in branches if not isinstance(self.schema.type(b.type), (ObjectType, ArrayType))]
                branches = simple or branches
            return self.value(rng.choice(branches).type, depth + 1)
        raise AssertionError(f"no value for {type_name!r}")

    def _builtin(self, ent: BuiltinType) -> Any:
        rng = self.rng
        if ent.json_type == "string":
            return rng.choice(_STRINGS)
        if ent.json_type == "integer":
            assert ent.minimum is not None and ent.maximum is not None
            lo, hi = ent.minimum, ent.maximum
            choices = [lo, hi, max(lo, 0), rng.randint(lo, hi), min(hi, rng.randint(0, 1000))]
            if hi < 2 ** 53:
                # next to a 64-bit bound, a double cannot tell the two apart
                choices += [lo + 1, hi - 1]
            return rng.choice(choices)
        if ent.json_type == "number":
            return rng.choice([0, 1.5, -2.25, 1e10, 3, -7])
        if ent.json_type == "boolean":
            return rng.choice([True, False])
        if ent.json_type == "null":
            return None
        return copy.deepcopy(rng.choice(_ANY))

    def object(self, ent: ObjectType, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._members(ent, depth, out)
        return out

    def _members(self, ent: ObjectType, depth: int, out: dict[str, Any]) -> None:
        rng = self.rng
        for member in ent.members:
            must = not member.optional and member.cond is None
            if must or (depth < self.max_depth and rng.random() < 0.5):
                out[member.name] = self.value(member.type, depth + 1)
        if ent.variants is not None:
            branch = rng.choice(ent.variants.branches)
            out[ent.variants.tag.name] = branch.name
            branch_type = self.schema.object(branch.type)
            if branch_type is not None:
                self._members(branch_type, depth, out)

    # -- messages -----------------------------------------------------------------------

    def _id(self, message: dict[str, Any]) -> dict[str, Any]:
        choice = self.rng.randint(0, 3)
        if choice:
            message["id"] = [None, 7, "req-1", {"n": [1]}][choice]
        return message

    def request(self, cmd: CommandEntity) -> dict[str, Any]:
        key = "exec-oob" if cmd.allow_oob and self.rng.random() < 0.5 else "execute"
        message: dict[str, Any] = {key: cmd.name}
        if cmd.arg_type is not None:
            args = self.value(cmd.arg_type)
            if args or self.rng.random() < 0.5:
                message["arguments"] = args
        elif self.rng.random() < 0.3:
            message["arguments"] = {}
        return self._id(message)

    def reply(self, cmd: CommandEntity) -> dict[str, Any]:
        value = self.value(cmd.ret_type) if cmd.ret_type is not None else {}
        return self._id({"return": value})

    def event(self, ev: EventEntity) -> dict[str, Any]:
        message: dict[str, Any] = {"event": ev.name}
        if ev.arg_type is not None:
            data = self.value(ev.arg_type)
            if data != {}:
                message["data"] = data
        if self.rng.random() < 0.1:
            message["timestamp"] = {"seconds": -1, "microseconds": -1}
        else:
            message["timestamp"] = {"seconds": self.rng.randint(0, 2 ** 31),
                                    "microseconds": self.rng.randint(0, 999999)}
        return message

    def error_reply(self) -> dict[str, Any]:
        return self._id({"error": {"class": self.rng.choice(["GenericError", "CommandNotFound"]),
                                   "desc": "it failed"}})

    # -- mutants ------------------------------------------------------------------------

    def mutate(self, instance: Any) -> Any:
        """A copy of ``instance`` changed at one random spot."""
        mutant = copy.deepcopy(instance)
        spots = list(_spots(mutant, None, None))
        parent, key, value = self.rng.choice(spots)
        rng = self.rng
        ops = ["wrong-type", "add-member"]
        if isinstance(parent, dict):
            ops.append("drop-member")
        if isinstance(value, int) and not isinstance(value, bool):
            ops += ["out-of-range"] * 3
        if isinstance(value, str):
            ops += ["bad-string"] * 2
        op = rng.choice(ops)
        if op == "add-member":
            target = value if isinstance(value, dict) else parent if isinstance(parent, dict) else None
            if target is not None:
                target[rng.choice(["no-such-member", "x-bogus", "Data"])] = rng.choice(_WRONG)
                return mutant
            op = "wrong-type"
        if op == "drop-member" and isinstance(parent, dict):
            del parent[key]
            return mutant
        if op == "out-of-range":
            new: Any = rng.choice(_OUT_OF_RANGE)
        elif op == "bad-string":
            new = rng.choice(["no-such-value", value.upper() if value else "?", value + "-x"])
        else:
            new = rng.choice([w for w in _WRONG if _json_kind(w) != _json_kind(value)])
        if parent is None:
            return copy.deepcopy(new)
        parent[key] = copy.deepcopy(new)
        return mutant


def _spots(value: Any, parent: Any, key: Any) -> Iterator[tuple[Any, Any, Any]]:
    yield parent, key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _spots(v, value, k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _spots(v, value, i)
