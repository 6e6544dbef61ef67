"""QD7xx: ``Since`` claims against the releases (``qapidoc lint --history``).

A doc comment claims a release in two ways: a ``Since: X.Y`` section for the
definition, and a ``(since X.Y)`` note (or a description that is only
``since X.Y``) for one member, enum value or branch.  The history
(:mod:`qapidoc.backends.history`) says where each element of the wire first
appears.  Each claim is read against it:

* QD701 the claim is later than the release in which the thing was on the
  wire, at every place it is used today;
* QD702 the claim is earlier than the first release that has it anywhere
  (said only of claims no older than the oldest release read);
* QD703 the claim names a release that was read, and none has the thing;
* QD704 a member, value or branch with no claim of its own came after its
  definition's ``Since:``: it reads as old as the definition, and is not.

What a claim is about, on the wire:

* a command or event: its name;
* a member: that member at every place the schema puts it on the wire,
  through bases, boxed arguments, branches and every command and event
  that uses its type; an enum value likewise, also where it selects a
  union branch;
* a type's own ``Since:``: nothing.  A type's name never travels, so the
  release that named it says nothing about the wire: a struct made in 5.0
  from members that exist since 2.10 rightly says 5.0, and one defined in
  4.0 but first used in 6.0 rightly says 4.0.  Its members' notes are read.

Renaming a type or moving it to another module changes no wire path, so it
cannot raise a finding.  A type's member appears where it first was on the
wire or, if earlier, where a type of the same name first had it (defined
then, used on the wire later: ``(since 4.0)`` on a member of a type the
command line used before any command did is right).  Prose mentions of
"since" are not claims: a note counts only when it opens a parenthesis or
one of its comma-separated parts (``(since 4.0)``, ``(default: on, since
8.2)``, not ``(optional since 9.1)``), names no other release, and is the
only one in its description.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence

from .. import rules
from ..backends.dating import Dating, Seen, WireIndex, wire_index
from ..backends.history import History
from ..diagnostics import Context, Diagnostic, Note
from ..frontend.dialect import Version
from ..frontend.docs import DocComment, DocSection
from ..frontend.loader import LoadResult
from ..frontend.model import Schema
from ..records import NamedTuple
from ..rules import Rule
from ..source import Span

__all__ = ["RULES", "Claim", "check_since", "find_claims"]

RULES: tuple[Rule, ...] = tuple(r for r in rules.ALL_RULES if r.code.startswith("QD7"))


class Claim(NamedTuple):
    """A release named by a doc comment for one definition or element."""

    #: the definition whose doc comment it is
    definition: str
    #: the member, value or branch it is about; None for the definition
    element: str | None
    version: Version
    #: where the release number is
    span: Span
    #: the claim names a stable point release (``2.12.1``): the thing came
    #: after ``version``, in the release after it if only those are read
    point: bool = False


_VERSION = r"(\d+)\.(\d+)(?:\.(\d+))?(?![\d.]*\d)"
_SINCE_SECTION = re.compile(r"\s*" + _VERSION)
_PARENS = re.compile(r"\(([^()]*)\)")
#: "since" opening the parentheses or one of their comma- or
#: semicolon-separated parts: "(since 4.0)", "(default: auto, since 8.2)";
#: not "(optional since 9.1)", which is about something else
_SINCE_NOTE = re.compile(r"(?i)(?:^|[,;])\s*since:?\s+" + _VERSION)
_ANY_VERSION = re.compile(r"\d+\.\d+")
_ONLY_SINCE = re.compile(r"(?i)\s*since:?\s+" + _VERSION + r"\s*\.?\s*$")


def _joined(section: DocSection) -> tuple[str, list[int]]:
    """The section's text with its lines joined by newlines, and the offset
    in the file of each line's start in that text."""
    starts = []
    parts = []
    at = 0
    for line in section.lines:
        starts.append(at)
        parts.append(line.text)
        at += len(line.text) + 1
    return "\n".join(parts), starts


