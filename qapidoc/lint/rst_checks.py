"""QD6xx: reStructuredText in doc comments, checked fast and by hand.

Doc comments are rST since QEMU 5.2, and the manual build is the first to
see them, one fatal warning at a time.  These checks read the raw doc lines
(no docutils, so ``qapidoc lint`` stays fast) and report at the ``.json``
line:

* QD602 a directive the QMP manual does not know (``.. qmp-exmaple::``);
* QD603 an interpreted-text role it does not know (``:qmp:`x```);
* QD604 a line that looks like a directive but is a comment to docutils
  (``..qmp-example::``, ``.. note:``), so its content disappears;
* QD605 an example whose messages are not indented under their
  ``.. qmp-example::`` or ``::`` line, or QMP messages standing in prose:
  they render as a paragraph of JSON;
* QD607 a 2017-style ``= Heading`` where QEMU 10.1 and later read a paragraph;
* QD606, QD608-QD611 what doc comments may not do (read files, use the
  extension's directives, ask for unbounded resources, link to script):
  :mod:`qapidoc.rst_policy` decides, :mod:`.rst_safety` finds.

QD601 runs docutils itself over every section (``--rst-docutils``); it is
imported only then.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterator, Sequence

from .. import rst_policy, rules
from ..diagnostics import Diagnostic
from ..frontend.dialect import Dialect
from ..frontend.docs import DocComment, DocSection
from ..frontend.parser import DocLine
from ..rst_policy import Verdict
from ..rules import Rule
from ..source import SourceFile, Span
from . import rst_safety

__all__ = ["KNOWN_DIRECTIVES", "KNOWN_ROLES", "RULES", "check_rst", "check_rst_docutils"]

RULES: tuple[Rule, ...] = tuple(r for r in rules.ALL_RULES if r.code.startswith("QD6"))

#: directives that read files or insert raw markup (QD606)
UNSAFE_DIRECTIVES = rst_policy.FILE_DIRECTIVES
#: the directives of docutils, Sphinx and QEMU's and qapidoc's extensions
KNOWN_DIRECTIVES = rst_policy.KNOWN_DIRECTIVES
#: the interpreted-text roles of docutils, Sphinx and the QAPI domains
KNOWN_ROLES = rst_policy.KNOWN_ROLES | frozenset({
    "qapi:mod", "qapi:cmd", "qapi:event", "qapi:enum", "qapi:obj", "qapi:alt", "qapi:type", "qapi:any",
})

_NO_SPACE = re.compile(r"^(\s*)\.\.([A-Za-z][\w:+.-]*)\s*::?(\s|$)")
_ONE_COLON = re.compile(r"^(\s*)\.\.[ ]+([A-Za-z][\w:+.-]*):(?!:)(\s|$)")
_ROLE = re.compile(r"(?<![\w`:\\]):([A-Za-z][\w+.-]*(?::[A-Za-z][\w+.-]*)?):`(?=[^`\s])")
_OPTION = re.compile(r"^\s+:([\w-]+):")
_ARROW = re.compile(r"\s*(->|<-)\s*[{.]")


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _span(file: SourceFile, line: DocLine, start: int, end: int) -> Span:
    return file.span(line.offset + start, line.offset + end)


def check_rst(docs: Sequence[DocComment], dialect: Dialect,
              allowed_directives: frozenset[str] = frozenset()) -> list[Diagnostic]:
    """The structural rST findings (QD602-QD611) of ``docs``;
    ``allowed_directives`` are a project's additions to the directives doc
    comments may use."""
    if dialect.version < (5, 2):
        return []         # texinfo era: doc comments were not rST
    out: list[Diagnostic] = []
    prose_arrows = dialect.has("qmp-example")
    rst_headings = dialect.has("doc-headings-are-text")
    for doc in docs:
        if rst_headings and doc.is_freeform:
            out.extend(_legacy_headings(doc))
        lines = doc.raw.lines
        # Cheap filter: most blocks have no markup worth a look.
        if not any(".." in line.text or ":`" in line.text or "::" in line.text or "__" in line.text
                   or "`_" in line.text
                   or (prose_arrows and ("->" in line.text or "<-" in line.text)) for line in lines):
            continue
        block = _Block(doc.raw.file, lines, prose_arrows, allowed_directives)
        out.extend(block.check())
        out.extend(rst_safety.link_findings(doc.raw.file, lines, block.prose))
    return out


#: directives whose content is not rST (nothing in it is markup)
_LITERAL_CONTENT = frozenset({"code-block", "code", "sourcecode", "math", "raw", "highlight", "literalinclude",
                              "productionlist", "csv-table"})


class _Block:
    """One doc block, line by line: the structural findings, and which
    lines are prose (links count there, not in literal blocks)."""

    def __init__(self, file: SourceFile, lines: tuple[DocLine, ...], prose_arrows: bool,
                 allowed: frozenset[str]) -> None:
        self.file = file
        self.lines = lines
        self.prose_arrows = prose_arrows
        self.allowed = allowed
        self.prose = [True] * len(lines)

    def literal(self, start: int, end: int) -> None:
        for k in range(start, end):
            self.prose[k] = False

    def check(self) -> Iterator[Diagnostic]:
        file, lines = self.file, self.lines
        n = len(lines)
        i = 0
        while i < n:
            line = lines[i]
            text = line.text
            m = rst_safety.DIRECTIVE.match(text)
            if m:
                i, diags = self.directive(i, m)
                yield from diags
                continue
            m2 = _NO_SPACE.match(text) or None
            if m2:
                yield Diagnostic(rules.RST_MALFORMED_DIRECTIVE,
                                 f"'..{m2.group(2).rstrip(':')}::' needs a space after '..': docutils reads the "
                                 "line as a comment, and what follows disappears from the manual",
                                 _span(file, line, len(m2.group(1)), len(text.rstrip())))
                j = _skip_body(lines, i, len(m2.group(1)))
                self.literal(i, j)
                i = j
                continue
            m3 = _ONE_COLON.match(text)
            if m3 and m3.group(2) in KNOWN_DIRECTIVES:
                yield Diagnostic(rules.RST_MALFORMED_DIRECTIVE,
                                 f"'.. {m3.group(2)}:' needs two colons: docutils reads the line as a comment, "
                                 "and what follows disappears from the manual",
                                 _span(file, line, len(m3.group(1)), len(text.rstrip())))
                j = _skip_body(lines, i, len(m3.group(1)))
                self.literal(i, j)
                i = j
                continue
            stripped = text.rstrip()
            if stripped.endswith("::") and not stripped.lstrip().startswith(".."):
                yield from _roles(file, line)
                j, diags = _literal_block(file, lines, i)
                self.literal(i + 1, j)
                yield from diags
                i = j
                continue
            if self.prose_arrows and _ARROW.match(text):
                yield Diagnostic(rules.RST_EXAMPLE_AS_PROSE,
                                 "a QMP message outside any example renders as prose: put it in a "
                                 "'.. qmp-example::' block, indented under the directive",
                                 _span(file, line, _indent(text), len(text.rstrip())))
                i = _skip_paragraph(lines, i)
                continue
            yield from _roles(file, line)
            i += 1

    def directive(self, i: int, m: re.Match[str]) -> tuple[int, list[Diagnostic]]:
        """Check the directive ``m`` at ``lines[i]``; the index to go on from."""
        file, lines = self.file, self.lines
        line = lines[i]
        name = m.group("name")
        column = len(m.group("lead"))
        verdict, out = rst_safety.directive_findings(file, line, m, self.allowed)
        if verdict is Verdict.UNKNOWN:
            close = difflib.get_close_matches(name, KNOWN_DIRECTIVES, n=1, cutoff=0.7)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            out.append(Diagnostic(rules.RST_UNKNOWN_DIRECTIVE,
                                  f"unknown directive '{name}': the QMP manual does not know it{hint}",
                                  _span(file, line, m.start("name"), m.end("name"))))
        if verdict is not Verdict.ALLOWED:
            j = _skip_body(lines, i, column)      # reported once, not line by line
            self.literal(i, j)
            return j, out
        after_options, options = rst_safety.option_lines(lines, i, column)
        problems = list(rst_safety.option_findings(file, lines, name, options))
        if problems:
            j = _skip_body(lines, i, column)
            self.literal(i, j)
            return j, out + problems
        out.extend(_roles(file, line, m.start("rest")))
        for k, _name, _value in options:
            out.extend(_roles(file, lines[k]))
        if name == "qmp-example":
            j, diags = _qmp_example(file, lines, i, column)
            self.literal(after_options, j)
            return j, out + diags
        if name.lower() in _LITERAL_CONTENT:
            j = _skip_body(lines, i, column)
            self.literal(after_options, j)
            return j, out
        return after_options, out


_LEGACY_HEADING = re.compile(r"(=+) +\S")


def _legacy_headings(doc: DocComment) -> Iterator[Diagnostic]:
    for line in doc.raw.lines:
        m = _LEGACY_HEADING.match(line.text)
        if m:
            yield Diagnostic(
                rules.RST_LEGACY_HEADING,
                f"'{m.group(1)} ' is not a heading since QEMU 10.1: this line renders as a paragraph; "
                "write an rST section title (the text, underlined with '=' or another mark)",
                doc.raw.file.span(line.offset, line.offset + len(line.text)))


def _roles(file: SourceFile, line: DocLine, start: int = 0) -> Iterator[Diagnostic]:
    text = line.text
    if ":`" not in text:
        return
    for m in _ROLE.finditer(text, start):
        name = m.group(1)
        verdict = rst_policy.role_verdict(name)
        if verdict is Verdict.ALLOWED:
            continue
        if verdict is Verdict.REFUSED:
            yield rst_safety.refused_role(file, line, name, m.start(), m.end() - 1)
            continue
        close = difflib.get_close_matches(name, KNOWN_ROLES, n=1, cutoff=0.7)
        hint = f"; did you mean ':{close[0]}:'?" if close else ""
        yield Diagnostic(rules.RST_UNKNOWN_ROLE,
                         f"unknown role ':{name}:': it renders as an error in the manual{hint}",
                         _span(file, line, m.start(), m.end() - 1))


def _skip_body(lines: tuple[DocLine, ...], i: int, indent: int) -> int:
    """The index after the directive at ``lines[i]`` and its indented body."""
    i += 1
    while i < len(lines) and (not lines[i].text.strip() or _indent(lines[i].text) > indent):
        i += 1
    return i


def _skip_paragraph(lines: tuple[DocLine, ...], i: int) -> int:
    while i < len(lines) and lines[i].text.strip():
        i += 1
    return i


def _looks_like_qmp(text: str) -> bool:
    s = text.lstrip()
    return s.startswith(("->", "<-", "{"))


def _qmp_example(file: SourceFile, lines: tuple[DocLine, ...], i: int,
                 indent: int) -> tuple[int, list[Diagnostic]]:
    """Check a ``.. qmp-example::`` at ``lines[i]``; return the index after it."""
    out: list[Diagnostic] = []
    directive = lines[i]
    n = len(lines)
    i += 1
    annotated = False
    while i < n and (opt := _OPTION.match(lines[i].text)) and _indent(lines[i].text) > indent:
        annotated = annotated or opt.group(1) == "annotated"
        i += 1
    j = i
    while j < n and not lines[j].text.strip():
        j += 1
    dspan = _span(file, directive, _indent(directive.text), len(directive.text.rstrip()))
    if j >= n or _indent(lines[j].text) <= indent:
        if j < n and _looks_like_qmp(lines[j].text):
            out.append(Diagnostic(
                rules.RST_EXAMPLE_AS_PROSE,
                f"the body of this '.. qmp-example::' is not indented (it needs more than {indent} "
                "spaces): it renders as prose after an empty example",
                _span(file, lines[j], _indent(lines[j].text), len(lines[j].text.rstrip()))))
            return _skip_paragraph(lines, j), out
        out.append(Diagnostic(rules.RST_EXAMPLE_AS_PROSE,
                              "'.. qmp-example::' without an indented body: the example is empty",
                              dspan))
        return j, out
    if annotated:
        # The body is rST: check it like the rest, through the caller's loop.
        return i, out
    while j < n and (not lines[j].text.strip() or _indent(lines[j].text) > indent):
        j += 1
    return j, out


def _literal_block(file: SourceFile, lines: tuple[DocLine, ...], i: int) -> tuple[int, list[Diagnostic]]:
    """A paragraph ending in '::' at ``lines[i]``: the indented block after
    it is literal.  Return the index after the block."""
    out: list[Diagnostic] = []
    first = i
    while first > 0 and lines[first - 1].text.strip():
        first -= 1
    base = _indent(lines[first].text)
    n = len(lines)
    j = i + 1
    while j < n and not lines[j].text.strip():
        j += 1
    if j < n and _indent(lines[j].text) <= base:
        if _looks_like_qmp(lines[j].text):
            out.append(Diagnostic(
                rules.RST_EXAMPLE_AS_PROSE,
                "these QMP messages are not indented under the '::' line before them: they render as prose",
                _span(file, lines[j], _indent(lines[j].text), len(lines[j].text.rstrip()))))
            return _skip_paragraph(lines, j), out
        return j, out
    while j < n and (not lines[j].text.strip() or _indent(lines[j].text) > base):
        j += 1
    return j, out


# --- QD601: docutils, on request ----------------------------------------------------

def check_rst_docutils(docs: Sequence[DocComment], dialect: Dialect) -> list[Diagnostic]:
    """Run docutils over every section of every doc comment (slow: seconds
    for QEMU's schema) and report its warnings and errors (QD601)."""
    if dialect.version < (5, 2):
        return []
    from ._docutils import DocutilsChecker
    checker = DocutilsChecker()
    out: list[Diagnostic] = []
    for doc in docs:
        for section in doc.all_sections:
            out.extend(_section_messages(checker, doc, section))
    return out


def _section_messages(checker: object, doc: DocComment, section: DocSection) -> Iterator[Diagnostic]:
    from ._docutils import DocutilsChecker
    assert isinstance(checker, DocutilsChecker)
    lines = list(section.lines)
    if not lines or not any(line.text.strip() for line in lines):
        return
    texts = [line.text for line in lines]
    if section.kind != "plain":
        # '@x: text' and 'Tag: text' continue on indented lines, which
        # QEMU de-indents before handing the text to docutils.
        if texts[0][:1] == " ":
            texts = textwrap.dedent("\n".join(texts)).split("\n")
        elif len(texts) > 1:
            texts = [texts[0], *textwrap.dedent("\n".join(texts[1:])).split("\n")]
    for line_no, message in checker.check("\n".join(texts)):
        index = min(max(line_no - 1, 0), len(lines) - 1)
        line = lines[index]
        span = doc.raw.file.span(line.offset, line.offset + len(line.text))
        yield Diagnostic(rules.RST_ERROR, message, span)
