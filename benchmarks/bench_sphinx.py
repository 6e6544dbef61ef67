"""Benchmark: the QMP reference manual of QEMU 10.2 built by ``sphinx-build``.

    python benchmarks/bench_sphinx.py [--shared DIR] [--runs N] [--jobs N]

Whole processes (``python -m sphinx -b html``, interpreter start-up
included), each measured with a wall clock, median of N runs:

1. a full HTML build (fresh output and doctree directories) of a project
   whose one page holds ``.. qapi-doc:: qapi/qapi-schema.json`` with
   ``:namespace: QMP`` and ``:split: section``, as the QEMU manual would;
2. the rebuild after touching one module (``qapi/run-state.json``): Sphinx
   reads again the pages that show that file's content, and nothing else;
3. a rebuild with nothing changed.

The corpus is copied to a temporary directory first (the touch must not
change the shared copy), and the packages are byte-compiled, as installed
packages are.  Each run is a fresh process, so the extension's schema cache
starts empty every time, as in real use.

For comparison, QEMU 10.2's own extension on this machine (see
shared/reference/sphinx-anchor.md): full build about 30 s, and the same
again after touching any module (the whole schema is one page).
"""

from __future__ import annotations

import argparse
import compileall
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent

CONF = 'extensions = ["qapidoc_sphinx"]\nproject = "QMP"\nhtml_theme = "alabaster"\n'
INDEX = """\
QEMU QMP Reference Manual
=========================

.. qapi-doc:: qapi/qapi-schema.json
   :namespace: QMP
   :split: section
"""


def _shared(arg: str | None) -> pathlib.Path:
    for candidate in (arg, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, "corpus", "qemu-10.2").is_dir():
            return pathlib.Path(candidate)
    sys.exit("bench_sphinx: the shared corpora are not there (--shared DIR or $QAPIDOC_SHARED)")


def _sphinx(src: pathlib.Path, out: pathlib.Path, jobs: int) -> tuple[float, str]:
    args = [sys.executable, "-m", "sphinx", "-b", "html", "-d", str(out / ".doctrees")]
    if jobs > 1:
        args += ["-j", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.run([*args, str(src), str(out / "html")], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"sphinx-build failed:\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout


def _read(stdout: str) -> int:
    """How many pages the build read (added or changed; that includes the
    pages the extension reports outdated)."""
    m = re.search(r"updating environment: (?:\[[^]]*\] )?(\d+) added, (\d+) changed", stdout)
    return int(m.group(1)) + int(m.group(2)) if m else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", help="the shared directory (default: ../shared or $QAPIDOC_SHARED)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each scenario (default 5)")
    parser.add_argument("--jobs", type=int, default=1, help="sphinx-build -j N (default 1)")
    args = parser.parse_args(argv)
    shared = _shared(args.shared)
    for package in ("qapidoc", "sphinx_ext"):
        compileall.compile_dir(str(ROOT / package), quiet=1)

    rows: list[tuple[str, list[float], str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-sphinx-") as tmp:
        base = pathlib.Path(tmp)
        src = base / "src"
        src.mkdir()
        shutil.copytree(shared / "corpus" / "qemu-10.2" / "qapi", src / "qapi")
        (src / "conf.py").write_text(CONF)
        (src / "index.rst").write_text(INDEX)
        out = base / "out"

        full: list[float] = []
        pages = 0
        for _ in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            elapsed, stdout = _sphinx(src, out, args.jobs)
            full.append(elapsed)
            pages = _read(stdout)
        rows.append(("full HTML build", full, f"{pages} pages read"))

        touched: list[float] = []
        module = src / "qapi" / "run-state.json"
        for _ in range(args.runs):
            time.sleep(0.02)
            module.touch()
            elapsed, stdout = _sphinx(src, out, args.jobs)
            touched.append(elapsed)
            pages = _read(stdout)
        rows.append(("rebuild after touching qapi/run-state.json", touched, f"{pages} pages read"))

        noop: list[float] = []
        for _ in range(args.runs):
            elapsed, stdout = _sphinx(src, out, args.jobs)
            noop.append(elapsed)
            pages = _read(stdout)
        rows.append(("rebuild, nothing changed", noop, f"{pages} pages read"))

    import sphinx

    print(f"QEMU 10.2 QMP manual, Sphinx {sphinx.__version__}, Python {sys.version.split()[0]}, "
          f"-j {args.jobs}, {os.cpu_count()} CPUs, {args.runs} runs each (whole process, wall clock)\n")
    print(f"{'scenario':<46} {'median':>8} {'min':>8} {'max':>8}  notes")
    print("-" * 90)
    for name, times, note in rows:
        print(f"{name:<46} {statistics.median(times):>7.2f}s {min(times):>7.2f}s {max(times):>7.2f}s  {note}")
    print("\nQEMU 10.2's own extension, same machine: full build ~30 s; touching any module ~30 s "
          "(everything read again).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
