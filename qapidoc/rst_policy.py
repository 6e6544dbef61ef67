"""What the reStructuredText of a doc comment may do: the one list both
``qapidoc lint`` and the Sphinx extension apply.

Doc comments come from whoever sends a patch to a schema; the manual built
from them is read in browsers.  So a doc comment may format text, show code
and examples, and link to web pages, and nothing else: it may not read
files, insert raw markup, run script in the reader's browser, make the build
allocate without bound, or use the extension's own directives (they read
schema files and write pages).

* :data:`ALLOWED_DIRECTIVES` and :data:`ALLOWED_ROLES`: what doc comments may
  use (a project adds directives with ``qapidoc_allowed_directives``, except
  those in :data:`NEVER_DIRECTIVES`);
* :data:`FILE_DIRECTIVES`: directives that read files, fetch URLs or insert
  raw markup (QD606);
* everything else a Sphinx project knows is refused (QD608 for directives,
  QD609 for roles); names nobody knows are typos (QD602, QD603);
* :func:`option_problem`: the options of allowed directives whose value
  sizes what the build makes (QD610);
* :func:`uri_problem`: a link may lead to ``http``, ``https`` and
  ``mailto`` URLs and to relative references, nothing else (QD611).

``qapidoc lint`` applies this to the raw doc lines; the extension applies it
while docutils parses them, and checks every URL of the finished pages
again.  Both import this module and nothing else decides.  Pure data and
functions: no docutils, no Sphinx.
"""

from __future__ import annotations

import enum
import html
import re
import unicodedata
from collections.abc import Iterable

from . import rules
from .rules import Rule

__all__ = [
    "ALLOWED_DIRECTIVES", "ALLOWED_ROLES", "ALLOWED_ROLE_PREFIXES", "EXAMPLE_DIRECTIVES",
    "EXTENSION_DIRECTIVES", "FILE_DIRECTIVES", "KNOWN_DIRECTIVES", "KNOWN_ROLES", "NEVER_DIRECTIVES",
    "OPTION_LIMITS", "SAFE_URI_SCHEMES", "Verdict", "directive_refusal", "directive_verdict", "link_refusal",
    "option_problem", "option_refusal", "role_refusal", "role_verdict", "uri_problem",
]


class Verdict(enum.Enum):
    """What a doc comment's use of a directive or role gets."""

    #: rendered
    ALLOWED = "allowed"
    #: reads files, fetches URLs or inserts raw markup (QD606)
    UNSAFE = "unsafe"
    #: known to Sphinx, but not for doc comments (QD608, QD609)
    REFUSED = "refused"
    #: nobody knows it: a typo (QD602, QD603)
    UNKNOWN = "unknown"


#: the directives of QMP examples, the doc comment's own syntax (``qapi:example``
#: is the name the extension gives ``qmp-example`` where QEMU's extension
#: holds the short one)
EXAMPLE_DIRECTIVES = frozenset({"qmp-example", "qapi:example"})

#: directives a doc comment may use: formatting, admonitions, code, tables
ALLOWED_DIRECTIVES = frozenset({
    # docutils
    "note", "warning", "tip", "hint", "important", "caution", "danger", "error", "attention", "admonition",
    "code", "parsed-literal", "line-block", "rubric", "topic", "sidebar", "container", "compound", "table",
    "list-table", "epigraph", "highlights", "pull-quote", "class",
    # Sphinx
    "seealso", "code-block", "sourcecode", "versionadded", "versionchanged", "versionremoved",
    "version-added", "version-changed", "version-removed", "version-deprecated", "deprecated", "index",
    "centered", "hlist", "todo", "glossary",
}) | EXAMPLE_DIRECTIVES

#: directives that read files, fetch URLs or insert raw markup
FILE_DIRECTIVES = frozenset({
    "raw", "include", "literalinclude", "image", "figure", "csv-table",
    # the extension's: they read schema files (and the first writes pages)
    "qapi-doc", "qapi:schema", "qapi-definition", "qapi:definition",
})

#: the directives qapidoc_sphinx registers (its domain's and the global names)
EXTENSION_DIRECTIVES = frozenset({
    "qapi-doc", "qapi-definition", "qmp-example", "qapi-changelog",
    *(f"qapi:{name}" for name in (
        "schema", "definition", "example", "namespace", "module", "command", "event", "enum", "struct",
        "union", "alternate", "builtin", "members", "member", "feature", "branch", "pointer", "returns", "changelog",
        "errors")),
})

