"""``qapidoc history REPO [THING...]``: the QMP API across releases.

Reads the schema of every release tag of a git repository (or of
directories given with ``--tree``) and prints, for each protocol found
(QMP, QGA, QSD), a summary by release; with THINGs (a command or event
name, or a wire path such as ``event SHUTDOWN / data / member reason``),
the story of each element under them: the release where it appeared, each
change, deprecation and removal.  ``--changelog`` prints what changed in
each release instead.

Exit codes: 0 done, 1 a THING that no release has, 2 a usage error or a
repository that cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..backends.history import SEP, History, element_kind, story
from ..backends.history_cache import default_cache_dir
from ..backends.releases import DEFAULT_ROOTS, Histories, HistoryOptions, RootSpec, read_repository, read_trees
from ..gitobjects import GitError
from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE

__all__ = ["add_arguments", "add_history_options", "histories_from_args", "history_options", "run"]


def add_history_options(parser: argparse.ArgumentParser, *, tags_flag: str = "--tags") -> None:
    """The options that say how to read a history (shared with ``lint``
    and ``jsonschema``, which take ``--history REPO`` and spell the tag
    pattern ``--history-tags``)."""
    parser.add_argument(tags_flag, dest="tags", default=None, metavar="PATTERN",
                        help="shell pattern of the release tags to read (default: v*.*.0)")
    parser.add_argument("--history-root", action="append", default=[], metavar="NS=PATH",
                        dest="history_roots",
                        help="a protocol's root file in each release, e.g. QMP=qapi/qapi-schema.json "
                             "(repeatable; default: QMP, QGA and QSD at their usual places)")
    parser.add_argument("--cache-dir", metavar="DIR", default=None,
                        help=f"where to keep what was read (default: {default_cache_dir()})")
    parser.add_argument("--no-cache", action="store_true", help="read every release, keep nothing")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="processes that read releases not in the cache (default: the number of CPUs, "
                             "at most 4)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("repo", metavar="REPO", nargs="?",
                        help="a git repository whose release tags hold the schema (omit with --tree)")
    parser.add_argument("things", metavar="THING", nargs="*",
                        help="commands, events or wire paths to tell the story of")
    parser.add_argument("--tree", action="append", default=[], metavar="[LABEL=]DIR",
                        help="read a directory as one release instead of a repository (repeatable; the "
                             "release is its VERSION file, else the label or the directory's name)")
    add_history_options(parser)
    parser.add_argument("--namespace", metavar="NS", help="only this protocol (QMP, QGA, QSD)")
    parser.add_argument("--format", choices=["text", "json", "markdown"], default="text",
                        help="output format (default: text; markdown with --changelog)")
    parser.add_argument("--changelog", action="store_true",
                        help="print what changed in each release, newest first: added, changed, deprecated, "
                             "removed, breaking changes flagged as 'qapidoc diff' classifies them")
    parser.add_argument("--from", dest="since", metavar="X.Y",
                        help="with --changelog: only the releases after X.Y")
    parser.add_argument("--manual", metavar="URL",
                        help="with --changelog: link each entry to its definition in the manual at URL "
                             "(a page built by qapidoc_sphinx; URL#qmp-command-NAME)")


def _roots(specs: Sequence[str]) -> tuple[RootSpec, ...] | str:
    if not specs:
        return DEFAULT_ROOTS
    roots: dict[str, list[str]] = {}
    for spec in specs:
        namespace, sep, path = spec.partition("=")
        if not sep or not namespace or not path:
            return f"--history-root takes NS=PATH, not '{spec}'"
        roots.setdefault(namespace, []).append(path)
    return tuple((ns, tuple(paths)) for ns, paths in roots.items())


def history_options(args: argparse.Namespace, tags: str | None = None) -> HistoryOptions | str:
    """The options given (``tags`` when the command line has none), or
    what is wrong with them."""
    roots = _roots(args.history_roots)
    if isinstance(roots, str):
        return roots
    cache_dir = None if args.no_cache else (args.cache_dir or default_cache_dir())
    jobs = args.jobs if args.jobs is not None else min(4, os.cpu_count() or 1)
    return HistoryOptions(args.tags or tags or "v*.*.0", roots, cache_dir, max(1, jobs))


def histories_from_args(source: str | None, trees: Sequence[str], args: argparse.Namespace,
                        err: TextIO, tags: str | None = None) -> Histories | None:
    """Read the history the arguments name; None (with a message) if it
    cannot be read."""
    options = history_options(args, tags)
    if isinstance(options, str):
        err.write(f"qapidoc: {options}\n")
        return None
    try:
        if trees:
            missing = [t for t in trees if not os.path.isdir(t.partition("=")[2] or t)]
            if missing:
                err.write(f"qapidoc: not a directory: {', '.join(missing)}\n")
                return None
            histories = read_trees(trees, options)
        else:
            if source is None:
                err.write("qapidoc: give a git repository, or directories with --tree\n")
                return None
            histories = read_repository(source, options)
    except GitError as exc:
        err.write(f"qapidoc: {exc}\n")
        return None
    for note in histories.notes:
        err.write(f"qapidoc: note: {note}\n")
    if not histories.releases:
        err.write(f"qapidoc: no release with a schema root in {source or ', '.join(trees)} "
                  f"(tags matching '{options.tags}')\n")
        return None
    return histories


# --- output ----------------------------------------------------------------------------

def _label(history: History, index: int) -> str:
    return history.releases[index].label


def _summary(history: History) -> list[dict[str, Any]]:
    """Per release: how many commands and events there were, and how many
    elements were added, changed, deprecated and removed."""
    rows: list[dict[str, Any]] = [
        {"release": r.name, "version": r.label, "commands": 0, "events": 0, "added": 0, "changed": 0,
         "deprecated": 0, "removed": 0} for r in history.releases]
    for path, timeline in history.timelines.items():
        kind = element_kind(path)
        if kind in ("command", "event"):
            for index in range(len(history.releases)):
                if timeline.at(index) is not None:
                    rows[index][f"{kind}s"] += 1
        before = None
        for release, node in timeline.steps:
            if node is None:
                rows[release]["removed"] += 1
            elif before is None:
                rows[release]["added"] += 1
                if kind == "feature" and path.endswith(f"{SEP}feature deprecated") and release:
                    rows[release]["deprecated"] += 1
            elif before.key() != node.key():
                rows[release]["changed"] += 1
            before = node
    return rows


def _text_summary(history: History) -> str:
    first, last = history.releases[0], history.releases[-1]
    lines = [f"{history.namespace}: {len(history.releases)} releases, {first.name} to {last.name}, "
             f"{len(history.timelines)} elements on the wire",
             f"  {'release':<10} {'commands':>8} {'events':>7} {'added':>7} {'changed':>8} {'deprecated':>10} "
             f"{'removed':>8}"]
    for row in _summary(history):
        lines.append(f"  {row['version']:<10} {row['commands']:>8} {row['events']:>7} {row['added']:>7} "
                     f"{row['changed']:>8} {row['deprecated']:>10} {row['removed']:>8}")
    return "\n".join(lines) + "\n"


def _matching(history: History, thing: str) -> list[str]:
    """The paths a THING names: a wire path and everything under it, or a
    command or event by name."""
    prefixes = [thing] if SEP.strip() in thing or " " in thing else [f"command {thing}", f"event {thing}"]
    return [p for p in history.timelines if any(p == x or p.startswith(x + SEP) for x in prefixes)]


def _element_json(history: History, path: str) -> dict[str, Any]:
    events = story(history, path)
    out: dict[str, Any] = {"path": path}
    for event in events:
        node = event.node
        entry = {"release": history.releases[event.release].name,
                 "version": history.releases[event.release].label}
        if node is not None and node.where:
            entry["where"] = node.where
        if event.detail:
            entry["detail"] = event.detail
        out.setdefault(event.what, []).append(entry)
    first = history.timelines[path].first
    out["in_oldest"] = first == 0
    return out


def _story_text(history: History, path: str) -> str:
    parts = []
    for event in story(history, path):
        release = history.releases[event.release]
        text = f"{event.what} {release.label}"
        if event.what == "added" and event.release == 0:
            text = f"in {release.label} (the oldest release read)"
        if event.detail:
            text += f" ({event.detail})"
        if event.what in ("added", "changed") and event.node is not None and event.node.where:
            text += f" at {event.node.where}"
        parts.append(text)
    return f"{path}: " + "; ".join(parts)


def _histories_json(histories: Histories, chosen: list[History], things: Sequence[str]) -> str:
    document: dict[str, Any] = {"releases": [{"name": r.name, "version": r.label} for r in histories.releases],
                                "protocols": {}}
    for history in chosen:
        paths = [p for t in things for p in _matching(history, t)] if things else list(history.timelines)
        document["protocols"][history.namespace] = {
            "releases": [{"name": r.name, "version": r.label, "root": root}
                         for r, root in zip(history.releases, history.roots, strict=True)],
            "summary": _summary(history),
            "elements": [_element_json(history, p) for p in dict.fromkeys(paths)],
        }
    return json.dumps(document, indent=1) + "\n"


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    things = list(args.things)
    source = args.repo
    if args.tree and source is not None:
        things.insert(0, source)        # with --tree, every positional is a THING
        source = None
    histories = histories_from_args(source, args.tree, args, err)
    if histories is None:
        return EXIT_USAGE
    chosen = [h for ns, h in histories.by_namespace.items() if args.namespace in (None, ns)]
    if not chosen:
        err.write(f"qapidoc history: no protocol '{args.namespace}' (found: "
                  f"{', '.join(histories.by_namespace)})\n")
        return EXIT_USAGE
    if args.changelog:
        from .changelog import run_changelog
        return run_changelog(args, histories, chosen, out, err)
    if args.format == "markdown":
        err.write("qapidoc history: --format markdown is for --changelog\n")
        return EXIT_USAGE
    if args.format == "json":
        out.write(_histories_json(histories, chosen, things))
        return EXIT_OK
    missing = [t for t in things if not any(_matching(h, t) for h in chosen)]
    for history in chosen:
        if not things:
            out.write(_text_summary(history))
            continue
        for thing in things:
            for path in _matching(history, thing):
                out.write(f"{history.namespace}: {_story_text(history, path)}\n")
    for thing in missing:
        err.write(f"qapidoc history: no release has '{thing}'\n")
    return EXIT_FINDINGS if missing else EXIT_OK
