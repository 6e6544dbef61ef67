"""Loaded schemas, shared by every directive of a build (and its workers).

A schema is loaded once per process and kept while none of its files
changes (checked by ``stat`` on each use, so an edit between two builds in
one process is seen).  Everything derived from it that more than one page
needs (the document-order items, the page plan, the lint findings, the JSON
Schema files) is computed once, on first use.

Parallel reading forks the main process: whatever is loaded before the
fork (``env-before-read-docs`` preloads what the pages to read need) is
shared by every worker for free.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import rstgen
from ._core import diagnostics as diag_mod
from ._core import loader as loader_mod
from ._core import optional_submodule

__all__ = ["SchemaEntry", "clear", "get_schema", "lint_diagnostics"]

Stamp = tuple[str, int, int]


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, st.st_mtime_ns, st.st_size)


@dataclass(slots=True)
class SchemaEntry:
    path: str
    dialect: tuple[int, int] | None
    result: loader_mod.LoadResult
    stamps: tuple[Stamp, ...]
    #: how ``result`` was loaded
    options: loader_mod.LoadOptions = field(default_factory=loader_mod.LoadOptions)
    _items: list[rstgen.Item] | None = None
    _plans: dict[str, tuple[rstgen.Part, list[rstgen.Part]]] = field(default_factory=dict)
    _diagnostics: list[diag_mod.Diagnostic] | None = None
    _extra: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return [m.file.path for m in self.result.modules]

    def fresh(self) -> bool:
        return all(_stamp(stamp[0]) == stamp for stamp in self.stamps)

    def items(self) -> list[rstgen.Item]:
        if self._items is None:
            self._items = rstgen.schema_items(self.result)
        return self._items

    def plan(self, split: str) -> tuple[rstgen.Part, list[rstgen.Part]]:
        plan = self._plans.get(split)
        if plan is None:
            plan = self._plans[split] = rstgen.plan_parts(self.result, split)
        return plan

    def global_fingerprint(self) -> str:
        """What every page of this schema depends on: the dialect, the
        pragmas and the list of files."""
        result = self.result
        pragmas = result.schema.pragmas if result.schema else None
        settings = sorted((k, sorted(v) if isinstance(v, (set, frozenset)) else v)
                          for k, v in _fields(pragmas).items())
        text = repr((str(result.dialect), settings, self.files))
        return hashlib.sha1(text.encode()).hexdigest()

    def diagnostics(self, use_lint: bool = True, config: str | None = None,
                    allowed_directives: frozenset[str] = frozenset()) -> list[diag_mod.Diagnostic]:
        """The findings ``qapidoc lint`` reports for this schema (or, without
        the lint engine, the loader's); ``allowed_directives`` are those the
        project's ``conf.py`` adds to what doc comments may use."""
        if self._diagnostics is None:
            found = lint_diagnostics(self.path, self.dialect, config, allowed_directives, self) if use_lint else None
            self._diagnostics = list(self.result.diagnostics) if found is None else found
        return self._diagnostics

    def derived(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._extra:
            self._extra[key] = make()
        return self._extra[key]


def _fields(value: object) -> dict[str, Any]:
    """The fields of a named tuple (the pragmas), or nothing for None."""
    as_dict = getattr(value, "_asdict", None)
    return {} if as_dict is None else dict(as_dict())


_CACHE: dict[tuple[str, tuple[int, int] | None], SchemaEntry] = {}


def get_schema(path: str, dialect: tuple[int, int] | None = None) -> SchemaEntry:
    """The loaded schema whose root file is ``path`` (absolute)."""
    key = (path, dialect)
    entry = _CACHE.get(key)
    if entry is not None and entry.fresh():
        return entry
    options = loader_mod.LoadOptions(dialect=dialect)
    result = loader_mod.load_schema(path, options)
    stamps = tuple(_stamp(m.file.path) for m in result.modules) or (_stamp(path),)
    entry = SchemaEntry(path, dialect, result, stamps, options)
    _CACHE[key] = entry
    return entry


def lint_diagnostics(path: str, dialect: tuple[int, int] | None, config_path: str | None = None,
                     allowed_directives: frozenset[str] = frozenset(),
                     entry: SchemaEntry | None = None) -> list[diag_mod.Diagnostic] | None:
    """What ``qapidoc lint`` reports for the schema rooted at ``path``, with
    the ``[tool.qapidoc]`` settings it would use (from ``config_path``, else
    the nearest ``pyproject.toml`` above the schema).  None when the lint
    engine is not there.  The schema of ``entry`` is linted as it is
    when the settings load it the same way (it is not loaded twice)."""
    runner = optional_submodule("lint.runner")
    config_mod = optional_submodule("lint.config")
    if runner is None or config_mod is None:
        return None
    config = config_mod.load_config(config_path or config_mod.find_pyproject(os.path.dirname(path)))
    selected, _errors = config_mod.resolve_rules(config.select, config.ignore, config.severity, config.path)
    load = loader_mod.LoadOptions(dialect=dialect or config.dialect, module_alone=config.module)
    allowed = frozenset(getattr(config, "allowed_directives", ())) | allowed_directives
    settings = runner.LintSettings(selected, load, config.rst_docutils, None, allowed_directives=allowed)
    preloaded = {path: entry.result} if entry is not None and entry.options == load else {}
    found: list[diag_mod.Diagnostic] = list(runner.lint([path], settings, preloaded).diagnostics)
    return found


def clear() -> None:
    _CACHE.clear()
