"""Issue 10, class 1: doc comments cannot run script or read files in the manual.

Each reproducer of the issue, and its neighbours, is one doc comment of a
hostile schema built by real ``sphinx-build`` runs (lint on, and lint off so
that the extension reports by itself), then:

* no attribute of any HTML file carries a script URL, a link to another
  host without a scheme, or a local file; nothing of a file outside the
  project reaches the output, and nothing is written outside it;
* every refusal is reported once, at its line of the ``.json``, with the
  code ``qapidoc lint`` gives it; the manual's warnings are exactly lint's
  findings, and the extension on its own finds the same;
* what doc comments may use still renders.

The policy itself (:mod:`qapidoc.rst_policy`) is checked against the live
registries of docutils and Sphinx: every directive the extension registers
is refused, and every option of every allowed directive is either bounded
or reviewed.
"""

from __future__ import annotations

import html
import html.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass

import pytest
from support.cdp import Browser
from support.hostile_rst import attribute_problems, attributes
from support.sphinx_projects import run_sphinx, small_project, warnings_of

from qapidoc import rst_policy

# --- the policy, as data ----------------------------------------------------------

SAFE_URIS = [
    "https://www.qemu.org/docs/", "http://example.org", "HTTPS://EXAMPLE.ORG", "mailto:qemu-devel@nongnu.org",
    "page.html", "page.html#anchor", "#anchor", "../up/page.html", "/absolute/path", "a/b:c", "?q=1",
    "page.html#javascript:alert(1)", "java&amp;script", "#a fragment with spaces",
]
UNSAFE_URIS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\x01javascript:alert(1)",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "java&#9;script:alert(1)", "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD4=", "file:///etc/passwd", "ftp://example.org/", "about:blank",
    "//evil.example/x", "\\\\evil.example\\x", "/\\evil.example", "\\/evil.example", "ｊavascript:alert(1)",
    "%6Aavascript:alert(1)", "page\x00.html", "java\u200bscript:alert(1)", "blob:https://example.org/uuid",
]


@pytest.mark.parametrize("uri", SAFE_URIS)
def test_safe_uris(uri: str) -> None:
    assert rst_policy.uri_problem(uri) is None


@pytest.mark.parametrize("uri", UNSAFE_URIS)
def test_unsafe_uris(uri: str) -> None:
    assert rst_policy.uri_problem(uri) is not None


def test_the_policy_never_allows_what_reads_files_or_is_the_extensions() -> None:
    assert not rst_policy.ALLOWED_DIRECTIVES & rst_policy.NEVER_DIRECTIVES
    for name in rst_policy.NEVER_DIRECTIVES:
        assert rst_policy.directive_verdict(name, extra_allowed=[name]) is not rst_policy.Verdict.ALLOWED
    assert rst_policy.directive_verdict("NOTE") is rst_policy.Verdict.ALLOWED        # names are case-blind
    assert rst_policy.directive_verdict("qapi:nonesuch") is rst_policy.Verdict.REFUSED
    assert rst_policy.directive_verdict("qmp-exmaple") is rst_policy.Verdict.UNKNOWN
    assert rst_policy.role_verdict("Download") is rst_policy.Verdict.REFUSED
    assert rst_policy.role_verdict("qapi:cmd") is rst_policy.Verdict.ALLOWED


def test_option_limits_are_numbers_not_text() -> None:
    assert rst_policy.option_problem("code-block", "emphasize-lines", "1-3,7") is None
    assert rst_policy.option_problem("code-block", "emphasize-lines", "1-300000000") is not None
    assert rst_policy.option_problem("CODE-BLOCK", "emphasize-lines", "9" * 100_000) is not None   # no int()
    assert rst_policy.option_problem("hlist", "columns", "3") is None
    assert rst_policy.option_problem("hlist", "columns", "30000000") is not None
    assert rst_policy.option_problem("note", "class", "99999999999") is None


