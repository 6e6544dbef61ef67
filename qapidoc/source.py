"""Source files and positions.

One position convention holds everywhere: a character offset into the text
of a :class:`SourceFile`.  Lines and columns (both 1-based, columns counted in
characters) are derived on demand from a line-start table that is computed
once per file, when first needed.  Nothing converts positions except at the edges (the text
formatter, SARIF, docutils).
"""

from __future__ import annotations

import bisect
import os
import stat
from array import array

from .records import NamedTuple

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object    # (a protocol is for the type checker alone)

__all__ = ["FILE_SYSTEM", "FileSystemReader", "NotReadableError", "SourceFile", "SourceReader", "Span", "decode_utf8",
           "read_regular_file"]


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
        return read_regular_file(path, _DEFAULT_LIMIT).decode("utf-8", "surrogateescape")

    def identity(self, path: str) -> str:
        return os.path.abspath(path)


FILE_SYSTEM = FileSystemReader()


_DEFAULT_LIMIT = 64 << 20


class NotReadableError(OSError):
    """A file that is refused rather than read; ``strerror`` says why, in
    words that follow "can't read ...: "."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.strerror = reason


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_regular_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``: at most ``limit`` of them.

    Raises :class:`NotReadableError` (an OSError) for a path with a NUL, a
    file that is not regular (a directory, a FIFO -- opened without waiting
    for a writer --, a device such as ``/dev/zero``, a socket) and one
    larger than ``limit`` (its size is known first; one that grows while it
    is read is stopped at the limit), and OSError when it cannot be read."""
    if "\0" in path:
        raise NotReadableError("the path holds a NUL character")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((what for test, what in _KINDS if test(info.st_mode)), "not a regular file")
            raise NotReadableError(f"it is {kind}, not a regular file")
        if info.st_size > limit:
            raise TooLargeError(info.st_size)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, max(min(limit + 1 - size, 1 << 24), 1)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:        # it grew while it was read
                raise TooLargeError(size)
    finally:
        os.close(fd)
    return b"".join(chunks)


class TooLargeError(NotReadableError):
    """A file larger than the limit it was read with."""

    def __init__(self, size: int) -> None:
        super().__init__(f"it holds {size:,} bytes or more, past the limit")
        self.size = size


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
    included_from: Span | None
    _line_starts: array[int] | None

    def __init__(self, path: str, text: str, included_from: Span | None = None) -> None:
        set_field = object.__setattr__
        set_field(self, "path", path)
        set_field(self, "text", text)
        set_field(self, "included_from", included_from)
        set_field(self, "_line_starts", None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"SourceFile is read-only: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"SourceFile is read-only: cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[SourceFile], tuple[str, str, Span | None]]:
        return (SourceFile, (self.path, self.text, self.included_from))

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, included_from={self.included_from!r})"

    @property
    def line_starts(self) -> array[int]:
        """The offset where each line starts (the first is 0): machine
        integers (8 bytes a line, where a tuple of Python ints took 36)."""
        starts = self._line_starts
        if starts is None:
            starts = array("q", [0])
            append = starts.append
            find = self.text.find
            pos = find("\n")
            while pos >= 0:
                append(pos + 1)
                pos = find("\n", pos + 1)
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


def decode_utf8(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """``data`` as UTF-8 text, whatever the locale, and for each byte
    sequence that is not UTF-8, its character offset in that text and its
    first byte.

    Each bad sequence becomes one U+FFFD, so the text is always valid and
    every position after it stays right: a caller reports each offset at
    its line and column and goes on.  Valid input costs one strict decode.
    """
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    pieces: list[str] = []
    bad: list[tuple[int, int]] = []
    chars = 0
    for raw_line in data.splitlines(keepends=True):
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_line(raw_line, chars, bad)
        pieces.append(text)
        chars += len(text)
    return "".join(pieces), bad


def _decode_line(raw_line: bytes, chars: int, bad: list[tuple[int, int]]) -> str:
    """One line with bad bytes; records the offset of each one."""
    out: list[str] = []
    pos = 0
    while pos < len(raw_line):
        try:
            out.append(raw_line[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as err:
            good = raw_line[pos:pos + err.start].decode("utf-8")
            out.append(good)
            chars += len(good)
            bad.append((chars, raw_line[pos + err.start]))
            out.append("\ufffd")
            chars += 1
            pos += err.end
    return "".join(out)
