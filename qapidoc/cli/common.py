"""What every subcommand shares: exit codes; the schema, output and rule
options; the settings they make together with ``[tool.qapidoc]``; loading
the roots through the one pipeline; and the exit code for a list of
diagnostics.

Every subcommand that loads a schema gets its findings the same way
(:func:`check_schemas`): the front end's checks, the rule families it asks
for (``lint`` all of them, the others none), the suppressions written in
the schema, then the configuration (``--select``, ``--ignore``,
``--severity`` on top of ``[tool.qapidoc]``).  What a subcommand then does
with the model depends on :attr:`LoadResult.model_complete
<qapidoc.frontend.loader.LoadResult.model_complete>`, never on the
findings that are left after configuration: ignoring a finding hides it,
it cannot put back what its error left out of the model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from .. import rules
from ..diagnostics import Diagnostic
from ..frontend.dialect import parse_dialect
from ..frontend.loader import DEFAULT_MAX_SCHEMA_SIZE, LoadOptions, LoadResult
from ..lint.config import Config, ConfigError, find_pyproject, load_config, resolve_rules
from ..lint.runner import LintResult, LintSettings, lint
from ..records import NamedTuple
from ..report import FORMATS, format_diagnostics
from ..rules import Severity
from .exits import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    leave_to_exit,
    left_to_exit,
)

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from ..backends.releases import Histories

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "Settings",
           "add_output_options", "add_rule_options", "add_schema_options", "check_schemas", "config_diagnostics",
           "describe_gaps", "exit_code", "leave_to_exit", "left_to_exit", "load_options", "read_settings",
           "usable_model"]


# --- options ---------------------------------------------------------------------------

def add_schema_options(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand that loads schemas shares."""
    parser.add_argument("--dialect", metavar="X.Y", type=_dialect_arg,
                        help="check by the rules of this QEMU release (default: from [tool.qapidoc], "
                             "else the tree's VERSION or the schema itself, else the newest)")
    parser.add_argument("--module", action="store_true",
                        help="each SCHEMA is one module of a larger schema: types it does not "
                             "define are warnings, not errors")
    parser.add_argument("--max-schema-size", metavar="BYTES", type=_size_arg, default=DEFAULT_MAX_SCHEMA_SIZE,
                        help="the most bytes a schema's files may hold together, e.g. 200M "
                             f"(default: {DEFAULT_MAX_SCHEMA_SIZE >> 20}M)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="text",
                        help="output format for diagnostics (default: text)")
    parser.add_argument("--fail-on", choices=["error", "warning", "info"], default=None,
                        help="lowest severity that makes the exit code 1 (default: 'fail-on' in "
                             "[tool.qapidoc], else error)")


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_rule_options(parser: argparse.ArgumentParser) -> None:
    """``--config``/``--no-config`` and the rule selection, for every
    subcommand that reports findings."""
    parser.add_argument("--config", metavar="PYPROJECT",
                        help="read [tool.qapidoc] from this file (default: the nearest pyproject.toml "
                             "with a [tool.qapidoc] table, from the current directory, else from the "
                             "first schema)")
    parser.add_argument("--no-config", action="store_true", help="ignore any pyproject.toml")
    parser.add_argument("--select", type=_csv, action="extend", metavar="RULES",
                        help="comma-separated codes, code prefixes (QD5) or names; replaces the "
                             "configured selection")
    parser.add_argument("--ignore", type=_csv, action="extend", default=[], metavar="RULES",
                        help="comma-separated rules to leave out (adds to the configured ones)")
    parser.add_argument("--severity", action="append", default=[], metavar="RULE=LEVEL",
                        help="set a rule's severity: error, warning or info (repeatable)")


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


# --- settings --------------------------------------------------------------------------

class Settings(NamedTuple):
    """``[tool.qapidoc]`` and the command line, combined."""

    config: Config
    #: rule code -> effective severity, for every selected rule
    selected: dict[str, Severity]
    #: the mistakes in the configuration or the rule options
    errors: tuple[ConfigError, ...]
    load: LoadOptions
    #: the lowest severity that makes the exit code 1 (check, dump, lint)
    fail_on: str


def _find_config(args: argparse.Namespace, near: Sequence[str]) -> Config:
    if getattr(args, "no_config", False):
        return Config()
    if getattr(args, "config", None):
        return load_config(args.config)
    path = find_pyproject(os.getcwd())
    if path is None and near:
        path = find_pyproject(near[0])
    return load_config(path)


