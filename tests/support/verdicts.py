"""Verdicts of python-jsonschema on generated schema documents.

The counterparts for the two non-Python validators are
``support.ajv.run_ajv`` and ``support.jsonschema_rs_check.rs_verdicts``; all
three take the same ``(schema key, instance)`` pairs, where a key is a
document's ``$id`` or ``$id#/json/pointer``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import jsonschema
import referencing
import referencing.jsonschema

__all__ = ["PyVerdicts", "meta_errors"]

_CLASSES: dict[str, Any] = {"2020-12": jsonschema.Draft202012Validator, "7": jsonschema.Draft7Validator}
_SPECS: dict[str, Any] = {"2020-12": referencing.jsonschema.DRAFT202012, "7": referencing.jsonschema.DRAFT7}


class PyVerdicts:
    """python-jsonschema validators for keys into a set of documents."""

    def __init__(self, schemas: Sequence[Mapping[str, Any]], draft: str) -> None:
        self.cls = _CLASSES[draft]
        spec = _SPECS[draft]
        self.registry: referencing.Registry[Any] = referencing.Registry().with_resources(
            (s["$id"], spec.create_resource(s)) for s in schemas)
        self.cache: dict[str, Any] = {}

    def validator(self, key: str) -> Any:
        v = self.cache.get(key)
        if v is None:
            v = self.cache[key] = self.cls({"$ref": key}, registry=self.registry)
        return v

    def is_valid(self, key: str, instance: Any) -> bool:
        return bool(self.validator(key).is_valid(instance))

    def errors(self, key: str, instance: Any) -> list[Any]:
        return list(self.validator(key).iter_errors(instance))

    def verdicts(self, items: Iterable[tuple[str, Any]]) -> list[bool]:
        return [self.is_valid(k, i) for k, i in items]


_META: dict[str, Any] = {}


def meta_errors(schema: Mapping[str, Any], draft: str) -> list[str]:
    """Why ``schema`` fails its draft's meta-schema (python-jsonschema)."""
    validator = _META.get(draft)
    if validator is None:
        cls = _CLASSES[draft]
        validator = _META[draft] = cls(cls.META_SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(schema)]
