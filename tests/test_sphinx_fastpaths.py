"""The extension's short cuts give what the long way gives.

* plain paragraphs made without docutils' block parser
  (``qapidoc_sphinx.paragraphs``) are the nodes the block parser makes, and
  text that might be anything else is left to it;
* definition bodies kept out of the doctree while Sphinx reads
  (``qapidoc_sphinx.deferred``) come back whole: the HTML is the same with
  and without, also when another process writes the pages (the text
  builder reusing the doctrees); a body that a reading transform must see
  stays in the doctree;
* what a build leaves is not collected when the process ends (frozen
  at exit), and only then; the generated text is not kept after parsing;
* the HTML of a schema's page is kept to Latin-1 (``qapidoc_sphinx.charrefs``):
  wider characters of text are character references, the same text.
"""

from __future__ import annotations

import pathlib
import pickle
import subprocess
import sys
import textwrap
from typing import Any, ClassVar

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives
from qapidoc_sphinx.paragraphs import make_paragraphs, plain_blocks
from sphinx.util.docutils import switch_source_input
from support.sphinx_projects import run_sphinx, small_project

PLAIN = [
    "One line.",
    "Two lines\nof *emphasis*, **strong**, ``literal`` and `default role`.",
    "A link to `QEMU <https://www.qemu.org>`_ and an escaped \\*star\\*.",
    "First paragraph.\n\nSecond, after a blank line.\n\n\nThird.",
    ":qapi:mref:`name <.name>` at the start of a line, then text.",
    "Not a list:\n- because the paragraph started above",
    "Ends with a colon:",
    "Unicode: caf\u00e9 \u2013 \u00ab quotes \u00bb",
    "A footnote reference [1]_ is inline markup.",
]

