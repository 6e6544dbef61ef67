"""The benchmarks' launcher (``benchmarks/processes.py``) reports each
command's own peak RSS, not the memory of the process that measures it.

On Linux a child's ``ru_maxrss`` includes the memory it had at ``exec``,
a copy of its parent's: these tests hold a ballast of BALLAST_MIB in the
test process while they start children, show the fault with a child
started directly, and show the launcher's figures free of it.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from processes import CommandFailedError, Launcher, fresh_interpreter, own_peak_mib

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="peak RSS as Linux reports it")

BALLAST_MIB = 150
ALLOCATED_MIB = 64


@pytest.fixture(scope="module")
def ballast() -> Iterator[bytes]:
    """Memory this process holds (every page touched) while the tests run."""
    data = b"\x01" * (BALLAST_MIB * 2**20)
    assert own_peak_mib() >= BALLAST_MIB
    yield data


@pytest.fixture(scope="module")
def launcher(ballast: bytes) -> Iterator[Launcher]:
    with Launcher() as started:     # started from this big process
        yield started


def _allocating(mib: int) -> list[str]:
    return [sys.executable, "-c", f"data = b'\\x01' * ({mib} * 2**20)"]


def test_a_child_started_directly_is_reported_at_its_parents_memory(ballast: bytes) -> None:
    """The fault the launcher is there for (if a kernel stops doing this,
    the launcher is no longer needed)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    _, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert usage.ru_maxrss / 1024 >= BALLAST_MIB


def test_the_launcher_reports_the_childs_own_peak(launcher: Launcher) -> None:
    bare = launcher.checked([sys.executable, "-c", "pass"], os.environ)
    floor = launcher.floor_mib()
    assert floor < bare.rss < own_peak_mib() / 4, (floor, bare, own_peak_mib())
    assert bare.wall > 0 and bare.cpu > 0
    allocated = launcher.checked(_allocating(ALLOCATED_MIB), os.environ)
    assert ALLOCATED_MIB <= allocated.rss < ALLOCATED_MIB + 2 * bare.rss, (allocated, bare)
    assert allocated.cpu > bare.cpu / 2


def test_the_launcher_gives_back_exit_code_and_stderr(launcher: Launcher, tmp_path: pathlib.Path) -> None:
    noisy = "import os, sys; sys.stderr.write('x' * 100000 + os.getcwd() + '|' + os.environ['MARK']); sys.exit(3)"
    outcome = launcher.run([sys.executable, "-c", noisy], {**os.environ, "MARK": "end"}, tmp_path)
    assert outcome.exit_code == 3
    assert len(outcome.errors) == 65536 and outcome.errors.endswith(f"{tmp_path}|end".encode())
    with pytest.raises(CommandFailedError, match=r"\(exit 3\)"):
        launcher.checked([sys.executable, "-c", noisy], {**os.environ, "MARK": "end"}, tmp_path)
    missing = launcher.run([str(tmp_path / "no-such-program")], os.environ)
    assert missing.exit_code == 127 and b"cannot start" in missing.errors
    # The launcher goes on after a failure.
    assert launcher.run([sys.executable, "-c", "pass"], os.environ).exit_code == 0


def test_the_fresh_interpreter_runs_no_site_packages(tmp_path: pathlib.Path) -> None:
    """The fresh venv is this Python, with no ``.pth`` of an install run
    at start-up (the project's venv imports its editable finder)."""
    probe = "import sys; print(sys.version); print(sorted(m for m in sys.modules if 'editable' in m))"
    fresh = subprocess.run([str(fresh_interpreter(tmp_path / "venv")), "-c", probe], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    assert fresh == [sys.version, "[]"]


def test_check_needs_nothing_outside_the_standard_library(tmp_path: pathlib.Path) -> None:
    """What bench_check verifies before measuring in the fresh venv."""
    from bench_check import outside_stdlib, synthetic_schema
    schema = tmp_path / "s.json"
    schema.write_text(synthetic_schema(2), encoding="utf-8")
    assert outside_stdlib(schema) == []
