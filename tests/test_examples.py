"""qapidoc.backends.examples: doc examples -> QMP messages with exact positions."""

from __future__ import annotations

import json
import pathlib
import textwrap

import pytest

from qapidoc import LoadOptions, load_text
from qapidoc.backends.examples import Message, ParsedExample, parse_examples, parse_json


def _examples(tmp_path: pathlib.Path, schema: str, dialect: tuple[int, int] | None = None) -> list[ParsedExample]:
    path = tmp_path / "s.json"
    text = textwrap.dedent(schema).lstrip("\n")
    path.write_text(text)
    result = load_text(str(path), text, LoadOptions(dialect=dialect, module_alone=True))
    return parse_examples(result.docs)


def _text(span: object) -> str:
    file, start, end = span  # type: ignore[misc]
    return str(file.text[start:end])


def _where(span: object) -> tuple[int, int]:
    return span.file.line_col(span.start)  # type: ignore[attr-defined,no-any-return]


OLD = """
##
# @QUORUM_REPORT_BAD:
#
# Emitted to report a corruption.
#
# Example:
#
# 1. Read operation
#
# { "event": "QUORUM_REPORT_BAD",
#      "data": { "node-name": "node0", "type": "read" },
#      "timestamp": { "seconds": 1344522075, "microseconds": 745528 } }
#
# 2. Flush operation
#
# <- { "event": "QUORUM_REPORT_BAD",
#      "data": { "node-name": "node0", "type": "flush", "error": "Broken pipe" },
#      "timestamp": { "seconds": 1456406829, "microseconds": 291763 } }
#
##
{ 'event': 'QUORUM_REPORT_BAD', 'data': { 'node-name': 'str', 'type': 'str', '*error': 'str' } }
"""


def test_2017_section_with_numbered_sub_examples_and_a_message_without_arrow(tmp_path: pathlib.Path) -> None:
    [parsed] = _examples(tmp_path, OLD, (2, 10))
    assert [i.kind for i in parsed.items] == ["prose", "message", "prose", "message"]
    first, second = parsed.messages
    assert first.direction is None and first.arrow is None
    assert second.direction == "<-" and _text(second.arrow) == "<-"
    assert first.value == {"event": "QUORUM_REPORT_BAD", "data": {"node-name": "node0", "type": "read"},
                           "timestamp": {"seconds": 1344522075, "microseconds": 745528}}
    assert second.kind == "event"
    # Every value knows where it stands, down to the character.
    assert _where(first.span) == (10, 3)
    assert _where(first.locations[("data", "type")].value) == (11, 48)
    assert _text(first.locations[("data", "type")].value) == '"read"'
    assert _text(first.locations[("data", "type")].key) == '"type"'
    assert _text(second.locations[("data", "error")].value) == '"Broken pipe"'
    assert _where(second.locations[("timestamp", "microseconds")].value) == (18, 62)
    assert _text(parsed.items[0].span) == "1. Read operation"


NEW = """
##
# @query-status:
#
# Query the run status.
#
# .. qmp-example::
#    :title: A running guest
#
#     -> { "execute": "query-status" }
#     <- { "return": { "running": true,
#                      "status": "running" } }
#
# .. qmp-example::
#    :annotated:
#
#    First ask:
#
#    ::
#
#      -> { "execute": "query-status" }
#
#    Then read the answer, which is long::
#
#      <- { "return": { "running": false, ... } }
#
#    And that is all -> { "not": "a message" }.
##
{ 'command': 'query-status', 'returns': 'StatusInfo' }
{ 'struct': 'StatusInfo', 'data': { 'running': 'bool', 'status': 'str' } }
"""


def test_qmp_example_plain_and_annotated(tmp_path: pathlib.Path) -> None:
    plain, annotated = _examples(tmp_path, NEW)
    assert plain.example.title == "A running guest" and not plain.example.annotated
    assert plain.code_block and not annotated.code_block
    assert [m.kind for m in plain.messages] == ["request", "return"]
    assert plain.messages[1].value == {"return": {"running": True, "status": "running"}}
    assert _where(plain.messages[1].locations[("return", "status")].value) == (11, 34)
    # Annotated: only the literal blocks hold QMP; the prose is not read.
    assert annotated.example.annotated
    assert [i.kind for i in annotated.items] == ["message", "message"]
    reply = annotated.messages[1]
    assert reply.value == {"return": {"running": False}}
    assert reply.elided == frozenset({("return",)})
    assert _where(reply.span) == (24, 8)


@pytest.mark.parametrize(("body", "value", "elided"), [
    # a container that holds only an elision stands for a whole value
    ('<- { "return": [ {"a": 1}, {...more...} ] }', {"return": [{"a": 1}]}, {("return",), ("return", 1)}),
    ('<- { "return": [ {"a": 1}, [ ... more follow ... ] ] }', {"return": [{"a": 1}]},
     {("return",), ("return", 1)}),
    ('<- { "return": { "a": {...}, "b": 1 } }', {"return": {"b": 1}}, {("return",), ("return", "a")}),
    ('<- { "return": [ "x", ... more channels follow ... ] }', {"return": ["x"]}, {("return",)}),
    ('<- { "return": { "data": ..., "b": 2 } }', {"return": {"b": 2}}, {("return",)}),
    ('<- { "return": { "a": 1, ... } }', {"return": {"a": 1}}, {("return",)}),
    ('<- { ..., "return": {} }', {"return": {}}, {()}),
    ('<- { "return": "2lvmGwo+...61iEinw==" }', {"return": "2lvmGwo+...61iEinw=="}, set()),
])
def test_elisions(tmp_path: pathlib.Path, body: str, value: object, elided: set[tuple[object, ...]]) -> None:
    schema = f"""
    ##
    # @x:
    #
    # .. qmp-example::
    #
    #     {body}
    ##
    {{ 'command': 'x' }}
    """
    [parsed] = _examples(tmp_path, schema)
    [message] = parsed.messages
    assert message.ok, message.error
    assert message.value == value
    assert message.elided == frozenset(elided)


