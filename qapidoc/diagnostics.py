"""Diagnostics: what every stage reports, as frozen values.

A stage never prints and never raises for bad input; it returns
:class:`Diagnostic` values.  Formatting them is the job of
:mod:`qapidoc.report`.
"""

from __future__ import annotations

from .records import NamedTuple
from .rules import Rule, Severity
from .source import Span

__all__ = ["Context", "Diagnostic", "Note", "Severity", "StageError", "sort_key"]


class Context(NamedTuple):
    """The definition a diagnostic belongs to: ``In command 'foo':``."""

    meta: str
    name: str
    span: Span


class Note(NamedTuple):
    """A secondary location, such as a previous definition."""

    message: str
    span: Span | None


class _DiagnosticFields(NamedTuple):
    rule: Rule
    message: str
    span: Span | None
    context: Context | None = None
    notes: tuple[Note, ...] = ()
    severity: Severity | None = None
    path: str | None = None


class Diagnostic(_DiagnosticFields):
    """One finding.

    ``span`` is the narrowest source range the finding is about; it is None
    only when there is no source at all (a schema file that cannot be read,
    in which case ``path`` names it).  ``severity`` starts as the rule's
    default; the lint configuration may change it.
    """

    __slots__ = ()

    def __new__(cls, rule: Rule, message: str, span: Span | None, context: Context | None = None,
                notes: tuple[Note, ...] = (), severity: Severity | None = None,
                path: str | None = None) -> Diagnostic:
        return tuple.__new__(cls, (rule, message, span, context, notes, severity or rule.severity, path))

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def file_path(self) -> str | None:
        return self.span.file.path if self.span is not None else self.path

    @property
    def line(self) -> int | None:
        return self.span.line if self.span is not None else None

    @property
    def level(self) -> Severity:
        assert self.severity is not None
        return self.severity

    def with_severity(self, severity: Severity) -> Diagnostic:
        return self._replace(severity=severity)


def sort_key(diag: Diagnostic) -> tuple[str, int, int]:
    """Order by file, then position (for output that wants source order)."""
    if diag.span is None:
        return (diag.path or "", 0, 0)
    return (diag.span.file.path, diag.span.start, diag.span.end)


class StageError(Exception):
    """Raised inside a stage to abandon the part it is checking.

    Stages never let it out: they catch it where the part ends and turn it
    into a :class:`Diagnostic` (with :meth:`diagnostic`), then go on with
    the next part.
    """

    def __init__(self, rule: Rule, message: str, span: Span, notes: tuple[Note, ...] = ()) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.span = span
        self.notes = notes

    def diagnostic(self, context: Context | None = None) -> Diagnostic:
        return Diagnostic(self.rule, self.message, self.span, context, self.notes)
