"""Benchmark: the memory ``qapidoc check`` takes, next to the input's size.

    python benchmarks/bench_memory.py [--mb 50] [--sizes 1,10,50] [--command check]

Writes the synthetic schema of bench_check.py (doc comments, examples,
every kind of definition: about 2.3 KB per unit) at each size in MB, runs
``qapidoc check`` (or ``--command lint``) on it as a whole process and
reports the child's peak RSS, the bytes of memory per byte of input, and the
CPU time.  The goal (issue 10): under 1 GiB for a 50 MB schema.

The package is byte-compiled first, as an installed package is.

Each run is started by the small launcher of ``benchmarks/processes.py``,
as in ``bench_check.py``: a child started by this script would be
reported at no less than this script's own peak RSS (which holds the
schema's text).  The floor that remains, what ``true`` is reported at
(about 6.7 MiB, printed), is below the interpreter alone, and so below
every figure.  The interpreter is the one running this script.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import synthetic_schema  # noqa: E402
from processes import Launcher, byte_compiled_env  # noqa: E402


def measure(launcher: Launcher, env: dict[str, str], *argv: str) -> tuple[float, float, int]:
    """Peak RSS in bytes, CPU seconds and exit status of one run."""
    outcome = launcher.run([sys.executable, "-m", "qapidoc.cli", *argv], env, tempfile.gettempdir())
    return outcome.run.rss * 2**20, outcome.run.cpu, outcome.exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,10,50", help="schema sizes in MB, comma-separated")
    parser.add_argument("--command", default="check", choices=["check", "lint", "dump"])
    args = parser.parse_args()
    unit = len(synthetic_schema(1).encode()) - len(synthetic_schema(0).encode())
    with tempfile.TemporaryDirectory() as tmp, Launcher() as launcher:
        env = byte_compiled_env(pathlib.Path(tmp, "pycache"), [ROOT / "qapidoc"], PYTHONPATH=str(ROOT))
        empty = pathlib.Path(tmp, "empty.json")
        empty.write_text(synthetic_schema(0))
        measure(launcher, env, args.command, str(empty))    # warm-up: the standard library byte-compiled
        baseline, _, _ = measure(launcher, env, args.command, str(empty))
        print(f"python {sys.version.split()[0]}; qapidoc {args.command}; the interpreter and imports alone "
              f"(a schema of no definition): {baseline / 2**20:.0f} MiB; "
              f"floor {launcher.floor_mib():.1f} MiB (what `true` is reported at)\n")
        print("| schema | peak RSS | bytes of memory per byte of schema | CPU |")
        print("|---|---|---|---|")
        for mb in (float(x) for x in args.sizes.split(",")):
            schema = pathlib.Path(tmp, "synthetic.json")
            schema.write_text(synthetic_schema(max(1, int(mb * 1e6 / unit))))
            size = schema.stat().st_size
            limit = ["--max-schema-size", str(size)] if args.command != "lint" else []
            rss, cpu, status = measure(launcher, env, args.command, str(schema), *limit)
            if status not in (0, 1):
                print(f"| {size / 1e6:.1f} MB | (exit {status}) | | |")
                continue
            print(f"| {size / 1e6:.1f} MB | {rss / 2**20:.0f} MiB | {rss / size:.1f} | {cpu:.1f} s |")
            schema.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
