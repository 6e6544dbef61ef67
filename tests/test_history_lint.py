"""QD7xx: ``Since`` claims read against the releases (``qapidoc lint --history``).

On schemas of our own (tests/data/history, see test_history.py), and on
QEMU 10.2.0 against the 26 releases of the bundle: there, every finding
was read against the releases (``git show TAG:FILE``) and is a real
mistake in QEMU's doc comments; the list is pinned below.
"""

from __future__ import annotations

import pathlib
import shutil
import textwrap

import pytest

from qapidoc.backends.releases import Histories, read_trees
from qapidoc.cli import main
from qapidoc.frontend.loader import LoadOptions, load_schema, load_text
from qapidoc.lint.config import load_config, resolve_rules
from qapidoc.lint.history_checks import find_claims
from qapidoc.lint.runner import LintSettings, lint
from tests.support.bundle import bundle_clone, bundle_histories, export

DATA = pathlib.Path(__file__).resolve().parent / "data" / "history"
TREES = [str(DATA / r) for r in ("r1", "r2", "r3")]


def _findings(roots: list[str], history: Histories) -> list[str]:
    selected, _ = resolve_rules(["QD7"], [], {})
    result = lint(roots, LintSettings(selected, LoadOptions(), history=history))
    return [f"{pathlib.Path(d.span.file.path).name}:{d.span.line}:{d.span.column} {d.code} {d.message}"
            for d in result.diagnostics if d.span is not None]


@pytest.fixture(scope="module")
def trees() -> Histories:
    return read_trees(TREES)


# --- what a claim is ------------------------------------------------------------------

def _claims(doc_text: str, definition: str = "{ 'struct': 'T', 'data': { 'm': 'int' } }") -> list[tuple[str | None,
                                                                                                         str, str]]:
    text = textwrap.dedent(doc_text) + definition + "\n"
    result = load_text("t.json", text, LoadOptions(dialect=(10, 2)))
    out = []
    for doc in result.docs:
        for claim in find_claims(doc):
            out.append((claim.element, f"{claim.version[0]}.{claim.version[1]}",
                        text[claim.span.start:claim.span.end]))
    return out


@pytest.mark.parametrize(("note", "claimed"), [
    ("(since 4.0)", "4.0"),
    ("(Since: 4.0)", "4.0"),
    ("(since 4.0.1)", "4.0.1"),
    ("(default: auto, since 8.2)", "8.2"),
    ("(since 5.0; default: false)", "5.0"),
    ("(optional since 9.1)", None),
    ("(deprecated since 6.0)", None),
    ("(since Linux 4.2.0)", None),
    ("(since QEMU 4.0)", None),
    ("(Since 2.4 (`drive-backup`), 3.1 (`blockdev-backup`))", None),
    ("(Since 4.2, not supported for listening sockets until 10.1)", None),
    ("(since 2.10) and 'bar' (since 3.0)", None),
    ("the time since boot", None),
])
def test_member_notes(note: str, claimed: str | None) -> None:
    claims = _claims(f"""\
        ##
        # @T:
        #
        # Something.
        #
        # @m: a member {note}
        ##
        """)
    assert claims == ([("m", ".".join(claimed.split(".")[:2]), claimed)] if claimed else [])


def test_claims_span_lines_and_sections() -> None:
    claims = _claims("""\
        ##
        # @T:
        #
        # Something.
        #
        # @m: a member that goes on (default: auto,
        #     since 8.2)
        #
        # Since: 2.12; 'x' since 3.0
        ##
        """)
    assert claims == [(None, "2.12", "2.12"), ("m", "8.2", "8.2")]
    only = _claims("""\
        ##
        # @E:
        #
        # @a: since 2.10
        #
        # Since: 0.14
        ##
        """, "{ 'enum': 'E', 'data': [ 'a' ] }")
    assert only == [(None, "0.14", "0.14"), ("a", "2.10", "2.10")]


# --- the rules, on our schemas -----------------------------------------------------------

def test_rules_on_our_releases(trees: Histories) -> None:
    """r3 (10.0) against r1, r2, r3.  Not reported: ``Location``'s members
    (the type was ``Point`` in 9.0: a type's name proves nothing), the
    types' own ``Since:``, ``(optional since 9.1)`` (prose), set-colour
    (conditional now, there since 9.0)."""
    assert _findings([TREES[2] + "/qapi/qapi-schema.json"], trees) == [
        "common.json:14:1 QD704 value 'blue' of enum 'Colour' first appears on the wire in 9.1, after the "
        "'Since: 9.0' of its definition, and its description does not say so",
        "machine.json:38:32 QD701 member 'where' of event 'MOVED' claims 10.0, but it is on the wire since 9.0",
        "machine.json:40:27 QD702 member 'speed' of event 'MOVED' claims 9.0, but it first appears on the wire "
        "in 9.1",
        "machine.json:76:10 QD702 command 'query-colours' claims 9.0, but it first appears on the wire in 9.1",
    ]


