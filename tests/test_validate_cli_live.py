"""``qapidoc validate`` on traffic captured from a live QEMU 7.2.

One session, captured once: the greeting, every command QEMU 7.2 has that
needs no argument (QEMU answers each with a success or an error reply),
some commands with arguments, the events they cause, ``quit``.  Checked
against corpus/qemu-7.2 in every layout the reader knows, it must give no
violation; the same traffic with planted mistakes must give exactly those.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from support.qemu_live import SEND_LAST, Transcript, capture_session, qemu_unavailable_reason, start_qemu

from qapidoc.backends.replies import ReplyShapes
from qapidoc.backends.traffic import read_traffic
from qapidoc.backends.validate import QmpValidator
from qapidoc.cli import main
from qapidoc.cli.validate import CheckStats, Finding, check_traffic, format_path
from qapidoc.frontend.loader import load_schema

UNAVAILABLE = qemu_unavailable_reason()
pytestmark = [pytest.mark.live, pytest.mark.skipif(UNAVAILABLE is not None, reason=str(UNAVAILABLE))]

WITH_ARGUMENTS = [
    ("human-monitor-command", {"command-line": "info version"}),
    ("qom-list", {"path": "/machine"}),
    ("qom-get", {"path": "/machine", "property": "type"}),
    ("device-list-properties", {"typename": "virtio-net-pci"}),
    ("qom-list-types", {"abstract": True}),
    ("object-add", {"qom-type": "memory-backend-ram", "id": "mem0", "size": 1048576}),
    ("query-memdev", None),
    ("object-del", {"id": "mem0"}),
    ("stop", None),
    ("query-status", None),
    ("cont", None),
    ("system_reset", None),
    ("query-status", None),
]


@pytest.fixture(scope="module")
def validator(shared_dir: Path) -> QmpValidator:
    result = load_schema(str(shared_dir / "corpus/qemu-7.2/qapi/qapi-schema.json"))
    assert result.schema is not None and result.ok
    return QmpValidator(result.schema)


@pytest.fixture(scope="module")
def transcript(validator: QmpValidator, tmp_path_factory: pytest.TempPathFactory) -> Transcript:
    tmp = tmp_path_factory.mktemp("qemu")
    with start_qemu(tmp / "probe") as qemu:
        names = sorted(c["name"] for c in qemu.qmp.command("query-commands"))
    requests = validator.generated.requests
    no_arguments = [n for n in names if n not in SEND_LAST and n in requests
                    and "arguments" not in requests[n].get("required", [])]
    assert len(no_arguments) > 80
    return capture_session([(n, None) for n in no_arguments] + WITH_ARGUMENTS, tmp / "session", settle=0.2)


@pytest.fixture(scope="module")
def reply_shapes(shared_dir: Path, validator: QmpValidator) -> ReplyShapes:
    result = load_schema(str(shared_dir / "corpus/qemu-7.2/qapi/qapi-schema.json"))
    assert result.schema is not None
    return ReplyShapes(result.schema, validator.generated.replies)


def check(validator: QmpValidator, data: bytes, stats: CheckStats | None = None,
          replies: ReplyShapes | None = None) -> list[Finding]:
    stats = stats if stats is not None else CheckStats()
    return list(check_traffic(read_traffic(io.BytesIO(data), "live", None, stats.traffic), validator, (), stats,
                              replies))


def wire(transcript: Transcript) -> bytes:
    """As it crossed the socket: QEMU's lines end in CR LF."""
    return "".join(e.raw_line + "\r\n" for e in transcript).encode()


def pretty(transcript: Transcript) -> bytes:
    """As doc examples write it: arrows, JSON spread over indented lines."""
    out = []
    for entry in transcript:
        text = json.dumps(entry.message, indent=2).replace("\n", "\n   ")
        out.append(f"{entry.direction} {text}\n")
    return "".join(out).encode()


