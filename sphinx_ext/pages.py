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
rewritten only when its text changes.

The directory is the extension's own (:mod:`.ownfiles`): inside the source
directory, used by one directive, holding nothing the extension did not
write, reached without following symbolic links.  A manifest
(``.qapidoc-pages``) lists what it wrote; a page of a part that is gone is
deleted only if it is listed and still starts with the marker line; a
``.gitignore`` names exactly those pages.  A directory that breaks a rule is
refused with an error at the directive's line, and nothing is written.

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

from . import safety
from .cache import get_schema
from .ownfiles import Manifest, OwnDirectory, RefusedPathError, digest

__all__ = ["MANIFEST", "MARKER", "DirectiveUse", "refused", "scan_sources", "split_dir", "write_split_pages"]

logger = logging.getLogger(__name__)

MARKER = ".. qapidoc-generated-page"

_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\.[ \t]+(?:qapi-doc|qapi:schema)::[ \t]*(?P<arg>\S.*?)[ \t]*$")
_OPTION = re.compile(r"^[ \t]+:(?P<name>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")


@dataclass(slots=True)
class DirectiveUse:
    docname: str
    argument: str
    options: dict[str, str] = field(default_factory=dict)
    #: the source file and the directive's line in it (1-based)
    path: str = ""
    line: int = 0

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


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
            use = DirectiveUse(docname, m.group("arg"), path=path, line=i + 1)
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


MANIFEST = ".qapidoc-pages"
_MANIFEST_HEADER = "# qapidoc_sphinx: the split pages of"
_GITIGNORE_HEADER = "# Written by qapidoc_sphinx"
#: what earlier versions wrote as .gitignore (taken as the extension's)
_OLD_GITIGNORE = "# Pages written by qapidoc_sphinx when the documentation is built.\n*\n"

#: (source directory, docname) -> why its split pages were refused
_REFUSED: dict[tuple[str, str], str] = {}


def refused(srcdir: str, docname: str) -> str | None:
    """Why the split pages of ``docname`` were not written, if they were not."""
    return _REFUSED.get((os.path.abspath(srcdir), docname))


def write_split_pages(app: Any, uses: list[DirectiveUse]) -> dict[str, list[str]]:
    """Write the pages of every split directive; returns, per document, the
    ids of its parts.  A directive whose directory breaks a rule gets an
    error at its line, and no pages."""
    srcdir = os.path.abspath(str(app.srcdir))
    for key in [k for k in _REFUSED if k[0] == srcdir]:
        del _REFUSED[key]
    out: dict[str, list[str]] = {}
    claimed: dict[str, DirectiveUse] = {}
    for use in uses:
        split = use.options.get("split", "none")
        if split not in ("module", "section") or "part" in use.options:
            continue
        ns = (use.options.get("namespace") or "").strip()
        if ns and safety.namespace_problem(ns) is not None:
            continue        # the directive reports it
        directory = split_dir(use.docname, use.options.get("split-dir"))
        problem = _directory_problem(app, srcdir, directory, use, claimed)
        if problem is None:
            claimed[directory] = use
            try:
                ids = _write_pages(app, srcdir, directory, use, split)
            except (OSError, RefusedPathError) as err:
                problem = str(err)
            else:
                if ids is not None:
                    out[use.docname] = ids
                continue
        _REFUSED[(srcdir, use.docname)] = problem
        logger.error("split pages of %s not written: %s", use.docname, problem, location=use.location,
                     type="qapi", subtype="split")
    return out


def _directory_problem(app: Any, srcdir: str, directory: str, use: DirectiveUse,
                       claimed: dict[str, DirectiveUse]) -> str | None:
    """Why the pages of ``use`` may not go to ``directory`` (a docname
    prefix), or None."""
    shown = use.options.get("split-dir") or directory
    if directory in ("", ".") or directory.startswith(("../", "/")) or directory == "..":
        return f":split-dir: {shown!r} is not inside the source directory (nor may it be the source directory)"
    absolute = os.path.join(srcdir, *directory.split("/"))
    for other in (str(app.outdir), str(app.doctreedir)):
        other = os.path.abspath(other)
        if absolute == other or absolute.startswith(other + os.sep) or other.startswith(absolute + os.sep):
            return f":split-dir: {shown!r} overlaps the build's output directory {other}"
    for taken, owner in claimed.items():
        if directory == taken or directory.startswith(taken + "/") or taken.startswith(directory + "/"):
            return (f":split-dir: {shown!r} is also the directory of the split pages of {owner.docname} "
                    f"({owner.location}); each directive needs a directory of its own")
    return None


