"""One way in: one routing table holds the API's operations and the app's own routes, one core
answers every request (operations, HEAD, OPTIONS, 404s, 405s, browsers' requests) in the WSGI
lane (embedded use) and in the RSGI lane (``waterrai-mock``) alike; Flask gets its own routes
already routed."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest
from flask import Flask

from conftest import AUTH, CREATE, DYNAMIC
from lanes import RsgiClient, RsgiProtocol, RsgiScope
from meetings_spec.routing import Kind
from mock_server import create_app
from mock_server.rsgi_lane import RsgiLane
from state_traps import arm_commit_trap

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
    """Record every request the core hands to Flask."""
    core = app.extensions["waterrai_core"]
    reached: list[str] = []
    flask_app = core.flask

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        reached.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    core.flask = counting
    return reached


def test_the_table_matches_concrete_paths_first_and_knows_each_paths_methods() -> None:
    routes = _app().extensions["waterrai_core"].routes
    read = routes.match("GET", "/meetings/789")
    assert (read.kind, read.target.spec.operation_id, read.params) == (Kind.ROUTE, "getMeeting", {"id": "789"})
    head = routes.match("HEAD", "/meetings/789")
    assert head.kind is Kind.ROUTE and head.head and head.target is read.target
    wrong = routes.match("GET", DYNAMIC)  # not GET /meetings/{id} with id "create-dynamic-meeting"
    assert (wrong.kind, wrong.allow) == (Kind.NOT_ALLOWED, "POST, OPTIONS")
    assert routes.match("OPTIONS", "/meetings/789").allow == "GET, HEAD, OPTIONS"
    assert routes.match("POST", "/meetings/789").kind is Kind.NOT_ALLOWED
    assert routes.match("POST", DYNAMIC).target.spec.operation_id == "createDynamicMeeting"
    assert routes.match("GET", "/meetings/789/") is None and routes.match("GET", "/nowhere") is None


def test_the_same_table_holds_the_docs_the_spec_views_and_the_admin_routes() -> None:
    app = _app()
    routes = app.extensions["waterrai_core"].routes
    for rule in app.url_map.iter_rules():
        found = routes.match("GET" if "GET" in rule.methods else "POST", rule.rule.replace("<name>", "docs.js"))
        assert found is not None and found.kind is Kind.ROUTE and found.target.rule == rule.rule, rule
    asset = routes.match("GET", "/docs/assets/swagger-ui.css")
    assert (asset.target.endpoint, asset.params) == ("mock_docs.asset", {"name": "swagger-ui.css"})


@pytest.mark.parametrize("name", list(REQUESTS))
def test_requests_to_the_api_never_reach_flask(name: str) -> None:
    app = _app()
    reached = _counting_flask(app)
    app.test_client().open(**REQUESTS[name])
    assert reached == []


@pytest.mark.parametrize("path", ["/", "/docs", "/openapi.json", "/__mock/health"])
def test_flasks_own_routes_reach_flask_routed_once(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask gets the route the core matched: its own routing never runs."""
    from werkzeug.routing import MapAdapter

    matched: list[str] = []
    match = MapAdapter.match
    monkeypatch.setattr(MapAdapter, "match", lambda self, *args, **kwargs: matched.append(path) or match(self, *args, **kwargs))
    app = _app()
    reached = _counting_flask(app)
    assert app.test_client().get(path).status_code in (200, 302)
    assert reached == [path] and matched == []


@pytest.mark.parametrize("path", ["/nowhere", "/meetings/789/", "/docs/assets"])
def test_paths_no_route_has_are_a_json_404_from_the_core(path: str) -> None:
    app = _app()
    reached = _counting_flask(app)
    answer = app.test_client().get(path, headers=AUTH)
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (404, "not_found") and reached == []


def _rsgi(app: Flask) -> RsgiClient:
    return RsgiClient(app)


