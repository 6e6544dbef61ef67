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

from collections.abc import Callable
from typing import Any

__all__ = ["FloatsInside", "holds_integral_float", "integral_float_syntax", "mark_floats", "mark_walked"]

_dumps: Callable[[object], bytes] | None
try:
    from orjson import dumps as _dumps
except ImportError:  # pragma: no cover - exercised where orjson is missing
    _dumps = None


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


def integral_float_syntax(written: bytes) -> bool:
    """Whether JSON written by orjson (or ``json.dumps``, compact) may hold
    an integral float: both write one as ``1.0``, ``100.0`` or ``1e+16``,
    always ending ``.0`` before a ``,``, ``}`` or ``]``, or with ``e+``.
    (A float that is not integral needs no mark: every integer type
    refuses it anyway.  Text in strings may say yes too: the value is
    looked at then.)"""
    if written.find(b"e+") >= 0:
        return True
    at = written.find(b".0")
    while at >= 0:
        if written[at + 2:at + 3] in _AFTER_NUMBER:
            return True
        at = written.find(b".0", at + 2)
    return False


_AFTER_NUMBER = frozenset((b",", b"}", b"]", b""))


def mark_floats(value: Any) -> Any:
    """``value``, as a :class:`FloatsInside` if it is an object that holds
    an integral float (at any depth).  With orjson, the object is written
    out first (in C, a third of the cost of walking it in Python), and
    walked only when the text may hold one."""
    if type(value) is not dict:
        return value
    if _dumps is not None:
        try:
            written = _dumps(value)
        except TypeError:       # an integer beyond 64 bits, deep nesting: walk
            pass
        else:
            if not ((46 in written or 43 in written) and integral_float_syntax(written)):   # '.', '+'
                return value
    return mark_walked(value)


def mark_walked(value: Any) -> Any:
    """``value``, as a :class:`FloatsInside` if it is an object that holds
    an integral float, found by walking it: for callers that have looked at
    its written text already (:func:`integral_float_syntax` said it may)."""
    if type(value) is dict and holds_integral_float(value):
        return FloatsInside(value)
    return value
