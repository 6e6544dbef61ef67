"""qapidoc lint and qapidoc rules: each rule on a small schema, the
configuration, suppressions, output formats and the command line."""

from __future__ import annotations

import json
import os
import pathlib
import textwrap

import pytest

from qapidoc import rules
from qapidoc.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent

needs_validator = pytest.mark.skipif(
    __import__("importlib").util.find_spec("qapidoc.backends.validate") is None,
    reason="qapidoc.backends.validate (the JSON Schema validator) is missing")

SCHEMA = """
##
# @StatusInfo:
#
# @running: whether it runs
#
# @status: the state
##
{ 'struct': 'StatusInfo', 'data': { 'running': 'bool', 'status': 'str' } }

##
# @query-status:
#
# Query the run status.
#
# Returns: the status
#
# Since: 0.14
#
{examples}
##
{ 'command': 'query-status', 'returns': 'StatusInfo' }

##
# @eject:
#
# Eject a medium.
#
# @device: the device
#
# @force: really
#
# Since: 0.14
##
{ 'command': 'eject', 'data': { 'device': 'str', '*force': 'bool' } }

##
# @STOP:
#
# Emitted when the guest stops.
#
# Since: 0.12
##
{ 'event': 'STOP' }

##
# @RESET:
#
# Emitted when the guest resets.
#
# @guest: whether the guest asked
#
# Since: 0.12
##
{ 'event': 'RESET', 'data': { 'guest': 'bool' } }
"""

TS = '"timestamp": { "seconds": 1, "microseconds": 2 }'


