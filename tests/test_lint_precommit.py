"""The pre-commit hook, run by the real pre-commit on a throwaway repository
holding a copy of the 2017 corpus.

pre-commit installs the hook from a git repository into a virtualenv of
its own.  The test makes that repository from this checkout (its working
tree, committed to a scratch repo) and lets the virtualenv see the
packages already installed here, so no network is needed.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _git(cwd: pathlib.Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, str]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit", reason="the pre-commit package is not installed")
    repo = tmp_path_factory.mktemp("hook")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("qapidoc", "sphinx_ext"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, repo / name, ignore=ignore)
        else:
            (repo / name).mkdir()
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, repo / name)
    (repo / "README.md").touch()
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "hook")
    return repo, _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def project(tmp_path: pathlib.Path, shared_dir: pathlib.Path, hook_repo: tuple[pathlib.Path, str]) -> pathlib.Path:
    repo, rev = hook_repo
    proj = tmp_path / "proj"
    shutil.copytree(shared_dir / "corpus" / "qemu-2.10-seed", proj)
    (proj / "pyproject.toml").write_text('[tool.qapidoc]\nschema = ["qapi-schema.json"]\n')
    (proj / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n  - id: qapidoc-lint\n")
    for path in proj.rglob("*.json"):
        path.chmod(0o644)
    _git(proj, "init", "-q")
    _git(proj, "add", "-A")
    _git(proj, "commit", "-qm", "corpus")
    return proj


def _can_build_offline() -> bool:
    """Whether the setuptools here can build a wheel without the index
    (it needs 70.1 or later, or the 'wheel' package)."""
    import importlib.util
    try:
        import setuptools
    except ImportError:
        return False
    version = tuple(int(p) for p in setuptools.__version__.split(".")[:2] if p.isdigit())
    return version >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _pre_commit(proj: pathlib.Path, home: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    # The hook's virtualenv sees the packages installed here (in a venv or
    # not: PYTHONPATH, which pre-commit passes on), so pip installs the hook
    # itself without going to the network.
    paths = [p for p in sys.path if p.endswith("-packages")]
    env = {**os.environ,
           "PRE_COMMIT_HOME": str(home),
           "PYTHONPATH": os.pathsep.join(paths),
           "VIRTUALENV_SYSTEM_SITE_PACKAGES": "1"}
    if _can_build_offline():
        env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0")
    # else pip fetches a recent setuptools (the build backend) from the index.
    result = subprocess.run([sys.executable, "-m", "pre_commit", "run", *args], check=False, cwd=proj, env=env,
                            capture_output=True, text=True, timeout=600)
    if "An unexpected error has occurred" in result.stdout and not _can_build_offline():
        pytest.skip("pre-commit could not install the hook: the setuptools here is older than 70.1, "
                    "'wheel' is missing, and fetching a newer setuptools failed:\n" + result.stdout[-2000:])
    return result


def test_hook_reports_only_the_changed_file(project: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("pre-commit-home")
    # Break an example in event.json (a module, not the root), and stage it.
    event = project / "qapi" / "event.json"
    text = event.read_text()
    broken = text.replace('<- { "event": "POWERDOWN",', '<- { "event": "POWERDOWN"', 1)
    assert broken != text
    event.write_text(broken)
    _git(project, "add", "qapi/event.json")
    result = _pre_commit(project, home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "qapidoc lint" in output and "Failed" in output
    lines = [line for line in output.splitlines() if "[QD" in line]
    assert lines, output
    # Only findings for the staged module, although the whole schema was
    # loaded (event.json's types live in qapi-schema.json: no QD311).
    assert all("qapi/event.json:" in line for line in lines), output
    assert not any("QD311" in line for line in lines), output
    assert any("event.json:41:8:" in line and "[QD501]" in line for line in lines), output
    # block-core.json's broken examples are not reported: it did not change.
    assert "block-core.json" not in "\n".join(lines)


def test_hook_passes_when_the_changed_file_is_clean(project: pathlib.Path,
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("pre-commit-home")
    # common.json has no findings; its neighbours do, and are not reported.
    common = project / "qapi" / "common.json"
    common.write_text(common.read_text() + "\n# a comment at the end\n")
    _git(project, "add", "qapi/common.json")
    result = _pre_commit(project, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
