"""JSON Schema annotated with the history: when each thing appeared.

Takes the documents :func:`qapidoc.backends.jsonschema.generate` made for a
schema, the schema, and the histories of its protocol
(:mod:`qapidoc.backends.history`), and returns the same documents with two
annotation keywords (documented in docs/history.rst):

``x-qapi-since``
   the release (``"4.0"``) in which the thing first appears on the wire; a
   release equal to the ``oldest`` of ``history`` in ``index.json`` means
   "in the oldest release read, or before";
``x-qapi-deprecated-since``
   next to ``deprecated: true``: the first release in which it was
   deprecated.

They are put on every message schema (its command or event), on each
property (a member) and ``x-qapi-values`` entry (an enum value) along the
way, on each union branch (its ``then``) and alternative (its ``if``/``then``
entry), and on every ``$defs`` entry of the bundle with what is inside it.
A type's name never travels, so a definition of the bundle and what is
inside it are dated by the places the schema puts the type on the wire: the
earliest release any of them has it.  Something the history never saw (new
since its newest release) has no annotation.

The pass works on copies and leaves the generator's documents alone;
nothing else in them changes, so the output validates exactly what it did.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from ..frontend.model import Schema
from .dating import Dating, wire_index
from .history import SEP, History
from .jsonschema import GeneratedSchemas

__all__ = ["annotate"]

_Obj = dict[str, Any]

class _Dating:
    """Dates sets of wire paths against the histories."""

    def __init__(self, histories: Sequence[History]) -> None:
        self.dating = Dating(histories)

    def since(self, paths: Iterable[str]) -> str | None:
        seen = self.dating.since(paths)
        return seen.release.label if seen is not None else None

    def deprecated(self, paths: Iterable[str]) -> str | None:
        """The first release in which the thing at ``paths`` was deprecated
        (the earliest of its places)."""
        return self.since(f"{p}{SEP}feature deprecated" for p in paths)

    def mark(self, target: _Obj, paths: Sequence[str]) -> None:
        since = self.since(paths)
        if since is not None:
            target["x-qapi-since"] = since
        if target.get("deprecated") is True:
            deprecated = self.deprecated(paths)
            if deprecated is not None:
                target["x-qapi-deprecated-since"] = deprecated


def _extend(paths: Sequence[str], segment: str) -> list[str]:
    return [f"{p}{SEP}{segment}" for p in paths]


class _Walker:
    """Walks a schema document along the wire paths of what it describes."""

    def __init__(self, dating: _Dating) -> None:
        self.dating = dating

    def value(self, node: Any, paths: Sequence[str]) -> None:
        """``node`` describes the value at ``paths``."""
        if not isinstance(node, dict) or not paths:
            return
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, sub in properties.items():
                if isinstance(sub, dict):
                    member = _extend(paths, f"member {name}")
                    self.dating.mark(sub, member)
                    self.value(sub, member)
        items = node.get("items")
        if isinstance(items, dict):
            self.value(items, _extend(paths, "element"))
        values = node.get("x-qapi-values")
        if isinstance(node.get("enum"), list):
            values = values if isinstance(values, dict) else {}
            for name in node["enum"]:
                entry = values.setdefault(name, {})
                self.dating.mark(entry, _extend(paths, f"value {name}"))
            values = {k: v for k, v in values.items() if v}
            if values:
                node["x-qapi-values"] = values
            else:
                node.pop("x-qapi-values", None)
        for entry in node.get("allOf", ()):
            self.choice(entry, paths)

    def choice(self, entry: Any, paths: Sequence[str]) -> None:
        """An ``if``/``then`` entry: a union branch or an alternative."""
        if not isinstance(entry, dict) or not isinstance(entry.get("if"), dict):
            return
        condition, then = entry["if"], entry.get("then")
        if "type" in condition and isinstance(condition["type"], str):
            json = "number" if condition["type"] == "integer" else condition["type"]
            self.dating.mark(entry, _extend(paths, f"as {json}"))
            self.value(then, paths)         # what is inside hangs off the alternate
            return
        for selector in condition.get("properties", {}).values():
            if isinstance(selector, dict) and isinstance(selector.get("const"), str) and isinstance(then, dict):
                branch = _extend(paths, f"branch {selector['const']}")
                self.dating.mark(then, branch)
                self.value(then, branch)


def annotate(generated: GeneratedSchemas, schema: Schema, histories: Sequence[History]) -> GeneratedSchemas:
    """The documents of ``generated`` (made from ``schema``) dated by
    ``histories`` (the schema's protocol first; for the storage daemon,
    QMP's too)."""
    dating = _Dating(histories)
    walker = _Walker(dating)
    bundle = copy.deepcopy(generated.bundle)
    if bundle is not None:
        positions = wire_index(schema).positions
        for name, definition in bundle.get("$defs", {}).items():
            paths = positions.get(name, [])
            if isinstance(definition, dict) and paths:
                dating.mark(definition, paths)
                walker.value(definition, paths)

    def messages(documents: dict[str, _Obj], meta: str, field: str, segment: str) -> dict[str, _Obj]:
        out = {}
        for name, document in documents.items():
            document = copy.deepcopy(document)
            root = [f"{meta} {name}"]
            dating.mark(document, root)
            value = document.get("properties", {}).get(field)
            if isinstance(value, dict):
                position = _extend(root, segment)
                dating.mark(value, position)
                walker.value(value, position)
            out[name] = document
        return out

    index = copy.deepcopy(generated.index)
    newest = [h for h in histories if h.releases]
    if newest:
        first = newest[0]
        index["history"] = {"namespace": first.namespace, "oldest": first.releases[0].label,
                            "newest": first.releases[-1].label,
                            "releases": [r.name for r in first.releases]}
    return dataclasses.replace(
        generated, bundle=bundle,
        requests=messages(dict(generated.requests), "command", "arguments", "arguments"),
        replies=messages(dict(generated.replies), "command", "return", "returns"),
        events=messages(dict(generated.events), "event", "data", "data"),
        index=index)
