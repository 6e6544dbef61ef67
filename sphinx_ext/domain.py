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
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any, ClassVar, NamedTuple, Protocol, cast

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
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, switch_source_input
from sphinx.util.nodes import make_refnode

from . import deferred, paragraphs, safety
from . import nodes as qnodes
from .rstgen import anchor, member_anchor

__all__ = ["QapiDomain", "ResolveRows", "kind_label", "make_indices", "visit_row_term_html"]

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


# --- options, parsed cheaply --------------------------------------------------------
#
# docutils parses a directive's options with a fresh state machine each
# time, which costs about a millisecond; a schema renders thousands of
# definitions and rows.  So these directives declare no option_spec, take
# their argument block whole, and read the ``:name: value`` lines
# themselves.  The rST they accept is the usual one.

_OPTION_LINE = re.compile(r"^\s*:([\w-]+):(?:\s+(.*?))?\s*$")


def parse_spec(text: str) -> tuple[str, dict[str, str]]:
    """``"NAME\n:type: str\n:optional:"`` -> ("NAME", {"type": "str", "optional": ""})."""
    lines = text.split("\n")
    head = lines[0].strip()
    options: dict[str, str] = {}
    last = None
    for line in lines[1:]:
        m = _OPTION_LINE.match(line)
        if m:
            last = m.group(1)
            options[last] = m.group(2) or ""
        elif last is not None and line.strip():
            options[last] = f"{options[last]} {line.strip()}".strip()
        elif line.strip():
            head = f"{head} {line.strip()}"
    return head, options


class _SpecDirective(SphinxDirective):
    """A directive whose argument block (the name and its option lines) it
    parses itself."""

    required_arguments = 1
    final_argument_whitespace = True
    option_spec = None
    def read_spec(self, known: frozenset[str]) -> str:
        head, options = parse_spec(self.arguments[0])
        unknown = set(options) - known
        if unknown:
            logger.warning("unknown option(s) %s of %s", ", ".join(sorted(unknown)), self.name,
                           location=self.get_location(), type="qapi", subtype="option")
        self.options = options
        return head


# --- object directives ------------------------------------------------------------------

def _badge(text: str, kind: str, *children: nodes.Node) -> qnodes.badge:
    node = qnodes.badge("", "", *children, classes=["qapi-badge", f"qapi-badge-{kind}"])
    if text:
        node.insert(0, nodes.Text(text))
    return node


class RefContext(Protocol):
    """What making a reference needs of the environment: its ``ref_context``."""

    ref_context: dict[str, Any]


def type_nodes(env: RefContext, expr: str, *, quiet: bool = False) -> list[nodes.Node]:
    """``T`` or ``[T]`` as a cross-reference to the type, in ``[ ]`` for an
    array."""
    expr = expr.strip()
    array = expr.startswith("[") and expr.endswith("]")
    name = expr[1:-1].strip() if array else expr
    ref: nodes.Node
    if name.startswith("!"):
        # a type QAPI made up: nothing to link to
        ref = nodes.literal(name[1:], name[1:], classes=["qapi", "qapi-implicit-type"])
    else:
        ref = type_xref(env, name, quiet=quiet)
    if array:
        return [nodes.Text("["), ref, nodes.Text("]")]
    return [ref]


def type_xref(env: RefContext, name: str, *, quiet: bool = False, role: str = "type") -> pending_xref:
    ref = pending_xref("", nodes.literal(name, name, classes=["xref", "qapi", f"qapi-{role}"]),
                       refdomain="qapi", reftype=role, reftarget=name, refexplicit=False, refwarn=True)
    ref["qapi:namespace"] = env.ref_context.get("qapi:namespace")
    ref["qapi:generated"] = True
    if quiet or env.ref_context.get("qapi:quiet"):
        ref["qapi:quiet"] = True
    return ref


def cond_badge(text: str) -> qnodes.badge:
    return _badge("", "if", nodes.Text("if "), nodes.literal(text, text))


def since_badge(release: str) -> qnodes.badge:
    """The release a member, value or branch appeared in (from the history)."""
    release = release.strip()
    return _badge(f"since {release}", "since")


