"""Issue 10, class 2: what ``qapidoc jsonschema -o DIR`` writes and deletes,
and what every subcommand does when standard output cannot be written.

The output directory is the user's: the tool writes nothing outside it,
follows no link it did not make, removes only files it can prove it wrote,
writes the tree as a whole, honours the umask, refuses a second writer and
cleans up after an interrupted run.  Each test plays an attacker (links and
forged manifests planted in DIR) or a careless user (two runs at once, an
edited file, a full disk) against the real command.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

from qapidoc.cli import main
from qapidoc.outtree import MANIFEST, OutputError, write_tree

SCHEMA = str(ROOT / "tests" / "data" / "jsonschema" / "constructs.json")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["jsonschema", SCHEMA, *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err


def _tree(directory: Path) -> dict[str, bytes]:
    """Every regular file under ``directory`` (no link followed)."""
    found = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[str(path.relative_to(directory))] = path.read_bytes()
    return found


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file of the user's, outside DIR, that nothing may touch."""
    path = tmp_path / "victim.txt"
    path.write_text("the user's own file\n")
    return path


# --- links and forged manifests ---------------------------------------------------------

def test_a_manifest_that_is_a_link_is_not_written_through(tmp_path: Path, victim: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).symlink_to(victim)
    code, _, err = _run(capsys, "-o", str(out))
    assert code == 2 and "was not written by 'qapidoc jsonschema'" in err
    code, _, err = _run(capsys, "-o", str(out), "--force")
    assert code == 0, err
    assert victim.read_text() == "the user's own file\n"
    assert not (out / MANIFEST).is_symlink() and "types.json" in (out / MANIFEST).read_text()
    # The planted link is not deleted either: it is kept aside, and said so.
    kept = tmp_path / "out.qapidoc-kept-1"
    assert (kept / MANIFEST).is_symlink() and f"kept in {kept}" in err


def test_a_forged_manifest_deletes_nothing(tmp_path: Path, victim: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Names listed in a manifest the tool did not write (or whose hashes do
    not match) are not removed, also not through a linked subdirectory."""
    out = tmp_path / "out"
    assert _run(capsys, "-o", str(out))[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.json").write_text("{}")
    (out / "linked").symlink_to(elsewhere)
    (out / "notes.txt").write_text("mine")
    forged = "".join(f"{'0' * 64}  {name}\n" for name in ("notes.txt", "linked/precious.json", "../victim.txt"))
    manifest = (out / MANIFEST).read_text() + forged + f"{hashlib.sha256(b'mine').hexdigest()}  ../victim.txt\n"
    (out / MANIFEST).write_text(manifest)
    code, _, err = _run(capsys, "-o", str(out), "--define", "CONFIG_FOO")
    assert code == 0, err
    assert victim.read_text() == "the user's own file\n"
    assert (elsewhere / "precious.json").read_text() == "{}"
    assert (out / "notes.txt").read_text() == "mine"
    assert os.readlink(out / "linked") == str(elsewhere)


def test_a_linked_subdirectory_is_not_written_through(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """DIR/commands pointing elsewhere: the generated files go into a real
    directory of the new tree, never into the link's target."""
    out = tmp_path / "out"
    assert _run(capsys, "-o", str(out))[0] == 0
    target = tmp_path / "target"
    target.mkdir()
    real = out / "commands"
    for path in real.iterdir():
        path.unlink()
    real.rmdir()
    real.symlink_to(target)
    code, _, err = _run(capsys, "-o", str(out))
    assert code == 2 and "commands (where a directory goes)" in err
    code, _, err = _run(capsys, "-o", str(out), "--force")
    assert code == 0, err
    assert list(target.iterdir()) == []
    assert (out / "commands").is_dir() and not (out / "commands").is_symlink()
    assert (out / "commands" / "cmd-plain.request.json").is_file()


def test_dir_itself_a_link_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "out").symlink_to(real)
    code, _, err = _run(capsys, "-o", str(tmp_path / "out"))
    assert code == 2 and "is a symbolic link" in err
    assert list(real.iterdir()) == []


def test_names_that_climb_out_are_refused(tmp_path: Path) -> None:
    for name in ("../x.json", "/etc/x.json", "a/../../x.json", "a/./b.json", "a\0b.json", MANIFEST):
        with pytest.raises(OutputError):
            write_tree(tmp_path / "o", {name: b"{}"})
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- what is removed, what is kept -----------------------------------------------------

