"""rST generation: a loaded schema -> reStructuredText lines, each with its source.

This module is the whole of the rendering logic, and it imports neither
Sphinx nor docutils: it is tested as text.  The directives in
:mod:`qapidoc_sphinx.directives` feed its output into docutils as a
``StringList`` whose items carry the ``.json`` file and line each line came
from, so every warning docutils or Sphinx gives points into the schema.

The output uses the ``qapi`` domain's directives::

    .. qapi:command:: query-status
       :since: 0.14

       Query the run status of the VM

       .. qapi:members:: Arguments

          .. qapi:member:: name
             :type: str

             description ...

Three stages:

* :func:`schema_items` walks the schema in document order (includes
  expanded where they first occur, as QEMU does) and yields headings, free
  text and definitions; headings of every era (``= Title``, rST over- and
  underlines) are found and given levels;
* :func:`plan_parts` cuts that sequence into parts: one per module or per
  top-level section, for one page each;
* :func:`render_items` / :func:`render_definition` write the lines.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ._core import docs as docs_mod
from ._core import expressions as expr_mod
from ._core import loader as loader_mod
from ._core import model as model_mod
from ._core import parser as parser_mod
from ._core import source as source_mod
from .leftovers import Notice, unmatched_descriptions, unparsed_lines, unparsed_notice

__all__ = [
    "BUILTIN_DESCRIPTIONS", "DefItem", "FreeText", "Heading", "Part", "RenderOptions", "Rendered",
    "RstLine", "anchor", "cond_text", "member_anchor", "plan_parts", "render_builtins",
    "render_definition", "render_items", "render_part", "schema_items", "texinfo_markup",
]

DocLine = parser_mod.DocLine
SourceFile = source_mod.SourceFile


# --- output lines ---------------------------------------------------------------------

class RstLine(NamedTuple):
    """One line and where it came from (``line`` is 1-based).

    ``generated`` lines are the extension's own (the ``qapi:`` directives
    and their options); the others hold doc text, which may use only what
    :mod:`qapidoc.rst_policy` allows (see :mod:`.safety`)."""

    text: str
    source: str
    line: int
    generated: bool = False


class _Out:
    """Lines being written, with a current indentation."""

    __slots__ = ("deps", "indent", "lines", "notices")

    def __init__(self) -> None:
        self.lines: list[RstLine] = []
        self.indent = ""
        self.deps: set[str] = set()
        self.notices: list[Notice] = []

    def add(self, text: str, source: str, line: int) -> None:
        """A line of the extension's own."""
        self.lines.append(RstLine(self.indent + text if text else "", source, line, True))

    def add_doc(self, text: str, source: str, line: int) -> None:
        """A line of doc text (or holding some)."""
        self.lines.append(RstLine(self.indent + text if text else "", source, line, False))

    def blank(self, source: str = "", line: int = 0) -> None:
        if self.lines and self.lines[-1].text:
            self.lines.append(RstLine("", source or self.lines[-1].source, line or self.lines[-1].line, True))

    def push(self, by: str = "   ") -> str:
        old = self.indent
        self.indent += by
        return old


@dataclass(frozen=True, slots=True)
class Rendered:
    """Generated lines plus every schema file their content came from, and
    the warnings rendering has for the build (doc text shown other than as
    the author meant, at the line where that starts)."""

    lines: tuple[RstLine, ...]
    dependencies: frozenset[str]
    notices: tuple[Notice, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines) + "\n"


# --- names, anchors, conditions -----------------------------------------------------

#: the kind in an anchor: commands and events keep theirs; every type is a
#: "type", so an anchor survives a struct becoming a union
_ANCHOR_KIND = {"command": "command", "event": "event"}


def anchor(namespace: str | None, kind: str, name: str) -> str:
    """The HTML id of a definition: ``qmp-event-SHUTDOWN``, ``qapi-type-int``.

    It depends on neither the module nor (for types) the meta-type, so deep
    links survive moving a definition between files or turning a struct
    into a union.
    """
    prefix = namespace.lower() if namespace else "qapi"
    return f"{prefix}-{_ANCHOR_KIND.get(kind, 'type')}-{name}"


def member_anchor(definition_anchor: str, path: Sequence[str], feature: bool = False) -> str:
    """The id of a member, value, branch or feature row of a definition."""
    if feature:
        return f"{definition_anchor}:{'.'.join(path)}"
    return ".".join((definition_anchor, *path))


def cond_text(cond: object) -> str:
    """A condition as prose: ``CONFIG_A and (CONFIG_B or not CONFIG_C)``."""
    if isinstance(cond, expr_mod.CondVar):
        return cond.name
    if isinstance(cond, expr_mod.CondText):
        return " ".join(cond.text.split())
    if isinstance(cond, expr_mod.CondNot):
        inner = cond_text(cond.operand)
        return f"not {inner}" if isinstance(cond.operand, (expr_mod.CondVar, expr_mod.CondText)) \
            else f"not ({inner})"
    if isinstance(cond, (expr_mod.CondAll, expr_mod.CondAny)):
        word = " and " if isinstance(cond, expr_mod.CondAll) else " or "
        parts = []
        for operand in cond.operands:
            text = cond_text(operand)
            if isinstance(operand, (expr_mod.CondAll, expr_mod.CondAny)):
                text = f"({text})"
            parts.append(text)
        return word.join(parts)
    return str(cond)


def type_expr(schema: model_mod.Schema, name: str) -> str:
    """A type as the ``:type:`` option writes it: ``T``, ``[T]``, or ``!T``
    for a type QAPI made up (a simple union's tag enum or branch wrapper),
    which has no documentation to link to."""
    entity = schema.entities.get(name)
    if isinstance(entity, model_mod.ArrayType):
        return f"[{type_expr(schema, entity.element)}]"
    if entity is not None and entity.is_implicit and name != "QType":
        return f"!{name}"
    return name


# --- document order: headings, free text, definitions ---------------------------------

@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    title: str
    file: SourceFile
    line: int

    @property
    def source(self) -> str:
        return self.file.path


@dataclass(frozen=True, slots=True)
class FreeText:
    """Free-form doc text (a block, or its part between headings)."""

    lines: tuple[DocLine, ...]
    file: SourceFile
    doc: docs_mod.DocComment
    #: lines the doc parser did not reach (an error stopped it): shown as
    #: written, in a literal block
    verbatim: bool = False


@dataclass(frozen=True, slots=True)
class DefItem:
    name: str
    meta: str
    file: SourceFile
    doc: docs_mod.DocComment | None


