"""Binding: doc comments <-> definitions, and the coverage checks.

Takes the checked model, the definitions and the parsed doc comments and
returns diagnostics: a doc comment that documents what the definition does
not have, a member, value, branch or feature without a description (by the
dialect's rules), a ``Returns`` or ``Errors`` section where none belongs,
and a free-form block standing where a definition's doc belongs.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import rules
from ..diagnostics import Diagnostic
from ..records import NamedTuple
from ..source import Span
from .dialect import Dialect
from .docs import DocComment, DocSection
from .expressions import (
    Alternate,
    Branch,
    Command,
    Definition,
    Enum,
    EnumValue,
    Event,
    Feature,
    Member,
    Struct,
    Union_,
    inline_members,
)
from .model import Schema

__all__ = ["Bound", "DocBinder", "DocItem", "bind_docs", "documented_items"]


class DocItem(NamedTuple):
    """Something a definition's doc comment should describe."""

    role: str           # 'member', 'value', 'branch' or 'feature'
    name: str
    span: Span


_new = tuple.__new__     # a named tuple without its Python-level __new__


def documented_items(definition: Definition) -> tuple[list[DocItem], list[DocItem]]:
    """The members (values, branches, arguments) and the features that the
    doc comment of ``definition`` describes, in the order QEMU connects them."""
    role, parts, features = _documented(definition)
    return ([_new(DocItem, (role, part.name, part.span)) for part in parts],
            [_new(DocItem, ("feature", f.name, f.span)) for f in features])


def _documented(definition: Definition) -> tuple[str, tuple[EnumValue | Member | Branch, ...], list[Feature]]:
    """What ``documented_items`` gives, without making the items: the role
    of the parts, the parts, and the features."""
    features = list(definition.features)
    parts: tuple[EnumValue | Member | Branch, ...] = ()
    #: the parts that may have features (not branches)
    featured: tuple[EnumValue | Member, ...] = ()
    role = "member"
    if isinstance(definition, Enum):
        parts = featured = definition.values
        role = "value"
    elif isinstance(definition, Struct):
        parts = featured = definition.members
    elif isinstance(definition, Union_):
        parts = featured = inline_members(definition.base) or ()
    elif isinstance(definition, Alternate):
        parts, role = definition.branches, "branch"
    elif isinstance(definition, (Command, Event)) and not definition.boxed:
        parts = featured = inline_members(definition.data) or ()
    for part in featured:
        if part.features:
            features.extend(part.features)
    return role, parts, features


def _describable(definition: Definition, part_names: set[str], dialect: Dialect) -> set[str] | None:
    """The names a doc comment of ``definition`` may describe with
    ``@name:`` (its parts are ``part_names``), or None when QEMU of
    ``dialect`` does not check them.

    A simple union (before 6.2) has an implicit member ``type``, its tag,
    which its doc comment may describe.  Before 4.2, QEMU checked the
    descriptions only where it checked an object type or alternate with the
    doc attached: structs, unions, alternates, and commands and events with
    inline arguments; not enums, nor commands and events whose arguments
    are a named type or absent."""
    if isinstance(definition, Union_) and definition.is_simple:
        part_names = part_names | {"type"}
    if dialect.has("doc-descriptions-checked-everywhere"):
        return part_names
    if isinstance(definition, Enum):
        return None
    if isinstance(definition, (Command, Event)) and (definition.boxed or not inline_members(definition.data)):
        return None
    return part_names


def bind_docs(schema: Schema, definitions: list[Definition], docs: list[DocComment], *,
              module_alone: bool = False) -> list[Diagnostic]:
    """Check the doc comments against the definitions they document.  With
    ``module_alone``, a missing description is a warning: the pragma
    'documentation-exceptions' may be in a module not loaded.

    The findings come in three runs: about each doc as a whole, then
    missing descriptions, then descriptions of what does not exist."""
    binder = DocBinder(schema, module_alone=module_alone)
    by_raw = {id(doc.raw): doc for doc in docs}
    found = Bound([], [], [])
    for definition in definitions:
        doc = by_raw.get(id(definition.doc)) if definition.doc is not None else None
        if doc is not None:
            binder.bind(definition, doc, found)
    return found.sections + found.undocumented + found.nonexistent


class Bound(NamedTuple):
    """What binding found, by kind, in the order found."""

    sections: list[Diagnostic]        # about a doc as a whole
    undocumented: list[Diagnostic]    # members, values, branches, features without a description
    nonexistent: list[Diagnostic]     # descriptions of what the definition does not have


class DocBinder:
    """Binds doc comments to their definitions one at a time, the schema's
    rules looked up once."""

    __slots__ = ("checked_everywhere", "dialect", "exceptions", "features_documented", "members_documented",
                 "module_alone", "schema", "what")

    def __init__(self, schema: Schema, *, module_alone: bool = False) -> None:
        dialect = schema.dialect
        self.schema = schema
        self.module_alone = module_alone
        self.members_documented = dialect.has("members-must-be-documented")
        self.features_documented = dialect.has("features-must-be-documented")
        self.checked_everywhere = dialect.has("doc-descriptions-checked-everywhere")
        self.dialect = dialect
        self.exceptions = schema.pragmas.documentation_exceptions
        self.what = "feature" if dialect.has("doc-paragraphs") else "member"

    def bind(self, definition: Definition, doc: DocComment, found: Bound) -> None:
        """Check ``doc`` against ``definition`` (which it stands before)."""
        schema = self.schema
        if doc.symbol is None or doc.symbol != definition.name or doc.broken:
            # A free-form block before a definition is the loader's finding.
            return
        if doc.sections:
            found.sections.extend(_check_sections(definition, doc, schema))
        if definition.broken or definition.name in schema.broken:
            return
        role, parts, features = _documented(definition)
        part_names = {part.name for part in parts}
        described = {s.name for s in doc.args}
        if self.members_documented and definition.name not in self.exceptions and not part_names <= described:
            severity = rules.Severity.WARNING if self.module_alone else None
            for part in parts:
                if part.name not in described:
                    found.undocumented.append(Diagnostic(
                        rules.UNDOCUMENTED, f"{role} '{part.name}' lacks documentation", part.span,
                        definition.context, severity=severity))
        if features and self.features_documented:
            feature_names = {s.name for s in doc.features}
            for feature in features:
                if feature.name not in feature_names:
                    found.undocumented.append(Diagnostic(
                        rules.UNDOCUMENTED, f"feature '{feature.name}' lacks documentation", feature.span,
                        definition.context))
        if not described <= part_names:
            # (What may be described is the parts, and maybe more: only a
            # description of something else can be of what does not exist.)
            describable = _describable(definition, part_names, self.dialect)
            if describable is not None:
                found.nonexistent.extend(_bogus(doc.args, describable, "member"))
        if self.checked_everywhere and doc.features:
            found.nonexistent.extend(_bogus(doc.features, {f.name for f in features}, self.what))


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
    returns = errors = None
    for section in doc.sections:        # the first of each, as doc.section() finds them
        if section.kind == "returns" and returns is None:
            returns = section
        elif section.kind == "errors" and errors is None:
            errors = section
    if returns is None and errors is None:
        return
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
