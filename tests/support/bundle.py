"""QEMU's QAPI history as a git repository, for tests.

``../shared/corpus/qemu-qapi-history.bundle`` holds one commit per QEMU
release from v2.10.0 to v10.2.0 (tags ``vX.Y.0``), each with its
``VERSION``, schema files at their real paths, QEMU's QAPI tools of that
release (``scripts/``) and its QAPI test suite (``tests/qapi-schema/``).
:func:`bundle_clone` clones it once per test session into a temporary
directory; tests read it in place (git objects or ``git archive``), never
the shared tree.

Two ways to read a release:

* :func:`roots_at`, :func:`show` and :func:`export`: root paths, file texts
  and exported schema trees, from git;
* :func:`release_tree`: every file of the release (its front end and test
  suite too), extracted once beside the clone into a directory that looks
  like a QEMU checkout of it, and :func:`release_roots` for the root files
  there (the ``history_repo`` fixture of ``tests/conftest.py`` is the
  clone)::

    for tag in RELEASES:                                  # "v2.10.0" ... "v10.2.0"
        for kind, root in release_roots(history_repo, tag).items():   # "qmp"/"qga"/"qsd"
            ...
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from qapidoc.backends.releases import Histories

#: every release in the bundle, oldest first
RELEASES = [f"v{v}.0" for v in (
    "2.10", "2.11", "2.12", "3.0", "3.1", "4.0", "4.1", "4.2", "5.0", "5.1", "5.2", "6.0", "6.1", "6.2",
    "7.0", "7.1", "7.2", "8.0", "8.1", "8.2", "9.0", "9.1", "9.2", "10.0", "10.1", "10.2")]

_ROOTS = ("qapi/qapi-schema.json", "qapi-schema.json", "qga/qapi-schema.json",
          "storage-daemon/qapi/qapi-schema.json")

#: where each kind of root schema may sit in a QEMU tree, in order of
#: preference (the QMP root moved into qapi/ in 2.12)
ROOT_PATHS: dict[str, tuple[str, ...]] = {
    "qmp": ("qapi/qapi-schema.json", "qapi-schema.json"),
    "qga": ("qga/qapi-schema.json",),
    "qsd": ("storage-daemon/qapi/qapi-schema.json",),
}

_CLONES: dict[str, pathlib.Path] = {}
_HISTORIES: dict[str, tuple[object, pathlib.Path]] = {}


def bundle_path() -> pathlib.Path | None:
    from tests.conftest import shared_path
    shared = shared_path()
    if shared is None:
        return None
    path = shared / "corpus" / "qemu-qapi-history.bundle"
    return path if path.is_file() else None


def bundle_clone(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A clone of the history bundle (one per session); skips the test when
    the bundle or git is missing."""
    bundle = bundle_path()
    if bundle is None:
        pytest.skip("the QAPI history bundle (../shared/corpus/qemu-qapi-history.bundle) is not available")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    key = str(bundle)
    if key not in _CLONES:
        target = tmp_path_factory.mktemp("qemu-history") / "qemu"
        subprocess.run(["git", "clone", "-q", str(bundle), str(target)], check=True)
        _CLONES[key] = target
    return _CLONES[key]


def roots_at(repo: pathlib.Path, tag: str) -> list[str]:
    """The schema roots (paths relative to the repository) at ``tag``."""
    out = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", tag],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    return [r for r in _ROOTS if r in out]


def show(repo: pathlib.Path, tag: str, path: str) -> str:
    """The text of ``path`` at ``tag``."""
    return subprocess.run(["git", "-C", str(repo), "show", f"{tag}:{path}"], check=True, capture_output=True,
                          text=True).stdout


def export(repo: pathlib.Path, tag: str, target: pathlib.Path) -> pathlib.Path:
    """The tree of ``tag`` written out under ``target`` (schemas and VERSION)."""
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(repo), "archive", tag, "VERSION", "qapi", "qga",
                              "storage-daemon"] + (["qapi-schema.json"] if "qapi-schema.json" in
                                                   roots_at(repo, tag) else []),
                             check=False, capture_output=True)
    if archive.returncode != 0:
        # (storage-daemon/ appeared in 5.0)
        archive = subprocess.run(["git", "-C", str(repo), "archive", tag], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def bundle_histories(tmp_path_factory: pytest.TempPathFactory) -> tuple[Histories, pathlib.Path]:
    """The history of every release in the bundle, read once per session
    (cold, with two jobs) into a temporary cache; and that cache."""
    from qapidoc.backends.releases import HistoryOptions, read_repository
    repo = bundle_clone(tmp_path_factory)
    key = str(repo)
    if key not in _HISTORIES:
        cache = tmp_path_factory.mktemp("history-cache")
        _HISTORIES[key] = (read_repository(str(repo), HistoryOptions(cache_dir=str(cache), jobs=2)), cache)
    histories, cache = _HISTORIES[key]
    assert isinstance(histories, Histories)
    return histories, cache


def release_version(tag: str) -> tuple[int, int]:
    """``"v8.2.0"`` -> ``(8, 2)``."""
    major, minor, _ = tag.lstrip("v").split(".")
    return int(major), int(minor)


def release_tree(repo: pathlib.Path, tag: str) -> pathlib.Path:
    """The files of release ``tag``, extracted (once) beside the clone into
    ``trees/TAG``: a directory laid out like a QEMU checkout of it."""
    if tag not in RELEASES:
        raise ValueError(f"not a release of the bundle: {tag}")
    trees = repo.parent / "trees"
    tree = trees / tag
    if tree.is_dir():
        return tree
    trees.mkdir(exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{tag}-", dir=trees))
    try:
        archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", tag],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(staging)], input=archive, check=True)
        os.replace(staging, tree)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return tree


def release_roots(repo: pathlib.Path, tag: str) -> dict[str, pathlib.Path]:
    """The root schemas that exist at ``tag``: kind (``qmp``, ``qga``,
    ``qsd``) -> path of the root file in :func:`release_tree`."""
    tree = release_tree(repo, tag)
    roots: dict[str, pathlib.Path] = {}
    for kind, candidates in ROOT_PATHS.items():
        for relative in candidates:
            path = tree / relative
            if path.is_file():
                roots[kind] = path
                break
    return roots
