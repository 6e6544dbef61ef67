"""The Sphinx extension's rST generation, tested as text (no Sphinx)."""

from __future__ import annotations

import pathlib
import textwrap

import pytest
from conftest import ROOT
from qapidoc_sphinx import rstgen

from qapidoc import LoadOptions, load_schema, load_text

GOOD = ROOT / "tests" / "data" / "sphinx" / "good" / "qapi-schema.json"


@pytest.fixture(scope="module")
def good() -> object:
    result = load_schema(str(GOOD))
    assert result.ok, result.diagnostics
    return result


def render(result: object, **options: object) -> str:
    items = rstgen.schema_items(result)  # type: ignore[arg-type]
    return rstgen.render_items(result, items, rstgen.RenderOptions(**options)).text  # type: ignore[arg-type]


def block(text: str, start: str) -> str:
    """The lines of ``text`` from the line ``start`` to the next line at the
    same or a lower indentation."""
    lines = text.splitlines()
    i = lines.index(start)
    indent = len(start) - len(start.lstrip())
    out = [lines[i]]
    for line in lines[i + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        out.append(line)
    return "\n".join(out).rstrip() + "\n"


# --- names and conditions ---------------------------------------------------------

def test_anchors_depend_on_namespace_and_kind_family_only() -> None:
    assert rstgen.anchor("QMP", "event", "SHUTDOWN") == "qmp-event-SHUTDOWN"
    assert rstgen.anchor("QGA", "command", "guest-sync") == "qga-command-guest-sync"
    # every type is a 'type': a struct that becomes a union keeps its anchor
    assert rstgen.anchor("QMP", "struct", "X") == rstgen.anchor("QMP", "union", "X") == "qmp-type-X"
    assert rstgen.anchor(None, "builtin", "int") == "qapi-type-int"
    assert rstgen.member_anchor("qmp-type-X", ("a", "b")) == "qmp-type-X.a.b"
    assert rstgen.member_anchor("qmp-type-X", ("deprecated",), feature=True) == "qmp-type-X:deprecated"


def test_conditions_read_as_prose() -> None:
    from qapidoc.frontend.expressions import CondAll, CondAny, CondNot, CondText, CondVar

    assert rstgen.cond_text(CondVar("CONFIG_A")) == "CONFIG_A"
    assert rstgen.cond_text(CondNot(CondVar("A"))) == "not A"
    assert rstgen.cond_text(CondAll((CondVar("A"), CondAny((CondVar("B"), CondNot(CondVar("C"))))))) == \
        "A and (B or not C)"
    assert rstgen.cond_text(CondNot(CondAll((CondVar("A"), CondVar("B"))))) == "not (A and B)"
    assert rstgen.cond_text(CondText("defined(CONFIG_X)  &&  !defined(Y)")) == "defined(CONFIG_X) && !defined(Y)"


# --- document order, headings, parts ------------------------------------------------

def test_items_follow_include_order_with_each_module_once(good: object) -> None:
    items = rstgen.schema_items(good)  # type: ignore[arg-type]
    names = [i.name for i in items if isinstance(i, rstgen.DefItem)]
    assert names[:2] == ["Colour", "ThingBase"]       # base.json, where it is first included
    assert names.count("Colour") == 1                 # things.json includes it again: nothing twice
    headings = [(i.level, i.title) for i in items if isinstance(i, rstgen.Heading)]
    assert headings == [(1, "Test schema"), (1, "Base types"), (1, "Things"), (2, "Round things")]


def test_legacy_and_rst_headings_of_every_era(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(textwrap.dedent("""\
        ##
        # = Block devices
        ##

        ##
        # == Images
        #
        # Text under it.
        ##

        ##
        # @Foo:
        #
        # A foo.
        #
        # Since: 2.10
        ##
        { 'struct': 'Foo', 'data': {} }
        """))
    result = load_schema(str(schema), LoadOptions(dialect=(2, 10)))
    items = rstgen.schema_items(result)
    assert [(i.level, i.title) for i in items if isinstance(i, rstgen.Heading)] == \
        [(1, "Block devices"), (2, "Images")]
    text = rstgen.render_items(result, items, rstgen.RenderOptions()).text
    assert "Block devices\n=============\n" in text
    assert "Images\n------\n" in text        # one level down, whatever the source's marks
    assert "Text under it." in text


def test_parts_by_section_and_by_module(good: object) -> None:
    preamble, parts = rstgen.plan_parts(good, "section")  # type: ignore[arg-type]
    assert [p.id for p in parts] == ["test-schema", "base-types", "things"]
    assert not preamble.items
    things = parts[2]
    assert things.files == (str(GOOD.parent / "things.json"),)
    preamble, parts = rstgen.plan_parts(good, "module")  # type: ignore[arg-type]
    assert [p.id for p in parts] == ["base", "things"]
    assert [i.title for i in preamble.items if isinstance(i, rstgen.Heading)] == ["Test schema"]
    # a part that does not start with a heading gets its name as title
    rendered = rstgen.render_part(good, parts[0], rstgen.RenderOptions()).text  # type: ignore[arg-type]
    assert rendered.startswith("Base types\n")


# --- definitions ----------------------------------------------------------------------

def test_event_renders_members_since_and_condition(good: object) -> None:
    text = render(good, namespace="QMP")
    assert text.startswith(".. qapi:namespace:: QMP\n")
    assert block(text, ".. qapi:event:: THING_GONE") == textwrap.dedent("""\
        .. qapi:event:: THING_GONE
           :since: 1.0
           :if: CONFIG_A or not CONFIG_B

           Emitted when a thing is gone.

           .. qapi:members:: Members

              .. qapi:member:: id
                 :type: str

                 The thing's name.

              .. qapi:member:: reason
                 :type: str
                 :optional:

                 Why, if known.

           .. qapi:example::

               <- { "event": "THING_GONE",
                    "data": { "id": "t0" },
                    "timestamp": { "seconds": 1267040730, "microseconds": 682951 } }
        """)


def test_inherited_members_come_first_with_their_origin(good: object) -> None:
    text = block(render(good), ".. qapi:struct:: ThingInfo")
    rows = [line.strip() for line in text.splitlines() if "qapi:member::" in line or ":origin:" in line]
    assert rows == [".. qapi:member:: id", ":origin: ThingBase", ".. qapi:member:: colour", ":origin: ThingBase",
                    ".. qapi:member:: size", ":origin: ThingBase", ".. qapi:member:: thing"]
    assert "The thing's name." in text        # the base's description, shown in place


def test_boxed_union_argument_is_inlined_with_branches(good: object) -> None:
    text = block(render(good), ".. qapi:command:: thing-add")
    assert "   :features: unstable\n" in text
    assert ".. qapi:members:: Arguments\n      :origin: Thing\n" in text
    assert ".. qapi:branch:: kind ball\n         :type: ThingBall\n" in text
    assert ".. qapi:branch:: kind box\n         :type: ThingBox\n         :if: CONFIG_BOX\n" in text
    # a branch's member: its path, and @bounce linked to the row of *this* definition
    assert ":qapi:mref:`bounce <.ball.bounce>`" in text
    assert "            :features: deprecated\n            :path: ball\n" in text
    assert "   .. qapi:example::\n      :title: A ball\n" in text


def test_pointer_style_instead_of_inlining(good: object) -> None:
    text = block(render(good, inline=False), ".. qapi:command:: thing-add")
    assert ".. qapi:members:: Arguments\n      :origin: Thing\n      :pointer:\n" in text
    assert "qapi:branch" not in text
    info = block(render(good, inline=False), ".. qapi:struct:: ThingInfo")
    assert ".. qapi:pointer:: ThingBase" in info and "qapi:member:: id" not in info


def test_returns_errors_and_real_integer_types(good: object) -> None:
    text = render(good)
    query = block(text, ".. qapi:command:: query-thing")
    assert ".. qapi:returns:: ThingInfo\n\n      What there is to know about it.\n" in query
    assert ":qapi:member:`DeviceNotFound <QapiErrorClass.DeviceNotFound>`" in query
    assert ":type: uint16" in block(text, ".. qapi:struct:: ThingBase")   # not "int"
    assert ":type: [uint32]" in block(text, ".. qapi:struct:: ThingBox")


def test_features_of_members_and_values_are_described(good: object) -> None:
    text = render(good)
    ball = block(text, ".. qapi:struct:: ThingBall")
    assert ".. qapi:feature:: deprecated" in ball and "is deprecated." in ball
    colour = block(text, ".. qapi:enum:: Colour")
    assert ".. qapi:member:: ultraviolet\n         :if: CONFIG_UV\n         :features: unstable\n" in colour
    assert ".. qapi:feature:: unstable" in colour


def test_returns_that_only_repeat_the_type_say_it_once(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(textwrap.dedent("""\
        ##
        # @Thing:
        #
        # A type.
        #
        # @a: A.
        ##
        { 'struct': 'Thing', 'data': { 'a': 'int' } }

        ##
        # @get:
        #
        # Get it.
        #
        # Returns: @Thing
        ##
        { 'command': 'get', 'returns': 'Thing' }
        """))
    text = render(load_schema(str(schema)))
    assert ".. qapi:returns:: Thing\n" in text and "@Thing" not in text


def test_every_line_keeps_its_place_in_the_schema(good: object) -> None:
    result = good
    lines = rstgen.render_items(result, rstgen.schema_items(result), rstgen.RenderOptions()).lines  # type: ignore[arg-type]
    things = str(GOOD.parent / "things.json")
    found = {line.text.strip(): line for line in lines}
    radius = found["The radius.  See also :qapi:mref:`bounce <.bounce>`."]
    assert radius.source == things
    text = pathlib.Path(things).read_text().splitlines()
    assert text[radius.line - 1] == "# @radius: The radius.  See also @bounce."
    # generated directives point at the doc comment they come from
    event = found[".. qapi:event:: THING_GONE"]
    assert event.source == things and text[event.line - 1] == "##"


def test_subsets(good: object) -> None:
    only = render(good, kinds=frozenset({"command", "event"}))
    assert ".. qapi:struct::" not in only and ".. qapi:command:: query-thing" in only
    assert "Base types" not in only                      # a heading over nothing shown is dropped
    assert "A schema for the tests" not in only          # free text goes with a kind filter
    named = render(good, include=("query-*", "THING_*"))
    assert ".. qapi:command:: query-thing" in named and "thing-add" not in named
    dropped = render(good, exclude=("Thing*",))
    assert ".. qapi:union:: Thing\n" not in dropped and ".. qapi:enum:: Colour" in dropped
    module = render(good, modules=("base",))
    assert ".. qapi:enum:: Colour" in module and "query-thing" not in module.replace("`query-thing`", "")


def test_simple_union_types_made_up_by_qapi_are_not_linked(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "s.json"
    schema.write_text(textwrap.dedent("""\
        { 'struct': 'A', 'data': { 'x': 'int' } }
        { 'union': 'U', 'data': { 'a': 'A', 'n': 'int' } }
        """))
    result = load_schema(str(schema), LoadOptions(dialect=(5, 2)))
    assert result.ok, result.diagnostics
    text = block(render(result), ".. qapi:union:: U")
    assert ":type: !UKind" in text                       # the tag's made-up enum
    assert ".. qapi:branch:: type a\n" in text            # no ": members of q_obj_A-wrapper"
    assert "q_obj" not in text.replace("!q_obj", "")


# --- doc text --------------------------------------------------------------------------

def test_at_references_link_rows_or_become_literals(good: object) -> None:
    text = block(render(good), ".. qapi:struct:: ThingBall")
    assert ":qapi:mref:`bounce <.bounce>`" in text
    # in a feature's description too
    assert "Member :qapi:mref:`bounce <.bounce>` is deprecated." in text


def test_doc_text_conversions() -> None:
    result = load_text("t.json", textwrap.dedent("""\
        ##
        # @Thing:
        #
        # Mail user@example.org; see @a, @nosuch, ``@literal``
        # and this::
        #
        #     @not-a-ref
        #
        # .. qmp-example::
        #
        #     -> { "execute": "x" }
        #
        # @a: A.
        ##
        { 'struct': 'Thing', 'data': { 'a': 'int' } }
        """))
    assert result.ok, result.diagnostics
    text = render(result)
    assert "user@example.org" in text
    assert ":qapi:mref:`a <.a>`" in text
    assert "``nosuch``" in text and "``@literal``" in text
    assert "    @not-a-ref" in text
    assert ".. qapi:example::" in text and "qmp-example" not in text


def test_legacy_markup_of_the_texinfo_era() -> None:
    result = load_text("t.json", textwrap.dedent("""\
        ##
        # @T:
        #
        # Some *strong* and _emphasised_ words, a path_name_ and a `quote'.
        # Steps:
        # 1. first step that runs
        # over a line
        # 2. second
        #
        # | literal line
        # | another
        #
        # @a: #optional A.
        #
        # Example:
        #
        # -> { "execute": "x" }
        # <- { "return": {} }
        ##
        { 'struct': 'T', 'data': { 'a': 'int' } }
        """), LoadOptions(dialect=(2, 12)))     # 2.10 and 2.11 refused '#optional'
    text = render(result)
    assert "Some **strong** and *emphasised* words, a path_name\\_ and a \\`quote'." in text
    assert "\n   1. first step that runs\n      over a line\n   2. second\n" in text
    assert "\n   ::\n\n       literal line\n       another\n" in text
    assert ".. qapi:example::\n\n      -> { \"execute\": \"x\" }\n" in text
    assert "#optional" not in text and "\n         A.\n" in text


def test_legacy_sections_notes_and_examples() -> None:
    result = load_text("t.json", textwrap.dedent("""\
        ##
        # @cmd:
        #
        # Do it.
        #
        # Notes: It may fail.
        #
        # Examples:
        #
        # 1. Simple
        #
        # -> { "execute": "cmd" }
        # <- { "return": {} }
        ##
        { 'command': 'cmd' }
        """), LoadOptions(dialect=(7, 2)))
    text = render(result)
    assert ".. admonition:: Notes\n\n      It may fail.\n" in text
    assert ".. qapi:example::\n      :plural:\n\n      1. Simple\n\n      -> {" in text


def test_no_index_and_schema_links(good: object) -> None:
    text = render(good, no_index=True, schema_links={"THING_GONE": "_qapidoc/qapi/events/THING_GONE.json"})
    event = block(text, ".. qapi:event:: THING_GONE")
    assert "   :no-index:\n" in event
    assert "   :schema: _qapidoc/qapi/events/THING_GONE.json\n" in event


def test_builtins_have_targets_and_ranges(good: object) -> None:
    text = rstgen.render_builtins(good, rstgen.RenderOptions(namespace="QMP")).text  # type: ignore[arg-type]
    for name in ("str", "int", "int8", "uint16", "uint64", "size", "number", "bool", "null", "any"):
        assert f".. qapi:builtin:: {name}\n" in text
    assert "from 0 to 65535 (unsigned)" in block(text, ".. qapi:builtin:: uint16")
    assert ".. qapi:enum:: QType\n   :builtin:\n" in text


def test_markup_era_follows_the_text_when_the_dialect_is_old_for_other_reasons() -> None:
    text = textwrap.dedent("""\
        ##
        # @Thing:
        #
        # A thing with a rather long line of documentation text that goes on.
        #
        # .. note:: ``rST`` here.
        #
        # @a: A.
        ##
        { 'struct': 'Thing', 'data': { 'a': 'int' } }
        """)
    old = load_text("t.json", text, LoadOptions(dialect=(2, 10)))
    assert rstgen.texinfo_markup(old) is False
    assert ".. note:: ``rST`` here." in render(old)
    plain = load_text("t.json", text.replace(".. note:: ``rST`` here.", "Some *strong* text."),
                      LoadOptions(dialect=(2, 10)))
    assert rstgen.texinfo_markup(plain) is True
    assert "Some **strong** text." in render(plain)
