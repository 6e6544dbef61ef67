"""Is every line of every doc comment in the built manual?

The check behind "the Sphinx extension never drops doc text without a
warning at the line where it happened": each doc comment line that carries
text a reader should see must appear in the text builder's output of its
schema, unless a warning names that ``.json`` line.

Lines and output are compared as words (letters and digits, lower-cased),
so markup, wrapping and quoting do not matter: a line of three words or
more is found when each run of three consecutive words of it occurs in the
output; a shorter line when each of its words does.  A reference may show
its target's title instead of its text (``:doc:`/interop/qmp-spec```), and
the text builder cuts a word longer than a line (a URL): a line is found
too without its references, or with its words run together.  Rendering moves text
(member descriptions go to their rows) but keeps each line's words
together, so this finds a dropped line while tolerating the renderer's
changes of form.

What is deliberately not shown is not expected: blank lines, rST comments
and targets (``.. qapidoc: ignore[...]``, ``.. _label:``) with their
indented continuation, directive lines (their name is markup), and
``TODO:`` sections (QEMU's manual hides them too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from qapidoc.frontend.loader import LoadResult

__all__ = ["Coverage", "MissingLine", "doc_line_words", "uncovered_lines"]

_WORD = re.compile(r"[a-z0-9]+")
_COMMENT = re.compile(r"^(\s*)\.\.(\s|$)")
_DIRECTIVE = re.compile(r"^\s*\.\.\s+[\w:.-]+::")
_OPTION = re.compile(r"^\s*:[\w-]+:(\s+(.*))?$")
_ROLE = re.compile(r":[\w:+.-]+:(?=`)")
_TARGET_IN_REF = re.compile(r"\s*<[^<>`]*>(?=`)")
#: a member or feature tag, or a section tag, at the start of a line: the
#: renderer shows the name apart from the text after it
_TAG = re.compile(r"^\s*(@[^:\s]*:|(?:Returns|Errors|Since|Notes?|Examples?|Features|TODO):(?!:))")

#: runs of this many words are looked up
N = 3


class MissingLine(NamedTuple):
    path: str
    line: int
    text: str


class Coverage(NamedTuple):
    #: doc comment lines with text a reader should see
    checked: int
    missing: list[MissingLine]


def doc_line_words(text: str) -> list[str]:
    """The words of one doc line as a reader sees them (no markup)."""
    text = text.replace("#optional", " ")
    text = _TARGET_IN_REF.sub("", _ROLE.sub("", text))
    return _WORD.findall(text.lower())


class _Output:
    """The words of the output: runs of :data:`N` of them, each of them,
    and all of them run together (for a word the text builder cut across
    two lines, a long URL say)."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.runs: set[tuple[str, ...]] = set()
        self.words: set[str] = set()
        joined: list[str] = []
        for text in texts:
            found = _WORD.findall(text.lower())
            self.words.update(found)
            self.runs.update(zip(*(found[i:] for i in range(N)), strict=False))
            joined.append("".join(found))
        self.joined = "|".join(joined)

    def has(self, found: list[str]) -> bool:
        if len(found) >= N:
            return all(run in self.runs for run in zip(*(found[i:] for i in range(N)), strict=False))
        return all(word in self.words for word in found)

    def has_joined(self, found: list[str]) -> bool:
        return "".join(found) in self.joined


#: a reference (a role, or the default role): what the reader sees may be
#: the title of its target, not its text
_REFERENCE = re.compile(r"(?<!`)(:[\w:+.-]+:)?`[^`]+`(?!`)_?")


def _present(output: _Output, unit: str) -> bool:
    found = doc_line_words(unit)
    if output.has(found):
        return True
    without_refs = doc_line_words(_REFERENCE.sub(" ", unit))
    if without_refs != found and output.has(without_refs):
        return True
    return bool(found) and output.has_joined(found)


def _shown_lines(result: LoadResult) -> Iterator[tuple[str, int, str]]:
    """(path, line, text) of every doc line meant to be shown."""
    for doc in result.docs:
        file = doc.raw.file
        hidden = {line.hash_offset for s in doc.all_sections if s.kind == "todo" for line in s.lines}
        hidden |= {s.span.start for s in doc.all_sections if s.kind == "todo"}
        comment_indent: int | None = None
        for line in doc.raw.lines:
            text = line.text
            stripped = text.strip()
            indent = len(text) - len(text.lstrip())
            if comment_indent is not None:
                if not stripped or indent > comment_indent:
                    continue
                comment_indent = None
            if not stripped or line.hash_offset in hidden:
                continue
            if _COMMENT.match(text) and not _DIRECTIVE.match(text):
                comment_indent = indent
                continue
            if _DIRECTIVE.match(text):
                continue
            option = _OPTION.match(text)
            if option is not None:
                text = option.group(2) or ""
                if not text.strip():
                    continue
            if stripped.startswith("TODO:"):
                continue
            yield file.path, file.line_of(line.hash_offset), text


def uncovered_lines(result: LoadResult, pages: Iterable[Path], warned: set[tuple[str, int]]) -> Coverage:
    """The doc lines of ``result`` that are neither in the text ``pages``
    nor named by a warning (``warned``: (path, line) pairs)."""
    output = _Output(page.read_text(encoding="utf-8") for page in pages)
    missing: list[MissingLine] = []
    checked = 0
    for path, line, text in _shown_lines(result):
        tag = _TAG.match(text)
        units = [text[:tag.end()], text[tag.end():]] if tag else [text]
        if not any(doc_line_words(unit) for unit in units):
            continue
        checked += 1
        present = all(_present(output, unit) for unit in units)
        if not present and (path, line) not in warned:
            missing.append(MissingLine(path, line, text))
    return Coverage(checked, missing)
