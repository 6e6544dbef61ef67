"""What every subcommand shares: exit codes, the schema and output options,
loading the roots, and the exit code for a list of diagnostics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic
from ..frontend.dialect import parse_dialect
from ..frontend.loader import DEFAULT_MAX_SCHEMA_SIZE, LoadOptions, LoadResult, load_schema
from ..report import FORMATS
from ..rules import Severity

if TYPE_CHECKING:
    import argparse

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "add_output_options",
           "add_schema_options", "exit_code", "leave_to_exit", "left_to_exit", "load_all", "load_options"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: Ctrl-C: 128 + SIGINT, as a shell reports a process the signal ended
EXIT_INTERRUPTED = 130

# What a subcommand leaves to the end of the process.  The ``qapidoc``
# command's entry point turns this on: a subcommand that writes only to
# stdout and stderr (check, dump) hands over what it loaded, and the entry
# point ends the process with os._exit once the streams are flushed, rather
# than have Python free a schema's objects one by one and tear down the
# interpreter (a tenth of ``qapidoc check``).  Called through ``main()``
# (tests, other programs) nothing is kept.
_left: list[object] | None = None


def leave_to_exit(value: object) -> None:
    """Keep ``value`` until the process ends, if the entry point ends it."""
    if _left is not None:
        _left.append(value)


def left_to_exit(enable: bool = False) -> bool:
    """Whether a subcommand left something to the end of the process;
    ``enable`` turns the keeping on (the entry point does, first)."""
    global _left  # noqa: PLW0603 - one switch for the whole process
    if enable:
        _left = []
    return bool(_left)


def add_schema_options(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand that loads schemas shares."""
    parser.add_argument("--dialect", metavar="X.Y", type=_dialect_arg,
                        help="check by the rules of this QEMU release (default: detected from the "
                             "schema, else the newest)")
    parser.add_argument("--module", action="store_true",
                        help="each SCHEMA is one module of a larger schema: types it does not "
                             "define are warnings, not errors")
    parser.add_argument("--max-schema-size", metavar="BYTES", type=_size_arg, default=DEFAULT_MAX_SCHEMA_SIZE,
                        help="the most bytes a schema's files may hold together, e.g. 200M "
                             f"(default: {DEFAULT_MAX_SCHEMA_SIZE >> 20}M)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="output format for diagnostics (default: text)")
    parser.add_argument("--fail-on", choices=["error", "warning", "info"], default="error",
                        help="lowest severity that makes the exit code 1 (default: error)")


def _dialect_arg(text: str) -> tuple[int, int]:
    version = parse_dialect(text)
    if version is None:
        import argparse  # only here: argparse calls this, so it is loaded

        raise argparse.ArgumentTypeError(f"not a QEMU release: {text!r} (expected e.g. 7.2 or 10.2)")
    return version


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def _size_arg(text: str) -> int:
    """``1048576``, ``512K``, ``64M``, ``2G`` (binary units)."""
    number, unit = text.strip().upper().rstrip("IB") or "0", ""
    if number[-1:] in _UNITS:
        number, unit = number[:-1], number[-1]
    if not number.isdigit() or int(number) < 1:
        import argparse  # only here: argparse calls this, so it is loaded

        raise argparse.ArgumentTypeError(f"not a size: {text!r} (expected e.g. 100000, 512K, 64M or 2G)")
    return int(number) * _UNITS[unit]


def load_options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(dialect=args.dialect, module_alone=args.module,
                       max_schema_size=getattr(args, "max_schema_size", DEFAULT_MAX_SCHEMA_SIZE))


def load_all(paths: Sequence[str], options: LoadOptions) -> list[LoadResult]:
    return [load_schema(path, options) for path in paths]


def exit_code(diagnostics: Sequence[Diagnostic], fail_on: str = "error") -> int:
    threshold = Severity(fail_on).rank
    if any(d.span is None and d.rule.code == "QD130" for d in diagnostics):
        return EXIT_USAGE
    if any(d.level.rank >= threshold for d in diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK
