"""``qapidoc jsonschema --history``: every definition, property and enum value
dated with the release it appeared in (``x-qapi-since``) and was deprecated
in (``x-qapi-deprecated-since``), on schemas of our own
(tests/data/history, see test_history.py) and on QEMU 10.2.0.

The codegen profile is dated like the validation profile: for the same
schema and history, everything dated in one has the same dates in the other
(compared by definition name and the members, values, branches and
alternatives under it), on tests/data/history-unions (unions, a union as a
branch, an alternate, deprecations) and on QEMU 10.2.0.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import pytest

from qapidoc.backends.history import History
from qapidoc.backends.jsonschema import GeneratedSchemas, GenerateOptions, generate
from qapidoc.backends.jsonschema_codegen import CodegenSchema, generate_codegen
from qapidoc.backends.jsonschema_history import annotate, annotate_codegen
from qapidoc.backends.releases import read_trees
from qapidoc.cli import main
from qapidoc.frontend.loader import LoadOptions, LoadResult, load_schema
from qapidoc.frontend.model import ObjectType, Schema
from tests.support.ajv import ajv_available, documented_setup, run_ajv
from tests.support.bundle import bundle_clone, bundle_histories, export
from tests.support.verdicts import meta_errors

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


# --- the codegen profile ------------------------------------------------------------------------

UNIONS = pathlib.Path(__file__).resolve().parent / "data" / "history-unions"
UNION_TREES = [str(UNIONS / r) for r in ("u1", "u2")]

#: where something is, in terms both profiles share: an anchor (``type NAME``,
#: ``request NAME``, ``reply NAME``, ``event NAME``), then ``member NAME``,
#: ``element``, ``value NAME``, ``branch NAME``, ``as JSON-TYPE`` segments
Key = tuple[str, ...]
#: key -> every (x-qapi-since, x-qapi-deprecated-since) found there
Facts = dict[Key, set[tuple[Any, Any]]]
_MESSAGES = (("request", "arguments"), ("reply", "return"), ("event", "data"))


@pytest.fixture(scope="module")
def unions() -> History:
    return read_trees(UNION_TREES).by_namespace["QMP"]


def _note(facts: Facts, key: Key, node: Any) -> None:
    if isinstance(node, dict) and any(k in node for k in KEYS):
        facts.setdefault(key, set()).add((node.get(KEYS[0]), node.get(KEYS[1])))


def _walk(facts: Facts, node: Any, key: Key, choices: Callable[[dict[str, Any], Key], None]) -> None:
    """What both profiles write alike: properties, items, enum values; then
    ``choices(node, key)`` for what they write differently."""
    if not isinstance(node, dict):
        return
    for name, sub in node.get("properties", {}).items():
        _note(facts, (*key, f"member {name}"), sub)
        _walk(facts, sub, (*key, f"member {name}"), choices)
    _walk(facts, node.get("items"), (*key, "element"), choices)
    for name, entry in node.get("x-qapi-values", {}).items():
        _note(facts, (*key, f"value {name}"), entry)
    choices(node, key)


def _validation_facts(dated: GeneratedSchemas) -> tuple[Facts, set[Key]]:
    """What the validation profile dates; and the branches without members
    that share one ``then`` (which it cannot date)."""
    facts: Facts = {}
    shared: set[Key] = set()

    def choices(node: dict[str, Any], key: Key) -> None:
        for entry in node.get("allOf", []):
            condition = entry.get("if", {})
            if "type" in condition:
                _note(facts, (*key, f"as {condition['type']}"), entry)
                _walk(facts, entry["then"], key, choices)
            for selector in condition.get("properties", {}).values():
                if "const" in selector:
                    branch = (*key, f"branch {selector['const']}")
                    _note(facts, branch, entry["then"])
                    _walk(facts, entry["then"], branch, choices)
                shared.update((*key, f"branch {v}") for v in selector.get("enum", []))

    assert dated.bundle is not None
    for name, definition in dated.bundle["$defs"].items():
        _note(facts, (f"type {name}",), definition)
        _walk(facts, definition, (f"type {name}",), choices)
    for (kind, field), documents in zip(_MESSAGES, (dated.requests, dated.replies, dated.events), strict=True):
        for name, document in documents.items():
            _note(facts, (f"{kind} {name}",), document)
            payload = document["properties"].get(field)
            _note(facts, (f"{kind} {name}", field), payload)
            _walk(facts, payload, (f"{kind} {name}", field), choices)
    return facts, shared


def _codegen_defs(dated: CodegenSchema) -> dict[str, Any]:
    defs: dict[str, Any] = dated.document.get("$defs") or dated.document["definitions"]
    return defs


def _target(node: dict[str, Any]) -> str | None:
    """The definition a bare ``$ref``, or an ``allOf`` of one, names."""
    ref = node.get("$ref") or (node["allOf"][0].get("$ref") if len(node.get("allOf", [])) == 1 else None)
    return ref.rsplit("/", 1)[-1] if ref is not None else None


def _codegen_facts(dated: CodegenSchema, schema: Schema) -> Facts:
    """What the codegen profile dates, by the same keys: a union's branch
    definitions under the union's key (with the union's members: the
    comparison finds those at the union)."""
    defs, branches = _codegen_defs(dated), dated.index["branches"]
    facts: Facts = {}

    def choices(node: dict[str, Any], key: Key) -> None:
        for entry in node.get("anyOf", []):
            target = _target(entry)
            json_type = (defs[target] if target is not None else entry)["type"]
            _note(facts, (*key, f"as {json_type}"), entry)
            _walk(facts, entry, key, choices)
        for choice in node.get("oneOf", []):
            branch = branches[_target(choice)]
            definition(_target(choice), (*key, f"branch {branch['value']}"))

    def definition(name: Any, key: Key) -> None:
        _note(facts, key, defs[name])
        _walk(facts, defs[name], key, choices)

    for name in defs:
        if name in schema.entities and name not in branches:
            definition(name, (f"type {name}",))
    for kind, field in _MESSAGES:
        for name in dated.index["commands" if kind != "event" else "events"]:
            message = defs.get(f"{name}-{kind}")
            if message is None:
                continue        # no reply ('success-response': false)
            _note(facts, (f"{kind} {name}",), message)
            for form in message.get("oneOf", [message]):        # out-of-band: two forms
                payload = form["properties"].get(field)     # (an event without data has none)
                if payload is None:
                    continue
                _note(facts, (f"{kind} {name}", field), payload)
                target = _target(payload)
                if target is not None and target not in schema.entities:
                    definition(target, (f"{kind} {name}", field))   # NAME-arguments, NAME-data
                _walk(facts, payload, (f"{kind} {name}", field), choices)
    return facts


def _home(dated: CodegenSchema, schema: Schema, name: str) -> Key:
    """The key under which the codegen profile writes the values of type
    ``name``: a struct that is only a union's branch is that branch."""
    branch = dated.index["branches"].get(name)
    if branch is not None:
        return (*_home(dated, schema, branch["union"]), f"branch {branch['value']}")
    if name in _codegen_defs(dated):
        return (f"type {name}",)
    # a branch of a union that is itself only a branch: written inside it
    union, value = next((u.name, v.name) for u in schema.entities.values() if isinstance(u, ObjectType)
                        and u.variants is not None for v in u.variants.branches if v.type == name)
    return (*_home(dated, schema, union), f"branch {value}")