def test_an_edited_file_is_not_replaced_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run(capsys, "-o", str(out))[0] == 0
    (out / "types.json").write_text('{"edited": true}')
    code, _, err = _run(capsys, "-o", str(out))
    assert code == 2 and "types.json (not as qapidoc wrote it)" in err
    assert (out / "types.json").read_text() == '{"edited": true}'
    code, _, err = _run(capsys, "-o", str(out), "--force")
    assert code == 0
    assert json.loads((out / "types.json").read_text())["$id"].endswith("types.json")
    kept = tmp_path / "out.qapidoc-kept-1"
    assert (kept / "types.json").read_text() == '{"edited": true}'


def test_stale_files_it_wrote_go_and_the_users_stay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run(capsys, "-o", str(out))[0] == 0
    (out / "events" / "mine.txt").write_text("user file")
    (out / "mine").mkdir()
    (out / "mine" / "link").symlink_to("../types.json")
    inode = (out / "events" / "mine.txt").stat().st_ino
    code, _, err = _run(capsys, "-o", str(out), "--define", "CONFIG_FOO")
    assert code == 0, err
    assert not (out / "events" / "EV_COND.json").exists()
    assert (out / "events" / "mine.txt").read_text() == "user file"
    assert (out / "events" / "mine.txt").stat().st_ino == inode        # the same file, not a copy
    assert os.readlink(out / "mine" / "link") == "../types.json"
    assert not any(p.name.startswith("out.") or p.name.startswith(".out.qapidoc-work") for p in tmp_path.iterdir())


# --- as a whole, umask, one writer, interrupted runs -------------------------------------

