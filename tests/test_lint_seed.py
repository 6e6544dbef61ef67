"""The seed: QEMU's qapi/event.json of May 2017, linted.

The expectations below come from reading each example of event.json
against its event's definition (and the types it uses, in
qapi-schema.json), not from running the linter:

=======================  =====================================================
event                    what is wrong with its example
=======================  =====================================================
SHUTDOWN .. WAKEUP       nothing (8 events)
RTC_CHANGE, WATCHDOG     nothing
DEVICE_DELETED           nothing ('device' is optional, 'path' is there)
NIC_RX_FILTER_CHANGED    a stray '}' on a line of its own after the message
VNC_CONNECTED            server (VncServerInfo) and client (VncBasicInfo) lack
                         'websocket', which VncBasicInfo requires (since 2.3)
VNC_INITIALIZED          the same, client is a VncClientInfo
VNC_DISCONNECTED         the same
SPICE_* (4 events)       nothing: SpiceBasicInfo/SpiceServerInfo/SpiceChannel
                         members all present, timestamp first is fine
MIGRATION                nothing ('completed' is a MigrationStatus)
MIGRATION_PASS           no '<-' arrow
ACPI_DEVICE_OST          no timestamp; the ACPIOSTInfo members stand directly
                         in 'data' instead of in 'data.info': 'info' missing,
                         five unknown members
BALLOON_CHANGE           nothing
GUEST_PANICKED           no timestamp ('info' is optional)
QUORUM_FAILURE           nothing
QUORUM_REPORT_BAD        both numbered examples lack the '<-' arrow
VSERPORT_CHANGE          nothing
MEM_UNPLUG_ERROR         missing ',' after "event": "MEM_UNPLUG_ERROR"
DUMP_COMPLETED           no '<-' arrow and no timestamp
=======================  =====================================================
"""

from __future__ import annotations

import pathlib

import pytest

from qapidoc import LoadOptions
from qapidoc.lint.config import resolve_rules
from qapidoc.lint.runner import LintResult, LintSettings, lint

# (line, column, code, event, words the message must contain)
EVENT_JSON = [
    (233, 6, "QD501", "NIC_RX_FILTER_CHANGED", "unexpected '}' after the end of the message"),
    (257, 24, "QD506", "VNC_CONNECTED", "(at data.server, type 'VncServerInfo'): member 'websocket' is required"),
    (259, 24, "QD506", "VNC_CONNECTED", "(at data.client, type 'VncBasicInfo'): member 'websocket' is required"),
    (284, 24, "QD506", "VNC_INITIALIZED", "(at data.server, type 'VncServerInfo'): member 'websocket' is required"),
    (286, 24, "QD506", "VNC_INITIALIZED", "(at data.client, type 'VncClientInfo'): member 'websocket' is required"),
    (310, 24, "QD506", "VNC_DISCONNECTED", "(at data.server, type 'VncServerInfo'): member 'websocket' is required"),
    (312, 24, "QD506", "VNC_DISCONNECTED", "(at data.client, type 'VncClientInfo'): member 'websocket' is required"),
    (445, 3, "QD508", "MIGRATION_PASS", "message without a direction arrow: write '<- ' before it"),
    (463, 3, "QD510", "ACPI_DEVICE_OST", "event 'ACPI_DEVICE_OST' without a 'timestamp'"),
    (464, 16, "QD506", "ACPI_DEVICE_OST", "data of event 'ACPI_DEVICE_OST': member 'info' is required"),
    (464, 18, "QD506", "ACPI_DEVICE_OST",
     "unknown members 'device', 'slot', 'slot-type', 'source' and 'status'"),
    (506, 3, "QD510", "GUEST_PANICKED", "event 'GUEST_PANICKED' without a 'timestamp'"),
    (564, 3, "QD508", "QUORUM_REPORT_BAD", "message without a direction arrow"),
    (571, 3, "QD508", "QUORUM_REPORT_BAD", "message without a direction arrow"),
    (616, 8, "QD501", "MEM_UNPLUG_ERROR", "expected ',' or '}' after member 'event', found '\"data\"'"),
    (640, 3, "QD508", "DUMP_COMPLETED", "message without a direction arrow"),
    (640, 3, "QD510", "DUMP_COMPLETED", "event 'DUMP_COMPLETED' without a 'timestamp'"),
]

