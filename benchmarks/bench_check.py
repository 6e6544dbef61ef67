"""Benchmark: ``qapidoc check`` beside QEMU's own parse and check, and its scaling.

    python benchmarks/bench_check.py [--shared DIR] [--runs N] [--no-scaling]
                                     [--interpreter fresh|current]

1. **Side by side**, whole processes (interpreter start-up included), on
   ``corpus/qemu-10.2/qapi/qapi-schema.json``:

   * ``qapidoc check`` (``python -m qapidoc.cli check ROOT``);
   * QEMU's front end, parse and check only, no code generation
     (``QAPISchema(ROOT)`` from ``anchors/qemu-10.2/scripts``, the recipe of
     ``shared/anchors/README.md``);
   * ``python -c pass``, the interpreter alone, for reference.

   **The interpreter**, the same for all three: by default (``--interpreter
   fresh``) a new venv made in the benchmark's temporary directory from the
   running interpreter (same version and build), with nothing installed and
   this checkout on ``PYTHONPATH``.  A user's installed qapidoc, and QEMU's
   scripts, start without the finder that an editable install's ``.pth``
   imports into every process of the project's venv.  It costs
   ``python -c pass`` 54 million instructions (about 17 ms here: 36 million
   without it, 90 million with it), but less to the two programs, which
   import most of its modules (``re``, ``enum``, ``functools``...) anyway:
   16 million more for ``qapidoc check`` (844 to 860), 29 million more for
   QEMU's (3,069 to 3,098), so a ratio of instructions of 0.275 without it
   and 0.277 with it (``valgrind --tool=callgrind``, ``PYTHONHASHSEED=0``,
   byte-compiled).  Small, but not ours to count.
   ``qapidoc check`` needs nothing outside the standard library: the script
   checks that first, in the running interpreter (the modules it imports,
   optional ones too), and stops saying which if that changes.
   ``--interpreter current`` measures in the running interpreter instead.

   Every package is byte-compiled first into one ``PYTHONPYCACHEPREFIX``
   (the anchor is read-only), as installed packages are, and each command
   has one warm-up run that is not counted.  Then N rounds; each round runs
   the three once, in an order that rotates from round to round, so slow
   and quiet moments of a shared machine fall on all of them alike.  Per
   process: wall clock, CPU (user + system) and peak RSS, from ``wait4``.
   The table gives the median, the interquartile range and min-max, and
   the ratio of the medians (ours / QEMU's).

   **Peak RSS**: each command is started by the small launcher of
   ``benchmarks/processes.py``, not by this script, whose own memory (about
   20 MiB) a child's ``ru_maxrss`` would otherwise include.  The floor that
   remains (what ``true`` is reported at: about 6.7 MiB, printed as
   "launcher floor") is below ``python -c pass`` (8.3 MiB in the fresh
   venv, 10.5 in the project's), and so below every figure of the table:
   each is the process's own peak.

2. **Scaling**: a synthetic schema at 1x, 4x and 16x, loaded in process
   (median of several runs); the time per 1000 lines should stay flat.
"""

from __future__ import annotations

import argparse
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from processes import (  # noqa: E402
    CommandFailedError,
    Launcher,
    Run,
    byte_compiled_env,
    fresh_interpreter,
    interpreter_description,
    own_peak_mib,
)

CORPUS_ROOT = "corpus/qemu-10.2/qapi/qapi-schema.json"
ANCHOR_SCRIPTS = "anchors/qemu-10.2/scripts"

#: run in the current interpreter: the top-level packages outside the
#: standard library that ``qapidoc check`` imports
_OUTSIDE_STDLIB_PROBE = """\
import io, sys
before = set(sys.modules)
sys.stdout = io.StringIO()
from qapidoc.cli import main
main(["check", sys.argv[1]])
sys.stdout = sys.__stdout__
tops = {name.partition(".")[0] for name in set(sys.modules) - before}
print(" ".join(sorted(tops - set(sys.stdlib_module_names) - {"qapidoc"})))
"""


