"""The command line: exit codes, formats, options, and no tracebacks."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest

from qapidoc.cli import main

GOOD = "{ 'enum': 'Colour', 'data': [ 'red', 'green' ] }\n"
BAD = "{ 'enum': 'Colour', 'data': [ 'red', 'green' ] }\n{ 'struct': 'Box', 'data': { 'c': 'Color' } }\n"


@pytest.fixture()
def schemas(tmp_path: pathlib.Path) -> dict[str, str]:
    (tmp_path / "good.json").write_text(GOOD)
    (tmp_path / "bad.json").write_text(BAD)
    return {"good": str(tmp_path / "good.json"), "bad": str(tmp_path / "bad.json"),
            "missing": str(tmp_path / "missing.json")}


def test_exit_codes(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", schemas["good"]]) == 0
    assert main(["check", schemas["bad"]]) == 1
    assert main(["check", schemas["missing"]]) == 2
    assert main(["check"]) == 2                      # usage: no schema
    assert main(["check", "--dialect", "banana", schemas["good"]]) == 2
    assert main(["no-such-command"]) == 2
    out = capsys.readouterr()
    assert "can't read schema file" in out.out
    assert "not a QEMU release" in out.err


def test_text_output_is_gcc_style(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", schemas["bad"]])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{schemas['bad']}: In struct 'Box':"
    assert lines[1] == (f"{schemas['bad']}:2:35: error: member 'c' uses unknown type 'Color' "
                        "[QD311]")


def test_json_output(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--format", "json", schemas["bad"]])
    [finding] = json.loads(capsys.readouterr().out)
    assert finding["code"] == "QD311" and finding["rule"] == "unknown-type"
    assert (finding["line"], finding["column"]) == (2, 35)
    assert finding["definition"] == {"meta": "struct", "name": "Box", "line": 2}


def test_sarif_output(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--format", "sarif", schemas["bad"]])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "QD311"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 35)
    rule_ids = {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "QD311" in rule_ids


def test_github_output(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    main(["check", "--format", "github", schemas["bad"]])
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"::error file={schemas['bad']},line=2,col=35,")
    assert line.endswith("::member 'c' uses unknown type 'Color'")


def test_include_chain_is_printed(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "root.json").write_text("{ 'include': 'sub/a.json' }\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.json").write_text("\n{ 'include': 'b.json' }\n")
    (tmp_path / "sub" / "b.json").write_text("{ 'enum': 'E', 'data': [ 'x' 'y' ] }\n")
    assert main(["check", str(tmp_path / "root.json")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [f"In file included from {tmp_path / 'root.json'}:1:",
                       f"In file included from {tmp_path / 'sub' / 'a.json'}:2:"]
    assert out[2].startswith(f"{tmp_path / 'sub' / 'b.json'}:1:30: error: expected ',' or ']'")


def test_fail_on_warning(tmp_path: pathlib.Path) -> None:
    (tmp_path / "mod.json").write_text("{ 'struct': 'Box', 'data': { 'c': 'Elsewhere' } }\n")
    assert main(["check", "--module", str(tmp_path / "mod.json")]) == 0
    assert main(["check", "--module", "--fail-on", "warning", str(tmp_path / "mod.json")]) == 1


def test_dump(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dump", schemas["good"]]) == 0
    assert "enum Colour\n    member red\n    member green\n" in capsys.readouterr().out


def test_console_script_runs_as_a_process(schemas: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "qapidoc.cli", "check", schemas["bad"]],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "QD311" in done.stdout and "Traceback" not in done.stderr


def test_internal_errors_say_so(schemas: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    import qapidoc.cli.check

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(qapidoc.cli.check, "check_schemas", explode)
    assert main(["check", schemas["good"]]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "please report it" in err
    assert "Traceback" not in err


def test_module_alone_is_lenient_where_another_module_could_allow(
        tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Checked alone, a module cannot see the pragmas of the schema's other
    modules: what they could allow is a warning, not an error."""
    (tmp_path / "mod.json").write_text(
        "##\n# @Box:\n#\n# @a_b: x\n##\n{ 'struct': 'Box', 'data': { 'a_b': 'int', 'c': 'int' } }\n"
        "##\n# @get-count:\n##\n{ 'command': 'get-count', 'returns': 'int' }\n"
        "##\n# @do_it:\n##\n{ 'command': 'do_it' }\n")
    path = str(tmp_path / "mod.json")
    assert main(["check", "--dialect", "10.2", path]) == 1
    strict = capsys.readouterr().out
    assert main(["check", "--dialect", "10.2", "--module", path]) == 0
    lenient = capsys.readouterr().out
    for message in ("name of 'data' member 'a_b' must not use uppercase or '_'",
                    "command's 'returns' cannot take built-in type 'int'",
                    "name of command must not use uppercase or '_'"):
        assert f"error: {message}" in strict
        assert f"warning: {message}" in lenient
    # Alone, Box is not broken by its member's name, so its docs are checked too.
    assert "warning: member 'c' lacks documentation" in lenient


def test_options_may_stand_between_schemas(schemas: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", schemas["good"], "--format", "json", schemas["bad"]]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in findings] == ["QD311"]
    assert main(["--version"]) == 0
    assert main(["check", "--help"]) == 0