def _compare(validation: GeneratedSchemas, codegen: CodegenSchema, schema: Schema) -> tuple[list[str], set[Key]]:
    """What the two profiles date differently, and what only codegen dates
    (each checked against the branches that the validation profile cannot
    date: it must be one of them)."""
    facts, shared = _validation_facts(validation)

    def moved(key: Key) -> Key:
        anchor = key[0]
        if anchor.startswith("type "):
            return (*_home(codegen, schema, anchor.removeprefix("type ")), *key[1:])
        return key

    ours: Facts = {}
    for key, dates in facts.items():
        ours.setdefault(moved(key), set()).update(dates)
    shared = {moved(key) for key in shared}
    theirs = _codegen_facts(codegen, schema)
    problems = [f"{k}: {sorted(d, key=str)} in one profile" for k, d in (*ours.items(), *theirs.items())
                if len(d) != 1]
    matched: set[Key] = set()
    only: set[Key] = set()
    for key, dates in theirs.items():
        # A union's branch definition has the union's members too: they are
        # dated where they are on the wire, at the union.
        place: Key | None = key
        while place is not None and place not in ours:
            place = (*place[:-2], place[-1]) if (len(place) > 2 and place[-1].startswith("member ")
                                                 and place[-2].startswith("branch ")) else None
        if place is None:
            only.add(key)
        elif ours[place] != dates:
            problems.append(f"{key}: codegen {dates}, validation {ours[place]} at {place}")
        else:
            matched.add(place)
    problems += [f"{key}: validation {ours[key]}, not in codegen" for key in ours.keys() - matched]
    problems += [f"{key}: codegen only, and not a branch without members" for key in only - shared]
    return problems, only


