"""The QEMU history bundle helper (tests/support/bundle.py)."""

from __future__ import annotations

import pathlib
import subprocess

from support.bundle import RELEASES, release_roots, release_tree, release_version


def test_releases_are_the_bundle_tags_in_order(history_repo: pathlib.Path) -> None:
    tags = subprocess.run(["git", "-C", str(history_repo), "tag"], check=True, capture_output=True,
                          text=True).stdout.split()
    assert sorted(tags, key=release_version) == list(RELEASES)
    assert [release_version(t) for t in RELEASES] == sorted(release_version(t) for t in RELEASES)


def test_roots_by_release(history_repo: pathlib.Path) -> None:
    assert set(release_roots(history_repo, "v2.10.0")) == {"qmp", "qga"}
    assert release_roots(history_repo, "v2.10.0")["qmp"].name == "qapi-schema.json"
    assert release_roots(history_repo, "v2.12.0")["qmp"].parent.name == "qapi"
    assert set(release_roots(history_repo, "v5.0.0")) == {"qmp", "qga", "qsd"}
    assert sum(len(release_roots(history_repo, t)) for t in RELEASES) == 70
    tree = release_tree(history_repo, "v8.1.0")
    assert (tree / "VERSION").read_text().strip() == "8.1.0"
    assert (tree / "tests" / "qapi-schema").is_dir()
