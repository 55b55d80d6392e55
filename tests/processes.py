"""Helpers every test of a real process shares: the installed commands, a free port, the mock
started as ``make mock`` starts it, a call to it, and Debian's Chromium for the browser tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from meetings_spec.serving import free_port

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "SCRIPT", "TOKEN", "Server", "call", "chromium_missing", "free_port", "wait_until_answering"]

#: Debian's Chromium (``apt-get install chromium``), or the one ``$WATERRAI_CHROMIUM`` names;
#: Playwright drives it (its own browser download is not reachable here).
CHROMIUM = os.environ.get("WATERRAI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


#: How the tests start it: headless, and quiet on a machine with no network to call home over.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here (for ``pytest.mark.skipif``), or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or set WATERRAI_CHROMIUM)"
    return None


TOKEN = "process-test-secret-token"
SCRIPT = Path(sys.executable).with_name("waterrai-mock")


def call(base: str, method: str, path: str, body: Any = None, token: str | None = TOKEN) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until_answering(process: subprocess.Popen[Any], base: str, seconds: float = 60) -> None:
    """Return once the mock at ``base`` answers its health route; fail if it exits or takes longer."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(base + "/__mock/health", timeout=1).read()
            return
        except OSError:
            assert process.poll() is None, f"the mock exited with {process.returncode} before answering"
            assert time.monotonic() < deadline, f"the mock did not answer within {seconds:g} s"
            time.sleep(0.02)


class Server:
    """``waterrai-mock`` started as a user starts it, on a free port; ``stop`` sends Ctrl-C."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(SCRIPT), "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_answering(self.process, self.base)
        except AssertionError:
            self.process.kill()
            raise AssertionError(f"the mock did not start: {self.process.communicate()[1][-2000:]}") from None

    def stop(self) -> tuple[str, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return out, err


