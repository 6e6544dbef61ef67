"""Ask a live QEMU which QMP commands it has, and optionally call them all.

Run from the repository root::

    python tests/support/qemu_commands_probe.py            # count commands
    python tests/support/qemu_commands_probe.py --call-all # call each one
    python tests/support/qemu_commands_probe.py --call-all --isolated

``--call-all`` sends every command reported by ``query-commands`` as
``{"execute": NAME}`` (no arguments) in one session, in alphabetical order,
with the commands in :data:`SEND_LAST` held back to the end, and reports the
successes, the errors by class, and any command that timed out or made QEMU
close the connection.  After such a failure QEMU is restarted and the probe
goes on.  ``--isolated`` uses a fresh QEMU for each command instead, which
shows what a command does on its own, without the state earlier ones left.
``--json FILE`` writes the per-command results.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

try:
    from support.qemu_live import (
        SEND_LAST,
        QemuProcess,
        QMPConnectionClosed,
        QMPError,
        QMPTimeout,
        qemu_unavailable_reason,
        start_qemu,
    )
except ModuleNotFoundError:  # run as a script: make tests/ importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from support.qemu_live import (
        SEND_LAST,
        QemuProcess,
        QMPConnectionClosed,
        QMPError,
        QMPTimeout,
        qemu_unavailable_reason,
        start_qemu,
    )

PER_COMMAND_TIMEOUT = 3.0


@dataclass
class Outcome:
    """What one command did."""

    name: str
    result: str  # "ok", "error", "timeout", "closed"
    error_class: str | None = None
    desc: str | None = None
    seconds: float = 0.0
    events: list[str] = field(default_factory=list)
    alive_after: bool = True


def list_commands(tmpdir: Path, machine: str) -> list[str]:
    """The names ``query-commands`` reports, sorted."""
    with start_qemu(tmpdir / "list", machine=machine) as qemu:
        reply = qemu.qmp.command("query-commands")
    return sorted(str(item["name"]) for item in reply)


def sweep_order(names: Sequence[str]) -> list[str]:
    """Alphabetical order, with :data:`SEND_LAST` at the end."""
    return [n for n in names if n not in SEND_LAST] + [
        n for n in names if n in SEND_LAST
    ]


def call_one(qemu: QemuProcess, name: str) -> Outcome:
    """Send ``{"execute": name}`` and classify what happens."""
    start = time.monotonic()
    outcome = Outcome(name, "ok")
    try:
        reply = qemu.qmp.execute(name, timeout=PER_COMMAND_TIMEOUT)
    except QMPTimeout:
        outcome.result = "timeout"
    except QMPConnectionClosed:
        outcome.result = "closed"
    else:
        if "error" in reply:
            outcome.result = "error"
            outcome.error_class = str(reply["error"].get("class"))
            outcome.desc = str(reply["error"].get("desc"))
    outcome.seconds = round(time.monotonic() - start, 3)
    outcome.events = [str(e["event"]) for e in qemu.qmp.take_events(0.05)]
    outcome.alive_after = qemu.alive() and not qemu.qmp.closed
    return outcome


def sweep(names: Sequence[str], tmpdir: Path, machine: str) -> Iterator[Outcome]:
    """One session for all commands; restart QEMU after a failure."""
    pending = list(names)
    runs = 0
    while pending:
        runs += 1
        with start_qemu(tmpdir / f"sweep{runs}", machine=machine) as qemu:
            while pending:
                outcome = call_one(qemu, pending.pop(0))
                yield outcome
                if outcome.result in ("timeout", "closed") or not outcome.alive_after:
                    break


def isolated(names: Sequence[str], tmpdir: Path, machine: str) -> Iterator[Outcome]:
    """A fresh QEMU for each command."""
    for index, name in enumerate(names):
        with start_qemu(tmpdir / f"iso{index}", machine=machine) as qemu:
            yield call_one(qemu, name)


def report(outcomes: Sequence[Outcome]) -> str:
    lines: list[str] = []
    counts = Counter(o.result for o in outcomes)
    lines.append(f"called {len(outcomes)} commands with no arguments:")
    for result in ("ok", "error", "timeout", "closed"):
        lines.append(f"  {result:8} {counts.get(result, 0)}")
    classes = Counter(o.error_class for o in outcomes if o.result == "error")
    lines.append("errors by class:")
    for error_class, count in classes.most_common():
        lines.append(f"  {error_class:20} {count}")
    special = [
        o
        for o in outcomes
        if o.result in ("timeout", "closed") or o.events or not o.alive_after
    ]
    lines.append("timeouts, closed connections and events:")
    for o in special:
        alive = "" if o.alive_after else " (QEMU gone)"
        lines.append(f"  {o.name}: {o.result}{alive} events={o.events}")
    odd = [
        o
        for o in outcomes
        if o.result == "error" and "is missing" not in (o.desc or "")
    ]
    lines.append("errors other than a missing argument:")
    for o in odd:
        lines.append(f"  {o.name}: {o.error_class}: {o.desc}")
    lines.append("succeeded: " + " ".join(o.name for o in outcomes if o.result == "ok"))
    slow = sorted(outcomes, key=lambda o: o.seconds, reverse=True)[:3]
    lines.append("slowest: " + ", ".join(f"{o.name} {o.seconds:.3f}s" for o in slow))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--call-all", action="store_true")
    parser.add_argument("--isolated", action="store_true")
    parser.add_argument("--machine", default="none")
    parser.add_argument("--json", type=Path, metavar="FILE")
    args = parser.parse_args(argv)

    reason = qemu_unavailable_reason()
    if reason is not None:
        print(f"QEMU unavailable: {reason}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        try:
            names = list_commands(tmpdir, args.machine)
            print(f"query-commands reports {len(names)} commands")
            if not (args.call_all or args.isolated):
                return 0
            run = isolated if args.isolated else sweep
            started = time.monotonic()
            outcomes = list(run(sweep_order(names), tmpdir, args.machine))
        except QMPError as exc:
            print(f"probe failed: {exc}", file=sys.stderr)
            return 1
        mode = "one QEMU per command" if args.isolated else "one session"
        print(f"mode: {mode}, {time.monotonic() - started:.1f} s")
        print(report(outcomes))
        if args.json is not None:
            data = [asdict(o) for o in outcomes]
            args.json.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
