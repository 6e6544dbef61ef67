"""What a doc comment may do in the manual, enforced where docutils reads it
and checked again on the finished pages.

Doc comments come from schema authors, not from the documentation's
authors.  :mod:`qapidoc.rst_policy` says what their rST may use; this module
makes the build keep to it, in three places that do not depend on how the
pages are rendered:

1. **While docutils parses doc text** (:func:`doc_comment_parsing`): raw
   output and file insertion are off; a directive or role that the policy
   does not allow is replaced by one that renders nothing (a directive) or
   the plain text (a role); allowed directives whose options ask for too
   much are left out.  The extension's own directives (``qapi:command``,
   ``qapi:members``...) run only on the lines the extension generated
   itself (:func:`string_list` marks them); written in a doc comment, they
   are refused like any other.
2. **Links a doc comment defines** (:func:`report_links`): every link target
   and embedded URL whose scheme is not allowed is reported at its line.
3. **The finished page** (:func:`neutralise_urls`, on ``doctree-resolved``,
   after every transform has resolved every reference): every URL
   attribute (``refuri``, ``uri``, ``candidates``) that is not http, https,
   mailto or relative is removed, and its link shown as text.  It covers
   every node of every page that shows a schema (whoever wrote it) and
   every node that came from a doc comment on any other page (a ``todo``
   copied into a ``todolist``).

Every refusal is reported as the ``qapidoc lint`` finding of the same rule
(QD602, QD603, QD606, QD608-QD611) at the doc comment's line; where the
lint engine checks a schema's rST, its findings are what the manual shows,
and the build adds nothing of its own.

It also says what a namespace is (:func:`namespace_problem`): an
identifier, since it goes into anchors, index names and file names.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import FrameType
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.states import RSTState
from docutils.statemachine import StringList
from docutils.utils import get_source_line
from sphinx.util import logging

from ._core import rst_policy
from ._core import rules as rules_mod

__all__ = [
    "Generated", "doc_comment_parsing", "namespace_problem", "neutralise_urls", "report_links", "string_list",
]

logger = logging.getLogger(__name__)
Verdict = rst_policy.Verdict


# --- which lines are the extension's own ------------------------------------------

class Generated(tuple):  # type: ignore[type-arg]
    """A ``StringList`` item (source, offset) of a line the extension wrote.

    docutils keeps item objects as they are when it slices and dedents a
    ``StringList``, so a directive can tell from its line's item whether
    the extension wrote it."""

    __slots__ = ()


def string_list(lines: Iterable[tuple[str, str, int, bool]]) -> StringList:
    """(text, source, 1-based line, generated) each -> a ``StringList``
    whose generated lines are marked."""
    data: list[str] = []
    items: list[tuple[str, int]] = []
    for text, source, line, generated in lines:
        data.append(text)
        item = (source, max(line - 1, 0))
        items.append(Generated(item) if generated else item)
    return StringList(data, items=items)


def _directive_line_generated() -> bool:
    """Whether the directive docutils is looking up stands on a line the
    extension generated: the line the parsing state is at, found in the
    caller's frame (docutils passes the lookup no line)."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(8):
        if frame is None:
            break
        state = frame.f_locals.get("self")
        if isinstance(state, RSTState):
            machine = state.state_machine
            try:
                item = machine.input_lines.items[machine.line_offset]
            except (AttributeError, IndexError, TypeError):
                return False
            return isinstance(item, Generated)
        frame = frame.f_back
    return False


# --- 1. the parse ---------------------------------------------------------------

class _AnyOptions(dict[str, Any]):
    """Every option is accepted, so that a refused directive is reported
    as refused, not for its options."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged


def _warn(rule: Any, message: str, location: Any) -> None:
    logger.warning("%s [%s]", message, rule.code, location=location, type="qapi", subtype=rule.code)


def _refused_directive(name: str, verdict: Any, quiet: bool) -> type[Directive]:
    class Refused(Directive):  # type: ignore[misc]
        has_content = True
        optional_arguments = 99
        final_argument_whitespace = True
        option_spec = _AnyOptions()

        def run(self) -> list[nodes.Node]:
            if not quiet:
                source, line = self.state_machine.get_source_and_line(self.lineno)
                rule, message = rst_policy.directive_refusal(name, verdict)
                _warn(rule, message, f"{source}:{line}")
            return []

    return Refused


_BOUNDED: dict[tuple[type[Any], str, bool], type[Any]] = {}


def _bounded(cls: type[Any], name: str, quiet: bool) -> type[Any]:
    """``cls`` refusing the option values :func:`rst_policy.option_problem`
    refuses, before it runs (and allocates)."""
    key = (cls, name.lower(), quiet)
    bounded = _BOUNDED.get(key)
    if bounded is None:
        def run(self: Any) -> Any:
            for option, value in self.options.items():
                problem = rst_policy.option_problem(name, option, str(value))
                if problem is not None:
                    if not quiet:
                        source, line = self.state_machine.get_source_and_line(self.lineno + _option_row(self, option))
                        _warn(rules_mod.RST_OPTION_TOO_LARGE, rst_policy.option_refusal(problem), f"{source}:{line}")
                    return []
            return cls.run(self)

        bounded = _BOUNDED[key] = type(f"Bounded_{cls.__name__}", (cls,), {"run": run})
    return bounded


def _option_row(directive: Any, option: str) -> int:
    """The line of ``:option:`` in the directive's text, counted from its first."""
    for row, text in enumerate(str(directive.block_text).splitlines()):
        if row and text.strip().startswith(f":{option}:"):
            return row
    return 0


