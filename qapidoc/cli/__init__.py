"""The command line: ``qapidoc SUBCOMMAND ...``.

``main.py`` parses the command line and runs one subcommand; each
subcommand is one module here (``check``, ``lint``, ``jsonschema``,
``validate``, ``diff``), imported only when chosen, with
``add_arguments(parser)`` and ``run(args) -> int``.  ``common.py`` holds
what they share: exit codes and the options that load schemas.
"""

from .main import entry_point, main

__all__ = ["entry_point", "main"]
