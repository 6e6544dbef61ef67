"""Command line: ``qapidoc SUBCOMMAND ...``; ``main(argv)`` returns the exit code.

Exit codes: 0 clean, 1 findings (an error, or at the ``--fail-on`` level),
2 usage or I/O error (a failed write to standard output included), 3
internal error (a bug in qapidoc: please report it), 130 interrupted
(Ctrl-C).

Subcommands live in their own modules and are imported only when chosen, so
``qapidoc check`` does not pay for Sphinx or jsonschema.  Each module has
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from types import SimpleNamespace

from .. import __version__
from . import stdio
from .exits import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, left_to_exit

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    import argparse
    from typing import NoReturn, cast
else:
    def cast(_type, value):
        return value

__all__ = ["SUBCOMMANDS", "entry_point", "main"]

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

def _build_parser(chosen: str | None) -> argparse.ArgumentParser:
    """The top-level parser, with every subcommand (only the chosen one
    with its arguments)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="qapidoc", description="A toolkit for QEMU's QAPI schema language.",
        epilog="Exit codes: 0 clean, 1 findings, 2 usage or I/O error, 3 internal error, "
               "130 interrupted.")
    parser.add_argument("--version", action="version", version=f"qapidoc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            importlib.import_module(module).add_arguments(sp)
    return parser


def _subcommand_parser(chosen: str) -> argparse.ArgumentParser:
    """The parser of one subcommand alone, all that ``qapidoc CHOSEN ...``
    needs (its usage and help read as in the full parser; building the
    other subcommands costs more than checking a small schema)."""
    import argparse

    module, help_text = SUBCOMMANDS[chosen]
    parser = argparse.ArgumentParser(prog=f"qapidoc {chosen}", description=help_text)
    importlib.import_module(module).add_arguments(parser)
    return parser


def _plain_arguments(chosen: str, rest: list[str]) -> argparse.Namespace | None:
    """``qapidoc check a.json b.json``: a subcommand and schema paths alone,
    read without argparse (importing and building it costs as much as
    checking a small schema), where the subcommand says what its arguments
    are then (``PLAIN_ARGUMENTS``).  Anything else is argparse's."""
    if not rest or any(arg.startswith("-") for arg in rest):
        return None
    plain: dict[str, dict[str, object]] = getattr(
        importlib.import_module(SUBCOMMANDS[chosen][0]), "PLAIN_ARGUMENTS", {})
    if chosen not in plain:
        return None
    return cast("argparse.Namespace", SimpleNamespace(**plain[chosen], schemas=list(rest), command=chosen))


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; options may stand anywhere among a subcommand's
    positional arguments (``qapidoc lint a.json --format json b.json``)."""
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen not in SUBCOMMANDS:
        chosen = None
    if chosen is None or argv.index(chosen):
        # No subcommand, or top-level options before it (--version, --help):
        # the full parser reports or answers.
        return _build_parser(chosen).parse_args(argv)
    plain = _plain_arguments(chosen, argv[1:])
    if plain is not None:
        return plain
    args = _subcommand_parser(chosen).parse_intermixed_args(argv[1:])
    args.command = chosen
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with stdio.guarded():
        try:
            code = _main(argv)
            stdio.flush()
        except stdio.OutputError as err:
            return _output_failed(err)
        return code


def _main(argv: list[str]) -> int:
    collecting = gc.isenabled()
    if next((a for a in argv if not a.startswith("-")), None) in _SHORT_LIVED:
        # These commands build one model, use it and exit: the cyclic
        # collector would only rescan it (what they make is acyclic), and
        # the classes and tables of the modules they import (this module
        # imports none of them: it pauses the collector first).  'validate'
        # may run for hours and manages the collector itself.
        gc.disable()
    try:
        return _run(argv)
    finally:
        # Not when the entry point ends the process right away: turned back
        # on, the collector would first scan all that is left to the exit
        # (allocated while it was paused, it is all in the young generation).
        if collecting and not left_to_exit():
            gc.enable()


def _run(argv: list[str]) -> int:
    try:
        args = _parse(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    module = importlib.import_module(SUBCOMMANDS[args.command][0])
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        sys.stderr.write(f"qapidoc {args.command}: interrupted\n")
        return EXIT_INTERRUPTED
    except stdio.OutputError:
        raise
    except RecursionError as exc:
        return _internal_error(exc, "input nested so deeply that qapidoc ran out of stack; ")
    except MemoryError as exc:
        return _internal_error(exc, "out of memory; ")
    except Exception as exc:
        return _internal_error(exc, "")


def _output_failed(err: stdio.OutputError) -> int:
    if err.errno == errno.EPIPE:
        # The reader went away ('| head'): what it wanted, it got.
        return EXIT_OK
    with contextlib.suppress(stdio.OutputError, OSError, ValueError):
        sys.stderr.write(f"qapidoc: {err}\n")
    return EXIT_USAGE


def _internal_error(exc: BaseException, hint: str) -> int:
    sys.stderr.write(
        f"qapidoc: internal error: {hint}{type(exc).__name__}: {exc}\n"
        "This is a bug in qapidoc, not in your schema; please report it with the input that "
        "caused it.\n")
    if os.environ.get("QAPIDOC_DEBUG"):
        import traceback  # only here: a clean run never needs it

        traceback.print_exc()
    return EXIT_INTERNAL


def entry_point() -> NoReturn:
    """The ``qapidoc`` command (and ``python -m qapidoc.cli``): ``main()``,
    then the exit.  After a subcommand that left its results to the end of
    the process (see ``common.leave_to_exit``), the streams are flushed and
    the process ends at once."""
    left_to_exit(enable=True)
    code = main()
    if left_to_exit():
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:      # None: the descriptor was closed when Python started
                    stream.flush()
            except (OSError, ValueError):
                pass        # what main() could write is written; a broken pipe changes nothing now
        os._exit(code)
    sys.exit(code)
