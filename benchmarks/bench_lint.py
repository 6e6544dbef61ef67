"""Benchmark: ``qapidoc lint`` on QEMU 10.2's schema, as a whole process.

    python benchmarks/bench_lint.py [--shared DIR] [--runs N] [--stages]

Each command runs N times in a fresh interpreter (start-up, imports, loading,
schema generation, example validation and output included); the table shows
the median and the best run.  ``python -c pass`` and ``qapidoc check`` are
measured in the same run for scale: machines here are noisy, so compare
within one run.  ``--stages`` adds an in-process breakdown of where a lint
spends its time.

The package is byte-compiled first, as an installed package is.
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
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = 0.5      # seconds, whole process, the target


def _shared(path: str | None) -> pathlib.Path:
    for candidate in (path, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, "corpus").is_dir():
            return pathlib.Path(candidate)
    sys.exit("bench_lint: the shared corpora are not available (--shared DIR or $QAPIDOC_SHARED)")


def _times(argv: list[str], runs: int) -> list[float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        out.append(time.perf_counter() - start)
    return out


def _stages(root: str) -> list[tuple[str, float]]:
    """One lint in this process, stage by stage (after a warm-up run)."""
    from qapidoc import load_schema
    from qapidoc.backends.examples import parse_examples
    from qapidoc.lint import example_checks, rst_checks

    out: list[tuple[str, float]] = []
    result = load_schema(root)
    was = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        result = load_schema(root)
        out.append(("load and check (front end)", time.perf_counter() - start))
        assert result.schema is not None
        start = time.perf_counter()
        parsed = parse_examples(result.docs)
        out.append((f"extract {sum(len(p.messages) for p in parsed)} example messages", time.perf_counter() - start))
        start = time.perf_counter()
        validator = example_checks.make_validator(result.schema)
        out.append(("JSON Schema generation", time.perf_counter() - start))
        start = time.perf_counter()
        example_checks.check_examples(result.schema, result.docs, validator)
        out.append(("extract + validate examples", time.perf_counter() - start))
        start = time.perf_counter()
        rst_checks.check_rst(result.docs, result.dialect)
        out.append(("rST structural checks", time.perf_counter() - start))
    finally:
        if was:
            gc.enable()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", help="the shared directory (default: ../shared or $QAPIDOC_SHARED)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--stages", action="store_true", help="also time the stages in process")
    args = parser.parse_args()
    root = str(_shared(args.shared) / "corpus" / "qemu-10.2" / "qapi" / "qapi-schema.json")
    compileall.compile_dir(str(ROOT / "qapidoc"), quiet=1)
    py = sys.executable
    cli = [py, "-m", "qapidoc.cli"]
    rows = [
        ("python -c pass", [py, "-c", "pass"]),
        ("qapidoc check", [*cli, "check", root]),
        ("qapidoc lint", [*cli, "lint", "--no-config", root]),
        ("qapidoc lint --ignore QD5 (no examples)", [*cli, "lint", "--no-config", "--ignore", "QD5", root]),
        ("qapidoc lint --format sarif", [*cli, "lint", "--no-config", "--format", "sarif", root]),
    ]
    print(f"corpus: {root}")
    print(f"{'command':<44} {'median':>8} {'best':>8}   ({args.runs} runs each)")
    lint_median = 0.0
    for name, argv in rows:
        times = _times(argv, args.runs)
        median = statistics.median(times)
        if name == "qapidoc lint":
            lint_median = median
        print(f"{name:<44} {median:8.3f} {min(times):8.3f}")
    verdict = "meets" if lint_median < TARGET else "misses"
    print(f"\nqapidoc lint, whole process: median {lint_median:.3f} s ({verdict} the {TARGET} s target)")
    if args.stages:
        sys.path.insert(0, str(ROOT))
        print(f"\n{'stage (in process, warm)':<44} {'seconds':>8}")
        for name, seconds in _stages(root):
            print(f"{name:<44} {seconds:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
