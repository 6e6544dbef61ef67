"""Named tuples made without compiling source, and without :mod:`typing`.

qapidoc's values are named tuples: ``class Span(NamedTuple): ...`` with
:data:`NamedTuple` from here.  Type checkers see ``typing.NamedTuple``
itself; at run time this module makes the same classes as
``typing.NamedTuple`` does (``collections.namedtuple`` under it): the fields
with their defaults, ``_fields``, ``_field_defaults``, ``_make``,
``_replace``, ``_asdict``, ``__match_args__``, the same ``repr``, pickling,
the class body's methods and docstring, and the functional form
``NamedTuple("Name", [("field", type), ...])``.

Why: ``collections.namedtuple`` compiles a ``__new__`` from source for each
class it makes, and ``typing.NamedTuple`` checks each annotation on top of
that; for the named tuples a ``qapidoc check`` imports, that was 3 % of the
whole run on QEMU's schema, and importing :mod:`typing` 1 % more.  Here one
``__new__`` per class is made from a closure (nothing compiled), which
takes the fields positionally at the speed of the compiled one; keywords and
defaults take a slower path (the hot paths make their tuples with
``tuple.__new__(Class, (...))`` anyway).  Annotations are kept as written
(a string stays a string: nothing is compiled for them either).
"""

TYPE_CHECKING = False       # (typing.TYPE_CHECKING, without importing typing)

if TYPE_CHECKING:
    from typing import NamedTuple
else:
    import sys

    try:
        from _collections import _tuplegetter as _field
    except ImportError:         # (another Python than CPython)
        from operator import itemgetter

        def _field(index, doc):
            return property(itemgetter(index), doc=doc)

    _tuple_new = tuple.__new__

    #: what a class body may not define (as typing.NamedTuple)
    _PROHIBITED = frozenset({"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults",
                             "_make", "_replace", "_asdict", "_source"})
    #: what a class body defines that is not copied to the class
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__"})

    # The methods every class shares: they read the class's own fields.

    @classmethod
    def _make(cls, iterable):
        result = _tuple_new(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
        return result

    def _replace(self, /, **changes):
        result = self._make(map(changes.pop, self._fields, self))
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return result

    def _represent(self):
        pairs = ", ".join([f"{name}={value!r}" for name, value in zip(self._fields, self, strict=False)])
        return f"{self.__class__.__name__}({pairs})"

    def _asdict(self):
        return dict(zip(self._fields, self, strict=False))

    def _getnewargs(self):
        return tuple(self)

    _represent.__name__ = _represent.__qualname__ = "__repr__"
    _getnewargs.__name__ = _getnewargs.__qualname__ = "__getnewargs__"

    def _make_class(typename, fields, defaults, module, body=None):
        """A named tuple class: ``fields`` (names), the last of them with
        ``defaults``; with what a class ``body`` defines beside them."""
        for name in (typename, *fields):
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"Type names and field names must be valid identifiers: {name!r}")
        for name in fields:
            if name.startswith("_"):
                raise ValueError(f"Field names cannot start with an underscore: {name!r}")
        if len(set(fields)) != len(fields):
            raise ValueError(f"Encountered duplicate field name in {fields!r}")
        count = len(fields)
        field_defaults = dict(zip(fields[count - len(defaults):], defaults, strict=True)) if defaults else {}

        def new(cls, *args, **kwargs):
            if not kwargs and len(args) == count:
                return _tuple_new(cls, args)
            return _tuple_new(cls, _arguments(args, kwargs))

        def _arguments(args, kwargs):
            """The fields' values from ``__new__``'s arguments."""
            if len(args) > count:
                raise TypeError(f"{typename}.__new__() takes {count + 1} positional arguments but "
                                f"{len(args) + 1} were given")
            values = list(args)
            for name in fields[len(args):]:
                if name in kwargs:
                    values.append(kwargs.pop(name))
                elif name in field_defaults:
                    values.append(field_defaults[name])
                else:
                    raise TypeError(f"{typename}.__new__() missing required argument: {name!r}")
            for name in kwargs:
                if name in fields:
                    raise TypeError(f"{typename}.__new__() got multiple values for argument {name!r}")
                raise TypeError(f"{typename}.__new__() got an unexpected keyword argument {name!r}")
            return values

        new.__name__ = "__new__"
        new.__qualname__ = f"{typename}.__new__"
        namespace = {
            "__doc__": f"{typename}({', '.join(fields)})", "__slots__": (), "__module__": module,
            "_fields": fields, "_field_defaults": field_defaults, "__match_args__": fields,
            "__new__": new, "_make": _make, "_replace": _replace, "__repr__": _represent, "_asdict": _asdict,
            "__getnewargs__": _getnewargs,
        }
        for index, name in enumerate(fields):
            namespace[name] = _field(index, f"Alias for field number {index}")
        if body:
            namespace.update(body)
        return type(typename, (tuple,), namespace)

    class _NamedTupleMeta(type):
        """Makes ``class X(NamedTuple): ...`` a named tuple class."""

        def __new__(cls, typename, bases, namespace):
            if bases != (_NamedTupleBase,):
                raise TypeError("can only inherit from a NamedTuple type")
            annotations = namespace.get("__annotations__", {})
            with_default: list[str] = []
            for name in annotations:
                if name in namespace:
                    with_default.append(name)
                elif with_default:
                    raise TypeError(f"Non-default namedtuple field {name} cannot follow default field"
                                    f"{'s' if len(with_default) > 1 else ''} {', '.join(with_default)}")
            body = {"__annotations__": dict(annotations)}
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError("Cannot overwrite NamedTuple attribute " + key)
                if key not in _SPECIAL and key not in annotations:
                    body[key] = value
            return _make_class(typename, tuple(annotations), tuple(namespace[name] for name in with_default),
                               namespace["__module__"], body)

    _NamedTupleBase = type.__new__(_NamedTupleMeta, "NamedTuple", (), {})

    def NamedTuple(typename, fields=None, /, **kwargs):  # noqa: N802 - as typing's
        """``NamedTuple("Name", [("field", type), ...])``; as a base class,
        ``class Name(NamedTuple): field: type = default``."""
        if fields is None:
            fields = kwargs.items()
        elif kwargs:
            raise TypeError("Either list of fields or keywords can be provided to NamedTuple, not both")
        pairs = list(fields)
        made = _make_class(typename, tuple(name for name, _ in pairs), (),
                           sys._getframe(1).f_globals.get("__name__", "__main__"))
        made.__annotations__ = dict(pairs)
        return made

    NamedTuple.__mro_entries__ = lambda bases: (_NamedTupleBase,)

__all__ = ["NamedTuple"]
