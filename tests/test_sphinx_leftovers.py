"""The Sphinx extension never drops doc text: what has no place in the
regular rendering is shown as written, with a warning at the ``.json`` line.

Each path where text could be lost is a case here: the lines after an
error stopped a doc comment's parse (in a definition's comment and in free
text), a description of a member the definition does not have, the comment
of a definition the model leaves out, a comment followed by another
definition, a top-level heading with nothing under it, and a section of a
kind the renderer does not know.  The rST is checked as text; one real
build checks that every doc line is in the output or named by a warning.
"""

from __future__ import annotations

import pathlib
import re

import pytest
from support.doc_coverage import uncovered_lines
from support.sphinx_projects import run_sphinx, small_project

from qapidoc.frontend.loader import LoadResult, load_text
from sphinx_ext import rstgen
from sphinx_ext.leftovers import unmatched_descriptions, unparsed_lines

SCHEMA = """\
##
# = Leftovers
##

##
# @Thing:
#
# Body text of Thing.
#
# @a: the first member
#
# @nope: describes a member Thing does not have
#
# @a: described twice, so the parse stops here
#
# Since: 9.0
##
{ 'struct': 'Thing', 'data': { 'a': 'int' } }

##
# @Broken:
#
# The body of a struct the model leaves out.
#
# @x: a member of an unknown type
#
# Since: 9.1
##
{ 'struct': 'Broken', 'data': { 'x': 'NoSuchType' } }

##
# @Ghost:
#
# A comment for a definition that is not there.
##
{ 'struct': 'Other', 'data': { 'b': 'str' } }

##
# = Only a heading
##

##
# = Free text
#
# A free-form comment.
#
# @c: a tag in free text stops the parse
#
# and this line is after it.
##
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> LoadResult:
    path = tmp_path_factory.mktemp("leftovers") / "schema.json"
    path.write_text(SCHEMA)
    result = load_text(str(path), SCHEMA)
    assert sorted(d.code for d in result.diagnostics) == ["QD311", "QD402", "QD404", "QD404"]
    return result


def rendered(result: LoadResult) -> rstgen.Rendered:
    return rstgen.render_items(result, rstgen.schema_items(result), rstgen.RenderOptions())


def block(text: str, start: str, lines: int) -> list[str]:
    """``lines`` lines of ``text`` from the one that is ``start``, stripped
    of their common indentation."""
    all_lines = text.splitlines()
    at = next(i for i, line in enumerate(all_lines) if line.strip() == start)
    chunk = all_lines[at:at + lines]
    cut = min(len(x) - len(x.lstrip()) for x in chunk if x.strip())
    return [x[cut:] for x in chunk]


def test_the_rest_of_a_comment_the_parse_did_not_reach_is_shown_as_written(loaded: LoadResult) -> None:
    thing = next(d for d in loaded.docs if d.symbol == "Thing")
    assert [line.text for line in unparsed_lines(thing)] == [
        "@a: described twice, so the parse stops here", "", "Since: 9.0"]
    out = rendered(loaded)
    assert block(out.text, "::", 6) == [
        "::", "", "   @a: described twice, so the parse stops here", "", "   Since: 9.0", ""]
    assert [(n.line, n.subtype) for n in out.notices if n.subtype == "unparsed"] == [(14, "unparsed"), (47, "unparsed")]
    notice = out.notices[0]
    assert notice.message == ("the doc comment could not be read past this point (see the error reported for it); "
                              "lines 14 to 16 shown as plain text at the end of 'Thing'")


def test_a_description_of_a_member_the_definition_lacks_is_shown(loaded: LoadResult) -> None:
    text = rendered(loaded).text
    assert block(text, "``nope``", 2) == ["``nope``", "   describes a member Thing does not have"]
    # the member it has is a row, shown once
    assert text.count(".. qapi:member:: a") == 1 and text.count("the first member") == 1


def test_the_comment_of_a_definition_the_model_leaves_out_is_shown(loaded: LoadResult) -> None:
    out = rendered(loaded)
    assert block(out.text, "``Broken``", 7) == [
        "``Broken``", "", "   The body of a struct the model leaves out.", "", "   Since: 9.1", "",
        "   ``x``"]
    assert ".. qapi:struct:: Broken" not in out.text
    assert [(n.line, n.message) for n in out.notices if n.subtype == "unbound"] == [
        (20, "doc comment shown without its definition: the definition of 'Broken' has errors that leave it "
             "out of the model"),
        (31, "doc comment shown without its definition: it is not followed by the definition of 'Ghost'"),
    ]
    assert "A comment for a definition that is not there." in out.text


def test_free_text_after_an_error_is_shown_where_it_stands(loaded: LoadResult) -> None:
    text = rendered(loaded).text
    assert text.index("A free-form comment.") < text.index("   @c: a tag in free text stops the parse") \
        < text.index("   and this line is after it.")


def test_a_top_level_heading_with_nothing_under_it_keeps_its_page(loaded: LoadResult) -> None:
    _, parts = rstgen.plan_parts(loaded, "section")
    assert [p.title for p in parts] == ["Leftovers", "Only a heading", "Free text"]
    assert "Only a heading\n==============" in rstgen.render_part(loaded, parts[1], rstgen.RenderOptions()).text


def test_a_section_of_an_unknown_kind_is_shown(loaded: LoadResult) -> None:
    """A kind of section a future doc grammar may bring: its text is shown
    as is, not skipped."""
    ghost = next(d for d in loaded.docs if d.symbol == "Ghost")
    body = ghost.body
    odd = ghost._replace(symbol="Other", body=body._replace(lines=()), sections=(body._replace(kind="mystery"),))
    result = loaded._replace(doc_for={**loaded.doc_for, "Other": odd})
    assert rstgen.render_definition(result, "Other", rstgen.RenderOptions()).text.count(
        "A comment for a definition that is not there.") == 1


def test_descriptions_shown_are_not_leftovers(loaded: LoadResult) -> None:
    thing = next(d for d in loaded.docs if d.symbol == "Thing")
    assert [s.name for s in unmatched_descriptions(thing, set())] == ["a", "nope"]
    assert [s.name for s in unmatched_descriptions(thing, {id(thing.arg("a"))})] == ["nope"]


@pytest.mark.slow
def test_every_line_is_in_the_built_manual_or_named_by_a_warning(tmp_path: pathlib.Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(SCHEMA)
    src = small_project(tmp_path / "src", {"ref": f"Reference\n=========\n\n.. qapi-doc:: {schema}\n"},
                        conf="qapidoc_lint = False\n")
    proc = run_sphinx(src, tmp_path / "text", "-b", "text", "-q")
    assert proc.returncode == 0, proc.stderr
    warnings = proc.stderr
    for line, subtype in [(14, "unparsed"), (20, "unbound"), (31, "unbound"), (47, "unparsed")]:
        assert re.search(rf"schema\.json:{line}: WARNING: .*\[qapi\.{subtype}\]", warnings), (line, warnings)
    coverage = uncovered_lines(load_text(str(schema), SCHEMA), [tmp_path / "text" / "ref.txt"], set())
    assert coverage.checked == 18 and coverage.missing == []
    # and the checker does find a line that is not there
    page = tmp_path / "text" / "ref.txt"
    page.write_text(page.read_text().replace("describes a member Thing does not have", ""))
    missing = uncovered_lines(load_text(str(schema), SCHEMA), [page], set()).missing
    assert [(m.line, m.text) for m in missing] == [(12, "@nope: describes a member Thing does not have")]
