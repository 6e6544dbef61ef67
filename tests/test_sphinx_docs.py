"""The project's own manual builds with its own extension, warning-free
(``-W -n``), as CI builds it."""

from __future__ import annotations

import pathlib
import shutil

from conftest import ROOT
from support.sphinx_projects import run_sphinx


def test_docs_build_without_warnings(tmp_path: pathlib.Path) -> None:
    # a copy, so that the generated demo pages stay out of the checkout
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=shutil.ignore_patterns("_build", "demo"))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    proc = run_sphinx(tmp_path / "docs", tmp_path / "html", "-b", "html", "-W", "-n", "--keep-going", "-q")
    assert proc.returncode == 0, proc.stderr
    demo = (tmp_path / "html" / "demo.html").read_text()
    assert 'href="demo/storage.html"' in demo
    storage = (tmp_path / "html" / "demo" / "storage.html").read_text()
    assert 'id="demo-command-disk-add"' in storage and 'id="demo-type-DiskOptions"' in storage
    reference = (tmp_path / "html" / "sphinx.html").read_text()
    assert '<span class="pre">disk-add</span>' in reference      # the live qapi-definition example
    assert (tmp_path / "html" / "qapi-demo-index.html").exists()
