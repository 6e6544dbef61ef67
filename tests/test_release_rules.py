"""Rules that changed between QEMU releases, each on a small schema of our own.

One test per row of issue 9's table of known failures, then one per rule
found wrong while comparing qapidoc with each release's own front end.
Each checks the release before the change and the release that made it.
"""

from __future__ import annotations

import pathlib
import textwrap

import pytest

from qapidoc import LoadOptions, LoadResult, load_schema, load_text
from qapidoc.frontend.dialect import Dialect, parse_dialect
from qapidoc.lint.rst_checks import check_rst


def load(text: str, dialect: str | None = None) -> LoadResult:
    version = parse_dialect(dialect) if dialect else None
    return load_text("t.json", textwrap.dedent(text), LoadOptions(dialect=version, tree_version=False))


def errors(text: str, dialect: str | None = None) -> list[str]:
    result = load(text, dialect)
    return [f"{d.span.line if d.span else 0}: {d.message.splitlines()[0]}"
            for d in result.diagnostics if d.level.value == "error"]


# --- the table of issue 9 ----------------------------------------------------------------

SIMPLE_UNION_DOC = """\
    ##
    # @Shape:
    #
    # @type: which shape
    ##
    { 'union': 'Shape', 'data': { 'square': 'int', 'circle': 'str' } }
    """


@pytest.mark.parametrize("dialect", ["4.0", "4.2", "5.2", "6.1"])
def test_simple_union_tag_is_documentable(dialect: str) -> None:
    """A simple union has an implicit member 'type' (its tag) that its doc
    comment may describe, for as long as simple unions existed."""
    assert errors(SIMPLE_UNION_DOC, dialect) == []


def test_simple_union_branches_are_not_members() -> None:
    text = SIMPLE_UNION_DOC.replace("# @type: which shape", "# @square: a square")
    assert errors(text, "5.2") == ["4: documented member 'square' does not exist"]


QGA_STYLE_LIST = """\
    ##
    # @OsInfo:
    #
    # @release:
    # * POSIX: what uname says
    # * Windows: the build
    # @version:
    # * POSIX: also uname
    ##
    { 'struct': 'OsInfo', 'data': { 'release': 'str', 'version': 'str' } }
    """


@pytest.mark.parametrize("dialect", ["2.12", "5.0", "5.2", "8.0", "8.2"])
def test_line_after_bare_description_continues_it(dialect: str) -> None:
    result = load(QGA_STYLE_LIST, dialect)
    assert [d.message for d in result.diagnostics] == []
    release = result.docs[0].arg("release")
    assert release is not None
    assert release.text.splitlines() == ["* POSIX: what uname says", "* Windows: the build"]


def test_line_after_bare_description_ended_it_in_2_10() -> None:
    """2.10 and 2.11 started an untagged section there: the description
    was left empty."""
    assert errors(QGA_STYLE_LIST, "2.11") == ["4: Empty doc section 'release'"]


FIRST_CONTINUATION_SETS_INDENT = """\
    ##
    # @Box:
    #
    # @size: the size of the box,
    #     in bytes
    ##
    { 'struct': 'Box', 'data': { 'size': 'int' } }
    """


def test_first_continuation_line_sets_indentation_since_8_1() -> None:
    assert errors(FIRST_CONTINUATION_SETS_INDENT, "8.0") == [
        "5: unexpected de-indent (expected at least 7 spaces)"]
    assert errors(FIRST_CONTINUATION_SETS_INDENT, "8.1") == []
    assert load(FIRST_CONTINUATION_SETS_INDENT, "8.1").docs[0].arg("size").text == (  # type: ignore[union-attr]
        "the size of the box,\nin bytes")
    # before 5.2, text was stripped and not checked
    assert errors(FIRST_CONTINUATION_SETS_INDENT, "5.1") == []


