"""Changelog: what changed in the QMP API in each release, from the history.

Takes a :class:`~qapidoc.backends.history.History` and returns, for two of
its releases (consecutive ones make a changelog), the changes a client or
server sees, as :class:`Entry` values: the same kinds, subjects, messages
and verdicts as ``qapidoc diff`` (:mod:`qapidoc.backends.compat`) gives
for the two schemas, so that a release's entries read like a diff and
"breaking" means the same.  Pure: no I/O.

The comparison is ``diff``'s, made on the history's elements instead of two
loaded schemas: commands and events by name, the rest by wire path; objects
flattened, a union compared branch by branch with what changed in its base
reported once; a plain type read as an alternate of one branch; a change
to a shared type reported once, with the other places it shows (``also``).
Subtrees in which no element changed between the two releases are not
looked at, which makes a changelog of 25 releases cheap.

:func:`net_changes` composes the entries of consecutive releases into what
changed from the first to the last (added then removed is nothing; two
type changes are one): the changelog's entries from 7.2 to 10.2, composed,
are what ``qapidoc diff`` finds between 7.2 and 10.2.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ..records import NamedTuple
from .compat import (
    Direction,
    Facts,
    Kind,
    Occurrences,
    Promise,
    Verdict,
    number_change,
    promise_of,
    weakest,
)
from .history import SEP, History, Node, Release, element_kind, json_of

__all__ = ["Entry", "NetChange", "ReleaseChanges", "changelog", "changes_between", "net_changes"]


class Entry(NamedTuple):
    """One change between two releases."""

    kind: Kind
    #: the wire path where it shows, worst for clients first
    subject: str
    #: what changed, in a phrase (as ``qapidoc diff`` says it)
    message: str
    client: Verdict
    server: Verdict
    direction: Direction
    #: the compatibility promise the older release made for it
    promise: Promise
    #: other paths the same edit shows at (a shared type)
    also: tuple[str, ...]
    #: the element before (None for an addition) and after (None for a removal)
    old: Node | None
    new: Node | None

    @property
    def breaking(self) -> bool:
        return self.client.level == "breaking" and self.promise != "unstable"

    @property
    def violation(self) -> bool:
        return self.client.level == "breaking" and self.promise == "stable"

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.subject, *self.also)

    @property
    def definition(self) -> str:
        """The definition that documents what changed (in the newer release,
        else the older): what a manual links to."""
        node = self.new if self.new is not None else self.old
        if node is not None and node.owner:
            return node.owner
        return self.subject.split(SEP, 1)[0].split(" ", 1)[1]


class ReleaseChanges(NamedTuple):
    """What one release changed, against the one before it."""

    release: Release
    previous: Release
    entries: tuple[Entry, ...]


# --- one comparison ------------------------------------------------------------------------

class _Rel(NamedTuple):
    """A change relative to the pair of positions being compared (as in
    :mod:`qapidoc.backends.compat`): ``own_*`` identify the changed element
    (where it is in each release), ``anchor`` the path from that element
    when the change is of a position inside it."""

    kind: Kind
    path: tuple[str, ...]
    message: str
    facts: Facts
    own_old: str
    own_new: str
    anchor: tuple[str, ...]
    promise: Promise
    old: Node | None
    new: Node | None

    def key(self) -> tuple[object, ...]:
        if not self.own_old and not self.own_new:
            return (self.kind, self.message, self.path)
        return (self.kind, self.message, self.own_old, self.own_new, self.anchor)

    def held_by(self, old: str, new: str) -> _Rel:
        if not self.own_old and not self.own_new and (old or new):
            return self._replace(own_old=old, own_new=new, anchor=self.path)
        return self


def _own(node: Node | None) -> str:
    """What identifies an element whatever path reaches it: the definition
    it belongs to and its last segment (``Colour`` + ``value blue``; for a
    feature, also what it marks; for a branch, its union).  (Its
    ``where`` would not do: a timeline keeps a node from the release where
    it last changed, and lines move in between.)"""
    if node is None or not node.owner:
        return ""
    segment = node.path.rsplit(SEP, 1)[-1]
    if segment.startswith("branch ") and not node.type:
        # a branch the union does not name is its discriminator's value
        return f"{node.owner}\0value {segment[7:]}"
    if segment.startswith(("feature ", "branch ")):
        return f"{node.owner}\0{node.type}\0{segment}"      # what it marks; the branch's union
    return f"{node.owner}\0{segment}"


_NO_FACTS = Facts()


def _rel(kind: Kind, message: str, old: Node | None, new: Node | None, facts: Facts = _NO_FACTS,
         promise: Promise = "stable", path: tuple[str, ...] = ()) -> _Rel:
    return _Rel(kind, path, message, facts, _own(old), _own(new), (), promise, old, new)


def _prefix(rels: Iterable[_Rel], segment: str, old: Node | None, new: Node | None,
            promise: Promise = "stable") -> Iterator[_Rel]:
    for rel in rels:
        rel = rel.held_by(_own(old), _own(new))
        yield rel._replace(path=(segment, *rel.path), promise=weakest(rel.promise, promise))


class _View(NamedTuple):
    """An object as the wire sees it in one release: its members (base
    flattened in) and, for a union, its discriminator and branches, each
    by name with its path."""

    members: dict[str, str]
    disc: str | None
    branches: dict[str, str]


_JSON_KIND = {"string": "string", "number": "number", "boolean": "boolean", "null": "null", "value": "value",
              "array": "array", "object": "object"}


def _json(wire: str) -> str:
    """The JSON type of a non-alternate wire type, with integers apart."""
    return "integer" if wire.startswith("int:") else json_of(wire)


def _range(wire: str) -> tuple[int, int] | None:
    if not wire.startswith("int:"):
        return None
    _, lo, hi = wire.split(":")
    return int(lo), int(hi)


class _Trees:
    """The elements of two releases of a history, as trees: what is at a
    path, what is under it, and whether anything under it changed."""

    def __init__(self, history: History, a: int, b: int) -> None:
        self.history = history
        self.a, self.b = a, b
        self.timelines = history.timelines
        self.kids = history.children
        self.dirty = _dirty(history)
        self._children: dict[tuple[str, int], dict[str, dict[str, str]]] = {}

    def at(self, path: str, release: int) -> Node | None:
        timeline = self.timelines.get(path)
        return timeline.at(release) if timeline is not None else None

    def changed(self, path: str) -> bool:
        """Whether anything at or under ``path`` changed in (a, b]."""
        releases = self.dirty.get(path, ())
        return any(self.a < r <= self.b for r in releases)

    def children(self, path: str, release: int, kind: str) -> dict[str, str]:
        """The children of one kind present in ``release``: name -> path."""
        key = (path, release)
        by_kind = self._children.get(key)
        if by_kind is None:
            by_kind = self._children[key] = {}
            for child in self.kids(path):
                if self.at(child, release) is not None:
                    child_kind, _, name = child.rsplit(SEP, 1)[1].partition(" ")
                    by_kind.setdefault(child_kind, {})[name] = child
        return by_kind.get(kind, {})

    def promise(self, path: str, release: int) -> Promise:
        features = self.children(path, release, "feature")
        name = path.rsplit(SEP, 1)[-1].split(" ", 1)[-1]
        return promise_of(name, features)

    def source(self, path: str, node: Node, release: int) -> str:
        """The position whose content is ``path``'s: itself, or, if its type
        was cut there, the enclosing position of the same type."""
        if node.wire not in ("object", "alternate", "enum") or node.type in ("", "an object"):
            return path
        at = path
        while SEP in at:
            at = at.rsplit(SEP, 1)[0]
            if element_kind(at) not in ("member", "element", "arguments", "returns", "data"):
                continue
            outer = self.at(at, release)
            if outer is not None and outer.type == node.type:
                return at
        return path

    def choices(self, path: str, node: Node, release: int) -> dict[str, tuple[Node, str]] | None:
        """JSON type -> (the node of its branch, the path its content hangs
        off); None for ``any``.  A plain type is an alternate of one branch."""
        if node.wire == "alternate":
            out = {}
            for json, child in self.children(path, release, "as").items():
                choice = self.at(child, release)
                if choice is not None:
                    out[json] = (choice, path)
            return out
        if node.wire == "any":
            return None
        return {json_of(node.wire): (node, path)}

    def view(self, path: str, node: Node, release: int) -> _View:
        disc = node.disc
        if node.wire == "alternate":
            choice = self.at(f"{path}{SEP}as object", release)
            disc = choice.disc if choice is not None else None
        return _View(self.children(path, release, "member"), disc, self.children(path, release, "branch"))

    def branch_view(self, view: _View, path: str, release: int) -> _View:
        node = self.at(path, release)
        members = {**view.members, **self.children(path, release, "member")}
        return _View(members, node.disc if node is not None else None, self.children(path, release, "branch"))


class _Compare:
    """The changes between releases ``a`` and ``b`` of a history, found as
    :mod:`qapidoc.backends.compat` finds them between two schemas."""

    def __init__(self, history: History, a: int, b: int) -> None:
        self.trees = _Trees(history, a, b)
        self.a, self.b = a, b
        #: the pairs of positions (and types) being compared: a recursion
        #: stops where one comes back
        self.active: set[tuple[str, str, str, str]] = set()

    def condition(self, pa: str, pb: str) -> list[_Rel]:
        na, nb = self.trees.at(pa, self.a), self.trees.at(pb, self.b)
        if na is None or nb is None or na.cond == nb.cond:
            return []
        if na.cond is None:
            return [_rel(Kind.CONDITION_ADDED, f"condition added: {nb.cond}", na, nb)]
        if nb.cond is None:
            return [_rel(Kind.CONDITION_REMOVED, f"condition removed (was: {na.cond})", na, nb)]
        return [_rel(Kind.CONDITION_CHANGED, f"condition changed from {na.cond} to {nb.cond}", na, nb)]

    def features(self, pa: str, pb: str) -> list[_Rel]:
        fa, fb = self.trees.children(pa, self.a, "feature"), self.trees.children(pb, self.b, "feature")
        rels: list[_Rel] = []
        for name, path in fa.items():
            if name not in fb:
                rels.append(_rel(Kind.FEATURE_REMOVED, f"feature '{name}' removed", self.trees.at(path, self.a), None,
                                 Facts(name=name), path=(f"feature {name}",)))
            else:
                rels.extend(_prefix(self.condition(path, fb[name]), f"feature {name}", self.trees.at(path, self.a),
                                    self.trees.at(fb[name], self.b)))
        for name, path in fb.items():
            if name not in fa:
                rels.append(_rel(Kind.FEATURE_ADDED, f"feature '{name}' added", None, self.trees.at(path, self.b),
                                 Facts(name=name), path=(f"feature {name}",)))
        return rels

    def types(self, pa: str, pb: str, na: Node | None = None, nb: Node | None = None) -> list[_Rel]:
        """The changes at one position; ``na``/``nb`` describe the types when
        they are not the positions' own nodes (an alternate's branch)."""
        if pa == pb and na is None and nb is None and not self.trees.changed(pa):
            return []
        na = na or self.trees.at(pa, self.a)
        nb = nb or self.trees.at(pb, self.b)
        if na is None or nb is None:
            return []
        # A recursive type is cut where it comes back, in each release on
        # its own; ``diff`` cuts where the pair of types comes back.  Read
        # a cut position's content where its type was spelled out.
        pa, pb = self.trees.source(pa, na, self.a), self.trees.source(pb, nb, self.b)
        key = (pa, pb, na.type, nb.type)
        if key in self.active:
            return []
        self.active.add(key)
        try:
            if na.wire == "alternate" or nb.wire == "alternate":
                return self.alternates(pa, pb, na, nb)
            return self.plain(pa, pb, na, nb)
        finally:
            self.active.discard(key)

    def _type_changed(self, na: Node, nb: Node, relation: str, strings: bool = False, detail: str = "") -> _Rel:
        message = f"type changed from {na.type} to {nb.type}{detail}"
        return _Rel(Kind.TYPE_CHANGED, (), message, Facts(relation=relation, strings=strings), "", "", (),
                    "stable", na, nb)

    def plain(self, pa: str, pb: str, na: Node, nb: Node) -> list[_Rel]:
        ja, jb = _json(na.wire), _json(nb.wire)
        if ja == "string" and jb == "string":
            if na.wire == "enum" and nb.wire == "enum":
                return self.values(pa, pb)
            if na.wire == "enum":
                return [self._type_changed(na, nb, "wider", strings=True)]
            if nb.wire == "enum":
                return [self._type_changed(na, nb, "narrower", strings=True)]
            return []
        if ja in ("integer", "number") and jb in ("integer", "number"):
            return self.numbers(na, nb)
        if ja != jb:
            relation = "narrower" if ja == "value" else "wider" if jb == "value" else "different"
            return [self._type_changed(na, nb, relation)]
        if ja == "array":
            return list(_prefix(self.types(f"{pa}{SEP}element", f"{pb}{SEP}element") +
                                self.features(f"{pa}{SEP}element", f"{pb}{SEP}element"), "element", None, None))
        if ja == "object":
            return self.objects(self.trees.view(pa, na, self.a), self.trees.view(pb, nb, self.b))
        return []

    def numbers(self, na: Node, nb: Node) -> list[_Rel]:
        change = number_change(_range(na.wire), _range(nb.wire))
        return [] if change is None else [self._type_changed(na, nb, change[0], detail=change[1])]

    def values(self, pa: str, pb: str) -> list[_Rel]:
        va, vb = self.trees.children(pa, self.a, "value"), self.trees.children(pb, self.b, "value")
        rels: list[_Rel] = []
        for name, path in va.items():
            old = self.trees.at(path, self.a)
            promise = self.trees.promise(path, self.a)
            if name not in vb:
                rels.append(_rel(Kind.ENUM_VALUE_REMOVED, f"value '{name}' removed", old, None, promise=promise,
                                 path=(f"value {name}",)))
            else:
                new = self.trees.at(vb[name], self.b)
                inner = self.condition(path, vb[name]) + self.features(path, vb[name])
                rels.extend(_prefix(inner, f"value {name}", old, new, promise))
        for name, path in vb.items():
            if name not in va:
                rels.append(_rel(Kind.ENUM_VALUE_ADDED, f"value '{name}' added", None, self.trees.at(path, self.b),
                                 path=(f"value {name}",)))
        return rels

    def alternates(self, pa: str, pb: str, na: Node, nb: Node) -> list[_Rel]:
        ca, cb = self.trees.choices(pa, na, self.a), self.trees.choices(pb, nb, self.b)
        if ca is None or cb is None:
            return [self._type_changed(na, nb, "narrower" if ca is None else "wider")]
        both = na.wire == "alternate" and nb.wire == "alternate"
        rels: list[_Rel] = []
        for json, (choice, content) in ca.items():
            other = cb.get(json)
            if other is None:
                rel = _rel(Kind.ALTERNATIVE_REMOVED, f"JSON {json} alternative removed ({choice.type})",
                           choice, None, Facts(name=json), path=(f"as {json}",))
                rels.append(rel if both else rel._replace(own_old=""))
                continue
            inner = self.types(content, other[1], choice, other[0])
            if choice.path != content and other[0].path != other[1]:
                inner += self.condition(choice.path, other[0].path)
            rels.extend(_prefix(inner, f"as {json}", choice if both else None, other[0] if both else None))
        for json, (choice, _) in cb.items():
            if json not in ca:
                rel = _rel(Kind.ALTERNATIVE_ADDED, f"JSON {json} alternative added ({choice.type})", None, choice,
                           Facts(name=json), path=(f"as {json}",))
                rels.append(rel if both else rel._replace(own_new=""))
        return rels

    def members(self, ma: dict[str, str], mb: dict[str, str], skip: frozenset[str]) -> list[_Rel]:
        rels: list[_Rel] = []
        for name, path in ma.items():
            old = self.trees.at(path, self.a)
            assert old is not None
            promise = self.trees.promise(path, self.a)
            other = mb.get(name)
            if other is None:
                optional = "optional " if old.optional else ""
                rels.append(_rel(Kind.MEMBER_REMOVED, f"{optional}member '{name}' removed", old, None,
                                 Facts(optional=old.optional), promise, (f"member {name}",)))
                continue
            new = self.trees.at(other, self.b)
            assert new is not None
            inner: list[_Rel] = []
            if old.optional and not new.optional:
                inner.append(_rel(Kind.MEMBER_REQUIRED, f"member '{name}' made mandatory", old, new))
            elif new.optional and not old.optional:
                inner.append(_rel(Kind.MEMBER_OPTIONAL, f"member '{name}' made optional", old, new))
            inner += self.condition(path, other) + self.features(path, other)
            if name not in skip:
                inner += self.types(path, other)
            rels.extend(_prefix(inner, f"member {name}", old, new, promise))
        for name, path in mb.items():
            if name not in ma:
                new = self.trees.at(path, self.b)
                assert new is not None
                kind = "optional" if new.optional else "mandatory"
                rels.append(_rel(Kind.MEMBER_ADDED, f"{kind} member '{name}' added ({new.type})", None, new,
                                 Facts(optional=new.optional), path=(f"member {name}",)))
        return rels

    def objects(self, va: _View, vb: _View, skip: frozenset[str] = frozenset()) -> list[_Rel]:
        rels: list[_Rel] = []
        pairs: list[tuple[str, str | None, str | None]]
        if va.disc is not None and vb.disc is not None:
            skip = skip | {va.disc, vb.disc}
            if va.disc != vb.disc:
                rels.append(_rel(Kind.DISCRIMINATOR_CHANGED,
                                 f"discriminator changed from '{va.disc}' to '{vb.disc}'",
                                 self.trees.at(va.members.get(va.disc, ""), self.a),
                                 self.trees.at(vb.members.get(vb.disc, ""), self.b)))
            pairs = [(n, x, vb.branches[n]) for n, x in va.branches.items() if n in vb.branches]
        elif va.disc is not None:
            pairs = [(n, x, None) for n, x in va.branches.items()]
        elif vb.disc is not None:
            pairs = [(n, None, y) for n, y in vb.branches.items()]
        else:
            pairs = []
        if pairs:
            rels += self.branches(va, vb, pairs, skip)
        else:
            rels += self.members(va.members, vb.members, skip)
        if va.disc is None or vb.disc is None:
            return rels
        for name, path in va.branches.items():
            if name not in vb.branches:
                rels.append(_rel(Kind.BRANCH_REMOVED, f"branch '{name}' removed", self.trees.at(path, self.a), None,
                                 promise=self.trees.promise(path, self.a), path=(f"branch {name}",)))
        for name, path in vb.branches.items():
            if name not in va.branches:
                members = ", ".join(self.trees.children(path, self.b, "member"))
                what = f"members: {members}" if members else "no members"
                rels.append(_rel(Kind.BRANCH_ADDED, f"branch '{name}' added ({what})", None,
                                 self.trees.at(path, self.b), path=(f"branch {name}",)))
        return rels

    def branches(self, va: _View, vb: _View, pairs: list[tuple[str, str | None, str | None]],
                 skip: frozenset[str]) -> list[_Rel]:
        per_branch: list[tuple[str, Node | None, Node | None, Promise, list[_Rel]]] = []
        for name, x, y in pairs:
            view_a = self.trees.branch_view(va, x, self.a) if x is not None else va
            view_b = self.trees.branch_view(vb, y, self.b) if y is not None else vb
            inner = self.objects(view_a, view_b, skip)
            if x is not None and y is not None:
                inner += self.condition(x, y)
                if va.disc is not None and vb.disc is not None:
                    inner += self.features(x, y)
            promise: Promise = self.trees.promise(x, self.a) if x is not None and va.disc is not None else "stable"
            per_branch.append((name, self.trees.at(x, self.a) if x else None, self.trees.at(y, self.b) if y else None,
                               promise, inner))
        base = {f"member {m}" for m in va.members} | {f"member {m}" for m in vb.members}
        shared = set.intersection(*({r for r in inner if r.path and r.path[0] in base}
                                    for *_, inner in per_branch))
        rels = [r for r in per_branch[0][4] if r in shared]
        for name, old, new, promise, inner in per_branch:
            rels.extend(_prefix((r for r in inner if r not in shared), f"branch {name}", old, new, promise))
        return rels

    def root(self, path: str) -> list[tuple[_Rel, str]]:
        na, nb = self.trees.at(path, self.a), self.trees.at(path, self.b)
        meta = element_kind(path)
        if na is None or nb is None:
            if na is None and nb is None:
                return []
            added = na is None
            kind = {("command", True): Kind.COMMAND_ADDED, ("command", False): Kind.COMMAND_REMOVED,
                    ("event", True): Kind.EVENT_ADDED, ("event", False): Kind.EVENT_REMOVED}[meta, added]
            promise: Promise = "stable" if added else self.trees.promise(path, self.a)
            name = path.split(" ", 1)[1]
            rel = _rel(kind, f"{meta} '{name}' {'added' if added else 'removed'}", na, nb, promise=promise)
            return [(rel._replace(path=(path,)), "none")]
        if not self.trees.changed(path):
            return []
        promise = self.trees.promise(path, self.a)
        out: list[tuple[_Rel, str]] = []

        def add(rels: Iterable[_Rel], segment: str | None, direction: str) -> None:
            for rel in rels:
                if segment is not None:
                    rel = rel._replace(path=(segment, *rel.path))
                rel = rel.held_by(_own(na), _own(nb))
                out.append((rel._replace(path=(path, *rel.path), promise=weakest(rel.promise, promise)), direction))

        add(self.condition(path, path) + self.features(path, path), None, "none")
        if meta == "command":
            add(self.flags(path), None, "none")
            for segment, direction in (("arguments", "input"), ("returns", "output")):
                position = f"{path}{SEP}{segment}"
                add(self.types(position, position) + self.features(position, position), segment, direction)
        else:
            position = f"{path}{SEP}data"
            add(self.types(position, position) + self.features(position, position), "data", "output")
        return out

    def flags(self, path: str) -> list[_Rel]:
        fa, fb = self.trees.children(path, self.a, "flag"), self.trees.children(path, self.b, "flag")
        rels = []
        for name in (*fa, *(f for f in fb if f not in fa)):
            if (name in fa) != (name in fb):
                added = name in fb
                node = self.trees.at(fb[name], self.b) if added else self.trees.at(fa[name], self.a)
                rels.append(_rel(Kind.FLAG_ADDED if added else Kind.FLAG_REMOVED,
                                 f"flag '{name}' {'added' if added else 'removed'}", node, node, Facts(name=name),
                                 path=(f"flag {name}",)))
        return rels


def _dirty(history: History) -> dict[str, tuple[int, ...]]:
    """For each path, the releases in which something at or under it
    changed (appeared, changed or went away)."""
    index: dict[str, tuple[int, ...]] | None = history._index.get("dirty")
    if index is None:
        found: dict[str, set[int]] = {}
        for path, timeline in history.timelines.items():
            steps = {s.release for s in timeline.steps}
            at = path
            while True:
                found.setdefault(at, set()).update(steps)
                parent, sep, _ = at.rpartition(SEP)
                if not sep:
                    break
                at = parent
        index = {p: tuple(sorted(r)) for p, r in found.items()}
        history._index["dirty"] = index
    return index


# --- entries -----------------------------------------------------------------------------------

def changes_between(history: History, a: int, b: int) -> list[Entry]:
    """The changes from release ``a`` to release ``b`` (indexes into
    ``history.releases``), ordered as ``qapidoc diff`` orders them."""
    compare = _Compare(history, a, b)
    roots = [p for p in history.timelines if SEP not in p]
    seen: dict[tuple[object, ...], _Seen] = {}
    for root in roots:
        for rel, direction in compare.root(root):
            key = rel.key()
            entry = seen.get(key)
            if entry is None:
                entry = seen[key] = _Seen(rel, len(seen))
            entry.add(rel, direction)
    entries = [(s, s.entry()) for s in seen.values()]
    entries.sort(key=lambda item: (not item[1].subject.startswith("command "),
                                   item[1].subject.split(SEP)[0], item[0].order))
    return [e for _, e in entries]


class _Seen(Occurrences[_Rel]):
    __slots__ = ()

    def entry(self) -> Entry:
        rel = self.first
        subject, client, server, direction = self.weigh()
        return Entry(rel.kind, subject, rel.message, client, server, direction, self.promise,
                     tuple(p for p in self.paths if p != subject), rel.old, rel.new)


def changelog(history: History, start: int = 1) -> list[ReleaseChanges]:
    """What each release from ``start`` on changed against the one before."""
    return [ReleaseChanges(history.releases[i], history.releases[i - 1], tuple(changes_between(history, i - 1, i)))
            for i in range(max(1, start), len(history.releases))]


# --- composing -----------------------------------------------------------------------------------

class NetChange(NamedTuple):
    """What changed at one path over several releases, by kind of change."""

    path: str
    kind: Kind


_OPPOSITE = {
    Kind.COMMAND_ADDED: Kind.COMMAND_REMOVED, Kind.EVENT_ADDED: Kind.EVENT_REMOVED,
    Kind.FLAG_ADDED: Kind.FLAG_REMOVED, Kind.MEMBER_ADDED: Kind.MEMBER_REMOVED,
    Kind.MEMBER_OPTIONAL: Kind.MEMBER_REQUIRED, Kind.ENUM_VALUE_ADDED: Kind.ENUM_VALUE_REMOVED,
    Kind.BRANCH_ADDED: Kind.BRANCH_REMOVED, Kind.ALTERNATIVE_ADDED: Kind.ALTERNATIVE_REMOVED,
    Kind.FEATURE_ADDED: Kind.FEATURE_REMOVED, Kind.CONDITION_ADDED: Kind.CONDITION_REMOVED,
}
_OPPOSITE.update({v: k for k, v in list(_OPPOSITE.items())})
_CONDITIONS = (Kind.CONDITION_ADDED, Kind.CONDITION_REMOVED, Kind.CONDITION_CHANGED)
#: the kinds by which an element comes or goes
_PRESENCE = frozenset(k for k in _OPPOSITE if k.value.endswith(("-added", "-removed")) and k not in _CONDITIONS)


def net_changes(releases: Sequence[Sequence[Entry]]) -> set[NetChange]:
    """The changes of consecutive releases composed into what changed from
    the first to the last, path by path: a thing added then removed (or
    made optional then mandatory again) nets to nothing; changes of a
    condition or a type net to one change, or none if it came back; what
    was added or removed with its parent is part of that."""
    by_path: dict[str, list[Entry]] = {}
    for entries in releases:
        for entry in entries:
            for path in entry.paths:
                by_path.setdefault(path, []).append(entry)
    net: set[NetChange] = set()
    #: paths absent at both ends (added, then removed): nothing happened
    gone: set[str] = set()
    for path, entries in by_path.items():
        presence = [e.kind for e in entries if e.kind in _PRESENCE]
        if presence and presence[0].value.endswith("-added") and presence[-1].value.endswith("-removed"):
            gone.add(path)
            continue
        net.update(NetChange(path, kind) for kind in _compose(entries))
    # What came or went with an element, or changed in it meanwhile, is
    # that element's coming or going.
    whole = {c.path: c.kind for c in net if c.kind in _PRESENCE}
    out = set()
    for change in net:
        if change.path in whole and change.kind is not whole[change.path]:
            continue
        ancestors = []
        at = change.path
        while SEP in at:
            at = at.rsplit(SEP, 1)[0]
            ancestors.append(at)
        if not any(a in whole or a in gone for a in ancestors):
            out.add(change)
    return out


def _compose(entries: list[Entry]) -> list[Kind]:
    kinds: list[Kind] = []
    conditions = [e for e in entries if e.kind in _CONDITIONS]
    if conditions:
        first, last = conditions[0].old, conditions[-1].new
        before, after = (first.cond if first else None), (last.cond if last else None)
        if before != after:
            kinds.append(Kind.CONDITION_ADDED if before is None else
                         Kind.CONDITION_REMOVED if after is None else Kind.CONDITION_CHANGED)
    types = [e for e in entries if e.kind is Kind.TYPE_CHANGED]
    if types:
        first_node, last_node = types[0].old, types[-1].new
        if first_node is None or last_node is None or first_node.wire != last_node.wire:
            kinds.append(Kind.TYPE_CHANGED)
    pending: list[Kind] = []
    for entry in entries:
        if entry.kind in _CONDITIONS or entry.kind is Kind.TYPE_CHANGED:
            continue
        opposite = _OPPOSITE.get(entry.kind)
        if opposite is not None and pending and pending[-1] is opposite:
            pending.pop()
        else:
            pending.append(entry.kind)
    return kinds + pending
