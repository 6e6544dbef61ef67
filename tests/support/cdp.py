"""Headless Chromium driven over the DevTools protocol, through a pipe.

``--remote-debugging-pipe`` makes Chromium read protocol commands from
file descriptor 3 and write replies and events to descriptor 4, each
message a JSON object ended by a NUL byte; no network port, no websocket
library.  :class:`Browser` opens one page and offers what the tests need:
load a URL, evaluate JavaScript, and collect the events that show script
ran (a JavaScript dialog: ``alert``, ``confirm``, ``prompt``).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time
from typing import Any

__all__ = ["Browser"]


class Browser:
    """One headless Chromium, one page."""

    def __init__(self, binary: str, profile: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds() -> None:        # the child's descriptors 3 and 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4))  # noqa: PLW1509 (the tests start no threads)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        #: protocol events seen, in order: (method, params)
        self.events: list[tuple[str, dict[str, Any]]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime"):
            self.call(f"{domain}.enable", session=True)

    # -- the protocol ----------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")

    def _receive(self, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its end of the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        data: dict[str, Any] = json.loads(message)
        return data

    def _note(self, message: dict[str, Any]) -> None:
        if "method" in message:
            self.events.append((message["method"], message.get("params", {})))
            if message["method"] == "Page.javascriptDialogOpening":
                # answered at once, so that the page goes on
                self._send({"id": self._new_id(), "method": "Page.handleJavaScriptDialog",
                            "params": {"accept": True}, "sessionId": self.session})
            elif message["method"] == "Fetch.requestPaused":
                # a page load while navigation is held (see hold_navigation): aborted
                self._send({"id": self._new_id(), "method": "Fetch.failRequest", "sessionId": self.session,
                            "params": {"requestId": message["params"]["requestId"], "errorReason": "Aborted"}})

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False,
             timeout: float = 30.0) -> dict[str, Any]:
        ident = self._new_id()
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self._send(message)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._receive(deadline - time.monotonic())
            if reply is None:
                break
            if reply.get("id") == ident:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._note(reply)
        raise TimeoutError(f"{method}: no reply in {timeout} s")

    def pump(self, seconds: float) -> None:
        """Collect events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = self._receive(left)
            if message is None:
                return
            self._note(message)

    # -- what the tests use ------------------------------------------------------

    def load(self, url: str, timeout: float = 30.0) -> None:
        seen = len(self.events)
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(m == "Page.loadEventFired" for m, _ in self.events[seen:]):
                return
            self.pump(0.05)
        raise TimeoutError(f"{url} did not load in {timeout} s")

    def hold_navigation(self, held: bool = True) -> None:
        """Abort every page load from now on (the page stays as it is when
        a link leads elsewhere); script in ``javascript:`` links still runs."""
        if held:
            self.call("Fetch.enable", {"patterns": [{"urlPattern": "*", "resourceType": "Document"}]}, session=True)
        else:
            self.call("Fetch.disable", session=True)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "userGesture": True}, session=True)
        return result.get("result", {}).get("value")

    def dialogs(self) -> list[str]:
        """The messages of every JavaScript dialog opened so far."""
        return [p.get("message", "") for m, p in self.events if m == "Page.javascriptDialogOpening"]

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            with contextlib.suppress(OSError):
                os.close(fd)