def test_8_1_rule_is_not_the_5_2_rule() -> None:
    """From 8.1 later lines must keep the indentation the first continuation
    line set (not that of the text after '@size:')."""
    text = FIRST_CONTINUATION_SETS_INDENT.replace("#     in bytes", "#     in bytes,\n#   not words")
    assert errors(text, "8.1") == ["6: unexpected de-indent (expected at least 4 spaces)"]
    assert errors(text, "8.2") == ["6: unexpected de-indent (expected at least 4 spaces)"]


UNION_OF_UNIONS = """\
    { 'enum': 'Kind', 'data': [ 'a', 'b' ] }
    { 'enum': 'Sub', 'data': [ 'x' ] }
    { 'struct': 'Empty', 'data': {} }
    { 'union': 'Inner', 'base': { 'sub': 'Sub' }, 'discriminator': 'sub',
      'data': { 'x': 'Empty' } }
    { 'union': 'Outer', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind',
      'data': { 'a': 'Inner', 'b': 'Empty' } }
    """


def test_union_branches_may_be_unions_since_8_1() -> None:
    assert errors(UNION_OF_UNIONS, "8.0") == ["7: branch 'a' cannot use union type 'Inner'"]
    assert errors(UNION_OF_UNIONS, "8.1") == []


def test_union_of_unions_is_detected_as_8_1_or_later() -> None:
    old_docs = UNION_OF_UNIONS + "##\n# @c:\n#\n# Example:\n#\n# -> { \"execute\": \"c\" }\n##\n{ 'command': 'c' }\n"
    result = load(old_docs)
    assert str(result.dialect) == "8.1"
    assert errors(old_docs) == []


LINE_STYLE = """\
    ##
    # @Shape:
    #
    # A shape. It has sides, and the doc line that says so is far too long to fit.
    ##
    { 'struct': 'Shape', 'data': {} }
    ##
    # @draw:
    #
    # .. qmp-example::
    #
    #    -> { "execute": "draw" }
    ##
    { 'command': 'draw' }
    """


def test_line_style_rules_arrived_in_10_2() -> None:
    assert errors(LINE_STYLE, "10.1") == []
    assert errors(LINE_STYLE, "10.2") == ["4: documentation line longer than 70 characters",
                                          "4: Use two spaces between sentences"]
    # '.. qmp-example::' (9.1) does not make detection pick 10.2
    assert str(load(LINE_STYLE).dialect) == "10.1"


def test_legacy_headings_are_headings_until_10_1() -> None:
    text = "##\n# = Shapes\n##\n"
    for dialect, expected in (("10.0", []), ("10.1", ["QD607"])):
        result = load(text, dialect)
        assert [d.code for d in check_rst(result.docs, Dialect(parse_dialect(dialect) or (0, 0)))] == expected


# --- rules found by the differential tests ----------------------------------------------------

def test_member_case_before_6_0() -> None:
    """Until 4.1, upper case in a member, value or branch name was refused
    when clashes were checked, unless 'name-case-whitelist' named the type
    owning it; 4.2 to 5.2 refused it where the definition was read."""
    text = "{ 'struct': 'Point', 'data': { 'X': 'int' } }\n"
    assert errors(text, "4.1") == ["1: 'X' (member of Point) should not use uppercase"]
    assert errors(text, "5.2") == ["1: 'data' member 'X' uses uppercase in name"]
    allowed = "{ 'pragma': { 'name-case-whitelist': [ 'Point' ] } }\n" + text
    assert errors(allowed, "4.1") == errors(allowed, "5.2") == []
    # command arguments: owned by an implicit type before 4.2, never allowed after
    command = ("{ 'pragma': { 'name-case-whitelist': [ 'q_obj_go-arg' ] } }\n"
               "{ 'command': 'go', 'data': { 'X': 'int' } }\n")
    assert errors(command, "4.1") == []
    assert errors(command, "5.2") == ["2: 'data' member 'X' uses uppercase in name"]


