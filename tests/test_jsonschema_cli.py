"""``qapidoc jsonschema SCHEMA -o DIR``: files, options, and never clobbering."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qapidoc.cli import main
from qapidoc.cli.jsonschema import MARKER, OutputError, write_tree

DATA = Path(__file__).resolve().parent / "data" / "jsonschema"
SCHEMA = str(DATA / "constructs.json")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["jsonschema", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_writes_every_file_listed_in_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, stdout, _ = _run(capsys, SCHEMA, "-o", str(out))
    assert code == 0
    index = json.loads((out / "index.json").read_text())
    files = set(_tree(out)) - {MARKER}
    assert files == set(index["files"])
    assert "types.json" in files and "messages/client.json" in files and "messages/server.json" in files
    assert "commands/cmd-plain.request.json" in files and "commands/cmd-plain.reply.json" in files
    assert "events/EV_DATA.json" in files
    assert "commands/cmd-no-reply.reply.json" not in files
    assert index["commands"]["cmd-plain"]["request"] == {
        "file": "commands/cmd-plain.request.json", "$id": "urn:qapidoc:qmp:commands/cmd-plain.request.json"}
    listed = dict(reversed(line.split("  ", 1)) for line in (out / MARKER).read_text().splitlines()
                  if not line.startswith("#"))
    assert sorted(listed) == sorted(files)
    assert all(listed[name] == hashlib.sha256((out / name).read_bytes()).hexdigest() for name in files)
    for name in files - {"index.json"}:
        doc = json.loads((out / name).read_text())
        assert doc["$id"] == "urn:qapidoc:qmp:" + name
        assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert f"{len(files)} files ({len(files)} changed)" in stdout


def test_same_input_same_bytes_and_untouched_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert _run(capsys, SCHEMA, "-o", str(one))[0] == 0
    assert _run(capsys, SCHEMA, "-o", str(two))[0] == 0
    assert _tree(one) == _tree(two)
    mtime = (one / "types.json").stat().st_mtime_ns
    code, stdout, _ = _run(capsys, SCHEMA, "-o", str(one))
    assert code == 0 and "(0 changed)" in stdout
    assert (one / "types.json").stat().st_mtime_ns == mtime


def test_refuses_a_directory_it_did_not_create(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, err = _run(capsys, SCHEMA, "-o", str(out))
    assert code == 2
    assert "--force" in err and "was not written by 'qapidoc jsonschema'" in err
    assert _tree(out) == {"notes.txt": b"keep me"}
    code, _, _ = _run(capsys, SCHEMA, "-o", str(out), "--force")
    assert code == 0
    assert (out / "notes.txt").read_text() == "keep me" and (out / MARKER).is_file()
    assert "notes.txt" not in (out / MARKER).read_text()


def test_an_empty_directory_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, SCHEMA, "-o", str(tmp_path))[0] == 0
    assert (tmp_path / "types.json").is_file()


def test_removes_only_its_own_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run(capsys, SCHEMA, "-o", str(out))[0] == 0
    (out / "events" / "mine.txt").write_text("user file")
    assert (out / "commands" / "cmd-cond.request.json").is_file()
    code, _, _ = _run(capsys, SCHEMA, "-o", str(out), "--define", "CONFIG_FOO")
    assert code == 0
    assert not (out / "commands" / "cmd-cond.request.json").exists()
    assert not (out / "events" / "EV_COND.json").exists()
    assert (out / "events" / "mine.txt").read_text() == "user file"
    index = json.loads((out / "index.json").read_text())
    assert index["defines"] == ["CONFIG_FOO"]
    assert set(_tree(out)) - {MARKER, "events/mine.txt"} == set(index["files"])


def test_schema_errors_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ 'struct': 'Thing', 'data': { 'm': 'Nope' } }\n")
    out = tmp_path / "out"
    code, _, err = _run(capsys, str(bad), "-o", str(out))
    assert code == 1
    assert "Nope" in err and "nothing written" in err
    assert not out.exists()


@pytest.mark.parametrize("argv", [
    ["/no/such/schema.json", "-o", "OUT"],
    [SCHEMA, "-o", "OUT", "--base-uri", "not a uri"],
    [SCHEMA, "-o", "OUT", "--base-uri", "https://example.org/x#frag"],
    [SCHEMA, "-o", "OUT", "--draft", "4"],
    [SCHEMA],
    [SCHEMA, "-o", "OUT", "--define", ""],
])
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    argv = [str(tmp_path / "out") if a == "OUT" else a for a in argv]
    code, _, err = _run(capsys, *argv)
    assert code == 2, err
    assert not (tmp_path / "out").exists()


def test_output_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = _run(capsys, SCHEMA, "-o", str(target))
    assert code == 2 and "not a directory" in err
    assert target.read_text() == "x"


def test_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d7"
    assert _run(capsys, SCHEMA, "-o", str(out), "--draft", "7", "--base-uri", "https://example.org/qmp")[0] == 0
    types = json.loads((out / "types.json").read_text())
    assert types["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert types["$id"] == "https://example.org/qmp/types.json"
    assert "definitions" in types and "$defs" not in types
    request = json.loads((out / "commands" / "cmd-plain.request.json").read_text())
    assert request["properties"]["arguments"]["properties"]["name"] == {
        "allOf": [{"$ref": "https://example.org/qmp/types.json#/definitions/str"}], "description": "the name"}

    out = tmp_path / "inline"
    assert _run(capsys, SCHEMA, "-o", str(out), "--inline", "--no-descriptions", "--no-features")[0] == 0
    assert not (out / "types.json").exists()
    text = "".join(p.read_text() for p in out.rglob("*.json"))
    assert '"description"' not in text and '"deprecated"' not in text and "x-qapi-features" not in text
    assert json.loads((out / "index.json").read_text())["view"] == "inline"


def test_write_tree_refuses_odd_names(tmp_path: Path) -> None:
    for name in ("../x.json", "/abs.json", MARKER, "a//b.json"):
        with pytest.raises(OutputError):
            write_tree(tmp_path / "o", {name: b"{}"})
    assert not (tmp_path / "o").exists()
