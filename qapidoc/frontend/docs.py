"""Doc comments: raw ``##`` blocks -> the doc model.

A definition doc starts with ``@NAME:`` on its first line; every other
block is free-form.  The grammar of the text after that changed with the
releases; two parsers read it as QEMU's parser of each release did, into
one model (:mod:`qapidoc.frontend.doc_model`):

* 2.10 to 8.2 (:mod:`qapidoc.frontend.docs_classic`): a line at a time;
  section tags at line starts, descriptions ending at unindented lines
  after blank ones; states from 4.1, indentation rules from 5.2, changed
  in 8.1.
* 9.0 and later (:mod:`qapidoc.frontend.docs_paragraph`): sections start
  at paragraphs; ``Example:`` and ``Note:`` gave way to rST directives in
  9.1; 10.2 added the 70-column and two-spaces line style (here).

This module also finds the QMP examples of a doc comment, checks the line
style, and gathers what doc comments say about their era.

Every line of every section keeps the file offset of its first character,
so an error on line 7 of an example points at that line of the ``.json``.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable

from .. import rules
from ..diagnostics import Diagnostic, StageError
from .dialect import Dialect, DialectEvidence
from .doc_model import DocBuilder, DocComment, DocExample, DocHeading, DocSection
from .docs_paragraph import BareDefinitionReader, ParagraphParser
from .lexer import DocLines, DocTable
from .parser import RawDoc

__all__ = [
    "DocComment", "DocExample", "DocHeading", "DocParser", "DocSection", "gather_doc_evidence",
    "gather_docs_evidence", "gather_indentation_evidence", "gather_weak_doc_evidence", "parse_doc",
]


def parse_doc(raw: RawDoc, dialect: Dialect, line_style: list[Diagnostic] | None = None, *,
              keep_lines: bool = True) -> tuple[DocComment, list[Diagnostic]]:
    """Parse one doc block by the rules of ``dialect`` (``line_style``: what
    :func:`line_style_findings` found in it, if already asked).

    Without ``keep_lines`` the result has its findings and its structure
    (symbol, sections, member and feature names, their spans) but no text:
    the sections hold no lines and no examples are picked out.  That is all
    the loader needs for a doc comment it lets go once checked (``qapidoc
    check``), and packing lines nobody reads would cost a quarter of it.
    (For many blocks, a :class:`DocParser` does the same for less.)"""
    return DocParser(dialect, keep_lines=keep_lines).parse(raw, line_style)


class DocParser:
    """Parses doc blocks by the rules of one dialect (what :func:`parse_doc`
    does), what the grammar asks of the dialect looked up once."""

    __slots__ = ("bare", "dialect", "keep_lines", "line_style", "paragraphs")

    def __init__(self, dialect: Dialect, *, keep_lines: bool = True) -> None:
        self.dialect = dialect
        self.keep_lines = keep_lines
        self.line_style = dialect.has("doc-line-style")
        self.paragraphs = ParagraphParser(dialect, keep_lines) if dialect.has("doc-paragraphs") else None
        #: a definition block read for a check in one match a section, if
        #: it can be (else None, and it is read the plain way)
        self.bare = BareDefinitionReader(dialect).read if self.paragraphs is not None and not keep_lines else None

    def parse(self, raw: RawDoc, line_style: list[Diagnostic] | None = None) -> tuple[DocComment, list[Diagnostic]]:
        """The doc comment of ``raw`` and what is wrong with it."""
        if self.bare is not None and raw.symbol is not None:
            bare = self.bare(raw)
            if bare is not None:
                if not self.line_style:
                    return bare, []
                return bare, line_style_findings(raw) if line_style is None else list(line_style)
        doc = DocBuilder(raw, self.dialect)
        doc.start_body(raw.file.span(raw.start, raw.start + 2))
        table = None
        try:
            if self.paragraphs is not None:
                table = raw.table()
                self.paragraphs.run(doc, table)
            else:
                from .docs_classic import ClassicParser  # (imported for schemas before 9.0 only)

                ClassicParser(doc).run(raw.lines)
        except StageError as err:
            doc.diagnostics.append(err.diagnostic())
            doc.broken = True
        if self.line_style:
            doc.diagnostics.extend(line_style_findings(raw, table) if line_style is None else line_style)
        if not self.keep_lines:
            return doc.freeze(None), doc.diagnostics
        return doc.freeze(lambda sections: tuple(_examples(doc, sections))), doc.diagnostics


# --- examples -------------------------------------------------------------------------

# (These patterns, and those below that a check seldom needs, are compiled
# where used, when first used: re keeps them.  Compiling one costs more
# than using it.)
_QMP_EXAMPLE = r"^(\s*)\.\.\s+qmp-example::\s*$"
_OPTION = r"^\s+:([\w-]+):\s*(.*)$"


def _examples(doc: DocBuilder, sections: tuple[DocSection, ...]) -> list[DocExample]:
    out: list[DocExample] = []
    directives = doc.raw.contains("qmp-example::")
    for section in sections:
        if section.kind == "example":
            out.append(DocExample("section", section.lines, section.span, section.tag, False, section))
        elif directives:
            out.extend(_directive_examples(doc, section))
    return out


def _directive_examples(doc: DocBuilder, section: DocSection) -> list[DocExample]:
    out: list[DocExample] = []
    if "qmp-example::" not in section.text:
        return out
    lines = tuple(section.lines)
    i = 0
    while i < len(lines):
        m = re.match(_QMP_EXAMPLE, lines[i].text)
        if not m:
            i += 1
            continue
        start = lines[i]
        indent = len(m.group(1))
        i += 1
        title = None
        annotated = False
        while i < len(lines) and (opt := re.match(_OPTION, lines[i].text)) and _indent(lines[i].text) > indent:
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

_URL_ONLY = r" *(https?|ftp)://[^ ]*$"          # (compiled when used)
_ONE_SPACE = r"[.!?] [A-Z0-9(]"                 # (compiled when used)


_LITERAL_OPENER = re.compile(r"(\.\. +qmp-example)? *::$")
_SINGLE_SPACE = re.compile(r"(\be\.g\.|^ *\d\.|([.!?])) [A-Z0-9(]")
_SPACING_MESSAGE = "Use two spaces between sentences\nIf this not the end of a sentence, please report a bug."


def _may_break_line_style(raw: RawDoc) -> bool:
    """Whether a line of ``raw`` may break 10.2's line style (most blocks
    are clean: :func:`line_style_findings` looks closer only where a line
    may not be).  ('#', a space and 68 characters make 70 columns.)"""
    return raw.longest > 70 or _may_have_one_space(raw)


# Cheap tests before _ONE_SPACE: a search for a literal prefix runs fast.
_DOT_SPACE = re.compile(r"\. [A-Z0-9(]")


def _may_have_one_space(raw: RawDoc) -> bool:
    """Whether ``_ONE_SPACE`` matches in the block, found by cheaper
    searches ('!' and '?' are rare)."""
    text, start, end = raw.file.text, raw.start, raw.end
    if _DOT_SPACE.search(text, start, end):
        return True
    for mark in "!?":
        at = text.find(mark, start, end)
        while at >= 0:
            if re.compile(_ONE_SPACE).match(text, at, end):
                return True
            at = text.find(mark, at + 1, end)
    return False


def line_style_findings(raw: RawDoc, table: DocTable | None = None) -> list[Diagnostic]:
    """What 10.2's line style rules find in ``raw``: lines longer than 70
    columns (unless a lone URL), one space after a sentence; lines of
    literal blocks (after a '::' or '.. qmp-example::' line, while indented
    as their first line) aside, as QEMU reads them.  (``table``: its lines,
    if already made; their texts may have lost their trailing blanks.)"""
    if not _may_break_line_style(raw):
        return []
    out: list[Diagnostic] = []
    literal = False
    literal_indent = 0
    file = raw.file
    if table is None:
        table = raw.table()
    one_space = re.compile(_ONE_SPACE).search
    for i, text in enumerate(table.texts):
        text = text.rstrip()
        if text[-2:] == "::" and _LITERAL_OPENER.match(text):     # (it ends so)
            literal, literal_indent = True, 0
        elif literal and text:
            indent = len(text) - len(text.lstrip(" "))
            if literal_indent == 0:
                literal_indent = indent
            elif indent < literal_indent:
                literal = False
        if literal:
            continue
        # ('#' and a space before the text: 70 columns leave 68 or more)
        if len(text) > 67 and table.column(i) + len(text) > 70 and not re.match(_URL_ONLY, text):
            line = table.line(i)
            out.append(Diagnostic(rules.DOC_LINE_LENGTH, "documentation line longer than 70 characters",
                                  file.span(line.hash_offset, line.offset + len(text))))
        if one_space(text):         # (what every match below needs)
            for m in _SINGLE_SPACE.finditer(text):
                if m.group(2):
                    at = table.line(i).offset + m.start(2) + 1
                    out.append(Diagnostic(rules.SENTENCE_SPACING, _SPACING_MESSAGE, file.span(at, at + 1)))
    return out


# --- dialect evidence -----------------------------------------------------------------

def gather_weak_doc_evidence(raws: list[RawDoc], evidence: DialectEvidence,
                             findings: dict[int, list[Diagnostic]]) -> None:
    """Doc lines that 10.2's line style refuses (longer than 70 columns, or
    one space between sentences) outside literal blocks: a weak sign that
    the schema predates 10.2 (or a slip in a newer one).  It decides
    nothing when other evidence speaks, so callers ask only then.  What the
    line style finds is kept in ``findings`` by ``id(raw)``, for
    :func:`parse_doc`, and so is that it found nothing (one shared empty
    list: an entry costs less than asking again)."""
    for raw in raws:
        if not _may_break_line_style(raw):
            findings[id(raw)] = _NOTHING
            continue
        found = line_style_findings(raw)
        if found:
            findings[id(raw)] = found
            evidence.before("doc-line-style", "doc lines that 10.2's line style refuses", weak=True)
            return
        findings[id(raw)] = _NOTHING


#: what the line style found in a block, when nothing
#: (shared: never written to)
_NOTHING: list[Diagnostic] = []


#: an rST section title's underline: '=' and nothing else
_TITLE_UNDERLINE = re.compile(r"={3,}\s*$")


def _gather_section_titles(raw: RawDoc, evidence: DialectEvidence) -> None:
    """A free-form doc comment with an rST section title (a line of text
    underlined with '='): 10.1 reads it as one, where every release before
    read the '=' line as a '= Heading' line out of place, and refused it."""
    for text, after in itertools.pairwise(raw.texts()):
        if text.strip() and not text.startswith("=") and _TITLE_UNDERLINE.match(after):
            evidence.at_least("doc-headings-are-text", "an rST section title in a free-form doc comment")
            return


# (for the indentation evidence, seldom gathered: compiled when used)
_TEXT_AFTER_TAG = r"(?:@[^:\s]+|Returns|Since|Notes?|Examples?|TODO): +(?=\S)"
_BARE_DESCRIPTION = r"@[^:\s]+:$"
_STARTS_SECTION = r"@[^:\s]*:|(?:Returns|Since|Notes?|Examples?|TODO|Features):"


def gather_indentation_evidence(raws: list[RawDoc], evidence: DialectEvidence) -> None:
    """What the indentation of doc sections says about their era: a line
    right after ``@arg: text`` indented less than that text was refused by
    5.2 to 8.0 only; one right after a bare ``@arg:`` line, unindented,
    continues the description from 2.12 (2.10 and 2.11 ended it)."""
    starts_section = re.compile(_STARTS_SECTION).match
    text_after_tag = re.compile(_TEXT_AFTER_TAG).match
    bare_description = re.compile(_BARE_DESCRIPTION).match
    for raw in raws:
        lines = raw.lines
        if not lines or not lines[0].text.startswith("@"):
            continue
        for line, after in itertools.pairwise(lines[1:]):
            text, next_text = line.text, after.text
            if not next_text.strip() or starts_section(next_text):
                continue
            m = text_after_tag(text)
            if m and _indent(next_text) < m.end():
                evidence.not_between("doc-indentation", "doc-indent-first-continuation",
                                     "doc lines indented less than the text after '@arg:' above them")
            elif bare_description(text) and not next_text[0].isspace():
                evidence.at_least("doc-bare-description-continues",
                                  "a description on the line after a bare '@arg:' line")


def gather_doc_evidence(raw: RawDoc, evidence: DialectEvidence) -> None:
    """Note what a doc block's markup says about its era."""
    gather_docs_evidence([raw], evidence)


