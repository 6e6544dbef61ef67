"""What keeps ``qapidoc check`` fast as a whole process.

Timing is too noisy on shared machines to pin here (benchmarks/bench_check.py
measures it beside QEMU's own front end); these tests pin what the speed
rests on instead:

* the modules ``qapidoc check`` imports: none of the costly ones it does
  not need (``dataclasses`` alone, with the classes it builds, was half of
  the start-up);
* no Python source is compiled while it runs (typing.NamedTuple compiles
  a ``__new__`` for each class, and string annotations: qapidoc.records
  makes its named tuples without; the first compile() of a process is
  costly);
* the cyclic collector never runs once the schema is loaded (it would
  scan all of it);
* the entry point's fast exit (os._exit after a check): everything written
  still comes out, with the right exit code, also through a pipe;
* the benchmark itself runs and reports a ratio, in both interpreters,
  with peak RSS figures free of the benchmark's own memory.
"""

from __future__ import annotations

import importlib
import io
import os
import pathlib
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from qapidoc.cli import main

SCHEMA = """\
##
# @Colour:
#
# A colour.
#
# @red: Red.
#
# @blue: Blue.
#
# Since: 1.0
##
{ 'enum': 'Colour', 'data': [ 'red', 'blue' ] }

##
# @paint:
#
# Paint something.
#
# @colour: Which colour.
#
# Since: 1.0
##
{ 'command': 'paint', 'data': { 'colour': 'Colour' } }
"""

BROKEN = SCHEMA.replace("'data': { 'colour': 'Colour' }", "'data': { 'colour': 'Color' }")

#: modules ``qapidoc check SCHEMA`` must not import: the costly ones it has
#: no use for (argparse is for command lines with options; typing, 1 % of
#: a check, is for the type checker: the code asks ``TYPE_CHECKING``)
NOT_IMPORTED = {"dataclasses", "inspect", "ast", "json", "traceback", "argparse", "shutil", "locale", "gettext",
                "threading", "docutils", "sphinx", "jsonschema", "jsonschema_rs", "pygments", "tomllib", "tomli",
                "typing"}


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT))


def _run(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd, env=_env(),
                          check=False, timeout=120)


def test_check_imports_only_what_it_needs(tmp_path: pathlib.Path) -> None:
    (tmp_path / "s.json").write_text(SCHEMA, encoding="utf-8")
    proc = _run("-X", "importtime", "-m", "qapidoc.cli", "check", "s.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    imported = {m.group(1) for m in re.finditer(r"^import time:.*\|\s*(\S+)$", proc.stderr, re.MULTILINE)}
    assert "qapidoc.frontend.loader" in imported        # the measurement works
    assert not imported & NOT_IMPORTED, sorted(imported & NOT_IMPORTED)


@pytest.mark.parametrize("command", ["check", "dump"])
def test_plain_command_lines_read_as_argparse_would(command: str) -> None:
    """A subcommand and paths alone are read without argparse, to the same
    arguments; anything with an option is left to argparse."""
    cli = importlib.import_module("qapidoc.cli.main")    # the module (the package exports main())
    paths = ["a.json", "with space.json", "b"]
    plain = cli._plain_arguments(command, paths)
    full = cli._subcommand_parser(command).parse_intermixed_args(paths)
    full.command = command
    assert plain is not None and vars(plain) == vars(full)
    for rest in ([], ["a.json", "--module"], ["-"], ["--", "a.json"]):
        assert cli._plain_arguments(command, rest) is None
    assert cli._plain_arguments("lint", paths) is None       # lint has no plain reading


@pytest.mark.parametrize("where", ["cwd", "schema"])
def test_plain_command_lines_honour_the_configuration(tmp_path: pathlib.Path, where: str) -> None:
    """``qapidoc check s.json`` without argparse still reads [tool.qapidoc]
    (near the current directory, else near the schema): the same findings
    and exit code as through argparse, and the configuration changes them."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "s.json").write_text(BROKEN, encoding="utf-8")
    cwd = project if where == "cwd" else tmp_path
    schema = "s.json" if where == "cwd" else "project/s.json"
    before = _run("-m", "qapidoc.cli", "check", schema, cwd=cwd)
    assert before.returncode == 1 and "[QD311]" in before.stdout, before
    (project / "pyproject.toml").write_text('[tool.qapidoc]\nseverity = { QD311 = "warning" }\n', encoding="utf-8")
    plain = _run("-m", "qapidoc.cli", "check", schema, cwd=cwd)
    assert plain.returncode == 0 and "warning: parameter 'colour' uses unknown type" in plain.stdout, plain
    # The same as argparse reads it (an option takes the argparse path).
    full = _run("-m", "qapidoc.cli", "check", "--fail-on", "error", schema, cwd=cwd)
    assert (full.returncode, full.stdout, full.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    (project / "pyproject.toml").write_text('[tool.qapidoc]\nignore = ["QD311"]\n', encoding="utf-8")
    ignored = _run("-m", "qapidoc.cli", "check", schema, cwd=cwd)
    assert (ignored.returncode, ignored.stdout) == (0, ""), ignored


def test_families_are_listed_without_importing_them() -> None:
    """The lint runner names each family's rules itself (so that check need
    not import the families); they are the rules the family's module lists."""
    from qapidoc.lint import example_checks, history_checks, rst_checks, runner
    modules = {"examples": example_checks, "rst": rst_checks, "history": history_checks}
    assert {f.name: f.rules for f in runner.FAMILIES} == {name: m.RULES for name, m in modules.items()}


