"""A false error never costs the rest of the tool; every subcommand honours
``--ignore``/``--select``/``--severity`` and ``[tool.qapidoc]``.

Findings that leave the model complete (doc comments, pragmas) are reported
and do not stop ``jsonschema``, ``validate`` or ``diff``; errors that leave
something out of the model do, whatever the configuration hides.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qapidoc.backends.jsonschema import GenerateOptions, dump_json, generate
from qapidoc.cli import main
from qapidoc.frontend.loader import load_schema
from qapidoc.rules import ALL_RULES, MODEL_STAGES

# A schema whose only finding is in a doc comment: '@colour' documents no
# member (QD406).
DOC_ERROR = """\
##
# @Paint:
#
# @shade: how dark
#
# @colour: not a member
##
{ 'struct': 'Paint', 'data': { 'shade': 'int' } }

##
# @paint:
#
# @what: the paint
##
{ 'command': 'paint', 'data': { 'what': 'Paint' }, 'returns': 'Paint' }
"""

# One definition refers to a type nobody defines (QD311): 'paint' is left
# out of the model.
MODEL_ERROR = DOC_ERROR.replace("'returns': 'Paint'", "'returns': 'Varnish'")

GOOD_TRAFFIC = ('{"execute": "paint", "arguments": {"what": {"shade": 3}}, "id": 1}\n'
                '{"return": {"shade": 3}, "id": 1}\n')
BAD_TRAFFIC = ('{"execute": "paint", "arguments": {"what": {"shade": "dark"}}, "id": 1}\n'
               '{"return": {"shade": 3}, "id": 1}\n')


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with the schemas and a log, as the current directory
    (so no pyproject.toml of the checkout is found above it)."""
    (tmp_path / "doc.json").write_text(DOC_ERROR)
    (tmp_path / "model.json").write_text(MODEL_ERROR)
    (tmp_path / "newer.json").write_text(DOC_ERROR + "\n##\n# @rinse:\n##\n{ 'command': 'rinse' }\n")
    (tmp_path / "good.log").write_text(GOOD_TRAFFIC)
    (tmp_path / "bad.log").write_text(BAD_TRAFFIC)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err


# --- the model, not the findings, decides -------------------------------------------

def test_rules_say_whether_an_error_leaves_the_model_incomplete() -> None:
    """Doc comments, examples, rST and the engine never leave the model
    incomplete; syntax, shape and semantics do unless their entry says why
    not."""
    exceptions = {r.code for r in ALL_RULES if r.code.startswith(MODEL_STAGES) and not r.leaves_model_incomplete}
    assert exceptions == {"QD111", "QD120"}
    assert not any(r.leaves_model_incomplete for r in ALL_RULES if not r.code.startswith(MODEL_STAGES))


def _json_schema_files(path: Path) -> dict[str, str]:
    result = load_schema(str(path))
    assert result.schema is not None
    generated = generate(result.schema, GenerateOptions(descriptions=False), result.doc_for)
    return {name: dump_json(doc) for name, doc in generated.files().items()}


@pytest.mark.parametrize("broken, fixed", [
    # a doc comment that documents a member the type lacks (QD406)
    (DOC_ERROR, DOC_ERROR.replace("#\n# @colour: not a member\n", "")),
    # an undocumented member (QD405)
    (DOC_ERROR.replace("# @shade: how dark\n#\n", ""), DOC_ERROR.replace("#\n# @colour: not a member\n", "")),
    # a pragma with a value of the wrong type (QD120)
    ("{ 'pragma': { 'doc-required': 'yes' } }\n" + DOC_ERROR,
     "{ 'pragma': { 'doc-required': false } }\n" + DOC_ERROR.replace("#\n# @colour: not a member\n", "")),
], ids=["documented-nonexistent", "undocumented", "pragma-error"])
def test_errors_that_keep_the_model_change_no_json_schema(tmp_path: Path, broken: str, fixed: str) -> None:
    """What the rule table claims, shown on the output: the schema with the
    error and the schema without it give the same JSON Schema."""
    (tmp_path / "broken.json").write_text(broken)
    (tmp_path / "fixed.json").write_text(fixed)
    result = load_schema(str(tmp_path / "broken.json"))
    assert not result.ok and result.model_complete
    assert load_schema(str(tmp_path / "fixed.json")).ok
    assert _json_schema_files(tmp_path / "broken.json") == _json_schema_files(tmp_path / "fixed.json")


def test_an_error_in_a_definition_leaves_the_model_incomplete(project: Path) -> None:
    result = load_schema("model.json")
    assert not result.model_complete and "paint" in result.schema.broken  # type: ignore[union-attr]
    assert [d.code for d in result.model_gaps] == ["QD311"]


def test_jsonschema_writes_despite_doc_comment_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "jsonschema", "doc.json", "-o", "out")
    assert code == 0
    assert "doc.json:6:1: error: documented member 'colour' does not exist [QD406]" in err
    assert "the model is complete: the error above changes nothing in the JSON Schema" in err
    reply = json.loads((project / "out" / "commands" / "paint.reply.json").read_text())
    assert reply["properties"]["return"] == {"$ref": "urn:qapidoc:qmp:types.json#/$defs/Paint"}
    assert "out: " in out and "files" in out


def test_jsonschema_stops_when_the_model_is_incomplete_even_if_ignored(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "jsonschema", "model.json", "-o", "out", "--ignore", "QD311,QD406")
    assert code == 1 and not (project / "out").exists()
    assert "[QD311]" not in err and "[QD406]" not in err        # ignored: not printed
    assert ("model.json: nothing written: 1 error in the definitions (QD311; first at model.json:15) "
            "left paint out of the model") in err


