"""Benchmark: JSON Schema generation and QMP message validation.

    python benchmarks/bench_jsonschema.py [--shared DIR] [--runs N] [--seconds S]

1. Generation, whole process: ``qapidoc jsonschema`` on corpus/qemu-10.2's
   main schema, as a new Python process each run (start-up, load, check,
   generate, write every file), median of ``--runs`` runs; named and inline
   view, and the codegen profile.
2. Validation: messages per second for the "any QMP message" schemas
   (``messages/client.json`` for requests, ``messages/server.json`` for
   events and replies) with python-jsonschema and with jsonschema-rs, and for
   :class:`qapidoc.backends.validate.QmpValidator`, which picks the message's own
   schema by name (jsonschema-rs for the verdict where installed), from
   decoded messages and from raw JSON lines (with orjson where installed).
   The messages are valid ones generated from the schema's model (requests,
   replies and events of every command and event), the usual case for
   traffic; each run goes over the whole set, repeatedly, for at least
   ``--seconds``.

Prints a table.  Needs the shared corpora (``../shared`` beside the checkout,
``$QAPIDOC_SHARED`` or ``--shared``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))     # support.qapi_instances: messages from the model

SCHEMA = "corpus/qemu-10.2/qapi/qapi-schema.json"


def _shared(arg: str | None) -> Path:
    for candidate in (arg, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and (Path(candidate) / "corpus").is_dir():
            return Path(candidate)
    sys.exit("bench_jsonschema: no shared corpora; pass --shared DIR")


def bench_generation(schema: Path, runs: int, options: list[str]) -> tuple[float, int, int]:
    """Median seconds of whole-process runs, files written, total bytes."""
    times = []
    with tempfile.TemporaryDirectory(prefix="qapidoc-bench-") as tmp:
        out = Path(tmp) / "out"
        argv = [sys.executable, "-m", "qapidoc.cli", "jsonschema", str(schema), "-o", str(out), "--force", *options]
        for _ in range(runs):
            if out.exists():
                for path in sorted(out.rglob("*"), reverse=True):
                    path.unlink() if path.is_file() else path.rmdir()
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        files = [p for p in out.rglob("*.json")]
        size = sum(p.stat().st_size for p in files)
    return statistics.median(times), len(files), size


def _rate(check: Callable[[Any], object], messages: list[Any], seconds: float) -> float:
    for message in messages[:50]:
        check(message)          # warm up: lazy compilation is not what is measured
    count = 0
    start = time.perf_counter()
    while True:
        for message in messages:
            check(message)
        count += len(messages)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def _messages(schema: Any) -> list[tuple[str, dict[str, Any]]]:
    from support.qapi_instances import InstanceFactory

    factory = InstanceFactory(schema, seed=6)
    out: list[tuple[str, dict[str, Any]]] = []
    for _ in range(3):
        for cmd in sorted(schema.commands(), key=lambda c: c.name):
            request = factory.request(cmd)
            request.setdefault("id", 1)
            out.append(("->", request))
            if cmd.success_response:
                out.append(("<-", factory.reply(cmd)))
        for ev in sorted(schema.events(), key=lambda e: e.name):
            out.append(("<-", factory.event(ev)))
    return out


def bench_validation(schema_path: Path, seconds: float) -> list[tuple[str, float]]:
    import jsonschema
    import referencing
    import referencing.jsonschema

    from qapidoc import load_schema
    from qapidoc.backends.jsonschema import generate
    from qapidoc.backends.validate import QmpValidator, rs_available

    result = load_schema(str(schema_path))
    assert result.schema is not None
    gen = generate(result.schema)
    messages = _messages(result.schema)
    plain = [m for _, m in messages]
    rows: list[tuple[str, float]] = []

    spec = referencing.jsonschema.DRAFT202012
    registry: Any = referencing.Registry().with_resources((d["$id"], spec.create_resource(d)) for d in gen.schemas())
    py_client = jsonschema.Draft202012Validator(gen.client, registry=registry)
    py_server = jsonschema.Draft202012Validator(gen.server, registry=registry)

    def py_any(message: dict[str, Any]) -> bool:
        return bool((py_client if ("execute" in message or "exec-oob" in message) else py_server).is_valid(message))

    assert all(py_any(m) for m in plain[:200])
    rows.append(("any-message schema, python-jsonschema", _rate(py_any, plain, seconds)))

    if rs_available():
        import jsonschema_rs

        rs_registry = jsonschema_rs.Registry([(d["$id"], d) for d in gen.schemas()], draft=jsonschema_rs.Draft202012)
        rs_client = jsonschema_rs.Draft202012Validator(gen.client, registry=rs_registry)
        rs_server = jsonschema_rs.Draft202012Validator(gen.server, registry=rs_registry)

        def rs_any(message: dict[str, Any]) -> bool:
            return bool((rs_client if ("execute" in message or "exec-oob" in message) else rs_server)
                        .is_valid(message))

        assert all(rs_any(m) for m in plain)
        rows.append(("any-message schema, jsonschema-rs", _rate(rs_any, plain, seconds)))

    for fast in ((True, False) if rs_available() else (False,)):
        validator = QmpValidator(result.schema, fast=fast)
        pairs = messages

        def qmp(pair: tuple[str, dict[str, Any]], validator: QmpValidator = validator) -> object:
            return validator.any_message(pair[1], pair[0])  # type: ignore[arg-type]

        assert not any(qmp(p) for p in pairs[:200])
        name = "jsonschema-rs" if fast else "python-jsonschema"
        rows.append((f"QmpValidator.any_message, {name}", _rate(qmp, pairs, seconds)))
        if fast:
            try:
                import orjson
                loads: Callable[[bytes], Any] = orjson.loads
                parser = "orjson"
            except ImportError:
                loads, parser = json.loads, "json"
            lines = [(d, json.dumps(m).encode()) for d, m in pairs]

            def qmp_line(pair: tuple[str, bytes], validator: QmpValidator = validator,
                         loads: Callable[[bytes], Any] = loads) -> object:
                return validator.any_message(loads(pair[1]), pair[0])  # type: ignore[arg-type]

            rows.append((f"QmpValidator from JSON lines, {parser} + {name}", _rate(qmp_line, lines, seconds)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", metavar="DIR", help="the shared directory with corpus/")
    parser.add_argument("--runs", type=int, default=5, help="whole-process generation runs (median)")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per validation measurement")
    args = parser.parse_args(argv)
    schema = _shared(args.shared) / SCHEMA

    print(f"JSON Schema benchmark: {SCHEMA}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    print(f"{'generation (whole process)':<52} {'median s':>9} {'files':>6} {'MB':>7}")
    for options in ([], ["--inline"], ["--profile", "codegen"]):
        seconds, files, size = bench_generation(schema, args.runs, options)
        label = f"qapidoc jsonschema {' '.join(options)} ({args.runs} runs)".replace("  ", " ")
        print(f"{label:<52} {seconds:9.2f} {files:6d} {size / 1e6:7.2f}")
    print()
    print(f"{'validation of valid messages':<62} {'messages/s':>12}")
    for label, rate in bench_validation(schema, args.seconds):
        print(f"{label:<62} {rate:12,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
