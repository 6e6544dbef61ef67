"""JSON Schema for code generators: the checked model -> one self-contained document.

The validation profile (:mod:`qapidoc.backends.jsonschema`) selects a
union's branch with ``if``/``then``, which validators like and no code
generator reads.  This profile describes the same messages in the shapes
that json-schema-to-typescript, quicktype and datamodel-code-generator turn
into types, and that validators accept exactly as they accept the
validation profile:

* one document, ``qmp.json``: every ``$ref`` is local (``#/$defs/...``), so
  no tool needs a resolver for the ``$id``;
* every named type under its QAPI name; built-in types written where they
  are used (``{"type": "string"}``, never a ``$ref`` to a ``str``);
* a union is a ``oneOf`` of ``$ref``\\s, one per branch, each branch a
  complete closed object whose tag is a ``const``; an OpenAPI
  ``discriminator`` names the tag.  A struct that serves only as one
  union's branch *is* that branch (``BlockdevOptionsQcow2``: its members,
  the union's base members and ``"driver": {"const": "qcow2"}``); other
  branches are ``UNION-VALUE`` (``SocketAddress-inet``);
* an alternate is an ``anyOf`` of its branches;
* ``any`` is ``{}``, never the boolean schema ``true``;
* a ``$ref`` never has sibling keywords: an annotated use is
  ``{"allOf": [{"$ref": ...}], "description": ...}``;
* messages are ``$defs`` too, named by their wire name and role:
  ``blockdev-add-request``, ``blockdev-add-reply``, ``SHUTDOWN-event``; the
  arguments of a command and the data of an event, when the schema gives
  them no type name, are ``NAME-arguments`` and ``NAME-data``; and
  ``QMP-message`` (any message), ``QMP-client-message``,
  ``QMP-server-message``, ``QMP-event``, ``QMP-greeting``,
  ``QMP-error-reply``, ``QMP-reply``, ``QMP-timestamp``.  (No ``.`` in a
  key: datamodel-code-generator reads ``a.b`` as module ``a``.)
* the root is a catalogue: an object with a member per definition, so
  that every generator reaches every definition from it.

Pure functions, no I/O.  Conditions, features and descriptions are those of
the validation profile (the same code writes them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..frontend.docs import DocComment
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
    Variant,
    Variants,
)
from .jsonschema import DRAFTS, INDEX_FILE, GenerateOptions, _Generator, _section_text, _timestamp, _to_draft7

__all__ = ["CODEGEN_FILE", "CodegenSchema", "generate_codegen", "message_key"]

_Obj = dict[str, Any]

CODEGEN_FILE = "qmp.json"

#: the $defs keys of the protocol's own schemas
_TIMESTAMP = "QMP-timestamp"
_GREETING = "QMP-greeting"
_ERROR_REPLY = "QMP-error-reply"
_ANY_REPLY = "QMP-reply"
_EVENT = "QMP-event"
_CLIENT = "QMP-client-message"
_SERVER = "QMP-server-message"
_MESSAGE = "QMP-message"
_PROTOCOL = (_TIMESTAMP, _GREETING, _ERROR_REPLY, _ANY_REPLY, _EVENT, _CLIENT, _SERVER, _MESSAGE)


def message_key(kind: str, name: str) -> str:
    """The ``$defs`` key of a message schema: ``kind`` is "request", "reply" or "event"."""
    return f"{name}-{kind}"


@dataclass(frozen=True, slots=True)
class CodegenSchema:
    """The codegen profile's output: ``document`` (``qmp.json``) and ``index``."""

    options: GenerateOptions
    document: _Obj
    index: _Obj = field(default_factory=dict)

    def files(self) -> dict[str, _Obj]:
        """Relative file name -> document, the index included."""
        return {INDEX_FILE: self.index, CODEGEN_FILE: self.document}

    @property
    def id(self) -> str:
        return self.options.base_uri + CODEGEN_FILE

    def key_of(self, def_key: str) -> str:
        """The absolute URI of one ``$defs`` entry (as a validator registry keys it)."""
        container = "definitions" if self.options.draft == "7" else "$defs"
        return f"{self.id}#/{container}/{def_key}"


