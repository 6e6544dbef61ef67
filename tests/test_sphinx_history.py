"""Release badges in the manual (``qapidoc_history`` in conf.py): the rows of
members, values and branches whose descriptions say nothing of when get
"since X.Y" from the history.  As text (rstgen) and in real sphinx-build
runs, on schemas of our own (tests/data/history) and on QEMU 10.2.0.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess

import pytest
from support.sphinx_projects import run_sphinx, small_project, warnings_of

from qapidoc.backends.dating import Dating, wire_index
from qapidoc.backends.releases import read_trees
from qapidoc.frontend.loader import LoadOptions, load_schema
from sphinx_ext import rstgen
from tests.support.bundle import bundle_clone, bundle_histories, export

DATA = pathlib.Path(__file__).resolve().parent / "data" / "history"
TREES = [str(DATA / r) for r in ("r1", "r2", "r3")]


def _git(repo: pathlib.Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path = tmp_path_factory.mktemp("sphinx-history") / "repo"
    path.mkdir()
    _git(path, "init", "-q")
    for tree, tag in zip(TREES, ("v9.0.0", "v9.1.0", "v10.0.0"), strict=True):
        for old in path.iterdir():
            if old.name != ".git":
                shutil.rmtree(old) if old.is_dir() else old.unlink()
        shutil.copytree(tree, path, dirs_exist_ok=True)
        _git(path, "read-tree", "--empty")
        _git(path, "add", "-A")
        _git(path, "commit", "-q", "-m", tag)
        _git(path, "tag", tag)
    return path


def _rows(text: str) -> dict[str, str]:
    """Row head -> its :since: (or '' when it has none)."""
    out: dict[str, str] = {}
    head = None
    for line in text.splitlines():
        m = re.match(r"\s*\.\. qapi:(?:member|branch):: (.*)$", line)
        if m:
            head = m.group(1)
            out[head] = ""
            continue
        m = re.match(r"\s*:since: (.*)$", line)
        if m and head is not None:
            out[head] = m.group(1)
        elif not line.strip().startswith(":"):
            head = None
    return out


def test_rows_as_text() -> None:
    history = read_trees(TREES).by_namespace["QMP"]
    result = load_schema(f"{TREES[2]}/qapi/qapi-schema.json", LoadOptions(dialect=(10, 0)))
    assert result.schema is not None
    index, dating = wire_index(result.schema), Dating([history])

    def since(owner: str, name: str) -> str | None:
        seen = dating.since(index.elements.get((owner, name), ()))
        return seen.release.label if seen is not None else None

    options = rstgen.RenderOptions(namespace="QMP", since=since)
    colour = _rows(rstgen.render_definition(result, "Colour", options).text)
    assert colour == {"red": "9.0", "green": "9.0", "blue": "9.1"}
    # 'where' and 'speed' say "(since ...)" themselves: the text is what shows.
    moved = _rows(rstgen.render_definition(result, "MOVED", options).text)
    assert moved == {"where": "", "speed": ""}
    location = _rows(rstgen.render_definition(result, "Location", options).text)
    assert location == {"x": "9.0", "y": "9.0"}        # Point's members, on the wire since 9.0
    plain = _rows(rstgen.render_definition(result, "Colour", rstgen.RenderOptions(namespace="QMP")).text)
    assert plain == {"red": "", "green": "", "blue": ""}


def test_sphinx_build(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    schema = pathlib.Path(TREES[2]) / "qapi" / "qapi-schema.json"
    page = f"Reference\n=========\n\n.. qapi-doc:: {schema}\n   :namespace: QMP\n"
    conf = f"qapidoc_history = {str(repo)!r}\nqapidoc_history_cache = {str(tmp_path / 'cache')!r}\n"
    src = small_project(tmp_path / "src", {"ref": page}, conf)
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "html" / "ref.html").read_text()
    badges = re.findall(r'id="qmp-type-Colour\.(\w+)".*?(?:qapi-badge-since">since ([\d.]+)|</dt>)', html, re.S)
    assert dict(badges) == {"red": "9.0", "green": "9.0", "blue": "9.1"}
    assert "qapi-badge-since" not in html[html.index('id="qmp-event-MOVED.where"'):
                                          html.index('id="qmp-event-MOVED.speed"')]


def test_unreadable_history_warns(tmp_path: pathlib.Path) -> None:
    schema = pathlib.Path(TREES[2]) / "qapi" / "qapi-schema.json"
    page = f"Reference\n=========\n\n.. qapi-doc:: {schema}\n   :namespace: QMP\n"
    src = small_project(tmp_path / "src", {"ref": page}, f"qapidoc_history = {str(tmp_path)!r}\n")
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "WARNING: qapidoc_history: git for-each-ref" in proc.stderr and "no release badges" in proc.stderr
    assert warnings_of(proc) == []      # (the schema itself is clean)
    assert "qapi-badge-since" not in (tmp_path / "html" / "ref.html").read_text()


@pytest.mark.slow
def test_qemu_10_2(tmp_path_factory: pytest.TempPathFactory) -> None:
    clone = bundle_clone(tmp_path_factory)
    cache = bundle_histories(tmp_path_factory)[1]        # (read once per session)
    base = tmp_path_factory.mktemp("sphinx-history-qemu")
    tree = export(clone, "v10.2.0", base / "qemu")
    schema = tree / "qapi" / "qapi-schema.json"
    page = ("Reference\n=========\n\n"
            + "".join(f".. qapi-definition:: {name}\n   :schema: {schema}\n   :namespace: QMP\n\n"
                      for name in ("SHUTDOWN", "ShutdownCause")))
    conf = f"qapidoc_history = {str(clone)!r}\nqapidoc_history_cache = {str(cache)!r}\n"
    src = small_project(base / "src", {"ref": page}, conf)
    proc = run_sphinx(src, base / "html", "-b", "html", "-q")
    assert proc.returncode == 0, proc.stderr
    html = (base / "html" / "ref.html").read_text()

    def badge(anchor: str) -> str | None:
        start = html.index(f'id="{anchor}"')
        m = re.search(r'qapi-badge-since">since ([\d.]+)|</dt>', html[start:])
        assert m is not None
        return m.group(1)
    # "guest" and "reason" say "(since 2.10)" and "(since 4.0)" themselves.
    assert badge("qmp-event-SHUTDOWN.guest") is None
    assert badge("qmp-event-SHUTDOWN.reason") is None
    # ShutdownCause: host-error appeared with the enum in 4.0
    # (v4.0.0:qapi/run-state.json:94); snapshot-load says "(since 7.2)".
    assert badge("qmp-type-ShutdownCause.host-error") == "4.0"
    assert badge("qmp-type-ShutdownCause.snapshot-load") is None


# --- .. qapi-changelog:: -----------------------------------------------------------------

def test_changelog_page(repo: pathlib.Path, tmp_path: pathlib.Path) -> None:
    schema = pathlib.Path(TREES[2]) / "qapi" / "qapi-schema.json"
    pages = {"ref": f"Reference\n=========\n\n.. qapi-doc:: {schema}\n   :namespace: QMP\n",
             "changes": "Changes\n=======\n\n.. qapi-changelog::\n   :namespace: QMP\n"}
    conf = f"qapidoc_history = {str(repo)!r}\nqapidoc_history_cache = {str(tmp_path / 'cache')!r}\n"
    src = small_project(tmp_path / "src", pages, conf)
    proc = run_sphinx(src, tmp_path / "html", "-b", "html", "-W", "-n", "--keep-going", "-q")
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "html" / "changes.html").read_text()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert text.index("QMP 10.0") < text.index("QMP 9.1")
    assert "Breaking changes (3)" in text and "Deprecated (1)" in text
    # Linked where the manual has the definition; query-point is gone: text.
    assert re.search(r'href="ref.html#qmp-type-Colour"', html)
    assert "query-point" in text and not re.search(r'href="[^"]*#qmp-command-query-point"', html)
    assert 'id="qmp-10-0"' in html                # a section per release
