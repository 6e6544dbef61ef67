"""Issue 10, class 4: ``qapidoc validate`` says no where QEMU says no, says
so when it was interrupted, and follows a log that is truncated, rewritten
or replaced.

QEMU's JSON parser reads ``1.0`` as a double, which an integer member
refuses; an integer literal out of 64 bits is refused by an ``int64``;
an object with a key twice is refused outright.  Both validation engines
(jsonschema-rs for verdicts, python-jsonschema for explanations) and both
JSON readers must agree with QEMU, and with each other.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from support.interrupts import sigint_reaches_children

from qapidoc.backends.traffic import FollowedFile, ReadOptions, read_traffic
from qapidoc.backends.validate import QmpValidator, rs_available
from qapidoc.cli import main
from qapidoc.frontend.loader import load_text

SCHEMA_TEXT = """\
##
# @set-numbers:
#
# @i: an int
# @i8: an int8
# @i64: an int64
# @u64: a uint64
# @sz: a size
# @num: a number
# @any: anything
# @list: ints
#
# Since: 1.0
##
{ 'command': 'set-numbers',
  'data': { '*i': 'int', '*i8': 'int8', '*i64': 'int64', '*u64': 'uint64', '*sz': 'size',
            '*num': 'number', '*any': 'any', '*list': ['int'] } }
