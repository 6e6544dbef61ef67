"""Benchmark: ``qapidoc validate`` throughput and memory, end to end.

    python benchmarks/bench_validate.py [--shared DIR] [--messages N] [--runs R]

Writes a stream of N (default 1,000,000) mixed QMP messages for the QEMU 7.2
schema to a temporary file: requests with ids (with and without arguments,
one in ten without an id), the events they cause, success replies (objects
and arrays) and error replies, in the shapes a live QEMU 7.2 sends.  Then,
each in a fresh child process, reads, parses, pairs and validates the whole
file (``read_traffic`` + ``check_traffic``, as the command does, output
discarded) and reports:

* messages per second of CPU time (the best of R runs; the machines here
  are shared and noisy, so CPU time is steadier than wall time), and wall
  time;
* the child's peak RSS, for N/10 and N messages: memory is flat when the
  two agree (the loaded schema is most of it);

for the JSON Lines layout (one message per line, as on the wire), the
``->``/``<-`` transcript layout, and concatenated JSON (several messages a
line, as a client may send them), with orjson + jsonschema-rs, and with the
pure-Python fallback (json + python-jsonschema, on N/50 messages: it is two
orders of magnitude slower).  Last, the whole ``qapidoc validate`` process
on the JSON Lines file, start-up and schema loading included.

The target (issue 6) is 300,000 messages per second per core end to end.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = "corpus/qemu-7.2/qapi/qapi-schema.json"

_TS = {"seconds": 1795579154, "microseconds": 685894}

#: (request, reply), in the shapes QEMU 7.2 sends
EXCHANGES: list[tuple[dict[str, object], dict[str, object]]] = [
    ({"execute": "query-status"}, {"return": {"status": "running", "singlestep": False, "running": True}}),
    ({"execute": "query-version"},
     {"return": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}}),
    ({"execute": "query-kvm"}, {"return": {"enabled": False, "present": True}}),
    ({"execute": "query-chardev"},
     {"return": [{"frontend-open": True, "filename": "unix:/tmp/qmp.sock,server=on", "label": "compat_monitor0"}]}),
    ({"execute": "qom-get", "arguments": {"path": "/machine", "property": "type"}}, {"return": "none-machine"}),
    ({"execute": "qom-list", "arguments": {"path": "/machine"}},
     {"return": [{"name": "type", "type": "string"}, {"name": "peripheral", "type": "child<container>"}]}),
    ({"execute": "stop"}, {"return": {}}),
    ({"execute": "cont"}, {"return": {}}),
    ({"execute": "query-name"}, {"return": {}}),
    ({"execute": "query-block"}, {"return": []}),
    ({"execute": "human-monitor-command", "arguments": {"command-line": "info version"}},
     {"return": "7.2.22 (Debian 1:7.2+dfsg-7)\r\n"}),
    ({"execute": "query-migrate"}, {"error": {"class": "GenericError", "desc": "no migration in progress"}}),
]

EVENTS: list[dict[str, object]] = [
    {"timestamp": _TS, "event": "STOP"},
    {"timestamp": _TS, "event": "RESUME"},
    {"timestamp": _TS, "event": "RESET", "data": {"guest": False, "reason": "host-qmp-system-reset"}},
    {"timestamp": _TS, "event": "BLOCK_JOB_COMPLETED",
     "data": {"type": "mirror", "device": "drive0", "len": 1073741824, "offset": 1073741824, "speed": 0}},
]


def messages(count: int) -> Iterator[tuple[str, dict[str, object]]]:
    """``count`` (direction, message) pairs; every reply answers a request
    (but the last may be cut off)."""
    rnd = random.Random(2024)
    out: list[tuple[str, dict[str, object]]] = [
        ("<-", {"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""},
                        "capabilities": ["oob"]}}),
        ("->", {"execute": "qmp_capabilities", "id": 0}), ("<-", {"return": {}, "id": 0})]
    ident = 0
    while count > 0:
        yield from out[:count]
        count -= len(out)
        request, reply = EXCHANGES[rnd.randrange(len(EXCHANGES))]
        ident += 1
        with_id = rnd.random() >= 0.1
        out = [("->", dict(request, id=ident) if with_id else request)]
        out.extend(("<-", EVENTS[rnd.randrange(len(EVENTS))]) for _ in range(rnd.choice((0, 0, 1, 2))))
        out.append(("<-", dict(reply, id=ident) if with_id else reply))


def write_layouts(directory: pathlib.Path, count: int) -> dict[str, pathlib.Path]:
    paths = {name: directory / f"traffic-{count}.{name}" for name in ("jsonl", "transcript", "concatenated")}
    with paths["jsonl"].open("w") as jsonl, paths["transcript"].open("w") as arrows, \
            paths["concatenated"].open("w") as stream:
        for n, (direction, message) in enumerate(messages(count)):
            text = json.dumps(message)
            jsonl.write(text + "\n")
            arrows.write(f"{direction} {text}\n")
            stream.write(text + ("\n" if n % 4 == 3 else " "))
    return paths


# --- the child: one measured run -----------------------------------------------------------

CHILD = r"""
import gc, json, resource, sys, time
if sys.argv[3] == "python":
    sys.modules["orjson"] = None
    sys.modules["jsonschema_rs"] = None