def _write(tmp_path: pathlib.Path, body: list[str], name: str = "s.json", annotated: bool = False) -> pathlib.Path:
    directive = "# .. qmp-example::\n#    :annotated:\n#\n" if annotated else "# .. qmp-example::\n#\n"
    examples = directive + "\n".join(f"#     {line}".rstrip() for line in body)
    path = tmp_path / name
    path.write_text(SCHEMA.replace("{examples}", examples).lstrip("\n"))
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["lint", "--no-config", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _findings(out: str) -> list[tuple[int, int, str, str]]:
    """(line, column, code, message) of each finding in text output."""
    found = []
    for line in out.splitlines():
        if "[QD" not in line or ": note: " in line:
            continue
        head, _, rest = line.partition(": ")
        _, lno, col = head.rsplit(":", 2)
        severity_message = rest.split(": ", 1)[1]
        message, _, code = severity_message.rpartition(" [")
        found.append((int(lno), int(col), code.rstrip("]"), message))
    return found


EX = 21  # the line of the first example body line in SCHEMA


# (line of the body, the text the finding points at, code, words of the message)
Expected = list[tuple[int, str, str, str]]


@needs_validator
@pytest.mark.parametrize(("body", "expected"), [
    # a correct example: nothing
    (['-> { "execute": "query-status" }', '<- { "return": { "running": true, "status": "running" } }'], []),
    (['-> { "execute": "query-stauts" }'],
     [(0, '"query-stauts"', "QD502", "unknown command 'query-stauts'; did you mean 'query-status'?")]),
    ([f'<- {{ "event": "STOPP", {TS} }}'],
     [(0, '"STOPP"', "QD503", "unknown event 'STOPP'; did you mean 'STOP'?")]),
    (['-> { "execute": "eject", "arguments": { "force": "yes" } }'],
     [(0, '{ "force"', "QD504", "arguments of 'eject': member 'device' is required"),
      (0, '"yes"', "QD504", "arguments of 'eject' (at arguments.force, type 'bool'): expected a boolean, got 'yes'")]),
    (['-> { "execute": "eject", "arguments": { "device": "cd0", "frce": true } }'],
     [(0, '"frce"', "QD504", "arguments of 'eject': unknown member 'frce'")]),
    (['-> { "execute": "query-status" }', '<- { "return": { "running": "yes", "status": "running" } }'],
     [(1, '"yes"', "QD505", "reply of 'query-status' (at return.running, type 'bool'): "
                            "expected a boolean, got 'yes'")]),
    ([f'<- {{ "event": "RESET", "data": {{ "guest": 1 }}, {TS} }}'],
     [(0, "1 }", "QD506", "data of event 'RESET' (at data.guest, type 'bool'): expected a boolean, got 1")]),
    (['-> { "execute": "query-status" }', '<- { "error": { "desc": "no class" } }'],
     [(1, '{ "desc"', "QD507", "error reply: member 'class' is required")]),
    (['<- { "status": "running" }'], [(0, "<-", "QD507", "not a QMP message")]),
    ([f'{{ "event": "STOP", {TS} }}'], [(0, "{", "QD508", "message without a direction arrow: write '<- '")]),
    (['<- { "execute": "query-status" }'], [(0, "<-", "QD509", "'<-' on a request: the client sends it")]),
    (['<- { "event": "STOP" }'], [(0, "<-", "QD510", "event 'STOP' without a 'timestamp'")]),
    (['<- { "return": { "running": true, "status": "running" } }'],
     [(0, "<-", "QD511", "reply without a request")]),
    ([f'<- {{ "event": "STOP", {TS} }}'],
     [(-1, ".. qmp-example::", "QD512", "the example of command 'query-status' shows no message of it")]),
    (['Ask first:', '-> { "execute": "query-status" }'],
     [(0, "Ask", "QD513", "this line of a plain '.. qmp-example::' block is not a QMP message")]),
    # elision relaxes 'required' where it stands, and nothing else
    (['-> { "execute": "query-status" }', '<- { "return": { "running": true, ... } }'], []),
    (['-> { "execute": "query-status" }', '<- { "return": { "running": "no", ... } }'],
     [(1, '"no"', "QD505", "expected a boolean, got 'no'")]),
    (['-> { "execute": "query-status" }', '<- { "return": { "runing": true, ... } }'],
     [(1, '"runing"', "QD505", "unknown member 'runing'")]),
    (['-> { "execute": "query-status" }', '<- { "return": { "runing": true, "status": "x" } }'],
     [(1, '"runing"', "QD505", "unknown member 'runing'; did you mean 'running' (which is required)?")]),
    (['-> { "execute": "query-status" }', '...', '<- { "return": {...} }'], []),
])
def test_example_rules(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], body: list[str],
                       expected: Expected) -> None:
    path = _write(tmp_path, body)
    # The examples stand in query-status's doc: most show other messages.
    ignore = [] if any(c == "QD512" for _, _, c, _ in expected) else ["--ignore", "QD512"]
    code, out, _ = _run(capsys, "--select", "QD5", *ignore, str(path))
    found = _findings(out)
    where = []
    for offset, anchor, rule, _ in expected:
        text = "# .. qmp-example::" if offset < 0 else f"#     {body[offset]}"
        line = EX - 2 if offset < 0 else EX + offset     # -1: the directive line
        where.append((line, text.index(anchor) + 1, rule))
    assert [f[:3] for f in found] == where, out
    for (_, _, _, message), (_, _, _, words) in zip(found, expected, strict=True):
        assert words in message
    errors = any(rules.by_code_or_name(c).severity is rules.Severity.ERROR  # type: ignore[union-attr]
                 for _, _, c, _ in expected)
    assert code == (1 if errors else 0)


def test_annotated_prose_is_not_a_message(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ["Ask for the status with query-status::", "",
                             '  -> { "execute": "query-status" }',
                             '  <- { "return": { "running": true, "status": "running" } }',
                             "", "That is all."], annotated=True)
    code, out, _ = _run(capsys, "--select", "QD5", str(path))
    assert (code, out) == (0, "")


