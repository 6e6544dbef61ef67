"""Time ``qapidoc diff`` on QEMU 7.2 -> 10.2, end to end.

Whole process: a fresh interpreter runs ``qapidoc diff OLD NEW`` (import,
both loads, the comparison, the report) and the wall time is taken from
outside, several times.  Then the stages in one process, to see where the
time goes.

    python benchmarks/bench_diff.py [--repeat 7] [--root qapi] [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _shared(path: str | None) -> pathlib.Path:
    for candidate in (path, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, "corpus").is_dir():
            return pathlib.Path(candidate)
    sys.exit("bench_diff: the shared corpora are not available (use --shared or $QAPIDOC_SHARED)")


def whole_process(old: pathlib.Path, new: pathlib.Path, fmt: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "qapidoc.cli", "diff", str(old), str(new), "--format", fmt],
                              capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            sys.exit(f"bench_diff: qapidoc diff failed ({proc.returncode}): {proc.stderr.decode()}")
    return times


def stages(old: pathlib.Path, new: pathlib.Path, fmt: str, repeat: int) -> dict[str, float]:
    from qapidoc import load_schema
    from qapidoc.backends.compat import compare
    from qapidoc.cli.diff import format_changes

    best: dict[str, float] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        a = load_schema(str(old)).schema
        t1 = time.perf_counter()
        b = load_schema(str(new)).schema
        t2 = time.perf_counter()
        assert a is not None and b is not None
        changes = compare(a, b)
        t3 = time.perf_counter()
        format_changes(changes, str(old), str(new), fmt)
        t4 = time.perf_counter()
        for name, value in (("load OLD", t1 - t0), ("load NEW", t2 - t1), ("compare", t3 - t2),
                            ("format", t4 - t3)):
            best[name] = min(best.get(name, value), value)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--root", default="qapi", help="qapi, qga or storage-daemon/qapi (default: qapi)")
    parser.add_argument("--shared", help="the shared directory (default: ../shared)")
    parser.add_argument("--format", default="text", choices=["text", "json", "markdown", "github"])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    shared = _shared(args.shared)
    old = shared / "corpus" / "qemu-7.2" / args.root / "qapi-schema.json"
    new = shared / "corpus" / "qemu-10.2" / args.root / "qapi-schema.json"
    wall = whole_process(old, new, args.format, args.repeat)
    parts = stages(old, new, args.format, args.repeat)
    result = {"root": args.root, "repeat": args.repeat, "format": args.format,
              "whole_process_s": {"min": min(wall), "median": statistics.median(wall), "max": max(wall)},
              "stages_best_s": parts, "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"qapidoc diff 7.2 -> 10.2 ({args.root}, --format {args.format}), {args.repeat} runs")
        print(f"  whole process: min {min(wall):.3f} s, median {statistics.median(wall):.3f} s, "
              f"max {max(wall):.3f} s")
        for name, value in parts.items():
            print(f"  {name:9} {value * 1000:8.1f} ms (best)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
