"""Each QEMU release's own QAPI test suite, run in place with that release's rules.

For every release from 2.10 to 10.2, the suite of that release
(``tests/qapi-schema/`` in a clone of the history bundle) is run as
``tests/test_qemu_suite.py`` runs 10.2's: for every case ``X.json`` with an
``X.err``, qapidoc (with ``--dialect`` of the release) accepts it when
``X.err`` is empty, and its dump (``qapidoc dump``: every entity, member,
branch, condition and feature, and every doc comment section by section)
equals ``X.out`` byte for byte, in that release's format; otherwise it
reports its first error at QEMU's file and line, or inside the definition
QEMU names, or inside the doc comment QEMU's line is in (before 9.0 QEMU
reported doc-comment errors at the comment's first line, or where its
parser noticed them; see ``support.agreement``).

Then, from 2.12 on, the release's own front end and qapidoc read mutants of
its test cases (characters and lines deleted, duplicated, swapped,
inserted; hypothesis draws them) and must give the same verdict: accept,
or reject with QEMU's error among qapidoc's.

Known differences, where QEMU itself was wrong, are listed in
``tests/data/qemu-suites-known-differences.txt`` (currently none).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.agreement import disagreement
from support.bundle import RELEASES, release_tree, release_version
from support.mutants import DrawPicks, mutate
from support.qemu_frontend import FrontendUnavailable, QemuFrontend, parse_error_text

from qapidoc import LoadOptions, load_schema
from qapidoc.frontend.dump import dump_docs, dump_entities

KNOWN = {
    line.split()[0]: line.split(None, 1)[1]
    for line in (ROOT / "tests" / "data" / "qemu-suites-known-differences.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}


def _cases(suite: pathlib.Path) -> list[str]:
    # A case is a .json with its .err (some releases keep stale .err files).
    return sorted(p.stem for p in suite.glob("*.err") if p.with_suffix(".json").exists())


@pytest.mark.parametrize("tag", RELEASES)
def test_release_suite(history_repo: pathlib.Path, tag: str, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = release_tree(history_repo, tag) / "tests" / "qapi-schema"
    # QEMU runs its cases from the suite's directory (before 4.2 from the
    # top of the tree, naming them tests/qapi-schema/X.json): both give the
    # same file names to compare.
    monkeypatch.chdir(suite)
    options = LoadOptions(dialect=release_version(tag))
    cases = _cases(suite)
    assert len(cases) >= 160
    differences = {}
    for case in cases:
        expected = (suite / f"{case}.err").read_text()
        verdict = parse_error_text(expected) if expected.strip() else {"verdict": "ok"}
        result = load_schema(f"{case}.json", options)
        found = disagreement(result, verdict)
        if found is None and verdict["verdict"] == "ok":
            # The model and the doc comments, as that release printed them.
            dumped = dump_entities(result) + dump_docs(result)
            if dumped != (suite / f"{case}.out").read_text():
                found = "the dump differs from QEMU's .out"
        if found is not None and f"{tag}:{case}" not in KNOWN:
            differences[case] = found
    assert not differences, "\n".join(f"{case}: {why}" for case, why in differences.items())


def test_known_differences_are_real_cases(history_repo: pathlib.Path) -> None:
    for key in KNOWN:
        tag, case = key.split(":")
        assert case in _cases(release_tree(history_repo, tag) / "tests" / "qapi-schema"), key


# --- mutants, checked against each release's own front end ---------------------------------

WITH_FRONTEND = tuple(tag for tag in RELEASES if release_version(tag) >= (2, 12))


@st.composite
def mutants(draw: st.DrawFn, text: str) -> str:
    return mutate(DrawPicks(draw), text)


@pytest.fixture(scope="module")
def suite_frontends(history_repo: pathlib.Path) -> Iterator[dict[str, QemuFrontend]]:
    running: dict[str, QemuFrontend] = {}
    yield running
    for frontend in running.values():
        frontend.close()


@pytest.mark.slow
# The same mutants on every run, so that CI says the same of the same code
# (a wider, seeded search: scripts/release_agreement.py).
@settings(max_examples=600, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutants_agree_with_qemu(history_repo: pathlib.Path, suite_frontends: dict[str, QemuFrontend],
                                 data: st.DataObject) -> None:
    tag = data.draw(st.sampled_from(WITH_FRONTEND))
    tree = release_tree(history_repo, tag)
    suite = tree / "tests" / "qapi-schema"
    case = data.draw(st.sampled_from(_cases(suite)))
    # Beside the cases, so that their includes resolve as for the original.
    mutant = suite / "zz-mutant.json"
    mutant.write_text(data.draw(mutants((suite / f"{case}.json").read_text())))
    if tag not in suite_frontends:
        try:
            suite_frontends[tag] = QemuFrontend(tree)
        except FrontendUnavailable as err:
            pytest.skip(str(err))
    [verdict] = suite_frontends[tag].verdicts([mutant])
    if verdict["verdict"] == "crash":
        return      # QEMU's own bug on this input: it says nothing of the language
    result = load_schema(os.fspath(mutant), LoadOptions(dialect=release_version(tag)))
    assert disagreement(result, verdict, first_only=False) is None
