"""JSON Schema generation: the checked model -> JSON Schema documents.

Takes a :class:`~qapidoc.frontend.model.Schema` (and optionally the doc comments) and
returns :class:`GeneratedSchemas`: plain ``dict``/``list``/``str``/``int``/
``bool`` values, ready for ``json.dumps``, that describe the QMP wire
messages of the schema.  Pure functions, no I/O; :mod:`qapidoc.cli.jsonschema`
writes the files and :mod:`qapidoc.backends.validate` compiles them.

What comes out (file names relative to the output directory; every ``$id``
is ``base_uri`` + the file name):

* ``types.json``: one bundle with a ``$defs`` entry for every type (built-in
  types with the exact ranges of their C types, enums, structs, unions,
  alternates).  Arrays and QAPI's implicit types (argument types, inline
  bases, simple-union wrappers) are written where they are used.  Not
  written in the inline (wire) view.
* ``events/NAME.json``, ``commands/NAME.request.json``,
  ``commands/NAME.reply.json``: one schema per event message, per command
  request and per success reply, referring into the bundle (named view) or
  standing alone (inline view).
* ``messages/{client,server,greeting,error-reply,reply}.json``: "any
  client->server message" and "any server->client message", which select
  the matching definition by the ``execute``/``exec-oob``/``event`` name, the
  greeting, the error reply and a success reply to an unknown command.
* ``index.json``: what was written, with the ``$id`` of each file.

The mapping is documented in ``docs/jsonschema.rst``.  Nothing specific to
Python goes into the output: only standard keywords and the ``x-qapi-*``
annotations described there.
"""

from __future__ import annotations

import dataclasses
import json
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Literal

from ..frontend.docs import DocComment, DocSection
from ..frontend.expressions import Cond, CondAll, CondAny, CondNot, CondText, CondVar, Feature
from ..frontend.model import (
    AlternateType,
    ArrayType,
    BuiltinType,
    CommandEntity,
    EnumType,
    EventEntity,
    ObjectMember,
    ObjectType,
    Schema,
    Variants,
)

__all__ = [
    "BUNDLE_FILE",
    "CLIENT_FILE",
    "DEFAULT_BASE_URI",
    "DRAFTS",
    "ERROR_REPLY_FILE",
    "GREETING_FILE",
    "INDEX_FILE",
    "PROFILES",
    "REPLY_FILE",
    "SERVER_FILE",
    "Draft",
    "GenerateOptions",
    "GeneratedSchemas",
    "JsonSchema",
    "Profile",
    "dump_json",
    "evaluate_condition",
    "event_file",
    "generate",
    "reply_file",
    "request_file",
]

Draft = Literal["2020-12", "7"]
#: "validation": the file tree described in docs/jsonschema.rst, whose
#: unions select their branch with if/then (a validator reports the
#: branch's own errors); "codegen": one self-contained document that code
#: generators understand (see :mod:`qapidoc.backends.jsonschema_codegen`)
Profile = Literal["validation", "codegen"]
PROFILES: tuple[Profile, ...] = ("validation", "codegen")
#: A JSON Schema: an object or a boolean.
JsonSchema = dict[str, Any] | bool
_Obj = dict[str, Any]

DRAFTS: dict[str, str] = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "7": "http://json-schema.org/draft-07/schema#",
}
DEFAULT_BASE_URI = "urn:qapidoc:qmp:"

BUNDLE_FILE = "types.json"
CLIENT_FILE = "messages/client.json"
SERVER_FILE = "messages/server.json"
GREETING_FILE = "messages/greeting.json"
ERROR_REPLY_FILE = "messages/error-reply.json"
REPLY_FILE = "messages/reply.json"
INDEX_FILE = "index.json"


def event_file(name: str) -> str:
    return f"events/{name}.json"


def request_file(name: str) -> str:
    return f"commands/{name}.request.json"


def reply_file(name: str) -> str:
    return f"commands/{name}.reply.json"


_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


_RELEASE = re.compile(r"[0-9]+\.[0-9]+(\.[0-9]+)?")


