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

Reading is defensive: only regular files are read (a directory, a FIFO or a
device is refused without being opened for long: a FIFO would never end,
``/dev/zero`` never stop), the files of one schema together may hold at
most :attr:`LoadOptions.max_schema_size` bytes, a path with a NUL character
is refused, and bytes are decoded as UTF-8 whatever the locale, each bad
byte reported at its line and column (:data:`rules.NOT_UTF8`).
"""

from __future__ import annotations

import gc
import os
import re
from itertools import chain

from .. import rules
from ..diagnostics import Diagnostic
from ..records import NamedTuple
from ..rules import Rule
from ..source import (
    FILE_SYSTEM,
    FileSystemReader,
    NotReadableError,
    SourceFile,
    SourceReader,
    Span,
    TooLargeError,
    decode_utf8,
    read_regular_file,
)
from .binding import Bound, DocBinder
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
    DocParser,
    gather_docs_evidence,
    gather_indentation_evidence,
    gather_weak_doc_evidence,
)
from .expressions import (
    Definition,
    Pragmas,
    check_definition,
    gather_evidence,
    gather_pragma_evidence,
    gather_schema_evidence,
)
from .lexer import MET_HANDLING_BEFORE, MET_LEXING
from .model import Schema, build_model
from .parser import Node, ParsedFile, RawDoc, SynBool, SynList, SynObject, SynString, TopExpr, next_token_start, parse

__all__ = ["DEFAULT_MAX_SCHEMA_SIZE", "LoadOptions", "LoadResult", "Module", "find_qemu_release", "load_schema",
           "load_text"]

#: the most bytes the files of one schema may hold together: QEMU 10.2's
#: whole schema is about 1.3 MB, so this is fifty times that
DEFAULT_MAX_SCHEMA_SIZE = 64 << 20


class LoadOptions(NamedTuple):
    #: the release whose rules apply; None detects it from the schema
    dialect: Version | None = None
    #: the file is one module of a larger schema: types it cannot resolve
    #: are warnings, not errors
    module_alone: bool = False
    #: the most bytes the schema's files may hold together; past that, a
    #: file is refused (and reported) rather than read
    max_schema_size: int = DEFAULT_MAX_SCHEMA_SIZE
    #: let the VERSION file of the QEMU tree the root sits in decide the
    #: dialect (when not given); False detects it from the schema alone
    tree_version: bool = True
    #: parse doc comments and bind them to definitions; False makes the
    #: model alone (for tools that need only the wire, such as
    #: ``qapidoc history``): doc comments are not looked at
    docs: bool = True
    #: keep the doc comments in the result (``docs``, ``doc_for``); without,
    #: each is checked and let go (all ``qapidoc check`` needs)
    keep_docs: bool = True


class Module(NamedTuple):
    """One schema file and what it includes."""

    file: SourceFile
    #: (path as resolved, directive span, number of definitions before it
    #: in the whole schema's order)
    includes: tuple[tuple[str, Span, int], ...]


class LoadResult(NamedTuple):
    schema: Schema | None
    diagnostics: list[Diagnostic]
    modules: tuple[Module, ...] = ()
    #: every doc comment, in source order across modules
    docs: tuple[DocComment, ...] = ()
    dialect: Dialect = Dialect()
    #: the doc comment of each definition, by definition name (read-only)
    doc_for: dict[str, DocComment] = {}  # noqa: RUF012 - a default never written to
    #: (id of file, offset) of each top-level expression -> its place in
    #: the whole schema's order (include order; read-only)
    expr_order: dict[tuple[int, int], int] = {}  # noqa: RUF012 - a default never written to

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


class _Loading:
    """What loading the files has gathered so far."""

    __slots__ = ("budget", "diagnostics", "docs", "exprs", "found_at", "limit", "misplaced_docs", "modules",
                 "parsed", "pragmas", "reader", "seen")

    def __init__(self, reader: SourceReader, *, budget: int = DEFAULT_MAX_SCHEMA_SIZE,
                 limit: int = DEFAULT_MAX_SCHEMA_SIZE) -> None:
        self.reader = reader
        self.parsed: list[ParsedFile] = []
        self.modules: list[Module] = []
        self.exprs: list[tuple[SourceFile, TopExpr]] = []
        #: each pragma directive, with its value
        self.pragmas: list[tuple[SourceFile, SynObject, SynObject]] = []
        self.docs: list[tuple[SourceFile, RawDoc, TopExpr | None]] = []
        self.diagnostics: list[Diagnostic] = []
        self.seen: set[str] = set()
        #: bytes the schema's files may still hold, and the limit they share
        self.budget = budget
        self.limit = limit
        #: free-form doc blocks right before a definition, with the definition's end
        self.misplaced_docs: list[tuple[RawDoc, int]] = []
        #: diagnostics QEMU finds elsewhere than where they are: the offset
        #: to sort them at, and when at that offset (lexer.MET_*)
        self.found_at: dict[int, tuple[int, int]] = {}

    def after_reading(self, diag: Diagnostic, file: SourceFile, node: SynObject) -> Diagnostic:
        """Note that QEMU finds ``diag`` about a directive once it has read
        it and the token after it (after any complaint about the doc
        comment before it)."""
        self.found_at[id(diag)] = (next_token_start(file.text, node.end), MET_HANDLING_BEFORE)
        return diag


def _read_source(state: _Loading, path: str) -> bytes:
    """The bytes of ``path``, within what is left of the schema's size limit;
    raises OSError (:class:`~qapidoc.source.NotReadableError` for a file
    that is refused rather than read)."""
    if type(state.reader) is FileSystemReader:
        try:
            return read_regular_file(path, state.budget)
        except TooLargeError as err:
            raise _too_large(err.size, state.limit) from None
    data = _encode(state.reader.read(path))
    if len(data) > state.budget:
        raise _too_large(len(data), state.limit)
    return data


def _too_large(size: int, limit: int) -> NotReadableError:
    return NotReadableError(
        f"with this file ({size:,} bytes or more) the schema's files would hold more than {limit:,} bytes "
        "together; if the schema is really this large, raise the limit with --max-schema-size")


def _source(path: str, data: bytes, included_from: Span | None) -> tuple[SourceFile, list[Diagnostic]]:
    """A source file for ``data``, with a diagnostic per byte that is not UTF-8."""
    text, bad = decode_utf8(data)
    file = SourceFile(path, text, included_from)
    diags = [Diagnostic(rules.NOT_UTF8, f"byte 0x{byte:02x} is not UTF-8 (schema files are UTF-8); "
                                        "read as U+FFFD", file.span(at, at + 1))
             for at, byte in bad[:_MAX_ENCODING_ERRORS]]
    if len(bad) > _MAX_ENCODING_ERRORS:
        at = bad[_MAX_ENCODING_ERRORS][0]
        diags.append(Diagnostic(rules.NOT_UTF8, f"{len(bad) - _MAX_ENCODING_ERRORS} more byte sequences that "
                                                "are not UTF-8 in this file, the first here", file.span(at, at + 1)))
    return file, diags


_MAX_ENCODING_ERRORS = 20


def _printable(path: str) -> str:
    """A path as a message may show it: control characters escaped."""
    return path if path.isprintable() else path.encode("unicode_escape").decode("ascii")


def _reason(err: OSError) -> str:
    return str(err.strerror or err)


# (Patterns that a check seldom needs are compiled where used, when first
# used: re keeps them.  Compiling one costs more than using it.)
_RELEASE_LINE = r"\s*([0-9]+\.[0-9]+\.[0-9]+)\s*"
#: how many folders above the root schema's own a QEMU tree's VERSION may be
#: (qapi/qapi-schema.json, qga/..., storage-daemon/qapi/...)
_VERSION_DEPTH = 3
#: the most bytes a VERSION file is read for (it holds one line)
_VERSION_SIZE = 4096


def find_qemu_release(root: str) -> str | None:
    """The QEMU release of the tree a root schema file belongs to: the
    ``VERSION`` file (``10.2.0``) in the root's folder or one of the next
    folders up; None when there is none, or it holds no version."""
    folder = os.path.dirname(os.path.abspath(root))
    for _ in range(_VERSION_DEPTH):
        try:
            first: str | None = read_regular_file(os.path.join(folder, "VERSION"), _VERSION_SIZE).decode(
                "utf-8").split("\n", 1)[0]
        except (OSError, UnicodeDecodeError):
            first = None
        if first is not None:
            match = re.fullmatch(_RELEASE_LINE, first)
            return match.group(1) if match else None
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


def load_schema(path: str, options: LoadOptions | None = None, reader: SourceReader = FILE_SYSTEM) -> LoadResult:
    """Load, parse and check the schema whose root file is ``path``, reading
    it and what it includes through ``reader``."""
    options = options or LoadOptions()
    state = _Loading(reader, budget=options.max_schema_size, limit=options.max_schema_size)
    try:
        data = _read_source(state, path)
    except OSError as err:
        return LoadResult(None, [Diagnostic(
            rules.READ_ERROR, f"can't read schema file '{_printable(path)}': {_reason(err)}", None, path=path)])
    return _load_paused(state, path, data, options)


def load_text(path: str, text: str, options: LoadOptions | None = None,
              reader: SourceReader = FILE_SYSTEM) -> LoadResult:
    """Like :func:`load_schema`, for root text already in memory (includes
    are still read through ``reader``, relative to ``path``).  Lone
    surrogates in ``text`` (bytes a caller decoded with ``surrogateescape``,
    say) are reported as bytes that are not UTF-8, one each, at their
    place."""
    options = options or LoadOptions()
    state = _Loading(reader, budget=options.max_schema_size, limit=options.max_schema_size)
    return _load_paused(state, path, _encode(text), options)


_SURROGATE = "[\ud800-\udfff]"      # (compiled where used, as _RELEASE_LINE)


def _encode(text: str) -> bytes:
    """``text`` as UTF-8; a lone surrogate becomes the byte it escapes
    (``surrogateescape``) or 0xFF: one byte that is not UTF-8 either way."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        pass
    parts: list[bytes] = []
    last = 0
    for m in re.finditer(_SURROGATE, text):
        parts.append(text[last:m.start()].encode("utf-8"))
        code = ord(m.group())
        parts.append(bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else b"\xff")
        last = m.end()
    parts.append(text[last:].encode("utf-8"))
    return b"".join(parts)


