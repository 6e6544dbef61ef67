"""Typed QMP clients from the codegen profile, as a client author makes them.

QEMU 10.2's schema (``../shared/corpus/qemu-10.2/qapi/``) goes through
``qapidoc jsonschema --profile codegen`` once; then each generator runs once,
with the commands docs/codegen-*.rst show, in a module-scoped fixture:

* json-schema-to-typescript: ``tsc --noEmit --strict`` accepts the output, a
  file that narrows ``SocketAddress`` on ``type`` type-checks (so it is a
  discriminated union), and one that reads another branch's member does not;
* quicktype, Go: ``go build`` passes and a qcow2 ``blockdev-add`` with a
  nested ``file`` survives unmarshal-then-marshal unchanged;
* datamodel-code-generator, pydantic v2: the same request round-trips
  unchanged, a misspelled member is rejected, and
  ``StatusInfo(running=False, ...).running`` is falsy.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from support.codegen import datamodel_problem, ensure_node_tools, go_problem, node_bin, run

from qapidoc.cli.main import main

pytestmark = pytest.mark.slow

BLOCKDEV_ADD = {
    "execute": "blockdev-add",
    "arguments": {
        "driver": "qcow2",
        "node-name": "disk0",
        "discard": "unmap",
        "file": {"driver": "file", "filename": "/var/lib/disk0.qcow2", "aio": "threads"},
        "backing": None,
    },
    "id": 7,
}
#: quicktype's Go drops an explicit null (``"backing": null``: no backing
#: file) with ``--omit-empty``, and writes null for every absent member of
#: an alternate type without it; docs/codegen-go.rst says so
GO_BLOCKDEV_ADD = {**BLOCKDEV_ADD, "arguments": {k: v for k, v in BLOCKDEV_ADD["arguments"].items() if v is not None}}


@pytest.fixture(scope="module")
def qmp_json(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("codegen") / "qmp-types"
    schema = shared_dir / "corpus" / "qemu-10.2" / "qapi" / "qapi-schema.json"
    assert main(["jsonschema", str(schema), "--profile", "codegen", "--qemu-release", "10.2.0",
                 "-o", str(out)]) == 0
    return out / "qmp.json"


@pytest.fixture(scope="module")
def node_tools() -> None:
    reason = ensure_node_tools()
    if reason is not None:
        pytest.skip(reason)


def _ok(proc: Any, what: str) -> None:
    assert proc.returncode == 0, f"{what} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"


# --- TypeScript: json-schema-to-typescript, then tsc --strict ---------------------------------

NARROWS = """\
import type { SocketAddress, BlockdevAddRequest } from "./qmp";

export function describe(address: SocketAddress): string {
  switch (address.type) {
    case "inet": return `${address.host}:${address.port}`;
    case "unix": return address.path;
    case "vsock": return `${address.cid}:${address.port}`;
    case "fd": return address.str;
    default: {
      const unreachable: never = address;
      return unreachable;
    }
  }
}

export const request: BlockdevAddRequest = REQUEST;
"""

WRONG = """\
import type { SocketAddress } from "./qmp";

export function wrong(address: SocketAddress): string {
  if (address.type === "unix") {
    return address.host;
  }
  return "";
}

export const bad: SocketAddress = { type: "inet", path: "/run/qmp.sock" };
"""

TSCONFIG = {"compilerOptions": {"strict": True, "noEmit": True, "target": "es2020", "module": "es2020",
                                "moduleResolution": "bundler", "skipLibCheck": False}}


@dataclass(frozen=True)
class TypeScript:
    folder: Path
    declarations: str
    narrows: Any       # tsc on qmp.ts + narrows.ts
    wrong: Any         # tsc on qmp.ts + wrong.ts


def _tsc(folder: Path, files: list[str]) -> Any:
    (folder / "tsconfig.json").write_text(json.dumps({**TSCONFIG, "files": files}), encoding="utf-8")
    return run([node_bin("tsc"), "-p", "tsconfig.json"], folder)


@pytest.fixture(scope="module")
def typescript(qmp_json: Path, node_tools: None, tmp_path_factory: pytest.TempPathFactory) -> TypeScript:
    folder = tmp_path_factory.mktemp("ts")
    _ok(run([node_bin("json2ts"), "-i", qmp_json, "-o", folder / "qmp.ts"], folder), "json2ts")
    (folder / "narrows.ts").write_text(NARROWS.replace("REQUEST", json.dumps(BLOCKDEV_ADD)), encoding="utf-8")
    (folder / "wrong.ts").write_text(WRONG, encoding="utf-8")
    return TypeScript(folder, (folder / "qmp.ts").read_text(encoding="utf-8"),
                      _tsc(folder, ["qmp.ts", "narrows.ts"]), _tsc(folder, ["qmp.ts", "wrong.ts"]))


def test_typescript_compiles_strict_and_narrows_socket_address(typescript: TypeScript) -> None:
    _ok(typescript.narrows, "tsc --strict on qmp.ts and narrows.ts")
    assert "export type SocketAddress = SocketAddressInet | SocketAddressUnix | SocketAddressVsock | " \
           "SocketAddressFd;" in typescript.declarations
    # no numbered copies of a type
    assert "SocketAddress1" not in typescript.declarations


def test_typescript_rejects_another_branch_s_member(typescript: TypeScript) -> None:
    output = typescript.wrong.stdout + typescript.wrong.stderr
    assert typescript.wrong.returncode != 0
    errors = [line for line in output.splitlines() if "error TS" in line]
    assert any("wrong.ts(5," in e and "'host'" in e and "SocketAddressUnix" in e for e in errors), output
    assert any("wrong.ts(10," in e and "'path'" in e for e in errors), output
    assert len(errors) == 2, output


# --- Go: quicktype, then go build and a round trip ----------------------------------------------

GO_MAIN = """\
package main

