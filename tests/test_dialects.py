"""The language of each era: what one QEMU release accepts and another
refuses, checked on small schemas of our own."""

from __future__ import annotations

import pathlib

import pytest

from qapidoc import LoadOptions, LoadResult, load_text
from qapidoc.cli.main import main
from qapidoc.frontend.dialect import (
    CHANGES,
    RELEASES,
    Dialect,
    DialectEvidence,
    detect,
    parse_dialect,
    release_after,
    release_at_or_before,
    release_before,
)


def load(text: str, dialect: str | None = None) -> LoadResult:
    version = parse_dialect(dialect) if dialect else None
    return load_text("t.json", text, LoadOptions(dialect=version))


def errors(text: str, dialect: str | None = None) -> list[str]:
    return [d.message.split("\n")[0] for d in load(text, dialect).diagnostics if d.level.value == "error"]


@pytest.mark.parametrize(("text", "old", "new", "message"), [
    # 2.10 strings took JSON escapes; 4.2 kept only '\\'
    ("{ 'enum': 'Colour', 'data': [ 'a\\u0062' ] }", "2.10", "10.2", "unknown escape \\u"),
    # simple unions went away in 6.2
    ("{ 'enum': 'Kinds', 'data': ['a'] }\n{ 'struct': 'Shape', 'data': {} }\n"
     "{ 'union': 'Thing', 'data': { 'a': 'Shape' } }", "6.1", "10.2", "union misses keys 'base', 'discriminator'"),
    # 'if' was a C expression until 6.1, then a symbol or all/any/not
    ("{ 'struct': 'Shape', 'data': {}, 'if': 'defined(CONFIG_X)' }", "5.2", "10.2",
     "'if' condition 'defined(CONFIG_X)' of struct is not a valid identifier"),
    # case rules arrived in 6.0
    ("{ 'event': 'lower' }", "5.2", "10.2", "name of event must not use lowercase or '-'"),
    ("{ 'command': 'Foo_Bar' }", "5.2", "10.2", "name of command must not use uppercase or '_'"),
    ("{ 'struct': 'Shape', 'data': { 'a_b': 'int' } }", "5.2", "10.2",
     "name of 'data' member 'a_b' must not use uppercase or '_'"),
    # features on enum values since 6.2
    ("{ 'enum': 'Colour', 'data': [ { 'name': 'a', 'features': [ 'f' ] } ] }", "10.2", "5.2",
     "'data' member has unknown key 'features'"),
    # alternates with array branches since 7.1
    ("{ 'alternate': 'Choice', 'data': { 'l': ['int'], 's': 'str' } }", "7.2", "6.2",
     "'data' member 'l' should be a type name"),
    # the Kind suffix was reserved for simple unions until 6.1
    ("{ 'enum': 'FooKind', 'data': [ 'a' ] }", "10.2", "6.1", "enum name should not end in 'Kind'"),
    # the 'coroutine' flag came in 5.2
    ("{ 'command': 'c', 'coroutine': true }", "5.2", "5.1", "command has unknown key 'coroutine'"),
])
def test_accepted_by_one_era_refused_by_another(text: str, old: str, new: str, message: str) -> None:
    assert errors(text, old) == []
    assert message in errors(text, new)


@pytest.mark.parametrize(("pragma", "ok_in", "bad_in"), [
    ("returns-whitelist", "5.2", "10.2"),
    ("name-case-whitelist", "2.10", "6.0"),
    ("command-returns-exceptions", "6.0", "5.2"),
    ("documentation-exceptions", "9.0", "8.2"),
])
def test_pragma_names_by_era(pragma: str, ok_in: str, bad_in: str) -> None:
    text = f"{{ 'pragma': {{ '{pragma}': [] }} }}"
    assert errors(text, ok_in) == []
    assert errors(text, bad_in) == [f"unknown pragma '{pragma}'"]


def test_pragmas_are_global_and_the_last_value_wins(tmp_path: object) -> None:
    text = ("{ 'pragma': { 'member-name-exceptions': [ 'Apple' ] } }\n"
            "{ 'pragma': { 'member-name-exceptions': [ 'Banana' ] } }\n"
            "{ 'struct': 'Apple', 'data': { 'x_y': 'int' } }\n"
            "{ 'struct': 'Banana', 'data': { 'x_y': 'int' } }\n")
    assert errors(text, "10.2") == ["name of 'data' member 'x_y' must not use uppercase or '_'"]


