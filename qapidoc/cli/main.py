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

from .. import __version__
from .common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

__all__ = ["SUBCOMMANDS", "main"]

_SHORT_LIVED = {"check", "dump", "lint", "rules", "jsonschema", "diff", "history"}

#: name -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("qapidoc.cli.check", "parse and check schemas (syntax, semantics, doc comments)"),
    "dump": ("qapidoc.cli.check", "print the checked model in the format of QEMU's QAPI test suite"),
    "lint": ("qapidoc.cli.lint", "check schemas and validate the QMP examples in their docs"),
    "rules": ("qapidoc.cli.lint", "list every rule with its code, severity and an example"),
    "jsonschema": ("qapidoc.cli.jsonschema", "write JSON Schema files for every type, command and event"),
    "validate": ("qapidoc.cli.validate", "validate QMP traffic (JSON lines, streams, transcripts)"),
    "diff": ("qapidoc.cli.diff", "list the changes between two versions of a schema"),
    "history": ("qapidoc.cli.history", "the API of every release of a repository: when each element appeared, "
                "changed, was deprecated or went away"),
}


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