#: never allowed, not even by a project's configuration
NEVER_DIRECTIVES = FILE_DIRECTIVES | (EXTENSION_DIRECTIVES - EXAMPLE_DIRECTIVES)

#: every directive of docutils, Sphinx and QEMU's and qapidoc's extensions
#: (a name outside this set is a typo)
KNOWN_DIRECTIVES = frozenset({
    # docutils
    "admonition", "attention", "caution", "danger", "error", "hint", "important", "note", "tip",
    "warning", "image", "figure", "topic", "sidebar", "line-block", "parsed-literal", "code",
    "code-block", "sourcecode", "math", "rubric", "epigraph", "highlights", "pull-quote", "compound",
    "container", "table", "csv-table", "list-table", "contents", "sectnum", "section-numbering",
    "header", "footer", "target-notes", "meta", "replace", "unicode", "date", "class", "role",
    "default-role", "title", "raw", "include",
    # Sphinx
    "toctree", "seealso", "versionadded", "versionchanged", "versionremoved", "version-added",
    "version-changed", "version-removed", "version-deprecated", "deprecated", "centered", "hlist",
    "only", "index", "glossary", "productionlist", "highlight", "tabularcolumns", "rst-class",
    "cssclass", "todo", "todolist", "acks", "sectionauthor", "moduleauthor", "codeauthor", "describe",
    "object", "literalinclude", "default-domain", "program", "option", "envvar", "cmdoption", "confval",
    # QEMU's QAPI extension, and qapidoc's
    "qapi:namespace", "qapi:module", "qapi:command", "qapi:event", "qapi:enum", "qapi:object",
    "qapi:alternate",
}) | ALLOWED_DIRECTIVES | EXTENSION_DIRECTIVES

#: roles a doc comment may use: inline markup and references
ALLOWED_ROLES = frozenset({
    # docutils
    "emphasis", "literal", "code", "strong", "subscript", "sub", "superscript", "sup", "title-reference",
    "title", "t", "abbreviation", "ab", "acronym", "ac", "pep-reference", "pep", "rfc-reference", "rfc",
    # Sphinx
    "any", "ref", "doc", "numref", "keyword", "option", "envvar", "term", "token", "command", "dfn", "file",
    "guilabel", "kbd", "mailheader", "makevar", "manpage", "menuselection", "mimetype", "newsfeed",
    "newsgroup", "program", "regexp", "samp", "abbr", "index", "eq", "cve", "cwe", "math:numref",
})
#: domains whose roles are all references (``:qapi:cmd:``, ``:py:func:``)
ALLOWED_ROLE_PREFIXES = ("qapi:", "std:", "py:", "c:", "cpp:", "js:", "rst:")

#: every role of docutils and Sphinx (a name outside it, and outside the
#: domains above, is a typo)
KNOWN_ROLES = ALLOWED_ROLES | frozenset({
    # refused: 'raw' inserts markup, 'download' copies a file into the
    # output, 'math' is TeX that MathJax turns into links and styles
    "raw", "download", "math",
})

#: per directive, the options whose value sizes what the build makes
#: (``:emphasize-lines: 1-300000000`` is a list of 300 million numbers),
#: and the largest value allowed
OPTION_LIMITS: dict[str, dict[str, int]] = {
    "code-block": {"emphasize-lines": 10_000},
    "sourcecode": {"emphasize-lines": 10_000},
    "code": {"emphasize-lines": 10_000},
    "hlist": {"columns": 12},
}

#: link schemes a doc comment may use
SAFE_URI_SCHEMES = frozenset({"http", "https", "mailto"})


def directive_verdict(name: str, extra_allowed: Iterable[str] = ()) -> Verdict:
    """What a doc comment's ``.. name::`` gets (``extra_allowed``: a
    project's additions, never those of :data:`NEVER_DIRECTIVES`)."""
    key = name.lower()
    if key in FILE_DIRECTIVES:
        return Verdict.UNSAFE
    if key in ALLOWED_DIRECTIVES or (key in extra_allowed and key not in NEVER_DIRECTIVES):
        return Verdict.ALLOWED
    if key in KNOWN_DIRECTIVES or key.startswith("qapi:") or ":" in key:
        # (``py:function`` and the like: another domain's description)
        return Verdict.REFUSED
    return Verdict.UNKNOWN


def role_verdict(name: str) -> Verdict:
    """What a doc comment's ``:name:`text``` gets."""
    key = name.lower()
    if key in ALLOWED_ROLES or key.startswith(ALLOWED_ROLE_PREFIXES):
        return Verdict.ALLOWED
    if key in KNOWN_ROLES:
        return Verdict.REFUSED
    return Verdict.UNKNOWN


