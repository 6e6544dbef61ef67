"""The code generators a QMP client author runs on ``qapidoc jsonschema
--profile codegen``, found or installed for the tests.

json-schema-to-typescript, quicktype and TypeScript's ``tsc`` come from npm,
pinned in ``tests/support/codegen/package.json`` and its lock file
(``npm ci`` there); Go is the system's ``go`` (Debian's golang-go);
datamodel-code-generator is a Python package of the ``test`` extra.  Each
``*_problem()`` returns None when the tool can run, else a reason fit for
``pytest.skip``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["CODEGEN_DIR", "datamodel_problem", "ensure_node_tools", "go_problem", "node_bin", "run"]

CODEGEN_DIR = Path(__file__).resolve().with_name("codegen")
_BIN = CODEGEN_DIR / "node_modules" / ".bin"
_NODE_TOOLS = ("json2ts", "quicktype", "tsc")


def node_bin(tool: str) -> Path:
    return _BIN / tool


def ensure_node_tools(*, timeout: float = 600.0) -> str | None:
    """Install the pinned npm tools with ``npm ci`` unless they are there;
    None when they can run, else why not."""
    if shutil.which("node") is None:
        return "Node.js ('node') is not on PATH; json-schema-to-typescript and quicktype need it"
    if all(node_bin(t).exists() for t in _NODE_TOOLS):
        return None
    npm = shutil.which("npm")
    if npm is None:
        return f"npm is not on PATH; cannot install the code generators into {CODEGEN_DIR}"
    try:
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CODEGEN_DIR, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"npm ci in {CODEGEN_DIR} failed: {exc}"
    if proc.returncode != 0:
        return f"npm ci in {CODEGEN_DIR} exited {proc.returncode}: {proc.stderr.strip()[-2000:]}"
    missing = [t for t in _NODE_TOOLS if not node_bin(t).exists()]
    return f"npm ci left no {', '.join(missing)} in {_BIN}" if missing else None


def go_problem() -> str | None:
    if shutil.which("go") is None:
        return "Go ('go') is not on PATH (Debian: apt-get install golang-go; scripts/test.sh does it as root)"
    return None


def datamodel_problem() -> str | None:
    exe = Path(sys.executable).with_name("datamodel-codegen")
    if not exe.exists():
        return f"datamodel-code-generator is not installed beside {sys.executable} (pip install -e '.[test]')"
    return None


def run(argv: list[str | Path], cwd: Path, *, env: dict[str, str] | None = None, timeout: float = 600.0,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run one tool; the caller looks at the exit status and output."""
    return subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, input=stdin,
                          env={**os.environ, **(env or {})}, timeout=timeout, check=False)
