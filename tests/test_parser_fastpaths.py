"""The parser's fast paths give what the plain way gives.

The parser reads an object member ``'key': 'value',`` and a list item
``'item',`` with one match each (``parser._PAIR``, ``parser._ITEM``)
instead of a token at a time; ``parse(..., fast_paths=False)`` reads every
token with ``lexer.next_token``.  Both must make the same nodes and the
same findings, in the same order, with the same places QEMU meets them:
compared here on every file of the corpora, on variants with comments,
escapes and errors where the fast paths stop, and on random mutations.
The lexer's reading of a doc block in the usual layout (string methods)
is held to its line-by-line reading the same way.
"""

from __future__ import annotations

import pathlib
import random
from collections.abc import Iterator

import pytest

from qapidoc.frontend import parser
from qapidoc.frontend.lexer import BOOL, DOC, EOF, JUNK, NULL, STRING, Token, next_token, tokenize
from qapidoc.frontend.parser import ParsedFile, parse
from qapidoc.source import SourceFile

CORPORA = ("qemu-10.2", "qemu-7.2", "qemu-2.10-seed")


def _state(parsed: ParsedFile) -> tuple[object, ...]:
    return parsed.items, parsed.diagnostics, parsed.deferred, parsed.found_at


def _same_both_ways(text: str) -> ParsedFile:
    source = SourceFile("x.json", text)
    fast = parse(source)
    assert _state(fast) == _state(parse(source, fast_paths=False)), text
    return fast


@pytest.fixture(scope="module")
def corpus_texts(shared_dir: pathlib.Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for corpus in CORPORA
            for p in sorted((shared_dir / "corpus" / corpus).rglob("*.json"))]