def _normalize_base(base: str) -> str:
    if not _URI_SCHEME.match(base) or any(c.isspace() for c in base) or "#" in base:
        raise ValueError(f"base URI {base!r} is not an absolute URI without a fragment "
                         "(e.g. 'urn:example:qmp:' or 'https://example.org/qmp/')")
    if base.endswith(("/", ":")):
        return base
    return base + ("/" if "://" in base else ":")


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    """How to generate.

    ``defines``: None includes every conditional part and marks it with
    ``x-qapi-if``; a set of configuration symbols evaluates the conditions
    for that build and leaves out what it lacks (a legacy C-expression
    condition that cannot be evaluated stays in, marked).
    """

    draft: Draft = "2020-12"
    #: every ``$id`` starts with it; the default one gets the release added
    #: (``urn:qapidoc:qmp:10.2.0:``) when ``release`` is known
    base_uri: str = DEFAULT_BASE_URI
    #: the QEMU release the schema comes from (``10.2.0``), when known
    release: str | None = None
    profile: Profile = "validation"
    #: the wire view: no type names, every message schema stands alone
    inline: bool = False
    defines: AbstractSet[str] | None = None
    #: descriptions from the doc comments
    descriptions: bool = True
    #: ``deprecated`` and ``x-qapi-features`` annotations
    features: bool = True
    #: messages to show as ``examples`` of the message schemas, by
    #: ("request" | "reply" | "event", name): the doc comments' examples
    #: that the schema accepts (see ``qapidoc jsonschema --examples``)
    examples: Mapping[tuple[str, str], Sequence[object]] | None = field(default=None, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.draft not in DRAFTS:
            raise ValueError(f"unsupported JSON Schema draft {self.draft!r}; use '2020-12' or '7'")
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; use {' or '.join(map(repr, PROFILES))}")
        if self.profile == "codegen" and self.inline:
            raise ValueError("the codegen profile names every type; it has no inline view")
        if self.release is not None and not _RELEASE.fullmatch(self.release):
            raise ValueError(f"QEMU release {self.release!r} is not a version number like '10.2.0'")
        base = self.base_uri
        if self.release is not None and base == DEFAULT_BASE_URI:
            base = f"{DEFAULT_BASE_URI}{self.release}:"
        object.__setattr__(self, "base_uri", _normalize_base(base))
        if self.defines is not None:
            object.__setattr__(self, "defines", frozenset(self.defines))


@dataclass(frozen=True, slots=True)
class GeneratedSchemas:
    """Every schema document generated for one schema.

    All values are JSON-ready.  ``bundle`` is None in the inline view.
    ``replies`` has no entry for a command that sends no success reply
    (``'success-response': false``).
    """

    options: GenerateOptions
    bundle: _Obj | None
    events: Mapping[str, _Obj]
    requests: Mapping[str, _Obj]
    replies: Mapping[str, _Obj]
    greeting: _Obj
    error_reply: _Obj
    any_reply: _Obj
    client: _Obj
    server: _Obj
    index: _Obj = field(default_factory=dict)

    def files(self) -> dict[str, _Obj]:
        """Relative file name -> document, the index included, sorted by name."""
        out: dict[str, _Obj] = dict(self._schema_files())
        out[INDEX_FILE] = self.index
        return dict(sorted(out.items()))

    def schemas(self) -> list[_Obj]:
        """Every schema document (not the index), e.g. to fill a registry."""
        return [doc for _, doc in sorted(self._schema_files())]

    def id_of(self, file: str) -> str:
        return self.options.base_uri + file

    def _schema_files(self) -> Iterator[tuple[str, _Obj]]:
        if self.bundle is not None:
            yield BUNDLE_FILE, self.bundle
        for name, doc in self.events.items():
            yield event_file(name), doc
        for name, doc in self.requests.items():
            yield request_file(name), doc
        for name, doc in self.replies.items():
            yield reply_file(name), doc
        yield GREETING_FILE, self.greeting
        yield ERROR_REPLY_FILE, self.error_reply
        yield REPLY_FILE, self.any_reply
        yield CLIENT_FILE, self.client
        yield SERVER_FILE, self.server


def dump_json(value: object) -> str:
    """The bytes every generated file is written as (UTF-8, 2-space indent,
    newline at the end): the same input always gives the same text."""
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --- conditions ----------------------------------------------------------------------

def evaluate_condition(cond: Cond | None, defines: AbstractSet[str] | None) -> bool | None:
    """Whether a build that defines ``defines`` has what ``cond`` guards.

    True or False; None when it cannot tell: no ``defines`` given, or a
    legacy C expression other than ``defined(X)`` combined with ``!``,
    ``&&``, ``||`` and parentheses."""
    if cond is None:
        return True
    if defines is None:
        return None
    if isinstance(cond, CondVar):
        return cond.name in defines
    if isinstance(cond, CondNot):
        value = evaluate_condition(cond.operand, defines)
        return None if value is None else not value
    if isinstance(cond, CondAll):
        values = [evaluate_condition(c, defines) for c in cond.operands]
        if False in values:
            return False
        return True if all(v is True for v in values) else None
    if isinstance(cond, CondAny):
        values = [evaluate_condition(c, defines) for c in cond.operands]
        if True in values:
            return True
        return False if all(v is False for v in values) else None
    assert isinstance(cond, CondText)
    return _CExpr(cond.text, defines).evaluate()


_C_TOKEN = re.compile(r"\s*(defined\b|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||!|\(|\))")


class _CExpr:
    """``defined(X)``, ``defined X``, ``!``, ``&&``, ``||`` and parentheses;
    anything else makes the whole expression unknown (None)."""

    def __init__(self, text: str, defines: AbstractSet[str]) -> None:
        self.defines = defines
        self.tokens: list[str] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _C_TOKEN.match(text, pos)
            if m is None:
                self.tokens = []
                return
            self.tokens.append(m.group(1))
            pos = m.end()
        self.pos = 0

    def evaluate(self) -> bool | None:
        if not self.tokens:
            return None
        try:
            value = self._or()
        except ValueError:
            return None
        return value if self.pos == len(self.tokens) else None

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> str:
        token = self._peek()
        if token is None or (expected is not None and token != expected):
            raise ValueError(token)
        self.pos += 1
        return token

    def _or(self) -> bool:
        value = self._and()
        while self._peek() == "||":
            self._take()
            value = self._and() or value
        return value

    def _and(self) -> bool:
        value = self._unary()
        while self._peek() == "&&":
            self._take()
            value = self._unary() and value
        return value

    def _unary(self) -> bool:
        token = self._take()
        if token == "!":
            return not self._unary()
        if token == "(":
            value = self._or()
            self._take(")")
            return value
        if token == "defined":
            if self._peek() == "(":
                self._take()
                name = self._ident()
                self._take(")")
            else:
                name = self._ident()
            return name in self.defines
        raise ValueError(token)

    def _ident(self) -> str:
        token = self._take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token) or token == "defined":
            raise ValueError(token)
        return token


