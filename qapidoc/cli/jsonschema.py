"""``qapidoc jsonschema SCHEMA -o DIR``: write the JSON Schema files.

Loads and checks the schema and prints its findings on stderr (selected and
ignored as by every subcommand).  Findings that leave the model complete
(doc comments, pragmas) do not stop it: it generates with
:func:`qapidoc.backends.jsonschema.generate`, writes every file under
``DIR`` and exits 0.  Only errors that leave something out of the model
(syntax, shape, semantics) stop it: nothing is written, exit 1.

``DIR`` is written as a whole by :func:`qapidoc.outtree.write_tree`: readers
see the old tree or the new one; a manifest (``.qapidoc-jsonschema``) holds
the SHA-256 of every file written, and only files that still have it are
ever removed or replaced; what the user put in ``DIR`` is kept; a directory
that was not written by qapidoc is refused unless ``--force`` is given; a
second writer is refused.  Files whose content is unchanged keep their
timestamps.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TextIO

from ..backends.history import History
from ..backends.jsonschema import DEFAULT_BASE_URI, DRAFTS, PROFILES, GenerateOptions, dump_json, generate
from ..backends.jsonschema_codegen import generate_codegen
from ..backends.jsonschema_history import annotate, annotate_codegen
from ..backends.releases import namespace_of
from ..frontend.loader import LoadResult, find_qemu_release
from ..outtree import MANIFEST, OutputError, write_tree
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
from .history import add_history_options, histories_from_args

__all__ = ["MARKER", "OutputError", "add_arguments", "run", "write_tree"]

MARKER = MANIFEST


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("schema", metavar="SCHEMA", help="schema root file")
    parser.add_argument("-o", "--output", metavar="DIR", required=True,
                        help="directory to write into (created if needed)")
    add_schema_options(parser)
    add_rule_options(parser)
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
                        help="write into DIR even if it holds files qapidoc did not write (they are kept; "
                             "those in the way are moved aside into DIR.qapidoc-kept-N)")
    parser.add_argument("--examples", action="store_true",
                        help="add the doc comments' QMP examples that the schema accepts as 'examples' "
                             "of the message schemas (test vectors for clients)")
    parser.add_argument("--history", metavar="REPO",
                        help="date every message, definition, property, enum value and branch with the "
                             "release it appeared in (x-qapi-since, x-qapi-deprecated-since), in either "
                             "profile, from the release tags of this git repository")
    parser.add_argument("--history-tree", action="append", default=[], metavar="[LABEL=]DIR",
                        help="the same from directories, one per release (repeatable)")
    add_history_options(parser, tags_flag="--history-tags")


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
    histories = None
    if args.history is not None or args.history_tree:
        histories = _histories(args)
        if histories is None:
            return EXIT_USAGE
    if options.profile == "codegen":
        codegen = generate_codegen(result.schema, options, result.doc_for)
        if histories is not None:
            codegen = annotate_codegen(codegen, result.schema, histories)
        documents = codegen.files()
    else:
        generated = generate(result.schema, options, result.doc_for)
        if histories is not None:
            generated = annotate(generated, result.schema, histories)
        documents = generated.files()
    # Every file is made before anything is written: a failure here leaves
    # the output directory as it was.
    files = {name: dump_json(doc).encode("utf-8") for name, doc in documents.items()}
    try:
        report = write_tree(args.output, files, force=args.force)
    except OutputError as err:
        sys.stderr.write(f"qapidoc jsonschema: {err}\n")
        return EXIT_USAGE
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        sys.stderr.write(f"qapidoc jsonschema: cannot write {args.output}{where}: {err.strerror or err}\n")
        return EXIT_USAGE
    changed = report.written + report.removed
    view = "codegen profile" if options.profile == "codegen" else "inline view" if options.inline else "named view"
    origin = f", QEMU {options.release}" if options.release is not None else ""
    out.write(f"{args.output}: {len(files)} files ({changed} changed), draft {options.draft}, {view}{origin}\n")
    if report.carried:
        sys.stderr.write(f"qapidoc jsonschema: note: kept {len(report.carried)} entries of {args.output} that "
                         f"qapidoc did not write ({', '.join(report.carried[:3])}"
                         f"{', ...' if len(report.carried) > 3 else ''})\n")
    if report.kept is not None:
        sys.stderr.write(f"qapidoc jsonschema: note: what the new tree replaced and qapidoc did not write "
                         f"is kept in {report.kept} ({', '.join(report.kept_entries[:3])}"
                         f"{', ...' if len(report.kept_entries) > 3 else ''})\n")
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