def _span(section: DocSection, starts: list[int], start: int, end: int) -> Span:
    index = max(i for i, s in enumerate(starts) if s <= start)
    line = section.lines[index]
    offset = line.offset + start - starts[index]
    file = section.span.file
    return file.span(offset, offset + end - start)


def _claimed(m: re.Match[str]) -> tuple[Version, bool]:
    """The release a ``_VERSION`` match names, and whether it is a stable
    point release (``2.12.1``)."""
    return (int(m.group(1)), int(m.group(2))), bool(m.group(3)) and int(m.group(3)) > 0


def _note(section: DocSection) -> tuple[Version, bool, Span] | None:
    """The one claim of a member's description, if it makes exactly one."""
    text, starts = _joined(section)
    found = []
    for group in _PARENS.finditer(text):
        m = _SINCE_NOTE.search(group.group(1))
        if m is None:
            continue
        rest = group.group(1)[:m.start()] + group.group(1)[m.end():]
        if _ANY_VERSION.search(rest):
            return None         # a qualified claim: "(since 2.4 (x), 3.1 (y))", "... until 10.1"
        start = group.start(1) + m.start(1)
        found.append((*_claimed(m), start, group.start(1) + m.end()))
    if not found:
        m = _ONLY_SINCE.match(text)
        if m is not None:
            found.append((*_claimed(m), m.start(1), m.end(2)))
    if len(found) != 1:
        return None
    version, point, start, end = found[0]
    return version, point, _span(section, starts, start, end)


def find_claims(doc: DocComment) -> Iterator[Claim]:
    """The releases a definition's doc comment claims."""
    if doc.symbol is None:
        return
    since = doc.section("since")
    if since is not None and since.lines:
        m = _SINCE_SECTION.match(since.lines[0].text)
        if m is not None:
            line = since.lines[0]
            version, point = _claimed(m)
            yield Claim(doc.symbol, None, version,
                        since.span.file.span(line.offset + m.start(1), line.offset + m.end(2)), point)
    for section in doc.args:
        if section.name is None:
            continue
        note = _note(section)
        if note is not None:
            version, point, span = note
            yield Claim(doc.symbol, section.name, version, span, point)