import (
	"encoding/json"
	"io"
	"os"

	"example.org/qmpclient/qmp"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var request qmp.BlockdevAddRequest
	if err := json.Unmarshal(data, &request); err != nil {
		panic(err)
	}
	out, err := json.Marshal(request)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(out)
}
"""


@dataclass(frozen=True)
class Go:
    source: str
    build: Any
    round_trip: Any


@pytest.fixture(scope="module")
def go(qmp_json: Path, node_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Go:
    reason = go_problem()
    if reason is not None:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("go")
    (folder / "qmp").mkdir()
    (folder / "cmd").mkdir()
    _ok(run([node_bin("quicktype"), "--src-lang", "schema", "--lang", "go", "--package", "qmp", "--omit-empty",
             "--quiet", "--out", folder / "qmp" / "qmp.go", qmp_json], folder, timeout=900), "quicktype")
    (folder / "go.mod").write_text("module example.org/qmpclient\n\ngo 1.19\n", encoding="utf-8")
    (folder / "cmd" / "main.go").write_text(GO_MAIN, encoding="utf-8")
    # No network: the module has no dependencies; the build cache is the test's own.
    env = {"GOCACHE": str(folder / ".cache"), "GOPATH": str(folder / ".gopath"), "GOFLAGS": "-mod=mod",
           "GOPROXY": "off", "GO111MODULE": "on", "GOTOOLCHAIN": "local"}
    build = run(["go", "build", "./..."], folder, env=env, timeout=900)
    round_trip = None
    if build.returncode == 0:
        build = run(["go", "build", "-o", "roundtrip", "./cmd"], folder, env=env, timeout=900)
    if build.returncode == 0:
        round_trip = run([folder / "roundtrip"], folder, stdin=json.dumps(GO_BLOCKDEV_ADD))
    return Go((folder / "qmp" / "qmp.go").read_text(encoding="utf-8"), build, round_trip)


def test_go_builds(go: Go) -> None:
    _ok(go.build, "go build")
    # quicktype suffixes the names of union branches ("Class")
    assert re.search(r"^type BlockdevOptionsQcow2\w* struct", go.source, re.MULTILINE)
    assert re.search(r"^type BlockdevAddRequest struct", go.source, re.MULTILINE)


def test_go_round_trip_keeps_the_nested_file(go: Go) -> None:
    _ok(go.build, "go build")
    _ok(go.round_trip, "the round trip program")
    back = json.loads(go.round_trip.stdout)
    assert back["arguments"]["file"] == GO_BLOCKDEV_ADD["arguments"]["file"]
    assert back == GO_BLOCKDEV_ADD


# --- Python: datamodel-code-generator, pydantic v2 -----------------------------------------------

DATAMODEL_OPTIONS = ["--input-file-type", "jsonschema", "--output-model-type", "pydantic_v2.BaseModel",
                     "--target-python-version", "3.10", "--formatters", "builtin", "--disable-timestamp"]


@pytest.fixture(scope="module")
def models(qmp_json: Path, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    reason = datamodel_problem()
    if reason is not None:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("py")
    exe = Path(sys.executable).with_name("datamodel-codegen")
    _ok(run([exe, "--input", qmp_json, "--output", folder / "qmp_models.py", *DATAMODEL_OPTIONS], folder,
            timeout=900), "datamodel-codegen")
    spec = importlib.util.spec_from_file_location("qapidoc_test_qmp_models", folder / "qmp_models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_pydantic_round_trip_is_unchanged(models: ModuleType) -> None:
    request = models.BlockdevAddRequest.model_validate(BLOCKDEV_ADD)
    assert type(request.arguments.root).__name__ == "BlockdevOptionsQcow2"
    assert request.model_dump(mode="json", by_alias=True, exclude_unset=True) == BLOCKDEV_ADD


def test_pydantic_rejects_a_misspelled_member(models: ModuleType) -> None:
    import pydantic

    typo = json.loads(json.dumps(BLOCKDEV_ADD))
    typo["arguments"]["node-nmae"] = typo["arguments"].pop("node-name")
    with pytest.raises(pydantic.ValidationError) as caught:
        models.BlockdevAddRequest.model_validate(typo)
    assert "node-nmae" in str(caught.value)


def test_pydantic_bool_is_a_bool(models: ModuleType) -> None:
    status = models.StatusInfo(running=False, status="paused")
    assert status.running is False
    assert not status.running
    assert models.StatusInfo.model_validate({"running": True, "status": "running"}).running is True


def test_pydantic_socket_address_is_a_tagged_union(models: ModuleType) -> None:
    unix = models.SocketAddress.model_validate({"type": "unix", "path": "/run/qmp.sock"})
    assert type(unix.root).__name__ == "SocketAddressUnix"
    import pydantic

    with pytest.raises(pydantic.ValidationError):
        models.SocketAddress.model_validate({"type": "unix", "host": "localhost", "port": "4444"})
