"""Output trees: a directory of generated files, written as a whole.

:func:`write_tree` puts a set of files (relative POSIX names -> bytes) into
a directory ``DIR`` so that:

* **readers see the old tree or the new one**, never a mix: the new tree is
  built in a sibling work directory and exchanged with ``DIR`` in one
  ``renameat2(RENAME_EXCHANGE)`` (where the system lacks it: two renames,
  with a moment in which ``DIR`` is missing);
* **nothing outside ``DIR`` is written**, and **no symbolic link is
  followed**: names are checked, every file is opened relative to a
  directory descriptor with ``O_NOFOLLOW``, and the work tree is new;
* **only what it can prove it wrote is deleted**: ``DIR`` holds a manifest
  (:data:`MANIFEST`) with the SHA-256 of every file written.  A file of the
  old tree goes away only when its content still has the listed hash, or
  when its data lives on in the new tree (a hard link).  Anything else in
  ``DIR`` -- a user's notes, a file edited since -- is carried into the new
  tree (hard links, the same symbolic links), and a file in the way of a
  generated one is refused unless ``force`` is given; even then it is not
  deleted: what the new tree replaced is kept in ``DIR.qapidoc-kept-N``;
* **unchanged files keep their inode and timestamps** (hard-linked);
* **the umask holds**: files are created 0666 and directories 0777 before
  it; a ``DIR`` that existed keeps its mode;
* **one writer at a time**: an exclusive ``flock`` on ``.DIR.qapidoc-lock``
  beside ``DIR``; a second writer is refused (:class:`BusyError`);
* **an interrupted run is cleaned up by the next one**: work directories
  (``.DIR.qapidoc-work-*``) it finds are removed by the same rules, and
  entirely when never published (made with mode 0700 by this user, still
  marked unpublished: nobody else could write there).  What may not be
  removed is kept, in ``DIR.qapidoc-kept-N``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import hashlib
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

__all__ = ["MANIFEST", "BusyError", "OutputError", "TreeReport", "write_tree"]

MANIFEST = ".qapidoc-jsonschema"
_HEADER = (
    "# Written by '{tool}'.  When it writes this directory again, it removes or\n"
    "# replaces a file listed here only if the file still has the SHA-256 listed\n"
    "# beside it; every other file is kept.\n"
)
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW
_MAX_DEPTH = 64
#: a manifest larger than this is not one qapidoc wrote (QEMU's schema
#: gives one of 50 KB)
_MANIFEST_LIMIT = 16 << 20
_RENAME_EXCHANGE = 2
#: in a work tree until it is published: a tree that has it, is this
#: user's and still has mode 0700 was written by nobody else
_UNPUBLISHED = ".qapidoc-unpublished"


class OutputError(Exception):
    """The output directory cannot be written as asked."""


class BusyError(OutputError):
    """Another process is writing the same output directory."""


@dataclass(frozen=True, slots=True)
class TreeReport:
    """What :func:`write_tree` did."""

    #: files written with new content
    written: int
    #: files whose content did not change (kept, with their timestamps)
    unchanged: int
    #: files of the old tree that are gone (written before, not now)
    removed: int
    #: what ``DIR`` held that qapidoc did not write, carried into the new tree
    carried: tuple[str, ...] = ()
    #: where the old tree was kept, when it held what could not be removed
    kept: str | None = None
    #: what is there, and why
    kept_entries: tuple[str, ...] = ()


@dataclass(slots=True)
class _OldTree:
    """What ``DIR`` holds, classified."""

    exists: bool = False
    manifest: dict[str, str] = field(default_factory=dict)
    has_manifest: bool = False
    #: regular files by name: (hash of the content, device, inode)
    files: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    symlinks: dict[str, str] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    other: list[str] = field(default_factory=list)
    mode: int | None = None

    def ours(self, name: str) -> bool:
        entry = self.files.get(name)
        return entry is not None and self.manifest.get(name) == entry[0]

    @property
    def empty(self) -> bool:
        return not (self.files or self.symlinks or self.dirs or self.other)


# --- names and hashes ---------------------------------------------------------------

def check_name(name: str, manifest: str = MANIFEST) -> None:
    """Refuse a name that is absolute, climbs, or is odd."""
    parts = name.split("/")
    if (not name or PurePosixPath(name).is_absolute() or name == manifest
            or any(p in ("", ".", "..") or "\0" in p for p in parts)):
        raise OutputError(f"refusing to write a file named {name!r}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse_manifest(text: str) -> dict[str, str]:
    listed: dict[str, str] = {}
    for line in text.splitlines():
        digest, sep, name = line.partition("  ")
        if sep and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            listed[name] = digest
    return listed


def _manifest_text(tool: str, hashes: Mapping[str, str]) -> bytes:
    lines = [_HEADER.format(tool=tool)] + [f"{hashes[name]}  {name}\n" for name in sorted(hashes)]
    return "".join(lines).encode("utf-8")


# --- reading without following links -----------------------------------------------------

def _read_regular(dir_fd: int, name: str, limit: int = 1 << 30) -> bytes | None:
    """The content of the regular file ``name`` (no link followed), or None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        return None
    finally:
        os.close(fd)


