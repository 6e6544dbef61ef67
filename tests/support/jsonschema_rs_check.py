"""Load generated schemas in jsonschema-rs (Rust) and ask it for verdicts.

jsonschema-rs (PyPI ``jsonschema-rs``, import ``jsonschema_rs``) is the
second non-Python consumer the generated JSON Schema must satisfy.  Schemas
that ``$ref`` each other by ``$id`` are put in one ``jsonschema_rs.Registry``;
nothing is ever fetched: the registry and every validator get a retriever that
refuses every URI, so a ``$ref`` to a schema missing from the batch is an
error, not a network request.  (``offline=True`` would do the same, but
jsonschema-rs 0.61 refuses it together with ``retriever``.)

A schema key is either a ``$id`` or ``$id#/json/pointer``; a key is compiled
as the one-line wrapper ``{"$ref": key}``, so a pointer resolves exactly as a
``$ref`` would.  Unlike ajv (JavaScript doubles), jsonschema-rs compares
integers exactly, also beyond 2**64.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jsonschema_rs

__all__ = [
    "RsCompileError",
    "rs_available",
    "rs_compile",
    "rs_validator",
    "rs_verdicts",
]

_DRAFT_NAMES = {
    "2020-12": "2020-12",
    "draft2020-12": "2020-12",
    "draft-2020-12": "2020-12",
    "7": "7",
    "07": "7",
    "draft7": "7",
    "draft-07": "7",
}


_POINTER_SAFE = "~!$&'()*+,;=:@-._"


class RsCompileError(ValueError):
    """jsonschema-rs refused a schema (meta-schema, ``$ref``, registry...)."""


def rs_available() -> str | None:
    """``None`` when jsonschema-rs is importable with the API used here."""
    try:
        import jsonschema_rs
    except ImportError as exc:
        return f"jsonschema-rs is not installed (pip install jsonschema-rs): {exc}"
    missing = [
        name
        for name in ("Registry", "Draft202012Validator", "Draft7Validator")
        if not hasattr(jsonschema_rs, name)
    ]
    if missing:
        return f"jsonschema-rs lacks {', '.join(missing)}; a newer version is needed"
    return None


def _draft(draft: str | int) -> str:
    key = str(draft).strip().lower()
    if key not in _DRAFT_NAMES:
        raise ValueError(
            f"unsupported JSON Schema draft {draft!r}; use '2020-12' or '7'"
        )
    return _DRAFT_NAMES[key]


def _refuse(uri: str) -> Any:
    raise ValueError(f"{uri!r} is not among the schemas given to the harness")


def _registry(
    schemas: Sequence[Mapping[str, Any]], draft: str
) -> jsonschema_rs.Registry:
    import jsonschema_rs

    resources: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for i, schema in enumerate(schemas):
        schema_id = schema.get("$id")
        if not isinstance(schema_id, str) or not schema_id:
            raise RsCompileError(f"schemas[{i}] has no string '$id'")
        if schema_id in seen:
            raise RsCompileError(f"duplicate '$id' {schema_id!r}")
        seen.add(schema_id)
        resources.append((schema_id, dict(schema)))
    code = jsonschema_rs.Draft202012 if draft == "2020-12" else jsonschema_rs.Draft7
    try:
        # The registry resolves every external $ref while it is built.
        return jsonschema_rs.Registry(resources, draft=code, retriever=_refuse)
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        raise RsCompileError(f"registry: {exc}") from exc


def _build(
    schema: Mapping[str, Any], registry: jsonschema_rs.Registry, draft: str
) -> jsonschema_rs.Validator:
    import jsonschema_rs

    cls: type[jsonschema_rs.Validator] = (
        jsonschema_rs.Draft202012Validator
        if draft == "2020-12"
        else jsonschema_rs.Draft7Validator
    )
    try:
        return cls(dict(schema), registry=registry, retriever=_refuse)
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        # ValidationError (a ValueError) = schema fails the meta-schema or a
        # $ref does not resolve; its str() carries a multi-line context.
        raise RsCompileError(str(exc).strip().split("\n\n", 1)[0]) from exc


def rs_validator(
    schemas: Sequence[Mapping[str, Any]],
    key: str,
    draft: str | int = "2020-12",
) -> jsonschema_rs.Validator:
    """A compiled validator for *key* (``$id`` or ``$id#/pointer``).

    Raises :class:`RsCompileError` when jsonschema-rs refuses it.
    """
    d = _draft(draft)
    return _build({"$ref": key}, _registry(schemas, d), d)


def _defs_keys(schema: Mapping[str, Any]) -> list[str]:
    # Local twin of support.ajv.defs_keys, kept here so this module stands alone.
    from urllib.parse import quote

    base = str(schema["$id"]).split("#", 1)[0]
    keys: list[str] = []
    for container in ("$defs", "definitions"):
        defs = schema.get(container)
        if isinstance(defs, Mapping):
            for name in defs:
                token = str(name).replace("~", "~0").replace("/", "~1")
                token = quote(token, safe=_POINTER_SAFE)
                keys.append(f"{base}#/{container}/{token}")
    return keys


def rs_compile(
    schemas: Sequence[Mapping[str, Any]],
    root_id: str,
    draft: str | int = "2020-12",
    *,
    each_def: bool = True,
) -> str | None:
    """Load *root_id* (and the schemas it ``$ref``\\s) in jsonschema-rs.

    Returns ``None`` when it loads, else the error text.  *root_id* may be a
    ``$id`` or ``$id#/pointer``.  jsonschema-rs builds only what is reachable
    from the root, so with *each_def* (the default) every ``$defs``/
    ``definitions`` entry of the root's own document is compiled as well.
    """
    d = _draft(draft)
    try:
        registry = _registry(schemas, d)
        base = root_id.split("#", 1)[0]
        doc = next((s for s in schemas if s.get("$id") == base), None)
        if doc is None:
            return f"no schema with '$id' {base!r} among the schemas"
        if base == root_id.rstrip("#"):
            # The document itself: validates it against its meta-schema too.
            _build(doc, registry, d)
            keys = _defs_keys(doc) if each_def else []
        else:
            keys = [root_id]
        for key in keys:
            try:
                _build({"$ref": key}, registry, d)
            except RsCompileError as exc:
                return f"{key}: {exc}"
    except RsCompileError as exc:
        return str(exc)
    return None


_Instance = tuple[str, Any] | Mapping[str, Any]


def rs_verdicts(
    schemas: Sequence[Mapping[str, Any]],
    instances: Iterable[_Instance],
    draft: str | int = "2020-12",
) -> list[bool | None]:
    """jsonschema-rs verdict per instance, in order.

    *instances* are ``(schema_key, data)`` pairs or ``{"schema": key, "data":
    data}`` mappings, as for ``support.ajv.run_ajv``.  An instance whose
    schema key does not compile gets ``None`` (see :func:`rs_compile` for
    the reason).  Each key is compiled once per call.
    """
    d = _draft(draft)
    registry: jsonschema_rs.Registry | None = None
    registry_error = False
    cache: dict[str, jsonschema_rs.Validator | None] = {}
    out: list[bool | None] = []
    for inst in instances:
        if isinstance(inst, Mapping):
            key, data = inst["schema"], inst["data"]
        else:
            key, data = inst
        if key not in cache:
            if registry is None and not registry_error:
                try:
                    registry = _registry(schemas, d)
                except RsCompileError:
                    registry_error = True
            try:
                cache[key] = (
                    None if registry is None else _build({"$ref": key}, registry, d)
                )
            except RsCompileError:
                cache[key] = None
        validator = cache[key]
        out.append(None if validator is None else validator.is_valid(data))
    return out