def test_elision_lines_and_elided_messages(tmp_path: pathlib.Path) -> None:
    schema = """
    ##
    # @x:
    #
    # .. qmp-example::
    #
    #     -> ... text sent by client (commands) ...
    #     <- { "return": {} }
    #     ...
    #     <- { "event": "X", "timestamp": { "seconds": 1, "microseconds": 2 } }
    ##
    { 'command': 'x' }
    """
    [parsed] = _examples(tmp_path, schema)
    assert [i.kind for i in parsed.items] == ["message", "message", "elision", "message"]
    assert parsed.messages[0].elided_whole and not parsed.messages[0].ok
    assert parsed.messages[0].direction == "->"


@pytest.mark.parametrize(("lines", "line", "column", "message"), [
    # the missing comma is reported at the token that follows it
    (['<- { "event": "MEM_UNPLUG_ERROR"', '     "data": { "device": "dimm1" } }'], 2, 6,
     "expected ',' or '}' after member 'event', found '\"data\"'"),
    (['<- { "return": { "a": 1, } }'], 1, 24, "trailing comma before '}'"),
    (['<- { "return": [ 1, 2, ] }'], 1, 22, "trailing comma before ']'"),
    (["<- { 'event': 'X' }"], 1, 6, "member names must be in double quotes"),
    (['<- { "return": { "a": True } }'], 1, 23, "JSON spells it 'true'"),
    (['<- { "return": {} }', '   }'], 2, 4, "unexpected '}' after the end of the message"),
    (['-> { "execute": "dumpdtb" }', '     "arguments": { "filename": "fdt.dtb" } }'], 2, 6,
     "unexpected '\"arguments\"' after the end of the message"),
    (['-> {"execute": "cancel-vcpu-dirty-limit"},'], 1, 42, "unexpected ',' after the end of the message"),
    (['<- { "return": { "formats":', '     ["elf"] }'], 2, 15,
     "unclosed '{': expected ',' or '}' after member 'return', found the end of the message"),
    (['<- { "return": "abc }'], 1, 16, "unterminated string"),
    (['<- { "return": 01 }'], 1, 17, "expected ',' or '}' after member 'return', found '1'"),
    (['<- { "a": 1, "a": 2 }'], 1, 14, "duplicate member 'a'"),
    (["<-"], 1, 1, "a message arrow without a message"),
])
def test_invalid_json_at_the_exact_line_and_column(tmp_path: pathlib.Path, lines: list[str], line: int,
                                                   column: int, message: str) -> None:
    body = "\n".join(f"#     {text}" for text in lines)
    schema = f"##\n# @x:\n#\n# .. qmp-example::\n#\n{body}\n##\n{{ 'command': 'x' }}\n"
    [parsed] = _examples(tmp_path, schema)
    [bad] = [m for m in parsed.messages if m.error is not None]
    assert bad.error is not None
    assert message in bad.error.message
    got_line, got_col = _where(bad.error.span)
    assert (got_line - 5, got_col - 6) == (line, column)


def test_continuation_after_a_complete_message_is_read_as_prose_not_json(tmp_path: pathlib.Path) -> None:
    schema = """
    ##
    # @x:
    #
    # Example:
    #
    # -> { "execute": "x" }
    # <- { "return": {} }
    # For pc machine type started with -smp 1,maxcpus=2:
    # [0, 10), [10, 50) are intervals, not a message
    ##
    { 'command': 'x' }
    """
    [parsed] = _examples(tmp_path, schema, (2, 10))
    assert [i.kind for i in parsed.items] == ["message", "message", "prose", "prose"]
    assert all(m.ok for m in parsed.messages)


def test_span_of_falls_back_to_the_nearest_existing_value(tmp_path: pathlib.Path) -> None:
    parsed, _ = _examples(tmp_path, NEW)
    reply: Message = parsed.messages[1]
    assert _text(reply.span_of(("return", "nosuch", 3))) == _text(reply.locations[("return",)].value)
    assert _text(reply.span_of(("return", "status"), key=True)) == '"status"'
    assert reply.span_of(("elsewhere",)) == reply.locations[()].value


def test_parse_json_matches_the_json_module() -> None:
    text = '{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"], "b": {}}'
    value, end, spans, elided = parse_json(text)
    assert value == json.loads(text) and end == len(text) and not elided
    a, b, *_ = spans[("a",)]
    assert json.loads(text[a:b]) == json.loads(text)["a"]
    with pytest.raises(ValueError, match="nested too deeply"):
        parse_json("[" * 500 + "]" * 500)


def test_an_elided_value_keeps_the_kind_of_its_message(tmp_path: pathlib.Path) -> None:
    schema = """
    ##
    # @x:
    #
    # .. qmp-example::
    #
    #     <- { "return": {...} }
    #     <- { "event": ..., "data": {} }
    ##
    { 'command': 'x' }
    """
    [parsed] = _examples(tmp_path, schema)
    reply, event = parsed.messages
    assert reply.value == {} and reply.kind == "return" and reply.elided == frozenset({(), ("return",)})
    assert reply.elided_members == frozenset({("return",)})
    assert event.kind == "event" and event.value == {"data": {}}