def _hash_regular(dir_fd: int, name: str) -> str:
    """The SHA-256 of the regular file ``name`` (no link followed, read a
    piece at a time: a user's file in DIR may be large), or "" if it is
    not one or cannot be read."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return ""
    finally:
        os.close(fd)


@contextlib.contextmanager
def _opened_dir(name: str, dir_fd: int | None) -> Iterator[int]:
    fd = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _at(root_fd: int, name: str) -> Iterator[tuple[int, str]]:
    """The directory that holds ``name`` (a relative path under
    ``root_fd``), reached one component at a time with ``O_NOFOLLOW``, and
    the last component: what is then done to it cannot be sent elsewhere
    by a directory on the way that was swapped for a link meanwhile."""
    *parts, leaf = name.split("/")
    if not parts:
        yield root_fd, leaf
        return
    fd = os.dup(root_fd)
    try:
        for part in parts:
            sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = sub
        yield fd, leaf
    finally:
        os.close(fd)


def _scan(dir_fd: int, prefix: str, depth: int, old: _OldTree) -> None:
    """Classify what ``dir_fd`` holds into ``old`` (names under ``prefix``)."""
    for entry in sorted(os.scandir(dir_fd), key=lambda e: e.name):
        name = prefix + entry.name
        info = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            old.symlinks[name] = os.readlink(entry.name, dir_fd=dir_fd)
        elif stat.S_ISDIR(info.st_mode) and depth < _MAX_DEPTH:
            old.dirs.add(name)
            with _opened_dir(entry.name, dir_fd) as sub:
                _scan(sub, name + "/", depth + 1, old)
        elif stat.S_ISREG(info.st_mode):
            old.files[name] = (_hash_regular(dir_fd, entry.name), info.st_dev, info.st_ino)
        else:
            old.other.append(name)


def _inspect(parent_fd: int, base: str, manifest: str, shown: str) -> _OldTree:
    old = _OldTree()
    try:
        info = os.stat(base, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        return old
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{shown} is a symbolic link; qapidoc does not write through links: give the "
                          "directory it points to, or another name")
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{shown} exists and is not a directory")
    old.exists = True
    old.mode = stat.S_IMODE(info.st_mode)
    with _opened_dir(base, parent_fd) as fd:
        _scan(fd, "", 0, old)
        text = _read_regular(fd, manifest, _MANIFEST_LIMIT)
    if text is not None:
        old.has_manifest = True
        old.manifest = _parse_manifest(text.decode("utf-8", "replace"))
        old.files.pop(manifest, None)
    return old


# --- the plan ----------------------------------------------------------------------------

def _conflicts(old: _OldTree, data: Mapping[str, bytes], manifest: str) -> list[str]:
    """Old entries in the way of the new files, that are not provably ours."""
    needed_dirs = {str(p) for name in data for p in PurePosixPath(name).parents if str(p) != "."}
    out = []
    for name, blob in data.items():
        if name in old.files:
            if not old.ours(name) and old.files[name][0] != _sha256(blob):
                out.append(f"{name} (not as qapidoc wrote it)")
        elif name in old.symlinks or name in old.dirs or name in old.other:
            out.append(f"{name} (not a regular file)")
    for name in sorted(needed_dirs):
        if name in old.files or name in old.symlinks or name in old.other:
            out.append(f"{name} (where a directory goes)")
    return out


def _carried(old: _OldTree, data: Mapping[str, bytes], manifest: str) -> list[str]:
    """What the old tree holds that was not written by qapidoc and is not in
    the way: it goes into the new tree as it is."""
    needed_dirs = {str(p) for name in data for p in PurePosixPath(name).parents if str(p) != "."}
    taken = set(data) | needed_dirs
    carried = [n for n in old.files if n not in taken and not old.ours(n)]
    carried += [n for n in old.symlinks if n not in taken and n != manifest]
    carried += [n for n in old.dirs if n not in taken]
    return sorted(carried)


# --- building the new tree -------------------------------------------------------------------

def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _make_dirs(root_fd: int, name: str, made: set[str]) -> int:
    """Open (making them) the directories of ``name`` under the work tree;
    returns a descriptor of the innermost, which the caller closes."""
    parts = name.split("/")[:-1]
    fd = os.dup(root_fd)
    path = ""
    for part in parts:
        path = f"{path}/{part}" if path else part
        if path not in made:
            os.mkdir(part, 0o777, dir_fd=fd)
            made.add(path)
        sub = os.open(part, _DIR_FLAGS, dir_fd=fd)
        os.close(fd)
        fd = sub
    return fd


def _write_new(dir_fd: int, leaf: str, blob: bytes) -> None:
    fd = os.open(leaf, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666, dir_fd=dir_fd)
    try:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


@dataclass(slots=True)
class _Build:
    """The work tree being filled: descriptors and what went in."""

    old_fd: int | None
    work_fd: int
    made: set[str] = field(default_factory=set)
    linked: set[tuple[int, int]] = field(default_factory=set)
    written: int = 0
    unchanged: int = 0

    def put(self, name: str, blob: bytes, old: _OldTree) -> None:
        fd = _make_dirs(self.work_fd, name, self.made)
        leaf = name.rsplit("/", 1)[-1]
        try:
            entry = old.files.get(name)
            if entry is not None and self.old_fd is not None and entry[0] == _sha256(blob) \
                    and self._link(name, fd, leaf, entry):
                self.unchanged += 1
                return
            _write_new(fd, leaf, blob)
            self.written += 1
        finally:
            os.close(fd)

    def _link(self, name: str, fd: int, leaf: str, entry: tuple[str, int, int]) -> bool:
        """Hard-link the old file ``name`` here, if it is still the one seen."""
        assert self.old_fd is not None
        try:
            with _at(self.old_fd, name) as (src_fd, src):
                info = os.stat(src, dir_fd=src_fd, follow_symlinks=False)
                if (info.st_dev, info.st_ino) != entry[1:] or not stat.S_ISREG(info.st_mode):
                    return False
                os.link(src, leaf, src_dir_fd=src_fd, dst_dir_fd=fd, follow_symlinks=False)
        except OSError:
            return False
        self.linked.add(entry[1:])
        return True

    def carry(self, name: str, old: _OldTree) -> None:
        """Put the user's ``name`` into the new tree as it is."""
        assert self.old_fd is not None
        if name in old.dirs:
            fd = _make_dirs(self.work_fd, name + "/x", self.made)
            os.close(fd)
            return
        fd = _make_dirs(self.work_fd, name, self.made)
        leaf = name.rsplit("/", 1)[-1]
        try:
            if name in old.symlinks:
                os.symlink(old.symlinks[name], leaf, dir_fd=fd)
                return
            if not self._link(name, fd, leaf, old.files[name]):
                raise OutputError(f"cannot keep {name}, which qapidoc did not write, in the new tree (it "
                                  "changed meanwhile, or cannot be linked here); move it out of the directory")
        finally:
            os.close(fd)