def _plain(name: str) -> str:
    """A name as code generators see it: letters and digits, any case."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _ref(key: str) -> _Obj:
    return {"$ref": f"#/$defs/{key}"}


def _annotated(schema: _Obj, annotations: _Obj) -> _Obj:
    """``schema`` with ``annotations``; a ``$ref`` is wrapped in an ``allOf``
    rather than given siblings, which generators read as a new type."""
    if not annotations:
        return schema
    if "$ref" in schema:
        return {"allOf": [schema], **annotations}
    return {**schema, **annotations}


def _closed(props: _Obj, required: list[str]) -> _Obj:
    out: _Obj = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _branch_only_types(schema: Schema) -> dict[str, tuple[str, str]]:
    """Named struct types used exactly once, as the branch of one union:
    type name -> (union, tag value).  Such a struct never travels alone, so
    its name can stand for the whole branch."""
    uses: dict[str, int] = {}
    branch_of: dict[str, tuple[str, str]] = {}

    def use(name: str | None) -> None:
        while name is not None:
            ent = schema.type(name)
            if isinstance(ent, ArrayType):
                name = ent.element
                continue
            uses[name] = uses.get(name, 0) + 1
            return

    for name, ent in schema.entities.items():
        if isinstance(ent, ObjectType):
            for member in ent.local_members:
                use(member.type)
            for variant in ent.variants.branches if ent.variants is not None else ():
                use(variant.type)
                branch_of[variant.type] = (name, variant.name)
        elif isinstance(ent, AlternateType):
            for variant in ent.variants.branches:
                use(variant.type)
        elif isinstance(ent, CommandEntity):
            use(ent.arg_type)
            use(ent.ret_type)
        elif isinstance(ent, EventEntity):
            use(ent.arg_type)
    use("VersionInfo")      # the greeting's
    use("QMPCapability")
    out = {}
    for name, where in branch_of.items():
        struct = schema.object(name)
        if uses.get(name) == 1 and struct is not None and not struct.implicit:
            out[name] = where
    return out


class _Codegen:
    """Fills ``defs``; a type's definition is made when first used."""

    def __init__(self, schema: Schema, options: GenerateOptions, docs: Mapping[str, DocComment] | None) -> None:
        self.schema = schema
        self.options = options
        #: conditions, features, descriptions and enums: as the validation profile writes them
        self.notes = _Generator(schema, options, docs)
        self.defs: dict[str, _Obj] = {}
        self.branch_only = _branch_only_types(schema)
        #: the $defs key of every union branch -> (the union's key, tag value)
        self.branches: dict[str, tuple[str, str]] = {}
        #: the names generators make of the keys (case and punctuation dropped)
        self.taken: set[str] = {_plain(name) for name in schema.entities}

    def define(self, key: str, make: Callable[[], _Obj]) -> _Obj:
        """A ``$ref`` to ``key``, whose schema ``make()`` gives when not made yet."""
        if key not in self.defs:
            self.defs[key] = {}         # a placeholder: recursive types refer to it
            self.defs[key] = make()
        return _ref(key)

    def fresh_key(self, wanted: str) -> str:
        """``wanted``, or ``wanted-branch`` if a generator would give it the
        name of something else (``BlockdevOptions-gluster`` when the struct
        ``BlockdevOptionsGluster`` is used elsewhere too)."""
        key = wanted
        while _plain(key) in self.taken:
            key += "-branch"
        self.taken.add(_plain(key))
        return key

    # -- types ------------------------------------------------------------------

    def use(self, name: str) -> _Obj:
        """The schema of a use of type ``name``: a ``$ref`` for named types."""
        ent = self.schema.type(name)
        if ent is None:
            return {}                   # not defined here (a module checked alone)
        if isinstance(ent, ArrayType):
            return {"type": "array", "items": self.use(ent.element)}
        if isinstance(ent, BuiltinType):
            builtin = self.notes.builtin(ent)
            return builtin if isinstance(builtin, dict) else {}
        return self.define(name, lambda: self.definition(name))

    def definition(self, name: str) -> _Obj:
        ent = self.schema.type(name)
        out: _Obj = {}
        assert isinstance(ent, (EnumType, ObjectType, AlternateType)), name
        if not ent.is_implicit:
            self.notes.annotate_definition(out, ent)
        if isinstance(ent, EnumType):
            out["type"] = "string"
            out.update(self.notes.enum(ent))
        elif isinstance(ent, AlternateType):
            out.update(self.alternate(ent))
        elif ent.variants is None:
            out.update(_closed(*self.members(ent.members)))
        else:
            out.update(self.union(name, ent, own=True))
        return out

    def member(self, member: ObjectMember) -> _Obj:
        notes: _Obj = {}
        self.notes.annotate_member(notes, member)
        return _annotated(self.use(member.type), notes)

    def members(self, members: tuple[ObjectMember, ...]) -> tuple[_Obj, list[str]]:
        present = [m for m in members if self.notes.included(m.cond)]
        props = {m.name: self.member(m) for m in present}
        required = [m.name for m in present if not m.optional and self.notes.state(m.cond) is True]
        return props, required

    def alternate(self, ent: AlternateType) -> _Obj:
        choices = []
        for variant in ent.variants.branches:
            if not self.notes.included(variant.cond):
                continue
            if self.schema.type(variant.type) is None:
                return {}               # a branch of a type not defined here: could be anything
            notes: _Obj = {}
            self.notes.mark(notes, variant.cond)
            choices.append(_annotated(self.use(variant.type), notes))
        return {"anyOf": choices} if choices else {"not": {}}

    # -- unions ------------------------------------------------------------------

    def union(self, key: str, ent: ObjectType, *, own: bool,
              outer: tuple[_Obj, list[str]] | None = None) -> _Obj:
        """A union as a choice among its branches.  ``key``: its own
        ``$defs`` key; ``own``: whether that is the type's own definition
        (else a branch of an enclosing union, whose members are ``outer``)."""
        assert ent.variants is not None
        props, required = self.members(ent.members)
        if outer is not None:
            props, required = {**outer[0], **props}, outer[1] + required
        choices: list[_Obj] = []
        nested = False
        for variant in ent.variants.branches:
            if not self.notes.included(variant.cond):
                continue
            branch = self.schema.object(variant.type)
            nested = nested or (branch is not None and branch.variants is not None)
            branch_key = self.branch_key(key, ent.name, variant, own=own)
            self.define(branch_key, partial(self.branch, branch_key, ent.variants, variant, branch, props, required))
            choices.append(_ref(branch_key))
        if not choices:
            return {"not": {}}
        out: _Obj = {"type": "object", "oneOf": choices}
        if not nested:
            # Each branch names its tag's value with a const: OpenAPI's
            # discriminator says so to generators (pydantic's tagged unions).
            out["discriminator"] = {"propertyName": ent.variants.tag.name}
        return out

    def branch_key(self, key: str, union: str, variant: Variant, *, own: bool) -> str:
        if own and self.branch_only.get(variant.type) == (union, variant.name):
            branch_key = variant.type
        else:
            branch_key = self.fresh_key(f"{key}-{variant.name}")
        self.branches[branch_key] = (key, variant.name)
        return branch_key

    def branch(self, key: str, variants: Variants | None, variant: Variant, branch: ObjectType | None,
               props: _Obj, required: list[str]) -> _Obj:
        """One branch: the union's members with the tag a ``const``, then the branch's."""
        assert variants is not None
        tag = variants.tag
        tag_schema: _Obj = {"const": variant.name}
        self.notes.annotate_member(tag_schema, tag)
        own_props = {**props, tag.name: tag_schema}
        out: _Obj = {}
        if branch is not None and key == branch.name:
            self.notes.annotate_definition(out, branch)
        self.notes.mark(out, variant.cond)
        if branch is None:
            # Not an object type (a module checked alone): nothing more is known.
            out.update({"type": "object", "properties": own_props, "required": required})
            return out
        if branch.variants is not None:
            out.update(self.union(key, branch, own=False, outer=(own_props, required)))
            return out
        branch_props, branch_required = self.members(branch.members)
        out.update(_closed({**own_props, **branch_props}, required + branch_required))
        return out