def _label(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def _what(schema: Schema, claim: Claim) -> str:
    ent = schema.entities.get(claim.definition)
    meta = ent.meta if ent is not None else "definition"
    if claim.element is None:
        return f"{meta} '{claim.definition}'"
    role = "value" if meta == "enum" else "member"
    return f"{role} '{claim.element}' of {meta} '{claim.definition}'"


def check_since(result: LoadResult, histories: Sequence[History]) -> list[Diagnostic]:
    """The QD7xx findings of one loaded schema against ``histories``."""
    if result.schema is None or not histories or not any(h.releases for h in histories):
        return []
    schema = result.schema
    releases = Dating(histories)
    index = wire_index(schema)
    found: list[Diagnostic] = []
    for doc in result.docs:
        claims = list(find_claims(doc))
        for claim in claims:
            diagnostic = _check(schema, index, releases, claim)
            if diagnostic is not None:
                found.append(diagnostic)
        definition = next((c for c in claims if c.element is None), None)
        if definition is not None:
            found.extend(_unclaimed(schema, index, releases, doc, definition))
    return found


class _Found(NamedTuple):
    """What the releases say of one element."""

    #: its places on the wire today, each with its first release (None:
    #: in no release read)
    firsts: list[Seen | None]
    #: the earliest it was anywhere: on the wire, or by name in its type
    appeared: Seen | None


def _found(schema: Schema, index: WireIndex, releases: Dating, definition: str,
           element: str | None) -> _Found | None:
    if element is None:
        root = index.roots.get(definition)
        if root is None:
            return None         # a type: its name is not on the wire
        firsts = [releases.first(root)]
        named = None
    else:
        paths = index.elements.get((definition, element), [])
        if not paths:
            return None
        firsts = [releases.first(p) for p in paths]
        named = None
        if definition not in index.roots:
            # A type's own member: the type had it then, even if nothing
            # put the type on the wire before.
            ent = schema.entities.get(definition)
            named = releases.named(definition, element, f"in {ent.meta if ent else 'type'} '{definition}'")
    candidates = [f for f in [*firsts, named] if f is not None]
    appeared = min(candidates, key=lambda f: f.version) if candidates else None
    return _Found(firsts, appeared)


def _check(schema: Schema, index: WireIndex, releases: Dating, claim: Claim) -> Diagnostic | None:
    found = _found(schema, index, releases, claim.definition, claim.element)
    if found is None:
        return None
    context = _context(schema, claim.definition)
    what = _what(schema, claim)
    said = _label(claim.version)
    if found.appeared is None:
        newest = releases.newest
        if newest is not None and claim.version <= newest.version:
            return Diagnostic(rules.SINCE_UNRELEASED,
                              f"{what} claims {said}, but no release read has it (the newest is "
                              f"{newest.name})", claim.span, context)
        return None
    known = [f for f in found.firsts if f is not None]
    if len(known) == len(found.firsts):
        latest = max(known, key=lambda f: f.version)
        if claim.version > latest.version:
            where = "" if len(known) == 1 else ", everywhere it is used"
            return Diagnostic(rules.SINCE_TOO_LATE,
                              f"{what} claims {said}, but it is on the wire since {latest.release.label}{where}",
                              claim.span, context, _notes(latest))
    appeared = found.appeared
    if claim.point and releases.next_after(claim.version) == appeared.version:
        return None     # "since 2.12.1": a stable release between 2.12 and the next one read
    if releases.oldest <= claim.version < appeared.version:
        return Diagnostic(rules.SINCE_TOO_EARLY,
                          f"{what} claims {said}, but it first appears {appeared.how} in {appeared.release.label}",
                          claim.span, context, _notes(appeared))
    return None


_SINCE_WORD = re.compile(r"(?i)\bsince\b")


def _unclaimed(schema: Schema, index: WireIndex, releases: Dating, doc: DocComment,
               definition: Claim) -> Iterator[Diagnostic]:
    """QD704: members with no note that came after the definition's claim."""
    said = definition.version
    if said < releases.oldest:
        return
    root = index.roots.get(definition.definition)
    if root is not None:
        first = releases.first(root)
        if first is None or first.version > said:
            return          # the definition's own claim is what is wrong (QD702, QD703)
    else:
        existed = releases.type_first(definition.definition)
        if existed is None or existed > said:
            return          # no type of this name then: a type's name proves nothing
    for section in doc.args:
        if section.name is None or _SINCE_WORD.search(section.text):
            continue
        found = _found(schema, index, releases, definition.definition, section.name)
        if found is None or found.appeared is None or found.appeared.version <= said:
            continue
        appeared = found.appeared
        what = _what(schema, definition._replace(element=section.name))
        yield Diagnostic(rules.SINCE_MISSING,
                         f"{what} first appears {appeared.how} in {appeared.release.label}, after the "
                         f"'Since: {_label(said)}' of its definition, and its description does not say so",
                         section.span, _context(schema, definition.definition), _notes(appeared))


def _notes(first: Seen) -> tuple[Note, ...]:
    where = f" at {first.where}" if first.where else ""
    return (Note(f"first {first.how} in {first.release.name}{where}", None),)


def _context(schema: Schema, name: str) -> Context | None:
    origin = schema.origins.get(name)
    if origin is None:
        return None
    return Context(origin.meta, origin.name, origin.name_span)


def dedupe_key(diagnostic: Diagnostic) -> tuple[str, str, int] | None:
    """What makes two findings of different roots the same (a module both
    QMP and the storage daemon include)."""
    if diagnostic.span is None:
        return None
    return (diagnostic.code, os.path.abspath(diagnostic.span.file.path), diagnostic.span.start)