# --- doc text ------------------------------------------------------------------------

def _section_text(section: DocSection | None) -> str | None:
    """A section's text with continuation lines dedented; None if empty."""
    if section is None:
        return None
    lines = [line.rstrip() for line in section.text.split("\n")]
    first, rest = lines[0].strip(), textwrap.dedent("\n".join(lines[1:]))
    text = f"{first}\n{rest}".strip() if rest.strip() else first
    return text or None


# --- generation ----------------------------------------------------------------------

class _Pointer:
    """A ``$ref`` to an enclosing schema of the same document (recursive
    types in the inline view); resolved to a JSON pointer at the end."""

    __slots__ = ("target",)

    def __init__(self, target: _Obj) -> None:
        self.target = target


def _timestamp() -> _Obj:
    """The event timestamp; -1/-1 when the host clock failed."""
    return {
        "type": "object",
        "properties": {
            "seconds": {"type": "integer", "minimum": -1},
            "microseconds": {"type": "integer", "minimum": -1, "maximum": 999999},
        },
        "required": ["seconds", "microseconds"],
        "additionalProperties": False,
    }

#: a name list longer than this is selected in two steps (see _select)
_GROUP_THRESHOLD = 16

_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
               "null": "null"}


class _Generator:
    def __init__(self, schema: Schema, options: GenerateOptions, docs: Mapping[str, DocComment] | None) -> None:
        self.schema = schema
        self.options = options
        self.docs: Mapping[str, DocComment] = docs if (docs is not None and options.descriptions) else {}
        self.bundle_id = options.base_uri + BUNDLE_FILE
        #: inline expansion in progress: type name -> the schema being filled
        self.expanding: dict[str, _Obj] = {}
        #: named view: $defs referred to from anywhere
        self.referenced: set[str] = set()
        self.in_bundle = False
        #: a recursive expansion made a _Pointer to resolve
        self.pointers = False

    # -- conditions and annotations -------------------------------------------

    def state(self, cond: Cond | None) -> bool | None:
        return evaluate_condition(cond, self.options.defines)

    def included(self, cond: Cond | None) -> bool:
        return self.state(cond) is not False

    def mark(self, target: _Obj, cond: Cond | None) -> None:
        if cond is not None and self.state(cond) is None:
            target["x-qapi-if"] = cond.raw()

    def features(self, target: _Obj, features: tuple[Feature, ...]) -> None:
        if not self.options.features:
            return
        present = [f for f in features if self.included(f.cond)]
        if any(f.name == "deprecated" for f in present):
            target["deprecated"] = True
        others = [f.name for f in present if f.name != "deprecated"]
        if others:
            merged = list(target.get("x-qapi-features", []))
            merged.extend(n for n in others if n not in merged)
            target["x-qapi-features"] = merged
        conds = {f.name: f.cond.raw() for f in present if f.cond is not None and self.state(f.cond) is None}
        if conds:
            target["x-qapi-features-if"] = {**target.get("x-qapi-features-if", {}), **conds}

    def describe(self, target: _Obj, text: str | None) -> None:
        if text is not None:
            target["description"] = text

    def doc(self, name: str | None) -> DocComment | None:
        return self.docs.get(name) if name is not None else None

    def owner_doc(self, type_name: str) -> DocComment | None:
        """The doc comment describing the members of ``type_name`` (for an
        implicit type: the doc of the definition that made it)."""
        doc = self.doc(type_name)
        if doc is None:
            origin = self.schema.origins.get(type_name)
            if origin is not None:
                doc = self.doc(origin.name)
        return doc

    def body_text(self, name: str) -> str | None:
        doc = self.doc(name)
        return _section_text(doc.body) if doc is not None else None

    # -- types ------------------------------------------------------------------

    def has_def(self, name: str) -> bool:
        ent = self.schema.type(name)
        if isinstance(ent, (BuiltinType, EnumType, AlternateType)):
            return True
        return isinstance(ent, ObjectType) and not ent.implicit

    def use(self, name: str) -> _Obj:
        """A schema for a use of type ``name``, owned by the caller."""
        ent = self.schema.type(name)
        if ent is None:
            # A type the schema does not define (a module checked on its
            # own): any value, since nothing here says what it is.
            return {}
        if isinstance(ent, ArrayType):
            return {"type": "array", "items": self.use(ent.element)}
        if not self.options.inline and self.has_def(name):
            self.referenced.add(name)
            prefix = "" if self.in_bundle else self.bundle_id
            return {"$ref": f"{prefix}#/$defs/{name}"}
        holder = self.expanding.get(name)
        if holder is not None:
            self.pointers = True
            return {"$ref": _Pointer(holder)}
        holder = {}
        self.expanding[name] = holder
        try:
            definition = self.definition(name)
        finally:
            del self.expanding[name]
        holder.update(definition if isinstance(definition, dict) else {})
        return holder

    def definition(self, name: str) -> JsonSchema:
        ent = self.schema.type(name)
        if isinstance(ent, BuiltinType):
            return self.builtin(ent)
        out: _Obj = {}
        if isinstance(ent, (EnumType, ObjectType, AlternateType)) and not ent.is_implicit:
            self.annotate_definition(out, ent)
        if isinstance(ent, EnumType):
            out.update(self.enum(ent))
        elif isinstance(ent, ObjectType):
            out["type"] = "object"
            self.fill_object(out, ent.members, ent.variants, ())
        elif isinstance(ent, AlternateType):
            out.update(self.alternate(ent))
        else:   # pragma: no cover - the model has no other types
            raise AssertionError(f"no schema for type {name!r}")
        return out

    def annotate_definition(self, out: _Obj, ent: EnumType | ObjectType | AlternateType) -> None:
        """The annotations of a named type's own schema: description, features, condition."""
        self.describe(out, self.body_text(ent.name))
        self.features(out, ent.features)
        self.mark(out, ent.cond)

    @staticmethod
    def builtin(ent: BuiltinType) -> JsonSchema:
        if ent.json_type == "value":
            return True
        out: _Obj = {"type": ent.json_type}
        if ent.minimum is not None:
            out["minimum"] = ent.minimum
        if ent.maximum is not None:
            out["maximum"] = ent.maximum
        return out

    def enum(self, ent: EnumType) -> _Obj:
        values = [v for v in ent.values if self.included(v.cond)]
        doc = self.doc(ent.name)
        info: dict[str, _Obj] = {}
        for value in values:
            annotations: _Obj = {}
            self.describe(annotations, _section_text(doc.arg(value.name)) if doc is not None else None)
            self.features(annotations, value.features)
            self.mark(annotations, value.cond)
            if annotations:
                info[value.name] = annotations
        out: _Obj = {"enum": [v.name for v in values]}
        if info:
            out["x-qapi-values"] = info
        return out

    def member(self, member: ObjectMember) -> _Obj:
        out = self.use(member.type)
        self.annotate_member(out, member)
        return out

    def annotate_member(self, out: _Obj, member: ObjectMember) -> None:
        """A member's annotations on its schema: description, features, condition."""
        doc = self.owner_doc(member.defined_in)
        text = _section_text(doc.arg(member.name)) if doc is not None else None
        if text is not None:
            out.pop("title", None)
            out["description"] = text
        self.features(out, member.features)
        self.mark(out, member.cond)

    def fill_object(self, out: _Obj, members: tuple[ObjectMember, ...], variants: Variants | None,
                    known: tuple[str, ...]) -> None:
        """Members (and branches) of an object; ``known`` are the names an
        enclosing schema has checked already (allowed here, not checked)."""
        present = [m for m in members if self.included(m.cond)]
        props: _Obj = dict.fromkeys(known, True)
        for m in present:
            props[m.name] = self.member(m)
        out["properties"] = props
        required = [m.name for m in present if not m.optional and self.state(m.cond) is True]
        if required:
            out["required"] = required
        if variants is None:
            out["additionalProperties"] = False
            return
        out["allOf"] = self.branches(variants, known + tuple(m.name for m in present))

    def branches(self, variants: Variants, known: tuple[str, ...]) -> list[_Obj]:
        tag = variants.tag.name
        entries: list[_Obj] = []
        plain: list[str] = []          # branches without members and unconditional
        for variant in variants.branches:
            if not self.included(variant.cond):
                continue
            branch = self.schema.object(variant.type)
            then: _Obj = {}
            if branch is None:
                # Not an object type: a type a module checked on its own
                # does not define, stood in for by 'any'.  Nothing to check.
                entry: _Obj = {"if": {"properties": {tag: {"const": variant.name}}, "required": [tag]},
                               "then": True}
                self.mark(entry, variant.cond)
                entries.append(entry)
                continue
            self.fill_object(then, branch.members, branch.variants, known)
            if (len(then["properties"]) == len(known) and "allOf" not in then
                    and (variant.cond is None or self.state(variant.cond) is True)):
                plain.append(variant.name)
                continue
            entry = {"if": {"properties": {tag: {"const": variant.name}}, "required": [tag]}, "then": then}
            self.mark(entry, variant.cond)
            entries.append(entry)
        if plain:
            selector = {"const": plain[0]} if len(plain) == 1 else {"enum": plain}
            then = {"properties": dict.fromkeys(known, True), "additionalProperties": False}
            entries.append({"if": {"properties": {tag: selector}, "required": [tag]}, "then": then})
        return entries

    def json_type(self, name: str) -> str:
        ent = self.schema.type(name)
        if isinstance(ent, BuiltinType):
            return _JSON_TYPES[ent.json_type]
        if isinstance(ent, EnumType):
            return "string"
        if isinstance(ent, ArrayType):
            return "array"
        if ent is None:
            return "unknown"
        return "object"

    def alternate(self, ent: AlternateType) -> _Obj:
        gates: list[_Obj] = []
        entries: list[_Obj] = []
        for variant in ent.variants.branches:
            if not self.included(variant.cond):
                continue
            json_type = self.json_type(variant.type)
            if json_type == "unknown":
                return {}           # a branch of a type not defined here: could be anything
            gate: _Obj = {"type": json_type}
            entry: _Obj = {"if": {"type": json_type}, "then": self.use(variant.type)}
            self.mark(gate, variant.cond)
            self.mark(entry, variant.cond)
            gates.append(gate)
            entries.append(entry)
        if not gates:
            return {"not": True}
        return {"anyOf": gates, "allOf": entries}

    def requires_value(self, name: str) -> bool:
        """Whether a value of type ``name`` can never be an empty object."""
        ent = self.schema.type(name)
        if isinstance(ent, ObjectType):
            return ent.variants is not None or any(
                not m.optional and self.state(m.cond) is True for m in ent.members)
        return True

    # -- documents ----------------------------------------------------------------

    def add_examples(self, out: _Obj, kind: str, name: str) -> None:
        examples = (self.options.examples or {}).get((kind, name))
        if examples:
            out["examples"] = list(examples)

    def head(self, file: str, title: str) -> _Obj:
        return _head(self.options, file, title)

    def bundle(self) -> _Obj:
        self.in_bundle = True
        try:
            names = [n for n, e in self.schema.entities.items()
                     if self.has_def(n) and self.included(getattr(e, "cond", None))]
            defs: dict[str, JsonSchema] = {}
            pending = set(names) | self.referenced
            while pending:
                for name in sorted(pending):
                    defs[name] = self.definition(name)
                pending = self.referenced - defs.keys()
        finally:
            self.in_bundle = False
        out = self.head(BUNDLE_FILE, "QAPI types")
        out["$defs"] = dict(sorted(defs.items()))
        return out

    def annotate_entity(self, out: _Obj, ent: CommandEntity | EventEntity) -> None:
        self.describe(out, self.body_text(ent.name))
        self.features(out, ent.features)
        self.mark(out, ent.cond)

    def request(self, cmd: CommandEntity) -> _Obj:
        out = self.head(request_file(cmd.name), f"{cmd.name} request")
        self.add_examples(out, "request", cmd.name)
        self.annotate_entity(out, cmd)
        props: _Obj = {"execute": {"const": cmd.name}}
        if cmd.allow_oob:
            props["exec-oob"] = {"const": cmd.name}
        if cmd.arg_type is not None:
            args = self.use(cmd.arg_type)
            args_required = self.requires_value(cmd.arg_type)
        else:
            args = {"type": "object", "additionalProperties": False}
            args_required = False
        if not cmd.gen:
            # 'gen': false: QEMU's own code reads the arguments, and takes
            # more than the schema declares (device_add passes them on to
            # the device).
            args = self.open_arguments(args)
        props["arguments"] = args
        props["id"] = True
        out["type"] = "object"
        out["properties"] = props
        required = [] if cmd.allow_oob else ["execute"]
        if args_required:
            required.append("arguments")
        if required:
            out["required"] = required
        if cmd.allow_oob:
            out["oneOf"] = [{"properties": {"execute": True}, "required": ["execute"]},
                            {"properties": {"exec-oob": True}, "required": ["exec-oob"]}]
        out["additionalProperties"] = False
        return out

    def open_arguments(self, args: _Obj) -> _Obj:
        """``args``, accepting members it does not declare."""
        if "$ref" in args:
            return {"allOf": [args], "x-qapi-extra-arguments": True}
        opened = {k: v for k, v in args.items() if k != "additionalProperties"}
        opened["x-qapi-extra-arguments"] = True
        return opened

    def reply(self, cmd: CommandEntity) -> _Obj:
        out = self.head(reply_file(cmd.name), f"{cmd.name} reply")
        self.add_examples(out, "reply", cmd.name)
        self.annotate_entity(out, cmd)
        if cmd.ret_type is not None:
            value = self.use(cmd.ret_type)
        else:
            value = {"type": "object", "additionalProperties": False}
        doc = self.doc(cmd.name)
        if doc is not None:
            self.describe(value, _section_text(doc.section("returns")))
        out["type"] = "object"
        out["properties"] = {"return": value, "id": True}
        out["required"] = ["return"]
        out["additionalProperties"] = False
        return out

    def event(self, ev: EventEntity) -> _Obj:
        out = self.head(event_file(ev.name), f"{ev.name} event")
        self.add_examples(out, "event", ev.name)
        self.annotate_entity(out, ev)
        props: _Obj = {"event": {"const": ev.name}}
        required = ["event"]
        if ev.arg_type is not None:
            data = self.use(ev.arg_type)
            if self.requires_value(ev.arg_type):
                required.append("data")
            elif isinstance(data.get("$ref"), str):
                # QEMU leaves 'data' out when it would be empty.
                data.update({"type": "object", "minProperties": 1})
            else:
                # Not on the expansion itself: a recursive $ref may point there.
                data = {"type": "object", "minProperties": 1, "allOf": [data]}
            props["data"] = data
        props["timestamp"] = _timestamp()
        required.append("timestamp")
        out["type"] = "object"
        out["properties"] = props
        out["required"] = required
        out["additionalProperties"] = False
        return out

    def greeting(self) -> _Obj:
        out = self.head(GREETING_FILE, "QMP greeting")
        version = self.use("VersionInfo") if self.schema.object("VersionInfo") else {"type": "object"}
        capability = self.use("QMPCapability") if isinstance(
            self.schema.type("QMPCapability"), EnumType) else {"type": "string"}
        out["type"] = "object"
        out["properties"] = {"QMP": {
            "type": "object",
            "properties": {"version": version, "capabilities": {"type": "array", "items": capability}},
            "required": ["version", "capabilities"],
            "additionalProperties": False,
        }}
        out["required"] = ["QMP"]
        out["additionalProperties"] = False
        return out

    # -- finishing -------------------------------------------------------------------

    def finish(self, doc: _Obj) -> _Obj:
        """Resolve inline-view pointers and convert to draft 7 if asked."""
        if self.options.draft == "7":
            _to_draft7(doc)
        if self.pointers:
            _resolve_pointers(doc)
            self.pointers = False
        return doc


