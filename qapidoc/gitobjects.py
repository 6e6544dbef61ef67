"""Git objects: tags, trees and blobs of a repository, read without a checkout.

``qapidoc history`` reads the schema of every release tag straight from the
object database: one ``git for-each-ref`` lists the tags with their trees,
one ``git ls-tree -r`` per tag lists its files with their blob ids, and one
long-running ``git cat-file --batch`` process reads every blob.  Nothing is
checked out and the working tree is never looked at.

:class:`GitTreeReader` gives the loader (:mod:`qapidoc.frontend.loader`) the
files of one tree through the :class:`~qapidoc.source.SourceReader`
protocol, so that includes are followed inside the tree.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import posixpath
import re
import subprocess
from collections.abc import Iterable, Mapping
from typing import IO

from .records import NamedTuple

__all__ = ["GitError", "GitRepo", "GitTreeReader", "Tag", "version_key"]


class GitError(Exception):
    """Git could not do what was asked (not a repository, no git, a bad object)."""


class Tag(NamedTuple):
    name: str
    #: the commit the tag points to (annotated tags are peeled)
    commit: str
    #: the commit's root tree
    tree: str


def version_key(name: str) -> tuple[tuple[int, ...], int, int, str]:
    """Sort key that orders ``v2.10.0`` after ``v2.9.0`` (numbers as
    numbers) and a release candidate (``v9.1.0-rc2``) before its release."""
    m = re.match(r"\D*(\d+(?:\.\d+)*)(.*)$", name)
    if m is None:
        return (), 1, 0, name
    numbers = tuple(int(n) for n in m.group(1).split("."))
    candidate = re.search(r"rc(\d+)", m.group(2))
    if candidate is not None:
        return numbers, 0, int(candidate.group(1)), name
    return numbers, 1, 0, name


class GitRepo:
    """A git repository, read through ``git`` itself.

    Use as a context manager (or call :meth:`close`) to end the
    ``cat-file`` process.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._batch: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> GitRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            assert batch.stdin is not None
            batch.stdin.close()
            batch.wait()
            if batch.stdout is not None:
                batch.stdout.close()

    def _git(self, *args: str) -> bytes:
        try:
            done = subprocess.run(["git", "-C", self.path, *args], capture_output=True, check=False)
        except OSError as err:
            raise GitError(f"cannot run git: {err.strerror or err}") from err
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} in {self.path}: {message[-1] if message else 'failed'}")
        return done.stdout

    def tags(self, pattern: str = "v*.*.0") -> list[Tag]:
        """The tags whose names match the shell ``pattern``, in version order."""
        out = self._git("for-each-ref", "--format=%(refname:short)%00%(objecttype)%00%(objectname)"
                        "%00%(*objecttype)%00%(*objectname)%00%(tree)%00%(*tree)", "refs/tags")
        tags = []
        for line in out.decode("utf-8", "replace").splitlines():
            name, kind, obj, peeled_kind, peeled, tree, peeled_tree = line.split("\0")
            if not fnmatch.fnmatchcase(name, pattern):
                continue
            if kind == "commit":
                tags.append(Tag(name, obj, tree))
            elif kind == "tag" and peeled_kind == "commit":
                tags.append(Tag(name, peeled, peeled_tree))
        tags.sort(key=lambda t: version_key(t.name))
        return tags

    def files(self, treeish: str) -> dict[str, str]:
        """Every file (blob) under ``treeish``: path -> blob id."""
        out = self._git("ls-tree", "-r", "-z", "--full-tree", treeish)
        files: dict[str, str] = {}
        for entry in out.split(b"\0"):
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            _mode, kind, oid = meta.decode("ascii").split(" ")
            if kind == "blob":
                files[path.decode("utf-8", "surrogateescape")] = oid
        return files

    def blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """The contents of the blobs ``oids`` (a missing one raises GitError)."""
        wanted = list(dict.fromkeys(oids))
        found: dict[str, bytes] = {}
        batch = self._cat_file()
        assert batch.stdin is not None and batch.stdout is not None
        # In chunks small enough that neither pipe can fill while the other
        # side waits.
        for at in range(0, len(wanted), 64):
            chunk = wanted[at:at + 64]
            batch.stdin.write("".join(f"{oid}\n" for oid in chunk).encode("ascii"))
            batch.stdin.flush()
            for oid in chunk:
                found[oid] = _read_object(batch.stdout, oid)
        return found

    def _cat_file(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            try:
                self._batch = subprocess.Popen(["git", "-C", self.path, "cat-file", "--batch"],
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL)
            except OSError as err:
                raise GitError(f"cannot run git: {err.strerror or err}") from err
        return self._batch


def _read_object(stream: IO[bytes], oid: str) -> bytes:
    header = stream.readline().decode("ascii", "replace").split()
    if len(header) == 2 and header[1] == "missing":
        raise GitError(f"no object {oid}")
    if len(header) != 3:
        raise GitError(f"unexpected answer from git cat-file for {oid}: {' '.join(header)!r}")
    size = int(header[2])
    data = stream.read(size)
    stream.read(1)          # the newline after the contents
    if len(data) != size:
        raise GitError(f"git cat-file ended early reading {oid}")
    return data


class GitTreeReader:
    """The files of one git tree, as a :class:`~qapidoc.source.SourceReader`.

    Paths are relative to the tree's root (``qapi/qapi-schema.json``);
    ``..`` is resolved inside the tree.  Texts are read on demand and kept.
    """

    def __init__(self, repo: GitRepo, files: Mapping[str, str]) -> None:
        self.repo = repo
        self.files = files
        self._texts: dict[str, str] = {}

    def identity(self, path: str) -> str:
        return posixpath.normpath(path.replace(os.sep, "/"))

    def blob(self, path: str) -> str | None:
        """The blob id of ``path`` in the tree, None if it has none."""
        return self.files.get(self.identity(path))

    def read(self, path: str) -> str:
        key = self.identity(path)
        text = self._texts.get(key)
        if text is not None:
            return text
        oid = self.files.get(key)
        if oid is None:
            raise FileNotFoundError(errno.ENOENT, "No such file in the git tree", path)
        text = self.repo.blobs([oid])[oid].decode("utf-8", "surrogateescape")
        self._texts[key] = text
        return text

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read several files in one round trip (those the tree has)."""
        keys = [k for k in (self.identity(p) for p in paths) if k in self.files and k not in self._texts]
        contents = self.repo.blobs(self.files[k] for k in keys)
        for key in keys:
            self._texts[key] = contents[self.files[key]].decode("utf-8", "surrogateescape")
