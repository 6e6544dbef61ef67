"""Issue 10, class 3: bad input gives a diagnostic at its place and a clean
exit, never a traceback, a hang or memory without bound.

Each reproducer of the issue, and its neighbours, runs through the real
command line (in a subprocess where the locale, a FIFO or a timeout
matters) and through one real ``sphinx-build`` of all of them at once.
"""

from __future__ import annotations

import html as html_module
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import ROOT

from qapidoc.cli import main
from qapidoc.cli.validate import _path_matches

SUBCOMMANDS = ("check", "dump", "lint", "jsonschema", "validate", "diff")


def _argv(command: str, schema: Path, tmp: Path) -> list[str]:
    extra = {"lint": ["--no-config"], "jsonschema": ["-o", str(tmp / "out")], "validate": [os.devnull],
             "diff": [str(schema)]}
    return [command, str(schema), *extra.get(command, [])]


def _in_process(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out + err


def _cli(*argv: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "qapidoc.cli", *argv], capture_output=True, text=True,
                          check=False, timeout=timeout, errors="replace",
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done


def _nested_conditions(depth: int) -> str:
    """A command whose 'if' nests ``depth`` levels of objects in all."""
    cond = "'CONFIG_X'"
    for _ in range(depth - 1):
        cond = f"{{ 'not': {cond} }}"
    return f"##\n# @cmd:\n#\n# Since: 1.0\n##\n{{ 'command': 'cmd', 'if': {cond} }}\n"


# --- nesting -----------------------------------------------------------------------------

@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_nesting_beyond_the_limit_is_a_diagnostic_at_its_bracket(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    schema = tmp_path / "deep.json"
    schema.write_text("[" * 493 + "\n")
    code, text = _in_process(capsys, _argv(command, schema, tmp_path))
    assert code in (1, 2)
    assert f"{schema}:1:101: error: nesting deeper than 100 levels of objects and lists [QD131]" in text


def test_nesting_in_objects_and_with_content_after(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "deep.json"
    schema.write_text("{ 'struct': 'A', 'data': " + "{ 'a': " * 200 + "'str'" + " }" * 200 + " }\n"
                      "{ 'struct': 'Other', 'data': { 'b': 'Nope' } }\n")
    code, text = _in_process(capsys, ["check", str(schema)])
    assert code == 1
    assert "[QD131]" in text and "'Nope'" in text      # checking went on after it


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_nesting_at_the_limit_works_everywhere(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               command: str) -> None:
    """100 levels is accepted, and no later stage runs out of stack on it."""
    schema = tmp_path / "deep.json"
    schema.write_text(_nested_conditions(100))
    code, text = _in_process(capsys, _argv(command, schema, tmp_path))
    assert code == 0, text
    schema.write_text(_nested_conditions(101))
    code, text = _in_process(capsys, ["check", str(schema)])
    assert code == 1 and "[QD131]" in text


def test_deep_json_in_an_example_and_in_traffic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = "[" * 600 + "]" * 600
    schema = tmp_path / "ex.json"
    schema.write_text(f"##\n# @cmd:\n#\n# .. qmp-example::\n#\n#    -> {{ \"execute\": \"cmd\", "
                      f"\"id\": {deep} }}\n#    <- {{ \"return\": {{}} }}\n##\n{{ 'command': 'cmd' }}\n")
    code, text = _in_process(capsys, ["lint", "--no-config", str(schema)])
    assert code == 1 and "nested too deeply" in text and f"{schema}:6:" in text
    log = tmp_path / "deep.log"
    log.write_text('{"execute": "cmd", "id": ' + "[" * 5000 + "]" * 5000 + "}\n" + "[" * 100_000 + "\n")
    code, text = _in_process(capsys, ["validate", str(schema), str(log)])
    assert code == 1 and "checked 2 messages" in text


# --- what the loader reads -----------------------------------------------------------------

def test_a_nul_in_an_include_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "nul.json"
    schema.write_text("{ 'include': 'a\\u0000b.json' }\n")
    code, text = _in_process(capsys, ["check", "--dialect", "2.10", str(schema)])
    assert code == 1
    assert f"{schema}:1:1: error: can't read include file" in text and "holds a NUL character [QD110]" in text


@pytest.mark.parametrize(("target", "kind"), [("/dev/zero", "a character device"), ("/dev/null", "a character device"),
                                              ("DIR", "a directory"), ("FIFO", "a FIFO")])
def test_only_regular_files_are_read(tmp_path: Path, target: str, kind: str) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    target = {"DIR": str(tmp_path), "FIFO": str(fifo)}.get(target, target)
    schema = tmp_path / "inc.json"
    schema.write_text(f"{{ 'include': '{target}' }}\n")
    done = _cli("check", str(schema), timeout=30)
    assert done.returncode == 1
    assert f"it is {kind}, not a regular file [QD110]" in done.stdout
    done = _cli("check", target, timeout=30)          # as the root file
    assert done.returncode == 2 and f"it is {kind}, not a regular file [QD130]" in done.stdout


def test_the_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.json"
    with open(big, "wb") as f:
        f.truncate(3 << 30)                 # a sparse 3 GiB file: refused before reading
    schema = tmp_path / "inc.json"
    schema.write_text("{ 'include': 'big.json' }\n")
    start = time.monotonic()
    code, text = _in_process(capsys, ["check", str(schema)])
    assert time.monotonic() - start < 10
    assert code == 1 and "more than 67,108,864 bytes together" in text and "--max-schema-size" in text
    small = tmp_path / "small.json"
    small.write_text("{ 'include': 'x.json' }\n")
    (tmp_path / "x.json").write_text("{ 'enum': 'E', 'data': [ 'a' ] }\n" * 10)
    code, text = _in_process(capsys, ["check", "--max-schema-size", "100", str(small)])
    assert code == 1 and "more than 100 bytes together" in text
    code, text = _in_process(capsys, ["check", "--max-schema-size", "1K", str(small)])
    assert code == 1 and "more than" not in text   # only the duplicate enum
    code, text = _in_process(capsys, ["check", "--max-schema-size", "lots", str(small)])
    assert code == 2 and "not a size" in text


# --- bytes and characters ----------------------------------------------------------------------

BAD_BYTES = b"##\n# @cmd:\n#\n# Caf\xe9 au lait.\n#\n# Since: 1.0\n##\n{ 'command': 'cmd' }\n"


@pytest.mark.parametrize("env", [{"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8", "PYTHONUTF8": "0"},
                                 {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
                                 {"PYTHONIOENCODING": "latin-1"}])
def test_a_byte_that_is_not_utf8_is_reported_at_its_place(tmp_path: Path, env: dict[str, str]) -> None:
    schema = tmp_path / "latin.json"
    schema.write_bytes(BAD_BYTES)
    done = _cli("check", str(schema), **env)
    assert done.returncode == 1
    assert done.stdout == (f"{schema}:4:6: error: byte 0xe9 is not UTF-8 (schema files are UTF-8); "
                           "read as U+FFFD [QD132]\n")


def test_bad_bytes_write_no_json_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "latin.json"
    schema.write_bytes(BAD_BYTES.replace(b"{ 'command'", b"{ 'command': 'x\xff', 'data': {} }\n{ 'command'"))
    code, text = _in_process(capsys, ["jsonschema", str(schema), "-o", str(tmp_path / "out")])
    assert code == 1 and "nothing written" in text and text.count("[QD132]") == 2
    assert not (tmp_path / "out").exists()


def test_many_bad_bytes_are_reported_within_bounds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "binary.json"
    schema.write_bytes(bytes(range(128, 256)) * 400)
    code, text = _in_process(capsys, ["check", str(schema)])
    assert code == 1 and text.count("[QD132]") == 21 and "more byte sequences that are not UTF-8" in text


def test_text_with_lone_surrogates_given_to_load_text() -> None:
    """A caller's text decoded with surrogateescape: its stray characters are
    reported like bad bytes, and nothing after them moves."""
    from qapidoc import load_text

    result = load_text("x.json", "##\n# @cmd:\n#\n# caf\udce9 \ud800\n#\n# Since: 1.0\n##\n{ 'command': 'cmd' }\n")
    found = [(d.code, str(d.span)) for d in result.diagnostics]
    assert found[:2] == [("QD132", "x.json:4:6"), ("QD132", "x.json:4:8")], found
    assert result.schema is not None and "cmd" in result.schema.entities


def test_a_surrogate_escape_in_a_schema_string(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "old.json"
    schema.write_text("{ 'command': 'x\\ud800y' }\n")
    code, text = _in_process(capsys, ["check", "--dialect", "2.10", str(schema)])
    assert code == 1 and "1:16: error: \\ud800 is a lone UTF-16 surrogate, not a character [QD101]" in text


def _example_schema(tmp_path: Path, message: str) -> Path:
    schema = tmp_path / "ex.json"
    schema.write_text("##\n# @cmd:\n#\n# @a: a string\n#\n# .. qmp-example::\n#\n"
                      f"#    -> {message}\n#    <- {{ \"return\": {{}} }}\n##\n"
                      "{ 'command': 'cmd', 'data': { '*a': 'str' } }\n")
    return schema


@pytest.mark.parametrize("message", [
    '{ "execute": "cmd", "arguments": { "a": "\\ud800" } }',
    '{ "execute": "cmd", "arguments": { "\\udc00": "x" } }',
    '{ "execute": "cmd", "arguments": { "a": "x\\ude00\\ud83d" } }',
])
def test_a_lone_surrogate_in_an_example(tmp_path: Path, capsys: pytest.CaptureFixture[str], message: str) -> None:
    schema = _example_schema(tmp_path, message)
    code, text = _in_process(capsys, ["lint", "--no-config", str(schema)])
    assert code == 1 and "is a lone UTF-16 surrogate, not a character [QD501]" in text and f"{schema}:8:" in text
    for fmt in ("json", "sarif", "github"):
        _in_process(capsys, ["lint", "--no-config", "--format", fmt, str(schema)])
    out = tmp_path / "out"
    code, text = _in_process(capsys, ["jsonschema", "--examples", str(schema), "-o", str(out)])
    assert code == 0
    for path in out.rglob("*.json"):
        path.read_bytes().decode("utf-8")          # every file is valid UTF-8
        assert "\\ud8" not in path.read_text() and "\\udc" not in path.read_text()


def test_a_surrogate_pair_in_an_example_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = _example_schema(tmp_path, '{ "execute": "cmd", "arguments": { "a": "\\ud83d\\ude00" } }')
    assert _in_process(capsys, ["lint", "--no-config", str(schema)])[0] == 0


# --- algorithms that must stay linear -----------------------------------------------------

def test_placeholder_patterns_with_many_globstars(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pattern = ("**",) * 20 + ("x",)
    path = ("a",) * 60
    start = time.monotonic()
    assert not _path_matches(pattern, path)
    assert _path_matches(pattern, (*path, "x"))
    assert time.monotonic() - start < 1
    schema = _example_schema(tmp_path, '{ "execute": "cmd" }')
    log = tmp_path / "log"
    log.write_text('{"execute": "cmd", "arguments": {"a": 1}}\n')
    code, text = _in_process(capsys, ["validate", str(schema), str(log), "--placeholder", "**." * 30 + "a"])
    assert code == 1 and "matched nothing" in text      # 1 is not a string: not tolerated


def test_placeholder_matching_agrees_with_the_definition() -> None:
    """Against the obvious recursive definition, on every short case."""
    import itertools

    def reference(pattern: tuple[str, ...], path: tuple[str | int, ...]) -> bool:
        if not pattern:
            return True
        head, rest = pattern[0], pattern[1:]
        if head == "**":
            return any(reference(rest, path[i:]) for i in range(len(path) + 1))
        return bool(path) and head in ("*", str(path[0])) and reference(rest, path[1:])

    parts = ["**", "*", "a", "0"]
    for n in range(5):
        for pattern in itertools.product(parts, repeat=n):
            for m in range(4):
                for path in itertools.product(["a", 0, "b"], repeat=m):
                    assert _path_matches(pattern, path) == reference(pattern, path), (pattern, path)


def test_the_qmp_lexer_is_linear_in_line_length() -> None:
    from sphinx_ext.lexer import QmpLexer

    def cost(n: int) -> float:
        line = "-> { " + "... a" * n + " " + "x" * n + ' "' + "y" * n
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for _token in QmpLexer().get_tokens_unprocessed(line):
                pass
            best = min(best, time.perf_counter() - start)
        return best

    small, large = cost(2_000), cost(16_000)
    assert large < 20 * small, (small, large)      # quadratic would be 64 times


# --- memory --------------------------------------------------------------------------------------

def _peak_rss(schema: Path) -> float:
    """Through the benchmarks' launcher: a child started by pytest itself
    would be reported at no less than pytest's own peak RSS."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from processes import Launcher
    finally:
        sys.path.pop(0)
    with Launcher() as launcher:
        run = launcher.checked([sys.executable, "-m", "qapidoc.cli", "check", str(schema)],
                               {**os.environ, "PYTHONPATH": str(ROOT)})
    return run.rss * 2**20


@pytest.mark.slow
def test_check_takes_a_bounded_memory_per_byte(tmp_path: Path) -> None:
    """A small-scale version of benchmarks/bench_memory.py: the memory that
    ``qapidoc check`` takes per byte of schema (the slope between two
    sizes, which leaves out the interpreter's own)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_check import synthetic_schema
    finally:
        sys.path.pop(0)
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    small.write_text(synthetic_schema(100))
    large.write_text(synthetic_schema(800))
    grown = _peak_rss(large) - _peak_rss(small)
    per_byte = grown / (large.stat().st_size - small.stat().st_size)
    assert per_byte < 24, f"{per_byte:.1f} bytes of memory per byte of schema"


def _traced_peak(text: str) -> int:
    from qapidoc.frontend.loader import LoadOptions, load_text

    tracemalloc.start()
    try:
        load_text("/nonexistent/synthetic.json", text, LoadOptions(keep_docs=False))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_loading_lets_each_syntax_tree_go() -> None:
    """The memory a load for ``check`` traces per byte of schema
    (tracemalloc: the same on every run, unlike RSS), as the slope between
    two sizes: the syntax trees go while the definitions are checked, so
    that the trees and the model never take memory together.  (A loop
    variable of the loader's that kept the last file's parse alive made
    it 23 bytes a byte; it is 16.)"""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_check import synthetic_schema
    finally:
        sys.path.pop(0)
    _traced_peak(synthetic_schema(10))      # compiled patterns and other caches
    small, large = synthetic_schema(50), synthetic_schema(200)
    grown = _traced_peak(large) - _traced_peak(small)
    per_byte = grown / (len(large.encode()) - len(small.encode()))
    assert per_byte < 19, f"{per_byte:.1f} bytes traced per byte of schema"


# --- the Sphinx build ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str], float]:
    """One ``sphinx-build`` of a page per hostile schema."""
    from support.sphinx_projects import run_sphinx, small_project

    base = tmp_path_factory.mktemp("hostile")
    schemas = base / "schemas"
    schemas.mkdir()
    (schemas / "deep.json").write_text("[" * 493 + "\n")
    (schemas / "limit.json").write_text(_nested_conditions(100))
    (schemas / "latin.json").write_bytes(BAD_BYTES)
    (schemas / "nul.json").write_text("{ 'include': 'a\\u0000b.json' }\n")
    (schemas / "zero.json").write_text("{ 'include': '/dev/zero' }\n")
    os.mkfifo(schemas / "fifo.json")
    (schemas / "fifoinc.json").write_text("{ 'include': 'fifo.json' }\n")
    _example_schema(schemas, '{ "execute": "cmd", "arguments": { "a": "\\ud800" } }').rename(schemas / "sur.json")
    long_line = '{ "execute": "cmd", "arguments": { ' + "... a" * 40_000 + " } }"      # 200 KB
    _example_schema(schemas, long_line).rename(schemas / "long.json")
    names = ["deep", "limit", "latin", "nul", "zero", "fifoinc", "sur", "long"]
    pages = {n: f"{n}\n{'=' * len(n)}\n\n.. qapi-doc:: {schemas / n}.json\n   :namespace: Q{n.upper()}\n"
             for n in names}
    src = small_project(base / "src", pages)
    start = time.monotonic()
    proc = run_sphinx(src, base / "html", "-b", "html", "-q")
    return schemas, proc, time.monotonic() - start


@pytest.mark.slow
def test_the_manual_builds_and_warns_at_each_place(
        hostile_build: tuple[Path, subprocess.CompletedProcess[str], float]) -> None:
    schemas, proc, seconds = hostile_build
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception occurred" not in proc.stderr
    warnings = proc.stderr
    assert f"{schemas}/deep.json:1: WARNING: nesting deeper than 100 levels" in warnings
    assert f"{schemas}/latin.json:4: WARNING: byte 0xe9 is not UTF-8" in warnings
    assert f"{schemas}/nul.json:1: WARNING: can't read include file" in warnings
    assert f"{schemas}/zero.json:1: WARNING: can't read include file '/dev/zero': it is a character device" \
        in warnings
    assert f"{schemas}/fifoinc.json:1: WARNING: can't read include file" in warnings
    assert f"{schemas}/sur.json:8: WARNING: invalid JSON in example: '\\ud800' is a lone UTF-16 surrogate" \
        in warnings
    assert f"{schemas}/limit.json" not in warnings
    html = schemas.parent / "html"
    # (pages that show a schema write characters beyond Latin-1 as references)
    assert "Caf\ufffd au lait." in html_module.unescape((html / "latin.html").read_text())
    assert (html / "long.html").read_text().count("...") >= 40_000     # the long example, highlighted
    assert seconds < 60, f"the build took {seconds:.0f} s (a 200 KB example line once took 32 s alone)"
