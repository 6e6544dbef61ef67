"""Plain paragraphs without the block parser.

Most descriptions in a schema (a member's, a value's) are a paragraph or
two of plain text.  Handing each to docutils' block parser costs a state
machine run with some twenty patterns tried on every line; the paragraphs
it finds are made by the inline parser in the end.  :func:`plain_blocks`
recognises text that the block parser could only read as plain paragraphs
(conservatively: anything that might start a list, a literal block, a
table, a directive, a title, a definition or a field is left to docutils),
and :func:`make_paragraphs` builds the same nodes docutils would, with the
same inline parser, source and line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList

__all__ = ["make_paragraphs", "plain_blocks"]

#: a first line that might open something else than a paragraph: a bullet,
#: an enumerator, a field, an option, a doctest, a line block, a table, an
#: explicit markup or anonymous target, an adornment
_NOT_PLAIN_START = re.compile(
    r"""^(?:[-+*\u2022\u2023\u2043](?:\s|$)   # bullet
        |\(?(?:[0-9]+|[A-Za-z]|[ivxlcdm]+|[IVXLCDM]+|\#)[.)](?:\s|$)   # enumerator
        |\([0-9A-Za-z#]+\)                  # (enumerator)
        |:(?![A-Za-z][\w:.+-]*:`)          # a field (a line may start with a role)
        |[-+/|>.=_\\]                        # option, doctest, line block, table, markup, target
        |[^\w\s]\S*$                          # a lone word of punctuation (an adornment?)
    )""", re.VERBOSE)
#: a line of one repeated punctuation character: a title's adornment or a transition
_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1*\s*$")
#: the end of a paragraph that announces a literal block
_LITERAL_NEXT = re.compile(r"::\s*$")


def plain_blocks(lines: Sequence[str]) -> list[tuple[int, int]] | None:
    """The (start, end) line ranges of the paragraphs if ``lines`` are
    plain paragraphs only (separated by blank lines, none indented), else
    None."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    for i, text in enumerate(lines):
        if not text.strip():
            if start is not None:
                blocks.append((start, i))
                start = None
            continue
        if text[0] in " \t" or _ADORNMENT.match(text):
            return None
        if start is None:
            if _NOT_PLAIN_START.match(text):
                return None
            start = i
    if start is not None:
        blocks.append((start, len(lines)))
    for _begin, end in blocks:
        if _LITERAL_NEXT.search(lines[end - 1]):
            return None
    return blocks


def make_paragraphs(state: Any, content: StringList, start: int, end: int,
                    blocks: Sequence[tuple[int, int]]) -> list[nodes.Node]:
    """The paragraphs of ``content[start:end]`` (whose blocks
    :func:`plain_blocks` found), as docutils' block parser makes them;
    ``content`` must be the state's current input (see Sphinx's
    ``switch_source_input``), so that line numbers map to the sources."""
    out: list[nodes.Node] = []
    for begin, finish in blocks:
        first = start + begin
        data = "\n".join(content.data[first:start + finish]).rstrip()
        textnodes, messages = state.inline_text(data, first + 1)
        paragraph = nodes.paragraph(data, "", *textnodes)
        source, offset = content.items[first]
        paragraph.source, paragraph.line = source, offset + 1
        out.append(paragraph)
        out.extend(messages)
    return out
