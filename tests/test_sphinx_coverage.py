"""No doc text is lost in the manual: for every root of the shared corpora,
every doc comment line a reader should see is in the text build, or a
warning names its line (see ``support/doc_coverage.py`` for what counts).

The builds are the session's corpus builds, shared with
``test_sphinx_corpora.py``.
"""

from __future__ import annotations

import pathlib
import re

import pytest
from support.doc_coverage import uncovered_lines
from support.sphinx_projects import PROJECTS, Build, corpus_build

from qapidoc import load_schema

pytestmark = pytest.mark.slow

_LOCATION = re.compile(r"^(.*?):(\d+): (?:WARNING|ERROR): ", re.MULTILINE)


def warned_lines(*builds: Build) -> set[tuple[str, int]]:
    return {(m.group(1), int(m.group(2))) for b in builds for w in b.warnings for m in _LOCATION.finditer(w)}


@pytest.fixture(scope="session")
def corpora_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.getbasetemp() / "sphinx-corpora"


@pytest.mark.parametrize("version", list(PROJECTS))
def test_every_doc_line_is_in_the_manual(shared_dir: pathlib.Path, corpora_dir: pathlib.Path, version: str) -> None:
    html = corpus_build(version, "html", shared_dir, corpora_dir)
    text = corpus_build(version, "text", shared_dir, corpora_dir)
    assert html.returncode == 0 and text.returncode == 0
    warned = warned_lines(html, text)
    for root in PROJECTS[version].roots:
        result = load_schema(str(shared_dir / root.path))
        pages = [text.outdir / f"{root.page}.txt", *sorted((text.outdir / root.page).rglob("*.txt"))]
        coverage = uncovered_lines(result, [p for p in pages if p.exists()], warned)
        assert coverage.checked > 500, root.path
        assert coverage.missing == [], (root.path, coverage.missing[:10])
