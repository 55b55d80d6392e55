"""The fast lane (plain requests to the spec's operations, served in front of Flask) answers
exactly as the Flask views do: same status, body and headers, CORS aside."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from conftest import AUTH, CREATE, DYNAMIC
from mock_server import create_app
from mock_server.fast_lane import FastLane

BROWSER = {"Origin": "http://localhost:3000"}  # a browser's request goes through Flask (flask-cors)
VALID = {"person_name": "Ada", "scenario_id": 456}

REQUESTS: dict[str, dict[str, Any]] = {
    "read": {"method": "GET", "path": "/meetings/789", "headers": AUTH},
    "read unknown": {"method": "GET", "path": "/meetings/4242", "headers": AUTH},
    "read bad id": {"method": "GET", "path": "/meetings/abc", "headers": AUTH},
    "no token": {"method": "GET", "path": "/meetings/789"},
    "wrong scheme": {"method": "POST", "path": CREATE, "headers": {"Authorization": "Basic eDp5"}, "json": VALID},
    "create": {"method": "POST", "path": CREATE, "headers": AUTH, "json": VALID},
    "dynamic": {"method": "POST", "path": DYNAMIC, "headers": AUTH, "json": {"scenario_id": 457, "email": "a@b.example"}},
    "missing field": {"method": "POST", "path": CREATE, "headers": AUTH, "json": {"person_name": "Ada"}},
    "bad enum": {"method": "POST", "path": CREATE, "headers": AUTH, "json": {**VALID, "meeting_type": "vip"}},
    "malformed": {"method": "POST", "path": CREATE, "headers": {**AUTH, "Content-Type": "application/json"}, "data": b"{"},
    "not json": {"method": "POST", "path": CREATE, "headers": {**AUTH, "Content-Type": "text/plain"}, "data": b"hi"},
    "empty body": {"method": "POST", "path": CREATE, "headers": {**AUTH, "Content-Type": "application/json"}},
    "unknown scenario": {"method": "POST", "path": CREATE, "headers": AUTH, "json": {**VALID, "scenario_id": 9}},
    "prefer code": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, "Prefer": "code=404"}},
    "prefer unknown": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, "Prefer": "example=Nope"}},
}


def _counting_flask(app: Flask) -> list[str]:
    """Record every request that reaches Flask behind the fast lane."""
    lane = app.wsgi_app.app  # type: ignore[attr-defined]  # RequestLog -> FastLane -> Flask
    assert isinstance(lane, FastLane)
    reached: list[str] = []
    flask_app = lane.app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        reached.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    lane.app = counting
    return reached


def _without_cors(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.startswith("Access-Control-") and k != "Vary"}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_fast_lane_and_flask_answer_alike(name: str) -> None:
    """Two mocks with the same seed and clock: one asked plainly, one as a browser asks."""
    answers = []
    for extra, lane_expected in (({}, True), (BROWSER, False)):
        app = create_app(access_log=False, seed=7, clock=lambda: __import__("datetime").datetime(2024, 1, 15, 10, 40))
        reached = _counting_flask(app)
        request = dict(REQUESTS[name])
        request["headers"] = {**request.get("headers", {}), **extra}
        response = app.test_client().open(**request)
        assert (reached == []) is lane_expected, f"{name}: fast lane used = {reached == []}"
        answers.append((response.status_code, response.get_data(), _without_cors(response.headers)))
    assert answers[0] == answers[1]


def _cors(headers: Any) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in headers.items() if k.startswith("Access-Control-") or k == "Vary")


@pytest.mark.parametrize("origins", ["*", ["http://localhost:3000"], ["http://a.example", "https://b.example"]])
@pytest.mark.parametrize(("method", "path", "extra"), [("GET", "/meetings/789", {}), ("POST", CREATE, {"json": VALID}), ("GET", "/meetings/abc", {})])
def test_fast_lane_answers_carry_the_same_cors_headers_as_flask(origins: Any, method: str, path: str, extra: dict[str, Any]) -> None:
    """The same plain request, once through the fast lane and once straight to Flask (flask-cors)."""
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    app = create_app(access_log=False, cors_origins=origins)
    reached = _counting_flask(app)
    fast = app.test_client().open(path, method=method, headers=AUTH, **extra)
    assert reached == [], "the plain request should have taken the fast lane"
    flask_only = Client(app.wsgi_app.app.app, Response).open(path, method=method, headers=AUTH, **extra)  # type: ignore[attr-defined]
    assert fast.status_code == flask_only.status_code
    assert _cors(fast.headers) == _cors(flask_only.headers)
    assert _cors(fast.headers), "flask-cors added no header: the comparison would prove nothing"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("OPTIONS", CREATE, {}),
        ("HEAD", "/meetings/789", AUTH),
        ("GET", "/__mock/health", {}),
        ("GET", CREATE, AUTH),  # a concrete path with another method: 405 from Flask
        ("GET", "/meetings/789/", AUTH),
        ("POST", CREATE, {**AUTH, "Content-Type": "application/json", "Transfer-Encoding": "chunked"}),
    ],
)
def test_what_the_fast_lane_leaves_to_flask(method: str, path: str, headers: dict[str, str]) -> None:
    app = create_app(access_log=False)
    reached = _counting_flask(app)
    app.test_client().open(path, method=method, headers=headers)
    assert reached, f"{method} {path} should have been served by Flask"
