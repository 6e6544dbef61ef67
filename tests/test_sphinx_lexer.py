"""The QMP Pygments lexer."""

from __future__ import annotations

import pytest
from conftest import CORPUS_ROOTS
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Punctuation, String
from qapidoc_sphinx.lexer import QmpLexer

from qapidoc import load_schema


def tokens(text: str) -> list[tuple[object, str]]:
    return [(t, v) for t, v in QmpLexer().get_tokens(text) if v.strip()]


def test_arrows_json_and_multiline_messages() -> None:
    out = tokens('-> { "execute": "query-status" }\n'
                 '<- { "return": { "running": true,\n'
                 '                 "n": -1.5e3, "x": null } }\n')
    assert out[0] == (Generic.Prompt, "->")
    assert (Name.Tag, '"execute"') in out and (String.Double, '"query-status"') in out
    assert out.count((Generic.Prompt, "<-")) == 1
    # the continuation line is still JSON
    assert (Name.Tag, '"n"') in out and (Number, "-1.5e3") in out and (Keyword.Constant, "null") in out
    assert out[-1] == (Punctuation, "}")


def test_elisions_and_titles() -> None:
    out = tokens('1. Add a new node\n'
                 '-> { "execute": "x", "arguments": { ... } }\n'
                 '...\n'
                 '<- { "return": [ ... more channels follow ... ] }\n'
                 '-> ... text sent by client (commands) ...\n')
    assert out[0] == (Generic.Subheading, "1. Add a new node")
    assert (Comment.Multiline, "...") in out
    assert (Comment.Multiline, "... more channels follow ...") in out
    assert (Comment.Multiline, "... text sent by client (commands) ...") in out


def test_bare_event_json_of_old_schemas() -> None:
    out = tokens('{ "event": "MIGRATION_PASS", "data": { "pass": 2 } }\n')
    assert out[0] == (Punctuation, "{") and (Name.Tag, '"event"') in out


def test_broken_json_is_marked_not_an_error_token() -> None:
    text = "<- { 'event': 'X' , @@ }\n"
    out = QmpLexer().get_tokens(text)
    kinds = [t for t, _ in out]
    assert Error not in kinds
    assert Generic.Error in kinds
    assert "".join(v for _, v in QmpLexer().get_tokens(text)) == text


@pytest.mark.parametrize("root", [r for _, r in CORPUS_ROOTS], ids=[i for i, _ in CORPUS_ROOTS])
def test_every_corpus_example_lexes_without_error_tokens(shared_dir, root: str) -> None:  # type: ignore[no-untyped-def]
    result = load_schema(str(shared_dir / root))
    count = 0
    for doc in result.docs:
        for example in doc.examples:
            text = "\n".join(line.text for line in example.lines) + "\n"
            toks = list(QmpLexer().get_tokens_unprocessed(text))
            assert all(t is not Error for _, t, _ in toks), (doc.symbol, text)
            assert "".join(v for _, _, v in toks) == text      # nothing lost, nothing added
            count += 1
    assert count or "qga" in root
