"""Runner: load each schema, run the rule families, apply the configuration.

One function, :func:`lint`, from schema roots and settings to diagnostics:

    load_schema (front end: QD1xx-QD4xx)
    -> rule families (QD5xx examples, QD6xx rST, QD7xx history) on the
       loaded schema
    -> suppressions in the schema (QD901, QD903)
    -> selection and severities from the configuration
    -> only the findings for the files asked about (pre-commit)

A family that fails reports QD999 and the others still run: a crash never
looks like a clean run, and never prints a traceback.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Mapping, Sequence

from .. import rules
from ..diagnostics import Diagnostic
from ..frontend.loader import LoadOptions, LoadResult, load_schema
from ..rules import Severity
from .suppressions import apply_suppressions, find_suppressions

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from ..backends.releases import Histories

__all__ = ["FAMILIES", "Family", "LintResult", "LintSettings", "configure_findings", "lint"]


# (Plain classes with slots rather than dataclasses: ``qapidoc check``
# goes through here, and making a dataclass costs more than checking a
# small schema.  A rule family's module is imported only when it runs.)

class LintSettings:
    """What to lint for, and how (set once; not changed after)."""

    __slots__ = ("allowed_directives", "families", "history", "load", "only_files", "rst_docutils", "selected",
                 "validate")

    def __init__(self, selected: dict[str, Severity], load: LoadOptions | None = None, rst_docutils: bool = False,
                 only_files: frozenset[str] | None = None, validate: bool = True,
                 allowed_directives: frozenset[str] = frozenset(), history: Histories | None = None,
                 families: frozenset[str] | None = None) -> None:
        #: rule code -> effective severity, for every selected rule
        self.selected = selected
        self.load = load if load is not None else LoadOptions()
        #: run docutils over every doc comment (QD601)
        self.rst_docutils = rst_docutils
        #: absolute paths: report findings only in these files (None: all)
        self.only_files = only_files
        #: validate messages against the JSON Schema (needs qapidoc.validate)
        self.validate = validate
        #: directives doc comments may use beyond qapidoc.rst_policy's list
        self.allowed_directives = allowed_directives
        #: the releases to read 'Since' claims against (QD7xx); None: no check
        self.history = history
        #: names of the rule families to run (None: every one); the front
        #: end's checks, suppressions and the configuration apply either way
        self.families = families


class LintResult:
    """The findings of a lint run, and the schemas it loaded."""

    __slots__ = ("diagnostics", "loaded", "validator_missing")

    def __init__(self, diagnostics: list[Diagnostic], loaded: list[LoadResult],
                 validator_missing: str | None = None) -> None:
        self.diagnostics = diagnostics
        self.loaded = loaded
        #: why example content was not validated, if it was not
        self.validator_missing = validator_missing


class Family:
    """A rule family: the rules it reports and the function that finds them."""

    __slots__ = ("check", "name", "rules")

    def __init__(self, name: str, family_rules: tuple[rules.Rule, ...],
                 check: Callable[[LoadResult, LintSettings, LintResult], list[Diagnostic]]) -> None:
        self.name = name
        self.rules = family_rules
        self.check = check


def _rules_of(prefix: str) -> tuple[rules.Rule, ...]:
    """The rules of a family, by code prefix (as its module lists them)."""
    return tuple(r for r in rules.ALL_RULES if r.code.startswith(prefix))


def _examples(result: LoadResult, settings: LintSettings, out: LintResult) -> list[Diagnostic]:
    if result.schema is None:
        return []
    from . import example_checks
    validator = None
    found: list[Diagnostic] = []
    if settings.validate:
        try:
            validator = example_checks.make_validator(result.schema)
        except Exception as exc:   # then check what needs no JSON Schema
            found.append(Diagnostic(
                rules.INTERNAL_ERROR,
                f"internal error while making the JSON Schema: {type(exc).__name__}: {exc}; example "
                "contents were not validated; this is a bug in qapidoc, please report it", None,
                path=result.modules[0].file.path if result.modules else None))
            validator = None
        else:
            if validator is None:
                out.validator_missing = ("qapidoc.validate is not available: example arguments, replies "
                                         "and event data were not checked against the schema")
    return found + example_checks.check_examples(result.schema, result.docs, validator)


def _rst(result: LoadResult, settings: LintSettings, out: LintResult) -> list[Diagnostic]:
    from . import rst_checks

    found = rst_checks.check_rst(result.docs, result.dialect, settings.allowed_directives)
    if settings.rst_docutils and rules.RST_ERROR.code in settings.selected:
        found += rst_checks.check_rst_docutils(result.docs, result.dialect)
    return found


def _history(result: LoadResult, settings: LintSettings, out: LintResult) -> list[Diagnostic]:
    histories = settings.history
    if histories is None or not result.modules:
        return []
    from ..backends.releases import namespace_of
    from . import history_checks

    namespace = namespace_of(result.modules[0].file.path, histories.roots)
    if namespace is None and len(histories.by_namespace) == 1:
        namespace = next(iter(histories.by_namespace))
    if namespace not in histories.by_namespace:
        return []
    chosen = [histories.by_namespace[namespace]]
    if namespace == "QSD" and "QMP" in histories.by_namespace:
        chosen.append(histories.by_namespace["QMP"])     # the storage daemon's modules are QMP's
    # A module that two roots include (QMP and the storage daemon) makes
    # the same claim for both: report it once.
    seen = {history_checks.dedupe_key(d) for d in out.diagnostics if d.code.startswith("QD7")}
    return [d for d in history_checks.check_since(result, chosen) if history_checks.dedupe_key(d) not in seen]


FAMILIES: tuple[Family, ...] = (
    Family("examples", _rules_of("QD5"), _examples),
    Family("rst", _rules_of("QD6"), _rst),
    Family("history", _rules_of("QD7"), _history),
)


def lint(roots: Sequence[str], settings: LintSettings,
         preloaded: Mapping[str, LoadResult] | None = None) -> LintResult:
    """Lint the schemas whose root files are ``roots``.  ``preloaded``
    (root -> result) has schemas the caller loaded already, with the
    options of ``settings.load``."""
    # Like the loader: what linting makes is acyclic and short-lived, and
    # the cyclic collector would scan the loaded schema over and over.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint(roots, settings, preloaded or {})
    finally:
        if was_enabled:
            gc.enable()


def _lint(roots: Sequence[str], settings: LintSettings, preloaded: Mapping[str, LoadResult]) -> LintResult:
    out = LintResult([], [])
    skipped = {r.code for f in FAMILIES if not _runs(f, settings) for r in f.rules}
    # A suppression naming a rule that did not run is not unused.
    reportable = set(settings.selected) - skipped
    for root in roots:
        result = preloaded.get(root) or load_schema(root, settings.load)
        out.loaded.append(result)
        found = list(result.diagnostics)
        for family in FAMILIES:
            if not _runs(family, settings) or not any(r.code in settings.selected for r in family.rules):
                continue
            try:
                found.extend(family.check(result, settings, out))
            except Exception as exc:   # a bug here must not look like a clean run
                found.append(Diagnostic(
                    rules.INTERNAL_ERROR,
                    f"internal error in the {family.name} checks: {type(exc).__name__}: {exc}; "
                    "this is a bug in qapidoc, please report it with the schema", None, path=root))
        suppressions, problems = find_suppressions(result.files(), result.docs, result.schema)
        found.extend(problems)
        found = apply_suppressions(found, suppressions, reportable)
        out.diagnostics.extend(configure_findings(found, settings.selected, result, settings.only_files))
    return out


def _runs(family: Family, settings: LintSettings) -> bool:
    return settings.families is None or family.name in settings.families


def configure_findings(found: Iterable[Diagnostic], selected: dict[str, Severity], result: LoadResult,
                       only: frozenset[str] | None = None) -> list[Diagnostic]:
    """The findings of the selected rules, only those in the files ``only``
    names (None: all), in schema order.  A severity configured for a rule
    replaces the one a finding came with; where nothing was configured, a
    finding keeps the severity its stage gave it (an unknown type is a
    warning in a module checked alone)."""
    order = {id(f): i for i, f in enumerate(result.files())}
    kept: list[Diagnostic] = []
    for diag in found:
        level = selected.get(diag.rule.code)
        if level is None:
            continue
        if only is not None and diag.span is not None and os.path.abspath(diag.span.file.path) not in only:
            continue
        if level is not diag.rule.severity and diag.level is not level:
            diag = diag.with_severity(level)
        kept.append(diag)

    def key(d: Diagnostic) -> tuple[int, int, int]:
        if d.span is None:
            return (-1, 0, 0)
        return (order.get(id(d.span.file), 1 << 20), d.span.start, d.span.end)
    kept.sort(key=key)
    return kept