DOC_2017 = """##
# @cmd:
#
# Some text
# Since: 1.0
##
{ 'command': 'cmd' }
"""


def test_section_tags_mid_paragraph() -> None:
    """2.10 and 5.2 see a 'Since:' tag at any line start; 9.0 and later only
    at a paragraph start."""
    old = load(DOC_2017, "2.10").docs[0]
    assert old.since == "1.0"
    new = load(DOC_2017, "10.2").docs[0]
    assert new.since is None
    assert "Since: 1.0" in new.body.text


def test_example_sections_refused_since_9_1() -> None:
    text = "##\n# @cmd:\n#\n# Example:\n#\n# -> { \"execute\": \"cmd\" }\n##\n{ 'command': 'cmd' }\n"
    old = load(text, "7.2")
    assert not old.diagnostics
    assert old.docs[0].examples[0].kind == "section"
    assert errors(text, "10.2") == [
        "The 'Example' section is no longer supported. Please use the '.. qmp-example::' directive, "
        "or other suitable markup instead."]


def test_undocumented_members_are_errors_since_9_1() -> None:
    text = "##\n# @Shape:\n#\n# A struct.\n##\n{ 'struct': 'Shape', 'data': { 'a': 'int' } }\n"
    assert errors(text, "7.2") == []
    assert errors(text, "10.2") == ["member 'a' lacks documentation"]
    excepted = "{ 'pragma': { 'documentation-exceptions': [ 'Shape' ] } }\n" + text
    assert errors(excepted, "10.2") == []


def test_doc_line_style_since_10_2() -> None:
    text = ("##\n# @Shape:\n#\n# One sentence. Another one, after a single space, on a line that is too long.\n"
            "##\n{ 'struct': 'Shape', 'data': {} }\n")
    assert errors(text, "10.1") == []
    assert errors(text, "10.2") == ["documentation line longer than 70 characters",
                                    "Use two spaces between sentences"]


@pytest.mark.parametrize(("text", "expected"), [
    ("{ 'struct': 'Shape', 'data': {} }", "10.2"),
    ("{ 'pragma': { 'returns-whitelist': [] } }", "2.10"),
    # features came in 4.1; the whitelist pragma was renamed in 6.0
    ("{ 'pragma': { 'returns-whitelist': [] } }\n{ 'struct': 'Shape', 'data': {}, 'features': ['f'] }",
     "4.1"),
    # 'if' came in 3.0; C expressions went in 6.2
    ("{ 'struct': 'Shape', 'data': {}, 'if': 'defined(X)' }", "3.0"),
    # the long member form came in 4.0 (a member named 'type' is no evidence)
    ("{ 'struct': 'Shape', 'data': { 'type': 'str', 'n': { 'type': 'int' } } }\n"
     "##\n# @c:\n#\n# Example:\n#\n# -> {}\n##\n{ 'command': 'c' }", "4.0"),
    ("{ 'struct': 'Shape', 'data': { 'type': 'str' } }\n"
     "##\n# @c:\n#\n# Example:\n#\n# -> {}\n##\n{ 'command': 'c' }", "2.10"),
    ("{ 'struct': 'Shape', 'data': {}, 'if': 'X' }\n##\n# @c:\n#\n# Example:\n#\n# -> {}\n##\n"
     "{ 'command': 'c' }", "6.2"),
    ("{ 'alternate': 'Choice', 'data': { 'l': ['int'], 'n': 'null' } }\n"
     "##\n# @c:\n#\n# Note: old\n##\n{ 'command': 'c' }", "7.1"),
    # a modern schema with one old mistake is checked by the newest rules
    ("##\n# @c:\n#\n# .. qmp-example::\n#\n#    -> {}\n##\n{ 'command': 'c' }\n"
     "##\n# @d:\n#\n# Example:\n#\n# -> {}\n##\n{ 'command': 'd' }", "10.2"),
])
def test_detection(text: str, expected: str) -> None:
    assert str(load(text).dialect) == expected


