"""Sphinx projects over the shared corpora, for the Sphinx and browser tests.

Each corpus version is one project, as QEMU builds its manuals: the QMP
reference (split into a page per top-level section), the guest agent (one
page) and the storage daemon (a page per module), each in its namespace, so
that the references between them (a QGA doc naming ``query-status``)
resolve.  The 10.2 project also has stand-ins for the QEMU manual pages the
schema links to (``/interop/qmp-spec`` and the like).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["PROJECTS", "Build", "CorpusProject", "build", "inventory", "lint_findings", "write_project"]

CONF = """\
extensions = ["qapidoc_sphinx"]
project = {title!r}
nitpicky = True
html_theme = "alabaster"
{extra}
"""


@dataclass(frozen=True)
class Root:
    #: corpus-relative path of the root schema
    path: str
    namespace: str
    split: str
    title: str

    @property
    def page(self) -> str:
        return self.namespace.lower()


@dataclass(frozen=True)
class CorpusProject:
    name: str
    roots: tuple[Root, ...]
    #: QEMU manual pages the schema refers to: docname -> title and labels
    stand_ins: tuple[tuple[str, str, tuple[str, ...]], ...] = ()


PROJECTS: dict[str, CorpusProject] = {
    "2.10": CorpusProject("2.10", (
        Root("corpus/qemu-2.10-seed/qapi-schema.json", "QMP", "section", "QMP Reference (2.10)"),
    )),
    "7.2": CorpusProject("7.2", (
        Root("corpus/qemu-7.2/qapi/qapi-schema.json", "QMP", "section", "QMP Reference (7.2)"),
        Root("corpus/qemu-7.2/qga/qapi-schema.json", "QGA", "none", "Guest Agent Reference (7.2)"),
        Root("corpus/qemu-7.2/storage-daemon/qapi/qapi-schema.json", "QSD", "module",
             "Storage Daemon Reference (7.2)"),
    )),
    "10.2": CorpusProject("10.2", (
        Root("corpus/qemu-10.2/qapi/qapi-schema.json", "QMP", "section", "QMP Reference (10.2)"),
        Root("corpus/qemu-10.2/qga/qapi-schema.json", "QGA", "none", "Guest Agent Reference (10.2)"),
        Root("corpus/qemu-10.2/storage-daemon/qapi/qapi-schema.json", "QSD", "module",
             "Storage Daemon Reference (10.2)"),
    ), stand_ins=(
        ("interop/qmp-spec", "QEMU Machine Protocol Specification", ()),
        ("devel/qapi-code-gen", "How to use the QAPI code generator", ()),
        ("system/s390x/cpu-topology", "CPU topology on s390x", ("cpu-topology-s390x",)),
    )),
}


def write_project(project: CorpusProject, shared: pathlib.Path, srcdir: pathlib.Path, extra_conf: str = "") -> None:
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "conf.py").write_text(CONF.format(title=f"QEMU {project.name}", extra=extra_conf))
    pages = [r.page for r in project.roots] + [d for d, _, _ in project.stand_ins]
    index = [f"QEMU {project.name} manuals", "=" * 40, "", ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {page}" for page in pages]
    (srcdir / "index.rst").write_text("\n".join(index) + "\n")
    for root in project.roots:
        text = [root.title, "=" * len(root.title), "",
                f".. qapi-doc:: {shared / root.path}", f"   :namespace: {root.namespace}"]
        if root.split != "none":
            text.append(f"   :split: {root.split}")
        (srcdir / f"{root.page}.rst").write_text("\n".join(text) + "\n")
    for docname, title, labels in project.stand_ins:
        path = srcdir / f"{docname}.rst"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = [*(f".. _{label}:" for label in labels), "", title, "=" * len(title), "",
                "A stand-in for the QEMU manual page of this name."]
        path.write_text("\n".join(text) + "\n")


@dataclass(frozen=True)
class Build:
    srcdir: pathlib.Path
    outdir: pathlib.Path
    builder: str
    returncode: int
    warnings: tuple[str, ...]
    seconds: float


def build(srcdir: pathlib.Path, outdir: pathlib.Path, builder: str = "html", *, extra: Sequence[str] = (),
          doctrees: pathlib.Path | None = None) -> Build:
    """Run sphinx-build in a fresh process (the extension's module
    caches then start empty, as in real use)."""
    import time

    warnfile = outdir.parent / f"{outdir.name}.warnings"
    args = [sys.executable, "-m", "sphinx", "-b", builder, "-q", "-w", str(warnfile), "--keep-going",
            "-d", str(doctrees or (outdir.parent / f"{outdir.name}.doctrees")), *extra, str(srcdir), str(outdir)]
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"})
    seconds = time.perf_counter() - start
    text = warnfile.read_text() if warnfile.exists() else ""
    warnings = tuple(line for line in _warning_lines(text))
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"sphinx-build failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return Build(srcdir, outdir, builder, proc.returncode, warnings, seconds)


def _warning_lines(text: str) -> Iterable[str]:
    """One entry per warning (continuation lines joined)."""
    current: list[str] = []
    for line in text.splitlines():
        if ": WARNING: " in line or ": ERROR: " in line or ": CRITICAL: " in line:
            if current:
                yield "\n".join(current)
            current = [line]
        elif current and line.strip():
            current.append(line)
    if current:
        yield "\n".join(current)


def inventory(path: pathlib.Path) -> list[tuple[str, str, str, str]]:
    """objects.inv entries: (name, domain:role, uri, display name)."""
    data = path.read_bytes()
    lines = data.split(b"\n", 4)
    body = zlib.decompress(lines[4]).decode()
    out = []
    for line in body.splitlines():
        name, rest = line.split(" ", 1) if " " in line else (line, "")
        parts = rest.split(" ", 3)
        if len(parts) < 4:
            continue
        role, _prio, uri, disp = parts
        if uri.endswith("$"):
            uri = uri[:-1] + name
        out.append((name, role, uri, disp))
    return out


def lint_findings(root: pathlib.Path) -> list[tuple[str, int, str]]:
    """``qapidoc lint --format json`` of a schema, run from the schema's
    directory (so it reads the configuration the extension reads): (path,
    line, code) of each error and warning."""
    proc = subprocess.run([sys.executable, "-m", "qapidoc.cli", "lint", "--format", "json", str(root)],
                          capture_output=True, text=True, check=False, cwd=root.parent)
    data = json.loads(proc.stdout or "[]")
    items = data.get("diagnostics", data) if isinstance(data, dict) else data
    out = []
    for item in items:
        if item.get("severity") == "info":
            continue
        out.append((item["file"], int(item.get("line") or 0), item["code"]))
    return out


# --- small projects written by the tests ---------------------------------------------

def small_project(srcdir: pathlib.Path, pages: dict[str, str], conf: str = "") -> pathlib.Path:
    """A project with ``pages`` (docname -> text) and an index that lists
    them; ``conf`` is added to a conf.py that loads the extension."""
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "conf.py").write_text(CONF.format(title="test", extra=conf))
    names = [name for name in pages if name != "index"]
    if "index" not in pages:
        index = ["Test", "====", "", ".. toctree::", "", *(f"   {n}" for n in names)]
        (srcdir / "index.rst").write_text("\n".join(index) + "\n")
    for name, text in pages.items():
        path = srcdir / f"{name}.rst"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return srcdir


def run_sphinx(srcdir: pathlib.Path, outdir: pathlib.Path, *args: str,
               python: str | None = None) -> subprocess.CompletedProcess[str]:
    """``sphinx-build`` in a fresh process, status and warnings captured
    (colour off)."""
    cmd = [python or sys.executable, "-m", "sphinx", *args, str(srcdir), str(outdir)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"})


def warnings_of(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return list(_warning_lines(proc.stderr))


def read_docs(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """The documents a (non-quiet) build read, from its status output."""
    import re

    found = re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", proc.stdout)
    return sorted(set(found))


# --- corpus builds shared by the tests of one session ------------------------------------

_BUILDS: dict[tuple[str, str], Build] = {}


def corpus_build(name: str, builder: str, shared: pathlib.Path, base: pathlib.Path) -> Build:
    """The build of corpus project ``name`` with ``builder``, made once per
    test session (the text build reuses the HTML build's environment)."""
    key = (name, builder)
    if key not in _BUILDS:
        project = PROJECTS[name]
        root = base / f"qemu-{name}"
        src = root / "src"
        if not src.exists():
            write_project(project, shared, src)
        doctrees = root / "doctrees"
        if builder != "html":
            corpus_build(name, "html", shared, base)
        _BUILDS[key] = build(src, root / builder, builder, doctrees=doctrees)
    return _BUILDS[key]
