"""A page's HTML kept to Latin-1, for the memory of writing it.

A Python string takes one byte per character if every character is below
256, else two (or four).  The HTML writer holds a page's text several
times over (its pieces, the body, the parts docutils assembles, the page
the template makes); QEMU's reference page is 4.6 million characters, and a
handful of typographic characters in it (a dash in each Returns field, a
quote in a doc comment) doubled every copy: 18 MiB of the build's peak.
So, on the pages that show a schema and for HTML only, a text character
beyond Latin-1 is written as a character reference (``&#8211;``): the
same page in a browser, the same words for the search index.

Text whose markup is made from it otherwise (literals, whose words Sphinx
wraps one by one; code blocks, which Pygments highlights) is left as it is.
"""

from __future__ import annotations

import re

from docutils import nodes

from . import nodes as qnodes

__all__ = ["latin1_html"]

#: runs of characters beyond Latin-1
_WIDE = re.compile(r"[^\x00-\xff]+")
#: text under these is written by something else than the Text visitor
_LEFT_ALONE = (nodes.literal, nodes.literal_block, nodes.raw, nodes.comment, nodes.math, nodes.math_block,
               nodes.doctest_block, nodes.FixedTextElement, qnodes.char_ref)


def latin1_html(doctree: nodes.Node) -> int:
    """Replace, in every text of ``doctree`` not under :data:`_LEFT_ALONE`,
    each run of characters beyond Latin-1 with a :class:`~.nodes.char_ref`.
    Returns how many runs were replaced."""
    replaced = 0
    for text in list(doctree.findall(nodes.Text)):
        data = str(text)
        if data.isascii() or not _WIDE.search(data):
            continue
        parent = text.parent
        if parent is None or _under(parent):
            continue
        pieces: list[nodes.Node] = []
        at = 0
        for m in _WIDE.finditer(data):
            if m.start() > at:
                pieces.append(nodes.Text(data[at:m.start()]))
            pieces.append(qnodes.char_ref(m.group(), m.group()))
            replaced += 1
            at = m.end()
        if at < len(data):
            pieces.append(nodes.Text(data[at:]))
        index = parent.index(text)
        parent[index:index + 1] = pieces
    return replaced


def _under(node: nodes.Node | None) -> bool:
    while node is not None:
        if isinstance(node, _LEFT_ALONE):
            return True
        node = node.parent
    return False