def feature_badges(names: Iterable[str]) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for name in names:
        if name in ("deprecated", "unstable"):
            out.append(_badge(name, name))
        else:
            out.append(_badge("", "feature", nodes.Text("feature "), nodes.literal(name, name)))
    return out


def _words(text: str | None) -> list[str]:
    return (text or "").replace(",", " ").split()


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
        for badge in feature_badges(_words(self.options.get("features"))):
            signode += nodes.Text(" ")
            signode += badge
        cond = self.options.get("if")
        if cond:
            signode += nodes.Text(" ")
            signode += cond_badge(cond)
        json = self.options.get("json")
        if json:
            signode += nodes.Text(" ")
            signode += _badge(f"JSON {json}", "json")
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


# --- rows: members, values, branches, features --------------------------------------------

_ROW_OPTIONS = {
    "member": frozenset({"type", "optional", "if", "features", "origin", "path", "since"}),
    "feature": frozenset({"if"}),
    "branch": frozenset({"type", "if", "path", "pointer", "since"}),
    "pointer": frozenset(),
}
_ROLE_OF_FIELD = {"Values": "value", "Alternatives": "alternative", "Features": "feature"}


def _spaced(badges: list[nodes.Node]) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for badge in badges:
        out.extend((nodes.Text(" "), badge))
    return out


#: what a compact row term keeps to make its content again: (kind, head,
#: options, the definition's anchor, namespace, quiet)
RowSpecTuple = tuple[str, str, dict[str, str], str, "str | None", bool]


