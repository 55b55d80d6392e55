"""The bench's own logic (not its numbers, which belong to `make bench`): the load it sends is
the documented create the mock accepts, and the verdict names every missed target."""

from __future__ import annotations

import json

from benchmarks.loads import documented_create
from benchmarks.report import MOCK, PRISM, Measured, missed_targets
from benchmarks.wrk import Result
from conftest import AUTH
from mock_server import create_app


def test_the_bench_sends_the_documented_create_and_the_mock_accepts_it(spec: dict) -> None:
    load = documented_create(spec)
    assert json.loads(load.body or "") == spec["components"]["examples"]["DocsCreateMeeting"]["value"]
    response = create_app(access_log=False).test_client().post(load.path, data=load.body, headers={**AUTH, **load.headers})
    assert response.status_code == 200, response.get_json()


def _result(rps: float, p99_ms: float, status_errors: int = 0) -> Result:
    return Result(requests=int(rps * 5), seconds=5.0, p50_ms=p99_ms / 4, p99_ms=p99_ms, errors={"status": status_errors})


def test_the_verdict_names_each_missed_target() -> None:
    runs = {
        MOCK: Measured(0.7, {"GET /meetings/789": _result(9000, 2.0), "POST /meetings": _result(6000, 12.0, 3)}),
        PRISM: Measured(1.5, {"GET /meetings/789": _result(4000, 7.0), "POST /meetings": _result(4000, 8.0)}),
    }
    assert missed_targets(runs) == ["POST ratio 1.50x", "POST p99 12.0 ms", "POST 3 errors", "first 200 after 0.70 s"]
    runs[MOCK] = Measured(0.3, {"GET /meetings/789": _result(9000, 2.0), "POST /meetings": _result(8000, 3.0)})
    assert missed_targets(runs) == []