def _shared(arg: str | None) -> pathlib.Path | None:
    for candidate in (arg, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, CORPUS_ROOT).is_file():
            return pathlib.Path(candidate)
    return None


def commands(shared: pathlib.Path, python: str) -> dict[str, list[str]]:
    """The three commands compared, by name, run by ``python``."""
    root = str(shared / CORPUS_ROOT)
    qemu = (f"import sys; sys.path.insert(0, {str(shared / ANCHOR_SCRIPTS)!r}); "
            f"from qapi.schema import QAPISchema; QAPISchema({root!r})")
    return {
        "python -c pass": [python, "-c", "pass"],
        "qapidoc check": [python, "-m", "qapidoc.cli", "check", root],
        "QEMU's QAPISchema()": [python, "-c", qemu],
    }


def outside_stdlib(schema: pathlib.Path) -> list[str]:
    """The packages outside the standard library that ``qapidoc check
    SCHEMA`` imports in the running interpreter (where they are installed)."""
    proc = subprocess.run([sys.executable, "-c", _OUTSIDE_STDLIB_PROBE, str(schema)], capture_output=True,
                          text=True, check=False, env=dict(os.environ, PYTHONPATH=str(ROOT)), cwd=ROOT)
    if proc.returncode != 0:
        sys.exit(f"bench_check: qapidoc check failed in process:\n{proc.stderr[-3000:]}")
    return proc.stdout.split()


def side_by_side(cmds: dict[str, list[str]], runs: int, env: dict[str, str],
                 launcher: Launcher) -> dict[str, list[Run]]:
    """``runs`` rounds, each running every command once, the order rotating."""
    names = list(cmds)
    for name in names:                      # warm-up, not counted
        launcher.checked(cmds[name], env, ROOT)
    out: dict[str, list[Run]] = {name: [] for name in names}
    for i in range(runs):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            out[name].append(launcher.checked(cmds[name], env, ROOT))
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


def measure(shared: pathlib.Path, runs: int, interpreter: str) -> list[str]:
    """The side-by-side runs in the chosen interpreter; the report's lines."""
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        if interpreter == "fresh":
            extra = outside_stdlib(shared / CORPUS_ROOT)
            if extra:
                sys.exit(f"bench_check: qapidoc check imports {', '.join(extra)}, outside the standard library, "
                         "which the fresh interpreter does not have; use --interpreter current")
            python = fresh_interpreter(pathlib.Path(tmp) / "venv")
            which = f"a fresh venv, nothing installed, PYTHONPATH={ROOT}"
        else:
            python = pathlib.Path(sys.executable)
            which = "the current one"
        env = byte_compiled_env(pathlib.Path(tmp) / "pycache", (ROOT / "qapidoc", shared / ANCHOR_SCRIPTS),
                                PYTHONPATH=str(ROOT))
        with Launcher() as launcher:
            try:
                results = side_by_side(commands(shared, str(python)), runs, env, launcher)
            except CommandFailedError as failure:
                sys.exit(f"bench_check: {failure}")
            floor = launcher.floor_mib()
        described = interpreter_description(python)
    bare = statistics.median(r.wall for r in results["python -c pass"])
    return [f"interpreter: {which}: {python}, {described}",
            f"python -c pass in it: {bare:.3f} s wall (median)",
            f"peak RSS: this script {own_peak_mib():.1f} MiB; launcher floor {floor:.1f} MiB "
            "(what `true` is reported at: no figure can be below it)", "",
            *report(results, "qapidoc check", "QEMU's QAPISchema()")]


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
    parser.add_argument("--interpreter", choices=("fresh", "current"), default="fresh",
                        help="run the commands in a fresh venv with nothing installed (default), "
                             "or in the interpreter running this script")
    args = parser.parse_args(argv)
    shared = _shared(args.shared)

    if shared is None:
        print(f"(skipping the side-by-side runs: {CORPUS_ROOT} not found; --shared DIR or $QAPIDOC_SHARED)\n")
    else:
        print("\n".join(measure(shared, args.runs, args.interpreter)) + "\n")

    if not args.no_scaling:
        print(f"python {sys.version.split()[0]} ({sys.executable}), in process")
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