class _Rows:
    """Builds the term of each row, and records its target: the one place
    where a row's term is made.

    A term is kept compact: its content (name, type links, marks) is made
    once to register the row and to give the search index its words, then
    dropped, and made again only when the page is written (see
    :func:`visit_row_term_html` and :class:`ResolveRows`).  A schema's rows
    are half the nodes of its pages."""

    def __init__(self, env: BuildEnvironment | None, field_role: str) -> None:
        self.field_role = field_role
        if env is None:
            return
        self.base = cast("str", env.ref_context.get("qapi:anchor", "qapi"))
        self.owner = None if env.ref_context.get("qapi:no-index") else env.ref_context.get("qapi:object")
        self.ns: str | None = env.ref_context.get("qapi:namespace")
        self.quiet = bool(env.ref_context.get("qapi:quiet"))
        self.domain: QapiDomain | None = cast("QapiDomain", env.get_domain("qapi"))
        self.env: RefContext = SimpleNamespace(ref_context={"qapi:namespace": self.ns, "qapi:quiet": self.quiet})

    @classmethod
    def replaying(cls, spec: RowSpecTuple) -> _Rows:
        """A maker of terms like the one that made ``spec`` (which records nothing)."""
        rows = cls(None, "")
        _kind, _head, _options, rows.base, rows.ns, rows.quiet = spec
        rows.owner = None
        rows.domain = None
        rows.env = SimpleNamespace(ref_context={"qapi:namespace": rows.ns, "qapi:quiet": rows.quiet})
        return rows

    def register(self, path: str, node_id: str, role: str) -> None:
        if self.owner and self.domain is not None:
            self.domain.note_member(self.ns, f"{self.owner}.{path}", node_id, role)

    def full_term(self, kind: str, head: str, options: dict[str, str]) -> qnodes.row_term:
        make: Callable[[str, dict[str, str]], qnodes.row_term] = getattr(self, f"_{kind}")
        return make(head, options)

    def term(self, kind: str, head: str, options: dict[str, str]) -> qnodes.row_term:
        """A compact term: its id, classes and words; the row's target is
        recorded."""
        ids, classes, words = self._outline(kind, head, options)
        term = qnodes.row_term("", "", ids=ids, classes=classes)
        term.append(nodes.Text(words))      # what the search index reads
        term["qapi:row"] = (kind, head, options, self.base, self.ns, self.quiet)
        return term

    def _outline(self, kind: str, head: str, options: dict[str, str]) -> tuple[list[str], list[str], str]:
        """The ids, classes and words (as the full term has them) of a row,
        whose target is recorded."""
        cond = options.get("if")
        if kind == "member":
            path = options.get("path")
            full = f"{path}.{head}" if path else head
            node_id = f"{self.base}.{full}"
            words = [head, (options.get("type") or "").replace("!", "")]
            if "optional" in options:
                words.append("optional")
            words += [f if f in ("deprecated", "unstable") else f"feature {f}" for f in _words(options.get("features"))]
            if cond:
                words.append(f"if {cond}")
            if options.get("origin"):
                words.append(f"from {options['origin'].strip()}")
            if options.get("since"):
                words.append(f"since {options['since'].strip()}")
            self.register(full, node_id, self.field_role)
            return [node_id], ["qapi-member-name"], " ".join(w for w in words if w)
        if kind == "feature":
            node_id = member_anchor(self.base, (head,), feature=True)
            words = [head, head if head in ("deprecated", "unstable") else "", f"if {cond}" if cond else ""]
            self.register(f":{head}", node_id, "feature")
            return [node_id], ["qapi-feature-name"], " ".join(w for w in words if w)
        if kind == "branch":
            tag, _, value = head.partition(" ")
            value = value.strip()
            path = options.get("path")
            full = f"{path}.{value}" if path else value
            node_id = f"{self.base}.{full}"
            type_name = (options.get("type") or "").strip()
            since = (options.get("since") or "").strip()
            words = ["When", tag, "is", value, "the members of" if type_name and "pointer" in options
                     else "members of" if type_name else "", type_name, f"if {cond}" if cond else "",
                     f"since {since}" if since else ""]
            self.register(full, node_id, "branch")
            return [node_id], ["qapi-branch"], " ".join(w for w in words if w)
        return [], ["qapi-pointer"], f"The members of {head.strip()}"

    def _member(self, name: str, options: dict[str, str]) -> qnodes.row_term:
        path = options.get("path")
        full = f"{path}.{name}" if path else name
        node_id = f"{self.base}.{full}"
        term: qnodes.row_term = qnodes.row_term("", "", ids=[node_id], classes=["qapi-member-name"])
        term += qnodes.row_name(name, name)
        type_expr = options.get("type")
        if type_expr:
            term += nodes.Text(": ")
            term.extend(type_nodes(self.env, type_expr))
        badges: list[nodes.Node] = []
        if "optional" in options:
            badges.append(_badge("optional", "optional"))
        badges.extend(feature_badges(_words(options.get("features"))))
        cond = options.get("if")
        if cond:
            badges.append(cond_badge(cond))
        origin = options.get("origin")
        if origin:
            badges.append(_badge("", "origin", nodes.Text("from "), type_xref(self.env, origin.strip())))
        since = options.get("since")
        if since:
            badges.append(since_badge(since))
        term.extend(_spaced(badges))
        return term

    def _feature(self, name: str, options: dict[str, str]) -> qnodes.row_term:
        node_id = member_anchor(self.base, (name,), feature=True)
        term: qnodes.row_term = qnodes.row_term("", "", ids=[node_id], classes=["qapi-feature-name"])
        term += qnodes.row_name(name, name)
        badges: list[nodes.Node] = []
        if name in ("deprecated", "unstable"):
            badges.append(_badge(name, name))
        cond = options.get("if")
        if cond:
            badges.append(cond_badge(cond))
        term.extend(_spaced(badges))
        return term

    def _branch(self, head: str, options: dict[str, str]) -> qnodes.row_term:
        tag, _, value = head.partition(" ")
        value = value.strip()
        path = options.get("path")
        full = f"{path}.{value}" if path else value
        node_id = f"{self.base}.{full}"
        tag_id = f"{self.base}.{path}.{tag}" if path else f"{self.base}.{tag}"
        term: qnodes.row_term = qnodes.row_term("", "", ids=[node_id], classes=["qapi-branch"])
        term += nodes.Text("When ")
        term += nodes.reference("", "", nodes.literal(tag, tag), internal=True, refid=tag_id)
        term += nodes.Text(" is ")
        term += nodes.literal(value, value, classes=["qapi-branch-value"])
        type_name = options.get("type")
        if type_name:
            term += nodes.Text(": the members of " if "pointer" in options else ": members of ")
            term += type_xref(self.env, type_name.strip())
        badges = []
        cond = options.get("if")
        if cond:
            badges.append(cond_badge(cond))
        since = options.get("since")
        if since:
            badges.append(since_badge(since))
        if badges:
            term.extend(_spaced(badges))
        return term

    def _pointer(self, head: str, options: dict[str, str]) -> qnodes.row_term:
        term: qnodes.row_term = qnodes.row_term("", "", classes=["qapi-pointer"])
        term += nodes.Text("The members of ")
        term += type_xref(self.env, head.strip())
        return term


