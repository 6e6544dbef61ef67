"""Doc comments: raw ``##`` blocks -> the doc model.

A definition doc starts with ``@NAME:`` on its first line; every other
block is free-form.  The grammar of the text after that changed twice, and
each era has its own parser here, all producing one model
(:class:`DocComment`):

* 2.10 to 4.0 (``_ClassicParser`` with ``strip=True``): section tags
  (``Returns:``, ``Since:``, ``Note:``, ``Example:`` ...) are recognised at
  the start of any line; text is stripped except in examples.
* 4.1 to 8.x (``_ClassicParser``): the same state machine with a
  ``Features:`` section; from 5.2, continuation lines must be indented at
  least as far as the text after ``@arg:`` or ``Tag:``.
* 9.0 and later (``_ParagraphParser``): sections start only at a paragraph
  start; ``Example:`` and ``Note:`` gave way to rST directives in 9.1;
  10.2 added the 70-column and two-spaces line style.

Every line of every section keeps the file offset of its first character,
so an error on line 7 of an example points at that line of the ``.json``.
"""

# Annotations are evaluated at import (no ``from __future__ import
# annotations``): typing.NamedTuple compiles every field annotation given as
# a string, and the first compile() of a process alone costs as much as
# checking a small schema.  Names used before their definition are quoted.

import re
from typing import NamedTuple

from .. import rules
from ..diagnostics import Diagnostic, StageError
from ..rules import Rule
from ..source import Span
from .dialect import Dialect, DialectEvidence
from .lexer import DocLines
from .parser import DocLine, RawDoc

__all__ = [
    "DocComment", "DocExample", "DocHeading", "DocSection", "gather_doc_evidence", "gather_weak_doc_evidence",
    "parse_doc",
]


class DocSection(NamedTuple):
    """One section of a doc comment.

    ``kind`` is one of ``plain`` (the body and untagged paragraphs),
    ``member``, ``feature``, ``returns``, ``errors``, ``since``, ``note``,
    ``example``, ``todo``.  ``name`` is the member or feature described;
    ``tag`` the tag as written (``Notes``, ``Examples``).  ``lines`` hold
    the text with each line's offset; ``span`` covers the line that
    started the section (for the body: the symbol line).
    """

    kind: str
    lines: DocLines
    span: Span
    name: str | None = None
    tag: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines.texts()).strip("\n")



class DocExample(NamedTuple):
    """A QMP example: an ``Example:`` section or a ``.. qmp-example::`` block.

    ``lines`` are the body lines only (no directive, no options), each with
    its exact offset; ``span`` is the directive or tag line.
    """

    kind: str                 # "section" or "directive"
    lines: DocLines
    span: Span
    title: str | None = None
    annotated: bool = False
    section: DocSection | None = None


class DocComment(NamedTuple):
    raw: RawDoc
    symbol: str | None
    body: DocSection
    args: tuple[DocSection, ...] = ()
    features: tuple[DocSection, ...] = ()
    #: tagged and untagged sections after the body, in source order
    sections: tuple[DocSection, ...] = ()
    #: body, args, features and sections, in source order
    all_sections: tuple[DocSection, ...] = ()
    examples: tuple[DocExample, ...] = ()
    #: a structural error stopped the parse: coverage is not checked
    broken: bool = False
    symbol_span: Span | None = None

    @property
    def span(self) -> Span:
        return self.raw.span

    @property
    def is_freeform(self) -> bool:
        return self.symbol is None

    def arg(self, name: str) -> DocSection | None:
        return next((s for s in self.args if s.name == name), None)

    def feature(self, name: str) -> DocSection | None:
        return next((s for s in self.features if s.name == name), None)

    def section(self, kind: str) -> DocSection | None:
        return next((s for s in self.sections if s.kind == kind), None)

    @property
    def since(self) -> str | None:
        section = self.section("since")
        return section.text.strip() if section is not None else None

    @property
    def headings(self) -> tuple["DocHeading", ...]:
        """The ``= Title`` headings of a free-form block (the markup of
        QEMU 2.10 to 9.x; today's schemas use rST section titles instead,
        which stay in the text)."""
        if self.symbol is not None:
            return ()
        out = []
        for line in self.body.lines:
            m = _HEADING.match(line.text)
            if m:
                out.append(DocHeading(len(m.group(1)), m.group(2).strip(), line))
        return tuple(out)


