"""How a subcommand ends: the exit codes, and what it leaves to the end of
the process.

Apart from :mod:`qapidoc.cli.common` (which re-exports all of it) so that
:mod:`qapidoc.cli.main` can start without importing the front end: the
command line pauses the cyclic collector before a short-lived subcommand
imports it.
"""

from __future__ import annotations

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "leave_to_exit",
           "left_to_exit"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
#: Ctrl-C: 128 + SIGINT, as a shell reports a process the signal ended
EXIT_INTERRUPTED = 130

# What a subcommand leaves to the end of the process.  The ``qapidoc``
# command's entry point turns this on: a subcommand that writes only to
# stdout and stderr (check, dump) hands over what it loaded, and the entry
# point ends the process with os._exit once the streams are flushed, rather
# than have Python free a schema's objects one by one and tear down the
# interpreter (a tenth of ``qapidoc check``).  Called through ``main()``
# (tests, other programs) nothing is kept.
_left: list[object] | None = None


def leave_to_exit(value: object) -> None:
    """Keep ``value`` until the process ends, if the entry point ends it."""
    if _left is not None:
        _left.append(value)


def left_to_exit(enable: bool = False) -> bool:
    """Whether a subcommand left something to the end of the process;
    ``enable`` turns the keeping on (the entry point does, first)."""
    global _left  # noqa: PLW0603 - one switch for the whole process
    if enable:
        _left = []
    return bool(_left)
