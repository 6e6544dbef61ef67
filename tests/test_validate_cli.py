"""``qapidoc validate``: the checking loop, placeholders, reports and exit codes.

Most tests use a small schema written here, so the definitions each
finding names are pinned; the long-stream and memory tests use it too.
Traffic from a live QEMU is in test_validate_cli_live.py.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.interrupts import sigint_reaches_children

from qapidoc.backends.traffic import ReadOptions, read_traffic
from qapidoc.backends.validate import QmpValidator, rs_available
from qapidoc.cli import main
from qapidoc.cli.validate import (
    CheckStats,
    Finding,
    check_traffic,
    format_path,
    parse_placeholder,
)
from qapidoc.frontend.loader import load_text

SCHEMA = """\
{ 'enum': 'RunState', 'data': [ 'running', 'paused', 'shutdown' ] }
{ 'struct': 'StatusInfo', 'data': { 'running': 'bool', 'status': 'RunState' } }
{ 'command': 'query-status', 'returns': 'StatusInfo' }
{ 'command': 'stop' }
{ 'command': 'set-speed', 'data': { 'speed': 'uint16', '*unit': 'str' } }
{ 'command': 'reboot', 'success-response': false }
{ 'command': 'migrate-pause', 'allow-oob': true }
{ 'event': 'STOP' }
{ 'event': 'RESET', 'data': { 'guest': 'bool', 'reason': 'str' } }
"""

TS = '"timestamp": {"seconds": 1, "microseconds": 2}'
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def schema_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "schema.json"
    path.write_text(SCHEMA)
    return path


@pytest.fixture(scope="module")
def validator() -> QmpValidator:
    result = load_text("schema.json", SCHEMA)
    assert result.schema is not None and not result.diagnostics
    return QmpValidator(result.schema)


def check(validator: QmpValidator, text: str, placeholders: tuple[str, ...] = (),
          stats: CheckStats | None = None) -> list[Finding]:
    messages = read_traffic(io.BytesIO(text.encode()), "t.log", None, stats.traffic if stats else None)
    return list(check_traffic(messages, validator, [parse_placeholder(p) for p in placeholders], stats))


def where(findings: list[Finding]) -> list[tuple[int, int, str, str, str | None]]:
    """(line, number, JSON path, keyword, definition) of each finding."""
    return [(f.message.line, f.message.number, format_path(f.violation.path), f.violation.keyword,
             f.violation.definition) for f in findings]


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str],
            monkeypatch: pytest.MonkeyPatch | None = None, stdin: bytes | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


GOOD = (
    '{"QMP": {"version": {}, "capabilities": []}}\n'
    '{"execute": "query-status", "id": 1}\n'
    f'{{"event": "STOP", {TS}}}\n'
    '{"return": {"running": true, "status": "paused"}, "id": 1}\n'
    '{"execute": "set-speed", "arguments": {"speed": 65535, "unit": "rpm"}}\n'
    '{"error": {"class": "GenericError", "desc": "too fast"}}\n'
    '{"exec-oob": "migrate-pause", "id": "oob"}\n'
    '{"return": {}, "id": "oob"}\n'
    f'{{"event": "RESET", "data": {{"guest": false, "reason": "host"}}, {TS}}}\n'
    '{"execute": "reboot"}\n'
)

BAD = (
    '{"execute": "query-status", "id": 1}\n'                                       # 1
    '{"return": {"running": true, "status": "runing"}, "id": 1}\n'                 # 2
    '{"execute": "set-speed", "arguments": {"speed": 70000, "colour": 1}}\n'       # 3
    f'{{"event": "RESET", "data": {{"guest": 1}}, {TS}}}\n'                          # 4
    '{"exec-oob": "stop"}\n'                                                       # 5
    '{"execute": "reboot", "id": 2}\n'                                             # 6
    '{"return": {}, "id": 2}\n'                                                    # 7
    '{"execute": "no-such-command"}\n'                                             # 8
    '{"event": "NO_SUCH_EVENT", "timestamp": {"seconds": -2, "microseconds": 0}}\n'  # 9
    '{"execute": "stop",}\n'                                                       # 10
    '{"hello": "world"}\n'                                                         # 11
    '<- {"execute": "stop"}\n'                                                     # 12
    '{"error": {"class": "GenericError"}}\n'                                       # 13
    '{"return": {"running": false}}\n'                                             # 14
)


# --- the checking loop ------------------------------------------------------------------

def test_valid_traffic_gives_nothing(validator: QmpValidator) -> None:
    stats = CheckStats()
    assert check(validator, GOOD, stats=stats) == []
    assert stats.violations == 0 and stats.messages == 10
    assert stats.kinds == {"request": 4, "reply": 2, "error": 1, "event": 2, "greeting": 1, "unknown": 0,
                           "malformed": 0}


def test_each_violation_is_found_where_it_is(validator: QmpValidator) -> None:
    assert where(check(validator, BAD)) == [
        (2, 2, "$.return.status", "enum", "RunState"),
        (3, 3, "$.arguments.speed", "maximum", "uint16"),
        (3, 3, "$.arguments.colour", "additionalProperties", "set-speed"),
        (4, 4, "$.data.guest", "type", "bool"),
        (4, 4, "$.data", "required", "RESET"),
        (5, 5, "$.exec-oob", "additionalProperties", "stop"),
        (7, 7, "$.return", "false", "reboot"),
        (8, 8, "$.execute", "enum", None),
        (9, 9, "$.event", "enum", None),
        (10, 10, "$", "syntax", None),
        (11, 11, "$", "required", None),
        (12, 12, "$", "anyOf", None),
        (13, 13, "$.error", "required", None),
        (14, 14, "$.return.running", "additionalProperties", "stop"),
    ]


def test_replies_are_checked_against_the_command_they_answer(validator: QmpValidator) -> None:
    """The same reply is right for one command and wrong for another: the
    pairing decides, by id or by order."""
    reply = '{"return": {"running": true, "status": "running"}, "id": 5}\n'
    assert check(validator, '{"execute": "query-status", "id": 5}\n' + reply) == []
    assert where(check(validator, '{"execute": "stop", "id": 5}\n' + reply)) == [
        (2, 2, "$.return.running", "additionalProperties", "stop"),
        (2, 2, "$.return.status", "additionalProperties", "stop")]
    assert check(validator, '{"execute": "query-status"}\n{"execute": "stop"}\n'
                            '{"return": {"running": true, "status": "running"}}\n{"return": {}}\n') == []
    # a reply that answers no request seen is held to what any reply must be
    assert check(validator, reply) == []


def test_the_python_path_finds_what_the_fast_path_finds(validator: QmpValidator) -> None:
    result = load_text("schema.json", SCHEMA)
    assert result.schema is not None
    slow = QmpValidator(result.schema, fast=False)
    assert not slow.fast
    assert where(check(slow, BAD)) == where(check(validator, BAD))
    assert check(slow, GOOD) == []


@pytest.mark.skipif(not rs_available(), reason="jsonschema-rs is not installed")
def test_valid_messages_never_reach_python_jsonschema(validator: QmpValidator,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With jsonschema-rs, python-jsonschema only explains failures."""
    calls: list[str] = []
    for name in ("request", "reply", "event", "error_reply", "greeting", "any_message"):
        original = getattr(validator, name)

        def spy(*args: object, _name: str = name, _original: object = original) -> object:
            calls.append(_name)
            return _original(*args)  # type: ignore[operator]
        monkeypatch.setattr(validator, name, spy)
    assert check(validator, GOOD) == []
    assert calls == []
    check(validator, '{"execute": "stop", "arguments": {"x": 1}}\n')
    assert calls == ["request"]


