"""``qapidoc check`` (syntax, semantics, doc comments) and ``qapidoc dump``
(the model in the format of QEMU's QAPI test suite)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from ..frontend.loader import DEFAULT_MAX_SCHEMA_SIZE
from ..report import format_diagnostics
from .common import add_output_options, add_schema_options, exit_code, leave_to_exit, load_all, load_options

if TYPE_CHECKING:
    import argparse

__all__ = ["PLAIN_ARGUMENTS", "add_arguments", "run"]

#: What ``add_arguments`` gives a command line of SCHEMA paths alone, by
#: subcommand: main.py reads such a line without argparse (the tests hold
#: the two to each other).
PLAIN_ARGUMENTS: dict[str, dict[str, object]] = {
    "check": {"dialect": None, "module": False, "max_schema_size": DEFAULT_MAX_SCHEMA_SIZE, "format": "text",
              "fail_on": "error", "show_dialect": False},
    "dump": {"dialect": None, "module": False, "max_schema_size": DEFAULT_MAX_SCHEMA_SIZE, "docs": False},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("schemas", nargs="+", metavar="SCHEMA", help="schema root file(s)")
    add_schema_options(parser)
    if parser.prog.endswith("check"):
        add_output_options(parser)
        parser.add_argument("--show-dialect", action="store_true",
                            help="say which dialect each schema was checked by, and why")
    else:
        parser.add_argument("--docs", action="store_true", help="also print the doc comments")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    # 'check' needs the findings only: the doc comments are let go as soon
    # as they are checked (a fraction of the memory).
    options = load_options(args)._replace(keep_docs=args.command != "check")
    results = load_all(args.schemas, options)
    leave_to_exit(results)
    if args.command == "dump":
        from ..frontend.dump import dump_docs, dump_entities
        diagnostics = [d for r in results for d in r.diagnostics]
        for result in results:
            if result.schema is not None:
                out.write(dump_entities(result))
                if args.docs:
                    out.write(dump_docs(result))
        sys.stderr.write(format_diagnostics(diagnostics, "text"))
        return exit_code(diagnostics)
    diagnostics = [d for r in results for d in r.diagnostics]
    if getattr(args, "show_dialect", False):
        for path, result in zip(args.schemas, results, strict=True):
            why = "; ".join(result.dialect.evidence) or "nothing older seen"
            sys.stderr.write(f"{path}: dialect {result.dialect} ({result.dialect.origin}: {why})\n")
    out.write(format_diagnostics(diagnostics, args.format))
    return exit_code(diagnostics, args.fail_on)
