"""``qapidoc jsonschema --history``: every definition, property and enum value
dated with the release it appeared in (``x-qapi-since``) and was deprecated
in (``x-qapi-deprecated-since``), on schemas of our own
(tests/data/history, see test_history.py) and on QEMU 10.2.0.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import jsonschema
import pytest

from qapidoc.backends.history import History
from qapidoc.backends.jsonschema import GenerateOptions, generate
from qapidoc.backends.jsonschema_history import annotate
from qapidoc.backends.releases import read_trees
from qapidoc.cli import main
from qapidoc.frontend.loader import LoadOptions, LoadResult, load_schema
from tests.support.bundle import bundle_clone, bundle_histories, export

DATA = pathlib.Path(__file__).resolve().parent / "data" / "history"
TREES = [str(DATA / r) for r in ("r1", "r2", "r3")]
KEYS = ("x-qapi-since", "x-qapi-deprecated-since")


@pytest.fixture(scope="module")
def history() -> History:
    return read_trees(TREES).by_namespace["QMP"]


def _load(tree: str, version: tuple[int, int]) -> LoadResult:
    result = load_schema(f"{tree}/qapi/qapi-schema.json", LoadOptions(dialect=version))
    assert result.ok and result.schema is not None
    return result


def _strip(node: Any) -> Any:
    """The document without the history's keywords (and entries they alone made)."""
    if isinstance(node, dict):
        out = {k: _strip(v) for k, v in node.items() if k not in KEYS}
        if "x-qapi-values" in out:
            out["x-qapi-values"] = {k: v for k, v in out["x-qapi-values"].items() if v}
            if not out["x-qapi-values"]:
                del out["x-qapi-values"]
        return out
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def test_dates(history: History) -> None:
    result = _load(TREES[2], (10, 0))
    assert result.schema is not None
    dated = annotate(generate(result.schema, None, result.doc_for), result.schema, [history])
    assert dated.bundle is not None
    defs = dated.bundle["$defs"]
    assert {v: e["x-qapi-since"] for v, e in defs["Colour"]["x-qapi-values"].items()} == {
        "red": "9.0", "green": "9.0", "blue": "9.1"}
    # Location was Point in 9.0: its places on the wire are as old.
    assert defs["Location"]["x-qapi-since"] == "9.0"
    assert defs["Location"]["properties"]["x"]["x-qapi-since"] == "9.0"
    # where became object-or-string in 10.0.
    alternatives = {e["if"]["type"]: e["x-qapi-since"] for e in defs["LocationOrName"]["allOf"]}
    assert alternatives == {"object": "10.0", "string": "10.0"}
    moved = dated.events["MOVED"]
    assert moved["x-qapi-since"] == "9.0"
    data = moved["properties"]["data"]["properties"]
    assert (data["where"]["x-qapi-since"], data["speed"]["x-qapi-since"]) == ("9.0", "9.1")
    assert dated.requests["query-colours"]["x-qapi-since"] == "9.1"
    assert dated.index["history"] == {"namespace": "QMP", "oldest": "9.0", "newest": "10.0",
                                      "releases": ["r1", "r2", "r3"]}


def test_deprecated_since_and_nothing_else_changes(history: History) -> None:
    """9.1's schema (why deprecated in 9.1), inline and named: the output is
    the generator's with the annotations added, and still a schema."""
    result = _load(TREES[1], (9, 1))
    assert result.schema is not None
    for inline in (False, True):
        plain = generate(result.schema, GenerateOptions(inline=inline), result.doc_for)
        dated = annotate(plain, result.schema, [history])
        why = dated.events["MOVED"]["properties"]["data"]["properties"]["why"]
        assert why["deprecated"] is True and why["x-qapi-deprecated-since"] == "9.1"
        assert why["x-qapi-since"] == "9.0"
        for name, document in dated.files().items():
            original = plain.files()[name]
            if name == "index.json":
                assert {k: v for k, v in document.items() if k != "history"} == original
                continue
            assert _strip(document) == original, name
            jsonschema.Draft202012Validator.check_schema(document)
        assert plain.files() == generate(result.schema, GenerateOptions(inline=inline), result.doc_for).files()
    # The inline view dates what the named view puts in $defs, where it is used.
    speed = dated.events["MOVED"]["properties"]["data"]["properties"]["speed"]
    assert speed["x-qapi-since"] == "9.1"
    blue = dated.requests["set-colour"]["properties"]["arguments"]["properties"]["colour"]["x-qapi-values"]["blue"]
    assert blue == {"description": "blue (since 9.1)", "x-qapi-since": "9.1"}


def test_cli(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    args = ["jsonschema", f"{TREES[2]}/qapi/qapi-schema.json", "-o", str(out), "--no-cache",
            *(f"--history-tree={t}" for t in TREES)]
    assert main(args) == 0
    bundle = json.loads((out / "types.json").read_text())
    assert bundle["$defs"]["Colour"]["x-qapi-values"]["blue"]["x-qapi-since"] == "9.1"
    assert main(["jsonschema", f"{TREES[2]}/qapi/qapi-schema.json", "-o", str(tmp_path / "x"), "--no-cache",
                 "--history", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err


@pytest.mark.slow
def test_qemu_10_2(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = bundle_clone(tmp_path_factory)
    histories = bundle_histories(tmp_path_factory)[0]
    tree = export(repo, "v10.2.0", tmp_path_factory.mktemp("qemu-10.2.0-js"))
    result = load_schema(str(tree / "qapi/qapi-schema.json"))
    assert result.schema is not None
    dated = annotate(generate(result.schema, None, result.doc_for), result.schema,
                     [histories.by_namespace["QMP"]])
    assert dated.bundle is not None
    shutdown = dated.events["SHUTDOWN"]
    assert shutdown["x-qapi-since"] == "2.10"           # the oldest release read
    data = shutdown["properties"]["data"]["properties"]
    assert (data["guest"]["x-qapi-since"], data["reason"]["x-qapi-since"]) == ("2.10", "4.0")
    cause = dated.bundle["$defs"]["ShutdownCause"]
    assert cause["x-qapi-values"]["snapshot-load"]["x-qapi-since"] == "7.2"
    # block-job-pause: 'deprecated' since v10.1.0 (qapi/block-core.json).
    pause = dated.requests["block-job-pause"]
    assert pause["deprecated"] is True and pause["x-qapi-deprecated-since"] == "10.1"
    defs = dated.bundle["$defs"]
    # Types that are on the wire only as a base or a union branch are dated
    # where they put their members: BackupCommon is drive-backup's base
    # (2.10 or earlier), AudiodevAlsaOptions a branch of Audiodev, which
    # query-audiodevs (8.0) returns.
    assert defs["BackupCommon"]["properties"]["job-id"]["x-qapi-since"] == "2.10"
    assert defs["AudiodevAlsaOptions"]["x-qapi-since"] == "8.0"
    undated = {n for n, d in defs.items() if isinstance(d, dict) and "x-qapi-since" not in d}
    builtins = {n for n in defs if result.schema.entities[n].meta == "built-in"}
    # What no command or event carries: command-line options, qemu-img's
    # output, the dummies that force array types into being.
    assert {"MigrationParameter", "MapEntry", "DummyForceArrays", "MonitorOptions"} <= undated - builtins
    assert (len(defs), len(builtins), len(undated - builtins)) == (726, 15, 60)
    jsonschema.Draft202012Validator.check_schema(dated.bundle)
