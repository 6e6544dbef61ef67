"""Source files and positions.

One position convention holds everywhere: a character offset into the text
of a :class:`SourceFile`.  Lines and columns (both 1-based, columns counted in
characters) are derived on demand from a line-start table that is computed
once per file.  Nothing converts positions except at the edges (the text
formatter, SARIF, docutils).
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

__all__ = ["FILE_SYSTEM", "FileSystemReader", "SourceFile", "SourceReader", "Span"]


class SourceReader(Protocol):
    """Where the loader gets the text of schema files from.

    The file system by default (:data:`FILE_SYSTEM`); a git tree for
    ``qapidoc history``, which reads releases without checking them out.
    """

    def read(self, path: str) -> str:
        """The text of ``path``; raises OSError when there is none."""
        ...

    def identity(self, path: str) -> str:
        """What makes two spellings of a path the same file (for
        include-once and inclusion loops)."""
        ...


class FileSystemReader:
    """Files as the operating system has them (paths relative to the
    current directory)."""

    __slots__ = ()

    def read(self, path: str) -> str:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read()

    def identity(self, path: str) -> str:
        return os.path.abspath(path)


FILE_SYSTEM = FileSystemReader()


@dataclass(frozen=True, slots=True, eq=False)
class SourceFile:
    """The text of one schema file, as opened.

    ``path`` is the path as the user (or an ``include``) named it, which is
    what diagnostics print.  ``included_from`` is the span of the ``include``
    directive that brought this file in, or None for a root file.
    """

    path: str
    text: str
    included_from: Span | None = None
    line_starts: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        starts = [0]
        text = self.text
        find = text.find
        pos = find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        object.__setattr__(self, "line_starts", tuple(starts))

    def line_of(self, offset: int) -> int:
        """The 1-based line holding ``offset``."""
        return bisect.bisect_right(self.line_starts, offset)

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of ``offset``."""
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

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

    def span(self, start: int, end: int | None = None) -> Span:
        return _new_span(Span, (self, start, start if end is None else end))

    def include_chain(self) -> list[Span]:
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

    def contains(self, other: Span) -> bool:
        return other.file is self.file and self.start <= other.start and other.end <= self.end

    def __str__(self) -> str:
        line, col = self.file.line_col(self.start)
        return f"{self.file.path}:{line}:{col}"


# Span(...) runs a Python-level __new__; this is the same, without it.
_new_span = tuple.__new__