"""

REFUSED = [                     # (arguments as written on the wire, the member refused)
    ('{"i": 1.0}', "i"),
    ('{"i": 1e2}', "i"),
    ('{"i": 1E0}', "i"),
    ('{"i": -0.0}', "i"),
    ('{"i8": 128}', "i8"),
    ('{"i64": -9223372036854775809}', "i64"),
    ('{"i64": 9223372036854775808}', "i64"),
    ('{"u64": 18446744073709551616}', "u64"),
    ('{"u64": -1}', "u64"),
    ('{"sz": 2.5}', "sz"),
    ('{"list": [1, 2.0]}', "list"),
]
ACCEPTED = [
    '{"i64": -9223372036854775808}', '{"i64": 9223372036854775807}', '{"u64": 18446744073709551615}',
    '{"i": -0}', '{"num": 1.0}', '{"num": 1e300}', '{"num": -9223372036854775809}', '{"any": 1.5}',
    '{"any": {"i": 1.0}}', '{"list": []}',
]


@pytest.fixture(scope="module")
def schema_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "numbers.json"
    path.write_text(SCHEMA_TEXT)
    return path


@pytest.fixture(scope="module")
def validators(schema_path: Path) -> list[QmpValidator]:
    result = load_text(str(schema_path), SCHEMA_TEXT)
    assert result.ok and result.schema is not None, result.diagnostics
    engines = [QmpValidator(result.schema, fast=False)]
    if rs_available():
        engines.append(QmpValidator(result.schema, fast=True))
    return engines


def _validate(schema: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], log: str,
              *extra: str) -> tuple[int, str]:
    path = tmp_path / "traffic.log"
    path.write_text(log)
    code = main(["validate", str(schema), str(path), *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out


# --- QEMU's numbers ------------------------------------------------------------------------

@pytest.mark.parametrize(("arguments", "member"), REFUSED)
def test_what_qemu_refuses_is_refused(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      arguments: str, member: str) -> None:
    line = f'{{"execute": "set-numbers", "arguments": {arguments}}}\n'
    for layout in (line, "-> " + line, line.rstrip("\n") + " " + line):
        code, out = _validate(schema_path, tmp_path, capsys, layout, "-q")
        assert code == 1, (layout, out)
        assert f"$.arguments.{member}" in out


@pytest.mark.parametrize("arguments", ACCEPTED)
def test_what_qemu_accepts_is_accepted(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       arguments: str) -> None:
    code, out = _validate(schema_path, tmp_path, capsys, f'{{"execute": "set-numbers", "arguments": {arguments}}}\n')
    assert code == 0, out


def test_the_reason_says_why(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(schema_path, tmp_path, capsys,
                          '{"execute": "set-numbers", "arguments": {"i": 1.0, "i64": -9223372036854775809}}\n')
    assert code == 1
    assert "$.arguments.i: expected an integer, got 1.0, a number with a fraction or an exponent" in out
    assert "$.arguments.i64: expected an integer, got -9.223372036854776e+18, too large for a 64-bit integer" in out


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
                 st.integers(-2**70, 2**70).map(float)))
def test_the_engines_agree_on_numbers(validators: list[QmpValidator], value: int | float) -> None:
    for member in ("i", "i8", "i64", "u64", "sz", "num", "any"):
        message = {"execute": "set-numbers", "arguments": {member: value}}
        verdicts = {bool(engine.request(message)) for engine in validators}
        assert len(verdicts) == 1, (member, value)
        if type(value) is float and member not in ("num", "any"):
            assert verdicts == {True}, (member, value)      # refused: QEMU reads it as a double


def test_lint_refuses_the_same_in_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "ex.json"
    schema.write_text(SCHEMA_TEXT.replace(
        "# Since: 1.0\n",
        '# Since: 1.0\n#\n# .. qmp-example::\n#\n#    -> { "execute": "set-numbers", "arguments": { "i": 1.0 } }\n'
        '#    <- { "return": {} }\n'))
    code = main(["lint", "--no-config", str(schema)])
    out, _ = capsys.readouterr()
    assert code == 1 and "(at arguments.i, type 'int'): expected an integer, got 1.0" in out and ":17:" in out


# --- duplicate keys ------------------------------------------------------------------------------

@pytest.mark.parametrize(("log", "where"), [
    ('{"execute": "set-numbers", "arguments": {"i": 1, "i": 2}}\n', "1:50"),
    ('{"execute": "set-numbers", "execute": "set-numbers"}\n', "1:28"),
    ('{"execute": "set-numbers", "arguments": {"any": {"k": 1, "k": 1}}}\n', "1:58"),
    ('-> {"execute": "set-numbers", "arguments": {"i": 1, "i": 1}}\n', "1:53"),
    ('{"execute": "set-numbers"} {"execute": "set-numbers", "arguments": {"i": 1, "i": 1}}\n', "1:77"),
    ('{"execute": "set-numbers", "arguments": {"any": "\\u0022", "any": 1}}\n', "1:59"),
    ('{"execute": "set-numbers",\n "arguments": {"i": 1,\n  "i": 2}}\n', "3:3"),
    ('{"execute": "set-numbers", "arguments": {"any": "caf\u00e9", "any": 1}}\n', "1:57"),
])
def test_a_key_twice_is_refused_at_the_second(schema_path: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str], log: str, where: str) -> None:
    code, out = _validate(schema_path, tmp_path, capsys, log, "-q")
    assert code == 1, out
    assert f"traffic.log:{where}: error: message " in out and "QEMU refuses this JSON: duplicate member" in out


def test_a_lone_surrogate_is_refused(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _validate(schema_path, tmp_path, capsys,
                          '{"execute": "set-numbers", "arguments": {"any": "\\ud800"}}\n'
                          '{"execute": "set-numbers", "arguments": {"any": "\\ud83d\\ude00"}}\n', "--format", "json")
    assert code == 1 and out.count("lone UTF-16 surrogate") == 1
    out.encode("ascii")             # JSON output: escapes only


# --- interrupted runs --------------------------------------------------------------------------

def _interrupt(argv: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    with sigint_reaches_children():
        child = subprocess.Popen([sys.executable, "-m", "qapidoc.cli", *argv], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(stdin)
    child.stdin.flush()                  # the input stays open: a run that has not ended
    deadline = time.monotonic() + 60
    try:
        time.sleep(1.0)
        while child.poll() is None and time.monotonic() < deadline:
            child.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(0.5)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    return subprocess.CompletedProcess(argv, child.returncode, out, err)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_ctrl_c_says_the_run_was_interrupted(schema_path: Path, fmt: str) -> None:
    done = _interrupt(["validate", str(schema_path), "--format", fmt],
                      b'{"execute": "set-numbers", "arguments": {"i": 1}}\n' * 3)
    assert done.returncode == 130, done.stderr
    out = done.stdout.decode()
    assert b"Traceback" not in done.stderr
    if fmt == "text":
        assert out.splitlines()[0] == ("interrupted: checked 3 messages (3 requests) in 1 file (3 lines read) before "
                                       "the end of the input: 0 violations in what was read; the rest was not checked")
        assert "no violations" not in out
    else:
        assert '"complete": false' in out and '"messages": 3' in out


# --- following a log ----------------------------------------------------------------------------

def test_truncated_then_grown_past_the_old_size(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"one\ntwo\n")
    with FollowedFile(str(log)) as followed:
        assert followed.readline() == b"one\n" and followed.readline() == b"two\n"
        assert not followed.restart_if_changed()
        log.write_bytes(b"three\nfour\nfive\n")           # truncated and longer than before, at once
        assert followed.restart_if_changed()
        assert followed.readline() == b"three\n"
        with open(log, "ab") as f:
            f.write(b"six\n")                           # grown: not a restart
        assert not followed.restart_if_changed()
        assert followed.readline() == b"four\n"


def test_rewritten_with_the_same_size(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"aaaa\nbbbb\n")
    with FollowedFile(str(log)) as followed:
        followed.readline()
        followed.readline()
        log.write_bytes(b"aaaa\ncccc\ndddd\n")     # the same first line, then different
        assert followed.restart_if_changed()


def test_replaced_by_another_file(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"old\n")
    with FollowedFile(str(log)) as followed:
        followed.readline()
        log.rename(tmp_path / "log.1")                # rotated away: wait for a new one
        assert not followed.restart_if_changed()
        (tmp_path / "new").write_bytes(b"old\nnew\n")  # same start, longer: another file all the same
        (tmp_path / "new").rename(log)
        assert followed.restart_if_changed()
        assert followed.readline() == b"old\n" and followed.readline() == b"new\n"


def test_following_reports_what_each_version_of_the_log_holds(schema_path: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    bad = b'{"execute": "set-numbers", "arguments": {"i": %d.0}}\n'
    log.write_bytes(bad % 1)
    ticks = iter(range(1000))

    def stop() -> bool:
        tick = next(ticks)
        if tick == 2:
            log.write_bytes(bad % 2 + bad % 3 + b" " * 40 + b"\n")     # truncated and grown past, between polls
        if tick == 4:
            (tmp_path / "next").write_bytes(bad % 4)
            (tmp_path / "next").rename(log)
        return tick > 6

    options = ReadOptions(follow=True, poll_interval=0.01, stop=stop)
    with FollowedFile(str(log)) as followed:
        values = [m.value["arguments"]["i"] for m in read_traffic(followed, "log", options)  # type: ignore[arg-type]
                  if m.kind == "request"]
    assert values == [1.0, 2.0, 3.0, 4.0]