# --- the protocol's own documents (the same for every schema) ---------------------------

def _head(options: GenerateOptions, file: str, title: str) -> _Obj:
    return {"$schema": DRAFTS[options.draft], "$id": options.base_uri + file, "title": title}


def _error_reply(options: GenerateOptions) -> _Obj:
    out = _head(options, ERROR_REPLY_FILE, "QMP error reply")
    out["type"] = "object"
    out["properties"] = {
        "error": {
            "type": "object",
            "properties": {"class": {"type": "string"}, "desc": {"type": "string"}},
            "required": ["class", "desc"],
            "additionalProperties": False,
        },
        "id": True,
    }
    out["required"] = ["error"]
    out["additionalProperties"] = False
    return out


def _any_reply(options: GenerateOptions) -> _Obj:
    out = _head(options, REPLY_FILE, "QMP success reply")
    out["type"] = "object"
    out["properties"] = {"return": True, "id": True}
    out["required"] = ["return"]
    out["additionalProperties"] = False
    return out


def _select(key: str, names: list[str], target: Callable[[str], str]) -> list[_Obj]:
    """An ``if``/``then`` per name, selecting by ``key``'s value.

    Long lists are grouped by the names' first character (an ``enum``
    test per group, then the names of that group), so a validator that
    tries every ``if`` in turn makes ~2*sqrt(n) tests instead of n.  A
    new name changes only its own group."""
    def flat(group: list[str]) -> list[_Obj]:
        return [{"if": {"properties": {key: {"const": name}}, "required": [key]},
                 "then": {"$ref": target(name)}} for name in group]

    if len(names) <= _GROUP_THRESHOLD:
        return flat(names)
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(name[:1].lower(), []).append(name)
    out: list[_Obj] = []
    for _, group in sorted(groups.items()):
        if len(group) == 1:
            out += flat(group)
        else:
            out.append({"if": {"properties": {key: {"enum": group}}, "required": [key]},
                        "then": {"allOf": flat(group)}})
    return out


