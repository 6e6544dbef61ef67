"""Per-definition JSON Schema files, copied into the HTML output and linked
from each definition's signature.

Uses :mod:`qapidoc.backends.jsonschema` (the same generator as ``qapidoc
jsonschema``).  Each schema (root file and dialect) has a directory of its
own in the output, ``_qapidoc/<name>-<digest>/``, named after the root
file's path relative to the source directory (so two schemas never share
one, and the name is the same in every build of the project):
``events/NAME.json``, ``commands/NAME.request.json`` and ``.reply.json``,
and ``types.json`` whose ``$defs`` hold every type.  They are written when
the build ends, only where their content changed, through
:mod:`.ownfiles` (no symbolic link followed; a manifest lists what was
written, and a file that is no longer generated is deleted only if it still
has the content written).
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

from ._core import model as model_mod
from ._core import optional_submodule
from .cache import SchemaEntry, get_schema
from .ownfiles import Manifest, OwnDirectory, RefusedPathError, digest

__all__ = ["MANIFEST", "schema_dir", "schema_links", "write_schema_files"]

MANIFEST = ".qapidoc-files"
_HEADER = "# qapidoc_sphinx: JSON Schema files of"

Dialect = tuple[int, int] | None


def schema_dir(srcdir: str, path: str, dialect: Dialect) -> str:
    """The output directory (relative) of the JSON Schema files of the
    schema rooted at ``path``, read in ``dialect``."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(srcdir)).replace(os.sep, "/")
    key = relative + "\0" + ("" if dialect is None else f"{dialect[0]}.{dialect[1]}")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", os.path.splitext(os.path.basename(path))[0]).strip("-")[:40]
    return f"_qapidoc/{stem or 'schema'}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _generator() -> Any:
    return optional_submodule("backends.jsonschema")


def schema_links(env: Any, entry: SchemaEntry) -> dict[str, str]:
    """Definition name -> the output path of its JSON Schema (empty when
    the feature is off or the generator is missing)."""
    if not env.config.qapidoc_jsonschema or _generator() is None:
        return {}
    schema = entry.result.schema
    if schema is None:
        return {}
    base = schema_dir(str(env.srcdir), entry.path, entry.dialect)

    def make() -> dict[str, str]:
        links: dict[str, str] = {}
        for name, entity in schema.entities.items():
            if isinstance(entity, model_mod.CommandEntity):
                links[name] = f"{base}/commands/{name}.request.json"
            elif isinstance(entity, model_mod.EventEntity):
                links[name] = f"{base}/events/{name}.json"
            elif not entity.is_implicit:
                links[name] = f"{base}/types.json#/$defs/{name}"
        return links

    links: dict[str, str] = entry.derived(f"links:{base}", make)
    return links


def write_schema_files(outdir: str, srcdir: str, schemas: list[tuple[str, Dialect]]) -> list[str]:
    """Generate and write the files of each (schema path, dialect); returns
    why any could not be written."""
    gen = _generator()
    if gen is None:
        return []
    problems = []
    for path, dialect in sorted(set(schemas), key=lambda s: (s[0], s[1] or (0, 0))):
        entry = get_schema(path, dialect)
        if entry.result.schema is None:
            continue
        try:
            _write(gen, outdir, srcdir, entry)
        except (OSError, RefusedPathError) as err:
            problems.append(f"JSON Schema files of {path}: {err}")
    return problems


def _write(gen: Any, outdir: str, srcdir: str, entry: SchemaEntry) -> None:
    relative = schema_dir(srcdir, entry.path, entry.dialect)
    header = f"{_HEADER} {entry.path} ({digest(repr(entry.stamps).encode())[:16]})"
    with OwnDirectory.open(outdir, relative.split("/"), create=True) as own:
        old = _claim(own)
        if old.header == header:
            return          # the schema did not change since they were written

        def make(entry: SchemaEntry = entry) -> Any:
            return gen.generate(entry.result.schema, gen.GenerateOptions(), entry.result.doc_for)

        generated = entry.derived("jsonschema", make)
        new = Manifest(header)
        subdirs: dict[str, OwnDirectory] = {}
        try:
            for name, document in generated.files().items():
                parts = name.split("/")
                if any(p in ("", ".", "..") for p in parts) or len(parts) > 2:
                    continue
                data = gen.dump_json(document).encode()
                where = own if len(parts) == 1 else _subdir(own, subdirs, parts[0])
                if where.read(parts[-1]) != data:
                    where.write(parts[-1], data)
                new.files[name] = digest(data)
            for name, recorded in old.files.items():
                if name in new.files:
                    continue
                parts = name.split("/")
                where = own if len(parts) == 1 else _subdir(own, subdirs, parts[0])
                if where.kind(parts[-1]) == "file" and digest(where.read(parts[-1]) or b"") == recorded:
                    where.remove(parts[-1])
        finally:
            for sub in subdirs.values():
                sub.close()
        own.write(MANIFEST, new.text().encode())


def _subdir(own: OwnDirectory, opened: dict[str, OwnDirectory], name: str) -> OwnDirectory:
    if name not in opened:
        opened[name] = own.subdir(name, create=True)
    return opened[name]


def _claim(own: OwnDirectory) -> Manifest:
    """The manifest of a directory of the extension's own (empty when new);
    raises :class:`RefusedPathError` for one that holds anything else."""
    data = own.read(MANIFEST)
    if data is None:
        if own.names():
            raise RefusedPathError(f"{own.path} holds files qapidoc_sphinx did not write; they are left alone")
        return Manifest("")
    manifest = Manifest.parse(data.decode("utf-8", "replace"), _HEADER)
    if manifest is None:
        raise RefusedPathError(f"{own.path}/{MANIFEST} was not written by qapidoc_sphinx")
    return manifest
