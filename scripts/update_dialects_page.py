#!/usr/bin/env python3
"""Rewrite the table of docs/dialects.rst from qapidoc.frontend.dialect.CHANGES.

    .venv/bin/python scripts/update_dialects_page.py

tests/test_docs_pages.py fails when the page and the table disagree.
"""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qapidoc.frontend.dialect import CHANGES  # noqa: E402

_START = ".. list-table::\n"


def table() -> str:
    rows = sorted(CHANGES.items(), key=lambda item: (item[1][0], item[0]))
    out = [_START, "   :header-rows: 1\n", "   :widths: 10 30 60\n", "\n",
           "   * - since\n", "     - name\n", "     - what changed\n"]
    for name, ((major, minor), what) in rows:
        out += [f"   * - {major}.{minor}\n", f"     - ``{name}``\n", f"     - {what}\n"]
    return "".join(out)


def main() -> int:
    page = ROOT / "docs" / "dialects.rst"
    text = page.read_text()
    # The table is the end of the page.
    start = text.index(_START)
    page.write_text(text[:start] + table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