REGISTRY_PROBE = r"""
import json, sys, tempfile
from sphinx.application import Sphinx
from docutils.parsers.rst import directives
from docutils.parsers.rst.languages import en
d = tempfile.mkdtemp()
open(d + "/conf.py", "w").write("extensions = ['qapidoc_sphinx', 'sphinx.ext.todo']\n")
open(d + "/index.rst", "w").write("x\n=\n")
app = Sphinx(d, d, d + "/_build", d + "/_doctrees", "html", status=None, warning=None)
ours = sorted(f"qapi:{n}" for n in app.registry.domain_directives.get("qapi", {}))
ours += sorted(n for n, cls in directives._directives.items()
               if getattr(cls, "__module__", "").startswith("qapidoc_sphinx"))
domain = app.env.get_domain("qapi")
ours += sorted(f"qapi:{n}" for n in domain.directives)
options = {}
for name in sys.argv[1:]:
    cls = directives._directives.get(name)
    if cls is None and name in directives._directive_registry:
        cls, _ = directives.directive(name, en, None)
    for domain_name in ("std", "qapi"):
        if cls is None:
            cls = app.env.get_domain(domain_name).directives.get(name.partition(":")[2] or name)
    if cls is None:
        continue
    options[name] = sorted((getattr(cls, "option_spec", None) or {}))
print(json.dumps({"extension": sorted(set(ours)), "options": options}))
"""


@pytest.fixture(scope="module")
def registry() -> dict[str, object]:
    """What a real Sphinx application with the extension registers."""
    proc = subprocess.run([sys.executable, "-c", REGISTRY_PROBE, *sorted(rst_policy.ALLOWED_DIRECTIVES)],
                          capture_output=True, text=True, check=True)
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def test_every_directive_of_the_extension_is_refused_in_doc_comments(registry: dict[str, object]) -> None:
    ours = registry["extension"]
    assert isinstance(ours, list) and {"qapi-doc", "qapi:schema", "qapi:command", "qapi:members"} <= set(ours)
    for name in ours:
        verdict = rst_policy.directive_verdict(name)
        if name in rst_policy.EXAMPLE_DIRECTIVES:
            assert verdict is rst_policy.Verdict.ALLOWED        # the doc comment's own example syntax
        else:
            assert verdict in (rst_policy.Verdict.UNSAFE, rst_policy.Verdict.REFUSED), name
    assert set(ours) <= rst_policy.EXTENSION_DIRECTIVES | {"qapi:object"}


#: options of allowed directives that size nothing the build allocates
#: (reviewed one by one; a new option of a new docutils or Sphinx shows up
#: here and must be reviewed, or bounded in rst_policy.OPTION_LIMITS)
REVIEWED_OPTIONS = {
    "class": "class names, copied to the HTML",
    "name": "a target name",
    "collapsible": "open or closed",
    "force": "a flag",
    "linenos": "a flag",
    "dedent": "characters cut from each line: nothing allocated",
    "lineno-start": "the first number printed; one number per content line",
    "number-lines": "the first number printed; one number per content line",
    "caption": "text, parsed like any doc text",
    "header-rows": "compared with the rows written, error beyond",
    "stub-columns": "compared with the columns written, error beyond",
    "width": "a length, copied to the HTML",
    "widths": "one number per column written",
    "align": "a choice",
    "subtitle": "text",
    "heading-level": "1 to 6",
    "title": "text",
    "annotated": "a flag",
    "plural": "a flag",
    "sorted": "a flag",
}


def test_every_option_of_every_allowed_directive_is_bounded_or_reviewed(registry: dict[str, object]) -> None:
    options = registry["options"]
    assert isinstance(options, dict) and {"code-block", "hlist", "list-table"} <= set(options)
    for directive, names in options.items():
        for option in names:
            bounded = option in rst_policy.OPTION_LIMITS.get(directive, {})
            assert bounded or option in REVIEWED_OPTIONS, f"review ':{option}:' of '{directive}'"


