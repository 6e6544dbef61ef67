"""``sphinx-build`` that records every file it opens.

    python audited_sphinx.py LOG SPHINX-BUILD-ARGUMENTS...

An audit hook (:func:`sys.addaudithook`, installed before Sphinx is even
imported) sees every ``open`` of the process, whoever calls it: Python's
``open``, ``os.open``, ``io.open_code`` for imports.  When the build ends,
the absolute paths are written to LOG as a JSON list; the exit status is
sphinx-build's.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    # (the log is opened before the hook is in place: it is not a read of the build's)
    log = open(sys.argv[1], "w", encoding="utf-8")  # noqa: SIM115
    opened: set[str] = set()

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(hook)
    from sphinx.cmd.build import main as sphinx_build

    code = sphinx_build(sys.argv[2:])
    with log:
        json.dump(sorted(opened), log)
    return code


if __name__ == "__main__":
    sys.exit(main())
