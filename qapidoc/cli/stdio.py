"""Standard output and error, made safe for any text and any failure.

A diagnostic may quote anything a schema or a log holds, in a locale that
cannot encode it (an ``en_US.ISO-8859-1`` terminal, a surrogate from a file
name that is not UTF-8): characters the stream cannot encode are written as
backslash escapes, never an error.  A write that fails (``> /dev/full``, a
closed descriptor, a pipe whose reader went away) raises
:class:`OutputError`, which is not an :class:`OSError`, so no subcommand
mistakes it for an input it could not read; :func:`guarded` turns it into a
message and an exit code.

Streams that are not the process's own (pytest's capture, a caller's
``io.StringIO``) are left alone.  A Ctrl-C that comes while output is being
written takes effect when the write is over, so nothing is written twice.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from collections.abc import Iterator

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["OutputError", "flush", "guarded"]


class OutputError(Exception):
    """Writing to standard output or standard error failed."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(f"cannot write to standard {stream}: {error.strerror or error}")
        self.stream = stream
        self.errno = error.errno


class _GuardedFile(io.RawIOBase):
    """A descriptor's writes, with failures raised as :class:`OutputError`
    (``fd`` None: a stream whose descriptor was closed).  Once ``dropping``
    is set, writes are discarded: what is still buffered after a failure
    must not fail again when the stream is let go."""

    def __init__(self, fd: int | None, stream: str) -> None:
        super().__init__()
        self._fd = fd
        self._stream = stream
        self.dropping = False

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self._fd is not None and os.isatty(self._fd)
        except OSError:
            return False

    def write(self, data: Any) -> int:
        if self.dropping or not data:
            return len(data)
        if self._fd is None:
            raise OutputError(self._stream, OSError(errno.EBADF, "it is closed"))
        try:
            return os.write(self._fd, data)
        except OSError as err:
            raise OutputError(self._stream, err) from None


class _Interrupts:
    """Ctrl-C while output is written is held back until the write is over.

    A KeyboardInterrupt raised inside a write, after the bytes went out but
    before the buffer counted them, would have them written twice by the
    next flush (the summary an interrupted ``validate`` prints, say)."""

    writing = 0
    pending = False

    @classmethod
    def handler(cls, signum: int, frame: object) -> None:
        if cls.writing:
            cls.pending = True
            return
        raise KeyboardInterrupt

    @classmethod
    def done(cls) -> None:
        cls.writing -= 1
        if not cls.writing and cls.pending:
            cls.pending = False
            raise KeyboardInterrupt


class _Text(io.TextIOWrapper):
    """A text stream whose writes and flushes a Ctrl-C does not cut in two."""

    def write(self, text: str) -> int:
        _Interrupts.writing += 1
        try:
            return super().write(text)
        finally:
            _Interrupts.done()

    def flush(self) -> None:
        _Interrupts.writing += 1
        try:
            super().flush()
        finally:
            _Interrupts.done()


def _wrap(original: object, fd: int, stream: str) -> tuple[io.TextIOWrapper, _GuardedFile]:
    encoding = getattr(original, "encoding", None) or "utf-8"
    raw = _GuardedFile(None if original is None else fd, stream)
    text = _Text(io.BufferedWriter(raw), encoding=encoding, errors="backslashreplace",
                 line_buffering=raw.isatty() or stream == "error")
    return text, raw


def _is_process_stream(current: object, original: object, fd: int) -> bool:
    if current is None:
        return True
    if current is not original:
        return False
    try:
        return current.fileno() == fd  # type: ignore[attr-defined, no-any-return]
    except (OSError, ValueError, AttributeError):
        return False


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Within this context, ``sys.stdout`` and ``sys.stderr`` (when they are
    the process's own, or closed) escape what they cannot encode and raise
    :class:`OutputError` when a write fails.  Call :func:`flush` before
    leaving it: what is still buffered then is dropped.  Afterwards both
    streams are restored."""
    saved = sys.stdout, sys.stderr
    raws: list[_GuardedFile] = []
    wrapped: list[io.TextIOWrapper] = []
    sigint = None
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        # (Only the main thread may set a handler: elsewhere Ctrl-C is not
        # ours to hold back.  Asking this way spares importing threading.)
        with contextlib.suppress(ValueError):
            sigint = signal.signal(signal.SIGINT, _Interrupts.handler)
    if _is_process_stream(sys.stdout, sys.__stdout__, 1):
        if sys.stdout is not None:
            with contextlib.suppress(OSError, ValueError):
                sys.stdout.flush()
        text, raw = _wrap(sys.stdout, 1, "output")
        sys.stdout = text
        raws.append(raw)
        wrapped.append(text)
    if _is_process_stream(sys.stderr, sys.__stderr__, 2):
        if sys.stderr is not None:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
        text, raw = _wrap(sys.stderr, 2, "error")
        sys.stderr = text
        raws.append(raw)
        wrapped.append(text)
    try:
        yield
    finally:
        _Interrupts.writing += 1        # from here on, Ctrl-C comes too late to matter
        try:
            for text in wrapped:
                with contextlib.suppress(OutputError):
                    text.flush()
            for raw in raws:
                raw.dropping = True
            for text in wrapped:
                text.detach()
            sys.stdout, sys.stderr = saved
        finally:
            _Interrupts.writing -= 1
            _Interrupts.pending = False
            if sigint is not None:
                signal.signal(signal.SIGINT, sigint)


def flush() -> None:
    """Flush standard output; a failure raises :class:`OutputError`."""
    try:
        sys.stdout.flush()
    except OSError as err:       # a stream that is not ours
        raise OutputError("output", err) from None
