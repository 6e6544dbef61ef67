"""Shared fixtures.

Tests that read QEMU's schemas and test suite use them in place, from the
``shared`` directory beside the checkout (or ``$QAPIDOC_SHARED``), and skip
with a reason when it is absent.
"""

from __future__ import annotations

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def shared_path() -> pathlib.Path | None:
    candidates = [os.environ.get("QAPIDOC_SHARED"), str(ROOT.parent / "shared")]
    for candidate in candidates:
        if candidate and pathlib.Path(candidate, "corpus").is_dir():
            return pathlib.Path(candidate)
    return None


#: every root schema of the shared corpora: (id, path relative to shared/)
CORPUS_ROOTS = [
    ("2.10-seed", "corpus/qemu-2.10-seed/qapi-schema.json"),
    ("7.2-qapi", "corpus/qemu-7.2/qapi/qapi-schema.json"),
    ("7.2-qga", "corpus/qemu-7.2/qga/qapi-schema.json"),
    ("7.2-qsd", "corpus/qemu-7.2/storage-daemon/qapi/qapi-schema.json"),
    ("10.2-qapi", "corpus/qemu-10.2/qapi/qapi-schema.json"),
    ("10.2-qga", "corpus/qemu-10.2/qga/qapi-schema.json"),
    ("10.2-qsd", "corpus/qemu-10.2/storage-daemon/qapi/qapi-schema.json"),
]


@pytest.fixture(scope="session")
def shared_dir() -> pathlib.Path:
    path = shared_path()
    if path is None:
        pytest.skip("the shared corpora (../shared or $QAPIDOC_SHARED) are not available")
    return path


@pytest.fixture(scope="session")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A clone of QEMU's QAPI history (one commit per release, tags
    ``vX.Y.0``), made once per session; skips when the bundle or git is
    missing.  See ``tests/support/bundle.py``."""
    from support.bundle import bundle_clone
    return bundle_clone(tmp_path_factory)


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_schema() -> pathlib.Path:
    return ROOT / "examples" / "demo" / "qapi-schema.json"
