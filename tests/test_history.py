"""``qapidoc history``: the model, the git reader, the cache and the CLI, on
schemas of our own (tests/data/history/r1..r3, releases 9.0, 9.1, 10.0).

What happens between them, by design:

* 9.1: enum value ``blue`` added; struct ``Point`` renamed ``Location`` and
  moved from common.json to machine.json (nothing changes on the wire);
  ``MOVED`` gains ``speed`` and its ``why`` is deprecated; ``set-colour``'s
  ``colour`` becomes optional; ``query-colours`` is new; QGA appears.
* 10.0: ``why`` is removed (after its deprecation) and ``query-point``
  (without one); ``speed`` becomes a number; ``where`` an alternate of the
  place or its name; ``set-colour`` gets a condition.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import zlib

import pytest

from qapidoc.backends.history import (
    History,
    build_history,
    history_from_json,
    history_to_json,
    snapshot,
    snapshot_from_json,
    snapshot_to_json,
    story,
)
from qapidoc.backends.releases import HistoryOptions, namespace_of, read_repository, read_trees
from qapidoc.cli import main
from qapidoc.frontend.loader import LoadOptions, load_schema
from qapidoc.gitobjects import GitError, GitRepo, GitTreeReader

DATA = pathlib.Path(__file__).resolve().parent / "data" / "history"
TREES = [str(DATA / r) for r in ("r1", "r2", "r3")]


def _git(repo: pathlib.Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_AUTHOR_DATE": "2025-01-01T00:00:00", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A git repository with the three releases as tags (v10.0.0 annotated),
    a release candidate the default pattern leaves out, and a working tree
    that matches none of them."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path = tmp_path_factory.mktemp("history-repo")
    _git(path, "init", "-q")
    for tree, tag in zip(TREES, ("v9.0.0", "v9.1.0", "v10.0.0"), strict=True):
        for old in path.iterdir():
            if old.name != ".git":
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        shutil.copytree(tree, path, dirs_exist_ok=True)
        # (an empty index: copies keep their times, which would let git
        # take a changed file of the same size for the old one)
        _git(path, "read-tree", "--empty")
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", tag)
        if tag == "v10.0.0":
            _git(path, "tag", "-a", "-m", "release", tag)
        else:
            _git(path, "tag", tag)
        if tag == "v9.1.0":
            _git(path, "tag", "v9.1.0-rc0")
    (path / "qapi" / "machine.json").write_text("not even QAPI\n")
    return path


@pytest.fixture(scope="module")
def trees() -> History:
    return read_trees(TREES).by_namespace["QMP"]


def _first(history: History, path: str) -> str | None:
    release = history.first(path)
    return release.label if release is not None else None


# --- the model ------------------------------------------------------------------------

def test_first_appearances(trees: History) -> None:
    assert [r.label for r in trees.releases] == ["9.0", "9.1", "10.0"]
    assert _first(trees, "event MOVED / data / member where") == "9.0"
    assert _first(trees, "event MOVED / data / member speed") == "9.1"
    assert _first(trees, "command set-colour / arguments / member colour / value blue") == "9.1"
    assert _first(trees, "command query-colours / returns / member colours / element / value red") == "9.1"
    assert _first(trees, "event MOVED / data / member where / as string") == "10.0"
    assert _first(trees, "command no-such-thing") is None


def test_rename_and_move_change_nothing(trees: History) -> None:
    """Point became Location in another module: not a change on the wire.
    The timeline records the new owner (a step without a change)."""
    for path in ("command query-point / returns / member x", "event MOVED / data / member where / member y"):
        assert [e.what for e in story(trees, path)] in (["added"], ["added", "removed"]), path
    steps = trees.timelines["command query-point / returns / member x"].steps
    assert [(s.release, s.node.owner if s.node else None) for s in steps] == [(0, "Point"), (1, "Location"),
                                                                              (2, None)]
    assert steps[0].node.key() == steps[1].node.key()


def test_alternate_keeps_the_object_members_in_place(trees: History) -> None:
    """``where`` went from an object to object-or-string: its members are
    where they were on the wire, and one alternative was added."""
    assert [e.what for e in story(trees, "event MOVED / data / member where / member x")] == ["added"]
    events = story(trees, "event MOVED / data / member where")
    assert [(e.release, e.what) for e in events] == [(0, "added"), (2, "changed")]
    assert events[1].detail == "type Location -> LocationOrName"      # (Point until 9.1)


def test_story(trees: History) -> None:
    why = story(trees, "event MOVED / data / member why")
    assert [(trees.releases[e.release].label, e.what) for e in why] == [
        ("9.0", "added"), ("9.1", "deprecated"), ("10.0", "removed")]
    speed = story(trees, "event MOVED / data / member speed")
    assert [(e.what, e.detail) for e in speed] == [("added", ""), ("changed", "type int -> number")]
    colour = story(trees, "command set-colour / arguments / member colour")
    assert [(e.what, e.detail) for e in colour] == [("added", ""), ("changed", "made optional")]
    command = story(trees, "command set-colour")
    assert [(e.what, e.detail) for e in command] == [("added", ""), ("changed", "condition none -> CONFIG_COLOUR")]
    assert [e.what for e in story(trees, "command query-point")] == ["added", "removed"]
    assert story(trees, "command nothing") == []


def test_where(trees: History) -> None:
    """Each step records where the element was in that release."""
    steps = trees.timelines["event MOVED / data / member speed"].steps
    assert [s.node.where for s in steps if s.node] == ["qapi/machine.json:50", "qapi/machine.json:44"]
    assert "'*speed': 'int'" in (DATA / "r2/qapi/machine.json").read_text().splitlines()[49]
    assert "'*speed': 'number'" in (DATA / "r3/qapi/machine.json").read_text().splitlines()[43]


def test_protocol_starts_where_its_root_does() -> None:
    qga = read_trees(TREES).by_namespace["QGA"]
    assert [r.label for r in qga.releases] == ["9.1", "10.0"]
    assert _first(qga, "command guest-wave") == "9.1"


def test_recursive_type_is_cut(tmp_path: pathlib.Path) -> None:
    (tmp_path / "qapi").mkdir()
    (tmp_path / "VERSION").write_text("10.2.0\n")
    (tmp_path / "qapi/qapi-schema.json").write_text(
        "{ 'struct': 'Tree', 'data': { 'name': 'str', '*children': [ 'Tree' ] } }\n"
        "{ 'command': 'query-tree', 'returns': 'Tree' }\n")
    history = read_trees([str(tmp_path)]).by_namespace["QMP"]
    paths = sorted(history.timelines)
    assert "command query-tree / returns / member children / element" in paths
    assert not any(p.startswith("command query-tree / returns / member children / element / member") for p in paths)


def test_json_round_trips(trees: History) -> None:
    assert history_from_json(json.loads(json.dumps(history_to_json(trees)))) == trees
    result = load_schema(str(DATA / "r3/qapi/qapi-schema.json"), LoadOptions(dialect=(10, 0), docs=False))
    assert result.schema is not None
    snap = snapshot(result.schema, trees.releases[2], "QMP", "qapi/qapi-schema.json")
    again = snapshot_from_json(json.loads(json.dumps(snapshot_to_json(snap))))
    assert again.nodes == snap.nodes and again.types == snap.types
    assert build_history([snap]).timelines.keys() == {n.path for n in snap.nodes}


def test_docs_false_builds_the_same_model() -> None:
    root = str(DATA / "r2/qapi/qapi-schema.json")
    full = load_schema(root, LoadOptions(dialect=(9, 1)))
    bare = load_schema(root, LoadOptions(dialect=(9, 1), docs=False))
    assert full.schema is not None and bare.schema is not None
    assert list(full.schema.entities) == list(bare.schema.entities)
    assert full.docs and not bare.docs


def test_namespace_of() -> None:
    assert namespace_of("/x/qemu/qapi/qapi-schema.json") == "QMP"
    assert namespace_of("qemu/qapi-schema.json") == "QMP"
    assert namespace_of("/x/qga/qapi-schema.json") == "QGA"
    assert namespace_of("/x/storage-daemon/qapi/qapi-schema.json") == "QSD"
    assert namespace_of("/x/schema.json") is None


# --- git --------------------------------------------------------------------------------

def test_git_tags_in_version_order(repo: pathlib.Path) -> None:
    with GitRepo(str(repo)) as git:
        assert [t.name for t in git.tags()] == ["v9.0.0", "v9.1.0", "v10.0.0"]
        assert [t.name for t in git.tags("v9.1*")] == ["v9.1.0-rc0", "v9.1.0"]
        tag = git.tags("v10*")[0]
        commit = _git(repo, "rev-parse", "v10.0.0^{commit}").strip()
        tree = _git(repo, "rev-parse", "v10.0.0^{tree}").strip()
        assert (tag.commit, tag.tree) == (commit, tree)     # the annotated tag is peeled


def test_git_reader_reads_objects_not_the_working_tree(repo: pathlib.Path) -> None:
    with GitRepo(str(repo)) as git:
        files = git.files("v9.0.0")
        reader = GitTreeReader(git, files)
        assert "machine.json" not in files and "qapi/machine.json" in files
        assert reader.read("qapi/../qapi/machine.json").startswith("##")
        with pytest.raises(FileNotFoundError):
            reader.read("qapi/nothing.json")
        with pytest.raises(GitError):
            git.blobs(["0" * 40])
        result = load_schema("qapi/qapi-schema.json", LoadOptions(dialect=(9, 0), docs=False), reader)
        assert result.ok and result.schema is not None and "query-point" in result.schema.entities
        assert [m.file.path for m in result.modules] == ["qapi/qapi-schema.json", "qapi/common.json",
                                                          "qapi/machine.json"]


def test_git_errors(tmp_path: pathlib.Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        GitRepo(str(tmp_path)).tags()


def test_repository_equals_trees(repo: pathlib.Path, trees: History) -> None:
    histories = read_repository(str(repo))
    history = histories.by_namespace["QMP"]
    assert [r.name for r in history.releases] == ["v9.0.0", "v9.1.0", "v10.0.0"]
    assert history.timelines.keys() == trees.timelines.keys()
    for path, timeline in history.timelines.items():
        assert [(s.release, s.node and s.node.key()) for s in timeline.steps] == \
            [(s.release, s.node and s.node.key()) for s in trees.timelines[path].steps], path
    assert history.timelines["event MOVED / data / member speed"].steps[0].node.where == "qapi/machine.json:50"
    assert histories.by_namespace["QGA"].roots == ("qga/qapi-schema.json",) * 2


def test_release_with_errors_is_left_out(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    (clone / "qapi" / "machine.json").write_text("{ 'command': 'broken', 'data': 'Nothing' }\n")
    _git(clone, "commit", "-q", "-am", "broken")
    _git(clone, "tag", "v11.0.0")
    histories = read_repository(str(clone))
    assert [r.name for r in histories.by_namespace["QMP"].releases] == ["v9.0.0", "v9.1.0", "v10.0.0"]
    assert [r.name for r in histories.by_namespace["QGA"].releases] == ["v9.1.0", "v10.0.0", "v11.0.0"]
    assert len(histories.notes) == 1 and histories.notes[0].startswith(
        "v11.0.0: qapi/qapi-schema.json: left out of the QMP history: qapi/machine.json:1:")


# --- the cache --------------------------------------------------------------------------

def test_cache_second_run_reads_nothing(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    options = HistoryOptions(cache_dir=str(tmp_path / "cache"))
    cold = read_repository(str(repo), options)
    assert cold.cache.hits == {} and not cold.notes
    warm = read_repository(str(repo), options)
    assert warm.cache.hits == {"index": 1, "history": 2} and warm.cache.misses == {}
    assert warm.by_namespace == cold.by_namespace


def test_cache_new_tag_reads_only_that_tag(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    options = HistoryOptions(cache_dir=str(tmp_path / "cache"))
    read_repository(str(clone), options)
    (clone / "qapi" / "common.json").write_text(
        (clone / "qapi" / "common.json").read_text().replace("'blue' ]", "'blue', 'cyan' ]"))
    (clone / "VERSION").write_text("10.1.0\n")
    _git(clone, "commit", "-q", "-am", "cyan")
    _git(clone, "tag", "v10.1.0")
    again = read_repository(str(clone), options)
    assert again.loaded == 1
    assert again.cache.hits["manifest"] == 3
    history = again.by_namespace["QMP"]
    assert _first(history, "command set-colour / arguments / member colour / value cyan") == "10.1"


def test_cache_survives_damage(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    options = HistoryOptions(cache_dir=str(tmp_path / "cache"))
    cold = read_repository(str(repo), options)
    entries = list((tmp_path / "cache").rglob("*.json.z"))
    assert {e.parent.name for e in entries} == {"index", "manifest", "snapshot", "history"}
    for entry in entries:
        if entry.parent.name in ("index", "history"):
            entry.write_bytes(zlib.compress(b'{"not": "what it should be"}'))
        elif entry.parent.name == "snapshot":
            entry.write_bytes(b"garbage")
    again = read_repository(str(repo), options)
    assert again.by_namespace == cold.by_namespace
    assert again.loaded == 3
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


def test_cache_of_trees(tmp_path: pathlib.Path) -> None:
    copies = []
    for tree in TREES:
        copies.append(str(shutil.copytree(tree, tmp_path / pathlib.Path(tree).name)))
    options = HistoryOptions(cache_dir=str(tmp_path / "cache"))
    assert read_trees(copies, options).loaded == 3
    assert read_trees(copies, options).loaded == 0
    machine = tmp_path / "r3" / "qapi" / "machine.json"
    machine.write_text(machine.read_text().replace("'*speed': 'number'", "'*speed': 'int'"))
    again = read_trees(copies, options)
    assert again.loaded == 1
    assert [s.release for s in again.by_namespace["QMP"].timelines["event MOVED / data / member speed"].steps] == [1]


# --- the command line ---------------------------------------------------------------------

def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_summary(repo: pathlib.Path, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["history", str(repo), "--cache-dir", str(tmp_path)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    # 9.0: 17 elements (set-colour 6, query-point 5, MOVED 6); 9.1: value
    # blue, speed, why's deprecation, query-colours (8); 10.0: two
    # alternatives added, three changes, why (with its feature) and
    # query-point (5) removed.
    assert lines[0] == "QMP: 3 releases, v9.0.0 to v10.0.0, 30 elements on the wire"
    assert lines[2].split() == ["9.0", "2", "1", "17", "0", "0", "0"]
    assert lines[3].split() == ["9.1", "3", "1", "11", "1", "1", "0"]
    assert lines[4].split() == ["10.0", "2", "1", "2", "3", "0", "7"]


def test_cli_story(repo: pathlib.Path, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["history", str(repo), "--cache-dir", str(tmp_path), "event MOVED / data / member why"],
                        capsys)
    assert code == 0
    assert out == ("QMP: event MOVED / data / member why: in 9.0 (the oldest release read) at "
                   "qapi/machine.json:29; deprecated 9.1; removed 10.0\n"
                   "QMP: event MOVED / data / member why / feature deprecated: added 9.1 at "
                   "qapi/machine.json:49; removed 10.0\n")
    code, out, err = _run(["history", str(repo), "--no-cache", "no-such-command"], capsys)
    assert code == 1 and "no release has 'no-such-command'" in err


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["history", "--no-cache", "--tree", TREES[0], "--tree", TREES[1], "--tree", TREES[2],
                         "--format", "json", "set-colour"], capsys)
    assert code == 0
    document = json.loads(out)
    assert [r["version"] for r in document["releases"]] == ["9.0", "9.1", "10.0"]
    elements = {e["path"]: e for e in document["protocols"]["QMP"]["elements"]}
    colour = elements["command set-colour / arguments / member colour"]
    assert colour["added"] == [{"release": "r1", "version": "9.0", "where": "qapi/machine.json:40"}]
    assert colour["changed"][0]["detail"] == "made optional" and colour["in_oldest"]
    assert "command query-point" not in elements


def test_cli_errors(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["history", str(tmp_path), "--no-cache"], capsys)
    assert code == 2 and "not a git repository" in err
    code, _, err = _run(["history", "--tree", str(tmp_path / "nothing")], capsys)
    assert code == 2 and "not a directory" in err
    code, _, err = _run(["history", "--tree", TREES[0], "--history-root", "nonsense", "--no-cache"], capsys)
    assert code == 2 and "NS=PATH" in err
    code, _, err = _run(["history", "--tree", TREES[0], "--no-cache", "--namespace", "QSD"], capsys)
    assert code == 2 and "no protocol 'QSD'" in err


def test_cli_in_a_process(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """Several jobs: releases loaded in worker processes give the same history."""
    def history(*options: str) -> object:
        done = subprocess.run([sys.executable, "-m", "qapidoc.cli", "history", str(repo), "--format", "json",
                               *options], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    assert history("--jobs", "2", "--cache-dir", str(tmp_path)) == history("--jobs", "1", "--no-cache")


def test_cli_roots_and_tags(repo: pathlib.Path, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Roots given: only those protocols; tags by pattern: only those releases."""
    code, out, _ = _run(["history", str(repo), "--no-cache", "--history-root", "QGA=qga/qapi-schema.json",
                         "--tags", "v9*"], capsys)
    assert code == 0
    assert out.splitlines()[0] == "QGA: 2 releases, v9.1.0-rc0 to v9.1.0, 3 elements on the wire"
    assert "QMP" not in out
    empty = tmp_path / "empty"
    empty.mkdir()
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    code, _, err = _run(["history", str(empty), "--no-cache"], capsys)
    assert code == 2 and "no release with a schema root" in err
