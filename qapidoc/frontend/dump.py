"""Dump: the model as text, in the format of QEMU's QAPI test suite.

``qapidoc dump SCHEMA`` prints modules, includes and entities in definition
order, then the doc comments, exactly as QEMU's ``test-qapi.py`` of the
dialect's release prints its own model (the format changed a little with
the releases: :data:`_FORMAT_CHANGES`).  The tests compare this text with
the ``.out`` files of each release's suite; users can diff it between two
front ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..source import SourceFile
from .binding import documented_items
from .dialect import Version
from .docs import DocComment, DocSection
from .expressions import Cond, CondAll, CondText, Definition, Feature, Union_
from .loader import LoadResult
from .model import (
    AlternateType,
    ArrayType,
    BuiltinType,
    CommandEntity,
    Entity,
    EnumType,
    EventEntity,
    ObjectType,
    Variants,
)

__all__ = ["dump_docs", "dump_entities"]


def _cond(cond: Cond | None, indent: int) -> Iterator[str]:
    if cond is None:
        return
    if isinstance(cond, CondText):
        # The C-expression era (3.0 to 6.1) printed the list of conditions.
        yield f"{' ' * indent}if {[cond.text]!r}"
    elif isinstance(cond, CondAll) and all(isinstance(c, CondText) for c in cond.operands):
        yield f"{' ' * indent}if {[c.raw() for c in cond.operands]!r}"
    else:
        raw = cond.raw()
        yield f"{' ' * indent}if {raw}" if isinstance(raw, str) else f"{' ' * indent}if {raw!r}"


#: where QEMU's test-suite format changed (the dump follows the dialect)
_FORMAT_CHANGES: dict[str, Version] = {
    "oob-printed": (2, 12),              # 'oob=' among a command's flags
    "preconfig-printed": (3, 0),         # 'preconfig=' among a command's flags
    "builtin-module-printed": (4, 0),    # a 'module' line before the built-in types
    "enum-members-printed": (4, 0),      # 'member' lines (was "enum E ['a', 'b']")
    "arrays-printed": (4, 0),            # 'array' lines
    "flags-indented-4": (4, 2),          # '    gen=...' (was three spaces)
    "modules-grouped": (5, 0),           # by module (was definition order, naming each change)
    "builtin-module-named": (6, 0),      # 'module ./builtin', not 'module None'
    "qtype-prefix-dropped": (9, 2),      # QType's 'prefix QTYPE' line
    "section-kinds": (10, 0),            # 'section=Plain', not 'section=None'
}


def _format_has(result: LoadResult, change: str) -> bool:
    return result.dialect.version >= _FORMAT_CHANGES[change]


def _features(features: tuple[Feature, ...], indent: int) -> Iterator[str]:
    for feature in features:
        yield f"{' ' * indent}feature {feature.name}"
        yield from _cond(feature.cond, indent + 4)


def _variants(variants: Variants | None) -> Iterator[str]:
    if variants is None:
        return
    yield f"    tag {variants.tag.name}"
    for variant in variants.branches:
        yield f"    case {variant.name}: {variant.type}"
        yield from _cond(variant.cond, 8)


def _tail(ent: EnumType | ObjectType | AlternateType | CommandEntity | EventEntity) -> Iterator[str]:
    """The condition and features of a definition, after its other lines."""
    yield from _cond(ent.cond, 4)
    yield from _features(ent.features, 4)


def _entity(ent: Entity) -> Iterator[str]:
    if isinstance(ent, EnumType):
        yield f"enum {ent.name}"
        if ent.prefix:
            yield f"    prefix {ent.prefix}"
        for value in ent.values:
            yield f"    member {value.name}"
            yield from _cond(value.cond, 8)
            yield from _features(value.features, 8)
        yield from _tail(ent)
    elif isinstance(ent, ArrayType):
        yield f"array {ent.name} {ent.element}"
    elif isinstance(ent, ObjectType):
        yield f"object {ent.name}"
        if ent.base:
            yield f"    base {ent.base}"
        for member in ent.local_members:
            yield f"    member {member.name}: {member.type} optional={member.optional}"
            yield from _cond(member.cond, 8)
            yield from _features(member.features, 8)
        yield from _variants(ent.variants)
        yield from _tail(ent)
    elif isinstance(ent, AlternateType):
        yield f"alternate {ent.name}"
        yield from _variants(ent.variants)
        yield from _tail(ent)
    elif isinstance(ent, CommandEntity):
        yield f"command {ent.name} {ent.arg_type} -> {ent.ret_type}"
        yield (f"    gen={ent.gen} success_response={ent.success_response} boxed={ent.boxed} "
               f"oob={ent.allow_oob} preconfig={ent.allow_preconfig}"
               + (" coroutine=True" if ent.coroutine else ""))
        yield from _tail(ent)
    elif isinstance(ent, EventEntity):
        yield f"event {ent.name} {ent.arg_type}"
        yield f"    boxed={ent.boxed}"
        yield from _tail(ent)


def _formatted(result: LoadResult, ent: Entity) -> list[str]:
    """The lines of ``ent`` in the format of the dialect's release."""
    lines = list(_entity(ent))
    if ent.name == "QType" and not _format_has(result, "qtype-prefix-dropped"):
        lines.insert(1, "    prefix QTYPE")
    if isinstance(ent, EnumType) and not _format_has(result, "enum-members-printed"):
        head = f"enum {ent.name} {list(ent.value_names)!r}"
        lines = [head] + [line for line in lines[1:] if not line.startswith("    member ")]
    if isinstance(ent, CommandEntity):
        if not _format_has(result, "preconfig-printed"):
            lines[1] = lines[1].replace(f" preconfig={ent.allow_preconfig}", "")
        if not _format_has(result, "oob-printed"):
            lines[1] = lines[1].replace(f" oob={ent.allow_oob}", "")
    if not _format_has(result, "flags-indented-4"):
        lines = [line[1:] if line.startswith(("    gen=", "    boxed=")) else line for line in lines]
    return lines


