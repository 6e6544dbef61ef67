"""``qapidoc history`` on QEMU's own releases (v2.10.0 to v10.2.0), from a
fresh clone of ``../shared/corpus/qemu-qapi-history.bundle``.

Each fact below was checked by reading the releases (``git show TAG:FILE``);
the file and line are in the comments.  The history is read once per
session, cold, into a temporary cache; a second read must find everything
there.
"""

from __future__ import annotations

import pathlib

import pytest

from qapidoc.backends.history import History, story
from qapidoc.backends.releases import Histories, HistoryOptions, read_repository
from tests.support.bundle import RELEASES, bundle_clone, bundle_histories, roots_at

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return bundle_clone(tmp_path_factory)


@pytest.fixture(scope="session")
def bundle_cache(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return bundle_histories(tmp_path_factory)[1]


@pytest.fixture(scope="session")
def histories(tmp_path_factory: pytest.TempPathFactory) -> Histories:
    return bundle_histories(tmp_path_factory)[0]


@pytest.fixture(scope="session")
def qmp(histories: Histories) -> History:
    return histories.by_namespace["QMP"]


def _first(history: History, path: str) -> str | None:
    release = history.first(path)
    return release.label if release is not None else None


def _events(history: History, path: str) -> list[tuple[str, str]]:
    return [(history.releases[e.release].label, e.what) for e in story(history, path)]


def test_every_release_is_read(histories: Histories, bundle: pathlib.Path) -> None:
    assert not histories.notes
    assert [r.name for r in histories.releases] == RELEASES
    assert [r.name for r in histories.by_namespace["QMP"].releases] == RELEASES
    assert [r.name for r in histories.by_namespace["QGA"].releases] == RELEASES
    qsd = [t for t in RELEASES if "storage-daemon/qapi/qapi-schema.json" in roots_at(bundle, t)]
    assert qsd[0] == "v5.0.0"
    assert [r.name for r in histories.by_namespace["QSD"].releases] == qsd
    # The QMP root moved from the top to qapi/ in 2.12.
    assert histories.by_namespace["QMP"].roots[:3] == ("qapi-schema.json", "qapi-schema.json",
                                                        "qapi/qapi-schema.json")


def test_second_run_reads_nothing(histories: Histories, bundle: pathlib.Path, bundle_cache: pathlib.Path) -> None:
    warm = read_repository(str(bundle), HistoryOptions(cache_dir=str(bundle_cache)))
    assert warm.loaded == 0
    assert warm.cache.hits == {"index": 1, "history": 3} and warm.cache.misses == {}
    assert warm.by_namespace == histories.by_namespace


def test_shutdown(qmp: History) -> None:
    # v2.10.0:qapi/event.json:28  { 'event': 'SHUTDOWN', 'data': { 'guest': 'bool' } }
    # v4.0.0:qapi/run-state.json:159  ... 'data': { 'guest': 'bool', 'reason': 'ShutdownCause' } }
    assert _first(qmp, "event SHUTDOWN / data / member guest") == "2.10"
    assert _first(qmp, "event SHUTDOWN / data / member reason") == "4.0"
    assert qmp.timelines["event SHUTDOWN / data / member reason"].steps[0].node.where == "qapi/run-state.json:159"
    # ShutdownCause gained 'snapshot-load' in 7.2 (qapi/run-state.json, v7.2.0)
    assert _first(qmp, "event SHUTDOWN / data / member reason / value snapshot-load") == "7.2"
    # Moved from event.json to run-state.json in 2.12 and never changed on the wire.
    assert _events(qmp, "event SHUTDOWN") == [("2.10", "added")]
    assert _events(qmp, "event SHUTDOWN / data / member guest") == [("2.10", "added")]


def test_query_cpus_fast(qmp: History) -> None:
    # v2.12.0:qapi/misc.json: new; v5.0.0:qapi/machine.json:258 'arch' gets the
    # 'deprecated' feature; v6.0.0:qapi/machine.json:82 it is gone.
    assert _first(qmp, "command query-cpus-fast") == "2.12"
    assert _events(qmp, "command query-cpus-fast / returns / element / member arch") == [
        ("2.12", "added"), ("5.0", "deprecated"), ("6.0", "removed")]
    # 'target' "(since 3.0)", and the discriminator moved from 'arch' to it.
    assert _first(qmp, "command query-cpus-fast / returns / element / member target") == "3.0"
    changes = [e for e in story(qmp, "command query-cpus-fast / returns / element") if e.what == "changed"]
    assert [(qmp.releases[e.release].label, e.detail) for e in changes] == [("3.0", "discriminator arch -> target")]


def test_blockdev_create(qmp: History) -> None:
    # v2.12.0:qapi/block-core.json:4095 'x-blockdev-create'; v3.0.0:qapi/block-core.json:4149
    # 'blockdev-create' instead.
    assert _events(qmp, "command x-blockdev-create") == [("2.12", "added"), ("3.0", "removed")]
    assert _first(qmp, "command blockdev-create") == "3.0"


def test_type_rename_is_no_change(qmp: History) -> None:
    # BLOCK_JOB_COMPLETED's 'type' was a BlockJobType in 2.12 and a JobType
    # (job.json) in 3.0: the same strings on the wire.
    assert _events(qmp, "event BLOCK_JOB_COMPLETED / data / member type") == [("2.10", "added")]
    first = qmp.timelines["event BLOCK_JOB_COMPLETED / data / member type"].steps[0].node
    assert first is not None and first.type == "BlockJobType"


def test_qsd_starts_with_the_storage_daemon(histories: Histories) -> None:
    qsd = histories.by_namespace["QSD"]
    assert _first(qsd, "command blockdev-add") == "5.0"
    assert "command query-status" not in qsd.timelines