def _refused_role(quiet: bool) -> Callable[..., tuple[list[nodes.Node], list[nodes.system_message]]]:
    def role(name: str, rawtext: str, text: str, lineno: int, inliner: Any, options: Any = None,
             content: Sequence[str] = ()) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        if not quiet:
            source, line = inliner.reporter.get_source_and_line(lineno)
            rule, message = rst_policy.role_refusal(name, rst_policy.role_verdict(name))
            _warn(rule, message, f"{source}:{line}")
        return [nodes.Text(text)], []

    return role


@contextlib.contextmanager
def doc_comment_parsing(state: Any, extra_allowed: frozenset[str], default_role: Callable[..., Any],
                        quiet: bool = False, quiet_docutils: bool = False) -> Iterator[None]:
    """Parse (with ``state``) under :mod:`qapidoc.rst_policy`: raw output
    and file insertion off, only the directives and roles it allows (plus
    ``extra_allowed`` directives), `` `Name` `` as ``default_role``.

    ``quiet``: ``qapidoc lint`` reports the refusals (its findings are
    shown), so the build does not report them again; ``quiet_docutils``:
    nor docutils' own messages."""
    settings = state.document.settings
    reporter = state.document.reporter
    report_level = reporter.report_level
    if quiet_docutils:
        reporter.report_level = 5
    saved = (getattr(settings, "raw_enabled", True), getattr(settings, "file_insertion_enabled", True))
    settings.raw_enabled = False
    settings.file_insertion_enabled = False
    lookup_directive = directives.directive
    lookup_role = roles.role
    saved_default = roles._roles.get("")
    refused_role = _refused_role(quiet)

    def directive(name: str, language: Any, document: Any) -> tuple[Any, list[Any]]:
        verdict = rst_policy.directive_verdict(name, extra_allowed)
        if verdict is not Verdict.ALLOWED and not _directive_line_generated():
            return _refused_directive(name, verdict, quiet), []
        found: tuple[Any, list[Any]] = lookup_directive(name, language, document)
        cls, messages = found
        if cls is not None and name.lower() in rst_policy.OPTION_LIMITS:
            cls = _bounded(cls, name, quiet)
        return cls, messages

    def role(name: str, language: Any, lineno: int, reporter: Any) -> tuple[Any, list[Any]]:
        if name and rst_policy.role_verdict(name) is not Verdict.ALLOWED:      # ('': `Name`)
            return refused_role, []
        found: tuple[Any, list[Any]] = lookup_role(name, language, lineno, reporter)
        return found

    directives.directive = directive
    roles.role = role
    roles._roles[""] = default_role
    try:
        yield
    finally:
        directives.directive = lookup_directive
        roles.role = lookup_role
        if saved_default is None:
            roles._roles.pop("", None)
        else:
            roles._roles[""] = saved_default
        settings.raw_enabled, settings.file_insertion_enabled = saved
        reporter.report_level = report_level


# --- 2. links a doc comment defines -------------------------------------------------

def report_links(parsed: Iterable[nodes.Node], content: StringList) -> None:
    """Report each link target and embedded URL in ``parsed``, freshly
    parsed doc text (from ``content``), whose URL the policy refuses, at
    its line (the refusal itself happens on the finished page:
    :func:`neutralise_urls`).  A URL written as plain text, which docutils
    links by itself, is shown as the text it is and not reported."""
    after = 0       # targets are found in order: each is looked for after the last
    for top in parsed:
        if not isinstance(top, nodes.Element):
            continue
        for node in top.findall(_has_refuri):
            uri = str(node["refuri"])
            problem = rst_policy.uri_problem(uri)
            if problem is None:
                continue
            if isinstance(node, nodes.target):
                if isinstance(node.parent, nodes.TextElement):
                    continue            # made for an embedded URL: reported with its reference
                location, after = _target_line(node, content, after)
            elif _standalone(node):
                continue
            else:
                location = _line_of(node)
            _warn(rules_mod.RST_UNSAFE_LINK, rst_policy.link_refusal(uri, problem), location)


