"""Definition bodies kept out of the doctree while Sphinx reads.

Sphinx runs some sixty transforms and collectors over every document it
reads, each a walk of the whole tree, and pickles the tree twice (once to
keep it, once more to find the root document's toctrees).  A schema's
definitions are most of the nodes of its pages, and their bodies (member
rows, descriptions, examples) need none of that: their cross-references
are resolved after reading, their ids are registered by the domain when
the directive runs, and they hold no section, target, footnote,
substitution or index entry.

So, once a definition's body is built, :func:`defer` takes its children out
of the ``desc_content`` node and keeps them aside (in memory, and pickled
beside the doctree for builds by another process); the first post-transform
(:class:`RestoreBodies`, before references are resolved) puts them back.
Every later post-transform, builder and search indexer sees the whole
page, as before.

A body is deferred only if every node in it is of a kind that needs nothing
from the reading transforms (:data:`SAFE`, and references that already
know their target); anything else (a footnote, a named hyperlink target, a
substitution, an index entry, a docutils warning) keeps the body in the
doctree.  Nothing is deferred when smart quotes are on for our text or when
the documents are translated (both are reading transforms).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import uuid
from collections.abc import Iterator
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from . import nodes as qnodes

__all__ = ["SAFE", "RestoreBodies", "collecting", "defer", "enabled", "note", "save"]

logger = logging.getLogger(__name__)

#: node classes that need no reading transform
SAFE: frozenset[type[nodes.Node]] = frozenset({
    nodes.Text, nodes.paragraph, nodes.literal, nodes.emphasis, nodes.strong, nodes.inline,
    nodes.subscript, nodes.superscript, nodes.title_reference, nodes.abbreviation,
    nodes.field_list, nodes.field, nodes.field_name, nodes.field_body,
    nodes.definition_list, nodes.definition_list_item, nodes.definition, nodes.term, nodes.classifier,
    nodes.bullet_list, nodes.enumerated_list, nodes.list_item, nodes.literal_block, nodes.doctest_block,
    nodes.block_quote, nodes.attribution, nodes.line_block, nodes.line, nodes.rubric, nodes.compound,
    nodes.admonition, nodes.note, nodes.warning, nodes.tip, nodes.hint, nodes.important, nodes.caution,
    nodes.danger, nodes.error, nodes.attention, nodes.title, nodes.comment,
    nodes.option_list, nodes.option_list_item, nodes.option_group, nodes.option, nodes.option_string,
    nodes.option_argument, nodes.description, nodes.reference,
    addnodes.pending_xref, addnodes.literal_strong, addnodes.literal_emphasis, addnodes.seealso,
    addnodes.versionmodified, addnodes.compact_paragraph, addnodes.desc_inline,
    qnodes.badge, qnodes.row_term, qnodes.row_name, qnodes.schema_link,
})

_ATTRIBUTE = "qapi:deferred"
_SUFFIX = ".qapi-bodies"

#: token -> the bodies of one reading of one document
_MEMORY: dict[str, list[list[nodes.Node]]] = {}


def enabled(env: Any) -> bool:
    config = env.config
    if config.qapidoc_smartquotes or not config.qapidoc_defer_bodies:
        return False
    return config.language in (None, "", "en") or not config.locale_dirs


def _deferrable(content: nodes.Element) -> bool:
    """Whether every node under ``content`` is safe to keep aside.  Clears
    their link to the document on the way (they are pickled apart, and a
    pickle of a node that knows its document holds the whole document);
    a node finds its document through its parent again."""
    stack: list[nodes.Node] = list(content.children)
    safe = SAFE
    while stack:
        node = stack.pop()
        cls = type(node)
        if cls not in safe:
            return False
        node._document = None
        if cls is nodes.Text:
            continue
        assert isinstance(node, nodes.Element)
        if cls is nodes.reference and ("refname" in node or node.get("anonymous")):
            return False
        stack.extend(node.children)
    return True


def _state(env: Any) -> dict[str, Any]:
    """This reading's deferred bodies: {"token": ..., "bodies": [...]}."""
    state: dict[str, Any] | None = env.temp_data.get(_ATTRIBUTE)
    if state is None:
        token = uuid.uuid4().hex
        bodies: list[list[nodes.Node]] = []
        state = env.temp_data[_ATTRIBUTE] = {"token": token, "bodies": bodies}
        _MEMORY[token] = bodies
    return state


