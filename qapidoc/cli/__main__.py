"""``python -m qapidoc.cli``: the same as the ``qapidoc`` command."""

from .main import entry_point

entry_point()