Item = Heading | FreeText | DefItem

_LEGACY_HEADING = re.compile(r"^(=+)\s+(\S.*?)\s*$")
_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}\s*$")


def _line_no(file: SourceFile, line: DocLine) -> int:
    return file.line_of(line.hash_offset)


def _split_headings(doc: docs_mod.DocComment, styles: dict[tuple[str, str], int]) -> Iterator[Item]:
    """Cut a free-form doc block into headings and text."""
    file = doc.raw.file
    lines = tuple(line for section in doc.all_sections for line in section.lines)
    n = len(lines)
    chunk: list[DocLine] = []
    i = 0

    def flush() -> Iterator[Item]:
        if any(line.text.strip() for line in chunk):
            yield FreeText(tuple(chunk), file, doc)
        chunk.clear()

    while i < n:
        text = lines[i].text
        at_start = i == 0 or not lines[i - 1].text.strip()
        if at_start and text.strip():
            m = _LEGACY_HEADING.match(text)
            if m and not text.startswith(" "):
                yield from flush()
                yield Heading(len(m.group(1)), m.group(2), file, _line_no(file, lines[i]))
                i += 1
                continue
            over = _ADORNMENT.match(text)
            if (over and i + 2 < n and lines[i + 1].text.strip() and _ADORNMENT.match(lines[i + 2].text)
                    and lines[i + 2].text.strip() == text.strip() and _ends_block(lines, i + 3)):
                style = ("over", over.group(1))
                yield from flush()
                yield Heading(styles.setdefault(style, len(styles) + 1), lines[i + 1].text.strip(), file,
                              _line_no(file, lines[i + 1]))
                i += 3
                continue
            if (not over and i + 1 < n and (under := _ADORNMENT.match(lines[i + 1].text))
                    and len(lines[i + 1].text.strip()) >= len(text.strip()) and _ends_block(lines, i + 2)
                    and not text.startswith(" ")):
                style = ("under", under.group(1))
                yield from flush()
                yield Heading(styles.setdefault(style, len(styles) + 1), text.strip(), file,
                              _line_no(file, lines[i]))
                i += 2
                continue
        chunk.append(lines[i])
        i += 1
    yield from flush()
    rest = unparsed_lines(doc)
    if rest:
        yield FreeText(rest, file, doc, verbatim=True)


def _ends_block(lines: Sequence[DocLine], i: int) -> bool:
    return i >= len(lines) or not lines[i].text.strip()


class _Unbound(NamedTuple):
    """The comment of a definition that is not rendered (the model left it
    out) or of no definition: rendered as free text, as written."""

    doc: docs_mod.DocComment


def _trimmed(lines: Sequence[DocLine]) -> tuple[DocLine, ...]:
    start, end = 0, len(lines)
    while start < end and not lines[start].text.strip():
        start += 1
    while end > start and not lines[end - 1].text.strip():
        end -= 1
    return tuple(lines[start:end])


def schema_items(result: loader_mod.LoadResult) -> list[Item]:
    """Headings, free text and definitions in document order.

    That is QEMU's order: a module's content where it is first included.
    Definitions that failed a check are left out (their errors are
    reported); their doc comments, and those that belong to no definition,
    are free text where they stand, so that no doc text is lost.
    """
    schema = result.schema
    if schema is None or not result.modules:
        return []
    #: per file: (offset, order, free-form doc | definition name | included path)
    by_file: dict[int, list[tuple[int, int, docs_mod.DocComment | _Unbound | str]]] = {}
    files: dict[str, SourceFile] = {}
    for definition in schema.definitions:
        if definition.name in schema.entities and not definition.broken:
            file = definition.span.file
            files[definition.name] = file
            by_file.setdefault(id(file), []).append((definition.span.start, 1, definition.name))
    for doc in result.docs:
        if doc.symbol is None:
            by_file.setdefault(id(doc.raw.file), []).append((doc.raw.start, 0, doc))
        elif doc.symbol not in files or result.doc_for.get(doc.symbol) is not doc:
            # the comment of a definition the model left out, or of none
            by_file.setdefault(id(doc.raw.file), []).append((doc.raw.start, 0, _Unbound(doc)))
    modules = {os.path.abspath(m.file.path): m for m in result.modules}
    for module in result.modules:
        for path, directive, _ in module.includes:
            by_file.setdefault(id(module.file), []).append((directive.start, 2, os.path.abspath(path)))
    seen: set[str] = set()
    styles: dict[tuple[str, str], int] = {}
    items: list[Item] = []

    def visit(module: loader_mod.Module) -> None:
        seen.add(os.path.abspath(module.file.path))
        for _, what, thing in sorted(by_file.get(id(module.file), ()), key=lambda t: (t[0], t[1])):
            if isinstance(thing, docs_mod.DocComment):
                items.extend(_split_headings(thing, styles))
            elif isinstance(thing, _Unbound):
                items.append(FreeText(_trimmed(thing.doc.raw.lines), thing.doc.raw.file, thing.doc))
            elif what == 2:
                included = modules.get(thing)
                if included is not None and thing not in seen:
                    visit(included)
            else:
                items.append(DefItem(thing, schema.entities[thing].meta, files[thing],
                                     result.doc_for.get(thing)))

    visit(result.modules[0])
    return items


# --- parts ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Part:
    """One page's share of a schema: a module, a section, or everything."""

    id: str
    title: str
    items: tuple[Item, ...]
    #: schema files whose items are in this part
    files: tuple[str, ...]


def module_name(root: str, path: str) -> str:
    """A module's short name: its file name without ``.json``."""
    return os.path.splitext(os.path.basename(path))[0]


