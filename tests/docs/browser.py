"""A minimal headless Chromium driver for the spec browser's test, over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol commands from file
descriptor 3 and writes answers and events to descriptor 4, each message JSON terminated by a NUL
byte. No WebSocket and no extra package are needed. One page target is created and attached
(flat session mode); :meth:`Browser.send` sends a command to it and returns the result, keeping
the events that arrive meanwhile for :meth:`Browser.wait_event`.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)


def _above_nine(fd: int) -> int:
    """``fd`` duplicated to a descriptor number of at least 10 (``fd`` is closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class BrowserError(Exception):
    """The browser answered with an error, died, or did not answer in time."""


class Browser:
    """One headless Chromium with one attached page (see the module documentation)."""

    def __init__(self, profile: Path, timeout: float = 20.0) -> None:
        self.timeout = timeout
        cmd_read, cmd_write = os.pipe()
        out_read, out_write = os.pipe()
        # The child's ends move above 9 so that moving them onto 3 and 4 cannot clobber one another.
        cmd_read, out_write = (_above_nine(fd) for fd in (cmd_read, out_write))
        shell = f'exec "$0" "$@" 3<&{cmd_read} 4>&{out_write} {cmd_read}<&- {out_write}>&-'
        self.proc = subprocess.Popen(
            ["bash", "-c", shell, CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(cmd_read, out_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(cmd_read)
        os.close(out_write)
        self._write = cmd_write
        self._read = out_read
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 1600, "deviceScaleFactor": 1, "mobile": False},
        )

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise BrowserError("no answer from Chromium in time")
            chunk = os.read(self._read, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command (to the page once attached) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session is not None:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._message(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result
            self.events.append(answer)

    def wait_event(self, method: str) -> dict[str, Any]:
        """Wait for (and consume) the next event ``method`` of the page."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._message(deadline))

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise BrowserError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def navigate(self, url: str) -> None:
        """Load ``url`` and wait until it has loaded."""
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def follow(self, link_text: str) -> str:
        """Click the first link whose text is ``link_text``; wait for the new page; its URL."""
        self.events.clear()
        found = self.evaluate(
            "(() => { const a = Array.from(document.querySelectorAll('a'))"
            f".find(e => e.textContent.trim() === {json.dumps(link_text)});"
            " if (!a) return false; a.click(); return true; })()"
        )
        if not found:
            raise BrowserError(f"no link {link_text!r} on {self.evaluate('location.href')}")
        self.wait_event("Page.loadEventFired")
        url: str = self.evaluate("location.href")
        return url

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the whole page."""
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Stop Chromium."""
        try:
            self.session = None
            self.send("Browser.close")
        except BrowserError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._write)
        os.close(self._read)
