"""QD606, QD608-QD611: what a doc comment's rST may not do, found in the raw lines.

The rules are :mod:`qapidoc.rst_policy`'s, the same the Sphinx extension
applies while it builds the manual; this module finds, without docutils,
the places where a doc comment breaks them:

* a directive (at the start of a line, after list bullets, numbers and
  field names, or in a substitution definition) that reads files (QD606)
  or that doc comments may not use (QD608), and the options of allowed
  directives that ask for too much (QD610);
* a role doc comments may not use (QD609);
* a link to a URL that is not http, https, mailto or relative (QD611): in
  a link target (``.. _name: URL``, ``.. __: URL``, ``__ URL``, continued
  on indented lines) or embedded in a reference (`` `text <URL>`_ ``).

A URL written as plain text (``javascript:x`` in a sentence) is not a
finding: the manual shows it as the text it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from .. import rst_policy, rules
from ..diagnostics import Diagnostic
from ..frontend.parser import DocLine
from ..rst_policy import Verdict
from ..source import SourceFile

__all__ = ["DIRECTIVE", "directive_findings", "link_findings", "option_lines", "refused_role"]

# Where a body element can start: after the indentation, list bullets and
# numbers ("- ", "1. ", "(a) ") and field names (":name: ").
_LEAD = (r"(?P<lead>[ \t]*(?:(?:[-*+\u2022\u2023\u2043]|\(?(?:\d+|#|[A-Za-z]|[ivxlcdmIVXLCDM]+)[.)]"
         r"|:(?![\s:])[^:`]*(?<!\s):)[ \t]+)*)")
#: a directive, or a substitution definition's directive
DIRECTIVE = re.compile(_LEAD + r"\.\.[ ]+(?:\|(?![\s|])[^|]*\|[ ]+)?(?P<name>[A-Za-z0-9][\w:+.-]*)[ ]?::"
                       r"(?P<rest>[ \t].*|)$")
_TARGET = re.compile(_LEAD + r"(?:\.\.[ ]+_(?P<name>`[^`]*`|(?:[^:\\]|\\.)*):|__)(?:[ \t]+(?P<rest>.*))?$")
_OPTION = re.compile(r"^(?P<indent>[ \t]+):(?P<name>[^:\s][^:]*):(?:[ \t]+(?P<value>.*))?$")
_EMBEDDED = re.compile(r"`(?:(?:[^`\\]|\\.)*?\s)?<(?P<uri>[^<>`]*)>`__?(?!\w)")


# What docutils takes for an e-mail address, and links as ``mailto:``.
_EMAIL = re.compile(r"[-_!~*'{|}/#?^`&=+$%a-zA-Z0-9.]+@[-a-zA-Z0-9]+(?:\.[-a-zA-Z0-9]+)*")


def _problem(uri: str) -> str | None:
    """rst_policy's verdict on a URI as docutils stores it."""
    return None if _EMAIL.fullmatch(uri) else rst_policy.uri_problem(uri)


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" \t"))


def _unescape(text: str) -> str:
    """rST backslash escapes removed, whitespace removed (as docutils reads a URI)."""
    return "".join(re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL).split())


def directive_findings(file: SourceFile, line: DocLine, m: re.Match[str],
                       extra_allowed: frozenset[str]) -> tuple[Verdict, list[Diagnostic]]:
    """The verdict on the directive ``m`` matched in ``line``, and its
    finding (QD606 or QD608; the caller reports QD602 for an unknown one)."""
    name = m.group("name")
    verdict = rst_policy.directive_verdict(name, extra_allowed)
    if verdict in (Verdict.ALLOWED, Verdict.UNKNOWN):
        return verdict, []
    rule, message = rst_policy.directive_refusal(name, verdict)
    return verdict, [Diagnostic(rule, message, file.span(line.offset + m.start("name"),
                                                         line.offset + m.end("name")))]