@pytest.mark.parametrize(("dialect", "expected"), [
    ("4.1", "1: 'Square' (branch of Shape) should not use uppercase"),
    ("5.2", "1: 'data' member 'Square' uses uppercase in name"),
    ("6.1", "1: name of 'data' member 'Square' must not use uppercase or '_'"),
])
def test_simple_union_branch_names(dialect: str, expected: str) -> None:
    assert errors("{ 'union': 'Shape', 'data': { 'Square': 'int' } }\n", dialect) == [expected]


def test_simple_union_branches_must_not_clash() -> None:
    text = "{ 'union': 'Shape', 'data': { 'a-b': 'int', 'a_b': 'str' } }\n"
    assert errors(text, "5.2") == ["1: branch 'a_b' collides with branch 'a-b'"]


@pytest.mark.parametrize("dialect", ["2.10", "5.2", "8.2", "9.0", "10.2"])
def test_descriptions_need_text(dialect: str) -> None:
    text = "##\n# @go:\n#\n# @a:\n# @b: text\n##\n{ 'command': 'go', 'data': { 'a': 'int', 'b': 'int' } }\n"
    [error] = errors(text, dialect)
    assert error.startswith("4: ")
    assert "empty doc section 'a'" in error.lower() or "text required after" in error


def test_equals_headings() -> None:
    """'= Heading' lines: refused in a definition's doc from 5.2, and not
    after the first line of a free-form block from 9.0, until 10.1 made them
    plain text."""
    in_definition = "##\n# @Box:\n#\n# = Boxes\n##\n{ 'struct': 'Box', 'data': {} }\n"
    assert errors(in_definition, "5.1") == []
    assert errors(in_definition, "5.2") == ["4: unexpected '=' markup in definition documentation"]
    assert errors(in_definition, "10.0") == ["4: unexpected '=' markup in definition documentation"]
    assert errors(in_definition, "10.1") == []
    late = "##\n# Text first.\n#\n# = Heading\n##\n"
    assert errors(late, "8.2") == []
    assert errors(late, "9.0") == ["4: '=' heading must come first in a comment block"]
    assert errors(late, "10.1") == []


def test_members_need_descriptions_since_9_0() -> None:
    text = "##\n# @go:\n#\n# Go.\n##\n{ 'command': 'go', 'data': { 'a': 'int' } }\n"
    assert errors(text, "8.2") == []
    assert errors(text, "9.0") == ["6: member 'a' lacks documentation"]


def test_unboxed_conditional_arguments_refused_since_8_1() -> None:
    text = "{ 'command': 'go', 'data': { 'a': { 'type': 'int', 'if': 'HAVE_A' } } }\n"
    assert errors(text, "8.0") == []
    assert errors(text, "8.1") == ["1: conditional command arguments require 'boxed': true"]


def test_comment_after_doc_block_in_9_0() -> None:
    """QEMU 9.0 read a comment right after a doc comment as another one."""
    text = "##\n# Free text.\n##\n\n# a comment\n{ 'pragma': { 'doc-required': false } }\n"
    assert errors(text, "8.2") == []
    assert errors(text, "9.0") == ["5: junk after '##' at start of documentation comment"]
    assert errors(text, "9.1") == []


def test_top_level_value_that_is_not_an_object() -> None:
    text = "[ 'a' ]\n"
    assert errors(text, "6.0") == ["1: expected '{'"]
    assert errors(text, "6.1") == ["1: top-level expression must be an object"]


def test_doc_text_keeps_its_indentation_since_9_1() -> None:
    text = "##\n# @Box:\n#\n# @size: the size\n#     in bytes\n##\n{ 'struct': 'Box', 'data': { 'size': 'int' } }\n"
    assert load(text, "9.0").docs[0].arg("size").text == "the size\nin bytes"  # type: ignore[union-attr]
    assert load(text, "9.1").docs[0].arg("size").text == "the size\n    in bytes"  # type: ignore[union-attr]


