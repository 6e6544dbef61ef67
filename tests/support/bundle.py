"""QEMU's QAPI history, one release per tag, from the shared git bundle.

``../shared/corpus/qemu-qapi-history.bundle`` holds the 26 releases from
v2.10.0 to v10.2.0, one commit each, tagged ``vX.Y.0``: each with its
``VERSION``, schema files at their real paths, QEMU's QAPI tools of that
release (``scripts/``) and its QAPI test suite (``tests/qapi-schema/``).

Tests clone it once per session (the ``history_repo`` fixture in
``tests/conftest.py``) and read a release through :func:`release_tree`,
which extracts the tag's files into a directory that looks like a QEMU
checkout of that release::

    repo = history_repo                      # a pathlib.Path, the clone
    for tag in RELEASES:                     # "v2.10.0" ... "v10.2.0"
        for kind, root in roots_at(repo, tag).items():   # "qmp"/"qga"/"qsd"
            ...
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

__all__ = [
    "RELEASES", "ROOT_PATHS", "bundle_clone", "bundle_path", "release_tree", "release_version", "roots_at",
]

#: the tags of the bundle, oldest first
RELEASES: tuple[str, ...] = (
    "v2.10.0", "v2.11.0", "v2.12.0", "v3.0.0", "v3.1.0", "v4.0.0", "v4.1.0", "v4.2.0",
    "v5.0.0", "v5.1.0", "v5.2.0", "v6.0.0", "v6.1.0", "v6.2.0", "v7.0.0", "v7.1.0", "v7.2.0",
    "v8.0.0", "v8.1.0", "v8.2.0", "v9.0.0", "v9.1.0", "v9.2.0", "v10.0.0", "v10.1.0", "v10.2.0",
)

#: where each kind of root schema may sit in a QEMU tree, in order of
#: preference (the QMP root moved into qapi/ in 2.12)
ROOT_PATHS: dict[str, tuple[str, ...]] = {
    "qmp": ("qapi/qapi-schema.json", "qapi-schema.json"),
    "qga": ("qga/qapi-schema.json",),
    "qsd": ("storage-daemon/qapi/qapi-schema.json",),
}

_BUNDLE = "corpus/qemu-qapi-history.bundle"


def release_version(tag: str) -> tuple[int, int]:
    """``"v8.2.0"`` -> ``(8, 2)``."""
    major, minor, _ = tag.lstrip("v").split(".")
    return int(major), int(minor)


def bundle_path(shared: pathlib.Path | None) -> pathlib.Path | None:
    """The bundle inside the shared directory, if it is there."""
    if shared is None:
        return None
    path = shared / _BUNDLE
    return path if path.is_file() else None


def bundle_clone(bundle: pathlib.Path, into: pathlib.Path) -> pathlib.Path:
    """Clone ``bundle`` into ``into/qemu-history`` (once) and return the clone."""
    repo = into / "qemu-history"
    if not (repo / ".git").is_dir():
        subprocess.run(["git", "clone", "--quiet", str(bundle), str(repo)], check=True,
                       stdout=subprocess.DEVNULL)
    return repo


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


def roots_at(repo: pathlib.Path, tag: str) -> dict[str, pathlib.Path]:
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
