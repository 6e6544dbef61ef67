"""Loader: a schema root file -> checked schema, doc model and diagnostics.

The only module that reads schema files, through a
:class:`~qapidoc.source.SourceReader` (the file system unless the caller
gives another, such as a git tree).  It follows ``include`` directives
(relative to the including file; each module once; loops reported), gathers
pragmas (schema-wide, the last value set wins, as in QEMU), detects the
dialect, and runs the stages in order:

    parse (every file) -> pragmas -> doc comments -> expressions -> model
    -> doc binding and coverage

Diagnostics come back in that stage order (within the parse stage, in
include order and by position), which is also the order QEMU finds them.
"""

from __future__ import annotations

import gc
import os
import re
from dataclasses import dataclass, field

from .. import rules
from ..diagnostics import Diagnostic
from ..rules import Rule
from ..source import FILE_SYSTEM, FileSystemReader, SourceFile, SourceReader, Span
from .binding import bind_docs
from .dialect import (
    Dialect,
    DialectEvidence,
    TreeVersion,
    Version,
    detect,
    from_tree_version,
    parse_tree_version,
)
from .docs import (
    DocComment,
    gather_doc_evidence,
    gather_indentation_evidence,
    gather_weak_doc_evidence,
    parse_doc,
)
from .expressions import (
    Definition,
    Pragmas,
    check_definition,
    gather_evidence,
    gather_pragma_evidence,
    gather_schema_evidence,
)
from .model import Schema, build_model
from .parser import Node, ParsedFile, RawDoc, SynBool, SynList, SynObject, SynString, TopExpr, next_token_start, parse

__all__ = ["LoadOptions", "LoadResult", "Module", "find_qemu_release", "load_schema", "load_text"]


@dataclass(frozen=True, slots=True)
class LoadOptions:
    #: the release whose rules apply; None detects it from the schema
    dialect: Version | None = None
    #: the file is one module of a larger schema: types it cannot resolve
    #: are warnings, not errors
    module_alone: bool = False
    #: let the VERSION file of the QEMU tree the root sits in decide the
    #: dialect (when not given); False detects it from the schema alone
    tree_version: bool = True
    #: parse doc comments and bind them to definitions; False makes the
    #: model alone (for tools that need only the wire, such as
    #: ``qapidoc history``): doc comments are not looked at
    docs: bool = True


@dataclass(frozen=True, slots=True)
class Module:
    """One schema file and what it includes."""

    file: SourceFile
    #: (path as resolved, directive span, number of definitions before it
    #: in the whole schema's order)
    includes: tuple[tuple[str, Span, int], ...]


@dataclass(frozen=True, slots=True)
class LoadResult:
    schema: Schema | None
    diagnostics: list[Diagnostic]
    modules: tuple[Module, ...] = ()
    #: every doc comment, in source order across modules
    docs: tuple[DocComment, ...] = ()
    dialect: Dialect = field(default_factory=Dialect)
    #: the doc comment of each definition, by definition name
    doc_for: dict[str, DocComment] = field(default_factory=dict)
    #: (id of file, offset) of each top-level expression -> its place in
    #: the whole schema's order (include order)
    expr_order: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity is rules.Severity.ERROR for d in self.diagnostics)

    def files(self) -> list[SourceFile]:
        return [m.file for m in self.modules]