def _load_paused(state: _Loading, path: str, data: bytes, options: LoadOptions) -> LoadResult:
    # Loading allocates a few hundred thousand small objects and frees none
    # of them; the cyclic collector would scan them over and over for no
    # gain (what loading makes is acyclic).  Pausing it saves 10-20 %.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _load(state, path, data, options)
    finally:
        if was_enabled:
            gc.enable()


def _load(state: _Loading, path: str, data: bytes, options: LoadOptions) -> LoadResult:
    state.budget -= len(data)
    root, state.diagnostics = _source(path, data, None)
    del data
    _load_file(state, root, ())

    line_style: dict[int, list[Diagnostic]] = {}
    dialect = _choose_dialect(state, path, options, line_style)
    parse_stage = list(state.diagnostics)
    _add_deferred(state, dialect, parse_stage)
    pragmas = _apply_pragmas(state, dialect, parse_stage)
    what = "definition" if dialect.has("lowercase-messages") else "Expression"
    for raw, expr_end in state.misplaced_docs if options.docs else ():
        misplaced = Diagnostic(rules.DOC_BINDING, f"{what} documentation required",
                               raw.file.span(raw.start, raw.start + 2))
        state.found_at[id(misplaced)] = (expr_end, MET_LEXING)
        parse_stage.append(misplaced)

    # Which definition each kept doc comment stands before, and the order of
    # the expressions: all that is needed of the syntax trees from here on.
    # Without ``options.keep_docs`` (``qapidoc check``), a file keeps its
    # doc comments only if it holds a suppression comment ('qapidoc:
    # ignore[...]'): a suppression inside one covers the definition it
    # documents, which the linter finds from the doc.
    keeps = {id(module.file): options.keep_docs or "qapidoc:" in module.file.text for module in state.modules}
    names_by_raw = {id(expr.doc): _definition_name(expr) for file, expr in state.exprs
                    if expr.doc is not None and keeps[id(file)]}
    expr_order = {(id(file), expr.node.start): i for i, (file, expr) in enumerate(state.exprs)}
    raws = [(file, raw) for file, raw, _ in state.docs]

    # Each syntax tree goes as soon as its definition is checked (they are
    # the largest part of a loaded schema: the model and the doc comments
    # are made in the memory they leave).
    exprs: list[tuple[SourceFile, TopExpr] | None] = list(state.exprs)
    state.exprs.clear()
    state.parsed.clear()
    state.docs.clear()
    state.misplaced_docs.clear()
    definition_stage: list[Diagnostic] = []
    definitions = _check_definitions(exprs, dialect, pragmas, options, definition_stage)
    del exprs
    schema, model_stage, turns = build_model(definitions, pragmas, dialect, module_alone=options.module_alone)

    docs = _read_docs(raws, names_by_raw, keeps, schema, definitions, dialect, options, line_style)
    parse_stage.extend(docs.parse_stage)
    for file, raw in docs.broken:
        # Its own error says more than that it is not followed by a definition.
        parse_stage = [d for d in parse_stage
                       if not (d.rule is rules.DOC_BINDING and d.span is not None
                               and d.span.file is file and d.span.start == raw.start)]
    parse_stage.sort(key=lambda d: _position(state, d))
    if dialect.has("one-pass-definition-checks"):
        checks = _with_section_checks(definition_stage, docs) + _with_doc_checks(model_stage, turns, docs, dialect)
    else:
        checks = definition_stage + model_stage + docs.binding_stage()
        checks.sort(key=lambda diag: _two_pass_order(diag, docs.anchors))
    diagnostics = parse_stage + checks
    return LoadResult(schema, diagnostics, tuple(state.modules), tuple(docs.kept), dialect, docs.doc_for,
                      expr_order)


