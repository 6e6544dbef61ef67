"""Real sphinx-build runs of every root of the shared corpora (2017, 7.2,
10.2), as HTML and as text, in nitpicky mode.

One project per QEMU version holds its QMP, guest agent and storage daemon
references (as QEMU's manuals do), each in its namespace.  The builds are
made once per session and shared with the browser test.
"""

from __future__ import annotations

import collections
import os
import pathlib
import re

import pytest
from support.sphinx_projects import PROJECTS, Build, corpus_build, inventory, lint_findings

from qapidoc import load_schema

pytestmark = pytest.mark.slow

VERSIONS = list(PROJECTS)


@pytest.fixture(scope="session")
def corpora_dir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    return tmp_path_factory.getbasetemp() / "sphinx-corpora"


def built(version: str, builder: str, shared: pathlib.Path, base: pathlib.Path) -> Build:
    result = corpus_build(version, builder, shared, base)
    assert result.returncode == 0, result.warnings[:20]
    return result


_CODE = re.compile(r"\[(QD\d{3})\] \[qapi\.QD\d{3}\]$")
_LOCATION = re.compile(r"^(.*?):(\d+): WARNING: ")


def located(warning: str) -> tuple[str, int, str] | None:
    m = _LOCATION.match(warning)
    code = _CODE.search(warning.splitlines()[-1] if "\n" in warning else warning)
    if not m or not code:
        return None
    return (m.group(1), int(m.group(2)), code.group(1))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("builder", ["html", "text"])
def test_the_build_succeeds_and_reports_exactly_what_lint_reports(
        shared_dir: pathlib.Path, corpora_dir: pathlib.Path, version: str, builder: str) -> None:
    build = built(version, builder, shared_dir, corpora_dir)
    if builder == "text":
        # the text build reuses the environment: nothing is read again, so
        # nothing is reported again; what it writes must be there
        assert any(build.outdir.rglob("*.txt"))
        assert not [w for w in build.warnings if located(w) is None]
        return
    # nitpicky mode, and no warning that is not a lint finding: no
    # unresolved reference, no docutils complaint, no built-in type without
    # a target
    others = [w for w in build.warnings if located(w) is None]
    assert others == []
    found = collections.Counter(located(w) for w in build.warnings)
    expected: collections.Counter[tuple[str, int, str]] = collections.Counter()
    for root in PROJECTS[version].roots:
        expected.update(lint_findings(shared_dir / root.path))
    assert found == expected


@pytest.mark.parametrize("version", VERSIONS)
def test_every_command_and_event_has_an_anchor_an_index_entry_and_an_inventory_entry(
        shared_dir: pathlib.Path, corpora_dir: pathlib.Path, version: str) -> None:
    build = built(version, "html", shared_dir, corpora_dir)
    inv = {(name, role): uri for name, role, uri, _ in inventory(build.outdir / "objects.inv")}
    genindex = (build.outdir / "genindex.html").read_text()
    pages: dict[str, str] = {}
    for root in PROJECTS[version].roots:
        result = load_schema(str(shared_dir / root.path))
        assert result.schema is not None
        ns = root.namespace
        names = [(e.name, "command") for e in result.schema.commands()]
        names += [(e.name, "event") for e in result.schema.events()]
        assert names
        for name, kind in names:
            uri = inv.get((f"{ns}:{name}", f"qapi:{kind}"))
            assert uri is not None, (ns, name)
            assert inv.get((name, f"qapi:{kind}")) is not None
            path, _, anchor = uri.partition("#")
            assert anchor == f"{ns.lower()}-{kind}-{name}"
            if path not in pages:
                pages[path] = (build.outdir / path).read_text()
            assert f'id="{anchor}"' in pages[path], (path, anchor)
            # the general index: "NAME (QMP command)", or, where two namespaces
            # share a name, "NAME" over "(QMP command)" and "(QSD command)"
            assert f'#{anchor}"' in genindex, (ns, name)
    for root in PROJECTS[version].roots:
        assert f"({root.namespace} command)" in genindex


def test_text_output_of_the_qmp_manual(shared_dir: pathlib.Path, corpora_dir: pathlib.Path) -> None:
    build = built("10.2", "text", shared_dir, corpora_dir)
    page = (build.outdir / "qmp" / "vm-run-state.txt").read_text()
    shutdown = page[page.index("Event SHUTDOWN (since 0.12)"):]
    shutdown = shutdown[:shutdown.index("\nEvent ", 1)]
    assert 'guest: "bool"' in shutdown and 'reason: "ShutdownCause"' in shutdown
    assert 'Example:\n\n      <- { "event": "SHUTDOWN",' in shutdown
    blockdev = (build.outdir / "qmp" / "block-devices.txt").read_text()
    add = blockdev[blockdev.index("Command blockdev-add"):]
    assert 'When "driver" is "qcow2": members of "BlockdevOptionsQcow2"' in add[:200000]
    old = built("2.10", "text", shared_dir, corpora_dir)
    assert any("Example" in p.read_text() for p in old.outdir.rglob("*.txt"))


def test_the_2017_schema_renders_its_legacy_markup(shared_dir: pathlib.Path, corpora_dir: pathlib.Path) -> None:
    build = built("2.10", "html", shared_dir, corpora_dir)
    pages = {p.name: p.read_text() for p in (build.outdir / "qmp").glob("*.html")}
    assert {"introduction.html", "stability-considerations.html", "qmp-commands.html"} <= set(pages)
    block = pages["qapi-block-definitions.html"]
    assert 'id="qmp-command-blockdev-add"' in block and 'class="highlight-qmp' in block
    # a simple union: its branches, with the made-up wrapper types unlinked
    info = block[block.index('id="qmp-type-ImageInfoSpecific"'):]
    info = info[:info.index("</dd></dl>")]
    assert 'id="qmp-type-ImageInfoSpecific.qcow2"' in info and "q_obj" not in info.replace("qapi-implicit", "")


def test_split_pages_are_one_per_section_or_module(shared_dir: pathlib.Path, corpora_dir: pathlib.Path) -> None:
    build = built("10.2", "html", shared_dir, corpora_dir)
    qmp = sorted(p.stem for p in (build.outdir / "qmp").glob("*.html"))
    assert "vm-run-state" in qmp and "block-devices" in qmp and "builtin-types" in qmp and len(qmp) > 30
    qsd = sorted(p.stem for p in (build.outdir / "qsd").glob("*.html"))
    assert "block-core" in qsd and "builtin-types" in qsd
    assert os.path.exists(build.outdir / "qga.html")
