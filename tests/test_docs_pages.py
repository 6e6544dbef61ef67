"""The hand-written manual pages stay true to the code."""

from __future__ import annotations

import re

from conftest import ROOT

from qapidoc.frontend.dialect import CHANGES


def test_dialects_page_lists_every_change() -> None:
    page = (ROOT / "docs" / "dialects.rst").read_text()
    table = {name: since for since, name in re.findall(r"   \* - (\d+\.\d+)\n     - ``([\w-]+)``", page)}
    for name, ((major, minor), _) in CHANGES.items():
        assert table.get(name) == f"{major}.{minor}", f"{name}: the dialects page is out of date"
    assert set(table) == set(CHANGES)
