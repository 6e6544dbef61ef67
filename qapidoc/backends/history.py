"""History: the QMP API of every release, element by element.

Takes the checked schema of each release (:class:`qapidoc.frontend.model.Schema`)
and returns, for every element a QMP client can see, the release where it
first appears, each release where it changed, and where it went away.  Pure:
no I/O; :mod:`qapidoc.backends.releases` reads the releases and caches what
this module makes.

An element is named by its **wire path**, as ``qapidoc diff`` names what it
reports (:mod:`qapidoc.backends.compat`)::

    command query-status / returns / member running
    event SHUTDOWN / data / member reason / value host-qmp-quit
    command blockdev-add / arguments / branch qcow2 / member data-file
    command query-cpus-fast / returns / element / feature deprecated

Commands and events are matched by name, everything inside them by its
position on the wire: a type's name is not part of it, so a type renamed,
moved to another module, or split into a base changes nothing.  Objects are
flattened through their bases; a union's base members hang off the union,
its branches (``branch NAME``, one per discriminator value) hold the
branch's own members; alternates hold one ``as JSON-TYPE`` element per
branch, and what is inside the branches (an object's members, an array's
element, an enum's values) directly, as a plain type would; arrays hold
their ``element``.  A recursive type is cut where it
comes back, as ``diff`` cuts it.  Features (``feature deprecated``) and
command flags (``flag allow-oob``) are elements of what they mark, so
"deprecated in 6.2" is "its ``feature deprecated`` element appeared in 6.2".

Each release gives a :class:`Snapshot` (every element with its
:class:`Node`: wire type, optionality, condition, and where it is defined);
:func:`build_history` merges the snapshots into one :class:`History` of
:class:`Timeline` values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..frontend.dialect import Version
from ..frontend.expressions import Cond, Feature
from ..frontend.model import (
    AlternateType,
    ArrayType,
    BuiltinType,
    CommandEntity,
    EnumType,
    EventEntity,
    ObjectType,
    Schema,
    TypeEntity,
)
from ..records import NamedTuple
from ..source import Span
from .compat import cond_text

__all__ = [
    "SEP",
    "SNAPSHOT_FORMAT",
    "Change",
    "Event",
    "History",
    "Item",
    "Node",
    "Parts",
    "Release",
    "Snapshot",
    "Timeline",
    "build_history",
    "describe_change",
    "element_kind",
    "expand",
    "history_from_json",
    "history_to_json",
    "parent_path",
    "schema_parts",
    "snapshot",
    "snapshot_from_json",
    "snapshot_to_json",
    "story",
]

SEP = " / "

#: the version of what :func:`snapshot` makes and of its JSON form; part of
#: every cache key, so a change to either starts a fresh cache
SNAPSHOT_FORMAT = 10


class Release(NamedTuple):
    """One release read: its tag (or directory label) and version."""

    name: str
    version: Version

    @property
    def label(self) -> str:
        """``7.2``: how doc comments name a release."""
        return f"{self.version[0]}.{self.version[1]}"


class Node(NamedTuple):
    """One element in one release.

    ``wire``, ``optional``, ``cond`` and ``disc`` are what a client sees
    (:meth:`key`); ``type``, ``owner`` and ``where`` say where it comes
    from and may change without anything changing on the wire.
    """

    path: str
    #: the JSON shape at a position: ``str``, ``enum``, ``int:LO:HI``,
    #: ``number``, ``bool``, ``null``, ``any``, ``array``, ``object``,
    #: ``alternate``; empty for elements that are not positions (commands,
    #: values, branches, features, flags)
    wire: str = ""
    #: the type's name as the schema spells it (``[str]``, ``an object``
    #: for implicit objects), for messages; for a feature, what the schema
    #: attaches it to; for a branch the union names, the union
    type: str = ""
    optional: bool = False
    #: the condition, as text (``CONFIG_SPICE and not CONFIG_WIN32``)
    cond: str | None = None
    #: the name of the member that selects a union's branch
    disc: str | None = None
    #: the definition whose doc comment describes this element (a member's
    #: struct, a value's enum, a command's implicit arguments: the command)
    owner: str = ""
    #: ``file:line`` of the element in the release (file relative to the
    #: release's tree)
    where: str = ""

    def key(self) -> tuple[str, bool, str | None, str | None]:
        """What a client sees; a change of it is a change of the element."""
        return (self.wire, self.optional, self.cond, self.disc)

    @property
    def name(self) -> str:
        """The last segment's name: ``running`` for ``... / member running``."""
        return self.path.rsplit(SEP, 1)[-1].split(" ", 1)[-1]


