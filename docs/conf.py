"""Sphinx configuration of qapidoc's own manual (built with its own extension)."""

from __future__ import annotations

import qapidoc

project = "qapidoc"
author = "the qapidoc authors"
copyright = "the qapidoc authors"  # noqa: A001 - Sphinx's name
version = release = qapidoc.__version__

extensions = ["qapidoc_sphinx"]

root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
nitpicky = True
default_role = "literal"
highlight_language = "none"

html_theme = "alabaster"
html_title = f"qapidoc {release}"
html_theme_options = {
    "description": "QAPI schemas: check, lint, JSON Schema, docs",
    "fixed_sidebar": True,
}

# The demo schema's pages are generated beside demo.rst (see docs/sphinx.rst);
# they are build output, not sources to edit.
qapidoc_namespaces = ["Demo"]