#: the scraped seed: the same examples, on the lines they have there.  The
#: VNC findings need VncBasicInfo & co, which live in another module: a
#: module checked alone cannot know 'websocket' is required, and says
#: nothing rather than something wrong.
SCRAPED = [
    (275, 3, "QD501", "NIC_RX_FILTER_CHANGED", "unexpected '}' after the end of the message"),
    (478, 3, "QD508", "MIGRATION_PASS", "message without a direction arrow: write '<- ' before it"),
    (495, 3, "QD510", "ACPI_DEVICE_OST", "event 'ACPI_DEVICE_OST' without a 'timestamp'"),
    (496, 11, "QD506", "ACPI_DEVICE_OST", "data of event 'ACPI_DEVICE_OST': member 'info' is required"),
    (496, 13, "QD506", "ACPI_DEVICE_OST",
     "unknown members 'device', 'slot', 'slot-type', 'source' and 'status'"),
    (536, 3, "QD510", "GUEST_PANICKED", "event 'GUEST_PANICKED' without a 'timestamp'"),
    (592, 3, "QD508", "QUORUM_REPORT_BAD", "message without a direction arrow"),
    (599, 3, "QD508", "QUORUM_REPORT_BAD", "message without a direction arrow"),
    (642, 3, "QD501", "MEM_UNPLUG_ERROR", "expected ',' or '}' after member 'event', found '\"data\"'"),
    (665, 3, "QD508", "DUMP_COMPLETED", "message without a direction arrow"),
    (665, 3, "QD510", "DUMP_COMPLETED", "event 'DUMP_COMPLETED' without a 'timestamp'"),
]


def _lint(path: pathlib.Path, module_alone: bool = False) -> LintResult:
    selected, errors = resolve_rules(["QD5"], [], {})
    assert not errors
    return lint([str(path)], LintSettings(selected, LoadOptions(module_alone=module_alone)))


def _findings(result: LintResult, filename: str) -> list[tuple[int, int, str, str, str]]:
    out = []
    for d in result.diagnostics:
        assert d.span is not None, d
        if not d.span.file.path.endswith(filename):
            continue
        line, col = d.span.file.line_col(d.span.start)
        out.append((line, col, d.code, d.context.name if d.context else "", d.message))
    return out


def _compare(got: list[tuple[int, int, str, str, str]], expected: list[tuple[int, int, str, str, str]]) -> None:
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert e[4] in g[4], (g, e)


@pytest.fixture(scope="module")
def validator_available() -> None:
    pytest.importorskip("qapidoc.backends.validate", reason="the JSON Schema validator is missing")


def test_event_json_findings_match_a_reading_by_hand(shared_dir: pathlib.Path, validator_available: None) -> None:
    result = _lint(shared_dir / "corpus" / "qemu-2.10-seed" / "qapi-schema.json")
    assert result.validator_missing is None
    _compare(_findings(result, "qapi/event.json"), EVENT_JSON)


def test_scraped_seed_gives_the_same_findings_on_its_own_lines(shared_dir: pathlib.Path,
                                                               validator_available: None) -> None:
    result = _lint(shared_dir / "seed" / "000_ec7993f7b68e3985.txt", module_alone=True)
    _compare(_findings(result, "000_ec7993f7b68e3985.txt"), SCRAPED)
    # The same findings as event.json, less the six that need other modules.
    assert [s[2:] for s in SCRAPED] == [e[2:] for e in EVENT_JSON if not e[3].startswith("VNC_")]


def test_without_the_validator_the_structural_findings_remain(shared_dir: pathlib.Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from qapidoc.lint import example_checks
    monkeypatch.setattr(example_checks, "make_validator", lambda schema: None)
    result = _lint(shared_dir / "corpus" / "qemu-2.10-seed" / "qapi-schema.json")
    assert result.validator_missing is not None
    expected = [e for e in EVENT_JSON if e[2] in ("QD501", "QD508", "QD510")]
    _compare(_findings(result, "qapi/event.json"), expected)


def test_text_output_points_at_the_json_line(shared_dir: pathlib.Path, validator_available: None,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from qapidoc.cli import main
    root = shared_dir / "corpus" / "qemu-2.10-seed" / "qapi-schema.json"
    assert main(["lint", "--no-config", "--select", "QD5", str(root)]) == 1
    out = capsys.readouterr().out
    assert "qapi/event.json: In event 'MEM_UNPLUG_ERROR':\n" in out
    assert ("qapi/event.json:616:8: error: invalid JSON in example: expected ',' or '}' after member "
            "'event', found '\"data\"' [QD501]\n") in out
    assert "qapi/event.json:232:71: note: the message ends here\n" in out
