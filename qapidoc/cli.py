"""Command line: ``qapidoc SUBCOMMAND ...``; ``main(argv)`` returns the exit code.

Exit codes: 0 clean, 1 findings (an error, or at the ``--fail-on`` level),
2 usage or I/O error, 3 internal error (a bug in qapidoc: please report it).

Subcommands live in their own modules and are imported only when chosen, so
``qapidoc check`` does not pay for Sphinx or jsonschema.  Each module has
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from . import __version__
from .diagnostics import Diagnostic
from .dialect import parse_dialect
from .loader import LoadOptions, LoadResult, load_schema
from .report import FORMATS, format_diagnostics
from .rules import Severity

__all__ = ["add_schema_options", "exit_code", "load_all", "main"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
_SHORT_LIVED = {"check", "dump", "lint", "rules", "jsonschema", "diff"}

#: name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("qapidoc.cli", "parse and check schemas (syntax, semantics, doc comments)"),
    "dump": ("qapidoc.cli", "print the checked model in the format of QEMU's QAPI test suite"),
    "lint": ("qapidoc.lint.command", "check schemas and validate the QMP examples in their docs"),
    "rules": ("qapidoc.lint.command", "list every rule with its code, severity and an example"),
    "jsonschema": ("qapidoc.jsonschema_cli", "write JSON Schema files for every type, command and event"),
    "validate": ("qapidoc.validate_cli", "validate QMP traffic (JSON lines, streams, transcripts)"),
    "diff": ("qapidoc.diff", "list the changes between two versions of a schema"),
}


def add_schema_options(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand that loads schemas shares."""
    parser.add_argument("--dialect", metavar="X.Y", type=_dialect_arg,
                        help="check by the rules of this QEMU release (default: detected from the "
                             "schema, else the newest)")
    parser.add_argument("--module", action="store_true",
                        help="each SCHEMA is one module of a larger schema: types it does not "
                             "define are warnings, not errors")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="output format for diagnostics (default: text)")
    parser.add_argument("--fail-on", choices=["error", "warning", "info"], default="error",
                        help="lowest severity that makes the exit code 1 (default: error)")


def _dialect_arg(text: str) -> tuple[int, int]:
    version = parse_dialect(text)
    if version is None:
        raise argparse.ArgumentTypeError(f"not a QEMU release: {text!r} (expected e.g. 7.2 or 10.2)")
    return version


def load_options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(dialect=args.dialect, module_alone=args.module)


def load_all(paths: Sequence[str], options: LoadOptions) -> list[LoadResult]:
    return [load_schema(path, options) for path in paths]


def exit_code(diagnostics: Sequence[Diagnostic], fail_on: str = "error") -> int:
    threshold = Severity(fail_on).rank
    if any(d.span is None and d.rule.code == "QD130" for d in diagnostics):
        return EXIT_USAGE
    if any(d.level.rank >= threshold for d in diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK


# --- check and dump ---------------------------------------------------------------

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
    results = load_all(args.schemas, load_options(args))
    if args.command == "dump":
        from .dump import dump_docs, dump_entities
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


# --- entry point --------------------------------------------------------------------

def _build_parser(chosen: str | None) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser | None]:
    """The top-level parser, and the chosen subcommand's (with its arguments)."""
    parser = argparse.ArgumentParser(
        prog="qapidoc", description="A toolkit for QEMU's QAPI schema language.",
        epilog="Exit codes: 0 clean, 1 findings, 2 usage or I/O error, 3 internal error.")
    parser.add_argument("--version", action="version", version=f"qapidoc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen_parser = None
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module).add_arguments(sp)
            chosen_parser = sp
    return parser, chosen_parser


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; options may stand anywhere among a subcommand's
    positional arguments (``qapidoc lint a.json --format json b.json``)."""
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen not in SUBCOMMANDS:
        chosen = None
    parser, sub = _build_parser(chosen)
    if chosen is None or sub is None:
        return parser.parse_args(argv)      # reports the usage error
    at = argv.index(chosen)
    if at:
        return parser.parse_args(argv)      # top-level options: --version, --help
    args = sub.parse_intermixed_args(argv[1:])
    args.command = chosen
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    collecting = gc.isenabled()
    if args.command in _SHORT_LIVED:
        # These commands build one model, use it and exit: the cyclic
        # collector would only rescan it (what they make is acyclic).
        # 'validate' may run for hours and manages the collector itself.
        gc.disable()
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        sys.stderr.write(
            f"qapidoc: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in qapidoc, not in your schema; please report it with the input that "
            "caused it.\n")
        if os.environ.get("QAPIDOC_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL
    finally:
        if collecting:
            gc.enable()


if __name__ == "__main__":
    sys.exit(main())