# --- the hostile schema ---------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One doc comment: its lines, and the (line offset, code) of each
    refusal expected in it."""

    name: str
    lines: tuple[str, ...]
    expected: tuple[tuple[int, str], ...] = ()
    #: a free-form doc comment (with headings), not a definition's
    freeform: bool = False
    #: the description of the definition's member ``a``
    member: bool = False


def cases(secret: pathlib.Path, schema: pathlib.Path, extension_directives: list[str]) -> list[Case]:
    out = [
        # links whose target is defined apart from the reference
        Case("named", ("Click `click`_ now.", "", ".. _click: javascript:alert('named')"), ((2, "QD611"),)),
        Case("anonymous", ("Or `this`__.", "", "__ javascript:alert('anon')"), ((2, "QD611"),)),
        Case("anonlong", ("Or `that`__.", "", ".. __: JaVaScRiPt:alert('case')"), ((2, "QD611"),)),
        Case("continued", ("See `split`_.", "", ".. _split: java", "   script:alert('split')"), ((2, "QD611"),)),
        Case("indirect", ("See `chain`_.", "", ".. _chain: hop_", "", ".. _hop: vbscript:msgbox(1)"),
             ((4, "QD611"),)),
        Case("embedded", ("An `emb <javascript:alert('emb')>`_ link.",), ((0, "QD611"),)),
        Case("embedded2", ("Text first,", "then `emb2 <data:text/html;base64,PHNjcmlwdD4=>`__ here."),
             ((1, "QD611"),)),
        Case("entity", ("An `ent <java&#9;script:alert('ent')>`_ link.",), ((0, "QD611"),)),
        Case("file", ("A `local file <file:///etc/passwd>`_.",), ((0, "QD611"),)),
        Case("hostless", ("Another `host <//evil.example/x>`_.",), ((0, "QD611"),)),
        Case("backslashes", ("Another `host <\\\\\\\\evil.example/x>`_.",), ((0, "QD611"),)),
        Case("bare", ("Plain javascript:alert('bare') stays text.",)),
        Case("fine", ("Good: `QEMU <https://www.qemu.org/>`_, `mail <mailto:qemu-devel@nongnu.org>`_,",
                      "`page <other.html>`_.")),
        # the extension's directives
        Case("anyfile", (f".. qapi:schema:: {secret}",), ((0, "QD606"),)),
        Case("itself", (f".. qapi-doc:: {schema}",), ((0, "QD606"),)),
        Case("namespace", (f".. qapi:schema:: {schema}", "   :namespace: ../../escaped"), ((0, "QD606"),)),
        Case("fake", (".. qapi:command:: fake-command", "", "   Not a command."), ((0, "QD608"),)),
        Case("inlist", ("- .. qapi:command:: in-a-list",), ((0, "QD608"),)),
        Case("subst", (f".. |sub| qapi:schema:: {secret}", "", "Use |sub|."), ((0, "QD606"),)),
        Case("heading", (f".. qapi:schema:: {secret}", "=" * 60, "", "Text under it."), ((0, "QD606"),),
             freeform=True),
        Case("row", ("A member.", "", ".. qapi:member:: injected", "   :type: str", "",
                     f".. qapi:schema:: {secret}"), ((2, "QD608"), (5, "QD606")), member=True),
        Case("annotated", (".. qmp-example::", "   :annotated:", "", "   Look:", "", "   .. raw:: html", "",
                           "      <script>alert('annotated')</script>", "", "   .. qapi:command:: inside"),
             ((5, "QD606"), (9, "QD608"))),
        # other directives that read files, insert markup or change the page
        Case("raw", (".. raw:: html", "", "   <script>alert('raw')</script>"), ((0, "QD606"),)),
        Case("include", (f".. include:: {secret}",), ((0, "QD606"),)),
        Case("image", (f".. image:: {secret}", "   :target: javascript:alert('img')"), ((0, "QD606"),)),
        Case("csv", (".. csv-table:: stolen", f"   :file: {secret}"), ((0, "QD606"),)),
        Case("toctree", (".. toctree::", "", "   index"), ((0, "QD608"),)),
        Case("math", (".. math::", "", "   \\href{javascript:alert(1)}{x}"), ((0, "QD608"),)),
        Case("pyfunc", (".. py:function:: f()",), ((0, "QD608"),)),
        # options that size what the build makes
        Case("emphasize", (".. code-block:: text", "   :emphasize-lines: 1-300000000", "", "   x"),
             ((1, "QD610"),)),
        Case("digits", (".. code-block:: text", "   :emphasize-lines: " + "9" * 5000, "", "   x"),
             ((1, "QD610"),)),
        Case("columns", (".. hlist::", "   :columns: 30000000", "", "   * a"), ((1, "QD610"),)),
        # roles
        Case("download", (f":download:`it <{secret}>` is refused.",), ((0, "QD609"),)),
        Case("mathrole", (":math:`\\href{javascript:alert(1)}{x}` too.",), ((0, "QD609"),)),
        # what doc comments may use
        Case("allowed", (".. note:: A note.", "", ".. code-block:: text", "   :emphasize-lines: 1", "",
                         "   NOTHING-WRONG-HERE")),
    ]
    for index, name in enumerate(extension_directives):
        if name not in rst_policy.EXAMPLE_DIRECTIVES:
            verdict = rst_policy.directive_verdict(name)
            code = "QD606" if verdict is rst_policy.Verdict.UNSAFE else "QD608"
            out.append(Case(f"registry{index}", (f".. {name}:: Ours{index}",), ((0, code),)))
    return out


def hostile_schema(path: pathlib.Path, all_cases: list[Case]) -> dict[tuple[int, str], str]:
    """Write the schema; returns the expected refusals: (line, code) -> case."""
    lines: list[str] = []
    expected: dict[tuple[int, str], str] = {}
    for index, case in enumerate(all_cases):
        lines += ["##"] if case.freeform else ["##", f"# @Hostile{index}:", "#"]
        if case.member:
            lines += ["# A struct.", "#", f"# @a: {case.lines[0]}"]
            first = len(lines)
            lines += [f"#     {text}".rstrip() if text else "#" for text in case.lines[1:]]
        else:
            first = len(lines) + 1
            lines += [f"# {text}".rstrip() for text in case.lines]
        data = "{ 'a': 'int' }" if case.member else "{}"
        lines += ["##", ""] if case.freeform else ["##", f"{{ 'struct': 'Hostile{index}', 'data': {data} }}", ""]
        for offset, code in case.expected:
            expected[(first + offset, code)] = case.name
    path.write_text("\n".join(lines))
    return expected


@dataclass(frozen=True)
class Built:
    base: pathlib.Path
    schema: pathlib.Path
    secret: pathlib.Path
    expected: dict[tuple[int, str], str]
    warnings: tuple[str, ...]
    returncode: int
    stderr: str
    before: frozenset[str]

    @property
    def html(self) -> pathlib.Path:
        return self.base / "html"


def _tree(root: pathlib.Path) -> frozenset[str]:
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*"))


def _build(base: pathlib.Path, registry: dict[str, object], lint: bool) -> Built:
    secret = base / "outside" / "secret.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("TOP-SECRET-CONTENT\n")
    schema = base / "src" / "schema" / "hostile.json"
    schema.parent.mkdir(parents=True)
    extension = registry["extension"]
    assert isinstance(extension, list)
    expected = hostile_schema(schema, cases(secret, schema, extension))
    page = "Reference\n=========\n\n.. qapi-doc:: schema/hostile.json\n   :dialect: 10.2\n   :builtins: hide\n"
    conf = "qapidoc_lint = False\n" if not lint else ""
    src = small_project(base / "src", {"ref": page}, conf + "nitpicky = False\n")
    before = _tree(base)
    proc = run_sphinx(src, base / "html", "-b", "html", "-q", "-d", str(base / "doctrees"))
    return Built(base, schema, secret, expected, tuple(warnings_of(proc)), proc.returncode, proc.stderr, before)


@pytest.fixture(scope="module")
def with_lint(tmp_path_factory: pytest.TempPathFactory, registry: dict[str, object]) -> Built:
    return _build(tmp_path_factory.mktemp("hostile-lint"), registry, lint=True)


@pytest.fixture(scope="module")
def without_lint(tmp_path_factory: pytest.TempPathFactory, registry: dict[str, object]) -> Built:
    return _build(tmp_path_factory.mktemp("hostile-nolint"), registry, lint=False)


@pytest.fixture(params=["lint", "nolint"])
def built(request: pytest.FixtureRequest) -> Built:
    value: Built = request.getfixturevalue("with_lint" if request.param == "lint" else "without_lint")
    return value


def refusals(warnings: tuple[str, ...], schema: pathlib.Path) -> list[tuple[int, str]]:
    """(line, code) of each warning about ``schema`` that has a QD6 code."""
    out = []
    for warning in warnings:
        m = re.match(rf"{re.escape(str(schema))}:(\d+): WARNING: .*\[(QD6\d\d)\]", warning)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def test_the_build_completes(built: Built) -> None:
    assert built.returncode == 0, built.stderr[-3000:]
    assert "RecursionError" not in built.stderr and "Traceback" not in built.stderr


def test_no_attribute_carries_a_script_url(built: Built) -> None:
    assert attribute_problems(built.html) == []
    ref = (built.html / "ref.html").read_text()
    for text in ("click", "this", "that", "emb", "emb2", "ent", "local file", "host"):
        assert re.search(rf'class="qapi-refused-link">{re.escape(text)}</span>', ref), text
    text = html.unescape(re.sub(r"<[^>]+>", "", ref))
    assert "Plain javascript:alert('bare') stays text." in text


def test_the_checker_finds_what_it_should(tmp_path: pathlib.Path) -> None:
    """attribute_problems itself, on a page that has every kind of bad URL."""
    page = tmp_path / "bad.html"
    page.write_text('<a href=" JaVa&#x53;cript:alert(1)">a</a><img src="//evil/x"><a href="ftp://x/">f</a>'
                    '<form action="data:text/html,x"></form><a href="https://ok/">ok</a>')
    assert len(attribute_problems(tmp_path)) == 4


def test_nothing_outside_the_project_is_read_or_written(built: Built) -> None:
    files = [p for p in built.html.rglob("*") if p.is_file()]
    assert not any("TOP-SECRET-CONTENT" in p.read_text(errors="replace") for p in files)
    assert not (built.html / "_images").exists() and not (built.html / "_downloads").exists()
    new = _tree(built.base) - built.before
    outside = [p for p in new if not p.startswith(("html", "doctrees"))]
    assert outside == [], outside          # ':namespace: ../../escaped' wrote nothing anywhere
    assert not (built.base.parent / "escaped").exists()
    ref = (built.html / "ref.html").read_text()
    assert "<script>alert" not in ref
    assert ".injected" not in ref and "fake-command" not in ref and "in-a-list" not in ref   # no forged rows


def test_what_doc_comments_may_use_still_renders(built: Built) -> None:
    ref = (built.html / "ref.html").read_text()
    assert "NOTHING-WRONG-HERE" in ref and 'class="admonition note"' in ref
    hrefs = {value for tag, name, value in attributes(ref) if tag == "a" and name == "href"}
    # (Sphinx writes the mail address as character references and %40)
    assert {"https://www.qemu.org/", "mailto:qemu-devel%40nongnu.org", "other.html"} <= hrefs


def test_each_refusal_is_reported_once_at_its_line(built: Built) -> None:
    found = refusals(built.warnings, built.schema)
    assert sorted(found) == sorted(set(found)), "reported twice"
    missing = {key: case for key, case in built.expected.items() if key not in found}
    assert missing == {}
    unexpected = [key for key in found if key not in built.expected]
    assert unexpected == []


def lint_findings(schema: pathlib.Path) -> list[tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-m", "qapidoc.cli", "lint", "--no-config", "--format", "json",
                           str(schema)], capture_output=True, text=True, check=False)
    data = json.loads(proc.stdout)
    items = data.get("diagnostics", data) if isinstance(data, dict) else data
    return sorted((int(d["line"]), d["code"]) for d in items if d["code"].startswith("QD6"))


def test_the_manual_warns_exactly_what_lint_finds(with_lint: Built, without_lint: Built) -> None:
    lint = lint_findings(with_lint.schema)
    assert sorted(refusals(with_lint.warnings, with_lint.schema)) == lint
    # and the extension, with the lint engine off, finds the same by itself
    assert sorted(refusals(without_lint.warnings, without_lint.schema)) == lint_findings(without_lint.schema)


@pytest.mark.skipif(not os.environ.get("QAPIDOC_OLD_SPHINX_PYTHON"),
                    reason="set QAPIDOC_OLD_SPHINX_PYTHON to a Python with Sphinx 6.2 (and qapidoc installed) "
                           "to test the oldest Sphinx supported")
def test_the_oldest_sphinx_refuses_the_same(tmp_path: pathlib.Path, registry: dict[str, object]) -> None:
    """Sphinx 6.2 with docutils 0.19: the same refusals, at the same lines,
    and no script URL."""
    base = tmp_path
    secret = base / "outside" / "secret.txt"
    secret.parent.mkdir(parents=True)
    secret.write_text("TOP-SECRET-CONTENT\n")
    schema = base / "src" / "schema" / "hostile.json"
    schema.parent.mkdir(parents=True)
    extension = registry["extension"]
    assert isinstance(extension, list)
    expected = hostile_schema(schema, cases(secret, schema, extension))
    page = "Reference\n=========\n\n.. qapi-doc:: schema/hostile.json\n   :dialect: 10.2\n   :builtins: hide\n"
    src = small_project(base / "src", {"ref": page}, "qapidoc_lint = False\n")
    proc = run_sphinx(src, base / "html", "-b", "html", "-q", python=os.environ["QAPIDOC_OLD_SPHINX_PYTHON"])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(refusals(tuple(warnings_of(proc)), schema)) == sorted(expected)
    assert attribute_problems(base / "html") == []


# --- namespaces -------------------------------------------------------------------------

NOT_NAMESPACES = ["<script>alert('ns')</script>", "../../outside", "QMP/x", "a b", "x" * 33, "9lives"]


def test_a_namespace_is_an_identifier(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "src" / "s.json"
    schema.parent.mkdir()
    schema.write_text("##\n# @Thing:\n#\n# A thing.\n##\n{ 'struct': 'Thing', 'data': {} }\n")
    pages = {f"p{i}": f"Ref\n===\n\n.. qapi-doc:: s.json\n   :namespace: {ns}\n   :split: section\n"
             for i, ns in enumerate(NOT_NAMESPACES)}
    pages["fine"] = "Ref\n===\n\n.. qapi-doc:: s.json\n   :namespace: QMP-2_x\n"
    src = small_project(tmp_path / "src", pages)
    before = _tree(tmp_path)
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q", "-d", str(tmp_path / "doctrees"))
    assert proc.returncode == 0, proc.stderr
    errors = sorted(w.split(": ERROR:")[0] for w in warnings_of(proc) if "is not a namespace" in w)
    assert errors == [f"{src / f'p{i}.rst'}:4" for i in range(len(NOT_NAMESPACES))], warnings_of(proc)
    assert "<script>alert" not in "".join(p.read_text() for p in (tmp_path / "html").rglob("*.html"))
    new = _tree(tmp_path) - before
    assert all(p.startswith(("html", "doctrees")) for p in new), sorted(new)
    assert 'id="qmp-2_x-type-Thing"' in (tmp_path / "html" / "fine.html").read_text()


def test_lint_config_may_add_directives_but_never_the_unsafe(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(textwrap.dedent("""\
        ##
        # @Thing:
        #
        # .. only:: html
        #
        #    Only here.
        #
        # .. raw:: html
        #
        #    <b>raw</b>
        ##
        { 'struct': 'Thing', 'data': {} }
        """))
    def lint(allowed: str) -> tuple[int, list[dict[str, object]]]:
        (tmp_path / "pyproject.toml").write_text(f"[tool.qapidoc]\nallowed-directives = {allowed}\n")
        proc = subprocess.run([sys.executable, "-m", "qapidoc.cli", "lint", "--format", "json", str(schema)],
                              capture_output=True, text=True, check=False, cwd=tmp_path)
        data = json.loads(proc.stdout)
        return proc.returncode, data.get("diagnostics", data) if isinstance(data, dict) else data

    code, items = lint('["only"]')
    assert code == 1 and sorted((d.get("line"), d["code"]) for d in items) == [(8, "QD606")]
    code, items = lint('["only", "raw"]')      # a configuration mistake: said, and nothing checked
    assert code == 2 and [d["code"] for d in items] == ["QD902"] and "'raw'" in str(items[0]["message"])


# --- a real browser clicks every link ---------------------------------------------------

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.path.exists(p)), None)


def click_every_link(browser: Browser, url: str) -> int:
    """Load ``url`` and click each of its links in turn (the page stays:
    loads of other pages are aborted).  Returns how many were clicked."""
    browser.hold_navigation(False)
    browser.load(url)
    browser.hold_navigation(True)
    count = int(browser.evaluate("document.querySelectorAll('a').length") or 0)
    for index in range(count):
        browser.evaluate(f"document.querySelectorAll('a')[{index}].click()")
        browser.pump(0.05)
    browser.pump(0.5)
    assert str(browser.evaluate("location.href")).partition("#")[0] == url, "a click left the page"
    return count


@pytest.mark.browser
@pytest.mark.slow
def test_a_browser_clicking_every_link_runs_no_script(with_lint: Built, tmp_path: pathlib.Path) -> None:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    browser = Browser(CHROMIUM, str(tmp_path / "profile"))
    try:
        # the harness sees script that a click runs
        control = tmp_path / "control.html"
        control.write_text("<!DOCTYPE html><p><a href=\"#x\">here</a> <a href=\"https://example.invalid/\">"
                           "away</a> <a href=\" JaVaScRiPt:alert('CONTROL')\">bad</a></p>")
        assert click_every_link(browser, control.as_uri()) == 3
        assert browser.dialogs() == ["CONTROL"]
        clicked = click_every_link(browser, (with_lint.html / "ref.html").as_uri())
        assert clicked >= 20
        assert browser.dialogs() == ["CONTROL"]
    finally:
        browser.close()


def test_conf_py_may_add_directives_but_never_the_unsafe(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "src" / "s.json"
    schema.parent.mkdir()
    schema.write_text(textwrap.dedent("""\
        ##
        # @Thing:
        #
        # .. only:: html
        #
        #    ONLY-IN-HTML
        #
        # .. raw:: html
        #
        #    <b>RAW-HTML</b>
        ##
        { 'struct': 'Thing', 'data': {} }
        """))
    src = small_project(tmp_path / "src", {"ref": "Ref\n===\n\n.. qapi-doc:: s.json\n   :builtins: hide\n"},
                        'qapidoc_allowed_directives = ["only", "raw", "qapi:command"]\n')
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING: qapidoc_allowed_directives: qapi:command, raw read files" in proc.stderr
    found = warnings_of(proc)
    assert len(found) == 1 and found[0].startswith(f"{schema}:8: WARNING:") and "[QD606]" in found[0], found
    ref = (tmp_path / "html" / "ref.html").read_text()
    assert "ONLY-IN-HTML" in ref and "RAW-HTML" not in ref