_NUMBER = re.compile(r"\d+")


def _exceeds(digits: str, limit: int) -> bool:
    digits = digits.lstrip("0") or "0"
    # (compared by length first: int() of a long digit string is slow, and
    # refused beyond 4300 digits)
    return len(digits) > len(str(limit)) or int(digits) > limit


def option_problem(directive: str, option: str, value: str) -> str | None:
    """Why ``:option: value`` of ``directive`` is refused, or None."""
    limit = OPTION_LIMITS.get(directive.lower(), {}).get(option.lower())
    if limit is None:
        return None
    for m in _NUMBER.finditer(str(value)):
        if _exceeds(m.group(0), limit):
            return f"':{option}: {_clip(str(value))}' of '{directive}' asks for more than {limit:,}"
    return None


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def uri_problem(uri: str) -> str | None:
    """Why a link to ``uri`` is refused, or None for ``http``, ``https``,
    ``mailto`` and relative references.

    The URI is read as a browser reads it (surrounding spaces and control
    characters dropped, tabs and newlines removed anywhere, case ignored),
    and also with HTML character references decoded; either reading must
    be safe.  Beyond the scheme: a reference that starts with two slashes
    (``//host``, with either slash) leads to another host; one with a colon
    before its first ``/``, ``?`` or ``#`` has a scheme no browser should
    try; control characters and spaces have no place in a URL.
    """
    for text in dict.fromkeys((uri, html.unescape(uri))):
        problem = _problem(text)
        if problem is not None:
            return problem
    return None


def _problem(uri: str) -> str | None:
    text = _TAB_OR_NEWLINE.sub("", uri.strip(_C0_OR_SPACE))
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or unicodedata.category(c) == "Cf" for c in text):
        return "it holds control characters"
    m = _SCHEME.match(text)
    if m:
        scheme = m.group(1).lower()
        return None if scheme in SAFE_URI_SCHEMES else f"its scheme '{scheme}:' is not http, https or mailto"
    if text[:2].replace("\\", "/") == "//":
        return "it leads to another host without saying how ('//host')"
    head = re.split(r"[/?#]", text, maxsplit=1)[0]
    if ":" in head:
        return f"'{_clip(head.split(':', 1)[0], 20)}:' looks like a scheme, and it is not http, https or mailto"
    return None


# --- what lint and the manual say ---------------------------------------------------

def directive_refusal(name: str, verdict: Verdict) -> tuple[Rule, str]:
    """The rule and message for a doc comment's ``.. name::`` that is not
    allowed (``verdict`` is not ALLOWED)."""
    if verdict is Verdict.UNSAFE:
        return rules.RST_UNSAFE, (f"'.. {name}::' reads files or inserts raw markup; doc comments may not "
                                  "(the manual leaves it out)")
    if verdict is Verdict.UNKNOWN:
        return rules.RST_UNKNOWN_DIRECTIVE, f"unknown directive '{name}': the QMP manual does not know it"
    key = name.lower()
    whose = ("the Sphinx extension's own directive" if key in EXTENSION_DIRECTIVES or key.startswith("qapi:")
             else "not a directive doc comments may use")
    return rules.RST_DIRECTIVE_REFUSED, (f"'.. {name}::' is {whose}: the manual leaves it out "
                                         "(qapidoc_allowed_directives adds directives)")


_ROLE_REASONS = {"download": "it copies a file into the manual", "raw": "it inserts raw markup",
                 "math": "MathJax turns its TeX into links and styles"}


def role_refusal(name: str, verdict: Verdict = Verdict.REFUSED) -> tuple[Rule, str]:
    """The rule and message for a doc comment's ``:name:`` that is not
    allowed."""
    if verdict is Verdict.UNKNOWN:
        return rules.RST_UNKNOWN_ROLE, f"unknown role ':{name}:': the manual shows its text"
    why = _ROLE_REASONS.get(name.lower(), "doc comments may not use it")
    return rules.RST_ROLE_REFUSED, f"role ':{name}:' refused: {why}; the manual shows its text"


def option_refusal(problem: str) -> str:
    return f"{problem}: the manual leaves the directive out"


def link_refusal(uri: str, problem: str) -> str:
    shown = uri if len(uri) <= 60 else uri[:57] + "..."
    return f"link to '{shown}' refused: {problem}; the manual shows the link's text only"