@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_files_honour_the_umask(tmp_path: Path, capsys: pytest.CaptureFixture[str], mask: int) -> None:
    out = tmp_path / "out"
    with _umask(mask):
        assert _run(capsys, "-o", str(out))[0] == 0
    assert stat.S_IMODE((out / "types.json").stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE((out / "commands").stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask


def test_an_existing_directory_keeps_its_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o750)
    assert _run(capsys, "-o", str(out))[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o750


def test_a_second_writer_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run(capsys, "-o", str(out))[0] == 0
    before = _tree(out)
    fd = os.open(tmp_path / ".out.qapidoc-lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        code, _, err = _run(capsys, "-o", str(out), "--define", "CONFIG_FOO")
    finally:
        os.close(fd)
    assert code == 2 and "another qapidoc is writing" in err
    assert _tree(out) == before


def test_readers_see_the_old_tree_or_the_new_one(tmp_path: Path) -> None:
    """A reader that walks DIR from one descriptor finds exactly one
    generation's files, never a mix, while a writer alternates two."""
    out = tmp_path / "out"
    one = {"a.json": b"1", "sub/b.json": b"1", "sub/c.json": b"1"}
    two = {"a.json": b"2", "sub/b.json": b"2", "other/d.json": b"2"}
    write_tree(out, one)
    seen: set[tuple[tuple[str, bytes], ...]] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            snapshot = _snapshot(out)
            if snapshot is not None:
                seen.add(snapshot)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(60):
            write_tree(out, two if i % 2 == 0 else one)
    finally:
        done.set()
        reader.join()
    expected = {tuple(sorted(one.items())), tuple(sorted(two.items()))}
    assert seen <= expected, seen - expected
    assert seen, "the reader saw no tree at all"


def _snapshot(directory: Path) -> tuple[tuple[str, bytes], ...] | None:
    """The files of the tree DIR names at one moment; None when that tree
    was retired while it was read."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return (("<missing>", b""),)
    try:
        files = tuple(sorted(_walk(fd, "")))
        # A tree no longer at DIR is being taken apart: not what DIR shows.
        live = os.stat(directory)
        if (live.st_dev, live.st_ino) != (os.fstat(fd).st_dev, os.fstat(fd).st_ino):
            return None
        return files
    except (FileNotFoundError, NotADirectoryError):
        return None
    finally:
        os.close(fd)


def _walk(fd: int, prefix: str) -> Iterator[tuple[str, bytes]]:
    for entry in os.scandir(fd):
        if entry.name == MANIFEST:
            continue
        if entry.is_dir(follow_symlinks=False):
            sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            try:
                yield from _walk(sub, prefix + entry.name + "/")
            finally:
                os.close(sub)
        else:
            file = os.open(entry.name, os.O_RDONLY, dir_fd=fd)
            try:
                yield prefix + entry.name, os.read(file, 100)
            finally:
                os.close(file)


def test_a_failure_while_writing_leaves_the_old_tree(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.json": b"old"})

    class Boom(dict[str, bytes]):
        def __getitem__(self, name: str) -> bytes:
            if name == "z.json":
                raise KeyboardInterrupt
            return super().__getitem__(name)

    with pytest.raises(KeyboardInterrupt):
        write_tree(out, Boom({"a.json": b"new", "z.json": b"new"}))
    assert _tree(out) == {MANIFEST: _tree(out)[MANIFEST], "a.json": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.qapidoc-lock", "out"]


def test_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A writer killed (SIGKILL) in the middle leaves its work tree; the
    next run removes it, since nobody else could have written there."""
    out = tmp_path / "out"
    code = ("import sys, os, signal\n"
            "import qapidoc.outtree as t\n"
            "real = t._Build.put\n"
            "def put(self, name, blob, old):\n"
            "    real(self, name, blob, old)\n"
            "    if name.startswith('events/'):\n"
            "        os.kill(os.getpid(), signal.SIGKILL)\n"
            "t._Build.put = put\n"
            "from qapidoc.cli import main\n"
            f"sys.exit(main(['jsonschema', {SCHEMA!r}, '-o', {str(out)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, check=False)
    assert done.returncode == -9, done.stderr
    work = [p for p in tmp_path.iterdir() if p.name.startswith(".out.qapidoc-work-")]
    assert len(work) == 1 and any(work[0].rglob("*.json"))
    assert not out.exists()
    assert _run(capsys, "-o", str(out))[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.qapidoc-lock", "out"]


def test_a_stale_tree_with_a_strangers_file_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A work directory that may hold what someone else wrote (published
    mode, no unpublished mark) is not removed: it is set aside, visibly."""
    stale = tmp_path / ".out.qapidoc-work-abc"
    stale.mkdir(mode=0o755)
    (stale / "theirs.txt").write_text("not qapidoc's")
    assert _run(capsys, "-o", str(tmp_path / "out"))[0] == 0
    assert (tmp_path / "out.qapidoc-kept-1" / "theirs.txt").read_text() == "not qapidoc's"


# --- standard output ----------------------------------------------------------------------

def _cli(*argv: str, stdout: int | None = None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qapidoc.cli", *argv], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          **kwargs)  # type: ignore[call-overload, no-any-return]


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("traffic") / "log.jsonl"
    path.write_text('{"execute": "nope"}\n' * 3)
    return path


def _argvs(out: Path, traffic: Path) -> dict[str, list[str]]:
    return {
        "check": ["check", SCHEMA, "--format", "json"],
        "dump": ["dump", SCHEMA],
        "lint": ["lint", "--no-config", SCHEMA, "--format", "sarif"],
        "rules": ["rules"],
        "jsonschema": ["jsonschema", SCHEMA, "-o", str(out)],
        "validate": ["validate", SCHEMA, str(traffic)],
        "diff": ["diff", SCHEMA, SCHEMA, "--format", "json"],
        "help": ["--help"],
    }


@pytest.mark.slow
def test_a_full_or_closed_standard_output_is_an_io_error(tmp_path: Path, traffic: Path) -> None:
    """``> /dev/full`` and ``>&-``: exit 2 and a message, in every subcommand."""
    for name, argv in _argvs(tmp_path / "out", traffic).items():
        with open("/dev/full", "w") as full:
            done = _cli(*argv, stdout=full.fileno())
        assert done.returncode == 2, (name, done.stderr)
        assert done.stderr.endswith("qapidoc: cannot write to standard output: No space left on device\n"), name
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        closed = _cli(*argv, stdout=None, preexec_fn=lambda: os.close(1))
        assert closed.returncode == 2, (name, closed.stderr)
        assert "cannot write to standard output" in closed.stderr and "Traceback" not in closed.stderr


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-m", "qapidoc.cli", "rules"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.read(10)
        child.stdout.close()
        err = child.stderr.read()
        child.wait(timeout=60)
    assert child.returncode == 0 and b"Traceback" not in err


def test_text_the_terminal_cannot_encode_is_escaped(tmp_path: Path) -> None:
    """A diagnostic quoting a character the stream's encoding lacks (an
    ASCII terminal) is written with a backslash escape, not a crash."""
    schema = tmp_path / "café.json"
    schema.write_text("{ 'struct': 'Café', 'data': {} }\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "qapidoc.cli", "check", str(schema)], capture_output=True,
                          text=True, encoding="ascii", errors="strict", check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 1, done.stderr
    assert "caf\\xe9.json:1:" in done.stdout and "Traceback" not in done.stderr