NOT_PLAIN = [
    "- a bullet",
    "* a bullet",
    "1. an enumeration",
    "a) an enumeration",
    "(i) an enumeration",
    "#. auto-enumerated",
    ":field: a field list",
    "-o  an option list",
    "--long  an option",
    ">>> doctest",
    "| a line block",
    ".. note:: a directive",
    "__ anonymous",
    "Literal next::\n\n   code",
    "Text\n   indented: a definition list",
    "Title\n=====",
    "=====  =====\nA      B\n=====  =====",
    "+---+\n| a |\n+---+",
    "   indented: a block quote",
    "----",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_is_recognised(text: str) -> None:
    blocks = plain_blocks(text.split("\n"))
    assert blocks is not None
    assert len(blocks) == len([p for p in text.split("\n\n") if p.strip()])


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_else_is_left_to_docutils(text: str) -> None:
    assert plain_blocks(text.split("\n")) is None


class _Made(Directive):
    """Its content made without the block parser (``fast``) or with it."""

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {}
    fast = True

    def run(self) -> list[nodes.Node]:
        out = nodes.container()
        if self.fast:
            blocks = plain_blocks(list(self.content))
            assert blocks is not None
            with switch_source_input(self.state, self.content):
                out.extend(make_paragraphs(self.state, self.content, 0, len(self.content), blocks))
        else:
            self.state.nested_parse(self.content, self.content_offset, out)
        return [out]


def _made(text: str, fast: bool) -> nodes.container:
    _Made.fast = fast
    directives.register_directive("made", _Made)
    source = ".. made::\n\n" + textwrap.indent(text, "   ") + "\n\n.. [1] The footnote.\n"
    doctree = publish_doctree(source, settings_overrides={"report_level": 5})
    return next(iter(doctree.findall(nodes.container)))


@pytest.mark.parametrize("text", PLAIN)
def test_plain_paragraphs_are_what_the_block_parser_makes(text: str) -> None:
    fast, slow = _made(text, True), _made(text, False)
    assert fast.children
    assert fast.pformat() == slow.pformat()
    assert [c.get("line") for c in fast.children] == [c.get("line") for c in slow.children]


SCHEMA = """\
##
# Things
# ======
##

##
# @Thing:
#
# A thing with *members*.
#
# @a: The first, an ``int``.  See `Other`.
#
# @b: The second:
#
#     - a list
#     - of two items
#
# @c: With a footnote [#note]_.
#
# .. [#note] The note.
#
# Since: 1.0
##
{ 'struct': 'Thing', 'data': { 'a': 'int', '*b': 'str', 'c': 'Other' } }

##
# @Other:
#
# Another, plain.
#
# @x: X – Zorblat’s own, not ``a–b``.
##
{ 'struct': 'Other', 'data': { 'x': ['Thing'] } }

##
# @do-it:
#
# Does it.
#
# @thing: What to do it to.
#
# Returns: a thing
##
{ 'command': 'do-it', 'data': { 'thing': 'Thing' }, 'returns': 'Other' }
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    base = tmp_path_factory.mktemp("fastpaths")
    (base / "qapi-schema.json").write_text(SCHEMA)
    page = "Reference\n=========\n\n.. qapi-doc:: qapi-schema.json\n   :namespace: QMP\n"
    for name, conf in (("on", ""), ("off", "qapidoc_defer_bodies = False\n")):
        small_project(base / name, {"ref": page}, conf)
        (base / name / "qapi-schema.json").write_text(SCHEMA)
        for builder in ("html", "text"):
            proc = run_sphinx(base / name, base / f"{name}-{builder}", "-b", builder, "-q", "-W", "-n",
                              "--keep-going", "-d", str(base / f"{name}-doctrees"))
            assert proc.returncode == 0, proc.stderr
    return base


@pytest.mark.slow
def test_deferred_bodies_come_back_whole(project: pathlib.Path) -> None:
    on = (project / "on-html" / "ref.html").read_text()
    off = (project / "off-html" / "ref.html").read_text()
    assert 'id="qmp-type-Thing.a"' in on and "of two items" in on and 'id="qmp-command-do-it.thing"' in on
    assert on == off


@pytest.mark.slow
def test_html_text_beyond_latin1_is_character_references(project: pathlib.Path) -> None:
    html = (project / "on-html" / "ref.html").read_text(encoding="utf-8")
    body = html[html.index('id="qmp-type-Other"'):]
    assert "X &#8211; Zorblat&#8217;s own" in body                  # the text: references
    assert ">a\u2013b</span>" in body                           # a literal: as it is
    assert "X \u2013 Zorblat\u2019s own" in (project / "on-text" / "ref.txt").read_text(encoding="utf-8")
    index = (project / "on-html" / "searchindex.js").read_text(encoding="utf-8")
    assert '"zorblat"' in index                                  # the word before the quote


@pytest.mark.slow
def test_another_process_writes_them_from_the_pickle(project: pathlib.Path) -> None:
    # the text build runs in a process of its own, from the doctrees the
    # HTML build left: the bodies come from the file beside the doctree
    assert (project / "on-doctrees" / "ref.qapi-bodies").exists()
    assert not (project / "off-doctrees" / "ref.qapi-bodies").exists()
    on = (project / "on-text" / "ref.txt").read_text()
    assert on == (project / "off-text" / "ref.txt").read_text()
    assert "of two items" in on and "What to do it to." in on


@pytest.mark.slow
def test_a_body_with_a_footnote_stays_in_the_doctree(project: pathlib.Path) -> None:
    with open(project / "on-doctrees" / "ref.doctree", "rb") as f:
        doctree = pickle.load(f)
    kept = [d for d in doctree.findall(nodes.Element) if d.get("qapi:deferred")]
    names = {d.parent[0]["ids"][0] for d in kept}
    assert "qmp-command-do-it" in names
    assert "qmp-type-Thing" not in names            # its footnote needs the reading transforms
    assert any(isinstance(n, nodes.footnote) for n in doctree.findall(nodes.footnote))


_AT_EXIT_CHECK = """\
import atexit, gc, sys
from sphinx.cmd.build import build_main
# registered before the build: runs after the extension's handler
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
status = build_main(["-q", "-b", "html", "-d", sys.argv[3], sys.argv[1], sys.argv[2]])
print("frozen after the build:", gc.get_freeze_count() > 0, "status", status)
from qapidoc_sphinx.safety import Generated
gc.collect()
print("generated lines kept:", sum(type(o) is Generated for o in gc.get_objects()))
"""


@pytest.mark.slow
@pytest.mark.parametrize("tuning", [True, False])
def test_what_the_build_leaves_is_frozen_only_at_exit_and_not_the_text(tmp_path: pathlib.Path, tuning: bool) -> None:
    (tmp_path / "qapi-schema.json").write_text(SCHEMA)
    page = "Reference\n=========\n\n.. qapi-doc:: qapi-schema.json\n"
    small_project(tmp_path / "src", {"ref": page}, "" if tuning else "qapidoc_gc_tuning = False\n")
    (tmp_path / "src" / "qapi-schema.json").write_text(SCHEMA)
    proc = subprocess.run([sys.executable, "-c", _AT_EXIT_CHECK, str(tmp_path / "src"), str(tmp_path / "html"),
                           str(tmp_path / "doctrees")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "frozen after the build: False status 0" in proc.stdout
    assert f"frozen at exit: {tuning}" in proc.stdout
    # (docutils' parsers kept for reuse held the whole generated text)
    assert "generated lines kept: 0" in proc.stdout
