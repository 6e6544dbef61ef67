"""Split schemas: one page per module or per top-level section.

A directive cannot add documents to a build that is already reading, so the
pages are made before: when the configuration is read, the sources are
scanned for ``qapi-doc`` directives with a ``:split:`` option, and for each
part of the schema a small page is written next to the document (in the
directory ``:split-dir:``, by default the document's name)::

    .. qapi:schema:: ../qapi/qapi-schema.json
       :part: run-state
       :split: module

Such a page renders its part only, and depends only on the schema files the
part shows; editing one module re-reads its pages alone.  A page is
rewritten only when its text changes, and pages of parts that are gone are
removed (only those this extension wrote: they start with a marker line).

The same scan also finds every namespace used, so that each gets its index.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sphinx.util import logging
from sphinx.util.matching import Matcher

from .cache import get_schema

__all__ = ["MARKER", "DirectiveUse", "scan_sources", "split_dir", "write_split_pages"]

logger = logging.getLogger(__name__)

MARKER = ".. qapidoc-generated-page"

_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+(?:qapi-doc|qapi:schema)::[ \t]*(?P<arg>\S.*?)[ \t]*$")
_OPTION = re.compile(r"^[ \t]+:(?P<name>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")


@dataclass(slots=True)
class DirectiveUse:
    docname: str
    argument: str
    options: dict[str, str] = field(default_factory=dict)


def split_dir(docname: str, option: str | None) -> str:
    """The directory (a docname prefix) of a split document's pages."""
    if option:
        base = os.path.dirname(docname)
        return os.path.normpath(os.path.join(base, option.strip())).replace(os.sep, "/")
    return docname


def _source_files(srcdir: str, suffixes: Iterable[str], exclude: list[str], skip_dirs: set[str]) -> list[str]:
    matcher = Matcher(exclude)
    out = []
    for root, dirs, files in os.walk(srcdir):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_"))
                         and os.path.abspath(os.path.join(root, d)) not in skip_dirs)
        for name in sorted(files):
            if not name.endswith(tuple(suffixes)):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, srcdir).replace(os.sep, "/")
            if matcher(rel):
                continue
            out.append(path)
    return out


def scan_sources(app: Any) -> list[DirectiveUse]:
    """Every ``qapi-doc`` directive in the sources (read as text)."""
    srcdir = str(app.srcdir)
    suffixes = [s for s in app.config.source_suffix if s.endswith((".rst", ".txt"))] or [".rst"]
    skip = {os.path.abspath(str(app.outdir)), os.path.abspath(str(app.doctreedir))}
    uses: list[DirectiveUse] = []
    for path in _source_files(srcdir, suffixes, list(app.config.exclude_patterns), skip):
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        if "qapi-doc::" not in text and "qapi:schema::" not in text:
            continue
        rel = os.path.relpath(path, srcdir).replace(os.sep, "/")
        docname = os.path.splitext(rel)[0]
        lines = text.splitlines()
        literal = _literal_lines(lines)
        for i, line in enumerate(lines):
            m = _DIRECTIVE.match(line)
            if not m or i in literal:
                continue
            use = DirectiveUse(docname, m.group("arg"))
            j = i + 1
            while j < len(lines) and (o := _OPTION.match(lines[j])):
                use.options[o.group("name")] = o.group("value")
                j += 1
            uses.append(use)
    return uses


_LITERAL_OPENER = re.compile(r"^\s*\.\.\s+(code-block|code|sourcecode|literalinclude|parsed-literal)::|::\s*$")


def _literal_lines(lines: list[str]) -> set[int]:
    """The lines inside literal blocks and code blocks (an example of the
    directive is not a use of it)."""
    inside: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _LITERAL_OPENER.search(line) and not _DIRECTIVE.match(line):
            base = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > base):
                inside.add(j)
                j += 1
            i = j
            continue
        i += 1
    return inside


def _stub_text(use: DirectiveUse, schema_arg: str, part_id: str, split: str) -> str:
    lines = [MARKER, f"   Written by qapidoc_sphinx for {use.docname}; changes are overwritten.", "",
             f".. qapi:schema:: {schema_arg}", f"   :part: {part_id}", f"   :split: {split}"]
    for key in ("namespace", "dialect", "inline", "builtins"):
        if key in use.options:
            lines.append(f"   :{key}: {use.options[key]}")
    return "\n".join(lines) + "\n"


def write_split_pages(app: Any, uses: list[DirectiveUse]) -> dict[str, list[str]]:
    """Write the pages of every split directive; returns, per document, the
    ids of its parts."""
    from .directives import resolve_schema_path

    srcdir = str(app.srcdir)
    suffix = ".rst"
    out: dict[str, list[str]] = {}
    for use in uses:
        split = use.options.get("split", "none")
        if split not in ("module", "section") or "part" in use.options:
            continue
        schema_path = resolve_schema_path(app.config, srcdir, use.argument, use.docname)
        dialect = None
        m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", use.options.get("dialect", ""))
        if m:
            dialect = (int(m.group(1)), int(m.group(2)))
        entry = get_schema(schema_path, dialect)
        if entry.result.schema is None:
            continue        # the directive reports why
        _, parts = entry.plan(split)
        ids = [p.id for p in parts]
        if use.options.get("builtins", "show") == "show":
            ids.append("builtin-types")
        directory = split_dir(use.docname, use.options.get("split-dir"))
        abs_dir = os.path.join(srcdir, *directory.split("/"))
        os.makedirs(abs_dir, exist_ok=True)
        ignore = os.path.join(abs_dir, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as f:
                f.write("# Pages written by qapidoc_sphinx when the documentation is built.\n*\n")
        if app.config.qapidoc_srctree or use.argument.startswith("/") or os.path.isabs(use.argument):
            schema_arg = use.argument
        else:
            schema_arg = os.path.relpath(schema_path, abs_dir).replace(os.sep, "/")
        wanted = set()
        for part_id in ids:
            target = os.path.join(abs_dir, part_id + suffix)
            wanted.add(os.path.abspath(target))
            text = _stub_text(use, schema_arg, part_id, split)
            try:
                with open(target, encoding="utf-8") as f:
                    current: str | None = f.read()
            except OSError:
                current = None
            if current is not None and not current.startswith(MARKER):
                logger.warning("not overwriting %s: it was not written by qapidoc_sphinx (choose another "
                               ":split-dir:)", target, type="qapi", subtype="split")
                continue
            if current != text:
                with open(target, "w", encoding="utf-8") as f:
                    f.write(text)
        for name in os.listdir(abs_dir):
            path = os.path.abspath(os.path.join(abs_dir, name))
            if not name.endswith(suffix) or path in wanted:
                continue
            try:
                with open(path, encoding="utf-8") as f:
                    ours = f.read(len(MARKER)) == MARKER
            except OSError:
                ours = False
            if ours:
                os.remove(path)
        out[use.docname] = ids
    return out