def test_descriptions_checked_for_every_definition_since_4_2() -> None:
    """Before 4.2 QEMU checked '@name:' descriptions only where it checked
    an object type with the doc attached (not enums, nor commands whose
    arguments are a named type)."""
    text = "##\n# @Colour:\n#\n# @blue: no such value\n##\n{ 'enum': 'Colour', 'data': [ 'red' ] }\n"
    assert errors(text, "4.1") == []
    assert errors(text, "4.2") == ["4: documented member 'blue' does not exist"]


USES_BEFORE_BAD_VALUE = """\
    { 'struct': 'Head', 'data': { 'kind': 'Sort' } }
    { 'union': 'Shape', 'base': 'Head', 'discriminator': 'kind',
      'data': { 'circle': 'Head' } }
    { 'enum': 'Sort', 'data': [ '!circle' ] }
    """


def test_definition_with_a_bad_part_name_stays_in_the_model() -> None:
    """Before 4.2 QEMU checked each definition in source order, with its
    parts' names: a union's discriminator values were checked against the
    enum before the enum's own bad value name when the union came first.
    From 4.2 all names are checked before any definition is built."""
    assert errors(USES_BEFORE_BAD_VALUE, "4.1") == [
        "3: branch 'circle' is not a value of enum type 'Sort'",
        "4: 'data' member '!circle' has an invalid name"]
    assert errors(USES_BEFORE_BAD_VALUE, "4.2")[0] == "4: 'data' member '!circle' has an invalid name"


def test_bad_member_name_keeps_the_struct() -> None:
    text = "{ 'struct': 'Box', 'data': { 'a b': 'int', 'size': 'nosuchtype' } }\n"
    assert errors(text, "10.2") == ["1: 'data' member 'a b' has an invalid name",
                                    "1: member 'size' uses unknown type 'nosuchtype'"]


def test_unicode_escapes_were_ascii_only_before_4_2() -> None:
    escaped = "{ 'enum': 'Letter', 'data': [ 'a' ], 'prefix': 'L_\\u00e9' }\n"
    assert errors(escaped, "4.1") == ["1: \\u escape only supports non-zero values up to \\u007f"]
    assert errors(escaped.replace("00e9", "0041"), "4.1") == []
    assert errors(escaped.replace("00e9", "0000"), "2.10") == [
        "1: \\u escape only supports non-zero values up to \\u007f"]
    assert errors(escaped.replace("00e9", "0041"), "4.2") == ["1: unknown escape \\u"]


# --- which error comes first --------------------------------------------------
#
# QEMU stops at its first error.  It lexes one token past an expression, then
# handles the expression (a directive, the file it includes, a top-level
# value that is not an object), and only then parses what follows.

@pytest.mark.parametrize("dialect", ["2.10", "4.1", "6.0", "6.1", "10.2"])
def test_directive_is_handled_before_what_follows_is_parsed(dialect: str) -> None:
    text = "{ 'pragma': { 'doc-required': true }, 'extra': 'x' }\n]\n"
    assert errors(text, dialect)[0].startswith("1: ")
    assert any(e.startswith("2: ") for e in errors(text, dialect))


@pytest.mark.parametrize(("dialect", "first"), [
    ("6.0", "1: expected '{'"), ("6.1", "1: top-level expression must be an object"),
    ("10.2", "1: top-level expression must be an object")])
def test_top_level_value_is_refused_before_what_follows_is_parsed(dialect: str, first: str) -> None:
    assert errors("[ ]\n}\n", dialect)[0] == first


@pytest.mark.parametrize("dialect", ["2.12", "6.1", "10.2"])
def test_included_file_is_read_before_what_follows_is_parsed(tmp_path: pathlib.Path, dialect: str) -> None:
    (tmp_path / "sub.json").write_text("{ 'struct': 'Empty', 'data': { }, 'oops': 1 }\n")
    (tmp_path / "root.json").write_text("{ 'include': 'sub.json' }\n]\n")
    result = load_schema(str(tmp_path / "root.json"), LoadOptions(dialect=parse_dialect(dialect)))
    first = next(d for d in result.diagnostics if d.level.value == "error")
    assert first.span is not None and first.span.file.path.endswith("sub.json")


