"""The ``qapi`` domain: object types, roles, indices and reference resolution.

Declarative where Sphinx lets it be: one object type per meta-type, a role
per object type plus ``type`` (any data type), ``obj`` (struct or union)
and ``any``; member-level targets for the rows of a definition.

References resolve through dictionaries keyed by ``(namespace, name)``: a
name without namespace is looked up in the namespace of the text it is in,
then in the other namespaces of the project.  Nothing scans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, NamedTuple, cast

from docutils import nodes
from docutils.nodes import Element
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.directives import ObjectDescription
from sphinx.domains import Domain, Index, IndexEntry, ObjType
from sphinx.environment import BuildEnvironment
from sphinx.roles import XRefRole
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, switch_source_input
from sphinx.util.nodes import make_refnode

from . import deferred, paragraphs, safety
from . import nodes as qnodes
from .rows import (
    QapiBranch,
    QapiErrors,
    QapiFeature,
    QapiMember,
    QapiMembers,
    QapiPointer,
    QapiReturns,
    cond_badge,
    feature_badges,
    make_badge,
    parse_spec,
    words_of,
)
from .rstgen import anchor

__all__ = ["QapiDomain", "kind_label", "make_indices"]

logger = logging.getLogger(__name__)

#: object type -> (label in signatures and indices, priority in search)
_KINDS: dict[str, tuple[str, int]] = {
    "command": ("command", 1),
    "event": ("event", 1),
    "enum": ("enum", 2),
    "struct": ("struct", 2),
    "union": ("union", 2),
    "alternate": ("alternate", 2),
    "builtin": ("built-in type", 2),
}
TYPE_KINDS = frozenset({"enum", "struct", "union", "alternate", "builtin"})


def kind_label(kind: str) -> str:
    return _KINDS[kind][0]


#: namespaces the sources use (found when the configuration is read)
KNOWN_NAMESPACES: set[str] = set()


def namespaced_type(ns: str, kind: str) -> str:
    return f"{ns.lower()}-{kind}"


class ObjectEntry(NamedTuple):
    docname: str
    anchor: str
    kind: str
    #: the title of the section it is in (for the indices)
    section: str = ""


class MemberEntry(NamedTuple):
    docname: str
    anchor: str
    #: 'member', 'value', 'branch', 'feature', 'alternative'
    role: str


def split_target(target: str) -> tuple[str | None, str]:
    """``QMP:SHUTDOWN`` -> ('QMP', 'SHUTDOWN'); ``SHUTDOWN`` -> (None, ...)."""
    if ":" in target:
        ns, _, name = target.partition(":")
        return ns or None, name
    return None, target


# --- object directives ------------------------------------------------------------------


class QapiObject(ObjectDescription[str]):
    """A definition: ``.. qapi:command:: NAME`` and the like, with the
    options ``:since:``, ``:if:``, ``:features:`` (the special ones, shown
    as marks), ``:schema:`` (its JSON Schema file), ``:json:`` and
    ``:builtin:`` (built-in types), ``:namespace:``, ``:no-index:``."""

    has_content = True
    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = True
    option_spec = None  # type: ignore[assignment]
    known_options: ClassVar[frozenset[str]] = frozenset({
        "since", "if", "features", "schema", "json", "builtin", "namespace", "no-index", "noindex",
        "no-index-entry", "noindexentry", "no-contents-entry", "nocontentsentry", "no-typesetting"})

    arguments: list[str]

    def run(self) -> list[nodes.Node]:
        head, options = parse_spec(self.arguments[0])
        unknown = set(options) - self.known_options
        if unknown:
            logger.warning("unknown option(s) %s of %s", ", ".join(sorted(unknown)), self.name,
                           location=self.get_location(), type="qapi", subtype="option")
        # Sphinx 7.2 renamed "noindex" and friends; accept both everywhere
        for new, old in (("no-index", "noindex"), ("no-index-entry", "noindexentry"),
                         ("no-contents-entry", "nocontentsentry")):
            if new in options or old in options:
                options[new] = options[old] = ""
        self.arguments = [head]
        self.options = options
        out = super().run()
        if out and isinstance(out[-1], addnodes.desc):
            deferred.note(self.env, out[-1])
        return out

    @property
    def kind(self) -> str:
        return self.objtype

    @property
    def namespace(self) -> str | None:
        ns = self.options.get("namespace")
        if ns is not None:
            return str(ns).strip() or None
        return cast("str | None", self.env.ref_context.get("qapi:namespace"))

    def handle_signature(self, sig: str, signode: addnodes.desc_signature) -> str:
        name = sig.strip()
        label = "built-in type" if self.kind == "builtin" or "builtin" in self.options else kind_label(self.kind)
        signode += addnodes.desc_annotation(label + " ", label.capitalize() + " ")
        signode += addnodes.desc_name(name, name)
        since = self.options.get("since")
        if since:
            signode += nodes.Text(" ")
            signode += addnodes.desc_annotation(f"(since {since})", f"(since {since})",
                                                classes=["qapi-since"])
        for badge in feature_badges(words_of(self.options.get("features"))):
            signode += nodes.Text(" ")
            signode += badge
        cond = self.options.get("if")
        if cond:
            signode += nodes.Text(" ")
            signode += cond_badge(cond)
        json = self.options.get("json")
        if json:
            signode += nodes.Text(" ")
            signode += make_badge(f"JSON {json}", "json")
        link = self.options.get("schema")
        if link:
            signode += nodes.Text(" ")
            signode += qnodes.schema_link("", "JSON Schema", path=link.strip())
        signode["qapi:name"] = name
        return name

    def add_target_and_index(self, name: str, sig: str, signode: addnodes.desc_signature) -> None:
        ns = self.namespace
        kind = "builtin" if "builtin" in self.options and self.kind == "enum" else self.kind
        node_id = anchor(ns, self.kind, name)
        signode["ids"].append(node_id)
        module = self.env.ref_context.get("qapi:module")
        if module and ns:
            # QEMU's anchors, so that old deep links keep working
            qemu_kind = {"struct": "object", "union": "object"}.get(self.kind, self.kind)
            signode["ids"].append(f"{qemu_kind}-{ns}-{module}.{name}")
        domain = cast("QapiDomain", self.env.get_domain("qapi"))
        domain.note_object(ns, name, kind, node_id, location=signode)
        if "no-index-entry" not in self.options and "noindexentry" not in self.options:
            label = f"{ns} {kind_label(kind)}" if ns else f"QAPI {kind_label(kind)}"
            self.indexnode["entries"].append(("single", f"{name} ({label})", node_id, "", None))

    def before_content(self) -> None:
        if self.names:
            name = self.names[-1]
            self.env.ref_context["qapi:object"] = name
            self.env.ref_context["qapi:anchor"] = anchor(self.namespace, self.kind, name)
            if "no-index" in self.options or "noindex" in self.options:
                self.env.ref_context["qapi:no-index"] = True

    def after_content(self) -> None:
        for key in ("qapi:object", "qapi:anchor", "qapi:no-index"):
            self.env.ref_context.pop(key, None)

    def parse_content_to_nodes(self, allow_section_headings: bool = False) -> list[nodes.Node]:
        """(Sphinx 7.4 and later) The content, by parts where it can be."""
        parsed = parse_definition_content(self) if self.content else None
        if parsed is not None:
            return parsed
        return super().parse_content_to_nodes(allow_section_headings=allow_section_headings)

    def transform_content(self, content_node: addnodes.desc_content) -> None:
        _merge_field_lists(content_node)

    def _object_hierarchy_parts(self, sig_node: addnodes.desc_signature) -> tuple[str, ...]:
        name = sig_node.get("qapi:name")
        return (name,) if name else ()

    def _toc_entry_name(self, sig_node: addnodes.desc_signature) -> str:
        if not sig_node.get("_toc_parts"):
            return ""
        if self.kind not in ("command", "event") and not self.config.qapidoc_toc_types:
            return ""
        return str(sig_node["_toc_parts"][-1])


_FIELD_DIRECTIVE = re.compile(r"^\.\.[ ]+qapi:(members|returns|errors)::(.*)$")
_ADORNMENT_LINE = re.compile(r"^([!-/:-@\[-`{-~])\1+\s*$")


def _block_end(content: StringList, start: int) -> int:
    """The end of the block that starts at line ``start`` (at indentation
    0): up to the next line at indentation 0."""
    end = start + 1
    n = len(content)
    data = content.data
    while end < n and (not data[end].strip() or data[end][0] in " \t"):
        end += 1
    return end


def parse_definition_content(directive: QapiObject) -> list[nodes.Node] | None:
    """A definition's content, parsed by parts: plain paragraphs without
    the block parser (:mod:`.paragraphs`), the ``qapi:members``,
    ``qapi:returns`` and ``qapi:errors`` fields the extension wrote by
    their directives directly, the rest by docutils (which refuses such a
    directive in a doc comment).  None when the content has a title
    (docutils then parses the whole, as usual)."""
    content = directive.content
    data = content.data
    if any(_ADORNMENT_LINE.match(line) for line in data):
        return None
    state = directive.state
    out: list[nodes.Node] = []
    n = len(data)
    i = 0
    plain_at_start = True       # plain paragraphs may be made apart (nothing open before them)
    while i < n:
        if not data[i].strip():
            i += 1
            continue
        m = _FIELD_DIRECTIVE.match(data[i])
        if m and _generated(content, i):
            end = _block_end(content, i)
            out.extend(_run_field_directive(directive, m.group(1), m.group(2), i, end))
            i = end
            plain_at_start = True
            continue
        # up to the next field directive the extension wrote
        end = i + 1
        while end < n and not (_FIELD_DIRECTIVE.match(data[end]) and _generated(content, end)):
            end += 1
        while end > i and not data[end - 1].strip():
            end -= 1
        segment = content[i:end]
        blocks = paragraphs.plain_blocks(segment.data) if plain_at_start else None
        if blocks is not None:
            with switch_source_input(state, content):
                out.extend(paragraphs.make_paragraphs(state, content, i, end, blocks))
        else:
            container = nodes.Element()
            state.nested_parse(segment, directive.content_offset + i, container)
            out.extend(container.children)
        i = end
    return out


def _generated(content: StringList, index: int) -> bool:
    """Whether the extension wrote line ``index`` (a doc comment's
    ``.. qapi:members::`` is not a field: docutils refuses it)."""
    return isinstance(content.items[index], safety.Generated)


_FIELD_DIRECTIVES: dict[str, type[SphinxDirective]] = {}


def _run_field_directive(directive: QapiObject, name: str, rest: str, start: int, end: int) -> list[nodes.Node]:
    """Run ``.. qapi:NAME::`` (lines ``start`` to ``end`` of the
    definition's content) as docutils would, without its dispatch."""
    content = directive.content
    block = content[start + 1:end]
    indent = min((len(t) - len(t.lstrip()) for t in block.data if t.strip()), default=0)
    block.trim_left(indent)
    cls = _FIELD_DIRECTIVES[name]
    if cls.required_arguments or cls.optional_arguments:
        # the argument block: up to the first blank line
        split = next((k for k, t in enumerate(block.data) if not t.strip()), len(block))
        arg_lines = [rest.strip(), *block.data[:split]]
        body = block[split + 1:]
        offset = directive.content_offset + start + 1 + split + 1
    else:
        arg_lines = [rest.strip()]
        body = block
        offset = directive.content_offset + start + 1
    while body and not body.data[0].strip():
        body.trim_start()
        offset += 1
    arguments = ["\n".join(arg_lines).strip()] if "\n".join(arg_lines).strip() else []
    text = "\n".join(content.data[start:end])
    instance = cls(f"qapi:{name}", arguments, {}, body, directive.content_offset + start + 1, offset, text,
                   directive.state, directive.state_machine)
    result: list[nodes.Node] = instance.run()
    return result


def _merge_field_lists(parent: Element) -> None:
    """Adjacent field lists (Members, Features, Returns, Errors) as one."""
    previous: nodes.field_list | None = None
    for child in list(parent.children):
        if isinstance(child, nodes.field_list):
            if previous is not None:
                previous.extend(child.children)
                parent.remove(child)
                continue
            previous = child
        else:
            previous = None


class QapiNamespace(SphinxDirective):
    """``.. qapi:namespace:: QMP``: the namespace of what follows."""

    required_arguments = 0
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        ns = self.arguments[0].strip() if self.arguments else ""
        problem = safety.namespace_problem(ns) if ns else None
        if problem is not None:
            logger.error("%s", problem, location=self.get_location(), type="qapi", subtype="namespace")
            return []
        if ns:
            self.env.ref_context["qapi:namespace"] = ns
        else:
            self.env.ref_context.pop("qapi:namespace", None)
        return []


class QapiModule(SphinxDirective):
    """``.. qapi:module:: run-state``: the module of what follows."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        self.env.ref_context["qapi:module"] = self.arguments[0].strip()
        return []



# --- roles --------------------------------------------------------------------------

_ARRAY = re.compile(r"^\[(.+)\]$")


class QapiXRefRole(XRefRole):
    """References to definitions: ``NAME``, ``NS:NAME``, ``[NAME]`` (an
    array), ``NAME?`` (optional), ``~NS:NAME`` (show only the name)."""

    def process_link(self, env: BuildEnvironment, refnode: Element, has_explicit_title: bool, title: str,
                     target: str) -> tuple[str, str]:
        refnode["qapi:namespace"] = env.ref_context.get("qapi:namespace")
        target = target.strip()
        if target.endswith("?"):
            target = target[:-1]
        m = _ARRAY.match(target)
        if m:
            target = m.group(1).strip()
        if not has_explicit_title:
            if title.startswith("~"):
                title = split_target(title[1:])[1]
            if title.endswith("?"):
                title = title[:-1] + " (optional)"
        target = target.lstrip("~")
        return title, target


class QapiMemberRefRole(XRefRole):
    """``:qapi:member:`Type.member``` (in any page)."""

    def process_link(self, env: BuildEnvironment, refnode: Element, has_explicit_title: bool, title: str,
                     target: str) -> tuple[str, str]:
        refnode["qapi:namespace"] = env.ref_context.get("qapi:namespace")
        if env.ref_context.get("qapi:quiet"):
            refnode["qapi:quiet"] = True
        if not has_explicit_title and "." in title:
            title = title.rsplit(".", 1)[1]
        return title, target.strip()


def local_member_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                      options: dict[str, Any] | None = None,
                      content: list[str] | None = None) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """``:qapi:mref:`name <id>```: a link to a row of the same definition
    (what ``@name`` in a doc comment becomes); an id that starts with ``.``
    is relative to the definition's."""
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", text, re.DOTALL)
    title, target = (m.group(1), m.group(2)) if m else (text, text)
    relative = target.startswith(".")
    if relative:
        env = inliner.document.settings.env
        target = env.ref_context.get("qapi:anchor", "qapi") + target
    ref = nodes.reference(rawtext, "", nodes.literal(title, title), internal=True, refid=target,
                          classes=["qapi-member-ref"])
    if relative:
        ref["qapi:rel"] = m.group(2) if m else text
    return [ref], []


# --- indices -----------------------------------------------------------------------

class QapiIndex(Index):
    """Commands and events of one namespace, each group sorted by name
    (case-insensitively), with the section each is in."""

    namespace: ClassVar[str | None] = None
    kinds: ClassVar[tuple[str, ...]] = ("command", "event")

    def generate(self, docnames: Iterable[str] | None = None) -> tuple[list[tuple[str, list[IndexEntry]]], bool]:
        domain = cast("QapiDomain", self.domain)
        wanted = set(docnames) if docnames is not None else None
        groups: dict[str, list[IndexEntry]] = {}
        for (ns, name), entry in domain.objects.items():
            if ns != self.namespace or entry.kind not in self.kinds:
                continue
            if wanted is not None and entry.docname not in wanted:
                continue
            group = _GROUPS[entry.kind]
            descr = entry.section
            groups.setdefault(group, []).append(
                IndexEntry(name, 0, entry.docname, entry.anchor, "", "", descr))
        content = []
        for group in sorted(groups, key=_GROUP_ORDER.index):
            content.append((group, sorted(groups[group], key=lambda e: (e.name.lower(), e.name))))
        return content, False


_GROUPS = {"command": "Commands", "event": "Events", "enum": "Enums", "struct": "Structs", "union": "Unions",
           "alternate": "Alternates", "builtin": "Built-in types"}
_GROUP_ORDER = ["Commands", "Events", "Enums", "Structs", "Unions", "Alternates", "Built-in types"]


def make_indices(namespaces: Iterable[str | None]) -> list[type[Index]]:
    """Two indices per namespace: commands and events (``qapi-qmp-index``),
    and types (``qapi-qmp-type-index``)."""
    out: list[type[Index]] = []
    for ns in namespaces:
        prefix = f"{ns.lower()}-" if ns else ""
        label = f"{ns} " if ns else "QAPI "
        for suffix, what, kinds in (("index", "Index", ("command", "event")),
                                    ("type-index", "Type Index", tuple(sorted(TYPE_KINDS)))):
            out.append(type(f"QapiIndex_{ns or 'none'}_{suffix}", (QapiIndex,), {
                "name": f"{prefix}{suffix}",
                "localname": f"{label}{what}",
                "shortname": f"{label.strip()} {what.lower()}",
                "namespace": ns,
                "kinds": kinds,
            }))
    return out


# --- the domain --------------------------------------------------------------------

class QapiDomain(Domain):
    """QAPI: commands, events and the types they use."""

    name = "qapi"
    label = "QAPI"
    object_types: ClassVar[dict[str, ObjType]] = {
        "command": ObjType("command", "cmd", "command", "any"),
        "event": ObjType("event", "event", "any"),
        "enum": ObjType("enum", "enum", "type", "any"),
        "struct": ObjType("struct", "struct", "obj", "type", "any"),
        "union": ObjType("union", "union", "obj", "type", "any"),
        "alternate": ObjType("alternate", "alt", "type", "any"),
        "builtin": ObjType("built-in type", "builtin", "type", "any"),
        "member": ObjType("member", "member"),
    }
    directives: ClassVar[dict[str, type[Any]]] = {
        "command": QapiObject,
        "event": QapiObject,
        "enum": QapiObject,
        "struct": QapiObject,
        "union": QapiObject,
        "alternate": QapiObject,
        "builtin": QapiObject,
        "namespace": QapiNamespace,
        "module": QapiModule,
        "members": QapiMembers,
        "member": QapiMember,
        "feature": QapiFeature,
        "branch": QapiBranch,
        "pointer": QapiPointer,
        "returns": QapiReturns,
        "errors": QapiErrors,
    }
    roles: ClassVar[dict[str, Any]] = {
        "cmd": QapiXRefRole(),
        "command": QapiXRefRole(),
        "event": QapiXRefRole(),
        "enum": QapiXRefRole(),
        "struct": QapiXRefRole(),
        "union": QapiXRefRole(),
        "obj": QapiXRefRole(),
        "alt": QapiXRefRole(),
        "type": QapiXRefRole(),
        "builtin": QapiXRefRole(),
        "any": QapiXRefRole(),
        "member": QapiMemberRefRole(),
        "mref": local_member_role,
    }
    initial_data: ClassVar[dict[str, Any]] = {
        "objects": {},      # (ns, name) -> ObjectEntry
        "members": {},      # (ns, "Def.path") -> MemberEntry
        "docs": {},         # docname -> what the qapi-doc directives there read (see directives.py)
    }
    data_version = 1
    dangling_warnings: ClassVar[dict[str, str]] = {
        role: "unknown QAPI definition: %(target)r" for role in
        ("cmd", "command", "event", "enum", "struct", "union", "obj", "alt", "type", "builtin", "any")
    } | {"member": "unknown QAPI member: %(target)r"}

    @property
    def objects(self) -> dict[tuple[str | None, str], ObjectEntry]:
        return cast("dict[tuple[str | None, str], ObjectEntry]", self.data.setdefault("objects", {}))

    @property
    def members(self) -> dict[tuple[str | None, str], MemberEntry]:
        return cast("dict[tuple[str | None, str], MemberEntry]", self.data.setdefault("members", {}))

    @property
    def docinfo(self) -> dict[str, dict[str, Any]]:
        return cast("dict[str, dict[str, Any]]", self.data.setdefault("docs", {}))

    # -- recording -----------------------------------------------------------

    def note_object(self, ns: str | None, name: str, kind: str, node_id: str, location: Any = None) -> None:
        key = (ns, name)
        other = self.objects.get(key)
        if other is not None and other.docname != self.env.docname:
            logger.warning("duplicate QAPI definition %s%s; the other is in %s (use :no-index: on one)",
                           f"{ns}:" if ns else "", name, self.env.doc2path(other.docname),
                           location=location, type="qapi", subtype="duplicate")
        elif other is not None and other.anchor == node_id:
            return
        self.objects[key] = ObjectEntry(self.env.docname, node_id, kind)

    def note_member(self, ns: str | None, path: str, node_id: str, role: str) -> None:
        self.members[(ns, path)] = MemberEntry(self.env.docname, node_id, role)

    def process_doc(self, env: BuildEnvironment, docname: str, document: nodes.document) -> None:
        # The section each definition is in, for the indices.
        keys = {entry.anchor: key for key, entry in self.objects.items() if entry.docname == docname}
        if not keys:
            return
        for sig in document.findall(addnodes.desc_signature):
            if not sig.get("qapi:name") or not sig["ids"] or sig["ids"][0] not in keys:
                continue
            section = sig.parent
            while section is not None and not isinstance(section, nodes.section):
                section = section.parent
            title = section.next_node(nodes.title) if section is not None else None
            if title is not None:
                key = keys[sig["ids"][0]]
                self.objects[key] = self.objects[key]._replace(section=title.astext())

    def clear_doc(self, docname: str) -> None:
        for table in (self.objects, self.members):
            for key in [k for k, v in table.items() if v.docname == docname]:
                del table[key]
        self.docinfo.pop(docname, None)

    def merge_domaindata(self, docnames: set[str], otherdata: dict[str, Any]) -> None:  # type: ignore[override]
        for table in ("objects", "members"):
            mine = self.data.setdefault(table, {})
            for key, entry in otherdata.get(table, {}).items():
                if entry.docname not in docnames:
                    continue
                other = mine.get(key)
                # A name defined on two pages (reported): the later page in
                # reading order wins, as in a serial build, whatever order the
                # parallel readers finish in.
                if other is None or other.docname <= entry.docname:
                    mine[key] = entry
        for docname, info in otherdata.get("docs", {}).items():
            if docname in docnames:
                self.docinfo[docname] = info

    # -- resolving -------------------------------------------------------------

    def _namespaces(self) -> list[str | None]:
        cache = getattr(self, "_ns_cache", None)
        if cache is None or cache[0] != len(self.objects):
            names = sorted({ns for ns, _ in self.objects}, key=lambda n: (n is None, n or ""))
            cache = (len(self.objects), names)
            self._ns_cache = cache
        return cache[1]

    def find(self, node: Element, target: str, kinds: Iterable[str] | None) -> tuple[tuple[str | None, str],
                                                                                  ObjectEntry] | None:
        """The definition ``target`` names, seen from ``node``'s namespace."""
        explicit, name = split_target(target)
        allowed = set(kinds) if kinds is not None else None
        order: list[str | None]
        if explicit is not None:
            order = [explicit]
        else:
            here = node.get("qapi:namespace")
            order = [here, *(ns for ns in self._namespaces() if ns != here)]
        for ns in order:
            entry = self.objects.get((ns, name))
            if entry is not None and (allowed is None or entry.kind in allowed):
                return (ns, name), entry
        return None

    def find_member(self, node: Element, target: str) -> MemberEntry | None:
        explicit, path = split_target(target)
        here = node.get("qapi:namespace")
        order = [explicit] if explicit is not None else [here, *(ns for ns in self._namespaces() if ns != here)]
        for ns in order:
            entry = self.members.get((ns, path))
            if entry is not None:
                return entry
        return None

    def resolve_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder, typ: str, target: str,
                     node: pending_xref, contnode: Element) -> nodes.reference | Element | None:
        if typ == "member":
            member = self.find_member(node, target)
            if member is None:
                return contnode if node.get("qapi:quiet") else None
            return make_refnode(builder, fromdocname, member.docname, member.anchor, contnode, target)
        kinds = None if typ == "any" else self.objtypes_for_role(typ)
        found = self.find(node, target, kinds)
        if found is None:
            if node.get("qapi:quiet"):
                return contnode     # a type the page does not render (a subset)
            if (typ in ("type", "builtin", "any") and _is_builtin(target)
                    and not any(e.kind == "builtin" for e in self.objects.values())):
                return contnode     # no built-in section rendered anywhere: plain text
            if typ == "any":
                return self._resolve_std(env, fromdocname, builder, target, node, contnode)
            return None
        (ns, name), entry = found
        title = f"{name} ({ns} {kind_label(entry.kind)})" if ns else f"{name} ({kind_label(entry.kind)})"
        return make_refnode(builder, fromdocname, entry.docname, entry.anchor, contnode, title)

    def _resolve_std(self, env: BuildEnvironment, fromdocname: str, builder: Builder, target: str,
                     node: pending_xref, contnode: Element) -> Element | None:
        """What ``qapi:any`` finds outside the domain: labels (such as
        ``qapi-qmp-index``) and documents, as Sphinx's ``any`` role would."""
        std = env.get_domain("std")
        results = std.resolve_any_xref(env, fromdocname, builder, target, node, contnode)
        return results[0][1] if results else None

    def resolve_any_xref(self, env: BuildEnvironment, fromdocname: str, builder: Builder, target: str,
                         node: pending_xref, contnode: Element) -> list[tuple[str, nodes.reference]]:
        found = self.find(node, target, None)
        if found is not None:
            (_ns, name), entry = found
            role = self.role_for_objtype(entry.kind) or "any"
            ref = make_refnode(builder, fromdocname, entry.docname, entry.anchor, contnode, name)
            return [(f"qapi:{role}", ref)]
        member = self.find_member(node, target)
        if member is not None:
            return [("qapi:member", make_refnode(builder, fromdocname, member.docname, member.anchor, contnode,
                                                 target))]
        return []

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        # An object type per namespace and kind ("QMP event"), for Sphinx's
        # search to say "SHUTDOWN (QMP event)"; it has no role of its own.
        namespaces = {*getattr(env.config, "qapidoc_namespaces", ()), *KNOWN_NAMESPACES}
        for ns in sorted(n for n in namespaces if n and safety.namespace_problem(str(n)) is None):
            for kind, (label, _prio) in _KINDS.items():
                self.add_object_type(namespaced_type(ns, kind), ObjType(f"{ns} {label}"))

    def get_type_name(self, type: ObjType, primary: bool = False) -> str:
        # "QMP event" rather than "QAPI QMP event"
        label = str(type.lname)
        if primary or label.split(" ", 1)[0] in self._namespace_labels():
            return label
        return f"{self.label} {label}"

    def _namespace_labels(self) -> set[str]:
        return {t.lname.split(" ", 1)[0] for name, t in self.object_types.items() if not t.roles}

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        for (ns, name), entry in self.objects.items():
            prio = _KINDS[entry.kind][1]
            if ns:
                typed = namespaced_type(ns, entry.kind)
                if typed in self.object_types:
                    # searched: "SHUTDOWN (QMP event)"; the inventory also
                    # has it under the plain type, for the roles
                    yield f"{ns}:{name}", name, typed, entry.docname, entry.anchor, prio
                    yield f"{ns}:{name}", name, entry.kind, entry.docname, entry.anchor, -1
                else:
                    yield f"{ns}:{name}", name, entry.kind, entry.docname, entry.anchor, prio
                # the bare name too, for intersphinx users who do not care
                # about namespaces (not in the search index: priority -1)
                yield name, name, entry.kind, entry.docname, entry.anchor, -1
            else:
                yield name, name, entry.kind, entry.docname, entry.anchor, prio
        for (ns, path), member in self.members.items():
            full = f"{ns}:{path}" if ns else path
            yield full, path, "member", member.docname, member.anchor, -1

    def get_full_qualified_name(self, node: Element) -> str | None:
        target = node.get("reftarget")
        if not target:
            return None
        ns, name = split_target(str(target))
        ns = ns or node.get("qapi:namespace")
        return f"{ns}:{name}" if ns else name


def _is_builtin(target: str) -> bool:
    from ._core import model

    return split_target(target)[1] in model.BUILTIN_TYPES


_FIELD_DIRECTIVES.update({"members": QapiMembers, "returns": QapiReturns, "errors": QapiErrors})
