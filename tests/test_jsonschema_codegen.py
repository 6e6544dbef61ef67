"""The codegen profile: its shapes, its verdicts, the release in ``$id``.

``tests/data/jsonschema/codegen.json`` has the cases that shape it (a struct
that is only a branch, a branch struct used alone too, a branch name that
would clash, a union as a branch, an alternate, open arguments, an
out-of-band command, an event whose data may be absent).  Every case of
``test_jsonschema_constructs`` must get its verdict from the codegen profile
too, by python-jsonschema and by ajv (strict, set up as the docs say).
Generated code is checked in ``test_codegen.py``; whole corpora in
``test_jsonschema_corpus.py``.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from support.ajv import ajv_available, defs_keys, documented_setup, ensure_installed, run_ajv
from support.verdicts import PyVerdicts, meta_errors
from test_jsonschema_constructs import CASES, Case, _ajv_unreliable

from qapidoc import load_schema
from qapidoc.backends.jsonschema import GenerateOptions, generate
from qapidoc.backends.jsonschema_codegen import CODEGEN_FILE, CodegenSchema, generate_codegen, message_key
from qapidoc.cli.main import main
from qapidoc.frontend.loader import find_qemu_release

DATA = Path(__file__).resolve().parent / "data" / "jsonschema"


def _codegen(path: Path, draft: str = "2020-12", **options: Any) -> CodegenSchema:
    result = load_schema(str(path))
    assert result.ok and result.schema is not None, [str(d) for d in result.diagnostics]
    return generate_codegen(result.schema, GenerateOptions(profile="codegen", draft=draft, **options),
                            result.doc_for)


@pytest.fixture(scope="module")
def shapes() -> dict[str, Any]:
    return _codegen(DATA / "codegen.json").document["$defs"]


@pytest.fixture(scope="module")
def constructs() -> dict[str, CodegenSchema]:
    return {draft: _codegen(DATA / "constructs.json", draft) for draft in ("2020-12", "7")}


def _ref(key: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{key}"}


# --- shapes ------------------------------------------------------------------------------

def test_a_union_is_a_choice_of_complete_branches(shapes: dict[str, Any]) -> None:
    address = shapes["Address"]
    assert address["oneOf"] == [_ref("Address-tcp"), _ref("AddressLocal"), _ref("Address-gluster-branch"),
                                _ref("Address-fd")]
    assert address["discriminator"] == {"propertyName": "kind"}
    # a struct used only as this branch is the branch, under its own name
    local = shapes["AddressLocal"]
    assert local["description"] == "Only a branch of Address."
    assert list(local["properties"]) == ["kind", "label", "path"]
    assert local["properties"]["kind"] == {"const": "local", "description": "how to connect"}
    assert local["required"] == ["kind", "path"]
    assert local["additionalProperties"] is False
    # a struct used elsewhere keeps its own definition; the branch is UNION-VALUE
    assert list(shapes["TcpAddress"]["properties"]) == ["host", "port"]
    assert list(shapes["Address-tcp"]["properties"]) == ["kind", "label", "host", "port"]
    # an empty branch: base members and the tag
    assert shapes["Address-fd"]["required"] == ["kind"]


def test_a_branch_name_that_a_generator_would_confuse_gets_a_suffix(shapes: dict[str, Any]) -> None:
    # "Address-gluster" would be AddressGluster in every generator: the struct's name
    assert "Address-gluster" not in shapes
    assert list(shapes["AddressGluster"]["properties"]) == ["volume"]
    assert shapes["Address-gluster-branch"]["properties"]["kind"]["const"] == "gluster"


def test_a_union_as_a_branch_nests_with_both_tags(shapes: dict[str, Any]) -> None:
    place = shapes["Place"]
    assert place["oneOf"] == [_ref("Place-net"), _ref("DiskPlace")]
    assert "discriminator" not in place          # a branch is a union: no single const to read
    net = shapes["Place-net"]
    assert net["discriminator"] == {"propertyName": "kind"}
    tcp = shapes["Place-net-tcp"]
    assert list(tcp["properties"]) == ["medium", "kind", "label", "host", "port"]
    assert tcp["properties"]["medium"]["const"] == "net"
    assert tcp["properties"]["kind"]["const"] == "tcp"
    assert tcp["required"] == ["medium", "kind", "host", "port"]


def test_alternates_built_ins_and_annotated_refs(shapes: dict[str, Any]) -> None:
    assert shapes["AddressOrName"]["anyOf"] == [_ref("Address"), {"type": "string"}]
    holder = shapes["Holder"]["properties"]
    # a named type with a description: the $ref alone inside an allOf
    assert holder["where"] == {"allOf": [_ref("Place")], "description": "where (a $ref with a description)"}
    assert holder["anything"] == {"description": "any value"}
    assert holder["count"] == {"type": "integer", "minimum": 0, "maximum": 255, "description": "a small number"}
    assert holder["on"] == {"type": "boolean", "description": "a flag"}
    assert holder["extra"]["x-qapi-if"] == "CONFIG_EXTRA"
    assert shapes["Transport"]["type"] == "string"


def test_messages(shapes: dict[str, Any]) -> None:
    connect = shapes["connect-request"]
    assert connect["properties"] == {"execute": {"const": "connect"}, "arguments": _ref("connect-arguments"),
                                     "id": {}}
    assert connect["required"] == ["execute", "arguments"]
    assert shapes["connect-arguments"]["properties"]["where"] == {"allOf": [_ref("Address")],
                                                                   "description": "where to"}
    reply = shapes["connect-reply"]["properties"]["return"]
    assert reply == {"allOf": [_ref("Holder")], "description": "the holder"}
    # 'gen': false: open arguments, marked
    plug = shapes["device-plug-arguments"]
    assert plug["additionalProperties"] == {}
    assert plug["x-qapi-extra-arguments"] is True
    # 'allow-oob': execute or exec-oob, exactly one
    oob = shapes["place-set-request"]["oneOf"]
    assert [sorted(o["properties"]) for o in oob] == [["arguments", "execute", "id"],
                                                     ["arguments", "exec-oob", "id"]]
    # data of optional members only: never {}
    assert shapes["CHANGED-data"]["minProperties"] == 1
    assert shapes["CHANGED-event"]["required"] == ["event", "timestamp"]
    assert shapes["GONE-event"]["required"] == ["event", "timestamp"]
    assert shapes["QMP-event"]["discriminator"] == {"propertyName": "event"}


def _nodes(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        yield from _nodes(child)


def test_no_boolean_schema_and_no_ref_siblings(constructs: dict[str, CodegenSchema]) -> None:
    document = constructs["2020-12"].document
    for node in _nodes(document["$defs"]):
        if isinstance(node, dict):
            if "$ref" in node:
                assert set(node) == {"$ref"}, node
                assert node["$ref"].removeprefix("#/$defs/") in document["$defs"], node
            for key in ("items", "not", "if", "then", "else", "id", "return"):
                assert not isinstance(node.get(key), bool), node
            for key in ("oneOf", "anyOf", "allOf"):
                assert not any(isinstance(s, bool) for s in node.get(key, [])), node
    # the root reaches every definition
    assert set(document["properties"]) == set(document["$defs"])


def test_draft7_and_metaschema(constructs: dict[str, CodegenSchema]) -> None:
    for draft, codegen in constructs.items():
        assert meta_errors(codegen.document, draft) == []
    d7 = constructs["7"].document
    assert "$defs" not in d7 and "definitions" in d7
    assert all(ref.startswith("#/definitions/") for ref in _refs(d7))


def _refs(value: Any) -> Iterator[str]:
    for node in _nodes(value):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            yield node["$ref"]


def test_generate_refuses_the_codegen_profile_and_inline() -> None:
    result = load_schema(str(DATA / "codegen.json"))
    assert result.schema is not None
    with pytest.raises(ValueError, match="generate_codegen"):
        generate(result.schema, GenerateOptions(profile="codegen"))
    with pytest.raises(ValueError, match="inline"):
        GenerateOptions(profile="codegen", inline=True)
    with pytest.raises(ValueError, match="profile"):
        GenerateOptions(profile="typescript")  # type: ignore[arg-type]


# --- verdicts ---------------------------------------------------------------------------

def _key(codegen: CodegenSchema, case: Case) -> str | None:
    if case.kind != "type":
        return codegen.key_of(message_key(case.kind, case.name))
    defs = codegen.document.get("$defs") or codegen.document["definitions"]
    if case.name not in defs or case.name in codegen.index["branches"]:
        return None     # built-ins are written inline; a branch-only struct is its branch
    return codegen.key_of(case.name)


def test_every_construct_case_gets_its_verdict(constructs: dict[str, CodegenSchema]) -> None:
    checked = 0
    for draft, codegen in constructs.items():
        verdicts = PyVerdicts([codegen.document], draft)
        wrong = []
        for case in CASES:
            key = _key(codegen, case)
            if key is not None:
                checked += 1
                if verdicts.is_valid(key, case.instance) is not case.valid:
                    wrong.append((draft, key, case.instance, case.valid))
        assert wrong == []
    assert checked > 300


@pytest.mark.slow
@pytest.mark.parametrize("draft", ["2020-12", "7"])
def test_ajv_strict_as_documented_compiles_and_agrees(constructs: dict[str, CodegenSchema], draft: str) -> None:
    if ajv_available() is not None:
        try:
            ensure_installed()
        except Exception as exc:
            pytest.skip(f"ajv cannot be installed: {exc}")
    codegen = constructs[draft]
    shapes = _codegen(DATA / "codegen.json", draft, base_uri="urn:qapidoc:test:shapes:")
    items = [(k, c.instance) for c in CASES if (k := _key(codegen, c)) is not None and not _ajv_unreliable(c)]
    expected = [c.valid for c in CASES if _key(codegen, c) is not None and not _ajv_unreliable(c)]
    options, keywords = documented_setup()
    result = run_ajv([codegen.document, shapes.document],
                     [codegen.id, *defs_keys(codegen.document), shapes.id, *defs_keys(shapes.document)],
                     items, draft=draft, options=options, keywords=keywords)
    assert result.errors == {}
    assert [i for i, got, want in zip(items, result.verdicts, expected, strict=True) if got is not want] == []


def test_ajv_strict_rejects_an_undocumented_keyword() -> None:
    """The check above can fail: a keyword the docs do not list breaks ajv strict."""
    if ajv_available() is not None:
        pytest.skip(str(ajv_available()))
    options, keywords = documented_setup()
    schema = {"$id": "urn:qapidoc:test:undocumented", "type": "object", "x-qapi-not-documented": "10.2"}
    result = run_ajv([schema], [schema["$id"]], [], options=options, keywords=keywords)
    assert "x-qapi-not-documented" in (result.errors.get(schema["$id"]) or "")


# --- the release in $id -----------------------------------------------------------------

def test_find_qemu_release(tmp_path: Path) -> None:
    (tmp_path / "storage-daemon" / "qapi").mkdir(parents=True)
    root = tmp_path / "storage-daemon" / "qapi" / "qapi-schema.json"
    assert find_qemu_release(str(root)) is None
    (tmp_path / "VERSION").write_text("10.1.93\n", encoding="utf-8")
    assert find_qemu_release(str(root)) == "10.1.93"
    (tmp_path / "storage-daemon" / "VERSION").write_text("not a version\n", encoding="utf-8")
    assert find_qemu_release(str(root)) is None      # the nearest VERSION decides


def test_release_goes_into_the_default_base_uri() -> None:
    assert GenerateOptions(release="10.2.0").base_uri == "urn:qapidoc:qmp:10.2.0:"
    assert GenerateOptions(release="7.2.0", base_uri="https://example.org/qmp").base_uri == \
        "https://example.org/qmp/"
    with pytest.raises(ValueError, match="release"):
        GenerateOptions(release="latest")


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_codegen_profile(tmp_path: Path) -> None:
    tree = tmp_path / "qemu"
    (tree / "qapi").mkdir(parents=True)
    (tree / "VERSION").write_text("9.2.0\n", encoding="utf-8")
    root = tree / "qapi" / "qapi-schema.json"
    root.write_text((DATA / "codegen.json").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = _cli("jsonschema", str(root), "--profile", "codegen", "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert "2 files" in out and "codegen profile, QEMU 9.2.0" in out
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [".qapidoc-jsonschema", "index.json", CODEGEN_FILE]
    document = json.loads((tmp_path / "out" / CODEGEN_FILE).read_text(encoding="utf-8"))
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert document["$id"] == "urn:qapidoc:qmp:9.2.0:qmp.json"
    assert index["qemu-release"] == "9.2.0" and index["profile"] == "codegen"
    assert index["commands"]["connect"]["request"] == "urn:qapidoc:qmp:9.2.0:qmp.json#/$defs/connect-request"
    # --qemu-release wins over VERSION
    code, out, _ = _cli("jsonschema", str(root), "--qemu-release", "9.1.0", "-o", str(tmp_path / "v"))
    assert code == 0 and "QEMU 9.1.0" in out
    assert json.loads((tmp_path / "v" / "types.json").read_text(encoding="utf-8"))["$id"] == \
        "urn:qapidoc:qmp:9.1.0:types.json"


@pytest.mark.parametrize("argv, message", [
    (["--profile", "codegen", "--inline"], "no inline view"),
    (["--profile", "codegen", "--examples"], "--examples"),
    (["--qemu-release", "ten"], "not a version"),
])
def test_cli_refuses(tmp_path: Path, argv: list[str], message: str) -> None:
    code, _, err = _cli("jsonschema", str(DATA / "codegen.json"), *argv, "-o", str(tmp_path / "out"))
    assert code == 2
    assert message in err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_two_releases_never_share_an_identity(shared_dir: Path, tmp_path: Path) -> None:
    """QEMU 7.2 and 10.2, each in its own tree with its VERSION (from the history bundle)."""
    repo = tmp_path / "history"
    subprocess.run(["git", "clone", "-q", str(shared_dir / "corpus" / "qemu-qapi-history.bundle"), str(repo)],
                   check=True)
    ids = {}
    for tag in ("v7.2.0", "v10.2.0"):
        tree = tmp_path / tag
        subprocess.run(["git", "-C", str(repo), "worktree", "add", "-q", str(tree), tag], check=True)
        out = tmp_path / f"out-{tag}"
        assert _cli("jsonschema", str(tree / "qapi" / "qapi-schema.json"), "-o", str(out))[0] == 0
        ids[tag] = {json.loads(p.read_text(encoding="utf-8"))["$id"] for p in out.rglob("*.json")
                    if p.name != "index.json"}
    assert all(i.startswith("urn:qapidoc:qmp:7.2.0:") for i in ids["v7.2.0"])
    assert all(i.startswith("urn:qapidoc:qmp:10.2.0:") for i in ids["v10.2.0"])
    assert ids["v7.2.0"].isdisjoint(ids["v10.2.0"])


def test_with_defines_both_profiles_agree() -> None:
    """Conditions evaluated for one build: the profiles still give one verdict per case."""
    result = load_schema(str(DATA / "constructs.json"))
    assert result.schema is not None
    defines = frozenset({"CONFIG_FOO"})
    named = generate(result.schema, GenerateOptions(defines=defines), result.doc_for)
    codegen = generate_codegen(result.schema, GenerateOptions(profile="codegen", defines=defines), result.doc_for)
    assert named.bundle is not None
    by_named, by_codegen = PyVerdicts(named.schemas(), "2020-12"), PyVerdicts([codegen.document], "2020-12")
    compared, wrong = 0, []
    for case in CASES:
        key = _key(codegen, case)
        if key is None or (case.kind == "type" and case.name not in named.bundle["$defs"]):
            continue
        if case.kind == "type":
            named_key = f"{named.bundle['$id']}#/$defs/{case.name}"
        else:
            files = {"request": named.requests, "reply": named.replies, "event": named.events}[case.kind]
            if case.name not in files:
                continue
            named_key = files[case.name]["$id"]
        compared += 1
        if by_named.is_valid(named_key, case.instance) is not by_codegen.is_valid(key, case.instance):
            wrong.append((key, case.instance))
    assert wrong == []
    assert compared > 150