# (Helpers of _load, so that no loop variable of theirs keeps a syntax
# tree alive in _load's frame while _load lets the trees go.)

def _choose_dialect(state: _Loading, path: str, options: LoadOptions,
                    line_style: dict[int, list[Diagnostic]]) -> Dialect:
    """The dialect: as configured, else from the tree's VERSION file (raised
    by evidence for a development snapshot), else detected from what the
    schema says of its era.  What detection finds of 10.2's line style is
    kept in ``line_style`` (by ``id`` of the doc block) for the doc pass."""
    if options.dialect is not None:
        return Dialect(options.dialect, "configured")
    evidence = DialectEvidence()
    for file, expr in state.exprs:
        gather_evidence(expr.node, evidence, file.text)
    gather_schema_evidence([expr.node for _, expr in state.exprs], evidence)
    for _, _, pragma in state.pragmas:
        gather_pragma_evidence(pragma, evidence)
    gather_docs_evidence([raw for _, raw, _ in state.docs], evidence)
    blocks = [raw for _, raw, _ in state.docs]
    if options.tree_version and (found := _tree_version(path, state.reader)) is not None:
        if found[1].in_development:
            gather_indentation_evidence(blocks, evidence)
        return from_tree_version(found[1], found[0], evidence)
    if evidence.strong_high:
        # (only the choice between old releases depends on it)
        gather_indentation_evidence(blocks, evidence)
    if evidence.high is None:
        # Long doc lines hint at an age only where nothing else does.
        gather_weak_doc_evidence(blocks, evidence, line_style)
    return detect(evidence)


