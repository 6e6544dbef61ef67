"""The live-QEMU harness: a real QEMU 7.2 with QMP on a unix socket.

Tests that need QEMU skip, with the reason, where it is missing or is not
7.2.  The transcript and availability tests at the end run everywhere.
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.qemu_live import (
    QemuProcess,
    QMPCommandError,
    QMPTimeout,
    SessionError,
    Transcript,
    capture_session,
    qemu_unavailable_reason,
    start_qemu,
)

UNAVAILABLE = qemu_unavailable_reason()
needs_qemu = pytest.mark.skipif(UNAVAILABLE is not None, reason=str(UNAVAILABLE))


@pytest.fixture
def qemu(tmp_path: Path) -> Iterator[QemuProcess]:
    with start_qemu(tmp_path) as process:
        yield process


# --------------------------------------------------------------------------
# Against a live QEMU


@needs_qemu
def test_greeting_reports_qemu_7_2(qemu: QemuProcess) -> None:
    greeting = qemu.qmp.greeting
    assert greeting is not None
    version = greeting["QMP"]["version"]["qemu"]
    assert (version["major"], version["minor"]) == (7, 2)
    assert isinstance(greeting["QMP"]["capabilities"], list)
    first = qemu.transcript[0]
    assert (first.direction, first.message) == ("<-", greeting)
    assert json.loads(first.raw_line) == greeting


@needs_qemu
def test_query_status_returns_a_status(qemu: QemuProcess) -> None:
    status = qemu.qmp.command("query-status")
    assert isinstance(status, dict)
    assert status["status"] == "running"
    assert status["running"] is True


@needs_qemu
def test_stop_and_cont_emit_stop_and_resume(qemu: QemuProcess) -> None:
    qemu.qmp.command("stop")
    assert "timestamp" in qemu.qmp.wait_event("STOP", timeout=2)
    assert qemu.qmp.command("query-status")["status"] == "paused"
    qemu.qmp.command("cont")
    qemu.qmp.wait_event("RESUME", timeout=2)
    assert qemu.qmp.command("query-status")["status"] == "running"


@needs_qemu
def test_system_reset_emits_reset_with_machine_none(qemu: QemuProcess) -> None:
    qemu.qmp.command("system_reset")
    event = qemu.qmp.wait_event("RESET", timeout=2)
    assert event["data"] == {"guest": False, "reason": "host-qmp-system-reset"}


@needs_qemu
def test_quit_emits_shutdown_and_qemu_exits(qemu: QemuProcess) -> None:
    qemu.qmp.execute("quit")
    event = qemu.qmp.wait_event("SHUTDOWN", timeout=2)
    assert event["data"] == {"guest": False, "reason": "host-qmp-quit"}
    assert qemu.wait_exit(5) == 0


@needs_qemu
def test_unknown_command_is_command_not_found(qemu: QemuProcess) -> None:
    reply = qemu.qmp.execute("no-such-command")
    assert reply["error"]["class"] == "CommandNotFound"
    assert reply["id"] == qemu.transcript.sent()[-1].message["id"]
    with pytest.raises(QMPCommandError) as info:
        qemu.qmp.command("no-such-command")
    assert info.value.error_class == "CommandNotFound"
    assert qemu.alive()


@needs_qemu
def test_reads_time_out_instead_of_hanging(qemu: QemuProcess) -> None:
    start = time.monotonic()
    with pytest.raises(QMPTimeout):
        qemu.qmp.read_message(timeout=0.2)
    with pytest.raises(QMPTimeout):
        qemu.qmp.wait_event("NEVER_SENT", timeout=0.2)
    assert time.monotonic() - start < 2


@needs_qemu
def test_qemu_is_killed_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), start_qemu(tmp_path) as process:
        raise RuntimeError("boom")
    assert process.popen.returncode is not None


@needs_qemu
def test_long_tmpdir_gets_a_short_socket_path(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    with start_qemu(deep) as process:
        assert process.qmp.command("query-status")["status"] == "running"
        assert len(str(process.socket_path)) < 108
        assert (deep / "qemu-stderr.txt").exists()


@needs_qemu
def test_capture_session_records_the_whole_session(tmp_path: Path) -> None:
    transcript = capture_session(
        [
            ("query-status", None),
            ("stop", None),
            ("cont", None),
            ("system_reset", None),
            ("no-such-command", {"x": 1}),
        ],
        tmp_path,
        settle=0.1,
    )
    directions = [entry.direction for entry in transcript]
    assert directions[0] == "<-" and "QMP" in transcript[0].message
    executed = [entry.message["execute"] for entry in transcript.sent()]
    assert executed == [
        "qmp_capabilities",
        "query-status",
        "stop",
        "cont",
        "system_reset",
        "no-such-command",
        "quit",
    ]
    assert [e["event"] for e in transcript.events()] == [
        "STOP",
        "RESUME",
        "RESET",
        "SHUTDOWN",
    ]
    replies = {request["execute"]: reply for request, reply in transcript.exchanges()}
    assert replies["no-such-command"] is not None
    assert replies["no-such-command"]["error"]["class"] == "CommandNotFound"
    assert replies["query-status"] is not None
    for entry in transcript:
        assert json.loads(entry.raw_line) == entry.message
    # Each command comes before its reply, and every reply follows one.
    seq_of_id = {
        e.message["id"]: seq for seq, e in transcript.numbered() if e.direction == "->"
    }
    for seq, entry in transcript.numbered():
        if entry.direction == "<-" and "id" in entry.message:
            assert seq_of_id[entry.message["id"]] < seq


@needs_qemu
def test_capture_session_writes_both_formats(tmp_path: Path) -> None:
    transcript = capture_session([("query-version", None)], tmp_path, settle=0.0)
    arrows = transcript.to_arrow_transcript(tmp_path / "session.txt")
    assert (tmp_path / "session.txt").read_text(encoding="utf-8") == arrows
    lines = arrows.splitlines()
    assert lines[0].startswith('<- {"QMP": ')
    assert lines[1] == '-> {"execute": "qmp_capabilities", "id": 1}'
    assert Transcript.from_arrow_transcript(arrows).entries == [
        (e.direction, e.message, json.dumps(e.message)) for e in transcript
    ]
    jsonl = transcript.to_jsonl()
    first = json.loads(jsonl.splitlines()[0])
    assert first["seq"] == 0 and first["direction"] == "<-"
    assert [(e.direction, e.message) for e in Transcript.from_jsonl(jsonl)] == [
        (e.direction, e.message) for e in transcript
    ]


@needs_qemu
def test_capture_session_reports_qemu_dying_early(tmp_path: Path) -> None:
    # With reboot=shutdown, system_reset powers QEMU off before 'quit'.
    with pytest.raises(SessionError) as info:
        capture_session(
            [("set-action", {"reboot": "shutdown"}), ("system_reset", None)],
            tmp_path,
            settle=0.1,
        )
    message = str(info.value)
    assert "closed the QMP connection before 'quit'" in message
    assert "QEMU exited with status 0" in message
    assert info.value.transcript.events("SHUTDOWN")


# --------------------------------------------------------------------------
# Without QEMU


def test_reason_names_a_missing_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QAPIDOC_QEMU", "/nonexistent/qemu-system-x86_64")
    reason = qemu_unavailable_reason()
    assert reason is not None and "not found" in reason


def test_reason_names_the_version_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "qemu-system-x86_64"
    fake.write_text("#!/bin/sh\necho 'QEMU emulator version 8.0.4 (fake)'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("QAPIDOC_QEMU", str(fake))
    reason = qemu_unavailable_reason()
    assert reason is not None
    assert "QEMU 8.0.4" in reason and "7.2" in reason


def test_arrow_transcript_accepts_continuation_lines() -> None:
    text = (
        '-> { "execute": "query-status",\n'
        '     "id": 1 }\n'
        '<- { "return": { "status": "running",\n'
        '                 "running": true },\n'
        '     "id": 1 }\n'
    )
    transcript = Transcript.from_arrow_transcript(text)
    assert [(e.direction, e.message) for e in transcript] == [
        ("->", {"execute": "query-status", "id": 1}),
        ("<-", {"return": {"status": "running", "running": True}, "id": 1}),
    ]
    assert transcript.exchanges() == [(transcript[0].message, transcript[1].message)]
