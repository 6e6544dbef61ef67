"""Report: diagnostics -> text, JSON, SARIF or GitHub workflow commands.

Pure functions: they take diagnostics and return strings.  The text format
is GCC's, with QEMU's include chain and definition context::

    In file included from qapi-schema.json:12:
    qapi/run-state.json: In event 'SHUTDOWN':
    qapi/run-state.json:131:5: error: member 'guest' ... [QD311]
    qapi/run-state.json:120:3: note: previous definition
"""

from __future__ import annotations

from collections.abc import Iterable

from . import __version__
from .diagnostics import Diagnostic
from .rules import ALL_RULES, Rule, Severity

TYPE_CHECKING = False     # (as typing's: importing typing costs qapidoc check 2 % of its time)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FORMATS", "format_diagnostics", "format_github", "format_json", "format_sarif", "format_text"]


def _location(diag: Diagnostic) -> str:
    if diag.span is None:
        return diag.path or "<unknown>"
    line, col = diag.span.file.line_col(diag.span.start)
    return f"{diag.span.file.path}:{line}:{col}"


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    lines: list[str] = []
    last_context: tuple[str, str, str] | None = None
    last_chain: tuple[str, ...] = ()
    for diag in diagnostics:
        chain: tuple[str, ...] = ()
        if diag.span is not None:
            chain = tuple(f"{s.file.path}:{s.line}" for s in diag.span.file.include_chain())
        if chain != last_chain:
            lines.extend(f"In file included from {where}:" for where in chain)
            last_chain = chain
        context = diag.context
        if context is not None:
            key = (context.span.file.path, context.meta, context.name)
            if key != last_context:
                lines.append(f"{context.span.file.path}: In {context.meta} '{context.name}':")
            last_context = key
        else:
            last_context = None
        severity = diag.level.value
        first, *rest = diag.message.split("\n")
        lines.append(f"{_location(diag)}: {severity}: {first} [{diag.code}]")
        lines.extend(rest)
        for note in diag.notes:
            where = str(note.span) if note.span is not None else _location(diag)
            lines.append(f"{where}: note: {note.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def _as_dict(diag: Diagnostic) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": diag.code,
        "rule": diag.rule.name,
        "severity": diag.level.value,
        "message": diag.message,
        "file": diag.file_path,
    }
    if diag.span is not None:
        line, col = diag.span.file.line_col(diag.span.start)
        end_line, end_col = diag.span.file.line_col(max(diag.span.start, diag.span.end))
        out.update(line=line, column=col, end_line=end_line, end_column=end_col,
                   include_chain=[{"file": s.file.path, "line": s.line}
                                  for s in diag.span.file.include_chain()])
    if diag.context is not None:
        out["definition"] = {"meta": diag.context.meta, "name": diag.context.name,
                             "line": diag.context.span.line}
    if diag.notes:
        out["notes"] = [{"message": n.message, "file": n.span.file.path if n.span else None,
                         "line": n.span.line if n.span else None} for n in diag.notes]
    return out


def format_json(diagnostics: Iterable[Diagnostic]) -> str:
    import json  # only here: the text format, the common case, does not need it

    return json.dumps([_as_dict(d) for d in diagnostics], indent=2) + "\n"


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "help": {"text": f"{rule.summary}\n\nWhy: {rule.why}\n\nExample: {rule.example}"},
    }


def format_sarif(diagnostics: Iterable[Diagnostic]) -> str:
    """SARIF 2.1.0, the format code-scanning UIs read."""
    import json  # only here: the text format, the common case, does not need it

    diags = list(diagnostics)
    index = {rule.code: i for i, rule in enumerate(ALL_RULES)}
    results = []
    for diag in diags:
        result: dict[str, Any] = {
            "ruleId": diag.code,
            "ruleIndex": index[diag.code],
            "level": _SARIF_LEVEL[diag.level],
            "message": {"text": diag.message},
        }
        if diag.file_path is not None:
            location: dict[str, Any] = {"artifactLocation": {"uri": diag.file_path}}
            if diag.span is not None:
                line, col = diag.span.file.line_col(diag.span.start)
                end_line, end_col = diag.span.file.line_col(max(diag.span.start, diag.span.end))
                location["region"] = {"startLine": line, "startColumn": col,
                                      "endLine": end_line, "endColumn": end_col}
            result["locations"] = [{"physicalLocation": location}]
        if diag.notes:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": n.message},
                 "physicalLocation": {"artifactLocation": {"uri": n.span.file.path},
                                      "region": {"startLine": n.span.line, "startColumn": n.span.column}}}
                for i, n in enumerate(diag.notes) if n.span is not None]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "qapidoc", "version": __version__,
                "informationUri": "https://example.invalid/qapidoc",
                "rules": [_sarif_rule(rule) for rule in ALL_RULES],
            }},
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


_GH_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request."""
    lines = []
    for diag in diagnostics:
        props = []
        if diag.file_path is not None:
            props.append(f"file={_gh_escape(diag.file_path, prop=True)}")
        if diag.span is not None:
            line, col = diag.span.file.line_col(diag.span.start)
            end_line, end_col = diag.span.file.line_col(max(diag.span.start, diag.span.end))
            props += [f"line={line}", f"col={col}", f"endLine={end_line}"]
            if end_line == line:
                props.append(f"endColumn={end_col}")
        props.append(f"title={_gh_escape(f'{diag.code} {diag.rule.name}', prop=True)}")
        lines.append(f"::{_GH_LEVEL[diag.level]} {','.join(props)}::{_gh_escape(diag.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


FORMATS = {"text": format_text, "json": format_json, "sarif": format_sarif, "github": format_github}


def format_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str = "text") -> str:
    return FORMATS[fmt](diagnostics)
