"""The doc model: what a ``##`` block says, whatever the era's grammar.

:mod:`qapidoc.frontend.docs` parses doc blocks into these values; the
grammars of the eras (:mod:`qapidoc.frontend.docs_classic`,
:mod:`qapidoc.frontend.docs_paragraph`) build them through
:class:`DocBuilder`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import rules
from ..diagnostics import Diagnostic, StageError
from ..records import NamedTuple
from ..rules import Rule
from ..source import Span
from .dialect import Dialect
from .lexer import DocLines
from .parser import DocLine, RawDoc

__all__ = [
    "NO_LINES", "TAG_KINDS", "DocBuilder", "DocComment", "DocExample", "DocHeading", "DocSection", "SectionBuilder",
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
    def headings(self) -> tuple[DocHeading, ...]:
        """The ``= Title`` headings of a free-form block (the markup of
        QEMU 2.10 to 9.x; today's schemas use rST section titles instead,
        which stay in the text)."""
        if self.symbol is not None:
            return ()
        out = []
        for line in self.body.lines:
            m = re.match(_HEADING, line.text)
            if m:
                out.append(DocHeading(len(m.group(1)), m.group(2).strip(), line))
        return tuple(out)


class DocHeading(NamedTuple):
    """A legacy ``= Title`` line: its level (1 for ``=``) and title."""

    level: int
    title: str
    line: DocLine


#: (compiled where used, when first used: re keeps it; a check never needs it)
_HEADING = r"(=+) +(\S.*)$"

#: section tag -> section kind
TAG_KINDS = {
    "Returns": "returns", "Errors": "errors", "Since": "since", "Note": "note", "Notes": "note",
    "Example": "example", "Examples": "example", "TODO": "todo",
}


class SectionBuilder:
    """A section being built; frozen into a DocSection at the end."""

    __slots__ = ("indent", "kind", "lines", "name", "span", "tag", "texts")

    def __init__(self, kind: str, span: Span, name: str | None = None, tag: str | None = None,
                 indent: int | None = 0) -> None:
        self.kind = kind
        self.span = span
        self.name = name
        self.tag = tag
        self.lines: list[DocLine] = []
        #: the text of each line, where the grammar keeps them apart (9.0
        #: and later: a check keeps no lines, only their texts)
        self.texts: list[str] = []
        #: the indentation stripped from its lines (QEMU 5.2 to 8.2); None
        #: until its first continuation line sets it (8.1 and 8.2)
        self.indent = indent

    @property
    def empty(self) -> bool:
        """Whether nothing was added (QEMU: its text is '')."""
        return not self.lines

    @property
    def ends_in_blank_line(self) -> bool:
        """Whether its text ends in a blank line after something (QEMU:
        its text ends with two newlines)."""
        return len(self.lines) >= 2 and self.lines[-1].text == ""

    @property
    def has_text(self) -> bool:
        for line in self.lines:  # noqa: SIM110 - cheaper than any() of a generator
            if line.text.strip():
                return True
        return False

    def freeze(self, keep_lines: bool = True) -> DocSection:
        """The section; without ``keep_lines``, with no lines."""
        if not keep_lines:
            return _new(DocSection, (self.kind, NO_LINES, self.span, self.name, self.tag))
        lines = self.lines
        # Leading and trailing blank lines are not part of the text.
        start, end = 0, len(lines)
        while start < end and not lines[start].text.strip():
            start += 1
        while end > start and not lines[end - 1].text.strip():
            end -= 1
        return _new(DocSection, (self.kind, DocLines(lines[start:end]), self.span, self.name, self.tag))


#: the lines of a section read for a check (none)
NO_LINES = DocLines()
_new = tuple.__new__     # a named tuple without its Python-level __new__


class DocBuilder:
    """A doc comment being parsed: its sections so far and its findings."""

    __slots__ = ("all_sections", "args", "body", "broken", "diagnostics", "dialect", "features", "raw",
                 "sections", "symbol", "symbol_span")

    def __init__(self, raw: RawDoc, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect = dialect
        self.symbol: str | None = None
        self.symbol_span: Span | None = None
        self.body: SectionBuilder | None = None
        self.args: dict[str, SectionBuilder] = {}
        self.features: dict[str, SectionBuilder] = {}
        self.sections: list[SectionBuilder] = []
        self.all_sections: list[SectionBuilder] = []
        self.diagnostics: list[Diagnostic] = []
        self.broken = False

    def line_span(self, line: DocLine) -> Span:
        """The span of ``line``: its '#' to the end of its text."""
        return _new(Span, (self.raw.file, line.hash_offset, line.offset + len(line.text)))

    def error(self, rule: Rule, message: str, line: DocLine) -> StageError:
        return StageError(rule, message, self.line_span(line))

    @property
    def current(self) -> SectionBuilder:
        return self.all_sections[-1]

    def start_body(self, span: Span) -> None:
        self.body = SectionBuilder("plain", span)
        self.all_sections.append(self.body)

    def new_description(self, kind: str, name: str, span: Span, indent: int | None = 0) -> SectionBuilder:
        """Start the description ``@name:`` of a member or feature, on the
        line ``span`` covers (:meth:`line_span`)."""
        table = self.args if kind == "member" else self.features
        if not name:
            raise StageError(rules.DOC_STRUCTURE, self.sentence("invalid parameter name"), span)
        if name in table:
            raise StageError(rules.DOC_STRUCTURE, f"'{name}' parameter name duplicated", span)
        section = SectionBuilder(kind, span, name, None, indent)
        table[name] = section
        self.all_sections.append(section)
        return section

    def new_tagged(self, tag: str, span: Span, indent: int | None = 0,
                   unique: tuple[str, ...] = ("Returns", "Since")) -> SectionBuilder:
        """Start a section tagged ``tag`` (``Returns``, ``Note``...) on the
        line ``span`` covers."""
        if tag in unique and tag in [s.tag for s in self.sections]:
            raise StageError(rules.DOC_STRUCTURE, self.sentence(f"duplicated '{tag}' section"), span)
        section = SectionBuilder(TAG_KINDS[tag], span, None, tag, indent)
        self.sections.append(section)
        self.all_sections.append(section)
        return section

    def new_plain(self, span: Span) -> SectionBuilder:
        """Start an untagged section after the body, on the line ``span`` covers."""
        section = SectionBuilder("plain", span)
        self.sections.append(section)
        self.all_sections.append(section)
        return section

    def sentence(self, message: str) -> str:
        """QEMU's messages started with a capital letter until 4.2."""
        if self.dialect.has("lowercase-messages"):
            return message
        return message[:1].upper() + message[1:]

    def freeze(self, find_examples: Callable[[tuple[DocSection, ...]], tuple[DocExample, ...]] | None
               ) -> DocComment:
        """The doc comment; ``find_examples`` picks the QMP examples out of
        its sections.  Without it, the sections keep no lines and there are
        no examples (a doc checked and let go)."""
        keep_lines = find_examples is not None
        # The body comes first, then every other section as it was started:
        # the descriptions (by kind) and the rest, each in that order.
        assert self.all_sections[0] is self.body
        if keep_lines:
            all_sections = tuple([s.freeze() for s in self.all_sections])
        else:       # (SectionBuilder.freeze(False), without a call each)
            all_sections = tuple([_new(DocSection, (s.kind, NO_LINES, s.span, s.name, s.tag))
                                  for s in self.all_sections])
        examples = find_examples(all_sections) if find_examples is not None else ()
        # Most often the members come right after the body, then the
        # features, then the rest (as the grammar of 9.0 wants them): then
        # slices, no pass over the sections by kind.
        members_end = 1 + len(self.args)
        features_end = members_end + len(self.features)
        if (self.all_sections[1:members_end] == list(self.args.values())
                and self.all_sections[members_end:features_end] == list(self.features.values())):
            args = all_sections[1:members_end]
            features = all_sections[members_end:features_end]
            rest = all_sections[features_end:]
        else:
            args = tuple([s for s in all_sections if s.kind == "member"])
            features = tuple([s for s in all_sections if s.kind == "feature"])
            rest = tuple([s for s in all_sections[1:] if s.kind not in _DESCRIPTION_KINDS])
        return _new(DocComment, (self.raw, self.symbol, all_sections[0], args, features, rest, all_sections,
                                 examples, self.broken, self.symbol_span))


_DESCRIPTION_KINDS = frozenset(("member", "feature"))