def _copy_modes(old_fd: int | None, work_fd: int, made: set[str], root_mode: int) -> None:
    dir_mode = 0o777 & ~_umask()
    for name in sorted(made):
        mode = dir_mode
        if old_fd is not None:
            with contextlib.suppress(OSError), _at(old_fd, name) as (fd, leaf):
                info = os.stat(leaf, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    mode = stat.S_IMODE(info.st_mode)
        with _at(work_fd, name) as (fd, leaf):
            os.chmod(leaf, mode, dir_fd=fd, follow_symlinks=False)
    os.chmod(work_fd, root_mode)


# --- swapping ---------------------------------------------------------------------------------

def _exchange(parent_fd: int, one: str, other: str) -> bool:
    """Swap two names in one step (Linux renameat2); False when not possible here."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, ImportError):
        return False
    done = renameat2(parent_fd, os.fsencode(one), parent_fd, os.fsencode(other), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code))


def _swap(parent_fd: int, work: str, base: str, exists: bool) -> None:
    """Put the work tree at ``base``; the old tree ends at ``work``."""
    if not exists:
        os.rename(work, base, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
        return
    if _exchange(parent_fd, work, base):
        return
    aside = work + "-old"
    os.rename(base, aside, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
    try:
        os.rename(work, base, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
    except OSError:
        os.rename(aside, base, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
        raise
    os.rename(aside, work, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)


# --- removing what is provably ours ----------------------------------------------------------------

def _remove_tree(parent_fd: int, name: str, manifest: str, new_fd: int | None,
                 linked: set[tuple[int, int]]) -> list[str]:
    """Remove the tree ``name`` as far as it is provably qapidoc's; return
    what is left.  A file goes when it has the SHA-256 its tree's manifest
    lists, when its data lives on elsewhere (more links than this tree
    holds, or a link in ``linked``), or when the tree was never published
    (mkdtemp's mode 0700, this user's: nobody else could write there)."""
    with _opened_dir(name, parent_fd) as fd:
        info = os.fstat(fd)
        trusted = (stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.geteuid()
                   and _read_regular(fd, _UNPUBLISHED) == b"")
        tree = _OldTree()
        _scan(fd, "", 0, tree)
        text = _read_regular(fd, manifest, _MANIFEST_LIMIT)
        if text is not None:
            tree.manifest = _parse_manifest(text.decode("utf-8", "replace"))
        counts: dict[tuple[int, int], int] = {}
        for _, dev, ino in tree.files.values():
            counts[(dev, ino)] = counts.get((dev, ino), 0) + 1
        left: list[str] = list(tree.other)
        for rel, (digest, dev, ino) in sorted(tree.files.items()):
            with _at(fd, rel) as (where, leaf):
                removable = (trusted or rel in (manifest, _UNPUBLISHED) or tree.manifest.get(rel) == digest
                             or (dev, ino) in linked or _links(where, leaf, dev, ino) > counts[(dev, ino)])
                if removable:
                    os.unlink(leaf, dir_fd=where)
                else:
                    left.append(rel)
        for rel, target in sorted(tree.symlinks.items()):
            with _at(fd, rel) as (where, leaf):
                if trusted or _same_symlink(new_fd, rel, target):
                    os.unlink(leaf, dir_fd=where)
                else:
                    left.append(rel)
        for rel in sorted(tree.dirs, key=lambda d: -d.count("/")):
            with contextlib.suppress(OSError), _at(fd, rel) as (where, leaf):
                os.rmdir(leaf, dir_fd=where)
    if not left:
        os.rmdir(name, dir_fd=parent_fd)
    return sorted(left)


def _links(dir_fd: int, name: str, dev: int, ino: int) -> int:
    """How many links the file ``name`` has, if it is still the one seen."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return 1
    return info.st_nlink if (info.st_dev, info.st_ino) == (dev, ino) else 1


def _same_symlink(dir_fd: int | None, name: str, target: str) -> bool:
    if dir_fd is None:
        return False
    try:
        with _at(dir_fd, name) as (where, leaf):
            return os.readlink(leaf, dir_fd=where) == target
    except OSError:
        return False


def _clean_stale(parent_fd: int, base: str, manifest: str) -> None:
    """Work trees of runs that were interrupted."""
    prefix = f".{base}.qapidoc-work-"
    for entry in os.scandir(parent_fd):
        if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
            with contextlib.suppress(OSError):
                left = _remove_tree(parent_fd, entry.name, manifest, None, set())
                if left:
                    _keep(parent_fd, entry.name, base)


def _keep(parent_fd: int, name: str, base: str) -> str:
    """Give a tree that holds what qapidoc may not delete a visible name."""
    for n in range(1, 1000):
        kept = f"{base}.qapidoc-kept-{n}"
        try:
            os.stat(kept, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            os.rename(name, kept, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
            return kept
    return name


# --- the whole -----------------------------------------------------------------------------------

@contextlib.contextmanager
def _locked(parent_fd: int, base: str, shown: str) -> Iterator[None]:
    name = f".{base}.qapidoc-lock"
    fd = os.open(name, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o666, dir_fd=parent_fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"another qapidoc is writing {shown} (it holds the lock "
                            f"{os.path.join(os.path.dirname(shown), name)}); try again when it is done") from None
        yield
    finally:
        os.close(fd)


def write_tree(directory: str | os.PathLike[str], files: Mapping[str, bytes], *, force: bool = False,
               tool: str = "qapidoc jsonschema", manifest: str = MANIFEST) -> TreeReport:
    """Make ``directory`` hold ``files`` (relative POSIX name -> content),
    as described in the module docstring.  Raises :class:`OutputError`
    (:class:`BusyError`) or OSError."""
    for name in files:
        check_name(name, manifest)
    shown = os.fspath(directory)
    path = os.path.abspath(shown)
    parent, base = os.path.split(path)
    cwd = os.getcwd()
    if not base or cwd == path or cwd.startswith(path + os.sep):
        raise OutputError(f"{shown} is the current directory or holds it; the output directory is replaced "
                          "as a whole, so give one below it")
    os.makedirs(parent, exist_ok=True)
    with _opened_dir(parent, None) as parent_fd, _locked(parent_fd, base, shown):
        _clean_stale(parent_fd, base, manifest)
        old = _inspect(parent_fd, base, manifest, shown)
        _check_old(old, files, force, shown, manifest)
        report = _replace(parent_fd, base, old, files, tool, manifest)
    if report.kept is not None:
        report = dataclasses.replace(report, kept=os.path.join(os.path.dirname(shown), report.kept))
    return report


def _check_old(old: _OldTree, files: Mapping[str, bytes], force: bool, shown: str, manifest: str) -> None:
    if not old.exists or old.empty or force:
        if old.other:
            raise OutputError(f"{shown} holds {old.other[0]}, which is not a file, a link or a directory; "
                              "move it out of the directory")
        return
    if not old.has_manifest:
        raise OutputError(f"{shown} is not empty and was not written by 'qapidoc jsonschema' (it has no "
                          f"{manifest} file); choose another directory, or use --force to write into it "
                          "anyway (what it holds is kept)")
    conflicts = _conflicts(old, files, manifest) + [f"{n} (not a file, a link or a directory)" for n in old.other]
    if conflicts:
        more = f" and {len(conflicts) - 3} more" if len(conflicts) > 3 else ""
        raise OutputError(f"{shown} holds files in the way that qapidoc did not write: "
                          f"{', '.join(conflicts[:3])}{more}; move them away, or use --force to replace them "
                          "(the old ones are kept aside)")


def _make_work_dir(parent_fd: int, base: str) -> str:
    """A new, private (0700) work directory beside ``base``, marked as not
    yet published."""
    for _ in range(100):
        name = f".{base}.qapidoc-work-{secrets.token_hex(6)}"
        try:
            os.mkdir(name, 0o700, dir_fd=parent_fd)
        except FileExistsError:
            continue
        with _opened_dir(name, parent_fd) as fd:
            _write_new(fd, _UNPUBLISHED, b"")
        return name
    raise OutputError("cannot make a work directory: too many names taken")


def _replace(parent_fd: int, base: str, old: _OldTree, files: Mapping[str, bytes], tool: str,
             manifest: str) -> TreeReport:
    work = _make_work_dir(parent_fd, base)
    hashes = {name: _sha256(blob) for name, blob in files.items()}
    carried = _carried(old, files, manifest) if old.exists else []
    try:
        with contextlib.ExitStack() as stack:
            old_fd = stack.enter_context(_opened_dir(base, parent_fd)) if old.exists else None
            work_fd = stack.enter_context(_opened_dir(work, parent_fd))
            build = _Build(old_fd, work_fd)
            # The manifest first: a work tree cut short lists what it was to hold.
            _write_new(work_fd, manifest, _manifest_text(tool, hashes))
            for name in sorted(files):
                build.put(name, files[name], old)
            for name in carried:
                build.carry(name, old)
            root_mode = old.mode if old.mode is not None else 0o777 & ~_umask()
            _copy_modes(old_fd, work_fd, build.made, root_mode)
            os.unlink(_UNPUBLISHED, dir_fd=work_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_tree(parent_fd, work, manifest, None, set())
        raise
    _swap(parent_fd, work, base, old.exists)
    if not old.exists:
        return TreeReport(build.written, build.unchanged, 0)
    removed = sum(1 for name in old.files if name not in files and old.ours(name))
    with _opened_dir(base, parent_fd) as new_fd:
        left = _remove_tree(parent_fd, work, manifest, new_fd, build.linked)
    kept = _keep(parent_fd, work, base) if left else None
    return TreeReport(build.written, build.unchanged, removed, tuple(carried), kept, tuple(left))