def _add_deferred(state: _Loading, dialect: Dialect, parse_stage: list[Diagnostic]) -> None:
    """The lexer's and parser's complaints that hold in ``dialect``, with
    where QEMU finds those it finds later than where they are."""
    for parsed in state.parsed:
        for deferred in parsed.deferred:
            if deferred.holds(dialect):
                parse_stage.append(deferred.diagnostic)
                if deferred.found_at is not None:
                    state.found_at[id(deferred.diagnostic)] = (deferred.found_at, MET_LEXING)


class _DocPass:
    """What reading the doc comments found."""

    __slots__ = ("anchors", "broken", "doc_for", "kept", "nonexistent", "parse_stage", "sections", "undocumented")

    def __init__(self) -> None:
        self.parse_stage: list[Diagnostic] = []
        self.broken: list[tuple[SourceFile, RawDoc]] = []
        self.kept: list[DocComment] = []
        self.doc_for: dict[str, DocComment] = {}
        #: binding's findings, in its order: about the doc as a whole,
        #: missing descriptions, descriptions of what does not exist
        self.sections: list[Diagnostic] = []
        self.undocumented: list[Diagnostic] = []
        self.nonexistent: list[Diagnostic] = []
        #: the definition each finding of binding is about, by ``id``
        self.anchors: dict[int, Definition] = {}

    def binding_stage(self) -> list[Diagnostic]:
        return self.sections + self.undocumented + self.nonexistent


