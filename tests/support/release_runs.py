"""Every root of every QEMU release through the command line, and every
release's QMP manual through Sphinx: the work behind
``tests/test_releases.py``, done once.

:func:`run_root` runs ``check``, ``jsonschema`` and ``lint`` on one root, in
process, through :func:`qapidoc.cli.main` (the commands a user runs, with
their exit codes and output), and returns what the tests need.  It is a
module-level function so that a process pool can run roots side by side.
:func:`write_manuals` writes one Sphinx project holding the QMP reference
of every release (one page each, in a namespace of its own), to build in
one ``sphinx-build -j 2``.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import pathlib
from dataclasses import dataclass

from qapidoc.cli import main
from qapidoc.frontend.loader import load_schema

__all__ = ["RootRun", "doc_size", "namespace", "run_root", "write_manuals"]


@dataclass(frozen=True)
class RootRun:
    tag: str
    kind: str
    path: str
    check_code: int
    #: what ``check`` printed (standard output and error)
    check_output: str
    jsonschema_code: int
    jsonschema_error: str
    #: files listed in the written index.json
    json_files: int
    lint_code: int
    #: findings of ``lint`` by rule
    lint_counts: dict[str, int]
    #: the findings themselves, one line each (``file:line: [QDnnn] message``)
    lint_findings: tuple[str, ...]
    #: characters of doc comment text in the schema
    doc_chars: int


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def doc_size(path: str) -> int:
    """Characters of doc comment text of the schema rooted at ``path``."""
    result = load_schema(path)
    return sum(len(line.text.strip()) for doc in result.docs for line in doc.raw.lines)


def run_root(tag: str, kind: str, path: str, tree: str, out_dir: str) -> RootRun:
    """``check``, ``jsonschema`` and ``lint`` on one root (in the release
    tree ``tree``), as a user runs them (no configuration: the schema
    alone)."""
    check_code, out, err = _run(["check", "--no-config", path])
    json_dir = pathlib.Path(out_dir) / f"{tag}-{kind}"
    json_code, _, json_err = _run(["jsonschema", "--no-config", path, "-o", str(json_dir)])
    index = json_dir / "index.json"
    files = len(json.loads(index.read_text())["files"]) if index.is_file() else 0
    lint_code, lint_out, _ = _run(["lint", "--no-config", "--format", "json", path])
    findings = json.loads(lint_out or "[]")
    items = findings.get("diagnostics", findings) if isinstance(findings, dict) else findings
    base = pathlib.Path(tree)
    counts = collections.Counter(item["code"] for item in items)
    lines = tuple(f"{_relative(item['file'], base)}:{item.get('line') or 0}: [{item['code']}] {item['message']}"
                  for item in items)
    return RootRun(tag, kind, path, check_code, out + err, json_code, json_err, files, lint_code,
                   dict(sorted(counts.items())), lines, doc_size(path))


def _relative(file: str, base: pathlib.Path) -> str:
    try:
        return str(pathlib.Path(file).resolve().relative_to(base.resolve()))
    except ValueError:
        return file


def namespace(tag: str) -> str:
    """The namespace of a release's QMP manual in the joint project:
    ``QMP210`` for v2.10.0, ``QMP1002`` for v10.2.0."""
    major, minor, _ = tag.lstrip("v").split(".")
    return f"QMP{int(major)}{int(minor):02d}"


CONF = """\
extensions = ["qapidoc_sphinx"]
project = "QEMU QMP references, every release"
qapidoc_lint = False
qapidoc_jsonschema = False
"""


def write_manuals(srcdir: pathlib.Path, roots: dict[str, pathlib.Path]) -> dict[str, str]:
    """A Sphinx project with a page per release (``tag -> QMP root``);
    returns the page name of each tag."""
    srcdir.mkdir(parents=True, exist_ok=True)
    (srcdir / "conf.py").write_text(CONF)
    pages = {tag: tag.replace(".", "_") for tag in roots}
    index = ["QMP references", "==============", "", ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {page}" for page in pages.values()]
    (srcdir / "index.rst").write_text("\n".join(index) + "\n")
    for tag, root in roots.items():
        title = f"QMP Reference ({tag})"
        text = [title, "=" * len(title), "", f".. qapi-doc:: {root}", f"   :namespace: {namespace(tag)}"]
        (srcdir / f"{pages[tag]}.rst").write_text("\n".join(text) + "\n")
    return pages