# --- placeholders -----------------------------------------------------------------------

IOTESTS = (
    '{"execute": "stop"}\n'
    '{"return": {}}\n'
    '{"event": "STOP", "timestamp": {"seconds": "SECS", "microseconds": "USECS"}}\n'
    '{"event": "RESET", "data": {"guest": false, "reason": "host"}, "timestamp": "TIMESTAMP"}\n'
)


def test_placeholders_are_violations_unless_named(validator: QmpValidator) -> None:
    assert where(check(validator, IOTESTS)) == [
        (3, 3, "$.timestamp.seconds", "type", "STOP"),
        (3, 3, "$.timestamp.microseconds", "type", "STOP"),
        (4, 4, "$.timestamp", "type", "RESET"),
    ]
    stats = CheckStats()
    assert check(validator, IOTESTS, ("timestamp",), stats) == []
    (use,) = stats.placeholders
    assert use.count == 3 and use.first is not None and use.first.line == 3


def test_a_placeholder_glob_must_match(validator: QmpValidator) -> None:
    assert where(check(validator, IOTESTS, ("timestamp=SECS",))) == [
        (3, 3, "$.timestamp.microseconds", "type", "STOP"), (4, 4, "$.timestamp", "type", "RESET")]
    assert check(validator, IOTESTS, ("timestamp.*=*SECS", "timestamp=TIME*")) == []
    assert check(validator, IOTESTS, ("**=*",)) == []