LAYOUTS = {
    "jsonl-envelopes": lambda t: t.to_jsonl().encode(),
    "arrow-transcript": lambda t: t.to_arrow_transcript().encode(),
    "wire": wire,
    "pretty-transcript": pretty,
    "concatenated": lambda t: "".join(e.raw_line for e in t).encode(),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_live_traffic_has_no_violations(validator: QmpValidator, transcript: Transcript, layout: str) -> None:
    stats = CheckStats()
    findings = check(validator, LAYOUTS[layout](transcript), stats)
    assert [(f.message.line, format_path(f.violation.path), f.violation.message) for f in findings] == []
    sent = len(transcript.sent())
    errors = sum(1 for m in transcript.replies() if "error" in m)
    assert stats.messages == len(transcript)
    assert stats.kinds["request"] == sent
    assert stats.kinds["reply"] + stats.kinds["error"] == sent
    assert stats.kinds["error"] == errors
    assert stats.kinds["event"] == len(transcript.events()) >= 4
    assert stats.kinds["greeting"] == 1
    # every reply was checked against the command it answers
    assert stats.traffic.unpaired_replies == 0 and stats.traffic.unanswered_requests == 0


def test_live_traffic_checks_real_replies(transcript: Transcript) -> None:
    """The session holds what it should, so the test above means something."""
    answered = {request["execute"] for request, reply in transcript.exchanges()
                if reply is not None and "return" in reply}
    assert answered >= {"query-qmp-schema", "query-version", "query-status", "qom-list", "device-list-properties",
                        "query-commands", "human-monitor-command", "object-add", "query-memdev"}
    assert {e["event"] for e in transcript.events()} >= {"STOP", "RESUME", "RESET", "SHUTDOWN"}


def _mutated(transcript: Transcript) -> tuple[bytes, dict[int, str]]:
    """The wire traffic with four mistakes planted; line -> what was done."""
    lines = [e.raw_line for e in transcript]
    planted: dict[int, str] = {}
    for index, entry in enumerate(transcript):
        message = entry.message
        if "return" in message and isinstance(message["return"], dict) and "singlestep" in message["return"] \
                and "status" not in planted.values():
            message = json.loads(entry.raw_line)
            message["return"]["status"] = "runing"
            planted[index + 1] = "status"
        elif message.get("event") == "RESET" and "reset" not in planted.values():
            message = json.loads(entry.raw_line)
            del message["timestamp"]["microseconds"]
            planted[index + 1] = "reset"
        elif message.get("execute") == "query-kvm" and "kvm" not in planted.values():
            message = dict(message, arguments={"verbose": True})
            planted[index + 1] = "kvm"
        elif message.get("event") == "SHUTDOWN" and "shutdown" not in planted.values():
            message = json.loads(entry.raw_line)
            message["data"]["reason"] = "power-failure"
            planted[index + 1] = "shutdown"
        else:
            continue
        lines[index] = json.dumps(message)
    assert len(planted) == 4
    return "".join(line + "\r\n" for line in lines).encode(), planted


def test_planted_mistakes_are_found_exactly(validator: QmpValidator, transcript: Transcript) -> None:
    data, planted = _mutated(transcript)
    found = [(f.message.line, f.message.number, format_path(f.violation.path), f.violation.keyword,
              f.violation.definition) for f in check(validator, data)]
    at = {what: line for line, what in planted.items()}
    assert found == sorted([
        (at["status"], at["status"], "$.return.status", "enum", "RunState"),
        (at["reset"], at["reset"], "$.timestamp", "required", "RESET"),
        (at["kvm"], at["kvm"], "$.arguments.verbose", "additionalProperties", "query-kvm"),
        (at["shutdown"], at["shutdown"], "$.data.reason", "enum", "ShutdownCause"),
    ])


def test_the_command_line_on_live_traffic(shared_dir: Path, transcript: Transcript, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    schema = str(shared_dir / "corpus/qemu-7.2/qapi/qapi-schema.json")
    log = tmp_path / "session.log"
    log.write_bytes(wire(transcript))
    assert main(["validate", schema, str(log)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"checked {len(transcript)} messages (") and out.endswith("no violations\n")

    # as a test suite logs it: timestamps replaced by strings
    iotests = tmp_path / "iotests.log"
    iotests.write_text("".join(json.dumps(_filtered(e.message)) + "\n" for e in transcript))
    events = len(transcript.events())
    assert main(["validate", schema, str(iotests), "-q"]) == 1
    assert capsys.readouterr().out.count("expected an integer, got 'SECS'") == events
    assert main(["validate", schema, str(iotests), "--placeholder", "timestamp"]) == 0
    assert f"note: placeholder 'timestamp' tolerated {2 * events} values" in capsys.readouterr().out


def _filtered(message: dict[str, object]) -> dict[str, object]:
    if "timestamp" in message:
        return dict(message, timestamp={"seconds": "SECS", "microseconds": "USECS"})
    return message


# --- sessions, and replies whose request is not in the log ----------------------------------

def test_concatenated_live_sessions_pair_within_each(validator: QmpValidator, reply_shapes: ReplyShapes,
                                                      transcript: Transcript) -> None:
    """Three captures of the session in one log, as log files pile up: the
    ids repeat in each, and each greeting starts a new session."""
    stats = CheckStats()
    assert check(validator, wire(transcript) * 3, stats, reply_shapes) == []
    sent = len(transcript.sent())
    assert stats.kinds["greeting"] == 3 and stats.kinds["request"] == 3 * sent
    assert stats.traffic.unpaired_replies == 0 and stats.traffic.unanswered_requests == 0


def _server_side(transcript: Transcript) -> bytes:
    return "".join(e.raw_line + "\r\n" for e in transcript.received()).encode()


def test_the_server_side_alone_validates(validator: QmpValidator, reply_shapes: ReplyShapes,
                                         transcript: Transcript) -> None:
    """Only what QEMU said: every reply answers no request seen, and each is
    accepted by the reply of a command it could answer."""
    for request, reply in transcript.exchanges():
        if reply is not None and "return" in reply:
            assert request["execute"] in reply_shapes.candidates(reply), request["execute"]
    stats = CheckStats()
    assert [(f.message.line, f.violation.message) for f in check(validator, _server_side(transcript), stats,
                                                                   reply_shapes)] == []
    assert stats.traffic.unpaired_replies == len(transcript.replies()) > 80
    # only qom-get's own replies may have fit no other command
    assert sum(stats.unpaired_only_anything.values()) <= sum(
        1 for request, _ in transcript.exchanges() if request["execute"] == "qom-get")


def test_a_session_cut_short_lends_no_request_to_the_next(validator: QmpValidator, reply_shapes: ReplyShapes,
                                                          transcript: Transcript) -> None:
    """A first session that died after sending 'query-version' with every
    id the second session's replies carry; the second was captured on the
    server side only.  Paired across the greeting, every reply would be
    checked as query-version's and most refused."""
    greeting = transcript.received()[0].raw_line
    ids = [m["id"] for m in transcript.replies()]
    died = "".join(json.dumps({"execute": "query-version", "id": i}) + "\r\n" for i in ids)
    log = (greeting + "\r\n" + died).encode() + _server_side(transcript)
    stats = CheckStats()
    assert check(validator, log, stats, reply_shapes) == []
    assert stats.traffic.unanswered_requests == len(ids) and stats.traffic.unpaired_replies == len(ids)
    # the same without the second greeting: one session, wrongly paired
    one_session = (greeting + "\r\n" + died).encode() + _server_side(transcript).split(b"\r\n", 1)[1]
    assert len({f.message.number for f in check(validator, one_session, None, reply_shapes)}) > 40


def test_a_planted_mistake_in_a_reply_without_its_request(validator: QmpValidator, reply_shapes: ReplyShapes,
                                                           transcript: Transcript) -> None:
    data, _ = _mutated(transcript)
    server = [text for text in data.decode().split("\r\n") if text and '"execute"' not in text]
    findings = check(validator, "".join(t + "\r\n" for t in server).encode(), None, reply_shapes)
    reply = [f for f in findings if "runing" in json.dumps(f.message.value)]
    assert [(f.violation.keyword, f.violation.definition) for f in reply] == [
        ("candidates", None), ("enum", "RunState")]
    assert "it could answer 'query-status'" in reply[0].violation.message