@dataclass(slots=True)
class _Loading:
    reader: SourceReader
    parsed: list[ParsedFile] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    exprs: list[tuple[SourceFile, TopExpr]] = field(default_factory=list)
    pragmas: list[tuple[SourceFile, SynObject]] = field(default_factory=list)
    docs: list[tuple[SourceFile, RawDoc, TopExpr | None]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    #: free-form doc blocks right before a definition, with the definition's end
    misplaced_docs: list[tuple[RawDoc, int]] = field(default_factory=list)
    #: diagnostics QEMU finds only after reading a whole expression: the
    #: offset to sort them at
    found_at: dict[int, tuple[int, int]] = field(default_factory=dict)

    def after_reading(self, diag: Diagnostic, file: SourceFile, node: SynObject) -> Diagnostic:
        """Note that QEMU finds ``diag`` about a directive once it has read
        it and the token after it (after any complaint about the doc
        comment before it)."""
        self.found_at[id(diag)] = (next_token_start(file.text, node.end), 1)
        return diag


_RELEASE_LINE = re.compile(r"\s*([0-9]+\.[0-9]+\.[0-9]+)\s*")
#: how many folders above the root schema's own a QEMU tree's VERSION may be
#: (qapi/qapi-schema.json, qga/..., storage-daemon/qapi/...)
_VERSION_DEPTH = 3


def find_qemu_release(root: str) -> str | None:
    """The QEMU release of the tree a root schema file belongs to: the
    ``VERSION`` file (``10.2.0``) in the root's folder or one of the next
    folders up; None when there is none, or it holds no version."""
    folder = os.path.dirname(os.path.abspath(root))
    for _ in range(_VERSION_DEPTH):
        try:
            with open(os.path.join(folder, "VERSION"), encoding="utf-8") as handle:
                first = handle.readline(100)
        except (OSError, UnicodeDecodeError):
            first = None
        if first is not None:
            match = _RELEASE_LINE.fullmatch(first)
            return match.group(1) if match else None
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


def load_schema(path: str, options: LoadOptions | None = None, reader: SourceReader = FILE_SYSTEM) -> LoadResult:
    """Load, parse and check the schema whose root file is ``path``, reading
    it and what it includes through ``reader``."""
    try:
        text = reader.read(path)
    except OSError as err:
        return LoadResult(None, [Diagnostic(
            rules.READ_ERROR, f"can't read schema file '{path}': {err.strerror or err}", None, path=path)])
    return load_text(path, text, options, reader)


def load_text(path: str, text: str, options: LoadOptions | None = None,
              reader: SourceReader = FILE_SYSTEM) -> LoadResult:
    """Like :func:`load_schema`, for root text already in memory (includes
    are still read through ``reader``, relative to ``path``)."""
    # Loading allocates a few hundred thousand small objects and frees none
    # of them; the cyclic collector would scan them over and over for no
    # gain (what loading makes is acyclic).  Pausing it saves 10-20 %.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(path, text, options or LoadOptions(), reader)
    finally:
        if was_enabled:
            gc.enable()


def _load(path: str, text: str, options: LoadOptions, reader: SourceReader) -> LoadResult:
    state = _Loading(reader)
    root = SourceFile(path, text)
    _load_file(state, root, ())

    evidence = DialectEvidence()
    line_style: dict[int, list[Diagnostic]] = {}
    for _, expr in state.exprs:
        gather_evidence(expr.node, evidence)
    gather_schema_evidence([expr.node for _, expr in state.exprs], evidence)
    for _, pragma in state.pragmas:
        gather_pragma_evidence(pragma, evidence)
    for _, raw, _ in state.docs:
        gather_doc_evidence(raw, evidence)
    if options.dialect is not None:
        dialect = Dialect(options.dialect, "configured")
    elif options.tree_version and (found := _tree_version(path, reader)) is not None:
        if found[1].in_development:
            gather_indentation_evidence([raw for _, raw, _ in state.docs], evidence)
        dialect = from_tree_version(found[1], found[0], evidence)
    else:
        raws = [raw for _, raw, _ in state.docs]
        if evidence.strong_high:
            # (only the choice between old releases depends on it)
            gather_indentation_evidence(raws, evidence)
        if evidence.high is None:
            # Long doc lines hint at an age only where nothing else does.
            gather_weak_doc_evidence(raws, evidence, line_style)
        dialect = detect(evidence)

    parse_stage = list(state.diagnostics)
    for parsed in state.parsed:
        for deferred in parsed.deferred:
            if deferred.holds(dialect):
                parse_stage.append(deferred.diagnostic)
                if deferred.found_at is not None:
                    state.found_at[id(deferred.diagnostic)] = (deferred.found_at, 0)
    pragmas = _apply_pragmas(state, dialect, parse_stage)
    what = "definition" if dialect.has("lowercase-messages") else "Expression"
    for raw, expr_end in state.misplaced_docs if options.docs else ():
        misplaced = Diagnostic(rules.DOC_BINDING, f"{what} documentation required",
                               raw.file.span(raw.start, raw.start + 2))
        state.found_at[id(misplaced)] = (expr_end, 0)
        parse_stage.append(misplaced)

    docs_by_expr: dict[int, DocComment] = {}
    doc_models: list[DocComment] = []
    for doc_file, raw, doc_expr in state.docs if options.docs else ():
        doc, doc_diags = parse_doc(raw, dialect, line_style.get(id(raw)))
        parse_stage.extend(doc_diags)
        doc_models.append(doc)
        if doc_expr is not None:
            docs_by_expr[id(doc_expr)] = doc
        if doc.broken:
            # Its own error says more than that it is not followed by a definition.
            parse_stage = [d for d in parse_stage
                           if not (d.rule is rules.DOC_BINDING and d.span is not None
                                   and d.span.file is doc_file and d.span.start == raw.start)]
    parse_stage.sort(key=lambda d: _position(state, d))

    checks: list[Diagnostic] = []
    definitions: list[Definition] = []
    for file, expr in state.exprs:
        definition, diags = check_definition(expr.node, expr.doc, file, dialect, pragmas,
                                             module_alone=options.module_alone)
        checks.extend(diags)
        if definition is not None:
            definitions.append(definition)

    schema, model_diags = build_model(definitions, pragmas, dialect, module_alone=options.module_alone)
    checks.extend(model_diags)
    if options.docs:
        checks.extend(bind_docs(schema, definitions, doc_models, module_alone=options.module_alone))
    if not dialect.has("one-pass-definition-checks"):
        checks.sort(key=_two_pass_order)
    diagnostics = parse_stage + checks
    doc_for: dict[str, DocComment] = {}
    for _, expr in state.exprs:
        bound_doc = docs_by_expr.get(id(expr))
        if bound_doc is not None and bound_doc.symbol is not None \
                and bound_doc.symbol == _definition_name(expr):
            doc_for.setdefault(bound_doc.symbol, bound_doc)
    expr_order = {(id(file), expr.node.start): i for i, (file, expr) in enumerate(state.exprs)}
    return LoadResult(schema, diagnostics, tuple(state.modules), tuple(doc_models), dialect, doc_for,
                      expr_order)


def _tree_version(path: str, reader: SourceReader) -> tuple[str, TreeVersion] | None:
    """The ``VERSION`` file of the QEMU tree the schema ``path`` sits in:
    the first one, walking up from the schema's directory, whose content
    looks like a QEMU version; with what it says.  (On the file system the
    walk goes up to the root; in another reader, such as a git tree, up to
    the top of the paths it knows.)"""
    if isinstance(reader, FileSystemReader):
        path = os.path.abspath(path)
    directory = os.path.dirname(path)
    while True:
        candidate = os.path.join(directory, "VERSION")
        try:
            text = reader.read(candidate)[:64]
        except (OSError, UnicodeDecodeError):
            text = ""
        version = parse_tree_version(text)
        if version is not None:
            return candidate, version
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _definition_name(expr: TopExpr) -> str | None:
    for meta in ("enum", "struct", "union", "alternate", "command", "event"):
        node = expr.node.get(meta)
        if isinstance(node, SynString):
            return node.value
    return None


def _position(state: _Loading, diag: Diagnostic) -> tuple[int, ...]:
    """Where QEMU meets ``diag`` reading the schema: an included file's
    text is read at its ``include`` directive."""
    if diag.span is None:
        return (-1,)
    offset = state.found_at.get(id(diag), (diag.span.start, 0))
    return (*_include_path(diag.span.file), *offset)


#: what QEMU before 4.2 checked of all definitions before anything else
_FIRST_PASS = frozenset((rules.DOC_MISSING, rules.EXPR_KEYS, rules.INVALID_FLAG, rules.REDEFINITION))
#: what it checked last, with the whole schema built
_LAST_PASS = frozenset((rules.MEMBER_CLASH, rules.DOCUMENTED_NONEXISTENT, rules.BASE_CYCLE))


def _two_pass_order(diag: Diagnostic) -> tuple[int, tuple[int, ...]]:
    """Before 4.2, QEMU checked the keys and names of every definition, then
    each definition's types and rules, then the schema built from them:
    the order its first error comes in."""
    rule = diag.rule
    context = diag.context
    # (the keys and the name of the definition itself, not of its parts)
    of_definition = context is None or diag.message.startswith((context.meta, "expression "))
    if (rule in _FIRST_PASS and (rule is not rules.EXPR_KEYS or of_definition)) or (
            rule is rules.DOC_BINDING and context is not None) or (
            rule in (rules.INVALID_NAME, rules.RESERVED_NAME) and context is not None and of_definition):
        phase = 0
    elif rule in _LAST_PASS or (rule is rules.NAME_CASE and "should not use uppercase" in diag.message):
        phase = 2
    else:
        phase = 1
    anchor = context.span if context is not None else diag.span
    if anchor is None:
        return (phase, ())
    return (phase, (*_include_path(anchor.file), anchor.start))


def _include_path(file: SourceFile) -> tuple[int, ...]:
    """The offsets of the ``include`` directives that brought ``file`` in,
    from the root's."""
    path: list[int] = []
    directive = file.included_from
    while directive is not None:
        # (read once the directive and the token after it are)
        path += (1, next_token_start(directive.file.text, directive.end))
        directive = directive.file.included_from
    return tuple(reversed(path))


def _load_file(state: _Loading, file: SourceFile, chain: tuple[str, ...]) -> None:
    abspath = state.reader.identity(file.path)
    state.seen.add(abspath)
    parsed = parse(file)
    state.parsed.append(parsed)
    state.diagnostics.extend(parsed.diagnostics)
    includes: list[tuple[str, Span, int]] = []
    module_index = len(state.modules)
    state.modules.append(Module(file, ()))
    chain = (*chain, abspath)
    bound = {id(i.doc) for i in parsed.items if isinstance(i, TopExpr) and i.doc is not None}
    for item in parsed.items:
        if isinstance(item, RawDoc):
            # A block bound to the next expression is recorded with it.
            if id(item) not in bound:
                state.docs.append((file, item, None))
            continue
        node = item.node
        if "include" in node.members:
            if item.doc is not None:
                state.docs.append((file, item.doc, None))
            _include(state, file, item, chain, includes)
        elif "pragma" in node.members:
            if item.doc is not None:
                state.docs.append((file, item.doc, None))
            _pragma_directive(state, file, node)
        else:
            if item.doc is not None:
                state.docs.append((file, item.doc, item))
                if item.doc.symbol is None and item.doc.closed:
                    state.misplaced_docs.append((item.doc, next_token_start(file.text, item.node.end)))
            state.exprs.append((file, item))
    state.modules[module_index] = Module(file, tuple(includes))


def _directive_value(state: _Loading, file: SourceFile, node: SynObject, key: str,
                     expected: type[SynString] | type[SynObject], what: str, rule: Rule) -> Node | None:
    """The value of an ``include`` or ``pragma`` directive, if well formed."""
    if len(node.members) != 1:
        state.diagnostics.append(state.after_reading(
            Diagnostic(rule, f"invalid '{key}' directive", file.span(node.start, node.end)), file, node))
        return None
    value = node.get(key)
    assert value is not None
    if not isinstance(value, expected):
        state.diagnostics.append(state.after_reading(
            Diagnostic(rule, f"value of '{key}' must be {what}", file.span(value.start, value.end)), file, node))
        return None
    return value


def _include(state: _Loading, file: SourceFile, item: TopExpr, chain: tuple[str, ...],
             includes: list[tuple[str, Span, int]]) -> None:
    node = item.node
    value = _directive_value(state, file, node, "include", SynString, "a string", rules.INCLUDE_ERROR)
    if not isinstance(value, SynString):
        return
    path = os.path.join(os.path.dirname(file.path), value.value)
    abspath = state.reader.identity(path)
    directive = file.span(node.start, node.end)
    includes.append((path, directive, len(state.exprs)))
    if abspath in chain:
        state.diagnostics.append(state.after_reading(Diagnostic(
            rules.INCLUDE_LOOP, f"inclusion loop for {value.value}", directive), file, node))
        return
    if abspath in state.seen:
        return
    try:
        text = state.reader.read(path)
    except OSError as err:
        state.diagnostics.append(state.after_reading(Diagnostic(
            rules.INCLUDE_ERROR, f"can't read include file '{path}': {err.strerror or err}", directive), file, node))
        return
    _load_file(state, SourceFile(path, text, directive), chain)


def _pragma_directive(state: _Loading, file: SourceFile, node: SynObject) -> None:
    value = _directive_value(state, file, node, "pragma", SynObject, "an object", rules.PRAGMA_ERROR)
    if isinstance(value, SynObject):
        state.pragmas.append((file, value))


_LIST_PRAGMAS_NEW = {
    "command-name-exceptions": "command_name_exceptions",
    "command-returns-exceptions": "command_returns_exceptions",
    "member-name-exceptions": "member_name_exceptions",
}
_LIST_PRAGMAS_OLD = {
    "returns-whitelist": "command_returns_exceptions",
    "name-case-whitelist": "member_name_exceptions",
}


def _apply_pragmas(state: _Loading, dialect: Dialect, out: list[Diagnostic]) -> Pragmas:
    pragmas = Pragmas()
    if dialect.has("pragma-exceptions"):
        lists = dict(_LIST_PRAGMAS_NEW)
    else:
        lists = dict(_LIST_PRAGMAS_OLD)
    if dialect.has("documentation-exceptions"):
        lists["documentation-exceptions"] = "documentation_exceptions"
    for file, obj in state.pragmas:
        for name, (key, value) in obj.members.items():
            span = file.span(key.start, value.end)
            if name == "doc-required":
                if not isinstance(value, SynBool):
                    out.append(Diagnostic(rules.PRAGMA_ERROR, "pragma 'doc-required' must be boolean", span))
                    continue
                pragmas.doc_required = value.value
            elif name in lists:
                if not isinstance(value, SynList) or not all(isinstance(i, SynString) for i in value.items):
                    out.append(Diagnostic(rules.PRAGMA_ERROR,
                                          f"pragma {name} must be a list of strings", span))
                    continue
                names = frozenset(i.value for i in value.items if isinstance(i, SynString))
                setattr(pragmas, lists[name], names)
            else:
                out.append(Diagnostic(rules.PRAGMA_ERROR, f"unknown pragma '{name}'", span))
    return pragmas