def option_lines(lines: Sequence[DocLine], i: int, column: int) -> tuple[int, list[tuple[int, str, str]]]:
    """The option lines of the directive at ``lines[i]`` (whose ``..`` is
    at ``column``): the index after them, and (index, name, value) each,
    values joined with their continuation lines."""
    found: list[tuple[int, str, str]] = []
    j = i + 1
    n = len(lines)
    while j < n:
        text = lines[j].text
        if not text.strip() or _indent(text) <= column:
            break
        m = _OPTION.match(text)
        if m:
            found.append((j, m.group("name"), (m.group("value") or "").strip()))
        elif found and _indent(text) > _indent(lines[found[-1][0]].text):
            k, name, value = found[-1]
            found[-1] = (k, name, f"{value} {text.strip()}")
        elif found:
            break
        j += 1
    return j, found


def option_findings(file: SourceFile, lines: Sequence[DocLine], directive: str,
                    options: Iterable[tuple[int, str, str]]) -> Iterator[Diagnostic]:
    for index, name, value in options:
        problem = rst_policy.option_problem(directive, name, value)
        if problem is not None:
            line = lines[index]
            yield Diagnostic(rules.RST_OPTION_TOO_LARGE, rst_policy.option_refusal(problem),
                             file.span(line.offset + _indent(line.text), line.offset + len(line.text.rstrip())))


def refused_role(file: SourceFile, line: DocLine, name: str, start: int, end: int) -> Diagnostic:
    rule, message = rst_policy.role_refusal(name)
    return Diagnostic(rule, message, file.span(line.offset + start, line.offset + end))


def link_findings(file: SourceFile, lines: Sequence[DocLine], prose: Sequence[bool]) -> Iterator[Diagnostic]:
    """QD611 in the lines marked as ``prose`` (outside literal blocks)."""
    n = len(lines)
    i = 0
    while i < n:
        if not prose[i] or not lines[i].text.strip():
            i += 1
            continue
        start = i
        while i < n and prose[i] and lines[i].text.strip():
            i += 1
        yield from _targets(file, lines, start, i)
        yield from _embedded(file, lines[start:i])


def _targets(file: SourceFile, lines: Sequence[DocLine], start: int, end: int) -> Iterator[Diagnostic]:
    i = start
    while i < end:
        line = lines[i]
        m = _TARGET.match(line.text)
        if m is None:
            i += 1
            continue
        column = len(m.group("lead"))
        parts = [m.group("rest") or ""]
        j = i + 1
        while j < end and _indent(lines[j].text) > column:
            parts.append(lines[j].text)
            j += 1
        uri = _unescape(" ".join(parts))
        if uri and not (uri.endswith("_") and not uri.endswith("\\_")):
            problem = _problem(uri)
            if problem is not None:
                yield Diagnostic(rules.RST_UNSAFE_LINK, rst_policy.link_refusal(uri, problem),
                                 file.span(line.offset + column, line.offset + len(line.text.rstrip())))
        i = j


def _embedded(file: SourceFile, paragraph: Sequence[DocLine]) -> Iterator[Diagnostic]:
    text = "\n".join(line.text for line in paragraph)
    if "<" not in text or "`" not in text:
        return
    for m in _EMBEDDED.finditer(text):
        raw = m.group("uri")
        uri = _unescape(raw)
        if not uri or (raw.rstrip().endswith("_") and not raw.rstrip().endswith("\\_")):
            continue            # a reference to a target by name
        problem = _problem(uri)
        if problem is None:
            continue
        row = text.count("\n", 0, m.start("uri"))
        line = paragraph[row]
        column = m.start("uri") - (text.rfind("\n", 0, m.start("uri")) + 1)
        yield Diagnostic(rules.RST_UNSAFE_LINK, rst_policy.link_refusal(uri, problem),
                         file.span(line.offset + column, line.offset + len(line.text.rstrip())))
