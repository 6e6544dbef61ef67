"""Loader: a schema root file -> checked schema, doc model and diagnostics.

The only module that reads files.  It follows ``include`` directives
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
from dataclasses import dataclass, field

from .. import rules
from ..diagnostics import Diagnostic
from ..rules import Rule
from ..source import SourceFile, Span
from .binding import bind_docs
from .dialect import CHANGES, Dialect, DialectEvidence, Version, detect
from .docs import DocComment, gather_doc_evidence, gather_weak_doc_evidence, parse_doc
from .expressions import Definition, Pragmas, check_definition, gather_evidence, gather_pragma_evidence
from .model import Schema, build_model
from .parser import Node, ParsedFile, RawDoc, SynBool, SynList, SynObject, SynString, TopExpr, parse

__all__ = ["LoadOptions", "LoadResult", "Module", "load_schema", "load_text"]


@dataclass(frozen=True, slots=True)
class LoadOptions:
    #: the release whose rules apply; None detects it from the schema
    dialect: Version | None = None
    #: the file is one module of a larger schema: types it cannot resolve
    #: are warnings, not errors
    module_alone: bool = False


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

    @property
    def model_gaps(self) -> list[Diagnostic]:
        """The errors that left something out of the model (their rule says
        so: syntax, shape, semantics); doc-comment findings never do."""
        return [d for d in self.diagnostics
                if d.rule.leaves_model_incomplete and d.severity is rules.Severity.ERROR]

    @property
    def model_complete(self) -> bool:
        """Whether the model holds every definition the schema has, so that
        what is made from the model alone (JSON Schema, traffic checks, a
        diff) can be trusted, whatever the doc comments say."""
        return self.schema is not None and not self.model_gaps

    def files(self) -> list[SourceFile]:
        return [m.file for m in self.modules]


@dataclass(slots=True)
class _Loading:
    parsed: list[ParsedFile] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    exprs: list[tuple[SourceFile, TopExpr]] = field(default_factory=list)
    pragmas: list[tuple[SourceFile, SynObject]] = field(default_factory=list)
    docs: list[tuple[SourceFile, RawDoc, TopExpr | None]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    file_order: dict[int, int] = field(default_factory=dict)


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        return f.read()


def load_schema(path: str, options: LoadOptions | None = None) -> LoadResult:
    """Load, parse and check the schema whose root file is ``path``."""
    try:
        text = _read(path)
    except OSError as err:
        return LoadResult(None, [Diagnostic(
            rules.READ_ERROR, f"can't read schema file '{path}': {err.strerror or err}", None, path=path)])
    return load_text(path, text, options)


def load_text(path: str, text: str, options: LoadOptions | None = None) -> LoadResult:
    """Like :func:`load_schema`, for root text already in memory (includes
    are still read from disk, relative to ``path``)."""
    # Loading allocates a few hundred thousand small objects and frees none
    # of them; the cyclic collector would scan them over and over for no
    # gain (what loading makes is acyclic).  Pausing it saves 10-20 %.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(path, text, options or LoadOptions())
    finally:
        if was_enabled:
            gc.enable()


def _load(path: str, text: str, options: LoadOptions) -> LoadResult:
    state = _Loading()
    root = SourceFile(path, text)
    _load_file(state, root, ())

    evidence = DialectEvidence()
    for _, expr in state.exprs:
        gather_evidence(expr.node, evidence)
    for _, pragma in state.pragmas:
        gather_pragma_evidence(pragma, evidence)
    for _, raw, _ in state.docs:
        gather_doc_evidence(raw, evidence)
    if evidence.high is None and evidence.low < CHANGES["qmp-example"][0]:
        # Long doc lines hint at an age only where nothing else does: a
        # schema with '.. qmp-example::' belongs to today's era anyway.
        gather_weak_doc_evidence([raw for _, raw, _ in state.docs], evidence)
    if options.dialect is not None:
        dialect = Dialect(options.dialect, "configured")
    else:
        dialect = detect(evidence)

    parse_stage = list(state.diagnostics)
    for parsed in state.parsed:
        parse_stage.extend(d.diagnostic for d in parsed.deferred if dialect.has(d.change))
    pragmas = _apply_pragmas(state, dialect, parse_stage)

    docs_by_expr: dict[int, DocComment] = {}
    doc_models: list[DocComment] = []
    for doc_file, raw, doc_expr in state.docs:
        doc, doc_diags = parse_doc(raw, dialect)
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

    diagnostics = parse_stage
    definitions: list[Definition] = []
    for file, expr in state.exprs:
        definition, diags = check_definition(expr.node, expr.doc, file, dialect, pragmas,
                                             module_alone=options.module_alone)
        diagnostics.extend(diags)
        if definition is not None:
            definitions.append(definition)

    schema, model_diags = build_model(definitions, pragmas, dialect, module_alone=options.module_alone)
    diagnostics.extend(model_diags)
    diagnostics.extend(bind_docs(schema, definitions, doc_models, module_alone=options.module_alone))
    doc_for: dict[str, DocComment] = {}
    for _, expr in state.exprs:
        bound_doc = docs_by_expr.get(id(expr))
        if bound_doc is not None and bound_doc.symbol is not None \
                and bound_doc.symbol == _definition_name(expr):
            doc_for.setdefault(bound_doc.symbol, bound_doc)
    expr_order = {(id(file), expr.node.start): i for i, (file, expr) in enumerate(state.exprs)}
    return LoadResult(schema, diagnostics, tuple(state.modules), tuple(doc_models), dialect, doc_for,
                      expr_order)


def _definition_name(expr: TopExpr) -> str | None:
    for meta in ("enum", "struct", "union", "alternate", "command", "event"):
        node = expr.node.get(meta)
        if isinstance(node, SynString):
            return node.value
    return None


def _position(state: _Loading, diag: Diagnostic) -> tuple[int, int]:
    if diag.span is None:
        return (-1, 0)
    return (state.file_order.get(id(diag.span.file), 1 << 30), diag.span.start)


def _load_file(state: _Loading, file: SourceFile, chain: tuple[str, ...]) -> None:
    abspath = os.path.abspath(file.path)
    state.seen.add(abspath)
    state.file_order[id(file)] = len(state.file_order)
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
            state.exprs.append((file, item))
    state.modules[module_index] = Module(file, tuple(includes))


def _directive_value(state: _Loading, file: SourceFile, node: SynObject, key: str,
                     expected: type[SynString] | type[SynObject], what: str, rule: Rule) -> Node | None:
    """The value of an ``include`` or ``pragma`` directive, if well formed."""
    if len(node.members) != 1:
        state.diagnostics.append(Diagnostic(rule, f"invalid '{key}' directive", file.span(node.start, node.end)))
        return None
    value = node.get(key)
    assert value is not None
    if not isinstance(value, expected):
        state.diagnostics.append(Diagnostic(rule, f"value of '{key}' must be {what}",
                                            file.span(value.start, value.end)))
        return None
    return value


def _include(state: _Loading, file: SourceFile, item: TopExpr, chain: tuple[str, ...],
             includes: list[tuple[str, Span, int]]) -> None:
    node = item.node
    value = _directive_value(state, file, node, "include", SynString, "a string", rules.INCLUDE_ERROR)
    if not isinstance(value, SynString):
        return
    path = os.path.join(os.path.dirname(file.path), value.value)
    abspath = os.path.abspath(path)
    directive = file.span(node.start, node.end)
    includes.append((path, directive, len(state.exprs)))
    if abspath in chain:
        state.diagnostics.append(Diagnostic(
            rules.INCLUDE_LOOP, f"inclusion loop for {value.value}", directive))
        return
    if abspath in state.seen:
        return
    try:
        text = _read(path)
    except OSError as err:
        state.diagnostics.append(Diagnostic(
            rules.INCLUDE_ERROR, f"can't read include file '{path}': {err.strerror or err}", directive))
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
