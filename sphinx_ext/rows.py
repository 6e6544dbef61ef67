"""The rows of a definition (members, values, branches, features) and the
fields that hold them: how a row's term is made, kept compact, and written.

A schema's rows are half the nodes of its pages.  The generator's rows
come to ``qapi:members`` as directives; :func:`compile_rows` reads them
without a nested parser each, :func:`build_rows` makes the definition
list, and :class:`Rows` the term of each row, kept compact (its spec and
words) until the page is written (:class:`ResolveRows` finds where its
links go, :func:`visit_row_term_html` writes it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, NamedTuple, Protocol, cast

from docutils import nodes
from docutils.nodes import Element
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.addnodes import pending_xref
from sphinx.builders import Builder
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, switch_source_input

from . import nodes as qnodes
from . import paragraphs
from .rstgen import member_anchor

__all__ = [
    "ROLE_OF_FIELD", "QapiBranch", "QapiErrors", "QapiFeature", "QapiMember", "QapiMembers", "QapiPointer",
    "QapiReturns", "RefContext", "ResolveRows", "Rows", "SpecDirective", "cond_badge", "feature_badges",
    "make_badge", "parse_spec", "since_badge", "type_nodes", "type_xref", "visit_row_term_html", "words_of",
]

logger = logging.getLogger(__name__)


class _MemberNotes(Protocol):
    """Where a row's target is recorded (the domain)."""

    def note_member(self, ns: str | None, path: str, node_id: str, role: str) -> None: ...


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


class SpecDirective(SphinxDirective):
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



# --- marks: badges and type links ------------------------------------------------------

def make_badge(text: str, kind: str, *children: nodes.Node) -> qnodes.badge:
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
    return make_badge("", "if", nodes.Text("if "), nodes.literal(text, text))


def since_badge(release: str) -> qnodes.badge:
    """The release a member, value or branch appeared in (from the history)."""
    release = release.strip()
    return make_badge(f"since {release}", "since")


def feature_badges(names: Iterable[str]) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for name in names:
        if name in ("deprecated", "unstable"):
            out.append(make_badge(name, name))
        else:
            out.append(make_badge("", "feature", nodes.Text("feature "), nodes.literal(name, name)))
    return out


def words_of(text: str | None) -> list[str]:
    return (text or "").replace(",", " ").split()


# --- rows: members, values, branches, features --------------------------------------------

_ROW_OPTIONS = {
    "member": frozenset({"type", "optional", "if", "features", "origin", "path", "since"}),
    "feature": frozenset({"if"}),
    "branch": frozenset({"type", "if", "path", "pointer", "since"}),
    "pointer": frozenset(),
}
ROLE_OF_FIELD = {"Values": "value", "Alternatives": "alternative", "Features": "feature"}


def spaced(badges: list[nodes.Node]) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    for badge in badges:
        out.extend((nodes.Text(" "), badge))
    return out


#: what a compact row term keeps to make its content again: (kind, head,
#: options, the definition's anchor, namespace, quiet)
RowSpecTuple = tuple[str, str, dict[str, str], str, "str | None", bool]


class Rows:
    """Builds the term of each row, and records its target.

    A term is kept compact: its id, classes and words (for the search
    index), and what it is made from; its content (name, type links, marks:
    see :func:`term_pieces`, the one place a term's content is described)
    is made only when the page is written (see :func:`visit_row_term_html`
    and :class:`ResolveRows`).  A schema's rows are half the nodes of its
    pages."""

    def __init__(self, env: BuildEnvironment | None, field_role: str) -> None:
        self.field_role = field_role
        if env is None:
            return
        self.base = cast("str", env.ref_context.get("qapi:anchor", "qapi"))
        self.owner = None if env.ref_context.get("qapi:no-index") else env.ref_context.get("qapi:object")
        self.ns: str | None = env.ref_context.get("qapi:namespace")
        self.quiet = bool(env.ref_context.get("qapi:quiet"))
        self.domain: _MemberNotes | None = cast("_MemberNotes", env.get_domain("qapi"))
        self.env: RefContext = SimpleNamespace(ref_context={"qapi:namespace": self.ns, "qapi:quiet": self.quiet})

    def register(self, path: str, node_id: str, role: str) -> None:
        if self.owner and self.domain is not None:
            self.domain.note_member(self.ns, f"{self.owner}.{path}", node_id, role)

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
            words += [f if f in ("deprecated", "unstable") else f"feature {f}"
                      for f in words_of(options.get("features"))]
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


