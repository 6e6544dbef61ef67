"""Issue 10: what the Sphinx extension writes (split pages, JSON Schema copies).

Real ``sphinx-build`` runs against directories a careless user (or an
attacker who controls a schema or a checkout) prepared:

* split pages go only into a directory of the extension's own: inside the
  source directory, used by one directive, holding nothing the extension
  did not write, reached without following a symbolic link; anything else
  is an error at the directive's line, and nothing is written;
* the ``.gitignore`` there names exactly the pages written (checked with
  real git), and only pages the extension can prove it wrote are deleted;
* each schema's JSON Schema copies have a directory of their own, so two
  schemas never overwrite each other's, and ``-j 1`` and ``-j 2`` builds
  give byte-identical output.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import stat
import subprocess

import pytest
from support.sphinx_projects import run_sphinx, small_project, warnings_of

pytestmark = pytest.mark.slow

MODULE_A = """\
##
# = Part A
##

##
# @ThingA:
#
# A thing.
#
# @a: A member.
##
{ 'struct': 'ThingA', 'data': { 'a': 'int' } }

##
# @EVENT_A:
#
# Something happened.
##
{ 'event': 'EVENT_A' }
"""
MODULE_B = """\
##
# = Part B
##

##
# @query-b:
#
# Ask.
##
{ 'command': 'query-b', 'returns': 'ThingA' }
"""
ROOT = """\
{ 'include': 'a.json' }
{ 'include': 'b.json' }
"""


def schema_dir(base: pathlib.Path, name: str = "schema", event: str = "EVENT_A") -> pathlib.Path:
    directory = base / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "qapi-schema.json").write_text(ROOT)
    (directory / "a.json").write_text(MODULE_A.replace("EVENT_A", event))
    (directory / "b.json").write_text(MODULE_B)
    return directory / "qapi-schema.json"


def page(schema: pathlib.Path, **options: str) -> str:
    lines = ["Reference", "=========", "", f".. qapi-doc:: {schema}"]
    lines += [f"   :{k.replace('_', '-')}: {v}" for k, v in options.items()]
    return "\n".join(lines) + "\n"


def build(src: pathlib.Path, out: pathlib.Path, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = run_sphinx(src, out, "-b", "html", "-q", "-d", str(out.parent / f"{out.name}.doctrees"), *extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def snapshot(root: pathlib.Path) -> dict[str, bytes | str]:
    """Every path under ``root``: a file's bytes, a link's target, '' for a directory."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel] = ""
    return out


def errors(proc: subprocess.CompletedProcess[str], what: str = "split pages") -> list[str]:
    return [w for w in warnings_of(proc) if what in w]


# --- split pages ----------------------------------------------------------------------

def test_pages_go_to_their_own_directory_and_git_ignores_only_them(tmp_path: pathlib.Path) -> None:
    schema = schema_dir(tmp_path)
    src = small_project(tmp_path / "src", {"ref": page(schema, split="section")})
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    build(src, tmp_path / "html")
    pages = src / "ref"
    names = sorted(p.name for p in pages.iterdir())
    assert names == [".gitignore", ".qapidoc-pages", "builtin-types.rst", "part-a.rst", "part-b.rst"]
    for name in ("part-a.rst", "part-b.rst", "builtin-types.rst"):
        assert (pages / name).read_text().startswith(".. qapidoc-generated-page")
        mode = stat.S_IMODE((pages / name).stat().st_mode)
        assert mode == 0o666 & ~_umask(), oct(mode)             # the umask decides, as for any file
    assert (tmp_path / "html" / "ref" / "part-a.html").exists()
    # git: the pages are ignored, a file the user adds there later is not
    (pages / "later.txt").write_text("the user's, added later\n")
    added = subprocess.run(["git", "-C", str(src), "add", "--dry-run", "-A"], capture_output=True, text=True,
                           check=True).stdout
    assert "ref/later.txt" in added and "ref.rst" in added
    assert "part-a.rst" not in added and ".qapidoc-pages" not in added and "ref/.gitignore" not in added


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


OUTSIDE = ["../outside", "/tmp/qapidoc-absolute-split-dir", ".", "..", "_build-html", "../src/../.."]


