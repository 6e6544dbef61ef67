"""Lint configuration: ``[tool.qapidoc]`` in pyproject.toml, and the CLI.

::

    [tool.qapidoc]
    schema = ["qapi/qapi-schema.json"]    # schema roots, relative to this file
    dialect = "10.2"                       # default: detected from the schema
    module = false                         # each root is one module of a larger schema
    select = ["QD"]                        # codes, code prefixes or rule names
    ignore = ["QD512"]
    fail-on = "error"                      # lowest severity that fails the run
    allowed-directives = ["only"]          # more directives doc comments may use
    history = "."                          # a git repository whose release tags to read
                                           # 'Since' claims against (QD7xx)
    history-tags = "v*.*.0"

    [tool.qapidoc.severity]
    QD508 = "error"                        # or "warning", "info"
    example-no-timestamp = "info"

Command-line ``--select`` replaces the configured list, ``--ignore`` adds to
it, ``--severity CODE=LEVEL`` overrides.  Mistakes in the configuration are
findings (QD902), not tracebacks.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from .. import rules
from ..frontend.dialect import Version, parse_dialect
from ..records import NamedTuple
from ..rules import ALL_RULES, Rule, Severity

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Config", "ConfigError", "find_pyproject", "load_config", "resolve_rules"]

_KEYS = {"schema", "dialect", "module", "select", "ignore", "severity", "fail-on", "rst-docutils",
         "allowed-directives", "history", "history-tags"}


class ConfigError(NamedTuple):
    """A mistake in the configuration: where, and what."""

    message: str
    path: str | None = None


class Config(NamedTuple):
    """The lint settings, wherever they came from."""

    #: the pyproject.toml the settings came from, if any
    path: str | None = None
    #: schema roots (absolute or relative to the current directory)
    schema: tuple[str, ...] = ()
    dialect: Version | None = None
    module: bool = False
    select: tuple[str, ...] = ("QD",)
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = {}  # noqa: RUF012 - a default never written to
    fail_on: str = "error"
    rst_docutils: bool = False
    errors: tuple[ConfigError, ...] = ()
    #: directives doc comments may use beyond qapidoc.rst_policy's list
    allowed_directives: tuple[str, ...] = ()
    #: a git repository (absolute, or relative to the current directory)
    history: str | None = None
    history_tags: str | None = None


def find_pyproject(start: str) -> str | None:
    """The nearest pyproject.toml at or above ``start`` that has a
    ``[tool.qapidoc]`` table."""
    here = os.path.abspath(start)
    if os.path.isfile(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate) and _has_table(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _has_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "[tool.qapidoc" in f.read()
    except OSError:
        return False


def _toml_load(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    with open(path, "rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    return data


def load_config(path: str | None) -> Config:
    """Read ``[tool.qapidoc]`` from ``path`` (None: no configuration)."""
    if path is None:
        return Config()
    try:
        data = _toml_load(path)
    except ImportError:
        return Config(path=path, errors=(ConfigError(
            "reading pyproject.toml needs Python 3.11 or the 'tomli' package", path),))
    except (OSError, ValueError) as err:
        return Config(path=path, errors=(ConfigError(f"cannot read configuration: {err}", path),))
    table = data.get("tool", {}).get("qapidoc", {})
    if not isinstance(table, dict):
        return Config(path=path, errors=(ConfigError("[tool.qapidoc] must be a table", path),))
    return _from_table(table, path)


def _strings(table: dict[str, Any], key: str, errors: list[ConfigError], path: str) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.append(ConfigError(f"'{key}' must be a list of strings", path))
        return None
    return tuple(value)


def _from_table(table: dict[str, Any], path: str) -> Config:
    errors: list[ConfigError] = []
    base = os.path.dirname(path)
    for key in sorted(set(table) - _KEYS):
        errors.append(ConfigError(f"unknown key '{key}' in [tool.qapidoc] (known: {', '.join(sorted(_KEYS))})",
                                  path))
    schema = _strings(table, "schema", errors, path) or ()
    schema = tuple(s if os.path.isabs(s) else os.path.normpath(os.path.join(base, s)) for s in schema)
    dialect = None
    if "dialect" in table:
        text = table["dialect"]
        dialect = parse_dialect(str(text)) if isinstance(text, (str, int, float)) else None
        if dialect is None:
            errors.append(ConfigError(f"'dialect' must be a QEMU release such as \"10.2\", not {text!r}", path))
    module = table.get("module", False)
    if not isinstance(module, bool):
        errors.append(ConfigError("'module' must be true or false", path))
        module = False
    docutils = table.get("rst-docutils", False)
    if not isinstance(docutils, bool):
        errors.append(ConfigError("'rst-docutils' must be true or false", path))
        docutils = False
    select = _strings(table, "select", errors, path) or ("QD",)
    ignore = _strings(table, "ignore", errors, path) or ()
    severity: dict[str, str] = {}
    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        errors.append(ConfigError("[tool.qapidoc.severity] must be a table of CODE = \"level\"", path))
    else:
        for key, level in sev.items():
            if not isinstance(level, str):
                errors.append(ConfigError(f"severity of '{key}' must be a string", path))
                continue
            severity[str(key)] = level
    fail_on = table.get("fail-on", "error")
    if fail_on not in ("error", "warning", "info"):
        errors.append(ConfigError(f"'fail-on' must be \"error\", \"warning\" or \"info\", not {fail_on!r}", path))
        fail_on = "error"
    history = table.get("history")
    if history is not None and not isinstance(history, str):
        errors.append(ConfigError("'history' must be the path of a git repository", path))
        history = None
    if isinstance(history, str) and not os.path.isabs(history):
        history = os.path.normpath(os.path.join(base, history))
    history_tags = table.get("history-tags")
    if history_tags is not None and not isinstance(history_tags, str):
        errors.append(ConfigError("'history-tags' must be a shell pattern such as \"v*.*.0\"", path))
        history_tags = None
    allowed = _allowed_directives(table, errors, path)
    return Config(path, schema, dialect, module, select, ignore, severity, fail_on, docutils, tuple(errors),
                  allowed, history, history_tags)


def _allowed_directives(table: dict[str, Any], errors: list[ConfigError], path: str) -> tuple[str, ...]:
    from .. import rst_policy  # only here: a configuration that names directives needs it

    names = _strings(table, "allowed-directives", errors, path) or ()
    for name in names:
        if name.lower() in rst_policy.NEVER_DIRECTIVES:
            errors.append(ConfigError(f"'allowed-directives': '{name}' reads files or is the Sphinx extension's "
                                      "own; doc comments may never use it", path))
    return tuple(n.lower() for n in names if n.lower() not in rst_policy.NEVER_DIRECTIVES)


def _matching(pattern: str) -> list[Rule]:
    """The rules a select/ignore entry names: a code, a code prefix, a
    rule name, or ``ALL``."""
    if pattern.upper() == "ALL":
        return list(ALL_RULES)
    rule = rules.by_code_or_name(pattern)
    if rule is not None:
        return [rule]
    upper = pattern.upper()
    if upper.startswith("QD"):
        return [r for r in ALL_RULES if r.code.startswith(upper)]
    return []


def resolve_rules(select: Sequence[str], ignore: Iterable[str], severity: dict[str, str],
                  source: str | None = None) -> tuple[dict[str, Severity], list[ConfigError]]:
    """The selected rules' codes, each with its effective severity."""
    errors: list[ConfigError] = []
    chosen: dict[str, Severity] = {}
    for pattern in select:
        found = _matching(pattern)
        if not found:
            errors.append(ConfigError(f"'select' names no rule: '{pattern}'", source))
        for rule in found:
            chosen[rule.code] = rule.severity
    for pattern in ignore:
        found = _matching(pattern)
        if not found:
            errors.append(ConfigError(f"'ignore' names no rule: '{pattern}'", source))
        for rule in found:
            chosen.pop(rule.code, None)
    for key, level in severity.items():
        found = _matching(key)
        if not found:
            errors.append(ConfigError(f"'severity' names no rule: '{key}'", source))
            continue
        try:
            value = Severity(level.lower())
        except ValueError:
            errors.append(ConfigError(
                f"severity of '{key}' must be \"error\", \"warning\" or \"info\", not {level!r}", source))
            continue
        for rule in found:
            if rule.code in chosen:
                chosen[rule.code] = value
    # The engine's own errors, and a schema file that cannot be read, are
    # never silenced.
    for rule in (rules.CONFIG_ERROR, rules.INTERNAL_ERROR, rules.READ_ERROR):
        chosen.setdefault(rule.code, rule.severity)
    return chosen, errors
