"""Fuzzing the tolerant example parser: no input gives a traceback, and
whatever it reads back from well-formed JSON is exact."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qapidoc import LoadOptions, load_text
from qapidoc.backends.examples import parse_examples, parse_json

_CHARS = st.sampled_from([*list('{}[]",:.-<>\' \t0123456789aetrufnl\\/e+E'), "->", "<-", "...", "::", ".. "])
_LINE = st.lists(_CHARS, max_size=30).map("".join)


def _schema(body_lines: list[str], directive: bool) -> str:
    head = "# .. qmp-example::\n#\n" if directive else "# Example:\n#\n"
    indent = "    " if directive else ""
    body = "".join(f"# {indent}{line}".rstrip() + "\n" for line in body_lines)
    return f"##\n# @x:\n#\n{head}{body}##\n{{ 'command': 'x' }}\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, min_size=1, max_size=8), st.booleans())
def test_any_example_body_reads_without_a_traceback(lines: list[str], directive: bool) -> None:
    text = _schema(lines, directive)
    result = load_text("fuzz.json", text, LoadOptions(dialect=(10, 2) if directive else (2, 10)))
    for parsed in parse_examples(result.docs):
        for item in parsed.items:
            assert 0 <= item.span.start <= item.span.end <= len(text)
            message = item.message
            if message is None:
                continue
            if message.error is not None:
                span = message.error.span
                assert 0 <= span.start <= span.end <= len(text)
                assert message.error.message
            for loc in message.locations.values():
                assert 0 <= loc.value.start < loc.value.end <= len(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, min_size=1, max_size=6), st.booleans())
def test_the_example_checks_never_crash(lines: list[str], directive: bool) -> None:
    """Whatever the example holds, the checks report findings, never QD999."""
    from qapidoc.lint.example_checks import check_examples, make_validator
    text = _schema(lines, directive).replace("{ 'command': 'x' }", _COMMANDS)
    result = load_text("fuzz.json", text, LoadOptions(dialect=(10, 2) if directive else (2, 10)))
    assert result.schema is not None
    for diag in check_examples(result.schema, result.docs, make_validator(result.schema)):
        assert diag.rule.code != "QD999", diag.message


_COMMANDS = ("{ 'command': 'x', 'data': { 'a': 'int', '*b': ['str'] }, 'returns': 'R' }\n"
             "{ 'struct': 'R', 'data': { 'r': 'bool' } }\n"
             "{ 'event': 'E', 'data': { 'e': 'str' } }\n")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_json_raises_only_value_error(text: str) -> None:
    try:
        parse_json(text)
    except ValueError as err:
        message, start, end = err.args
        assert isinstance(message, str) and 0 <= start <= end


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _walk(value: object, path: tuple[object, ...] = ()) -> list[tuple[tuple[object, ...], object]]:
    out = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _walk(item, (*path, index))
    return out


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["return", "data", "x-y", "id"]), _JSON, min_size=1, max_size=3),
       st.sampled_from([None, 2, 4]))
def test_well_formed_messages_read_back_exactly(value: dict[str, object], indent: int | None) -> None:
    dumped = json.dumps(value, indent=indent)
    lines = dumped.split("\n")
    body = ["<- " + lines[0], *("   " + line for line in lines[1:])]
    text = _schema(body, True)
    result = load_text("fuzz.json", text, LoadOptions(dialect=(10, 2)))
    [parsed] = parse_examples(result.docs)
    [message] = parsed.messages
    assert message.error is None, message.error
    assert message.value == value
    for path, sub in _walk(value):
        loc = message.locations[path]  # type: ignore[index]
        assert json.loads(text[loc.value.start:loc.value.end].replace("\n#", "\n")) == sub
        if path and isinstance(path[-1], str):
            assert loc.key is not None
            assert json.loads(text[loc.key.start:loc.key.end]) == path[-1]


_HEAD = st.sampled_from([{"execute": "x"}, {"execute": "y"}, {"exec-oob": "x"}, {"event": "E"},
                         {"return": {}}, {"error": {"class": "GenericError"}}, {"QMP": {}}, {}])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["->", "<-", ""]), _HEAD,
                          st.dictionaries(st.sampled_from(["arguments", "data", "return", "id", "a", "r"]),
                                          _JSON, max_size=3)), min_size=1, max_size=4),
       st.booleans())
def test_the_example_checks_never_crash_on_messages(messages: list[tuple[str, dict[str, object],
                                                                    dict[str, object]]], elide: bool) -> None:
    from qapidoc.lint.example_checks import check_examples, make_validator
    lines = []
    for arrow, head, rest in messages:
        text = json.dumps({**head, **rest})
        if elide and text.endswith("}") and len(text) > 2:
            text = text[:-1] + ", ... }"
        lines.append(f"{arrow} {text}".strip())
    text = _schema(lines, True).replace("{ 'command': 'x' }", _COMMANDS)
    result = load_text("fuzz.json", text, LoadOptions(dialect=(10, 2)))
    assert result.schema is not None
    for diag in check_examples(result.schema, result.docs, make_validator(result.schema)):
        assert diag.rule.code != "QD999", diag.message
        assert diag.span is not None and 0 <= diag.span.start <= len(text)
