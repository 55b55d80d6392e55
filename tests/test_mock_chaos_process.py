"""Slow and failing answers, and the 413, as clients see them from the real server process
(``waterrai-mock``, two workers) over real sockets: a reset, an EOF with no byte, a broken
body, a client timeout, the delay measured."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest
import requests

from meetings_spec import View, contract_view, load_spec
from reference_validators import SpecValidators
from processes import SCRIPT, TOKEN, Server, free_port

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

AUTH = f"Bearer {TOKEN}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server("--workers", "2", "--token", TOKEN, "--quiet")
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def plain_settings(server: Server) -> Iterator[None]:
    yield
    requests.post(server.base + "/__mock/settings", json={"delay": None, "fault": None}, timeout=5)


def raw_exchange(
    server: Server, path: str = "/meetings/789", *, prefer: str | list[str] | None = None, timeout: float = 5.0, origin: str | None = None
) -> tuple[str, bytes, float]:
    """Send one request on a fresh socket and read until the server closes, resets or goes quiet.
    ``prefer``: one Prefer header, or a list of them (one header each)."""
    head = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Authorization: {AUTH}", "Connection: close"]
    head += [f"Prefer: {one}" for one in ([prefer] if isinstance(prefer, str) else prefer or [])]
    head += [f"Origin: {origin}"] if origin else []
    started = time.monotonic()
    data = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            while chunk := sock.recv(65536):
                data += chunk
            outcome = "eof"
        except ConnectionResetError:
            outcome = "reset"
        except socket.timeout:
            outcome = "timeout"
    return outcome, data, time.monotonic() - started


def split(data: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("headers", [["delay=300", "code=404"], ["code=404", "delay=300"], ["delay=300, code=404"]])
def test_several_prefer_headers_count_as_one_list(server: Server, headers: list[str]) -> None:
    """RFC 7240: preferences in several Prefer headers are those of one comma-separated header."""
    outcome, data, took = raw_exchange(server, prefer=headers)
    assert outcome == "eof" and split(data)[0] == 404 and took >= 0.3


def test_connection_reset_is_an_econnreset_before_any_byte(server: Server) -> None:
    for _ in range(3):  # both workers
        outcome, data, _ = raw_exchange(server, prefer="fault=connection_reset")
        assert (outcome, data) == ("reset", b"")
    with pytest.raises(requests.ConnectionError, match="reset"):
        requests.get(server.base + "/meetings/789", headers={"Authorization": AUTH, "Prefer": "fault=connection_reset"}, timeout=5)
    time.sleep(0.3)  # the workers' journal lines reach the shared state
    newest = requests.get(server.base + "/__mock/requests?limit=1", timeout=5).json()["requests"][0]
    assert (newest["path"], newest["status"]) == ("/meetings/789", 0)  # no answer: 0, as the embedded mock logs it


def test_empty_response_is_an_eof_without_a_byte(server: Server) -> None:
    for _ in range(3):
        assert raw_exchange(server, prefer="fault=empty_response")[:2] == ("eof", b"")
    with pytest.raises(requests.ConnectionError, match="RemoteDisconnected|without response"):
        requests.get(server.base + "/meetings/789", headers={"Authorization": AUTH, "Prefer": "fault=empty_response"}, timeout=5)


def test_malformed_body_is_a_whole_200_whose_json_does_not_parse(server: Server) -> None:
    outcome, data, _ = raw_exchange(server, prefer="fault=malformed_body")
    status, headers, body = split(data)
    assert (outcome, status, headers["content-type"]) == ("eof", 200, "application/json")
    assert int(headers["content-length"]) == len(body) > 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


def test_timeout_holds_the_connection_silent_without_holding_up_others(server: Server) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        held = [pool.submit(raw_exchange, server, prefer="fault=timeout", timeout=1.5) for _ in range(3)]
        time.sleep(0.2)  # the held requests are in
        started = time.monotonic()
        status, _ = _get(server, "/meetings/789")
        served_in = time.monotonic() - started
        outcomes = [future.result() for future in held]
    assert status == 200 and served_in < 0.5, f"a plain request waited {served_in:.2f} s behind held ones"
    for outcome, data, seconds in outcomes:
        assert (outcome, data) == ("timeout", b"") and seconds >= 1.4


def test_server_error_is_a_500_json_body_the_strict_spec_describes_with_cors(server: Server) -> None:
    outcome, data, _ = raw_exchange(server, prefer="fault=server_error", origin="http://localhost:5173")
    status, headers, body = split(data)
    assert (outcome, status) == ("eof", 500)
    assert headers["access-control-allow-origin"] in ("*", "http://localhost:5173")
    validators = SpecValidators(contract_view(load_spec(), View.STRICT))
    validator = validators.response_body("/meetings/{id}", "get", "500")
    assert validator is not None and validator.is_valid(json.loads(body))


def _get(server: Server, path: str, prefer: str | None = None) -> tuple[int, float]:
    started = time.monotonic()
    headers = {"Authorization": AUTH, **({"Prefer": prefer} if prefer else {})}
    answer = requests.get(server.base + path, headers=headers, timeout=10)
    return answer.status_code, time.monotonic() - started


def test_prefer_delay_is_measured_and_delays_run_side_by_side(server: Server) -> None:
    status, seconds = _get(server, "/meetings/789", "delay=300")
    assert status == 200 and 0.3 <= seconds < 0.6
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda _: _get(server, "/meetings/789", "delay=400")[0], range(6)))
    assert statuses == [200] * 6
    assert time.monotonic() - started < 0.9, "six 400 ms delays did not overlap"


def test_settings_reach_every_worker_and_spare_the_admin_routes(server: Server) -> None:
    changed = requests.post(server.base + "/__mock/settings", json={"delay": "150-250"}, timeout=5)
    assert changed.status_code == 200 and changed.json()["settings"]["delay"] == {"min_ms": 150, "max_ms": 250}
    timings = [_get(server, "/meetings/789")[1] for _ in range(6)]  # new connections: both workers
    assert all(0.15 <= seconds < 0.45 for seconds in timings), timings
    assert _get(server, "/__mock/health")[1] < 0.1
    requests.post(server.base + "/__mock/settings", json={"delay": None, "fault": "server_error", "fault_rate": 1}, timeout=5)
    assert {_get(server, "/meetings/789")[0] for _ in range(6)} == {500}
    assert _get(server, "/__mock/health")[0] == 200
    assert requests.get(server.base + "/__mock/settings", timeout=5).json()["settings"] == {"delay": None, "fault": "server_error", "fault_rate": 1.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"delay": 60_001}, "body.delay"), ({"delay": "9-3"}, "body.delay"), ({"fault": "meteor"}, "body.fault"), ({"fault_rate": 2}, "body.fault_rate"), ({"fault_rate": 0.5}, "body.fault_rate")],
)
def test_settings_past_the_bounds_are_a_clear_400(server: Server, change: dict[str, Any], field: str) -> None:
    answer = requests.post(server.base + "/__mock/settings", json=change, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["field"] == field


def test_null_clears_every_setting_the_fault_rate_included(server: Server) -> None:
    requests.post(server.base + "/__mock/settings", json={"delay": 50, "fault": "server_error", "fault_rate": 1}, timeout=5)
    cleared = requests.post(server.base + "/__mock/settings", json={"delay": None, "fault": None, "fault_rate": None}, timeout=5)
    assert cleared.status_code == 200 and cleared.json()["settings"] == {"delay": None, "fault": None, "fault_rate": 0.0}
    assert _get(server, "/meetings/789")[0] == 200


@pytest.mark.parametrize(("value", "spelled"), [(True, "not true"), ("0.5", 'not "0.5"'), ([1], "not [1]")])
def test_a_bad_setting_is_quoted_as_json_spells_it(server: Server, value: Any, spelled: str) -> None:
    answer = requests.post(server.base + "/__mock/settings", json={"fault_rate": value}, timeout=5)
    assert answer.status_code == 400 and spelled in answer.json()["error"]["message"], answer.text


def test_prefer_past_the_bound_is_a_clear_400(server: Server) -> None:
    status, _ = _get(server, "/meetings/789", "delay=60001")
    assert status == 400


def test_command_line_delay_and_fault_rate() -> None:
    running = Server("--workers", "1", "--quiet", "--delay", "100-200", "--fault", "server_error", "--fault-rate", "0.5")
    try:
        settings = requests.get(running.base + "/__mock/settings", timeout=5).json()["settings"]
        assert settings == {"delay": {"min_ms": 100, "max_ms": 200}, "fault": "server_error", "fault_rate": 0.5}
        answers = [_get(running, "/meetings/789") for _ in range(24)]
        assert {status for status, _ in answers} == {200, 500}
        assert all(0.1 <= seconds < 0.4 for _, seconds in answers)
    finally:
        running.stop()


@pytest.mark.parametrize(("args", "message"), [(["--delay", "60001"], "at most 60000"), (["--fault-rate", "0.5"], "needs a fault")])
def test_command_line_refuses_settings_past_the_bounds(args: list[str], message: str) -> None:
    result = subprocess.run([str(SCRIPT), "--port", str(free_port()), *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and message in result.stderr


FIVE_MB = json.dumps({"person_name": "x" * 5_000_000, "scenario_id": 456}).encode()


def test_every_common_client_reads_the_413_of_a_5_mb_body(server: Server) -> None:
    url = server.base + "/meetings"
    headers = {"Authorization": AUTH, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=FIVE_MB, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=20)
    assert raised.value.code == 413 and json.loads(raised.value.read())["error"]["code"] == "payload_too_large"
    answer = requests.post(url, data=FIVE_MB, headers=headers, timeout=20)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "payload_too_large"
    assert _get(server, "/meetings/789")[0] == 200  # and the mock carries on


NODE_FETCH = """
const body = JSON.stringify({person_name: "x".repeat(5000000), scenario_id: 456});
fetch(process.argv[1], {method: "POST", body, headers: {"Content-Type": "application/json", "Authorization": process.argv[2]}})
  .then(async (r) => { console.log(JSON.stringify({status: r.status, body: await r.json()})); })
  .catch((e) => { console.log(JSON.stringify({error: String(e), cause: String(e.cause)})); process.exit(1); });
"""


def test_nodes_fetch_reads_the_413_of_a_5_mb_body(server: Server) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run([node, "-e", NODE_FETCH, server.base + "/meetings", AUTH], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout)
    assert seen["status"] == 413 and seen["body"]["error"]["code"] == "payload_too_large"
