"""Dump: the model as text, in the format of QEMU's QAPI test suite.

``qapidoc dump SCHEMA`` prints modules, includes and entities in definition
order, then the doc comments, exactly as QEMU's ``test-qapi.py`` prints its
own model.  The test suite compares this text with the ``.out`` files of
QEMU's suite; users can diff it between two front ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from .binding import documented_items
from .docs import DocComment
from .expressions import Cond, Definition, Feature
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
    if cond is not None:
        yield f"{' ' * indent}if {cond.raw()!r}" if not isinstance(cond.raw(), str) \
            else f"{' ' * indent}if {cond.raw()}"


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


def _module_name(root_dir: str, path: str) -> str:
    return os.path.relpath(path, root_dir)


def dump_entities(result: LoadResult) -> str:
    """The entity part of QEMU's test dump."""
    schema = result.schema
    assert schema is not None
    out = ["module ./builtin"]
    for name in ("q_empty", "QType"):
        ent = schema.entities.get(name)
        if ent is not None:
            out.extend(_entity(ent))
    if not result.modules:
        return "\n".join(out) + "\n"
    root_dir = os.path.dirname(result.modules[0].file.path)
    order = {name: i for i, name in enumerate(schema.entities)}
    by_module: dict[str | None, list[tuple[int, int, list[str]]]] = {}
    for name, ent in schema.entities.items():
        if isinstance(ent, BuiltinType):
            continue
        home = schema.modules.get(name)
        if isinstance(ent, ArrayType):
            # QEMU puts an array type in the module of its element type.
            home = schema.modules.get(ent.element)
        origin = schema.origins.get(name)
        place = result.expr_order.get((id(origin.span.file), origin.span.start), -1) if origin else -1
        by_module.setdefault(home, []).append((place, order[name], list(_entity(ent))))
    for module in result.modules:
        path = module.file.path
        out.append(f"module {_module_name(root_dir, path)}")
        items = list(by_module.get(path, []))
        for inc_path, _, seq in module.includes:
            items.append((seq, -1, [f"include {_module_name(root_dir, inc_path)}"]))
        for _, _, lines in sorted(items, key=lambda t: (t[0], t[1])):
            out.extend(lines)
    return "\n".join(out) + "\n"


def dump_docs(result: LoadResult) -> str:
    """The doc part of QEMU's test dump (with the stubs QEMU inserts for
    undocumented members of definitions in 'documentation-exceptions')."""
    out: list[str] = []
    schema = result.schema
    definitions = {d.name: d for d in schema.definitions} if schema is not None else {}
    for doc in result.docs:
        out.extend(_doc(doc, definitions.get(doc.symbol or "")))
    return "\n".join(out) + ("\n" if out else "")


def _doc(doc: DocComment, definition: Definition | None) -> Iterator[str]:
    yield f"doc symbol={doc.symbol}" if doc.symbol is not None else "doc freeform"
    yield f"    body=\n{doc.body.text}"
    args = [(s.name, s.text) for s in doc.args]
    if definition is not None:
        documented = {name for name, _ in args}
        members, _ = documented_items(definition)
        for item in members:
            if item.name not in documented:
                args.append((item.name, ""))
                documented.add(item.name)
    for name, text in args:
        yield f"    arg={name}\n{text}"
    for section in doc.features:
        yield f"    feature={section.name}\n{section.text}"
    for section in doc.sections:
        yield f"    section={section.kind.capitalize() if section.kind != 'todo' else 'Todo'}\n{section.text}"
