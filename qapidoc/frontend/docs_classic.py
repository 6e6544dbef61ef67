"""The doc-comment grammar of QEMU 2.10 to 8.2: one line at a time.

Each line after the ``@NAME:`` symbol line is read by the state the
parser is in, as QEMU's parser of the release read it:

* 2.10 to 4.0: no states.  A word ``@arg:`` at a line start begins a
  member description, a section tag (``Returns:``, ``Since:``, ``Note:``,
  ``Example:``, ``TODO:``...) a tagged section, anywhere; a description
  ends at an unindented line after a blank line.  Text is stripped,
  except in examples.
* 4.1: states (body, descriptions, ``Features:``, other sections), so a
  description can no longer follow a tagged section.
* 5.2: text keeps its indentation; continuation lines must be indented at
  least as far as the text after ``@arg:`` or the tag, which is stripped.
* 8.1 (QEMU commit 08349786c8): the first continuation line sets the
  indentation of a section; ``@arg:`` and tags are matched as patterns.
* 5.2 to 8.2: a ``= Heading`` line is refused in a definition's doc.

Errors are raised as :class:`~qapidoc.diagnostics.StageError` at the
first, as QEMU does: the rest of a broken block means nothing.
"""

from __future__ import annotations

import re

from .. import rules
from .doc_model import DocBuilder, SectionBuilder
from .parser import DocLine

__all__ = ["ClassicParser"]

_TAGS = frozenset(("Returns:", "Since:", "Note:", "Notes:", "Example:", "Examples:", "TODO:"))
_AT_NAME = re.compile(r"@([^:]*): *")
_TAG = re.compile(r"(Returns|Since|Notes?|Examples?|TODO): *")
_FREEFORM_AT = re.compile(r"(@\S+:)")
_WORD_REST_52 = re.compile(r"\S*:\s*")


