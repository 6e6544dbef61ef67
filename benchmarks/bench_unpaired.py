"""Benchmark: replies whose request is not in the log.

    python benchmarks/bench_unpaired.py [--shared DIR] [--messages N] [--runs R]

Takes the mixed QEMU 7.2 traffic of ``bench_validate.py`` (N messages,
default 200,000) and checks, in this process, with ``check_traffic`` as
``qapidoc validate`` does (orjson + jsonschema-rs when installed):

* the whole stream, every reply paired with its request;
* the server side alone (requests left out), so that every reply is checked
  against the commands it could answer (``qapidoc.backends.replies``).

Reports messages per second of CPU time, the best of R runs (CPU time is
steadier than wall time on a shared machine).
"""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys
import time

from bench_validate import ROOT, SCHEMA, messages

from qapidoc.backends.replies import ReplyShapes
from qapidoc.backends.traffic import read_traffic
from qapidoc.backends.validate import QmpValidator
from qapidoc.cli.validate import CheckStats, check_traffic
from qapidoc.frontend.loader import load_schema


def _rate(data: bytes, count: int, validator: QmpValidator, shapes: ReplyShapes, runs: int) -> tuple[float, int]:
    best = float("inf")
    found = 0
    for _ in range(runs):
        stats = CheckStats()
        start = time.process_time()
        found = sum(1 for _ in check_traffic(read_traffic(io.BytesIO(data), "bench", None, stats.traffic),
                                             validator, (), stats, shapes))
        best = min(best, time.process_time() - start)
    return count / best, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    schema = pathlib.Path(args.shared) / SCHEMA
    result = load_schema(str(schema))
    if result.schema is None:
        print(f"cannot load {schema}", file=sys.stderr)
        return 2
    validator = QmpValidator(result.schema)
    shapes = ReplyShapes(result.schema, validator.generated.replies)
    stream = [(direction, json.dumps(message)) for direction, message in messages(args.messages)]
    whole = "".join(text + "\n" for _, text in stream).encode()
    server = [text for direction, text in stream if direction == "<-"]
    server_side = "".join(text + "\n" for text in server).encode()
    for label, data, count in (("paired (whole stream)", whole, len(stream)),
                               ("server side only (every reply unpaired)", server_side, len(server))):
        rate, found = _rate(data, count, validator, shapes, args.runs)
        print(f"{label}: {count:,} messages, {found} violations, {rate:,.0f} messages/s of CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
