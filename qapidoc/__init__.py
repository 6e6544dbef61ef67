"""qapidoc: a toolkit for QEMU's QAPI schema language.

The public API is small:

* :func:`load_schema` parses and checks a schema, returning a
  :class:`LoadResult` (the model, the doc comments and all diagnostics);
* :class:`LoadOptions` chooses the dialect and whether a module is checked
  on its own;
* :class:`Diagnostic` is what every stage reports;
* :func:`qapidoc.backends.jsonschema.generate` turns a schema into JSON Schema.

The core never imports Sphinx or docutils; ``qapidoc check`` starts fast.
The names above are imported when first asked for (``from qapidoc import
load_schema``), so that the command line can pause the cyclic collector
before the front end is imported (see :mod:`qapidoc.cli.main`).
"""

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .frontend.loader import LoadOptions, LoadResult, load_schema, load_text
    from .rules import Severity

__all__ = ["Diagnostic", "LoadOptions", "LoadResult", "Severity", "__version__", "load_schema", "load_text"]

#: public name -> the module that defines it
_LAZY = {"Diagnostic": "diagnostics", "LoadOptions": "frontend.loader", "LoadResult": "frontend.loader",
         "load_schema": "frontend.loader", "load_text": "frontend.loader", "Severity": "rules"}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qapidoc' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
