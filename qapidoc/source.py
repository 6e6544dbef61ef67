"""Source files and positions.

One position convention holds everywhere: a character offset into the text
of a :class:`SourceFile`.  Lines and columns (both 1-based, columns counted in
characters) are derived on demand from a line-start table that is computed
once per file, when first needed.  Nothing converts positions except at the edges (the text
formatter, SARIF, docutils).
"""

# Annotations are evaluated at import (no ``from __future__ import
# annotations``): typing.NamedTuple compiles every field annotation given as
# a string, and the first compile() of a process alone costs as much as
# checking a small schema.  Names used before their definition are quoted.

import bisect
from typing import NamedTuple

__all__ = ["SourceFile", "Span"]


class SourceFile:
    """The text of one schema file, as opened.

    ``path`` is the path as the user (or an ``include``) named it, which is
    what diagnostics print.  ``included_from`` is the span of the ``include``
    directive that brought this file in, or None for a root file.

    A read-only value compared by identity (one object per file opened).
    Its line table is made the first time a line number is asked for: a
    schema that checks clean never needs one.
    """

    __slots__ = ("_line_starts", "included_from", "path", "text")

    path: str
    text: str
    included_from: "Span | None"
    _line_starts: tuple[int, ...] | None

    def __init__(self, path: str, text: str, included_from: "Span | None" = None) -> None:
        set_field = object.__setattr__
        set_field(self, "path", path)
        set_field(self, "text", text)
        set_field(self, "included_from", included_from)
        set_field(self, "_line_starts", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SourceFile is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"SourceFile is read-only: cannot delete {name!r}")

    def __reduce__(self) -> "tuple[type[SourceFile], tuple[str, str, Span | None]]":
        return (SourceFile, (self.path, self.text, self.included_from))

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, included_from={self.included_from!r})"

    @property
    def line_starts(self) -> tuple[int, ...]:
        """The offset where each line starts (the first is 0)."""
        starts = self._line_starts
        if starts is None:
            found = [0]
            append = found.append
            find = self.text.find
            pos = find("\n")
            while pos >= 0:
                append(pos + 1)
                pos = find("\n", pos + 1)
            starts = tuple(found)
            object.__setattr__(self, "_line_starts", starts)
        return starts

    def line_of(self, offset: int) -> int:
        """The 1-based line holding ``offset``."""
        return bisect.bisect_right(self.line_starts, offset)

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of ``offset``."""
        starts = self.line_starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def line_start(self, line: int) -> int:
        return self.line_starts[line - 1]

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its newline."""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def span(self, start: int, end: int | None = None) -> "Span":
        return _new_span(Span, (self, start, start if end is None else end))

    def include_chain(self) -> "list[Span]":
        """The include directives that led here, outermost first."""
        chain: list[Span] = []
        where = self.included_from
        while where is not None:
            chain.append(where)
            where = where.file.included_from
        chain.reverse()
        return chain


class Span(NamedTuple):
    """A half-open character range ``[start, end)`` of one source file.

    (A named tuple rather than a dataclass: there is one per syntax element
    that anything refers to, and they are made by the ten thousand.)
    """

    file: SourceFile
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.file.line_of(self.start)

    @property
    def column(self) -> int:
        return self.file.line_col(self.start)[1]

    @property
    def path(self) -> str:
        return self.file.path

    def contains(self, other: "Span") -> bool:
        return other.file is self.file and self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        line, col = self.file.line_col(self.start)
        return f"{self.file.path}:{line}:{col}"


# Span(...) runs a Python-level __new__; this is the same, without it.
_new_span = tuple.__new__