_SPY = """\
import builtins, sys
compiled = []
def spy(real):
    def run(source, *args, **kwargs):
        if isinstance(source, (str, bytes)):
            compiled.append(repr(source)[:80])
        return real(source, *args, **kwargs)
    return run
for name in ("compile", "eval", "exec"):
    setattr(builtins, name, spy(getattr(builtins, name)))
from qapidoc.cli.main import main
code = main(["check", "s.json"])
print(code, compiled)
"""


def test_check_compiles_no_source(tmp_path: pathlib.Path) -> None:
    (tmp_path / "s.json").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "spy.py").write_text(_SPY, encoding="utf-8")
    env = {k: v for k, v in _env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    runs = [subprocess.run([sys.executable, "spy.py"], capture_output=True, text=True, cwd=tmp_path, env=env,
                           check=False, timeout=120) for _ in range(2)]
    assert runs[0].returncode == 0, runs[0].stderr
    # The first run byte-compiles the package; the second only runs it.
    assert runs[0].stdout.startswith("0 ") and runs[0].stdout.strip() != "0 []"
    assert runs[1].stdout.strip() == "0 []", runs[1].stdout


_COLLECTIONS = """\
import gc, runpy, sys
def note(phase, info):
    if phase == "start":
        sys.stderr.write("collection %s %s\\n" % (info["generation"], "qapidoc.frontend.loader" in sys.modules))
gc.callbacks.append(note)
gc.collect()        # (seen: the spy works)
sys.argv = ["qapidoc", "check", "s.json"]
runpy.run_module("qapidoc.cli", run_name="__main__")
"""


def test_check_never_runs_the_collector_once_the_front_end_is_imported(tmp_path: pathlib.Path) -> None:
    """The collector is paused before check imports the front end, and the
    fast exit does not turn it back on: a collection then would scan every
    object of the loaded schema (allocated while it was paused, they are
    all in the young generation)."""
    (tmp_path / "s.json").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "spy.py").write_text(_COLLECTIONS, encoding="utf-8")
    proc = _run("spy.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    collections = re.findall(r"^collection (\d) (True|False)$", proc.stderr, re.MULTILINE)
    assert collections[0] == ("2", "False"), proc.stderr
    assert all(loaded == "False" for _, loaded in collections), collections


@pytest.mark.parametrize(("text", "code"), [(SCHEMA, 0), (BROKEN, 1)])
def test_fast_exit_writes_everything(tmp_path: pathlib.Path, text: str, code: int) -> None:
    """``python -m qapidoc.cli`` ends check and dump with os._exit: what
    main() writes in process comes out whole, through a pipe, with the same
    exit code."""
    (tmp_path / "s.json").write_text(text, encoding="utf-8")
    for argv in (["check", "s.json"], ["check", "--format", "json", "s.json"], ["dump", "--docs", "s.json"]):
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        cwd = os.getcwd()
        try:
            sys.stdout, sys.stderr = out, err
            os.chdir(tmp_path)
            expected_code = main(argv)
        finally:
            sys.stdout, sys.stderr = saved
            os.chdir(cwd)
        proc = _run("-m", "qapidoc.cli", *argv, cwd=tmp_path)
        assert (proc.returncode, proc.stdout, proc.stderr) == (expected_code, out.getvalue(), err.getvalue())
        if argv[0] == "check":
            assert expected_code == code
        # A clean check in text prints nothing; everything else something.
        assert bool(out.getvalue()) == (argv != ["check", "s.json"] or code != 0)


def test_fast_exit_into_a_closed_pipe(tmp_path: pathlib.Path) -> None:
    """A reader that stops early (``| head -1``) ends nothing badly."""
    (tmp_path / "s.json").write_text(SCHEMA, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "qapidoc.cli", "dump", "--docs", "s.json"], cwd=tmp_path,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    errors = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0
    assert first.startswith(b"module ")
    assert b"Traceback" not in errors


@pytest.mark.slow
@pytest.mark.parametrize("interpreter", ["fresh", "current"])
def test_benchmark_reports_a_ratio(shared_dir: pathlib.Path, interpreter: str) -> None:
    """One round of bench_check: the table and the ratios; the interpreter
    it says it used; and peak RSS figures that are each process's own (a
    child started by the benchmark itself would be reported at no less
    than the benchmark's own peak, about 20 MiB)."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_check.py"), "--runs", "1",
                           "--no-scaling", "--shared", str(shared_dir), "--interpreter", interpreter],
                          capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rss = {}
    for name in ("python -c pass", "qapidoc check", "QEMU's QAPISchema()"):
        row = re.search(rf"^\| `{re.escape(name)}` \|.*\| (\d+\.\d) \(\S+\) \|$", proc.stdout, re.MULTILINE)
        assert row, proc.stdout
        rss[name] = float(row.group(1))
    ratios = re.findall(r"qapidoc check / QEMU's QAPISchema\(\), (wall|CPU|peak RSS): (\d+\.\d+)", proc.stdout)
    assert [what for what, _ in ratios] == ["wall", "CPU", "peak RSS"]
    assert all(float(value) > 0 for _, value in ratios)
    used = re.search(r"^interpreter: (.*): (\S+), Python", proc.stdout, re.MULTILINE)
    assert used, proc.stdout
    if interpreter == "fresh":
        assert used.group(1).startswith("a fresh venv") and used.group(2) != sys.executable
    else:
        assert (used.group(1), used.group(2)) == ("the current one", sys.executable)
    memory = re.search(r"^peak RSS: this script (\d+\.\d) MiB; launcher floor (\d+\.\d) MiB", proc.stdout,
                       re.MULTILINE)
    assert memory, proc.stdout
    own, floor = float(memory.group(1)), float(memory.group(2))
    assert floor < rss["python -c pass"] < 0.75 * own, (floor, rss, own)
    assert rss["qapidoc check"] > rss["python -c pass"] and rss["QEMU's QAPISchema()"] > rss["python -c pass"]
