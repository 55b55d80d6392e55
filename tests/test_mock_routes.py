"""One way in: a routing table built once from the spec answers every request to the API's
paths (operations, HEAD, OPTIONS, 405s, browsers' requests), in the WSGI lane (embedded use)
and in the RSGI lane (``waterrai-mock``) alike; Flask serves only the other paths."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest
from flask import Flask

from conftest import AUTH, CREATE, DYNAMIC
from mock_server import create_app
from mock_server.routes import Kind
from mock_server.rsgi_lane import RsgiLane
from mock_server.wsgi_lane import WsgiLane
from test_mock_state import arm_commit_trap

BROWSER = {"Origin": "http://localhost:3000"}
VALID = {"person_name": "Ada", "scenario_id": 456}
JSON = {"Content-Type": "application/json"}

REQUESTS: dict[str, dict[str, Any]] = {
    "read": {"method": "GET", "path": "/meetings/789", "headers": AUTH},
    "read from a browser": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, **BROWSER}},
    "read unknown": {"method": "GET", "path": "/meetings/4242", "headers": AUTH},
    "read bad id": {"method": "GET", "path": "/meetings/abc", "headers": AUTH},
    "read non-ascii id": {"method": "GET", "path": "/meetings/%C3%A9", "headers": AUTH},
    "head": {"method": "HEAD", "path": "/meetings/789", "headers": AUTH},
    "no token": {"method": "GET", "path": "/meetings/789"},
    "wrong scheme": {"method": "POST", "path": CREATE, "headers": {"Authorization": "Basic eDp5", **JSON}, "data": b'{"scenario_id": 456}'},
    "create": {"method": "POST", "path": CREATE, "headers": {**AUTH, **JSON}, "data": b'{"person_name": "Ada", "scenario_id": 456}'},
    "create from a browser": {"method": "POST", "path": CREATE, "headers": {**AUTH, **JSON, **BROWSER}, "data": b'{"person_name": "Ada", "scenario_id": 456}'},
    "dynamic": {"method": "POST", "path": DYNAMIC, "headers": {**AUTH, **JSON}, "data": b'{"scenario_id": 457, "email": "a@b.example"}'},
    "missing field": {"method": "POST", "path": CREATE, "headers": {**AUTH, **JSON}, "data": b'{"person_name": "Ada"}'},
    "malformed": {"method": "POST", "path": CREATE, "headers": {**AUTH, **JSON}, "data": b"{"},
    "not json": {"method": "POST", "path": CREATE, "headers": {**AUTH, "Content-Type": "text/plain"}, "data": b"hi"},
    "empty body": {"method": "POST", "path": CREATE, "headers": {**AUTH, **JSON}},
    "too large": {"method": "POST", "path": CREATE, "headers": {**AUTH, **JSON}, "data": b"[" + b"1," * 40_000 + b"1]"},
    "prefer code": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, "Prefer": "code=404"}},
    "prefer unknown": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, "Prefer": "example=Nope"}},
    "prefer fault": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, **BROWSER, "Prefer": "fault=server_error"}},
    "prefer malformed body": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, "Prefer": "fault=malformed_body"}},
    "prefer a delay past the bound": {"method": "GET", "path": "/meetings/789", "headers": {**AUTH, "Prefer": "delay=60001"}},
    "options": {"method": "OPTIONS", "path": CREATE},
    "preflight": {"method": "OPTIONS", "path": "/meetings/789", "headers": {**BROWSER, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization, prefer"}},
    "concrete path, other method": {"method": "GET", "path": DYNAMIC, "headers": AUTH},
    "templated path, other method": {"method": "DELETE", "path": "/meetings/789", "headers": {**AUTH, **BROWSER}},
}


def _app(**options: Any) -> Flask:
    return create_app(access_log=False, seed=7, clock=lambda: datetime.datetime(2024, 1, 15, 10, 40), **options)


def _counting_flask(app: Flask) -> list[str]:
    """Record every request that gets past the lane to Flask."""
    lane = app.wsgi_app.app  # type: ignore[attr-defined]  # RequestLog -> WsgiLane -> Flask
    assert isinstance(lane, WsgiLane)
    reached: list[str] = []
    flask_app = lane.app

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        reached.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    lane.app = counting
    return reached


def test_the_table_matches_concrete_paths_first_and_knows_each_paths_methods() -> None:
    routes = _app().extensions["waterrai_front"].routes
    read = routes.match("GET", "/meetings/789")
    assert (read.kind, read.op.spec.operation_id, read.params) == (Kind.OPERATION, "getMeeting", {"id": "789"})
    head = routes.match("HEAD", "/meetings/789")
    assert head.kind is Kind.OPERATION and head.head and head.op is read.op
    wrong = routes.match("GET", DYNAMIC)  # not GET /meetings/{id} with id "create-dynamic-meeting"
    assert (wrong.kind, wrong.allow) == (Kind.NOT_ALLOWED, "POST, OPTIONS")
    assert routes.match("OPTIONS", "/meetings/789").allow == "GET, HEAD, OPTIONS"
    assert routes.match("POST", "/meetings/789").kind is Kind.NOT_ALLOWED
    assert routes.match("POST", DYNAMIC).op.spec.operation_id == "createDynamicMeeting"
    assert routes.match("GET", "/meetings/789/") is None and routes.match("GET", "/") is None


@pytest.mark.parametrize("name", list(REQUESTS))
def test_requests_to_the_api_never_reach_flask(name: str) -> None:
    app = _app()
    reached = _counting_flask(app)
    app.test_client().open(**REQUESTS[name])
    assert reached == []


@pytest.mark.parametrize("path", ["/", "/docs", "/openapi.json", "/__mock/health", "/nowhere", "/meetings/789/"])
def test_other_paths_are_flasks(path: str) -> None:
    app = _app()
    reached = _counting_flask(app)
    app.test_client().get(path)
    assert reached == [path]


class _Headers:
    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = {k.lower(): v for k, v in headers.items()}

    def get(self, name: str, default: Any = None) -> Any:
        return self._headers.get(name, default)

    def get_all(self, name: str) -> list[str]:
        return [self._headers[name]] if name in self._headers else []

    def items(self) -> list[tuple[str, str]]:
        return list(self._headers.items())

    def __contains__(self, name: str) -> bool:
        return name in self._headers


class _Scope:
    """An RSGI HTTP scope as Granian gives it."""

    proto, http_version, scheme, query_string = "http", "1.1", "http", ""
    server, client, authority = "127.0.0.1:4010", "127.0.0.1:50000", "127.0.0.1:4010"

    def __init__(self, method: str, path: str, headers: dict[str, str]) -> None:
        self.method, self.path, self.headers = method, path, _Headers(headers)


class _Protocol:
    """An RSGI HTTP protocol that records the answer."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __call__(self) -> bytes:
        return self.body

    async def _chunks(self) -> Any:
        for start in range(0, len(self.body), 4096):
            yield self.body[start : start + 4096]

    def __aiter__(self) -> Any:
        return self._chunks()

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.answer = (status, headers, b"")