def test_change_table() -> None:
    for name, (version, what) in CHANGES.items():
        assert (2, 10) <= version <= (10, 2), name
        assert what
    assert Dialect((7, 2)).has("if-objects") and not Dialect((6, 1)).has("if-objects")
    evidence = DialectEvidence()
    assert detect(evidence) == Dialect((10, 2))
    assert parse_dialect("7.2") == (7, 2) and parse_dialect("10.2.50") == (10, 2)
    assert parse_dialect("1.0") is None and parse_dialect("seven") is None


def test_line_style_breaches_are_weak_evidence() -> None:
    """A doc line over 70 columns, or one space between sentences, says the
    schema predates 10.2 (whose rules refuse them) but may be a slip in a
    modern schema: it selects 10.1, not the oldest rules."""
    long_line = "x" * 75
    text = f"##\n# @Shape:\n#\n# {long_line}\n##\n{{ 'struct': 'Shape', 'data': {{}} }}\n"
    assert str(load(text).dialect) == "10.1"
    spaced = "##\n# @Shape:\n#\n# One. Two.\n##\n{ 'struct': 'Shape', 'data': {} }\n"
    assert str(load(spaced).dialect) == "10.1"
    assert errors(spaced) == []
    # ... unless something stronger says more,
    assert str(load(text + "{ 'pragma': { 'returns-whitelist': [] } }\n").dialect) == "2.10"
    # and '.. qmp-example::' (9.1) does not make it 10.2: 10.1 accepts
    # the schema, and detection never picks a release that refuses what an
    # earlier one accepts (QEMU 9.1 to 10.1 have such lines).
    modern = text + "##\n# @c:\n#\n# .. qmp-example::\n#\n#    -> {}\n##\n{ 'command': 'c' }\n"
    assert str(load(modern).dialect) == "10.1"
    assert errors(modern) == []
    assert "documentation line longer than 70 characters" in errors(modern, "10.2")


# --- the VERSION file of a QEMU tree -----------------------------------------------------

def _tree(tmp_path: pathlib.Path, version: str | None, schema: str, where: str = "qapi") -> pathlib.Path:
    if version is not None:
        (tmp_path / "VERSION").write_text(version)
    root = tmp_path / where / "qapi-schema.json"
    root.parent.mkdir(parents=True, exist_ok=True)
    root.write_text(schema)
    return root


# A schema that shows nothing of its era: detection alone would pick 10.2.
PLAIN = "{ 'struct': 'Shape', 'data': { 'a': 'int' } }\n"
# An rST section title in a free-form doc comment: 10.1 reads it as one,
# 10.0 and before as a '=' heading out of place (an error).
DOCUMENTED = "##\n# @Shape:\n#\n# A shape.\n#\n# @a: its side\n##\n" + PLAIN
SECTION_TITLE = "##\n# Shapes\n# ======\n##\n\n" + DOCUMENTED
# An 'Errors:' section: 9.0 allows it, 8.2 reads it as plain text.
ERRORS_SECTION = "##\n# @c:\n#\n# Errors:\n#     - anything\n##\n{ 'command': 'c' }\n"


@pytest.mark.parametrize(("version", "schema", "expected"), [
    ("8.2.0\n", PLAIN, "8.2"),             # a release: its own rules
    ("8.2.4\n", PLAIN, "8.2"),             # a stable update of it
    ("4.3.0\n", PLAIN, "4.2"),             # not a release: the one before
    ("8.2.50\n", PLAIN, "8.2"),            # development after 8.2 ...
    ("8.2.50\n", ERRORS_SECTION, "9.0"),   # ... raised by what only 9.0 allows
    ("8.2.0\n", ERRORS_SECTION, "8.2"),    # (a release is never raised)
    ("10.0.50\n", SECTION_TITLE, "10.1"),  # a section title: what only 10.1 allows
    ("8.2.90\n", PLAIN, "9.0"),            # a release candidate of 9.0
    ("10.2.50\n", PLAIN, "10.2"),          # after the newest release qapidoc knows
    ("11.0.0\n", PLAIN, "10.2"),
])
def test_version_file_decides(tmp_path: pathlib.Path, version: str, schema: str, expected: str) -> None:
    root = _tree(tmp_path, version, schema)
    result = load_text(str(root), schema)
    assert str(result.dialect) == expected
    assert result.dialect.origin == "version-file"
    assert str(tmp_path / "VERSION") in result.dialect.evidence[0]