def _reading_order(file: SourceFile, offset: int) -> tuple[int, ...]:
    """Where QEMU reads ``offset`` of ``file``: an included file is read at
    its ``include`` directive."""
    path = [offset]
    directive = file.included_from
    while directive is not None:
        path.append(directive.start)
        directive = directive.file.included_from
    return tuple(reversed(path))


def _module_name(root_dir: str, path: str) -> str:
    return os.path.relpath(path, root_dir)


def dump_entities(result: LoadResult) -> str:
    """The entity part of QEMU's test dump."""
    schema = result.schema
    assert schema is not None
    out = []
    if _format_has(result, "builtin-module-printed"):
        out.append("module ./builtin" if _format_has(result, "builtin-module-named") else "module None")
    for name in ("q_empty", "QType"):
        ent = schema.entities.get(name)
        if ent is not None and _format_has(result, "oob-printed"):
            out.extend(_formatted(result, ent))
    if not result.modules:
        return "\n".join(out) + "\n"
    root_dir = os.path.dirname(result.modules[0].file.path)
    order = {name: i for i, name in enumerate(schema.entities)}
    by_module: dict[str | None, list[tuple[tuple[int, ...], int, list[str]]]] = {}
    for name, ent in schema.entities.items():
        if isinstance(ent, BuiltinType) or (name in ("q_empty", "QType") and _format_has(result, "oob-printed")):
            continue
        home = schema.modules.get(name)
        if isinstance(ent, ArrayType):
            # QEMU puts an array type in the module of its element type.
            home = schema.modules.get(ent.element)
        origin = schema.origins.get(name)
        place = _reading_order(origin.span.file, origin.span.start) if origin else (-1,)
        if isinstance(ent, ArrayType) and not _format_has(result, "arrays-printed"):
            continue
        lines = _formatted(result, ent)
        element = schema.entities.get(ent.element) if isinstance(ent, ArrayType) else None
        if element is not None and not isinstance(element, (BuiltinType, ArrayType)):
            # An array has its element type's condition.
            lines.extend(_cond(element.cond, 4))
        by_module.setdefault(home, []).append((place, order[name], lines))
    for module in result.modules:
        for inc_path, directive, _ in module.includes:
            by_module.setdefault(module.file.path, []).append(
                (_reading_order(directive.file, directive.start), -1, [f"include {_module_name(root_dir, inc_path)}"]))
    if not _format_has(result, "oob-printed"):
        # 2.10 and 2.11: by name, without modules or includes.
        everything = [lines for homed in by_module.values() for _, _, lines in homed
                      if not lines[0].startswith("include ")]
        return "".join(line + "\n" for lines in sorted(everything, key=lambda lines: lines[0].split()[1])
                       for line in lines)
    if not _format_has(result, "modules-grouped"):
        # Before 5.0: in definition order, naming the module where it changes.
        items = sorted((item, home) for home, homed in by_module.items() if home is not None for item in homed)
        current = None
        for (_, _, lines), home in items:
            if home != current:
                out.append(f"module {_module_name(root_dir, home)}")
                current = home
            out.extend(lines)
        return "\n".join(out) + "\n"
    for module in result.modules:
        path = module.file.path
        out.append(f"module {_module_name(root_dir, path)}")
        for _, _, lines in sorted(by_module.get(path, []), key=lambda t: (t[0], t[1])):
            out.extend(lines)
    return "\n".join(out) + "\n"


