"""Releases: the schema of every release of a repository, read into histories.

:func:`read_repository` takes a git repository and reads, for each tag that
matches a pattern (``v*.*.0`` by default, in version order), the schema
roots found at that tag straight from git objects
(:mod:`qapidoc.gitobjects`); :func:`read_trees` takes directories instead,
for schemas that are not in git.  Each root is loaded with the dialect of
its release (its ``VERSION`` file, else the tag's name), doc comments left
out (the history depends on the model only), and turned into a
:class:`~qapidoc.backends.history.Snapshot`; the snapshots of each protocol
make one :class:`~qapidoc.backends.history.History`.

Everything made is cached (:mod:`qapidoc.backends.history_cache`), keyed by
what determines it: a tag's tree id, a root's files by blob id, the
sequence of snapshots.  A second run over the same tags reads one index
entry and one history per protocol, and nothing from git but the list of
tags.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..frontend.dialect import NEWEST, OLDEST, Version
from ..frontend.loader import LoadOptions, LoadResult, load_schema
from ..gitobjects import GitRepo, GitTreeReader, Tag, version_key
from ..records import NamedTuple
from ..rules import Severity
from ..source import FILE_SYSTEM, SourceFile, SourceReader, Span
from .history import (
    History,
    Release,
    Snapshot,
    build_history,
    expand,
    history_from_json,
    history_to_json,
    snapshot,
    snapshot_from_json,
    snapshot_to_json,
)
from .history_cache import HistoryCache, cache_key

__all__ = ["DEFAULT_ROOTS", "Histories", "HistoryOptions", "RootSpec", "namespace_of", "read_repository",
           "read_trees"]

#: a protocol and the paths its root file has had, newest first
RootSpec = tuple[str, tuple[str, ...]]

DEFAULT_ROOTS: tuple[RootSpec, ...] = (
    ("QMP", ("qapi/qapi-schema.json", "qapi-schema.json")),
    ("QGA", ("qga/qapi-schema.json",)),
    ("QSD", ("storage-daemon/qapi/qapi-schema.json",)),
)


@dataclass(frozen=True, slots=True)
class HistoryOptions:
    #: shell pattern of the tags to read
    tags: str = "v*.*.0"
    roots: tuple[RootSpec, ...] = DEFAULT_ROOTS
    #: where to cache; None reads everything every time
    cache_dir: str | None = None
    #: processes that load releases the cache does not have
    jobs: int = 1


@dataclass(slots=True)
class Histories:
    """The histories of every protocol found, and how reading went."""

    #: every release read (with at least one root), oldest first
    releases: tuple[Release, ...]
    #: protocol -> its history (only protocols found in some release)
    by_namespace: dict[str, History]
    #: what was left out and why (a release whose schema has errors)
    notes: list[str] = field(default_factory=list)
    #: what the run found in the cache and what it had to make
    cache: HistoryCache = field(default_factory=lambda: HistoryCache(None))
    roots: tuple[RootSpec, ...] = DEFAULT_ROOTS
    #: releases (or trees) that were loaded, not found in the cache
    loaded: int = 0

    def for_root(self, path: str) -> History | None:
        """The history of the protocol whose root is ``path`` (by the end of
        the path: ``.../qga/qapi-schema.json`` is QGA)."""
        namespace = namespace_of(path, self.roots)
        return self.by_namespace.get(namespace) if namespace is not None else None


def namespace_of(path: str, roots: Sequence[RootSpec] = DEFAULT_ROOTS) -> str | None:
    """The protocol whose root file ``path`` is: the longest root path
    that ends it."""
    norm = "/" + os.path.normpath(os.path.abspath(path)).replace(os.sep, "/")
    best: tuple[int, str] | None = None
    for namespace, candidates in roots:
        for candidate in candidates:
            if norm.endswith("/" + candidate.strip("/")) and (best is None or len(candidate) > best[0]):
                best = (len(candidate), namespace)
    return best[1] if best is not None else None


def release_version(text: str) -> Version | None:
    """``10.2.50`` or ``v7.2.0`` -> (10, 2), (7, 2)."""
    m = re.search(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _dialect(version: Version) -> Version:
    return max(OLDEST, min(NEWEST, version))


def _blocking(result: LoadResult) -> list[str]:
    """Errors that can leave a definition out of the model (QD1xx-QD3xx):
    a release with them would show things as removed."""
    return [f"{d.span or d.path}: {d.message}" for d in result.diagnostics
            if d.level is Severity.ERROR and d.code < "QD400"]


@dataclass(slots=True)
class _Reading:
    options: HistoryOptions
    cache: HistoryCache
    notes: list[str] = field(default_factory=list)
    #: per protocol: (release, snapshot key, snapshot) in release order
    found: dict[str, list[tuple[Release, str, Snapshot | None]]] = field(default_factory=dict)
    #: releases (or trees) loaded, not found in the cache
    loaded: int = 0
    #: loads a release's root again when its cache entry is damaged
    reload: Callable[[Release, str], Snapshot | None] | None = None

    def histories(self) -> dict[str, History]:
        out: dict[str, History] = {}
        for namespace, _ in self.options.roots:
            entries = [(r, k, s) for r, k, s in self.found.get(namespace, []) if k]
            if not entries:
                continue
            key = cache_key("history", namespace, [[r.name, k] for r, k, _ in entries])
            cached = self.cache.get("history", key)
            history = _decode(history_from_json, cached)
            if history is None:
                snaps = [s if s is not None else self.snapshot(r, namespace, k) for r, k, s in entries]
                history = build_history([s for s in snaps if s is not None], namespace)
                self.cache.put("history", key, history_to_json(history))
            out[namespace] = history
        return out

    def snapshot(self, release: Release, namespace: str, key: str) -> Snapshot | None:
        snap: Snapshot | None = _decode(snapshot_from_json, self.cache.get("snapshot", key))
        if snap is None and self.reload is not None:
            snap = self.reload(release, namespace)
        return snap


def _load_root(release: Release, namespace: str, root: str, reader: SourceReader,
               where: Callable[[Span | None], str], notes: list[str]) -> tuple[Snapshot | None, list[str]]:
    """Load one root; its snapshot and the files it read (None and [] if
    its definitions have errors, with a note saying so)."""
    result = load_schema(root, LoadOptions(dialect=_dialect(release.version), docs=False), reader)
    problems = _blocking(result)
    if result.schema is None or problems:
        notes.append(f"{release.name}: {root}: left out of the {namespace} history: "
                     f"{problems[0] if problems else 'cannot be read'}"
                     + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        return None, []
    files = [reader.identity(m.file.path) for m in result.modules]
    return snapshot(result.schema, release, namespace, root, where), files


def _decode(decode: Callable[[Any], Any], data: Any) -> Any:
    if data is None:
        return None
    try:
        return decode(data)
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _where_in(base: Callable[[str], str]) -> Callable[[Span | None], str]:
    """``file:line`` with the file named by ``base`` (computed once per file)."""
    names: dict[int, tuple[SourceFile, str]] = {}

    def where(span: Span | None) -> str:
        if span is None:
            return ""
        file = span[0]
        known = names.get(id(file))
        if known is None or known[0] is not file:
            known = names[id(file)] = (file, base(file.path) + ":")
        return known[1] + str(file.line_of(span[1]))
    return where


# --- git -------------------------------------------------------------------------------

def read_repository(path: str, options: HistoryOptions | None = None) -> Histories:
    """The histories of the release tags of the git repository at ``path``.

    Raises :class:`qapidoc.gitobjects.GitError` when git cannot read it."""
    options = options or HistoryOptions()
    cache = HistoryCache(options.cache_dir)
    reading = _Reading(options, cache)
    with GitRepo(path) as repo:
        tags = repo.tags(options.tags)
    index_key = cache_key("index", [[t.name, t.tree] for t in tags], options.roots)
    indexed = _decode(_index_from_json, cache.get("index", index_key))
    if indexed is not None:
        releases, keys, notes = indexed
        histories = {ns: h for ns, h in ((ns, _decode(history_from_json, cache.get("history", k)))
                                         for ns, k in keys.items()) if h is not None}
        if len(histories) == len(keys):
            return Histories(releases, histories, notes, cache, options.roots)
    by_name = {t.name: t for t in tags}

    def reload(release: Release, namespace: str) -> Snapshot | None:
        with GitRepo(path) as repo:
            result = _load_and_store(repo, by_name[release.name], options)
        reading.loaded += 1
        return result.roots.get(namespace, ("", None))[1]
    reading.reload = reload
    # What the cache has, and what must be loaded (in worker processes
    # when there are several tags to load and jobs to spare).
    results: list[_TagResult | None] = [_cached_tag(cache, options, t.name, t.tree) for t in tags]
    todo = [(i, t) for i, t in enumerate(tags) if results[i] is None]
    jobs = min(options.jobs, len(todo))
    if jobs > 1:
        import concurrent.futures  # (only when there is work for them)
        import multiprocessing
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                              else None)
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            futures = [(i, pool.submit(_load_and_store, path, t, options)) for i, t in todo]
            for i, future in futures:
                results[i] = future.result()
    elif todo:
        with GitRepo(path) as repo:
            for i, t in todo:
                results[i] = _load_and_store(repo, t, options)
    reading.loaded = len(todo)
    releases_read: list[Release] = []
    for result in results:
        assert result is not None
        reading.notes.extend(result.notes)
        if result.release is None or not result.roots:
            continue
        releases_read.append(result.release)
        for namespace, (key, snap) in result.roots.items():
            if snap is not None and not snap.nodes and snap.parts is not None:
                snap = dataclasses.replace(snap, nodes=expand(snap.parts))
            reading.found.setdefault(namespace, []).append((result.release, key, snap))
    histories = reading.histories()
    cache.put("index", index_key, {
        "releases": [[r.name, list(r.version)] for r in releases_read],
        "histories": {ns: cache_key("history", ns, [[r.name, k] for r, k, _ in reading.found[ns] if k])
                      for ns in histories},
        "notes": reading.notes})
    return Histories(tuple(releases_read), histories, reading.notes, cache, options.roots, reading.loaded)


class _TagResult(NamedTuple):
    """One tag read: its release, each protocol's snapshot (with its cache
    key; None when it is in the cache), and what was left out."""

    release: Release | None
    roots: dict[str, tuple[str, Snapshot | None]]
    notes: list[str]


def _index_from_json(data: Any) -> tuple[tuple[Release, ...], dict[str, str], list[str]]:
    releases = tuple(Release(name, (v[0], v[1])) for name, v in data["releases"])
    return releases, {str(k): str(v) for k, v in data["histories"].items()}, [str(n) for n in data["notes"]]


def _manifest_key(options: HistoryOptions, name: str, tree: str) -> str:
    return cache_key("manifest", tree, name, options.roots)


def _cached_tag(cache: HistoryCache, options: HistoryOptions, name: str, tree: str) -> _TagResult | None:
    """The tag as the cache has it, if it has all of it."""
    cached = _decode(_manifest_from_json, cache.get("manifest", _manifest_key(options, name, tree)))
    if cached is None:
        return None
    release, roots, notes = cached
    if not all(cache.has("snapshot", key) for key in roots.values()):
        return None
    return _TagResult(release, {ns: (key, None) for ns, key in roots.items()}, notes)


def _load_and_store(repo: GitRepo | str, tag: Tag, options: HistoryOptions) -> _TagResult:
    """Load every root of one tag and put the snapshots in the cache.  In a
    worker process (``repo`` given as a path) the snapshots come back
    without their nodes, which the parent expands: that is cheaper than
    sending them."""
    if isinstance(repo, str):
        with GitRepo(repo) as opened:
            result = _load_and_store(opened, tag, options)
        return result._replace(roots={ns: (key, dataclasses.replace(snap, nodes=()) if snap else None)
                                      for ns, (key, snap) in result.roots.items()})
    result = _load_tag(repo, tag.name, tag.commit, options.roots)
    cache = HistoryCache(options.cache_dir)
    for key, snap in result.roots.values():
        assert snap is not None
        cache.put("snapshot", key, snapshot_to_json(snap))
    if result.release is not None:
        cache.put("manifest", _manifest_key(options, result.release.name, tag.tree), {
            "name": result.release.name, "version": list(result.release.version),
            "roots": {ns: key for ns, (key, _) in result.roots.items()}, "notes": result.notes})
    return result


def _load_tag(repo: GitRepo, name: str, commit: str, roots: tuple[RootSpec, ...]) -> _TagResult:
    """Load every root of one tag."""
    files = repo.files(commit)
    reader = GitTreeReader(repo, files)
    version = release_version(reader.read("VERSION")) if "VERSION" in files else None
    version = version or release_version(name)
    if version is None:
        return _TagResult(None, {}, [f"{name}: no VERSION file and no version in the tag's name: left out"])
    release = Release(name, version)
    where = _where_in(posixpath.normpath)
    found: dict[str, tuple[str, Snapshot | None]] = {}
    notes: list[str] = []
    chosen = [(ns, next((c for c in candidates if c in files), None)) for ns, candidates in roots]
    # One round trip for the schema files beside the roots (and in qapi/,
    # which the storage daemon's root includes from).
    folders = {posixpath.dirname(r) for _, r in chosen if r is not None} | {"qapi"}
    reader.prefetch(p for p in files if p.endswith(".json") and posixpath.dirname(p) in folders)
    for namespace, root in chosen:
        if root is None:
            continue
        snap, read = _load_root(release, namespace, root, reader, where, notes)
        if snap is None:
            continue
        blobs = sorted((p, files.get(p, "")) for p in read)
        found[namespace] = (cache_key("snapshot", name, list(version), namespace, root, blobs), snap)
    return _TagResult(release, found, notes)


def _manifest_from_json(data: Any) -> tuple[Release, dict[str, str], list[str]]:
    return (Release(str(data["name"]), (data["version"][0], data["version"][1])),
            {str(k): str(v) for k, v in data["roots"].items()}, [str(n) for n in data["notes"]])


# --- directories ------------------------------------------------------------------------

def read_trees(trees: Sequence[str], options: HistoryOptions | None = None) -> Histories:
    """The histories of directories, each holding one release's schema.

    A tree is ``DIR`` or ``LABEL=DIR``; its version comes from its
    ``VERSION`` file, else from the label or the directory's name
    (``qemu-7.2``).  Trees are read in version order."""
    options = options or HistoryOptions()
    cache = HistoryCache(options.cache_dir)
    reading = _Reading(options, cache)
    listed: list[tuple[Release, str]] = []
    for spec in trees:
        label, sep, directory = spec.partition("=")
        if not sep:
            label, directory = os.path.basename(os.path.normpath(spec)), spec
        version = None
        version_file = os.path.join(directory, "VERSION")
        if os.path.isfile(version_file):
            version = release_version(FILE_SYSTEM.read(version_file))
        version = version or release_version(label)
        if version is None:
            reading.notes.append(f"{spec}: no VERSION file and no version in its name: left out")
            continue
        listed.append((Release(label, version), directory))
    listed.sort(key=lambda item: (item[0].version, version_key(item[0].name)))
    directories = {release.name: os.path.abspath(directory) for release, directory in listed}

    def reload(release: Release, namespace: str) -> Snapshot | None:
        base = directories[release.name]
        candidates = dict(options.roots)[namespace]
        root = next((c for c in candidates if os.path.isfile(os.path.join(base, c))), None)
        reading.loaded += 1
        return _load_tree_root(reading, release, base, namespace, root)[1] if root is not None else None
    reading.reload = reload
    releases: list[Release] = []
    for release, directory in listed:
        if _read_tree(reading, release, directory):
            releases.append(release)
    return Histories(tuple(releases), reading.histories(), reading.notes, cache, options.roots,
                     reading.loaded)


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _read_tree(reading: _Reading, release: Release, directory: str) -> bool:
    """Read one directory's roots (from the cache where it can); whether any
    was found."""
    found = loaded = False
    base = os.path.abspath(directory)
    for namespace, candidates in reading.options.roots:
        root = next((c for c in candidates if os.path.isfile(os.path.join(base, c))), None)
        if root is None:
            continue
        key = _cached_tree_root(reading.cache, release, base, root)
        snap = None
        if key is None:
            loaded = True
            key, snap = _load_tree_root(reading, release, base, namespace, root)
            if snap is None:
                continue
        reading.found.setdefault(namespace, []).append((release, key, snap))
        found = True
    reading.loaded += loaded
    return found


def _tree_manifest_key(release: Release, base: str, root: str) -> str:
    return cache_key("tree", base, root, release.name, list(release.version))


def _cached_tree_root(cache: HistoryCache, release: Release, base: str, root: str) -> str | None:
    """The snapshot key of a root whose files have not changed since the
    cache saw them.  A directory has no tree id: its files' sizes and
    modification times stand for it."""
    manifest = cache.get("manifest", _tree_manifest_key(release, base, root))
    if manifest is None:
        return None
    try:
        unchanged = all(_stat(os.path.join(base, p)) == s for p, s in manifest["files"].items())
        key = str(manifest["key"])
    except (KeyError, TypeError, AttributeError):
        return None
    return key if unchanged and cache.has("snapshot", key) else None


def _load_tree_root(reading: _Reading, release: Release, base: str, namespace: str,
                    root: str) -> tuple[str, Snapshot | None]:
    where = _where_in(lambda p: os.path.relpath(p, base))
    snap, read = _load_root(release, namespace, os.path.join(base, root), FILE_SYSTEM, where, reading.notes)
    if snap is None:
        return "", None
    snap = dataclasses.replace(snap, root=root)
    stats = {os.path.relpath(p, base): _stat(p) for p in read}
    key = cache_key("snapshot", "tree", base, release.name, namespace, root, sorted(stats.items()))
    reading.cache.put("snapshot", key, snapshot_to_json(snap))
    reading.cache.put("manifest", _tree_manifest_key(release, base, root), {"files": stats, "key": key})
    return key, snap