def _has(key: str) -> _Obj:
    return {"properties": {key: True}, "required": [key]}


def _client(options: GenerateOptions, commands: list[CommandEntity]) -> _Obj:
    out = _head(options, CLIENT_FILE, "any QMP message from client to server")
    names = sorted(c.name for c in commands)
    oob = sorted(c.name for c in commands if c.allow_oob)
    base = options.base_uri

    def req(name: str) -> str:
        return base + request_file(name)

    out["type"] = "object"
    out["properties"] = {"execute": {"enum": names} if names else False,
                         "exec-oob": {"enum": oob} if oob else False}
    out["anyOf"] = [_has("execute"), _has("exec-oob")]
    out["allOf"] = _select("execute", names, req) + _select("exec-oob", oob, req)
    return out


def _server(options: GenerateOptions, events: list[EventEntity]) -> _Obj:
    out = _head(options, SERVER_FILE, "any QMP message from server to client")
    names = sorted(e.name for e in events)
    base = options.base_uri

    def ev(name: str) -> str:
        return base + event_file(name)

    event_schema: _Obj = {"properties": {"event": {"enum": names} if names else False}}
    if names:
        event_schema["allOf"] = _select("event", names, ev)
    out["type"] = "object"
    out["anyOf"] = [_has(k) for k in ("QMP", "event", "return", "error")]
    out["allOf"] = [
        {"if": _has("QMP"), "then": {"$ref": base + GREETING_FILE}},
        {"if": _has("event"), "then": event_schema},
        {"if": _has("return"), "then": {"$ref": base + REPLY_FILE}},
        {"if": _has("error"), "then": {"$ref": base + ERROR_REPLY_FILE}},
    ]
    return out


