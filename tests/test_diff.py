"""``qapidoc diff``: the comparison, its verdicts, its formats and its CLI.

The cases are data: ``tests/data/diff/CASE/{old,new}.json`` with the changes
expected in ``expected.txt`` (kind, subject, message, both locations, both
verdicts with their reasons, direction, promise).  After a deliberate change,
regenerate them with ``QAPIDOC_UPDATE=1 pytest tests/test_diff.py`` and review
the diff.  The targeted tests below pin the policy itself, so a wrong
regeneration still fails.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest

from qapidoc import LoadOptions, load_schema
from qapidoc.backends.compat import Change, Kind, compare, counts_by_kind, render_cond
from qapidoc.cli import main
from qapidoc.cli.diff import format_changes
from qapidoc.frontend.dialect import parse_dialect
from qapidoc.frontend.expressions import CondAll, CondAny, CondNot, CondVar
from qapidoc.frontend.model import Schema
from qapidoc.source import Span

DATA = pathlib.Path(__file__).resolve().parent / "data" / "diff"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "old.json").is_file())
UPDATE = bool(os.environ.get("QAPIDOC_UPDATE"))


def _options(case: str) -> tuple[LoadOptions, LoadOptions]:
    old, new = LoadOptions(), LoadOptions()
    options = DATA / case / "options"
    if options.is_file():
        for line in options.read_text().splitlines():
            key, _, value = (part.strip() for part in line.partition("="))
            version = parse_dialect(value)
            assert version is not None, line
            if key == "old-dialect":
                old = LoadOptions(dialect=version)
            elif key == "new-dialect":
                new = LoadOptions(dialect=version)
    return old, new


def _load(path: pathlib.Path, options: LoadOptions | None = None) -> Schema:
    result = load_schema(str(path), options)
    assert result.ok, [f"{d.span}: {d.message}" for d in result.diagnostics]
    assert result.schema is not None
    return result.schema


def changes_of(case: str) -> list[Change]:
    old_options, new_options = _options(case)
    return compare(_load(DATA / case / "old.json", old_options), _load(DATA / case / "new.json", new_options))


def _where(span: Span | None) -> str:
    if span is None:
        return "-"
    return f"{pathlib.Path(span.file.path).resolve().relative_to(DATA)}:{span.line}:{span.column}"


def render(changes: list[Change]) -> str:
    lines = []
    for c in changes:
        lines.append(f"{c.kind.value}: {c.subject}")
        lines.append(f"    {c.message}")
        lines.append(f"    old {_where(c.old)}  new {_where(c.new)}")
        lines.append(f"    client {c.client.level}: {c.client.reason}")
        lines.append(f"    server {c.server.level}: {c.server.reason}")
        lines.append(f"    direction {c.direction}, promise {c.promise}")
        lines.extend(f"    also {also}" for also in c.also)
    return "\n".join(lines) + "\n" if lines else "(no changes)\n"


@pytest.mark.parametrize("case", CASES)
def test_case(case: str) -> None:
    got = render(changes_of(case))
    expected = DATA / case / "expected.txt"
    if UPDATE:
        expected.write_text(got)
    assert expected.is_file(), f"run QAPIDOC_UPDATE=1 pytest {__file__} to create {expected}"
    assert got == expected.read_text()


def by_subject(case: str) -> dict[tuple[str, str], Change]:
    return {(c.kind.value, c.subject): c for c in changes_of(case)}


# --- the policy, pinned one rule at a time ----------------------------------------------

def test_commands_and_events() -> None:
    got = by_subject("commands")
    removed = got["command-removed", "command drop-me"]
    assert (removed.client.level, removed.promise, removed.breaking, removed.violation) == (
        "breaking", "stable", True, True)
    deprecated = got["command-removed", "command drop-deprecated"]
    assert (deprecated.promise, deprecated.breaking, deprecated.violation) == ("deprecated", True, False)
    for name in ("x-drop-experiment", "drop-unstable"):
        unstable = got["command-removed", f"command {name}"]
        assert (unstable.client.level, unstable.promise, unstable.breaking) == ("breaking", "unstable", False)
    assert got["command-added", "command fresh-command"].client.level == "compatible"
    assert got["event-added", "event FRESH_EVENT"].client.level == "compatible"
    assert got["event-removed", "event GONE"].violation
    # A command that became an event is one removed and one added.
    assert ("command-removed", "command becomes-event") in got
    assert ("event-added", "event BECOMES_EVENT") in got
    assert not any(c.subject.startswith(("command stay", "event STAYING")) for c in got.values())


def test_arguments_direction() -> None:
    got = by_subject("arguments")
    level = {key: c.client.level for key, c in got.items()}
    assert level["member-added", "command tune / arguments / member new-optional"] == "compatible"
    assert level["member-added", "command tune / arguments / member new-mandatory"] == "breaking"
    assert level["member-required", "command tune / arguments / member speed"] == "breaking"
    assert level["member-optional", "command tune / arguments / member mode"] == "compatible"
    assert level["member-removed", "command tune / arguments / member gone-optional"] == "breaking"
    assert level["member-removed", "command tune / arguments / member gone-mandatory"] == "breaking"
    assert level["member-added", "command no-args / arguments / member verbose"] == "compatible"
    assert all(c.direction == "input" for c in got.values())
    # An argument added as optional may be used by a new client only if the server has it.
    assert got["member-added", "command tune / arguments / member new-optional"].server.level == "caution"


def test_returns_direction() -> None:
    got = by_subject("returns")
    level = {key: c.client.level for key, c in got.items()}
    assert level["member-added", "command query-status / returns / member new-mandatory"] == "compatible"
    assert level["member-added", "command query-status / returns / member new-optional"] == "compatible"
    assert level["member-removed", "command query-status / returns / member gone-mandatory"] == "breaking"
    assert level["member-removed", "command query-status / returns / member gone-optional"] == "compatible"
    assert level["member-optional", "command query-status / returns / member state"] == "breaking"
    assert level["member-required", "command query-status / returns / member detail"] == "compatible"
    # No 'returns' is {}: an object with members is compatible for clients.
    assert level["member-added", "command query-nothing / returns / member value"] == "compatible"
    assert level["type-changed", "command query-list / returns"] == "breaking"
    server = {key: c.server.level for key, c in got.items()}
    assert server["member-added", "command query-status / returns / member new-mandatory"] == "breaking"


def test_events_are_output() -> None:
    got = by_subject("events")
    assert got["member-optional", "event JOB_DONE / data / member len"].client.level == "breaking"
    assert got["member-removed", "event JOB_DONE / data / member error"].client.level == "compatible"
    assert got["member-added", "event JOB_DONE / data / member offset"].client.level == "compatible"
    assert got["member-added", "event PLAIN / data / member why"].direction == "output"


def test_enums() -> None:
    got = by_subject("enums")
    assert got["enum-value-added", "command set-mode / arguments / member mode / value turbo"].client.level \
        == "compatible"
    removed = got["enum-value-removed", "command set-mode / arguments / member mode / value legacy"]
    assert (removed.client.level, removed.violation) == ("breaking", True)
    deprecated = got["enum-value-removed", "command set-mode / arguments / member mode / value old-way"]
    assert (deprecated.promise, deprecated.violation, deprecated.breaking) == ("deprecated", False, True)
    added_out = got["enum-value-added", "command query-state / returns / member state / value sleeping"]
    assert added_out.client.level == "caution" and "exhaustively" in added_out.client.reason
    assert got["enum-value-removed", "command query-state / returns / member state / value zombie"] \
        .client.level == "compatible"
    # Shared by both directions: one change, named by its worst path.
    shared = [c for c in got.values() if c.message == "value 'c' added"]
    assert len(shared) == 1 and shared[0].direction == "both" and shared[0].client.level == "caution"
    assert shared[0].subject == "command query-state / returns / member shared / value c"
    assert shared[0].also == ("command set-mode / arguments / member shared / value c",)
    # Renamed and reordered: nothing.
    assert not any("member color" in c.subject for c in got.values())


def test_type_changes() -> None:
    got = {c.subject.rsplit(" / member ", 1)[1]: c for c in changes_of("types")}

    def levels(member: str) -> tuple[str, str]:
        return got[member].client.level, got[member].server.level
    # Every member is both sent and received: the worst of both directions.
    assert levels("name") == ("breaking", "breaking")
    assert levels("small") == ("breaking", "caution")        # wider: fine in, not out
    assert levels("big") == ("breaking", "caution")          # narrower: fine out, not in
    assert levels("label") == ("breaking", "caution")        # str -> enum
    assert levels("level") == ("caution", "caution")         # enum -> str
    assert levels("data") == ("breaking", "caution")         # str -> any
    assert levels("blob") == ("breaking", "caution")         # any -> str
    assert levels("one") == levels("many") == ("breaking", "breaking")
    assert "same" not in got and "unsigned" not in got       # int64 is int, size is uint64


def test_type_changes_by_direction() -> None:
    schema_old = _load(DATA / "types" / "old.json")
    schema_new = _load(DATA / "types" / "new.json")
    only_in = [c for c in compare(schema_old, schema_new) if "set-values" in c.subject or any(
        "set-values" in a for a in c.also)]
    assert only_in and all(c.direction == "both" for c in only_in)


def test_alternates() -> None:
    got = by_subject("alternates")
    # Two members changed from str to an alternate: two changes, though the
    # alternate is shared.
    into = got["alternative-added", "command query-connection / returns / member to / as null"]
    assert into.client.level == "breaking" and into.direction == "output" and not into.also
    assert got["alternative-added", "command connect / arguments / member to / as null"].client.level \
        == "compatible"
    removed = got["alternative-removed", "command connect / arguments / member opt / as boolean"]
    assert removed.client.level == "breaking" and removed.direction == "input"
    # Branch names are not on the wire: 'target' -> 'definition' is no change.
    assert not any(c.kind is Kind.ALTERNATIVE_REMOVED and "via" in c.subject for c in got.values())
    port = got["member-added", "command connect / arguments / member via / as object / member port"]
    assert port.also == ("command query-connection / returns / member via / as object / member port",)


def test_alternative_added_to_input_is_compatible(tmp_path: pathlib.Path) -> None:
    """QAPI's own example: turning an argument type into an alternate of
    that type is compatible; the same edit to a return value is not."""
    (tmp_path / "old.json").write_text(
        "{ 'command': 'set-name', 'data': { 'name': 'str' } }\n"
        "{ 'struct': 'Name', 'data': { 'name': 'str' } }\n"
        "{ 'command': 'query-name', 'returns': 'Name' }\n")
    (tmp_path / "new.json").write_text(
        "{ 'alternate': 'StrOrNull', 'data': { 's': 'str', 'n': 'null' } }\n"
        "{ 'command': 'set-name', 'data': { 'name': 'StrOrNull' } }\n"
        "{ 'struct': 'Name', 'data': { 'name': 'StrOrNull' } }\n"
        "{ 'command': 'query-name', 'returns': 'Name' }\n")
    changes = compare(_load(tmp_path / "old.json"), _load(tmp_path / "new.json"))
    assert [(c.subject, c.client.level, c.direction) for c in changes] == [
        ("command query-name / returns / member name / as null", "breaking", "output"),
        ("command set-name / arguments / member name / as null", "compatible", "input"),
    ]


def test_unions() -> None:
    got = by_subject("unions")
    assert got["branch-added", "command block-add / arguments / branch ssh"].client.level == "compatible"
    assert got["branch-added", "command block-add / arguments / branch iscsi"].message == \
        "branch 'iscsi' added (no members)"
    assert got["branch-removed", "command block-add / arguments / branch gone"].violation
    assert ("member-added", "command block-add / arguments / branch null / member size") in got
    assert ("member-removed", "command block-add / arguments / branch nbd / member export") in got
    # A base member added shows once, for the union, not in every branch.
    assert ("member-added", "command block-add / arguments / member discard") in got
    assert not any(c.subject.endswith("/ member discard") and "branch" in c.subject for c in got.values())
    # A member moved from every branch into the base: nothing.
    assert not any("command draw" in c.subject for c in got.values())
    assert got["branch-added", "command query-addr / returns / branch vsock"].client.level == "caution"
    assert got["discriminator-changed", "command query-addr / returns"].client.level == "breaking"


def test_struct_to_union() -> None:
    got = by_subject("struct-to-union")
    assert set(got) == {
        ("member-added", "command query-guest / returns / member type"),
        ("member-removed", "command query-guest / returns / branch secure / member policy"),
        ("member-removed", "command query-guest / returns / branch secure / member handle"),
        ("member-added", "command query-guest / returns / branch secure / member secure-policy"),
    }


def test_features() -> None:
    got = by_subject("features")
    deprecated = got["feature-added", "command old-api / feature deprecated"]
    assert deprecated.client.level == "caution" and deprecated.server.level == "compatible"
    assert got["feature-added", "command configure / arguments / member a / feature deprecated"]
    assert got["feature-added", "command configure / arguments / member b / feature unstable"].client.level \
        == "caution"
    assert got["feature-removed", "command configure / arguments / member c / feature deprecated"].client.level \
        == "compatible"
    assert got["feature-removed", "command exp-api / feature unstable"].client.level == "compatible"
    assert got["feature-removed", "command configure / arguments / feature dynamic-thing"].client.level \
        == "caution"
    assert got["feature-added", "command configure / arguments / feature new-capability"].client.level \
        == "compatible"
    assert ("feature-added", "event TICK / feature deprecated") in got
    assert ("feature-added", "command pick / arguments / member kind / value two / feature deprecated") in got


def test_conditions() -> None:
    got = by_subject("conditions")
    assert got["condition-removed", "command a-cmd"].client.level == "compatible"
    assert got["condition-added", "command b-cmd"].client.level == "caution"
    changed = got["condition-changed", "command c-cmd"]
    assert changed.message == "condition changed from CONFIG_C to CONFIG_C and not CONFIG_D"
    assert ("condition-removed", "command d-cmd / arguments / member m") in got
    # The discriminator's values are compared as the union's branches.
    assert ("condition-added", "command query-backend / returns / branch x") in got
    assert ("condition-changed", "command query-backend / returns / branch y") in got


def test_condition_rendering() -> None:
    cond = CondAll((CondVar("A"), CondAny((CondVar("B"), CondNot(CondVar("C"))))))
    assert render_cond(cond) == "A and (B or not C)"
    assert render_cond(CondNot(CondAll((CondVar("A"), CondVar("B"))))) == "not (A and B)"


def test_flags() -> None:
    got = by_subject("flags")
    assert got["flag-removed", "command oob-gone / flag allow-oob"].client.level == "breaking"
    assert got["flag-added", "command oob-new / flag allow-oob"].client.level == "compatible"
    assert got["flag-removed", "command preconfig-gone / flag allow-preconfig"].client.level == "breaking"
    assert got["flag-added", "command now-quiet / flag success-response: false"].client.level == "breaking"
    assert got["flag-removed", "command quiet / flag success-response: false"].client.level == "caution"
    assert not any("internal" in c.subject for c in got.values())      # gen, coroutine: not on the wire


def test_refactorings_are_no_change() -> None:
    assert changes_of("refactor") == []
    assert changes_of("simple-union") == []


def test_recursion_reports_once() -> None:
    changes = changes_of("recursion")
    assert [(c.kind, c.subject, c.direction) for c in changes] == [
        (Kind.MEMBER_ADDED, "command query-tree / returns / member size", "both")]
    assert changes[0].also == ("command set-tree / arguments / member root / as object / member size",)


def test_shared_type_one_change_per_edit() -> None:
    changes = changes_of("shared")
    assert len(changes) == 2
    optional = next(c for c in changes if c.kind is Kind.MEMBER_OPTIONAL)
    assert optional.subject == "command query-addr / returns / member port"   # where it breaks
    assert optional.client.level == "breaking" and optional.direction == "both"
    assert set(optional.also) == {"command listen / arguments / member addr / member port",
                                  "command connect / arguments / member addr / member port"}


def test_promise() -> None:
    got = by_subject("promise")
    assert got["member-removed", "command x-debug / arguments / member level"].promise == "unstable"
    assert got["member-removed", "command legacy / arguments / member level"].promise == "deprecated"
    assert got["member-removed", "command exp / arguments / member level"].promise == "unstable"
    assert got["member-removed", "command mixed / arguments / member keep"].violation
    sub = next(c for c in got.values() if c.message == "member 'a' removed")
    assert sub.promise == "deprecated"       # the strongest of deprecated and unstable paths
    sub2 = next(c for c in got.values() if c.message == "member 'b' removed")
    assert sub2.promise == "stable" and sub2.violation
    values = {c.message: c.promise for c in got.values() if c.kind is Kind.ENUM_VALUE_REMOVED}
    assert values == {"value 'x-turbo' removed": "unstable", "value 'eco' removed": "unstable",
                      "value 'off' removed": "deprecated", "value 'auto' removed": "stable"}


def test_counts_by_kind() -> None:
    counts = counts_by_kind(changes_of("arguments"))
    assert counts == {"member-added": 3, "member-removed": 2, "member-optional": 1, "member-required": 1}


def test_every_kind_is_exercised() -> None:
    kinds = {c.kind for case in CASES for c in changes_of(case)}
    assert kinds == set(Kind)


def test_reverse_swaps_added_and_removed() -> None:
    swap = {"added": "removed", "removed": "added", "optional": "required", "required": "optional"}
    for case in CASES:
        old_options, new_options = _options(case)
        old = _load(DATA / case / "old.json", old_options)
        new = _load(DATA / case / "new.json", new_options)
        forward = counts_by_kind(compare(old, new))
        backward = counts_by_kind(compare(new, old))
        flipped: dict[str, int] = {}
        for kind, n in forward.items():
            head, _, tail = kind.rpartition("-")
            key = f"{head}-{swap.get(tail, tail)}"
            flipped[key] = flipped.get(key, 0) + n
        assert {k: v for k, v in flipped.items() if not k.startswith(("feature", "condition"))} == {
            k: v for k, v in backward.items() if not k.startswith(("feature", "condition"))}, case


# --- output formats -------------------------------------------------------------------------

def test_formats() -> None:
    changes = changes_of("arguments")
    text = format_changes(changes, "old.json", "new.json", "text")
    assert "breaking (policy violation: not deprecated first): command tune / arguments / member speed: " \
           "member 'speed' made mandatory [member-required]" in text
    assert text.rstrip().splitlines()[-2].startswith("old.json -> new.json: 7 changes: 4 breaking")
    brief = format_changes(changes, "old.json", "new.json", "text", brief=True)
    assert len(brief.splitlines()) == len(changes) + 2
    document = json.loads(format_changes(changes, "old.json", "new.json", "json"))
    assert document["summary"]["by_kind"]["member-added"] == 3
    assert document["summary"]["violations"] == 4
    first = document["changes"][0]
    assert set(first) == {"kind", "subject", "message", "direction", "promise", "breaking", "violation",
                          "client", "server", "old", "new", "also"}
    assert first["new"]["line"] >= 1
    markdown = format_changes(changes, "old.json", "new.json", "markdown")
    assert "## Breaking changes: policy violations (4)" in markdown
    assert "- `command tune / arguments / member new-mandatory`: mandatory member `new-mandatory` added" \
        in markdown
    github = format_changes(changes, "old.json", "new.json", "github")
    assert github.count("::error ") == 4


def test_markdown_escapes() -> None:
    changes = changes_of("flags")
    markdown = format_changes(changes, "o*ld.json", "new.json", "markdown")
    assert "# QMP changes from `o*ld.json` to `new.json`" in markdown
    assert "flag `success-response: false` added" in markdown


# --- command line ---------------------------------------------------------------------------

def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["diff", *argv])
    finally:
        sys.stdout, sys.stderr = old_out, old_err
    return code, out.getvalue(), err.getvalue()


def test_cli_exit_codes() -> None:
    args = str(DATA / "arguments" / "old.json"), str(DATA / "arguments" / "new.json")
    assert run_cli(*args)[0] == 1
    assert run_cli(*args, "--fail-on", "never")[0] == 0
    same = str(DATA / "refactor" / "old.json"), str(DATA / "refactor" / "new.json")
    code, out, _ = run_cli(*same, "--fail-on", "any")
    assert code == 0 and "no changes on the wire" in out
    features = str(DATA / "features" / "old.json"), str(DATA / "features" / "new.json")
    assert run_cli(*features)[0] == 0                     # nothing breaking ...
    assert run_cli(*features, "--fail-on", "any")[0] == 1  # ... but changes
    promise = str(DATA / "promise" / "old.json"), str(DATA / "promise" / "new.json")
    assert run_cli(*promise, "--fail-on", "violation")[0] == 1
    commands_only_deprecated = str(DATA / "commands" / "old.json"), str(DATA / "commands" / "new.json")
    assert run_cli(*commands_only_deprecated, "--fail-on", "breaking")[0] == 1


def test_cli_min_level() -> None:
    args = str(DATA / "arguments" / "old.json"), str(DATA / "arguments" / "new.json")
    code, out, _ = run_cli(*args, "--min-level", "breaking", "--brief")
    assert code == 1
    assert len(out.splitlines()) == 4 + 2


def test_cli_dialect_per_side() -> None:
    old, new = str(DATA / "simple-union" / "old.json"), str(DATA / "simple-union" / "new.json")
    # OLD (simple unions and C-expression 'if') is detected as 3.0 to 6.1.
    code, out, err = run_cli(old, new, "--fail-on", "any")
    assert (code, err) == (0, "") and "no changes on the wire" in out
    # Forced to 2.10, which has no 'if', it cannot be compared.
    code, _, err = run_cli(old, new, "--old-dialect", "2.10")
    assert code == 2 and "cannot compare" in err
    code, out, err = run_cli(old, new, "--old-dialect", "5.2", "--fail-on", "any")
    assert (code, err) == (0, "") and "no changes on the wire" in out


@pytest.mark.parametrize("bad", ["missing.json", "directory", "broken.json", "binary.json"])
def test_cli_bad_input_is_exit_2(tmp_path: pathlib.Path, bad: str) -> None:
    (tmp_path / "directory").mkdir()
    (tmp_path / "broken.json").write_text("{ 'command': 'x', 'data': { 'a': 'Nope' } }\n")
    (tmp_path / "binary.json").write_bytes(b"\x00\xff\xfe{{{")
    good = str(DATA / "arguments" / "old.json")
    for argv in ([str(tmp_path / bad), good], [good, str(tmp_path / bad)]):
        code, out, err = run_cli(*argv)
        assert code == 2, err
        assert out == "" and "Traceback" not in err and "internal error" not in err
        assert str(tmp_path / bad) in err


def test_cli_usage_errors() -> None:
    assert run_cli()[0] == 2
    assert run_cli("a.json")[0] == 2
    assert run_cli("a.json", "b.json", "--format", "nope")[0] == 2
    assert run_cli("a.json", "b.json", "--old-dialect", "banana")[0] == 2


def test_cli_json_is_valid(tmp_path: pathlib.Path) -> None:
    code, out, _ = run_cli(str(DATA / "unions" / "old.json"), str(DATA / "unions" / "new.json"),
                           "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["summary"]["changes"] == len(document["changes"])


# --- the QEMU corpora -------------------------------------------------------------------------

#: counts by kind of 7.2 -> 10.2, checked by hand (see the pull request);
#: a change in the comparison shows here first
CORPUS_COUNTS = {
    "qapi": {
        "command-added": 26, "command-removed": 3, "event-added": 7, "event-removed": 2, "member-added": 81,
        "member-removed": 37, "member-optional": 3, "member-required": 1, "type-changed": 5,
        "enum-value-added": 30, "enum-value-removed": 6, "branch-added": 19, "branch-removed": 3,
        "alternative-added": 3, "feature-added": 7, "condition-added": 8, "condition-removed": 14,
        "condition-changed": 1,
    },
    "qga": {"command-added": 2, "member-added": 1, "alternative-added": 1, "condition-added": 21,
            "condition-removed": 3},
    "storage-daemon/qapi": {
        "command-added": 3, "member-added": 42, "member-removed": 14, "member-optional": 1,
        "member-required": 1, "type-changed": 1, "enum-value-added": 3, "branch-added": 11,
        "feature-added": 7, "condition-added": 4,
    },
}
#: (breaking, policy violations) of the same
CORPUS_BREAKING = {"qapi": (33, 27), "qga": (0, 0), "storage-daemon/qapi": (5, 1)}


@pytest.mark.parametrize("root", sorted(CORPUS_COUNTS))
def test_corpus_7_2_to_10_2(shared_dir: pathlib.Path, root: str) -> None:
    old = _load(shared_dir / "corpus" / "qemu-7.2" / root / "qapi-schema.json")
    new = _load(shared_dir / "corpus" / "qemu-10.2" / root / "qapi-schema.json")
    start = time.perf_counter()
    changes = compare(old, new)
    elapsed = time.perf_counter() - start
    assert counts_by_kind(changes) == CORPUS_COUNTS[root]
    assert (sum(c.breaking for c in changes), sum(c.violation for c in changes)) == CORPUS_BREAKING[root]
    assert elapsed < 5.0
    assert compare(old, old) == [] and compare(new, new) == []


def test_corpus_spot_checks(shared_dir: pathlib.Path) -> None:
    old = _load(shared_dir / "corpus" / "qemu-7.2" / "qapi" / "qapi-schema.json")
    new = _load(shared_dir / "corpus" / "qemu-10.2" / "qapi" / "qapi-schema.json")
    got = {(c.kind.value, c.subject): c for c in compare(old, new)}
    singlestep = got["member-removed", "command query-status / returns / member singlestep"]
    assert singlestep.violation and singlestep.old is not None and singlestep.old.line == 116
    loaded = got["member-removed", "command object-add / arguments / branch secret / member loaded"]
    assert loaded.promise == "deprecated" and not loaded.violation
    assert got["command-removed", "command x-query-rdma"].promise == "unstable"
    assert got["event-removed", "event MEM_UNPLUG_ERROR"].promise == "deprecated"


def test_corpus_whole_process(shared_dir: pathlib.Path) -> None:
    """The command as users run it: a fresh interpreter, both loads, the
    comparison and the report."""
    old = shared_dir / "corpus" / "qemu-7.2" / "qapi" / "qapi-schema.json"
    new = shared_dir / "corpus" / "qemu-10.2" / "qapi" / "qapi-schema.json"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "qapidoc.cli", "diff", str(old), str(new), "--format", "json"],
                          capture_output=True, text=True, check=False, timeout=120)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"]["changes"] == sum(CORPUS_COUNTS["qapi"].values())
    assert elapsed < 20.0


def _wire(schema: Schema, name: str, seen: tuple[str, ...] = ()) -> object:
    """An independent, naive rendering of a type's wire structure: type
    names, features and conditions left out, recursion cut crudely."""
    from qapidoc.frontend.model import AlternateType, ArrayType, BuiltinType, EnumType, ObjectType
    ent = schema.type(name)
    if name in seen:
        return ("recursive", name)
    seen = (*seen, name)
    if isinstance(ent, BuiltinType):
        return ("integer", ent.minimum, ent.maximum) if ent.json_type == "integer" else (ent.json_type,)
    if isinstance(ent, EnumType):
        return ("enum", frozenset(ent.value_names))
    if isinstance(ent, ArrayType):
        return ("array", _wire(schema, ent.element, seen))
    if isinstance(ent, AlternateType):
        return ("alternate", frozenset(_wire(schema, v.type, seen) for v in ent.variants.branches))
    assert isinstance(ent, ObjectType), name
    tag = ent.variants.tag.name if ent.variants is not None else None
    members = frozenset((m.name, m.optional, "tag" if m.name == tag else _wire(schema, m.type, seen))
                        for m in ent.members)
    branches = None
    if ent.variants is not None:
        branches = frozenset((v.name, _wire(schema, v.type, seen)) for v in ent.variants.branches)
    return ("object", members, tag, branches)


@pytest.mark.parametrize("root", sorted(CORPUS_COUNTS))
def test_corpus_against_naive_oracle(shared_dir: pathlib.Path, root: str) -> None:
    """A command or event is reported changed (beyond features and
    conditions) exactly when its naive wire structure differs."""
    from qapidoc.frontend.model import CommandEntity, EventEntity
    old = _load(shared_dir / "corpus" / "qemu-7.2" / root / "qapi-schema.json")
    new = _load(shared_dir / "corpus" / "qemu-10.2" / root / "qapi-schema.json")
    reported = {path.split(" / ")[0] for c in compare(old, new)
                if not c.kind.value.startswith(("feature", "condition")) for path in (c.subject, *c.also)}
    roots_old = {e.name: e for e in old.entities.values() if isinstance(e, (CommandEntity, EventEntity))}
    roots_new = {e.name: e for e in new.entities.values() if isinstance(e, (CommandEntity, EventEntity))}
    changed = set()
    for name in roots_old.keys() & roots_new.keys():
        a, b = roots_old[name], roots_new[name]
        meta = "command" if isinstance(a, CommandEntity) else "event"
        wire_a = [_wire(old, a.arg_type or "q_empty")]
        wire_b = [_wire(new, b.arg_type or "q_empty")]
        if isinstance(a, CommandEntity) and isinstance(b, CommandEntity):
            wire_a.append(_wire(old, a.ret_type or "q_empty"))
            wire_b.append(_wire(new, b.ret_type or "q_empty"))
            if (a.allow_oob, a.allow_preconfig, a.success_response) != (
                    b.allow_oob, b.allow_preconfig, b.success_response):
                wire_a.append("flags")
        if wire_a != wire_b:
            changed.add(f"{meta} {name}")
    common = {f"{'command' if isinstance(e, CommandEntity) else 'event'} {n}"
              for n, e in roots_old.items() if n in roots_new}
    assert changed == reported & common
    assert len(changed) > (0 if root == "qga" else 10)


def test_cli_doc_errors_do_not_block(tmp_path: pathlib.Path) -> None:
    """Errors in doc comments do not change the wire: compared anyway, with
    a note; errors in definitions do block (see above)."""
    text = "##\n# @foo:\n#\n# @nonexistent: not a member\n##\n{ 'command': 'foo' }\n"
    (tmp_path / "old.json").write_text(text)
    (tmp_path / "new.json").write_text(text + "{ 'command': 'bar' }\n")
    result = load_schema(str(tmp_path / "old.json"))
    assert not result.ok and all(d.code >= "QD400" for d in result.diagnostics if d.level.value == "error")
    code, out, err = run_cli(str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--brief")
    assert code == 0
    assert out.startswith("compatible: command bar: command 'bar' added [command-added]")
    assert "the model is complete: the error above changes nothing in the comparison" in err
