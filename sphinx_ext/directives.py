"""The directives that read schemas, and the safe parse of doc comments.

* ``.. qapi-doc:: schema.json`` (also ``.. qapi:schema::``, which is ours
  even when another extension owns ``qapi-doc``): a whole schema, a subset,
  one part of a split schema, or a split schema's front page;
* ``.. qapi-definition:: NAME`` (also ``.. qapi:definition::``): one
  definition;
* ``.. qmp-example::`` (also ``.. qapi:example::``): a QMP example.

Doc comments come from schema authors, not from the documentation's
authors: they are parsed under :mod:`qapidoc.rst_policy`, by :mod:`.safety`.
A doc comment that tries anything else gets a warning at its ``.json`` line
(``qapidoc lint``'s finding), and nothing in the output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, switch_source_input

from . import deferred, rstgen, safety
from ._core import diagnostics as diag_mod
from ._core import optional_submodule, rst_policy
from ._core import rules as rules_mod
from .cache import SchemaEntry, get_schema
from .history import since_lookup
from .leftovers import Notice

__all__ = [
    "LintCoverage", "QapiDefinitionDirective", "QapiDocDirective", "QmpExampleDirective", "emit_diagnostics",
    "extra_allowed_directives", "resolve_schema_path", "restore_smartquotes", "unresolved_reference",
]

logger = logging.getLogger(__name__)

_SAVED_QUOTES = "qapidoc_saved_smart_quotes"


def unresolved_reference(app: Any, env: Any, node: addnodes.pending_xref,
                         contnode: nodes.Element) -> nodes.Element | None:
    """``missing-reference``: a reference in a doc comment that nothing in
    the project resolves (the QEMU manual page or the other protocol it
    names is not part of this build) is shown as text, and said at the
    info level; with ``qapidoc_unresolved_references = "warning"`` Sphinx
    warns as usual."""
    if not node.get("qapi:doctext") or app.config.qapidoc_unresolved_references != "info":
        return None
    from docutils.utils import get_source_line

    source, line = get_source_line(node)
    logger.info("%s:%s: reference to %r: not in this project; shown as text", source, line,
                node.get("reftarget", ""))
    return contnode


def restore_smartquotes(app: Any, doctree: nodes.document) -> None:
    """``doctree-read``: give the next page the setting (the settings object
    may be shared between pages)."""
    settings = doctree.settings
    if hasattr(settings, _SAVED_QUOTES):
        settings.smart_quotes = getattr(settings, _SAVED_QUOTES)
        delattr(settings, _SAVED_QUOTES)


_CONTEXT_KEYS = ("qapi:namespace", "qapi:module", "qapi:object", "qapi:anchor", "qapi:quiet", "qapi:field-role")


# --- paths ----------------------------------------------------------------------

def resolve_schema_path(config: Any, srcdir: str, argument: str, docname: str) -> str:
    """A schema path as a directive gives it -> an absolute path.

    With ``qapidoc_srctree`` set (QEMU's convention), relative to that
    directory; otherwise like ``.. include::``: relative to the document,
    or to the source directory when it starts with ``/``.  An absolute path
    that exists outside the source directory is taken as it is.
    """
    srctree = config.qapidoc_srctree
    if srctree:
        base = srctree if os.path.isabs(srctree) else os.path.join(srcdir, srctree)
        return os.path.normpath(os.path.join(base, argument.lstrip("/") if not os.path.isabs(argument)
                                             else argument))
    if os.path.isabs(argument) and os.path.exists(argument) and not os.path.exists(
            os.path.join(srcdir, argument.lstrip("/"))):
        return os.path.normpath(argument)
    if argument.startswith("/"):
        return os.path.normpath(os.path.join(srcdir, argument.lstrip("/")))
    docdir = os.path.dirname(docname)
    return os.path.normpath(os.path.join(srcdir, docdir, argument))


# --- safe parsing of doc comments -------------------------------------------------

def _default_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                  options: dict[str, Any] | None = None,
                  content: Sequence[str] = ()) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """`` `Name` `` in a doc comment: a reference to a definition (or, as
    Sphinx's ``any`` role, to a label)."""
    from .domain import QapiDomain

    role = QapiDomain.roles["any"]
    result: tuple[list[nodes.Node], list[nodes.system_message]] = role(
        "qapi:any", rawtext, text, lineno, inliner, options or {}, list(content))
    return result


class LintCoverage:
    """Whether ``qapidoc lint`` checks a schema's rST (and its findings are
    shown), so that the build does not report the same problems twice."""

    def __init__(self, rst: bool, quiet_docutils: bool = False) -> None:
        #: lint checks this schema's rST (QD6xx), and its findings are shown
        self.rst = rst
        #: docutils' own messages about doc comments are left to lint
        self.quiet_docutils = quiet_docutils

    @classmethod
    def of(cls, config: Any, dialect: tuple[int, int]) -> LintCoverage:
        if not config.qapidoc_lint or dialect < (5, 2) or optional_submodule("lint.rst_checks") is None:
            return cls(False)
        return cls(True, config.qapidoc_rst_warnings == "lint")


def extra_allowed_directives(config: Any) -> frozenset[str]:
    """What ``qapidoc_allowed_directives`` adds to the directives doc
    comments may use (never those that read files or are the extension's)."""
    names = frozenset(str(n).lower() for n in config.qapidoc_allowed_directives)
    return names - rst_policy.NEVER_DIRECTIVES


def parse_generated(directive: SphinxDirective, rendered: rstgen.Rendered, *,
                    titles: bool, lint: LintCoverage | None = None) -> list[nodes.Node]:
    """Parse generated rST (its lines mapped to the schema) safely."""
    content = safety.string_list(rendered.lines)
    container = nodes.container()
    state = directive.state
    lint = lint or LintCoverage(False)
    allowed = extra_allowed_directives(directive.config)
    memo = state.memo
    styles, level = memo.title_styles, memo.section_level
    env = directive.env
    with (deferred.collecting(env) as definitions,
          safety.doc_comment_parsing(state, allowed, _default_role, quiet=lint.rst,
                                     quiet_docutils=lint.quiet_docutils),
          switch_source_input(state, content)):
        if titles:
            memo.title_styles, memo.section_level = [], 0
        try:
            state.nested_parse(content, 0, container, match_titles=titles)
        finally:
            memo.title_styles, memo.section_level = styles, level
    if not lint.rst:
        safety.report_links(container.children, content)
    for ref in container.findall(addnodes.pending_xref):
        if not ref.get("qapi:generated"):
            ref["qapi:doctext"] = True     # written by the schema's author
    for definition in definitions:
        deferred.defer(env, definition)
    _release_parsers(state)
    return list(container.children)


def _release_parsers(state: Any) -> None:
    """Let go of the nested parsers docutils keeps for reuse.

    Each keeps the last lines it parsed, a slice of the generated text that
    holds on to the whole of it (a slice knows its parent): for QEMU's
    schema, 51,000 lines and their sources, kept until the process ends.
    New parsers are made when needed."""
    cache = getattr(state, "nested_sm_cache", None)
    if isinstance(cache, list):
        for machine in cache:
            machine.unlink()
        cache.clear()


# --- diagnostics ------------------------------------------------------------------

def emit_diagnostics(found: Sequence[diag_mod.Diagnostic]) -> int:
    """Each finding as a Sphinx warning at its ``.json`` line.  Returns how
    many were warnings."""
    count = 0
    for diagnostic in found:
        severity = diagnostic.level
        path = diagnostic.file_path or "<schema>"
        line = diagnostic.line
        location = f"{path}:{line}" if line else path
        message = diagnostic.message
        if diagnostic.context is not None and severity is not rules_mod.Severity.INFO:
            message = f"{message} (in {diagnostic.context.meta} '{diagnostic.context.name}')"
        text = f"{message} [{diagnostic.code}]"
        if severity is rules_mod.Severity.INFO:
            logger.info(text, location=location)
            continue
        logger.warning(text, location=location, type="qapi", subtype=diagnostic.code)
        count += 1
    return count


def emit_notices(notices: Sequence[Notice]) -> None:
    """The renderer's own warnings (doc text shown other than as written
    to be), each at its ``.json`` line."""
    for notice in notices:
        logger.warning(notice.message, location=f"{notice.source}:{notice.line}", type="qapi",
                       subtype=notice.subtype)


def _assignments(entry: SchemaEntry, split: str, found: Sequence[diag_mod.Diagnostic]) -> dict[int, str]:
    """Which page (part id, or '' for the front page) reports each finding:
    the page holding the item the finding is in or just after."""
    def make() -> dict[int, str]:
        preamble, parts = entry.plan(split)
        marks: dict[str, list[tuple[int, str]]] = {}
        for part_id, items in [("", preamble.items), *((p.id, p.items) for p in parts)]:
            for item in items:
                marks.setdefault(item.file.path, []).append((_item_offset(item), part_id))
        for value in marks.values():
            value.sort()
        out: dict[int, str] = {}
        for d in found:
            if d.span is None:
                continue
            spots = marks.get(d.span.file.path)
            if not spots:
                continue
            chosen = spots[0][1]
            for offset, part_id in spots:
                if offset > d.span.start:
                    break
                chosen = part_id
            out[id(d)] = chosen
        return out

    return cast("dict[int, str]", entry.derived(f"assign:{split}", make))


def _item_offset(item: rstgen.Item) -> int:
    if isinstance(item, rstgen.Heading):
        return item.file.line_start(item.line)
    if isinstance(item, rstgen.FreeText):
        return item.doc.raw.start
    return item.doc.raw.start if item.doc is not None else item.file.line_start(1)


# --- qapi-doc -------------------------------------------------------------------

def namespace_option(text: str | None) -> str:
    """The ``:namespace:`` option: an identifier (docutils reports a
    ValueError as an error at the directive's line, and does not run it)."""
    value = (text or "").strip()
    problem = safety.namespace_problem(value) if value else None
    if problem is not None:
        raise ValueError(problem)
    return value


def _list(text: str | None) -> tuple[str, ...]:
    return tuple(w for w in re.split(r"[\s,]+", text or "") if w)


def _kinds(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    kinds = frozenset(_list(text))
    unknown = kinds - {"command", "event", "enum", "struct", "union", "alternate"}
    if unknown:
        raise ValueError(f"unknown kinds: {', '.join(sorted(unknown))} (expected command, event, enum, "
                         "struct, union, alternate)")
    return kinds


def _dialect(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    if not m:
        raise ValueError(f"not a QEMU release: {text!r} (expected e.g. 7.2)")
    return int(m.group(1)), int(m.group(2))


class _SchemaDirective(SphinxDirective):
    def plain_quotes(self) -> None:
        """Smart quotes off for this page (``qapidoc_smartquotes``): schema
        text quotes values (``'on'``, ``"running"``) that must stay as
        typed, and the transform costs a fifth of a big schema's build.
        Restored when the page is read (see ``restore_smartquotes``)."""
        if self.config.qapidoc_smartquotes:
            return
        settings = self.state.document.settings
        if getattr(settings, "smart_quotes", True) is not False and not hasattr(settings, _SAVED_QUOTES):
            setattr(settings, _SAVED_QUOTES, getattr(settings, "smart_quotes", True))
            settings.smart_quotes = False

    def schema_entry(self, argument: str) -> tuple[str, SchemaEntry]:
        path = resolve_schema_path(self.config, str(self.env.srcdir), argument, self.env.docname)
        try:
            dialect = _dialect(self.options.get("dialect"))
        except ValueError as err:
            logger.warning("%s", err, location=self.get_location(), type="qapi", subtype="option")
            dialect = None
        entry = get_schema(path, dialect)
        if entry.result.schema is None:
            for file in entry.files or [path]:
                self.env.note_dependency(file)
        return path, entry

    def depend_on(self, files: Iterable[str]) -> None:
        """Read this page again when one of ``files`` changes."""
        for file in files:
            self.env.note_dependency(os.path.abspath(file))

    def parse(self, entry: SchemaEntry, rendered: rstgen.Rendered, *, titles: bool) -> list[nodes.Node]:
        lint = LintCoverage.of(self.config, entry.result.dialect.version)
        emit_notices(rendered.notices)
        return parse_generated(self, rendered, titles=titles, lint=lint)

    def diagnostics(self, entry: SchemaEntry) -> list[diag_mod.Diagnostic]:
        return entry.diagnostics(self.config.qapidoc_lint, self.config.qapidoc_lint_config,
                                 extra_allowed_directives(self.config))

    def save_context(self) -> dict[str, Any]:
        return {k: self.env.ref_context[k] for k in _CONTEXT_KEYS if k in self.env.ref_context}

    def restore_context(self, saved: dict[str, Any]) -> None:
        for key in _CONTEXT_KEYS:
            self.env.ref_context.pop(key, None)
        self.env.ref_context.update(saved)

    def note_docinfo(self, path: str, entry: SchemaEntry, namespace: str | None, **extra: Any) -> None:
        from .domain import QapiDomain

        domain = cast("QapiDomain", self.env.get_domain("qapi"))
        info = domain.docinfo.setdefault(self.env.docname, {"schemas": []})
        info["schemas"].append({
            "path": path,
            "dialect": entry.dialect,
            "stamps": {p: m for p, m, _ in entry.stamps},
            "global": entry.global_fingerprint(),
            "namespace": namespace,
            **extra,
        })


class QapiDocDirective(_SchemaDirective):
    """``.. qapi-doc:: path/to/schema.json``: render a schema."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "namespace": namespace_option,
        "split": lambda arg: directives.choice(arg, ("none", "module", "section")),
        "split-dir": directives.unchanged,
        "part": directives.unchanged,
        "modules": directives.unchanged,
        "kinds": directives.unchanged,
        "include": directives.unchanged,
        "exclude": directives.unchanged,
        "dialect": directives.unchanged,
        "builtins": lambda arg: directives.choice(arg, ("show", "hide")),
        "inline": lambda arg: directives.choice(arg, ("members", "pointer")),
        "maxdepth": directives.nonnegative_int,
        "no-index": directives.flag,
        "qapifile": directives.unchanged,   # accepted (and ignored) like QEMU's
    }

    def render_options(self, entry: SchemaEntry) -> rstgen.RenderOptions:
        namespace = (self.options.get("namespace") or "").strip() or None
        try:
            kinds = _kinds(self.options.get("kinds"))
        except ValueError as err:
            logger.warning("%s", err, location=self.get_location(), type="qapi", subtype="option")
            kinds = None
        inline = self.options.get("inline") or self.config.qapidoc_inline
        from .schemafiles import schema_links

        return rstgen.RenderOptions(
            namespace=namespace,
            inline=inline != "pointer",
            kinds=kinds,
            include=_list(self.options.get("include")),
            exclude=_list(self.options.get("exclude")),
            modules=_list(self.options.get("modules")),
            schema_links=schema_links(self.env, entry),
            no_index="no-index" in self.options,
            since=since_lookup(self.config, str(self.env.srcdir), entry),
        )

    def run(self) -> list[nodes.Node]:
        self.plain_quotes()
        path, entry = self.schema_entry(self.arguments[0])
        result = entry.result
        split = self.options.get("split") or "none"
        part_id = self.options.get("part")
        options = self.render_options(entry)
        if result.schema is None:
            emit_diagnostics(self.diagnostics(entry))
            return []
        saved = self.save_context()
        if options.filtering:
            self.env.ref_context["qapi:quiet"] = True
        try:
            if part_id:
                return self.run_part(path, entry, split, part_id, options)
            if split != "none":
                return self.run_front(path, entry, split, options)
            return self.run_whole(path, entry, options)
        finally:
            self.restore_context(saved)

    def run_whole(self, path: str, entry: SchemaEntry, options: rstgen.RenderOptions) -> list[nodes.Node]:
        result = entry.result
        if options.modules:
            wanted = {f for f in entry.files if rstgen._module_wanted(f, options.modules, path)}
            emit_diagnostics([d for d in self.diagnostics(entry) if d.file_path in wanted])
        else:
            emit_diagnostics(self.diagnostics(entry))
        rendered = rstgen.render_items(result, entry.items(), options)
        self.depend_on(rendered.dependencies)
        out = self.parse(entry, rendered, titles=True)
        if self.options.get("builtins", "hide" if options.filtering else "show") == "show":
            out.extend(self.parse(entry, rstgen.render_builtins(result, options), titles=True))
        self.note_docinfo(path, entry, options.namespace)
        return out

    def run_part(self, path: str, entry: SchemaEntry, split: str, part_id: str,
                 options: rstgen.RenderOptions) -> list[nodes.Node]:
        result = entry.result
        if part_id == "builtin-types":
            self.depend_on([path])
            self.note_docinfo(path, entry, options.namespace)
            return self.parse(entry, rstgen.render_builtins(result, options), titles=True)
        _preamble, parts = entry.plan(split)
        part = next((p for p in parts if p.id == part_id), None)
        if part is None:
            logger.warning("%s has no part %r any more (split by %s)", path, part_id, split,
                           location=self.get_location(), type="qapi", subtype="split")
            return []
        found = self.diagnostics(entry)
        assigned = _assignments(entry, split, found)
        emit_diagnostics([d for d in found if assigned.get(id(d)) == part_id])
        rendered = rstgen.render_part(result, part, options)
        self.depend_on(rendered.dependencies)
        self.note_docinfo(path, entry, options.namespace, part=part_id)
        return self.parse(entry, rendered, titles=True)

    def run_front(self, path: str, entry: SchemaEntry, split: str, options: rstgen.RenderOptions) -> list[nodes.Node]:
        from .pages import refused, split_dir

        if refused(str(self.env.srcdir), self.env.docname) is not None:
            return []       # said when the pages were to be written
        result = entry.result
        preamble, parts = entry.plan(split)
        found = self.diagnostics(entry)
        assigned = _assignments(entry, split, found)
        emit_diagnostics([d for d in found if assigned.get(id(d), "") == ""])
        out: list[nodes.Node] = []
        self.depend_on([path])
        if preamble.items:
            rendered = rstgen.render_items(result, preamble.items, options)
            self.depend_on(rendered.dependencies)
            out.extend(self.parse(entry, rendered, titles=True))
        directory = split_dir(self.env.docname, self.options.get("split-dir"))
        ids = [p.id for p in parts]
        if self.options.get("builtins", "show") == "show":
            ids.append("builtin-types")
        toctree = addnodes.toctree()
        toctree["parent"] = self.env.docname
        toctree["entries"] = [(None, f"{directory}/{i}") for i in ids]
        toctree["includefiles"] = [f"{directory}/{i}" for i in ids]
        toctree["maxdepth"] = self.options.get("maxdepth", 1)
        toctree["caption"] = None
        toctree["glob"] = False
        toctree["hidden"] = False
        toctree["includehidden"] = False
        toctree["numbered"] = 0
        toctree["titlesonly"] = False
        self.set_source_info(toctree)
        wrapper = nodes.compound(classes=["toctree-wrapper", "qapi-parts"])
        wrapper += toctree
        out.append(wrapper)
        self.note_docinfo(path, entry, options.namespace, split=split, parts=ids)
        return out


class QapiDefinitionDirective(_SchemaDirective):
    """``.. qapi-definition:: NAME``: one definition of a schema
    (``:schema:``, else the last ``qapi-doc`` schema of the page, else
    ``qapidoc_default_schema``)."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Any]] = {
        "schema": directives.unchanged,
        "namespace": namespace_option,
        "dialect": directives.unchanged,
        "no-index": directives.flag,
        "inline": lambda arg: directives.choice(arg, ("members", "pointer")),
    }

    def run(self) -> list[nodes.Node]:
        argument = self.options.get("schema") or self.config.qapidoc_default_schema
        if not argument:
            logger.warning("qapi-definition needs a :schema: option (or qapidoc_default_schema)",
                           location=self.get_location(), type="qapi", subtype="option")
            return []
        self.plain_quotes()
        path, entry = self.schema_entry(argument)
        name = self.arguments[0].strip()
        result = entry.result
        if result.schema is None or name not in result.schema.entities:
            logger.warning("%s does not define %r", path, name, location=self.get_location(), type="qapi",
                           subtype="unknown")
            return []
        from .schemafiles import schema_links

        namespace = (self.options.get("namespace") or "").strip() or None
        inline = self.options.get("inline") or self.config.qapidoc_inline
        options = rstgen.RenderOptions(namespace=namespace, inline=inline != "pointer",
                                       schema_links=schema_links(self.env, entry),
                                       no_index="no-index" in self.options, partial=True,
                                       since=since_lookup(self.config, str(self.env.srcdir), entry))
        saved = self.save_context()
        self.env.ref_context["qapi:quiet"] = True
        try:
            rendered = rstgen.render_definition(result, name, options)
            self.depend_on(rendered.dependencies)
            self.note_docinfo(path, entry, namespace)
            return self.parse(entry, rendered, titles=False)
        finally:
            self.restore_context(saved)


# --- examples ---------------------------------------------------------------------

class QmpExampleDirective(SphinxDirective):
    """``.. qmp-example::``: a QMP exchange in an "Example" box.

    The body is QMP (``->`` and ``<-`` lines of JSON, ``...`` elisions);
    with ``:annotated:`` it is rST whose literal blocks are QMP.
    """

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "title": directives.unchanged,
        "annotated": directives.flag,
        "plural": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        title = "Examples" if "plural" in self.options else "Example"
        extra = (self.options.get("title") or "").strip()
        if extra:
            title = f"{title}: {extra}"
        box = nodes.admonition("", classes=["admonition-example", "qapi-example"])
        textnodes, _ = self.state.inline_text(title, self.lineno)
        box += nodes.title(title, "", *textnodes)
        self.set_source_info(box)
        if "annotated" in self.options:
            container = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, container)
            for block in container.findall(nodes.literal_block):
                if "language" not in block or block["language"] in ("default", "none"):
                    block["language"] = "qmp"
            box.extend(container.children)
        else:
            lines = list(self.content)
            while lines and not lines[0].strip():
                lines.pop(0)
            while lines and not lines[-1].strip():
                lines.pop()
            text = "\n".join(_dedent(lines))
            block = nodes.literal_block(text, text, language="qmp")
            source, line = self.state_machine.get_source_and_line(self.content_offset + 1)
            block.source, block.line = source, line
            box += block
        return [box]


def _dedent(lines: list[str]) -> list[str]:
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return [x[indent:] for x in lines]
