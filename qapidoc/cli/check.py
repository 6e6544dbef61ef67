"""``qapidoc check`` (syntax, semantics, doc comments) and ``qapidoc dump``
(the model in the format of QEMU's QAPI test suite)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TextIO

from ..report import format_diagnostics
from .common import add_output_options, add_schema_options, exit_code, load_all, load_options

__all__ = ["add_arguments", "run"]


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
    options = dataclasses.replace(load_options(args), keep_docs=args.command != "check")
    results = load_all(args.schemas, options)
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
