"""JSON Schema annotated with the history: when each thing appeared.

Takes the documents that :func:`qapidoc.backends.jsonschema.generate` (the
validation profile) or :func:`qapidoc.backends.jsonschema_codegen.generate_codegen`
(the codegen profile) made for a schema, the schema, and the histories of
its protocol (:mod:`qapidoc.backends.history`), and returns the same
documents with two annotation keywords (documented in docs/history.rst):

``x-qapi-since``
   the release (``"4.0"``) in which the thing first appears on the wire; a
   release equal to the ``oldest`` of ``history`` in ``index.json`` means
   "in the oldest release read, or before";
``x-qapi-deprecated-since``
   next to ``deprecated: true``: the first release in which it was
   deprecated.

They are put on every message (its command or event) and its arguments,
return value or data, on each property (a member) and ``x-qapi-values``
entry (an enum value) along the way, on each union branch and alternative,
and on every type's definition with what is inside it.  A type's name never
travels, so a type's definition and what is inside it are dated by the
places the schema puts the type on the wire: the earliest release any of
them has it.  Something the history never saw (new since its newest
release) has no annotation.

Both profiles are walked along the same wire paths and dated by the same
:class:`qapidoc.backends.dating.Dating`, so the same thing gets the same
release in both.  Where they differ is only how they write a choice:

* validation: a union's branch is an ``if``/``then`` entry of ``allOf``
  (dated on its ``then``), an alternative an ``if``/``then`` entry on the
  JSON type (dated on the entry);
* codegen: a union's branch is a definition of its own (``Union-value``,
  or the struct's name), dated as the branch, whose properties are dated
  where they are on the wire (the union's members hang off the union, the
  branch's own off the branch); an alternative is an entry of ``anyOf``.
  A ``$ref`` there never gets siblings: an annotated bare ``$ref`` becomes
  ``{"allOf": [{"$ref": ...}], "x-qapi-since": ...}``, as the generator
  writes an annotated use.

The pass works on copies and leaves the generator's documents alone;
nothing else in them changes, so the output validates exactly what it did.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..frontend.model import ObjectType, Schema
from ..records import NamedTuple
from .dating import Dating, wire_index
from .history import SEP, History
from .jsonschema import GeneratedSchemas
from .jsonschema_codegen import CodegenSchema, message_key

__all__ = ["annotate", "annotate_codegen"]

_Obj = dict[str, Any]


class _Dating:
    """Dates sets of wire paths against the histories."""

    def __init__(self, histories: Sequence[History]) -> None:
        self.dating = Dating(histories)

    def since(self, paths: Iterable[str]) -> str | None:
        seen = self.dating.since(paths)
        return seen.release.label if seen is not None else None

    def notes(self, paths: Sequence[str], deprecated: bool) -> _Obj:
        """The annotations of the thing at ``paths`` (``deprecated``: it is
        marked so): when it appeared and, if deprecated, when it became so
        (the earliest of its places)."""
        notes: _Obj = {}
        since = self.since(paths)
        if since is not None:
            notes["x-qapi-since"] = since
        if deprecated:
            deprecated_since = self.since(_extend(paths, "feature deprecated"))
            if deprecated_since is not None:
                notes["x-qapi-deprecated-since"] = deprecated_since
        return notes


def _extend(paths: Iterable[str], segment: str) -> list[str]:
    return [f"{p}{SEP}{segment}" for p in paths]


def _members_at(paths: Sequence[str]) -> Callable[[str], list[str]]:
    """Where the members of an object at ``paths`` are."""
    return lambda name: _extend(paths, f"member {name}")


class _Walker:
    """Walks a validation profile document along the wire paths of what it
    describes.  :class:`_CodegenWalker` differs in how a choice is written
    and how an annotation is added."""

    def __init__(self, dating: _Dating) -> None:
        self.dating = dating

    def mark(self, target: _Obj, paths: Sequence[str]) -> None:
        target.update(self.dating.notes(paths, target.get("deprecated") is True))

    def value(self, node: Any, paths: Sequence[str], members: Callable[[str], list[str]] | None = None) -> None:
        """``node`` describes the value at ``paths``, whose members are at
        ``members(name)`` (by default, ``paths / member NAME``)."""
        if not isinstance(node, dict) or not paths:
            return
        self.members(node, members or _members_at(paths))
        items = node.get("items")
        if isinstance(items, dict):
            self.value(items, _extend(paths, "element"))
        if isinstance(node.get("enum"), list):
            self.values(node, paths)
        self.choices(node, paths)

    def members(self, node: _Obj, where: Callable[[str], list[str]]) -> None:
        """Each property of ``node``, at ``where(name)``."""
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict):
                    member = where(name)
                    self.mark(sub, member)
                    self.value(sub, member)

    def values(self, node: _Obj, paths: Sequence[str]) -> None:
        """An enum's values: in ``x-qapi-values``, which gets an entry for
        every value that has an annotation."""
        values = node.get("x-qapi-values")
        values = values if isinstance(values, dict) else {}
        for name in node["enum"]:
            entry = values.setdefault(name, {})
            entry.update(self.dating.notes(_extend(paths, f"value {name}"), entry.get("deprecated") is True))
        values = {k: v for k, v in values.items() if v}
        if values:
            node["x-qapi-values"] = values
        else:
            node.pop("x-qapi-values", None)

    def choices(self, node: _Obj, paths: Sequence[str]) -> None:
        """``if``/``then`` entries: union branches and alternatives."""
        for entry in node.get("allOf", ()):
            if not isinstance(entry, dict) or not isinstance(entry.get("if"), dict):
                continue
            condition, then = entry["if"], entry.get("then")
            if "type" in condition and isinstance(condition["type"], str):
                self.mark(entry, _extend(paths, f"as {_as(condition['type'])}"))
                self.value(then, paths)         # what is inside hangs off the alternate
                continue
            for selector in condition.get("properties", {}).values():
                if isinstance(selector, dict) and isinstance(selector.get("const"), str) and isinstance(then, dict):
                    branch = _extend(paths, f"branch {selector['const']}")
                    self.mark(then, branch)
                    self.value(then, branch)


def _as(json_type: str) -> str:
    """The ``as`` segment of an alternative of this JSON Schema type."""
    return "number" if json_type == "integer" else json_type


def _history_index(index: _Obj, histories: Sequence[History]) -> _Obj:
    """``index.json`` with the releases read."""
    index = copy.deepcopy(index)
    read = [h for h in histories if h.releases]
    if read:
        first = read[0]
        index["history"] = {"namespace": first.namespace, "oldest": first.releases[0].label,
                            "newest": first.releases[-1].label,
                            "releases": [r.name for r in first.releases]}
    return index


def annotate(generated: GeneratedSchemas, schema: Schema, histories: Sequence[History]) -> GeneratedSchemas:
    """The documents of ``generated`` (made from ``schema``) dated by
    ``histories`` (the schema's protocol first; for the storage daemon,
    QMP's too)."""
    dating = _Dating(histories)
    walker = _Walker(dating)
    bundle = copy.deepcopy(generated.bundle)
    if bundle is not None:
        positions = wire_index(schema).positions
        for name, definition in (bundle.get("$defs") or bundle.get("definitions") or {}).items():
            paths = positions.get(name, [])
            if isinstance(definition, dict) and paths:
                walker.mark(definition, paths)
                walker.value(definition, paths)

    def messages(documents: Mapping[str, _Obj], meta: str, field: str, segment: str) -> dict[str, _Obj]:
        out = {}
        for name, document in documents.items():
            document = copy.deepcopy(document)
            root = [f"{meta} {name}"]
            walker.mark(document, root)
            value = document.get("properties", {}).get(field)
            if isinstance(value, dict):
                position = _extend(root, segment)
                walker.mark(value, position)
                walker.value(value, position)
            out[name] = document
        return out

    return dataclasses.replace(
        generated, bundle=bundle,
        requests=messages(generated.requests, "command", "arguments", "arguments"),
        replies=messages(generated.replies, "command", "return", "returns"),
        events=messages(generated.events, "event", "data", "data"),
        index=_history_index(generated.index, histories))


# --- the codegen profile ---------------------------------------------------------------

class _Place(NamedTuple):
    """Where the value a codegen definition describes is on the wire."""

    paths: list[str]
    #: for a union's branch: the members it has from the union (and from
    #: the unions above, for a branch of a branch) -> where they are
    inherited: dict[str, list[str]]

    def member(self, name: str) -> list[str]:
        return self.inherited.get(name) or _extend(self.paths, f"member {name}")


def _ref_key(node: _Obj) -> str | None:
    """The definition that a bare ``$ref`` or an ``allOf`` wrapping one names."""
    ref = node.get("$ref")
    if ref is None and isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
        ref = node["allOf"][0].get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


class _CodegenWalker(_Walker):
    """Walks the codegen profile's ``qmp.json``: a definition per type,
    union branch and message."""

    def __init__(self, dating: _Dating, defs: _Obj) -> None:
        super().__init__(dating)
        self.defs = defs

    def mark(self, target: _Obj, paths: Sequence[str]) -> None:
        notes = self.dating.notes(paths, target.get("deprecated") is True)
        if notes and "$ref" in target:
            target["allOf"] = [{"$ref": target.pop("$ref")}]     # no siblings beside a $ref
        target.update(notes)

    def choices(self, node: _Obj, paths: Sequence[str]) -> None:
        """An alternate's ``anyOf``: each alternative by its JSON type."""
        for entry in node.get("anyOf", ()):
            json_type = self.json_type(entry)
            if json_type is not None:
                self.mark(entry, _extend(paths, f"as {_as(json_type)}"))
                self.value(entry, paths)        # what is inside hangs off the alternate

    def json_type(self, node: Any) -> str | None:
        if not isinstance(node, dict):
            return None
        key = _ref_key(node)
        target = self.defs.get(key) if key is not None else node
        found = target.get("type") if isinstance(target, dict) else None
        return found if isinstance(found, str) else None

    def definition(self, node: _Obj, place: _Place) -> None:
        if not place.paths:
            return
        self.mark(node, place.paths)
        self.value(node, place.paths, place.member)

    def message(self, node: _Obj, root: str, field: str, segment: str) -> str | None:
        """A request, reply or event, and its arguments, return value or
        data; returns the definition these refer to, if any."""
        self.mark(node, [root])
        key = None
        for form in node.get("oneOf", [node]):      # out-of-band: execute or exec-oob
            value = form.get("properties", {}).get(field) if isinstance(form, dict) else None
            if isinstance(value, dict):
                paths = [f"{root}{SEP}{segment}"]
                key = _ref_key(value) or key
                self.mark(value, paths)
                self.value(value, paths)
        return key


def _codegen_places(codegen: CodegenSchema, schema: Schema, defs: _Obj) -> dict[str, _Place]:
    """Where each type's and each union branch's definition is on the wire."""
    positions = wire_index(schema).positions
    branches: dict[str, tuple[str, str]] = {key: (b["union"], b["value"])
                                            for key, b in codegen.index.get("branches", {}).items()}
    places: dict[str, _Place] = {}

    def union(key: str) -> ObjectType | None:
        """The object type whose values the definition ``key`` describes."""
        if key not in branches:
            return schema.object(key)
        outer, value = branches[key]
        enclosing = union(outer)
        if enclosing is None or enclosing.variants is None:
            return None
        variant = next((v for v in enclosing.variants.branches if v.name == value), None)
        return schema.object(variant.type) if variant is not None else None

    def place(key: str) -> _Place:
        if key not in places:
            if key in branches:
                outer, value = branches[key]
                up, enclosing = place(outer), union(outer)
                members = enclosing.members if enclosing is not None else ()
                inherited = {**up.inherited, **{m.name: up.member(m.name) for m in members}}
                places[key] = _Place(_extend(up.paths, f"branch {value}"), inherited)
            else:
                places[key] = _Place(positions.get(key, []), {})
        return places[key]

    for key in defs:
        if key in branches or key in schema.entities:
            place(key)
    return places


def annotate_codegen(codegen: CodegenSchema, schema: Schema, histories: Sequence[History]) -> CodegenSchema:
    """The codegen profile's document (made from ``schema``) dated by
    ``histories``, as :func:`annotate` dates the validation profile."""
    document = copy.deepcopy(codegen.document)
    defs: _Obj = document.get("$defs") or document.get("definitions") or {}
    walker = _CodegenWalker(_Dating(histories), defs)
    places = _codegen_places(codegen, schema, defs)
    messages = [(message_key("request", name), f"command {name}", "arguments", "arguments")
                for name in codegen.index.get("commands", {})]
    messages += [(message_key("reply", name), f"command {name}", "return", "returns")
                 for name, entry in codegen.index.get("commands", {}).items() if entry.get("reply") is not None]
    messages += [(message_key("event", name), f"event {name}", "data", "data")
                 for name in codegen.index.get("events", {})]
    for key, root, field, segment in messages:
        payload = walker.message(defs[key], root, field, segment)
        if payload is not None and payload not in places:
            # arguments or data the schema gives no type name: NAME-arguments, NAME-data
            places[payload] = _Place([f"{root}{SEP}{segment}"], {})
    for key, place in places.items():
        walker.definition(defs[key], place)
    return dataclasses.replace(codegen, document=document, index=_history_index(codegen.index, histories))
