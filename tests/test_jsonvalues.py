"""Which decoded JSON objects hold a float with no fraction (what QEMU reads
as a double where an integer member refuses it): marked by
:func:`qapidoc.backends.jsonvalues.mark_floats`, with orjson's quick look
at the written text and the walk agreeing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qapidoc.backends import jsonvalues
from qapidoc.backends.jsonvalues import FloatsInside, holds_integral_float, mark_floats


@pytest.mark.parametrize(("value", "marked"), [
    ({"a": 1.0}, True),
    ({"a": [{"b": -100.0}]}, True),
    ({"a": 1e16}, True),                    # written 1e+16
    ({"a": 1e300}, True),
    ({"a": 1.5}, False),                    # refused by every integer type anyway
    ({"a": 1}, False),
    ({"a": "1.0", "b": "1e+16"}, False),    # text that looks like one: walked, not marked
    ({"a": 2 ** 70}, False),                # an int orjson cannot write: walked
    ({"a": "\ud800", "b": 3.0}, True),      # a lone surrogate orjson refuses: walked
    ({"a": "\ud800"}, False),
    ({}, False),
])
def test_marked(value: dict[str, Any], marked: bool) -> None:
    result = mark_floats(value)
    assert (type(result) is FloatsInside) is marked
    assert result == value


def test_not_an_object_is_left_alone() -> None:
    assert mark_floats(2.0) == 2.0 and type(mark_floats([1.0])) is list
    assert holds_integral_float(2.0) and holds_integral_float([1, [2.0]]) and not holds_integral_float([1.5])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20)


@given(st.dictionaries(st.text(max_size=4), json_values, max_size=5))
def test_the_quick_look_agrees_with_the_walk(value: dict[str, Any]) -> None:
    assert (type(mark_floats(value)) is FloatsInside) is holds_integral_float(value)


def test_integral_float_syntax() -> None:
    assert jsonvalues.integral_float_syntax(b'{"a":1.0}')
    assert jsonvalues.integral_float_syntax(b'[1e+16]')
    assert not jsonvalues.integral_float_syntax(b'{"a":1.05}')
    assert not jsonvalues.integral_float_syntax(b'{"a":1}')
