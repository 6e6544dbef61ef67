"""The changelog (``qapidoc history --changelog``): what each release changed,
made from the history and checked against ``qapidoc diff``
(:func:`qapidoc.backends.compat.compare`) on the same two schemas.

On schemas of our own (tests/data/history, see test_history.py) and on
QEMU's releases: every consecutive pair of the bundle gives exactly what
``diff`` gives, and the entries from 7.2 to 10.2, composed, are what
``diff`` finds between 7.2 and 10.2.
"""

from __future__ import annotations

import collections
import json
import pathlib

import pytest

from qapidoc.backends.changelog import Entry, changelog, changes_between, net_changes
from qapidoc.backends.compat import Change, Kind, compare
from qapidoc.backends.history import History
from qapidoc.backends.releases import read_trees
from qapidoc.cli import main
from qapidoc.cli.changelog import definition_anchor, format_changelog
from qapidoc.frontend.loader import LoadOptions, load_schema
from qapidoc.frontend.model import Schema
from qapidoc.gitobjects import GitRepo, GitTreeReader
from tests.support.bundle import bundle_clone, bundle_histories

DATA = pathlib.Path(__file__).resolve().parent / "data" / "history"
TREES = [str(DATA / r) for r in ("r1", "r2", "r3")]


def _norm(path: str) -> str:
    """A diff subject as the history names it: what is inside an
    alternate's branch hangs off the alternate (``as object`` dropped)."""
    segments = path.split(" / ")
    return " / ".join(s for i, s in enumerate(segments) if not (s.startswith("as ") and i < len(segments) - 1))


Signature = collections.Counter[tuple[object, ...]]


def _entries(entries: list[Entry]) -> Signature:
    return collections.Counter((e.kind, frozenset(map(_norm, e.paths)), e.message, e.client, e.server,
                                e.promise, e.direction) for e in entries)


def _changes(changes: list[Change]) -> Signature:
    return collections.Counter((c.kind, frozenset(_norm(p) for p in (c.subject, *c.also)), c.message, c.client,
                                c.server, c.promise, c.direction) for c in changes)


def _paths(changes: list[Change]) -> set[tuple[Kind, str]]:
    return {(c.kind, _norm(p)) for c in changes for p in (c.subject, *c.also)}


@pytest.fixture(scope="module")
def ours() -> tuple[History, list[Schema]]:
    history = read_trees(TREES).by_namespace["QMP"]
    schemas = []
    for tree, release in zip(TREES, history.releases, strict=True):
        result = load_schema(f"{tree}/qapi/qapi-schema.json", LoadOptions(dialect=release.version))
        assert result.ok and result.schema is not None
        schemas.append(result.schema)
    return history, schemas


def test_entries_are_what_diff_says(ours: tuple[History, list[Schema]]) -> None:
    history, schemas = ours
    for a, b in ((0, 1), (1, 2), (0, 2)):
        mine = changes_between(history, a, b)
        assert _entries(mine) == _changes(compare(schemas[a], schemas[b])), (a, b)
        assert [e.subject for e in mine] == [c.subject for c in compare(schemas[a], schemas[b])]


def test_releases(ours: tuple[History, list[Schema]]) -> None:
    history, _ = ours
    log = changelog(history)
    assert [(rc.previous.label, rc.release.label) for rc in log] == [("9.0", "9.1"), ("9.1", "10.0")]
    first = {(e.kind.value, e.subject) for e in log[0].entries}
    assert first == {
        ("command-added", "command query-colours"),
        ("enum-value-added", "command set-colour / arguments / member colour / value blue"),
        ("member-optional", "command set-colour / arguments / member colour"),
        ("member-added", "event MOVED / data / member speed"),
        ("feature-added", "event MOVED / data / member why / feature deprecated"),
    }
    second = {e.subject: e for e in log[1].entries}
    # Removed without deprecation: breaking, against the policy.
    assert second["command query-point"].breaking and second["command query-point"].violation
    # Removed after its deprecation in 9.1: an optional output member, compatible.
    why = second["event MOVED / data / member why"]
    assert why.kind is Kind.MEMBER_REMOVED and why.promise == "deprecated" and not why.breaking
    assert second["event MOVED / data / member speed"].kind is Kind.TYPE_CHANGED
    assert second["event MOVED / data / member speed"].new.where == "qapi/machine.json:44"


def test_composed_is_what_diff_says(ours: tuple[History, list[Schema]]) -> None:
    history, schemas = ours
    net = net_changes([rc.entries for rc in changelog(history)])
    assert {(c.kind, _norm(c.path)) for c in net} == _paths(compare(schemas[0], schemas[2]))


def test_renamed_type_is_no_change(ours: tuple[History, list[Schema]]) -> None:
    """Point (common.json) became Location (machine.json) in 9.1."""
    history, _ = ours
    assert not [e for e in changes_between(history, 0, 1) if "query-point" in e.subject]


