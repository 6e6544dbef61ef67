"""Validation: QMP messages against the JSON Schema of a QAPI schema.

The only module that imports the ``jsonschema`` package (and, when it is
installed, ``jsonschema_rs``).  :class:`QmpValidator` generates the schemas
once (:func:`qapidoc.backends.jsonschema.generate`, named view, draft 2020-12),
compiles one validator per message kind lazily, and answers with a list of
:class:`Violation` values: empty when the message is valid.

Speed: with jsonschema-rs installed, the yes/no verdict comes from it;
python-jsonschema runs only to explain a message that failed, so valid
traffic costs one Rust call per message.  Without it, python-jsonschema does
both.  Its verdict is the reference: where the two disagree, python-jsonschema
wins.

Integers are QEMU's: JSON Schema's data model counts ``1.0`` as an integer,
QEMU's JSON parser does not (a number with a fraction or an exponent is a
double, and an ``int`` member refuses a double).  So an integer here is a
Python ``int`` (what a JSON integer literal decodes to), never a float,
in both engines: python-jsonschema with a type checker that says so, and
jsonschema-rs with a keyword (``x-qapidoc-integer``) added, in its own copy
of the schemas, beside every ``"type": "integer"``, used only for messages
that hold an integral float (:mod:`qapidoc.backends.jsonvalues`: the
traffic reader marks them, and so do the methods here), so valid traffic
pays nothing for it.  A JSON integer literal beyond 64 bits, which orjson
decodes to a float, is refused the same way (and python's json module keeps
it exact: out of range).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any, Literal

import jsonschema
import referencing
import referencing.jsonschema

from ..frontend.model import BUILTIN_TYPES, Schema
from ..records import NamedTuple
from .jsonschema import GeneratedSchemas, GenerateOptions, generate
from .jsonvalues import FloatsInside, holds_integral_float, mark_floats

__all__ = ["MessageKind", "QmpValidator", "Violation", "rs_available"]


class Violation(NamedTuple):
    """One reason a message does not match its schema."""

    #: JSON path inside the message, e.g. ("arguments", "device")
    path: tuple[str | int, ...]
    #: the failing JSON Schema keyword: "required", "additionalProperties",
    #: "type", "enum", "minimum", "const", ...
    keyword: str
    #: the reason, in words a schema author understands
    message: str
    #: the QAPI type, command or event whose schema applied at that spot
    definition: str | None


def _rs_module() -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs if hasattr(jsonschema_rs, "Registry") else None


def rs_available() -> bool:
    """Whether the jsonschema-rs fast path can be used."""
    return _rs_module() is not None


# --- wording ---------------------------------------------------------------------------

_TYPE_WORDS = {
    "object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "a boolean", "null": "null",
}


def _show(value: object, limit: int = 60) -> str:
    if isinstance(value, str):
        text = "'" + value + "'"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=True, separators=(",", ": "))
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _either(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _gate_types(branches: object) -> list[str] | None:
    """The JSON types of an alternate's ``anyOf`` gate, or None if ``branches``
    is not such a gate."""
    if not isinstance(branches, list):
        return None
    types: list[str] = []
    for branch in branches:
        if not isinstance(branch, dict) or not isinstance(branch.get("type"), str):
            return None
        if any(not k.startswith("x-") for k in branch if k != "type"):
            return None
        types.append(branch["type"])
    return types


def _required_alternatives(branches: object) -> list[str] | None:
    """['execute', 'exec-oob'] for an anyOf/oneOf of ``required`` branches."""
    if not isinstance(branches, list):
        return None
    names: list[str] = []
    for branch in branches:
        if not isinstance(branch, dict) or not isinstance(branch.get("required"), list):
            return None
        names.extend(str(n) for n in branch["required"])
    return names


# --- QEMU's integers ----------------------------------------------------------------------

def _is_integer(checker: object, instance: object) -> bool:
    return type(instance) is int


_STRICT_TYPES = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
#: python-jsonschema, with QEMU's integers
_PyValidator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_STRICT_TYPES)

_INTEGER_KEYWORD = "x-qapidoc-integer"


class _RsIntegerKeyword:
    """jsonschema-rs's side of QEMU's integers: called on every value that
    passed ``"type": "integer"``, it refuses a float such as ``1.0``."""

    def __init__(self, parent_schema: object, value: object, schema_path: object) -> None:
        pass

    def validate(self, instance: object) -> None:
        if type(instance) is float:
            raise ValueError("a number with a fraction or an exponent is not an integer")


def _with_integer_keyword(schema: Any) -> Any:
    """A copy of ``schema`` with the integer keyword beside each
    ``"type": "integer"`` (in subschemas only, never in data such as an
    ``enum`` or ``examples``)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    for key, value in schema.items():
        if key in _SUBSCHEMA and isinstance(value, dict):
            out[key] = _with_integer_keyword(value)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            out[key] = [_with_integer_keyword(item) for item in value]
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _with_integer_keyword(item) for name, item in value.items()}
    kind = schema.get("type")
    if kind == "integer" or (isinstance(kind, list) and "integer" in kind):
        out[_INTEGER_KEYWORD] = True
    return out