def test_a_placeholder_never_excuses_a_missing_or_unknown_member_or_a_non_string(validator: QmpValidator) -> None:
    text = ('{"event": "STOP", "timestamp": {"seconds": "SECS"}}\n'
            '{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2, "nanoseconds": "NS"}}\n'
            '{"event": "STOP", "timestamp": {"seconds": 1.5, "microseconds": 2}}\n')
    assert where(check(validator, text, ("timestamp",))) == [
        (1, 1, "$.timestamp", "required", "STOP"),
        (2, 2, "$.timestamp.nanoseconds", "additionalProperties", "STOP"),
        (3, 3, "$.timestamp.seconds", "type", "STOP"),
    ]


def test_placeholder_paths_match_from_the_top_of_the_message(validator: QmpValidator) -> None:
    text = f'{{"event": "RESET", "data": {{"guest": "GUEST", "reason": "r"}}, {TS}}}\n'
    assert len(check(validator, text, ("guest",))) == 1
    assert check(validator, text, ("data.guest",)) == []
    assert check(validator, text, ("$.data.*",)) == []
    assert check(validator, text, ("**.guest",)) == []


@pytest.mark.parametrize(("spec", "path", "glob"), [
    ("timestamp", ("timestamp",), "*"),
    ("timestamp=*", ("timestamp",), "*"),
    ("$.timestamp.seconds=SECS", ("timestamp", "seconds"), "SECS"),
    ("return[0].id", ("return", "0", "id"), "*"),
    ("return[*].id=ID-?", ("return", "*", "id"), "ID-?"),
    ("**.node-name=NODE_*", ("**", "node-name"), "NODE_*"),
])
def test_placeholder_specs(spec: str, path: tuple[str, ...], glob: str) -> None:
    placeholder = parse_placeholder(spec)
    assert (placeholder.spec, placeholder.path, placeholder.glob) == (spec, path, glob)


@pytest.mark.parametrize(("spec", "error"), [
    ("", "expected a JSON path"),
    ("=SECS", "expected a JSON path"),
    ("timestamp=", "nothing after '='"),
    ("timestamp.", "the path ends with '.'"),
    ("a..b", "expected a member name at '.b'"),
    ("a[x]", "expected a member name at '[x]'"),
])
def test_bad_placeholder_specs(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match=error.replace("[", r"\[").replace(".", r"\.")):
        parse_placeholder(spec)


# --- the command: reports --------------------------------------------------------------------

