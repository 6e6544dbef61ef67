"""Time ``qapidoc history`` on QEMU's 26 releases (v2.10.0 to v10.2.0), cold and warm.

The bundle (``../shared/corpus/qemu-qapi-history.bundle``) is cloned once
into a temporary directory, and the package byte-compiled, as an installed
package is.  Then, interleaved, several times each, whole processes timed
from outside:

* ``python -c pass`` (what starting Python costs on this machine now);
* **cold**: ``qapidoc history REPO --cache-dir EMPTY`` (every release read
  from git objects, loaded, snapshotted, merged; the cache written), with
  the default jobs (the number of CPUs, at most 4) and with ``--jobs 1``;
* **warm**: the same with the cache the cold run left.

Wall time is the median of the runs; CPU time (user + system of the child)
says what a machine shared with others cannot hide.

    python benchmarks/bench_history.py [--repeat 5] [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _shared(path: str | None) -> pathlib.Path:
    for candidate in (path, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, "corpus", "qemu-qapi-history.bundle").is_file():
            return pathlib.Path(candidate)
    sys.exit("bench_history: the history bundle is not available (use --shared or $QAPIDOC_SHARED)")


def _run(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"bench_history: {' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _stats(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shared", help="the shared directory (default: ../shared)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    bundle = _shared(args.shared) / "corpus" / "qemu-qapi-history.bundle"
    compileall.compile_dir(str(ROOT / "qapidoc"), quiet=1)
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        repo = work / "qemu"
        subprocess.run(["git", "clone", "-q", str(bundle), str(repo)], check=True)
        qapidoc = [sys.executable, "-m", "qapidoc.cli", "history", str(repo)]
        results: dict[str, list[tuple[float, float]]] = {"python -c pass": [], "cold": [], "cold --jobs 1": [],
                                                         "warm": []}
        for i in range(args.repeat):
            results["python -c pass"].append(_run([sys.executable, "-c", "pass"]))
            for name, extra in (("cold", []), ("cold --jobs 1", ["--jobs", "1"])):
                cache = work / f"cache-{name.replace(' ', '')}-{i}"
                results[name].append(_run([*qapidoc, "--cache-dir", str(cache), *extra]))
                results["warm"].append(_run([*qapidoc, "--cache-dir", str(cache)]))
                shutil.rmtree(cache)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {name: {"wall_s": _stats([w for w, _ in runs]), "cpu_s": _stats([c for _, c in runs]),
                     "runs": len(runs)} for name, runs in results.items()}
    report["machine"] = {"cpus": os.cpu_count(), "load_average": os.getloadavg(),
                         "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"qapidoc history on the bundle (26 releases), {args.repeat} rounds, "
          f"load average {report['machine']['load_average'][0]:.1f} on {os.cpu_count()} CPUs")
    for name in results:
        wall, cpu = report[name]["wall_s"], report[name]["cpu_s"]
        print(f"  {name:15} wall median {wall['median']:6.2f} s (min {wall['min']:.2f}, max {wall['max']:.2f}); "
              f"cpu median {cpu['median']:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
