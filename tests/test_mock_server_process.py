"""The real server process, as ``make mock`` starts it, over a real socket."""

from __future__ import annotations

import itertools
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from processes import SCRIPT, TOKEN, Server, call, free_port

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes


@pytest.fixture()
def server() -> Iterator[Server]:
    running = Server("--workers", "2")
    yield running
    running.stop()


def test_console_script_is_installed() -> None:
    assert SCRIPT.exists()
    help_text = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=True).stdout
    for option in ("--host", "--port", "--spec", "--token", "--state", "--balance", "--cors-origin"):
        assert option in help_text


def test_meetings_created_through_any_worker_read_back_through_any(server: Server) -> None:
    bodies = [({"person_name": f"P{i}", "scenario_id": 456}, "/meetings") if i % 2 else ({"scenario_id": 457, "email": "w@example.com"}, "/meetings/create-dynamic-meeting") for i in range(60)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda b: call(server.base, "POST", b[1], b[0]), bodies))
    assert all(status == 200 for status, _ in created)
    ids = [answer["data"]["id"] for _, answer in created]
    assert len(set(ids)) == len(ids)
    with ThreadPoolExecutor(max_workers=8) as pool:
        reads = list(pool.map(lambda i: call(server.base, "GET", f"/meetings/{i}"), ids * 2))
    assert all(status == 200 for status, _ in reads)
    users = {answer["data"]["end_user"]["id"] for _, answer in created if "end_user" in answer["data"]}
    assert len(users) == 1  # one email, one end user, whichever worker answered
    # every meeting was paid once, in id order, whichever worker took it
    ledger = sorted((answer["data"]["id"], answer["session_minutes_info"]) for _, answer in created)
    for (_, before), (_, after) in itertools.pairwise(ledger):
        assert after["remainingMinutes"] == before["remainingMinutes"] - after["estimatedMinutes"]
    assert call(server.base, "GET", "/__mock/health")[1]["balance"] == ledger[-1][1]["remainingMinutes"]
    # and both workers' journals reach the shared state within a moment
    time.sleep(0.3)
    journal = call(server.base, "GET", "/__mock/requests")[1]["requests"]
    assert len([line for line in journal if line["method"] == "POST"]) == len(bodies)


def test_one_log_line_per_request_and_no_token_anywhere(server: Server) -> None:
    assert call(server.base, "GET", "/meetings/789")[0] == 200
    assert call(server.base, "POST", "/meetings", {"person_name": "A", "scenario_id": 456})[0] == 200
    assert call(server.base, "GET", "/meetings/789", token=None)[0] == 401
    assert call(server.base, "GET", "/nowhere")[0] == 404
    time.sleep(0.2)
    out, err = server.stop()
    lines = [line for line in err.splitlines() if '"GET ' in line or '"POST ' in line]
    assert len([l for l in lines if "/__mock/" not in l]) == 4, err
    assert any('"POST /meetings" 200' in l for l in lines)
    assert TOKEN not in out + err


def test_token_option_and_state_file(tmp_path: Path) -> None:
    state = tmp_path / "mock.sqlite3"
    first = Server("--token", TOKEN, "--state", str(state), "--workers", "1")
    try:
        assert call(first.base, "GET", "/meetings/789", token="wrong")[0] == 401
        status, answer = call(first.base, "POST", "/meetings", {"person_name": "Kept", "scenario_id": 456})
        assert status == 200
    finally:
        out, err = first.stop()
    assert TOKEN not in out + err
    second = Server("--state", str(state), "--workers", "1")
    try:
        status, read = call(second.base, "GET", f"/meetings/{answer['data']['id']}")
        assert status == 200 and read["data"]["person_name"] == "Kept"
    finally:
        second.stop()


def test_bad_spec_path_is_a_clear_error() -> None:
    result = subprocess.run([str(SCRIPT), "--spec", "/no/such/spec.yaml", "--port", str(free_port())], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "cannot read the spec" in result.stderr
    assert "Traceback" not in result.stderr
