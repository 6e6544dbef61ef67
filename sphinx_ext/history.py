"""Release badges: the history of the schema's repository on the manual's rows.

With ``qapidoc_history`` set in ``conf.py`` (a git repository whose release
tags to read, relative to the source directory), each member, enum
value and union branch row whose description says nothing of when gets a
"since X.Y" badge: the first release in which it is on the wire, from
``qapidoc history`` (:mod:`qapidoc.backends.releases`, cached as the command
caches it).  A history that cannot be read is one warning, and no badges.

    qapidoc_history = "../.."            # the QEMU checkout
    qapidoc_history_tags = "v*.*.0"      # the default
    qapidoc_history_cache = None         # default: $XDG_CACHE_HOME/qapidoc
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from ._core import optional_submodule
from .cache import SchemaEntry

__all__ = ["add_config_values", "read_histories", "since_lookup"]

logger = logging.getLogger(__name__)

#: (repository, tags, cache) -> the histories, or None if they cannot be read
_READ: dict[tuple[str, str, str | None], Any] = {}

Lookup = Callable[[str, str], "str | None"]


def add_config_values(app: Sphinx) -> None:
    app.add_config_value("qapidoc_history", None, "env", types=[str, type(None)])
    app.add_config_value("qapidoc_history_tags", "v*.*.0", "env", types=[str])
    app.add_config_value("qapidoc_history_cache", None, "", types=[str, type(None)])


def read_histories(config: Config, srcdir: str) -> Any:
    """The histories ``qapidoc_history`` names (once per process), or None:
    none configured, or one that cannot be read (said once, as a warning)."""
    return _histories(config, srcdir)


def _histories(config: Config, srcdir: str) -> Any:
    repository = config.qapidoc_history
    if not repository:
        return None
    releases = optional_submodule("backends.releases")
    cache_mod = optional_submodule("backends.history_cache")
    gitobjects = optional_submodule("gitobjects")
    if releases is None or cache_mod is None or gitobjects is None:
        return None
    path = os.path.normpath(os.path.join(srcdir, repository))
    cache = config.qapidoc_history_cache or cache_mod.default_cache_dir()
    key = (path, config.qapidoc_history_tags, cache)
    if key not in _READ:
        try:
            read = releases.read_repository(path, releases.HistoryOptions(tags=config.qapidoc_history_tags,
                                                                          cache_dir=cache))
        except gitobjects.GitError as err:
            logger.warning("qapidoc_history: %s; no release badges", err, type="qapi", subtype="history")
            read = None
        else:
            if not read.releases:
                logger.warning("qapidoc_history: no tag of %s matches %r; no release badges", path,
                               config.qapidoc_history_tags, type="qapi", subtype="history")
                read = None
        _READ[key] = read
    return _READ[key]


def since_lookup(config: Config, srcdir: str, entry: SchemaEntry) -> Lookup | None:
    """(documenting definition, member, value or branch name) -> the
    release it first appears in, for the schema of ``entry``; None without
    a history."""
    histories = _histories(config, srcdir)
    if histories is None or entry.result.schema is None:
        return None
    cached = entry._extra.get("history-since")
    if cached is not None and cached[0] is histories:
        known: Lookup = cached[1]
        return known
    releases = optional_submodule("backends.releases")
    dating_mod = optional_submodule("backends.dating")
    assert releases is not None and dating_mod is not None
    namespace = releases.namespace_of(entry.path, histories.roots)
    if namespace is None and len(histories.by_namespace) == 1:
        namespace = next(iter(histories.by_namespace))
    chosen = [histories.by_namespace[namespace]] if namespace in histories.by_namespace else []
    if namespace == "QSD" and "QMP" in histories.by_namespace:
        chosen.append(histories.by_namespace["QMP"])     # the storage daemon's modules are QMP's
    index = dating_mod.wire_index(entry.result.schema)
    dating = dating_mod.Dating(chosen)

    def lookup(owner: str, name: str) -> str | None:
        seen = dating.since(index.elements.get((owner, name), ()))
        return seen.release.label if seen is not None else None

    entry._extra["history-since"] = (histories, lookup)
    return lookup