def _write_pages(app: Any, srcdir: str, directory: str, use: DirectiveUse, split: str) -> list[str] | None:
    from .directives import resolve_schema_path

    schema_path = resolve_schema_path(app.config, srcdir, use.argument, use.docname)
    dialect = None
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", use.options.get("dialect", ""))
    if m:
        dialect = (int(m.group(1)), int(m.group(2)))
    entry = get_schema(schema_path, dialect)
    if entry.result.schema is None:
        return None         # the directive reports why
    _, parts = entry.plan(split)
    ids = [p.id for p in parts]
    if use.options.get("builtins", "show") == "show":
        ids.append("builtin-types")
    abs_dir = os.path.join(srcdir, *directory.split("/"))
    if app.config.qapidoc_srctree or use.argument.startswith("/") or os.path.isabs(use.argument):
        schema_arg = use.argument
    else:
        schema_arg = os.path.relpath(schema_path, abs_dir).replace(os.sep, "/")
    pages = {f"{part_id}.rst": _stub_text(use, schema_arg, part_id, split).encode() for part_id in ids}
    with OwnDirectory.open(srcdir, directory.split("/"), create=True) as own:
        manifest = _claim(own, directory)
        own.remove_leftovers([MARKER.encode(), _MANIFEST_HEADER.encode(), _GITIGNORE_HEADER.encode()])
        new = Manifest(f"{_MANIFEST_HEADER} {use.docname}")
        for name, data in pages.items():
            if own.read(name) != data:
                own.write(name, data)
            new.files[name] = digest(data)
        # what is no longer wanted goes, if provably the extension's: listed
        # with this content, or a page that starts with the marker line
        for name in own.names():
            if name in pages or name in (MANIFEST, ".gitignore") or own.kind(name) != "file":
                continue
            data = own.read(name) or b""
            if digest(data) == manifest.files.get(name) or (name.endswith(".rst")
                                                             and data.startswith(MARKER.encode())):
                own.remove(name)
        ignore = "\n".join([f"{_GITIGNORE_HEADER} for {use.docname}: the pages it writes.",
                            f"/{MANIFEST}", "/.gitignore", *(f"/{name}" for name in sorted(pages))]) + "\n"
        if own.read(".gitignore") != ignore.encode():
            own.write(".gitignore", ignore.encode())
        own.write(MANIFEST, new.text().encode())
    return ids


def _claim(own: OwnDirectory, directory: str) -> Manifest:
    """The manifest of a directory that holds only what the extension
    wrote (an empty one is taken); raises :class:`RefusedPathError`
    otherwise."""
    manifest = Manifest("")
    data = own.read(MANIFEST)
    if data is not None:
        parsed = Manifest.parse(data.decode("utf-8", "replace"), _MANIFEST_HEADER)
        if parsed is None:
            raise RefusedPathError(f"{own.path}/{MANIFEST} was not written by qapidoc_sphinx")
        manifest = parsed
    foreign = []
    for name in own.names():
        if name == MANIFEST or name.startswith(".qapidoc-tmp-"):
            continue
        kind = own.kind(name)
        content = own.read(name, 4096) if kind == "file" else None
        if content is None:
            foreign.append(name)
        elif name == ".gitignore":
            text = content.decode("utf-8", "replace")
            if not (text.startswith(_GITIGNORE_HEADER) or text == _OLD_GITIGNORE):
                foreign.append(name)
        elif not (name.endswith(".rst") and content.startswith(MARKER.encode())):
            foreign.append(name)
    if foreign:
        listed = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise RefusedPathError(f"the directory {directory!r} holds files qapidoc_sphinx did not write ({listed}); "
                               "give the split pages a directory of their own (:split-dir:)")
    return manifest
