"""Whole processes measured alike by every benchmark: wall clock, CPU time
and peak resident set, each command started by a small launcher.

Why a launcher: on Linux the peak RSS that ``wait4`` reports for a child
(``ru_maxrss``) is the higher of the child's own high-water mark and that
of the memory it had just before ``exec``, which is a copy of (after
``fork``) or the very memory of (after ``vfork``, ``posix_spawn``) the
process that started it.  Started from a benchmark that holds 20 MiB,
``python -c pass`` is reported at 20 MiB; from one that holds 200 MiB, at
200 MiB (both measured; ``/usr/bin/time -f %M`` says 10.8 MiB).

So every measured command is forked and exec'd by :class:`Launcher`, a
``python -S -I`` process started once, that imports nothing but ``os``,
``time`` and ``marshal`` (its own peak RSS is 8.5 MiB with Python 3.11
here).  What remains is a floor: the launcher's pages that its forked
child holds at ``exec``.  :meth:`Launcher.floor_mib` measures it as what
``true`` (1 MiB on its own) is reported at: 6.7 MiB here.  Every Python
process we measure is above it on its own (``python -c pass``: 8.3 MiB in
a venv with nothing installed, 10.5 MiB in the project's venv), and a
reported figure is the higher of the floor and the command's own peak,
so each figure above the floor is the command's own.

The launcher reads a request (argv, environment, working directory) from
its stdin and writes the outcome to its stdout, each a length-prefixed
``marshal`` frame; the command's stdin and stdout are ``/dev/null`` and the
last 64 KiB of its stderr come back for the error message.  The wall clock
is taken in the launcher, from just before the fork to ``wait4``.
"""

from __future__ import annotations

import compileall
import marshal
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, NamedTuple

#: the launcher's program, run as ``python -S -I -c``: no site, no
#: environment, as few modules as can be
LAUNCHER_SOURCE = r'''
import marshal, os, time

TAIL = 65536


def read_exactly(size):
    chunks = []
    while size:
        chunk = os.read(0, size)
        if not chunk:
            raise SystemExit(0)
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def send(value):
    data = marshal.dumps(value)
    data = len(data).to_bytes(8, "little") + data
    while data:
        data = data[os.write(1, data):]


def run(argv, env, cwd):
    read_end, write_end = os.pipe()
    began = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            nothing = os.open(os.devnull, os.O_RDWR)
            os.dup2(nothing, 0)
            os.dup2(nothing, 1)
            os.dup2(write_end, 2)
            os.execvpe(argv[0], argv, env)
        except BaseException as error:
            os.write(2, ("launcher: cannot start %r: %s\n" % (argv, error)).encode())
        os._exit(127)
    os.close(write_end)
    errors = b""
    while chunk := os.read(read_end, TAIL):
        errors = (errors + chunk)[-TAIL:]
    os.close(read_end)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - began
    return os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, errors


send("started")
while True:
    size = int.from_bytes(read_exactly(8), "little")
    send(run(*marshal.loads(read_exactly(size))))
'''


class Run(NamedTuple):
    """One whole process."""

    wall: float         # seconds
    cpu: float          # seconds, user + system
    rss: float          # MiB, peak resident set


class Outcome(NamedTuple):
    """What the launcher saw of one command."""

    run: Run
    exit_code: int
    errors: bytes       # the last 64 KiB of its stderr


class CommandFailedError(Exception):
    def __init__(self, argv: Sequence[str], outcome: Outcome) -> None:
        super().__init__(f"{' '.join(argv)[-300:]} failed (exit {outcome.exit_code}):\n"
                         f"{outcome.errors.decode(errors='replace')[-3000:]}")
        self.outcome = outcome


class Launcher:
    """A small process that starts each measured command (see the module
    docstring); use it as a context manager."""

    def __init__(self, python: str = sys.executable) -> None:
        self._process = subprocess.Popen([python, "-S", "-I", "-c", LAUNCHER_SOURCE],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._receive()     # started

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        self._process.wait()

    def run(self, argv: Sequence[str], env: Mapping[str, str], cwd: str | os.PathLike[str] = ".") -> Outcome:
        """Run one command to its end; its figures, exit code and stderr."""
        request = marshal.dumps((list(argv), dict(env), os.fspath(pathlib.Path(cwd).resolve())))
        stdin = self._pipe(self._process.stdin)
        stdin.write(len(request).to_bytes(8, "little") + request)
        stdin.flush()
        code, wall, cpu, maxrss_kib, errors = self._receive()
        return Outcome(Run(wall, cpu, maxrss_kib / 1024), code, errors)

    def checked(self, argv: Sequence[str], env: Mapping[str, str], cwd: str | os.PathLike[str] = ".") -> Run:
        """:meth:`run`, raising :class:`CommandFailedError` on a non-zero exit."""
        outcome = self.run(argv, env, cwd)
        if outcome.exit_code != 0:
            raise CommandFailedError(argv, outcome)
        return outcome.run

    def floor_mib(self) -> float:
        """The peak RSS reported for ``true``, a command that needs about
        1 MiB: the floor below which no figure can be (see the module
        docstring)."""
        return self.checked(["true"], os.environ).rss

    def _receive(self) -> Any:
        stdout = self._pipe(self._process.stdout)
        head = stdout.read(8)
        if len(head) != 8:
            raise RuntimeError(f"the benchmark launcher ended (exit {self._process.wait()})")
        return marshal.loads(stdout.read(int.from_bytes(head, "little")))

    @staticmethod
    def _pipe(pipe: IO[bytes] | None) -> IO[bytes]:
        if pipe is None:
            raise RuntimeError("the benchmark launcher is closed")
        return pipe


def own_peak_mib() -> float:
    """This process's peak RSS in MiB (``VmHWM``, without what it had
    before its own exec)."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def byte_compiled_env(pycache: pathlib.Path, packages: Iterable[pathlib.Path],
                      **extra: str) -> dict[str, str]:
    """Byte-compile ``packages`` into ``pycache`` (read-only trees too), as
    installed packages are, and the environment that makes the children
    use that cache: this one's, with ``PYTHONPYCACHEPREFIX`` and ``extra``."""
    sys.pycache_prefix = str(pycache)
    for package in packages:
        compileall.compile_dir(str(package), quiet=1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env.update(extra)
    return env


def fresh_interpreter(directory: pathlib.Path) -> pathlib.Path:
    """A new venv in ``directory`` from the running interpreter (same
    version and build), nothing installed: no ``.pth`` file runs at its
    start-up, as in a user's plain Python.  Its ``python``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    return directory / "bin" / "python"


def interpreter_description(python: pathlib.Path | str) -> str:
    """``python``'s version and the executable it runs, as it reports them."""
    probe = "import sys; print(sys.version.split()[0], getattr(sys, '_base_executable', sys.executable))"
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    return f"Python {out[0]} ({out[1]})"


__all__ = ["CommandFailedError", "Launcher", "Outcome", "Run", "byte_compiled_env", "fresh_interpreter",
           "interpreter_description", "own_peak_mib"]
