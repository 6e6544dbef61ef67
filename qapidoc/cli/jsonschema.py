"""``qapidoc jsonschema SCHEMA -o DIR``: write the JSON Schema files.

Loads and checks the schema, refuses to write when it has errors (they are
reported, exit 1), generates with :func:`qapidoc.backends.jsonschema.generate`
and writes every file under ``DIR``.

``DIR`` is never clobbered: the command writes a marker file
(``.qapidoc-jsonschema``, listing what it wrote) in a directory it fills, and
writes only into a directory that is new, empty, or has that marker, unless
``--force`` is given.  When it writes again into its own directory, files it
wrote before and does not write now (a command that was removed) are
deleted; no other file is touched.  Files whose content is unchanged are not
rewritten, so their timestamps stay.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import tempfile
from pathlib import Path, PurePosixPath
from typing import TextIO

from ..backends.history import History
from ..backends.jsonschema import DEFAULT_BASE_URI, DRAFTS, PROFILES, GenerateOptions, dump_json, generate
from ..backends.jsonschema_codegen import generate_codegen
from ..backends.jsonschema_history import annotate
from ..backends.releases import namespace_of
from ..frontend.loader import LoadResult, find_qemu_release, load_schema
from ..report import format_diagnostics
from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_schema_options, exit_code, load_options
from .history import add_history_options, histories_from_args

__all__ = ["MARKER", "OutputError", "add_arguments", "run", "write_tree"]

MARKER = ".qapidoc-jsonschema"
_MARKER_HEADER = (
    "# Written by 'qapidoc jsonschema'.  It may overwrite or delete the files\n"
    "# listed below when it runs again; it touches nothing else.\n"
)


class OutputError(Exception):
    """The output directory cannot be written (as asked)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("schema", metavar="SCHEMA", help="schema root file")
    parser.add_argument("-o", "--output", metavar="DIR", required=True,
                        help="directory to write into (created if needed)")
    add_schema_options(parser)
    parser.add_argument("--profile", choices=PROFILES, default="validation",
                        help="validation: the file tree for validators (default); codegen: one "
                             "self-contained qmp.json that code generators turn into types")
    parser.add_argument("--draft", choices=sorted(DRAFTS), default="2020-12",
                        help="JSON Schema draft (default: 2020-12)")
    parser.add_argument("--base-uri", metavar="URI", default=DEFAULT_BASE_URI,
                        help=f"absolute URI every $id starts with (default: {DEFAULT_BASE_URI}, "
                             "followed by the QEMU release and ':' when known)")
    parser.add_argument("--qemu-release", metavar="X.Y.Z",
                        help="the QEMU release the schema comes from, for the $id and index.json "
                             "(default: the VERSION file of the QEMU tree the schema is in)")
    parser.add_argument("--inline", action="store_true",
                        help="the wire view: no type names, every message schema stands alone")
    parser.add_argument("--define", metavar="NAME", action="append",
                        help="a configuration symbol the build defines (repeatable); with any, "
                             "conditions are evaluated and what the build lacks is left out")
    parser.add_argument("--no-descriptions", action="store_true",
                        help="leave out the descriptions taken from doc comments")
    parser.add_argument("--no-features", action="store_true",
                        help="leave out 'deprecated' and 'x-qapi-features'")
    parser.add_argument("--force", action="store_true",
                        help="write into DIR even if it holds files qapidoc did not write")
    parser.add_argument("--examples", action="store_true",
                        help="add the doc comments' QMP examples that the schema accepts as 'examples' "
                             "of the message schemas (test vectors for clients)")
    parser.add_argument("--history", metavar="REPO",
                        help="date every definition, property and enum value with the release it appeared in "
                             "(x-qapi-since, x-qapi-deprecated-since), from the release tags of this git "
                             "repository")
    parser.add_argument("--history-tree", action="append", default=[], metavar="[LABEL=]DIR",
                        help="the same from directories, one per release (repeatable)")
    add_history_options(parser, tags_flag="--history-tags")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    result = load_schema(args.schema, load_options(args))
    if result.diagnostics:
        sys.stderr.write(format_diagnostics(result.diagnostics, "text"))
    code = exit_code(result.diagnostics)
    if code != EXIT_OK or result.schema is None:
        sys.stderr.write(f"qapidoc jsonschema: {args.schema} has errors; nothing written\n")
        return code if code != EXIT_OK else EXIT_FINDINGS
    defines = None
    if args.define is not None:
        bad = [d for d in args.define if not d or any(c.isspace() for c in d)]
        if bad:
            sys.stderr.write(f"qapidoc jsonschema: --define needs a symbol name, not {bad[0]!r}\n")
            return EXIT_USAGE
        defines = frozenset(args.define)
    release = args.qemu_release if args.qemu_release is not None else find_qemu_release(args.schema)
    try:
        options = GenerateOptions(draft=args.draft, base_uri=args.base_uri, inline=args.inline,
                                  defines=defines, descriptions=not args.no_descriptions,
                                  features=not args.no_features, release=release, profile=args.profile)
    except ValueError as err:
        sys.stderr.write(f"qapidoc jsonschema: {err}\n")
        return EXIT_USAGE
    if args.examples:
        if options.profile == "codegen":
            sys.stderr.write("qapidoc jsonschema: --examples adds to the validation profile's message files; "
                             "the codegen profile has none\n")
            return EXIT_USAGE
        options = dataclasses.replace(options, examples=_valid_examples(result))
    wants_history = args.history is not None or bool(args.history_tree)
    if options.profile == "codegen":
        if wants_history:
            sys.stderr.write("qapidoc jsonschema: --history annotates the validation profile; "
                             "the codegen profile does not take it yet\n")
            return EXIT_USAGE
        documents = generate_codegen(result.schema, options, result.doc_for).files()
    else:
        generated = generate(result.schema, options, result.doc_for)
        if wants_history:
            histories = _histories(args)
            if histories is None:
                return EXIT_USAGE
            generated = annotate(generated, result.schema, histories)
        documents = generated.files()
    files = {name: dump_json(doc) for name, doc in documents.items()}
    try:
        written = write_tree(Path(args.output), files, force=args.force)
    except OutputError as err:
        sys.stderr.write(f"qapidoc jsonschema: {err}\n")
        return EXIT_USAGE
    except OSError as err:
        sys.stderr.write(f"qapidoc jsonschema: cannot write {args.output}: {err.strerror or err}\n")
        return EXIT_USAGE
    view = "codegen profile" if options.profile == "codegen" else "inline view" if options.inline else "named view"
    origin = f", QEMU {options.release}" if options.release is not None else ""
    out.write(f"{args.output}: {len(files)} files ({written} changed), draft {options.draft}, {view}{origin}\n")
    return EXIT_OK