@pytest.mark.parametrize("dialect", ["2.12", "6.0", "10.2"])
def test_token_after_a_directive_is_lexed_before_the_directive_is_handled(dialect: str) -> None:
    assert errors("{ 'pragma': { 'no-such': [ ] } }\n-\n", dialect) == [
        "2: stray '-'", "1: unknown pragma 'no-such'"]


def test_string_after_a_top_level_value_is_lexed_before_the_value_is_refused() -> None:
    assert errors("'data'\n'\\u0041'\n", "10.2")[0] == "2: unknown escape \\u"
    assert errors("'data'\n'\\u0041'\n", "6.0")[0] == "1: expected '{'"


def test_doc_comment_is_read_after_a_top_level_value_is_refused() -> None:
    assert errors("true\n## x\n##\n", "10.2")[0] == "1: top-level expression must be an object"


RETURNS_ON_REDEFINED_EVENT = """\
    { 'event': 'PING' }
    ##
    # @PING:
    #
    # Returns: nothing
    ##
    { 'event': 'PING' }
    """


def test_doc_sections_are_checked_with_the_definition_since_4_2() -> None:
    """From 4.2 QEMU checks a 'Returns' section as it checks the definition
    it documents, before it builds the schema (where a second definition of
    a name is refused); before, it knew every name first."""
    assert errors(RETURNS_ON_REDEFINED_EVENT, "4.1")[0] == "7: 'PING' is already defined"
    assert errors(RETURNS_ON_REDEFINED_EVENT, "4.2")[0] == "5: 'Returns:' is only valid for commands"
    assert errors(RETURNS_ON_REDEFINED_EVENT, "10.2")[0] == "5: 'Returns' section is only valid for commands"


COMMAND_AND_EVENT = "{ 'command': 'ping' }\n{ 'event': 'PONG' }\n"


@pytest.mark.parametrize("dialect", ["2.12", "4.2", "10.2"])
@pytest.mark.parametrize(("definition", "expected"), [
    ("{ 'struct': 'Box', 'data': { 'a': 'PONG' } }", "member 'a' cannot use event type 'PONG'"),
    ("{ 'struct': 'Box', 'data': { 'a': [ 'ping' ] } }", "array cannot use command type 'ping'"),
    ("{ 'command': 'poke', 'data': { 'how': 'ping' } }", "parameter 'how' cannot use command type 'ping'"),
])
def test_commands_and_events_are_no_types(dialect: str, definition: str, expected: str) -> None:
    """A command's or an event's name is no type: no member, argument or
    array may use it (every release refused it; before 4.2 as a command or
    event type, from 4.2 as an unknown type)."""
    assert errors(COMMAND_AND_EVENT + definition + "\n", dialect) == [f"3: {expected}"]


def test_enum_with_clashing_values_stays_in_the_model() -> None:
    """Two values of an enum that collide are reported, and the enum kept:
    before 4.2 QEMU checked an alternate that uses it first; from 4.2, the
    enum first."""
    text = ("{ 'enum': 'Digit', 'data': [ '1', '2', '1' ] }\n"
            "{ 'alternate': 'Either', 'data': { 'digit': 'Digit', 'count': 'int' } }\n")
    assert errors(text, "4.1") == ["2: branch 'count' can't be distinguished from 'digit'",
                                   "1: value '1' collides with value '1'"]
    assert errors(text, "10.2") == ["1: value '1' collides with value '1'",
                                    "2: branch 'count' can't be distinguished from 'digit'"]


def test_doc_comment_checked_after_its_definition_before_4_2() -> None:
    text = ("##\n# @Choice:\n# @left: a\n##\n"
            "{ 'alternate': 'Choice', 'data': { 'flag': 'bool', 'Count': 'int' } }\n")
    assert errors(text, "4.1") == ["5: 'Count' (branch of Choice) should not use uppercase",
                                   "3: documented member 'left' does not exist"]