class DocHeading(NamedTuple):
    """A legacy ``= Title`` line: its level (1 for ``=``) and title."""

    level: int
    title: str
    line: DocLine


_HEADING = re.compile(r"(=+) +(\S.*)$")


_TAG_KINDS = {
    "Returns": "returns", "Errors": "errors", "Since": "since", "Note": "note", "Notes": "note",
    "Example": "example", "Examples": "example", "TODO": "todo",
}


class _Building:
    """A section being built; frozen into a DocSection at the end."""

    __slots__ = ("indent", "kind", "lines", "name", "span", "tag")

    def __init__(self, kind: str, span: Span, name: str | None = None, tag: str | None = None,
                 indent: int = 0) -> None:
        self.kind = kind
        self.span = span
        self.name = name
        self.tag = tag
        self.lines: list[DocLine] = []
        self.indent = indent

    def freeze(self, keep_lines: bool = True) -> DocSection:
        lines = self.lines
        # Leading and trailing blank lines are not part of the text.
        start, end = 0, len(lines)
        while start < end and not lines[start].text.strip():
            start += 1
        while end > start and not lines[end - 1].text.strip():
            end -= 1
        if not keep_lines:
            return _new(DocSection, (self.kind, _NO_LINES, self.span, self.name, self.tag))
        kept = lines if start == 0 and end == len(lines) else lines[start:end]
        self.lines = kept       # what the examples are read from
        return _new(DocSection, (self.kind, DocLines(kept), self.span, self.name, self.tag))


