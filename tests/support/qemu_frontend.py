"""QEMU's own QAPI front end of one release, as an oracle for many inputs.

From 2.12 on, each release's ``scripts/qapi`` runs on today's Python as
it is.  :class:`QemuFrontend` starts this file as a subprocess with that
release's ``scripts/`` first on ``sys.path``; the subprocess imports the
front end once, then for each schema path it is sent forks a child that
runs ``QAPISchema(path)`` (the front end keeps schema state in module
globals up to 4.1, so each input gets a fresh copy) and answers with the
verdict.  One subprocess per release, many inputs: the interpreter start
and the imports are paid once.

A verdict is a dict: ``{"verdict": "ok"}``; ``{"verdict": "error",
"file": ..., "line": ..., "meta": ..., "name": ..., "message": ...}``
(QEMU's first error; ``meta``/``name`` from its ``In META 'NAME':``
line, when there is one); or ``{"verdict": "crash", "message": ...}``
when the front end failed with something other than its own error (its
bug: such inputs say nothing about the language).

QEMU's code is GPL: it is run in place from the release's tree, never
copied.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["FrontendUnavailable", "QemuFrontend", "parse_error_text"]

_LOCATED = re.compile(r"^(?P<file>.+?\.json):(?P<line>\d+)(?::\d+)?: (?P<msg>.*)")
_CONTEXT = re.compile(r"^(?P<file>.+?\.json): In (?P<meta>\S+) '(?P<name>[^']*)':$")


def parse_error_text(text: str) -> dict[str, Any]:
    """QEMU's error text (as printed, or as in a test case's ``.err``)
    -> the located parts of its first error."""
    out: dict[str, Any] = {"verdict": "error", "file": None, "line": None, "meta": None, "name": None,
                           "message": text.strip()}
    for line in text.splitlines():
        if line.startswith("In file included from") or line.startswith("                 from"):
            continue
        context = _CONTEXT.match(line)
        if context:
            out["meta"], out["name"] = context["meta"], context["name"]
            continue
        located = _LOCATED.match(line)
        if located:
            out.update(file=located["file"], line=int(located["line"]), message=located["msg"])
            break
    return out


class FrontendUnavailable(Exception):
    """The release's front end does not run here (it fails to import on
    this Python)."""


class QemuFrontend:
    """The front end of the release whose tree is ``tree`` (a directory
    with ``scripts/qapi/``), running in one subprocess.  Raises
    :class:`FrontendUnavailable` when it cannot be imported."""

    def __init__(self, tree: pathlib.Path) -> None:
        self.tree = tree
        scripts = tree / "scripts"
        if not (scripts / "qapi").is_dir():
            raise ValueError(f"{tree} has no scripts/qapi (QEMU 2.12 or later is needed)")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.process = subprocess.Popen(
            [sys.executable, "-S", __file__, str(scripts)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env=env, cwd=str(tree))
        assert self.process.stdout is not None
        hello = json.loads(self.process.stdout.readline() or '{"ready": false, "why": "no answer"}')
        if not hello["ready"]:
            self.close()
            raise FrontendUnavailable(f"QEMU's front end in {tree} does not run on Python "
                                      f"{sys.version.split()[0]}: {hello['why']}")

    def verdicts(self, paths: Iterable[str | os.PathLike[str]]) -> list[dict[str, Any]]:
        """QEMU's verdict on each schema root, in order."""
        assert self.process.stdin is not None and self.process.stdout is not None
        out = []
        for path in paths:
            self.process.stdin.write(os.fspath(path) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
            if not answer:
                raise RuntimeError(f"QEMU's front end of {self.tree} exited")
            out.append(json.loads(answer))
        return out

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)

    def __enter__(self) -> QemuFrontend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- the subprocess ---------------------------------------------------------------------

def _load_frontend(scripts: str) -> tuple[Any, Any]:
    sys.path.insert(0, scripts)
    try:
        from qapi.error import QAPIError  # type: ignore[import-not-found]
        from qapi.schema import QAPISchema  # type: ignore[import-not-found]  # 4.2 and later
    except ImportError:
        from qapi.common import QAPIError, QAPISchema  # type: ignore[import-not-found,no-redef]  # 2.12 to 4.1
    return QAPISchema, QAPIError


def _verdict_in_child(schema_class: Any, error_class: Any, path: str) -> dict[str, Any]:
    try:
        schema_class(path)
    except error_class as err:
        return parse_error_text(str(err))
    except RecursionError:
        return {"verdict": "crash", "message": "RecursionError"}
    except Exception as err:
        return {"verdict": "crash", "message": f"{type(err).__name__}: {err}"}
    return {"verdict": "ok"}


def _serve(scripts: str, lines: Sequence[str] | Any) -> None:
    try:
        schema_class, error_class = _load_frontend(scripts)
    except Exception as err:
        print(json.dumps({"ready": False, "why": f"{type(err).__name__}: {err}"}), flush=True)
        return
    print(json.dumps({"ready": True}), flush=True)
    for line in lines:
        path = line.rstrip("\n")
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            # The child must not touch the parent's streams.
            sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
            try:
                answer = json.dumps(_verdict_in_child(schema_class, error_class, path))
            except BaseException as err:
                answer = json.dumps({"verdict": "crash", "message": repr(err)})
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(answer)
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            answer = pipe.read()
        os.waitpid(pid, 0)
        print(answer or json.dumps({"verdict": "crash", "message": "no answer"}), flush=True)


if __name__ == "__main__":
    _serve(sys.argv[1], sys.stdin)