def rsgi_call(app: Flask, method: str, path: str, headers: dict[str, str] | None = None, data: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One request through the RSGI lane that ``waterrai-mock`` serves, in process."""
    lane = RsgiLane(app.extensions["waterrai_front"], app.wsgi_app, app.extensions["waterrai_log"])
    headers = dict(headers or {})
    if data:
        headers["Content-Length"] = str(len(data))
    protocol = _Protocol(data)
    from urllib.parse import unquote

    asyncio.run(lane.__rsgi__(_Scope(method, unquote(path), headers), protocol))
    assert protocol.answer is not None
    status, answer_headers, body = protocol.answer
    return status, {k.lower(): v for k, v in answer_headers}, body


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_rsgi_lane_answers_as_the_wsgi_lane(name: str) -> None:
    """Two mocks with the same seed and clock: one asked through WSGI, one through RSGI."""
    request = REQUESTS[name]
    wsgi = _app().test_client().open(**request)
    status, headers, body = rsgi_call(_app(), request["method"], request["path"], request.get("headers"), request.get("data", b""))
    assert (status, body) == (wsgi.status_code, wsgi.get_data())
    headers.pop("connection", None)  # hop-by-hop: the RSGI lane closes after a 413 (WSGI may not say so)
    assert headers == {k.lower(): v for k, v in wsgi.headers.items()}


@pytest.mark.parametrize("origins", ["*", ["http://localhost:3000", "https://app.example"]])
@pytest.mark.parametrize("origin", [None, "http://localhost:3000", "http://evil.example"])
def test_cors_headers_are_flask_cors_own(origins: Any, origin: str | None) -> None:
    """An API answer carries the CORS headers flask-cors puts on Flask's own routes."""
    client = _app(cors_origins=origins).test_client()
    headers = {**AUTH, **({"Origin": origin} if origin else {})}

    def cors(response: Any) -> dict[str, str]:
        return {k: v for k, v in response.headers.items() if k.startswith("Access-Control-") or k == "Vary"}

    flasks = cors(client.get("/__mock/health", headers=headers))
    assert cors(client.get("/meetings/789", headers=headers)) == flasks
    assert cors(client.get("/meetings/789", headers={**headers, "Prefer": "fault=server_error"})) == flasks
    if origin == "http://localhost:3000" or (origins == "*" and origin):
        assert flasks["Access-Control-Allow-Origin"] in ("*", origin)
    if origin == "http://evil.example" and origins != "*":
        assert "Access-Control-Allow-Origin" not in flasks


def test_the_rsgi_lane_hands_other_paths_to_flask_with_their_bodies_bounded() -> None:
    app = _app()
    status, headers, body = rsgi_call(app, "GET", "/docs")
    assert status == 200 and headers["content-type"].startswith("text/html") and b"swagger-ui" in body
    status, _, body = rsgi_call(app, "POST", "/__mock/settings", JSON, b'{"delay": "5-9"}')
    assert status == 200 and b'"min_ms":5' in body
    assert app.test_client().get("/__mock/settings").get_json()["settings"]["delay"] == {"min_ms": 5, "max_ms": 9}
    status, _, body = rsgi_call(app, "POST", "/__mock/settings", JSON, b"[" + b"1," * 40_000 + b"1]")
    assert status == 413 and b"payload_too_large" in body
    assert rsgi_call(app, "GET", "/nowhere")[0] == 404


def test_a_held_timeout_ends_at_its_bound_with_a_close_and_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``timeout`` fault waits for the client to give up, but never past the bound: then the
    connection is closed with nothing sent (hyper refuses the unsendable head)."""
    import time

    from mock_server import rsgi_lane

    monkeypatch.setattr(rsgi_lane, "MAX_DELAY_MS", 80)

    class Silent(_Protocol):
        async def client_disconnect(self) -> None:
            await asyncio.sleep(3600)  # a client that never gives up

    app = _app()
    lane = RsgiLane(app.extensions["waterrai_front"], app.wsgi_app, app.extensions["waterrai_log"])
    protocol = Silent(b"")
    started = time.monotonic()
    asyncio.run(lane.__rsgi__(_Scope("GET", "/meetings/789", {**AUTH, "Prefer": "fault=timeout"}), protocol))
    assert 0.08 <= time.monotonic() - started < 1.0
    assert protocol.answer == (200, rsgi_lane._UNSENDABLE, b"")


# -- one commit per turn of the loop under waterrai-mock ------------------------------------


class _CountingLoop:
    """The worker's event loop as ``__rsgi_init__`` gets it, counting what is put off to the turn's end."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.scheduled = 0

    def call_soon(self, callback: Any, *args: Any) -> Any:
        self.scheduled += 1
        return self.loop.call_soon(callback, *args)


def _turn_of_creates(app: Flask, protocols: list[_Protocol]) -> _CountingLoop:
    """Serve one create per protocol in one turn of a loop, through a lane Granian has initialised."""
    lane = RsgiLane(app.extensions["waterrai_front"], app.wsgi_app, app.extensions["waterrai_log"])
    counting: list[_CountingLoop] = []

    async def serve() -> None:
        counting.append(_CountingLoop(asyncio.get_running_loop()))
        lane.__rsgi_init__(counting[0])  # type: ignore[arg-type]
        headers = {**AUTH, **JSON, "Content-Length": str(len(VALID_BODY))}
        await asyncio.gather(*(lane.__rsgi__(_Scope("POST", CREATE, headers), protocol) for protocol in protocols))

    asyncio.run(serve())
    return counting[0]


VALID_BODY = b'{"person_name": "Ada", "scenario_id": 456}'


def test_creates_answered_in_one_turn_are_committed_once_and_before_any_answer_leaves(tmp_path: Any) -> None:
    import json
    import sqlite3

    database = tmp_path / "state.sqlite3"
    readable: list[bool] = []

    class Checking(_Protocol):
        """Whether another worker could read the meeting back at the moment its answer is sent."""

        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            super().response_bytes(status, headers, body)
            with sqlite3.connect(database) as other:
                found = other.execute("SELECT 1 FROM meetings WHERE id = ?", (json.loads(body)["data"]["id"],)).fetchone()
            readable.append(found is not None)

    protocols = [Checking(VALID_BODY) for _ in range(5)]
    loop = _turn_of_creates(_app(state_path=database), protocols)
    assert [protocol.answer[0] for protocol in protocols if protocol.answer] == [200] * 5
    assert readable == [True] * 5
    assert loop.scheduled == 1  # the five creates shared one commit


def test_creates_of_a_turn_whose_commit_fails_are_each_answered_500(tmp_path: Any) -> None:
    import json
    import sqlite3

    database = tmp_path / "state.sqlite3"
    app = _app(state_path=database)
    arm_commit_trap(database, "meetings", app.extensions["waterrai_mock"].state)
    protocols = [_Protocol(VALID_BODY) for _ in range(3)]
    _turn_of_creates(app, protocols)
    for protocol in protocols:
        assert protocol.answer is not None
        status, _, body = protocol.answer
        assert (status, json.loads(body)["error"]["code"]) == (500, "state_not_written")
    with sqlite3.connect(database) as other:
        assert other.execute("SELECT COUNT(*) FROM meetings WHERE seeded = 0").fetchone()[0] == 0
        other.execute("UPDATE trap_armed SET armed = 0")
    again = [_Protocol(VALID_BODY)]
    _turn_of_creates(app, again)  # the next turn writes again
    assert again[0].answer is not None and again[0].answer[0] == 200


def test_the_access_lines_of_a_turn_are_written_together_at_its_end() -> None:
    written: list[str] = []
    app = create_app(access_log=written.append, journal=False)
    protocols = [_Protocol(VALID_BODY) for _ in range(4)]
    _turn_of_creates(app, protocols)
    assert len(written) == 1  # one write for the turn
    lines = written[0].split("\n")
    assert len(lines) == 4 and all('"POST /meetings" 200' in line for line in lines)
