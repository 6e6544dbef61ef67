"""Doc text the regular rendering has no place for.

The manual shows a doc comment through the model: the body and sections of
a definition's comment, a row for each member, value, branch and feature
the model has.  Some text has no such place:

* the lines after the point where a doc comment could not be parsed (an
  error stopped the parse; the error is reported there);
* member and feature descriptions that name nothing the definition has
  (reported as ``documented member ... does not exist``);
* the whole comment of a definition that is not in the model (an error in
  the definition left it out) or of no definition at all.

None of it may vanish: the renderer shows it as written (plain text,
``@name`` references kept), and says so at the ``.json`` line where the
parse stopped.  This module finds that text; it imports neither Sphinx nor
docutils.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ._core import docs as docs_mod
from ._core import parser as parser_mod

__all__ = ["Notice", "unmatched_descriptions", "unparsed_lines", "unparsed_notice"]

DocLine = parser_mod.DocLine


class Notice(NamedTuple):
    """A warning the renderer has for the build, at a ``.json`` line."""

    source: str
    line: int
    message: str
    #: the warning's subtype (``qapi.<subtype>``)
    subtype: str


def _consumed_until(doc: docs_mod.DocComment) -> int:
    """The offset of the last line the parse took into a section (its text
    or its tag line); -1 when it took none."""
    last = -1
    for section in doc.all_sections:
        if section.lines:
            last = max(last, section.lines[-1].hash_offset)
        last = max(last, section.span.start)
    if doc.symbol_span is not None:
        last = max(last, doc.symbol_span.start)
    return last


def unparsed_lines(doc: docs_mod.DocComment) -> tuple[DocLine, ...]:
    """The lines of ``doc`` its parse did not reach (it stopped at an
    error), blank ones at either end left out; () for a doc that parsed."""
    if not doc.broken:
        return ()
    last = _consumed_until(doc)
    lines = [line for line in doc.raw.lines if line.hash_offset > last]
    while lines and not lines[0].text.strip():
        lines.pop(0)
    while lines and not lines[-1].text.strip():
        lines.pop()
    return tuple(lines)


def unmatched_descriptions(doc: docs_mod.DocComment, shown: set[int]) -> list[docs_mod.DocSection]:
    """The member and feature descriptions of ``doc`` that were not shown
    (``shown`` holds the ids of those that were), in source order."""
    return [s for s in doc.all_sections if s.kind in ("member", "feature") and id(s) not in shown]


def unparsed_notice(doc: docs_mod.DocComment, lines: Sequence[DocLine], where: str) -> Notice | None:
    """The warning for ``lines`` (from :func:`unparsed_lines`) shown as
    plain text ``where``."""
    if not lines:
        return None
    file = doc.raw.file
    first, last = file.line_of(lines[0].hash_offset), file.line_of(lines[-1].hash_offset)
    span = f"line {first}" if first == last else f"lines {first} to {last}"
    return Notice(file.path, first, "the doc comment could not be read past this point (see the error "
                  f"reported for it); {span} shown as plain text {where}", "unparsed")
