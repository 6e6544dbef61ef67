"""``.. qapi-changelog::``: what each release changed, on a page of the manual.

With ``qapidoc_history`` set in ``conf.py``::

    .. qapi-changelog::
       :namespace: QMP
       :from: 7.2

renders the changelog of ``qapidoc history --changelog`` (newest release
first, one section per release, breaking changes first), each entry linked
to its definition where the manual has it (and shown as text where it does
not: a definition removed since).  :func:`changelog_lines` writes the rST
and knows nothing of Sphinx.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from . import rstgen
from ._core import optional_submodule
from .directives import parse_generated
from .history import read_histories

__all__ = ["QapiChangelogDirective", "changelog_lines"]

logger = logging.getLogger(__name__)

_QUOTED = re.compile(r"'([^']*)'")
_MARKUP = re.compile(r"([\\*`_|])")


def _text(text: str) -> str:
    """A message as rST: quoted names as literals, markup escaped."""
    out = []
    pos = 0
    for m in _QUOTED.finditer(text):
        out += [_MARKUP.sub(r"\\\1", text[pos:m.start()]), f"``{m.group(1)}``"]
        pos = m.end()
    out.append(_MARKUP.sub(r"\\\1", text[pos:]))
    return "".join(out)


def changelog_lines(history: Any, namespace: str, since: tuple[int, int] | None = None) -> list[str]:
    """The changelog of ``history`` as rST lines: a section per release
    after ``since``, newest first."""
    changelog_mod = optional_submodule("backends.changelog")
    cli = optional_submodule("cli.changelog")
    assert changelog_mod is not None and cli is not None
    releases = [rc for rc in changelog_mod.changelog(history) if since is None or rc.release.version > since]
    current = cli.current_definitions(history)
    lines: list[str] = []
    for rc in reversed(releases):
        title = f"{namespace} {rc.release.label}"
        lines += [title, "-" * len(title), "",
                  f"{_text(rc.release.name)} against {_text(rc.previous.name)}: "
                  f"{_text(cli.summary_text(rc.entries))}.", ""]
        for heading, note, items in cli.sections(rc.entries):
            if not items:
                continue
            lines += [f".. rubric:: {heading} ({len(items)})", ""]
            if note:
                lines += [_text(note), ""]
            lines += [_entry(e, namespace, current) for e in items]
            lines.append("")
    return lines


def _entry(entry: Any, namespace: str, current: frozenset[str]) -> str:
    text = f"- ``{entry.subject}``: {_text(entry.message)}"
    if entry.breaking or entry.client.level == "breaking":
        reason = entry.client.reason
        text += f". {_text(reason[0].upper() + reason[1:])}"
    if entry.definition in current:
        text += f" (:qapi:any:`{entry.definition} <{namespace}:{entry.definition}>`)"
    if entry.also:
        text += f"; also {len(entry.also)} other place{'s' if len(entry.also) > 1 else ''}"
    return text


class QapiChangelogDirective(SphinxDirective):
    """``.. qapi-changelog::`` with ``:namespace:`` (the protocol, default
    QMP) and ``:from:`` (only the releases after X.Y)."""

    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "namespace": directives.unchanged,
        "from": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        histories = read_histories(self.config, str(self.env.srcdir))
        if histories is None:
            if not self.config.qapidoc_history:
                logger.warning("qapi-changelog needs qapidoc_history in conf.py", location=self.get_location(),
                               type="qapi", subtype="history")
            return []
        namespace = (self.options.get("namespace") or "QMP").strip()
        history = histories.by_namespace.get(namespace)
        if history is None:
            logger.warning("qapi-changelog: the history has no protocol %r (it has %s)", namespace,
                           ", ".join(histories.by_namespace), location=self.get_location(), type="qapi",
                           subtype="history")
            return []
        since = None
        if self.options.get("from"):
            releases = optional_submodule("backends.releases")
            assert releases is not None
            since = releases.release_version(self.options["from"])
            if since is None:
                logger.warning("qapi-changelog: :from: takes a release such as 7.2, not %r", self.options["from"],
                               location=self.get_location(), type="qapi", subtype="option")
        source, line = self.get_source_info()
        rendered = rstgen.Rendered(tuple(rstgen.RstLine(text, source, line)
                                         for text in changelog_lines(history, namespace, since)), frozenset())
        saved = self.env.ref_context.get("qapi:namespace")
        self.env.ref_context["qapi:namespace"] = namespace
        try:
            out = parse_generated(self, rendered, titles=True)
        finally:
            if saved is None:
                self.env.ref_context.pop("qapi:namespace", None)
            else:
                self.env.ref_context["qapi:namespace"] = saved
        _quiet(out)
        return out


def _quiet(found: Sequence[nodes.Node]) -> None:
    """Links to definitions this manual does not render are text."""
    for node in found:
        if isinstance(node, nodes.Element):
            for ref in node.findall(addnodes.pending_xref):
                ref["qapi:quiet"] = True
                ref["qapi:generated"] = True