def gather_docs_evidence(raws: Iterable[RawDoc], evidence: DialectEvidence) -> None:
    """Note what each doc block's markup says about its era, block after
    block.  (The words it looks for are found once a file: a search of
    each block for each of them cost more than the rest of detection.)"""
    marks: dict[int, _Marks] = {}
    for raw in raws:
        found = marks.get(id(raw.file))
        if found is None:
            found = marks[id(raw.file)] = _Marks(raw.file.text)
        found.gather(raw, evidence)


#: an era's words at the start of a doc line's text: kind, and what follows
#: that the kind needs ('' for nothing)
_ERA_WORDS = (("qmp-example", ".. qmp-example::"), ("errors", "Errors:"), ("old", "Example"),
              ("old", "Note"))


class _Marks:
    """Where in one file's text the words that tell a doc comment's era are."""

    __slots__ = ("era", "era_at", "features", "titles")

    def __init__(self, text: str) -> None:
        self.features = _all(text, "\n# Features:")
        self.titles = _all(text, "\n# ===")
        era: list[tuple[int, str, str]] = []
        for kind, word in _ERA_WORDS:
            for at in _all(text, word):
                # (only at the start of a doc line's text: after its '#' and
                # one space or none, with blanks alone before the '#')
                line_start = text.rfind("\n", 0, at) + 1
                if text[line_start:at].lstrip(" \t\f\r") not in ("#", "# "):
                    continue
                if kind != "old":
                    era.append((at, kind, ""))
                    continue
                # 'Example:', 'Examples:', 'Note:' or 'Notes:', then a blank or the line's end
                colon = at + len(word) + (text[at + len(word):at + len(word) + 1] == "s")
                if text[colon:colon + 1] == ":":
                    era.append((at, kind, text[at:colon]))
        era.sort()
        self.era = era
        self.era_at = [at for at, _, _ in era]

    def gather(self, raw: RawDoc, evidence: DialectEvidence) -> None:
        start, end = raw.start, raw.end
        i = bisect.bisect_left(self.features, start)
        if i < len(self.features) and self.features[i] + 12 <= end:
            evidence.at_least("features", "a 'Features:' doc section")
        if raw.symbol is None:
            i = bisect.bisect_left(self.titles, start)
            if i < len(self.titles) and self.titles[i] + 6 <= end:
                _gather_section_titles(raw, evidence)
        body_end = raw.body_end
        text = raw.file.text
        for i in range(bisect.bisect_left(self.era_at, raw.body_start), bisect.bisect_left(self.era_at, body_end)):
            at, kind, tag = self.era[i]
            if kind == "qmp-example":
                if at + 16 <= body_end:
                    evidence.at_least("qmp-example", "a '.. qmp-example::' directive")
                    return
            elif kind == "errors":
                if at + 7 <= body_end:
                    evidence.at_least("doc-errors-section", "an 'Errors:' doc section")
            elif raw.symbol:
                after = at + len(tag) + 1           # (after the ':')
                if after < body_end and not text[after].isspace():
                    continue
                if after <= body_end:
                    evidence.before("qmp-example", f"a '{tag}:' doc section")


def _all(text: str, word: str) -> list[int]:
    """Where ``word`` is in ``text``, each place."""
    out = []
    at = text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + 1)
    return out