def test_a_split_dir_outside_the_sources_is_refused(tmp_path: pathlib.Path) -> None:
    schema = schema_dir(tmp_path)
    src = small_project(tmp_path / "src", {f"p{i}": page(schema, split="section", split_dir=value)
                                            for i, value in enumerate(OUTSIDE)})
    before = snapshot(tmp_path)
    proc = build(src, src / "_build-html")
    found = sorted(errors(proc))
    assert [w.split(": ERROR:")[0] for w in found] == [f"{src / f'p{i}.rst'}:4" for i in range(len(OUTSIDE))]
    new = [p for p in snapshot(tmp_path) if p not in before and not p.startswith("src/_build-html")]
    assert new == [], new
    assert not os.path.exists("/tmp/qapidoc-absolute-split-dir")


def test_two_directives_may_not_share_a_split_dir(tmp_path: pathlib.Path) -> None:
    one = schema_dir(tmp_path, "one")
    two = schema_dir(tmp_path, "two", event="EVENT_TWO")
    src = small_project(tmp_path / "src", {
        "a": page(one, split="section", split_dir="pages"),
        "b": page(two, split="section", split_dir="pages"),
        "c": page(two, split="module", split_dir="pages/inner"),
    })
    proc = build(src, tmp_path / "html")
    found = errors(proc)
    assert len(found) == 2, warnings_of(proc)
    assert found[0].startswith(f"{src / 'b.rst'}:4: ERROR:") and f"{src / 'a.rst'}:4" in found[0]
    assert found[1].startswith(f"{src / 'c.rst'}:4: ERROR:")
    # the first keeps its pages, and they are its own
    assert f".. qapi:schema:: {one}\n" in (src / "pages" / "part-a.rst").read_text()
    assert not (src / "pages" / "inner").exists()


def test_foreign_directories_and_links_are_refused(tmp_path: pathlib.Path) -> None:
    """A directory that holds the user's pages, or that is (or is reached
    through) a symbolic link: an error each, and nothing written."""
    schema = schema_dir(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "part-a.rst").write_text("VICTIM\n")
    src = small_project(tmp_path / "src", {
        "ref": page(schema, split="section"),
        "ref/mine": "Mine\n====\n\nMy own page.\n",
        "linked": page(schema, split="section"),
        "sub/through": page(schema, split="section", split_dir="../hop/x"),
    })
    (src / "linked").symlink_to(victim)
    (src / "hop").symlink_to(victim)
    subprocess.run(["git", "init", "-q", str(src)], check=True)
    before = snapshot(src / "ref"), snapshot(victim)
    proc = build(src, tmp_path / "html")
    found = sorted(errors(proc))
    assert [w.split(": ERROR:")[0] for w in found] == [
        f"{src / 'linked.rst'}:4", f"{src / 'ref.rst'}:4", f"{src / 'sub' / 'through.rst'}:4"], found
    assert "mine.rst" in found[1] and "symbolic link" in found[0] and "symbolic link" in found[2]
    assert (snapshot(src / "ref"), snapshot(victim)) == before      # no .gitignore, nothing written
    added = subprocess.run(["git", "-C", str(src), "add", "--dry-run", "-A"], capture_output=True, text=True,
                           check=True).stdout
    assert "ref/mine.rst" in added


def test_a_link_planted_among_the_pages_is_neither_followed_nor_deleted(tmp_path: pathlib.Path) -> None:
    schema = schema_dir(tmp_path)
    src = small_project(tmp_path / "src", {"ref": page(schema, split="section")})
    build(src, tmp_path / "html")
    victim = tmp_path / "victim.txt"
    victim.write_text("VICTIM\n")
    (src / "ref" / "part-a.rst").unlink()
    (src / "ref" / "part-a.rst").symlink_to(victim)
    proc = build(src, tmp_path / "html")
    assert len(errors(proc)) == 1
    assert victim.read_text() == "VICTIM\n" and (src / "ref" / "part-a.rst").is_symlink()


def test_only_what_it_wrote_is_deleted(tmp_path: pathlib.Path) -> None:
    schema = schema_dir(tmp_path)
    src = small_project(tmp_path / "src", {"ref": page(schema, split="section")})
    build(src, tmp_path / "html")
    pages = src / "ref"
    # a part goes away: its page is deleted (listed, and recognisably ours)
    (schema.parent / "qapi-schema.json").write_text("{ 'include': 'a.json' }\n")
    (schema.parent / "b.json").unlink()
    (pages / ".qapidoc-tmp-999-part-a.rst").write_text(".. qapidoc-generated-page\n")   # an interrupted run
    build(src, tmp_path / "html")
    assert sorted(p.name for p in pages.iterdir()) == [".gitignore", ".qapidoc-pages", "builtin-types.rst",
                                                        "part-a.rst"]
    # the user replaces a page with their own text: the directory is no longer the extension's
    (pages / "part-a.rst").write_text("My own text now.\n")
    proc = build(src, tmp_path / "html")
    assert len(errors(proc)) == 1 and "part-a.rst" in errors(proc)[0]
    assert (pages / "part-a.rst").read_text() == "My own text now.\n"


