"""qapidoc: a toolkit for QEMU's QAPI schema language.

The public API is small:

* :func:`load_schema` parses and checks a schema, returning a
  :class:`LoadResult` (the model, the doc comments and all diagnostics);
* :class:`LoadOptions` chooses the dialect and whether a module is checked
  on its own;
* :class:`Diagnostic` is what every stage reports;
* :func:`qapidoc.backends.jsonschema.generate` turns a schema into JSON Schema.

The core never imports Sphinx or docutils; ``qapidoc check`` starts fast.
"""

__version__ = "0.1.0"

from .diagnostics import Diagnostic
from .frontend.loader import LoadOptions, LoadResult, load_schema, load_text
from .rules import Severity

__all__ = ["Diagnostic", "LoadOptions", "LoadResult", "Severity", "__version__", "load_schema", "load_text"]
