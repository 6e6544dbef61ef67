"""``python -m qapidoc.cli``: the same as the ``qapidoc`` command."""

import sys

from .main import main

sys.exit(main())
