"""Benchmark: the memory ``qapidoc check`` takes, next to the input's size.

    python benchmarks/bench_memory.py [--mb 50] [--sizes 1,10,50] [--command check]

Writes the synthetic schema of bench_check.py (doc comments, examples,
every kind of definition: about 2.3 KB per unit) at each size in MB, runs
``qapidoc check`` (or ``--command lint``) on it as a whole process and
reports the child's peak RSS, the bytes of memory per byte of input, and the
CPU time.  The goal (issue 10): under 1 GiB for a 50 MB schema.

The package is byte-compiled first, as an installed package is.
"""

from __future__ import annotations

import argparse
import compileall
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import synthetic_schema  # noqa: E402


def measure(*argv: str) -> tuple[int, float, int]:
    """Peak RSS in bytes, CPU seconds and exit status of one run."""
    child = subprocess.Popen([sys.executable, "-m", "qapidoc.cli", *argv],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir(),
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    _, status, usage = os.wait4(child.pid, 0)
    rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return rss, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,50", help="schema sizes in MB, comma-separated")
    parser.add_argument("--command", default="check", choices=["check", "lint", "dump"])
    args = parser.parse_args()
    compileall.compile_dir(str(ROOT / "qapidoc"), quiet=1)
    unit = len(synthetic_schema(1).encode()) - len(synthetic_schema(0).encode())
    baseline, _, _ = measure("rules")
    print(f"python {sys.version.split()[0]}; qapidoc {args.command}; interpreter and imports alone: "
          f"{baseline / 2**20:.0f} MiB\n")
    print("| schema | peak RSS | bytes of memory per byte of schema | CPU |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in (float(x) for x in args.sizes.split(",")):
            schema = pathlib.Path(tmp, "synthetic.json")
            schema.write_text(synthetic_schema(max(1, int(mb * 1e6 / unit))))
            size = schema.stat().st_size
            limit = ["--max-schema-size", str(size)] if args.command != "lint" else []
            rss, cpu, status = measure(args.command, str(schema), *limit)
            if status not in (0, 1):
                print(f"| {size / 1e6:.1f} MB | (exit {status}) | | |")
                continue
            print(f"| {size / 1e6:.1f} MB | {rss / 2**20:.0f} MiB | {rss / size:.1f} | {cpu:.1f} s |")
            schema.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