_SUBSCHEMA = frozenset({"items", "additionalProperties", "not", "if", "then", "else", "contains",
                        "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems"})
_SUBSCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "$defs", "definitions", "patternProperties", "dependentSchemas"})


# --- the validator ----------------------------------------------------------------------

_Key = tuple[str, str]
MessageKind = Literal["request", "reply", "event", "error", "greeting"]


class QmpValidator:
    """Validates QMP messages of one schema (and build configuration).

    ``defines``: as for :class:`~qapidoc.backends.jsonschema.GenerateOptions`:
    None accepts what any build may send; a set of configuration symbols
    accepts what that build sends.  ``fast``: use jsonschema-rs for
    verdicts (default: when it is installed).
    """

    def __init__(self, schema: Schema, *, defines: AbstractSet[str] | None = None,
                 fast: bool | None = None) -> None:
        self._generated: GeneratedSchemas = generate(
            schema, GenerateOptions(defines=defines, descriptions=False))
        gen = self._generated
        self._docs: dict[_Key, dict[str, Any]] = {("greeting", ""): gen.greeting,
                                                 ("error", ""): gen.error_reply,
                                                 ("reply", ""): gen.any_reply}
        self._docs.update((("request", n), d) for n, d in gen.requests.items())
        self._docs.update((("reply", n), d) for n, d in gen.replies.items())
        self._docs.update((("event", n), d) for n, d in gen.events.items())
        self._oob = {name for name, doc in gen.requests.items() if "exec-oob" in doc["properties"]}
        rs = _rs_module() if fast is not False else None
        if fast and rs is None:
            raise ValueError("fast validation needs jsonschema-rs (pip install jsonschema-rs)")
        self._rs_module = rs
        self._rs: dict[_Key, Any] = {}
        self._rs_strict: dict[_Key, Any] = {}
        self._rs_registries: dict[bool, Any] = {}
        self._py: dict[_Key, Any] = {}
        self._py_registry: referencing.Registry[Any] | None = None
        self._owners: dict[int, str] | None = None

    # -- what there is ------------------------------------------------------------------

    @property
    def generated(self) -> GeneratedSchemas:
        """The schemas this validator uses."""
        return self._generated

    @property
    def fast(self) -> bool:
        """Whether verdicts come from jsonschema-rs."""
        return self._rs_module is not None

    def has_command(self, name: str) -> bool:
        return name in self._generated.requests

    def has_event(self, name: str) -> bool:
        return name in self._generated.events

    # -- messages -----------------------------------------------------------------------

    def request(self, message: object) -> list[Violation]:
        """A command: ``{"execute"|"exec-oob": NAME, "arguments": ..., "id": ...}``."""
        if not isinstance(message, dict):
            return [_not_object(message, None)]
        key = "execute" if "execute" in message else "exec-oob" if "exec-oob" in message else None
        if key is None:
            return [Violation((), "required", "member 'execute' is required", None)]
        name = message[key]
        if not isinstance(name, str):
            return [Violation((key,), "type", f"expected a string, got {_show(name)}", None)]
        if name not in self._generated.requests:
            return [Violation((key,), "enum", f"unknown command '{name}'", None)]
        if key == "exec-oob" and name not in self._oob:
            return [Violation(("exec-oob",), "additionalProperties",
                              f"command '{name}' does not allow out-of-band execution", name)]
        return self._check(("request", name), message, name)

    def reply(self, command: str, message: object) -> list[Violation]:
        """A reply to ``command``: a success reply is checked against what the
        command returns, an error reply against the error shape."""
        if isinstance(message, dict) and "error" in message and "return" not in message:
            return self.error_reply(message)
        if command not in self._generated.requests:
            return [Violation((), "enum", f"unknown command '{command}'", None)]
        if command not in self._generated.replies:
            return [Violation(("return",), "false", f"command '{command}' sends no success reply", command)]
        if not isinstance(message, dict):
            return [_not_object(message, command)]
        return self._check(("reply", command), message, command)

    def error_reply(self, message: object) -> list[Violation]:
        """``{"error": {"class": ..., "desc": ...}, "id": ...}``."""
        return self._check(("error", ""), message, None)

    def event(self, message: object) -> list[Violation]:
        """``{"event": NAME, "data": ..., "timestamp": {...}}``."""
        if not isinstance(message, dict):
            return [_not_object(message, None)]
        if "event" not in message:
            return [Violation((), "required", "member 'event' is required", None)]
        name = message["event"]
        if not isinstance(name, str):
            return [Violation(("event",), "type", f"expected a string, got {_show(name)}", None)]
        if name not in self._generated.events:
            return [Violation(("event",), "enum", f"unknown event '{name}'", None)]
        return self._check(("event", name), message, name)

    def greeting(self, message: object) -> list[Violation]:
        """``{"QMP": {"version": ..., "capabilities": [...]}}``."""
        return self._check(("greeting", ""), message, None)

    def value(self, type_name: str, value: object) -> list[Violation]:
        """A value of the QAPI type ``type_name`` (a name in the bundle's
        ``$defs``: built-in types, enums, structs, unions, alternates)."""
        bundle = self._generated.bundle
        if bundle is None or type_name not in bundle["$defs"]:
            return [Violation((), "$ref", f"no type '{type_name}' in the schema", None)]
        key = ("type", type_name)
        if key not in self._docs:
            self._docs[key] = {"$ref": f"{bundle['$id']}#/$defs/{type_name}"}
        return self._check(key, value, type_name)

    def any_message(self, message: object, direction: Literal["->", "<-"]) -> list[Violation]:
        """Any message in one direction: "->" client to server (a command),
        "<-" server to client (greeting, event, success or error reply; a
        success reply is checked without knowing its command)."""
        if direction == "->":
            return self.request(message)
        if not isinstance(message, dict):
            return [_not_object(message, None)]
        if "event" in message:
            return self.event(message)
        if "return" in message:
            return self._check(("reply", ""), message, None)
        if "error" in message:
            return self.error_reply(message)
        if "QMP" in message:
            return self.greeting(message)
        return [Violation((), "anyOf", "not a QMP message: expected member 'QMP', 'event', 'return' or 'error'",
                          None)]

    def verdict(self, kind: MessageKind, name: str = "", *, strict: bool = False) -> Callable[[object], bool]:
        """A yes/no function for one kind of message, for callers that check
        many messages and want explanations only for the failures.

        ``kind`` "request", "reply" or "event" with the command or event
        ``name``; "reply" with ``name`` "" for a success reply to a command
        not known; "error" or "greeting" with ``name`` "".  The function is
        jsonschema-rs's where installed (it may raise ValueError on data that
        is not JSON), else python-jsonschema's.  Raises KeyError for a name
        the schema does not have.

        With jsonschema-rs, the plain function counts an integral float as
        an integer, as JSON Schema does: use it for messages that hold none,
        and ``strict`` (QEMU's integers, slower) for those that do -- the
        ones :func:`qapidoc.backends.jsonvalues.mark_floats` marks, as the
        traffic reader does."""
        key: _Key = (kind, name)
        if key not in self._docs:
            raise KeyError(f"no schema for {kind} {name!r}".rstrip(" '"))
        if self._rs_module is not None:
            return self._rs_validator(key, strict=strict).is_valid  # type: ignore[no-any-return]
        return self._py_validator(key).is_valid  # type: ignore[no-any-return]

    # -- machinery ----------------------------------------------------------------------

    def _check(self, key: _Key, message: object, label: str | None) -> list[Violation]:
        if self._rs_module is not None:
            message = mark_floats(message)
            # A value that is not an object (a bare 2.0, a list of them) has
            # no mark to carry: look at it here.
            strict = type(message) is FloatsInside or (type(message) is not dict
                                                       and holds_integral_float(message))
            validator = self._rs_validator(key, strict=strict)
            try:
                if validator.is_valid(message):
                    return []
            except (ValueError, TypeError, OverflowError):
                pass        # not plain JSON data: let python-jsonschema explain
        return self._explain(key, message, label)

    def _rs_validator(self, key: _Key, *, strict: bool = False) -> Any:
        """jsonschema-rs's validator for ``key``; ``strict``: with QEMU's
        integers (for messages that hold integral floats)."""
        cache = self._rs_strict if strict else self._rs
        validator = cache.get(key)
        if validator is None:
            rs: Any = self._rs_module
            registry = self._rs_registries.get(strict)
            if registry is None:
                # Message schemas refer into the bundle only: a registry of
                # the bundle alone is half the cost of one of every file.
                docs = [_with_integer_keyword(d) if strict else d for d in self._registry_docs()]
                registry = self._rs_registries[strict] = rs.Registry([(d["$id"], d) for d in docs],
                                                                     draft=rs.Draft202012)
            if strict:
                validator = rs.Draft202012Validator(_with_integer_keyword(self._docs[key]), registry=registry,
                                                    keywords={_INTEGER_KEYWORD: _RsIntegerKeyword})
            else:
                validator = rs.Draft202012Validator(self._docs[key], registry=registry)
            cache[key] = validator
        return validator

    def _registry_docs(self) -> list[dict[str, Any]]:
        gen = self._generated
        return [gen.bundle] if gen.bundle is not None else []

    def _py_validator(self, key: _Key) -> Any:
        validator = self._py.get(key)
        if validator is None:
            if self._py_registry is None:
                spec = referencing.jsonschema.DRAFT202012
                self._py_registry = referencing.Registry().with_resources(
                    (d["$id"], spec.create_resource(d)) for d in self._registry_docs())
            validator = _PyValidator(self._docs[key], registry=self._py_registry)
            self._py[key] = validator
        return validator

    def _explain(self, key: _Key, message: object, label: str | None) -> list[Violation]:
        owners = self._owner_map()
        out: list[Violation] = []
        seen: set[tuple[tuple[str | int, ...], str, str]] = set()
        for error in self._py_validator(key).iter_errors(message):
            for violation in _violations(error, owners, label):
                ident = (violation.path, violation.keyword, violation.message)
                if ident not in seen:
                    seen.add(ident)
                    out.append(violation)
        return out

    def _owner_map(self) -> dict[int, str]:
        """id() of each schema object -> the definition it belongs to."""
        if self._owners is None:
            owners: dict[int, str] = {}
            gen = self._generated
            if gen.bundle is not None:
                for name, sub in gen.bundle.get("$defs", {}).items():
                    _own(sub, name, owners)
            for (kind, name), doc in self._docs.items():
                if name and kind != "type":
                    _own(doc, name, owners)
            self._owners = owners
        return self._owners