#: a piece of a row term: ("text", TEXT), ("name", NAME), ("type", EXPR) (a
#: type, "[T]" an array of it, "!T" a type QAPI made up), ("link", TYPE),
#: ("badge", KIND, TEXT), ("if", CONDITION), ("feature", NAME), ("origin",
#: TYPE), ("tag", TAG, ANCHOR), ("value", VALUE)
Piece = tuple[str, ...]


def term_pieces(spec: RowSpecTuple) -> list[Piece]:
    """What the full term a compact one stands for is made of, in order:
    the one description of each kind of row's term."""
    kind, head, options, base = spec[0], spec[1], spec[2], spec[3]
    pieces: list[Piece] = []
    badges: list[Piece] = []
    cond = options.get("if")
    since = options.get("since")
    if kind == "member":
        pieces.append(("name", head))
        type_expr = options.get("type")
        if type_expr:
            pieces += [("text", ": "), ("type", type_expr)]
        if "optional" in options:
            badges.append(("badge", "optional", "optional"))
        badges += [("feature", name) for name in words_of(options.get("features"))]
        if cond:
            badges.append(("if", cond))
        origin = options.get("origin")
        if origin:
            badges.append(("origin", origin.strip()))
        if since:
            badges.append(("badge", "since", f"since {since.strip()}"))
    elif kind == "feature":
        pieces.append(("name", head))
        if head in ("deprecated", "unstable"):
            badges.append(("badge", head, head))
        if cond:
            badges.append(("if", cond))
    elif kind == "branch":
        tag, _, value = head.partition(" ")
        path = options.get("path")
        pieces += [("text", "When "), ("tag", tag, f"{base}.{path}.{tag}" if path else f"{base}.{tag}"),
                   ("text", " is "), ("value", value.strip())]
        type_name = options.get("type")
        if type_name:
            pieces += [("text", ": the members of " if "pointer" in options else ": members of "),
                       ("link", type_name.strip())]
        if cond:
            badges.append(("if", cond))
        if since:
            badges.append(("badge", "since", f"since {since.strip()}"))
    else:
        pieces += [("text", "The members of "), ("link", head.strip())]
    for badge in badges:
        pieces += [("text", " "), badge]
    return pieces


def piece_nodes(piece: Piece, env: RefContext) -> list[nodes.Node]:
    """The nodes of one piece of a term (links unresolved)."""
    what = piece[0]
    if what == "text":
        return [nodes.Text(piece[1])]
    if what == "name":
        return [qnodes.row_name(piece[1], piece[1])]
    if what == "type":
        return type_nodes(env, piece[1])
    if what == "link":
        return [type_xref(env, piece[1])]
    if what == "badge":
        return [make_badge(piece[2], piece[1])]
    if what == "if":
        return [cond_badge(piece[1])]
    if what == "feature":
        return feature_badges([piece[1]])
    if what == "origin":
        return [make_badge("", "origin", nodes.Text("from "), type_xref(env, piece[1]))]
    if what == "tag":
        return [nodes.reference("", "", nodes.literal(piece[1], piece[1]), internal=True, refid=piece[2])]
    assert what == "value", piece
    return [nodes.literal(piece[1], piece[1], classes=["qapi-branch-value"])]


def _piece_targets(piece: Piece) -> list[str]:
    """The types ``piece`` links to (as :func:`piece_nodes` makes it)."""
    if piece[0] in ("link", "origin"):
        return [piece[1]]
    if piece[0] == "type":
        expr = piece[1].strip()
        name = expr[1:-1].strip() if expr.startswith("[") and expr.endswith("]") else expr
        return [] if name.startswith("!") else [name]
    return []


def _context(spec: RowSpecTuple) -> RefContext:
    return SimpleNamespace(ref_context={"qapi:namespace": spec[4], "qapi:quiet": spec[5]})


def _replay(spec: RowSpecTuple) -> list[nodes.Node]:
    """The content of the full term a compact one stands for (links unresolved)."""
    env = _context(spec)
    return [node for piece in term_pieces(spec) for node in piece_nodes(piece, env)]


def _link_targets(spec: RowSpecTuple) -> list[str]:
    """The types a term made from ``spec`` links to, in order."""
    return [target for piece in term_pieces(spec) for target in _piece_targets(piece)]


#: where one link of a row term goes (see :func:`_resolve_link`)
_Link = dict[str, Any] | None
#: a link that does not resolve
_UNRESOLVED: dict[str, Any] = {}


