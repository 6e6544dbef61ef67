"""docutils behind QD601, imported only when ``--rst-docutils`` asks.

Parses one section's text with the directives and roles that Sphinx and
QEMU add registered as harmless stand-ins (the structural checks report
unknown ones), with ``raw`` and file insertion disabled, and returns the
warnings and errors docutils raises, each with its line in the text.
"""

from __future__ import annotations

import io
from typing import Any

import docutils.frontend
import docutils.nodes
import docutils.parsers.rst
import docutils.utils
from docutils.parsers.rst import Directive, directives, roles

from .rst_checks import KNOWN_DIRECTIVES, KNOWN_ROLES, UNSAFE_DIRECTIVES

__all__ = ["DocutilsChecker"]


class _AnyOptions(dict[str, Any]):
    """Every option is allowed, with any value."""

    def __getitem__(self, key: str) -> Any:
        return directives.unchanged

    def __contains__(self, key: object) -> bool:
        return True


class _StandIn(Directive):  # type: ignore[misc]
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec: Any = _AnyOptions()

    def run(self) -> list[Any]:
        return [docutils.nodes.literal_block("\n".join(self.content), "\n".join(self.content))]


def _stand_in_role(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                   options: Any = None, content: Any = None) -> tuple[list[Any], list[Any]]:
    return [docutils.nodes.literal(rawtext, text)], []


class DocutilsChecker:
    def __init__(self) -> None:
        # What docutils itself knows (its registries are module dicts).
        own_directives = set(getattr(directives, "_directive_registry", {}))
        own_roles = set(getattr(roles, "_role_registry", {})) | set(getattr(roles, "_roles", {}))
        for name in KNOWN_DIRECTIVES - UNSAFE_DIRECTIVES - own_directives:
            directives.register_directive(name, _StandIn)
        for name in KNOWN_ROLES - own_roles:
            roles.register_local_role(name, _stand_in_role)
        self.parser = docutils.parsers.rst.Parser()
        self.settings = docutils.frontend.get_default_settings(docutils.parsers.rst.Parser)
        self.settings.report_level = 5
        self.settings.halt_level = 5
        self.settings.warning_stream = io.StringIO()
        self.settings.raw_enabled = False
        self.settings.file_insertion_enabled = False
        self.settings.default_role = "any"

    def check(self, text: str) -> list[tuple[int, str]]:
        document = docutils.utils.new_document("<doc>", self.settings)
        found: list[tuple[int, str]] = []

        def observe(msg: Any) -> None:
            if msg["level"] >= 2:
                text = msg.children[0].astext() if msg.children else msg.astext()
                level = {2: "warning", 3: "error"}.get(msg["level"], "severe")
                found.append((int(msg.get("line") or 1), f"docutils {level}: {text.splitlines()[0]}"))
        document.reporter.attach_observer(observe)
        try:
            self.parser.parse(text, document)
        except Exception as exc:  # docutils should not raise, but a doc comment must not crash us
            found.append((1, f"docutils failed: {exc}"))
        return found
