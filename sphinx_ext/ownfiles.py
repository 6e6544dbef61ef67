"""Writing into directories of the extension's own, and only there.

The extension writes two kinds of files: the split pages, in the source
directory, and the JSON Schema copies, in the output directory.  Both
directories also hold what belongs to the user.  So every write goes
through an :class:`OwnDirectory`:

* it is opened component by component from a base directory the user
  chose (the source or output directory), never following a symbolic link
  (``O_NOFOLLOW``): a link there is refused, not followed;
* a file is written whole (a temporary file renamed over it, so a reader
  sees the old content or the new), with the permissions the umask gives,
  and never through a link;
* it holds a manifest (:class:`Manifest`): what the extension wrote there,
  with a digest of each file; a file may be deleted only if it is in the
  manifest and still has that content, so what the user wrote, or changed,
  is never deleted.

POSIX systems open by directory descriptor (no path is looked up twice);
elsewhere, paths are checked with ``lstat`` before use.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Manifest", "OwnDirectory", "RefusedPathError", "digest"]

_DIR_FD = os.open in os.supports_dir_fd and os.unlink in os.supports_dir_fd and os.mkdir in os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_TMP_PREFIX = ".qapidoc-tmp-"


class RefusedPathError(Exception):
    """A path the extension will not write to, and why."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Manifest:
    """What the extension wrote into a directory: ``name digest`` lines
    after a first line that says whose it is."""

    header: str
    files: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return "\n".join([self.header, *(f"{d} {n}" for n, d in sorted(self.files.items()))]) + "\n"

    @classmethod
    def parse(cls, text: str, header_prefix: str) -> Manifest | None:
        lines = text.splitlines()
        if not lines or not lines[0].startswith(header_prefix):
            return None
        files: dict[str, str] = {}
        for line in lines[1:]:
            d, _, name = line.partition(" ")
            if len(d) == 64 and _safe_relative(name):
                files[name] = d
        return cls(lines[0], files)


def _safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


class OwnDirectory:
    """A directory opened without following links (see the module)."""

    def __init__(self, path: str, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    # -- opening -------------------------------------------------------------

    @classmethod
    def open(cls, base: str, parts: Sequence[str], *, create: bool) -> OwnDirectory:
        """``base/parts[0]/parts[1]...``, each part a plain name; ``create``
        makes what is missing.  Raises :class:`RefusedPathError`."""
        for part in parts:
            if part in ("", ".", "..") or "/" in part or os.sep in part:
                raise RefusedPathError(f"{os.path.join(base, *parts)}: '{part}' is not a plain directory name")
        try:
            fd = os.open(base, os.O_RDONLY | _DIRECTORY) if _DIR_FD else None
        except OSError as err:
            raise RefusedPathError(f"{base}: {err.strerror}") from err
        here = cls(base, fd)
        for part in parts:
            try:
                here = here._subdir(part, create)
            except BaseException:
                here.close()
                raise
        return here

    def _subdir(self, name: str, create: bool) -> OwnDirectory:
        path = os.path.join(self.path, name)
        try:
            if self._fd is not None:
                try:
                    fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=self._fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    os.mkdir(name, dir_fd=self._fd)
                    fd = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=self._fd)
                sub = OwnDirectory(path, fd)
            else:
                if not os.path.lexists(path) and create:
                    os.mkdir(path)
                if os.path.islink(path) or not os.path.isdir(path):
                    raise RefusedPathError(f"{path} is a symbolic link or not a directory; it is not followed")
                sub = OwnDirectory(path, None)
        except RefusedPathError:
            raise
        except FileNotFoundError as err:
            raise RefusedPathError(f"{path}: no such directory") from err
        except OSError as err:
            if os.path.islink(path):
                raise RefusedPathError(f"{path} is a symbolic link; it is not followed") from err
            raise RefusedPathError(f"{path}: {err.strerror}") from err
        self.close()
        return sub

    def subdir(self, name: str, *, create: bool) -> OwnDirectory:
        """A subdirectory (this one stays open)."""
        if "/" in name or os.sep in name or name in ("", ".", ".."):
            raise RefusedPathError(f"{os.path.join(self.path, name)}: '{name}' is not a plain directory name")
        copy = OwnDirectory(self.path, os.dup(self._fd) if self._fd is not None else None)
        return copy._subdir(name, create)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OwnDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entries ---------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(os.listdir(self._fd if self._fd is not None else self.path))

    def kind(self, name: str) -> str | None:
        """'file', 'dir', 'link', 'other', or None when absent."""
        try:
            st = (os.stat(name, dir_fd=self._fd, follow_symlinks=False) if self._fd is not None
                  else os.lstat(os.path.join(self.path, name)))
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(st.st_mode):
            return "link"
        if stat.S_ISREG(st.st_mode):
            return "file"
        return "dir" if stat.S_ISDIR(st.st_mode) else "other"

    def read(self, name: str, limit: int = 1 << 26) -> bytes | None:
        """The content of the regular file ``name`` (None when absent).
        Raises :class:`RefusedPathError` for a link or anything else."""
        kind = self.kind(name)
        if kind is None:
            return None
        if kind != "file":
            raise RefusedPathError(f"{os.path.join(self.path, name)} is a {_KIND_WORDS[kind]}; it is not read")
        fd = self._open(name, os.O_RDONLY | _NOFOLLOW)
        try:
            chunks = []
            total = 0
            while total <= limit:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def write(self, name: str, data: bytes) -> None:
        """Write ``name`` whole: a temporary file renamed over it."""
        kind = self.kind(name)
        if kind not in (None, "file"):
            raise RefusedPathError(f"{os.path.join(self.path, name)} is a {_KIND_WORDS[kind or 'other']}; "
                              "it is not written")
        tmp = f"{_TMP_PREFIX}{os.getpid()}-{name}"
        fd = self._open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except BaseException:
            os.close(fd)
            self.remove(tmp)
            raise
        os.close(fd)
        if self._fd is not None:
            os.replace(tmp, name, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        else:
            os.replace(os.path.join(self.path, tmp), os.path.join(self.path, name))

    def remove(self, name: str) -> None:
        """Remove the regular file ``name`` (a link or anything else is left)."""
        if self.kind(name) != "file":
            return
        if self._fd is not None:
            os.unlink(name, dir_fd=self._fd)
        else:
            os.unlink(os.path.join(self.path, name))

    def remove_leftovers(self, ours: Iterable[bytes]) -> None:
        """Remove the temporary files of interrupted runs whose content
        starts like one of ``ours``."""
        prefixes = tuple(ours)
        for name in self.names():
            if name.startswith(_TMP_PREFIX) and self.kind(name) == "file":
                data = self.read(name, 4096) or b""
                if data.startswith(prefixes):
                    self.remove(name)

    def _open(self, name: str, flags: int, mode: int = 0o666) -> int:
        try:
            if self._fd is not None:
                return os.open(name, flags, mode, dir_fd=self._fd)
            return os.open(os.path.join(self.path, name), flags, mode)
        except OSError as err:
            raise RefusedPathError(f"{os.path.join(self.path, name)}: {err.strerror}") from err


_KIND_WORDS = {"link": "symbolic link", "dir": "directory", "other": "special file", "file": "file"}