# --- schema walking ------------------------------------------------------------------

_SCHEMA_MAPS = ("properties", "$defs", "definitions")
_SCHEMA_ONE = ("items", "additionalProperties", "if", "then", "else", "not")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def _subschemas(node: _Obj) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(relative path, subschema) for the subschemas of one schema object,
    keys in the schema's own order."""
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield (key, name), sub
        elif key in _SCHEMA_ONE:
            yield (key,), value
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            for i, sub in enumerate(value):
                yield (key, i), sub


def _walk(node: Any, path: tuple[str | int, ...], visit: Callable[[_Obj, tuple[str | int, ...]], None]) -> None:
    if not isinstance(node, dict):
        return
    visit(node, path)
    for rel, sub in list(_subschemas(node)):
        _walk(sub, path + rel, visit)


def _to_draft7(doc: _Obj) -> None:
    """2020-12 output -> draft 7: ``definitions`` for ``$defs``, and a
    ``$ref`` with sibling keywords moved into ``allOf`` (draft 7 ignores
    siblings of ``$ref``)."""
    def visit(node: _Obj, _path: tuple[str | int, ...]) -> None:
        ref = node.get("$ref")
        if isinstance(ref, str):
            node["$ref"] = ref.replace("#/$defs/", "#/definitions/")
        if "$defs" in node:
            items = list(node.items())
            node.clear()
            node.update(("definitions" if k == "$defs" else k, v) for k, v in items)
        if "$ref" in node and len(node) > 1:
            ref_value = node.pop("$ref")
            rest = list(node.items())
            node.clear()
            node["allOf"] = [{"$ref": ref_value}]
            node.update(rest)

    _walk(doc, (), visit)


