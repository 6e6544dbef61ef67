"""Every root schema of every QEMU release from 2.10 to 10.2, as QEMU read it.

From a clone of ``../shared/corpus/qemu-qapi-history.bundle`` (one commit
per release):

* ``qapidoc check ROOT``, with nothing else given, exits 0 for each of the
  70 roots (QMP, QGA and QSD where they exist), by the rules of the release
  the tree's ``VERSION`` names; and so does detection from the schema
  alone, without the ``VERSION`` file;
* from 2.12 on (the first release whose front end runs on today's
  Python), the release's own front end accepts the same roots, and agrees
  with qapidoc on mutants of the release's QGA schema (doc comments
  mutated: a line deleted, duplicated, indented, joined, a tag inserted).

QEMU's front ends run in place from the clone, one subprocess per release
(``support.qemu_frontend``).
"""

from __future__ import annotations

import itertools
import pathlib
import re
import shutil
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.agreement import disagreement
from support.bundle import RELEASES, release_roots, release_tree, release_version
from support.mutants import DrawPicks, mutate_docs
from support.qemu_frontend import FrontendUnavailable, QemuFrontend

from qapidoc import LoadOptions, load_schema
from qapidoc.cli.main import main
from qapidoc.rules import Severity

pytestmark = pytest.mark.slow

#: releases whose front end runs on today's Python
WITH_FRONTEND = tuple(tag for tag in RELEASES if release_version(tag) >= (2, 12))


class Frontends:
    """QEMU's front end of each release, started when first asked for."""

    def __init__(self, repo: pathlib.Path) -> None:
        self.repo = repo
        self.running: dict[str, QemuFrontend] = {}

    def __getitem__(self, tag: str) -> QemuFrontend:
        if tag not in self.running:
            try:
                self.running[tag] = QemuFrontend(release_tree(self.repo, tag))
            except FrontendUnavailable as err:
                pytest.skip(str(err))
        return self.running[tag]

    def close(self) -> None:
        for frontend in self.running.values():
            frontend.close()


@pytest.fixture(scope="module")
def frontends(history_repo: pathlib.Path) -> Iterator[Frontends]:
    running = Frontends(history_repo)
    yield running
    running.close()


@pytest.mark.parametrize("tag", RELEASES)
def test_every_root_checks_clean(history_repo: pathlib.Path, frontends: Frontends, tag: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    roots = release_roots(history_repo, tag)
    assert "qmp" in roots and "qga" in roots
    assert ("qsd" in roots) == (release_version(tag) >= (5, 0))
    major, minor = release_version(tag)
    for kind, root in roots.items():
        code = main(["check", "--show-dialect", str(root)])
        out, err = capsys.readouterr()
        assert code == 0, f"{tag} {kind}:\n{out}{err}"
        assert f"dialect {major}.{minor} (version-file: " in err, err
    if tag in WITH_FRONTEND:
        verdicts = frontends[tag].verdicts(roots.values())
        assert all(v == {"verdict": "ok"} for v in verdicts), verdicts


@pytest.mark.parametrize("tag", RELEASES)
def test_detection_alone_keeps_every_root_clean(history_repo: pathlib.Path, tag: str) -> None:
    """Outside a QEMU tree (no ``VERSION``), the dialect detected from the
    schema alone accepts it too: detection never picks a release whose
    rules the schema breaks where another release accepts it."""
    for kind, root in release_roots(history_repo, tag).items():
        result = load_schema(str(root), LoadOptions(tree_version=False))
        assert result.dialect.origin != "version-file"
        errors = [f"{d.span}: {d.message}" for d in result.diagnostics if d.severity is Severity.ERROR]
        assert not errors, f"{tag} {kind} detected as {result.dialect} ({result.dialect.evidence}): {errors[:3]}"


@pytest.mark.slow
def test_development_snapshots_check_clean(history_repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """Each release's schema in a tree whose VERSION still names the
    development cycle after the release before (``10.0.50`` for 10.1's),
    as a checkout just before a release's first candidate looks: every root
    checks clean, raised from the older release's rules by what only the
    newer one allows (the release's own parser changed with its schema)."""
    failures = []
    for before, tag in itertools.pairwise(RELEASES):
        major, minor = release_version(before)
        tree = tmp_path / tag
        for kind, root in release_roots(history_repo, tag).items():
            relative = root.relative_to(release_tree(history_repo, tag))
            copy = tree / relative.parent
            if not copy.exists():
                shutil.copytree(root.parent, copy)
            (tree / "VERSION").write_text(f"{major}.{minor}.50\n")
            result = load_schema(str(tree / relative))
            assert result.dialect.origin == "version-file"
            errors = [f"{d.span}: {d.message}" for d in result.diagnostics if d.severity is Severity.ERROR]
            if errors:
                failures.append(f"{tag} {kind} as {major}.{minor}.50 ({result.dialect}): {errors[:2]}")
    assert not failures, failures


# --- mutants of the QGA schema of each release ----------------------------------------------

@st.composite
def doc_mutants(draw: st.DrawFn, text: str) -> str:
    """``text`` with one to three of its doc comment lines changed."""
    return mutate_docs(DrawPicks(draw), text)


# The same mutants on every run, so that CI says the same of the same code
# (a wider, seeded search: scripts/release_agreement.py).
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_qga_mutants_agree_with_qemu(history_repo: pathlib.Path, frontends: Frontends,
                                     data: st.DataObject) -> None:
    """A mutated QGA schema, read by the dialect its tree's VERSION names:
    qapidoc's verdict is QEMU's (accept, or reject where QEMU does)."""
    tag = data.draw(st.sampled_from(WITH_FRONTEND))
    root = release_roots(history_repo, tag)["qga"]
    original = root.read_text()
    assert not re.search(r"^\{\s*'include'", original, re.MULTILINE), "QGA is one file"
    mutant = root.with_name("zz-mutant.json")
    mutant.write_text(data.draw(doc_mutants(original)))
    [verdict] = frontends[tag].verdicts([mutant])
    if verdict["verdict"] == "crash":
        return      # QEMU's own bug on this input: it says nothing of the language
    result = load_schema(str(mutant))
    assert result.dialect.origin == "version-file"
    assert disagreement(result, verdict, first_only=False) is None
