"""``qapidoc jsonschema SCHEMA -o DIR``: write the JSON Schema files.

Loads and checks the schema, refuses to write when it has errors (they are
reported, exit 1), generates with :func:`qapidoc.backends.jsonschema.generate`
and writes every file under ``DIR``.

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

from ..backends.jsonschema import DEFAULT_BASE_URI, DRAFTS, GenerateOptions, dump_json, generate
from ..frontend.loader import LoadResult, load_schema
from ..outtree import MANIFEST, OutputError, write_tree
from ..report import format_diagnostics
from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_schema_options, exit_code, load_options

__all__ = ["MARKER", "OutputError", "add_arguments", "run", "write_tree"]

MARKER = MANIFEST


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("schema", metavar="SCHEMA", help="schema root file")
    parser.add_argument("-o", "--output", metavar="DIR", required=True,
                        help="directory to write into (created if needed)")
    add_schema_options(parser)
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
                        help="write into DIR even if it holds files qapidoc did not write (they are kept; "
                             "those in the way are moved aside into DIR.qapidoc-kept-N)")
    parser.add_argument("--examples", action="store_true",
                        help="add the doc comments' QMP examples that the schema accepts as 'examples' "
                             "of the message schemas (test vectors for clients)")


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
    # Every file is made before anything is written: a failure here leaves
    # the output directory as it was.
    files = {name: dump_json(doc).encode("utf-8") for name, doc in generated.files().items()}
    try:
        report = write_tree(args.output, files, force=args.force)
    except OutputError as err:
        sys.stderr.write(f"qapidoc jsonschema: {err}\n")
        return EXIT_USAGE
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        sys.stderr.write(f"qapidoc jsonschema: cannot write {args.output}{where}: {err.strerror or err}\n")
        return EXIT_USAGE
    view = "inline" if options.inline else "named"
    changed = report.written + report.removed
    out.write(f"{args.output}: {len(files)} files ({changed} changed), draft {options.draft}, {view} view\n")
    if report.carried:
        sys.stderr.write(f"qapidoc jsonschema: note: kept {len(report.carried)} entries of {args.output} that "
                         f"qapidoc did not write ({', '.join(report.carried[:3])}"
                         f"{', ...' if len(report.carried) > 3 else ''})\n")
    if report.kept is not None:
        sys.stderr.write(f"qapidoc jsonschema: note: what the new tree replaced and qapidoc did not write "
                         f"is kept in {report.kept} ({', '.join(report.kept_entries[:3])}"
                         f"{', ...' if len(report.kept_entries) > 3 else ''})\n")
    return EXIT_OK


def _valid_examples(result: LoadResult) -> dict[tuple[str, str], list[object]]:
    """The doc examples the schema accepts, checked as ``qapidoc lint``
    checks them (only complete messages: none with '...')."""
    from ..backends.validate import QmpValidator
    from ..lint.example_checks import valid_examples
    assert result.schema is not None
    return valid_examples(result.schema, result.docs, QmpValidator(result.schema))


