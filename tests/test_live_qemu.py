"""A live QEMU 7.2 against the JSON Schemas generated from corpus/qemu-7.2.

One session (``support.qemu_live.capture_session``) sends every command of
the 7.2 schema that needs no arguments, then ``stop``, ``cont`` and
``system_reset``, then ``quit``.  Every message of the transcript is checked:
the greeting, each request, each reply (against its command's ``returns``,
or the error shape), each event.  There must be no rejection other than the
known mismatches between QEMU's code and its schema listed below, each with
its evidence; a listed mismatch that no longer happens fails the test too,
so the list stays true.

The transcript is also checked by ajv (strict mode) with the generated
files themselves: requests with the "any client message" schema, events and
the greeting with the "any server message" schema, replies with each
command's reply schema.

Skips with the reason where QEMU 7.2 is not installed (CI installs Debian's
``qemu-system-x86``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.ajv import AjvUnavailableError, ajv_available, ensure_installed, run_ajv
from support.qemu_live import SEND_LAST, Transcript, capture_session, qemu_unavailable_reason

from qapidoc import load_schema
from qapidoc.backends.jsonschema import GenerateOptions, generate, reply_file
from qapidoc.backends.validate import QmpValidator, Violation
from qapidoc.frontend.model import Schema

pytestmark = [pytest.mark.live, pytest.mark.slow]

UNAVAILABLE = qemu_unavailable_reason()

#: Sent at the end, in this order, for their events (STOP, RESUME, RESET);
#: ``quit`` (SHUTDOWN) is sent by capture_session.
STATE_CHANGES = ["stop", "cont", "system_reset"]

#: Real mismatches between QEMU 7.2's code and its schema: (message kind,
#: command or event, JSON path) -> evidence.  Keep this tiny.
KNOWN_MISMATCHES: dict[tuple[str, str, tuple[str | int, ...]], str] = {}


def _requires_arguments(schema: Schema, name: str) -> bool:
    cmd = next(c for c in schema.commands() if c.name == name)
    if cmd.arg_type is None:
        return False
    arg = schema.object(cmd.arg_type)
    if arg is None or arg.variants is not None:
        return True
    return any(not m.optional for m in arg.members)


def _commands(schema: Schema) -> list[str]:
    names = sorted(c.name for c in schema.commands() if not _requires_arguments(schema, c.name))
    held = set(STATE_CHANGES) | set(SEND_LAST)
    return [n for n in names if n not in held] + STATE_CHANGES


@pytest.fixture(scope="module")
def schema_72(shared_dir: Path) -> Schema:
    result = load_schema(str(shared_dir / "corpus/qemu-7.2/qapi/qapi-schema.json"))
    assert result.ok and result.schema is not None
    return result.schema


@pytest.fixture(scope="module")
def transcript(schema_72: Schema, tmp_path_factory: pytest.TempPathFactory) -> Transcript:
    if UNAVAILABLE is not None:
        pytest.skip(UNAVAILABLE)
    commands = [(name, None) for name in _commands(schema_72)]
    return capture_session(commands, tmp_path_factory.mktemp("qemu"), settle=0.3)


def _check(validator: QmpValidator, transcript: Transcript) -> list[tuple[str, str, Violation, Any]]:
    """Every rejection: (kind, name, violation, message)."""
    rejected: list[tuple[str, str, Violation, Any]] = []
    commands_by_id: dict[str, str] = {}
    for entry in transcript:
        message = entry.message
        if entry.direction == "->":
            name = str(message.get("execute"))
            commands_by_id[json.dumps(message.get("id"))] = name
            rejected += [("request", name, v, message) for v in validator.request(message)]
        elif "QMP" in message:
            rejected += [("greeting", "", v, message) for v in validator.any_message(message, "<-")]
        elif "event" in message:
            rejected += [("event", str(message["event"]), v, message) for v in validator.event(message)]
        else:
            name = commands_by_id.get(json.dumps(message.get("id")), "?")
            rejected += [("reply", name, v, message) for v in validator.reply(name, message)]
    return rejected


def test_the_session_covers_the_schema(schema_72: Schema, transcript: Transcript) -> None:
    sent = [e.message["execute"] for e in transcript.sent()]
    assert sent[0] == "qmp_capabilities" and sent[-1] == "quit"
    assert set(_commands(schema_72)) <= set(sent)
    assert len(sent) > 80
    assert all(reply is not None for _, reply in transcript.exchanges()[:-1])
    successes = [r for _, r in transcript.exchanges() if r is not None and "return" in r]
    assert len(successes) > 60
    events = [e["event"] for e in transcript.events()]
    for name in ("STOP", "RESUME", "RESET", "SHUTDOWN"):
        assert name in events
    assert transcript.greeting is not None


def test_qemu_traffic_matches_the_schema(schema_72: Schema, transcript: Transcript) -> None:
    for fast in (True, False):
        validator = QmpValidator(schema_72, fast=fast) if fast is False else QmpValidator(schema_72)
        rejected = _check(validator, transcript)
        unexpected = [(kind, name, v, m) for kind, name, v, m in rejected
                      if (kind, name, v.path) not in KNOWN_MISMATCHES]
        assert unexpected == [], "\n".join(f"{k} {n}: {v}\n    {json.dumps(m)[:300]}" for k, n, v, m in unexpected)
        seen = {(kind, name, v.path) for kind, name, v, _ in rejected}
        assert set(KNOWN_MISMATCHES) <= seen, "a known mismatch no longer happens: update KNOWN_MISMATCHES"


def test_ajv_accepts_the_traffic_with_the_generated_files(schema_72: Schema, transcript: Transcript) -> None:
    if ajv_available() is not None:
        try:
            ensure_installed()
        except AjvUnavailableError as exc:
            pytest.skip(f"ajv cannot be installed: {exc}")
    gen = generate(schema_72, GenerateOptions(base_uri="urn:qapidoc:test:live:"))
    instances: list[tuple[str, Any]] = []
    by_id: dict[str, str] = {}
    for entry in transcript:
        message = entry.message
        if entry.direction == "->":
            by_id[json.dumps(message.get("id"))] = message["execute"]
            instances.append((gen.id_of("messages/client.json"), message))
        elif "return" in message:
            instances.append((gen.id_of(reply_file(by_id[json.dumps(message.get("id"))])), message))
        else:
            instances.append((gen.id_of("messages/server.json"), message))
    known = {(kind, name) for kind, name, _ in KNOWN_MISMATCHES}
    result = run_ajv(gen.schemas(), [], instances)
    assert result.errors == {}
    rejected = [inst for inst, ok in zip(instances, result.verdicts, strict=True) if not ok]
    rejected = [(k, m) for k, m in rejected
                if ("event", m.get("event")) not in known and ("reply", k.rsplit("/", 1)[-1][:-11]) not in known]
    assert rejected == []


def test_a_changed_message_is_caught(schema_72: Schema, transcript: Transcript) -> None:
    """The check above is not vacuous: one wrong value anywhere is found."""
    validator = QmpValidator(schema_72)
    changed = Transcript()
    status_id = next(e.message["id"] for e in transcript.sent() if e.message["execute"] == "query-status")
    for entry in transcript:
        message = json.loads(json.dumps(entry.message))
        if entry.direction == "<-" and message.get("id") == status_id and "return" in message:
            message["return"]["status"] = "sleeping"            # not a RunState
        if message.get("event") == "RESET":
            message["data"]["reason"] = 3                        # not a ShutdownCause
        changed.record(entry.direction, message, json.dumps(message))
    rejected = {(kind, name, v.path, v.keyword) for kind, name, v, _ in _check(validator, changed)}
    assert rejected == {("reply", "query-status", ("return", "status"), "enum"),
                        ("event", "RESET", ("data", "reason"), "enum")}
