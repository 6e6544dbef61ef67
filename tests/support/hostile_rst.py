"""Generated hostile doc-comment rST, and the checks of what a build made of it.

:func:`doc_comments` is a hypothesis strategy for lists of doc comments
built from directives (allowed, refused, the extension's own, file
readers, unknown), their options (with paths, URLs and large numbers),
roles, link targets, references and URL tricks, written at the start of
lines, in list items, field bodies and substitution definitions.
:func:`write_schema` makes a schema of them.

:func:`attribute_problems` reads every attribute of every HTML file of a
build (with Python's HTML parser, which decodes character references as a
browser does) and lists those a browser would follow to script, a local
file or another host.
"""

from __future__ import annotations

import html.parser
import pathlib
import re

from hypothesis import strategies as st

from qapidoc import rst_policy

__all__ = ["URL_ATTRIBUTES", "attribute_problems", "doc_comments", "write_schema"]

#: attributes whose value a browser loads or follows
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "background", "cite", "xlink:href",
                  "srcset", "ping", "manifest", "longdesc", "codebase", "usemap", "lowsrc", "dynsrc"}
_SCRIPTISH = re.compile(r"^(?:javascript|vbscript|livescript|mocha|data|file|blob):", re.IGNORECASE)


class _Attributes(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            self.found.append((tag, name, value or ""))


def attributes(text: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) of every start tag of ``text``."""
    parser = _Attributes()
    parser.feed(text)
    return parser.found


def attribute_problems(outdir: pathlib.Path) -> list[str]:
    """Every attribute of every HTML file under ``outdir`` that a browser
    would follow to script, a local file or another host without a scheme
    (a reading independent of rst_policy, then rst_policy's)."""
    problems = []
    for page in sorted(outdir.rglob("*.html")):
        for tag, name, value in attributes(page.read_text(errors="replace")):
            plain = re.sub(r"[\x00-\x20]", "", value)
            scriptish = bool(_SCRIPTISH.match(plain) or re.match(r"^[/\\]{2}", plain))
            if scriptish or (name.lower() in URL_ATTRIBUTES and rst_policy.uri_problem(value) is not None):
                problems.append(f"{page.name}: <{tag} {name}={value!r}>")
    return problems


# --- generated doc comments ---------------------------------------------------------------

def _mixed_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True)))


_SCHEMES = ["javascript", "vbscript", "data", "file", "about", "blob", "ftp", "http", "https", "mailto"]
_PAYLOADS = ["alert(1)", "text/html,<script>alert(1)</script>", "///etc/passwd", "//example.org/x",
             "qemu-devel@nongnu.org", "void(0)"]
_TRICKS = ["{s}:{p}", "{s}&#58;{p}", "&#x{h};{t}:{p}", "{a}&#9;{b}:{p}", "{a}&#x0A;{b}:{p}", "//evil.example/{p}",
           "\\\\\\\\evil.example/x", "/\\\\evil.example", "{s}\\:{p}", "%{hh}{t}:{p}", "page.html#{s}:{p}",
           "../up/page.html", "other.html", "#anchor", "{s}:{p}"]


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(_SCHEMES).flatmap(_mixed_case))
    payload = draw(st.sampled_from(_PAYLOADS))
    trick = draw(st.sampled_from(_TRICKS))
    half = len(scheme) // 2
    return trick.format(s=scheme, p=payload, h=f"{ord(scheme[0]):x}", t=scheme[1:], a=scheme[:half],
                        b=scheme[half:], hh=f"{ord(scheme[0]):02X}")


def _paths(secret: pathlib.Path, schema: pathlib.Path) -> st.SearchStrategy[str]:
    return st.sampled_from([str(secret), "../outside/secret.txt", "../../outside/secret.txt", str(schema),
                            "/etc/passwd", "hostile.json", str(secret.parent)])


_DIRECTIVES = sorted(rst_policy.ALLOWED_DIRECTIVES | rst_policy.FILE_DIRECTIVES | rst_policy.EXTENSION_DIRECTIVES
                     | {"toctree", "only", "math", "meta", "role", "default-role", "highlight", "py:function",
                        "QAPI:SCHEMA", "Raw", "qapi-doc", "nonesuch", "literalinclude", "todolist",
                        "default-domain", "title"})
