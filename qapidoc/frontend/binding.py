"""Binding: doc comments <-> definitions, and the coverage checks.

Takes the checked model, the definitions and the parsed doc comments and
returns diagnostics: a doc comment that documents what the definition does
not have, a member, value, branch or feature without a description (by the
dialect's rules), a ``Returns`` or ``Errors`` section where none belongs,
and a free-form block standing where a definition's doc belongs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .. import rules
from ..diagnostics import Diagnostic
from ..source import Span
from .dialect import Dialect
from .docs import DocComment, DocSection
from .expressions import (
    Alternate,
    Command,
    Definition,
    Enum,
    Event,
    Feature,
    Struct,
    Union_,
    inline_members,
)
from .model import Schema

__all__ = ["DocItem", "bind_docs", "documented_items"]


@dataclass(frozen=True, slots=True)
class DocItem:
    """Something a definition's doc comment should describe."""

    role: str           # 'member', 'value', 'branch' or 'feature'
    name: str
    span: Span


def documented_items(definition: Definition) -> tuple[list[DocItem], list[DocItem]]:
    """The members (values, branches, arguments) and the features that the
    doc comment of ``definition`` describes, in the order QEMU connects them."""
    members: list[DocItem] = []
    features: list[DocItem] = []

    def add_features(feats: tuple[Feature, ...]) -> None:
        features.extend(DocItem("feature", f.name, f.span) for f in feats)

    add_features(definition.features)
    if isinstance(definition, Enum):
        for value in definition.values:
            members.append(DocItem("value", value.name, value.span))
            add_features(value.features)
    elif isinstance(definition, Struct):
        for member in definition.members:
            members.append(DocItem("member", member.name, member.span))
            add_features(member.features)
    elif isinstance(definition, Union_):
        for member in inline_members(definition.base) or ():
            members.append(DocItem("member", member.name, member.span))
            add_features(member.features)
    elif isinstance(definition, Alternate):
        for branch in definition.branches:
            members.append(DocItem("branch", branch.name, branch.span))
    elif isinstance(definition, (Command, Event)):
        for member in () if definition.boxed else inline_members(definition.data) or ():
            members.append(DocItem("member", member.name, member.span))
            add_features(member.features)
    return members, features


def _describable(definition: Definition, members: list[DocItem], dialect: Dialect) -> set[str] | None:
    """The names a doc comment of ``definition`` may describe with
    ``@name:``, or None when QEMU of ``dialect`` does not check them.

    A simple union (before 6.2) has an implicit member ``type``, its tag,
    which its doc comment may describe.  Before 4.2, QEMU checked the
    descriptions only where it checked an object type or alternate with the
    doc attached: structs, unions, alternates, and commands and events with
    inline arguments; not enums, nor commands and events whose arguments
    are a named type or absent."""
    names = {m.name for m in members}
    if isinstance(definition, Union_) and definition.is_simple:
        names.add("type")
    if dialect.has("doc-descriptions-checked-everywhere"):
        return names
    if isinstance(definition, Enum):
        return None
    if isinstance(definition, (Command, Event)) and (definition.boxed or not inline_members(definition.data)):
        return None
    return names


def bind_docs(schema: Schema, definitions: list[Definition], docs: list[DocComment], *,
              module_alone: bool = False) -> list[Diagnostic]:
    """Check the doc comments against the definitions they document.  With
    ``module_alone``, a missing description is a warning: the pragma
    'documentation-exceptions' may be in a module not loaded."""
    diagnostics: list[Diagnostic] = []
    dialect = schema.dialect
    by_raw = {id(doc.raw): doc for doc in docs}
    bound: list[tuple[Definition, DocComment]] = []
    for definition in definitions:
        if definition.doc is None:
            continue
        doc = by_raw.get(id(definition.doc))
        if doc is None:
            continue
        if doc.symbol is None or doc.symbol != definition.name or doc.broken:
            # A free-form block before a definition is the loader's finding.
            continue
        diagnostics.extend(_check_sections(definition, doc, schema))
        if definition.broken or definition.name in schema.broken:
            continue
        bound.append((definition, doc))

    connected: dict[int, set[str]] = {}     # absent: not checked
    connected_features: dict[int, set[str]] = {}
    for definition, doc in bound:
        members, features = documented_items(definition)
        excepted = definition.name in schema.pragmas.documentation_exceptions
        names = {s.name for s in doc.args}
        feature_names = {s.name for s in doc.features}
        for item in members:
            if item.name not in names and dialect.has("members-must-be-documented") and not excepted:
                diagnostics.append(Diagnostic(
                    rules.UNDOCUMENTED, f"{item.role} '{item.name}' lacks documentation", item.span,
                    definition.context, severity=rules.Severity.WARNING if module_alone else None))
        for item in features:
            if item.name not in feature_names and dialect.has("features-must-be-documented"):
                diagnostics.append(Diagnostic(
                    rules.UNDOCUMENTED, f"feature '{item.name}' lacks documentation", item.span,
                    definition.context))
        describable = _describable(definition, members, dialect)
        if describable is not None:
            connected[id(doc)] = describable
        connected_features[id(doc)] = {f.name for f in features}

    for _, doc in bound:
        if id(doc) in connected:
            diagnostics.extend(_bogus(doc.args, connected[id(doc)], "member"))
        if dialect.has("doc-descriptions-checked-everywhere"):
            what = "feature" if dialect.has("doc-paragraphs") else "member"
            diagnostics.extend(_bogus(doc.features, connected_features[id(doc)], what))
    return diagnostics


def _bogus(sections: tuple[DocSection, ...], known: set[str], what: str) -> Iterator[Diagnostic]:
    bogus = [s for s in sections if s.name not in known]
    if not bogus:
        return
    names = "', '".join(str(s.name) for s in bogus)
    plural = len(bogus) > 1
    yield Diagnostic(
        rules.DOCUMENTED_NONEXISTENT,
        f"documented {what}{'s' if plural else ''} '{names}' {'do' if plural else 'does'} not exist",
        bogus[0].span)


def _check_sections(definition: Definition, doc: DocComment, schema: Schema) -> Iterator[Diagnostic]:
    dialect = schema.dialect
    returns = doc.section("returns")
    errors = doc.section("errors")
    if isinstance(definition, Command):
        if (returns is not None and definition.returns is None
                and dialect.has("returns-section-needs-returns")):
            yield Diagnostic(rules.DOC_SECTION_MISUSE,
                             "'Returns' section, but command doesn't return anything", returns.span)
        return
    if returns is not None:
        message = ("'Returns' section is only valid for commands" if dialect.has("doc-paragraphs")
                   else "'Returns:' is only valid for commands")
        yield Diagnostic(rules.DOC_SECTION_MISUSE, message, returns.span)
    if errors is not None:
        yield Diagnostic(rules.DOC_SECTION_MISUSE, "'Errors' section is only valid for commands", errors.span)
