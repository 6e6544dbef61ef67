"""Find qapidoc's core package, even where another module owns its name.

QEMU's own Sphinx extension is a module called ``qapidoc`` too
(``docs/sphinx/qapidoc.py``), and QEMU's ``conf.py`` puts its directory
first on ``sys.path``.  In such a build ``import qapidoc`` may give QEMU's
module, or give ours and leave QEMU's extension unloadable.  So this module
never takes the name for granted:

1. if ``sys.modules["qapidoc"]`` is already our core package, use it;
2. if something else holds that name, or would be found first on
   ``sys.path``, load our package from its known place (beside this
   package) under the private name ``_qapidoc_core``, leaving the name
   ``qapidoc`` alone for its owner;
3. otherwise import ``qapidoc`` normally.

Everything else in the extension imports the core through this module.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING

__all__ = ["ALIAS", "core_package", "is_core_package"]

#: the name our core package is loaded under when ``qapidoc`` is taken
ALIAS = "_qapidoc_core"

_MARKERS = ("frontend/loader.py", "frontend/model.py", "frontend/docs.py", "diagnostics.py")


def is_core_package(module: ModuleType | None) -> bool:
    """Whether ``module`` is qapidoc's core package (not QEMU's extension)."""
    return (module is not None and hasattr(module, "load_schema") and hasattr(module, "LoadOptions")
            and hasattr(module, "__path__"))


def _looks_like_core(directory: str) -> bool:
    return all(os.path.isfile(os.path.join(directory, name)) for name in ("__init__.py", *_MARKERS))


def _candidate_dirs() -> list[str]:
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.path.join(os.path.dirname(here), "qapidoc")]
    for entry in sys.path:
        candidates.append(os.path.join(entry or os.getcwd(), "qapidoc"))
    return candidates


def _load_alias() -> ModuleType:
    loaded = sys.modules.get(ALIAS)
    if loaded is not None:
        return loaded
    for directory in _candidate_dirs():
        if not _looks_like_core(directory):
            continue
        spec = importlib.util.spec_from_file_location(
            ALIAS, os.path.join(directory, "__init__.py"), submodule_search_locations=[directory])
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[ALIAS] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[ALIAS]
            raise
        return module
    raise ImportError("qapidoc_sphinx cannot find qapidoc's core package (the module named 'qapidoc' "
                      "is another one, and no core package was found beside qapidoc_sphinx or on sys.path)")


def core_package() -> ModuleType:
    """Our core package, loaded without disturbing another ``qapidoc``."""
    current = sys.modules.get("qapidoc")
    if current is not None:
        return current if is_core_package(current) else _load_alias()
    try:
        spec = importlib.util.find_spec("qapidoc")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if spec is not None and any(_looks_like_core(d) for d in locations):
        module = importlib.import_module("qapidoc")
        if is_core_package(module):
            return module
    return _load_alias()


def _submodule(name: str) -> ModuleType:
    return importlib.import_module(f"{core.__name__}.{name}")


if TYPE_CHECKING:
    import qapidoc as core
    from qapidoc import diagnostics, rst_policy, rules, source
    from qapidoc.frontend import docs, expressions, loader, model, parser
else:
    core = core_package()
    diagnostics = _submodule("diagnostics")
    docs = _submodule("frontend.docs")
    expressions = _submodule("frontend.expressions")
    loader = _submodule("frontend.loader")
    model = _submodule("frontend.model")
    parser = _submodule("frontend.parser")
    rst_policy = _submodule("rst_policy")
    rules = _submodule("rules")
    source = _submodule("source")


def optional_submodule(name: str) -> ModuleType | None:
    """A core module that may not exist yet (``lint``, ``backends.jsonschema``)."""
    package = core.__name__
    try:
        return importlib.import_module(f"{package}.{name}")
    except ImportError as err:
        if err.name in (f"{package}.{name}", name) or (err.name or "").startswith(f"{package}.{name}"):
            return None
        raise


__all__ += ["core", "diagnostics", "docs", "expressions", "loader", "model", "optional_submodule", "parser",
            "rst_policy", "rules", "source"]
