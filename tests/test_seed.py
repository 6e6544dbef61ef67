"""The file the project was created from: QEMU's qapi/event.json of May 2017,
both as it is and as it reached us (a commit message on top, indentation and
blank lines lost)."""

from __future__ import annotations

import pathlib

import pytest

from qapidoc import LoadOptions, LoadResult, load_schema, rules
from qapidoc.cli import main
from qapidoc.frontend.dump import dump_docs


def _seed(shared: pathlib.Path, name: str, **options: object) -> LoadResult:
    return load_schema(str(shared / "seed" / name), LoadOptions(**options))  # type: ignore[arg-type]


def _unknown_types(result: LoadResult) -> list[str]:
    return [d.message.split("'")[-2] for d in result.diagnostics if d.rule is rules.UNKNOWN_TYPE]


def test_event_json_alone_reports_each_unresolved_type_once(shared_dir: pathlib.Path) -> None:
    result = _seed(shared_dir, "event.json")
    unknown = _unknown_types(result)
    assert unknown, "its types live in other modules"
    assert len(unknown) == len(set(unknown)), "each unresolved type is reported once"
    assert all(d.rule is rules.UNKNOWN_TYPE for d in result.diagnostics)
    assert str(result.dialect) == "2.10"


def test_module_flag_turns_unresolved_types_into_warnings(shared_dir: pathlib.Path) -> None:
    strict = _seed(shared_dir, "event.json")
    alone = _seed(shared_dir, "event.json", module_alone=True)
    assert sorted(_unknown_types(alone)) == sorted(_unknown_types(strict))
    assert all(d.level is rules.Severity.WARNING for d in alone.diagnostics)
    assert alone.schema is not None
    # Every event is still in the model: nothing was dropped for a missing type.
    events = {e.name for e in alone.schema.events()}
    assert len(events) == 29 and {"SHUTDOWN", "RESET", "WATCHDOG", "QUORUM_FAILURE"} <= events
    assert main(["check", "--module", str(shared_dir / "seed" / "event.json")]) == 0
    assert main(["check", str(shared_dir / "seed" / "event.json")]) == 1


def test_scraped_text_gets_one_clear_error_at_line_one(shared_dir: pathlib.Path) -> None:
    result = _seed(shared_dir, "000_ec7993f7b68e3985.txt", module_alone=True)
    errors = [d for d in result.diagnostics if d.level is rules.Severity.ERROR]
    assert len(errors) == 1
    error = errors[0]
    assert error.rule is rules.NOT_QAPI
    assert error.span is not None and (error.span.line, error.span.column) == (1, 1)
    assert "qemu-e2k/qapi/event.json" in error.message
    text = (shared_dir / "seed" / "000_ec7993f7b68e3985.txt").read_text().splitlines()
    body_start = text.index("# -*- Mode: Python -*-") + 1
    assert f"resumes at line {body_start + 1}" in error.message


def test_scraped_body_parses_like_event_json(shared_dir: pathlib.Path) -> None:
    original = _seed(shared_dir, "event.json", module_alone=True)
    scraped = _seed(shared_dir, "000_ec7993f7b68e3985.txt", module_alone=True)
    assert original.schema is not None and scraped.schema is not None

    def facts(result: LoadResult) -> list[tuple[str, str, tuple[str, ...]]]:
        assert result.schema is not None
        out = []
        for definition in result.schema.definitions:
            data = getattr(definition, "data", None)
            members = tuple(f"{m.name}:{m.type}:{m.optional}" for m in data) if isinstance(data, tuple) else ()
            out.append((definition.meta, definition.name, members))
        return out

    assert facts(scraped) == facts(original)
    # Doc comments agree too (2017 doc text is stripped, so lost indentation
    # changes nothing but the examples' continuation lines).
    assert dump_docs(scraped).replace(" ", "") == dump_docs(original).replace(" ", "")
    assert len(scraped.docs) == len(original.docs) == 30


@pytest.mark.parametrize("name", ["event.json", "000_ec7993f7b68e3985.txt"])
def test_no_traceback_from_the_command_line(shared_dir: pathlib.Path, name: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(shared_dir / "seed" / name)])
    out = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out.out + out.err