def _target_line(node: nodes.Element, content: StringList, after: int) -> tuple[str, int]:
    """``source:line`` of a link target (docutils gives targets no line:
    found by its first line of text in the parsed lines, from index
    ``after`` on), and the index to go on from."""
    first = str(node.rawsource).strip().split("\n", 1)[0].strip()
    if first:
        for index in range(after, len(content)):
            if content[index].strip().endswith(first):
                source, offset = content.info(index)
                return f"{source}:{(offset or 0) + 1}", index + 1
    return _line_of(node), after


def _has_refuri(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and "refuri" in node.attributes


def _standalone(node: nodes.Element) -> bool:
    """A URL docutils found in running text (its text is the URL)."""
    text = node.astext()
    uri = str(node.get("refuri", ""))
    return not node.get("name") and not node.get("anonymous") and uri in (text, f"mailto:{text}")


def _line_of(node: nodes.Element) -> str:
    """``source:line`` of ``node``; for an inline node, the line of its
    paragraph that holds it (docutils gives the paragraph's first)."""
    source, line = get_source_line(node)
    paragraph = node.parent
    while paragraph is not None and not isinstance(paragraph, nodes.TextElement):
        paragraph = paragraph.parent
    raw = getattr(node, "rawsource", "")
    if line and paragraph is not None and raw and isinstance(paragraph.rawsource, str):
        at = paragraph.rawsource.find(raw)
        if at > 0:
            line += paragraph.rawsource.count("\n", 0, at)
    return f"{source}:{line}"


# --- 3. the finished page -------------------------------------------------------------

def neutralise_urls(doctree: nodes.Node, whole: bool, from_doc_comment: Callable[[str | None], bool],
                    quiet: Callable[[str | None], bool]) -> int:
    """Remove every URL the policy refuses from ``doctree`` (all of it if
    ``whole``, else the nodes ``from_doc_comment`` by their source file):
    links become their text, images their alternative text.  A refusal not
    reported before (``quiet`` says, by source file) is reported here.
    Returns how many were removed."""
    removed = 0
    for node in list(doctree.findall(_has_url)):
        source = get_source_line(node)[0]
        if not whole and not from_doc_comment(source):
            continue
        for attribute in ("refuri", "uri"):
            uri = node.get(attribute)
            if uri is None:
                continue
            problem = rst_policy.uri_problem(str(uri))
            if problem is None:
                continue
            removed += 1
            if not quiet(source):
                _warn(rules_mod.RST_UNSAFE_LINK, rst_policy.link_refusal(str(uri), problem), _line_of(node))
            _replace(node, attribute)
            break
        else:
            candidates = node.get("candidates")
            if isinstance(candidates, dict) and any(rst_policy.uri_problem(str(v)) for v in candidates.values()):
                removed += 1
                _replace(node, "uri")
    return removed


def _has_url(node: nodes.Node) -> bool:
    if not isinstance(node, nodes.Element):
        return False
    attributes = node.attributes
    return "refuri" in attributes or "uri" in attributes or "candidates" in attributes


def _replace(node: nodes.Element, attribute: str) -> None:
    if isinstance(node, nodes.image):
        alt = str(node.get("alt", ""))
        node.replace_self(nodes.inline(alt, alt))
    elif isinstance(node, (nodes.target, nodes.Invisible)) or not isinstance(node, nodes.TextElement):
        del node[attribute]
    else:
        node.replace_self(nodes.inline(node.rawsource, "", *node.children, classes=["qapi-refused-link"]))


# --- namespaces -----------------------------------------------------------------------

_NAMESPACE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")


def namespace_problem(text: str) -> str | None:
    """Why ``text`` is not a namespace, or None.  A namespace names
    anchors, indices and output files: an identifier of a letter, then
    up to 31 letters, digits, '-' and '_'."""
    if _NAMESPACE.fullmatch(text):
        return None
    shown = text if len(text) <= 40 else text[:37] + "..."
    return (f"{shown!r} is not a namespace: a namespace is an identifier (a letter, then up to 31 letters, "
            "digits, '-' and '_')")
