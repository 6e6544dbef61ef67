"""The extension's own doctree nodes, and how each builder writes them.

Both are inline nodes that every builder can write: translators that do
not know them fall back to ``inline`` (Sphinx looks visitors up along the
class hierarchy), and the text and manual-page writers get explicit ones
so the plain-text output reads well.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes

__all__ = ["badge", "char_ref", "row_name", "row_term", "schema_link"]


class badge(nodes.inline):  # type: ignore[misc]  # noqa: N801 - docutils node classes are lower case
    """A small mark: ``optional``, ``deprecated``, ``if CONFIG_X``, ``from Base``."""


class row_term(nodes.Part, nodes.TextElement):  # type: ignore[misc]  # noqa: N801
    """The term of a member row, written as a definition list term.

    Not a ``nodes.term``: Sphinx formats every term as XML for a debug
    message while reading (ApplySourceWorkaround), which for the thousands
    of rows of a big schema costs seconds.
    """


class row_name(nodes.strong):  # type: ignore[misc]  # noqa: N801
    """A member's name in its row: bold in HTML, plain in text."""


class schema_link(nodes.inline):  # type: ignore[misc]  # noqa: N801
    """A link to a definition's JSON Schema file, relative to the output root.

    Only HTML builders copy the files, so only they write the link."""


class char_ref(nodes.inline):  # type: ignore[misc]  # noqa: N801
    """Characters beyond Latin-1, written in HTML as character references
    (see :func:`sphinx_ext.charrefs.latin1_html`); its text is the
    characters themselves."""


def visit_char_ref_html(translator: Any, node: char_ref) -> None:
    translator.body.append("".join(f"&#{ord(c)};" for c in node.astext()))
    raise nodes.SkipNode


def visit_badge_text(translator: Any, node: badge) -> None:
    translator.add_text("[")


def depart_badge_text(translator: Any, node: badge) -> None:
    translator.add_text("]")


def visit_badge_plain(translator: Any, node: badge) -> None:
    translator.body.append("[")


def depart_badge_plain(translator: Any, node: badge) -> None:
    translator.body.append("]")


def visit_badge_html(translator: Any, node: badge) -> None:
    translator.body.append(translator.starttag(node, "span", ""))


def depart_badge_html(translator: Any, node: badge) -> None:
    translator.body.append("</span>")


def visit_schema_link_html(translator: Any, node: schema_link) -> None:
    from sphinx.util.osutil import relative_uri

    builder = translator.builder
    here = builder.get_target_uri(builder.current_docname) if hasattr(builder, "current_docname") else ""
    href = relative_uri(here, node["path"])
    translator.body.append(translator.starttag(node, "a", "", href=href, CLASS="qapi-schema-link",
                                               title="JSON Schema of this definition"))


def depart_schema_link_html(translator: Any, node: schema_link) -> None:
    translator.body.append("</a>")


def visit_row_term(translator: Any, node: row_term) -> None:
    translator.visit_term(node)


def depart_row_term(translator: Any, node: row_term) -> None:
    translator.depart_term(node)


def visit_nothing(translator: Any, node: nodes.Node) -> None:
    pass


def skip(translator: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def node_handlers() -> dict[type[Any], dict[str, tuple[Any, Any]]]:
    """The arguments of ``app.add_node`` for each node class."""
    plain = (visit_badge_plain, depart_badge_plain)
    return {
        badge: {
            "html": (visit_badge_html, depart_badge_html),
            "text": (visit_badge_text, depart_badge_text),
            "man": plain,
            "texinfo": plain,
            "latex": plain,
        },
        char_ref: {"html": (visit_char_ref_html, None)},
        row_term: {name: (visit_row_term, depart_row_term) for name in ("html", "text", "man", "texinfo", "latex")},
        row_name: {"text": (visit_nothing, visit_nothing), "man": (visit_nothing, visit_nothing)},
        schema_link: {
            "html": (visit_schema_link_html, depart_schema_link_html),
            "text": (skip, None),
            "man": (skip, None),
            "texinfo": (skip, None),
            "latex": (skip, None),
        },
    }
