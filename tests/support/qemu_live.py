"""A live QEMU with QMP on a unix socket, and a recorder for its traffic.

This module owns everything that talks to a real ``qemu-system-x86_64``:
finding the binary and checking its version, starting it with QMP on an
``AF_UNIX`` socket, a small synchronous QMP client, and the
:class:`Transcript` that records every message in both directions.

Tests use it to obtain real QMP traffic from QEMU 7.2 (the release whose
schema is in ``../shared/corpus/qemu-7.2``), so that the JSON Schemas
generated from that schema can be checked against what QEMU actually sends.
It uses only the standard library.

Every wait has a deadline: no call here can block for longer than the
timeout it was given, and :func:`start_qemu` kills the process on exit
whatever happened inside the ``with`` block.

The machine is ``-machine none`` under TCG: no guest, no disks, no kernel,
and it still supports ``stop``, ``cont``, ``system_reset`` and ``quit`` with
their STOP, RESUME, RESET and SHUTDOWN events.  KVM is never used.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

__all__ = [
    "EXPECTED_VERSION",
    "HAZARDS_WITH_ARGUMENTS",
    "SEND_LAST",
    "STATEFUL_WITHOUT_ARGUMENTS",
    "STATE_CHANGING_COMMANDS",
    "QMPClient",
    "QMPCommandError",
    "QMPConnectionClosed",
    "QMPError",
    "QMPProtocolError",
    "QMPTimeout",
    "QemuProcess",
    "SessionError",
    "Transcript",
    "TranscriptEntry",
    "capture_session",
    "qemu_argv",
    "qemu_binary",
    "qemu_unavailable_reason",
    "qemu_version",
    "start_qemu",
]

#: The QEMU release whose schema the live tests validate against.
EXPECTED_VERSION: tuple[int, int] = (7, 2)

#: Environment variable naming the QEMU binary to use instead of the one on PATH.
BINARY_ENV = "QAPIDOC_QEMU"

BINARY_NAME = "qemu-system-x86_64"

#: Default deadline, in seconds, for one QMP exchange.
DEFAULT_TIMEOUT = 5.0

#: Commands after which :func:`capture_session` waits ``settle`` seconds for
#: the asynchronous events they cause.  Other commands only get a
#: non-blocking drain, so a long list of queries stays fast.
STATE_CHANGING_COMMANDS: frozenset[str] = frozenset(
    {
        "stop",
        "cont",
        "system_reset",
        "system_powerdown",
        "system_wakeup",
        "inject-nmi",
        "set_link",
        "balloon",
        "device_add",
        "device_del",
        "object-add",
        "object-del",
        "blockdev-add",
        "blockdev-del",
        "job-cancel",
        "block-job-cancel",
    }
)

#: Commands that a session must hold back and send last, with the reason.
#: Measured on QEMU 7.2 (x86_64, ``-machine none`` and ``-machine pc``, TCG):
#: every other command can be sent with no arguments, in one session, in
#: any order; each either succeeds or is refused with an error reply before
#: it does anything.  None hangs, none kills QEMU.
SEND_LAST: dict[str, str] = {
    "quit": "ends the session: SHUTDOWN event, reply, then QEMU exits",
}

#: Commands that change run state or send events even with no arguments,
#: so their position in a session changes what later commands see.
STATEFUL_WITHOUT_ARGUMENTS: dict[str, str] = {
    "stop": "pauses the VM (STOP); query-status says 'paused' until cont",
    "cont": "resumes the VM (RESUME, only if it was paused)",
    "system_reset": "RESET event; works with -machine none",
    "system_powerdown": "POWERDOWN event only: nothing acts on it here",
    "set-action": "all members optional: succeeds and changes nothing",
    "migrate-set-parameters": "all members optional: succeeds, changes nothing",
    "qmp_capabilities": "after negotiation: error class CommandNotFound",
}

#: Commands that must not be sent with arguments taken blindly from doc
#: examples: they end or wedge the session, touch host files, sockets or
#: processes, or change what later commands do.  Measured on QEMU 7.2.
HAZARDS_WITH_ARGUMENTS: dict[str, str] = {
    "quit": "ends the session",
    "human-monitor-command": "runs any HMP command: 'quit' ends the session",
    "set-action": "reboot=shutdown makes a later system_reset power QEMU off",
    "migrate": "'exec:' URIs run a shell command; success leaves the VM "
    "stopped in 'postmigrate'",
    "migrate-incoming": "needs '-incoming defer' on the command line",
    "x-exit-preconfig": "needs '--preconfig' on the command line",
    "dump-guest-memory": "writes guest RAM (128 MiB with -machine pc) to a "
    "host file; STOP/RESUME, DUMP_COMPLETED when detached",
    "xen-save-devices-state": "writes a host file even with -machine none",
    "xen-load-devices-state": "reads a host file into device state",
    "memsave": "writes a host file",
    "pmemsave": "writes a host file",
    "screendump": "writes a host file (needs a console)",
    "dumpdtb": "writes a host file (device-tree machines only)",
    "chardev-add": "may open host files, sockets or ptys",
    "chardev-change": "may open host files, sockets or ptys",
    "blockdev-add": "opens host files",
    "blockdev-create": "creates host files (a job, with events)",
    "drive-backup": "creates host files (a job, with events)",
    "drive-mirror": "creates host files (a job, with events)",
    "blockdev-snapshot-sync": "creates host files",
    "nbd-server-start": "listens on a socket",
    "block-export-add": "exports over NBD, FUSE or vhost-user",
    "netdev_add": "may create tap devices or listen on sockets",
    "getfd": "needs a file descriptor sent with SCM_RIGHTS",
    "add-fd": "needs a file descriptor sent with SCM_RIGHTS",
    "add_client": "needs a file descriptor sent with SCM_RIGHTS",
    "calc-dirty-rate": "runs a measurement in the background for calc-time s",
    "object-add": "memory backends allocate host memory",
}

Direction = Literal["->", "<-"]
Message = dict[str, Any]

# Longest path that fits in sockaddr_un.sun_path (108 bytes with the NUL).
_MAX_UNIX_PATH = 107

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_VERSION_RE = re.compile(r"QEMU emulator version (\d+)\.(\d+)(?:\.(\d+))?")


# --------------------------------------------------------------------------
# Finding QEMU


def qemu_binary() -> str | None:
    """Return the path of the QEMU binary to use, or None if there is none.

    ``$QAPIDOC_QEMU`` wins if set (it may be a name looked up on PATH or a
    path); otherwise ``qemu-system-x86_64`` is looked up on PATH.
    """
    wanted = os.environ.get(BINARY_ENV) or BINARY_NAME
    return shutil.which(wanted)


@functools.lru_cache(maxsize=8)
def _version_output(binary: str) -> tuple[str | None, str | None]:
    """Run ``BINARY --version``; return (first output line, error text)."""
    try:
        done = subprocess.run(
            [binary, "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"running '{binary} --version' failed: {exc}"
    if done.returncode != 0:
        return None, (
            f"'{binary} --version' exited with status {done.returncode}: "
            f"{done.stderr.strip()[:500]}"
        )
    lines = done.stdout.strip().splitlines()
    return (lines[0] if lines else ""), None


def qemu_version(binary: str | None = None) -> tuple[int, int, int] | None:
    """Return (major, minor, micro) reported by ``--version``, or None."""
    binary = binary or qemu_binary()
    if binary is None:
        return None
    line, _ = _version_output(binary)
    match = _VERSION_RE.search(line or "")
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def qemu_unavailable_reason() -> str | None:
    """Say why live QEMU tests cannot run here, or return None if they can.

    The reasons are: no unix sockets on this platform, no binary, a binary
    that does not run or report a version, or a release other than
    :data:`EXPECTED_VERSION`.  KVM does not matter: QEMU runs under TCG.
    """
    if not hasattr(socket, "AF_UNIX"):
        return f"QMP over AF_UNIX is not available on {sys.platform}"
    binary = qemu_binary()
    if binary is None:
        wanted = os.environ.get(BINARY_ENV) or BINARY_NAME
        return (
            f"QEMU binary '{wanted}' not found on PATH (install Debian 12's "
            f"qemu-system-x86, or set ${BINARY_ENV} to a QEMU "
            f"{EXPECTED_VERSION[0]}.{EXPECTED_VERSION[1]} binary)"
        )
    line, error = _version_output(binary)
    if error is not None:
        return error
    version = qemu_version(binary)
    if version is None:
        return f"cannot read the version of {binary} from {line!r}"
    if version[:2] != EXPECTED_VERSION:
        found = ".".join(map(str, version))
        expected = ".".join(map(str, EXPECTED_VERSION))
        return (
            f"{binary} is QEMU {found} ({line}); these tests need QEMU "
            f"{expected}.x, the release of the schema in corpus/qemu-{expected}"
        )
    return None


# --------------------------------------------------------------------------
# Transcripts


class TranscriptEntry(NamedTuple):
    """One QMP message: who sent it, its decoded value and its exact line.

    ``raw_line`` is the line as it crossed the socket, without the line
    terminator (QEMU ends its lines with CR LF).
    """

    direction: Direction
    message: Message
    raw_line: str


@dataclass
class Transcript:
    """Every QMP message of a session, in the order it was sent or received.

    An entry's sequence number is its index in :attr:`entries`; sent and
    received messages share one numbering, so the order of a reply and the
    events around it is kept exactly.
    """

    entries: list[TranscriptEntry] = field(default_factory=list)

    def record(self, direction: Direction, message: Message, raw_line: str) -> int:
        """Append one message; return its sequence number."""
        self.entries.append(TranscriptEntry(direction, message, raw_line))
        return len(self.entries) - 1

    def __iter__(self) -> Iterator[TranscriptEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, seq: int) -> TranscriptEntry:
        return self.entries[seq]

    def numbered(self) -> Iterator[tuple[int, TranscriptEntry]]:
        """Yield (sequence number, entry) pairs."""
        return enumerate(self.entries)

    @property
    def greeting(self) -> Message | None:
        """The greeting, if it was received."""
        for entry in self.received():
            if "QMP" in entry.message:
                return entry.message
        return None

    def sent(self) -> list[TranscriptEntry]:
        """The messages sent to QEMU (commands)."""
        return [e for e in self.entries if e.direction == "->"]

    def received(self) -> list[TranscriptEntry]:
        """The messages received from QEMU (greeting, replies, events)."""
        return [e for e in self.entries if e.direction == "<-"]

    def events(self, name: str | None = None) -> list[Message]:
        """The events received, optionally only those called ``name``."""
        return [
            e.message
            for e in self.received()
            if "event" in e.message and (name is None or e.message["event"] == name)
        ]

    def replies(self) -> list[Message]:
        """The success and error replies received."""
        return [
            e.message
            for e in self.received()
            if "return" in e.message or "error" in e.message
        ]

    def exchanges(self) -> list[tuple[Message, Message | None]]:
        """Pair each command sent with its reply (matched by ``id``)."""
        by_id: dict[str, Message] = {}
        for reply in self.replies():
            if "id" in reply:
                by_id[json.dumps(reply["id"], sort_keys=True)] = reply
        pairs: list[tuple[Message, Message | None]] = []
        for entry in self.sent():
            key = json.dumps(entry.message.get("id"), sort_keys=True)
            pairs.append((entry.message, by_id.get(key)))
        return pairs

    def to_jsonl(self, path: str | os.PathLike[str] | None = None) -> str:
        """One JSON object per line: ``{"seq", "direction", "message"}``.

        Returns the text, and writes it to ``path`` too when one is given.
        """
        lines = [
            json.dumps({"seq": seq, "direction": e.direction, "message": e.message})
            for seq, e in self.numbered()
        ]
        return _emit(lines, path)

    def to_arrow_transcript(self, path: str | os.PathLike[str] | None = None) -> str:
        """The ``-> {...}`` / ``<- {...}`` form that QMP doc examples use.

        One message per line, as compact single-line JSON.  Returns the text,
        and writes it to ``path`` too when one is given.
        """
        lines = [f"{e.direction} {json.dumps(e.message)}" for e in self.entries]
        return _emit(lines, path)

    @classmethod
    def from_jsonl(cls, text: str) -> Transcript:
        """Read back the output of :meth:`to_jsonl`."""
        transcript = cls()
        for line in text.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            message = item["message"]
            transcript.record(item["direction"], message, json.dumps(message))
        return transcript

    @classmethod
    def from_arrow_transcript(cls, text: str) -> Transcript:
        """Read back the output of :meth:`to_arrow_transcript`.

        A message may continue over several lines, as in doc examples: lines
        that start with neither arrow are appended to the current message.
        """
        transcript = cls()
        pending: tuple[Direction, list[str]] | None = None

        def flush() -> None:
            if pending is not None:
                raw = "\n".join(pending[1])
                transcript.record(pending[0], json.loads(raw), raw)

        for line in text.splitlines():
            head = line[:2]
            if head in {"->", "<-"}:
                flush()
                direction: Direction = "->" if head == "->" else "<-"
                pending = (direction, [line[2:].strip()])
            elif pending is not None and line.strip():
                pending[1].append(line.strip())
        flush()
        return transcript


def _emit(lines: list[str], path: str | os.PathLike[str] | None) -> str:
    text = "".join(line + "\n" for line in lines)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------
# The QMP client


class QMPError(Exception):
    """Base class of the errors raised by :class:`QMPClient`."""


class QMPTimeout(QMPError):
    """A deadline passed while waiting for QEMU."""


class QMPConnectionClosed(QMPError):
    """QEMU closed the socket (it exited, or was killed)."""


class QMPProtocolError(QMPError):
    """QEMU sent something that is not a QMP message."""


class QMPCommandError(QMPError):
    """A command got an error reply; the reply is in :attr:`reply`."""

    def __init__(self, command: str, reply: Message) -> None:
        error = reply.get("error", {})
        super().__init__(
            f"{command}: {error.get('class', '?')}: {error.get('desc', '?')}"
        )
        self.command = command
        self.reply = reply
        self.error_class: str = str(error.get("class", ""))


class QMPClient:
    """A synchronous QMP client over one ``AF_UNIX`` stream socket.

    Every message received is recorded, in order, in :attr:`transcript`
    (with every message sent).  Events that arrive while waiting for a reply
    are recorded and queued; :meth:`wait_event` and :meth:`take_events`
    consume the queue.  Command ids are the integers 1, 2, 3, ...
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        transcript: Transcript | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._sock = sock
        self._buffer = b""
        self._next_id = 1
        self._eof = False
        self.timeout = timeout
        self.transcript = transcript if transcript is not None else Transcript()
        self.greeting: Message | None = None
        self.pending_events: deque[Message] = deque()

    @classmethod
    def connect(
        cls,
        path: str | os.PathLike[str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transcript: Transcript | None = None,
    ) -> QMPClient:
        """Connect to the QMP server listening at ``path``.

        Retries until the socket accepts or ``timeout`` passes.  Does not
        read the greeting: call :meth:`read_greeting`.
        """
        deadline = time.monotonic() + timeout
        last_error: OSError | None = None
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                sock.connect(os.fspath(path))
            except OSError as exc:
                sock.close()
                last_error = exc
                if time.monotonic() >= deadline:
                    raise QMPTimeout(
                        f"cannot connect to {os.fspath(path)}: {last_error}"
                    ) from exc
                time.sleep(0.01)
                continue
            return cls(sock, transcript=transcript, timeout=timeout)

    # -- low level ---------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once QEMU closed the connection."""
        return self._eof

    def close(self) -> None:
        """Close the socket (does not tell QEMU anything)."""
        with contextlib.suppress(OSError):
            self._sock.close()

    def send(self, message: Message) -> None:
        """Record one message and send it.

        The message is recorded first, so a transcript shows a request that
        could not be sent because QEMU had gone.
        """
        raw = json.dumps(message)
        self.transcript.record("->", message, raw)
        try:
            self._sock.settimeout(self.timeout)
            self._sock.sendall(raw.encode("utf-8") + b"\n")
        except TimeoutError as exc:
            raise QMPTimeout(f"sending {raw}: QEMU does not read") from exc
        except OSError as exc:
            self._eof = True
            raise QMPConnectionClosed(f"sending {raw}: {exc}") from exc

    def read_message(self, timeout: float | None = None) -> Message:
        """Read, record and return the next message.

        Raises :class:`QMPTimeout` if none is complete within ``timeout``
        (default: the client's timeout), :class:`QMPConnectionClosed` at end
        of stream.
        """
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while b"\n" not in self._buffer:
            if self._eof:
                raise QMPConnectionClosed(
                    "QEMU closed the QMP connection"
                    + (f" mid-line: {self._buffer!r}" if self._buffer else "")
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QMPTimeout(f"no QMP message within {wait:g} s")
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                # ECONNRESET after quit counts as end of stream.
                chunk = b""
            if not chunk:
                self._eof = True
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        raw = line.rstrip(b"\r").decode("utf-8", errors="replace")
        try:
            message = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise QMPProtocolError(f"not JSON: {raw!r}: {exc}") from exc
        if not isinstance(message, dict):
            raise QMPProtocolError(f"not a JSON object: {raw!r}")
        self.transcript.record("<-", message, raw)
        if "event" in message:
            self.pending_events.append(message)
        return message

    # -- QMP ---------------------------------------------------------------

    def read_greeting(self, timeout: float | None = None) -> Message:
        """Read the greeting that QEMU sends on connect."""
        message = self.read_message(timeout)
        if "QMP" not in message:
            raise QMPProtocolError(f"expected the QMP greeting, got {message}")
        self.greeting = message
        return message

    def negotiate(self, timeout: float | None = None) -> None:
        """Leave capabilities negotiation mode (``qmp_capabilities``)."""
        self.command("qmp_capabilities", timeout=timeout)

    def execute(
        self,
        name: str,
        arguments: Message | None = None,
        *,
        timeout: float | None = None,
    ) -> Message:
        """Send a command and return its reply, success or error.

        ``arguments`` is left out of the request when None.  Events that
        arrive before the reply are recorded and queued.
        """
        request_id = self._next_id
        self._next_id += 1
        request: Message = {"execute": name}
        if arguments is not None:
            request["arguments"] = arguments
        request["id"] = request_id
        self.send(request)
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QMPTimeout(
                    f"no reply to {name} (id {request_id}) within {wait:g} s"
                )
            message = self.read_message(remaining)
            if message.get("id") == request_id and (
                "return" in message or "error" in message
            ):
                return message

    def command(
        self,
        name: str,
        arguments: Message | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """Execute a command; return its ``return`` value or raise on error."""
        reply = self.execute(name, arguments, timeout=timeout)
        if "error" in reply:
            raise QMPCommandError(name, reply)
        return reply["return"]

    def take_events(self, wait: float = 0.0) -> list[Message]:
        """Return the queued events, after reading for up to ``wait`` s more."""
        deadline = time.monotonic() + wait
        while not self._eof or b"\n" in self._buffer:
            # Past the deadline, still take what is already on the socket.
            remaining = max(deadline - time.monotonic(), 0.001)
            try:
                self.read_message(remaining)
            except (QMPTimeout, QMPConnectionClosed):
                break
        events = list(self.pending_events)
        self.pending_events.clear()
        return events

    def wait_event(self, name: str, timeout: float | None = None) -> Message:
        """Return the first queued or newly arriving event called ``name``.

        Other events stay queued.
        """
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while True:
            for event in self.pending_events:
                if event.get("event") == name:
                    self.pending_events.remove(event)
                    return event
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QMPTimeout(f"no {name} event within {wait:g} s")
            self.read_message(remaining)

    def read_until_eof(self, timeout: float | None = None) -> None:
        """Record everything QEMU sends until it closes the connection."""
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        while not self._eof or b"\n" in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QMPTimeout(f"QEMU kept the QMP connection open for {wait:g} s")
            try:
                self.read_message(remaining)
            except QMPConnectionClosed:
                return


# --------------------------------------------------------------------------
# The QEMU process


@dataclass
class QemuProcess:
    """A running QEMU and its QMP connection (see :func:`start_qemu`)."""

    popen: subprocess.Popen[bytes]
    argv: list[str]
    socket_path: Path
    stderr_path: Path
    qmp: QMPClient

    @property
    def transcript(self) -> Transcript:
        return self.qmp.transcript

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stderr_text(self) -> str:
        """What QEMU wrote on stderr so far."""
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def wait_exit(self, timeout: float = DEFAULT_TIMEOUT) -> int | None:
        """Wait for QEMU to exit; return its status, or None if it did not."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Stop QEMU now if it still runs (SIGTERM, then SIGKILL)."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(2)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def describe(self) -> str:
        """Command line, exit status and stderr, for failure messages."""
        if self.qmp.closed:
            # The connection went first; give the exit a moment to follow.
            self.wait_exit(1.0)
        status = self.popen.poll()
        state = "running" if status is None else f"exited with status {status}"
        stderr = self.stderr_text().strip() or "(empty)"
        return f"QEMU {state}\ncommand: {' '.join(self.argv)}\nstderr:\n{stderr}"


def qemu_argv(
    binary: str,
    socket_path: str | os.PathLike[str],
    *,
    machine: str = "none",
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command line :func:`start_qemu` runs."""
    return [
        binary,
        "-machine",
        machine,
        "-accel",
        "tcg",
        "-nodefaults",
        "-no-user-config",
        "-display",
        "none",
        "-qmp",
        f"unix:{os.fspath(socket_path)},server=on,wait=off",
        *extra_args,
    ]


@contextlib.contextmanager
def _socket_dir(tmpdir: Path) -> Iterator[Path]:
    """A directory for the socket whose path fits in ``sun_path``."""
    if len(os.fsencode(tmpdir / "qmp.sock")) <= _MAX_UNIX_PATH:
        yield tmpdir
        return
    short = Path(tempfile.mkdtemp(prefix="qmp-"))
    try:
        yield short
    finally:
        shutil.rmtree(short, ignore_errors=True)


@contextlib.contextmanager
def start_qemu(
    tmpdir: str | os.PathLike[str],
    *,
    machine: str = "none",
    extra_args: Sequence[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    negotiate: bool = True,
    transcript: Transcript | None = None,
) -> Iterator[QemuProcess]:
    """Start QEMU with QMP on a unix socket in ``tmpdir``; kill it at exit.

    The greeting is read (and recorded) before this yields, and with
    ``negotiate`` the ``qmp_capabilities`` exchange is done too.  QEMU's
    stderr goes to ``tmpdir/qemu-stderr.txt``; startup failures raise
    :class:`QMPError` with that text in the message.
    """
    binary = qemu_binary()
    if binary is None:
        raise QMPError(qemu_unavailable_reason() or "no QEMU binary")
    work = Path(tmpdir)
    work.mkdir(parents=True, exist_ok=True)
    stderr_path = work / "qemu-stderr.txt"
    with _socket_dir(work) as sock_dir:
        socket_path = sock_dir / "qmp.sock"
        with contextlib.suppress(FileNotFoundError):
            socket_path.unlink()
        argv = qemu_argv(binary, socket_path, machine=machine, extra_args=extra_args)
        with open(stderr_path, "wb") as stderr_file:
            popen = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr_file,
                start_new_session=True,
                # Only a prctl() call in the child; see _parent_death_hook.
                preexec_fn=_parent_death_hook(),  # noqa: PLW1509
            )
        process: QemuProcess | None = None
        try:
            client = _connect_to(popen, socket_path, timeout, transcript)
            process = QemuProcess(popen, argv, socket_path, stderr_path, client)
            try:
                client.read_greeting(timeout)
                if negotiate:
                    client.negotiate(timeout)
            except QMPError as exc:
                raise QMPError(f"{exc}\n{process.describe()}") from exc
            yield process
        finally:
            if process is not None:
                process.qmp.close()
            if popen.poll() is None:
                popen.terminate()
                try:
                    popen.wait(2)
                except subprocess.TimeoutExpired:
                    popen.kill()
                    popen.wait(5)


def _parent_death_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGKILL when we die (Linux).

    This covers what ``finally`` cannot: the test runner itself killed.
    ``prctl`` is looked up here, in the parent, so the child only makes
    one system call between fork and exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return hook


def _connect_to(
    popen: subprocess.Popen[bytes],
    socket_path: Path,
    timeout: float,
    transcript: Transcript | None,
) -> QMPClient:
    """Wait for QEMU to create its socket, then connect to it."""
    deadline = time.monotonic() + timeout
    while not socket_path.exists():
        if popen.poll() is not None or time.monotonic() >= deadline:
            popen.kill()
            popen.wait(5)
            raise QMPError(
                f"QEMU did not open {socket_path} (status {popen.returncode})"
            )
        time.sleep(0.005)
    return QMPClient.connect(
        socket_path,
        timeout=max(0.1, deadline - time.monotonic()),
        transcript=transcript,
    )


# --------------------------------------------------------------------------
# Recording a whole session


class SessionError(QMPError):
    """A session failed; the traffic up to the failure is in :attr:`transcript`."""

    def __init__(self, message: str, transcript: Transcript) -> None:
        super().__init__(message)
        self.transcript = transcript


def capture_session(
    commands: Iterable[tuple[str, Message | None]],
    tmpdir: str | os.PathLike[str],
    settle: float = 0.5,
    *,
    machine: str = "none",
    timeout: float = DEFAULT_TIMEOUT,
) -> Transcript:
    """Run ``commands`` against a fresh QEMU and return the whole transcript.

    The transcript holds the greeting, the ``qmp_capabilities`` exchange,
    each command and its reply (error replies included: they are data), the
    events that arrive, then ``quit``, its SHUTDOWN event and whatever else
    QEMU sends before closing the connection.  After a command in
    :data:`STATE_CHANGING_COMMANDS` the session waits ``settle`` seconds for
    events; after others it only collects events already sent.  A ``quit``
    in ``commands`` ends the session there.

    Raises :class:`SessionError` (carrying the partial transcript and QEMU's
    stderr in its message) on a timeout, or if QEMU dies before ``quit``.
    """
    transcript = Transcript()
    with start_qemu(
        tmpdir, machine=machine, timeout=timeout, transcript=transcript
    ) as qemu:
        qmp = qemu.qmp
        try:
            for name, arguments in commands:
                if name == "quit":
                    break
                qmp.execute(name, arguments)
                wait = settle if name in STATE_CHANGING_COMMANDS else 0.0
                qmp.take_events(wait)
            _quit(qmp)
        except QMPError as exc:
            raise SessionError(f"{exc}\n{qemu.describe()}", transcript) from exc
        if qemu.wait_exit(timeout) is None:
            raise SessionError(
                f"QEMU did not exit after quit\n{qemu.describe()}", transcript
            )
    return transcript


def _quit(qmp: QMPClient) -> None:
    """Send ``quit`` and record everything up to the end of the stream.

    QEMU may close the socket before its reply is read; that is not an
    error.  A SHUTDOWN event must arrive after the request: one from
    before it means QEMU shut down for another reason.
    """
    if qmp.closed:
        raise QMPConnectionClosed("QEMU closed the QMP connection before 'quit'")
    quit_seq = len(qmp.transcript)
    with contextlib.suppress(QMPConnectionClosed):
        qmp.execute("quit")
    qmp.read_until_eof()
    if not any(
        entry.direction == "<-" and entry.message.get("event") == "SHUTDOWN"
        for entry in qmp.transcript.entries[quit_seq:]
    ):
        raise QMPConnectionClosed(
            "QEMU closed the connection with no SHUTDOWN event after 'quit'"
        )
