"""``qapidoc jsonschema SCHEMA -o DIR``: write the JSON Schema files.

Loads and checks the schema and prints its findings on stderr (selected and
ignored as by every subcommand).  Findings that leave the model complete
(doc comments, pragmas) do not stop it: it generates with
:func:`qapidoc.backends.jsonschema.generate`, writes every file under
``DIR`` and exits 0.  Only errors that leave something out of the model
(syntax, shape, semantics) stop it: nothing is written, exit 1.

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

from ..backends.jsonschema import DEFAULT_BASE_URI, DRAFTS, GenerateOptions, dump_json, generate
from ..frontend.loader import LoadResult
from ..report import format_diagnostics
from .common import (
    EXIT_OK,
    EXIT_USAGE,
    add_rule_options,
    add_schema_options,
    check_schemas,
    config_diagnostics,
    read_settings,
    usable_model,
)

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
    add_rule_options(parser)
    parser.add_argument("--draft", choices=sorted(DRAFTS), default="2020-12",
                        help="JSON Schema draft (default: 2020-12)")
    parser.add_argument("--base-uri", metavar="URI", default=DEFAULT_BASE_URI,
                        help=f"absolute URI every $id starts with (default: {DEFAULT_BASE_URI})")
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


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    settings = read_settings(args, [args.schema])
    if settings.errors:
        sys.stderr.write(format_diagnostics(config_diagnostics(settings.errors), "text"))
        return EXIT_USAGE
    checked = check_schemas([args.schema], settings)
    result = checked.loaded[0]
    stop = usable_model("jsonschema", args.schema, result, checked.diagnostics, sys.stderr, "the JSON Schema",
                        "nothing written")
    if stop is not None:
        return stop
    assert result.schema is not None
    defines = None
    if args.define is not None:
        bad = [d for d in args.define if not d or any(c.isspace() for c in d)]
        if bad:
            sys.stderr.write(f"qapidoc jsonschema: --define needs a symbol name, not {bad[0]!r}\n")
            return EXIT_USAGE
        defines = frozenset(args.define)
    try:
        options = GenerateOptions(draft=args.draft, base_uri=args.base_uri, inline=args.inline,
                                  defines=defines, descriptions=not args.no_descriptions,
                                  features=not args.no_features)
    except ValueError as err:
        sys.stderr.write(f"qapidoc jsonschema: {err}\n")
        return EXIT_USAGE
    if args.examples:
        options = dataclasses.replace(options, examples=_valid_examples(result))
    generated = generate(result.schema, options, result.doc_for)
    files = {name: dump_json(doc) for name, doc in generated.files().items()}
    try:
        written = write_tree(Path(args.output), files, force=args.force)
    except OutputError as err:
        sys.stderr.write(f"qapidoc jsonschema: {err}\n")
        return EXIT_USAGE
    except OSError as err:
        sys.stderr.write(f"qapidoc jsonschema: cannot write {args.output}: {err.strerror or err}\n")
        return EXIT_USAGE
    view = "inline" if options.inline else "named"
    out.write(f"{args.output}: {len(files)} files ({written} changed), draft {options.draft}, {view} view\n")
    return EXIT_OK


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