class _Doc:
    """A doc comment being parsed."""

    __slots__ = ("all_sections", "args", "body", "broken", "diagnostics", "dialect", "features", "raw",
                 "sections", "symbol", "symbol_span")

    def __init__(self, raw: RawDoc, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect = dialect
        self.symbol: str | None = None
        self.symbol_span: Span | None = None
        self.body: _Building | None = None
        self.args: dict[str, _Building] = {}
        self.features: dict[str, _Building] = {}
        self.sections: list[_Building] = []
        self.all_sections: list[_Building] = []
        self.diagnostics: list[Diagnostic] = []
        self.broken = False

    def line_span(self, line: DocLine) -> Span:
        return self.raw.file.span(line.hash_offset, line.offset + len(line.text))

    def error(self, rule: Rule, message: str, line: DocLine) -> StageError:
        return StageError(rule, message, self.line_span(line))

    @property
    def current(self) -> _Building:
        return self.all_sections[-1]

    def start_body(self, span: Span) -> None:
        self.body = _Building("plain", span)
        self.all_sections.append(self.body)

    def new_description(self, kind: str, name: str, line: DocLine, indent: int = 0) -> _Building:
        table = self.args if kind == "member" else self.features
        if not name:
            raise self.error(rules.DOC_STRUCTURE, "invalid parameter name", line)
        if name in table:
            raise self.error(rules.DOC_STRUCTURE, f"'{name}' parameter name duplicated", line)
        section = _Building(kind, self.line_span(line), name, None, indent)
        table[name] = section
        self.all_sections.append(section)
        return section

    def new_tagged(self, kind: str, tag: str, line: DocLine, indent: int = 0) -> _Building:
        if kind in ("returns", "errors", "since") and any(s.kind == kind for s in self.sections):
            raise self.error(rules.DOC_STRUCTURE, f"duplicated '{tag}' section", line)
        section = _Building(kind, self.line_span(line), None, tag, indent)
        self.sections.append(section)
        self.all_sections.append(section)
        return section

    def new_plain(self, line: DocLine) -> _Building:
        section = _Building("plain", self.line_span(line))
        self.sections.append(section)
        self.all_sections.append(section)
        return section

    def ensure_plain(self, line: DocLine) -> _Building:
        """Extend the current untagged section, or start one."""
        section = self.all_sections[-1]
        if section.kind == "plain":
            if section.lines:
                section.lines.append(_new(DocLine, ("", line.hash_offset, line.hash_offset)))
            return section
        return self.new_plain(line)

    def append(self, line: DocLine) -> None:
        self.current.lines.append(line)

    def freeze(self, keep_lines: bool = True) -> DocComment:
        # The body comes first, then the other sections as they were made.
        all_sections = tuple([s.freeze(keep_lines) for s in self.all_sections])
        rest = all_sections[1:]
        examples = tuple(_examples(self, self.all_sections, all_sections)) if keep_lines else ()
        return DocComment(
            self.raw, self.symbol, all_sections[0],
            tuple([s for s in rest if s.kind == "member"]),
            tuple([s for s in rest if s.kind == "feature"]),
            tuple([s for s in rest if s.kind not in _DESCRIPTION_KINDS]),
            all_sections, examples, self.broken, self.symbol_span)


def parse_doc(raw: RawDoc, dialect: Dialect, *, keep_lines: bool = True) -> tuple[DocComment, list[Diagnostic]]:
    """Parse one doc block by the rules of ``dialect``.

    Without ``keep_lines`` the result has its findings and its structure
    (symbol, sections, member and feature names, their spans) but no text:
    the sections hold no lines and no examples are picked out.  That is all
    the loader needs for a doc comment it lets go once checked (``qapidoc
    check``), and packing lines nobody reads would cost a quarter of it."""
    doc = _Doc(raw, dialect)
    lines = raw.lines
    doc.start_body(raw.file.span(raw.start, raw.start + 2))
    parser: _ParagraphParser | _ClassicParser
    if dialect.has("doc-paragraphs"):
        parser = _ParagraphParser(doc)
    else:
        parser = _ClassicParser(doc)
    try:
        parser.run(lines)
        _check_empty_sections(doc)
    except StageError as err:
        doc.diagnostics.append(err.diagnostic())
        doc.broken = True
    if dialect.has("doc-line-style"):
        _check_line_style(doc, lines)
    return doc.freeze(keep_lines), doc.diagnostics


def _check_empty_sections(doc: _Doc) -> None:
    for section in doc.sections:
        if section.kind != "plain" and not _has_text(section.lines):
            tag = section.tag or section.kind
            if doc.dialect.has("doc-paragraphs"):
                message = f"text required after '{tag}:'"
            else:
                message = f"empty doc section '{tag}'"
            raise StageError(rules.DOC_STRUCTURE, message, section.span)


def _has_text(lines: list[DocLine]) -> bool:
    for line in lines:  # noqa: SIM110 - a loop costs less than any() and a generator
        if line.text.strip():
            return True
    return False


def _symbol_line(doc: _Doc, line: DocLine) -> None:
    text = line.text
    if not text.endswith(":"):
        raise doc.error(rules.DOC_SYNTAX, "line should end with ':'", line)
    symbol = text[1:-1]
    if not symbol:
        message = "name required after '@'" if doc.dialect.has("doc-paragraphs") else "invalid name"
        raise doc.error(rules.DOC_SYNTAX, message, line)
    doc.symbol = symbol
    doc.symbol_span = doc.raw.file.span(line.offset + 1, line.offset + 1 + len(symbol))
    assert doc.body is not None
    doc.body.span = doc.line_span(line)


_DESCRIPTION_KINDS = frozenset(("member", "feature"))
_NO_LINES = DocLines()
_AT_NAME = re.compile(r"@([^:]*): *")
_new = tuple.__new__     # a named tuple without its Python-level __new__
_TAG_NEW = re.compile(r"(Returns|Errors|Since|Notes?|Examples?|TODO)(?!::): *")
_TAG_INITIALS = frozenset("RESNT")      # a cheap test before the match


class _ParagraphParser:
    """The doc grammar of QEMU 9.0 and later: sections start at paragraphs.

    Written as index loops over the lines, one call per section rather than
    per line: this is the hottest code of ``qapidoc check``.
    """

    def __init__(self, doc: _Doc) -> None:
        self.doc = doc

    def run(self, lines: tuple[DocLine, ...]) -> None:
        doc = self.doc
        if lines and lines[0].text.startswith("@"):
            _symbol_line(doc, lines[0])
            self.definition(lines)
            return
        body = doc.current.lines
        match = _AT_NAME.match
        for i, line in enumerate(lines):
            text = line.text
            if text[:1] == "@" and (m := match(text)):
                body.extend(lines[:i])
                raise doc.error(rules.DOC_STRUCTURE,
                                f"'@{m.group(1)}:' not allowed in free-form documentation", line)
        body.extend(lines)

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
                if not doc.features:
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
            elif text[0] in _TAG_INITIALS and (m := _TAG_NEW.match(text)) and (
                    m.group(1) != "Errors" or doc.dialect.has("doc-errors-section")):
                tag = m.group(1)
                self.check_obsolete(tag, line)
                out = doc.new_tagged(_TAG_KINDS[tag], tag, line).lines
                end = m.end()
                if end < len(text):
                    out.append(_new(DocLine, (text[end:], line.offset + end, line.hash_offset)))
                i = self.indented(out, lines, i + 1)
                no_more_args = True
            else:
                out = doc.ensure_plain(line).lines
                out.append(line)
                i += 1
                while i < n and lines[i].text:
                    out.append(lines[i])
                    i += 1

    def check_obsolete(self, tag: str, line: DocLine) -> None:
        doc = self.doc
        if not doc.dialect.has("qmp-example"):
            return
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
        indent = len(text) - len(text.lstrip(" "))
        if not indent:
            return i
        out.append(lines[i])
        i += 1
        at_name = _AT_NAME.match
        margin = " " * indent
        start = i
        while i < n:
            line = lines[i]
            text = line.text
            if text[:1] == "@" and at_name(text):
                break
            if text and text[:indent] != margin:
                # Less indented: the end of the section after its first
                # line (QEMU counts any line as "blank" here), else an error.
                if i == start:
                    raise self.doc.error(rules.DOC_STRUCTURE,
                                         f"unexpected de-indent (expected at least {indent} spaces)", line)
                break
            i += 1
        out.extend(lines[start:i])
        return i


_CLASSIC_TAGS = ("Returns:", "Since:", "Note:", "Notes:", "Example:", "Examples:", "TODO:")


class _ClassicParser:
    """The doc grammar of QEMU 2.10 to 8.x: tags at any line start."""

    def __init__(self, doc: _Doc) -> None:
        self.doc = doc
        dialect = doc.dialect
        self.features_allowed = dialect.has("features")
        self.enforce_indent = dialect.has("doc-indentation")
        self.strip = not self.enforce_indent
        self.mode = "body"
        self.section: _Building | None = None

    def run(self, lines: tuple[DocLine, ...]) -> None:
        doc = self.doc
        self.section = doc.body
        # Only the very first line can name the symbol; even a blank '#'
        # before it makes the block free-form.
        if lines and lines[0].text.startswith("@"):
            _symbol_line(doc, lines[0])
            lines = lines[1:]
        for line in lines:
            self.feed(line)
        self.end_section()

    def tag_of(self, text: str) -> str | None:
        word = text.split(" ", 1)[0]
        return word if word in _CLASSIC_TAGS else None

    def feed(self, line: DocLine) -> None:
        doc = self.doc
        text = line.text
        word = text.split(" ", 1)[0]
        if doc.symbol is None:
            self.freeform(line)
            return
        if self.mode in ("body", "args", "features") and word.startswith("@") and word.endswith(":"):
            if doc.sections:
                first = doc.sections[0]
                raise doc.error(rules.DOC_STRUCTURE,
                                f"'{word}' can't follow '{first.tag or 'plain'}' section", line)
            kind = "feature" if self.mode == "features" else "member"
            if self.mode == "body":
                self.mode = "args"
            self.start_description(kind, word[1:-1], line)
            return
        if self.mode == "various" and word.startswith("@") and word.endswith(":"):
            first = doc.sections[0]
            raise doc.error(rules.DOC_STRUCTURE,
                            f"'{word}' can't follow '{first.tag or 'plain'}' section", line)
        if (text == "Features:" and self.features_allowed and self.mode in ("body", "args")
                and (self.mode == "body" or self.after_blank())):
            self.mode = "features"
            return
        tag = self.tag_of(text)
        if tag is not None:
            self.start_tagged(tag, line)
            return
        if self.mode in ("args", "features") and self.after_blank() and text and not text[0].isspace():
            self.end_section()
            doc.new_plain(line)
            self.section = doc.current
            self.mode = "various"
        self.freeform(line)

    def after_blank(self) -> bool:
        """Whether the section ends in a blank line after some text.  (2.10
        counts a lone blank line, as after a bare ``@arg:`` line; 4.1 and
        later need a line before it.)"""
        section = self.section
        if section is None or not section.lines or section.lines[-1].text != "":
            return False
        return len(section.lines) >= (2 if self.features_allowed else 1)

    def start_description(self, kind: str, name: str, line: DocLine) -> None:
        doc = self.doc
        word = line.text.split(" ", 1)[0]
        rest = line.text[len(word):].lstrip()
        end = len(line.text) - len(rest)
        indent = end if rest else 0
        self.end_section()
        doc.new_description(kind, name, line, indent)
        self.section = doc.current
        if rest:
            self.append(line._replace(text=rest, offset=line.offset + end), dedented=True)
        else:
            self.append(line._replace(text="", offset=line.offset + len(line.text)), dedented=True)

    def start_tagged(self, tag: str, line: DocLine) -> None:
        doc = self.doc
        m = re.match(r"\S*:\s*", line.text)
        assert m
        rest = line.text[m.end():]
        indent = m.end() if rest else 0
        self.end_section()
        doc.new_tagged(_TAG_KINDS[tag[:-1]], tag[:-1], line, indent)
        self.section = doc.current
        self.mode = "various"
        if rest:
            self.append(line._replace(text=rest, offset=line.offset + m.end()), dedented=True)

    def end_section(self) -> None:
        self.section = None

    def freeform(self, line: DocLine) -> None:
        doc = self.doc
        section = self.section or doc.current
        stripped = line.text.strip()
        check = stripped if self.strip else line.text
        m = re.match(r"(@\S+:)", check)
        if m:
            raise doc.error(rules.DOC_STRUCTURE,
                            f"'{m.group(1)}' not allowed in free-form documentation", line)
        if self.strip and section.kind == "member" and "#optional" in line.text:
            raise doc.error(rules.DOC_STRUCTURE, "Please drop the #optional tag", line)
        self.append(line, dedented=False)

    def append(self, line: DocLine, *, dedented: bool) -> None:
        doc = self.doc
        section = self.section or doc.current
        text = line.text
        if not dedented and text:
            if self.strip:
                if section.kind != "example":
                    lead = len(text) - len(text.lstrip())
                    line = line._replace(text=text.strip(), offset=line.offset + lead)
            else:
                indent = len(text) - len(text.lstrip(" "))
                if indent < section.indent and self.enforce_indent:
                    raise doc.error(
                        rules.DOC_STRUCTURE,
                        f"unexpected de-indent (expected at least {section.indent} spaces)", line)
                cut = min(indent, section.indent)
                line = line._replace(text=text[cut:].rstrip(), offset=line.offset + cut)
        section.lines.append(line)


# --- examples -------------------------------------------------------------------------

_QMP_EXAMPLE = re.compile(r"^(\s*)\.\.\s+qmp-example::\s*$")
_OPTION = re.compile(r"^\s+:([\w-]+):\s*(.*)$")


def _examples(doc: _Doc, built: list[_Building], sections: tuple[DocSection, ...]) -> list[DocExample]:
    """The examples of a doc comment: its ``Example:`` sections, and the
    ``.. qmp-example::`` blocks in its other sections (``built`` are the
    sections as they were built, with their lines as DocLines)."""
    out: list[DocExample] = []
    directives = doc.raw.contains("qmp-example::")
    for building, section in zip(built, sections, strict=True):
        if section.kind == "example":
            out.append(DocExample("section", section.lines, section.span, section.tag, False, section))
        elif directives:
            out.extend(_directive_examples(doc, building.lines, section))
    return out


def _directive_examples(doc: _Doc, lines: list[DocLine], section: DocSection) -> list[DocExample]:
    out: list[DocExample] = []
    i = 0
    while i < len(lines):
        text = lines[i].text
        m = _QMP_EXAMPLE.match(text) if "qmp-example::" in text else None
        if not m:
            i += 1
            continue
        start = lines[i]
        indent = len(m.group(1))
        i += 1
        title = None
        annotated = False
        while i < len(lines) and (opt := _OPTION.match(lines[i].text)) and _indent(lines[i].text) > indent:
            if opt.group(1) == "title":
                title = opt.group(2).strip()
            elif opt.group(1) == "annotated":
                annotated = True
            i += 1
        body = []
        while i < len(lines) and (not lines[i].text.strip() or _indent(lines[i].text) > indent):
            body.append(lines[i])
            i += 1
        while body and not body[-1].text.strip():
            body.pop()
        span = doc.raw.file.span(start.offset, start.offset + len(start.text))
        out.append(DocExample("directive", DocLines(body), span, title, annotated, section))
    return out


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


# --- line style (10.2) ----------------------------------------------------------------

_URL_ONLY = re.compile(r"\s*(https?|ftp)://\S+\s*$")
_ONE_SPACE = re.compile(r"[.!?] [A-Z0-9(]")


_LITERAL_OPENER = re.compile(r"^ *(?:::|\.\.\s+qmp-example::\s*)$", re.MULTILINE)
# Cheap tests before _ONE_SPACE: a search for a literal prefix runs fast.
_DOT_SPACE = re.compile(r"\. [A-Z0-9(]")


def _literal_lines(texts: list[str], joined: str) -> set[int]:
    """Indexes of the lines inside literal blocks, which the style rules
    skip: a block opens after a line that is exactly '::' or a
    '.. qmp-example::' directive, and ends at the first non-blank line
    indented less than the block's first line.  ``joined`` is ``texts``
    joined by newlines."""
    inside: set[int] = set()
    count = len(texts)
    for i in _literal_openers(texts, joined):
        i += 1                                          # the line after the opener
        opener_indent = _indent(texts[i - 1])
        block_indent = None
        while i < count:
            text = texts[i]
            if text.strip():
                indent = len(text) - len(text.lstrip(" "))
                if block_indent is None:
                    if indent <= opener_indent:
                        break
                    block_indent = indent
                elif indent < block_indent:
                    break
            inside.add(i)
            i += 1
    return inside


_BARE_DOTS = re.compile(r" *\.\.\s*\Z")


def _literal_openers(texts: list[str], joined: str) -> list[int]:
    """The indexes of the lines that open literal blocks.  Only a line with
    '::' can, unless a line of bare '..' lets a directive span lines: then
    the whole text is searched."""
    if any(_BARE_DOTS.match(texts[i]) for i in _lines_with(joined, "..")):
        return [joined.count("\n", 0, m.start()) for m in _LITERAL_OPENER.finditer(joined)]
    return [i for i in _lines_with(joined, "::") if _LITERAL_OPENER.match(texts[i])]


def _lines_with(joined: str, needle: str) -> list[int]:
    """The indexes of the lines of ``joined`` that contain ``needle``."""
    found: list[int] = []
    line = counted = 0
    at = joined.find(needle)
    while at >= 0:
        line += joined.count("\n", counted, at)
        counted = at
        if not found or found[-1] != line:
            found.append(line)
        at = joined.find(needle, at + 1)
    return found


def _may_have_one_space(raw: RawDoc) -> bool:
    """Whether ``_ONE_SPACE`` matches in the block, found by cheaper
    searches first ('!' and '?' are rare)."""
    text, start, end = raw.file.text, raw.start, raw.end
    if _DOT_SPACE.search(text, start, end):
        return True
    for mark in "!?":
        at = text.find(mark, start, end)
        while at >= 0:
            if _ONE_SPACE.match(text, at, end):
                return True
            at = text.find(mark, at + 1, end)
    return False


def _check_line_style(doc: _Doc, lines: tuple[DocLine, ...]) -> None:
    raw = doc.raw
    # Most blocks are clean: look closer only where a line may not be.
    # ('#' and 69 characters make 70 columns with the space.)
    long_lines = raw.longest > 69
    spaced = _may_have_one_space(raw)
    if not long_lines and not spaced:
        return
    texts = [line.text for line in lines]
    joined = "\n".join(texts)
    candidates = {i for i, text in enumerate(texts) if len(text) > 68} if long_lines else set()
    if spaced:
        candidates.update(joined.count("\n", 0, m.start()) for m in _ONE_SPACE.finditer(joined))
    literal = _literal_lines(texts, joined)
    for index in sorted(candidates - literal):
        line = lines[index]
        text = line.text
        width = line.offset - line.hash_offset + len(text)
        if width > 70 and not _URL_ONLY.match(text):
            doc.diagnostics.append(Diagnostic(
                rules.DOC_LINE_LENGTH, "documentation line longer than 70 characters",
                doc.raw.file.span(line.hash_offset, line.offset + len(text))))
        for m in _ONE_SPACE.finditer(text):
            before = text[:m.start() + 1]
            if before.endswith("e.g.") or re.fullmatch(r"\s*\d+\.", before):
                continue
            at = line.offset + m.start() + 1
            doc.diagnostics.append(Diagnostic(
                rules.SENTENCE_SPACING,
                "Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.",
                doc.raw.file.span(at, at + 1)))


# --- dialect evidence -----------------------------------------------------------------

def gather_weak_doc_evidence(raws: list[RawDoc], evidence: DialectEvidence) -> None:
    """Doc lines longer than 70 columns outside literal blocks: a weak sign
    that the schema predates 10.2 (or a slip in a newer one).  It decides
    nothing when other evidence speaks, so callers ask only then."""
    if any(raw.longest > 69 and _has_long_prose_line(raw) for raw in raws):
        evidence.before("doc-line-style", "doc lines longer than 70 columns", weak=True)


def _has_long_prose_line(raw: RawDoc) -> bool:
    """Whether a line outside literal blocks is longer than 70 columns."""
    texts = raw.texts()
    literal = _literal_lines(texts, "\n".join(texts))
    return any(len(text) > 68 and i not in literal and not _URL_ONLY.match(text)
               for i, text in enumerate(texts))


_OLD_TAG = re.compile(r"(Example|Examples|Note|Notes):(\s|$)")
_OLD_TAG_INITIALS = ("E", "N")


def gather_doc_evidence(raw: RawDoc, evidence: DialectEvidence) -> None:
    """Note what a doc block's markup says about its era."""
    if raw.contains("\n# Features:"):
        evidence.at_least("features", "a 'Features:' doc section")
    if not (raw.contains("qmp-example") or raw.contains("Errors:") or raw.contains("Example")
            or raw.contains("Note")):
        return
    for text in raw.texts():
        first = text[:1]
        if first == ".":
            if text.startswith(".. qmp-example::"):
                evidence.at_least("qmp-example", "a '.. qmp-example::' directive")
                return
        elif first == "E" and text.startswith("Errors:"):
            evidence.at_least("doc-errors-section", "an 'Errors:' doc section")
        elif first in _OLD_TAG_INITIALS and _OLD_TAG.match(text) and raw.symbol:
            evidence.before("qmp-example", f"a '{text.split(':')[0]}:' doc section")
