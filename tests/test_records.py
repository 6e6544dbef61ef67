"""qapidoc.records.NamedTuple makes the classes typing.NamedTuple makes.

Each case is run on a class made by both and must come out the same
(value, or the type of the exception raised); then the real values of a
loaded schema survive pickling and copying.
"""

from __future__ import annotations

import copy
import pickle
import typing
from collections.abc import Callable

import pytest

from qapidoc import load_text, records
from qapidoc.frontend.expressions import Struct
from qapidoc.source import SourceFile, Span


def _classes(named_tuple: typing.Any) -> tuple[typing.Any, typing.Any]:
    class Point(named_tuple):  # type: ignore[misc]
        """A point."""

        x: int
        y: int = 2
        label: str = "a"

        def total(self) -> int:
            return int(self.x + self.y)

        @property
        def double(self) -> int:
            return 2 * int(self.x)

    pair = named_tuple("Pair", [("left", int), ("right", str)])
    return Point, pair


CASES: dict[str, Callable[[typing.Any, typing.Any], object]] = {
    "positional": lambda p, _: repr(p(1, 3, "q")),
    "defaults": lambda p, _: repr(p(1)),
    "keywords": lambda p, _: repr(p(x=5, label="w")),
    "method and property": lambda p, _: (p(1).total(), p(4).double),
    "fields": lambda p, f: (p._fields, p._field_defaults, p.__match_args__, f._fields, f._field_defaults),
    "replace": lambda p, _: repr(p(1)._replace(y=7)),
    "asdict": lambda p, _: p(1)._asdict(),
    "make": lambda p, _: repr(p._make([1, 2, 3])),
    "docs": lambda p, f: (p.__doc__, f.__doc__, p.x.__doc__, f.right.__doc__),
    "functional": lambda _, f: (repr(f(1, "b")), repr(f(right="r", left=0))),
    "a tuple": lambda p, _: (p(1) == (1, 2, "a"), hash(p(1)) == hash((1, 2, "a")), isinstance(p(1), tuple),
                             p(1)[-1], len(p(1)), p.__mro__[1:], p.__slots__),
    "names": lambda p, f: (p.__name__, p.__qualname__.rsplit(".", 1)[-1], f.__name__, f.__module__),
    "match": lambda p, _: [x for x, *_ in [p(9)]],
    "missing argument": lambda p, _: p(),
    "too many arguments": lambda p, _: p(1, 2, "b", 4),
    "argument twice": lambda p, _: p(1, x=2),
    "unknown keyword": lambda p, _: p(1, w=3),
    "replace unknown": lambda p, _: p(1)._replace(w=1),
    "make short": lambda p, _: p._make([1]),
    "read-only": lambda p, _: setattr(p(1), "x", 3),
}

BAD_CLASSES = {
    "default before none": "class Q(NamedTuple):\n    a: int = 1\n    b: int\n",
    "overwrite _make": "class Q(NamedTuple):\n    a: int\n    def _make(self): pass\n",
    "two bases": "class Q(NamedTuple, object):\n    a: int\n",
    "bad field name": "class Q(NamedTuple):\n    _a: int\n",
}


def _outcome(case: Callable[[], object]) -> object:
    try:
        return case()
    except Exception as exc:
        return type(exc)


@pytest.mark.parametrize("name", CASES)
def test_classes_behave_as_typing_makes_them(name: str) -> None:
    ours = _outcome(lambda: CASES[name](*_classes(records.NamedTuple)))
    typings = _outcome(lambda: CASES[name](*_classes(typing.NamedTuple)))
    assert ours == typings


@pytest.mark.parametrize("name", BAD_CLASSES)
def test_bad_classes_are_refused_as_typing_refuses_them(name: str) -> None:
    outcomes: list[type[Exception] | None] = []
    for named_tuple in (records.NamedTuple, typing.NamedTuple):
        try:
            exec(BAD_CLASSES[name], {"NamedTuple": named_tuple})
            outcomes.append(None)
        except Exception as exc:
            outcomes.append(type(exc))
    assert outcomes[0] is not None and outcomes[0] == outcomes[1]


def test_default_field_message_names_the_defaults_before() -> None:
    with pytest.raises(TypeError, match=r"field c cannot follow default fields a, b$"):
        exec("class Q(NamedTuple):\n    a: int = 1\n    b: int = 2\n    c: int\n",
             {"NamedTuple": records.NamedTuple})


def test_values_of_a_schema_pickle_and_copy() -> None:
    schema = "{ 'struct': 'Point', 'data': { 'x': 'int', '*y': 'str' } }\n"
    result = load_text("s.json", schema)
    assert result.schema is not None
    for value in (result.schema.entities["Point"], result.dialect, Span(SourceFile("a.json", "text"), 1, 3)):
        # (a SourceFile is equal to itself alone: the copies are compared as text)
        again = pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        assert repr(again) == repr(value) and type(again) is type(value)
        assert copy.copy(value) == value and repr(copy.deepcopy(value)) == repr(value)
    assert Struct._fields[:2] == ("name", "name_span")


def test_qapidoc_makes_its_named_tuples_with_records() -> None:
    """One way to make a named tuple in the package: typing's compiles."""
    import pathlib

    package = pathlib.Path(records.__file__).parent
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py") if p.name != "records.py"
                 and any(line.startswith("from typing import") and "NamedTuple" in line
                         for line in p.read_text(encoding="utf-8").splitlines())]
    assert offenders == []