def read_settings(args: argparse.Namespace, near: Sequence[str] = ()) -> Settings:
    """The settings of this run.  The configuration is the nearest
    ``[tool.qapidoc]`` above the current directory, else above ``near[0]``
    (the first schema named).  ``--select`` replaces the configured list,
    ``--ignore`` adds to it, ``--severity`` overrides."""
    config = _find_config(args, near)
    select = args.select if getattr(args, "select", None) else list(config.select)
    ignore = list(config.ignore) + list(getattr(args, "ignore", None) or [])
    severity = dict(config.severity)
    errors: list[ConfigError] = list(config.errors)
    for item in getattr(args, "severity", None) or []:
        key, sep, level = item.partition("=")
        if not sep:
            errors.append(ConfigError(f"--severity takes RULE=LEVEL, not '{item}'"))
            continue
        severity[key.strip()] = level.strip()
    selected, more = resolve_rules(select, ignore, severity, config.path)
    load = load_options(args)._replace(dialect=getattr(args, "dialect", None) or config.dialect,
                                       module_alone=bool(getattr(args, "module", False)) or config.module)
    fail_on = getattr(args, "fail_on", None) or config.fail_on
    return Settings(config, selected, tuple(errors + more), load, fail_on)


def config_diagnostics(errors: Sequence[ConfigError]) -> list[Diagnostic]:
    return [Diagnostic(rules.CONFIG_ERROR, e.message, None, path=e.path or "<command line>") for e in errors]


# --- loading ---------------------------------------------------------------------------

def check_schemas(roots: Sequence[str], settings: Settings, *, families: frozenset[str] = frozenset(),
                  rst_docutils: bool = False, only: frozenset[str] | None = None,
                  history: Histories | None = None) -> LintResult:
    """Load each root and report on it as every subcommand does: the front
    end's findings and those of the rule ``families`` named (none by
    default; ``lint`` runs all), less what the schema's suppressions and
    the settings leave out.  ``history``: the releases the QD7xx rules read
    'Since' claims against.  ``result.loaded`` holds the models."""
    lint_settings = LintSettings(settings.selected, settings.load, rst_docutils, only,
                                 allowed_directives=frozenset(settings.config.allowed_directives),
                                 history=history, families=families)
    return lint(roots, lint_settings)


def describe_gaps(result: LoadResult) -> str:
    """Why the model of ``result`` is incomplete, in one line: the errors
    (by rule, with the first place) and the definitions left out."""
    gaps = result.model_gaps
    if result.schema is None or not gaps:
        return "the schema could not be read" if result.schema is None else "the model is complete"
    first = gaps[0]
    where = f"{first.span.file.path}:{first.span.line}" if first.span is not None else first.file_path or "?"
    codes = sorted({d.code for d in gaps})
    text = (f"{_errors(len(gaps))} in the definitions ({', '.join(codes)}; "
            f"first at {where})")
    left_out = sorted(result.schema.broken)
    if left_out:
        shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
        text += f" left {shown} out of the model"
    else:
        text += " leave the model incomplete"
    return text


def usable_model(command: str, root: str, result: LoadResult, findings: Sequence[Diagnostic], err: TextIO,
                 made: str, stopped: str) -> int | None:
    """For commands that use the model alone (``jsonschema``, ``validate``,
    ``diff``): print the findings on ``err``; return None when the model
    is complete (when errors were reported, a note says they change nothing
    in what the command makes, ``made``), else the exit code to stop with,
    after a line that says so (``stopped``) and why, naming the errors even
    if they were ignored."""
    if findings:
        err.write(format_diagnostics(findings, "text"))
    if result.schema is None:
        unreadable = any(d.rule is rules.READ_ERROR for d in result.diagnostics)
        if unreadable and not any(d.rule is rules.READ_ERROR for d in findings):
            err.write(format_diagnostics([d for d in result.diagnostics if d.rule is rules.READ_ERROR], "text"))
        err.write(f"qapidoc {command}: {root}: {stopped}\n")
        return EXIT_USAGE if unreadable else EXIT_FINDINGS
    if not result.model_complete:
        err.write(f"qapidoc {command}: {root}: {stopped}: {describe_gaps(result)}\n")
        return EXIT_FINDINGS
    errors = sum(d.level is Severity.ERROR for d in findings)
    if errors:
        what = "the error above changes" if errors == 1 else f"the {errors} errors above change"
        err.write(f"qapidoc {command}: note: {root}: the model is complete: {what} nothing in {made}\n")
    return None


def _errors(count: int) -> str:
    return f"{count} error{'s' if count != 1 else ''}"


def load_options(args: argparse.Namespace) -> LoadOptions:
    """The load options the command line gives (:func:`read_settings` adds
    the configuration's)."""
    return LoadOptions(dialect=getattr(args, "dialect", None), module_alone=bool(getattr(args, "module", False)),
                       max_schema_size=getattr(args, "max_schema_size", DEFAULT_MAX_SCHEMA_SIZE))


def exit_code(diagnostics: Sequence[Diagnostic], fail_on: str = "error") -> int:
    threshold = Severity(fail_on).rank
    if any(d.span is None and d.rule.code == "QD130" for d in diagnostics):
        return EXIT_USAGE
    if any(d.level.rank >= threshold for d in diagnostics):
        return EXIT_FINDINGS
    return EXIT_OK
