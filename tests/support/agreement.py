"""Whether qapidoc's verdict on a schema agrees with QEMU's.

QEMU stops at its first error and reports it at a line: for a semantic
error, the first line of the definition (after an ``In META 'NAME':`` line
from 4.2 on); for a doc-comment error before 9.0, the first line of the
comment or the line where the parser noticed it (an empty section at the
line that ends it).  qapidoc reports at the narrowest place and names the
definition.  So qapidoc's first error agrees with QEMU's when it spans
QEMU's file and line, or lies inside the definition (or directive) that
starts there (and, when QEMU names the definition, it is that one), or in
the same doc comment.
"""

from __future__ import annotations

import os
from typing import Any

from qapidoc import LoadResult
from qapidoc.diagnostics import Diagnostic
from qapidoc.frontend.parser import TopExpr, parse
from qapidoc.rules import Severity

__all__ = ["disagreement"]


def _same_file(ours: str, qemu: str) -> bool:
    if os.path.isabs(qemu):
        return os.path.abspath(ours) == os.path.normpath(qemu)
    return os.path.basename(ours) == os.path.basename(qemu)


def disagreement(result: LoadResult, qemu: dict[str, Any], *, first_only: bool = True) -> str | None:
    """None when ``result`` agrees with QEMU's verdict ``qemu`` (as from
    :func:`support.qemu_frontend.parse_error_text` or
    :class:`support.qemu_frontend.QemuFrontend`); else what differs.

    With ``first_only`` (the default), qapidoc's first error must be at
    QEMU's place; without, any of its errors may be (QEMU stops at its first
    error, and where several are in one input, the order in which the
    stages find them differs between releases)."""
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    if not first_only and qemu["verdict"] == "error" and errors:
        for error in errors:
            if _at_qemu_place(result, error, qemu):
                return None
        errors = errors[:1]
    if qemu["verdict"] == "ok":
        if errors:
            first = errors[0]
            return f"QEMU accepts; qapidoc: {first.span or first.path}: {first.message} [{first.rule.code}]"
        return None
    if not errors:
        return f"QEMU: {qemu['file']}:{qemu['line']}: {qemu['message']}; qapidoc accepts"
    first = errors[0]
    if _at_qemu_place(result, first, qemu):
        return None
    where = f"qapidoc: {first.span or first.path}: {first.message.splitlines()[0]} [{first.rule.code}]"
    return f"QEMU: {qemu['file']}:{qemu['line']}: {qemu['message']}; {where}"


def _at_qemu_place(result: LoadResult, error: Diagnostic, qemu: dict[str, Any]) -> bool:
    """Whether ``error`` is where QEMU reported its error."""
    if qemu["line"] is None:
        # QEMU could not read the root: neither has a line.
        return error.span is None
    span = error.span
    if span is None:
        return False
    if _same_file(span.file.path, qemu["file"]) and span.line <= qemu["line"] <= span.file.line_of(span.end):
        return True
    context = error.context
    if context is not None and context.span.file is span.file and span.start >= context.span.start \
            and _same_file(context.span.file.path, qemu["file"]) and context.span.line == qemu["line"] \
            and (qemu["meta"] is None or (context.meta, context.name) == (qemu["meta"], qemu["name"])):
        return True
    if context is None and _same_file(span.file.path, qemu["file"]):
        # A directive (include, pragma): QEMU reports at its first line.
        for item in parse(span.file).items:
            if isinstance(item, TopExpr) and item.node.start <= span.start < item.node.end \
                    and span.file.line_of(item.node.start) == qemu["line"]:
                return True
    if qemu["meta"] is None:
        for doc in result.docs:
            raw = doc.raw
            if raw.file is span.file and raw.start <= span.start <= raw.end \
                    and _same_file(raw.file.path, qemu["file"]) \
                    and raw.span.line <= qemu["line"] <= raw.file.line_of(raw.end - 1):
                return True
    return False