class _CountingTokens:
    """``parser.next_token``, counting the tokens the parser asks for."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> tuple[Token, int]:
        self.count += 1
        return next_token(*args)  # type: ignore[arg-type]


def test_the_corpora_parse_the_same_both_ways(corpus_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _CountingTokens()
    monkeypatch.setattr(parser, "next_token", counter)
    tokens = 0
    for text in corpus_texts:
        _same_both_ways(text)
        tokens += len(tokenize(SourceFile("x.json", text)).tokens)
    # The plain way asked for each token once, the usual one for a few:
    # the fast paths were taken.
    plain = counter.count - tokens        # (what the fast parses asked for)
    assert 0 < plain < tokens / 2, (plain, tokens)


# Each a place where a fast path stops and the plain way takes over (or
# must not take over), with the shapes around it.
_CASES = [
    "{ 'a': 'b', 'c': 'd' }",
    "{ 'a': 'b' , 'c' : 'd' }",
    "{'a':'b','c':'d'}",
    "{ 'a': 'b',\n  # comment\n  'c': 'd' }",
    "{ 'a': # comment\n 'b' }",
    "{ 'a': 'b' # comment\n }",
    "{ 'a' # comment\n : 'b' }",
    "{ 'a': 'b', }",
    "{ 'a': 'b' 'c': 'd' }",
    "{ 'a': 'b', 'a': 'c' }",
    "{ 'a': { 'b': 'c' }, 'a': [ 'd' ] }",
    "{ 'a': 'b', 'a': 'c\\u0064' }",
    "{ 'a': 'b\\n', 'c': 'd' }",
    "{ 'a\\u0062': 'b' }",
    "{ 'a': 'b\u00e9' }",
    "{ 'a': true, 'b': false, 'c': null }",
    "{ 'a': trueish }",
    "{ 'a': 'b', 'c': }",
    "{ 'a': 'b', 'c' }",
    "{ 'a': 'b', 'c' 'd' }",
    "{ 'a': 'b', ] }",
    "{ 'a': 'b'\n##\n# doc\n##\n}",
    "{ 'a':\n##\n# doc\n##\n'b' }",
    "{ 'a': 'b\n",
    "{ 'a': 'b'",
    "{ 'a': 'b',",
    "{ 'a': 'b', 'c': 'd'\n",
    "{ 'a': [ 'b', 'c' ] }",
    "{ 'a': [ 'b' , 'c' ] }",
    "{ 'a': [ 'b', ] }",
    "{ 'a': [ , 'b' ] }",
    "{ 'a': [ 'b' 'c' ] }",
    "{ 'a': [ 'b', # comment\n 'c' ] }",
    "{ 'a': [ 'b', { 'c': 'd' }, 'e', [ 'f' ] ] }",
    "{ 'a': [ 'b', 'c\\t', 'd' ] }",
    "{ 'a': [ 'b', 1, 'd' ] }",
    "{ 'a': [ 'b', 'c'",
    "{ 'a': [ 'b', 'c' }",
    "{ 'a': [] , 'b': {} }",
    "[ 'a', 'b' ]\n{ 'c': 'd' }",
    "'a'\n{ 'b': 'c' }",
    "{ 'a': 'b' }\n{ 'c': 'd' ] }\n{ 'e': 'f' }\n",
    "{ 'a': 'b', 'c': 'd' junk 'e': 'f' }\n{ 'g': 'h' }\n",
    "{ 'a': 'b',\n  this is prose\n  that goes on\n}\n{ 'c': 'd' }\n",
    "{ 'a': 'b', 'c': [ 'd', 'e\\u00e9' ], 'f': null }\n{ 'g': 'h' }\n",
    "{ 'a': 'b' }\n# trailing\n# the end",
    "{ 'a': 'b' } ## x\n",
    "{ 'a': 'b' }\n\n" + "# # # # \n" * 50,
    "{ 'a': " + "[ " * 101 + "'b'" + " ]" * 101 + " }",
    "{ 'a': " + "{ 'b': " * 99 + "'c'" + " }" * 99 + " }",
]


@pytest.mark.parametrize("text", _CASES)
def test_where_the_fast_paths_stop(text: str) -> None:
    _same_both_ways(text)
    _same_both_ways(text.replace(" ", "\n"))
    _same_both_ways(text.replace(" ", "\t").replace("\n", "\r\n"))


_PIECES = ["{", "}", "[", "]", ":", ",", "'", "#", "##\n", "\n", " ", "\\", "\\u00e9", "null", "true", "x",
           "\n{", "\r\n", "\u00e9", "'a'", "# c\n", "\n##\n# @x:\n##\n", "'a': 'b',", "'c',"]


def _mutants(texts: list[str], rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            if rng.random() < 0.4:
                text = text[:at] + text[at + rng.randint(1, 3):]
            else:
                text = text[:at] + rng.choice(_PIECES) + text[at:]
        yield text


def test_mutations_parse_the_same_both_ways(corpus_texts: list[str]) -> None:
    small = [text for text in corpus_texts if len(text) < 20_000]
    erring = 0
    for text in _mutants(small + _CASES, random.Random(12), 400):
        erring += bool(_same_both_ways(text).diagnostics)
    assert erring > 100


def test_tokenize_gives_each_token_once_with_its_place() -> None:
    text = ("##\n# @x:\n##\n"
            "{ 'a': 'b', # c\n 'd\\n': [ true, false, null ],\n 'e': 1 } ## y\n# z\n'f\n")
    result = tokenize(SourceFile("x.json", text))
    kinds = [(kind, text[start:end]) for kind, start, end, _ in result.tokens]
    assert kinds == [
        (DOC, "##\n# @x:\n##"), ("{", "{"), (STRING, "'a'"), (":", ":"), (STRING, "'b'"), (",", ","),
        (STRING, "'d\\n'"), (":", ":"), ("[", "["), (BOOL, "true"), (",", ","), (BOOL, "false"), (",", ","),
        (NULL, "null"), ("]", "]"), (",", ","), (STRING, "'e'"), (":", ":"), (JUNK, "1"), ("}", "}"),
        (DOC, "## y\n# z"), (JUNK, "'f"), (EOF, ""),
    ]
    assert [token[3] for token in result.tokens if token[0] == STRING] == ["a", "b", "d\n", "e"]
    assert result.tokens[-1][1] == len(text) - 1
    assert [d.message for d in result.diagnostics] == [
        "stray '1'", "junk after '##' at start of documentation comment", "documentation comment must end with '##'",
        "missing terminating \"'\""]
    assert [d.diagnostic.message for d in result.deferred] == ["unknown escape \\n", "stray 'null' (null was removed "
                                                                "from the language in QEMU 4.2)"]


def _doc_variants(text: str) -> list[str]:
    return [text, text.replace("\n# ", "\n#"), text.replace("\n#\n", "\n# \n"), text.replace("\n# ", "\n  # "),
            text.replace("\n#\n", "\n\n"), text.replace("\n# ", "\n#\t")]


def test_doc_blocks_in_the_usual_layout_are_what_the_line_by_line_reading_finds(corpus_texts: list[str]) -> None:
    """``lexer._plain_doc_body`` (string methods, the usual layout only)
    against ``lexer._doc_body`` (a match per line, any layout)."""
    from qapidoc.frontend.lexer import LexResult, _doc_body, _plain_doc_body

    plain = declined = 0
    for original in corpus_texts[:60]:
        for text in _doc_variants(original):
            source = SourceFile("x.json", text)
            for token in tokenize(source).tokens:
                if token[0] != DOC:
                    continue
                end = text.find("\n", token[1])
                if end < 0:
                    continue
                found = _plain_doc_body(text, end)
                result = LexResult([])
                body = _doc_body(source, end, result)
                if found is None:
                    declined += 1
                else:
                    plain += 1
                    assert found == body, text[token[1]:body[0]]
                    assert not result.diagnostics
    assert plain > 1000 and declined > 1000, (plain, declined)