def element_kind(path: str) -> str:
    """``member``, ``value``, ``branch``, ``feature``, ``flag``, ``as``,
    ``element``, ``arguments``, ``returns``, ``data``, ``command``, ``event``."""
    return path.rsplit(SEP, 1)[-1].split(" ", 1)[0]


def parent_path(path: str) -> str | None:
    head, sep, _ = path.rpartition(SEP)
    return head if sep else None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The QMP API of one release, as seen from one schema root."""

    release: Release
    #: ``QMP``, ``QGA``, ``QSD``
    namespace: str
    #: the root file, relative to the release's tree
    root: str
    #: every element, depth first (a parent before its children)
    nodes: tuple[Node, ...]
    #: every named type (wire or not) -> its own members, values and
    #: branches, each with where it is: what the schema said, for claims
    #: about types
    types: TypeNames = field(default_factory=dict)
    #: what ``nodes`` were expanded from (what the cache keeps)
    parts: Parts | None = None


# --- one release ----------------------------------------------------------------------

_INT_RANGE = {"int", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "size"}


def _wire(ent: TypeEntity) -> str:
    if isinstance(ent, BuiltinType):
        if ent.json_type == "integer":
            return f"int:{ent.minimum}:{ent.maximum}"
        return {"string": "str", "number": "number", "boolean": "bool", "null": "null",
                "value": "any"}[ent.json_type]
    if isinstance(ent, EnumType):
        return "enum"
    if isinstance(ent, ArrayType):
        return "array"
    if isinstance(ent, AlternateType):
        return "alternate"
    return "object"


#: the JSON type that selects an alternate's branch, as diff names it
_JSON_OF_WIRE = {"str": "string", "enum": "string", "number": "number", "bool": "boolean", "null": "null",
                 "any": "value", "array": "array", "object": "object"}


def json_of(wire: str) -> str:
    return "number" if wire.startswith("int:") else _JSON_OF_WIRE.get(wire, wire)


#: type name -> (own member, value or branch name, where), for :attr:`Snapshot.types`
TypeNames = dict[str, tuple[tuple[str, str], ...]]

#: the fields of a node after its path: wire, type, optional, cond, disc, owner, where
Fields = tuple[str, str, bool, "str | None", "str | None", str, str]


class Item(NamedTuple):
    """One step of a :class:`Parts` structure: a node at ``suffix`` (if
    ``fields``), then the parts of type ``child`` below it (if any): its
    features and its local items, or only the latter for a union branch
    (``body``: the branch's type is not on the wire, its members are)."""

    suffix: str
    fields: Fields | None
    child: str | None
    body: bool = False


class Parts(NamedTuple):
    """A schema's wire elements before expansion: the items of each
    command and event, and the items one level inside each type.  Every
    type is described once, however many places use it; :func:`expand`
    spells out every path."""

    roots: tuple[Item, ...]
    local: dict[str, tuple[Item, ...]]
    #: each enum, object and alternate type's own features
    features: dict[str, tuple[Item, ...]]


class _Parts:
    """Makes the :class:`Parts` of one schema."""

    def __init__(self, schema: Schema, where: Callable[[Span | None], str]) -> None:
        self.schema = schema
        self.where = where
        self.local: dict[str, tuple[Item, ...]] = {}
        self.own_features: dict[str, tuple[Item, ...]] = {}

    def owner(self, type_name: str) -> str:
        origin = self.schema.origins.get(type_name)
        return origin.name if origin is not None else type_name

    def describe(self, ent: TypeEntity) -> str:
        if isinstance(ent, ArrayType):
            element = self.schema.type(ent.element)
            return f"[{self.describe(element)}]" if element is not None else f"[{ent.element}]"
        if isinstance(ent, ObjectType) and ent.implicit:
            return "an object"
        return ent.name

    def plain(self, out: list[Item], suffix: str, owner: str, span: Span | None,
              cond: Cond | None = None, disc: str | None = None, marks: str = "") -> None:
        """An element that is not a position: a command, value, branch
        (``disc``: the discriminator of a branch that is a union itself;
        ``marks``: the union), feature (``marks``: what the schema attaches
        it to) or flag."""
        out.append(Item(suffix, ("", marks, False, cond_text(cond), disc, owner, self.where(span)), None))

    def features(self, out: list[Item], suffix: str, features: Iterable[Feature], owner: str,
                 marks: str) -> None:
        for feature in features:
            self.plain(out, f"{suffix}{SEP}feature {feature.name}", owner, feature.span, feature.cond,
                       marks=marks)

    def position(self, out: list[Item], suffix: str, type_name: str, owner: str, span: Span | None, *,
                 cond: Cond | None = None, optional: bool = False, features: tuple[Feature, ...] = (),
                 descend: bool = True) -> None:
        """A place that holds a value of ``type_name``: arguments, returns,
        data, a member, an array's element, an alternate's branch."""
        ent = self.schema.type(type_name)
        if ent is None:
            return
        variants = ent.variants if isinstance(ent, ObjectType) else None
        disc = variants.tag.name if variants is not None else None
        fields = (_wire(ent), self.describe(ent), optional, cond_text(cond), disc, owner, self.where(span))
        out.append(Item(suffix, fields, None))
        self.features(out, suffix, features, owner, f"{owner}.{suffix.rsplit(SEP, 1)[-1]}")
        if descend:
            out.append(Item(suffix, None, type_name))
            self.type(type_name)

    def root(self, ent: CommandEntity | EventEntity) -> list[Item]:
        out: list[Item] = []
        definition = ent.definition
        span = definition.name_span if definition is not None else None
        path = f"{ent.meta} {ent.name}"
        self.plain(out, path, ent.name, span, ent.cond)
        self.features(out, path, ent.features, ent.name, path)
        if isinstance(ent, CommandEntity):
            for flag, on in (("allow-oob", ent.allow_oob), ("allow-preconfig", ent.allow_preconfig),
                             ("success-response: false", not ent.success_response)):
                if on:
                    self.plain(out, f"{path}{SEP}flag {flag}", ent.name, span)
            self.position(out, f"{path}{SEP}arguments", ent.arg_type or "q_empty", ent.name, span)
            self.position(out, f"{path}{SEP}returns", ent.ret_type or "q_empty", ent.name, span)
        else:
            self.position(out, f"{path}{SEP}data", ent.arg_type or "q_empty", ent.name, span)
        return out

    def type(self, type_name: str) -> None:
        """Describe ``type_name`` one level deep (once)."""
        if type_name in self.local:
            return
        self.local[type_name] = ()        # what it refers to may come back to it
        ent = self.schema.type(type_name)
        out: list[Item] = []
        if isinstance(ent, (EnumType, ObjectType, AlternateType)) and ent.features:
            features: list[Item] = []
            self.features(features, "", ent.features, self.owner(type_name), type_name)
            self.own_features[type_name] = tuple(features)
        if isinstance(ent, EnumType):
            owner = self.owner(type_name)
            for value in ent.values:
                suffix = f"{SEP}value {value.name}"
                self.plain(out, suffix, owner, value.span, value.cond)
                self.features(out, suffix, value.features, owner, f"{type_name}.value {value.name}")
        elif isinstance(ent, ArrayType):
            self.position(out, f"{SEP}element", ent.element, "", None)
        elif isinstance(ent, AlternateType):
            self.alternate(out, ent)
        elif isinstance(ent, ObjectType):
            self.object(out, ent)
        self.local[type_name] = tuple(out)

    def alternate(self, out: list[Item], ent: AlternateType) -> None:
        seen: set[str] = set()
        owner = self.owner(ent.name)
        for variant in ent.variants.branches:
            typ = self.schema.type(variant.type)
            if typ is None:
                continue
            json = json_of(_wire(typ))
            if json not in seen:
                seen.add(json)
                self.position(out, f"{SEP}as {json}", variant.type, owner, variant.span, cond=variant.cond,
                              descend=False)
                # What is inside the branch's type hangs off the alternate
                # itself: on the wire, ``member x`` of an object is where
                # it was when the position was a plain object.
                out.append(Item("", None, variant.type))
                self.type(variant.type)

    def object(self, out: list[Item], ent: ObjectType) -> None:
        variants = ent.variants
        tag_name = variants.tag.name if variants is not None else None
        for member in ent.members:
            # A union's tag is compared by its values, as branches.
            self.position(out, f"{SEP}member {member.name}", member.type, self.owner(member.defined_in),
                          member.span, cond=member.cond, optional=member.optional,
                          features=member.features, descend=member.name != tag_name)
        if variants is None:
            return
        tag = self.schema.type(variants.tag.type)
        values = {v.name: v for v in tag.values} if isinstance(tag, EnumType) else {}
        tag_owner = self.owner(variants.tag.type) if isinstance(tag, EnumType) else self.owner(ent.name)
        for variant in variants.branches:
            value = values.get(variant.name)
            suffix = f"{SEP}branch {variant.name}"
            span = variant.span or (value.span if value is not None else None)
            branch = self.schema.object(variant.type)
            inner = branch.variants.tag.name if branch is not None and branch.variants is not None else None
            # An explicit branch is the union's; one the union does not name
            # is its discriminator value's.
            marks = "" if variant.implicit else self.owner(ent.name)
            self.plain(out, suffix, tag_owner, span, variant.cond, inner, marks)
            if value is not None:
                self.features(out, suffix, value.features, tag_owner, f"{variants.tag.type}.value {value.name}")
            if branch is not None:
                out.append(Item(suffix, None, variant.type, True))
                self.type(variant.type)

    def types(self) -> TypeNames:
        where = self.where
        names: TypeNames = {}
        for ent in self.schema.entities.values():
            if isinstance(ent, EnumType) and not ent.implicit:
                names[ent.name] = tuple((v.name, where(v.span)) for v in ent.values)
            elif isinstance(ent, ObjectType) and not ent.implicit:
                # (a union's inline base members are its own)
                own = [(m.name, where(m.span)) for m in ent.members if self.owner(m.defined_in) == ent.name]
                if ent.variants is not None:
                    own += [(v.name, where(v.span)) for v in ent.variants.branches]
                names[ent.name] = tuple(own)
            elif isinstance(ent, AlternateType):
                names[ent.name] = tuple((v.name, where(v.span)) for v in ent.variants.branches)
        return names


_new_node = tuple.__new__


def expand(parts: Parts) -> tuple[Node, ...]:
    """Every element of ``parts`` with its whole path, depth first.  A type
    that comes back inside itself is cut there (its node is kept, what is
    inside it is not), as ``qapidoc diff`` cuts it."""
    out: list[Node] = []
    local = parts.local
    features = parts.features
    active: set[str] = set()

    def walk(prefix: str, type_name: str, body: bool) -> None:
        if type_name in active:
            return
        active.add(type_name)
        if not body:
            for feature in features.get(type_name, ()):
                if feature.fields is not None:
                    out.append(_new_node(Node, (prefix + feature.suffix, *feature.fields)))
        for suffix, fields, child, child_body in local.get(type_name, ()):
            path = prefix + suffix
            if fields is not None:
                out.append(_new_node(Node, (path, *fields)))
            if child is not None:
                walk(path, child, child_body)
        active.discard(type_name)

    for suffix, fields, child, body in parts.roots:
        if fields is not None:
            out.append(_new_node(Node, (suffix, *fields)))
        if child is not None:
            walk(suffix, child, body)
    return tuple(out)


def schema_parts(schema: Schema, where: Callable[[Span | None], str] | None = None
                 ) -> tuple[Parts, TypeNames]:
    """The :class:`Parts` of ``schema`` and its types' own names.  ``where``
    turns a span into the ``file:line`` to record (default: the path as
    loaded)."""
    maker = _Parts(schema, where or _where)
    roots: list[Item] = []
    for ent in schema.entities.values():
        if isinstance(ent, (CommandEntity, EventEntity)):
            roots.extend(maker.root(ent))
    return Parts(tuple(roots), maker.local, maker.own_features), maker.types()


def snapshot(schema: Schema, release: Release, namespace: str, root: str,
             where: Callable[[Span | None], str] | None = None) -> Snapshot:
    """The elements of ``schema`` on the wire."""
    parts, types = schema_parts(schema, where)
    return Snapshot(release, namespace, root, expand(parts), types, parts)


def _where(span: Span | None) -> str:
    return f"{span.file.path}:{span.line}" if span is not None else ""


# --- across releases ------------------------------------------------------------------

class Change(NamedTuple):
    """One step of a timeline: from this release on, the element is
    ``node`` (None: absent).  A step that leaves :meth:`Node.key` as it was
    records a rename (of the element's type, or of the definition it
    belongs to): nothing changed on the wire."""

    release: int
    node: Node | None


class Timeline(NamedTuple):
    """The life of one element: the releases where it appeared, changed
    (or its type was renamed) or went away, in order.  Between two steps
    it stays as it was, but for its line (``where`` is where it was in
    the release of the step)."""

    path: str
    steps: tuple[Change, ...]

    @property
    def first(self) -> int | None:
        """The index of the first release that has it."""
        return next((s.release for s in self.steps if s.node is not None), None)

    def at(self, release: int) -> Node | None:
        """The element in release ``release`` (None if absent)."""
        found = None
        for step in self.steps:
            if step.release > release:
                break
            found = step.node
        return found

    @property
    def last(self) -> Node | None:
        """The element in the newest release read (None if gone)."""
        return self.steps[-1].node if self.steps else None

    def present(self) -> Iterator[int]:
        """Releases where a step makes it present (appeared or changed)."""
        return (s.release for s in self.steps if s.node is not None)


@dataclass(frozen=True, slots=True)
class History:
    """One protocol (QMP, QGA, QSD) across releases."""

    namespace: str
    releases: tuple[Release, ...]
    #: path -> timeline, in the order elements were first seen
    timelines: dict[str, Timeline]
    #: "Type.name" -> the first release whose schema had a type of that
    #: name with an own member, value or branch of that name, and where
    type_names: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: the root file read in each release
    roots: tuple[str, ...] = ()
    #: indexes derived on first use (filled in, never replaced)
    _index: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def oldest(self) -> Release | None:
        return self.releases[0] if self.releases else None

    def first(self, path: str) -> Release | None:
        """The release where ``path`` first appears (None: in none read)."""
        timeline = self.timelines.get(path)
        first = timeline.first if timeline is not None else None
        return self.releases[first] if first is not None else None

    def children(self, path: str) -> list[str]:
        """The direct children of ``path`` ever seen."""
        index: dict[str, list[str]] | None = self._index.get("children")
        if index is None:
            index = {}
            for each in self.timelines:
                parent = parent_path(each)
                if parent is not None:
                    index.setdefault(parent, []).append(each)
            self._index["children"] = index
        return index.get(path, [])


class Event(NamedTuple):
    """Something that happened to an element in a release."""

    release: int
    #: ``added``, ``changed``, ``removed``, ``deprecated``, ``unstable``,
    #: ``undeprecated``, ``stable``
    what: str
    #: for ``changed``: what changed, in a phrase
    detail: str
    #: the element in that release (for ``removed``: as it was before)
    node: Node | None


def describe_change(before: Node, after: Node) -> str:
    """What changed between two versions of an element, in a phrase."""
    parts = []
    if before.wire != after.wire:
        parts.append(f"type {before.type or before.wire} -> {after.type or after.wire}")
    if before.optional != after.optional:
        parts.append("made optional" if after.optional else "made mandatory")
    if before.cond != after.cond:
        parts.append(f"condition {before.cond or 'none'} -> {after.cond or 'none'}")
    if before.disc != after.disc:
        parts.append(f"discriminator {before.disc} -> {after.disc}")
    return "; ".join(parts)


_MARKS = (("deprecated", "deprecated", "undeprecated"), ("unstable", "unstable", "stable"))


def story(history: History, path: str) -> list[Event]:
    """What happened to ``path``, release by release: added, changed,
    deprecated or unstable (its own feature appearing), removed."""
    timeline = history.timelines.get(path)
    if timeline is None:
        return []
    events: list[Event] = []
    before: Node | None = None
    for release, node in timeline.steps:
        if node is None:
            events.append(Event(release, "removed", "", before))
        elif before is None:
            events.append(Event(release, "added", "", node))
        elif before.key() != node.key():
            events.append(Event(release, "changed", describe_change(before, node), node))
        before = node
    for feature, on, off in _MARKS:
        marks = history.timelines.get(f"{path}{SEP}feature {feature}")
        if marks is None:
            continue
        for release, node in marks.steps:
            if node is not None:
                events.append(Event(release, on, "", node))
            elif timeline.at(release) is not None:
                events.append(Event(release, off, "", timeline.at(release)))
    order = {"added": 0, "changed": 1, "deprecated": 2, "unstable": 2, "undeprecated": 2, "stable": 2,
             "removed": 3}
    events.sort(key=lambda e: (e.release, order[e.what]))
    return events


def build_history(snapshots: Sequence[Snapshot], namespace: str | None = None) -> History:
    """Merge the snapshots of consecutive releases (oldest first) into one
    history.  Releases without this protocol's root are left out: the
    history starts where the protocol does."""
    releases = tuple(s.release for s in snapshots)
    steps: dict[str, list[Change]] = {}
    previous: dict[str, Node] = {}
    type_names: dict[str, tuple[int, str]] = {}
    for index, snap in enumerate(snapshots):
        current: dict[str, Node] = {}
        for node in snap.nodes:
            path = node[0]
            if path in current:
                continue        # reached twice (a member and its type's feature): the first holds
            current[path] = node
            before = previous.get(path)
            # A step whenever anything but the line changed (compared in
            # place: this loop runs once per element per release).  Most
            # steps change the key (a change on the wire); a type renamed
            # changes only ``type`` and ``owner``.
            if before is None or before[1:7] != node[1:7]:
                steps.setdefault(path, []).append(_new_node(Change, (index, node)))
        for path in previous:
            if path not in current:
                steps[path].append(Change(index, None))
        previous = current
        for type_name, names in snap.types.items():
            for name, where in names:
                type_names.setdefault(f"{type_name}.{name}", (index, where))
    timelines = {path: Timeline(path, tuple(s)) for path, s in steps.items()}
    name = namespace or next((s.namespace for s in snapshots if s.namespace), "")
    return History(name, releases, timelines, type_names, tuple(s.root for s in snapshots))


# --- JSON form (for the cache) --------------------------------------------------------
#
# Read back only from qapidoc's own cache: a malformed entry raises
# KeyError, TypeError or ValueError, which the cache counts as a miss.
#
# Paths share long prefixes, so each is stored as the index of its parent
# (an earlier row) and its last segment.

def _split(path: str, index: dict[str, int]) -> tuple[int, str]:
    parent, sep, segment = path.rpartition(SEP)
    return (index.get(parent, -1), segment) if sep else (-1, path)


def _items(rows: Iterable[Any]) -> tuple[Item, ...]:
    return tuple(Item(suffix, tuple(fields) if fields is not None else None, child, bool(body))
                 for suffix, fields, child, body in rows)


def snapshot_to_json(snap: Snapshot) -> dict[str, Any]:
    """The snapshot as its parts (every type once), not its nodes; named
    tuples are JSON arrays."""
    assert snap.parts is not None
    return {"release": [snap.release.name, list(snap.release.version)], "namespace": snap.namespace,
            "root": snap.root, "roots": snap.parts.roots, "local": snap.parts.local,
            "features": snap.parts.features,
            "types": snap.types}


def snapshot_from_json(data: dict[str, Any]) -> Snapshot:
    name, version = data["release"]
    parts = Parts(_items(data["roots"]), {k: _items(v) for k, v in data["local"].items()},
                  {k: _items(v) for k, v in data["features"].items()})
    types = {k: tuple((n, w) for n, w in v) for k, v in data["types"].items()}
    return Snapshot(Release(name, (version[0], version[1])), str(data["namespace"]), str(data["root"]),
                    expand(parts), types, parts)


def history_to_json(history: History) -> dict[str, Any]:
    index: dict[str, int] = {}
    rows: list[Any] = []
    for i, (path, timeline) in enumerate(history.timelines.items()):
        parent, segment = _split(path, index)
        index[path] = i
        # A node without its path: (wire, type, optional, cond, disc, owner, where)
        rows.append([parent, segment, [[s.release, s.node[1:] if s.node is not None else None]
                                       for s in timeline.steps]])
    return {"namespace": history.namespace,
            "releases": [[r.name, list(r.version)] for r in history.releases],
            "roots": list(history.roots), "timelines": rows, "type_names": history.type_names}


def history_from_json(data: dict[str, Any]) -> History:
    """The history :func:`history_to_json` wrote.  (This runs on every warm
    ``qapidoc history``, for tens of thousands of steps: tuples are made
    directly, and a row of the wrong length raises TypeError.)"""
    releases = tuple(Release(name, (v[0], v[1])) for name, v in data["releases"])
    paths: list[str] = []
    append = paths.append
    timelines: dict[str, Timeline] = {}
    new = _new_node
    width = len(Node._fields) - 1
    for parent, segment, steps in data["timelines"]:
        path = paths[parent] + SEP + segment if parent >= 0 else segment
        append(path)
        changes = []
        for release, row in steps:
            if row is None:
                changes.append(new(Change, (release, None)))
            elif len(row) != width:
                raise TypeError("a step of the wrong length")
            else:
                changes.append(new(Change, (release, new(Node, (path, *row)))))
        timelines[path] = new(Timeline, (path, tuple(changes)))
    return History(str(data["namespace"]), releases, timelines,
                   {k: (v[0], v[1]) for k, v in data["type_names"].items()}, tuple(data["roots"]))