def test_text_report(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "bad.log"
    log.write_text(BAD)
    code, out, err = run_cli([str(schema_path), str(log)], capsys)
    assert code == 1 and err == ""
    assert out.replace(str(log), "bad.log") == (
        "bad.log:2:1: error: message 2, reply to 'query-status' (line 1): $.return.status: "
        "expected one of 'running', 'paused', 'shutdown', got 'runing' [enum in RunState]\n"
        "bad.log:3:1: error: message 3, request 'set-speed': $.arguments.speed: "
        "70000 is out of the 'uint16' range 0 to 65535 [maximum in uint16]\n"
        "bad.log:3:1: error: message 3, request 'set-speed': $.arguments.colour: "
        "unknown member 'colour' [additionalProperties in set-speed]\n"
        "bad.log:4:1: error: message 4, event 'RESET': $.data.guest: expected a boolean, got 1 [type in bool]\n"
        "bad.log:4:1: error: message 4, event 'RESET': $.data: member 'reason' is required [required in RESET]\n"
        "bad.log:5:1: error: message 5, request 'stop': $.exec-oob: "
        "command 'stop' does not allow out-of-band execution [additionalProperties in stop]\n"
        "bad.log:7:1: error: message 7, reply to 'reboot' (line 6): $.return: "
        "command 'reboot' sends no success reply [false in reboot]\n"
        "bad.log:8:1: error: message 8, request 'no-such-command': $.execute: "
        "unknown command 'no-such-command' [enum]\n"
        "bad.log:9:1: error: message 9, event 'NO_SUCH_EVENT': $.event: unknown event 'NO_SUCH_EVENT' [enum]\n"
        "bad.log:10:20: error: message 10: not JSON: expecting property name enclosed in double quotes, "
        "found '}' [syntax]\n"
        '    {"execute": "stop",}\n'
        "bad.log:11:1: error: message 11: $: not a QMP message: expected member 'execute', "
        "'exec-oob', 'QMP', 'event', 'return' or 'error' [required]\n"
        "bad.log:12:4: error: message 12: $: not a QMP message: expected member 'QMP', 'event', "
        "'return' or 'error' [anyOf]\n"
        # no ids: these two answer the oldest requests without one, in order
        "bad.log:13:1: error: message 13, error reply to 'set-speed' (line 3): $.error: "
        "member 'desc' is required [required]\n"
        "bad.log:14:1: error: message 14, reply to 'stop' (line 5): $.return.running: "
        "unknown member 'running' [additionalProperties in stop]\n"
        "checked 14 messages (5 requests, 3 replies, 1 error reply, 2 events, 2 unknown, 1 malformed) in 1 file: "
        "14 violations in 12 messages\n"
        "note: 1 request got no reply ('no-such-command' at bad.log:8)\n")


def test_json_report(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "bad.log"
    log.write_text(BAD)
    code, out, _ = run_cli([str(schema_path), str(log), "--format", "json", "--placeholder", "nothing"], capsys)
    assert code == 1
    report = json.loads(out)
    first = report["violations"][0]
    assert first == {
        "severity": "error", "file": str(log), "line": 2, "column": 1, "message_number": 2, "kind": "reply",
        "name": "query-status", "direction": None, "definition": "RunState", "path": ["return", "status"],
        "json_path": "$.return.status", "keyword": "enum",
        "message": "expected one of 'running', 'paused', 'shutdown', got 'runing'",
        "context": "reply to 'query-status' (line 1)",
        "request": {"line": 1, "column": 1, "message_number": 1},
    }
    syntax = report["violations"][9]
    assert (syntax["line"], syntax["column"], syntax["keyword"], syntax["excerpt"]) == (
        10, 20, "syntax", '{"execute": "stop",}')
    summary = report["summary"]
    assert (summary["messages"], summary["violations"], summary["messages_with_violations"]) == (14, 14, 12)
    assert summary["placeholders"] == [{"placeholder": "nothing", "tolerated": 0, "first": None}]


def test_json_report_of_clean_traffic_and_jsonl(schema_path: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "good.log"
    log.write_text(GOOD)
    code, out, _ = run_cli([str(schema_path), str(log), "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["violations"] == []
    log.write_text(GOOD + '{"execute": "stop", "arguments": {"now": true}}\n')
    code, out, _ = run_cli([str(schema_path), str(log), "--format", "jsonl"], capsys)
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line.get("json_path") for line in lines] == ["$.arguments.now", None]
    assert lines[-1]["summary"]["messages"] == 11


def test_placeholders_are_never_silent(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "iotests.log"
    log.write_text(IOTESTS)
    code, out, _ = run_cli([str(schema_path), str(log), "--placeholder", "timestamp", "--placeholder", "data.x"],
                           capsys)
    assert code == 0
    assert out.replace(str(log), "io.log") == (
        "checked 4 messages (1 request, 1 reply, 2 events) in 1 file: no violations\n"
        "note: placeholder 'timestamp' tolerated 3 values (first at io.log:3, message 3)\n"
        "warning: placeholder 'data.x' matched nothing\n")


def test_standard_input_and_several_logs(schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run_cli([str(schema_path)], capsys, monkeypatch, stdin=b'{"execute": "stop", "id": 1}\n')
    assert code == 0 and out.startswith("checked 1 message (1 request) in 1 file: no violations\n")
    other = tmp_path / "other.log"
    other.write_text('{"return": {}, "id": 1}\n{"execute": "stop", "arguments": {}}\n')
    code, out, _ = run_cli([str(schema_path), "-", str(other), "-q"], capsys, monkeypatch,
                           stdin=b'{"execute": "stop", "id": 1}\n{"execute": "stop", "arguments": 1}\n')
    # each log is its own session: the reply in other.log answers nothing
    assert code == 1
    assert out.replace(str(other), "other.log") == (
        "<stdin>:2:1: error: message 2, request 'stop': $.arguments: expected an object, got 1 [type in stop]\n")


# --- the command: exit codes ---------------------------------------------------------------

def test_a_log_that_cannot_be_read_is_exit_2_and_the_others_are_checked(
        schema_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.log"
    good.write_text(GOOD)
    code, out, err = run_cli([str(schema_path), str(tmp_path / "missing.log"), str(good)], capsys)
    assert code == 2
    assert "can't read" in err and "missing.log" in err and "No such file" in err
    assert "checked 10 messages" in out


@pytest.mark.parametrize(("args", "error"), [
    (["--placeholder", "x="], "nothing after '='"),
    (["a.log", "b.log", "--follow"], "--follow reads one LOG"),
    (["--idle-timeout", "1"], "--idle-timeout goes with --follow"),
    (["--define", " "], "--define needs a symbol name"),
])
def test_usage_errors_are_exit_2(schema_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                 error: str) -> None:
    code, out, err = run_cli([str(schema_path), *args], capsys)
    assert code == 2 and out == "" and error in err


def test_a_schema_with_errors_checks_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "broken.json"
    schema.write_text("{ 'command': 'x', 'returns': 'NoSuchType' }\n")
    log = tmp_path / "log"
    log.write_text('{"execute": "x"}\n')
    code, out, err = run_cli([str(schema), str(log)], capsys)
    assert code == 1 and out == ""
    assert "NoSuchType" in err and "no traffic checked: 1 error in the definitions (QD311" in err


def test_defines_refuse_what_the_build_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "cond.json"
    schema.write_text("{ 'command': 'kvm-only', 'if': 'CONFIG_KVM' }\n{ 'command': 'always' }\n")
    log = tmp_path / "log"
    log.write_text('{"execute": "kvm-only"}\n{"execute": "always"}\n')
    assert run_cli([str(schema), str(log)], capsys)[0] == 0
    assert run_cli([str(schema), str(log), "--define", "CONFIG_KVM"], capsys)[0] == 0
    code, out, _ = run_cli([str(schema), str(log), "--define", "CONFIG_TCG"], capsys)
    assert code == 1 and "unknown command 'kvm-only'" in out


def test_follow_reports_as_the_log_grows(schema_path: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "live.log"
    log.write_text('{"execute": "query-status", "id": 1}\n')

    def writer() -> None:
        with log.open("a") as f:
            for line in ('{"return": {"running": true, "status": "wrong"}, "id": 1}\n',
                         f'{{"event": "STOP", {TS}}}\n'):
                time.sleep(0.1)
                f.write(line)
                f.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    start = time.monotonic()
    code, out, _ = run_cli([str(schema_path), str(log), "--follow", "--idle-timeout", "0.5"], capsys)
    thread.join()
    assert time.monotonic() - start < 10
    assert code == 1
    assert f"{log}:2:1: error: message 2, reply to 'query-status' (line 1): $.return.status:" in out
    assert "checked 3 messages (1 request, 1 reply, 1 event) in 1 file: 1 violation in 1 message" in out


# --- a long stream, memory ----------------------------------------------------------------

def synthetic(count: int, bad: dict[int, str] | None = None) -> bytes:
    """``count`` lines of mixed traffic: request, event, reply, error, in
    turn, with ids; line N replaced by ``bad[N]``."""
    templates = [
        '{"execute": "query-status", "id": %d}',
        f'{{"event": "RESET", "data": {{"guest": true, "reason": "x"}}, {TS}}}',
        '{"return": {"running": false, "status": "paused"}, "id": %d}',
        '{"execute": "set-speed", "arguments": {"speed": 100}, "id": %d}',
        '{"error": {"class": "GenericError", "desc": "busy"}, "id": %d}',
        f'{{"event": "STOP", {TS}}}',
    ]
    bad = bad or {}
    lines = []
    for n in range(count):
        template = templates[n % len(templates)]
        line = template % (n // 3) if "%d" in template else template
        lines.append(bad.get(n + 1, line))
    return ("\n".join(lines) + "\n").encode()


def test_a_long_synthetic_stream_finds_exactly_the_planted_errors(validator: QmpValidator) -> None:
    planted = {
        1_234: '{"execute": "query-status", "id": 411, "arguments": {"verbose": true}}',
        150_002: '{"event": "RESET", "data": {"guest": true}, ' + TS + "}",
        299_991: '{"return": {"running": false, "status": "halted"}, "id": 99996}',
    }
    stats = CheckStats()
    messages = read_traffic(io.BytesIO(synthetic(300_000, planted)), "long.log", None, stats.traffic)
    findings = list(check_traffic(messages, validator, (), stats))
    assert where(findings) == [
        (1_234, 1_234, "$.arguments.verbose", "additionalProperties", "query-status"),
        (150_002, 150_002, "$.data", "required", "RESET"),
        (299_991, 299_991, "$.return.status", "enum", "RunState"),
    ]
    assert stats.messages == 300_000
    assert stats.traffic.unpaired_replies == 0 and stats.traffic.unanswered_requests == 0


def _check_peak(validator: QmpValidator, data: bytes, options: ReadOptions | None = None) -> int:
    check(validator, synthetic(60).decode())     # compile the validators first
    tracemalloc.start()
    try:
        for _ in check_traffic(read_traffic(io.BytesIO(data), "m", options), validator):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_over_ten_times_the_input(validator: QmpValidator) -> None:
    small = _check_peak(validator, synthetic(6_000))
    large = _check_peak(validator, synthetic(60_000))
    assert large < small + 64 * 1024


def test_memory_stays_flat_when_every_message_is_bad(validator: QmpValidator) -> None:
    """Failing messages are explained (and the explanations cached, within a
    bound), but nothing is kept per message.  (These requests get no reply:
    the pending table is kept small, so that its own bound, tested in
    test_traffic.py, is not what is measured.)"""
    def bad(count: int) -> bytes:
        # every message differs (so each is explained afresh) in a value,
        # not in a key: orjson keeps a cache of up to 2048 keys, which would
        # grow the first 2048 distinct keys' worth
        return b"".join(b'{"execute": "stop", "arguments": {"x": %d}}\n' % i for i in range(count))
    options = ReadOptions(max_pending=100)
    check(validator, bad(3_000).decode())       # fill the explanation cache
    small = _check_peak(validator, bad(2_000), options)
    large = _check_peak(validator, bad(20_000), options)
    assert large < small + 64 * 1024


def test_follow_ends_on_ctrl_c_with_the_summary_of_what_was_read(schema_path: Path, tmp_path: Path) -> None:
    """As a user stops it: SIGINT to the whole process."""
    log = tmp_path / "followed.log"
    log.write_text('{"execute": "stop", "id": 1}\n{"return": {"unexpected": 1}, "id": 1}\n')
    with sigint_reaches_children():
        child = subprocess.Popen([sys.executable, "-m", "qapidoc.cli", "validate", str(schema_path), str(log),
                                  "--follow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        deadline = time.monotonic() + 30
        assert child.stdout is not None
        first = child.stdout.readline()         # printed as soon as it is found
        assert "$.return.unexpected: unknown member 'unexpected'" in first
        while time.monotonic() < deadline and child.poll() is None:
            child.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(0.5)
        rest, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert err == ""
    assert rest == ("interrupted: checked 2 messages (1 request, 1 reply) in 1 file (2 lines read) before the end "
                    "of the input: 1 violation in what was read; the rest was not checked\n")


# --- bad input never raises ------------------------------------------------------------------

def test_too_deep_to_explain_is_a_violation_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "chain.json"
    schema.write_text("{ 'struct': 'Link', 'data': { 'name': 'str', '*next': 'Link' } }\n"
                      "{ 'command': 'chain', 'data': { 'head': 'Link' } }\n")
    link: dict[str, object] = {"name": 5}
    for _ in range(900):   # orjson reads up to 1024 levels; explaining needs more frames
        link = {"name": "x", "next": link}
    log = tmp_path / "deep.log"
    log.write_text(json.dumps({"execute": "chain", "arguments": {"head": link}}) + "\n")
    code, out, err = run_cli([str(schema), str(log), "-q"], capsys)
    assert (code, err) == (1, "")
    assert out.endswith(": error: message 1, request 'chain': $: this request 'chain' does not match its "
                        "schema; it is nested too deeply to say where [depth in chain]\n")


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)
_names = st.sampled_from(["query-status", "stop", "set-speed", "reboot", "migrate-pause", "STOP", "RESET", "x"])
_messages = st.one_of(
    st.fixed_dictionaries({"execute": _names | _json}, optional={"arguments": _json, "id": _json}),
    st.fixed_dictionaries({"exec-oob": _names}, optional={"arguments": _json, "id": _json, "execute": _names}),
    st.fixed_dictionaries({"return": _json}, optional={"id": _json}),
    st.fixed_dictionaries({"error": _json}, optional={"id": _json}),
    st.fixed_dictionaries({"event": _names | _json}, optional={"data": _json, "timestamp": _json}),
    st.fixed_dictionaries({"QMP": _json}),
    _json,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "-> ", "<- "]), _messages), max_size=8))
def test_any_messages_give_findings_and_never_raise(validator: QmpValidator,
                                                    items: list[tuple[str, object]]) -> None:
    text = "".join(arrow + json.dumps(message) + "\n" for arrow, message in items)
    stats = CheckStats()
    findings = check(validator, text, ("timestamp",), stats)
    assert stats.messages == len(items)
    assert all(1 <= f.message.line <= len(items) and f.violation.message for f in findings)
