"""Mutated real schema text never produces a traceback, only diagnostics.

Hypothesis deletes, duplicates and swaps characters and lines of real
schemas (QEMU's, when the shared corpora are present, and the demo schema)
and loads the result; every diagnostic must be well formed: a known rule,
a message, and a span inside the text it points at.
"""

from __future__ import annotations

import pathlib

from conftest import ROOT, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qapidoc import LoadOptions, load_text
from qapidoc.frontend.dialect import NEWEST, OLDEST
from qapidoc.report import format_json, format_sarif, format_text
from qapidoc.rules import ALL_RULES


def _sources() -> list[tuple[str, str]]:
    paths = sorted((ROOT / "examples" / "demo").glob("*.json"))
    shared = shared_path()
    if shared is not None:
        paths = [*paths, shared / "seed" / "event.json",
                  shared / "corpus" / "qemu-7.2" / "qga" / "qapi-schema.json",
                  shared / "corpus" / "qemu-10.2" / "qapi" / "run-state.json",
                  shared / "corpus" / "qemu-10.2" / "qapi" / "block-export.json",
                  shared / "qapi-schema-tests" / "qapi-schema-test.json",
                  shared / "qapi-schema-tests" / "doc-good.json"]
    return [(str(p), p.read_text()) for p in paths]


SOURCES = _sources()
CODES = {rule.code for rule in ALL_RULES}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    path, text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            op = draw(st.sampled_from(["delete", "duplicate", "swap"]))
            if op == "delete":
                del lines[i]
            elif op == "duplicate":
                lines.insert(i, lines[j])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif text:
            i = draw(st.integers(0, len(text) - 1))
            op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
            if op == "delete":
                text = text[:i] + text[i + 1:]
            elif op == "duplicate":
                text = text[:i] + text[i] + text[i:]
            elif op == "swap" and i + 1 < len(text):
                text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
            else:
                char = draw(st.sampled_from([*"{}[]:,'\"#@\\ \n\tx*-", "##", "true", "null", "é"]))
                text = text[:i] + char + text[i:]
    return path, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from([None, OLDEST, (6, 2), NEWEST]))
def test_mutated_schema_gives_diagnostics_not_tracebacks(
        case: tuple[str, str], dialect: tuple[int, int] | None) -> None:
    path, text = case
    # Includes are resolved relative to the original file, as for a real edit.
    result = load_text(path, text, LoadOptions(dialect=dialect, module_alone=True))
    for diag in result.diagnostics:
        assert diag.code in CODES
        assert diag.message
        if diag.span is not None:
            assert 0 <= diag.span.start <= diag.span.end <= len(diag.span.file.text)
            assert diag.span.line >= 1
    # The formatters take anything the stages produce.
    format_text(result.diagnostics)
    format_json(result.diagnostics)
    format_sarif(result.diagnostics)


def test_sources_are_real() -> None:
    assert SOURCES, "the demo schema must exist"
    assert all(pathlib.Path(p).exists() for p, _ in SOURCES)