class _Messages:
    """The message schemas, as ``$defs`` of the same document."""

    def __init__(self, types: _Codegen) -> None:
        self.types = types
        self.notes = types.notes

    def payload(self, key: str, type_name: str, *, open_: bool = False, non_empty: bool = False) -> _Obj:
        """The arguments or event data: a ``$ref`` to their type, which is
        ``key`` when the schema gave it no name.  ``open_``: QEMU takes
        members the schema does not declare ('gen': false: device_add passes
        them on to the device); ``non_empty``: never ``{}``."""
        extra: _Obj = {}
        if open_:
            extra["x-qapi-extra-arguments"] = True
        if non_empty:
            extra["minProperties"] = 1
        ent = self.types.schema.object(type_name)
        if ent is None or not ent.implicit:
            # the type beside minProperties, which applies to objects only
            return _annotated(self.types.use(type_name), {"type": "object", **extra} if non_empty else extra)

        def make() -> _Obj:
            assert ent is not None
            out = _closed(*self.types.members(ent.members))
            if open_:
                out["additionalProperties"] = {}
            out.update(extra)
            return out

        return self.types.define(self.types.fresh_key(key), make)

    def request(self, cmd: CommandEntity) -> _Obj:
        if cmd.arg_type is not None:
            args = self.payload(f"{cmd.name}-arguments", cmd.arg_type, open_=not cmd.gen)
            args_required = self.notes.requires_value(cmd.arg_type)
        else:
            args = {"type": "object", "properties": {}, "additionalProperties": False}
            args_required = False

        def form(key: str) -> _Obj:
            required = [key, "arguments"] if args_required else [key]
            return _closed({key: {"const": cmd.name}, "arguments": args, "id": {}}, required)

        out: _Obj = {}
        self.notes.annotate_entity(out, cmd)
        if cmd.allow_oob:
            out["oneOf"] = [form("execute"), form("exec-oob")]
        else:
            out.update(form("execute"))
        return out

    def reply(self, cmd: CommandEntity) -> _Obj:
        value: _Obj = {"type": "object", "properties": {}, "additionalProperties": False}
        if cmd.ret_type is not None:
            value = self.types.use(cmd.ret_type)
        doc = self.notes.doc(cmd.name)
        text = _section_text(doc.section("returns")) if doc is not None else None
        value = _annotated(value, {"description": text} if text is not None else {})
        out: _Obj = {}
        self.notes.annotate_entity(out, cmd)
        out.update(_closed({"return": value, "id": {}}, ["return"]))
        return out

    def event(self, ev: EventEntity) -> _Obj:
        props: _Obj = {"event": {"const": ev.name}}
        required = ["event"]
        if ev.arg_type is not None:
            always = self.notes.requires_value(ev.arg_type)
            # QEMU leaves 'data' out when it would be empty.
            props["data"] = self.payload(f"{ev.name}-data", ev.arg_type, non_empty=not always)
            if always:
                required.append("data")
        props["timestamp"] = self.types.define(_TIMESTAMP, _timestamp)
        required.append("timestamp")
        out: _Obj = {}
        self.notes.annotate_entity(out, ev)
        out.update(_closed(props, required))
        return out

    def greeting(self) -> _Obj:
        schema = self.types.schema
        version = self.types.use("VersionInfo") if schema.object("VersionInfo") else {"type": "object"}
        capability = self.types.use("QMPCapability") if isinstance(
            schema.type("QMPCapability"), EnumType) else {"type": "string"}
        qmp = _closed({"version": version, "capabilities": {"type": "array", "items": capability}},
                      ["version", "capabilities"])
        return _closed({"QMP": qmp}, ["QMP"])

    @staticmethod
    def error_reply() -> _Obj:
        error = _closed({"class": {"type": "string"}, "desc": {"type": "string"}}, ["class", "desc"])
        return _closed({"error": error, "id": {}}, ["error"])

    @staticmethod
    def any_reply() -> _Obj:
        return _closed({"return": {}, "id": {}}, ["return"])


