"""``waterrai-mock`` as users start it, with seeds, sandboxes and --watch, on two workers: two
tokens creating and reading back in parallel never see each other's meetings, a reload under
load answers every request (the old spec or the new, never an error), and a bad seed file stops
the start with one line naming it."""

from __future__ import annotations

import copy
import http.client
import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from processes import SCRIPT, Server, call, free_port

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent


def _request(port: int, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
    """One request on a connection of its own: the kernel deals connections out to the workers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def test_two_tokens_create_and_read_back_in_parallel_through_two_workers_and_never_meet() -> None:
    server = Server("--workers", "2", "--sandboxes", "--quiet", "--seed", str(ROOT / "examples" / "frontend" / "seed.yaml"))
    created: dict[str, list[int]] = {"alpha": [], "beta": []}
    failures: list[str] = []

    def work(token: str) -> None:
        for number in range(25):
            status, answer = _request(server.port, "POST", "/meetings", token, {"person_name": f"{token}-{number}", "scenario_id": 900, "meeting_duration_minutes": 1})
            if status != 200:
                failures.append(f"{token} create {number}: {status} {answer}")
                continue
            meeting_id = answer["data"]["id"]
            created[token].append(meeting_id)
            status, read = _request(server.port, "GET", f"/meetings/{meeting_id}", token)
            if status != 200 or read["data"]["person_name"] != f"{token}-{number}":
                failures.append(f"{token} read {meeting_id}: {status} {read}")

    try:
        threads = [threading.Thread(target=work, args=(token,)) for token in created]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures, failures[:5]
        # ids start where the seeds leave off in each sandbox: the same numbers, other meetings
        assert created["alpha"] == created["beta"] == list(range(1002, 1027))
        for meeting_id in created["alpha"]:
            for token in created:
                status, read = _request(server.port, "GET", f"/meetings/{meeting_id}", token)
                assert status == 200 and read["data"]["person_name"].startswith(f"{token}-"), (token, meeting_id, read)
        for token in created:
            health = _request(server.port, "GET", "/__mock/health", token)[1]
            assert health["balance"] == 90 - 25 and health["counts"]["meetings"] == 1 + 1 + 25  # the spec's, the seed's, its own
        assert _request(server.port, "GET", "/meetings/1002", "gamma")[0] == 404  # a third token: a fresh world
    finally:
        _, err = server.stop()
    assert "alpha" not in err and "beta" not in err


def _spec_with(spec: dict[str, Any], duration: int) -> str:
    edited = copy.deepcopy(spec)
    edited["x-mock"]["scenarios"][1]["call_duration"] = duration
    return yaml.safe_dump(edited, sort_keys=False, allow_unicode=True)


def test_a_reload_under_load_answers_every_request_and_reaches_every_worker(tmp_path: Path, spec: dict[str, Any]) -> None:
    spec_file = tmp_path / "meetings.yaml"
    spec_file.write_text(_spec_with(spec, 45))
    server = Server("--workers", "2", "--watch", "--quiet", "--spec", str(spec_file))
    answers: list[tuple[float, int, int | None]] = []  # (when, status, minutes of a create)
    errors: list[str] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            try:
                status, body = _request(server.port, "POST", "/meetings", "load", {"person_name": "L", "scenario_id": 457})
                answers.append((time.monotonic(), status, body.get("session_minutes_info", {}).get("estimatedMinutes")))
                status, _ = _request(server.port, "GET", "/meetings/789", "load")
                answers.append((time.monotonic(), status, None))
            except (OSError, ValueError) as error:  # a broken connection or an answer that is not JSON
                errors.append(repr(error))

    def health_everywhere() -> list[Any]:
        """The spec's error as many connections see it (each worker answers some of them)."""
        return [_request(server.port, "GET", "/__mock/health", "probe")[1]["spec"]["error"] for _ in range(12)]

    threads = [threading.Thread(target=load) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        edited_at = time.monotonic()
        spec_file.write_text(_spec_with(spec, 50))
        time.sleep(2.0)
        settled = [minutes for when, _, minutes in answers if when > edited_at + 2.0 and minutes is not None]
        time.sleep(0.5)
        settled = [minutes for when, _, minutes in answers if when > edited_at + 2.0 and minutes is not None]
        assert settled and set(settled) == {50}, f"not every worker serves the edit 2 s after it: {sorted(set(settled))}"
        spec_file.write_text(_spec_with(spec, 55).replace("openapi: 3.1.0", "openapi: 3.1.0\n  broken: [here", 1))
        time.sleep(2.0)
        broken = health_everywhere()
        assert all(error and str(spec_file) in error and "line 2" in error for error in broken), broken
        spec_file.write_text(_spec_with(spec, 60))
        time.sleep(2.0)
        assert health_everywhere() == [None] * 12
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        _, err = server.stop()
    assert not errors, errors[:5]
    statuses = {status for _, status, _ in answers}
    assert statuses == {200}, f"answers during the reloads: {statuses}"
    minutes = {m for _, _, m in answers if m is not None}
    assert minutes <= {45, 50, 60} and {45, 50, 60} <= minutes, minutes  # old or new, never the broken one's 55
    assert len(answers) > 100
    assert f"the edit cannot be used, the last good spec and seeds are still served: {spec_file}, line 2" in err
    assert "Traceback" not in err


def test_a_bad_seed_file_stops_the_start_with_one_line_naming_file_entry_and_field(tmp_path: Path) -> None:
    seed = tmp_path / "my-data.yaml"
    seed.write_text("meetings:\n  - id: seven\n")
    result = subprocess.run([str(SCRIPT), "--seed", str(seed), "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"waterrai-mock: {seed}, line 2: meetings[0].") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_seed_and_sandbox_options_are_checked(tmp_path: Path) -> None:
    result = subprocess.run([str(SCRIPT), "--sandboxes", "--max-sandboxes", "0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--max-sandboxes must be at least 1" in result.stderr
    server = Server("--workers", "1", "--sandboxes", "--max-sandboxes", "1", "--state", str(tmp_path / "state.sqlite3"))
    try:
        assert call(server.base, "POST", "/meetings", {"person_name": "A", "scenario_id": 456}, token="first")[0] == 200
        assert call(server.base, "POST", "/meetings", {"person_name": "B", "scenario_id": 456}, token="second")[0] == 200
        listed = call(server.base, "GET", "/__mock/sandboxes")[1]["sandboxes"]
        assert len(listed) == 1
    finally:
        _, err = server.stop()
    assert "removed, the least recently used" in err and "first" not in err.replace("--max-sandboxes", "")
