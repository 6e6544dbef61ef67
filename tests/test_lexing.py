"""Lexical corner cases of the QAPI language (reference: the cases a
reimplementation most often gets wrong), each with its exact position."""

from __future__ import annotations

import pytest

from qapidoc import LoadOptions, load_text


def first_error(text: str, dialect: tuple[int, int] = (10, 2)) -> tuple[int, int, str]:
    result = load_text("t.json", text, LoadOptions(dialect=dialect))
    errors = [d for d in result.diagnostics if d.level.value == "error"]
    assert errors, "expected an error"
    span = errors[0].span
    assert span is not None
    return span.line, span.column, errors[0].message.split("\n")[0]


@pytest.mark.parametrize(("text", "expected"), [
    # '##' after code on the same line opens a doc comment
    ("{ 'enum': 'Colour', 'data': [] } ## x\n", (1, 34, "junk after '##' at start of documentation comment")),
    # true/false are matched by prefix: 'trueish' is 'true' then 'ish'
    ("{ 'command': 'c', 'gen': trueish }\n", (1, 30, "stray 'ish'")),
    # no numbers, no null (since 4.2)
    ("{ 'enum': 'Colour', 'data': [ 1 ] }\n", (1, 31, "stray '1'")),
    ("{ 'enum': 'Colour', 'data': [ null ] }\n",
     (1, 31, "stray 'null' (null was removed from the language in QEMU 4.2)")),
    # strings: printable ASCII, only '\\' as an escape (since 4.2)
    ("{ 'enum': 'Colour', 'data': [ 'r\\ted' ] }\n", (1, 33, "unknown escape \\t")),
    ("{ 'enum': 'Colour', 'data': [ 'r\u00e9d' ] }\n", (1, 33, "funny character in string")),
    ("{ 'enum': 'Colour', 'data': [ 'red\n", (1, 31, "missing terminating \"'\"")),
    # a comment after the last expression, on the last line, without newline
    ("{ 'enum': 'Colour', 'data': [ 'red' ] } # trailing\n# the end", None),
    ("{ 'enum': 'Colour', 'data': [ 'red' ] }\n# the end", None),
    # duplicate keys, at the second one
    ("{ 'enum': 'Colour', 'data': [], 'data': [] }\n", (1, 33, "duplicate key 'data'")),
    # the top level takes objects only
    ("[ 'a' ]\n", (1, 1, "top-level expression must be an object")),
    # a doc comment inside an expression
    ("{ 'enum': 'Colour',\n##\n# x\n##\n'data': [] }\n", (2, 1, "documentation comment inside an expression")),
])
def test_lexical_cases(text: str, expected: tuple[int, int, str] | None) -> None:
    if expected is None:
        result = load_text("t.json", text, LoadOptions(dialect=(10, 2)))
        assert result.diagnostics == []
    else:
        assert first_error(text) == expected


def test_old_strings_and_null() -> None:
    """2.10 took JSON escapes and null."""
    result = load_text("t.json", "{ 'enum': 'Colour', 'data': [ 'r\\u0065d' ] }\n", LoadOptions(dialect=(2, 10)))
    assert result.diagnostics == []
    assert result.schema is not None
    colour = result.schema.entities["Colour"]
    assert [v.name for v in colour.values] == ["red"]  # type: ignore[union-attr]


def test_recovery_after_syntax_error_keeps_checking() -> None:
    text = ("{ 'enum': 'Colour' 'data': [] }\n"
            "{ 'struct': 'Box', 'data': { 'c': 'Nope' } }\n")
    result = load_text("t.json", text)
    found = [(d.span.line if d.span else 0, d.code) for d in result.diagnostics]
    assert found == [(1, "QD101"), (2, "QD311")]


def test_crlf_files() -> None:
    text = "##\r\n# @Colour:\r\n#\r\n# @red: Red.\r\n##\r\n{ 'enum': 'Colour', 'data': [ 'red' ] }\r\n"
    result = load_text("t.json", text, LoadOptions(dialect=(10, 2)))
    assert result.diagnostics == []
    assert result.docs[0].arg("red") is not None
    assert result.docs[0].arg("red").text == "Red."  # type: ignore[union-attr]