_OPTIONS = ["file", "url", "namespace", "target", "emphasize-lines", "columns", "split-dir", "schema",
            "caption", "title", "class", "name", "encoding", "start-line", "literal", "parser", "annotated",
            "alt", "lineno-start", "dedent", "header-rows", "widths", "part", "split", "modules", "glob"]
_ROLES = ["download", "raw", "math", "ref", "doc", "any", "qapi:cmd", "file", "abbr", "rfc", "pep", "nonesuch",
          "DOWNLOAD", "std:download", "eq", "numref", "manpage", "title-reference"]


def _values(secret: pathlib.Path, schema: pathlib.Path) -> st.SearchStrategy[str]:
    return st.one_of(_paths(secret, schema), urls(),
                     st.sampled_from(["1-300000000", "30000000", "9" * 60, "1", "../../escape",
                                      "<script>alert(1)</script>", "section", "html", "utf-8"]))


@st.composite
def _directive(draw: st.DrawFn, secret: pathlib.Path, schema: pathlib.Path) -> list[str]:
    name = draw(st.sampled_from(_DIRECTIVES))
    argument = draw(st.one_of(st.just(""), _paths(secret, schema), urls(), st.just("text")))
    lead = draw(st.sampled_from(["", "- ", ":field: ", "1. ", "SUBST"]))
    if lead == "SUBST":
        first = f".. |sub{draw(st.integers(0, 9))}| {name}:: {argument}".rstrip()
    else:
        first = f"{lead}.. {name}:: {argument}".rstrip()
    indent = " " * (len(lead) + 3 if lead != "SUBST" else 3)
    options = draw(st.lists(st.tuples(st.sampled_from(_OPTIONS), _values(secret, schema)), max_size=3))
    lines = [first, *(f"{indent}:{key}: {value}" for key, value in options)]
    if draw(st.booleans()):
        lines += ["", f"{indent}body {draw(urls())}", f"{indent}* item"]
    return lines


@st.composite
def _inline(draw: st.DrawFn, secret: pathlib.Path, schema: pathlib.Path) -> list[str]:
    kind = draw(st.sampled_from(["role", "embedded", "anonymous", "named", "bare", "continued"]))
    url = draw(urls())
    if kind == "role":
        role = draw(st.sampled_from(_ROLES))
        target = draw(st.one_of(_paths(secret, schema), st.just(url)))
        return [f"See :{role}:`text <{target}>` here."]
    if kind == "embedded":
        return [f"See `text <{url}>`_ here."]
    if kind == "anonymous":
        return ["See `this`__.", "", draw(st.sampled_from(["__ ", ".. __: "])) + url]
    if kind == "named":
        name = f"n{draw(st.integers(0, 99))}"
        return [f"See `{name}`_.", "", f".. _{name}: {url}"]
    if kind == "continued":
        name = f"c{draw(st.integers(0, 99))}"
        cut = draw(st.integers(1, max(1, len(url) - 1)))
        return [f"See `{name}`_.", "", f".. _{name}: {url[:cut]}", f"   {url[cut:]}"]
    return [f"Bare {url} text."]


@st.composite
def _comment(draw: st.DrawFn, secret: pathlib.Path, schema: pathlib.Path) -> list[str]:
    blocks = draw(st.lists(st.one_of(_directive(secret, schema), _inline(secret, schema)), min_size=1,
                           max_size=4))
    lines: list[str] = []
    for block in blocks:
        lines += [*block, ""]
    return lines[:-1]


def doc_comments(secret: pathlib.Path, schema: pathlib.Path) -> st.SearchStrategy[list[list[str]]]:
    """Lists of doc comments (each a list of lines, without ``# ``)."""
    return st.lists(_comment(secret, schema), min_size=8, max_size=20)


def write_schema(path: pathlib.Path, comments: list[list[str]]) -> None:
    lines: list[str] = []
    for index, comment in enumerate(comments):
        lines += ["##", f"# @Fuzz{index}:", "#", *(f"# {text}".rstrip() for text in comment), "##",
                  f"{{ 'struct': 'Fuzz{index}', 'data': {{}} }}", ""]
    path.write_text("\n".join(lines))
