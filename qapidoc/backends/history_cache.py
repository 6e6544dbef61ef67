"""The history cache: what ``qapidoc history`` made once, kept on disk.

Three kinds of entries, each a compressed JSON file named by the SHA-256 of
what determines it, together with qapidoc's version and
:data:`~qapidoc.backends.history.SNAPSHOT_FORMAT`:

``manifest``
    one release tree (its git tree id, or the contents of a directory) and
    the roots asked for -> the release's version and, for each root found,
    the files it read with their blob ids;
``snapshot``
    a root's files (their blob ids) and dialect -> the snapshot;
``history``
    the snapshot keys of every release, in order -> the merged history.

A git tree id names its contents, so an entry never goes stale: a release
read once is never read again, and a second run over the same tags reads
one manifest per tag and one history.  Writes are atomic (a temporary file
in the same directory, then a rename), so a run that is interrupted, or
two runs at once, leave either no entry or a whole one.  A cache that
cannot be written or read is not an error: the run goes on without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zlib
from collections.abc import Callable
from typing import Any

from .. import __version__
from .history import SNAPSHOT_FORMAT

__all__ = ["HistoryCache", "cache_key", "default_cache_dir"]

try:
    import orjson

    def _dumps(value: Any) -> bytes:
        # Named tuples are not orjson's: they go as the tuples they are.
        return orjson.dumps(value, default=tuple)

    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - exercised where orjson is missing
    def _dumps(value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode("utf-8", "surrogateescape")

    _loads = json.loads


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/qapidoc``, else ``~/.cache/qapidoc``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "qapidoc")


def cache_key(*parts: object) -> str:
    """The key for what ``parts`` (JSON values) determine."""
    material = json.dumps([__version__, SNAPSHOT_FORMAT, *parts], separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()


class HistoryCache:
    """Entries under ``directory`` (None: a cache that keeps nothing)."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        #: entries found and entries written in this run, by kind
        self.hits: dict[str, int] = {}
        self.misses: dict[str, int] = {}

    def _path(self, kind: str, key: str) -> str:
        assert self.directory is not None
        return os.path.join(self.directory, f"history-{SNAPSHOT_FORMAT}", kind, f"{key}.json.z")

    def has(self, kind: str, key: str) -> bool:
        return self.directory is not None and os.path.isfile(self._path(kind, key))

    def get(self, kind: str, key: str) -> Any:
        """The entry, or None if there is none (or it cannot be read)."""
        if self.directory is None:
            return None
        try:
            with open(self._path(kind, key), "rb") as f:
                value = _loads(zlib.decompress(f.read()))
        except (OSError, ValueError, zlib.error):
            self.misses[kind] = self.misses.get(kind, 0) + 1
            return None
        self.hits[kind] = self.hits.get(kind, 0) + 1
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        if self.directory is None:
            return
        path = self._path(kind, key)
        data = zlib.compress(_dumps(value), 1)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass        # a cache that cannot be written only costs time
