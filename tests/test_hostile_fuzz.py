"""Issue 10, class 1, generated: hostile doc-comment rST through real builds.

Hypothesis writes schemas whose doc comments use directives (allowed,
refused, the extension's own, file readers, unknown) with options that
name files, URLs and large numbers, roles, link targets, references and URL
tricks, in every place a body element can start.  Each schema is built by
``sphinx-build`` under an audit hook that records every file the process
opens (``support/audited_sphinx.py``), and then:

* the build completes, with no traceback;
* no attribute of any HTML file carries a script URL, a local file or a
  link to another host without a scheme;
* no file outside the source tree, the output and Python's installation is
  opened, and the planted secret reaches no output.

``QAPIDOC_FUZZ_EXAMPLES`` sets the number of schemas (CI: 6, each with 8
to 20 doc comments).
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.hostile_rst import attribute_problems, doc_comments, write_schema
from support.sphinx_projects import small_project

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("QAPIDOC_FUZZ_EXAMPLES", "6"))
AUDITED = ROOT / "tests" / "support" / "audited_sphinx.py"

#: what a build may open besides its source, output and doctree directories
SYSTEM = ("/dev/", "/proc/", "/usr/share/zoneinfo/", "/usr/lib/locale/", "/usr/share/locale/", "/etc/localtime",
          "/etc/mime.types", "/usr/share/mime/")


def allowed_roots(base: pathlib.Path) -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(ROOT / "qapidoc"), str(ROOT / "sphinx_ext"),
             str(AUDITED), str(base / "src"), str(base / "html"), str(base / "doctrees"),
             tempfile.gettempdir() + "/sphinx-err-"}
    import sphinx

    roots.add(str(pathlib.Path(sphinx.__file__).resolve().parent.parent))
    return tuple(sorted(roots)) + SYSTEM


# (one base directory for every example: the paths the strategies name are fixed)
BASE = pathlib.Path(tempfile.mkdtemp(prefix="qapidoc-fuzz-"))
SECRET = BASE / "outside" / "secret.txt"
SCHEMA = BASE / "src" / "hostile.json"


@pytest.fixture(scope="module", autouse=True)
def project() -> pathlib.Path:
    SECRET.parent.mkdir(parents=True, exist_ok=True)
    SECRET.write_text("TOP-SECRET-CONTENT\n")
    small_project(BASE / "src", {"ref": "Ref\n===\n\n.. qapi-doc:: hostile.json\n   :dialect: 10.2\n"
                                        "   :builtins: hide\n"}, "qapidoc_lint = False\n")
    return BASE


def audited_build(base: pathlib.Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    import shutil

    for name in ("html", "doctrees"):
        shutil.rmtree(base / name, ignore_errors=True)
    log = base / "opened.json"
    proc = subprocess.run([sys.executable, str(AUDITED), str(log), "-q", "-b", "html", "-d", str(base / "doctrees"),
                           str(base / "src"), str(base / "html")], capture_output=True, text=True, check=False,
                          cwd=base / "src", env={**os.environ, "NO_COLOR": "1"})
    opened: list[str] = json.loads(log.read_text()) if log.exists() else []
    return proc, opened


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(st.data())
def test_generated_hostile_doc_comments(data: st.DataObject) -> None:
    comments = data.draw(doc_comments(SECRET, SCHEMA))
    write_schema(SCHEMA, comments)
    proc, opened = audited_build(BASE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "Exception occurred" not in proc.stderr, proc.stderr[-3000:]
    assert opened, "the audit hook saw nothing"
    roots = allowed_roots(BASE)
    outside = sorted(p for p in opened if not p.startswith(roots))
    assert outside == [], outside
    assert str(SECRET) not in opened and "/etc/passwd" not in opened
    assert attribute_problems(BASE / "html") == []
    output = [p for p in (BASE / "html").rglob("*") if p.is_file()]
    assert not any("TOP-SECRET-CONTENT" in p.read_text(errors="replace") for p in output)
    # the extension (lint off here) refuses what qapidoc lint finds, at the same lines
    assert refusals(proc.stderr, SCHEMA) == lint_refusals(SCHEMA)


REFUSAL_CODES = ("QD606", "QD608", "QD609", "QD610", "QD611")


def refusals(stderr: str, schema: pathlib.Path) -> list[tuple[int, str]]:
    found = re.findall(rf"^{re.escape(str(schema))}:(\d+): WARNING: .*\[(QD6\d\d)\]", stderr, re.MULTILINE)
    return sorted({(int(line), code) for line, code in found if code in REFUSAL_CODES})


def lint_refusals(schema: pathlib.Path) -> list[tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-m", "qapidoc.cli", "lint", "--no-config", "--format", "json",
                           str(schema)], capture_output=True, text=True, check=False)
    data = json.loads(proc.stdout)
    items = data.get("diagnostics", data) if isinstance(data, dict) else data
    return sorted({(int(d["line"]), d["code"]) for d in items if d["code"] in REFUSAL_CODES})


def test_the_audit_sees_a_read_outside(tmp_path: pathlib.Path) -> None:
    """The audited build, on a page that reads a file outside the source
    tree (``literalinclude`` in the page itself, not in a doc comment)."""
    secret = tmp_path / "outside.txt"
    secret.write_text("OUTSIDE\n")
    small_project(tmp_path / "src", {"ref": "Ref\n===\n\n.. literalinclude:: ../outside.txt\n"})
    proc, opened = audited_build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert str(secret) in opened
    assert [p for p in opened if not p.startswith(allowed_roots(tmp_path))] == [str(secret)]
