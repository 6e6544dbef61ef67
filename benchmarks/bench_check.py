"""Benchmark: ``qapidoc check`` beside QEMU's own parse and check, and its scaling.

    python benchmarks/bench_check.py [--shared DIR] [--runs N] [--no-scaling]

1. **Side by side**, whole processes (interpreter start-up included), on
   ``corpus/qemu-10.2/qapi/qapi-schema.json``:

   * ``qapidoc check`` (``python -m qapidoc.cli check ROOT``);
   * QEMU's front end, parse and check only, no code generation
     (``QAPISchema(ROOT)`` from ``anchors/qemu-10.2/scripts``, the recipe of
     ``shared/anchors/README.md``);
   * ``python -c pass``, the interpreter alone, for reference.

   Same interpreter (the one running this script) for all three, every
   package byte-compiled first into one ``PYTHONPYCACHEPREFIX`` (the anchor
   is read-only), as installed packages are, and one warm-up run each that
   is not counted.  Then N rounds; each round runs the three once, in an
   order that rotates from round to round, so slow and quiet moments of a
   shared machine fall on all of them alike.  Per process: wall clock, CPU
   (user + system) and peak RSS, from ``wait4``.  The table gives the
   median, the interquartile range and min-max, and the ratio of the
   medians (ours / QEMU's).

2. **Scaling**: a synthetic schema at 1x, 4x and 16x, loaded in process
   (median of several runs); the time per 1000 lines should stay flat.
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
from typing import NamedTuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS_ROOT = "corpus/qemu-10.2/qapi/qapi-schema.json"
ANCHOR_SCRIPTS = "anchors/qemu-10.2/scripts"


class Run(NamedTuple):
    wall: float         # seconds
    cpu: float          # seconds, user + system
    rss: float          # MiB, peak resident set


def _shared(arg: str | None) -> pathlib.Path | None:
    for candidate in (arg, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, CORPUS_ROOT).is_file():
            return pathlib.Path(candidate)
    return None


def commands(shared: pathlib.Path) -> dict[str, list[str]]:
    """The three commands compared, by name."""
    root = str(shared / CORPUS_ROOT)
    qemu = (f"import sys; sys.path.insert(0, {str(shared / ANCHOR_SCRIPTS)!r}); "
            f"from qapi.schema import QAPISchema; QAPISchema({root!r})")
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "qapidoc check": [sys.executable, "-m", "qapidoc.cli", "check", root],
        "QEMU's QAPISchema()": [sys.executable, "-c", qemu],
    }


def _env(pycache: pathlib.Path) -> dict[str, str]:
    """Byte-compiled code from one cache for both programs, and this
    checkout's package (every process runs in ROOT: ``-m`` puts the working
    directory first on sys.path)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_once(argv: list[str], env: dict[str, str]) -> Run:
    """One whole process: its wall clock, CPU time and peak RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    assert proc.stderr is not None
    errors = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        sys.exit(f"bench_check: {argv[-2:]} failed (exit {proc.returncode}):\n"
                 f"{errors.decode(errors='replace')[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def side_by_side(cmds: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, list[Run]]:
    """``runs`` rounds, each running every command once, the order rotating."""
    names = list(cmds)
    for name in names:                      # warm-up, not counted
        run_once(cmds[name], env)
    out: dict[str, list[Run]] = {name: [] for name in names}
    for i in range(runs):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            out[name].append(run_once(cmds[name], env))
    return out


def _spread(values: list[float], fmt: str) -> str:
    """Median, interquartile range and min-max."""
    med = statistics.median(values)
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        iqr = f"IQR {q1:{fmt}}-{q3:{fmt}}, "
    else:
        iqr = ""
    return f"{med:{fmt}} ({iqr}{min(values):{fmt}}-{max(values):{fmt}})"


def report(results: dict[str, list[Run]], ours: str, theirs: str) -> list[str]:
    """A markdown table of every command, then the ratios ours / theirs."""
    runs = len(next(iter(results.values())))
    lines = [f"{runs} rounds, interleaved; median (interquartile range, min-max)", "",
             "| whole process | wall (s) | CPU (s) | peak RSS (MiB) |", "|---|---|---|---|"]
    for name, values in results.items():
        cells = [_spread([getattr(r, field) for r in values], fmt)
                 for field, fmt in (("wall", ".3f"), ("cpu", ".3f"), ("rss", ".1f"))]
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines.append("")
    for field, label in (("wall", "wall"), ("cpu", "CPU"), ("rss", "peak RSS")):
        mine = statistics.median(getattr(r, field) for r in results[ours])
        other = statistics.median(getattr(r, field) for r in results[theirs])
        lines.append(f"{ours} / {theirs}, {label}: {mine / other:.2f}")
    return lines


# --- scaling --------------------------------------------------------------------------

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


def scaling(base_units: int, runs: int) -> list[tuple[int, int, float]]:
    """(factor, lines, median seconds) of loading the synthetic schema in
    process, at 1x, 4x and 16x."""
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", help="the shared directory (default: ../shared or $QAPIDOC_SHARED)")
    parser.add_argument("--runs", type=int, default=21, help="rounds of the side-by-side runs (default 21)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the synthetic scaling runs")
    args = parser.parse_args(argv)
    shared = _shared(args.shared)

    print(f"python {sys.version.split()[0]} ({sys.executable})\n")
    if shared is None:
        print(f"(skipping the side-by-side runs: {CORPUS_ROOT} not found; --shared DIR or $QAPIDOC_SHARED)\n")
    else:
        with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
            pycache = pathlib.Path(tmp) / "pycache"
            sys.pycache_prefix = str(pycache)
            for package in (ROOT / "qapidoc", shared / ANCHOR_SCRIPTS):
                compileall.compile_dir(str(package), quiet=1)
            results = side_by_side(commands(shared), args.runs, _env(pycache))
        print("\n".join(report(results, "qapidoc check", "QEMU's QAPISchema()")) + "\n")

    if not args.no_scaling:
        rows = scaling(base_units=25, runs=max(3, args.runs // 3))
        print("| synthetic schema | lines | load (in process) | per 1000 lines |")
        print("|---|---|---|---|")
        for factor, lines, seconds in rows:
            print(f"| {factor}x | {lines} | {seconds * 1000:.1f} ms | {seconds * 1e6 / lines:.2f} ms |")
        per_line = [seconds / lines for _, lines, seconds in rows]
        print(f"\ncost per line at 16x / at 1x: {per_line[2] / per_line[0]:.2f} (1.00 = perfectly linear)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