def _replay(spec: RowSpecTuple) -> qnodes.row_term:
    """The full term a compact one stands for (links unresolved)."""
    return _Rows.replaying(spec).full_term(spec[0], spec[1], spec[2])


def _link_targets(spec: RowSpecTuple) -> list[str]:
    """The types a term made from ``spec`` links to, in order (as
    :class:`_Rows` makes them)."""
    kind, head, options = spec[0], spec[1], spec[2]
    if kind == "member":
        out = []
        type_expr = (options.get("type") or "").strip()
        name = type_expr[1:-1].strip() if type_expr.startswith("[") and type_expr.endswith("]") else type_expr
        if name and not name.startswith("!"):
            out.append(name)
        if options.get("origin"):
            out.append(options["origin"].strip())
        return out
    if kind == "branch":
        return [options["type"].strip()] if options.get("type") else []
    if kind == "pointer":
        return [head.strip()]
    return []


def _resolve_links(env: BuildEnvironment, builder: Builder, domain: QapiDomain,
                   spec: RowSpecTuple) -> list[dict[str, Any] | None] | None:
    """Where each link of the term made from ``spec`` goes: the attributes
    of its reference, or None where the link is shown as text; None if one
    of them does not resolve (it is left to Sphinx, and to the
    ``missing-reference`` handlers)."""
    out: list[dict[str, Any] | None] = []
    context = SimpleNamespace(ref_context={"qapi:namespace": spec[4], "qapi:quiet": spec[5]})
    for target in _link_targets(spec):
        ref = type_xref(context, target)
        content = ref[0]
        new = domain.resolve_xref(env, env.docname, builder, ref["reftype"], ref["reftarget"], ref,
                                  cast("Element", content))
        if new is content:
            out.append(None)
        elif isinstance(new, nodes.reference) and len(new.children) == 1 and new[0] is content:
            out.append({k: v for k, v in new.attributes.items() if v != []})
        else:
            return None
    return out


