"""Benchmark: the QMP reference manual of QEMU 10.2, built by our Sphinx
extension and by QEMU's own, side by side.

    python benchmarks/bench_sphinx.py [--shared DIR] [--runs N] [--only full|rebuild]

Both builds start from QEMU's own page (``docs/interop/qemu-qmp-ref.rst``
of ``shared/anchors/qemu-10.2``, as ``index.rst``) and QEMU's conf settings
(``qapidoc_srctree``, ``rst_epilog`` from ``defs.rst.inc``, ``default_role =
'any'``, see ``shared/anchors/README.md``).  QEMU's build loads
``qapi_domain``, ``qapidoc`` and ``qmp_lexer`` from the anchor; ours loads
``qapidoc_sphinx`` instead, and nothing else differs.  Same Python, same
Sphinx (the one this script runs under), both byte-compiled first (into a
``PYTHONPYCACHEPREFIX``, as the anchor is read-only), one warm-up build
each that is not counted.

Scenarios, each run N times, the two extensions interleaved (their order
alternating), every run a fresh ``python -m sphinx -b html`` process:

1. **full build**: fresh output and doctree directories; the page as QEMU
   writes it (the whole schema on one page), the default a QEMU docs build
   would use;
2. **rebuild after touching one module** (``qapi/run-state.json``), each
   extension in its best configuration for that: ours with ``:split:
   section`` added to the page (a page per top-level section, so one module
   re-reads only its pages), QEMU's as it is (it has no other: the whole
   manual is read again).

Per process: wall clock, CPU (user + system, from ``wait4``) and peak RSS
(``ru_maxrss`` of the sphinx-build process).  The table gives the median,
the spread (min to max) and the ratio of the medians (ours / QEMU's).
The schema is copied to a temporary directory first (the touch must not
change the shared copy).

Each sphinx-build is started by the small launcher of
``benchmarks/processes.py``, as in ``bench_check.py``: a child started by
this script would be reported at no less than this script's own peak RSS
(Sphinx imported, about 50 MiB).  The floor that remains, what ``true`` is
reported at (about 6.7 MiB), is far below any Sphinx build (about 200 MiB).

The interpreter is the one running this script (Sphinx and our extension
must be importable, and a fresh venv would need both installed): in the
project's venv, the editable install's finder adds at most 17 ms of
start-up (what it costs ``python -c pass``) to each build of either
extension, under 0.3 % of a full build.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from processes import CommandFailedError, Launcher, Run, byte_compiled_env  # noqa: E402

PAGE = "anchors/qemu-10.2/docs/interop/qemu-qmp-ref.rst"
ANCHOR = "anchors/qemu-10.2"
TOUCHED = "qapi/run-state.json"

CONF_COMMON = """\
project = "QEMU"
qapidoc_srctree = {srctree!r}
rst_epilog = open({defs!r}, encoding="utf-8").read()
default_role = "any"
"""
CONF_QEMU = """\
import sys
sys.path.insert(0, {sphinx_dir!r})
sys.path.insert(0, {scripts_dir!r})
extensions = ["qapi_domain", "qapidoc", "qmp_lexer"]
qapi_namespaces = {{"QGA", "QMP", "QSD"}}
qapi_allowed_fields = {{"see also"}}
"""
CONF_OURS = 'extensions = ["qapidoc_sphinx"]\n'


@dataclass
class Project:
    name: str
    src: pathlib.Path
    out: pathlib.Path

    def clean(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)


def _shared(arg: str | None) -> pathlib.Path:
    for candidate in (arg, os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")):
        if candidate and pathlib.Path(candidate, PAGE).is_file():
            return pathlib.Path(candidate)
    sys.exit(f"bench_sphinx: {PAGE} is not there (--shared DIR or $QAPIDOC_SHARED)")


def _sphinx(project: Project, env: dict[str, str], launcher: Launcher) -> Run:
    args = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-d", str(project.out / "doctrees"),
            str(project.src), str(project.out / "html")]
    try:
        return launcher.checked(args, env)
    except CommandFailedError as failure:
        sys.exit(f"sphinx-build of {project.name} failed: {failure}")


def _write_projects(shared: pathlib.Path, base: pathlib.Path) -> dict[str, Project]:
    srctree = base / "tree"
    shutil.copytree(shared / "corpus" / "qemu-10.2" / "qapi", srctree / "qapi")
    anchor = shared / ANCHOR
    common = CONF_COMMON.format(srctree=str(srctree), defs=str(anchor / "docs" / "defs.rst.inc"))
    page = (shared / PAGE).read_text(encoding="utf-8")
    confs = {
        "qemu": CONF_QEMU.format(sphinx_dir=str(anchor / "docs" / "sphinx"), scripts_dir=str(anchor / "scripts")),
        "ours": CONF_OURS,
        "ours-split": CONF_OURS,
    }
    projects = {}
    for name, conf in confs.items():
        src = base / name / "src"
        src.mkdir(parents=True)
        (src / "conf.py").write_text(conf + common, encoding="utf-8")
        text = page
        if name == "ours-split":
            text = text.replace("   :namespace: QMP\n", "   :namespace: QMP\n   :split: section\n")
            assert ":split: section" in text
        (src / "index.rst").write_text(text, encoding="utf-8")
        projects[name] = Project(name, src, base / name / "out")
    return projects


def _interleaved(projects: Sequence[Project], runs: int, env: dict[str, str], before: str,
                 launcher: Launcher) -> dict[str, list[Run]]:
    """``runs`` builds of each project, alternating which goes first;
    ``before`` is "clean" (a full build) or "touch" (touch the module)."""
    out: dict[str, list[Run]] = {p.name: [] for p in projects}
    for i in range(runs):
        order = projects if i % 2 == 0 else list(reversed(projects))
        for project in order:
            if before == "clean":
                project.clean()
            else:
                time.sleep(0.02)
                (project.src.parent.parent / "tree" / TOUCHED).touch()
            out[project.name].append(_sphinx(project, env, launcher))
            print(f"  {before:>5} {project.name:<10} run {i + 1}: {out[project.name][-1]}", file=sys.stderr)
    return out


def _stat(values: list[float], unit: str, fmt: str) -> str:
    med = statistics.median(values)
    return f"{med:{fmt}}{unit} ({min(values):{fmt}}-{max(values):{fmt}})"


def _report(title: str, ours: list[Run], qemu: list[Run]) -> list[str]:
    lines = [f"{title}"]
    for what, unit, fmt in (("wall", " s", ".2f"), ("cpu", " s", ".2f"), ("rss", " MiB", ".0f")):
        a = [getattr(r, what) for r in ours]
        b = [getattr(r, what) for r in qemu]
        ratio = statistics.median(a) / statistics.median(b)
        label = {"wall": "wall clock", "cpu": "CPU (user+sys)", "rss": "peak RSS"}[what]
        lines.append(f"  {label:<16} ours {_stat(a, unit, fmt):<26} QEMU's {_stat(b, unit, fmt):<26} "
                     f"ratio {ratio:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", help="the shared directory (default: ../shared or $QAPIDOC_SHARED)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each scenario and extension (default 5)")
    parser.add_argument("--only", choices=("full", "rebuild"), help="one scenario only")
    args = parser.parse_args(argv)
    shared = _shared(args.shared)

    with tempfile.TemporaryDirectory(prefix="bench-sphinx-") as tmp, Launcher() as launcher:
        base = pathlib.Path(tmp)
        env = byte_compiled_env(base / "pycache", (ROOT / "qapidoc", ROOT / "sphinx_ext", shared / ANCHOR),
                                NO_COLOR="1")
        projects = _write_projects(shared, base)
        ours, qemu, split = projects["ours"], projects["qemu"], projects["ours-split"]
        for project in (ours, qemu, split):     # warm-up: every module byte-compiled
            _sphinx(project, env, launcher)
        report: list[str] = []
        if args.only in (None, "full"):
            full = _interleaved([ours, qemu], args.runs, env, "clean", launcher)
            report += _report("full HTML build, QEMU's page (one page)", full["ours"], full["qemu"])
        if args.only in (None, "rebuild"):
            for project in (split, qemu):
                project.clean()
                _sphinx(project, env, launcher)
            touched = _interleaved([split, qemu], args.runs, env, "touch", launcher)
            report += _report(f"rebuild after touching {TOUCHED} (ours: :split: section; QEMU's: one page)",
                              touched["ours-split"], touched["qemu"])
        floor = launcher.floor_mib()

    import sphinx

    print(f"\nQEMU 10.2 QMP manual: Sphinx {sphinx.__version__}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs; {args.runs} runs each, interleaved; whole sphinx-build processes; "
          f"median (min-max); interpreter {sys.executable}; peak RSS floor {floor:.1f} MiB "
          "(what `true` is reported at)\n")
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
