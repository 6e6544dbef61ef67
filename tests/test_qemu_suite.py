"""QEMU's own QAPI test suite, run against qapidoc in place.

For every case ``X.json`` with an ``X.err``:

* ``X.err`` empty (a valid schema): qapidoc finds no error, and its model
  dump equals ``X.out`` (QEMU's dump of the parsed schema): every entity,
  member, type, optionality, enum value, base, tag, branch, feature and
  condition, and the doc comments too;
* ``X.err`` not empty: qapidoc finds an error, and its first error is at the
  file and line of QEMU's first located error.  QEMU reports semantic errors
  at the first line of the definition (after an ``In META 'NAME':`` line);
  qapidoc reports at the narrowest place and names the definition, so for
  those the definition qapidoc names must start at QEMU's line and the
  error must lie inside it.

Known, deliberate differences are listed in
``tests/data/qemu-suite-known-differences.txt`` (currently none).
"""

from __future__ import annotations

import os
import pathlib
import re

import pytest
from conftest import ROOT, shared_path

from qapidoc import LoadOptions, load_schema
from qapidoc.cli.common import exit_code
from qapidoc.frontend.dump import dump_docs, dump_entities

SUITE = shared_path() / "qapi-schema-tests" if shared_path() else None
KNOWN = {
    line.split()[0]: line.split(None, 1)[1] if len(line.split()) > 1 else ""
    for line in (ROOT / "tests" / "data" / "qemu-suite-known-differences.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
_LOCATED = re.compile(r"^(?:tests/qapi-schema/)?(?P<file>[^:\s]+\.json):(?P<line>\d+)(?::\d+)?: (?P<msg>.*)")
_CONTEXT = re.compile(r"^(?P<file>\S+\.json): In (?P<meta>\S+) '(?P<name>[^']*)':$")


def _cases() -> list[str]:
    if SUITE is None:
        return []
    # A case is a .json with its .err (two stale .err files have no .json;
    # QEMU does not run them).  missing-schema is tested on its own.
    return sorted(p.name[:-4] for p in SUITE.glob("*.err") if p.with_suffix(".json").exists())


CASES = _cases()
QEMU = LoadOptions(dialect=(10, 2))   # the suite is QEMU 10.2's


@pytest.fixture(autouse=True)
def _in_suite_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    if SUITE is None:
        pytest.skip("QEMU's test suite (../shared/qapi-schema-tests) is not available")
    # QEMU runs its tests from the suite directory: paths in .err are relative.
    monkeypatch.chdir(SUITE)


def test_suite_is_complete() -> None:
    assert len(CASES) >= 200, "QEMU's suite has about 209 cases with an .err file"
    assert not set(KNOWN) - set(CASES), "known differences name cases that do not exist"


@pytest.mark.parametrize("case", CASES)
def test_case(case: str) -> None:
    if case in KNOWN:
        pytest.xfail(KNOWN[case])
    expected_err = pathlib.Path(f"{case}.err").read_text()
    result = load_schema(f"{case}.json", QEMU)
    errors = [d for d in result.diagnostics if d.level.value == "error"]
    if not expected_err.strip():
        assert not errors, [f"{d.span}: {d.message}" for d in errors]
        assert exit_code(result.diagnostics) == 0
        expected = pathlib.Path(f"{case}.out").read_text()
        split = expected.find("\ndoc ")
        entities, docs = (expected, "") if split < 0 else (expected[:split + 1], expected[split + 1:])
        assert dump_entities(result) == entities
        assert dump_docs(result) == docs
        return
    assert errors, f"QEMU reports: {expected_err.strip()}"
    assert exit_code(result.diagnostics) != 0
    first = errors[0]
    lines = expected_err.splitlines()
    located = next((m for line in lines if (m := _LOCATED.match(line)) and not line.startswith("In file")), None)
    if located is None:
        # No location at all: the schema file itself cannot be read.
        assert first.span is None and first.path == f"{case}.json"
        assert "can't read schema file" in first.message
        return
    qemu_file, qemu_line = located["file"], int(located["line"])
    context = next((m for line in lines if (m := _CONTEXT.match(line))), None)
    assert first.span is not None
    ours = (os.path.basename(first.span.file.path), first.span.line)
    if ours == (qemu_file, qemu_line):
        return
    assert context is not None, (
        f"QEMU: {qemu_file}:{qemu_line}: {located['msg']}; qapidoc: {first.span}: {first.message}")
    # QEMU reports at the definition; we must name that definition and
    # point inside it.
    assert first.context is not None, f"qapidoc: {first.span}: {first.message} (no definition named)"
    assert (first.context.meta, first.context.name) == (context["meta"], context["name"])
    where = first.context.span
    assert (os.path.basename(where.file.path), where.line) == (qemu_file, qemu_line)
    assert first.span.file is where.file and first.span.start >= where.start


def test_missing_schema_file() -> None:
    """The one case without a .json: QEMU's 'can't read schema file'."""
    result = load_schema("missing-schema.json", QEMU)
    assert result.schema is None
    assert exit_code(result.diagnostics) == 2
    assert result.diagnostics[0].message.startswith("can't read schema file 'missing-schema.json'")


def test_messages_mostly_agree_with_qemu() -> None:
    """Beyond positions: qapidoc words its first error as QEMU does for most
    cases (a measure of fidelity, not a requirement; it must not regress)."""
    same = 0
    negative = 0
    for case in CASES:
        expected_err = pathlib.Path(f"{case}.err").read_text()
        if not expected_err.strip():
            continue
        negative += 1
        located = [m for line in expected_err.splitlines() if (m := _LOCATED.match(line))]
        if not located:
            continue
        qemu_message = located[0]["msg"]
        errors = [d for d in load_schema(f"{case}.json", QEMU).diagnostics if d.level.value == "error"]
        if errors and errors[0].message.split("\n")[0] == qemu_message:
            same += 1
    assert negative >= 195
    assert same / negative >= 0.9, f"only {same} of {negative} first messages word it as QEMU does"
