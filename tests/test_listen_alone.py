"""A server of the kit listens on its port alone. Granian shares a port among the sockets that
ask (``SO_REUSEPORT``, for its workers), so without a check a second ``waterrai-mock`` or a
``waterrai-proxy`` started on the port of a running mock would start, and the kernel would deal
the connections out between them: creates that read back 404, traffic that skips the proxy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from processes import SCRIPT as MOCK
from processes import Server, call

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

PROXY = Path(sys.executable).with_name("waterrai-proxy")


def _refused(command: list[str]) -> str:
    """Run a server command that must refuse to start; its stderr. One that starts anyway is
    stopped with its workers after 30 s, and the test fails."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        raise AssertionError(f"the server started: {err}") from None
    assert process.returncode == 2, err
    assert "Traceback" not in err
    return err


def test_a_second_server_on_a_running_mocks_port_is_refused() -> None:
    mock = Server("--workers", "1", "--quiet")
    try:
        port = str(mock.port)
        assert "is already in use" in _refused([str(MOCK), "--port", port])
        assert "choose another --port" in _refused([str(PROXY), "--upstream", mock.base, "--port", port])
        # the mock alone answered all along
        assert call(mock.base, "GET", "/__mock/health")[0] == 200
    finally:
        mock.stop()


@pytest.mark.parametrize("command", [[str(MOCK)], [str(PROXY), "--upstream", "http://127.0.0.1:1"]], ids=["mock", "proxy"])
def test_an_address_this_machine_does_not_have_is_refused(command: list[str]) -> None:
    said = _refused([*command, "--host", "192.0.2.1", "--port", "4999"])  # TEST-NET-1: never local
    assert "cannot listen on 192.0.2.1:4999" in said