def _resolve_links(env: BuildEnvironment, builder: Builder, domain: Domain, spec: RowSpecTuple,
                   known: dict[tuple[str, str | None, bool], _Link]) -> list[_Link] | None:
    """Where each link of the term made from ``spec`` goes: the attributes
    of its reference, or None where the link is shown as text; None if one
    of them does not resolve (it is left to Sphinx, and to the
    ``missing-reference`` handlers).  ``known`` keeps each target's answer
    for the page (the same types are linked from row after row)."""
    out: list[_Link] = []
    ns, quiet = spec[4], spec[5]
    for target in _link_targets(spec):
        key = (target, ns, quiet)
        link = known.get(key, _UNRESOLVED)
        if link is _UNRESOLVED and key not in known:
            link = known[key] = _resolve_link(env, builder, domain, target, ns, quiet)
        if link is _UNRESOLVED:
            return None
        out.append(link)
    return out


def _resolve_link(env: BuildEnvironment, builder: Builder, domain: Domain, target: str, ns: str | None,
                  quiet: bool) -> _Link:
    ref = type_xref(SimpleNamespace(ref_context={"qapi:namespace": ns, "qapi:quiet": quiet}), target)
    content = ref[0]
    new = domain.resolve_xref(env, env.docname, builder, ref["reftype"], ref["reftarget"], ref,
                              cast("Element", content))
    if new is content:
        return None
    if isinstance(new, nodes.reference) and len(new.children) == 1 and new[0] is content:
        return {k: v for k, v in new.attributes.items() if v != []}
    return _UNRESOLVED


class ResolveRows(SphinxPostTransform):
    """Compact row terms, before references are resolved: for HTML, where
    each of their links goes (the term is made again when the page is
    written, see :func:`visit_row_term_html`); for other builders, or
    when a link does not resolve, the term's content now, for the usual
    resolution."""

    default_priority = 5

    def run(self, **kwargs: Any) -> None:
        html = self.app.builder.format == "html"
        domain = self.env.get_domain("qapi")
        known: dict[tuple[str, str | None, bool], _Link] = {}
        for term in list(self.document.findall(qnodes.row_term)):
            spec = term.get("qapi:row")
            if spec is None:
                continue
            if html:
                links = _resolve_links(self.env, self.app.builder, domain, spec, known)
                if links is not None:
                    term["qapi:links"] = links
                    continue
            del term["qapi:row"]
            term.children = []
            term.extend(_replay(spec))


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


def _write_full_term(translator: Any, node: qnodes.row_term, spec: RowSpecTuple, links: list[_Link]) -> None:
    """The full term, as the translator writes it: its tags, then each
    piece, written once per page (the same types, badges and names recur
    from row to row)."""
    written: dict[Any, str] | None = getattr(translator, "_qapi_pieces", None)
    if written is None:
        written = {}
        translator._qapi_pieces = written
    body = translator.body
    translator.visit_term(node)
    at = 0
    env: RefContext | None = None
    for piece in term_pieces(spec):
        count = len(_piece_targets(piece))
        key: Any = piece
        if count:
            key = (piece, repr(links[at:at + count]))
        html = written.get(key)
        if html is None:
            env = env or _context(spec)
            html = written[key] = _piece_html(translator, node, piece_nodes(piece, env), links[at:at + count])
        at += count
        body.append(html)
    if at != len(links):
        raise ValueError(f"a row term links {at} types, resolved {len(links)}")
    translator.depart_term(node)


def _piece_html(translator: Any, term: qnodes.row_term, made: list[nodes.Node], links: list[_Link]) -> str:
    """What the translator writes for ``made``, the nodes of one piece of
    ``term``, with their links resolved as ``links`` says."""
    holder = qnodes.row_term("", "", *made)     # (a reference's visitor looks at its parent)
    holder.parent = term.parent
    for ref, attributes in zip(list(holder.findall(addnodes.pending_xref)), links, strict=True):
        content = ref[0]
        if attributes is None:
            ref.replace_self(content)
        else:
            link = nodes.reference("", "", **attributes)
            link += content
            ref.replace_self(link)
    body = translator.body
    start = len(body)
    try:
        for child in holder.children:
            child.walkabout(translator)
        return "".join(body[start:])
    finally:
        del body[start:]
        _unlink(holder)


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


class _RowDirective(SpecDirective):
    """One row, written by hand (the generator's rows are compiled by
    ``qapi:members`` instead, see :func:`compile_rows`)."""

    has_content = True
    kind = "member"

    def run(self) -> list[nodes.Node]:
        head = self.read_spec(_ROW_OPTIONS[self.kind])
        rows = Rows(self.env, self.env.ref_context.get("qapi:field-role", self.kind))
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


def build_rows(parsed: list[nodes.Node], specs: list[RowSpec], rows: Rows,
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
            role = ROLE_OF_FIELD.get(label, "member")
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
                built = build_rows(list(container.children), compiled.specs, Rows(self.env, role), bodies)
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
