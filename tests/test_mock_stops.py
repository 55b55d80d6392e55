"""Ctrl-C stops the mock: SIGINT reaches the whole process group (a terminal sends it so, and so
do start-server-and-test and other test runners), Granian's main process and its worker alike."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from processes import SCRIPT, free_port, wait_until_answering

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes


def test_sigint_to_the_process_group_stops_the_mock_every_time() -> None:
    """Without a deadline for a worker that does not stop, about one stop in three hung here."""
    for attempt in range(4):
        port = free_port()
        process = subprocess.Popen(
            [str(SCRIPT), "--port", str(port), "--quiet", "--workers", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            wait_until_answering(process, f"http://127.0.0.1:{port}")
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"stop {attempt + 1}: the mock still runs 30 s after Ctrl-C") from None
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # the group this test started, and only it
                process.wait()
            process.stderr.close()  # type: ignore[union-attr]
