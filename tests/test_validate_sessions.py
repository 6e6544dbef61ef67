"""``qapidoc validate``: sessions, and replies whose request was not seen.

A greeting starts a new session: what was pending is forgotten, so ids
that repeat across concatenated sessions pair within their own session.
A success reply with no request is valid when the reply of some command it
could answer (by its shape) accepts it; otherwise the report names those
commands and explains the failure against the closest.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import CORPUS_ROOTS
from support.qapi_instances import InstanceFactory

from qapidoc.backends.replies import ReplyShapes
from qapidoc.backends.traffic import read_traffic
from qapidoc.backends.validate import QmpValidator
from qapidoc.cli import main
from qapidoc.cli.validate import CheckStats, Finding, check_traffic, format_finding_text, format_summary_text
from qapidoc.frontend.loader import load_schema, load_text

SCHEMA = """\
{ 'pragma': { 'command-name-exceptions': [ 'qmp_capabilities' ],
              'command-returns-exceptions': [ 'query-colour', 'get-anything' ] } }
{ 'struct': 'Thing', 'data': { 'size': 'int', '*label': 'str' } }
{ 'struct': 'Other', 'data': { 'ready': 'bool' } }
{ 'enum': 'Colour', 'data': [ 'red', 'blue' ] }
{ 'struct': 'Cat', 'data': { 'whiskers': 'int' } }
{ 'struct': 'Dog', 'data': { 'bark': 'str' } }
{ 'union': 'Pet', 'base': { 'kind': 'PetKind' }, 'discriminator': 'kind',
  'data': { 'cat': 'Cat', 'dog': 'Dog' } }
{ 'enum': 'PetKind', 'data': [ 'cat', 'dog' ] }
{ 'command': 'qmp_capabilities' }
{ 'command': 'query-thing', 'returns': 'Thing' }
{ 'command': 'query-things', 'returns': [ 'Thing' ] }
{ 'command': 'query-other', 'returns': 'Other' }
{ 'command': 'query-colour', 'returns': 'Colour' }
{ 'command': 'query-pet', 'returns': 'Pet' }
{ 'command': 'get-anything', 'data': { 'path': 'str' }, 'returns': 'any' }
{ 'command': 'fire-and-forget', 'success-response': false }
"""

GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\n'


def _validator(text: str = SCHEMA) -> tuple[QmpValidator, ReplyShapes]:
    result = load_text("schema.json", text)
    assert result.schema is not None and not result.diagnostics
    validator = QmpValidator(result.schema)
    return validator, ReplyShapes(result.schema, validator.generated.replies)


@pytest.fixture(scope="module")
def checker() -> tuple[QmpValidator, ReplyShapes]:
    return _validator()


def check(checker: tuple[QmpValidator, ReplyShapes], text: str,
          stats: CheckStats | None = None) -> list[Finding]:
    stats = stats if stats is not None else CheckStats()
    validator, shapes = checker
    messages = read_traffic(io.BytesIO(text.encode()), "t.log", None, stats.traffic)
    return list(check_traffic(messages, validator, (), stats, shapes))


def lines(findings: list[Finding]) -> list[str]:
    return [format_finding_text(f).rstrip("\n") for f in findings]


# --- sessions ------------------------------------------------------------------------------

def test_ids_that_repeat_across_sessions_pair_within_their_session(checker: tuple[QmpValidator, ReplyShapes]) -> None:
    log = (GREETING
           + '{"execute": "query-thing", "id": 1}\n{"return": {"size": 3}, "id": 1}\n'
           + GREETING
           + '{"execute": "query-colour", "id": 1}\n{"return": "blue", "id": 1}\n'
           + GREETING
           + '{"execute": "query-other", "id": 1}\n{"return": {"size": 3}, "id": 1}\n')
    stats = CheckStats()
    assert lines(check(checker, log, stats)) == [
        "t.log:9:1: error: message 9, reply to 'query-other' (line 8): $.return: member 'ready' is required "
        "[required in Other]",
        "t.log:9:1: error: message 9, reply to 'query-other' (line 8): $.return.size: unknown member 'size' "
        "[additionalProperties in Other]",
    ]
    assert stats.traffic.unpaired_replies == 0 and stats.traffic.unanswered_requests == 0


def test_a_request_left_unanswered_by_one_session_does_not_take_the_next_sessions_reply(
        checker: tuple[QmpValidator, ReplyShapes]) -> None:
    """Session 1 ends (QEMU stopped) with 'query-thing' id 7 unanswered;
    session 2 was captured from its middle: a reply with id 7 answers a
    'query-other' nobody saw.  Paired across sessions, it would be checked
    against Thing and refused."""
    log = (GREETING + '{"execute": "query-thing", "id": 7}\n'
           + GREETING + '{"return": {"ready": true}, "id": 7}\n')
    stats = CheckStats()
    assert check(checker, log, stats) == []
    assert stats.traffic.unanswered_requests == 1 and stats.traffic.unpaired_replies == 1
    # without the second greeting it is one session, and the pairing holds
    assert [f.violation.definition for f in check(checker, log.replace(GREETING, "", 2).replace(
        '{"execute"', GREETING + '{"execute"'))] == ["Thing", "Thing"]


# --- replies with no request ---------------------------------------------------------------

@pytest.mark.parametrize("reply", [
    '{"return": {"size": 1, "label": "x"}, "id": 5}',
    '{"return": {"ready": false}}',
    '{"return": [{"size": 1}, {"size": 2, "label": ""}]}',
    '{"return": []}',
    '{"return": "red", "id": "a"}',
    '{"return": {"kind": "dog", "bark": "woof"}}',
    '{"return": {}}',
])
def test_a_reply_with_no_request_is_valid_when_some_command_accepts_it(
        checker: tuple[QmpValidator, ReplyShapes], reply: str) -> None:
    stats = CheckStats()
    assert check(checker, reply + "\n", stats) == []
    assert stats.traffic.unpaired_replies == 1 and stats.unpaired_only_anything == {}


def test_a_reply_with_no_request_that_no_command_accepts_names_the_candidates(
        checker: tuple[QmpValidator, ReplyShapes]) -> None:
    log = ('{"return": {"size": "big"}, "id": 1}\n'
           '{"return": [{"size": 1}, {"label": "x"}]}\n'
           '{"return": {"kind": "cat", "bark": "woof"}}\n'
           '{"return": "green"}\n')
    assert lines(check(checker, log)) == [
        "t.log:1:1: error: message 1, reply to no request seen: $: no command's reply accepts it; by its shape "
        "it could answer 'query-thing' (checked against 'query-thing' below) [candidates]",
        "t.log:1:1: error: message 1, reply to no request seen: $.return.size: expected an integer, got 'big' "
        "[type in int]",
        "t.log:2:1: error: message 2, reply to no request seen: $: no command's reply accepts it; by its shape "
        "it could answer 'query-things' (checked against 'query-things' below) [candidates]",
        "t.log:2:1: error: message 2, reply to no request seen: $.return[1]: member 'size' is required "
        "[required in Thing]",
        "t.log:3:1: error: message 3, reply to no request seen: $: no command's reply accepts it; by its shape "
        "it could answer 'query-pet' (checked against 'query-pet' below) [candidates]",
        "t.log:3:1: error: message 3, reply to no request seen: $.return: member 'whiskers' is required "
        "[required in Pet]",
        "t.log:3:1: error: message 3, reply to no request seen: $.return.bark: unknown member 'bark' "
        "[additionalProperties in Pet]",
        "t.log:4:1: error: message 4, reply to no request seen: $: no command's reply accepts it; by its shape "
        "it could answer 'query-colour' (checked against 'query-colour' below) [candidates]",
        "t.log:4:1: error: message 4, reply to no request seen: $.return: expected one of 'red', 'blue', "
        "got 'green' [enum in Colour]",
    ]


def test_a_command_that_returns_anything_counts_only_where_no_other_fits(
        checker: tuple[QmpValidator, ReplyShapes]) -> None:
    """'get-anything' would accept every reply; it is tried only for a
    reply no other command's shape fits, and the summary says how often it
    was the only one."""
    stats = CheckStats()
    log = '{"return": {"colour": 1}}\n{"return": 3.5}\n{"return": {"size": "big"}}\n'
    assert [f.message.line for f in check(checker, log, stats)] == [3, 3]
    assert stats.unpaired_only_anything == {"get-anything": 2}
    summary = format_summary_text(stats)
    assert "note: 3 replies answer no request seen; each was checked against every command whose reply it could be" \
        in summary
    assert "note: 2 of them fit only 'get-anything', whose reply may be anything" in summary


def test_without_a_command_that_returns_anything_a_shapeless_reply_is_refused() -> None:
    checker = _validator(SCHEMA.replace("'returns': 'any'", "'returns': 'Thing'"))
    assert lines(check(checker, '{"return": {"colour": 1, "size": 2}}\n{"return": 3.5}\n')) == [
        "t.log:1:1: error: message 1, reply to no request seen: $.return: no command returns an object with "
        "members 'colour', 'size' [candidates]",
        "t.log:2:1: error: message 2, reply to no request seen: $.return: no command returns a value like 3.5 "
        "[candidates]",
    ]


def test_a_reply_with_no_request_and_no_return_is_checked_as_a_reply(
        checker: tuple[QmpValidator, ReplyShapes]) -> None:
    findings = check(checker, '{"return": {"size": 1}, "id": 1, "extra": 2}\n')
    assert [(f.violation.keyword, f.violation.message) for f in findings] == [
        ("additionalProperties", "unknown member 'extra'")]


def test_python_jsonschema_alone_gives_the_same_verdicts() -> None:
    result = load_text("schema.json", SCHEMA)
    assert result.schema is not None
    slow = QmpValidator(result.schema, fast=False)
    checker = (slow, ReplyShapes(result.schema, slow.generated.replies))
    log = '{"return": {"ready": true}}\n{"return": {"size": "big"}}\n{"return": {"colour": 1}}\n'
    stats = CheckStats()
    assert [(f.message.line, f.violation.keyword) for f in check(checker, log, stats)] == [
        (2, "candidates"), (2, "type")]
    assert stats.unpaired_only_anything == {"get-anything": 1}


def test_the_command_line_checks_a_server_side_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "schema.json").write_text(SCHEMA)
    (tmp_path / "server.log").write_text(GREETING + '{"return": {}}\n{"return": {"size": 2}, "id": 4}\n'
                                         '{"return": {"ready": "yes"}, "id": 5}\n')
    code = main(["validate", str(tmp_path / "schema.json"), str(tmp_path / "server.log")])
    out = capsys.readouterr().out
    assert code == 1
    assert "server.log:4:1: error: message 4, reply to no request seen: $.return.ready: expected a boolean" in out
    assert "note: 3 replies answer no request seen" in out


# --- on real schemas: the shapes never rule out the command that sent a reply ---------------

@pytest.mark.parametrize("name, path", CORPUS_ROOTS, ids=[n for n, _ in CORPUS_ROOTS])
def test_every_generated_reply_is_accepted_without_its_request(shared_dir: Path, name: str, path: str) -> None:
    """For every command of every corpus root, replies generated from the
    model (an oracle independent of the JSON Schema) are accepted with no
    request seen, and the command that sent each is among its candidates."""
    result = load_schema(str(shared_dir / path))
    assert result.schema is not None
    validator = QmpValidator(result.schema)
    shapes = ReplyShapes(result.schema, validator.generated.replies)
    factory = InstanceFactory(result.schema, seed=9)
    replies = []
    for command in result.schema.commands():
        if not command.success_response:
            continue
        for _ in range(4):
            reply = factory.reply(command)
            assert command.name in shapes.candidates(reply), (command.name, reply)
            replies.append(reply)
    assert len(replies) > 80
    log = "".join(json.dumps(r) + "\n" for r in replies)
    stats = CheckStats()
    findings = check((validator, shapes), log, stats)
    assert lines(findings) == []
    assert stats.traffic.unpaired_replies == len(replies)
    # only the replies of commands that return anything fall back to them
    anything = sum(4 for c in result.schema.commands() if c.name in shapes.return_anything)
    assert sum(stats.unpaired_only_anything.values()) <= anything