def _histories(args: argparse.Namespace) -> list[History] | None:
    """The histories that date this schema's protocol (QMP's too for the
    storage daemon); None, with a message, when they cannot be read."""
    read = histories_from_args(args.history, args.history_tree, args, sys.stderr)
    if read is None:
        return None
    namespace = namespace_of(args.schema, read.roots)
    if namespace is None and len(read.by_namespace) == 1:
        namespace = next(iter(read.by_namespace))
    if namespace not in read.by_namespace:
        sys.stderr.write(f"qapidoc jsonschema: the history has no protocol for {args.schema} "
                         f"(it has {', '.join(read.by_namespace) or 'none'}; see --history-root)\n")
        return None
    chosen = [read.by_namespace[namespace]]
    if namespace == "QSD" and "QMP" in read.by_namespace:
        chosen.append(read.by_namespace["QMP"])
    return chosen


def _valid_examples(result: LoadResult) -> dict[tuple[str, str], list[object]]:
    """The doc examples the schema accepts, checked as ``qapidoc lint``
    checks them (only complete messages: none with '...')."""
    from ..backends.validate import QmpValidator
    from ..lint.example_checks import valid_examples
    assert result.schema is not None
    return valid_examples(result.schema, result.docs, QmpValidator(result.schema))


def _check_name(name: str) -> None:
    parts = name.split("/")
    if PurePosixPath(name).is_absolute() or any(p in ("..", ".", "") for p in parts) or name == MARKER:
        raise OutputError(f"refusing to write a file named {name!r}")


def _listed(directory: Path) -> list[str]:
    try:
        text = (directory / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def write_tree(directory: Path, files: dict[str, str], *, force: bool = False) -> int:
    """Write ``files`` (relative POSIX name -> text) under ``directory``.

    Returns how many files were created or changed.  Raises
    :class:`OutputError` when ``directory`` holds files this function did not
    write (and ``force`` is false) or is not a directory."""
    for name in files:
        _check_name(name)
    if directory.exists() and not directory.is_dir():
        raise OutputError(f"{directory} exists and is not a directory")
    previous: list[str] = []
    if directory.is_dir():
        owned = (directory / MARKER).is_file()
        if not owned and not force and any(directory.iterdir()):
            raise OutputError(
                f"{directory} is not empty and was not written by 'qapidoc jsonschema' "
                f"(it has no {MARKER} file); choose another directory, or use --force "
                "to write into it anyway")
        previous = _listed(directory) if owned else []
    else:
        directory.mkdir(parents=True)
    # Claim the directory before writing into it, listing old and new files,
    # so an interrupted run leaves nothing unlisted behind.
    _write_marker(directory, sorted(set(previous) | set(files)))
    changed = 0
    for name, text in files.items():
        target = directory / name
        data = text.encode("utf-8")
        try:
            if target.is_file() and target.read_bytes() == data:
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        changed += 1
    for name in previous:
        if name in files:
            continue
        try:
            _check_name(name)
        except OutputError:
            continue
        stale = directory / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
            changed += 1
            _remove_empty_parents(stale.parent, directory)
    _write_marker(directory, sorted(files))
    return changed


def _write_marker(directory: Path, names: list[str]) -> None:
    (directory / MARKER).write_text(_MARKER_HEADER + "".join(n + "\n" for n in names), encoding="utf-8")


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and top in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
