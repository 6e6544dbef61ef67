"""qapidoc.backends.validate: the QmpValidator API, its wording, and the generator's
small pieces (options, conditions)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from qapidoc import LoadOptions, load_schema
from qapidoc.backends.jsonschema import GenerateOptions, evaluate_condition, generate
from qapidoc.backends.validate import QmpValidator, Violation, rs_available
from qapidoc.frontend.expressions import CondAll, CondAny, CondNot, CondText, CondVar

DATA = Path(__file__).resolve().parent / "data" / "jsonschema"
TS = {"seconds": 1, "microseconds": 2}


@pytest.fixture(scope="module")
def schema() -> Any:
    result = load_schema(str(DATA / "constructs.json"))
    assert result.schema is not None
    return result.schema


@pytest.fixture(scope="module")
def validator(schema: Any) -> QmpValidator:
    return QmpValidator(schema)


def _one(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, violations
    return violations[0]


@pytest.mark.parametrize(("message", "expected"), [
    ({"execute": "cmd-plain", "arguments": {"count": 1}},
     Violation(("arguments",), "required", "member 'name' is required", "cmd-plain")),
    ({"execute": "cmd-plain", "arguments": {"name": "n", "foo": 1}},
     Violation(("arguments", "foo"), "additionalProperties", "unknown member 'foo'", "cmd-plain")),
    ({"execute": "cmd-optional-args", "arguments": {"verbose": 1}},
     Violation(("arguments", "verbose"), "type", "expected a boolean, got 1", "bool")),
    ({"execute": "cmd-plain", "arguments": {"name": "n", "count": 256}},
     Violation(("arguments", "count"), "maximum", "256 is out of the 'uint8' range 0 to 255", "uint8")),
    ({"execute": "cmd-boxed", "arguments": {"shape": "hexagon"}},
     Violation(("arguments", "shape"), "enum", "expected one of 'circle', 'square', 'dot', 'nested', got 'hexagon'",
               "Shape")),
    ({"execute": "cmd-boxed", "arguments": {"shape": "circle", "radius": 1, "side": 2}},
     Violation(("arguments", "side"), "additionalProperties", "unknown member 'side'", "Figure")),
    ({"execute": "cmd-struct-args", "arguments": {"b1": 1, "own": True}},
     Violation(("arguments", "b1"), "type", "expected a string, got 1", "str")),
    ({"execute": "cmd-oob", "exec-oob": "cmd-oob"},
     Violation((), "oneOf", "use either 'execute' or 'exec-oob', not both", "cmd-oob")),
    ({"exec-oob": "cmd-plain", "arguments": {"name": "n"}},
     Violation(("exec-oob",), "additionalProperties", "command 'cmd-plain' does not allow out-of-band execution",
               "cmd-plain")),
    ({"execute": "no-such-command"}, Violation(("execute",), "enum", "unknown command 'no-such-command'", None)),
    ({"execute": 7}, Violation(("execute",), "type", "expected a string, got 7", None)),
    ({"arguments": {}}, Violation((), "required", "member 'execute' is required", None)),
    ([1], Violation((), "type", "expected an object, got [1]", None)),
])
def test_request_violations(validator: QmpValidator, message: Any, expected: Violation) -> None:
    assert validator.request(message) == [expected]
    assert validator.any_message(message, "->") == [expected]


def test_alternate_and_deep_paths(validator: QmpValidator) -> None:
    reply = {"return": {"alts": ["red", 1.5], "tree": {"value": 1, "children": [{"value": "x"}]}}}
    assert validator.reply("cmd-boxed", reply) == [
        Violation(("return", "alts", 1), "anyOf",
                  "expected a string, an integer, a boolean, null, an object or an array, got 1.5", "AltAll"),
        Violation(("return", "tree", "children", 0, "value"), "type", "expected an integer, got 'x'", "int"),
    ]


def test_replies(validator: QmpValidator) -> None:
    assert validator.reply("cmd-plain", {"return": {"x": 1, "y": 2}, "id": [1]}) == []
    assert validator.reply("cmd-no-args", {"return": {"a": 1}}) == [
        Violation(("return", "a"), "additionalProperties", "unknown member 'a'", "cmd-no-args")]
    assert validator.reply("cmd-plain", {"error": {"class": "GenericError", "desc": "no"}, "id": 1}) == []
    assert validator.reply("cmd-plain", {"error": {"class": "GenericError"}}) == [
        Violation(("error",), "required", "member 'desc' is required", None)]
    assert validator.reply("cmd-no-reply", {"return": {}}) == [
        Violation(("return",), "false", "command 'cmd-no-reply' sends no success reply", "cmd-no-reply")]
    assert _one(validator.reply("no-such", {"return": {}})).message == "unknown command 'no-such'"
    assert validator.reply("cmd-plain", "text") == [Violation((), "type", "expected an object, got 'text'",
                                                               "cmd-plain")]


def test_events(validator: QmpValidator) -> None:
    assert validator.event({"event": "EV_OPTIONAL", "timestamp": TS}) == []
    assert validator.event({"event": "EV_OPTIONAL", "data": {}, "timestamp": TS}) == [
        Violation(("data",), "minProperties",
                  "must not be empty: QEMU leaves 'data' out when there is nothing in it", "EV_OPTIONAL")]
    assert validator.event({"event": "EV_EMPTY", "timestamp": {"seconds": 1, "microseconds": 10 ** 6}}) == [
        Violation(("timestamp", "microseconds"), "maximum", "1000000 is out of the range -1 to 999999", "EV_EMPTY")]
    assert _one(validator.event({"event": "NOPE", "timestamp": TS})).message == "unknown event 'NOPE'"
    assert _one(validator.event({"timestamp": TS})).message == "member 'event' is required"
    assert validator.has_event("EV_DATA") and not validator.has_event("ev_data")
    assert validator.has_command("cmd-plain") and not validator.has_command("EV_DATA")


def test_any_message_from_the_server(validator: QmpValidator) -> None:
    greeting = {"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": ["oob"]}}
    assert validator.any_message(greeting, "<-") == []
    assert _one(validator.any_message({"QMP": {"version": {}}}, "<-")).keyword == "required"
    assert validator.any_message({"return": [1, {}], "id": 3}, "<-") == []
    assert validator.any_message({"error": {"class": "X", "desc": "y"}}, "<-") == []
    assert validator.any_message({"event": "EV_EMPTY", "timestamp": TS}, "<-") == []
    assert validator.any_message({"hello": 1}, "<-") == [Violation(
        (), "anyOf", "not a QMP message: expected member 'QMP', 'event', 'return' or 'error'", None)]
    assert validator.any_message(None, "<-") == [Violation((), "type", "expected an object, got null", None)]


def test_values_of_a_type(validator: QmpValidator) -> None:
    assert validator.value("Figure", {"shape": "dot"}) == []
    assert validator.value("Figure", {"shape": "circle"}) == [
        Violation((), "required", "member 'radius' is required", "Figure")]
    assert _one(validator.value("NoSuchType", 1)).keyword == "$ref"


def test_data_that_is_not_json_gives_violations_not_exceptions(validator: QmpValidator) -> None:
    weird: list[Any] = [
        {"execute": "cmd-any", "arguments": {"arg": (1, 2)}},
        {"execute": "cmd-any", "arguments": {"arg": {1: 2}}},
        {"execute": "cmd-any", "arguments": {"arg": object()}},
        {"execute": "cmd-plain", "arguments": {"name": "n", "count": math.nan}},
        {"execute": "cmd-plain", "arguments": {"name": "n", "count": float("inf")}},
    ]
    for message in weird:
        validator.request(message)       # no exception; the verdict is python-jsonschema's
    assert validator.request(weird[3])[0].keyword == "type"


def test_python_jsonschema_decides_when_the_two_disagree(validator: QmpValidator, schema: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if not validator.fast:
        pytest.skip("jsonschema-rs is not installed")

    class Refuses:
        def is_valid(self, _message: object) -> bool:
            return False

    fresh = QmpValidator(schema)
    monkeypatch.setattr(fresh, "_rs_validator", lambda _key, strict=False: Refuses())
    assert fresh.request({"execute": "cmd-no-args"}) == []


def test_fast_needs_jsonschema_rs(schema: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import qapidoc.backends.validate as module

    monkeypatch.setattr(module, "_rs_module", lambda: None)
    assert not module.rs_available()
    slow = QmpValidator(schema)
    assert not slow.fast
    assert slow.request({"execute": "cmd-no-args", "arguments": {"x": 1}})[0].path == ("arguments", "x")
    with pytest.raises(ValueError, match="jsonschema-rs"):
        QmpValidator(schema, fast=True)


def test_rs_available_reports_the_module() -> None:
    try:
        import jsonschema_rs  # noqa: F401
    except ImportError:
        assert not rs_available()
    else:
        assert rs_available()


# --- options and conditions -------------------------------------------------------------

def test_options_are_checked_and_normalised() -> None:
    assert GenerateOptions(base_uri="urn:example:qmp").base_uri == "urn:example:qmp:"
    assert GenerateOptions(base_uri="https://example.org/qmp").base_uri == "https://example.org/qmp/"
    assert GenerateOptions(base_uri="https://example.org/qmp/").base_uri == "https://example.org/qmp/"
    assert GenerateOptions(defines={"A"}).defines == frozenset({"A"})
    for bad in ("qmp/", "urn:x#y", "http://a b/"):
        with pytest.raises(ValueError, match="base URI"):
            GenerateOptions(base_uri=bad)
    with pytest.raises(ValueError, match="draft"):
        GenerateOptions(draft="4")  # type: ignore[arg-type]


@pytest.mark.parametrize(("cond", "defines", "expected"), [
    (None, None, True), (None, set(), True),
    (CondVar("A"), None, None), (CondVar("A"), {"A"}, True), (CondVar("A"), set(), False),
    (CondNot(CondVar("A")), {"A"}, False), (CondNot(CondVar("A")), set(), True),
    (CondAll((CondVar("A"), CondVar("B"))), {"A"}, False), (CondAll((CondVar("A"), CondVar("B"))), {"A", "B"}, True),
    (CondAny((CondVar("A"), CondVar("B"))), {"B"}, True), (CondAny((CondVar("A"), CondVar("B"))), set(), False),
    (CondText("defined(CONFIG_X)"), {"CONFIG_X"}, True), (CondText("defined(CONFIG_X)"), set(), False),
    (CondText("!defined(CONFIG_X)"), set(), True),
    (CondText("defined(A) && (defined(B) || !defined C)"), {"A"}, True),
    (CondText("defined(A) && (defined(B) || !defined C)"), {"A", "C"}, False),
    (CondText("CONFIG_X > 2"), {"CONFIG_X"}, None), (CondText("defined(A) &&"), {"A"}, None),
    (CondText("defined(A) junk"), {"A"}, None), (CondText("defined(defined)"), {"A"}, None),
    (CondAll((CondText("X == 1"), CondVar("A"))), set(), False),
    (CondAll((CondText("X == 1"), CondVar("A"))), {"A"}, None),
    (CondAny((CondText("X == 1"), CondVar("A"))), {"A"}, True),
    (CondNot(CondText("X == 1")), {"A"}, None),
])
def test_evaluate_condition(cond: Any, defines: set[str] | None, expected: bool | None) -> None:
    assert evaluate_condition(cond, defines) is expected


def test_legacy_dialect_with_unknown_condition_stays_marked() -> None:
    result = load_schema(str(DATA / "legacy.json"), LoadOptions(dialect=(5, 2)))
    assert result.schema is not None
    gen = generate(result.schema, GenerateOptions(defines=set()))
    assert gen.bundle is not None
    settings = gen.bundle["$defs"]["Settings"]
    assert list(settings["properties"]) == ["unknown"]
    assert settings["properties"]["unknown"]["x-qapi-if"] == "CONFIG_LEVEL > 2"


def test_verdict_functions(validator: QmpValidator) -> None:
    check = validator.verdict("request", "cmd-plain")
    assert check({"execute": "cmd-plain", "arguments": {"name": "n"}}) is True
    assert check({"execute": "cmd-plain"}) is False
    assert validator.verdict("event", "EV_EMPTY")({"event": "EV_EMPTY", "timestamp": TS}) is True
    assert validator.verdict("reply")({"return": 1}) is True
    assert validator.verdict("error")({"error": {}}) is False
    assert validator.verdict("greeting")({"QMP": {"version": {}, "capabilities": []}}) is True
    for kind, name in (("request", "nope"), ("reply", "cmd-no-reply"), ("event", "cmd-plain")):
        with pytest.raises(KeyError):
            validator.verdict(kind, name)  # type: ignore[arg-type]


def test_a_module_checked_alone(tmp_path: Path) -> None:
    """Types a module uses but does not define accept any value."""
    module = tmp_path / "module.json"
    module.write_text(
        "{ 'struct': 'Local', 'data': { 'a': 'Elsewhere', '*b': ['Elsewhere'] } }\n"
        "{ 'enum': 'Kind', 'data': [ 'x', 'y' ] }\n"
        "{ 'union': 'Choice', 'base': { 'kind': 'Kind' }, 'discriminator': 'kind',\n"
        "  'data': { 'x': 'Local', 'y': 'Elsewhere2' } }\n"
        "{ 'alternate': 'Alt', 'data': { 's': 'str', 'o': 'Elsewhere3' } }\n"
        "{ 'command': 'do-it', 'data': { 'arg': 'Elsewhere' }, 'returns': 'Local' }\n")
    result = load_schema(str(module), LoadOptions(module_alone=True))
    assert result.schema is not None and "Local" in result.schema.entities
    for inline in (False, True):
        generate(result.schema, GenerateOptions(inline=inline))
    validator = QmpValidator(result.schema)
    assert validator.request({"execute": "do-it", "arguments": {"arg": [1, {}]}}) == []
    assert [v.message for v in validator.request({"execute": "do-it", "arguments": {}})] == [
        "member 'arg' is required"]
    assert validator.value("Local", {"a": None, "b": [1, "2"]}) == []
    assert validator.value("Alt", 5) == []
    assert validator.value("Choice", {"kind": "y", "anything": 1}) == []
    assert [v.path for v in validator.value("Choice", {"kind": "x", "a": 1, "z": 2})] == [("z",)]
