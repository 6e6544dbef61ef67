"""The directives that read schemas, and the safe parse of doc comments.

* ``.. qapi-doc:: schema.json`` (also ``.. qapi:schema::``, which is ours
  even when another extension owns ``qapi-doc``): a whole schema, a subset,
  one part of a split schema, or a split schema's front page;
* ``.. qapi-definition:: NAME`` (also ``.. qapi:definition::``): one
  definition;
* ``.. qmp-example::`` (also ``.. qapi:example::``): a QMP example.

Doc comments come from schema authors, not from the documentation's
authors: they are parsed with ``raw`` and every file insertion disabled, and
with only an allow-list of directives.  A doc comment that tries anything
else gets a warning at its ``.json`` line, and nothing in the output.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, switch_source_input

from . import rstgen
from ._core import diagnostics as diag_mod
from ._core import optional_submodule
from ._core import rules as rules_mod
from .cache import SchemaEntry, get_schema
from .leftovers import Notice

__all__ = [
    "ALLOWED_DIRECTIVES", "QapiDefinitionDirective", "QapiDocDirective", "QmpExampleDirective",
    "doc_comment_parsing", "emit_diagnostics", "resolve_schema_path", "restore_smartquotes",
    "unresolved_reference",
]

logger = logging.getLogger(__name__)

#: directives a doc comment may use (plus every ``qapi:`` one); the
#: ``qapidoc_allowed_directives`` setting adds more
ALLOWED_DIRECTIVES = frozenset({
    "qmp-example", "note", "warning", "tip", "hint", "important", "caution", "danger", "error", "attention",
    "admonition", "seealso", "code-block", "code", "sourcecode", "parsed-literal", "line-block", "rubric",
    "topic", "sidebar", "container", "compound", "table", "list-table", "math", "epigraph",
    "highlights", "pull-quote", "versionadded", "versionchanged", "deprecated", "versionremoved", "index",
    "centered", "hlist", "todo", "glossary", "class",
})
#: roles a doc comment may not use: they copy files into the output
REFUSED_ROLES = frozenset({"download", "std:download", "raw"})
_SAFE_SCHEMES = ("http", "https", "ftp", "ftps", "mailto", "news", "irc", "ircs")

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

class _AnyOptions(dict[str, Any]):
    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged


def _refused_directive(name: str, quiet: bool) -> type[Directive]:
    class Refused(Directive):  # type: ignore[misc]
        has_content = True
        optional_arguments = 99
        final_argument_whitespace = True
        option_spec = _AnyOptions()

        def run(self) -> list[nodes.Node]:
            if quiet:       # qapidoc lint reports it, and its finding is shown
                return []
            source, line = self.state_machine.get_source_and_line(self.lineno)
            what = ("it could insert raw output or files into the documentation"
                    if name in ("raw", "include", "literalinclude", "image", "figure")
                    or "include" in name else "it is not on the list of directives doc comments may use "
                    "(qapidoc_allowed_directives)")
            logger.warning('directive "%s" refused in a QAPI doc comment: %s', name, what,
                           location=f"{source}:{line}", type="qapi", subtype="unsafe")
            return []

    return Refused


def _refused_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                  options: dict[str, Any] | None = None,
                  content: Sequence[str] = ()) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    source, line = inliner.reporter.get_source_and_line(lineno)
    logger.warning('role "%s" refused in a QAPI doc comment: it could copy files into the documentation',
                   name, location=f"{source}:{line}", type="qapi", subtype="unsafe")
    return [nodes.Text(text)], []


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
    """What ``qapidoc lint`` already reports about a schema's rST, so that
    the build does not report it twice."""

    def __init__(self, rst: bool, quiet_docutils: bool = False, known: frozenset[str] = frozenset(),
                 unsafe: frozenset[str] = frozenset()) -> None:
        #: lint checks this schema's rST (QD6xx), and its findings are shown
        self.rst = rst
        #: docutils' own messages about doc comments are left to lint
        self.quiet_docutils = quiet_docutils
        self.known = known
        self.unsafe = unsafe

    def reports_directive(self, name: str) -> bool:
        return self.rst and (name in self.unsafe or name not in self.known)

    @classmethod
    def of(cls, config: Any, dialect: tuple[int, int]) -> LintCoverage:
        if not config.qapidoc_lint or dialect < (5, 2):
            return cls(False)
        checks = optional_submodule("lint.rst_checks")
        if checks is None:
            return cls(False)
        return cls(True, config.qapidoc_rst_warnings == "lint", frozenset(getattr(checks, "KNOWN_DIRECTIVES", ())),
                   frozenset(getattr(checks, "UNSAFE_DIRECTIVES", ())))


@contextlib.contextmanager
def doc_comment_parsing(state: Any, allowed: frozenset[str], lint: LintCoverage | None = None) -> Iterator[None]:
    """Parse with raw output and file insertion off, only ``allowed``
    directives, no file-copying roles, and `` `Name` `` as a QAPI reference.

    Where ``qapidoc lint`` checks the rST of doc comments, docutils' own
    messages are not shown: the lint findings are (they are the same
    problems, found once, at the same lines)."""
    lint = lint or LintCoverage(False)
    settings = state.document.settings
    reporter = state.document.reporter
    report_level = reporter.report_level
    if lint.quiet_docutils:
        reporter.report_level = 5
    saved = (getattr(settings, "raw_enabled", True), getattr(settings, "file_insertion_enabled", True))
    settings.raw_enabled = False
    settings.file_insertion_enabled = False
    lookup_directive = directives.directive
    lookup_role = roles.role
    default = roles._roles.get("")

    def directive(name: str, language: Any, document: Any) -> tuple[Any, list[Any]]:
        found: tuple[Any, list[Any]] = lookup_directive(name, language, document)
        cls, messages = found
        lower = name.lower()
        if lower not in allowed and not lower.startswith("qapi:"):
            return _refused_directive(name, lint.reports_directive(lower)), []
        return cls, messages

    def role(name: str, language: Any, lineno: int, reporter: Any) -> tuple[Any, list[Any]]:
        if name.lower() in REFUSED_ROLES:
            return _refused_role, []
        found: tuple[Any, list[Any]] = lookup_role(name, language, lineno, reporter)
        return found

    directives.directive = directive
    roles.role = role
    roles._roles[""] = _default_role
    try:
        yield
    finally:
        directives.directive = lookup_directive
        roles.role = lookup_role
        if default is None:
            roles._roles.pop("", None)
        else:
            roles._roles[""] = default
        settings.raw_enabled, settings.file_insertion_enabled = saved
        reporter.report_level = report_level


def _neutralise_links(node: nodes.Element) -> None:
    """A doc comment cannot link to ``javascript:`` and the like."""
    for ref in list(node.findall(nodes.reference)):
        uri = ref.get("refuri")
        if not uri:
            continue
        m = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):", uri)
        if m and m.group(1).lower() not in _SAFE_SCHEMES:
            logger.warning('link to "%s:" URI refused in a QAPI doc comment', m.group(1), location=ref,
                           type="qapi", subtype="unsafe")
            ref.replace_self(nodes.inline(ref.rawsource, "", *ref.children))


def parse_generated(directive: SphinxDirective, rendered: rstgen.Rendered, *,
                    titles: bool, lint: LintCoverage | None = None) -> list[nodes.Node]:
    """Parse generated rST (its lines mapped to the schema) safely."""
    content = StringList([line.text for line in rendered.lines],
                         items=[(line.source, max(line.line - 1, 0)) for line in rendered.lines])
    container = nodes.container()
    state = directive.state
    allowed = ALLOWED_DIRECTIVES | frozenset(directive.config.qapidoc_allowed_directives)
    memo = state.memo
    styles, level = memo.title_styles, memo.section_level
    with doc_comment_parsing(state, allowed, lint), switch_source_input(state, content):
        if titles:
            memo.title_styles, memo.section_level = [], 0
        try:
            state.nested_parse(content, 0, container, match_titles=titles)
        finally:
            memo.title_styles, memo.section_level = styles, level
    _neutralise_links(container)
    for ref in container.findall(addnodes.pending_xref):
        if not ref.get("qapi:generated"):
            ref["qapi:doctext"] = True     # written by the schema's author
    return list(container.children)


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
        return entry.diagnostics(self.config.qapidoc_lint, self.config.qapidoc_lint_config)

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
        "namespace": directives.unchanged,
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
            schema_links=schema_links(self.env, entry, namespace),
            no_index="no-index" in self.options,
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
        from .pages import split_dir

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
        "namespace": directives.unchanged,
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
                                       schema_links=schema_links(self.env, entry, namespace),
                                       no_index="no-index" in self.options, partial=True)
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
