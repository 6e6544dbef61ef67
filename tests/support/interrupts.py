"""Starting a child that Ctrl-C can reach.

A shell without job control starts background commands with SIGINT
ignored, and a child inherits that.  A test that sends SIGINT as a
terminal would starts its child under :func:`sigint_reaches_children`:
this process's SIGINT set to Python's handler for the moment (reset to
the default in a child, at exec).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["sigint_reaches_children"]


@contextlib.contextmanager
def sigint_reaches_children() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