def test_nothing_older_than_the_oldest_release(trees: Histories) -> None:
    """Read against 9.1 and 10.0 only, 9.0 claims cannot be disproved."""
    later = read_trees(TREES[1:])
    found = _findings([TREES[2] + "/qapi/qapi-schema.json"], later)
    assert [f.split()[1] for f in found] == ["QD701"]     # 'where' (10.0) is in 9.1 already


def test_a_stable_point_release_is_between_two_releases(tmp_path: pathlib.Path, trees: Histories) -> None:
    """"(since 9.0.1)" names a stable release after 9.0: a member first seen
    in 9.1, the release read after 9.0, agrees with it ("since 9.0" does
    not); one first seen later than that does not."""
    tree = shutil.copytree(TREES[2], tmp_path / "point")
    machine = tree / "qapi" / "machine.json"
    text = machine.read_text()
    assert "# @speed: how fast (since 9.0)\n" in text
    machine.write_text(text.replace("# @speed: how fast (since 9.0)\n", "# @speed: how fast (since 9.0.1)\n"))
    found = _findings([str(tree / "qapi/qapi-schema.json")], trees)
    assert not [f for f in found if "'speed'" in f], found
    assert [f.split()[1] for f in found if "'query-colours'" in f] == ["QD702"]     # "Since: 9.0" still wrong
    later = read_trees([TREES[0], TREES[2]])        # 9.0 and 10.0: 'speed' comes after the next release read
    found = _findings([str(tree / "qapi/qapi-schema.json")], later)
    assert not [f for f in found if "'speed'" in f], found
    # 'where' is on the wire since 9.0: a claim of 9.0.1 is a little late,
    # but which stable release had it cannot be told from these: no finding.
    machine.write_text(text.replace("# @where: the new place (since 10.0)\n",
                                    "# @where: the new place (since 9.0.1)\n"))
    assert not [f for f in _findings([str(tree / "qapi/qapi-schema.json")], trees) if "'where'" in f]


def test_unreleased(tmp_path: pathlib.Path, trees: Histories) -> None:
    """A tree after the newest release: what it adds must claim a later one."""
    tree = shutil.copytree(TREES[2], tmp_path / "next")
    machine = tree / "qapi" / "machine.json"
    machine.write_text(machine.read_text() + textwrap.dedent("""
        ##
        # @query-speed:
        #
        # How fast.
        #
        # Since: 10.0
        ##
        { 'command': 'query-speed' }

        ##
        # @query-size:
        #
        # How big.
        #
        # Since: 10.1
        ##
        { 'command': 'query-size' }
        """))
    found = _findings([str(tree / "qapi/qapi-schema.json")], trees)
    assert [f for f in found if "QD703" in f] == [
        "machine.json:85:10 QD703 command 'query-speed' claims 10.0, but no release read has it (the newest is r3)"]


def test_storage_daemon_shares_qmp_modules(tmp_path: pathlib.Path) -> None:
    """A module both roots include is reported once; the daemon's claims are
    also read against QMP's releases (its own start later)."""
    trees = []
    for tree in TREES:
        copy = shutil.copytree(tree, tmp_path / pathlib.Path(tree).name)
        daemon = copy / "storage-daemon" / "qapi"
        daemon.mkdir(parents=True)
        if copy.name != "r1":
            (daemon / "qapi-schema.json").write_text("{ 'include': '../../qapi/machine.json' }\n")
        trees.append(str(copy))
    histories = read_trees(trees)
    assert [r.label for r in histories.by_namespace["QSD"].releases] == ["9.1", "10.0"]
    roots = [trees[2] + "/qapi/qapi-schema.json", trees[2] + "/storage-daemon/qapi/qapi-schema.json"]
    both = _findings(roots, histories)
    assert both == _findings(roots[:1], histories)
    alone = _findings(roots[1:], histories)
    assert "machine.json:40:27 QD702" in " ".join(alone)     # 9.0 is disproved by QMP's 9.0