def _defs_in_order(defs: dict[str, _Obj]) -> dict[str, _Obj]:
    return dict(sorted(defs.items()))


def generate_codegen(schema: Schema, options: GenerateOptions | None = None,
                     docs: Mapping[str, DocComment] | None = None) -> CodegenSchema:
    """The codegen profile's document for ``schema`` (docs: ``LoadResult.doc_for``)."""
    options = options or GenerateOptions(profile="codegen")
    if options.inline:
        raise ValueError("the codegen profile has no inline view")
    types = _Codegen(schema, options, docs)
    included = types.notes.included
    commands = sorted((c for c in schema.commands() if included(c.cond)), key=lambda c: c.name)
    events = sorted((e for e in schema.events() if included(e.cond)), key=lambda e: e.name)
    # The messages' keys are fixed; a union branch whose key a generator
    # would read as one of them gets another.
    types.taken.update(_plain(key) for key in _PROTOCOL)
    types.taken.update(_plain(message_key(kind, c.name)) for c in commands for kind in ("request", "reply"))
    types.taken.update(_plain(message_key("event", e.name)) for e in events)
    _define_messages(types, commands, events)
    for name, ent in schema.entities.items():
        if (isinstance(ent, (EnumType, AlternateType, ObjectType)) and not ent.is_implicit
                and name not in types.branch_only and included(getattr(ent, "cond", None))):
            types.use(name)
    defs = _defs_in_order(types.defs)
    document: _Obj = {
        "$schema": DRAFTS[options.draft],
        "$id": options.base_uri + CODEGEN_FILE,
        "title": "QMP",
        "description": ("Every type and message of QMP, in $defs (QMP-message: any message).  The root "
                        "is a catalogue for code generators: a member named after a definition holds "
                        "a value of it."),
        # Generators read what the root reaches: json-schema-to-typescript
        # declares unreachable definitions only beside an object-like root,
        # and quicktype mishandles several top levels of one type.
        "type": "object",
        "properties": {key: _ref(key) for key in defs},
        "$defs": defs,
    }
    if options.draft == "7":
        _to_draft7(document)
    result = CodegenSchema(options, document)
    return CodegenSchema(options, document, _index(result, commands, events, types.branches))


