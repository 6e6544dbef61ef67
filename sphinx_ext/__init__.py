"""qapidoc_sphinx: QAPI schemas in Sphinx.

One line in ``conf.py`` loads it::

    extensions = ["qapidoc_sphinx"]

and a page renders a schema::

    .. qapi-doc:: ../qapi/qapi-schema.json
       :namespace: QMP
       :split: section

What it registers:

* the ``qapi`` domain (:mod:`.domain`): an object type per meta-type,
  roles, per-namespace indices, ``objects.inv`` entries;
* the directives ``qapi-doc`` / ``qapi:schema``, ``qapi-definition`` /
  ``qapi:definition`` and ``qmp-example`` / ``qapi:example``
  (:mod:`.directives`), and ``qapi-changelog`` / ``qapi:changelog``
  (:mod:`.changelog`, with ``qapidoc_history``); the global names only
  where no other extension took them (QEMU's own extension registers
  ``qapi-doc`` too);
* the ``qmp`` Pygments lexer (:mod:`.lexer`);
* the split pages (:mod:`.pages`) and the JSON Schema files
  (:mod:`.schemafiles`).

The rendering itself is :mod:`.rstgen`, which knows nothing of Sphinx.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import os
import re
import weakref
from typing import Any

from docutils import nodes as docutils_nodes
from docutils.parsers.rst import directives as docutils_directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from . import deferred, safety
from . import nodes as qnodes
from ._core import core, rst_policy
from .cache import clear as clear_schemas
from .cache import get_schema
from .changelog import QapiChangelogDirective
from .charrefs import latin1_html
from .directives import (
    QapiDefinitionDirective,
    QapiDocDirective,
    QmpExampleDirective,
    extra_allowed_directives,
    resolve_schema_path,
    restore_smartquotes,
    unresolved_reference,
)
from .domain import KNOWN_NAMESPACES, QapiDomain, make_indices
from .history import add_config_values as add_history_config
from .lexer import QmpLexer
from .pages import DirectiveUse, scan_sources, write_split_pages
from .rows import ResolveRows, visit_row_term_html
from .schemafiles import write_schema_files

__all__ = ["__version__", "setup"]

__version__: str = core.__version__
logger = logging.getLogger(__name__)

_HERE = os.path.dirname(os.path.abspath(__file__))


def _env_version() -> int:
    """Tied to the version and to the extension's own code, so that an
    upgrade (or, in a development checkout, an edit of the extension)
    rebuilds every page."""
    digest = hashlib.sha1(__version__.encode())
    for name in sorted(os.listdir(_HERE)):
        if name.endswith(".py"):
            with open(os.path.join(_HERE, name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
    return int(digest.hexdigest()[:8], 16)


class _State:
    """What the configuration-time scan found, per application."""

    def __init__(self) -> None:
        self.uses: list[DirectiveUse] = []
        self.parts: dict[str, list[str]] = {}
        #: the garbage collector's settings before the build tuned them
        self.gc_thresholds: tuple[int, int, int] | None = None
        self.gc_frozen = False


# A schema's pages are some hundred thousand docutils nodes, each linked to
# its parent (a cycle), made and dropped by the thousand: Python's cyclic
# collector runs again and again over everything alive, which cost a fifth
# of the build.  During the build (qapidoc_gc_tuning) the first generation
# is collected less often, and what exists before the pages are read
# (Sphinx itself, the loaded schemas) is moved out of the collector's way.
_GC_THRESHOLDS = (100_000, 50, 1_000)


def _tune_gc(app: Sphinx) -> None:
    state = _state(app)
    if app.config.qapidoc_gc_tuning and state.gc_thresholds is None:
        state.gc_thresholds = gc.get_threshold()
        gc.set_threshold(*_GC_THRESHOLDS)


def _freeze_gc(app: Sphinx) -> None:
    state = _state(app)
    if app.config.qapidoc_gc_tuning and not state.gc_frozen and hasattr(gc, "freeze"):
        # Garbage is collected first, or it would be frozen with the rest:
        # the lint's docutils parsers, closures of the JSON encoder (some
        # 18,000 objects in cycles for QEMU's schema).  Cheaper here, where
        # no page is read yet, than once the pages and their bodies exist.
        gc.collect()
        gc.freeze()
        state.gc_frozen = True


def _restore_gc(app: Sphinx) -> None:
    state = _state(app)
    if state.gc_frozen:
        gc.unfreeze()
        state.gc_frozen = False
    if state.gc_thresholds is not None:
        gc.set_threshold(*state.gc_thresholds)
        state.gc_thresholds = None


_STATES: weakref.WeakKeyDictionary[Sphinx, _State] = weakref.WeakKeyDictionary()


def _state(app: Sphinx) -> _State:
    state = _STATES.get(app)
    if state is None:
        state = _STATES[app] = _State()
    return state


def _config_inited(app: Sphinx, config: Config) -> None:
    # Our CSS: added here, not when the builder starts, so that the setting
    # is the same in the saved environment and does not look changed.
    static = os.path.join(_HERE, "static")
    if static not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, static]
    state = _state(app)
    never = sorted({str(n).lower() for n in config.qapidoc_allowed_directives} & rst_policy.NEVER_DIRECTIVES)
    if never:
        logger.warning("qapidoc_allowed_directives: %s read files or are the extension's own; doc comments may "
                       "never use them", ", ".join(never), type="qapi", subtype="config")
    _tune_gc(app)
    state.uses = scan_sources(app)
    try:
        state.parts = write_split_pages(app, state.uses)
    except OSError as err:
        logger.warning("cannot write the split pages: %s", err, type="qapi", subtype="split")
    namespaces: list[str | None] = []
    for ns in config.qapidoc_namespaces:
        problem = safety.namespace_problem(str(ns))
        if problem is not None:
            logger.error("qapidoc_namespaces: %s", problem, type="qapi", subtype="namespace")
        elif ns not in namespaces:
            namespaces.append(ns)
    for use in state.uses:
        ns = (use.options.get("namespace") or "").strip() or None
        # (the directive reports a namespace that is not one)
        if ns not in namespaces and (ns is None or safety.namespace_problem(ns) is None):
            namespaces.append(ns)
    if not namespaces:
        namespaces.append(None)
    KNOWN_NAMESPACES.update(ns for ns in namespaces if ns)
    for index in make_indices(namespaces):
        app.add_index_to_domain("qapi", index)


def _schemas_of(app: Sphinx, docname: str) -> list[tuple[str, tuple[int, int] | None]]:
    out = []
    for use in _state(app).uses:
        if use.docname != docname:
            continue
        m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", use.options.get("dialect", ""))
        dialect = (int(m.group(1)), int(m.group(2))) if m else None
        out.append((resolve_schema_path(app.config, str(app.srcdir), use.argument, docname), dialect))
    return out


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    # Load what the pages need before Sphinx forks its readers (-j N), so that
    # every worker shares one copy.
    wanted = set(docnames)
    for use in _state(app).uses:
        if use.docname in wanted:
            for path, dialect in _schemas_of(app, use.docname):
                entry = get_schema(path, dialect)
                entry.items()
                entry.diagnostics(app.config.qapidoc_lint, app.config.qapidoc_lint_config,
                                  extra_allowed_directives(app.config))
                split = use.options.get("split")
                if split in ("module", "section"):
                    entry.plan(split)
    _freeze_gc(app)


def _outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
              removed: set[str]) -> list[str]:
    """Pages to read again beyond what Sphinx finds itself: those whose
    schema changed in what every page depends on (dialect, pragmas, the list
    of files), and split fronts whose list of parts changed."""
    domain = env.get_domain("qapi")
    assert isinstance(domain, QapiDomain)
    parts = _state(app).parts
    extra = []
    for docname, info in list(domain.docinfo.items()):
        if docname in changed or docname in removed or docname not in env.all_docs:
            continue
        for used in info.get("schemas", []):
            if "parts" in used and parts.get(docname) is not None and parts[docname] != used["parts"]:
                extra.append(docname)
                break
            stamps = used.get("stamps", {})
            if all(_mtime(p) == m for p, m in stamps.items()):
                continue
            entry = get_schema(used["path"], used.get("dialect"))
            if entry.global_fingerprint() != used.get("global"):
                extra.append(docname)
                break
    return extra


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _build_finished(app: Sphinx, exception: Exception | None) -> None:
    _restore_gc(app)
    if app.config.qapidoc_gc_tuning:
        _skip_collection_at_exit()


_AT_EXIT: list[bool] = []


def _skip_collection_at_exit() -> None:
    """When the process ends, no collection of what the build left.

    Sphinx's log handlers keep the application, and with it the
    environment and the last pages' doctrees, until the process ends; the
    interpreter, ending, collects them several times over (in cycles: every
    node knows its parent), which for QEMU's reference page cost 1.9 s of
    CPU after the build was done, a quarter of the whole process.  Frozen
    at exit (the handler runs before the interpreter tears down its
    modules), they are left to the operating system.  A process that goes
    on (a build run in a test, a server) collects them as usual: nothing
    changes before it ends.  Python's ``atexit`` handlers run last first:
    those registered before ours (logging's, which flushes the logs) still
    run."""
    if not _AT_EXIT and hasattr(gc, "freeze"):
        _AT_EXIT.append(True)
        atexit.register(gc.freeze)


def _env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Every page is read: write the JSON Schema files, then let go of the
    loaded schemas (writing the pages does not need them, and the memory
    they free is what writing fills)."""
    try:
        _write_files(app)
    finally:
        clear_schemas()
        state = _state(app)
        if state.gc_frozen:
            # (no collection: the schemas are freed by their reference
            # counts; a full collection here, with the pages read, took
            # 0.3 s for QEMU's schema)
            gc.unfreeze()
            state.gc_frozen = False
    return []


def _write_files(app: Sphinx) -> None:
    if app.builder.format != "html" or not app.config.qapidoc_jsonschema:
        return
    domain = app.env.get_domain("qapi")
    assert isinstance(domain, QapiDomain)
    wanted: set[tuple[str, tuple[int, int] | None]] = set()
    for info in domain.docinfo.values():
        for used in info.get("schemas", []):
            dialect = used.get("dialect")
            wanted.add((used["path"], (int(dialect[0]), int(dialect[1])) if dialect else None))
    for problem in write_schema_files(str(app.outdir), str(app.srcdir), sorted(wanted, key=repr)):
        logger.error("%s", problem, type="qapi", subtype="jsonschema")


def _check_urls(app: Sphinx, doctree: docutils_nodes.document, docname: str) -> None:
    """``doctree-resolved``, after every other handler: no URL the policy
    refuses stays on a page that shows a schema, nor in doc-comment text
    Sphinx copied elsewhere (see :mod:`.safety`)."""
    domain = app.env.get_domain("qapi")
    assert isinstance(domain, QapiDomain)
    files: set[str] = set()
    for info in domain.docinfo.values():
        for used in info.get("schemas", []):
            files.update(used.get("stamps", {}))
            files.add(used["path"])

    def from_doc_comment(source: str | None) -> bool:
        return source is not None and source in files

    safety.neutralise_urls(doctree, docname in domain.docinfo, from_doc_comment, from_doc_comment)
    if app.builder.format == "html" and docname in domain.docinfo:
        latin1_html(doctree)


def _register_directive(app: Sphinx, name: str, cls: type[Any]) -> None:
    """Register a global directive unless another extension has it."""
    if name in docutils_directives._directives:
        logger.info("qapidoc_sphinx: the directive %r belongs to another extension; ours is available "
                    "in the qapi domain", name)
        return
    app.add_directive(name, cls)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("qapidoc_srctree", None, "env", types=[str, type(None)])
    app.add_config_value("qapidoc_namespaces", [], "env", types=[list, tuple, set])
    app.add_config_value("qapidoc_inline", "members", "env", types=[str])
    app.add_config_value("qapidoc_toc_types", False, "env", types=[bool])
    app.add_config_value("qapidoc_jsonschema", True, "env", types=[bool])
    app.add_config_value("qapidoc_allowed_directives", [], "env", types=[list, tuple, set])
    app.add_config_value("qapidoc_default_schema", None, "env", types=[str, type(None)])
    app.add_config_value("qapidoc_rst_warnings", "lint", "env", types=[str])
    app.add_config_value("qapidoc_lint", True, "env", types=[bool])
    app.add_config_value("qapidoc_lint_config", None, "env", types=[str, type(None)])
    app.add_config_value("qapidoc_smartquotes", False, "env", types=[bool])
    app.add_config_value("qapidoc_unresolved_references", "info", "env", types=[str])
    app.add_config_value("qapidoc_gc_tuning", True, "", types=[bool])
    app.add_config_value("qapidoc_defer_bodies", True, "env", types=[bool])
    add_history_config(app)

    app.add_domain(QapiDomain)
    app.add_directive_to_domain("qapi", "schema", QapiDocDirective)
    app.add_directive_to_domain("qapi", "definition", QapiDefinitionDirective)
    app.add_directive_to_domain("qapi", "example", QmpExampleDirective)
    _register_directive(app, "qapi-doc", QapiDocDirective)
    _register_directive(app, "qapi-definition", QapiDefinitionDirective)
    _register_directive(app, "qmp-example", QmpExampleDirective)
    app.add_directive_to_domain("qapi", "changelog", QapiChangelogDirective)
    _register_directive(app, "qapi-changelog", QapiChangelogDirective)

    app.add_lexer("qmp", QmpLexer)
    from sphinx.highlighting import lexer_classes

    if "QMP" not in lexer_classes:
        app.add_lexer("QMP", QmpLexer)

    handlers = qnodes.node_handlers()
    handlers[qnodes.row_term]["html"] = (visit_row_term_html, qnodes.depart_row_term)
    for node, node_handlers in handlers.items():
        app.add_node(node, **node_handlers)  # type: ignore[arg-type]
    app.add_css_file("qapidoc.css")

    app.connect("config-inited", _config_inited)
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-updated", _env_updated)
    app.connect("build-finished", _build_finished)
    app.connect("doctree-read", restore_smartquotes)
    app.connect("doctree-read", deferred.save)
    app.add_post_transform(deferred.RestoreBodies)
    app.add_post_transform(ResolveRows)
    app.connect("missing-reference", unresolved_reference)
    # late: after Sphinx's and other extensions' handlers (todolist copies)
    app.connect("doctree-resolved", _check_urls, priority=900)
    return {
        "version": __version__,
        "env_version": _env_version(),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