def _both(result: LoadResult, history: History, draft: str = "2020-12") -> tuple[GeneratedSchemas, CodegenSchema]:
    assert result.schema is not None
    validation = annotate(generate(result.schema, GenerateOptions(draft=draft), result.doc_for), result.schema,
                          [history])
    plain = generate_codegen(result.schema, GenerateOptions(profile="codegen", draft=draft), result.doc_for)
    return validation, annotate_codegen(plain, result.schema, [history])


def _unwrap(node: Any, plain: Any) -> Any:
    """``node`` without the history's keywords, and with the ``allOf`` they
    put around a bare ``$ref`` (where ``plain``, the undated node, has one)
    taken away again."""
    if isinstance(node, dict):
        if isinstance(plain, dict) and "$ref" in plain and "$ref" not in node:
            node = node["allOf"][0] if set(node) - set(KEYS) == {"allOf"} else node
        keys = plain if isinstance(plain, dict) else {}
        return _strip({k: _unwrap(v, keys.get(k)) for k, v in node.items()})
    if isinstance(node, list):
        others = plain if isinstance(plain, list) else []
        return [_unwrap(v, others[i] if i < len(others) else None) for i, v in enumerate(node)]
    return node


def test_codegen_dates_unions_as_validation_does(unions: History) -> None:
    """Unions (a struct only a branch, a struct used elsewhere too, branches
    without members, a union as a branch), an alternate, deprecations, an
    out-of-band command: both profiles give each the same release."""
    result = _load(UNION_TREES[1], (9, 1))
    assert result.schema is not None
    validation, codegen = _both(result, unions)
    problems, only = _compare(validation, codegen, result.schema)
    assert problems == []
    # Figure's dot and blank share one 'then' in the validation profile
    assert only == {("type Figure", "branch dot"), ("type Figure", "branch blank")}
    # draft 7: the same, in 'definitions'
    assert _codegen_facts(_both(result, unions, "7")[1], result.schema) == _codegen_facts(codegen, result.schema)
    defs = _codegen_defs(codegen)
    assert (defs["Figure-dot"]["x-qapi-since"], defs["Figure-blank"]["x-qapi-since"]) == ("9.0", "9.1")


