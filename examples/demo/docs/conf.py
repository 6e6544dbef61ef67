"""The demo schema's reference manual, built by qapidoc's Sphinx extension.

    sphinx-build -b html examples/demo/docs build/demo/html
"""

extensions = ["qapidoc_sphinx"]
project = "Demo QMP reference"
nitpicky = True
html_theme = "alabaster"
