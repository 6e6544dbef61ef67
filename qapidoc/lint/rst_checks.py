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
* QD606 ``raw``, ``include`` and other directives that insert files or markup;
* QD607 a 2017-style ``= Heading`` where QEMU 10.1 and later read a paragraph.

QD601 runs docutils itself over every section (``--rst-docutils``); it is
imported only then.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterator, Sequence

from .. import rules
from ..diagnostics import Diagnostic
from ..frontend.dialect import Dialect
from ..frontend.docs import DocComment, DocSection
from ..frontend.parser import DocLine
from ..rules import Rule
from ..source import SourceFile, Span

__all__ = ["KNOWN_DIRECTIVES", "KNOWN_ROLES", "RULES", "check_rst", "check_rst_docutils"]

RULES: tuple[Rule, ...] = tuple(r for r in rules.ALL_RULES if r.code.startswith("QD6"))

#: directives that insert files or raw markup
UNSAFE_DIRECTIVES = frozenset({"raw", "include", "literalinclude"})

#: the directives of docutils, Sphinx and QEMU's QAPI extensions
KNOWN_DIRECTIVES = frozenset({
    # docutils
    "admonition", "attention", "caution", "danger", "error", "hint", "important", "note", "tip",
    "warning", "image", "figure", "topic", "sidebar", "line-block", "parsed-literal", "code",
    "code-block", "sourcecode", "math", "rubric", "epigraph", "highlights", "pull-quote", "compound",
    "container", "table", "csv-table", "list-table", "contents", "sectnum", "section-numbering",
    "header", "footer", "target-notes", "meta", "replace", "unicode", "date", "class", "role",
    "default-role", "title",
    # Sphinx
    "toctree", "seealso", "versionadded", "versionchanged", "versionremoved", "deprecated",
    "centered", "hlist", "only", "index", "glossary", "productionlist", "highlight", "tabularcolumns",
    "rst-class", "todo", "acks", "sectionauthor", "moduleauthor", "codeauthor", "describe", "object",
    # QEMU
    "qmp-example", "qapi-doc", "qapi:namespace", "qapi:module", "qapi:command", "qapi:event",
    "qapi:enum", "qapi:object", "qapi:alternate",
}) | UNSAFE_DIRECTIVES

#: interpreted-text roles of docutils, Sphinx and QEMU's QAPI domain
KNOWN_ROLES = frozenset({
    # docutils
    "emphasis", "literal", "code", "math", "pep-reference", "pep", "rfc-reference", "rfc", "strong",
    "subscript", "sub", "superscript", "sup", "title-reference", "title", "t", "abbreviation", "ab",
    "acronym", "ac",
    # Sphinx
    "any", "ref", "doc", "download", "numref", "keyword", "option", "envvar", "term", "token",
    "command", "dfn", "file", "guilabel", "kbd", "mailheader", "makevar", "manpage", "menuselection",
    "mimetype", "newsfeed", "program", "regexp", "samp", "abbr", "index", "eq",
    # QEMU's QAPI domain
    "qapi:mod", "qapi:cmd", "qapi:event", "qapi:enum", "qapi:obj", "qapi:alt", "qapi:type",
    "qapi:any",
})

_DIRECTIVE = re.compile(r"^(\s*)\.\.[ ]+([A-Za-z0-9][\w:+.-]*)[ ]?::(.*)$")
_NO_SPACE = re.compile(r"^(\s*)\.\.([A-Za-z][\w:+.-]*)\s*::?(\s|$)")
_ONE_COLON = re.compile(r"^(\s*)\.\.[ ]+([A-Za-z][\w:+.-]*):(?!:)(\s|$)")
_ROLE = re.compile(r"(?<![\w`:\\]):([A-Za-z][\w+.-]*(?::[A-Za-z][\w+.-]*)?):`(?=[^`\s])")
_OPTION = re.compile(r"^\s+:([\w-]+):")
_ARROW = re.compile(r"\s*(->|<-)\s*[{.]")


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _span(file: SourceFile, line: DocLine, start: int, end: int) -> Span:
    return file.span(line.offset + start, line.offset + end)