from qapidoc.frontend.loader import load_schema
from qapidoc.backends.traffic import read_traffic
from qapidoc.backends.validate import QmpValidator
from qapidoc.cli.validate import CheckStats, check_traffic, describe_engine

validator = QmpValidator(load_schema(sys.argv[1]).schema)
gc.freeze()                         # as the command does
stats = CheckStats()
wall, cpu = time.perf_counter(), time.process_time()
with open(sys.argv[2], "rb") as stream:
    violations = sum(1 for _ in check_traffic(read_traffic(stream, sys.argv[2], None, stats.traffic),
                                              validator, (), stats))
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"messages": stats.messages, "violations": violations, "cpu": cpu, "wall": wall,
                  "unpaired": stats.traffic.unpaired_replies, "engine": describe_engine(validator),
                  "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(schema: str, path: pathlib.Path, engine: str, runs: int) -> dict[str, Any]:
    best: dict[str, Any] | None = None
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(runs):
        child = subprocess.run([sys.executable, "-c", CHILD, schema, str(path), engine], env=env,
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            raise SystemExit(f"child failed:\n{child.stderr}")
        result = json.loads(child.stdout)
        if result["violations"] or result["unpaired"]:
            raise SystemExit(f"the synthetic traffic should be valid and paired: {result}")
        if best is None or result["cpu"] < best["cpu"]:
            best = result
    assert best is not None
    return best


def whole_process(schema: str, path: pathlib.Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qapidoc.cli", "validate", schema, str(path), "-q"],
                          env=env, stdout=subprocess.DEVNULL, check=False)
    if done.returncode != 0:
        raise SystemExit("qapidoc validate failed on the synthetic traffic")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=os.environ.get("QAPIDOC_SHARED", str(ROOT.parent / "shared")))
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    schema = str(pathlib.Path(args.shared, SCHEMA))
    if not os.path.exists(schema):
        print(f"skipped: {schema} not found (pass --shared DIR)")
        return 0
    count = args.messages
    with tempfile.TemporaryDirectory() as tmp:
        directory = pathlib.Path(tmp)
        start = time.perf_counter()
        full = write_layouts(directory, count)
        tenth = write_layouts(directory, count // 10)
        fallback = write_layouts(directory, max(count // 50, 1))
        print(f"wrote {count:,} messages in 3 layouts in {time.perf_counter() - start:.1f} s "
              f"({full['jsonl'].stat().st_size / 1e6:.0f} MB of JSON Lines)\n")
        rows = []
        for layout in ("jsonl", "transcript", "concatenated"):
            big = measure(schema, full[layout], "fast", args.runs)
            small = measure(schema, tenth[layout], "fast", 1)
            rows.append((layout, big, small))
        slow = measure(schema, fallback["jsonl"], "python", 1)
        small_slow = measure(schema, write_layouts(directory, max(count // 500, 1))["jsonl"], "python", 1)
        rows.append(("jsonl", slow, small_slow))
        process = whole_process(schema, full["jsonl"])

    header = f"{'layout':<13} {'engine':<27} {'messages':>10} {'msg/s (cpu)':>12} {'wall s':>7} " \
             f"{'peak RSS, N/10 -> N (MiB)':>26}"
    print(header)
    print("-" * len(header))
    for layout, big, small in rows:
        rate = big["messages"] / big["cpu"]
        rss = f"{small['rss_kib'] / 1024:.1f} -> {big['rss_kib'] / 1024:.1f}"
        print(f"{layout:<13} {big['engine']!s:<27} {big['messages']:>10,} {rate:>12,.0f} "
              f"{big['wall']:>7.2f} {rss:>26}")
    rate = count / process
    print(f"\nwhole process, qapidoc validate on {count:,} JSON Lines: {process:.2f} s wall "
          f"({rate:,.0f} msg/s, start-up and schema loading included)")
    print(f"this machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"python {sys.version.split()[0]}; parent peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
