"""The built QMP manual keeps every link target it ever had.

Every HTML anchor, index entry and ``objects.inv`` entry of two builds of
QEMU 10.2's schemas (QEMU's own one-page reference, and the split corpus
project of the other Sphinx tests) is recorded in
``tests/data/sphinx/manual-targets-10.2.txt.xz`` (see
``tests/support/manual_targets.py``); a build must still have all of them.
New ones are allowed (record them with ``--update``).
"""

from __future__ import annotations

import pathlib

import pytest
from support import manual_targets
from support.sphinx_projects import build, corpus_build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def recorded() -> dict[str, manual_targets.Targets]:
    return manual_targets.load()


@pytest.fixture(scope="module")
def one_page(shared_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    if not (shared_dir / manual_targets.QEMU_PAGE).exists():
        pytest.skip(f"QEMU's page is not in the shared directory ({manual_targets.QEMU_PAGE})")
    base = tmp_path_factory.mktemp("qemu-page")
    manual_targets.write_qemu_page_project(shared_dir, base / "src")
    result = build(base / "src", base / "html", "html")
    assert result.returncode == 0, result.warnings[:10]
    return base / "html"


@pytest.fixture(scope="module")
def split(shared_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    result = corpus_build("10.2", "html", shared_dir, tmp_path_factory.getbasetemp() / "sphinx-corpora")
    assert result.returncode == 0
    return result.outdir


def _missing(recorded: set[tuple[str, ...]], now: set[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return sorted(recorded - now)


@pytest.mark.parametrize("kind", ["anchors", "index", "inventory"])
def test_the_one_page_manual_keeps_every_target(recorded: dict[str, manual_targets.Targets],
                                               one_page: pathlib.Path, kind: str) -> None:
    now = manual_targets.targets_of(one_page)[kind]
    missing = _missing(recorded["one-page"][kind], now)
    assert not missing, f"{len(missing)} {kind} gone, e.g. {missing[:10]}"


@pytest.mark.parametrize("kind", ["anchors", "index", "inventory"])
def test_the_split_manuals_keep_every_target(recorded: dict[str, manual_targets.Targets],
                                            split: pathlib.Path, kind: str) -> None:
    now = manual_targets.targets_of(split)[kind]
    missing = _missing(recorded["split"][kind], now)
    assert not missing, f"{len(missing)} {kind} gone, e.g. {missing[:10]}"


def test_the_record_is_not_empty(recorded: dict[str, manual_targets.Targets]) -> None:
    # every command and event of the QMP schema, with its anchor, entry and
    # inventory line (a record that lost them would make the tests above
    # pass on nothing)
    one = recorded["one-page"]
    assert ("index.html", "qmp-event-SHUTDOWN") in one["anchors"]
    assert ("QMP:SHUTDOWN", "qapi:qmp-event", "index.html#qmp-event-SHUTDOWN", "SHUTDOWN") in one["inventory"]
    assert ("SHUTDOWN", "qapi:event", "index.html#qmp-event-SHUTDOWN", "-") in one["inventory"]
    assert any(e[3] == "index.html#qmp-event-SHUTDOWN" for e in one["index"])
    assert len(one["anchors"]) > 8000 and len(recorded["split"]["inventory"]) > 14000