def _read_docs(raws: list[tuple[SourceFile, RawDoc]], names_by_raw: dict[int, str | None], keeps: dict[int, bool],
               schema: Schema, definitions: list[Definition], dialect: Dialect, options: LoadOptions,
               line_style: dict[int, list[Diagnostic]]) -> _DocPass:
    """Parse each doc comment and bind it to its definition, one at a time;
    the doc comments of a file are kept only if ``keeps`` says so (by
    ``id`` of the file), else each is let go once its findings are known,
    so the doc comments of a schema never take memory all at once.
    ``line_style``: what detection already found of 10.2's line style in
    some of them, by ``id`` of the block."""
    found = _DocPass()
    if not options.docs:
        return found
    by_raw = {id(d.doc): d for d in definitions if d.doc is not None}
    binder = DocBinder(schema, module_alone=options.module_alone)
    bound = Bound(found.sections, found.undocumented, found.nonexistent)
    parsers = {keep: DocParser(dialect, keep_lines=keep) for keep in (False, True)}
    for file, raw in raws:
        keep = keeps[id(file)]
        doc, diags = parsers[keep].parse(raw, line_style.pop(id(raw), None))
        found.parse_stage.extend(diags)
        if doc.broken:
            found.broken.append((file, raw))
        definition = by_raw.get(id(raw))
        if definition is not None:
            before = (len(found.sections), len(found.undocumented), len(found.nonexistent))
            binder.bind(definition, doc, bound)
            if sum(before) != len(found.sections) + len(found.undocumented) + len(found.nonexistent):
                for diag in chain(found.sections[before[0]:], found.undocumented[before[1]:],
                                  found.nonexistent[before[2]:]):
                    found.anchors[id(diag)] = definition
        if keep:
            found.kept.append(doc)
            name = names_by_raw.get(id(raw))
            if doc.symbol is not None and doc.symbol == name:
                found.doc_for.setdefault(doc.symbol, doc)
    return found


def _check_definitions(exprs: list[tuple[SourceFile, TopExpr] | None], dialect: Dialect, pragmas: Pragmas,
                       options: LoadOptions, diagnostics: list[Diagnostic]) -> list[Definition]:
    """Each expression's definition; each syntax tree is let go once checked."""
    definitions: list[Definition] = []
    for index, item in enumerate(exprs):
        assert item is not None
        exprs[index] = None
        file, expr = item
        del item
        definition, diags = check_definition(expr.node, expr.doc, file, dialect, pragmas,
                                             module_alone=options.module_alone)
        del expr
        diagnostics.extend(diags)
        if definition is not None:
            definitions.append(definition)
    return definitions


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
            if type(reader) is FileSystemReader:
                # (a regular file only, and a small one: as find_qemu_release reads it)
                text = read_regular_file(candidate, _VERSION_SIZE).decode("utf-8")[:64]
            else:
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


_DEFINITION_NAME_RULES = (rules.INVALID_NAME, rules.RESERVED_NAME, rules.NAME_CASE)


def _with_section_checks(definition_stage: list[Diagnostic], docs: _DocPass) -> list[Diagnostic]:
    """From 4.2, QEMU checks a doc comment's sections against its definition
    (a 'Returns' section only for a command) as it checks the definition's
    expression: after the definition's name and which doc comment is its
    own, before the rest.  ``definition_stage`` with ``docs.sections`` in
    that place."""
    if not docs.sections:
        return definition_stage
    sections = {id(diag) for diag in docs.sections}

    def order(diag: Diagnostic) -> tuple[tuple[int, ...], int]:
        context = diag.context
        about = docs.anchors.get(id(diag))
        anchor = context.span if context is not None else about.span if about is not None else diag.span
        where = (-1,) if anchor is None else (*_include_path(anchor.file), anchor.start)
        if id(diag) in sections:
            return where, 1
        early = context is None or diag.rule in (rules.DOC_BINDING, rules.DOC_MISSING) or (
            diag.rule in _DEFINITION_NAME_RULES and diag.message.startswith((context.meta, f"name of {context.meta}")))
        return where, 0 if early else 2

    return sorted(definition_stage + docs.sections, key=order)