def test_codegen_facts(unions: History) -> None:
    """Picked by hand from u1 and u2, and everything on the wire is dated."""
    result = _load(UNION_TREES[1], (9, 1))
    assert result.schema is not None
    plain = generate_codegen(result.schema, GenerateOptions(profile="codegen"), result.doc_for)
    dated = annotate_codegen(plain, result.schema, [unions])
    defs = _codegen_defs(dated)

    def since(node: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(node[k] for k in KEYS if k in node)

    square = defs["Figure-square"]      # Side, also draw's return value: a branch of its own
    assert since(square) == ("9.0",)
    assert {k: since(v) for k, v in square["properties"].items()} == {
        "shape": ("9.0",), "name": ("9.0", "9.1"), "side": ("9.0",), "colour": ("9.1",)}
    line = defs["Line"]                 # only ever Figure's branch: the branch
    assert since(line) == ("9.1",)
    assert (since(line["properties"]["dash"]), since(line["properties"]["name"])) == (("9.1", "9.1"), ("9.0", "9.1"))
    fancy = defs["Frame-fancy"]         # Frame, only Figure's branch, is a union: a branch of a branch
    assert (since(defs["Frame"]), since(fancy)) == (("9.1",), ("9.1",))
    assert {k: since(v) for k, v in fancy["properties"].items()} == {
        "shape": ("9.0",), "name": ("9.0", "9.1"), "kind": ("9.1",), "width": ("9.1",), "ornament": ("9.1",)}
    assert [since(e) for e in defs["Size"]["anyOf"]] == [("9.0",), ("9.1",), ("9.1",)]
    assert defs["Size"]["anyOf"][2] == {"allOf": [{"$ref": "#/$defs/Side"}], "x-qapi-since": "9.1"}
    erase = defs["erase-request"]
    assert since(erase) == ("9.0", "9.1")
    assert [since(form["properties"]["arguments"]) for form in erase["oneOf"]] == [("9.0",), ("9.0",)]
    assert since(defs["DRAWN-data"]["properties"]["figures"]) == ("9.0",)
    # Everything is on the wire here: every definition but the protocol's
    # own, every member and every branch is dated.  (Shape's values are
    # not: a union's tag is dated by its branches.)
    for name, definition in defs.items():
        if not name.startswith("QMP-"):
            assert "x-qapi-since" in definition, name
            for member, sub in definition.get("properties", {}).items():
                if member not in ("execute", "exec-oob", "id", "event", "timestamp"):
                    assert "x-qapi-since" in sub, (name, member)
    # Nothing else changes: no $ref gets a sibling, and without the
    # annotations (and the allOf they put around a $ref) it is the
    # generator's document.
    assert _unwrap(dated.document, plain.document) == plain.document
    assert {k: v for k, v in dated.index.items() if k != "history"} == plain.index
    assert dated.index["history"]["oldest"] == "9.0"
    assert plain.document == generate_codegen(result.schema, GenerateOptions(profile="codegen"),
                                              result.doc_for).document
    for node in _nodes(dated.document):
        assert "$ref" not in node or set(node) == {"$ref"}, node
    for draft in ("2020-12", "7"):
        document = _both(result, unions, draft)[1].document
        assert meta_errors(document, draft) == []


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for sub in value.values():
            yield from _nodes(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _nodes(sub)


def test_codegen_dates_as_validation_does_without_unions(history: History) -> None:
    """r1..r3: a type renamed, an alternate that was an object, a command
    added later; and the same dates as test_dates."""
    result = _load(TREES[2], (10, 0))
    assert result.schema is not None
    validation, codegen = _both(result, history)
    assert _compare(validation, codegen, result.schema) == ([], set())
    defs = _codegen_defs(codegen)
    assert {v: e["x-qapi-since"] for v, e in defs["Colour"]["x-qapi-values"].items()} == {
        "red": "9.0", "green": "9.0", "blue": "9.1"}
    assert [e["x-qapi-since"] for e in defs["LocationOrName"]["anyOf"]] == ["10.0", "10.0"]
    assert defs["MOVED-data"]["properties"]["speed"]["x-qapi-since"] == "9.1"


def test_cli_codegen(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out"
    assert main(["jsonschema", f"{UNION_TREES[1]}/qapi/qapi-schema.json", "--profile", "codegen", "-o", str(out),
                 "--no-cache", *(f"--history-tree={t}" for t in UNION_TREES)]) == 0
    defs = json.loads((out / "qmp.json").read_text())["$defs"]
    assert defs["Line"]["properties"]["dash"]["x-qapi-deprecated-since"] == "9.1"
    assert json.loads((out / "index.json").read_text())["history"]["releases"] == ["u1", "u2"]


@pytest.mark.slow
def test_codegen_qemu_10_2(tmp_path_factory: pytest.TempPathFactory) -> None:
    """QEMU 10.2.0 against the 26 releases from 2.10: both profiles date
    everything alike, and the dated qmp.json is still a schema that ajv
    (strict, set up as docs/jsonschema.rst says) compiles and validates with."""
    repo = bundle_clone(tmp_path_factory)
    history = bundle_histories(tmp_path_factory)[0].by_namespace["QMP"]
    tree = export(repo, "v10.2.0", tmp_path_factory.mktemp("qemu-10.2.0-codegen"))
    result = load_schema(str(tree / "qapi/qapi-schema.json"))
    assert result.schema is not None
    validation, codegen = _both(result, history)
    problems, only = _compare(validation, codegen, result.schema)
    assert problems == []
    # only codegen dates the branches without members that share one 'then'
    assert len(only) == 152
    defs = _codegen_defs(codegen)
    assert defs["SHUTDOWN-event"]["x-qapi-since"] == "2.10"          # the oldest release read
    data = defs["SHUTDOWN-data"]["properties"]
    assert (data["guest"]["x-qapi-since"], data["reason"]["x-qapi-since"]) == ("2.10", "4.0")
    assert defs["ShutdownCause"]["x-qapi-values"]["snapshot-load"]["x-qapi-since"] == "7.2"
    pause = defs["block-job-pause-request"]
    assert (pause["deprecated"], pause["x-qapi-deprecated-since"]) == (True, "10.1")
    # Audiodev's alsa branch (query-audiodevs, 8.0), a branch of a branch
    # (MigrationAddress, 8.2: socket, then SocketAddress's fd)
    assert defs["AudiodevAlsaOptions"]["x-qapi-since"] == "8.0"
    assert {m: s["x-qapi-since"] for m, s in defs["MigrationAddress-socket-fd"]["properties"].items()} == {
        "transport": "8.2", "type": "8.2", "str": "8.2"}
    assert meta_errors(codegen.document, "2020-12") == []
    if ajv_available() is not None:
        pytest.skip(str(ajv_available()))
    options, keywords = documented_setup()
    message = f"{codegen.id}#/$defs/QMP-message"
    request = {"execute": "blockdev-add", "arguments": {"driver": "qcow2", "node-name": "disk0",
                                                        "file": {"driver": "file", "filename": "/disk0"}}}
    typo = {"execute": "blockdev-add", "arguments": {"driver": "qcow2", "node-nmae": "disk0", "file": "f"}}
    event = {"event": "SHUTDOWN", "data": {"guest": False, "reason": "host-qmp-quit"},
             "timestamp": {"seconds": 1, "microseconds": 2}}
    checked = run_ajv([codegen.document], [codegen.id, message], [(message, m) for m in (request, typo, event)],
                      options=options, keywords=keywords)
    assert (checked.errors, checked.verdicts) == ({}, [True, False, True])


def _dates_under(node: Any) -> list[str]:
    """Every date under ``node``, in no particular order."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.extend(f"{k}={v}" for k, v in item.items() if k in KEYS)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return sorted(found)


def test_draft_7_dated_as_2020_12(history: History) -> None:
    """Draft 7 keeps its definitions under 'definitions' (and a $ref with
    siblings in allOf): every definition gets the dates 2020-12's gets."""
    result = _load(TREES[2], (10, 0))
    assert result.schema is not None
    dated = {draft: annotate(generate(result.schema, GenerateOptions(draft=draft), result.doc_for),
                             result.schema, [history])
             for draft in ("2020-12", "7")}
    new, old = dated["2020-12"].bundle, dated["7"].bundle
    assert new is not None and old is not None
    assert set(new["$defs"]) == set(old["definitions"])
    for name, definition in new["$defs"].items():
        assert _dates_under(old["definitions"][name]) == _dates_under(definition), name
    assert _dates_under(old["definitions"]["Colour"])      # something is dated at all
    for kind in ("requests", "replies", "events"):
        for name, document in getattr(dated["2020-12"], kind).items():
            assert _dates_under(getattr(dated["7"], kind)[name]) == _dates_under(document), (kind, name)