class ClassicParser:
    """Reads the lines of one doc block into a :class:`DocBuilder`."""

    def __init__(self, doc: DocBuilder) -> None:
        self.doc = doc
        dialect = doc.dialect
        self.states = dialect.has("doc-features-section")
        self.bare_continues = dialect.has("doc-bare-description-continues")
        self.keep_indent = dialect.has("doc-indentation")
        self.late_indent = dialect.has("doc-indent-first-continuation")
        self.refuse_optional = not dialect.has("optional-tag-allowed")
        self.refuse_headings = dialect.has("doc-headings")
        assert doc.body is not None
        self.section: SectionBuilder = doc.body
        self.state = "body"
        self.by_state = {"body": self.body_line, "args": self.args_line, "features": self.features_line,
                         "various": self.various_line}

    def run(self, lines: tuple[DocLine, ...]) -> None:
        doc = self.doc
        if lines and lines[0].text.startswith("@"):
            self.symbol_line(lines[0])
            lines = lines[1:]
        for line in lines:
            if self.refuse_headings and doc.symbol is not None and line.text.startswith("="):
                raise doc.error(rules.DOC_STRUCTURE, "unexpected '=' markup in definition documentation", line)
            if not line.text:
                self.freeform(line)
            elif doc.symbol is None:
                self.freeform(self.stripped(line))
            elif not self.states:
                self.any_line(line)
            else:
                self.by_state[self.state](line)
        if doc.raw.closed:
            # (QEMU checks the last section at the closing '##'.)
            self.end_section()

    # -- the symbol line -------------------------------------------------------

    def symbol_line(self, line: DocLine) -> None:
        doc = self.doc
        text = line.text
        if not text.endswith(":"):
            raise doc.error(rules.DOC_SYNTAX, doc.sentence("line should end with ':'"), line)
        symbol = text[1:-1]
        if not symbol:
            message = "name required after '@'" if doc.dialect.has("if-objects") else doc.sentence("invalid name")
            raise doc.error(rules.DOC_SYNTAX, message, line)
        doc.symbol = symbol
        doc.symbol_span = doc.raw.file.span(line.offset + 1, line.offset + 1 + len(symbol))
        assert doc.body is not None
        doc.body.span = doc.line_span(line)

    # -- matching the start of a line --------------------------------------------

    def at_name(self, text: str) -> tuple[str, int] | None:
        """``@name:`` at the start of ``text``: the name and where the
        text after it starts."""
        if self.late_indent:
            m = _AT_NAME.match(text)
            return (m.group(1), m.end()) if m else None
        word = text.split(" ", 1)[0]
        if word.startswith("@") and word.endswith(":"):
            return word[1:-1], self.rest_at(text, word)
        return None

    def tag(self, text: str) -> tuple[str, int] | None:
        """A section tag at the start of ``text``: the tag and where the
        text after it starts."""
        if self.late_indent:
            m = _TAG.match(text)
            return (m.group(1), m.end()) if m else None
        word = text.split(" ", 1)[0]
        if word in _TAGS:
            return word[:-1], self.rest_at(text, word)
        return None

    def rest_at(self, text: str, word: str) -> int:
        if self.keep_indent:
            m = _WORD_REST_52.match(text)
            if m is not None:       # (QEMU fails on a word with a tab in it)
                return m.end()
        return len(word) + 1

    # -- the states -----------------------------------------------------------------

    def any_line(self, line: DocLine) -> None:
        """2.10 to 4.0: any line of a definition doc after the symbol."""
        if (found := self.at_name(line.text)) is not None:
            name, rest = found
            doc = self.doc
            if doc.sections and name and name not in doc.args:
                first = doc.sections[0].tag
                raise doc.error(rules.DOC_STRUCTURE, f"'@{name}:' can't follow '{first}' section", line)
            self.start_description("member", name, line, rest)
        elif (found := self.tag(line.text)) is not None:
            self.start_tagged(found[0], line, found[1])
        else:
            self.freeform(line)

    def body_line(self, line: DocLine) -> None:
        text = line.text
        if self.at_name(text) is not None:
            self.state = "args"
            self.args_line(line)
        elif text == "Features:":
            self.state = "features"
        elif self.tag(text) is not None:
            self.state = "various"
            self.various_line(line)
        else:
            self.freeform(self.stripped(line))

    def args_line(self, line: DocLine, kind: str = "member") -> None:
        text = line.text
        if (found := self.at_name(text)) is not None:
            self.start_description(kind, found[0], line, found[1])
        elif self.tag(text) is not None:
            self.state = "various"
            self.various_line(line)
        elif self.section.ends_in_blank_line and not text[0].isspace():
            if text == "Features:" and kind == "member":
                self.state = "features"
            else:
                self.switch(self.doc.new_plain(self.doc.line_span(line)))
                self.state = "various"
                self.various_line(line)
        else:
            self.freeform(self.stripped(line))

    def features_line(self, line: DocLine) -> None:
        self.args_line(line, "feature")

    def various_line(self, line: DocLine) -> None:
        doc = self.doc
        if (found := self.at_name(line.text)) is not None:
            if self.late_indent:
                message = f"description of '@{found[0]}:' follows a section"
            else:
                word = line.text.split(" ", 1)[0]
                message = f"'{word}' can't follow '{doc.sections[0].tag}' section"
            raise doc.error(rules.DOC_STRUCTURE, message, line)
        if (found := self.tag(line.text)) is not None:
            self.start_tagged(found[0], line, found[1])
            return
        if self.section.kind != "example":
            line = self.stripped(line)
        self.freeform(line)

    # -- sections ---------------------------------------------------------------------

    def start_description(self, kind: str, name: str, line: DocLine, rest: int) -> None:
        self.switch(self.doc.new_description(kind, name, self.doc.line_span(line), self.indent_for(line, rest)))
        self.first_line(line, rest)

    def start_tagged(self, tag: str, line: DocLine, rest: int) -> None:
        self.switch(self.doc.new_tagged(tag, self.doc.line_span(line), self.indent_for(line, rest)))
        self.first_line(line, rest)

    def indent_for(self, line: DocLine, rest: int) -> int | None:
        """The indentation a new section's continuation lines must have."""
        if self.late_indent:
            return None
        if self.keep_indent and rest < len(line.text):
            return rest
        return 0

    def first_line(self, line: DocLine, rest: int) -> None:
        """The text after the tag or ``@name:`` (possibly nothing) is the
        section's first line."""
        first = line._replace(text=line.text[rest:], offset=line.offset + rest)
        if self.keep_indent:
            # QEMU pads it to the section's indentation, which it then cuts.
            self.append(first, padded=True)
        elif not self.states or self.section.kind == "example":
            self.freeform(first)
        else:
            self.freeform(self.stripped(first))

    def switch(self, section: SectionBuilder) -> None:
        """Make ``section`` (just started) the current one; the one it
        ends must not be empty."""
        self.end_section()
        self.section = section

    def end_section(self) -> None:
        section = self.section
        if section is not self.doc.body and not section.has_text:
            raise self.doc.error(rules.DOC_STRUCTURE,
                                 self.doc.sentence(f"empty doc section '{section.tag or section.name}'"),
                                 self.section_line(section))

    def section_line(self, section: SectionBuilder) -> DocLine:
        text = section.span.file.text[section.span.start:section.span.end]
        return DocLine(text, section.span.start, section.span.start)

    # -- text ---------------------------------------------------------------------------

    def stripped(self, line: DocLine) -> DocLine:
        """Before 5.2, QEMU stripped the text of most lines."""
        if self.keep_indent:
            return line
        text = line.text
        lead = len(text) - len(text.lstrip())
        return line._replace(text=text.strip(), offset=line.offset + lead)

    def freeform(self, line: DocLine) -> None:
        """A line of text for the current section."""
        doc = self.doc
        if not self.states:
            in_description = self.section.kind == "member"
            if in_description and self.description_ends(line.text):
                self.switch(doc.new_plain(doc.line_span(line)))
            if in_description or self.section.kind != "example":
                line = self.stripped(line)
        text = line.text
        m = _FREEFORM_AT.match(text)
        if m:
            raise doc.error(rules.DOC_STRUCTURE, f"'{m.group(1)}' not allowed in free-form documentation", line)
        if self.refuse_optional and self.section.kind == "member" and "#optional" in text:
            raise doc.error(rules.DOC_STRUCTURE, "Please drop the #optional tag", line)
        self.append(line)

    def description_ends(self, text: str) -> bool:
        """2.10 to 4.0: whether an unindented line after a blank one ends
        the description (in 2.10 and 2.11 also right after a bare
        ``@arg:`` line)."""
        if not text or text[0].isspace():
            return False
        lines = self.section.lines
        if self.bare_continues:
            return self.section.ends_in_blank_line
        return bool(lines) and lines[-1].text == ""

    def append(self, line: DocLine, *, padded: bool = False) -> None:
        """Add a line to the current section, minus its indentation."""
        section = self.section
        text = line.text
        if self.late_indent:
            text = text.rstrip()
        if text and self.keep_indent and not (padded and section.indent is not None):
            indent = len(text) - len(text.lstrip())
            if section.indent is None:
                if not section.empty:
                    section.indent = indent
            elif indent < section.indent:
                raise self.doc.error(
                    rules.DOC_STRUCTURE, f"unexpected de-indent (expected at least {section.indent} spaces)", line)
            cut = section.indent or 0
            line = line._replace(text=text[cut:], offset=line.offset + cut)
            text = line.text
        section.lines.append(line._replace(text=text.rstrip()))