def defer(env: Any, desc: addnodes.desc) -> None:
    """Keep the body of the definition ``desc`` aside, if it is safe."""
    content = desc.children[-1] if desc.children else None
    if not isinstance(content, addnodes.desc_content) or not content.children or not _deferrable(content):
        return
    state = _state(env)
    bodies: list[list[nodes.Node]] = state["bodies"]
    children = list(content.children)
    for child in children:
        child.parent = None
    content.children = []
    content[_ATTRIBUTE] = (env.docname, state["token"], len(bodies))
    bodies.append(children)


_COLLECTING = "qapi:defer-later"


def note(env: Any, desc: addnodes.desc) -> None:
    """A definition was built: defer its body now, or, inside
    :func:`collecting`, when the text around it is finished."""
    if not enabled(env):
        return
    later: list[addnodes.desc] | None = env.temp_data.get(_COLLECTING)
    if later is not None:
        later.append(desc)
    else:
        defer(env, desc)


@contextlib.contextmanager
def collecting(env: Any) -> Iterator[list[addnodes.desc]]:
    """Collect the definitions built inside (their bodies still get
    processed as a whole: links checked, references marked); the caller
    defers them after."""
    outer = env.temp_data.get(_COLLECTING)
    found: list[addnodes.desc] = []
    env.temp_data[_COLLECTING] = found
    try:
        yield found
    finally:
        if outer is None:
            env.temp_data.pop(_COLLECTING, None)
        else:
            env.temp_data[_COLLECTING] = outer


def _path(doctreedir: str, docname: str) -> str:
    return os.path.join(doctreedir, *docname.split("/")) + _SUFFIX


def save(app: Any, doctree: nodes.document) -> None:
    """``doctree-read``: pickle this document's deferred bodies beside its
    doctree (for a build by another process, or by a parallel reader)."""
    env = app.env
    state = env.temp_data.pop(_ATTRIBUTE, None)
    path = _path(str(app.doctreedir), env.docname)
    if state is None:
        with contextlib.suppress(OSError):
            os.remove(path)
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    bodies: list[list[nodes.Node]] = state["bodies"]
    # One pickle per body: a pickler remembers every object it wrote until
    # it is done, and the memory of one pickle of all bodies (some 30 MB for
    # QEMU's schema) stayed with the process as its peak.
    with open(path, "wb") as f:
        pickle.dump((state["token"], len(bodies)), f, pickle.HIGHEST_PROTOCOL)
        for body in bodies:
            pickle.dump(body, f, pickle.HIGHEST_PROTOCOL)


def _load(doctreedir: str, docname: str, token: str) -> list[list[nodes.Node]] | None:
    bodies = _MEMORY.get(token)
    if bodies is not None:
        return bodies
    try:
        with open(_path(doctreedir, docname), "rb") as f:
            saved_token, count = pickle.load(f)
            if saved_token != token:
                return None
            bodies = [pickle.load(f) for _ in range(count)]
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return None
    _MEMORY[token] = bodies
    return bodies


class RestoreBodies(SphinxPostTransform):
    """Put every deferred body back, before anything else looks at it."""

    default_priority = 1

    def run(self, **kwargs: Any) -> None:
        doctreedir = str(self.app.doctreedir)
        tokens = set()
        for content in list(self.document.findall(addnodes.desc_content)):
            where = content.attributes.pop(_ATTRIBUTE, None)
            if where is None:
                continue
            docname, token, index = where
            tokens.add(token)
            bodies = _load(doctreedir, docname, token)
            if bodies is None or index >= len(bodies):
                logger.warning("the body of a QAPI definition in %s is lost (its doctree and %s do not match); "
                               "rebuild with -E", docname, _path(doctreedir, docname), location=content,
                               type="qapi", subtype="deferred")
                continue
            # each body is put in one document only: a later reading (or a
            # builder that writes the page twice) takes a copy
            children = bodies[index]
            if children and children[0].parent is not None:
                children = [c.deepcopy() for c in children]
            content.extend(children)
        for token in tokens:       # written: the next writing loads them again
            _MEMORY.pop(token, None)