class ResolveRows(SphinxPostTransform):
    """Compact row terms, before references are resolved: for HTML, where
    each of their links goes (the term is made again when the page is
    written, see :func:`visit_row_term_html`); for other builders, or
    when a link does not resolve, the term's content now, for the usual
    resolution."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        html = self.app.builder.format == "html"
        domain = cast("QapiDomain", self.env.get_domain("qapi"))
        for term in list(self.document.findall(qnodes.row_term)):
            spec = term.get("qapi:row")
            if spec is None:
                continue
            if html:
                links = _resolve_links(self.env, self.app.builder, domain, spec)
                if links is not None:
                    term["qapi:links"] = links
                    continue
            full = _replay(spec)
            del term["qapi:row"]
            term.children = []
            term.extend(full.children)


def visit_row_term_html(translator: Any, node: qnodes.row_term) -> None:
    """A compact term is made, linked, written and dropped.

    What it writes after its ``<dt>`` tag depends only on what it was made
    from and where its links go (not on its place: a row is never in a
    glossary, and a classifier never follows it), so a page writes each
    such content once (inherited members repeat the base's rows)."""
    spec = node.get("qapi:row")
    links = node.get("qapi:links")
    if spec is None or links is None:
        translator.visit_term(node)
        return
    kind, head, options, base, ns, quiet = spec
    key = (kind, head, tuple(sorted(options.items())), base if kind == "branch" else "", ns, quiet, repr(links))
    written: dict[Any, str] | None = getattr(translator, "_qapi_terms", None)
    if written is None:
        written = {}
        translator._qapi_terms = written
    inner = written.get(key)
    if inner is not None:
        translator.body.append(translator.starttag(node, "dt", ""))
        translator.body.append(inner)
        raise nodes.SkipNode
    start = len(translator.body)
    try:
        _write_full_term(translator, node, spec, links)
    finally:
        if len(translator.body) > start:
            written[key] = "".join(translator.body[start + 1:])
    raise nodes.SkipNode


def _write_full_term(translator: Any, node: qnodes.row_term, spec: RowSpecTuple,
                     links: list[dict[str, Any] | None]) -> None:
    full = _replay(spec)
    for ref, attributes in zip(list(full.findall(addnodes.pending_xref)), links, strict=True):
        content = ref[0]
        if attributes is None:
            ref.replace_self(content)
        else:
            link = nodes.reference("", "", **attributes)
            link += content
            ref.replace_self(link)
    full["ids"] = list(node["ids"])
    full["classes"] = list(node["classes"])
    full.source, full.line = node.source, node.line
    parent = node.parent
    index = parent.index(node)
    parent.children[index] = full
    full.parent = parent
    try:
        full.walkabout(translator)
    finally:
        parent.children[index] = node
        _unlink(full)


def _unlink(tree: nodes.Node) -> None:
    """Break the parent links of a tree that is no longer needed, so that
    it is freed at once rather than by the cyclic collector (a page's
    worth of terms is made and dropped while it is written)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        node.parent = None
        if isinstance(node, nodes.Element):
            stack.extend(node.children)


def _row_node(term: qnodes.row_term, body: list[nodes.Node]) -> nodes.definition_list_item:
    item = nodes.definition_list_item("", classes=["qapi-row"])
    item += term
    definition = nodes.definition("")
    definition.extend(body)
    item += definition
    return item


def _finish_branch(item: nodes.definition_list_item, pointer: bool) -> None:
    definition = item[-1]
    for child in definition.children:
        if isinstance(child, nodes.definition_list):
            # the branch type's members: its own definition is what search finds
            child["classes"].extend(["qapi-rows", "qapi-branch-rows", "no-search"])
    if not any(isinstance(c, nodes.definition_list) for c in definition.children) and not pointer:
        definition += nodes.paragraph("", "No members.", classes=["qapi-no-members"])


class _RowDirective(_SpecDirective):
    """One row, written by hand (the generator's rows are compiled by
    ``qapi:members`` instead, see :func:`compile_rows`)."""

    has_content = True
    kind = "member"

    def run(self) -> list[nodes.Node]:
        head = self.read_spec(_ROW_OPTIONS[self.kind])
        rows = _Rows(self.env, self.env.ref_context.get("qapi:field-role", self.kind))
        term = rows.term(self.kind, head, self.options)
        self.set_source_info(term)
        body: list[nodes.Node] = []
        if self.content:
            container = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, container)
            body = list(container.children)
        item = _row_node(term, body)
        if self.kind == "branch":
            _finish_branch(item, "pointer" in self.options)
        return [item]


class QapiMember(_RowDirective):
    """``.. qapi:member:: NAME`` with ``:type:``, ``:optional:``, ``:if:``,
    ``:features:``, ``:origin:`` (the type it comes from), ``:path:`` (the
    branches it is under) and ``:since:`` (the release it appeared in)."""

    kind = "member"


class QapiFeature(_RowDirective):
    """``.. qapi:feature:: NAME`` with ``:if:``: a row of Features."""

    kind = "feature"


class QapiBranch(_RowDirective):
    """``.. qapi:branch:: TAG VALUE`` with ``:type:``, ``:if:``, ``:path:``,
    ``:pointer:``, ``:since:``: the members a union has when ``TAG`` is
    ``VALUE``."""

    kind = "branch"


class QapiPointer(_RowDirective):
    """``.. qapi:pointer:: TYPE``: "The members of TYPE" (no inlining)."""

    kind = "pointer"
    has_content = False


_ROW_START = re.compile(r"^(\s*)\.\.[ ]+qapi:(member|feature|branch|pointer)::[ ]*(.*)$")


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


class RowSpec(NamedTuple):
    kind: str
    head: str
    options: dict[str, str]
    #: the branch row this row is under, if any (an index into the specs)
    parent: int | None = None
    #: where the row's directive is (0-based line)
    source: str | None = None
    offset: int = 0


class CompiledRows(NamedTuple):
    """What :func:`compile_rows` makes of a field's rows."""

    #: the descriptions to parse, each after a marker paragraph
    text: StringList
    specs: list[RowSpec]
    #: the descriptions that are plain paragraphs, parsed without the block parser
    plain: StringList
    #: (row, start, end, paragraphs) of each of those, in ``plain``
    plain_rows: list[tuple[int, int, int, list[tuple[int, int]]]]


def compile_rows(content: StringList) -> CompiledRows | None:
    """Rows (``qapi:member`` and the like) as one flat piece of rST, to
    parse in one go rather than one directive (and one nested parser) each:
    each row becomes a marker paragraph ``qapi-row-N`` followed by its
    description, dedented.  The rows and their nesting (members under a
    union branch) are rebuilt from the specs afterwards (:func:`build_rows`).
    Descriptions that are plain paragraphs go apart (see :mod:`.paragraphs`).
    Returns None if the content is not rows only."""
    out = StringList()
    plain = StringList()
    plain_rows: list[tuple[int, int, int, list[tuple[int, int]]]] = []
    specs: list[RowSpec] = []
    branches: list[tuple[int, int]] = []        # (indent, spec index) of the open branches
    n = len(content)
    i = 0
    base: int | None = None
    while i < n:
        line = content[i]
        if not line.strip():
            i += 1
            continue
        m = _ROW_START.match(line)
        if not m:
            return None         # something else between the rows
        indent = len(m.group(1))
        if base is None:
            base = indent
        if indent < base:
            return None
        while branches and branches[-1][0] >= indent:
            branches.pop()
        spec = [m.group(3)]
        j = i + 1
        while j < n and content[j].strip() and _OPTION_LINE.match(content[j]) and _indent(content[j]) > indent:
            spec.append(content[j])
            j += 1
        head, options = parse_spec("\n".join(spec))
        kind = m.group(2)
        index = len(specs)
        source, offset = content.info(i)
        specs.append(RowSpec(kind, head, options, branches[-1][1] if branches else None, source, offset))
        # (items kept as they are: they say which lines the extension wrote)
        row_item = content.items[i]
        if kind == "branch":
            branches.append((indent, index))
            i = j
            continue
        end = j
        body_indent: int | None = None
        while end < n and (not content[end].strip() or _indent(content[end]) > indent):
            if body_indent is None and content[end].strip():
                body_indent = _indent(content[end])
            end += 1
        body = [content[k][min(body_indent or 0, _indent(content[k])):] if content[k].strip() else ""
                for k in range(j, end)]
        blocks = paragraphs.plain_blocks(body)
        target = out
        if blocks is not None:
            if blocks:
                plain_rows.append((index, len(plain), len(plain) + len(body), blocks))
            target = plain
        else:
            for marker in ("", f"qapi-row-{index}", ""):
                out.data.append(marker)
                out.items.append(row_item)
        for k, text in zip(range(j, end), body, strict=True):
            target.data.append(text)
            target.items.append(content.items[k])
        i = end
    return CompiledRows(out, specs, plain, plain_rows)


_ROW_MARKER = re.compile(r"^qapi-row-(\d+)$")


def build_rows(parsed: list[nodes.Node], specs: list[RowSpec], rows: _Rows,
               bodies: list[list[nodes.Node]]) -> list[nodes.Node] | None:
    """The definition list of rows, from what :func:`compile_rows` gave
    once parsed (``bodies`` has the descriptions made without the block
    parser already)."""
    current: int | None = None
    for child in parsed:
        if isinstance(child, nodes.paragraph) and len(child) == 1 and isinstance(child[0], nodes.Text):
            m = _ROW_MARKER.match(child.astext())
            if m and int(m.group(1)) < len(specs):
                current = int(m.group(1))
                continue
        if current is None:
            return None
        bodies[current].append(child)
    items: list[nodes.definition_list_item] = []
    top: list[nodes.Node] = []
    for index, spec in enumerate(specs):
        unknown = set(spec.options) - _ROW_OPTIONS[spec.kind]
        if unknown:
            logger.warning("unknown option(s) %s of qapi:%s", ", ".join(sorted(unknown)), spec.kind,
                           location=f"{spec.source}:{spec.offset + 1}", type="qapi", subtype="option")
        term = rows.term(spec.kind, spec.head, spec.options)
        term.source, term.line = spec.source, spec.offset + 1
        item = _row_node(term, bodies[index])
        if "origin" in spec.options:
            item["classes"].append("no-search")     # shown (and searched) where it is defined
        items.append(item)
        if spec.parent is None:
            top.append(item)
        else:
            definition = items[spec.parent][-1]
            if not definition.children or not isinstance(definition[-1], nodes.definition_list):
                definition += nodes.definition_list("")
            definition[-1] += item
    for item, spec in zip(items, specs, strict=True):
        if spec.kind == "branch":
            _finish_branch(item, "pointer" in spec.options)
    if not top:
        return []
    rows_list = nodes.definition_list("")
    rows_list.extend(top)
    return [rows_list]


class QapiMembers(SphinxDirective):
    """``.. qapi:members:: LABEL``: a field of rows (Members, Arguments,
    Values, Alternatives, Features), with ``:origin:`` (the type whose
    members they are) and ``:pointer:`` (show only that)."""

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = None

    def run(self) -> list[nodes.Node]:
        label, options = parse_spec(self.arguments[0])
        body: list[nodes.Node] = []
        origin = options.get("origin")
        pointer = "pointer" in options
        if origin:
            text = "The members of " if pointer else "Members of "
            para = nodes.paragraph("", text, classes=["qapi-origin"])
            para += type_xref(self.env, origin.strip())
            para += nodes.Text("." if pointer else ":")
            body.append(para)
        if self.content:
            role = _ROLE_OF_FIELD.get(label, "member")
            container = nodes.container()
            compiled = compile_rows(self.content)
            built = None
            if compiled is not None:
                bodies: list[list[nodes.Node]] = [[] for _ in compiled.specs]
                if compiled.plain_rows:
                    with switch_source_input(self.state, compiled.plain):
                        for index, start, end, blocks in compiled.plain_rows:
                            bodies[index] = paragraphs.make_paragraphs(self.state, compiled.plain, start, end,
                                                                       blocks)
                if compiled.text:
                    with switch_source_input(self.state, compiled.text):
                        self.state.nested_parse(compiled.text, 0, container)
                built = build_rows(list(container.children), compiled.specs, _Rows(self.env, role), bodies)
            if built is not None:
                container = nodes.container()
                container.extend(built)
            else:
                container = nodes.container()
                previous = self.env.ref_context.get("qapi:field-role")
                self.env.ref_context["qapi:field-role"] = role
                try:
                    self.state.nested_parse(self.content, self.content_offset, container)
                finally:
                    if previous is None:
                        self.env.ref_context.pop("qapi:field-role", None)
                    else:
                        self.env.ref_context["qapi:field-role"] = previous
            for child in container.children:
                if isinstance(child, nodes.definition_list):
                    child["classes"].append("qapi-rows")
                    if origin:
                        child["classes"].append("no-search")
            body.extend(container.children)
        return [_field(label, body, [f"qapi-field-{label.lower()}"])]


def _field(label: str, body: list[nodes.Node], classes: list[str]) -> nodes.field_list:
    field_list = nodes.field_list("", classes=["qapi-fields"])
    field = nodes.field("", classes=classes)
    field += nodes.field_name(label, label)
    field_body = nodes.field_body("")
    field_body.extend(body)
    field += field_body
    field_list += field
    return field_list


class QapiReturns(SphinxDirective):
    """``.. qapi:returns:: [TYPE]``: the Returns field."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        body: list[nodes.Node] = []
        if self.arguments and self.arguments[0].strip():
            para = nodes.paragraph("", "", classes=["qapi-return-type"])
            para.extend(type_nodes(self.env, self.arguments[0]))
            body.append(para)
        if self.content:
            container = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, container)
            if body and container.children and isinstance(container[0], nodes.paragraph):
                # "T – text" on one line, as docfields do
                first = cast("nodes.paragraph", body[0])
                first += nodes.Text(" – ")
                first.extend(container[0].children)
                container.remove(container[0])
            body.extend(container.children)
        return [_field("Returns", body, ["qapi-field-returns"])]


class QapiErrors(SphinxDirective):
    """``.. qapi:errors::``: the Errors field."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, container)
        return [_field("Errors", list(container.children), ["qapi-field-errors"])]


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