def test_section_titles_are_10_1() -> None:
    """The title is refused by 10.0's rules, accepted by 10.1's, and detected
    as 10.1; a '= Heading' line opening a block (10.0's) says nothing."""
    assert errors(SECTION_TITLE, "10.0") and not errors(SECTION_TITLE, "10.1")
    assert str(load(SECTION_TITLE).dialect) == "10.2"
    assert "an rST section title" in " ".join(load(SECTION_TITLE).dialect.evidence)
    old_heading = "##\n# = Shapes\n##\n\n" + DOCUMENTED
    assert not errors(old_heading, "10.0")
    assert "section title" not in " ".join(load(old_heading).dialect.evidence)


def test_version_file_is_found_from_nested_roots(tmp_path: pathlib.Path) -> None:
    root = _tree(tmp_path, "5.2.0\n", PLAIN, "storage-daemon/qapi")
    assert str(load_text(str(root), PLAIN).dialect) == "5.2"


@pytest.mark.parametrize("content", ["", "banana\n", "1.2.3\n", "8.2\n", "v8.2.0\n", "8.2.0-rc1\n"])
def test_other_version_files_are_ignored(tmp_path: pathlib.Path, content: str) -> None:
    """A VERSION that does not look like QEMU's (another project's, or
    before 2.10) does not decide; detection does."""
    root = _tree(tmp_path, content, PLAIN)
    result = load_text(str(root), PLAIN)
    assert result.dialect.origin != "version-file"
    assert str(result.dialect) == "10.2"


def test_configured_dialect_beats_version_file(tmp_path: pathlib.Path) -> None:
    root = _tree(tmp_path, "8.2.0\n", PLAIN)
    result = load_text(str(root), PLAIN, LoadOptions(dialect=(6, 0)))
    assert (str(result.dialect), result.dialect.origin) == ("6.0", "configured")


def test_show_dialect_names_the_version_file(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path, "7.1.50\n", PLAIN)
    assert main(["check", "--show-dialect", str(root)]) == 0
    said = capsys.readouterr().err
    assert "dialect 7.1" in said and "VERSION says 7.1.50 (development after 7.1)" in said


def test_releases_in_order() -> None:
    assert len(RELEASES) == 26 and tuple(sorted(RELEASES)) == RELEASES
    assert (RELEASES[0], RELEASES[-1]) == ((2, 10), (10, 2))
    assert release_before((3, 0)) == (2, 12) and release_before((6, 0)) == (5, 2)
    assert release_before((2, 10)) == (2, 10) and release_after((10, 2)) is None
    assert release_at_or_before((4, 3)) == (4, 2)
    # Every row of the table names a release that exists.
    assert all(version in RELEASES for version, _ in CHANGES.values())


INDENTED_AS_8_1 = ("##\n# @Box:\n#\n# @size: the size of the box,\n#     in bytes\n##\n"
                   "{ 'struct': 'Box', 'data': { 'size': 'int' } }\n")


def test_snapshot_with_the_next_release_s_doc_indentation(tmp_path: pathlib.Path) -> None:
    """A snapshot of the 8.0 to 8.1 development cycle may already hold the
    doc indentation that 8.1 allowed again (QEMU commit 08349786c8): read by
    8.1's rules; the 8.0 release is read by its own."""
    root = _tree(tmp_path, "8.0.50\n", INDENTED_AS_8_1)
    result = load_text(str(root), INDENTED_AS_8_1)
    assert str(result.dialect) == "8.1"
    assert [d.message for d in result.diagnostics] == []
    (tmp_path / "VERSION").write_text("8.0.0\n")
    released = load_text(str(root), INDENTED_AS_8_1)
    assert str(released.dialect) == "8.0"
    assert [d.message for d in released.diagnostics] == ["unexpected de-indent (expected at least 7 spaces)"]