def test_validate_checks_traffic_despite_doc_comment_errors(project: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "validate", "doc.json", "good.log")
    assert code == 0 and "no violations" in out
    assert "[QD406]" in err and "nothing in the checks of traffic" in err
    code, out, _ = _run(capsys, "validate", "doc.json", "bad.log")
    assert code == 1 and "$.arguments.what.shade" in out


def test_validate_stops_when_the_model_is_incomplete(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "validate", "model.json", "good.log")
    assert code == 1 and out == ""
    assert "no traffic checked: 1 error in the definitions (QD311" in err


def test_diff_compares_despite_doc_comment_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "diff", "doc.json", "newer.json", "--brief", "--fail-on", "any")
    assert code == 1 and "command rinse: command 'rinse' added" in out
    assert err.count("[QD406]") == 2


# --- every subcommand honours the rule options and [tool.qapidoc] -------------------------

#: each subcommand run on the doc-error schema, and where its findings go
COMMANDS = {
    "check": ["check", "doc.json"],
    "dump": ["dump", "doc.json"],
    "lint": ["lint", "doc.json"],
    "jsonschema": ["jsonschema", "doc.json", "-o", "out"],
    "validate": ["validate", "doc.json", "good.log"],
    "diff": ["diff", "doc.json", "newer.json"],
}
#: the exit code with the finding reported, and with it ignored
EXIT = {"check": (1, 0), "dump": (1, 0), "lint": (1, 0), "jsonschema": (0, 0), "validate": (0, 0),
        "diff": (0, 0)}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_subcommand_reports_then_ignores_by_option(project: Path, capsys: pytest.CaptureFixture[str],
                                                         command: str) -> None:
    argv = COMMANDS[command]
    code, out, err = _run(capsys, *argv)
    assert "[QD406]" in out + err and code == EXIT[command][0]
    code, out, err = _run(capsys, *argv, "--ignore", "documented-nonexistent")
    assert "QD406" not in out + err and code == EXIT[command][1]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_subcommand_reads_tool_qapidoc(project: Path, capsys: pytest.CaptureFixture[str],
                                             command: str) -> None:
    (project / "pyproject.toml").write_text('[tool.qapidoc]\nignore = ["QD406"]\n')
    code, out, err = _run(capsys, *COMMANDS[command])
    assert "QD406" not in out + err and code == EXIT[command][1]
    code, out, err = _run(capsys, *COMMANDS[command], "--no-config")
    assert "[QD406]" in out + err and code == EXIT[command][0]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_subcommand_refuses_a_bad_configuration(project: Path, capsys: pytest.CaptureFixture[str],
                                                      command: str) -> None:
    (project / "pyproject.toml").write_text('[tool.qapidoc]\nignore = ["QD4O6"]\n')
    code, out, err = _run(capsys, *COMMANDS[command])
    assert code == 2 and "'ignore' names no rule: 'QD4O6' [QD902]" in out + err
    assert not (project / "out").exists()


@pytest.mark.parametrize("command", ["check", "dump", "lint"])
def test_severity_and_select_decide_the_exit_code(project: Path, capsys: pytest.CaptureFixture[str],
                                                  command: str) -> None:
    code, out, err = _run(capsys, *COMMANDS[command], "--severity", "QD406=warning")
    assert code == 0 and "warning: documented member 'colour' does not exist [QD406]" in out + err
    code, out, err = _run(capsys, *COMMANDS[command], "--select", "QD3")
    assert code == 0 and "QD406" not in out + err
    (project / "pyproject.toml").write_text('[tool.qapidoc]\nfail-on = "warning"\n'
                                            '[tool.qapidoc.severity]\nQD406 = "warning"\n')
    code, out, err = _run(capsys, *COMMANDS[command])
    assert code == 1 and "warning: documented member 'colour'" in out + err


def test_check_takes_its_roots_and_dialect_from_the_configuration(
        project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "sub").mkdir()
    (project / "pyproject.toml").write_text('[tool.qapidoc]\nschema = ["model.json"]\ndialect = "7.2"\n')
    monkeypatch.chdir(project / "sub")
    code, out, err = _run(capsys, "check", "--show-dialect")
    assert code == 1 and "model.json:15:63:" in out and "[QD311]" in out
    assert "dialect 7.2 (configured" in err


def test_check_honours_suppressions_in_the_schema(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A suppression written in the doc comment silences the finding for
    every subcommand, not only lint; one naming an example rule, which
    'check' does not run, is not reported as unused there."""
    text = DOC_ERROR.replace("# @colour: not a member\n",
                             "# @colour: not a member\n#\n# .. qapidoc: ignore[QD406, QD505]\n")
    (project / "doc.json").write_text(text)
    code, out, err = _run(capsys, "check", "doc.json")
    assert code == 0 and out == ""
    code, out, _ = _run(capsys, "lint", "doc.json")
    assert code == 0 and "unused suppression: no QD505" in out
    code, _, err = _run(capsys, "jsonschema", "doc.json", "-o", "out")
    assert code == 0 and err == ""


def test_a_module_checked_alone_keeps_its_warnings_in_lint(project: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown type in a module checked alone is a warning in 'lint' as
    in 'check': the configuration does not raise it back to the rule's
    default severity."""
    (project / "mod.json").write_text("##\n# @Foo:\n#\n# @a: x\n##\n{ 'struct': 'Foo', 'data': { 'a': 'Bar' } }\n")
    for command in ("check", "lint"):
        code, out, _ = _run(capsys, command, "--module", "mod.json")
        assert code == 0 and "warning: member 'a' uses type 'Bar', which this module does not define" in out
    code, out, _ = _run(capsys, "lint", "--module", "mod.json", "--severity", "QD311=info")
    assert code == 0 and "info: member 'a'" in out
