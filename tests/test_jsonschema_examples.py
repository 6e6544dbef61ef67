"""``qapidoc jsonschema --examples``: the doc comments' examples that the
schema accepts become the ``examples`` of the message schemas, and only
those: no broken, elided or mismatched message may become a test vector."""

from __future__ import annotations

import json
import pathlib

import jsonschema
import referencing
import referencing.jsonschema

from qapidoc.cli import main


def _validator(out: pathlib.Path, doc: dict[str, object]) -> jsonschema.Draft202012Validator:
    spec = referencing.jsonschema.DRAFT202012
    bundle = json.loads((out / "types.json").read_text())
    registry = referencing.Registry().with_resource(bundle["$id"], spec.create_resource(bundle))
    return jsonschema.Draft202012Validator(doc, registry=registry)


def _examples(out: pathlib.Path) -> dict[str, list[object]]:
    found = {}
    for path in sorted(out.rglob("*.json")):
        doc = json.loads(path.read_text())
        if isinstance(doc, dict) and "examples" in doc:
            found[str(path.relative_to(out))] = doc["examples"]
            validator = _validator(out, doc)
            for example in doc["examples"]:
                assert not list(validator.iter_errors(example)), (path, example)
    return found


def test_demo_examples(tmp_path: pathlib.Path, repo_root: pathlib.Path) -> None:
    out = tmp_path / "out"
    schema = repo_root / "examples" / "demo" / "qapi-schema.json"
    assert main(["jsonschema", "--examples", str(schema), "-o", str(out)]) == 0
    found = _examples(out)
    assert len(found["commands/disk-add.request.json"]) == 2
    assert found["events/SHUTDOWN.json"][0]["data"] == {"guest": True, "reason": "guest-poweroff"}
    # query-disks' reply elides entries with '...': not a complete message.
    assert "commands/query-disks.reply.json" not in found
    # Without the option, no examples.
    plain = tmp_path / "plain"
    assert main(["jsonschema", str(schema), "-o", str(plain)]) == 0
    assert _examples(plain) == {}


def test_broken_examples_are_left_out(tmp_path: pathlib.Path, repo_root: pathlib.Path) -> None:
    out = tmp_path / "out"
    schema = repo_root / "examples" / "broken" / "qapi-schema.json"
    assert main(["jsonschema", "--examples", str(schema), "-o", str(out)]) == 0
    # Each message there is broken, follows a broken request, or is a reply
    # without a request (empty-basket's '<- { "return": {} }').
    assert _examples(out) == {}


def test_corpus_examples_are_valid(tmp_path: pathlib.Path, shared_dir: pathlib.Path) -> None:
    out = tmp_path / "out"
    schema = shared_dir / "corpus" / "qemu-10.2" / "qapi" / "qapi-schema.json"
    assert main(["jsonschema", "--examples", str(schema), "-o", str(out)]) == 0
    found = _examples(out)
    total = sum(len(v) for v in found.values())
    # 510 messages in 255 examples; the broken and the elided stay out.
    assert 350 <= total <= 480, total
    assert "events/SHUTDOWN.json" in found
