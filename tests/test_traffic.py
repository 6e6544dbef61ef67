"""qapidoc.backends.traffic: reading QMP logs into positioned, paired messages.

Each layout (JSON Lines, the wire with CR LF, concatenated JSON, arrow
transcripts with continuation lines, the test suite's JSONL envelopes),
pairing by id and by order, the bounds on memory, malformed input at exact
positions, and ``follow`` with a writer thread.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qapidoc.backends.traffic import Message, ReadOptions, TrafficStats, read_traffic

ROOT = Path(__file__).resolve().parent.parent


def read(text: str | bytes, options: ReadOptions | None = None,
         stats: TrafficStats | None = None) -> list[Message]:
    data = text.encode() if isinstance(text, str) else text
    return list(read_traffic(io.BytesIO(data), "t.log", options, stats))


def brief(messages: list[Message]) -> list[tuple[object, ...]]:
    """(kind, name, direction, line, column, number) of each message."""
    return [(m.kind, m.name, m.direction, m.line, m.column, m.number) for m in messages]


def problems(messages: list[Message]) -> list[tuple[int, int, str]]:
    return [(m.value.line, m.value.column, m.value.reason) for m in messages if m.kind == "malformed"]


# --- layouts ---------------------------------------------------------------------------

def test_json_lines_give_kind_name_and_position() -> None:
    messages = read(
        '{"QMP": {"version": {}, "capabilities": []}}\n'
        '{"execute": "qmp_capabilities"}\n'
        '{"return": {}}\n'
        '\n'
        '{"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}\n'
        '{"execute": "query-status", "id": 1}\n'
        '{"return": {"status": "running"}, "id": 1}\n'
        '{"error": {"class": "GenericError", "desc": "no"}}\n')
    assert brief(messages) == [
        ("greeting", None, None, 1, 1, 1),
        ("request", "qmp_capabilities", None, 2, 1, 2),
        ("reply", "qmp_capabilities", None, 3, 1, 3),
        ("event", "STOP", None, 5, 1, 4),
        ("request", "query-status", None, 6, 1, 5),
        ("reply", "query-status", None, 7, 1, 6),
        ("error", None, None, 8, 1, 7),
    ]
    assert messages[2].request is not None and messages[2].request.line == 2
    assert messages[5].request is not None and messages[5].request.number == 5
    assert messages[5].value == {"return": {"status": "running"}, "id": 1}


def test_wire_lines_end_in_cr_lf_and_the_last_needs_no_newline() -> None:
    messages = read(b'{"execute": "stop", "id": "a"}\r\n{"return": {}, "id": "a"}')
    assert brief(messages) == [("request", "stop", None, 1, 1, 1), ("reply", "stop", None, 2, 1, 2)]


def test_concatenated_values_share_lines_and_spread_over_them() -> None:
    messages = read(
        '{"execute": "stop"}{"return": {}} {"event": "STOP",\n'
        '  "timestamp": {"seconds": 1,\n'
        '                "microseconds": 2}}  {"execute":\n'
        '"cont"}\n')
    assert brief(messages) == [
        ("request", "stop", None, 1, 1, 1),
        ("reply", "stop", None, 1, 20, 2),
        ("event", "STOP", None, 1, 35, 3),
        ("request", "cont", None, 3, 38, 4),
    ]
    assert messages[2].value["timestamp"] == {"seconds": 1, "microseconds": 2}


def test_concatenated_values_on_a_line_that_is_not_ascii() -> None:
    """Columns count characters, not bytes."""
    messages = read('{"error": {"class": "X", "desc": "café ☕"}}{"return": "é"} {"a": NaN} {"b": 1}\n'
                    '  {"event": "STOP"}\n')
    assert [(m.kind, m.line, m.column) for m in messages] == [
        ("error", 1, 1), ("reply", 1, 44), ("malformed", 1, 60), ("unknown", 1, 71), ("event", 2, 3)]
    assert messages[0].value["error"]["desc"] == "café ☕"
    assert messages[2].value.reason == "not JSON: NaN is not a JSON value"


def test_strings_with_braces_quotes_and_escapes_do_not_confuse_the_scanner() -> None:
    messages = read('{"error": {"class": "X", "desc": "a \\"}\\" {[ \\\\"}}{"return": "}{"}\n')
    assert [m.kind for m in messages] == ["error", "reply"]
    assert messages[0].value["error"]["desc"] == 'a "}" {[ \\'
    assert messages[1].column == 51


def test_transcript_with_continuation_lines_as_doc_examples_write_them() -> None:
    messages = read(
        '    -> { "execute": "query-status" }\n'
        '    <- { "return": { "running": true,\n'
        '                     "status": "running" } }\n'
        '\n'
        '->{"execute":"stop","id":7}\n'
        '<- {"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}}\n'
        '<- {"return": {}, "id": 7}\n')
    assert brief(messages) == [
        ("request", "query-status", "->", 1, 8, 1),
        ("reply", "query-status", "<-", 2, 8, 2),
        ("request", "stop", "->", 5, 3, 3),
        ("event", "STOP", "<-", 6, 4, 4),
        ("reply", "stop", "<-", 7, 4, 5),
    ]
    assert messages[1].value == {"return": {"running": True, "status": "running"}}


def test_an_arrow_gives_the_direction_even_against_the_content() -> None:
    messages = read('-> {"return": {}}\n<- {"execute": "stop"}\n-> [1]\n')
    assert [(m.kind, m.direction) for m in messages] == [
        ("request", "->"), ("unknown", "<-"), ("request", "->")]


def test_envelopes_of_the_test_suites_jsonl_are_unwrapped() -> None:
    messages = read(
        '{"seq": 0, "direction": "<-", "message": {"QMP": {"version": {}, "capabilities": []}}}\n'
        '{"seq": 1, "direction": "->", "message": {"execute": "stop", "id": 1}}\n'
        '{"seq": 2, "direction": "<-", "message": {"return": {}, "id": 1}}\n'
        '{"direction": "sideways", "message": {}}\n')
    assert brief(messages) == [
        ("greeting", None, "<-", 1, 1, 1),
        ("request", "stop", "->", 2, 1, 2),
        ("reply", "stop", "<-", 3, 1, 3),
        ("unknown", None, None, 4, 1, 4),
    ]
    assert messages[1].value == {"execute": "stop", "id": 1}


def test_exec_oob_and_odd_names() -> None:
    messages = read('{"exec-oob": "migrate-pause", "id": "x"}\n{"execute": 42}\n{"event": null}\n')
    assert [(m.kind, m.name) for m in messages] == [
        ("request", "migrate-pause"), ("request", None), ("event", None)]


def test_a_byte_order_mark_is_skipped() -> None:
    assert brief(read(b'\xef\xbb\xbf{"execute": "stop"}\n')) == [("request", "stop", None, 1, 1, 1)]


# --- pairing ---------------------------------------------------------------------------

def test_replies_pair_by_id_in_any_order_and_ids_of_every_type() -> None:
    messages = read(
        '{"execute": "a", "id": 1}\n'
        '{"execute": "b", "id": "1"}\n'
        '{"execute": "c", "id": true}\n'
        '{"execute": "d", "id": {"k": [1, 2], "j": null}}\n'
        '{"execute": "e", "id": 1.5}\n'
        '{"return": {}, "id": {"j": null, "k": [1, 2]}}\n'
        '{"return": {}, "id": 1.5}\n'
        '{"error": {"class": "X", "desc": ""}, "id": true}\n'
        '{"return": {}, "id": "1"}\n'
        '{"return": {}, "id": 1}\n')
    assert [(m.kind, m.name, m.request.line if m.request else None) for m in messages[5:]] == [
        ("reply", "d", 4), ("reply", "e", 5), ("error", "c", 3), ("reply", "b", 2), ("reply", "a", 1)]


def test_replies_without_id_pair_by_order() -> None:
    messages = read(
        '{"execute": "a"}\n{"execute": "b"}\n{"event": "X"}\n{"return": {}}\n'
        '{"execute": "c"}\n{"error": {}}\n{"return": {}}\n')
    assert [(m.name, m.request.number if m.request else None) for m in messages if m.kind != "request"] == [
        ("X", None), ("a", 1), ("b", 2), ("c", 5)]


def test_unpaired_and_unanswered_are_counted_and_a_greeting_starts_a_session() -> None:
    stats = TrafficStats()
    messages = read(
        '{"return": {}, "id": 9}\n'             # answers nothing
        '{"execute": "a", "id": 1}\n'
        '{"execute": "b"}\n'
        '{"QMP": {}}\n'                          # a new session: a and b got no reply
        '{"return": {}, "id": 1}\n'             # so this answers nothing either
        '{"execute": "quit", "id": 2}\n', stats=stats)
    assert [m.name for m in messages if m.kind == "reply"] == [None, None]
    assert stats.unpaired_replies == 2
    assert stats.unanswered_requests == 3
    assert [(p.command, p.line) for _, p in stats.unanswered_examples] == [("a", 2), ("b", 3), ("quit", 6)]
    assert (stats.messages, stats.lines, stats.files) == (6, 6, 1)
    assert stats.kinds["request"] == 3 and stats.kinds["reply"] == 2 and stats.kinds["greeting"] == 1


def test_the_pending_table_is_bounded() -> None:
    stats = TrafficStats()
    lines = [f'{{"execute": "c{i}", "id": {i}}}\n' for i in range(10)]
    lines += [f'{{"execute": "n{i}"}}\n' for i in range(10)]
    lines += ['{"return": {}, "id": 9}\n', '{"return": {}, "id": 0}\n', '{"return": {}}\n']
    messages = read("".join(lines), ReadOptions(max_pending=3), stats)
    # the newest three of each table were kept
    assert [m.name for m in messages[-3:]] == ["c9", None, "n7"]
    assert stats.dropped_requests == 14
    assert stats.unanswered_requests == 2 + 2


# --- malformed input -------------------------------------------------------------------

def test_malformed_lines_are_reported_at_the_exact_spot_and_reading_goes_on() -> None:
    messages = read(
        '{"execute": "stop",}\n'                 # 1
        '{"execute": "stop" "id": 1}\n'          # 2
        "{'execute': 'stop'}\n"                  # 3
        '{"execute": "bar", "id": "a\n'          # 4
        '{"a": NaN}\n'                           # 5
        'Example: prose\n'                       # 6
        '}\n'                                    # 7
        '{"execute": "ok"}\n')                   # 8
    assert problems(messages) == [
        (1, 20, "not JSON: expecting property name enclosed in double quotes, found '}'"),
        (2, 20, "not JSON: expecting ',' delimiter, found '\"'"),
        (3, 2, "not JSON: expecting property name enclosed in double quotes, found \"'\""),
        (4, 28, "not JSON: a string is not closed before the end of the line"),
        (5, 1, "not JSON: NaN is not a JSON value"),
        (6, 1, "not JSON: expecting value, found 'E'"),
        (7, 1, "'}' with no '{' before it"),
    ]
    assert [m.number for m in messages] == list(range(1, 9))
    assert brief(messages)[-1] == ("request", "ok", None, 8, 1, 8)
    bad = messages[1].value
    assert bad.excerpt == '{"execute": "stop" "id": 1}'


def test_a_value_left_open_is_closed_at_the_next_line_that_starts_a_message() -> None:
    messages = read(
        '-> {"execute": "a",\n'
        '    "arguments": {\n'
        '<- {"return": {}}\n'
        '{"execute": "b",\n'
        '{"execute": "c"}\n'
        '{"execute": "d",\n')
    assert problems(messages) == [
        (1, 4, "not JSON: the value is not closed before line 3"),
        (4, 1, "not JSON: the value is not closed before line 5"),
        (6, 1, "not JSON: the value is not closed at the end of the input"),
    ]
    assert [m.kind for m in messages] == ["malformed", "reply", "malformed", "request", "malformed"]


def test_an_error_deep_in_a_multi_line_message_points_at_its_line() -> None:
    messages = read('<- { "return": {\n       "a": 1,\n       "b": 2,,\n       "c": 3 } }\n')
    assert problems(messages) == [(3, 15, "not JSON: expecting property name enclosed in double quotes, "
                                          "found ','")]
    assert messages[0].value.excerpt == '"b": 2,,'


def test_not_utf8_lone_arrows_and_deep_nesting() -> None:
    deep = "[" * 5000 + "]" * 5000
    messages = read(b'{"desc": "caf\xe9"}\n->\n<- {"return": {}}\n<-\n' + deep.encode() + b"\n->")
    assert problems(messages) == [
        (1, 14, "not UTF-8: byte 0xe9 cannot start a character"),
        (2, 1, "'->' with no message after it"),
        (5, 1, "not JSON: nested too deeply"),
        (6, 1, "'->' with no message after it"),
    ]
    assert [m.kind for m in messages] == ["malformed", "malformed", "reply", "malformed", "malformed"]


def test_scalars_and_arrays_are_messages_of_unknown_kind() -> None:
    messages = read('42\n"text"\n[1, {"a": 2}]\ntrue null\n')
    assert [(m.kind, m.value) for m in messages] == [
        ("unknown", 42), ("unknown", "text"), ("unknown", [1, {"a": 2}]),
        ("malformed", messages[3].value)]
    assert messages[3].value.reason == "not JSON: more text after the value, starting with 'n'"


def test_overlong_lines_and_messages_are_skipped_not_held() -> None:
    options = ReadOptions(max_message_bytes=100)
    long_line = '{"execute": "' + "x" * 300 + '"}\n'
    long_value = '{"execute":\n' + ('  "' + "y" * 40 + '",\n') * 10 + '}\n'
    messages = read(long_line + '{"execute": "a"}\n' + long_value + '{"execute": "b"}\n', options)
    assert brief(messages) == [
        ("malformed", None, None, 1, 1, 1),
        ("request", "a", None, 2, 1, 2),
        ("malformed", None, None, 3, 1, 3),
        ("request", "b", None, 15, 1, 4),
    ]
    assert messages[0].value.reason == "message longer than 100 bytes; skipped"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    b"{", b"}", b"[", b"]", b'"', b"\\", b"\n", b"\r\n", b" ", b"->", b"<-", b",", b":", b"1", b"null",
    b'"execute"', b'"return"', b'"id"', b'"event"', b"\xff", b"\xc3\xa9", b"...",
    b'{"execute": "a", "id": 1}', b'{"return": {}, "id": 1}', b'{"return": {}}',
]), max_size=60))
def test_any_input_gives_numbered_messages_and_never_raises(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    stats = TrafficStats()
    messages = read(data, ReadOptions(max_message_bytes=200, max_pending=2), stats)
    assert [m.number for m in messages] == list(range(1, len(messages) + 1))
    assert all(1 <= m.line <= data.count(b"\n") + 1 for m in messages)
    assert stats.messages == len(messages)
    assert sum(stats.kinds.values()) == len(messages)


# --- a long stream, memory ----------------------------------------------------------------

def _stream(count: int) -> bytes:
    """``count`` messages: request, event, reply, over and over, with ids."""
    parts = []
    for i in range(count // 3):
        parts.append(b'{"execute": "query-status", "id": %d}\n' % i)
        parts.append(b'{"event": "STOP", "timestamp": {"seconds": %d, "microseconds": 0}}\n' % i)
        parts.append(b'{"return": {"status": "running", "singlestep": false, "running": true}, "id": %d}\n' % i)
    return b"".join(parts)


def test_a_long_stream_pairs_every_reply() -> None:
    stats = TrafficStats()
    count = 0
    for message in read_traffic(io.BytesIO(_stream(300_000)), "long", None, stats):
        count += 1
        if message.kind == "reply":
            assert message.request is not None and message.request.line == message.line - 2
    assert count == 300_000
    assert stats.kinds["reply"] == 100_000 and stats.unpaired_replies == 0 and stats.unanswered_requests == 0


def _peak(data: bytes, options: ReadOptions | None = None) -> int:
    tracemalloc.start()
    try:
        for _ in read_traffic(io.BytesIO(data), "m", options):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_over_ten_times_the_input() -> None:
    small, large = _stream(6_000), _stream(60_000)
    assert _peak(large) < _peak(small) + 64 * 1024


def test_memory_stays_flat_when_no_reply_ever_comes() -> None:
    """Requests that are never answered fill the pending table to its bound
    and no further."""
    def requests(count: int) -> bytes:
        return b"".join(b'{"execute": "stop", "id": %d}\n{"execute": "cont"}\n' % i for i in range(count))
    options = ReadOptions(max_pending=500)
    assert _peak(requests(40_000), options) < _peak(requests(4_000), options) + 64 * 1024


# --- follow ------------------------------------------------------------------------------

def test_follow_reads_a_file_as_it_grows(tmp_path: Path) -> None:
    path = tmp_path / "growing.log"
    path.write_bytes(b'{"execute": "stop", "id": 1}\n')
    lines = [b'{"return": {}, "id": 1}\n', b'-> {"execute": "cont",\n', b'    "id": 2}\n',
             b'<- {"return": {}, ', b'"id": 2}\n',
             b'{"event": "RESUME", "timestamp": {"seconds": 1, "microseconds": 2}}\n']

    def writer() -> None:
        with path.open("ab") as f:
            for chunk in lines:
                time.sleep(0.05)
                f.write(chunk)
                f.flush()

    thread = threading.Thread(target=writer)
    options = ReadOptions(follow=True, poll_interval=0.01, idle_timeout=1.0)
    start = time.monotonic()
    with path.open("rb") as stream:
        thread.start()
        messages = list(read_traffic(stream, str(path), options))
    thread.join()
    assert time.monotonic() - start < 10
    assert brief(messages) == [
        ("request", "stop", None, 1, 1, 1),
        ("reply", "stop", None, 2, 1, 2),
        ("request", "cont", "->", 3, 4, 3),
        ("reply", "cont", "<-", 5, 4, 4),
        ("event", "RESUME", None, 6, 1, 5),
    ]


def test_follow_stops_when_told(tmp_path: Path) -> None:
    path = tmp_path / "quiet.log"
    path.write_bytes(b'{"execute": "stop"}\n')
    stop = threading.Event()
    got: list[Message] = []

    def consume() -> None:
        with path.open("rb") as stream:
            got.extend(read_traffic(stream, "q", ReadOptions(follow=True, poll_interval=0.01, stop=stop.is_set)))

    thread = threading.Thread(target=consume)
    thread.start()
    time.sleep(0.2)
    assert thread.is_alive()        # still following
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    assert [m.name for m in got] == ["stop"]


def test_follow_starts_again_when_the_file_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "rotated.log"
    path.write_bytes(b'{"execute": "a", "id": 1}\n{"execute": "b", "id": 2}\n')
    stats = TrafficStats()

    def rewrite() -> None:
        time.sleep(0.2)
        path.write_bytes(b'{"return": {}, "id": 1}\n')

    thread = threading.Thread(target=rewrite)
    with path.open("rb") as stream:
        thread.start()
        messages = list(read_traffic(stream, "r", ReadOptions(follow=True, poll_interval=0.01, idle_timeout=0.6),
                                     stats))
    thread.join()
    assert brief(messages) == [
        ("request", "a", None, 1, 1, 1), ("request", "b", None, 2, 1, 2), ("reply", None, None, 1, 1, 1)]
    assert stats.truncations == 1 and stats.unanswered_requests == 2 and stats.unpaired_replies == 1


# --- without orjson ----------------------------------------------------------------------

def test_the_pure_python_reader_gives_the_same_messages() -> None:
    """Run the reader with orjson hidden, in a child process, on input that
    takes every path; compare with this process (orjson, if installed)."""
    data = (
        '{"QMP": {}}\n{"execute": "a", "id": [1]}\n{"return": 18446744073709551616, "id": [1]}\n'
        '-> {"execute": "b",\n "id": 2}{"event": "E"}\n<- {"return": {}, "id": 2}\n'
        '{"bad": NaN}\n{"x": 1,}\n{"desc": "caf\\u00e9"}\n')
    script = (
        "import sys, io, json\n"
        "sys.modules['orjson'] = None\n"
        "from qapidoc.backends.traffic import read_traffic, json_backend\n"
        "assert json_backend() == 'json', json_backend()\n"
        "out = [[m.kind, m.name, m.line, m.column, m.number, getattr(m.value, 'reason', None)]"
        " for m in read_traffic(io.BytesIO(sys.stdin.buffer.read()))]\n"
        "print(json.dumps(out))\n")
    child = subprocess.run([sys.executable, "-c", script], input=data.encode(), capture_output=True,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False, timeout=60)
    assert child.returncode == 0, child.stderr.decode()
    here = [[m.kind, m.name, m.line, m.column, m.number, getattr(m.value, "reason", None)] for m in read(data)]
    assert json.loads(child.stdout) == here
    assert [k for k, *_ in here] == ["greeting", "request", "reply", "request", "event", "reply", "malformed",
                                     "malformed", "unknown"]