def _define_messages(types: _Codegen, commands: list[CommandEntity], events: list[EventEntity]) -> None:
    messages = _Messages(types)
    for cmd in commands:
        types.define(message_key("request", cmd.name), partial(messages.request, cmd))
        if cmd.success_response:
            types.define(message_key("reply", cmd.name), partial(messages.reply, cmd))
    for ev in events:
        types.define(message_key("event", ev.name), partial(messages.event, ev))
    types.define(_GREETING, messages.greeting)
    types.define(_ERROR_REPLY, messages.error_reply)
    types.define(_ANY_REPLY, messages.any_reply)
    defs = types.defs
    request_refs = [_ref(message_key("request", c.name)) for c in commands]
    defs[_CLIENT] = {"anyOf": request_refs} if request_refs else {"not": {}}
    server = [_ref(_GREETING), _ref(_ANY_REPLY), _ref(_ERROR_REPLY)]
    if events:
        # Every event's schema names it with a const: a tagged union.
        defs[_EVENT] = {"type": "object", "oneOf": [_ref(message_key("event", e.name)) for e in events],
                        "discriminator": {"propertyName": "event"}}
        server.insert(1, _ref(_EVENT))
    defs[_SERVER] = {"anyOf": server}
    defs[_MESSAGE] = {"anyOf": [_ref(_CLIENT), _ref(_SERVER)]}


def _index(result: CodegenSchema, commands: list[CommandEntity], events: list[EventEntity],
           branches: Mapping[str, tuple[str, str]]) -> _Obj:
    options = result.options
    return {
        "generator": "qapidoc jsonschema",
        "profile": "codegen",
        "draft": options.draft,
        "qemu-release": options.release,
        "base-uri": options.base_uri,
        "defines": sorted(options.defines) if options.defines is not None else None,
        "document": {"file": CODEGEN_FILE, "$id": result.id},
        "branches": {key: {"union": union, "value": value} for key, (union, value) in sorted(branches.items())},
        "commands": {
            c.name: {
                "request": result.key_of(message_key("request", c.name)),
                "reply": result.key_of(message_key("reply", c.name)) if c.success_response else None,
                "allow-oob": c.allow_oob,
            } for c in commands
        },
        "events": {e.name: result.key_of(message_key("event", e.name)) for e in events},
        "files": [CODEGEN_FILE, INDEX_FILE],
    }