def _pointer(path: tuple[str | int, ...]) -> str:
    return "#" + "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _resolve_pointers(doc: _Obj) -> None:
    where: dict[int, tuple[str | int, ...]] = {}
    refs: list[_Obj] = []

    def visit(node: _Obj, path: tuple[str | int, ...]) -> None:
        where.setdefault(id(node), path)
        if isinstance(node.get("$ref"), _Pointer):
            refs.append(node)

    _walk(doc, (), visit)
    for node in refs:
        target = node["$ref"].target
        node["$ref"] = _pointer(where[id(target)])


# --- entry point -----------------------------------------------------------------------

def generate(schema: Schema, options: GenerateOptions | None = None,
             docs: Mapping[str, DocComment] | None = None) -> GeneratedSchemas:
    """JSON Schema documents for ``schema`` (docs: ``LoadResult.doc_for``)."""
    options = options or GenerateOptions()
    if options.profile != "validation":
        raise ValueError("generate() writes the validation profile; for the codegen profile use "
                         "qapidoc.backends.jsonschema_codegen.generate_codegen()")
    gen = _Generator(schema, options, docs)
    commands = sorted((c for c in schema.commands() if gen.included(c.cond)), key=lambda c: c.name)
    events = sorted((e for e in schema.events() if gen.included(e.cond)), key=lambda e: e.name)
    # Messages first: the bundle also takes the types they refer to.
    requests = {c.name: gen.finish(gen.request(c)) for c in commands}
    replies = {c.name: gen.finish(gen.reply(c)) for c in commands if c.success_response}
    event_docs = {e.name: gen.finish(gen.event(e)) for e in events}
    greeting = gen.finish(gen.greeting())
    bundle = None if options.inline else gen.finish(gen.bundle())
    result = GeneratedSchemas(
        options, bundle, event_docs, requests, replies,
        greeting=greeting,
        error_reply=gen.finish(_error_reply(options)),
        any_reply=gen.finish(_any_reply(options)),
        client=gen.finish(_client(options, commands)),
        server=gen.finish(_server(options, events)),
    )
    return dataclasses.replace(result, index=_index(result, commands))