@pytest.mark.parametrize("name", list(REQUESTS))
def test_the_rsgi_lane_answers_as_the_wsgi_lane(name: str) -> None:
    """Two mocks with the same seed and clock: one asked through WSGI, one through RSGI."""
    request = REQUESTS[name]
    wsgi = _app().test_client().open(**request)
    rsgi = _rsgi(_app()).open(**request)
    assert (rsgi.status_code, rsgi.get_data()) == (wsgi.status_code, wsgi.get_data())
    assert dict(rsgi.headers.items()) == dict(wsgi.headers.items())


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
    rsgi = _rsgi(app)
    docs = rsgi.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html") and b"swagger-ui" in docs.get_data()
    changed = rsgi.post("/__mock/settings", headers=JSON, data=b'{"delay": "5-9"}')
    assert changed.status_code == 200 and b'"min_ms":5' in changed.get_data()
    assert app.test_client().get("/__mock/settings").get_json()["settings"]["delay"] == {"min_ms": 5, "max_ms": 9}
    too_large = rsgi.post("/__mock/settings", headers=JSON, data=b"[" + b"1," * 40_000 + b"1]")
    assert too_large.status_code == 413 and b"payload_too_large" in too_large.get_data()
    assert too_large.headers["Connection"] == "close"
    assert rsgi.get("/nowhere").status_code == 404


def test_a_held_timeout_ends_at_its_bound_with_a_close_and_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``timeout`` fault waits for the client to give up, but never past the bound: then the
    connection is closed with nothing sent (hyper refuses the unsendable head)."""
    import time

    from mock_server import rsgi_lane

    monkeypatch.setattr(rsgi_lane, "MAX_DELAY_MS", 80)

    rsgi = _rsgi(_app())
    protocol = RsgiProtocol(b"")  # a client that never gives up
    started = time.monotonic()
    rsgi.send(RsgiScope("GET", "/meetings/789", [*AUTH.items(), ("Prefer", "fault=timeout")]), protocol)
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


def _turn_of_creates(app: Flask, protocols: list[RsgiProtocol]) -> _CountingLoop:
    """Serve one create per protocol in one turn of a loop, through a lane Granian has initialised."""
    lane = RsgiLane(app.extensions["waterrai_core"])
    counting: list[_CountingLoop] = []

    async def serve() -> None:
        counting.append(_CountingLoop(asyncio.get_running_loop()))
        lane.__rsgi_init__(counting[0])  # type: ignore[arg-type]
        headers = [*AUTH.items(), *JSON.items(), ("Content-Length", str(len(VALID_BODY)))]
        await asyncio.gather(*(lane.__rsgi__(RsgiScope("POST", CREATE, headers), protocol) for protocol in protocols))

    asyncio.run(serve())
    return counting[0]


VALID_BODY = b'{"person_name": "Ada", "scenario_id": 456}'


def test_creates_answered_in_one_turn_are_committed_once_and_before_any_answer_leaves(tmp_path: Any) -> None:
    import json
    import sqlite3

    database = tmp_path / "state.sqlite3"
    readable: list[bool] = []

    class Checking(RsgiProtocol):
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
    protocols = [RsgiProtocol(VALID_BODY) for _ in range(3)]
    _turn_of_creates(app, protocols)
    for protocol in protocols:
        assert protocol.answer is not None
        status, _, body = protocol.answer
        assert (status, json.loads(body)["error"]["code"]) == (500, "state_not_written")
    with sqlite3.connect(database) as other:
        assert other.execute("SELECT COUNT(*) FROM meetings WHERE seeded = 0").fetchone()[0] == 0
        other.execute("UPDATE trap_armed SET armed = 0")
    again = [RsgiProtocol(VALID_BODY)]
    _turn_of_creates(app, again)  # the next turn writes again
    assert again[0].answer is not None and again[0].answer[0] == 200


def test_the_access_lines_of_a_turn_are_written_together_at_its_end() -> None:
    written: list[str] = []
    app = create_app(access_log=written.append, journal=False)
    protocols = [RsgiProtocol(VALID_BODY) for _ in range(4)]
    _turn_of_creates(app, protocols)
    assert len(written) == 1  # one write for the turn
    lines = written[0].split("\n")
    assert len(lines) == 4 and all('"POST /meetings" 200' in line for line in lines)
