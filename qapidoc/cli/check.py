"""``qapidoc check`` (syntax, semantics, doc comments) and ``qapidoc dump``
(the model in the format of QEMU's QAPI test suite).

Both take the schema roots from the command line, else from ``schema`` in
``[tool.qapidoc]``, and report the front end's findings as configured there
and by ``--select``/``--ignore``/``--severity``; suppressions written in the
schema apply.  ``dump`` prints the model whenever there is one, even an
incomplete one, and its findings on stderr."""

from __future__ import annotations

import sys

from ..frontend.loader import DEFAULT_MAX_SCHEMA_SIZE
from ..report import format_diagnostics
from .common import (
    EXIT_USAGE,
    add_output_options,
    add_rule_options,
    add_schema_options,
    check_schemas,
    config_diagnostics,
    exit_code,
    leave_to_exit,
    read_settings,
)

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

__all__ = ["PLAIN_ARGUMENTS", "add_arguments", "run"]

_RULE_DEFAULTS: dict[str, object] = {"config": None, "no_config": False, "select": None, "ignore": [],
                                     "severity": []}

#: What ``add_arguments`` gives a command line of SCHEMA paths alone, by
#: subcommand: main.py reads such a line without argparse (the tests hold
#: the two to each other).  ``run`` reads the settings from them as from
#: argparse's, so ``[tool.qapidoc]`` applies the same either way.
PLAIN_ARGUMENTS: dict[str, dict[str, object]] = {
    "check": {"dialect": None, "module": False, "max_schema_size": DEFAULT_MAX_SCHEMA_SIZE, **_RULE_DEFAULTS,
              "format": "text", "fail_on": None, "show_dialect": False},
    "dump": {"dialect": None, "module": False, "max_schema_size": DEFAULT_MAX_SCHEMA_SIZE, **_RULE_DEFAULTS,
             "docs": False},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("schemas", nargs="*", metavar="SCHEMA",
                        help="schema root file(s) (default: 'schema' in [tool.qapidoc])")
    add_schema_options(parser)
    add_rule_options(parser)
    if parser.prog.endswith("check"):
        add_output_options(parser)
        parser.add_argument("--show-dialect", action="store_true",
                            help="say which dialect each schema was checked by, and why")
    else:
        parser.add_argument("--docs", action="store_true", help="also print the doc comments")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = read_settings(args, args.schemas)
    fmt = getattr(args, "format", "text")
    if settings.errors:
        (out if args.command == "check" else sys.stderr).write(
            format_diagnostics(config_diagnostics(settings.errors), fmt))
        return EXIT_USAGE
    roots = list(args.schemas) or list(settings.config.schema)
    if not roots:
        sys.stderr.write(f"qapidoc {args.command}: no schema: give SCHEMA files, or set 'schema' in "
                         "[tool.qapidoc] of pyproject.toml\n")
        return EXIT_USAGE
    if args.command == "check":
        # 'check' needs the findings only: the doc comments are let go as
        # soon as they are checked (a fraction of the memory), but for
        # files with a suppression comment, whose scopes need them.
        settings = settings._replace(load=settings.load._replace(keep_docs=False))
    checked = check_schemas(roots, settings)
    leave_to_exit(checked)
    diagnostics = checked.diagnostics
    if args.command == "dump":
        from ..frontend.dump import dump_docs, dump_entities
        for result in checked.loaded:
            if result.schema is not None:
                out.write(dump_entities(result))
                if args.docs:
                    out.write(dump_docs(result))
        sys.stderr.write(format_diagnostics(diagnostics, "text"))
        return exit_code(diagnostics, settings.fail_on)
    if args.show_dialect:
        for path, result in zip(roots, checked.loaded, strict=True):
            why = "; ".join(result.dialect.evidence) or "nothing older seen"
            sys.stderr.write(f"{path}: dialect {result.dialect} ({result.dialect.origin}: {why})\n")
    out.write(format_diagnostics(diagnostics, fmt))
    return exit_code(diagnostics, settings.fail_on)