def test_formats(ours: tuple[History, list[Schema]]) -> None:
    history, _ = ours
    markdown = format_changelog(history, "markdown", manual="https://example.org/qmp.html")
    assert markdown.index("## 10.0") < markdown.index("## 9.1")
    assert "### Breaking changes (3)" in markdown
    assert ("- `command query-point`: command `query-point` removed. Clients that call it get CommandNotFound "
            "(`qapi/machine.json:16 in r1`)") in markdown       # gone from today's manual: no link
    assert ("- `command set-colour / arguments / member colour / value blue`: value `blue` added "
            "([Colour](https://example.org/qmp.html#qmp-type-Colour))") in markdown
    assert "### Deprecated (1)" in markdown
    document = json.loads(format_changelog(history, "json"))
    assert [r["version"] for r in document["releases"]] == ["10.0", "9.1"]
    speed = next(c for c in document["releases"][0]["changes"] if c["subject"].endswith("member speed"))
    assert speed["kind"] == "type-changed" and speed["breaking"] and speed["anchor"] == "qmp-event-MOVED"
    assert speed["where"] == "qapi/machine.json:44" and "link" not in speed
    assert format_changelog(history, "text", since=(9, 1)).startswith("QMP 10.0 (r3, against r2): 5 changes")
    assert "QMP 9.1" not in format_changelog(history, "text", since=(9, 1))


def test_anchors_are_the_manuals(ours: tuple[History, list[Schema]]) -> None:
    rstgen = pytest.importorskip("sphinx_ext.rstgen", reason="the Sphinx extension needs docutils")
    history, schemas = ours
    checked = 0
    for rc in changelog(history):
        for entry in rc.entries:
            ent = schemas[-1].entities.get(entry.definition)
            if ent is not None:
                assert definition_anchor("QMP", entry) == rstgen.anchor("QMP", ent.meta, entry.definition)
                checked += 1
    assert checked >= 6


def test_cli(capsys: pytest.CaptureFixture[str]) -> None:
    trees = [f"--tree={t}" for t in TREES]
    assert main(["history", "--no-cache", *trees, "--changelog", "--format", "markdown", "--namespace",
                 "QMP"]) == 0
    assert capsys.readouterr().out.startswith("# QMP changelog\n")
    assert main(["history", "--no-cache", *trees, "--changelog", "--from", "soon"]) == 2
    assert "--from takes a release" in capsys.readouterr().err
    assert main(["history", "--no-cache", *trees, "--format", "markdown"]) == 2
    assert "for --changelog" in capsys.readouterr().err


# --- QEMU's releases -------------------------------------------------------------------------

def _load(repo: pathlib.Path, history: History, index: int) -> Schema:
    release = history.releases[index]
    with GitRepo(str(repo)) as git:
        reader = GitTreeReader(git, git.files(release.name))
        result = load_schema(history.roots[index], LoadOptions(dialect=release.version, docs=False), reader)
    assert result.schema is not None
    return result.schema


@pytest.mark.slow
@pytest.mark.parametrize("namespace", ["QMP", "QGA", "QSD"])
def test_every_release_is_what_diff_says(namespace: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = bundle_clone(tmp_path_factory)
    history = bundle_histories(tmp_path_factory)[0].by_namespace[namespace]
    previous = _load(repo, history, 0)
    for index in range(1, len(history.releases)):
        schema = _load(repo, history, index)
        assert _entries(changes_between(history, index - 1, index)) == _changes(compare(previous, schema)), \
            history.releases[index].name
        previous = schema


@pytest.mark.slow
def test_7_2_to_10_2_composed_is_diff(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = bundle_clone(tmp_path_factory)
    history = bundle_histories(tmp_path_factory)[0].by_namespace["QMP"]
    names = [r.name for r in history.releases]
    a, b = names.index("v7.2.0"), names.index("v10.2.0")
    diff = compare(_load(repo, history, a), _load(repo, history, b))
    log = [rc.entries for rc in changelog(history, a + 1)][:b - a]
    assert len(log) == 9 and sum(map(len, log)) > len(diff)      # things added and removed in between
    net = net_changes(log)
    assert {(c.kind, _norm(c.path)) for c in net} == _paths(diff)
    assert len(diff) == 256 and len(net) == 620
    assert _entries(changes_between(history, a, b)) == _changes(diff)


@pytest.mark.slow
def test_member_removed_without_deprecation_is_breaking(tmp_path_factory: pytest.TempPathFactory) -> None:
    # v4.1.0:qapi/block-core.json:2004 has BlockDirtyBitmapAdd's '*autoload',
    # deprecated in prose only ("ignored and deprecated since 2.12"): no
    # 'deprecated' feature (members could not have one before 5.0).  v4.2.0
    # has it no more.
    history = bundle_histories(tmp_path_factory)[0].by_namespace["QMP"]
    release = next(rc for rc in changelog(history) if rc.release.name == "v4.2.0")
    entry = next(e for e in release.entries if e.subject == "command block-dirty-bitmap-add / arguments / member "
                                                             "autoload")
    assert entry.kind is Kind.MEMBER_REMOVED and entry.promise == "stable"
    assert entry.breaking and entry.violation
    assert entry.client.reason == "clients that still send it get an error"
    assert entry.also == ("command transaction / arguments / member actions / element / branch "
                          "block-dirty-bitmap-add / member data / member autoload",)
