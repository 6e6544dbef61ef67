"""Dating: what the releases say of the elements of a schema today.

The history (:mod:`qapidoc.backends.history`) knows wire paths; a schema
being linted, converted or documented knows definitions.  This module joins
them: :func:`wire_index` finds where each element of a schema is on the
wire (a member at every place its type puts it, an enum value also where it
selects a branch, a type at every place that holds its values or its
members), and :class:`Dating` says when those places first appear in the
releases.  Used by the QD7xx lint rules, ``jsonschema --history`` and the
Sphinx extension's release badges.  Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..frontend.dialect import Version
from ..frontend.model import CommandEntity, EventEntity, Schema
from ..records import NamedTuple
from .history import SEP, History, Release, element_kind, expand, schema_parts

__all__ = ["Dating", "Seen", "WireIndex", "wire_index"]

#: the kinds of element whose path holds a value of a type
_POSITIONS = frozenset({"member", "element", "arguments", "returns", "data"})


class WireIndex(NamedTuple):
    """Where each element of one schema is on the wire."""

    #: (documenting definition, member, value or branch name) -> wire paths
    elements: dict[tuple[str, str], list[str]]
    #: command and event name -> ``command X`` / ``event X``
    roots: dict[str, str]
    #: type name -> the wire paths whose value has that type's members or
    #: values: the places that hold a value of it, and for a struct, also
    #: where the types based on it or a union's branch of it put its members
    positions: dict[str, list[str]]


def wire_index(schema: Schema) -> WireIndex:
    parts, _ = schema_parts(schema, lambda span: "")
    elements: dict[tuple[str, str], list[str]] = {}
    positions: dict[str, list[str]] = {}
    for node in expand(parts):
        kind = element_kind(node.path)
        if kind in ("member", "value", "branch"):
            elements.setdefault((node.owner, node.name), []).append(node.path)
        if kind in _POSITIONS and node.wire in ("object", "enum", "alternate"):
            positions.setdefault(node.type, []).append(node.path)
        elif kind == "as" and node.wire in ("object", "enum"):
            head = node.path.rsplit(SEP, 1)[0]      # an alternative's content is at the alternate
            positions.setdefault(node.type, []).append(head)
    _spread(schema, positions)
    roots = {e.name: f"{e.meta} {e.name}" for e in schema.entities.values()
             if isinstance(e, (CommandEntity, EventEntity))}
    return WireIndex(elements, roots, positions)


def _spread(schema: Schema, positions: dict[str, list[str]]) -> None:
    """A struct's members are also where a type based on it, or a union
    whose branch it is, puts them."""
    pending = list(positions)
    while pending:
        name = pending.pop()
        ent = schema.object(name)
        if ent is None:
            continue
        spread: list[tuple[str, list[str]]] = []
        if ent.base is not None:
            spread.append((ent.base, positions[name]))
        if ent.variants is not None:
            for variant in ent.variants.branches:
                spread.append((variant.type, [f"{p}{SEP}branch {variant.name}" for p in positions[name]]))
        for target, paths in spread:
            known = positions.setdefault(target, [])
            new = [p for p in paths if p not in known]
            if new:
                known.extend(new)
                pending.append(target)


class Seen(NamedTuple):
    """Where something was first seen."""

    release: Release
    #: ``file:line`` in that release
    where: str
    #: ``on the wire``, or ``in enum 'E'`` for a member a type had by name
    how: str = "on the wire"

    @property
    def version(self) -> Version:
        return self.release.version


class Dating:
    """The histories a schema is read against: its own protocol's, and for
    the storage daemon, whose modules are QMP's, QMP's too."""

    def __init__(self, histories: Sequence[History]) -> None:
        self.histories = [h for h in histories if h.releases]
        self.oldest: Version = min((h.releases[0].version for h in self.histories), default=(0, 0))
        self.newest: Release | None = max((h.releases[-1] for h in self.histories), key=lambda r: r.version,
                                          default=None)
        self._types: dict[str, Version] | None = None
        self._first: dict[str, Seen | None] = {}

    def next_after(self, version: Version) -> Version | None:
        """The first release read that is later than ``version``."""
        return min((r.version for h in self.histories for r in h.releases if r.version > version), default=None)

    def first(self, path: str) -> Seen | None:
        """The earliest release with ``path`` on the wire."""
        if path in self._first:
            return self._first[path]
        best: Seen | None = None
        for history in self.histories:
            timeline = history.timelines.get(path)
            index = timeline.first if timeline is not None else None
            if timeline is None or index is None:
                continue
            if best is None or history.releases[index].version < best.version:
                node = timeline.at(index)
                best = Seen(history.releases[index], node.where if node is not None else "")
        self._first[path] = best
        return best

    def since(self, paths: Iterable[str]) -> Seen | None:
        """The earliest release in which any of ``paths`` is on the wire."""
        found = [f for f in map(self.first, paths) if f is not None]
        return min(found, key=lambda f: f.version) if found else None

    def named(self, owner: str, name: str, how: str) -> Seen | None:
        """The first release whose schema had a type ``owner`` with its own
        member, value or branch ``name``."""
        best: Seen | None = None
        for history in self.histories:
            found = history.type_names.get(f"{owner}.{name}")
            if found is not None and (best is None or history.releases[found[0]].version < best.version):
                best = Seen(history.releases[found[0]], found[1], how)
        return best

    def type_first(self, name: str) -> Version | None:
        """The first release whose schema had a type of this name (with at
        least one member, value or branch)."""
        if self._types is None:
            self._types = {}
            for history in self.histories:
                for key, (release, _) in history.type_names.items():
                    owner = key.split(".", 1)[0]
                    version = history.releases[release].version
                    if owner not in self._types or version < self._types[owner]:
                        self._types[owner] = version
        return self._types.get(name)
