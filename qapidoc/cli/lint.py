"""``qapidoc lint`` and ``qapidoc rules``.

``qapidoc lint [FILE...]`` checks schemas: the front end's checks plus the
QMP examples (QD5xx) and the rST of doc comments (QD6xx).  The schema roots
come from ``--schema``, else from ``schema`` in ``[tool.qapidoc]``, else
the FILEs themselves.  When roots are known and FILEs are given too (as
pre-commit does, with the changed module files), the whole schema is
checked and only the findings in those FILEs are reported.

``qapidoc rules`` lists every rule with its code, severity and an example.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
from collections.abc import Sequence
from typing import TextIO

from ..diagnostics import Diagnostic
from ..lint.runner import FAMILIES
from ..report import format_diagnostics
from ..rules import ALL_RULES, Rule, Severity
from .common import (
    EXIT_USAGE,
    add_output_options,
    add_rule_options,
    add_schema_options,
    check_schemas,
    config_diagnostics,
    exit_code,
    read_settings,
)
from .history import add_history_options, histories_from_args

__all__ = ["add_arguments", "format_rules", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if parser.prog.endswith("rules"):
        parser.add_argument("--config", metavar="PYPROJECT",
                            help="read [tool.qapidoc] from this file (default: the nearest pyproject.toml "
                                 "with a [tool.qapidoc] table)")
        parser.add_argument("--no-config", action="store_true", help="ignore any pyproject.toml")
        parser.add_argument("--format", choices=["text", "json", "rst"], default="text",
                            help="text (default), json, or the rST catalogue of docs/lint.rst")
        parser.add_argument("--all", action="store_true",
                            help="list every rule, not only the selected ones")
        return
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="schema root files; with roots configured, the files to report on")
    parser.add_argument("--schema", action="append", default=[], metavar="ROOT",
                        help="schema root file (repeatable; default: 'schema' in the configuration)")
    add_schema_options(parser)
    add_output_options(parser)
    add_rule_options(parser)
    parser.add_argument("--rst-docutils", action="store_true",
                        help="also run docutils over every doc comment (QD601; slow)")
    parser.add_argument("--statistics", action="store_true",
                        help="end with the number of findings for each rule")
    parser.add_argument("--history", metavar="REPO",
                        help="read 'Since' claims against the release tags of this git repository (QD7xx; "
                             "default: 'history' in the configuration)")
    parser.add_argument("--history-tree", action="append", default=[], metavar="[LABEL=]DIR",
                        help="read 'Since' claims against directories instead, one per release (repeatable)")
    add_history_options(parser, tags_flag="--history-tags")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = read_settings(args, getattr(args, "files", None) or ())
    config = settings.config
    if args.command == "rules":
        if settings.errors:
            sys.stderr.write(format_diagnostics(config_diagnostics(settings.errors), "text"))
            return EXIT_USAGE
        chosen = list(ALL_RULES) if args.all else [r for r in ALL_RULES if r.code in settings.selected]
        out.write(format_rules(chosen, args.format, settings.selected))
        return 0
    if settings.errors:
        out.write(format_diagnostics(config_diagnostics(settings.errors), args.format))
        return EXIT_USAGE
    roots = list(args.schema) or list(config.schema)
    files = [os.path.abspath(f) for f in args.files]
    only: frozenset[str] | None = None
    alone: list[str] = []
    if roots and files:
        only = frozenset(files)
    elif not roots:
        roots = list(args.files)
    if not roots:
        sys.stderr.write("qapidoc lint: no schema: give SCHEMA files, --schema ROOT, or set 'schema' "
                         "in [tool.qapidoc] of pyproject.toml\n")
        return EXIT_USAGE
    history = None
    repository = args.history or config.history
    if (repository is not None or args.history_tree) and any(code.startswith("QD7") for code in settings.selected):
        history = histories_from_args(repository, args.history_tree, args, sys.stderr, config.history_tags)
        if history is None:
            return EXIT_USAGE
    every = frozenset(f.name for f in FAMILIES)
    docutils = args.rst_docutils or config.rst_docutils
    result = check_schemas(roots, settings, families=every, rst_docutils=docutils, only=only, history=history)
    if only is not None:
        covered = {os.path.abspath(f.path) for r in result.loaded for f in r.files()}
        alone = [f for f in args.files if os.path.abspath(f) not in covered]
        if alone:
            for path in alone:
                sys.stderr.write(f"qapidoc lint: {path} is not part of the configured schema; "
                                 "checking it on its own, as a module\n")
            as_modules = settings._replace(load=settings.load._replace(module_alone=True))
            extra = check_schemas(alone, as_modules, families=every, rst_docutils=docutils)
            result.diagnostics.extend(extra.diagnostics)
    diagnostics = result.diagnostics
    fmt = args.format
    out.write(format_diagnostics(diagnostics, fmt))
    if result.validator_missing:
        sys.stderr.write(f"qapidoc lint: note: {result.validator_missing}\n")
    if args.statistics:
        stream = out if fmt == "text" else sys.stderr
        stream.write(format_statistics(diagnostics))
    return exit_code(diagnostics, settings.fail_on)


def format_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    counts = collections.Counter(d.rule for d in diagnostics)
    lines = [f"{n:6d}  {rule.code}  {rule.name}" for rule, n in sorted(counts.items(), key=lambda x: x[0].code)]
    lines.append(f"{sum(counts.values()):6d}  total")
    return "\n".join(lines) + "\n"


# --- qapidoc rules ------------------------------------------------------------------

def _one_line(text: str) -> str:
    return " | ".join(part.strip() for part in text.splitlines() if part.strip())


def format_rules(chosen: Sequence[Rule], fmt: str, selected: dict[str, Severity] | None = None) -> str:
    selected = selected or {}
    if fmt == "json":
        return json.dumps([{"code": r.code, "name": r.name,
                            "severity": selected.get(r.code, r.severity).value,
                            "default_severity": r.severity.value,
                            "leaves_model_incomplete": r.leaves_model_incomplete, "summary": r.summary,
                            "why": r.why, "example": r.example} for r in chosen], indent=2) + "\n"
    if fmt == "rst":
        return _rules_rst(chosen)
    lines = []
    for r in chosen:
        level = selected.get(r.code, r.severity).value
        lines.append(f"{r.code}  {level:<7}  {r.name:<28}  {r.summary}")
        if r.example:
            lines.append(f"{'':<48}  e.g. {_one_line(r.example)}")
    return "\n".join(lines) + "\n"


_GROUPS = [
    ("QD1", "QD1xx: syntax"), ("QD2", "QD2xx: shape of definitions"), ("QD3", "QD3xx: semantics"),
    ("QD4", "QD4xx: doc comments"), ("QD5", "QD5xx: QMP examples"),
    ("QD6", "QD6xx: reStructuredText in doc comments"),
    ("QD7", "QD7xx: history (Since claims against the releases)"), ("QD9", "QD9xx: the lint engine"),
]


def _rst_text(text: str) -> str:
    """Plain text as rST inline text: markup characters escaped."""
    return re.sub(r"([\\*`_|])", r"\\\1", text)


def _rules_rst(chosen: Sequence[Rule]) -> str:
    out: list[str] = []
    for prefix, title in _GROUPS:
        group = [r for r in chosen if r.code.startswith(prefix)]
        if not group:
            continue
        out += [title, "-" * len(title), ""]
        for r in group:
            head = f"{r.code} ``{r.name}``"
            out += [head, "~" * len(head), "", f":Severity: {r.severity.value}"]
            if r.leaves_model_incomplete:
                out.append(":Model: an error leaves it incomplete: ``jsonschema``, ``validate`` and ``diff`` stop")
            out += ["",
                    f"**What.** {_rst_text(r.summary)}", "", f"**Why.** {_rst_text(r.why)}", ""]
            if r.example:
                out += ["**Example.**", "", ".. code-block:: text", ""]
                out += [f"   {line}" if line else "" for line in r.example.splitlines()]
                out.append("")
    return "\n".join(out)
