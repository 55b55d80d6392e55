"""The bench's own logic (not its numbers, which belong to `make bench`): the load it sends is
the documented create the mock accepts, the servers start as each part needs them, every answer
outside 2xx counts as an error, and each verdict names every missed target of its part."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from benchmarks import contenders, wrk
from benchmarks.contenders import UPSTREAM_BALANCE
from benchmarks.loads import READ, documented_create
from benchmarks.report import (
    MOCK, MOCKS, PRISM, PRISM_PROXY, PROXIES, PROXY, Probe, Measured, as_json, missed_targets, notes, ratios, table,
)  # fmt: skip
from benchmarks.run import parse_args
from benchmarks.tools import SetupError
from benchmarks.wrk import Result
from conftest import AUTH
from mock_server import cli as mock_cli
from mock_server import create_app
from validation_proxy import cli as proxy_cli

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

GET, POST = "GET /meetings/789", "POST /meetings"


def test_the_bench_sends_the_documented_create_and_the_mock_accepts_it(spec: dict) -> None:
    load = documented_create(spec)
    assert json.loads(load.body or "") == spec["components"]["examples"]["DocsCreateMeeting"]["value"]
    response = create_app(access_log=False).test_client().post(load.path, data=load.body, headers={**AUTH, **load.headers})
    assert response.status_code == 200, response.get_json()


def _result(rps: float, p99_ms: float, status_errors: int = 0) -> Result:
    return Result(requests=int(rps * 5), seconds=5.0, p50_ms=p99_ms / 4, p99_ms=p99_ms, errors={"status": status_errors})


def _measured(first_200_s: float, get: Result, post: Result, flags: bool | None = None) -> Measured:
    probes = {GET: Probe(200, "{}"), POST: Probe(200, "{}")}
    return Measured(first_200_s, {GET: get, POST: post}, probes, flags)


def test_the_mock_verdict_names_each_missed_target() -> None:
    runs = {
        MOCK: _measured(0.7, _result(19000, 2.0), _result(6000, 12.0, 3)),
        PRISM: _measured(1.5, _result(4000, 7.0), _result(4000, 8.0)),
    }
    assert missed_targets(runs, MOCKS) == ["GET ratio 4.75x", "POST ratio 1.50x", "POST p99 12.0 ms", "POST 3 errors", "first 200 after 0.70 s"]
    runs[MOCK] = _measured(0.3, _result(20000, 2.0), _result(10000, 3.0))  # reads at 5x, creates at 2.5x: met
    assert missed_targets(runs, MOCKS) == []


def test_the_proxy_bar_is_one_and_a_half_times_prism_p99_under_15_ms_no_errors_and_flagged_violations() -> None:
    prism = _measured(1.5, _result(2000, 30.0), _result(1000, 30.0), flags=True)
    runs = {PROXY: _measured(3.0, _result(3000, 14.9), _result(1500, 14.9), flags=True), PRISM_PROXY: prism}
    assert ratios(runs, PROXIES) == {GET: 1.5, POST: 1.5}
    assert missed_targets(runs, PROXIES) == []  # a slow start is shown, not judged
    runs[PROXY] = _measured(0.5, _result(2980, 15.0), _result(1500, 9.0, 2), flags=False)
    assert missed_targets(runs, PROXIES) == [
        "GET ratio 1.49x", "GET p99 15.0 ms", "POST 2 errors", "a request that breaks the spec went unflagged",
    ]  # fmt: skip


def test_the_proxy_table_shows_ours_over_prism_and_the_verdict() -> None:
    runs = {
        PROXY: _measured(0.5, _result(3200, 9.0), _result(1000, 12.0), flags=True),
        PRISM_PROXY: _measured(1.5, _result(2000, 30.0), _result(0, 0.0), flags=True),
    }
    text = table(runs, PROXIES)
    assert text.splitlines()[0].split() == [PROXY, PRISM_PROXY, "ratio"]
    assert "3200 req/s           2000 req/s           1.60x" in text
    assert "n/a" in text.splitlines()[4]  # Prism managed nothing: no ratio to give, and no miss either
    assert text.splitlines()[-2].split() == ["flags", "a", "bad", "request", "yes", "yes"]
    assert text.endswith(f"targets: {PROXIES.targets}  -> met")
    alone = table({PROXY: runs[PROXY]}, PROXIES)
    assert "ratio" not in alone.splitlines()[0] and alone.endswith("-> met (ratio not measured: --no-prism)")


def test_results_json_has_one_entry_per_part_with_its_ratios_and_verdict() -> None:
    mocks = {MOCK: _measured(0.3, _result(15000, 2.0), _result(8000, 3.0)), PRISM: _measured(1.5, _result(3000, 7.0), _result(0, 8.0))}
    proxies = {PROXY: _measured(0.5, _result(3000, 9.0), _result(1000, 20.0), True), PRISM_PROXY: _measured(1.5, _result(2000, 9.0), _result(1000, 9.0), True)}
    data = as_json([(MOCKS, mocks), (PROXIES, proxies)], {"duration_s": 5.0})
    assert set(data) == {"finished_at", "settings", "mock", "proxy"}
    assert data["mock"]["ratios"] == {GET: 5.0, POST: None} and data["mock"]["targets"]["met"] is True
    assert data["proxy"]["ratios"] == {GET: 1.5, POST: 1.0}
    assert data["proxy"]["targets"] == {"wanted": PROXIES.targets, "met": False, "missed": ["POST ratio 1.00x", "POST p99 20.0 ms"]}
    assert data["proxy"]["servers"][PROXY]["flags_bad_request"] is True
    assert data["proxy"]["servers"][PROXY]["loads"][GET]["rps"] == 3000.0
    assert set(as_json([(PROXIES, proxies)], {})) == {"finished_at", "settings", "proxy"}


def test_notes_say_what_lies_behind_odd_figures() -> None:
    measured = _measured(0.5, _result(3000, 9.0), _result(1000, 9.0, 50), flags=False)
    measured.probes[POST] = Probe(402, '{"error":"insufficient minutes"}')
    measured.probes[GET] = Probe(200, "{}", "1")
    assert notes({PROXY: measured}) == [
        f"note: {PROXY} flagged the documented {GET}: 1",
        f'note: after its run, {PROXY} answered {POST} with 402: {{"error":"insufficient minutes"}}',
        f"note: {PROXY} did not flag a request that breaks the spec: its figures are not a validating proxy's",
    ]


def test_the_upstream_is_the_quiet_mock_with_minutes_for_every_create_of_the_proxy_part(spec: dict) -> None:
    args = mock_cli.parse_args(contenders.upstream_command(4711)[1:])
    assert (args.port, args.quiet, args.balance) == (4711, True, UPSTREAM_BALANCE)
    minutes = json.loads(documented_create(spec).body or "")["meeting_duration_minutes"]
    assert UPSTREAM_BALANCE >= minutes * 100_000 * 3600  # 100k creates a second for an hour


def test_both_proxies_forward_to_the_same_upstream_silently_and_prism_validates_without_refusing(tmp_path: Path) -> None:
    prism, spec, upstream = tmp_path / "prism", tmp_path / "meetings.yaml", "http://127.0.0.1:4711"
    ours, theirs = (contender.command(4712) for contender in contenders.proxies(spec, upstream, prism))
    args = proxy_cli.parse_args(ours[ours.index("--upstream") :])
    assert (args.upstream, args.port, args.quiet, args.errors) == (upstream, 4712, True, False)
    assert theirs[:2] == [str(prism), "proxy"] and theirs[-2:] == [str(spec), upstream]
    assert {"--validate-request=true", "--errors=false"} <= set(theirs)
    assert theirs[theirs.index("-v") + 1] == "silent" and theirs[theirs.index("-p") + 1] == "4712"
    assert [c.violation_header for c in contenders.proxies(spec, upstream, prism)] == ["X-Contract-Violations", "sl-violations"]
    assert [c.name for c in contenders.proxies(spec, upstream, None)] == [PROXY]


def test_our_proxy_runs_as_a_module_where_its_script_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(contenders, "script", lambda name: tmp_path / name)
    assert contenders.our_proxy()[1:] == ["-m", "validation_proxy"]
    monkeypatch.setattr(contenders.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SetupError, match="--only mock"):
        contenders.our_proxy()


def test_each_part_runs_alone() -> None:
    assert parse_args([]).only is None
    assert parse_args(["--only", "proxy"]).only == "proxy"
    with pytest.raises(SystemExit):
        parse_args(["--only", "prism"])


@pytest.fixture()
def three_statuses() -> Iterator[str]:
    """A server answering 200, 302 and 404 in turn, with no body."""
    statuses = iter([200, 302, 404] * 1_000_000)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(next(statuses))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{READ.path}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make bench installs it)")
def test_wrk_counts_every_answer_outside_2xx_as_an_error(three_statuses: str, tmp_path: Path) -> None:
    script = wrk.write_script(READ, tmp_path / "read.lua")
    result = wrk.run(shutil.which("wrk") or "wrk", script, three_statuses, seconds=1, connections=1, threads=1)
    assert result.requests > 30
    assert result.errors["status"] == result.requests * 2 // 3  # the 302s and the 404s, not the 200s
