"""Suppressions: silencing one finding where it is, in the schema itself.

Two forms, both naming the rules they silence (codes or names)::

    ##
    # @QUORUM_REPORT_BAD:
    # ...
    # .. qapidoc: ignore[QD508, example-no-timestamp]
    ##

A doc comment line that holds only ``.. qapidoc: ignore[...]`` (an rST
comment, so the manual does not show it; ``qapidoc: ignore[...]`` without
the dots works too) covers the whole doc comment and the definition after
it.  In an ordinary ``#`` comment, the suppression covers its own line, or,
when the comment stands alone on its line, the next line.

A suppression that silences nothing is itself a finding (QD901), so stale
ones do not pile up; a malformed one, or one naming no rule, is QD903.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from .. import rules
from ..diagnostics import Diagnostic
from ..frontend.docs import DocComment
from ..frontend.model import Schema
from ..rules import Rule
from ..source import SourceFile, Span

__all__ = ["Suppression", "apply_suppressions", "find_suppressions"]

# (Compiled where used, for a schema that has a suppression comment:
# re keeps them.  A check of one without any never pays for them.)
_MARK = r"qapidoc:[ \t]*ignore\b(\[([^\]\n]*)\]?)?"
_DOC_LINE = r"[ \t]*#[ \t]*(?:\.\.[ \t]+)?$"


class Suppression:
    """A suppression comment: what it covers, what it names, what it silenced."""

    __slots__ = ("codes", "scope", "span", "used")

    def __init__(self, span: Span, scope: tuple[int, int], codes: list[tuple[Rule, Span]]) -> None:
        self.span = span                        # the whole comment
        self.scope = scope                      # offsets it covers
        self.codes = codes                      # each rule named, where
        self.used: set[str] = set()

    def covers(self, diag: Diagnostic) -> bool:
        span = diag.span
        return (span is not None and span.file is self.span.file
                and self.scope[0] <= span.start < self.scope[1])


def find_suppressions(files: Iterable[SourceFile], docs: Sequence[DocComment],
                      schema: Schema | None) -> tuple[list[Suppression], list[Diagnostic]]:
    """Every suppression comment of ``files``, and the malformed ones."""
    found: list[Suppression] = []
    problems: list[Diagnostic] = []
    blocks: dict[int, list[tuple[int, int, DocComment]]] = {}
    candidates = [f for f in files if "qapidoc:" in f.text]
    if not candidates:
        return found, problems
    for doc in docs:
        blocks.setdefault(id(doc.raw.file), []).append((doc.raw.start, doc.raw.end, doc))
    ends = _definition_ends(schema)
    for file in candidates:
        spans = sorted(blocks.get(id(file), []), key=lambda b: b[0])
        starts = [b[0] for b in spans]
        for m in re.finditer(_MARK, file.text):
            line = file.line_of(m.start())
            line_start = file.line_start(line)
            before = file.text[line_start:m.start()]
            if "#" not in before:
                continue      # not in a comment (a string, say): not ours
            comment = file.span(m.start(), m.end())
            if m.group(1) is None or not m.group(1).endswith("]"):
                problems.append(Diagnostic(
                    rules.BAD_SUPPRESSION,
                    "a suppression must name the rules it silences: 'qapidoc: ignore[QD505]'", comment))
                continue
            codes = _codes(file, m, problems)
            if not codes:
                continue
            i = bisect.bisect_right(starts, m.start()) - 1
            line_end = file.line_start(line + 1) if line < file.line_count else len(file.text)
            if i >= 0 and spans[i][0] <= m.start() < spans[i][1]:
                start, end, doc = spans[i]
                if not re.match(_DOC_LINE, before):
                    problems.append(Diagnostic(
                        rules.BAD_SUPPRESSION,
                        "in a doc comment, a suppression must stand on a line of its own", comment))
                    continue
                scope = (start, max(end, ends.get((id(file), doc.symbol or ""), end)))
            elif before.strip() == "#":
                nxt = line + 1
                while nxt <= file.line_count and not file.line_text(nxt).strip():
                    nxt += 1
                scope_end = file.line_start(nxt + 1) if nxt < file.line_count else len(file.text)
                scope = (line_start, scope_end)
            else:
                scope = (line_start, line_end)
            found.append(Suppression(comment, scope, codes))
    return found, problems


def _codes(file: SourceFile, m: re.Match[str], problems: list[Diagnostic]) -> list[tuple[Rule, Span]]:
    out: list[tuple[Rule, Span]] = []
    inner_start = m.start(2)
    for part in re.finditer(r"[^,\s]+", m.group(2)):
        span = file.span(inner_start + part.start(), inner_start + part.end())
        rule = rules.by_code_or_name(part.group())
        if rule is None:
            problems.append(Diagnostic(rules.BAD_SUPPRESSION,
                                       f"the suppression names no rule: '{part.group()}'", span))
            continue
        out.append((rule, span))
    if not out and not problems:
        problems.append(Diagnostic(rules.BAD_SUPPRESSION, "the suppression names no rule",
                                   file.span(m.start(), m.end())))
    return out


def _definition_ends(schema: Schema | None) -> dict[tuple[int, str], int]:
    ends: dict[tuple[int, str], int] = {}
    if schema is None:
        return ends
    for definition in schema.definitions:
        span = definition.span
        ends[(id(span.file), definition.name)] = span.end
    return ends


def apply_suppressions(diagnostics: Iterable[Diagnostic], suppressions: list[Suppression],
                       selected: set[str]) -> list[Diagnostic]:
    """Drop the suppressed findings; add one QD901 for each named rule
    that silenced nothing (if that rule is selected at all)."""
    if not suppressions:
        return list(diagnostics)
    by_file: dict[int, list[Suppression]] = {}
    for sup in suppressions:
        by_file.setdefault(id(sup.span.file), []).append(sup)
    out: list[Diagnostic] = []
    for diag in diagnostics:
        span = diag.span
        silenced = False
        if span is not None and diag.rule.code not in _NEVER:
            for sup in by_file.get(id(span.file), ()):
                if sup.covers(diag) and any(r.code == diag.rule.code for r, _ in sup.codes):
                    sup.used.add(diag.rule.code)
                    silenced = True
        if not silenced:
            out.append(diag)
    for sup in suppressions:
        for rule, span in sup.codes:
            if rule.code not in sup.used and rule.code in selected and rule.code not in _NEVER:
                out.append(Diagnostic(rules.UNUSED_SUPPRESSION,
                                      f"unused suppression: no {rule.code} ({rule.name}) finding here", span))
    return out


_NEVER = {rules.UNUSED_SUPPRESSION.code, rules.BAD_SUPPRESSION.code, rules.INTERNAL_ERROR.code}
