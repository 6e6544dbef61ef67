"""Benchmark: ``qapidoc check`` as a whole process, and its scaling.

    python benchmarks/bench_check.py [--shared DIR] [--runs N]

1. ``qapidoc check`` on corpus/qemu-10.2/qapi/qapi-schema.json, as a whole
   process (interpreter start-up included), median and best of N runs,
   next to ``python -c pass`` measured in the same run (machines here are
   noisy: compare ratios within one run).
2. Cost against input size: a synthetic schema at 1x, 4x and 16x, loaded
   in process (median of several runs); the time per 1000 lines should stay
   flat.

The package is byte-compiled first, as an installed package is
(PYTHONDONTWRITEBYTECODE would otherwise make every run recompile it).
"""

from __future__ import annotations

import argparse
import compileall
import gc
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _whole_process(argv: list[str], runs: int) -> list[float]:
    times = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return times


def synthetic_unit(index: int) -> str:
    """About 200 lines of schema in today's dialect, with names made unique."""
    n = f"{index:04d}"
    return f"""
##
# @Colour{n}:
#
# A colour.
#
# @red: Red.
#
# @green: Green.
#
# @blue: Blue.
#
# Since: 1.0
##
{{ 'enum': 'Colour{n}', 'data': [ 'red', 'green', 'blue' ] }}

##
# @Point{n}:
#
# A point on the plane.
#
# @x: Abscissa.
#
# @y: Ordinate.
#
# @label: A name for it.
#
# Since: 1.0
##
{{ 'struct': 'Point{n}',
  'data': {{ 'x': 'int32', 'y': 'int32', '*label': 'str' }} }}

##
# @Shape{n}Base:
#
# What every shape has.
#
# @kind: Which shape.
#
# @colour: Its colour.
#
# Since: 1.0
##
{{ 'struct': 'Shape{n}Base',
  'data': {{ 'kind': 'ShapeKind{n}', 'colour': 'Colour{n}' }} }}

##
# @ShapeKind{n}:
#
# The shapes.
#
# @circle: A circle.
#
# @polygon: A polygon.
#
# Since: 1.0
##
{{ 'enum': 'ShapeKind{n}', 'data': [ 'circle', 'polygon' ] }}

##
# @Circle{n}:
#
# A circle.
#
# @centre: Its centre.
#
# @radius: Its radius.
#
# Since: 1.0
##
{{ 'struct': 'Circle{n}', 'data': {{ 'centre': 'Point{n}', 'radius': 'uint32' }} }}

##
# @Polygon{n}:
#
# A polygon.
#
# @points: Its corners, in order.
#
# Since: 1.0
##
{{ 'struct': 'Polygon{n}', 'data': {{ 'points': [ 'Point{n}' ] }} }}

##
# @Shape{n}:
#
# A shape.
#
# Since: 1.0
##
{{ 'union': 'Shape{n}', 'base': 'Shape{n}Base', 'discriminator': 'kind',
  'data': {{ 'circle': 'Circle{n}', 'polygon': 'Polygon{n}' }} }}

##
# @Size{n}:
#
# A size: a number or a word.
#
# @bytes: In bytes.
#
# @word: A colour name, for fun.
#
# Since: 1.0
##
{{ 'alternate': 'Size{n}', 'data': {{ 'bytes': 'uint64', 'word': 'Colour{n}' }} }}

##
# @draw-{n}:
#
# Draw a shape.
#
# @shape: What to draw.
#
# @size: How big.
#
# Returns: where it was drawn.
#
# Since: 1.0
#
# .. qmp-example::
#
#    -> {{ "execute": "draw-{n}",
#         "arguments": {{ "shape": {{ "kind": "circle",
#                                    "colour": "red",
#                                    "centre": {{ "x": 1, "y": 2 }},
#                                    "radius": 3 }} }} }}
#    <- {{ "return": {{ "x": 1, "y": 2 }} }}
##
{{ 'command': 'draw-{n}', 'data': {{ 'shape': 'Shape{n}', '*size': 'Size{n}' }},
  'returns': 'Point{n}' }}

##
# @DRAWN_{n}:
#
# Emitted after a shape was drawn.
#
# @at: Where.
#
# Since: 1.0
#
# .. qmp-example::
#
#    <- {{ "event": "DRAWN_{n}", "data": {{ "at": {{ "x": 1, "y": 2 }} }},
#         "timestamp": {{ "seconds": 1, "microseconds": 2 }} }}
##
{{ 'event': 'DRAWN_{n}', 'data': {{ 'at': 'Point{n}' }} }}
"""


def synthetic_schema(units: int) -> str:
    return "# Synthetic schema for benchmarks\n" + "".join(synthetic_unit(i) for i in range(units))


def _scaling(base_units: int, runs: int) -> list[tuple[int, int, float]]:
    from qapidoc import load_text
    rows = []
    for factor in (1, 4, 16):
        text = synthetic_schema(base_units * factor)
        lines = text.count("\n")
        assert not load_text("synthetic.json", text).diagnostics
        times = []
        for _ in range(runs):
            gc.collect()    # start each run from the same heap
            start = time.process_time()
            load_text("synthetic.json", text)
            times.append(time.process_time() - start)
        rows.append((factor, lines, statistics.median(times)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    compileall.compile_dir(str(ROOT / "qapidoc"), quiet=1)
    root = pathlib.Path(args.shared) / "corpus" / "qemu-10.2" / "qapi" / "qapi-schema.json"

    print(f"python {sys.version.split()[0]}, {args.runs} runs each\n")
    if root.exists():
        baseline = _whole_process([sys.executable, "-c", "pass"], args.runs)
        check = _whole_process([sys.executable, "-m", "qapidoc.cli", "check", str(root)], args.runs)
        median = statistics.median(check)
        print("| whole process | median | best |")
        print("|---|---|---|")
        print(f"| `python -c pass` | {statistics.median(baseline):.3f} s | {min(baseline):.3f} s |")
        print(f"| `qapidoc check` qemu-10.2/qapi | {median:.3f} s | {min(check):.3f} s |")
        print(f"\nqapidoc check / python start-up: {median / statistics.median(baseline):.1f}x; "
              f"QEMU's own front end needs about 0.8 s of CPU for this schema "
              f"(reference/qapi-language.md): {0.8 / median:.1f}x faster\n")
    else:
        print(f"(skipping the corpus measurement: {root} not found)\n")

    rows = _scaling(base_units=25, runs=max(3, args.runs // 3))
    print("| synthetic schema | lines | load (in process) | per 1000 lines |")
    print("|---|---|---|---|")
    for factor, lines, seconds in rows:
        print(f"| {factor}x | {lines} | {seconds * 1000:.1f} ms | {seconds * 1e6 / lines:.2f} ms |")
    per_line = [seconds / lines for _, lines, seconds in rows]
    print(f"\ncost per line at 16x / at 1x: {per_line[2] / per_line[0]:.2f} (1.00 = perfectly linear)")
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
