"""Run a server for the length of a ``with`` block: time its first 200, then always take it down.

Each server gets its own session (process group) because Granian forks workers and npm/node may
spawn children: signalling the group stops all of them, and Ctrl-C in the terminal does not reach
them before we do. Output goes to a log file, never a pipe: an access log line per request would
fill a pipe that nobody reads and stall the server mid-benchmark.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

_POLL_SECONDS = 0.005
_STOP_GRACE_SECONDS = 5.0


class ServerError(Exception):
    """The server exited or stayed silent before answering 200."""


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    log: Path
    first_200_s: float


@contextmanager
def serve(name: str, command: list[str], port: int, probe: bytes, log: Path, *, cwd: Path, timeout: float) -> Iterator[Server]:
    """Start ``command``, wait until ``probe`` (raw HTTP bytes) is answered 200, and stop it on exit."""
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            first_200_s = _wait_for_200(process, port, probe, started, timeout, name, log)
            yield Server(name, port, log, first_200_s)
        finally:
            _stop(process)


def _wait_for_200(
    process: subprocess.Popen[bytes], port: int, probe: bytes, started: float, timeout: float, name: str, log: Path
) -> float:
    while True:
        if _answers_200(port, probe):
            return time.perf_counter() - started
        if process.poll() is not None:
            raise ServerError(f"{name} exited with status {process.returncode} before answering; see {log}")
        if time.perf_counter() - started > timeout:
            raise ServerError(f"{name} did not answer 200 within {timeout:.0f} s; see {log}")
        time.sleep(_POLL_SECONDS)


def _answers_200(port: int, probe: bytes) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(probe)
            status_line = sock.recv(64)
    except OSError:
        return False
    return status_line.split(b" ", 2)[1:2] == [b"200"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group, SIGKILL it if it lingers; then SIGKILL any worker that outlived its parent."""
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()
    _signal_group(process.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