def dump_docs(result: LoadResult) -> str:
    """The doc part of QEMU's test dump (with the stubs QEMU inserts for
    undocumented members of definitions in 'documentation-exceptions')."""
    out: list[str] = []
    schema = result.schema
    definitions = {d.name: d for d in schema.definitions} if schema is not None else {}
    dialect = result.dialect
    # 5.2 to 8.2 made a free-form block in two at a '=' heading after text.
    split = dialect.has("doc-headings") and not dialect.has("doc-paragraphs")
    kinds = _format_has(result, "section-kinds")
    for doc in result.docs:
        if split and doc.symbol is None:
            for body in _split_at_headings(doc.body):
                out.extend(("doc freeform", f"    body=\n{body}"))
            continue
        out.extend(_doc(doc, definitions.get(doc.symbol or ""), kinds=kinds,
                        untagged_none=_format_has(result, "oob-printed")))
    return "\n".join(out) + ("\n" if out else "")


def _split_at_headings(body: DocSection) -> list[str]:
    chunks: list[list[str]] = [[]]
    for line in body.lines:
        if line.text.startswith("=") and chunks[-1]:
            chunks.append([])
        chunks[-1].append(line.text)
    return ["\n".join(chunk).strip("\n") for chunk in chunks]


def _doc(doc: DocComment, definition: Definition | None, *, kinds: bool,
         untagged_none: bool) -> Iterator[str]:
    yield f"doc symbol={doc.symbol}" if doc.symbol is not None else "doc freeform"
    yield f"    body=\n{doc.body.text}"
    args: list[tuple[str | None, str]] = [(s.name, s.text) for s in doc.args]
    if definition is not None:
        documented = {name for name, _ in args}
        members, _ = documented_items(definition)
        names = [item.name for item in members]
        if isinstance(definition, Union_) and definition.is_simple:
            names.append("type")        # the implicit tag member
        for member in names:
            if member not in documented:
                args.append((member, ""))
                documented.add(member)
    for arg, text in args:
        yield f"    arg={arg}\n{text}"
    for section in doc.features:
        yield f"    feature={section.name}\n{section.text}"
    for section in doc.sections:
        if kinds:
            label = section.kind.capitalize() if section.kind != "todo" else "Todo"
        else:
            # as written; None (before 2.12 nothing) for an untagged section
            label = str(section.tag) if section.tag or untagged_none else ""
        yield f"    section={label}\n{section.text}"