# A struct whose members collide is kept (without the second), so what uses
# it is still checked, in QEMU's order: before 4.2 a union, an alternate or
# a command before the clashes of the types it uses; from 4.2 a union checks
# its base (the clash first), an alternate and, until 8.1, a command do not.

CLASHING_HEAD = ("{ 'enum': 'Sort', 'data': [ 'a' ] }\n"
                 "{ 'union': 'Uni', 'base': 'Head', 'discriminator': 'nope', 'data': { 'a': 'Void' } }\n"
                 "{ 'struct': 'Head', 'data': { 'kind': 'Sort', 'a-b': 'int', 'a_b': 'int' } }\n"
                 "{ 'struct': 'Void', 'data': { } }\n")
CLASHING_ARGS = ("{ 'command': 'go', 'data': 'Args', 'returns': 'int' }\n"
                 "{ 'struct': 'Args', 'data': { 'a-b': 'int', 'a_b': 'int' } }\n")
CLASHING_BRANCH = ("{ 'alternate': 'Alt', 'data': { 'one': 'Args', 'two': 'Void' } }\n"
                   "{ 'struct': 'Args', 'data': { 'a-b': 'int', 'a_b': 'int' } }\n"
                   "{ 'struct': 'Void', 'data': { } }\n")


@pytest.mark.parametrize(("text", "dialect", "first"), [
    (CLASHING_HEAD, "4.1", "2: discriminator 'nope' is not a member of 'base'"),
    (CLASHING_HEAD, "4.2", "3: member 'a_b' collides with member 'a-b'"),
    (CLASHING_ARGS, "4.1", "1: command's 'returns' cannot take built-in type 'int'"),
    (CLASHING_ARGS, "5.2", "1: command's 'returns' cannot take built-in type 'int'"),
    (CLASHING_BRANCH, "4.1", "1: branch 'two' can't be distinguished from 'one'"),
    (CLASHING_BRANCH, "5.2", "1: branch 'two' can't be distinguished from 'one'"),
])
def test_struct_with_clashing_members_stays_in_the_model(text: str, dialect: str, first: str) -> None:
    found = errors(text, dialect)
    assert found[0] == first
    assert any("collides with member 'a-b'" in error for error in found)


@pytest.mark.parametrize("dialect", ["2.12", "6.1", "10.2"])
def test_duplicate_key_is_met_before_its_value_is_read(dialect: str) -> None:
    text = "{ 'struct': 'Box',\n  'struct': { 'a': 'int',\n{ 'command': 'x' }\n"
    assert errors(text, dialect)[0] == "2: duplicate key 'struct'"


GONE_MEMBER = """\
    ##
    # @Head:
    #
    # @kind: the sort
    #
    # @gone: no such member
    ##
    { 'struct': 'Head', 'data': { 'kind': 'Sort' } }
    { 'enum': 'Sort', 'data': [ 'a' ] }
    { 'union': 'Uni', 'base': 'Head', 'discriminator': 'nope', 'data': { 'a': 'Void' } }
    { 'struct': 'Void', 'data': { } }
    """


@pytest.mark.parametrize(("dialect", "first"), [
    ("4.1", "10: discriminator 'nope' is not a member of 'base'"),
    ("4.2", "6: documented member 'gone' does not exist"),
    ("8.2", "6: documented member 'gone' does not exist"),
    ("9.0", "10: discriminator 'nope' is not a member of 'base'"),
])
def test_descriptions_of_what_does_not_exist_are_checked_with_the_definition_from_4_2_to_8_2(
        dialect: str, first: str) -> None:
    """From 4.2 QEMU checks a definition's doc comment right after the
    definition, in turn; from 9.0 its descriptions of what does not exist
    wait until the whole schema is checked."""
    found = errors(GONE_MEMBER, dialect)
    assert found[0] == first
    assert len(found) == 2


