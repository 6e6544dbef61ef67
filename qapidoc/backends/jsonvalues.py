"""JSON values as QEMU's parser reads them: where a float stands for an integer.

JSON Schema's data model counts ``1.0`` as an integer; QEMU's JSON parser
reads any number with a fraction or an exponent as a double, which an
integer member refuses.  Python keeps the difference (``1.0`` decodes to a
float, ``1`` to an int), but jsonschema-rs, the fast engine, does not.  So a
message that holds an integral float is marked -- its top-level object
becomes a :class:`FloatsInside`, a dict in every other way -- and
:mod:`qapidoc.backends.validate` checks marked messages by QEMU's rules
(where only a JSON integer is an integer), and all others with the fast
engine, for which the difference cannot arise.

A float that is not integral needs no mark: no engine counts it as an
integer.  orjson reads an integer literal beyond 64 bits as a float, which
is integral, so that is marked too (and refused by every integer type).
"""

from __future__ import annotations

from typing import Any

__all__ = ["FloatsInside", "holds_integral_float", "mark_floats"]


class FloatsInside(dict[str, Any]):
    """A JSON object that holds, somewhere, a float with no fraction."""

    __slots__ = ()


def holds_integral_float(value: object) -> bool:
    """Whether ``value`` is, or holds at any depth, a float with no fraction."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if item.is_integer():  # type: ignore[attr-defined]
                return True
        elif kind is dict or kind is FloatsInside:
            stack.extend(item.values())  # type: ignore[attr-defined]
        elif kind is list:
            stack.extend(item)  # type: ignore[arg-type]
    return False


def mark_floats(value: Any) -> Any:
    """``value``, as a :class:`FloatsInside` if it is an object that holds
    an integral float (at any depth)."""
    if type(value) is dict and holds_integral_float(value):
        return FloatsInside(value)
    return value