def _own(node: object, name: str, owners: dict[int, str]) -> None:
    if isinstance(node, dict):
        owners.setdefault(id(node), name)
        for key, value in node.items():
            if key.startswith("x-") or key == "$defs":
                continue
            if key in ("properties",) and isinstance(value, dict):
                for sub in value.values():
                    _own(sub, name, owners)
            else:
                _own(value, name, owners)
    elif isinstance(node, list):
        for item in node:
            _own(item, name, owners)


def _not_object(message: object, definition: str | None) -> Violation:
    return Violation((), "type", f"expected an object, got {_show(message)}", definition)


def _violations(error: Any, owners: dict[int, str], label: str | None) -> Iterator[Violation]:
    path = tuple(error.absolute_path)
    schema = error.schema
    definition = owners.get(id(schema), label) if isinstance(schema, dict) else label
    keyword = str(error.validator) if error.validator is not None else "false"
    instance = error.instance
    value = error.validator_value
    explain = _EXPLAIN.get(keyword)
    if explain is not None:
        for sub_path, message in explain(instance, value, schema, definition):
            yield Violation(path + sub_path, keyword, message, definition)
        return
    yield Violation(path, keyword, str(error.message), definition)


_Explained = Iterator[tuple[tuple[str | int, ...], str]]


def _required(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    for name in value:
        if isinstance(instance, dict) and name not in instance:
            yield (), f"member '{name}' is required"


def _additional(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    known = schema.get("properties", {}) if isinstance(schema, dict) else {}
    for name in instance:
        if name not in known:
            yield (name,), f"unknown member '{name}'"


def _type(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    wanted = [str(t) for t in (value if isinstance(value, list) else [value])]
    got = _show(instance)
    if type(instance) is float and "integer" in wanted:
        if instance.is_integer() and abs(instance) >= 2 ** 63:
            got = f"{got}, too large for a 64-bit integer"
        elif instance.is_integer():
            got = f"{got}, a number with a fraction or an exponent"
    yield (), f"expected {_either([_TYPE_WORDS.get(t, t) for t in wanted])}, got {got}"


def _enum(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    if len(value) <= 6:
        yield (), f"expected one of {', '.join(_show(v) for v in value)}, got {_show(instance)}"
    elif definition is not None:
        yield (), f"{_show(instance)} is not a value of '{definition}'"
    else:
        yield (), f"{_show(instance)} is not an accepted value"


def _const(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    yield (), f"expected {_show(value)}, got {_show(instance)}"


def _range(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    low, high = schema.get("minimum"), schema.get("maximum")
    what = f"'{definition}' " if definition in BUILTIN_TYPES else ""
    if low is not None and high is not None:
        yield (), f"{_show(instance)} is out of the {what}range {low} to {high}"
    elif low is not None:
        yield (), f"{_show(instance)} is less than the {what}minimum {low}"
    else:
        yield (), f"{_show(instance)} is more than the {what}maximum {high}"


def _min_properties(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    yield (), "must not be empty: QEMU leaves 'data' out when there is nothing in it" if value == 1 \
        else f"expected at least {value} members"


def _any_of(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    types = _gate_types(value)
    if types is not None:
        yield (), f"expected {_either([_TYPE_WORDS.get(t, t) for t in types])}, got {_show(instance)}"
        return
    names = _required_alternatives(value)
    if names is not None:
        yield (), f"member {_either([repr(n) for n in names])} is required"
        return
    yield (), "matches none of the accepted forms"


def _one_of(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    names = _required_alternatives(value)
    if names is not None and isinstance(instance, dict):
        present = [n for n in names if n in instance]
        if len(present) > 1:
            yield (), f"use either {_either([repr(n) for n in present])}, not both"
        else:
            yield (), f"member {_either([repr(n) for n in names])} is required"
        return
    yield (), "matches none, or more than one, of the accepted forms"


def _false(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    yield (), "no value is allowed here"


def _not(instance: Any, value: Any, schema: Any, definition: str | None) -> _Explained:
    yield (), "no value is allowed here"


_EXPLAIN: dict[str, Callable[[Any, Any, Any, str | None], _Explained]] = {
    "required": _required,
    "additionalProperties": _additional,
    "type": _type,
    "enum": _enum,
    "const": _const,
    "minimum": _range,
    "maximum": _range,
    "minProperties": _min_properties,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "false": _false,
    "not": _not,
}