def test_cli_and_configuration(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["lint", "--no-config", "--select", "QD7", "--no-cache", "--format", "json",
            TREES[2] + "/qapi/qapi-schema.json"]
    assert main([*args, *(f"--history-tree={t}" for t in TREES)]) == 0
    out = capsys.readouterr().out
    assert out.count('"QD70') == 4
    # Without a history, the rules say nothing.
    assert main(args) == 0
    assert '"QD70' not in capsys.readouterr().out
    # A history that cannot be read is a usage error.
    assert main([*args, "--history", str(tmp_path)]) == 2
    assert "not a git repository" in capsys.readouterr().err
    # [tool.qapidoc] history = ..., relative to the pyproject.toml
    (tmp_path / "pyproject.toml").write_text('[tool.qapidoc]\nhistory = "repo"\nhistory-tags = "r*"\n')
    config = load_config(str(tmp_path / "pyproject.toml"))
    assert config.history == str(tmp_path / "repo") and config.history_tags == "r*" and not config.errors
    (tmp_path / "pyproject.toml").write_text("[tool.qapidoc]\nhistory = 3\n")
    assert load_config(str(tmp_path / "pyproject.toml")).errors


# --- QEMU 10.2.0 against its releases --------------------------------------------------------

#: Every finding at v10.2.0, each read against the releases.
#: (file:line in 10.2.0, rule, what the release it claims lacks / where it appeared)
QEMU_10_2_FINDINGS = [
    # "@shift-shift: left and right shift key", no note; GrabToggleKeys
    # ("Since: 4.0") was [ctrl-ctrl, alt-alt, meta-meta, scrolllock,
    # ctrl-scrolllock] in v4.0.0:qapi/ui.json:1028; shift-shift came in
    # v4.2.0:qapi/ui.json:1028.
    "qapi/common.json:194 QD704",
    # "@boundaries-zap", no note; block-latency-histogram-set ("Since: 4.0")
    # got it in v8.1.0:qapi/block.json:593.
    "qapi/block.json:540 QD704",
    # (Not BlockJobInfo's "@error: ... (since 2.12.1)": v2.12.0 has no
    # 'error' and v3.0.0:qapi/block-core.json:1124 has it, which a stable
    # 2.12.1 between them agrees with.)
    # "@sha256", no note; SshHostKeyCheckHashType ("Since: 2.12") was
    # [md5, sha1] until v6.1.0:qapi/block-core.json:3214.
    "qapi/block-core.json:3789 QD704",
    # "@win-dmp: ... (since 2.13)": there was no 2.13; it is in
    # v3.0.0:qapi/misc.json:1686, not in v2.12.0.
    "qapi/dump.json:39 QD702",
    # "@vhostfd", no note; NetdevVhostVDPAOptions ("Since: 5.1") got it in
    # v7.2.0:qapi/net.json:462 (v7.1.0:qapi/net.json:456 has none).
    "qapi/net.json:636 QD704",
    # DisplayGTK's "@show-menubar: ... (since 8.0)": already in
    # v7.2.0:qapi/ui.json:1211.
    "qapi/ui.json:1336 QD701",
    # calc-dirty-rate's "@mode: ... (since 6.1)": v6.1.0:qapi/migration.json:1773
    # takes only calc-time and sample-pages; mode is in v6.2.0:qapi/migration.json:1841.
    "qapi/migration.json:2268 QD702",
    # query-migrationthreads "Since: 7.2": not in v7.2.0; added in
    # v8.0.0:qapi/migration.json:1987.
    "qapi/migration.json:2428 QD702",
    # "@sev-type", no note; SevInfo ("Since: 2.12") got it in
    # v9.1.0:qapi/misc-target.json:119 (v9.0.0:qapi/misc-target.json:71 has none).
    "qapi/misc-i386.json:109 QD704",
]


@pytest.mark.slow
def test_qemu_10_2(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = bundle_clone(tmp_path_factory)
    histories, _ = bundle_histories(tmp_path_factory)
    tree = export(repo, "v10.2.0", tmp_path_factory.mktemp("qemu-10.2.0"))
    roots = [str(tree / r) for r in ("qapi/qapi-schema.json", "qga/qapi-schema.json",
                                     "storage-daemon/qapi/qapi-schema.json")]
    selected, _ = resolve_rules(["QD7"], [], {})
    result = lint(roots, LintSettings(selected, LoadOptions(), history=histories))
    found = [f"{pathlib.Path(d.span.file.path).resolve().relative_to(tree)}:{d.span.line} {d.code}"
             for d in result.diagnostics if d.span is not None]
    assert sorted(found) == sorted(QEMU_10_2_FINDINGS)
    by_rule = {code: sum(f.endswith(code) for f in found) for code in ("QD701", "QD702", "QD703", "QD704")}
    assert by_rule == {"QD701": 1, "QD702": 3, "QD703": 0, "QD704": 5}
    # The schema the findings are in is the one the doc comments describe.
    assert load_schema(roots[0]).ok