RST = """
##
# = Intro
#
# Use :qmp:`query-status` or :ref:`x` and :qapi:cmd:`stop`.
#
# .. raw:: html
#
#    <script>
##

##
# @query-status:
#
# Query the status.
#
# ..qmp-example::
#
#     -> { "execute": "query-status" }
#
# .. note: this note disappears
#
# .. qmp-exmaple::
#
#     -> { "execute": "query-status" }
#
# .. qmp-example::
#
# -> { "execute": "query-status" }
#
# Returns::
#
# -> { "execute": "query-status" }
#
# .. qmp-example::
#    :annotated:
#
#    Text with :bogus:`role`.
#
#    ::
#
#      -> { "execute": "query-status" }
#
# -> { "execute": "query-status" }
#
# Since: 1.0
##
{ 'command': 'query-status' }
"""


def test_rst_rules(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rst.json"
    path.write_text(RST.lstrip("\n"))
    code, out, _ = _run(capsys, "--select", "QD6", str(path))
    assert [f[:3] for f in _findings(out)] == [
        (2, 3, "QD607"), (4, 7, "QD603"), (6, 6, "QD606"), (16, 3, "QD604"), (20, 3, "QD604"),
        (22, 6, "QD602"), (28, 3, "QD605"), (32, 3, "QD605"), (37, 16, "QD603"), (43, 3, "QD605")]
    assert "did you mean 'qmp-example'?" in out
    assert "'..qmp-example::' needs a space after '..'" in out
    assert code == 1


def test_rst_rules_wait_for_rst(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 2.10 schema's doc comments were texinfo, not rST."""
    path = tmp_path / "rst.json"
    path.write_text(RST.lstrip("\n"))
    assert _run(capsys, "--select", "QD6", "--dialect", "2.10", str(path))[:2] == (0, "")


def test_docutils_check_on_request(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("docutils")
    path = tmp_path / "rst.json"
    path.write_text(RST.lstrip("\n"))
    assert _run(capsys, "--select", "QD601", str(path))[1] == ""
    code, out, _ = _run(capsys, "--select", "QD601", "--rst-docutils", str(path))
    assert [f[:3] for f in _findings(out)] == [(4, 3, "QD601"), (6, 3, "QD601"), (22, 3, "QD601")]
    assert 'Unknown interpreted text role "qmp"' in out
    assert '"raw" directive disabled' in out
    assert code == 0       # warnings


# --- suppressions -------------------------------------------------------------------

def test_suppression_in_the_doc_comment(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ['<- { "event": "STOP" }'])
    text = path.read_text().replace("# Since: 0.14\n#\n#", "# Since: 0.14\n#\n# .. qapidoc: ignore[QD510, QD512]\n#", 1)
    path.write_text(text)
    code, out, _ = _run(capsys, "--select", "QD5,QD9", str(path))
    assert out == ""
    assert code == 0
    # One that silences nothing is reported, at the code it names.
    path.write_text(text.replace("ignore[QD510, QD512]", "ignore[QD510, QD512, QD501]"))
    code, out, _ = _run(capsys, "--select", "QD5,QD9", str(path))
    assert [f[:3] for f in _findings(out)] == [(19, 36, "QD901")]
    assert "unused suppression: no QD501 (example-invalid-json) finding here" in out
    assert code == 0   # a warning


def test_suppression_by_rule_name_and_on_a_code_line(tmp_path: pathlib.Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    path.write_text("{ 'command': 'q-x' }  # qapidoc: ignore[invalid-name]\n{ 'command': 'q-y' }\n")
    code, out, _ = _run(capsys, str(path))
    assert [f[:3] for f in _findings(out)] == [(2, 14, "QD301")]
    assert code == 1


def test_doc_comment_suppression_covers_its_definition(tmp_path: pathlib.Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    text = "##\n# @Foo:\n#\n# Text.\n##\n{ 'struct': 'Foo', 'data': { 'bar': 'int' } }\n"
    path.write_text(text)
    assert [f[2] for f in _findings(_run(capsys, str(path))[1])] == ["QD405"]
    path.write_text(text.replace("# Text.\n", "# Text.\n#\n# .. qapidoc: ignore[undocumented]\n"))
    assert _run(capsys, str(path))[:2] == (0, "")
    # ... and nothing after it.
    path.write_text(path.read_text() + "\n##\n# @Baz:\n##\n{ 'struct': 'Baz', 'data': { 'bar': 'int' } }\n")
    assert [f[:3] for f in _findings(_run(capsys, str(path))[1])] == [(13, 30, "QD405")]


@pytest.mark.parametrize(("comment", "message"), [
    ("# qapidoc: ignore[QD5O5]", "the suppression names no rule: 'QD5O5'"),
    ("# qapidoc: ignore", "a suppression must name the rules it silences"),
    ("# text .. qapidoc: ignore[QD501]", "in a doc comment, a suppression must stand on a line of its own"),
])
def test_bad_suppressions(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str], comment: str,
                          message: str) -> None:
    path = _write(tmp_path, ['-> { "execute": "query-status" }'])
    path.write_text(path.read_text().replace("# Since: 0.14\n", f"# Since: 0.14\n#\n{comment}\n", 1))
    code, out, _ = _run(capsys, "--select", "QD903", str(path))
    assert message in out and "[QD903]" in out
    assert code == 1


# --- configuration --------------------------------------------------------------------

def _project(tmp_path: pathlib.Path, config: str) -> pathlib.Path:
    _write(tmp_path, [f'{{ "event": "STOP", {TS} }}', '<- { "event": "STOP" }'], name="schema.json")
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(config))
    return tmp_path


def _run_in(capsys: pytest.CaptureFixture[str], where: pathlib.Path, *args: str) -> tuple[int, str, str]:
    here = os.getcwd()
    os.chdir(where)
    try:
        code = main(["lint", *args])
    finally:
        os.chdir(here)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_config_roots_select_ignore_and_severity(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path, """
        [tool.qapidoc]
        schema = ["schema.json"]
        select = ["QD5"]
        ignore = ["example-other-definition"]
        fail-on = "warning"

        [tool.qapidoc.severity]
        QD508 = "error"
        """)
    code, out, _ = _run_in(capsys, project)
    assert [(c, line.split(": ")[1]) for line in out.splitlines() if "[QD" in line
            for c in [line[-6:-1]]] == [("QD508", "error"), ("QD510", "warning")]
    assert code == 1
    # The command line adds and overrides.
    code, out, _ = _run_in(capsys, project, "--ignore", "QD508", "--severity", "QD510=info", "--fail-on", "error")
    assert "QD508" not in out and ": info: " in out
    assert code == 0
    code, out, _ = _run_in(capsys, project, "--select", "QD510")
    assert out.count("[QD") == 1


@pytest.mark.parametrize(("config", "message"), [
    ('[tool.qapidoc]\nselect = ["QD999x"]\n', "'select' names no rule: 'QD999x'"),
    ('[tool.qapidoc]\nbogus = 1\n', "unknown key 'bogus' in [tool.qapidoc]"),
    ('[tool.qapidoc]\ndialect = "1.0"\n', "'dialect' must be a QEMU release"),
    ('[tool.qapidoc.severity]\nQD501 = "fatal"\n', "severity of 'QD501' must be"),
    ('[tool.qapidoc\n', "cannot read configuration"),
])
def test_config_errors_are_findings_not_tracebacks(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                                                   config: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "s.json").write_text("{ 'command': 'x' }\n")
    code, out, err = _run_in(capsys, tmp_path, "s.json")
    assert message in out and "[QD902]" in out
    assert code == 2
    assert "Traceback" not in err


def test_report_only_the_files_asked_about(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "root.json").write_text("{ 'include': 'a.json' }\n{ 'include': 'b.json' }\n")
    (tmp_path / "a.json").write_text("{ 'command': 'q-a' }\n")
    (tmp_path / "b.json").write_text("{ 'command': 'q-b', 'data': { 'x': 'Tee' } }\n{ 'struct': 'Tee', 'data': {} }\n")
    (tmp_path / "alone.json").write_text("{ 'command': 'q-c' }\n")
    (tmp_path / "pyproject.toml").write_text('[tool.qapidoc]\nschema = ["root.json"]\n')
    code, out, err = _run_in(capsys, tmp_path, "b.json")
    # b.json uses T, defined in b.json; a.json's finding is not reported.
    assert [f[2] for f in _findings(out)] == ["QD301"]
    assert "b.json:1:14" in out and "a.json" not in out
    assert code == 1
    code, out, err = _run_in(capsys, tmp_path, "alone.json")
    assert "alone.json is not part of the configured schema" in err
    assert "alone.json:1:14" in out
    assert code == 1


def test_no_schema_is_a_usage_error(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run_in(capsys, tmp_path)
    assert code == 2 and "no schema" in err


# --- output formats ---------------------------------------------------------------------

def test_formats(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ['<- { "event": "STOP" }', '<- { "event": "STOP" 1 }'])
    code, out, _ = _run(capsys, "--select", "QD501,QD510", "--format", "json", str(path))
    data = json.loads(out)
    assert [(d["code"], d["line"], d["column"], d["severity"]) for d in data] == [
        ("QD510", EX, 7, "warning"), ("QD501", EX + 1, 28, "error")]
    assert data[1]["definition"] == {"meta": "command", "name": "query-status", "line": EX + 3}
    code, out, _ = _run(capsys, "--select", "QD501,QD510", "--format", "sarif", str(path))
    sarif = json.loads(out)
    run = sarif["runs"][0]
    codes = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"QD501", "QD510", "QD607", "QD901", "QD903"} <= codes
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in run["results"]] == [("QD510", "warning", EX), ("QD501", "error", EX + 1)]
    code, out, _ = _run(capsys, "--select", "QD501,QD510", "--format", "github", str(path))
    assert code == 1
    assert out.splitlines()[1].startswith(f"::error file={path},line={EX + 1},col=28,")
    assert "title=QD501 example-invalid-json::invalid JSON in example" in out


def test_statistics(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ['<- { "event": "STOP" }', '<- { "event": "STOP" }'])
    _, out, _ = _run(capsys, "--select", "QD510", "--statistics", str(path))
    assert out.endswith("     2  QD510  example-no-timestamp\n     2  total\n")


def test_internal_errors_are_findings(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from qapidoc.lint import example_checks

    def boom(*args: object) -> list[object]:
        raise RuntimeError("boom")
    monkeypatch.setattr(example_checks, "check_examples", boom)
    path = _write(tmp_path, ['-> { "execute": "query-status" }'])
    code, out, err = _run(capsys, str(path))
    assert "internal error in the examples checks: RuntimeError: boom" in out and "[QD999]" in out
    assert code == 1 and "Traceback" not in err


# --- qapidoc rules ------------------------------------------------------------------------

def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--no-config"]) == 0
    out = capsys.readouterr().out
    for rule in rules.ALL_RULES:
        assert f"{rule.code}  {rule.severity.value:<7}  {rule.name}" in out
    assert main(["rules", "--no-config", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == len(rules.ALL_RULES)
    assert len({r.code for r in rules.ALL_RULES}) == len(rules.ALL_RULES)
    assert all(r.summary and r.why for r in rules.ALL_RULES)


def test_docs_list_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/lint.rst holds the catalogue as `qapidoc rules --format rst` prints it."""
    assert main(["rules", "--no-config", "--all", "--format", "rst"]) == 0
    catalogue = capsys.readouterr().out
    docs = (ROOT / "docs" / "lint.rst").read_text()
    assert catalogue in docs, "regenerate the catalogue in docs/lint.rst with `qapidoc rules --all --format rst`"


def test_the_demo_schema_is_clean(demo_schema: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not demo_schema.exists():
        pytest.skip("the demo schema is not there yet")
    code, out, _ = _run(capsys, str(demo_schema))
    assert (code, out) == (0, "")
