"""Every QAPI construct, mapped to JSON Schema, with valid and invalid instances.

The schema is ``tests/data/jsonschema/constructs.json``.  Each case below is
(target, instance, expected verdict, optional (path, keyword) of the expected
violation).  Every case is checked by python-jsonschema, jsonschema-rs and
ajv (strict mode), on the draft 2020-12 and the draft 7 output; message cases
also on the inline (wire) view; and through :class:`qapidoc.backends.validate.QmpValidator`,
whose violations must name the expected path and keyword.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from support.ajv import (
    AjvUnavailableError,
    ajv_available,
    ajv_number_collision,
    defs_keys,
    documented_setup,
    ensure_installed,
    run_ajv,
)
from support.jsonschema_rs_check import rs_available, rs_compile, rs_verdicts
from support.qapi_instances import NUMBER_BOUNDS, numbers_in
from support.verdicts import PyVerdicts, meta_errors

from qapidoc import LoadOptions, load_schema
from qapidoc.backends.jsonschema import (
    GeneratedSchemas,
    GenerateOptions,
    dump_json,
    event_file,
    generate,
    reply_file,
    request_file,
)
from qapidoc.backends.validate import QmpValidator

DATA = Path(__file__).resolve().parent / "data" / "jsonschema"
I64, U64 = 2 ** 63, 2 ** 64
TS = {"seconds": 1700000000, "microseconds": 5}


class Case(NamedTuple):
    kind: str            # "type", "request", "reply", "event"
    name: str            # type, command or event name
    instance: Any
    valid: bool
    expect: tuple[tuple[str | int, ...], str] | None = None
    # QmpValidator's verdict where QEMU's differs from JSON Schema's (an
    # integral float is an integer to JSON Schema, a double to QEMU).
    qmp_valid: bool | None = None


def T(name: str, instance: Any, valid: bool, path: tuple[str | int, ...] = (), keyword: str | None = None) -> Case:
    return Case("type", name, instance, valid, (path, keyword) if keyword else None)


def req(name: str, instance: Any, valid: bool, path: tuple[str | int, ...] = (), keyword: str | None = None) -> Case:
    return Case("request", name, instance, valid, (path, keyword) if keyword else None)


def rep(name: str, instance: Any, valid: bool, path: tuple[str | int, ...] = (), keyword: str | None = None) -> Case:
    return Case("reply", name, instance, valid, (path, keyword) if keyword else None)


def ev(name: str, data: Any, valid: bool, path: tuple[str | int, ...] = (), keyword: str | None = None,
       *, ts: Any = TS) -> Case:
    message: dict[str, Any] = {"event": name}
    if data is not ...:
        message["data"] = data
    if ts is not ...:
        message["timestamp"] = ts
    return Case("event", name, message, valid, (path, keyword) if keyword else None)


def _edges(name: str, low: int, high: int) -> list[Case]:
    return [T(name, low, True), T(name, high, True), T(name, 0 if low < 0 else 1, True),
            T(name, low - 1, False, (), "minimum"), T(name, high + 1, False, (), "maximum"),
            T(name, 1.5, False, (), "type"), T(name, "1", False, (), "type"),
            T(name, True, False, (), "type"), T(name, None, False, (), "type")]


BUILTINS = [
    *_edges("int8", -128, 127), *_edges("int16", -32768, 32767), *_edges("int32", -(2 ** 31), 2 ** 31 - 1),
    *_edges("int64", -I64, I64 - 1), *_edges("int", -I64, I64 - 1),
    *_edges("uint8", 0, 255), *_edges("uint16", 0, 65535), *_edges("uint32", 0, 2 ** 32 - 1),
    *_edges("uint64", 0, U64 - 1), *_edges("size", 0, U64 - 1),
    # JSON Schema: 2.0 is an integer; QEMU: a double, which int8 refuses
    Case("type", "int8", 2.0, True, None, qmp_valid=False),
    T("number", 1.5, True), T("number", 3, True), T("number", -1e300, True),
    T("number", "1", False, (), "type"), T("number", None, False, (), "type"), T("number", True, False, (), "type"),
    T("str", "", True), T("str", "x y ✓", True), T("str", 1, False, (), "type"), T("str", None, False, (), "type"),
    T("bool", True, True), T("bool", False, True), T("bool", 1, False, (), "type"),
    T("bool", "true", False, (), "type"),
    T("null", None, True), T("null", 0, False, (), "type"), T("null", "null", False, (), "type"),
    *(T("any", v, True) for v in (1, "s", None, True, 2.5, {"a": [1, None]}, [])),
]

ENUMS_AND_STRUCTS = [
    T("Color", "red", True), T("Color", "blue", True), T("Color", "old", True),
    T("Color", "purple", False, (), "enum"), T("Color", 1, False, (), "enum"), T("Color", "Red", False, (), "enum"),
    T("Ints", {}, True), T("Ints", {"u8": 255, "i8": -128, "sz": U64 - 1, "n": None, "a": {"x": 1}}, True),
    T("Ints", {"u8": 256}, False, ("u8",), "maximum"), T("Ints", {"i16": -32769}, False, ("i16",), "minimum"),
    T("Ints", {"b": "yes"}, False, ("b",), "type"), T("Ints", {"n": 0}, False, ("n",), "type"),
    T("Point", {"x": 1, "y": 2}, True), T("Point", {"x": 1, "y": 2, "label": "p"}, True),
    T("Point", {"x": 1}, False, (), "required"), T("Point", {"x": 1, "y": 2, "z": 3}, False, ("z",),
                                                   "additionalProperties"),
    T("Point", [], False, (), "type"), T("Point", {"x": 1, "y": "2"}, False, ("y",), "type"),
    # nested bases: Derived <- Base2 <- Base1
    T("Derived", {"b1": "s", "own": True}, True), T("Derived", {"b1": "s", "b2": 2, "own": False}, True),
    T("Derived", {"own": True}, False, (), "required"), T("Derived", {"b1": "s"}, False, (), "required"),
    T("Derived", {"b1": 1, "own": True}, False, ("b1",), "type"),
    T("Derived", {"b1": "s", "own": True, "b3": 1}, False, ("b3",), "additionalProperties"),
    # conditional members: allowed, and not required unless the build is known
    T("Derived", {"b1": "s", "own": True, "cond-member": "c", "cond-required": 1}, True),
    T("Derived", {"b1": "s", "own": True, "cond-member": 1}, False, ("cond-member",), "type"),
    # features do not change what is valid
    T("Derived", {"b1": "s", "own": True, "old-member": 1, "odd-member": 2}, True),
    T("Empty", {}, True), T("Empty", {"a": 1}, False, ("a",), "additionalProperties"),
]

UNIONS = [
    T("Figure", {"shape": "circle", "radius": 1.5}, True),
    T("Figure", {"shape": "circle", "radius": 1.5, "name": "c"}, True),      # member of the base's base
    T("Figure", {"shape": "square", "b1": "x", "side": 3}, True),            # branch type with a base
    T("Figure", {"shape": "square", "b1": "x", "side": 3, "filled": True, "name": "s"}, True),
    T("Figure", {"shape": "dot"}, True),                                     # branch without members
    T("Figure", {"shape": "dot", "name": "d"}, True),
    T("Figure", {"shape": "dot", "radius": 1}, False, ("radius",), "additionalProperties"),
    T("Figure", {"shape": "circle"}, False, (), "required"),
    T("Figure", {"shape": "circle", "radius": 1, "side": 3}, False, ("side",), "additionalProperties"),
    T("Figure", {"shape": "circle", "radius": "big"}, False, ("radius",), "type"),
    T("Figure", {"shape": "square", "side": 3}, False, (), "required"),
    T("Figure", {"shape": "square", "b1": "x", "side": 70000}, False, ("side",), "maximum"),
    T("Figure", {"shape": "hexagon"}, False, ("shape",), "enum"),
    T("Figure", {"radius": 1}, False, (), "required"),
    T("Figure", {"shape": "circle", "radius": 1, "name": 5}, False, ("name",), "type"),
    # a branch that is itself a union
    T("Figure", {"shape": "nested", "kind": "one", "radius": 2}, True),
    T("Figure", {"shape": "nested", "kind": "two"}, True),
    T("Figure", {"shape": "nested", "kind": "two", "name": "n"}, True),
    T("Figure", {"shape": "nested", "kind": "two", "radius": 2}, False, ("radius",), "additionalProperties"),
    T("Figure", {"shape": "nested", "kind": "one"}, False, (), "required"),
    T("Figure", {"shape": "nested"}, False, (), "required"),
    T("Figure", {"shape": "nested", "kind": "three"}, False, ("kind",), "enum"),
    # explicit empty branch, implicit branches, conditional branch
    T("Simple", {"type": "red"}, True), T("Simple", {"type": "green"}, True), T("Simple", {"type": "old"}, True),
    T("Simple", {"type": "blue", "x": 1, "y": 2}, True),
    T("Simple", {"type": "blue"}, False, (), "required"),
    T("Simple", {"type": "red", "x": 1}, False, ("x",), "additionalProperties"),
    T("Simple", {"type": "green", "x": 1}, False, ("x",), "additionalProperties"),
]

ALTERNATES = [
    T("AltAll", "red", True), T("AltAll", "purple", False, (), "enum"),
    T("AltAll", 5, True), T("AltAll", -128, True), T("AltAll", 300, False, (), "maximum"),
    T("AltAll", True, True), T("AltAll", None, True),
    T("AltAll", {"x": 1, "y": 2}, True), T("AltAll", {"x": 1}, False, (), "required"),
    T("AltAll", [1, 2], True), T("AltAll", [], True), T("AltAll", ["a"], False, (0,), "type"),
    T("AltAll", 1.5, False, (), "anyOf"),
    T("AltStr", "anything", True), T("AltStr", "", True), T("AltStr", {"x": 1, "y": 2}, True),
    T("AltStr", 1, False, (), "anyOf"), T("AltStr", None, False, (), "anyOf"), T("AltStr", [], False, (), "anyOf"),
    T("AltStr", True, False, (), "anyOf"),
    T("AltNum", 1.5, True), T("AltNum", 2, True), T("AltNum", False, True), T("AltNum", "1", False, (), "anyOf"),
    T("AltNum", None, False, (), "anyOf"),
]

ARRAYS_RECURSION_ANY = [
    T("Holder", {"alts": ["red", 1, None, [2], {"x": 1, "y": 1}, False]}, True),
    T("Holder", {"alts": ["red", 1.5]}, False, ("alts", 1), "anyOf"),
    T("Holder", {"alts": [{"x": 1}]}, False, ("alts", 0), "required"),
    T("Holder", {"alts": "red"}, False, ("alts",), "type"),
    T("Holder", {"alts": [], "strs": ["a", 1]}, False, ("strs", 1), "type"),
    T("Holder", {}, False, (), "required"),
    T("Holder", {"alts": [], "any": {"deep": [1, None]}, "nul": None}, True),
    T("Holder", {"alts": [], "nul": 0}, False, ("nul",), "type"),
    T("Holder", {"alts": [], "num": "x"}, False, ("num",), "anyOf"),
    T("Tree", {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "children": []}]}]}, True),
    T("Tree", {"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]}, False,
      ("children", 0, "children", 0, "value"), "type"),
    T("Tree", {"value": 1, "children": [{"children": []}]}, False, ("children", 0), "required"),
    T("RecAlt", "leaf", True), T("RecAlt", {"kids": ["a", {"kids": ["b", {"kids": []}]}]}, True),
    T("RecAlt", {"kids": ["a", {"kids": [1]}]}, False, ("kids", 1, "kids", 0), "anyOf"),
    T("RecAlt", {"kids": ["a"], "x": 1}, False, ("x",), "additionalProperties"),
]

COMMANDS = [
    req("cmd-plain", {"execute": "cmd-plain", "arguments": {"name": "n"}}, True),
    req("cmd-plain", {"execute": "cmd-plain", "arguments": {"name": "n", "count": 255}, "id": {"any": [1]}}, True),
    req("cmd-plain", {"execute": "cmd-plain"}, False, (), "required"),
    req("cmd-plain", {"execute": "cmd-plain", "arguments": {}}, False, ("arguments",), "required"),
    req("cmd-plain", {"execute": "cmd-plain", "arguments": {"name": "n", "count": 256}}, False,
        ("arguments", "count"), "maximum"),
    req("cmd-plain", {"execute": "cmd-plain", "arguments": {"name": "n"}, "extra": 1}, False, ("extra",),
        "additionalProperties"),
    req("cmd-plain", {"execute": "cmd-plain", "arguments": []}, False, ("arguments",), "type"),
    req("cmd-plain", {"execute": "cmd-plain", "arguments": {"name": "n"}, "exec-oob": "cmd-plain"}, False),
    rep("cmd-plain", {"return": {"x": 1, "y": 2}, "id": 1}, True),
    rep("cmd-plain", {"return": {"x": 1, "y": 2}}, True),
    rep("cmd-plain", {"return": {}}, False, ("return",), "required"),
    rep("cmd-plain", {"id": 1}, False, (), "required"),
    rep("cmd-plain", {"return": {"x": 1, "y": 2}, "extra": 1}, False, ("extra",), "additionalProperties"),
    req("cmd-no-args", {"execute": "cmd-no-args"}, True),
    req("cmd-no-args", {"execute": "cmd-no-args", "arguments": {}, "id": "x"}, True),
    req("cmd-no-args", {"execute": "cmd-no-args", "arguments": {"a": 1}}, False, ("arguments", "a"),
        "additionalProperties"),
    req("cmd-no-args", {"execute": "cmd-no-args", "arguments": None}, False, ("arguments",), "type"),
    req("cmd-no-args", {"execute": "cmd-plain"}, False, ("execute",), "const"),
    rep("cmd-no-args", {"return": {}, "id": None}, True),
    rep("cmd-no-args", {"return": {"a": 1}}, False, ("return", "a"), "additionalProperties"),
    rep("cmd-no-args", {"return": []}, False, ("return",), "type"),
    rep("cmd-no-args", {"return": None}, False, ("return",), "type"),
    req("cmd-optional-args", {"execute": "cmd-optional-args"}, True),
    req("cmd-optional-args", {"execute": "cmd-optional-args", "arguments": {"verbose": True}}, True),
    req("cmd-optional-args", {"execute": "cmd-optional-args", "arguments": {"verbose": 1}}, False,
        ("arguments", "verbose"), "type"),
    rep("cmd-optional-args", {"return": []}, True),
    rep("cmd-optional-args", {"return": [{"x": 1, "y": 2}]}, True),
    rep("cmd-optional-args", {"return": {}}, False, ("return",), "type"),
    rep("cmd-optional-args", {"return": [{"x": 1}]}, False, ("return", 0), "required"),
    # boxed union and boxed struct arguments
    req("cmd-boxed", {"execute": "cmd-boxed", "arguments": {"shape": "dot"}}, True),
    req("cmd-boxed", {"execute": "cmd-boxed"}, False, (), "required"),
    req("cmd-boxed", {"execute": "cmd-boxed", "arguments": {"shape": "circle"}}, False, ("arguments",), "required"),
    req("cmd-boxed", {"execute": "cmd-boxed", "arguments": {"shape": "dot", "x": 1}}, False, ("arguments", "x"),
        "additionalProperties"),
    rep("cmd-boxed", {"return": {"alts": [], "tree": {"value": 1, "children": [{"value": 2}]}}}, True),
    rep("cmd-boxed", {"return": {"alts": [], "tree": {"value": 1, "children": [{"value": 1.5}]}}}, False,
        ("return", "tree", "children", 0, "value"), "type"),
    rep("cmd-boxed", {"return": {"alts": [], "rec": {"kids": ["a", {"kids": [{"kids": []}]}]}}}, True),
    rep("cmd-boxed", {"return": {"alts": [], "rec": {"kids": [{"kids": [False]}]}}}, False,
        ("return", "rec", "kids", 0, "kids", 0), "anyOf"),
    req("cmd-struct-args", {"execute": "cmd-struct-args", "arguments": {"b1": "x", "own": False}}, True),
    req("cmd-struct-args", {"execute": "cmd-struct-args", "arguments": {"b1": "x"}}, False, ("arguments",),
        "required"),
    # out-of-band
    req("cmd-oob", {"exec-oob": "cmd-oob", "id": 1}, True),
    req("cmd-oob", {"execute": "cmd-oob"}, True),
    req("cmd-oob", {"execute": "cmd-oob", "exec-oob": "cmd-oob"}, False, (), "oneOf"),
    req("cmd-oob", {"exec-oob": "cmd-plain"}, False, ("exec-oob",), "const"),
    # deprecated, conditional
    req("cmd-deprecated", {"execute": "cmd-deprecated"}, True),
    req("cmd-cond", {"execute": "cmd-cond", "arguments": {"c": {"v": 1}}}, True),
    req("cmd-cond", {"execute": "cmd-cond", "arguments": {"c": {"v": "1"}}}, False, ("arguments", "c", "v"), "type"),
    req("cmd-no-reply", {"execute": "cmd-no-reply"}, True),
    rep("cmd-builtin-return", {"return": ["a", "b"]}, True),
    rep("cmd-builtin-return", {"return": "a"}, False, ("return",), "type"),
    req("cmd-any", {"execute": "cmd-any", "arguments": {"arg": [1, {}]}}, True),
    req("cmd-any", {"execute": "cmd-any", "arguments": {"arg": None}}, True),
    req("cmd-any", {"execute": "cmd-any", "arguments": {}}, False, ("arguments",), "required"),
    rep("cmd-any", {"return": 5}, True), rep("cmd-any", {"return": None}, True),
]

EVENTS = [
    ev("EV_EMPTY", ..., True), ev("EV_EMPTY", ..., True, ts={"seconds": -1, "microseconds": -1}),
    ev("EV_EMPTY", {}, False, ("data",), "additionalProperties"),
    ev("EV_EMPTY", ..., False, (), "required", ts=...),
    ev("EV_EMPTY", ..., False, ("timestamp", "microseconds"), "maximum", ts={"seconds": 1, "microseconds": 10 ** 6}),
    ev("EV_EMPTY", ..., False, ("timestamp",), "required", ts={"seconds": 1}),
    ev("EV_EMPTY", ..., False, ("timestamp", "seconds"), "type", ts={"seconds": "1", "microseconds": 0}),
    ev("EV_EMPTY", ..., False, ("timestamp", "seconds"), "minimum", ts={"seconds": -2, "microseconds": 0}),
    ev("EV_DATA", {"point": {"x": 1, "y": 2}}, True), ev("EV_DATA", {"point": {"x": 1, "y": 2}, "tag": "t"}, True),
    ev("EV_DATA", ..., False, (), "required"), ev("EV_DATA", {}, False, ("data",), "required"),
    ev("EV_DATA", {"point": {"x": 1, "y": 2}, "tag": 1}, False, ("data", "tag"), "type"),
    ev("EV_OPTIONAL", ..., True), ev("EV_OPTIONAL", {"tag": "t"}, True), ev("EV_OPTIONAL", {"n": 1, "tag": ""}, True),
    ev("EV_OPTIONAL", {}, False, ("data",), "minProperties"),
    ev("EV_OPTIONAL", {"bogus": 1}, False, ("data", "bogus"), "additionalProperties"),
    ev("EV_BOXED", {"shape": "dot"}, True),
    ev("EV_BOXED", {"shape": "dot", "radius": 1}, False, ("data", "radius"), "additionalProperties"),
    ev("EV_BOXED", ..., False, (), "required"),
    ev("EV_COND", ..., True),
    ev("EV_NAMED", ..., True), ev("EV_NAMED", {"u8": 1}, True),
    ev("EV_NAMED", {}, False, ("data",), "minProperties"),
    ev("EV_NAMED", {"u8": -1}, False, ("data", "u8"), "minimum"),
    Case("event", "EV_DATA", {"event": "EV_EMPTY", "timestamp": TS}, False, (("event",), "const")),
]

CASES = BUILTINS + ENUMS_AND_STRUCTS + UNIONS + ALTERNATES + ARRAYS_RECURSION_ANY + COMMANDS + EVENTS


def _case_id(case: Case) -> str:
    text = json.dumps(case.instance, separators=(",", ":"))
    return f"{case.kind}-{case.name}-{'ok' if case.valid else 'bad'}-{text[:50]}"


@pytest.fixture(scope="module")
def loaded() -> Any:
    result = load_schema(str(DATA / "constructs.json"))
    assert result.ok, [str(d) for d in result.diagnostics]
    return result


def _generate(loaded: Any, draft: str, inline: bool) -> GeneratedSchemas:
    base = f"urn:qapidoc:test:constructs:{'inline' if inline else 'named'}:"
    return generate(loaded.schema, GenerateOptions(draft=draft, base_uri=base, inline=inline), loaded.doc_for)


@pytest.fixture(scope="module")
def variants(loaded: Any) -> dict[tuple[str, bool], GeneratedSchemas]:
    return {(d, i): _generate(loaded, d, i) for d in ("2020-12", "7") for i in (False, True)}


def _key(gen: GeneratedSchemas, case: Case) -> str | None:
    if case.kind == "type":
        if gen.bundle is None:
            return None
        defs = "$defs" if gen.options.draft == "2020-12" else "definitions"
        return f"{gen.bundle['$id']}#/{defs}/{case.name}"
    file = {"request": request_file, "reply": reply_file, "event": event_file}[case.kind](case.name)
    return gen.id_of(file)


def _ajv_unreliable(case: Case) -> bool:
    return any(ajv_number_collision(n, b) for n in numbers_in(case.instance) for b in NUMBER_BOUNDS)


def test_the_cases_cover_every_definition(loaded: Any) -> None:
    named = {c.name for c in CASES}
    entities = loaded.schema.entities
    user = {n for n, e in entities.items() if not e.is_implicit and n not in ("QType",)}
    builtins = {n for n in user if entities[n].meta == "built-in"}
    assert builtins <= named
    missing = sorted(n for n in user - named if entities[n].meta in ("command", "event")
                     and n not in ("cmd-no-reply",))
    assert missing == []
    assert all(any(c.name == n and c.valid for c in CASES) for n in named)
    assert sum(not c.valid for c in CASES) > 100


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_python_jsonschema_verdict_and_violation(variants: dict[tuple[str, bool], GeneratedSchemas],
                                                 loaded: Any, case: Case) -> None:
    for (draft, inline), gen in variants.items():
        key = _key(gen, case)
        if key is None:
            continue
        py = _py(gen)
        assert py.is_valid(key, case.instance) is case.valid, (draft, inline, py.errors(key, case.instance))
    if not _dispatches_to_case(case):
        return      # QmpValidator picks the schema by the message's own name
    validator = _qmp_validator(loaded)
    violations = _qmp_violations(validator, case)
    qmp_valid = case.valid if case.qmp_valid is None else case.qmp_valid
    assert (violations == []) is qmp_valid, violations
    if case.expect is not None:
        path, keyword = case.expect
        assert any(v.path == path and v.keyword == keyword for v in violations), violations
    for v in violations:
        assert v.message and v.keyword


_PY_CACHE: dict[int, PyVerdicts] = {}
_QV: dict[int, QmpValidator] = {}


def _py(gen: GeneratedSchemas) -> PyVerdicts:
    if id(gen) not in _PY_CACHE:
        _PY_CACHE[id(gen)] = PyVerdicts(gen.schemas(), gen.options.draft)
    return _PY_CACHE[id(gen)]


def _qmp_validator(loaded: Any) -> QmpValidator:
    if id(loaded) not in _QV:
        _QV[id(loaded)] = QmpValidator(loaded.schema)
    return _QV[id(loaded)]


def _dispatches_to_case(case: Case) -> bool:
    """Whether QmpValidator checks the instance against the case's own schema
    (it picks the schema by the message's name)."""
    if case.kind == "request":
        return bool(case.instance.get("execute", case.instance.get("exec-oob")) == case.name)
    if case.kind == "event":
        return bool(case.instance.get("event") == case.name)
    return True


def _qmp_violations(validator: QmpValidator, case: Case) -> list[Any]:
    if case.kind == "type":
        return validator.value(case.name, case.instance)
    if case.kind == "request":
        return validator.request(case.instance)
    if case.kind == "reply":
        return validator.reply(case.name, case.instance)
    return validator.event(case.instance)


@pytest.mark.parametrize("fast", [True, False], ids=["jsonschema-rs", "python"])
def test_validator_fast_and_slow_paths_agree(loaded: Any, fast: bool) -> None:
    if fast and not _rs_ok():
        pytest.skip("jsonschema-rs is not installed")
    validator = QmpValidator(loaded.schema, fast=fast)
    assert validator.fast is fast
    reference = _qmp_validator(loaded)
    for case in CASES:
        assert _qmp_violations(validator, case) == _qmp_violations(reference, case), case


def _rs_ok() -> bool:
    return rs_available() is None


@pytest.mark.parametrize("draft", ["2020-12", "7"])
def test_jsonschema_rs_agrees(variants: dict[tuple[str, bool], GeneratedSchemas], draft: str) -> None:
    reason = rs_available()
    if reason is not None:
        pytest.skip(reason)
    for inline in (False, True):
        gen = variants[(draft, inline)]
        schemas = gen.schemas()
        for doc in schemas:
            assert rs_compile(schemas, doc["$id"], draft) is None
        items = [(k, c.instance) for c in CASES if (k := _key(gen, c)) is not None]
        expected = [c.valid for c in CASES if _key(gen, c) is not None]
        got = rs_verdicts(schemas, items, draft)
        wrong = [(i, e) for i, g, e in zip(items, got, expected, strict=True) if g is not e]
        assert wrong == []


@pytest.fixture(scope="module")
def ajv_ready() -> None:
    reason = ajv_available()
    if reason is not None:
        try:
            ensure_installed()
        except AjvUnavailableError as exc:
            pytest.skip(f"ajv cannot be installed: {exc}")


@pytest.mark.slow
@pytest.mark.parametrize("draft", ["2020-12", "7"])
def test_ajv_strict_compiles_and_agrees(variants: dict[tuple[str, bool], GeneratedSchemas], ajv_ready: None,
                                        draft: str) -> None:
    schemas: list[dict[str, Any]] = []
    compile_ids: list[str] = []
    items: list[tuple[str, Any]] = []
    expected: list[bool] = []
    for inline in (False, True):
        gen = variants[(draft, inline)]
        schemas += gen.schemas()
        compile_ids += [d["$id"] for d in gen.schemas()]
        if gen.bundle is not None:
            compile_ids += defs_keys(gen.bundle)
        for case in CASES:
            key = _key(gen, case)
            if key is not None and not _ajv_unreliable(case):
                items.append((key, case.instance))
                expected.append(case.valid)
    options, keywords = documented_setup()     # what docs/jsonschema.rst tells a consumer to register
    result = run_ajv(schemas, compile_ids, items, draft=draft, options=options, keywords=keywords)
    assert result.errors == {}
    wrong = [(i, e) for i, g, e in zip(items, result.verdicts, expected, strict=True) if g is not e]
    assert wrong == []
    # the int64/uint64 edges that ajv cannot see exactly are few, and only those
    skipped = [c for c in CASES if _ajv_unreliable(c)]
    assert 0 < len(skipped) <= 12, skipped


@pytest.mark.parametrize("draft", ["2020-12", "7"])
def test_every_file_passes_the_metaschema(variants: dict[tuple[str, bool], GeneratedSchemas], draft: str) -> None:
    for inline in (False, True):
        for name, doc in variants[(draft, inline)].files().items():
            assert meta_errors(doc, draft) == [], name


# --- the shape of what is generated ------------------------------------------------------

def _all_nodes(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _all_nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _all_nodes(v)


def test_named_view_defines_every_type(variants: dict[tuple[str, bool], GeneratedSchemas], loaded: Any) -> None:
    gen = variants[("2020-12", False)]
    assert gen.bundle is not None
    defs = gen.bundle["$defs"]
    expected = {n for n, e in loaded.schema.entities.items()
                if e.meta in ("built-in", "enum", "alternate") or (e.meta in ("struct", "union") and not e.is_implicit)}
    assert set(defs) == expected
    assert list(defs) == sorted(defs)
    assert defs["any"] is True
    assert defs["uint64"] == {"type": "integer", "minimum": 0, "maximum": U64 - 1}
    assert defs["int8"] == {"type": "integer", "minimum": -128, "maximum": 127}
    assert defs["size"]["maximum"] == U64 - 1
    assert defs["null"] == {"type": "null"}
    assert defs["Shape"] == {"enum": ["circle", "square", "dot", "nested"]}
    assert gen.requests["cmd-plain"]["properties"]["arguments"]["properties"]["count"] == {
        "$ref": f"{gen.bundle['$id']}#/$defs/uint8", "description": "how many"}


def test_inline_view_has_no_type_names(variants: dict[tuple[str, bool], GeneratedSchemas], loaded: Any) -> None:
    for draft in ("2020-12", "7"):
        gen = variants[(draft, True)]
        assert gen.bundle is None
        names = {n for n, e in loaded.schema.entities.items() if e.meta not in ("command", "event")}
        for file, doc in gen.files().items():
            if file == "index.json":
                continue
            for node in _all_nodes(doc):
                if isinstance(node, dict):
                    assert "$defs" not in node and "definitions" not in node
                    ref = node.get("$ref")
                    if isinstance(ref, str):
                        assert ref.startswith("#/") or ref.startswith(gen.options.base_uri), ref
                        assert not any(f"/{n}" in ref for n in names if len(n) > 3), ref
            text = dump_json(doc)
            for name in ("Point", "Figure", "Holder", "Derived", "Circle", "AltAll", "RecAlt"):
                assert f'"{name}"' not in text and f"/{name}" not in text, (file, name)


def test_recursive_types_refer_to_their_enclosing_schema(variants: dict[tuple[str, bool], GeneratedSchemas]) -> None:
    gen = variants[("2020-12", True)]
    reply = gen.replies["cmd-boxed"]
    tree = reply["properties"]["return"]["properties"]["tree"]
    assert tree["properties"]["children"]["items"] == {"$ref": "#/properties/return/properties/tree"}


def test_union_branches_select_by_discriminator(variants: dict[tuple[str, bool], GeneratedSchemas]) -> None:
    gen = variants[("2020-12", False)]
    assert gen.bundle is not None
    figure = gen.bundle["$defs"]["Figure"]
    assert "oneOf" not in figure and "anyOf" not in figure
    selectors = [entry["if"]["properties"]["shape"] for entry in figure["allOf"]]
    assert selectors == [{"const": "circle"}, {"const": "square"}, {"const": "nested"}, {"const": "dot"}]
    assert all(entry["if"]["required"] == ["shape"] for entry in figure["allOf"])
    alt = gen.bundle["$defs"]["AltAll"]
    assert [g["type"] for g in alt["anyOf"]] == ["string", "integer", "boolean", "null", "object", "array"]
    assert [e["if"] for e in alt["allOf"]] == [{"type": g["type"]} for g in alt["anyOf"]]


def test_messages_follow_the_wire_format(variants: dict[tuple[str, bool], GeneratedSchemas]) -> None:
    gen = variants[("2020-12", False)]
    plain = gen.requests["cmd-plain"]
    assert plain["required"] == ["execute", "arguments"]
    assert plain["properties"]["id"] is True and plain["additionalProperties"] is False
    assert "required" not in gen.requests["cmd-oob"] and "exec-oob" in gen.requests["cmd-oob"]["properties"]
    assert "exec-oob" not in plain["properties"]
    assert gen.requests["cmd-no-args"]["required"] == ["execute"]
    assert gen.replies["cmd-no-args"]["properties"]["return"] == {"type": "object", "additionalProperties": False}
    assert "cmd-no-reply" not in gen.replies and "cmd-no-reply" in gen.requests
    assert gen.index["commands"]["cmd-no-reply"]["reply"] is None
    assert "data" not in gen.events["EV_EMPTY"]["properties"]
    assert gen.events["EV_OPTIONAL"]["required"] == ["event", "timestamp"]
    assert gen.events["EV_DATA"]["required"] == ["event", "data", "timestamp"]
    error = gen.error_reply["properties"]["error"]
    assert error["required"] == ["class", "desc"]


def test_docs_become_descriptions_and_titles_are_wire_names(variants: dict[tuple[str, bool], GeneratedSchemas],
                                                          loaded: Any) -> None:
    gen = variants[("2020-12", False)]
    plain = gen.requests["cmd-plain"]
    assert plain["title"] == "cmd-plain request"
    assert plain["description"] == "A command with arguments."
    assert plain["properties"]["arguments"]["properties"]["name"]["description"] == "the name"
    assert gen.replies["cmd-plain"]["properties"]["return"]["description"] == "a point"
    assert gen.events["EV_DATA"]["title"] == "EV_DATA event"
    assert gen.bundle is not None
    color = gen.bundle["$defs"]["Color"]
    assert color["description"] == "A colour."
    assert color["x-qapi-values"]["red"] == {"description": "the red one"}
    bare = generate(loaded.schema, GenerateOptions(descriptions=False), loaded.doc_for)
    for doc in bare.schemas():
        assert not any(isinstance(n, dict) and "description" in n for n in _all_nodes(doc))
    assert bare.requests["cmd-plain"]["title"] == "cmd-plain request"


def test_features_and_conditions_are_marked(variants: dict[tuple[str, bool], GeneratedSchemas], loaded: Any) -> None:
    gen = variants[("2020-12", False)]
    assert gen.bundle is not None
    defs = gen.bundle["$defs"]
    assert defs["Color"]["x-qapi-values"]["old"]["deprecated"] is True
    assert defs["Color"]["x-qapi-values"]["blue"]["x-qapi-if"] == "CONFIG_BLUE"
    derived = defs["Derived"]
    assert derived["x-qapi-features"] == ["my-type-feature"]
    assert derived["properties"]["old-member"]["deprecated"] is True
    assert "x-qapi-features" not in derived["properties"]["old-member"]
    assert derived["properties"]["odd-member"]["x-qapi-features"] == ["unstable", "my-feature"]
    assert derived["properties"]["odd-member"]["x-qapi-features-if"] == {"my-feature": "CONFIG_FEAT"}
    assert derived["properties"]["cond-required"]["x-qapi-if"] == {"all": ["CONFIG_FOO", {"not": "CONFIG_BAR"}]}
    assert "cond-required" not in derived["required"]
    assert gen.requests["cmd-deprecated"]["deprecated"] is True
    assert gen.requests["cmd-cond"]["x-qapi-if"] == "CONFIG_COND"
    assert defs["CondType"]["x-qapi-if"] == "CONFIG_COND"
    assert gen.events["EV_COND"]["x-qapi-if"] == {"any": ["CONFIG_A", "CONFIG_B"]}
    plain = generate(loaded.schema, GenerateOptions(features=False), loaded.doc_for)
    for doc in plain.schemas():
        for node in _all_nodes(doc):
            if isinstance(node, dict):
                assert "deprecated" not in node and "x-qapi-features" not in node


def test_defines_leave_out_what_the_build_lacks(loaded: Any) -> None:
    gen = generate(loaded.schema, GenerateOptions(defines={"CONFIG_FOO"}), loaded.doc_for)
    assert gen.bundle is not None
    defs = gen.bundle["$defs"]
    for doc in gen.schemas():
        assert not any(isinstance(n, dict) and "x-qapi-if" in n for n in _all_nodes(doc))
    assert "CondType" not in defs and "cmd-cond" not in gen.requests and "EV_COND" not in gen.events
    assert defs["Color"]["enum"] == ["red", "green", "old"]
    derived = defs["Derived"]
    assert derived["properties"]["odd-member"]["x-qapi-features"] == ["unstable"]
    assert "x-qapi-features-if" not in derived["properties"]["odd-member"]
    assert "cond-member" in derived["properties"]
    assert derived["required"] == ["b1", "own", "cond-required"]
    assert gen.index["defines"] == ["CONFIG_FOO"]
    validator = QmpValidator(loaded.schema, defines={"CONFIG_FOO"})
    assert not validator.has_command("cmd-cond") and validator.has_command("cmd-plain")
    assert not validator.has_event("EV_COND")
    assert [v.keyword for v in validator.value("Derived", {"b1": "s", "own": True})] == ["required"]
    assert [v.keyword for v in validator.value("Color", "blue")] == ["enum"]
    assert validator.value("Simple", {"type": "blue", "x": 1, "y": 2})

    none = QmpValidator(loaded.schema, defines=set())
    assert none.value("Derived", {"b1": "s", "own": True}) == []
    assert [v.path for v in none.value("Derived", {"b1": "s", "own": True, "cond-member": ""})] == [("cond-member",)]
    both = QmpValidator(loaded.schema, defines={"CONFIG_B", "CONFIG_COND", "CONFIG_BLUE"})
    assert both.has_event("EV_COND") and both.has_command("cmd-cond")
    assert both.value("Simple", {"type": "blue", "x": 1, "y": 2}) == []


def test_same_input_same_bytes(loaded: Any) -> None:
    again = load_schema(str(DATA / "constructs.json"))
    for draft in ("2020-12", "7"):
        for inline in (False, True):
            one = {k: dump_json(v) for k, v in _generate(loaded, draft, inline).files().items()}
            two = {k: dump_json(v) for k, v in _generate(again, draft, inline).files().items()}
            assert one == two


# --- the legacy dialect: simple unions, C-expression conditions ----------------------------

@pytest.fixture(scope="module")
def legacy() -> Any:
    result = load_schema(str(DATA / "legacy.json"), LoadOptions(dialect=(5, 2)))
    assert result.ok, [str(d) for d in result.diagnostics]
    return result


def test_simple_union_has_its_wire_form(legacy: Any) -> None:
    validator = QmpValidator(legacy.schema)
    ok = {"execute": "add-device", "arguments": {"dev": {"type": "disk", "data": {"path": "/x"}}}}
    assert validator.request(ok) == []
    assert validator.request({"execute": "add-device",
                              "arguments": {"dev": {"type": "mode", "data": "slow"}}}) == []
    flat = {"execute": "add-device", "arguments": {"dev": {"type": "disk", "path": "/x"}}}
    assert {(v.path, v.keyword) for v in validator.request(flat)} == {
        (("arguments", "dev", "path"), "additionalProperties"), (("arguments", "dev"), "required")}


def test_c_expression_conditions(legacy: Any) -> None:
    gen = generate(legacy.schema, GenerateOptions(defines={"CONFIG_A", "CONFIG_NET"}), legacy.doc_for)
    assert gen.bundle is not None
    defs = gen.bundle["$defs"]
    settings = defs["Settings"]
    assert list(settings["properties"]) == ["either", "unknown"]
    assert settings["properties"]["unknown"]["x-qapi-if"] == "CONFIG_LEVEL > 2"
    assert "x-qapi-if" not in settings["properties"]["either"]
    assert "Net" in defs and "net-only" in gen.requests
    assert defs["Mode"]["enum"] == ["fast"]
    gen = generate(legacy.schema, GenerateOptions(defines={"CONFIG_NET", "CONFIG_NO_NET", "CONFIG_A", "CONFIG_B"}))
    assert gen.bundle is not None
    assert "Net" not in gen.bundle["$defs"]
    assert list(gen.bundle["$defs"]["Settings"]["properties"]) == ["both", "either", "unknown"]
    assert gen.bundle["$defs"]["Settings"]["required"] == ["both"]
    default = generate(legacy.schema)
    assert default.bundle is not None
    assert default.bundle["$defs"]["Net"]["x-qapi-if"] == "defined(CONFIG_NET) && !defined(CONFIG_NO_NET)"
    assert default.bundle["$defs"]["Settings"]["properties"]["both"]["x-qapi-if"] == {
        "all": ["defined(CONFIG_A)", "defined(CONFIG_B)"]}