def slug(text: str) -> str:
    """An id for a page made from a title or module name."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "part"


def plan_parts(result: loader_mod.LoadResult, split: str) -> tuple[Part, list[Part]]:
    """Cut the schema for pages: returns the preamble (what stays on the
    page holding the directive) and the parts (one page each).

    ``split`` is ``"module"`` (a page per schema file), ``"section"`` (a
    page per top-level heading) or ``"none"``.
    """
    items = schema_items(result)
    root = result.modules[0].file.path if result.modules else ""
    if split == "none" or not items:
        return Part("", "", tuple(items), _files(items)), []
    groups: list[tuple[str, list[Item]]] = []
    preamble: list[Item] = []
    if split == "module":
        order: dict[str, list[Item]] = {}
        for item in items:
            order.setdefault(item.file.path, []).append(item)
        for path, group in order.items():
            if path == root:
                preamble.extend(group)
            else:
                groups.append((module_name(root, path), group))
    else:
        top = min((i.level for i in items if isinstance(i, Heading)), default=1)
        current: list[Item] | None = None
        for item in items:
            if isinstance(item, Heading) and item.level == top:
                current = [item]
                groups.append((item.title, current))
            elif current is None:
                preamble.append(item)
            else:
                current.append(item)
    parts: list[Part] = []
    used: set[str] = set()
    for name, group in groups:
        # A group of headings only is kept too: its titles are doc text.
        ident = base = slug(name)
        n = 2
        while ident in used:
            ident = f"{base}-{n}"
            n += 1
        used.add(ident)
        title = next((i.title for i in group if isinstance(i, Heading)), name)
        parts.append(Part(ident, title, tuple(group), _files(group)))
    return Part("", "", tuple(preamble), _files(preamble)), parts


def _files(items: Iterable[Item]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i.file.path for i in items))


# --- rendering options --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RenderOptions:
    namespace: str | None = None
    #: show members of bases, branches and argument types in place (True),
    #: or as a "The members of X" pointer (False)
    inline: bool = True
    #: only these kinds (command, event, enum, struct, union, alternate)
    kinds: frozenset[str] | None = None
    #: name patterns (fnmatch) to keep / drop
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    #: module patterns (file name without .json, or path) to keep
    modules: tuple[str, ...] = ()
    #: name -> URL (relative to the output root) of its JSON Schema file
    schema_links: dict[str, str] = field(default_factory=dict)
    #: the page is a piece of a bigger rendering: references to types it does
    #: not render may have no target
    partial: bool = False
    #: a heading level offset for the rendered headings
    title_level: int = 1
    #: no index entries and no targets (another page renders the same)
    no_index: bool = False
    #: (documenting definition, member/value/branch name) -> the release it
    #: first appears in (``qapidoc_history``), shown on rows whose doc says
    #: nothing of when
    since: Callable[[str, str], str | None] | None = field(default=None, compare=False)

    @property
    def filtering(self) -> bool:
        return bool(self.kinds is not None or self.include or self.exclude or self.modules)


def _wanted(item: DefItem, options: RenderOptions, root: str) -> bool:
    if options.kinds is not None and item.meta not in options.kinds:
        return False
    if options.include and not any(fnmatch.fnmatchcase(item.name, p) for p in options.include):
        return False
    if options.exclude and any(fnmatch.fnmatchcase(item.name, p) for p in options.exclude):
        return False
    return not options.modules or _module_wanted(item.file.path, options.modules, root)


def _module_wanted(path: str, patterns: tuple[str, ...], root: str) -> bool:
    short = module_name(root, path)
    rel = os.path.relpath(path, os.path.dirname(root)) if root else path
    return any(fnmatch.fnmatchcase(short, p) or fnmatch.fnmatchcase(os.path.basename(path), p)
               or fnmatch.fnmatchcase(rel, p) for p in patterns)


def filter_items(items: Sequence[Item], options: RenderOptions, root: str) -> list[Item]:
    """Apply the subset options.  With a name or kind filter, free text is
    dropped and only headings with something under them are kept."""
    if not options.filtering:
        return list(items)
    kept: list[Item] = []
    for item in items:
        if isinstance(item, DefItem):
            if _wanted(item, options, root):
                kept.append(item)
        elif options.modules and not _module_wanted(item.file.path, options.modules, root):
            continue
        elif isinstance(item, FreeText):
            if options.kinds is None and not options.include and not options.exclude:
                kept.append(item)
        else:
            kept.append(item)
    # drop headings that head nothing
    out: list[Item] = []
    for i, item in enumerate(kept):
        if isinstance(item, Heading):
            rest = kept[i + 1:]
            body = next((j for j, x in enumerate(rest) if isinstance(x, Heading) and x.level <= item.level),
                        len(rest))
            if not any(not isinstance(x, Heading) for x in rest[:body]):
                continue
        out.append(item)
    return out


# --- rendering ------------------------------------------------------------------------

_TITLE_CHARS = "=-~^\"'`:+"

#: what each built-in type is on the wire
BUILTIN_DESCRIPTIONS: dict[str, str] = {
    "str": "A JSON string.",
    "number": "A JSON number (a double; integers are accepted).",
    "bool": "JSON ``true`` or ``false``.",
    "null": "JSON ``null``.",
    "any": "Any JSON value.",
    "size": "A JSON number without fraction: a size in bytes, from 0 to 18446744073709551615.",
}


def _builtin_description(builtin: model_mod.BuiltinType) -> str:
    if builtin.name in BUILTIN_DESCRIPTIONS:
        return BUILTIN_DESCRIPTIONS[builtin.name]
    return (f"A JSON number without fraction, from {builtin.minimum} to {builtin.maximum} "
            f"({'signed' if builtin.name.startswith('int') else 'unsigned'}).")


_RST_SIGNS = re.compile(r"^\s*\.\. [\w:-]+::|``|::\s*$|^\s*:[\w:-]+:`")


def texinfo_markup(result: loader_mod.LoadResult) -> bool:
    """Whether the doc comments are in the markup of QEMU 2.x-5.1 (rendered
    through texinfo then) rather than rST.  The dialect says when it is old
    enough; the text has the last word, as a dialect can be old on evidence
    that says nothing about markup (a long doc line): a doc comment with an
    rST directive, inline literal or literal block is rST."""
    if result.dialect.version >= (5, 2):
        return False
    for doc in result.docs:
        for line in doc.raw.lines:
            text = line.text
            if ("``" in text or "::" in text or text.lstrip().startswith(":")) and _RST_SIGNS.search(text):
                return False
    return True


class _Context:
    """What rendering one schema needs to know besides the current item."""

    def __init__(self, result: loader_mod.LoadResult, options: RenderOptions) -> None:
        assert result.schema is not None
        self.result = result
        self.schema: model_mod.Schema = result.schema
        self.options = options
        self.ns = options.namespace
        self.legacy = texinfo_markup(result)
        self.paragraphs = result.dialect.has("doc-paragraphs")
        root = result.modules[0].file.path if result.modules else ""
        self.root = root
        error_class = self.schema.entities.get("QapiErrorClass")
        self.error_classes: frozenset[str] = frozenset(
            v.name for v in error_class.values) if isinstance(error_class, model_mod.EnumType) else frozenset()
        self.heading_depth = 0
        self.heading_base: int | None = None
        self.module: str | None = None
        #: ids of the member and feature descriptions shown so far in the
        #: definition being rendered
        self.shown: set[int] = set()

    def doc_of(self, name: str) -> docs_mod.DocComment | None:
        return self.result.doc_for.get(name)

    def since(self, owner: str, name: str, section: docs_mod.DocSection | None) -> str | None:
        """The release badge of a row, from the history, unless its
        description says when itself."""
        lookup = self.options.since
        if lookup is None or (section is not None and _SINCE_WORD.search(section.text)):
            return None
        return lookup(owner, name)

    def visible_origin(self, type_name: str) -> str:
        """The definition a member of ``type_name`` is documented in."""
        entity = self.schema.entities.get(type_name)
        if entity is not None and entity.is_implicit:
            origin = self.schema.origins.get(type_name)
            if origin is not None:
                return origin.name
        return type_name


def render_items(result: loader_mod.LoadResult, items: Sequence[Item], options: RenderOptions) -> Rendered:
    """The rST of a sequence of items (a part, or the whole schema)."""
    ctx = _Context(result, options)
    out = _Out()
    items = filter_items(items, options, ctx.root)
    source = ctx.root
    if ctx.ns:
        out.add(f".. qapi:namespace:: {ctx.ns}", source, 1)
        out.blank()
    levels = [i.level for i in items if isinstance(i, Heading)]
    ctx.heading_base = min(levels) if levels else 1
    for item in items:
        out.deps.add(item.file.path)
        if isinstance(item, Heading):
            _render_heading(ctx, out, item)
        elif isinstance(item, FreeText):
            _render_free_text(ctx, out, item)
        else:
            _render_module_change(ctx, out, item)
            _render_definition(ctx, out, item.name)
    return Rendered(tuple(out.lines), frozenset(out.deps), tuple(out.notices))


def render_part(result: loader_mod.LoadResult, part: Part, options: RenderOptions) -> Rendered:
    """The rST of one part, for a page of its own: it starts with a title
    (the part's first heading, or its name)."""
    items = list(part.items)
    if items and not isinstance(items[0], Heading):
        levels = [i.level for i in items if isinstance(i, Heading)]
        items.insert(0, Heading(min(levels, default=1), part.title, items[0].file, 1))
    return render_items(result, items, options)


def render_definition(result: loader_mod.LoadResult, name: str, options: RenderOptions) -> Rendered:
    """The rST of one definition (for the single-definition directive)."""
    ctx = _Context(result, options)
    out = _Out()
    if ctx.ns:
        out.add(f".. qapi:namespace:: {ctx.ns}", ctx.root, 1)
        out.blank()
    entity = ctx.schema.entities.get(name)
    if entity is None:
        return Rendered((), frozenset())
    origin = ctx.schema.origins.get(name)
    if origin is not None:
        out.deps.add(origin.span.file.path)
    _render_definition(ctx, out, name)
    return Rendered(tuple(out.lines), frozenset(out.deps), tuple(out.notices))


def render_builtins(result: loader_mod.LoadResult, options: RenderOptions, *, title: str | None = "Built-in types",
                    title_level: int = 1) -> Rendered:
    """A section with a target for every built-in type (and QType)."""
    ctx = _Context(result, options)
    out = _Out()
    source = ctx.root
    if ctx.ns:
        out.add(f".. qapi:namespace:: {ctx.ns}", source, 1)
        out.blank()
    if title:
        out.add(title, source, 1)
        out.add(_TITLE_CHARS[title_level - 1] * len(title), source, 1)
        out.blank()
        out.add("The types every schema has.  On the wire, each is a JSON value of the kind given.", source, 1)
        out.blank()
    for builtin in model_mod.BUILTIN_TYPES.values():
        out.add(f".. qapi:builtin:: {builtin.name}", source, 1)
        out.add(f"   :json: {builtin.json_type}", source, 1)
        out.blank()
        out.add("   " + _builtin_description(builtin), source, 1)
        out.blank()
    qtype = ctx.schema.entities.get("QType")
    if isinstance(qtype, model_mod.EnumType):
        out.add(".. qapi:enum:: QType", source, 1)
        out.add("   :builtin:", source, 1)
        out.blank()
        out.add("   The JSON type of a value, as the alternate types' ``type`` member names it.", source, 1)
        out.blank()
        out.add("   .. qapi:members:: Values", source, 1)
        out.blank()
        for value in qtype.values:
            out.add(f"      .. qapi:member:: {value.name}", source, 1)
            out.blank()
    return Rendered(tuple(out.lines), frozenset())


def _render_module_change(ctx: _Context, out: _Out, item: DefItem) -> None:
    name = module_name(ctx.root, item.file.path)
    if name != ctx.module:
        ctx.module = name
        out.add(f".. qapi:module:: {name}", item.file.path, 1)
        out.blank()


def _render_heading(ctx: _Context, out: _Out, item: Heading) -> None:
    base = ctx.heading_base or 1
    level = max(1, item.level - base + ctx.options.title_level)
    level = min(level, ctx.heading_depth + 1, len(_TITLE_CHARS))
    ctx.heading_depth = level
    out.blank()
    title = item.title
    out.add_doc(_escape_title(title), item.source, item.line)
    out.add(_TITLE_CHARS[level - 1] * max(len(title), 3), item.source, item.line)
    out.blank()


def _escape_title(title: str) -> str:
    if _ADORNMENT.match(title):
        return "\\" + title
    return title


def _render_free_text(ctx: _Context, out: _Out, item: FreeText) -> None:
    doc = item.doc
    if doc.symbol is not None:
        _render_unbound(ctx, out, item)
        return
    out.blank()
    if item.verbatim:
        _verbatim(out, item.file, item.lines)
        notice = unparsed_notice(doc, item.lines, "where it stands")
        if notice is not None:
            out.notices.append(notice)
        return
    _emit_text(ctx, out, item.file, list(item.lines), None)
    out.blank()


def _verbatim(out: _Out, file: SourceFile, lines: Sequence[DocLine]) -> None:
    """Lines as written, in a literal block: text that could not be parsed
    has no known structure, and read as rST it could make any."""
    indent = min((_indent_of(line.text) for line in lines if line.text.strip()), default=0)
    out.add("::", file.path, file.line_of(lines[0].hash_offset))
    out.blank()
    for text, line in _dedent(lines, indent):
        out.add(("   " + text.rstrip()) if text.strip() else "", file.path, file.line_of(line.hash_offset))
    out.blank()


def _render_unbound(ctx: _Context, out: _Out, item: FreeText) -> None:
    """The comment of a definition the model left out, or of none: its
    parts in order, under its name, without rows (there is no model to make
    them from)."""
    doc = item.doc
    file = item.file
    line = file.line_of(doc.raw.start)
    bound = ctx.result.doc_for.get(doc.symbol or "") is doc
    what = (f"the definition of '{doc.symbol}' has errors that leave it out of the model" if bound
            else f"it is not followed by the definition of '{doc.symbol}'")
    out.notices.append(Notice(file.path, line, f"doc comment shown without its definition: {what}", "unbound"))
    out.blank()
    out.add(f"``{doc.symbol}``", file.path, line)
    out.blank()
    old = out.push()
    ctx.shown = set()
    _emit_text(ctx, out, file, doc.body.lines, None)
    out.blank()
    since = doc.section("since")
    if since is not None and since.lines:
        # elsewhere an option of the definition's directive
        out.add(f"Since: {' '.join(since.text.split())}", file.path, file.line_of(since.lines[0].hash_offset))
        out.blank()
    _render_sections(ctx, out, None, doc, _Rows(""), file.path, line)
    _render_leftovers(ctx, out, doc, doc.symbol or "", _Rows(""))
    out.indent = old
    out.blank()


# --- doc text ---------------------------------------------------------------------------

_AT_REF = re.compile(r"(?<![\w@`\\])@([A-Za-z_][\w.+-]*\w|[A-Za-z_])")
_QMP_EXAMPLE_LINE = re.compile(r"^(\s*)\.\. +qmp-example::(.*)$")
_LITERAL_START = re.compile(r"::\s*$")
_DIRECTIVE_LINE = re.compile(r"^(\s*)\.\. +([\w:-]+)::")
_INLINE_LITERAL = re.compile(r"``.+?``")


class _Rows:
    """The member rows a definition renders, to link ``@name`` to them."""

    def __init__(self, definition_anchor: str) -> None:
        self.anchor = definition_anchor
        self.paths: dict[str, tuple[str, ...]] = {}

    def note(self, path: tuple[str, ...]) -> None:
        self.paths.setdefault(path[-1], path)

    def target(self, name: str) -> str | None:
        """The row's id, relative to the definition's (``.a.b``): the same
        text links to the right row wherever the description is shown."""
        path = self.paths.get(name)
        return "." + ".".join(path) if path is not None else None


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _literal_flags(texts: Sequence[str]) -> list[bool]:
    """Which lines are inside literal blocks or directive bodies whose
    content is not prose (examples, code)."""
    flags = [False] * len(texts)
    i = 0
    n = len(texts)
    while i < n:
        text = texts[i]
        stripped = text.strip()
        opener = False
        if stripped and (_LITERAL_START.search(stripped) and not stripped.startswith(".. ")):
            opener = True
        m = _DIRECTIVE_LINE.match(text)
        if m and m.group(2) in ("qmp-example", "qapi:example", "code-block", "code", "sourcecode",
                                "parsed-literal", "highlight", "raw", "math"):
            opener = True
        if opener:
            base = _indent_of(text)
            j = i + 1
            while j < n and (not texts[j].strip() or _indent_of(texts[j]) > base):
                flags[j] = True
                j += 1
            if m:
                flags[i] = False
            i = j
            continue
        i += 1
    return flags


def _subst_refs(text: str, rows: _Rows | None, error_classes: frozenset[str] | None) -> str:
    """``@name`` -> a link to the row, or a literal; error class names ->
    links (in an Errors section)."""
    if "@" not in text and not error_classes:
        return text
    pieces = []
    pos = 0
    for m in _INLINE_LITERAL.finditer(text):
        pieces.append((text[pos:m.start()], True))
        pieces.append((m.group(0), False))
        pos = m.end()
    pieces.append((text[pos:], True))
    out = []
    for piece, prose in pieces:
        if prose:
            if "@" in piece:
                piece = _AT_REF.sub(lambda m: _member_ref(m.group(1), rows), piece)
            if error_classes:
                piece = _link_errors(piece, error_classes)
        out.append(piece)
    return "".join(out)


def _member_ref(name: str, rows: _Rows | None) -> str:
    target = rows.target(name) if rows is not None else None
    if target is not None:
        return f":qapi:mref:`{name} <{target}>`"
    return f"``{name}``"


_WORD = re.compile(r"(?<![\w`*:<.-])([A-Z][A-Za-z]+)(?![\w`*>-])")


def _link_errors(text: str, error_classes: frozenset[str]) -> str:
    return _WORD.sub(lambda m: f":qapi:member:`{m.group(1)} <QapiErrorClass.{m.group(1)}>`"
                     if m.group(1) in error_classes else m.group(1), text)


def _dedent(lines: Sequence[DocLine], by: int) -> list[tuple[str, DocLine]]:
    out = []
    for line in lines:
        text = line.text
        cut = min(by, _indent_of(text))
        out.append((text[cut:], line))
    return out


def _section_texts(ctx: _Context, section: docs_mod.DocSection, *, tagged: bool) -> list[tuple[str, DocLine]]:
    """A section's lines, dedented so that they read as rST on their own."""
    lines = section.lines
    if not lines:
        return []
    if not tagged or not ctx.paragraphs:
        if tagged and not ctx.paragraphs:
            # The classic parsers removed the indentation already, except on
            # lines they keep verbatim (examples).
            return [(line.text, line) for line in lines]
        return [(line.text, line) for line in lines]
    first_on_tag = section.span.start <= lines[0].offset < section.span.end
    rest = lines[1:] if first_on_tag else lines
    indent = next((_indent_of(line.text) for line in rest if line.text.strip()), 0)
    out = [(lines[0].text.strip(), lines[0])] if first_on_tag else []
    out.extend(_dedent(rest, indent))
    return out


def _emit_text(ctx: _Context, out: _Out, file: SourceFile, lines: Sequence[DocLine] | Sequence[
        tuple[str, DocLine]], rows: _Rows | None, *, errors: bool = False) -> None:
    """Doc text as rST, line for line, with ``@name`` links and the legacy
    markup of 2017-2020 schemas converted."""
    pairs: list[tuple[str, DocLine]] = [
        (x.text, x) if isinstance(x, DocLine) else x for x in lines]  # type: ignore[misc]
    while pairs and not pairs[0][0].strip():
        pairs.pop(0)
    while pairs and not pairs[-1][0].strip():
        pairs.pop()
    if not pairs:
        return
    source = file.path
    if ctx.legacy:
        pairs = _legacy_markup(pairs)
    texts = [t for t, _ in pairs]
    literal = _literal_flags(texts)
    error_classes = ctx.error_classes if errors else None
    for (text, line), is_literal in zip(pairs, literal, strict=True):
        lineno = file.line_of(line.hash_offset)
        if not is_literal:
            m = _QMP_EXAMPLE_LINE.match(text)
            if m:
                text = f"{m.group(1)}.. qapi:example::{m.group(2)}"
            else:
                text = _subst_refs(text, rows, error_classes)
        out.add_doc(text.rstrip(), source, lineno)


# --- legacy (texinfo-era, before QEMU 5.2) doc markup -----------------------------------

_LEGACY_STRONG = re.compile(r"(?<![\w*])\*(\S(?:[^*]*\S)?)\*(?![\w*])")
_LEGACY_EMPH = re.compile(r"(?<![\w_])_(\S(?:[^_]*\S)?)_(?![\w_])")
_LIST_ITEM = re.compile(r"^(\s*)([-*]|\d+\.)\s+\S")


def _legacy_escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("`", "\\`").replace("|", "\\|")
    text = re.sub(r"(\w)_(?=\W|$)", r"\1\\_", text)
    text = re.sub(r"(?<!\w)_(?=\w)", r"\\_", text)
    text = text.replace("**", "\\*\\*")
    if text.lstrip().startswith(":") or text.lstrip().startswith(".. ") or text.lstrip().startswith("#"):
        text = text.replace(text.lstrip()[0], "\\" + text.lstrip()[0], 1)
    if _ADORNMENT.match(text.strip()) or re.match(r"^\s*[-+*]\s*$", text):
        text = "\\" + text
    return text


def _legacy_inline(text: str) -> str:
    # '*strong*' and '_emphasis_' (qapi2texi); everything else is plain text.
    # '#optional' (before QEMU 2.10) is what the optional mark now says.
    text = re.sub(r"\s*#optional\b\s*", " ", text).strip()
    strong: list[str] = []
    emph: list[str] = []

    def keep_strong(m: re.Match[str]) -> str:
        strong.append(m.group(1))
        return f"\x00S{len(strong) - 1}\x00"

    def keep_emph(m: re.Match[str]) -> str:
        emph.append(m.group(1))
        return f"\x00E{len(emph) - 1}\x00"

    text = _LEGACY_STRONG.sub(keep_strong, text)
    text = _LEGACY_EMPH.sub(keep_emph, text)
    text = _legacy_escape(text.replace("*", "\x01"))
    text = text.replace("\x01", "\\*")
    text = re.sub("\x00S(\\d+)\x00", lambda m: f"**{_legacy_escape(strong[int(m.group(1))])}**", text)
    return re.sub("\x00E(\\d+)\x00", lambda m: f"*{_legacy_escape(emph[int(m.group(1))])}*", text)


def _legacy_markup(pairs: list[tuple[str, DocLine]]) -> list[tuple[str, DocLine]]:
    """The doc markup of QEMU 2.x-5.1 (rendered through texinfo then) as rST:
    ``| `` lines become literal blocks, lists get the blank lines and
    indentation rST wants, ``*strong*`` and ``_emph_`` are kept, and every
    other rST-special character is escaped."""
    out: list[tuple[str, DocLine]] = []
    in_list = 0         # the indentation of the list item's text, or 0
    in_literal = False
    for text, line in pairs:
        stripped = text.strip()
        if stripped.startswith("| ") or stripped == "|":
            if not in_literal:
                if out and out[-1][0].strip():
                    out.append(("", line))
                out.append(("::", line))
                out.append(("", line))
                in_literal = True
            out.append(("    " + stripped[2:], line))
            continue
        if in_literal:
            in_literal = False
            if stripped:
                out.append(("", line))
        if not stripped:
            in_list = 0
            out.append(("", line))
            continue
        m = _LIST_ITEM.match(stripped)
        if m:
            if not in_list and out and out[-1][0].strip():
                out.append(("", line))
            marker = m.group(2)
            in_list = len(marker) + 1
            body = stripped[len(marker):].strip()
            out.append((f"{marker} {_legacy_inline(body)}", line))
            continue
        if in_list:
            out.append((" " * in_list + _legacy_inline(stripped), line))
            continue
        out.append((_legacy_inline(stripped), line))
    return out


# --- definitions --------------------------------------------------------------------------

_KIND_OF_META = {"struct": "struct", "union": "union", "enum": "enum", "alternate": "alternate",
                 "command": "command", "event": "event"}


_SINCE_WORD = re.compile(r"(?i)\bsince\b")


def _special_features(features: Iterable[expr_mod.Feature]) -> list[str]:
    return [f.name for f in features if f.name in ("deprecated", "unstable")]


def _render_definition(ctx: _Context, out: _Out, name: str) -> None:
    schema = ctx.schema
    entity = schema.entities[name]
    meta = entity.meta
    kind = _KIND_OF_META[meta]
    doc = ctx.doc_of(name)
    origin = schema.origins.get(name)
    file = origin.span.file if origin is not None else None
    source = file.path if file is not None else ctx.root
    line = file.line_of(origin.span.start) if origin is not None and file is not None else 1
    if doc is not None:
        source = doc.raw.file.path
        line = doc.raw.file.line_of(doc.raw.start)
        out.deps.add(source)
    definition_anchor = anchor(ctx.ns, kind, name)
    rows = _Rows(definition_anchor)
    ctx.shown = set()

    out.blank()
    out.add(f".. qapi:{kind}:: {name}", source, line)
    if doc is not None and doc.since:
        out.add(f"   :since: {' '.join(doc.since.split())}", source, line)
    cond = getattr(entity, "cond", None)
    if cond is not None:
        out.add(f"   :if: {cond_text(cond)}", source, line)
    features = getattr(entity, "features", ())
    special = _special_features(features)
    if special:
        out.add(f"   :features: {' '.join(special)}", source, line)
    if ctx.options.no_index:
        out.add("   :no-index:", source, line)
    link = ctx.options.schema_links.get(name)
    if link:
        out.add(f"   :schema: {link}", source, line)
    out.blank()
    old = out.push()
    try:
        # Rows first (into a side buffer), so that the body's @name can link
        # to them.
        body_out = _Out()
        body_out.indent = out.indent
        rows_out = _Out()
        rows_out.indent = out.indent
        # twice: the first pass only learns the rows, so that a description
        # can link to a row after it
        _render_rows(ctx, _Out(), entity, doc, rows, source, line)
        _render_rows(ctx, rows_out, entity, doc, rows, source, line)
        if doc is not None:
            _emit_text(ctx, body_out, doc.raw.file, doc.body.lines, rows)
            body_out.blank()
        out.lines.extend(body_out.lines)
        out.blank()
        out.lines.extend(rows_out.lines)
        out.deps.update(rows_out.deps)
        out.blank()
        _render_features(ctx, out, entity, doc, rows, definition_anchor, source, line)
        _render_sections(ctx, out, entity, doc, rows, source, line)
        if doc is not None:
            _render_leftovers(ctx, out, doc, name, rows)
    finally:
        out.indent = old
    out.blank()


def _render_rows(ctx: _Context, out: _Out, entity: model_mod.Entity, doc: docs_mod.DocComment | None,
                 rows: _Rows, source: str, line: int) -> None:
    schema = ctx.schema
    if isinstance(entity, model_mod.EnumType):
        if not entity.values:
            return
        out.add(".. qapi:members:: Values", source, line)
        out.blank()
        old = out.push()
        for value in entity.values:
            section = doc.arg(value.name) if doc is not None else None
            _member_row(ctx, out, value.name, None, False, value.cond, value.features, None, section, doc, rows,
                        (value.name,), source, line, ctx.since(entity.name, value.name, section))
        out.indent = old
        return
    if isinstance(entity, model_mod.AlternateType):
        out.add(".. qapi:members:: Alternatives", source, line)
        out.blank()
        old = out.push()
        for variant in entity.variants.branches:
            _member_row(ctx, out, variant.name, type_expr(schema, variant.type), False, variant.cond, (), None,
                        doc.arg(variant.name) if doc is not None else None, doc, rows, (variant.name,), source,
                        line)
        out.indent = old
        return
    if isinstance(entity, model_mod.ObjectType):
        if not entity.members and entity.variants is None:
            return
        out.add(".. qapi:members:: Members", source, line)
        out.blank()
        old = out.push()
        _object_rows(ctx, out, entity, entity.name, rows, (), source, line)
        out.indent = old
        return
    if isinstance(entity, (model_mod.CommandEntity, model_mod.EventEntity)):
        label = "Arguments" if isinstance(entity, model_mod.CommandEntity) else "Members"
        arg_type = entity.arg_type
        if arg_type is None:
            return
        arg = schema.entities.get(arg_type)
        if isinstance(arg, model_mod.ObjectType):
            if not arg.members and arg.variants is None:
                return
            default_origin = ctx.visible_origin(arg_type)
            if not ctx.options.inline and default_origin != entity.name:
                _pointer(ctx, out, label, arg_type, source, line)
                return
            out.add(f".. qapi:members:: {label}", source, line)
            if default_origin != entity.name:
                out.add(f"   :origin: {default_origin}", source, line)
                out.deps.add(schema.modules.get(default_origin) or source)
            out.blank()
            old = out.push()
            _object_rows(ctx, out, arg, default_origin, rows, (), source, line)
            out.indent = old
        elif arg is not None:
            # a boxed alternate (QEMU before 4.2)
            _pointer(ctx, out, label, arg_type, source, line)


def _pointer(ctx: _Context, out: _Out, label: str, type_name: str, source: str, line: int) -> None:
    out.add(f".. qapi:members:: {label}", source, line)
    out.add(f"   :origin: {type_name}", source, line)
    out.add("   :pointer:", source, line)
    out.blank()


def _object_rows(ctx: _Context, out: _Out, obj: model_mod.ObjectType, default_origin: str, rows: _Rows,
                 path: tuple[str, ...], source: str, line: int) -> None:
    """The rows of an object type's members, base first, then its branches."""
    schema = ctx.schema
    inline = ctx.options.inline
    shown_pointer: set[str] = set()
    for member in obj.members:
        origin = ctx.visible_origin(member.defined_in)
        if not inline and origin != default_origin:
            if origin not in shown_pointer:
                shown_pointer.add(origin)
                out.add(f".. qapi:pointer:: {origin}", source, line)
                out.blank()
            continue
        doc = ctx.doc_of(origin)
        if doc is not None:
            out.deps.add(doc.raw.file.path)
        section = doc.arg(member.name) if doc is not None else None
        _member_row(ctx, out, member.name, type_expr(schema, member.type), member.optional, member.cond,
                    member.features, origin if origin != default_origin else None, section, doc, rows,
                    (*path, member.name), source, line, ctx.since(origin, member.name, section))
    if obj.variants is None:
        return
    tag = obj.variants.tag.name
    for variant in obj.variants.branches:
        if variant.implicit:
            continue
        branch = schema.entities.get(variant.type)
        if not isinstance(branch, model_mod.ObjectType):
            continue
        out.add(f".. qapi:branch:: {tag} {variant.name}", source, line)
        if not branch.implicit:
            out.add(f"   :type: {variant.type}", source, line)
        if path:
            out.add(f"   :path: {'.'.join(path)}", source, line)
        if variant.cond is not None:
            out.add(f"   :if: {cond_text(variant.cond)}", source, line)
        tag_doc = ctx.visible_origin(obj.variants.tag.type)
        tag_entry = ctx.doc_of(tag_doc)
        since = ctx.since(tag_doc, variant.name, tag_entry.arg(variant.name) if tag_entry is not None else None)
        if since is not None:
            out.add(f"   :since: {since}", source, line)
        if not inline:
            out.add("   :pointer:", source, line)
        out.blank()
        rows.note((*path, variant.name))
        if inline:
            old = out.push()
            _object_rows(ctx, out, branch, ctx.visible_origin(variant.type), rows, (*path, variant.name), source,
                         line)
            out.indent = old
        out.deps.add(schema.modules.get(variant.type) or source)


def _member_row(ctx: _Context, out: _Out, name: str, type_name: str | None, optional: bool, cond: object,
                features: Iterable[expr_mod.Feature], origin: str | None, section: docs_mod.DocSection | None,
                doc: docs_mod.DocComment | None, rows: _Rows, path: tuple[str, ...], source: str,
                line: int, since: str | None = None) -> None:
    row_source, row_line = source, line
    if section is not None and doc is not None:
        row_source = doc.raw.file.path
        row_line = doc.raw.file.line_of(section.span.start)
    out.add(f".. qapi:member:: {name}", row_source, row_line)
    if type_name is not None:
        out.add(f"   :type: {type_name}", row_source, row_line)
    if optional:
        out.add("   :optional:", row_source, row_line)
    if cond is not None:
        out.add(f"   :if: {cond_text(cond)}", row_source, row_line)
    feature_names = [f.name for f in features]
    if feature_names:
        out.add(f"   :features: {' '.join(feature_names)}", row_source, row_line)
    if origin is not None:
        out.add(f"   :origin: {origin}", row_source, row_line)
    if since is not None:
        out.add(f"   :since: {since}", row_source, row_line)
    if len(path) > 1:
        out.add(f"   :path: {'.'.join(path[:-1])}", row_source, row_line)
    out.blank()
    rows.note(path)
    if section is not None and doc is not None:
        ctx.shown.add(id(section))
        old = out.push()
        _emit_text(ctx, out, doc.raw.file, _section_texts(ctx, section, tagged=True), rows)
        out.indent = old
        out.blank()


def _render_features(ctx: _Context, out: _Out, entity: model_mod.Entity, doc: docs_mod.DocComment | None,
                     rows: _Rows, definition_anchor: str, source: str, line: int) -> None:
    """The Features field: the definition's own features, and those its
    doc comment describes (features of members and values are described
    there too)."""
    features = {f.name: f for f in getattr(entity, "features", ())}
    described = {s.name: s for s in doc.features if s.name} if doc is not None else {}
    names = list(dict.fromkeys([*features, *described]))
    if not names:
        return
    out.add(".. qapi:members:: Features", source, line)
    out.blank()
    old = out.push()
    for name in names:
        feature = features.get(name)
        section = described.get(name)
        row_source, row_line = source, line
        if section is not None and doc is not None:
            row_source = doc.raw.file.path
            row_line = doc.raw.file.line_of(section.span.start)
        out.add(f".. qapi:feature:: {name}", row_source, row_line)
        if feature is not None and feature.cond is not None:
            out.add(f"   :if: {cond_text(feature.cond)}", row_source, row_line)
        out.blank()
        if section is not None and doc is not None:
            ctx.shown.add(id(section))
            inner = out.push()
            _emit_text(ctx, out, doc.raw.file, _section_texts(ctx, section, tagged=True), rows)
            out.indent = inner
            out.blank()
    out.indent = old
    out.blank()


def _render_sections(ctx: _Context, out: _Out, entity: model_mod.Entity | None, doc: docs_mod.DocComment | None,
                     rows: _Rows, source: str, line: int) -> None:
    schema = ctx.schema
    ret_type = entity.ret_type if isinstance(entity, model_mod.CommandEntity) else None
    sections = doc.sections if doc is not None else ()
    has_returns = any(s.kind == "returns" for s in sections)
    if ret_type is not None and not has_returns:
        out.add(f".. qapi:returns:: {type_expr(schema, ret_type)}", source, line)
        out.blank()
    if doc is None:
        return
    file = doc.raw.file
    for section in sections:
        kind = section.kind
        sline = file.line_of(section.span.start)
        if kind in ("since", "todo"):
            continue
        if kind == "plain":
            _emit_text(ctx, out, file, section.lines, rows)
            out.blank()
        elif kind == "returns":
            texts = _section_texts(ctx, section, tagged=True)
            rtype = type_expr(schema, ret_type) if ret_type is not None else ""
            out.add(f".. qapi:returns:: {rtype}".rstrip(), file.path, sline)
            out.blank()
            if not _just_the_type(texts, rtype):
                old = out.push()
                _emit_text(ctx, out, file, texts, rows)
                out.indent = old
                out.blank()
        elif kind == "errors":
            out.add(".. qapi:errors::", file.path, sline)
            out.blank()
            old = out.push()
            _emit_text(ctx, out, file, _section_texts(ctx, section, tagged=True), rows, errors=True)
            out.indent = old
            out.blank()
        elif kind == "note":
            out.add(".. note::" if section.tag == "Note" else ".. admonition:: Notes", file.path, sline)
            out.blank()
            old = out.push()
            _emit_text(ctx, out, file, _section_texts(ctx, section, tagged=True), rows)
            out.indent = old
            out.blank()
        elif kind == "example":
            _legacy_example(ctx, out, file, section, sline)
        else:
            # a kind of section this renderer does not know: its text as is
            _emit_text(ctx, out, file, section.lines, rows)
            out.blank()


def _render_leftovers(ctx: _Context, out: _Out, doc: docs_mod.DocComment, name: str, rows: _Rows) -> None:
    """What of ``doc`` has no place above, as plain text at the end of the
    definition: descriptions of members and features the definition does
    not have, and the lines after an error stopped the parse."""
    file = doc.raw.file
    for section in unmatched_descriptions(doc, ctx.shown):
        what = f"``{section.name}``" + (" (feature)" if section.kind == "feature" else "")
        out.add(what, file.path, file.line_of(section.span.start))
        old = out.push()
        _emit_text(ctx, out, file, _section_texts(ctx, section, tagged=True), rows)
        out.indent = old
        out.blank()
    rest = unparsed_lines(doc)
    if rest:
        _verbatim(out, file, rest)
        notice = unparsed_notice(doc, rest, f"at the end of '{name}'")
        if notice is not None:
            out.notices.append(notice)


def _just_the_type(texts: Sequence[tuple[str, DocLine]], rtype: str) -> bool:
    words = " ".join(t for t, _ in texts).strip().rstrip(".").strip()
    bare = rtype.strip("[]")
    return words in (rtype, bare, f"@{bare}", f"`{bare}`", f"[{bare}]", f"array of {bare}", "")


def _legacy_example(ctx: _Context, out: _Out, file: SourceFile, section: docs_mod.DocSection, sline: int) -> None:
    """An ``Example:`` section (QEMU before 9.1): a QMP example block."""
    lines = list(section.lines)
    while lines and not lines[0].text.strip():
        lines.pop(0)
    if not lines:
        return
    indent = min((_indent_of(x.text) for x in lines if x.text.strip()), default=0)
    first_on_tag = section.span.start <= lines[0].offset < section.span.end
    if first_on_tag and len(lines) > 1:
        indent = min((_indent_of(x.text) for x in lines[1:] if x.text.strip()), default=0)
    out.add(".. qapi:example::", file.path, sline)
    if section.tag and section.tag.endswith("s"):
        out.add("   :plural:", file.path, sline)
    out.blank()
    for i, x in enumerate(lines):
        text = x.text.strip() if (i == 0 and first_on_tag) else x.text[min(indent, _indent_of(x.text)):]
        out.add_doc(("   " + text.rstrip()) if text.strip() else "", file.path, file.line_of(x.hash_offset))
    out.blank()
