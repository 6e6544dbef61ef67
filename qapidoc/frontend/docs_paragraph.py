"""The doc-comment grammar of QEMU 9.0 and later: sections start at paragraphs.

After the ``@NAME:`` symbol line, a paragraph starts a section: ``@arg:``
descriptions (one after the other), ``Features:`` with feature
descriptions, a tagged section (``Returns:``, ``Errors:``, ``Since:``,
``TODO:``; ``Note:`` and ``Example:`` until 9.1 refused them), or an
untagged paragraph.  The lines of a description or tagged section after
its first one are indented; the first of them sets the indentation.
A ``= Heading`` line may open a free-form block and nothing else (9.0 to
10.0; from 10.1 it is plain text).

Written as index loops over the lines, one call per section rather than
per line: this is the hottest code of ``qapidoc check``.
"""

from __future__ import annotations

import re

from .. import rules
from .doc_model import DocBuilder, SectionBuilder
from .parser import DocLine

__all__ = ["ParagraphParser"]

_AT_NAME = re.compile(r"@([^:]*): *")
_TAG_90 = r"(Returns|Errors|Since|Notes?|Examples?|TODO): *"     # (9.0 only: compiled when used)
_TAG_91 = re.compile(r"(Returns|Errors|Since|Notes?|Examples?|TODO)(?!::): *")
_UNIQUE_TAGS = ("Returns", "Errors", "Since")
#: the first letters of the tags: a cheap test before the match
_TAG_INITIALS = frozenset("RESNT")
_new = tuple.__new__     # a named tuple without its Python-level __new__
#: what a line may end with that QEMU strips
_TRAILING = " \t\r\f\v"
#: a newline after one of them (found by the newline: a search for a
#: literal character is fast, one for a class of characters is not)
_AFTER_TRAILING = re.compile(r"\n(?<=[ \t\r\f\v]\n)")


def _has_trailing_space(text: str, start: int, end: int) -> bool:
    """Whether a line of ``text[start:end]`` ends in whitespace (what the
    regex ``[ \t\r\f\v]$`` in multi-line mode finds, ten times faster)."""
    if start < end and text[end - 1] in _TRAILING:
        return True
    # (from start + 1: the character before the newline is in the range)
    return _AFTER_TRAILING.search(text, start + 1, end) is not None