# Before 4.2 QEMU checked a union against its base's members and its enum's
# values as written, before their own errors: a member or value with an
# error is reported and kept as far as its name and type can be read.

UNION_OF_HEAD = ("{ 'union': 'Uni', 'base': 'Head', 'discriminator': 'nope', 'data': { 'a': 'Void' } }\n"
                 "{ 'struct': 'Head', 'data': { 'kind': 'Sort', %s }%s }\n"
                 "{ 'enum': 'Sort', 'data': [ 'a' ] }\n"
                 "{ 'struct': 'Void', 'data': { } }\n")
UNION_OF_SORT = ("{ 'union': 'Uni', 'base': 'Head', 'discriminator': 'kind', 'data': { 'b': 'Void' } }\n"
                 "{ 'struct': 'Head', 'data': { 'kind': 'Sort' } }\n"
                 "{ 'enum': 'Sort', 'data': [ 'a'%s ]%s }\n"
                 "{ 'struct': 'Void', 'data': { } }\n")


@pytest.mark.parametrize(("text", "first"), [
    (UNION_OF_HEAD % ("'x': { 'type': 'int', 'bogus': 'y' }", ""), "1: discriminator 'nope' is not a member of 'base'"),
    (UNION_OF_HEAD % ("'x': [ 'int', 'str' ]", ""), "1: discriminator 'nope' is not a member of 'base'"),
    (UNION_OF_HEAD % ("'x': 'int'", ", 'features': [ 'f', 'f' ]"), "1: discriminator 'nope' is not a member of 'base'"),
    (UNION_OF_SORT % ("", ", 'prefix': [ ]"), "1: branch 'b' is not a value of enum type 'Sort'"),
    (UNION_OF_SORT % (", { 'name': 'c', 'bogus': 'y' }", ""), "1: branch 'b' is not a value of enum type 'Sort'"),
])
def test_definition_with_a_bad_part_is_kept_for_the_checks_of_others(text: str, first: str) -> None:
    found = errors(text, "4.1")
    assert found[0] == first
    assert len(found) == 2


@pytest.mark.parametrize(("dialect", "expected"), [
    ("4.1", ["2: 'Up' (feature of Box) should not use uppercase"]),
    ("6.0", ["2: name of 'features' member 'Up' must not use uppercase or '_'"]),
    ("6.1", []),
    ("7.0", []),
    ("7.1", ["2: name of 'features' member 'Up' must not use uppercase or '_'"]),
])
def test_feature_name_case(dialect: str, expected: list[str]) -> None:
    """6.1 checked only the syntax of feature names, until 7.1."""
    assert errors("{ 'struct': 'Box', 'data': { },\n  'features': [ 'Up' ] }\n", dialect) == expected


def test_returns_section_of_a_command_with_an_unknown_key() -> None:
    """A command left out of the model for an unknown key still has the
    'returns' it was written with, which its 'Returns' section is checked
    against (before its keys, from 4.2)."""
    text = "##\n# @go:\n#\n# Returns: a count\n##\n{ 'command': 'go', 'returns': 'Count', 'bogus': 'x' }\n"
    assert errors(text, "10.2")[0] == "6: command has unknown key 'bogus'"
    assert errors(text.replace("'returns': 'Count', ", ""), "10.2")[0] == (
        "4: 'Returns' section, but command doesn't return anything")


@pytest.mark.parametrize("dialect", ["2.12", "4.1"])
def test_name_that_is_no_string_is_a_first_pass_error_before_4_2(dialect: str) -> None:
    """Before 4.2 QEMU read every definition's keys and name before anything
    else, a meta key whose value is no string among them."""
    text = "{ 'struct': 'Box', 'enum': { 'a': 'int' } }\n{ 'union': 'Uni', 'bogus': 'x', 'data': { } }\n"
    assert errors(text, dialect)[0] == "1: 'enum' requires a string name"