def check_rst(docs: Sequence[DocComment], dialect: Dialect) -> list[Diagnostic]:
    """The structural rST findings (QD602-QD606) of ``docs``."""
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
        if not any(".." in line.text or ":`" in line.text or "::" in line.text
                   or (prose_arrows and ("->" in line.text or "<-" in line.text)) for line in lines):
            continue
        out.extend(_check_block(doc.raw.file, lines, prose_arrows))
    return out


def _check_block(file: SourceFile, lines: tuple[DocLine, ...], prose_arrows: bool) -> Iterator[Diagnostic]:
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        text = line.text
        m = _DIRECTIVE.match(text)
        if m:
            indent, name = len(m.group(1)), m.group(2)
            name_span = _span(file, line, m.start(2), m.end(2))
            if name in UNSAFE_DIRECTIVES:
                yield Diagnostic(rules.RST_UNSAFE,
                                 f"'.. {name}::' inserts files or raw markup; doc comments may not "
                                 "(the manual is built with it disabled)", name_span)
            elif name not in KNOWN_DIRECTIVES and not name.startswith("qapi:"):
                close = difflib.get_close_matches(name, KNOWN_DIRECTIVES, n=1, cutoff=0.7)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                yield Diagnostic(rules.RST_UNKNOWN_DIRECTIVE,
                                 f"unknown directive '{name}': the QMP manual does not know it{hint}",
                                 name_span)
            if name == "qmp-example":
                i, diags = _qmp_example(file, lines, i, indent)
                yield from diags
                continue
            if name not in KNOWN_DIRECTIVES or name in UNSAFE_DIRECTIVES:
                i = _skip_body(lines, i, indent)      # reported once, not line by line
                continue
            i += 1
            continue
        m2 = _NO_SPACE.match(text) or None
        if m2:
            yield Diagnostic(rules.RST_MALFORMED_DIRECTIVE,
                             f"'..{m2.group(2).rstrip(':')}::' needs a space after '..': docutils reads the "
                             "line as a comment, and what follows disappears from the manual",
                             _span(file, line, len(m2.group(1)), len(text.rstrip())))
            i = _skip_body(lines, i, len(m2.group(1)))
            continue
        m3 = _ONE_COLON.match(text)
        if m3 and m3.group(2) in KNOWN_DIRECTIVES:
            yield Diagnostic(rules.RST_MALFORMED_DIRECTIVE,
                             f"'.. {m3.group(2)}:' needs two colons: docutils reads the line as a comment, "
                             "and what follows disappears from the manual",
                             _span(file, line, len(m3.group(1)), len(text.rstrip())))
            i = _skip_body(lines, i, len(m3.group(1)))
            continue
        stripped = text.rstrip()
        if stripped.endswith("::") and not stripped.lstrip().startswith(".."):
            i, diags = _literal_block(file, lines, i)
            yield from diags
            continue
        if prose_arrows and _ARROW.match(text):
            yield Diagnostic(rules.RST_EXAMPLE_AS_PROSE,
                             "a QMP message outside any example renders as prose: put it in a "
                             "'.. qmp-example::' block, indented under the directive",
                             _span(file, line, _indent(text), len(text.rstrip())))
            i = _skip_paragraph(lines, i)
            continue
        yield from _roles(file, line)
        i += 1


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


def _roles(file: SourceFile, line: DocLine) -> Iterator[Diagnostic]:
    text = line.text
    if ":`" not in text:
        return
    for m in _ROLE.finditer(text):
        name = m.group(1)
        if name in KNOWN_ROLES or name.startswith(("py:", "c:", "cpp:", "js:", "std:", "rst:", "math:")):
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