class ParagraphParser:
    """Reads the lines of one doc block into a :class:`DocBuilder`."""

    def __init__(self, doc: DocBuilder) -> None:
        self.doc = doc
        dialect = doc.dialect
        self.tag_pattern = _TAG_91 if dialect.has("qmp-example") else re.compile(_TAG_90)
        self.refuse_old_tags = dialect.has("qmp-example")
        self.headings = not dialect.has("doc-headings-are-text")
        self.heading_first = self.headings and dialect.has("doc-heading-first")
        self.cut_indent = not dialect.has("doc-indentation-kept")

    def run(self, lines: tuple[DocLine, ...]) -> None:
        # QEMU reads each line without its trailing whitespace.
        raw = self.doc.raw
        if _has_trailing_space(raw.file.text, raw.start, raw.end):
            lines = tuple(line._replace(text=line.text.rstrip()) for line in lines)
        if lines and lines[0].text.startswith("@"):
            self.symbol_line(lines[0])
            self.definition(lines)
        else:
            self.freeform(lines)
        self.check_empty()

    def symbol_line(self, line: DocLine) -> None:
        doc = self.doc
        text = line.text
        if not text.endswith(":"):
            raise doc.error(rules.DOC_SYNTAX, "line should end with ':'", line)
        symbol = text[1:-1]
        if not symbol:
            raise doc.error(rules.DOC_SYNTAX, "name required after '@'", line)
        doc.symbol = symbol
        doc.symbol_span = doc.raw.file.span(line.offset + 1, line.offset + 1 + len(symbol))
        assert doc.body is not None
        doc.body.span = doc.line_span(line)

    def freeform(self, lines: tuple[DocLine, ...]) -> None:
        doc = self.doc
        body = doc.current.lines
        match = _AT_NAME.match
        for i, line in enumerate(lines):
            text = line.text
            m = match(text)
            if m:
                raise doc.error(rules.DOC_STRUCTURE,
                                f"'@{m.group(1)}:' not allowed in free-form documentation", line)
            if i and self.heading_first and text.startswith("="):
                raise doc.error(rules.DOC_STRUCTURE, "'=' heading must come first in a comment block", line)
            body.append(line)

    def definition(self, lines: tuple[DocLine, ...]) -> None:
        doc = self.doc
        n = len(lines)
        at_name = _AT_NAME.match
        i = 1
        no_more_args = False
        while i < n:
            line = lines[i]
            text = line.text
            if not text:
                i += 1
                continue
            if text == "Features:":
                if doc.features:
                    raise doc.error(rules.DOC_STRUCTURE, "duplicated 'Features:' line", line)
                i += 1
                while i < n and not lines[i].text:
                    i += 1
                while i < n and (m := at_name(lines[i].text)):
                    i = self.description("feature", m, lines, i)
                if not doc.features and (i < n or doc.raw.closed):
                    raise doc.error(rules.DOC_STRUCTURE, "feature descriptions expected",
                                    lines[i] if i < n else lines[-1])
                no_more_args = True
            elif text[0] == "@" and (m := at_name(text)):
                if no_more_args:
                    raise doc.error(rules.DOC_STRUCTURE,
                                    f"description of '@{m.group(1)}:' follows a section", line)
                while i < n and (m := at_name(lines[i].text)):
                    i = self.description("member", m, lines, i)
                no_more_args = True
            elif text[0] in _TAG_INITIALS and (m := self.tag_pattern.match(text)):
                tag = m.group(1)
                self.check_obsolete(tag, line)
                out = doc.new_tagged(tag, line, unique=_UNIQUE_TAGS).lines
                end = m.end()
                if end < len(text):
                    out.append(_new(DocLine, (text[end:], line.offset + end, line.hash_offset)))
                i = self.indented(out, lines, i + 1)
                no_more_args = True
            elif self.headings and text.startswith("="):
                raise doc.error(rules.DOC_STRUCTURE, "unexpected '=' markup in definition documentation", line)
            else:
                out = self.untagged(line).lines
                out.append(line)
                i += 1
                while i < n and lines[i].text:
                    out.append(lines[i])
                    i += 1

    def untagged(self, line: DocLine) -> SectionBuilder:
        """The untagged section a paragraph starting at ``line`` extends
        (the previous one, when it is untagged), or a new one."""
        doc = self.doc
        section = doc.current
        if section.kind == "plain":
            if section.lines:
                section.lines.append(_new(DocLine, ("", line.hash_offset, line.hash_offset)))
            elif doc.dialect.has("doc-section-kinds") and section is not doc.body:
                section.span = doc.line_span(line)
            return section
        return doc.new_plain(line)

    def check_obsolete(self, tag: str, line: DocLine) -> None:
        if not self.refuse_old_tags:
            return
        doc = self.doc
        if tag.startswith("Note"):
            raise doc.error(rules.OBSOLETE_SECTION,
                            f"The '{tag}' section is no longer supported. Please use rST's "
                            "'.. note::' or '.. admonition:: notes' directives, or another "
                            "suitable admonition instead.", line)
        if tag.startswith("Example"):
            raise doc.error(rules.OBSOLETE_SECTION,
                            f"The '{tag}' section is no longer supported. Please use the "
                            "'.. qmp-example::' directive, or other suitable markup instead.", line)

    def description(self, kind: str, m: re.Match[str], lines: tuple[DocLine, ...], i: int) -> int:
        """A ``@name:`` description starting at ``lines[i]``; return the
        index of the line after it."""
        line = lines[i]
        out = self.doc.new_description(kind, m.group(1), line).lines
        text = line.text
        end = m.end()
        if end < len(text):
            out.append(_new(DocLine, (text[end:], line.offset + end, line.hash_offset)))
        return self.indented(out, lines, i + 1)

    def indented(self, out: list[DocLine], lines: tuple[DocLine, ...], i: int) -> int:
        """The lines of a description or tagged section after its first
        line, from ``lines[i]``; return the index of the line after them."""
        n = len(lines)
        while i < n and not lines[i].text:
            out.append(lines[i])
            i += 1
        if i >= n:
            return i
        text = lines[i].text
        indent = len(text) - len(text.lstrip())
        if not indent:
            return i
        cut = indent if self.cut_indent else 0
        out.append(_cut(lines[i], cut) if cut else lines[i])
        i += 1
        at_name = _AT_NAME.match
        first = i
        while i < n:
            line = lines[i]
            text = line.text
            if text[:1] == "@" and at_name(text):
                break
            # (less indented: fewer than ``indent`` leading blanks)
            if text and (len(text) < indent or not text[:indent].isspace()):
                # QEMU sets "after a blank line" after every line, not only
                # blank ones: only the first such line is an error.
                if i == first:
                    raise self.doc.error(rules.DOC_STRUCTURE,
                                         f"unexpected de-indent (expected at least {indent} spaces)", line)
                break
            i += 1
        out.extend([_cut(line, cut) for line in lines[first:i]] if cut else lines[first:i])
        return i

    def check_empty(self) -> None:
        """Every section but the untagged ones needs text."""
        doc = self.doc
        for section in doc.all_sections:
            if section.kind != "plain" and not section.has_text and doc.raw.closed:
                # (QEMU checks the sections at the closing '##'.)
                if doc.dialect.has("doc-section-kinds"):
                    tag = section.kind.title() if section.kind != "todo" else "Todo"
                elif section.name is not None:
                    tag = f"@{section.name}"
                else:
                    tag = str(section.tag)
                raise doc.error(rules.DOC_STRUCTURE, f"text required after '{tag}:'", _first_line(section))


def _cut(line: DocLine, indent: int) -> DocLine:
    return line._replace(text=line.text[indent:], offset=line.offset + indent) if line.text else line


def _first_line(section: SectionBuilder) -> DocLine:
    span = section.span
    text = span.file.text[span.start:span.end]
    return DocLine(text, span.start, span.start)
