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
per line: this is the hottest code of ``qapidoc check``.  A check (no
lines kept) reads a definition block in the usual layout with one regex
match a section over the file's text, building the frozen sections
directly (:meth:`BareDefinitionReader.read`); any block it is not sure of, it
leaves to the index loops (tests/test_doc_fastpaths.py holds the two
readings equal).
"""

from __future__ import annotations

import re

from .. import rules
from ..diagnostics import StageError
from ..rules import Rule
from ..source import Span
from .dialect import Dialect
from .doc_model import NO_LINES, TAG_KINDS, DocBuilder, DocComment, DocSection, SectionBuilder
from .lexer import DocTable
from .parser import DocLine, RawDoc

__all__ = ["BareDefinitionReader", "ParagraphParser"]

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


# The reading of a definition block for a check (BareDefinitionReader): one
# match per section, over the file's text.  A blank line is '#' alone; a
# line with text is '# ' and the text, which ends in no blank (a line that
# does stops the match there, and the next match fails: the block is read
# the plain way).  A match starts at a section's first line and ends after
# the blank lines that follow the section.  For a description or tagged
# section: 'rest' (the text after the tag), then the continuation: blank
# lines and lines indented as the first of them ('pad'), ending at a line
# with text in its first column, or at a description right after its first
# continuation line; else 'odd' is set (a de-indent, which the grammar may
# refuse, or a line indented otherwise: read the plain way).  For an
# untagged paragraph ('para'): its lines, up to the next blank one.  'eol'
# is the end of the first line.
_BARE_SYMBOL = re.compile(r"\n\# @[^\n]+:(?=\n|\Z)()(?:\n\#(?=\n|\Z))*")
_BARE_SECTION = r"""
\n\#\ (?:
    (?P<features>Features:)(?=\n|\Z)
  | (?:@(?P<name>[^:\n]*)|(?P<tag>Returns|Errors|Since|Notes?|Examples?|TODO)%s):\ *(?P<rest>[^\n]*\S)?
  | %s(?P<para>)[^\n]*\S
)(?P<eol>)
(?(para)(?:\n\#\ [^\n]*\S)*|(?(features)|(?:
    (?:\n\#(?=\n|\Z))*\n\#\ (?P<pad>[^\S\n]+)(?=\S)[^\n]*\S
    (?: (?:\n\#(?=\n|\Z)|\n\#\ (?P=pad)[^\n]*\S)+(?=\Z|\n\#\ \S)
      | (?=\Z|\n\#\ @[^:\n]*:)
      | (?P<odd>))
)?))
(?:\n\#(?=\n|\Z))*
"""


def _has_trailing_space(text: str, start: int, end: int) -> bool:
    """Whether a line of ``text[start:end]`` ends in whitespace (what the
    regex ``[ \t\r\f\v]$`` in multi-line mode finds, ten times faster)."""
    if start < end and text[end - 1] in _TRAILING:
        return True
    # (from start + 1: the character before the newline is in the range)
    return _AFTER_TRAILING.search(text, start + 1, end) is not None


class BareDefinitionReader:
    """Reads a definition's doc block as ``qapidoc check`` needs it: the
    findings and the structure, no lines, with one match a section
    (:data:`_BARE_SECTION`).  Any block it is not sure of it leaves to
    :class:`ParagraphParser` (:meth:`read` gives None)."""

    def __init__(self, dialect: Dialect) -> None:
        self.refuse_old_tags = dialect.has("qmp-example")
        headings = not dialect.has("doc-headings-are-text")
        #: the match of a section, with this release's tags and headings
        self.section = re.compile(
            _BARE_SECTION % ("(?!::)" if self.refuse_old_tags else "", "(?!=)" if headings else ""),
            re.VERBOSE).match

    def read(self, raw: RawDoc) -> DocComment | None:
        """The doc comment of a definition block as a check needs it (no
        lines), read with a match a section; None when the block is not
        one this reading takes, to be read the plain way: another layout
        ('#' not in the first column, no space after it), a line ending in
        a blank, or anything the grammar refuses
        or reads in a less usual way (a de-indent, a line indented
        otherwise than the lines before it).  What it gives is what
        :meth:`run` and ``DocBuilder.freeze(None)`` give."""
        file = raw.file
        text = file.text
        start, end = raw.body_start, raw.body_end
        symbol_line = _BARE_SYMBOL.match(text, start, end)
        if symbol_line is None:
            return None
        symbol_end = symbol_line.end(1)
        body = _new(DocSection, ("plain", NO_LINES, _new(Span, (file, start + 1, symbol_end)), None, None))
        all_sections = [body]
        args: list[DocSection] = []
        features: list[DocSection] = []
        others: list[DocSection] = []
        unique: list[str] = []
        member_names: set[str] = set()
        feature_names: set[str] = set()
        #: 0: descriptions may come; 1: in the members' descriptions;
        #: 2: no more; 3: after 'Features:'
        state = 0
        plain = True            # (the last section is untagged)
        match = self.section
        assert match is not None
        after = symbol_line.end()
        while after < end:
            m = match(text, after, end)
            if m is None:
                return None
            hash_at = after + 1
            after = m.end()
            feature_line, name, tag, rest, para, _, pad, odd = m.groups()
            if para is not None:
                if state == 3 and not features:
                    return None     # (feature descriptions expected)
                if state & 1:
                    state = 2
                if not plain:
                    section = _new(DocSection, ("plain", NO_LINES, _new(Span, (file, hash_at, m.end(6))), None,
                                                None))
                    all_sections.append(section)
                    others.append(section)
                    plain = True
                continue
            if feature_line is not None:
                if features or state == 3:
                    return None     # (a second one, or none after it)
                state = 3
                continue
            if odd is not None or not (rest or pad):
                return None     # (read otherwise, or a section without text)
            plain = False
            if name is not None:
                if state == 3:
                    kind, names, descriptions = "feature", feature_names, features
                elif state < 2:
                    kind, names, descriptions = "member", member_names, args
                    state = 1
                else:
                    return None     # (a description after a section)
                if not name or name in names:
                    return None
                names.add(name)
                section = _new(DocSection, (kind, NO_LINES, _new(Span, (file, hash_at, m.end(6))), name, None))
                descriptions.append(section)
            else:
                if state == 3 and not features:
                    return None
                kind = TAG_KINDS[tag]
                if tag in _UNIQUE_TAGS:
                    if tag in unique:
                        return None
                    unique.append(tag)
                elif self.refuse_old_tags and kind in ("note", "example"):
                    return None
                section = _new(DocSection, (kind, NO_LINES, _new(Span, (file, hash_at, m.end(6))), None, tag))
                others.append(section)
                state = 2
            all_sections.append(section)
        if state == 3 and not features:
            return None
        return _new(DocComment, (raw, text[start + 4:symbol_end - 1], body, tuple(args), tuple(features),
                                 tuple(others), tuple(all_sections), (), False,
                                 _new(Span, (file, start + 4, symbol_end - 1))))


class ParagraphParser:
    """Reads the lines of one doc block into a :class:`DocBuilder`.

    The grammar reads the lines' texts (:class:`DocTable`); a line's offsets
    are made only where a section starts or an error is.  The sections get
    the texts of their lines, and with ``keep_lines`` the lines themselves
    (for the doc model's text; a check needs the texts alone).  One reads
    every block of a schema: what it asks of the dialect is looked up once.
    """

    #: the block being read, and its lines
    doc: DocBuilder
    table: DocTable

    def __init__(self, dialect: Dialect, keep_lines: bool = True) -> None:
        self.keep_lines = keep_lines
        self.tag_pattern = _TAG_91 if dialect.has("qmp-example") else re.compile(_TAG_90)
        self.refuse_old_tags = dialect.has("qmp-example")
        self.headings = not dialect.has("doc-headings-are-text")
        self.heading_first = self.headings and dialect.has("doc-heading-first")
        self.cut_indent = not dialect.has("doc-indentation-kept")
        self.section_kinds = dialect.has("doc-section-kinds")
        self.texts: list[str] = []

    def run(self, doc: DocBuilder, table: DocTable) -> None:
        """Read the lines of ``table`` into ``doc``."""
        self.doc = doc
        # QEMU reads each line without its trailing whitespace.
        raw = doc.raw
        if _has_trailing_space(raw.file.text, raw.start, raw.end):
            table.texts = [text.rstrip() for text in table.texts]
        self.table = table
        self.texts = table.texts
        if self.texts and self.texts[0].startswith("@"):
            self.symbol_line()
            self.definition()
        else:
            self.freeform()
        self.check_empty()

    def error(self, rule: Rule, message: str, index: int) -> StageError:
        return self.doc.error(rule, message, self.table.line(index))

    def add(self, section: SectionBuilder, start: int, end: int, cut: int = 0) -> None:
        """Lines ``start`` to ``end`` to ``section``, less ``cut`` columns
        of indentation (blank lines have none to lose)."""
        texts = self.texts[start:end]
        if not cut:
            section.texts += texts
            if not self.keep_lines:
                return
        else:
            section.texts += [text[cut:] for text in texts]
        if self.keep_lines:
            lines = self.table.lines(start, end)
            section.lines += [_cut(line, cut) for line in lines] if cut else lines

    def add_rest(self, section: SectionBuilder, index: int, column: int) -> None:
        """What follows column ``column`` of line ``index`` (its tag), to
        ``section``."""
        text = self.texts[index][column:]
        section.texts.append(text)
        if self.keep_lines:
            line = self.table.line(index)
            section.lines.append(_new(DocLine, (text, line.offset + column, line.hash_offset)))

    def symbol_line(self) -> None:
        doc = self.doc
        line = self.table.line(0)
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

    def freeform(self) -> None:
        body = self.doc.current
        match = _AT_NAME.match
        for i, text in enumerate(self.texts):
            m = match(text)
            if m:
                self.add(body, 0, i)
                raise self.error(rules.DOC_STRUCTURE, f"'@{m.group(1)}:' not allowed in free-form documentation", i)
            if i and self.heading_first and text.startswith("="):
                self.add(body, 0, i)
                raise self.error(rules.DOC_STRUCTURE, "'=' heading must come first in a comment block", i)
        self.add(body, 0, len(self.texts))

    def definition(self) -> None:
        doc = self.doc
        texts = self.texts
        n = len(texts)
        at_name = _AT_NAME.match
        i = 1
        no_more_args = False
        while i < n:
            text = texts[i]
            if not text:
                i += 1
                continue
            if text == "Features:":
                if doc.features:
                    raise self.error(rules.DOC_STRUCTURE, "duplicated 'Features:' line", i)
                i += 1
                while i < n and not texts[i]:
                    i += 1
                while i < n and (m := at_name(texts[i])):
                    i = self.description("feature", m, i)
                if not doc.features and (i < n or doc.raw.closed):
                    raise self.error(rules.DOC_STRUCTURE, "feature descriptions expected", min(i, n - 1))
                no_more_args = True
            elif text[0] == "@" and (m := at_name(text)):
                if no_more_args:
                    raise self.error(rules.DOC_STRUCTURE, f"description of '@{m.group(1)}:' follows a section", i)
                while i < n and (m := at_name(texts[i])):
                    i = self.description("member", m, i)
                no_more_args = True
            elif text[0] in _TAG_INITIALS and (m := self.tag_pattern.match(text)):
                tag = m.group(1)
                if self.refuse_old_tags:
                    self.check_obsolete(tag, i)
                section = doc.new_tagged(tag, self.table.span(doc.raw.file, i), unique=_UNIQUE_TAGS)
                if m.end() < len(text):
                    self.add_rest(section, i, m.end())
                i = self.indented(section, i + 1)
                no_more_args = True
            elif self.headings and text.startswith("="):
                raise self.error(rules.DOC_STRUCTURE, "unexpected '=' markup in definition documentation", i)
            else:
                section = self.untagged(i)
                start = i
                try:        # (to the next blank line, found by the list: no bytecode a line)
                    i = texts.index("", i + 1)
                except ValueError:
                    i = n
                self.add(section, start, i)

    def untagged(self, index: int) -> SectionBuilder:
        """The untagged section a paragraph starting at line ``index``
        extends (the previous one, when it is untagged), or a new one."""
        doc = self.doc
        section = doc.current
        if section.kind == "plain":
            if section.texts:
                # (a blank line between the paragraphs)
                section.texts.append("")
                if self.keep_lines:
                    hash_offset = self.table.line(index).hash_offset
                    section.lines.append(_new(DocLine, ("", hash_offset, hash_offset)))
            elif self.section_kinds and section is not doc.body:
                section.span = self.table.span(doc.raw.file, index)
            return section
        return doc.new_plain(self.table.span(doc.raw.file, index))

    def check_obsolete(self, tag: str, index: int) -> None:
        """'Note:' and 'Example:' sections (line ``index``), which 9.1 refused."""
        if tag.startswith("Note"):
            raise self.error(rules.OBSOLETE_SECTION,
                             f"The '{tag}' section is no longer supported. Please use rST's "
                             "'.. note::' or '.. admonition:: notes' directives, or another "
                             "suitable admonition instead.", index)
        if tag.startswith("Example"):
            raise self.error(rules.OBSOLETE_SECTION,
                             f"The '{tag}' section is no longer supported. Please use the "
                             "'.. qmp-example::' directive, or other suitable markup instead.", index)

    def description(self, kind: str, m: re.Match[str], i: int) -> int:
        """A ``@name:`` description starting at line ``i``; return the
        index of the line after it."""
        doc = self.doc
        section = doc.new_description(kind, m.group(1), self.table.span(doc.raw.file, i))
        if m.end() < len(self.texts[i]):
            self.add_rest(section, i, m.end())
        return self.indented(section, i + 1)

    def indented(self, section: SectionBuilder, i: int) -> int:
        """The lines of a description or tagged section after its first
        line, from line ``i``; return the index of the line after them."""
        texts = self.texts
        n = len(texts)
        start = i
        while i < n and not texts[i]:
            i += 1
        if i >= n or not texts[i][0].isspace():
            # No continuation line: blank lines at most, which only the
            # doc model's text has (a check asks whether there is text).
            if self.keep_lines:
                self.add(section, start, i)
            return i
        text = texts[i]
        indent = len(text) - len(text.lstrip())
        cut = indent if self.cut_indent else 0
        pad = text[:indent]
        i += 1
        at_name = _AT_NAME.match
        first = i
        while i < n:
            text = texts[i]
            if not text or text.startswith(pad):
                i += 1          # (blank, or indented as the first: the usual lines)
                continue
            if text[0] == "@" and at_name(text):
                break
            # (less indented: fewer than ``indent`` leading blanks)
            if len(text) < indent or not text[:indent].isspace():
                # QEMU sets "after a blank line" after every line, not only
                # blank ones: only the first such line is an error.
                if i == first:
                    # (the blank lines before the first continuation line, and it)
                    self.add(section, start, first, cut)
                    raise self.error(rules.DOC_STRUCTURE,
                                     f"unexpected de-indent (expected at least {indent} spaces)", i)
                break
            i += 1
        self.add(section, start, i, cut)
        return i

    def check_empty(self) -> None:
        """Every section but the untagged ones needs text."""
        doc = self.doc
        for section in doc.all_sections:
            if section.kind == "plain":
                continue
            texts = section.texts
            if texts and (first := texts[0]) and not first[-1].isspace():
                continue        # (its first line has text, as in most sections)
            if not any(map(str.strip, texts)) and doc.raw.closed:
                # (QEMU checks the sections at the closing '##'.)
                if self.section_kinds:
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
