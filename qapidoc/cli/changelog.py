"""``qapidoc history REPO --changelog``: what changed in each release.

The entries are :func:`qapidoc.backends.changelog.changelog`'s; this module
formats them (pure functions of the entries) as text, JSON or Markdown,
newest release first, each entry linked to its definition in the manual
when ``--manual URL`` is given (the anchors are those ``qapidoc_sphinx``
gives every command, event and type: ``URL#qmp-command-query-status``).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..backends.changelog import Entry, ReleaseChanges, changelog
from ..backends.compat import Kind
from ..backends.history import SEP, History, Release
from ..backends.releases import Histories, release_version
from .common import EXIT_OK, EXIT_USAGE

__all__ = ["FORMATS", "current_definitions", "definition_anchor", "format_changelog", "run_changelog",
           "sections", "summary_text"]


def definition_anchor(namespace: str, entry: Entry) -> str:
    """The HTML id of the definition an entry belongs to, as
    ``qapidoc_sphinx`` makes it: ``qmp-command-NAME``, ``qmp-event-NAME``,
    ``qmp-type-NAME``."""
    definition = entry.definition
    meta, _, root = entry.subject.split(SEP, 1)[0].partition(" ")
    kind = meta if definition == root else "type"
    return f"{namespace.lower()}-{kind}-{definition}"


def _link(namespace: str, entry: Entry, manual: str | None, current: frozenset[str]) -> str | None:
    if manual is None or entry.definition not in current:
        return None
    return f"{manual}#{definition_anchor(namespace, entry)}"


def current_definitions(history: History) -> frozenset[str]:
    """The definitions that own an element in the newest release (what a
    manual of today documents)."""
    return frozenset(t.last.owner for t in history.timelines.values() if t.last is not None and t.last.owner)


_ADDED = frozenset({Kind.COMMAND_ADDED, Kind.EVENT_ADDED, Kind.MEMBER_ADDED, Kind.ENUM_VALUE_ADDED,
                    Kind.BRANCH_ADDED, Kind.ALTERNATIVE_ADDED, Kind.FLAG_ADDED, Kind.FEATURE_ADDED})
_REMOVED = frozenset({Kind.COMMAND_REMOVED, Kind.EVENT_REMOVED, Kind.MEMBER_REMOVED, Kind.ENUM_VALUE_REMOVED,
                      Kind.BRANCH_REMOVED, Kind.ALTERNATIVE_REMOVED, Kind.FLAG_REMOVED, Kind.FEATURE_REMOVED})


def _marked(entry: Entry, feature: str) -> bool:
    """A deprecation (or the like): the feature added to something."""
    return entry.kind is Kind.FEATURE_ADDED and entry.message == f"feature '{feature}' added"


def sections(entries: Sequence[Entry]) -> list[tuple[str, str, list[Entry]]]:
    """(title, note, entries) in the order a reader wants them."""
    breaking = [e for e in entries if e.client.level == "breaking"]
    rest = [e for e in entries if e.client.level != "breaking" and not _marked(e, "deprecated")]
    added = [e for e in rest if e.kind in _ADDED and not _marked(e, "unstable")]
    removed = [e for e in rest if e.kind in _REMOVED]
    return [
        ("Breaking changes", "Incompatible for existing clients, though the release before did not deprecate "
         "them.", [e for e in breaking if e.promise == "stable"]),
        ("Removed after deprecation", "", [e for e in breaking if e.promise == "deprecated"]),
        ("Changes to unstable interfaces", "No compatibility promise.",
         [e for e in breaking if e.promise == "unstable"]),
        ("Deprecated", "Clients should stop using these.", [e for e in entries if _marked(e, "deprecated")]),
        ("Added", "", added),
        ("Changed", "", [e for e in rest if e not in added and e not in removed]),
        ("Removed", "", removed),
    ]


def _counts(entries: Sequence[Entry]) -> dict[str, int]:
    return {"changes": len(entries), "breaking": sum(e.breaking for e in entries),
            "violations": sum(e.violation for e in entries),
            "added": sum(e.kind in _ADDED and not _marked(e, "deprecated") and not _marked(e, "unstable")
                         for e in entries),
            "removed": sum(e.kind in _REMOVED for e in entries),
            "deprecated": sum(_marked(e, "deprecated") for e in entries)}


def summary_text(entries: Sequence[Entry]) -> str:
    c = _counts(entries)
    if not entries:
        return "no changes on the wire"
    return (f"{c['changes']} changes: {c['added']} added, {c['removed']} removed, {c['deprecated']} deprecated; "
            f"{c['breaking']} breaking ({c['violations']} without deprecation)")


# --- text ---------------------------------------------------------------------------------

def format_text(history: History, releases: Sequence[ReleaseChanges], manual: str | None = None) -> str:
    namespace = history.namespace
    lines = []
    for rc in releases:
        lines.append(f"{namespace} {rc.release.label} ({rc.release.name}, against {rc.previous.name}): "
                     f"{summary_text(rc.entries)}")
        for title, _, items in sections(rc.entries):
            for e in items:
                at = where(history, rc.release, e)
                lines.append(f"  {title.lower()}: {e.subject}: {e.message} [{e.kind.value}]"
                             + (f" ({at})" if at else ""))
    return "\n".join(lines) + "\n"


def where(history: History, release: Release, entry: Entry) -> str:
    """Where the entry's element is (for a removal: was), and in which
    release when that is not ``release`` (a timeline keeps an element as it
    was when it last changed; the lines may have moved since)."""
    node = entry.new if entry.new is not None else entry.old
    if node is None or not node.where:
        return ""
    timeline = history.timelines.get(node.path)
    step = next((s.release for s in timeline.steps if s.node is node), None) if timeline else None
    seen = history.releases[step] if step is not None else release
    return node.where if seen == release else f"{node.where} in {seen.name}"


# --- JSON -----------------------------------------------------------------------------------

def _entry_json(history: History, release: Release, entry: Entry, manual: str | None,
                current: frozenset[str]) -> dict[str, Any]:
    namespace = history.namespace
    out: dict[str, Any] = {
        "kind": entry.kind.value, "subject": entry.subject, "message": entry.message,
        "breaking": entry.breaking, "violation": entry.violation, "promise": entry.promise,
        "direction": entry.direction,
        "client": {"level": entry.client.level, "reason": entry.client.reason},
        "server": {"level": entry.server.level, "reason": entry.server.reason},
        "also": list(entry.also), "definition": entry.definition,
        "anchor": definition_anchor(namespace, entry),
    }
    at = where(history, release, entry)
    if at:
        out["where"] = at
    link = _link(namespace, entry, manual, current)
    if link is not None:
        out["link"] = link
    return out


def format_json(history: History, releases: Sequence[ReleaseChanges], manual: str | None = None) -> str:
    namespace, current = history.namespace, current_definitions(history)
    document = {"namespace": namespace, "releases": [
        {"release": rc.release.name, "version": rc.release.label, "previous": rc.previous.name,
         "summary": _counts(rc.entries),
         "changes": [_entry_json(history, rc.release, e, manual, current) for e in rc.entries]}
        for rc in releases]}
    return json.dumps(document, indent=1) + "\n"


# --- Markdown ---------------------------------------------------------------------------------

def _md(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<|" else ch for ch in text)


def _code(text: str) -> str:
    return f"``{text}``" if "`" in text else f"`{text}`"


_QUOTED = re.compile(r"'([^']*)'")


def _md_message(text: str) -> str:
    """A message for Markdown: quoted names as code, the rest escaped."""
    out = []
    pos = 0
    for m in _QUOTED.finditer(text):
        out += [_md(text[pos:m.start()]), _code(m.group(1))]
        pos = m.end()
    out.append(_md(text[pos:]))
    return "".join(out)


def _md_entry(history: History, release: Release, entry: Entry, manual: str | None, current: frozenset[str],
              verdict: bool) -> str:
    namespace = history.namespace
    text = f"- {_code(entry.subject)}: {_md_message(entry.message)}"
    if verdict:
        reason = entry.client.reason
        text += f". {_md_message(reason[0].upper() + reason[1:])}"
    link = _link(namespace, entry, manual, current)
    if link is not None:
        text += f" ([{_md(entry.definition)}]({link}))"
    else:
        at = where(history, release, entry)
        if at:
            text += f" ({_code(at)})"
    if entry.also:
        text += f"; also {len(entry.also)} other place{'s' if len(entry.also) > 1 else ''}"
    return text


def format_markdown(history: History, releases: Sequence[ReleaseChanges], manual: str | None = None) -> str:
    namespace, current = history.namespace, current_definitions(history)
    out = [f"# {namespace} changelog", ""]
    if releases:
        out += [f"What changed in the {namespace} API in each release from {releases[-1].release.label} to "
                f"{releases[0].release.label}, as a client sees it on the wire.", ""]
    for rc in releases:
        out += [f"## {rc.release.label}", "", f"{_md(rc.release.name)} against {_md(rc.previous.name)}: "
                f"{_md(summary_text(rc.entries))}.", ""]
        for title, note, items in sections(rc.entries):
            if not items:
                continue
            out += [f"### {title} ({len(items)})", ""]
            if note:
                out += [note, ""]
            verdict = title.startswith(("Breaking", "Removed after", "Changes to unstable"))
            out += [_md_entry(history, rc.release, e, manual, current, verdict) for e in items]
            out.append("")
    return "\n".join(out)


FORMATS: dict[str, Callable[[History, Sequence[ReleaseChanges], str | None], str]] = {
    "text": format_text, "json": format_json, "markdown": format_markdown}


def format_changelog(history: History, fmt: str = "markdown", *, since: tuple[int, int] | None = None,
                     manual: str | None = None) -> str:
    """The changelog of ``history`` (releases after ``since``, newest first)."""
    releases = [rc for rc in changelog(history) if since is None or rc.release.version > since]
    releases.reverse()
    return FORMATS[fmt](history, releases, manual)


def run_changelog(args: argparse.Namespace, histories: Histories, chosen: Sequence[History], out: TextIO,
                  err: TextIO) -> int:
    since = None
    if args.since is not None:
        since = release_version(args.since)
        if since is None:
            err.write(f"qapidoc history: --from takes a release such as 7.2, not '{args.since}'\n")
            return EXIT_USAGE
    for history in chosen:
        out.write(format_changelog(history, args.format, since=since, manual=args.manual))
    return EXIT_OK
