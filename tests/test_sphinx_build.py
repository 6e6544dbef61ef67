"""The Sphinx extension in real ``sphinx-build`` runs, on small schemas."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import textwrap
import time

import pytest
from conftest import ROOT
from support.sphinx_projects import inventory, read_docs, run_sphinx, small_project, warnings_of

GOOD = ROOT / "tests" / "data" / "sphinx" / "good"


def page(schema: pathlib.Path, title: str = "Reference", **options: str) -> str:
    lines = [title, "=" * len(title), "", f".. qapi-doc:: {schema}"]
    lines += [f"   :{k.replace('_', '-')}: {v}" for k, v in options.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The good schema, split by section, built as HTML with -W -n."""
    base = tmp_path_factory.mktemp("good")
    schema = base / "schema"
    shutil.copytree(GOOD, schema)
    src = small_project(base / "src", {"ref": page(schema / "qapi-schema.json", namespace="QMP", split="section")})
    proc = run_sphinx(src, base / "html", "-b", "html", "-W", "-n", "--keep-going", "-q")
    assert proc.returncode == 0, proc.stderr
    return base


def html(base: pathlib.Path, name: str) -> str:
    return (base / "html" / f"{name}.html").read_text()


def text_of(markup: str) -> str:
    """The text of some HTML, tags removed, spaces collapsed."""
    import html as html_mod

    return " ".join(html_mod.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def definition(text: str, anchor: str) -> str:
    """The HTML of one definition (its <dl>)."""
    start = text.index(f'id="{anchor}"')
    start = text.rindex("<dl", 0, start)
    depth, i = 0, start
    for m in re.finditer(r"<(/?)dl\b", text[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            i = start + m.end()
            break
    return text[start:i]


def test_split_pages_and_their_table_of_contents(good: pathlib.Path) -> None:
    pages = sorted(p.name for p in (good / "src" / "ref").glob("*.rst"))
    assert pages == ["base-types.rst", "builtin-types.rst", "test-schema.rst", "things.rst"]
    ignored = (good / "src" / "ref" / ".gitignore").read_text().splitlines()[1:]
    assert sorted(ignored) == sorted(["/.gitignore", "/.qapidoc-pages", *(f"/{p}" for p in pages)])
    front = html(good, "ref")
    for part in ("test-schema", "base-types", "things", "builtin-types"):
        assert f'href="ref/{part}.html"' in front


def test_every_definition_has_its_anchor_index_entry_and_inventory_entry(good: pathlib.Path) -> None:
    things = html(good, "ref/things")
    for anchor in ("qmp-command-query-thing", "qmp-command-thing-add", "qmp-event-THING_GONE",
                   "qmp-type-Thing", "qmp-type-ThingRef", "qmp-type-ThingInfo"):
        assert f'id="{anchor}"' in things
    assert 'id="command-QMP-things.query-thing"' in things       # QEMU's anchor, as an alias
    genindex = (good / "html" / "genindex.html").read_text()
    for entry in ("query-thing (QMP command)", "THING_GONE (QMP event)", "Thing (QMP union)",
                  "Colour (QMP enum)", "uint16 (QMP built-in type)"):
        assert entry in genindex
    inv = {(name, role): uri for name, role, uri, _ in inventory(good / "html" / "objects.inv")}
    assert inv[("QMP:query-thing", "qapi:command")] == "ref/things.html#qmp-command-query-thing"
    assert inv[("THING_GONE", "qapi:event")] == "ref/things.html#qmp-event-THING_GONE"
    assert inv[("QMP:Thing.ball.radius", "qapi:member")] == "ref/things.html#qmp-type-Thing.ball.radius"
    assert inv[("QMP:uint16", "qapi:builtin")] == "ref/builtin-types.html#qmp-type-uint16"


def test_rows_show_types_marks_conditions_and_origins(good: pathlib.Path) -> None:
    things = html(good, "ref/things")
    info = definition(things, "qmp-type-ThingInfo")
    row = info[info.index('id="qmp-type-ThingInfo.size"'):]
    row = row[:row.index("</dt>")]
    assert 'href="base-types.html#qmp-type-ThingBase"' in row and "from" in row
    assert "qapi-badge-optional" in row and "#qmp-type-uint16" in row
    union = definition(things, "qmp-type-Thing")
    assert 'id="qmp-type-Thing.box"' in union and "CONFIG_BOX" in union
    bounce = union[union.index('id="qmp-type-Thing.ball.bounce"'):]
    assert "qapi-badge-deprecated" in bounce[:bounce.index("</dt>")]
    colour = definition(html(good, "ref/base-types"), "qmp-type-Colour")
    value = colour[colour.index('id="qmp-type-Colour.ultraviolet"'):]
    assert "CONFIG_UV" in value[:value.index("</dt>")] and "qapi-badge-unstable" in value[:value.index("</dt>")]
    add = definition(things, "qmp-command-thing-add")
    assert "qapi-badge-unstable" in add[:add.index("</dt>")]
    assert 'id="qmp-command-thing-add.ball.radius"' in add          # the boxed union, inlined
    gone = definition(things, "qmp-event-THING_GONE")
    assert "if CONFIG_A or not CONFIG_B" in text_of(gone[:gone.index("</dt>")])


def test_links_in_doc_text(good: pathlib.Path) -> None:
    things = html(good, "ref/things")
    ball = definition(things, "qmp-type-ThingBall")
    assert 'href="#qmp-type-ThingBall.bounce"' in ball                 # @bounce
    query = definition(things, "qmp-command-query-thing")
    assert 'href="#qmp-type-QapiErrorClass.DeviceNotFound"' in query   # Errors: DeviceNotFound
    intro = html(good, "ref/test-schema")
    assert 'href="things.html#qmp-command-query-thing"' in intro       # `query-thing`
    assert 'href="base-types.html#qmp-type-Colour"' in intro


def test_examples_use_the_qmp_lexer(good: pathlib.Path) -> None:
    query = definition(html(good, "ref/things"), "qmp-command-query-thing")
    assert 'class="highlight-qmp' in query
    # (Pygments 2.21 stopped escaping '"' as '&quot;' in HTML.)
    unquoted = query.replace("&quot;", '"')
    assert '<span class="gp">-&gt;</span>' in query and '<span class="nt">"execute"</span>' in unquoted
    add = definition(html(good, "ref/things"), "qmp-command-thing-add")
    assert "Example: A ball" in text_of(add)


def test_indices_put_commands_and_events_first_and_types_apart(good: pathlib.Path) -> None:
    index = (good / "html" / "qapi-qmp-index.html").read_text()
    assert index.index('id="cap-Commands"') < index.index(">query-thing<") < index.index(">thing-add<") \
        < index.index('id="cap-Events"') < index.index(">THING_GONE<")
    assert "ThingInfo" not in index
    assert "<em>Round things</em>" in index            # the section each is in
    types = (good / "html" / "qapi-qmp-type-index.html").read_text()
    assert "ThingInfo" in types and "query-thing" not in types


def test_search_index_has_the_objects(good: pathlib.Path) -> None:
    text = (good / "html" / "searchindex.js").read_text()
    data = json.loads(text[text.index("(") + 1:text.rindex(")")])
    names = {entry[4] for entries in data["objects"].values() for entry in entries}
    assert {"THING_GONE", "query-thing", "Thing"} <= names
    assert not any(n.startswith("Thing.") for n in names)      # members are in the inventory, not search


def test_json_schema_files_are_copied_and_linked(good: pathlib.Path) -> None:
    gone = definition(html(good, "ref/things"), "qmp-event-THING_GONE")
    m = re.search(r'<a class="qapi-schema-link" href="([^"]+)"', gone)
    assert m is not None
    target = (good / "html" / "ref" / m.group(1)).resolve()
    data = json.loads(target.read_text())
    assert data["$id"].endswith("events/THING_GONE.json")
    directory = target.parent.parent
    assert directory.parent == good / "html" / "_qapidoc" and directory.name.startswith("qapi-schema-")
    assert (directory / "types.json").exists() and (directory / ".qapidoc-files").exists()


def test_text_output_reads_well(tmp_path: pathlib.Path, good: pathlib.Path) -> None:
    proc = run_sphinx(good / "src", tmp_path / "text", "-b", "text", "-q", "-d", str(tmp_path / "dt"))
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "text" / "ref" / "things.txt").read_text()
    assert "Command query-thing (since 1.0)" in text
    assert 'sides: "[uint32]"' not in text and "sides: [\"uint32\"]" in text
    assert "bounce: \"bool\" [optional] [deprecated]" in text
    assert not re.search(r"\*\*\w", text) and "Example::" not in text and '("[' not in text
    assert "Example:\n\n      -> {" in text


# --- doc comments are not trusted ----------------------------------------------------

UNSAFE = """\
##
# @Thing:
#
# Harmless text.
#
# .. raw:: html
#
#    <script>alert("INJECTED-RAW")</script>
#
# .. include:: {secret}
#
# .. literalinclude:: {secret}
#
# .. image:: {secret}
#
# .. csv-table:: stolen
#    :file: {secret}
#
# See :download:`it <{secret}>`,
# `a <javascript:alert(1)>`_.
#
# @a: A.
##
{{ 'struct': 'Thing', 'data': {{ 'a': 'int' }} }}
"""


@pytest.fixture
def secret() -> object:
    import tempfile

    fd, name = tempfile.mkstemp(prefix="qd-", suffix=".txt", dir="/tmp")
    os.write(fd, b"TOP-SECRET-CONTENT\n")
    os.close(fd)
    yield pathlib.Path(name)
    os.unlink(name)


@pytest.mark.parametrize("mode", ["lint", "docutils"])
def test_doc_comments_cannot_inject_html_or_read_files(tmp_path: pathlib.Path, mode: str,
                                                        secret: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(UNSAFE.format(secret=secret))
    # (the doc comments of today's dialect are rST; in the 2017 dialect the
    # same text would be texinfo-era prose, shown as text)
    src = small_project(tmp_path / "src", {"ref": page(schema, dialect="10.2")},
                        f"qapidoc_rst_warnings = {mode!r}\n")
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q")
    assert proc.returncode == 0, proc.stderr
    files = [p for p in (tmp_path / "html").rglob("*") if p.is_file()]
    everything = "".join(p.read_text(errors="replace") for p in files)
    assert "TOP-SECRET-CONTENT" not in everything
    # (the JSON Schema files carry the doc text as data: a JSON string, never markup)
    pages = "".join(p.read_text(errors="replace") for p in files if p.suffix in (".html", ".js", ".txt"))
    assert "INJECTED-RAW" not in pages and "<script>alert" not in pages
    assert "javascript:" not in html(tmp_path, "ref")
    assert "Harmless text." in html(tmp_path, "ref")
    assert not (tmp_path / "html" / "_images").exists() and not (tmp_path / "html" / "_downloads").exists()
    warnings = warnings_of(proc)
    text = schema.read_text().splitlines()
    # every attempt is reported at its line of the .json (by the lint rule
    # QD606 or by the extension itself), and none twice
    for directive in ("raw", "include", "literalinclude", "image", "csv-table"):
        line = next(i for i, t in enumerate(text, 1) if t.startswith(f"# .. {directive}::"))
        found = [w for w in warnings if w.startswith(f"{schema}:{line}:")]
        assert len(found) == 1, (directive, warnings)
    assert any("download" in w and w.startswith(f"{schema}:19:") for w in warnings)
    # (docutils places inline markup at its paragraph's first line)
    assert any("javascript" in w and w.startswith((f"{schema}:19:", f"{schema}:20:")) for w in warnings)
    assert not any("QD409" in w for w in warnings)


# --- errors: all of them, located, never aborting -----------------------------------

BAD_ROOT = """\
{ 'include': 'one.json' }
{ 'include': 'two.json' }
"""
BAD_ONE = """\
##
# @Good:
#
# A good type.
#
# @a: A.
##
{ 'struct': 'Good', 'data': { 'a': 'int' } }

{ 'struct': 'Broken', 'data': { 'b': 'NoSuchType' } }
"""
BAD_TWO = """\
##
# @thing:
#
# Do a thing.
#
# @arg: The argument.
#
# .. qmp-example::
#
#     -> { "execute": "thing", "arguments": { "arg": 1 } }
#     <- { "return": {} }
##
{ 'command': 'thing', 'data': { 'arg': 'str' } }

{ 'command': 'bad', 'data': { 'x': 'int' }, 'bogus': true }
"""


def test_every_error_is_a_warning_at_its_line_in_one_run(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "qapi-schema.json").write_text(BAD_ROOT)
    (schema / "one.json").write_text(BAD_ONE)
    (schema / "two.json").write_text(BAD_TWO)
    root = schema / "qapi-schema.json"
    src = small_project(tmp_path / "src", {"ref": page(root, split="module")})
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q")
    assert proc.returncode == 0, proc.stderr          # a bad schema does not stop the build
    assert 'id="qapi-type-Good"' in html(tmp_path, "ref/one")
    assert 'id="qapi-command-thing"' in html(tmp_path, "ref/two")
    warnings = [w for w in warnings_of(proc) if "[qapi." in w]
    located = sorted((w.split(":")[0], int(w.split(":")[1]), re.findall(r"\[(QD\d+)\]", w)[0]) for w in warnings)
    from support.sphinx_projects import lint_findings

    expected = sorted((os.path.normpath(p), line, code) for p, line, code in lint_findings(root))
    assert [(os.path.normpath(p), line, code) for p, line, code in located] == expected
    assert len(expected) >= 3 and {p for p, _, _ in expected} == {str(schema / "one.json"), str(schema / "two.json")}
    # -W --keep-going: the build fails, and lists them all
    failing = run_sphinx(src, tmp_path / "html2", "-b", "html", "-q", "-W", "--keep-going")
    assert failing.returncode == 1
    assert len([w for w in warnings_of(failing) if "[qapi." in w]) == len(expected)


def test_a_missing_schema_is_a_warning(tmp_path: pathlib.Path) -> None:
    src = small_project(tmp_path / "src", {"ref": page(tmp_path / "nope.json")})
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q")
    assert proc.returncode == 0
    assert any("can't read schema file" in w for w in warnings_of(proc))


def test_docutils_messages_follow_the_lint_setting(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(textwrap.dedent("""\
        ##
        # @Thing:
        #
        # Some *unbalanced emphasis.
        #
        # @a: A member with **more of it
        #     on its second line.
        #
        # @b: Fine.
        ##
        { 'struct': 'Thing', 'data': { 'a': 'int', 'b': 'int' } }
        """))
    for mode, expected in (("lint", []), ("docutils", [4, 6])):
        src = small_project(tmp_path / mode, {"ref": page(schema)}, f"qapidoc_rst_warnings = {mode!r}\n")
        proc = run_sphinx(src, tmp_path / f"{mode}-html", "-b", "html", "-q")
        found = [w for w in warnings_of(proc) if "start-string without end-string" in w]
        assert sorted(int(w.split(":")[1]) for w in found) == expected, (mode, warnings_of(proc))
        assert all(w.startswith(f"{schema}:") for w in found)


# --- incremental and parallel builds -------------------------------------------------

def test_editing_one_module_reads_only_its_pages(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(GOOD, schema)
    src = small_project(tmp_path / "src", {"ref": page(schema / "qapi-schema.json", split="module")})
    out = tmp_path / "html"
    first = run_sphinx(src, out, "-b", "html")
    assert first.returncode == 0, first.stderr
    assert read_docs(first) == ["index", "ref", "ref/base", "ref/builtin-types", "ref/things"]
    again = run_sphinx(src, out, "-b", "html")
    assert read_docs(again) == []
    time.sleep(0.01)
    (schema / "things.json").touch()
    touched = run_sphinx(src, out, "-b", "html")
    assert read_docs(touched) == ["ref/things"]
    (schema / "base.json").touch()              # ThingInfo (in things.json) shows ThingBase's members
    touched = run_sphinx(src, out, "-b", "html")
    assert read_docs(touched) == ["ref/base", "ref/things"]
    # what every page depends on (here: a pragma) reads every page again
    root = schema / "qapi-schema.json"
    root.write_text(root.read_text().replace("{ 'pragma'", "{ 'pragma': { 'doc-required': true } }\n{ 'pragma'"))
    touched = run_sphinx(src, out, "-b", "html")
    assert read_docs(touched) == ["ref", "ref/base", "ref/builtin-types", "ref/things"]


def test_a_new_part_updates_the_front_page(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(GOOD, schema)
    src = small_project(tmp_path / "src", {"ref": page(schema / "qapi-schema.json", split="section")})
    out = tmp_path / "html"
    assert run_sphinx(src, out, "-b", "html", "-q").returncode == 0
    things = schema / "things.json"
    things.write_text(things.read_text() + "\n##\n# ******\n# Extras\n# ******\n#\n# More.\n##\n")
    proc = run_sphinx(src, out, "-b", "html")
    assert "ref" in read_docs(proc) and "ref/extras" in read_docs(proc)
    assert 'href="ref/extras.html"' in (out / "ref.html").read_text()


def test_parallel_build_gives_the_same_result(tmp_path: pathlib.Path, good: pathlib.Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(good / "src", src)
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-j", "2", "-W", "-n", "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(inventory(tmp_path / "html" / "objects.inv")) == sorted(inventory(good / "html" / "objects.inv"))


# --- other directives and options ------------------------------------------------------

def test_single_definitions_and_subsets(tmp_path: pathlib.Path) -> None:
    schema = GOOD / "qapi-schema.json"
    pages = {
        "one": textwrap.dedent(f"""\
            One
            ===

            .. qapi-definition:: thing-add
               :schema: {schema}
               :namespace: ONE
            """),
        "cmds": page(schema, "Commands", namespace="CMD", kinds="command, event", exclude="thing-*"),
    }
    src = small_project(tmp_path / "src", pages)
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q", "-n", "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr        # types not rendered here: no link, no warning
    one = html(tmp_path, "one")
    assert 'id="one-command-thing-add"' in one and 'id="one-command-thing-add.ball.radius"' in one
    cmds = html(tmp_path, "cmds")
    assert 'id="cmd-command-query-thing"' in cmds and 'id="cmd-event-THING_GONE"' in cmds
    assert "cmd-command-thing-add" not in cmds and 'id="cmd-type-Thing"' not in cmds


def test_roles_written_by_hand(tmp_path: pathlib.Path) -> None:
    schema = GOOD / "qapi-schema.json"
    pages = {
        "ref": page(schema, namespace="QMP"),
        "prose": textwrap.dedent("""\
            Prose
            =====

            :qapi:cmd:`query-thing`, :qapi:event:`QMP:THING_GONE`, :qapi:type:`~QMP:Thing`,
            :qapi:type:`[ThingInfo]`, :qapi:obj:`ThingBase`, :qapi:alt:`ThingRef`,
            :qapi:enum:`Colour`, :qapi:any:`thing-add`, :qapi:member:`Thing.kind`,
            :qapi:type:`int`, :ref:`qapi-qmp-index`.

            .. code-block:: qmp

               -> { "execute": "query-thing", "arguments": { ... } }

            .. code-block:: QMP

               <- { "return": {} }
            """),
    }
    src = small_project(tmp_path / "src", pages)
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q", "-n", "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr
    prose = html(tmp_path, "prose")
    for anchor in ("qmp-command-query-thing", "qmp-event-THING_GONE", "qmp-type-Thing", "qmp-type-ThingInfo",
                   "qmp-type-ThingBase", "qmp-type-ThingRef", "qmp-type-Colour", "qmp-command-thing-add",
                   "qmp-type-Thing.kind", "qmp-type-int"):
        assert f'#{anchor}"' in prose, anchor
    assert 'href="qapi-qmp-index.html"' in prose
    # the QMP lexer, by both its names, in hand-written pages too
    assert prose.count('<span class="gp">') == 2 and '<span class="cm">...</span>' in prose
    bad = small_project(tmp_path / "bad", {"prose": "Bad\n===\n\n:qapi:cmd:`no-such-command`\n"})
    proc = run_sphinx(bad, tmp_path / "bad-html", "-b", "html", "-q")
    assert any("unknown QAPI definition: 'no-such-command'" in w for w in warnings_of(proc))


FAKE_QEMU_QAPIDOC = """\
\"\"\"Stands in for QEMU's docs/sphinx/qapidoc.py: a module named qapidoc.\"\"\"
from docutils import nodes
from docutils.parsers.rst import Directive


class QAPIDocDirective(Directive):
    required_arguments = 1

    def run(self):
        return [nodes.paragraph(text="QEMU-QAPIDOC-WAS-HERE")]


def setup(app):
    app.add_directive("qapi-doc", QAPIDocDirective)
    return {"parallel_read_safe": True}
"""


def test_loads_beside_qemus_own_qapidoc_module(tmp_path: pathlib.Path) -> None:
    fake = tmp_path / "qemu-sphinx"
    fake.mkdir()
    (fake / "qapidoc.py").write_text(FAKE_QEMU_QAPIDOC)
    schema = GOOD / "qapi-schema.json"
    conf = textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(fake)!r})
        extensions = ["qapidoc", "qapidoc_sphinx"]
        import qapidoc
        assert qapidoc.__file__ == {str(fake / 'qapidoc.py')!r}, qapidoc.__file__
        """)
    pages = {
        "theirs": "Theirs\n======\n\n.. qapi-doc:: anything.json\n",
        "ours": f"Ours\n====\n\n.. qapi:schema:: {schema}\n   :namespace: QMP\n",
    }
    src = small_project(tmp_path / "src", pages, conf)
    (src / "conf.py").write_text(conf + "nitpicky = True\n")
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q", "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr
    assert "QEMU-QAPIDOC-WAS-HERE" in html(tmp_path, "theirs")
    assert 'id="qmp-command-query-thing"' in html(tmp_path, "ours")


def test_extension_metadata() -> None:
    import qapidoc_sphinx
    from sphinx.application import Sphinx

    assert qapidoc_sphinx.__version__
    version = qapidoc_sphinx._env_version()
    assert isinstance(version, int) and version == qapidoc_sphinx._env_version()
    saved = qapidoc_sphinx.__version__
    try:
        qapidoc_sphinx.__version__ = saved + ".dev1"
        assert qapidoc_sphinx._env_version() != version      # a new version rebuilds the environment
    finally:
        qapidoc_sphinx.__version__ = saved
    assert Sphinx  # imported: the extension's own import does not need a build


@pytest.mark.skipif(not os.environ.get("QAPIDOC_OLD_SPHINX_PYTHON"),
                    reason="set QAPIDOC_OLD_SPHINX_PYTHON to a Python with Sphinx 6.2 (and qapidoc installed) "
                           "to test the oldest Sphinx supported")
def test_oldest_supported_sphinx(tmp_path: pathlib.Path) -> None:
    python = os.environ["QAPIDOC_OLD_SPHINX_PYTHON"]
    schema = tmp_path / "schema"
    shutil.copytree(GOOD, schema)
    src = small_project(tmp_path / "src", {"ref": page(schema / "qapi-schema.json", namespace="QMP",
                                                        split="section")})
    for builder in ("html", "text"):
        proc = run_sphinx(src, tmp_path / builder, "-b", builder, "-q", "-W", "-n", "--keep-going", python=python)
        assert proc.returncode == 0, proc.stderr
    assert 'id="qmp-event-THING_GONE"' in (tmp_path / "html" / "ref" / "things.html").read_text()


def test_references_to_other_manuals_are_text_unless_asked(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(textwrap.dedent("""\
        ##
        # @Thing:
        #
        # Like `guest-sync` of the guest agent, see
        # :doc:`/interop/qmp-spec`.
        #
        # @a: A.
        ##
        { 'struct': 'Thing', 'data': { 'a': 'int' } }
        """))
    quiet = small_project(tmp_path / "quiet", {"ref": page(schema, namespace="QMP")})
    proc = run_sphinx(quiet, tmp_path / "quiet-html", "-b", "html", "-n", "-W", "--keep-going")
    assert proc.returncode == 0, proc.stderr
    assert f"{schema}:4: reference to 'guest-sync': not in this project" in proc.stdout
    loud = small_project(tmp_path / "loud", {"ref": page(schema, namespace="QMP")},
                         'qapidoc_unresolved_references = "warning"\n')
    proc = run_sphinx(loud, tmp_path / "loud-html", "-b", "html", "-q")
    found = sorted(w.split(": WARNING: ")[0] for w in warnings_of(proc))
    assert found == [f"{schema}:4", f"{schema}:4"]