def _entry(result: GeneratedSchemas, file: str) -> _Obj:
    return {"file": file, "$id": result.id_of(file)}


def _index(result: GeneratedSchemas, commands: list[CommandEntity]) -> _Obj:
    options = result.options
    out: _Obj = {
        "generator": "qapidoc jsonschema",
        "profile": options.profile,
        "draft": options.draft,
        "qemu-release": options.release,
        "view": "inline" if options.inline else "named",
        "base-uri": options.base_uri,
        "defines": sorted(options.defines) if options.defines is not None else None,
        "bundle": _entry(result, BUNDLE_FILE) if result.bundle is not None else None,
    }
    if result.bundle is not None:
        defs: _Obj = result.bundle.get("$defs") or result.bundle.get("definitions") or {}
        out["types"] = list(defs)
    out["messages"] = {
        "client": _entry(result, CLIENT_FILE),
        "server": _entry(result, SERVER_FILE),
        "greeting": _entry(result, GREETING_FILE),
        "error-reply": _entry(result, ERROR_REPLY_FILE),
        "reply": _entry(result, REPLY_FILE),
    }
    out["commands"] = {
        c.name: {
            "request": _entry(result, request_file(c.name)),
            "reply": _entry(result, reply_file(c.name)) if c.name in result.replies else None,
            "allow-oob": c.allow_oob,
        } for c in commands
    }
    out["events"] = {name: _entry(result, event_file(name)) for name in result.events}
    out["files"] = sorted([*(f for f, _ in result._schema_files()), INDEX_FILE])
    return out
