"""Per-definition JSON Schema files, copied into the HTML output and linked
from each definition's signature.

Uses :mod:`qapidoc.backends.jsonschema` (the same generator as ``qapidoc
jsonschema``).  The files of a namespace go to
``_qapidoc/<namespace>/`` in the output: ``events/NAME.json``,
``commands/NAME.request.json`` and ``.reply.json``, and ``types.json``
whose ``$defs`` hold every type.  They are written when the build ends,
and only where their content changed.
"""

from __future__ import annotations

import os
from typing import Any

from ._core import model as model_mod
from ._core import optional_submodule
from .cache import SchemaEntry, get_schema

__all__ = ["schema_dir", "schema_links", "write_schema_files"]


def schema_dir(namespace: str | None) -> str:
    return f"_qapidoc/{(namespace or 'qapi').lower()}"


def _generator() -> Any:
    return optional_submodule("backends.jsonschema")


def schema_links(env: Any, entry: SchemaEntry, namespace: str | None) -> dict[str, str]:
    """Definition name -> the output path of its JSON Schema (empty when
    the feature is off or the generator is missing)."""
    if not env.config.qapidoc_jsonschema or _generator() is None:
        return {}
    schema = entry.result.schema
    if schema is None:
        return {}

    def make() -> dict[str, str]:
        base = schema_dir(namespace)
        links: dict[str, str] = {}
        for name, entity in schema.entities.items():
            if isinstance(entity, model_mod.CommandEntity):
                links[name] = f"{base}/commands/{name}.request.json"
            elif isinstance(entity, model_mod.EventEntity):
                links[name] = f"{base}/events/{name}.json"
            elif not entity.is_implicit:
                links[name] = f"{base}/types.json#/$defs/{name}"
        return links

    links: dict[str, str] = entry.derived(f"links:{namespace}", make)
    return links


def write_schema_files(outdir: str, schemas: list[tuple[str, tuple[int, int] | None, str | None]]) -> int:
    """Generate and write the files of each (schema path, dialect,
    namespace); returns how many files were (re)written."""
    gen = _generator()
    if gen is None:
        return 0
    written = 0
    for path, dialect, namespace in schemas:
        entry = get_schema(path, dialect)
        if entry.result.schema is None:
            continue
        directory = os.path.join(outdir, *schema_dir(namespace).split("/"))
        stamp_file = os.path.join(directory, ".qapidoc-stamp")
        stamp = repr(entry.stamps)
        try:
            with open(stamp_file, encoding="utf-8") as f:
                if f.read() == stamp:
                    continue
        except OSError:
            pass

        def make(entry: SchemaEntry = entry) -> Any:
            return gen.generate(entry.result.schema, gen.GenerateOptions(), entry.result.doc_for)

        generated = entry.derived("jsonschema", make)
        for name, document in generated.files().items():
            target = os.path.join(directory, *name.split("/"))
            text = gen.dump_json(document)
            try:
                with open(target, encoding="utf-8") as f:
                    if f.read() == text:
                        continue
            except OSError:
                pass
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
            written += 1
        with open(stamp_file, "w", encoding="utf-8") as f:
            f.write(stamp)
    return written
