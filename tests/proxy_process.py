"""The validation proxy as a user runs it: its own process (``python -m validation_proxy``, from
this checkout), on a free port in front of a test server, stopped with Ctrl-C; and the
requests of the kit's fixtures, to send through it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
#: What the fixtures send instead of a token (fixtures_builder.cases.AUTH_PLACEHOLDER).
FIXTURE_AUTH = "Bearer YOUR_API_TOKEN"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_module(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m validation_proxy ARGS`` from this checkout, to its end."""
    return subprocess.run([sys.executable, "-m", "validation_proxy", *args], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Proxy:
    """A running ``waterrai-proxy``; ``stop`` sends Ctrl-C to its process group and keeps its output."""

    def __init__(self, upstream: str, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "validation_proxy", "--upstream", upstream, "--port", str(self.port), "--quiet", *args],
            cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        self.stderr = ""
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"the proxy ended at start: {self.process.communicate()}")
            try:
                urllib.request.urlopen(self.base + "/__proxy/violations", timeout=1).read()
                return
            except OSError:
                assert time.monotonic() < deadline, "the proxy did not answer within 60 s"
                time.sleep(0.05)

    def violations(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + "/__proxy/violations", timeout=10) as response:
            return json.loads(response.read())

    def stop(self, sig: int = signal.SIGINT) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)  # the group this test started, and only it
        try:
            _, self.stderr = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            _, self.stderr = self.process.communicate()
            raise AssertionError("the proxy still ran 30 s after Ctrl-C") from None
        return self.stderr


@contextmanager
def proxy(upstream: str, *args: str) -> Iterator[Proxy]:
    running = Proxy(upstream, *args)
    try:
        yield running
    finally:
        running.stop()


def send(base: str, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def fixture_requests(token: str, *, valid_only: bool = False) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    """Every request the committed fixtures document (method, path, headers, body), with ``token``
    for the fixtures' placeholder; ``valid_only``: those the spec allows (no error case)."""
    index = json.loads((FIXTURES / "index.json").read_text(encoding="utf-8"))
    requests = []
    for row in index["fixtures"]:
        if valid_only and row["case"].startswith("error-"):
            continue
        request = json.loads((FIXTURES / row["file"]).read_text(encoding="utf-8"))["request"]
        headers = {name: (f"Bearer {token}" if value == FIXTURE_AUTH else value) for name, value in request["headers"].items()}
        body = request["bodyText"].encode() if "bodyText" in request else json.dumps(request["body"]).encode() if "body" in request else None
        requests.append((request["method"], request["path"], headers, body))
    return requests