def _with_doc_checks(model_stage: list[Diagnostic], turns: list[tuple[str, int]], docs: _DocPass,
                     dialect: Dialect) -> list[Diagnostic]:
    """From 4.2 QEMU checks the schema one entity at a time and, right
    after each, its doc comment: the descriptions it lacks and, until 9.0,
    the descriptions of what it does not have (from 9.0, those once every
    entity is checked).  ``model_stage`` (found in ``turns``) with the
    findings of binding in those places."""
    late = dialect.has("doc-checks-after-schema")
    of_definition: dict[str, list[Diagnostic]] = {}
    for diag in docs.undocumented if late else docs.undocumented + docs.nonexistent:
        of_definition.setdefault(docs.anchors[id(diag)].name, []).append(diag)
    if not of_definition:
        return model_stage + docs.nonexistent
    out = model_stage[:turns[0][1]] if turns else list(model_stage)
    for (name, start), (_, end) in zip(turns, [*turns[1:], ("", len(model_stage))], strict=True):
        out += model_stage[start:end]
        out += of_definition.pop(name, ())
    for left in of_definition.values():       # (of definitions the model has no turn for)
        out += left
    return out + docs.nonexistent if late else out


def _two_pass_order(diag: Diagnostic, anchors: dict[int, Definition]) -> tuple[int, tuple[int, ...]]:
    """Before 4.2, QEMU checked the keys and names of every definition, then
    each definition's types and rules, then the schema built from them:
    the order its first error comes in: a doc comment with its definition,
    after the definition's own checks.  (``anchors``: the definition each
    finding about a doc comment is about.)"""
    rule = diag.rule
    context = diag.context
    # (the keys and the name of the definition itself, not of its parts; a
    # value without context is its name's, before the name is known)
    of_definition = context is None or diag.message.startswith((context.meta, "expression "))
    if (rule in _FIRST_PASS and (rule is not rules.EXPR_KEYS or of_definition)) or (
            rule is rules.EXPR_VALUE and context is None) or (
            rule is rules.DOC_BINDING and context is not None) or (
            rule in (rules.INVALID_NAME, rules.RESERVED_NAME) and context is not None and of_definition):
        phase = 0
    elif rule in _LAST_PASS or (rule is rules.NAME_CASE and "should not use uppercase" in diag.message):
        phase = 2
    else:
        phase = 1
    about = anchors.get(id(diag))
    anchor = context.span if context is not None else about.span if about is not None else diag.span
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
    for diag, offset, when in parsed.found_at:
        state.found_at[id(diag)] = (offset, when)
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
        data = _read_source(state, path)
    except OSError as err:
        state.diagnostics.append(state.after_reading(Diagnostic(
            rules.INCLUDE_ERROR, f"can't read include file '{_printable(path)}': {_reason(err)}", directive),
            file, node))
        return
    state.budget -= len(data)
    file, diags = _source(path, data, directive)
    del data
    state.diagnostics.extend(diags)
    _load_file(state, file, chain)


def _pragma_directive(state: _Loading, file: SourceFile, node: SynObject) -> None:
    value = _directive_value(state, file, node, "pragma", SynObject, "an object", rules.PRAGMA_ERROR)
    if isinstance(value, SynObject):
        state.pragmas.append((file, node, value))


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
    doc_required = False
    names: dict[str, frozenset[str]] = {}
    if dialect.has("pragma-exceptions"):
        lists = dict(_LIST_PRAGMAS_NEW)
    else:
        lists = dict(_LIST_PRAGMAS_OLD)
    if dialect.has("documentation-exceptions"):
        lists["documentation-exceptions"] = "documentation_exceptions"
    for file, directive, obj in state.pragmas:
        for name, (key, value) in obj.members.items():
            span = file.span(key.start, value.end)
            if name == "doc-required":
                if not isinstance(value, SynBool):
                    out.append(state.after_reading(Diagnostic(
                        rules.PRAGMA_ERROR, "pragma 'doc-required' must be boolean", span), file, directive))
                    continue
                doc_required = value.value
            elif name in lists:
                if not isinstance(value, SynList) or not all(isinstance(i, SynString) for i in value.items):
                    out.append(state.after_reading(Diagnostic(
                        rules.PRAGMA_ERROR, f"pragma {name} must be a list of strings", span), file, directive))
                    continue
                names[lists[name]] = frozenset(i.value for i in value.items if isinstance(i, SynString))
            else:
                out.append(state.after_reading(Diagnostic(
                    rules.PRAGMA_ERROR, f"unknown pragma '{name}'", span), file, directive))
    empty: frozenset[str] = frozenset()
    return Pragmas(doc_required=doc_required,
                   command_name_exceptions=names.get("command_name_exceptions", empty),
                   command_returns_exceptions=names.get("command_returns_exceptions", empty),
                   documentation_exceptions=names.get("documentation_exceptions", empty),
                   member_name_exceptions=names.get("member_name_exceptions", empty))