def test_pages_of_earlier_versions_are_taken_over(tmp_path: pathlib.Path) -> None:
    schema = schema_dir(tmp_path)
    src = small_project(tmp_path / "src", {"ref": page(schema, split="section")})
    pages = src / "ref"
    pages.mkdir()
    (pages / ".gitignore").write_text("# Pages written by qapidoc_sphinx when the documentation is built.\n*\n")
    (pages / "gone.rst").write_text(".. qapidoc-generated-page\n   Written by qapidoc_sphinx for ref.\n")
    proc = build(src, tmp_path / "html")
    assert errors(proc) == []
    assert not (pages / "gone.rst").exists()
    assert "*" not in (pages / ".gitignore").read_text().splitlines()


# --- JSON Schema copies ------------------------------------------------------------------

def two_schema_project(base: pathlib.Path) -> pathlib.Path:
    """Two schemas that define the same names differently, rendered with
    no namespace on enough pages that -j 2 reads in parallel."""
    one = schema_dir(base, "one")
    two = schema_dir(base, "two")
    (two.parent / "a.json").write_text(MODULE_A.replace("'a': 'int'", "'other': 'str'").replace(
        "@a: A member.", "@other: Another member."))
    pages = {f"p{i}": page(one if i % 2 else two, no_index="") for i in range(8)}
    return small_project(base / "src", pages)


@pytest.fixture(scope="module")
def serial_and_parallel(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, pathlib.Path]:
    base = tmp_path_factory.mktemp("two-schemas")
    src = two_schema_project(base)
    build(src, base / "j1", "-j", "1")
    build(src, base / "j2", "-j", "2")
    return base / "j1", base / "j2"


def test_two_schemas_keep_their_own_json_schema_files(serial_and_parallel: tuple[pathlib.Path, pathlib.Path]) -> None:
    out = serial_and_parallel[0]
    directories = sorted(p.name for p in (out / "_qapidoc").iterdir())
    assert len(directories) == 2 and directories[0].startswith("qapi-schema-")
    types = [(out / "_qapidoc" / d / "types.json").read_text() for d in directories]
    assert ('"other"' in types[0]) != ('"other"' in types[1])
    for i in range(8):
        text = (out / f"p{i}.html").read_text()
        wanted = directories[[('"other"' in t) for t in types].index(i % 2 == 0)]
        assert f"_qapidoc/{wanted}/types.json" in text


def test_parallel_and_serial_builds_write_the_same_bytes(
        serial_and_parallel: tuple[pathlib.Path, pathlib.Path]) -> None:
    one, two = (snapshot(p) for p in serial_and_parallel)
    assert len(one) > 30 and sorted(one) == sorted(two)
    differ = [name for name in one if one[name] != two[name]]
    assert differ == []


def test_json_schema_files_are_written_only_into_their_own_directory(tmp_path: pathlib.Path) -> None:
    schema = schema_dir(tmp_path)
    src = small_project(tmp_path / "src", {"ref": page(schema)})
    out = tmp_path / "html"
    build(src, out)
    directory = next((out / "_qapidoc").iterdir())
    event = directory / "events" / "EVENT_A.json"
    assert event.exists()
    # an event goes away: its file goes, unless the user changed it
    (schema.parent / "a.json").write_text(MODULE_A.replace("EVENT_A", "EVENT_C"))
    build(src, out)
    assert not event.exists() and (directory / "events" / "EVENT_C.json").exists()
    (directory / "events" / "EVENT_C.json").write_text('{"mine": true}\n')
    (schema.parent / "a.json").write_text(MODULE_A)
    build(src, out)
    assert (directory / "events" / "EVENT_C.json").read_text() == '{"mine": true}\n'
    # a link planted where the files go is not followed
    victim = tmp_path / "victim"
    victim.mkdir()
    shutil.rmtree(directory / "events")
    (directory / "events").symlink_to(victim)
    (schema.parent / "a.json").write_text(MODULE_A.replace("EVENT_A", "EVENT_D"))
    proc = build(src, out)
    assert any("symbolic link" in w for w in warnings_of(proc)), warnings_of(proc)
    assert list(victim.iterdir()) == []
