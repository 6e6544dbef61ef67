"""``qapidoc diff OLD NEW``: the changes between two versions of a schema.

Loads both roots (each with its own dialect if need be), compares them with
:func:`qapidoc.backends.compat.compare` and prints the changes as text, JSON, a
Markdown report for release notes, or GitHub annotations.  The formatters
are pure functions of the changes.

Exit codes: 0 nothing at the ``--fail-on`` level, 1 something at it, 2 a
usage error or a schema that cannot be read or whose model is incomplete
(an error in its definitions, which would show as a removal).  Findings in
doc comments are printed on stderr and change nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from ..backends.compat import LEVELS, Change, Kind, Verdict, compare, counts_by_kind
from ..frontend.dialect import parse_dialect
from ..frontend.loader import LoadResult
from ..report import format_diagnostics
from ..source import Span
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    Settings,
    add_rule_options,
    add_schema_options,
    check_schemas,
    config_diagnostics,
    read_settings,
    usable_model,
)

__all__ = ["FORMATS", "Change", "Kind", "Verdict", "add_arguments", "compare", "format_changes",
           "gate", "run"]


# --- the gate -------------------------------------------------------------------------

#: --fail-on choices: what makes the exit code 1
GATES: dict[str, Callable[[Change], bool]] = {
    "violation": lambda c: c.violation,
    "breaking": lambda c: c.breaking,
    "any": lambda c: True,
    "never": lambda c: False,
}


def gate(changes: Sequence[Change], fail_on: str = "breaking") -> int:
    """The exit code: 1 if any change is at the ``fail_on`` level."""
    test = GATES[fail_on]
    return EXIT_FINDINGS if any(test(c) for c in changes) else EXIT_OK


# --- formatting -----------------------------------------------------------------------

def _where(span: Span | None, root: str | None = None) -> str:
    if span is None:
        return "-"
    path = span.file.path
    if root is not None:
        base = os.path.dirname(os.path.abspath(root))
        full = os.path.abspath(path)
        if full.startswith(base + os.sep):
            path = os.path.relpath(full, base)
    return f"{path}:{span.line}:{span.column}"


def label(change: Change) -> str:
    """The client verdict, with what the policy says of a breaking one."""
    level = change.client.level
    if level != "breaking":
        return level
    if change.promise == "stable":
        return "breaking (policy violation: not deprecated first)"
    if change.promise == "deprecated":
        return "breaking (deprecated in OLD)"
    return "breaking (unstable in OLD: no promise)"


def summary(changes: Sequence[Change]) -> dict[str, Any]:
    client = dict.fromkeys(LEVELS, 0)
    server = dict.fromkeys(LEVELS, 0)
    for change in changes:
        client[change.client.level] += 1
        server[change.server.level] += 1
    return {
        "changes": len(changes),
        "breaking": sum(c.breaking for c in changes),
        "violations": sum(c.violation for c in changes),
        "breaking_after_deprecation": sum(c.breaking and c.promise == "deprecated" for c in changes),
        "breaking_unstable": sum(c.client.level == "breaking" and c.promise == "unstable" for c in changes),
        "client": client,
        "server": server,
        "by_kind": counts_by_kind(changes),
    }


def _summary_line(changes: Sequence[Change]) -> str:
    s = summary(changes)
    if not changes:
        return "no changes on the wire"
    return (f"{s['changes']} changes: {s['breaking']} breaking ({s['violations']} policy violations, "
            f"{s['breaking_after_deprecation']} after deprecation), "
            f"{s['breaking_unstable']} breaking unstable interfaces, "
            f"{s['client']['caution']} to watch, {s['client']['compatible']} compatible")


def _also(change: Change, limit: int = 3) -> str:
    shown = ", ".join(change.also[:limit])
    more = len(change.also) - limit
    return shown + (f", and {more} more" if more > 0 else "")


def format_text(changes: Sequence[Change], old: str, new: str, *, brief: bool = False) -> str:
    lines = []
    for change in changes:
        lines.append(f"{label(change)}: {change.subject}: {change.message} [{change.kind.value}]")
        if brief:
            continue
        lines.append(f"  old: {_where(change.old)}")
        lines.append(f"  new: {_where(change.new)}")
        lines.append(f"  clients: {change.client.level}: {change.client.reason}")
        lines.append(f"  server: {change.server.level}: {change.server.reason}")
        if change.also:
            lines.append(f"  also: {_also(change)}")
    lines.append(f"{old} -> {new}: {_summary_line(changes)}")
    counts = counts_by_kind(changes)
    if counts:
        lines.append("by kind: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return "\n".join(lines) + "\n"


def _span_json(span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"file": span.file.path, "line": span.line, "column": span.column}


def _verdict_json(verdict: Verdict) -> dict[str, str]:
    return {"level": verdict.level, "reason": verdict.reason}


def change_json(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind.value,
        "subject": change.subject,
        "message": change.message,
        "direction": change.direction,
        "promise": change.promise,
        "breaking": change.breaking,
        "violation": change.violation,
        "client": _verdict_json(change.client),
        "server": _verdict_json(change.server),
        "old": _span_json(change.old),
        "new": _span_json(change.new),
        "also": list(change.also),
    }


def format_json(changes: Sequence[Change], old: str, new: str, *, brief: bool = False) -> str:
    document = {"old": old, "new": new, "summary": summary(changes),
                "changes": [change_json(c) for c in changes]}
    return json.dumps(document, indent=2) + "\n"


def _md(text: str) -> str:
    """Plain text for Markdown: the characters that would start markup escaped."""
    out = []
    for ch in text:
        if ch in "\\`*_[]<|":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _code(text: str) -> str:
    ticks = "``" if "`" in text else "`"
    return f"{ticks}{text}{ticks}"


_QUOTED = re.compile(r"'([^']*)'")


def _md_message(text: str) -> str:
    """A message for Markdown: quoted names as code, the rest escaped."""
    out = []
    pos = 0
    for m in _QUOTED.finditer(text):
        out.append(_md(text[pos:m.start()]))
        out.append(_code(m.group(1)))
        pos = m.end()
    out.append(_md(text[pos:]))
    return "".join(out)


def _md_where(span: Span | None, root: str, was: bool) -> str:
    if span is None:
        return ""
    where = _where(span, root).rsplit(":", 1)[0]       # the line is enough
    return f" ({'was ' if was else ''}{_code(where)})"


def _md_item(change: Change, old: str, new: str, *, verdict: bool = True) -> str:
    gone = change.kind.value.endswith("-removed")
    span, root = (change.old, old) if gone or change.new is None else (change.new, new)
    text = f"- {_code(change.subject)}: {_md_message(change.message)}"
    if verdict:
        reason = change.client.reason
        text += f". {_md_message(reason[0].upper() + reason[1:])}"
    text += _md_where(span, root, span is change.old)
    if change.also:
        text += f"; also {len(change.also)} other place{'s' if len(change.also) > 1 else ''}"
    return text


def format_markdown(changes: Sequence[Change], old: str, new: str, *, brief: bool = False) -> str:
    """A report for release notes: what breaks first, then what to watch,
    then what is new."""
    out = [f"# QMP changes from {_code(old)} to {_code(new)}", "", _md(_summary_line(changes)) + ".", ""]

    def section(title: str, items: list[Change], note: str = "", verdict: bool = True) -> None:
        if not items:
            return
        out.append(f"## {title} ({len(items)})")
        out.append("")
        if note:
            out.extend([note, ""])
        out.extend(_md_item(c, old, new, verdict=verdict) for c in items)
        out.append("")

    breaking = [c for c in changes if c.client.level == "breaking"]
    section("Breaking changes: policy violations", [c for c in breaking if c.promise == "stable"],
            "Incompatible for existing clients, though OLD did not mark them deprecated.")
    section("Breaking changes after deprecation", [c for c in breaking if c.promise == "deprecated"],
            "Incompatible for clients that still use what OLD had marked deprecated.")
    section("Changes to unstable interfaces", [c for c in breaking if c.promise == "unstable"],
            "Unstable and `x-` interfaces carry no compatibility promise.")
    section("Deprecated", [c for c in changes if c.kind is Kind.FEATURE_ADDED and c.message.startswith(
        "feature 'deprecated'")], "Clients should stop using these before they are removed.", verdict=False)
    rest = [c for c in changes if c.client.level != "breaking" and not (
        c.kind is Kind.FEATURE_ADDED and c.message.startswith("feature 'deprecated'"))]
    section("To watch", [c for c in rest if c.client.level == "caution"],
            "Compatible by the policy, but clients that assume a closed set of values, or every build "
            "configuration, should check.")
    section("New commands", [c for c in rest if c.kind is Kind.COMMAND_ADDED], verdict=False)
    section("New events", [c for c in rest if c.kind is Kind.EVENT_ADDED], verdict=False)
    section("Other compatible changes", [c for c in rest if c.client.level == "compatible" and c.kind not in (
        Kind.COMMAND_ADDED, Kind.EVENT_ADDED)], verdict=False)
    counts = counts_by_kind(changes)
    if counts:
        out.extend(["## Counts by kind", "", "| kind | changes |", "| --- | ---: |"])
        out.extend(f"| {k} | {v} |" for k, v in counts.items())
        out.append("")
    return "\n".join(out)


def _gh(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_github(changes: Sequence[Change], old: str, new: str, *, brief: bool = False) -> str:
    """GitHub Actions annotations, on the NEW schema where there is a place."""
    lines = []
    for change in changes:
        if change.client.level == "compatible":
            continue
        level = "error" if change.violation else "warning" if change.client.level == "breaking" else "notice"
        span = change.new if change.new is not None else change.old
        props = []
        if span is not None:
            props += [f"file={_gh(span.file.path, prop=True)}", f"line={span.line}", f"col={span.column}"]
        props.append(f"title={_gh(f'{change.kind.value}: {change.subject}', prop=True)}")
        lines.append(f"::{level} {','.join(props)}::{_gh(f'{change.message}: {change.client.reason}')}")
    return "\n".join(lines) + ("\n" if lines else "")


FORMATS: dict[str, Callable[..., str]] = {
    "text": format_text, "json": format_json, "markdown": format_markdown, "github": format_github}


def format_changes(changes: Sequence[Change], old: str, new: str, fmt: str = "text", *,
                   brief: bool = False) -> str:
    return str(FORMATS[fmt](changes, old, new, brief=brief))


# --- command line ---------------------------------------------------------------------

def _dialect_arg(text: str) -> tuple[int, int]:
    version = parse_dialect(text)
    if version is None:
        raise argparse.ArgumentTypeError(f"not a QEMU release: {text!r} (expected e.g. 7.2 or 10.2)")
    return version


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="root file of the older schema")
    parser.add_argument("new", metavar="NEW", help="root file of the newer schema")
    add_schema_options(parser)
    add_rule_options(parser)
    parser.add_argument("--old-dialect", metavar="X.Y", type=_dialect_arg,
                        help="dialect of OLD (default: --dialect, else detected)")
    parser.add_argument("--new-dialect", metavar="X.Y", type=_dialect_arg,
                        help="dialect of NEW (default: --dialect, else detected)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="output format (default: text)")
    parser.add_argument("--fail-on", choices=list(GATES), default="breaking",
                        help="what makes the exit code 1: 'violation' a breaking change to a stable "
                             "interface, 'breaking' also one to a deprecated interface (default), 'any' "
                             "any change, 'never' nothing")
    parser.add_argument("--min-level", choices=list(LEVELS), default="compatible",
                        help="list only changes whose verdict for clients is at least this "
                             "(default: compatible, i.e. all); the exit code still counts all")
    parser.add_argument("--brief", action="store_true", help="text format: one line per change")


def _load(path: str, settings: Settings, dialect: tuple[int, int] | None,
          err: TextIO) -> LoadResult | None:
    """One side, loaded and checked; None (said on ``err``) when its model
    is incomplete, which would show as removals.  Findings that leave the
    model complete (doc comments, pragmas) are printed and change nothing."""
    if dialect is not None:
        settings = settings._replace(load=settings.load._replace(dialect=dialect))
    checked = check_schemas([path], settings)
    result = checked.loaded[0]
    stopped = (f"cannot compare a schema whose model is incomplete (dialect {result.dialect}; "
               "--old-dialect/--new-dialect choose another)")
    if usable_model("diff", path, result, checked.diagnostics, err, "the comparison", stopped) is not None:
        return None
    return result


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    settings = read_settings(args, [args.old])
    if settings.errors:
        err.write(format_diagnostics(config_diagnostics(settings.errors), "text"))
        return EXIT_USAGE
    old = _load(args.old, settings, args.old_dialect, err)
    new = _load(args.new, settings, args.new_dialect, err)
    if old is None or new is None:
        return EXIT_USAGE
    assert old.schema is not None and new.schema is not None
    changes = compare(old.schema, new.schema)
    threshold = LEVELS.index(args.min_level)
    shown = [c for c in changes if LEVELS.index(c.client.level) >= threshold]
    out.write(format_changes(shown, args.old, args.new, args.format, brief=args.brief))
    return gate(changes, args.fail_on)
