"""The proxy's checks never fail on what traffic may hold: any method, path, header, body or answer."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings_spec import load_spec
from validation_proxy.inspection import Inspector, Violation

INSPECTOR = Inspector(load_spec())

paths = st.one_of(
    st.sampled_from(["/meetings", "/meetings/create-dynamic-meeting", "/meetings/789", "/meetings/", "/", "/meetings/-1", "/meetings/1e3"]),
    st.builds(lambda tail: f"/meetings/{tail}", st.text(min_size=1, max_size=30).filter(lambda t: "/" not in t)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner, max_size=5),
    max_leaves=15,
)
bodies = st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()))
headers = st.fixed_dictionaries(
    {},
    optional={
        "authorization": st.sampled_from(["Bearer t", "Bearer", "Basic abc", "", "bearer   x y"]) | st.text(max_size=20),
        "content-type": st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", "application/problem+json", ""]) | st.text(max_size=20),
        "content-encoding": st.sampled_from(["gzip", "br", "deflate", "identity", "zstd, gzip", ""]),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH"]),
    path=paths,
    request_headers=headers,
    request_body=bodies,
    status=st.integers(min_value=100, max_value=599),
    response_headers=headers,
    response_body=bodies,
)
def test_any_exchange_gives_violations_and_never_an_error(
    method: str, path: str, request_headers: dict[str, str], request_body: bytes, status: int, response_headers: dict[str, str], response_body: bytes
) -> None:
    seen = INSPECTOR.request(method, path, request_headers, request_body)
    found: list[Any] = INSPECTOR.response(seen, status, response_headers, response_body)
    for violation in [*seen.violations, *found]:
        assert isinstance(violation, Violation) and violation.rule and violation.side in ("request", "response")
        assert len(violation.message) <= 300


def _documented_exchanges() -> list[tuple[str, str, dict[str, str], bytes, int, Any]]:
    """Requests the docs vouch for, as the fixtures send them, and the mock's answers."""
    from fixtures_builder.record import record_all

    found = []
    for exchange in record_all():
        request, response = exchange["request"], exchange["response"]
        body = request.get("bodyText", json.dumps(request["body"]) if "body" in request else "").encode()
        found.append((request["method"], request["path"], {k.lower(): v for k, v in request["headers"].items()}, body, response["status"], response["body"]))
    return found


DOCUMENTED = _documented_exchanges()


def _mutated(answer: Any, where: list[int], value: Any) -> Any:
    """``answer`` with the node the indexes in ``where`` pick (a key of an object at each level) replaced."""
    if not where or not isinstance(answer, dict) or not answer:
        return value
    keys = sorted(answer)
    key = keys[where[0] % len(keys)]
    return {**answer, key: _mutated(answer[key], where[1:], value)}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pick=st.integers(min_value=0, max_value=len(DOCUMENTED) - 1),
    where=st.lists(st.integers(min_value=0, max_value=50), max_size=3),
    value=json_values,
    status=st.sampled_from([200, 201, 400, 404, 422, 500]),
)
def test_documented_requests_with_any_answer_never_error(pick: int, where: list[int], value: Any, status: int) -> None:
    method, path, request_headers, body, _, answer = DOCUMENTED[pick]
    seen = INSPECTOR.request(method, path, request_headers, body)
    mutated = json.dumps(_mutated(answer, where, value)).encode()
    for violation in INSPECTOR.response(seen, status, {"content-type": "application/json"}, mutated):
        assert isinstance(violation, Violation) and violation.expected is not None and violation.got is not None


def test_a_check_that_fails_lets_the_exchange_through_unchecked() -> None:
    """A bug in a check must not break the app behind the proxy: the answer still comes back."""
    import asyncio

    from servers import mock_app, serving
    from validation_proxy.ledger import ViolationLog
    from validation_proxy.server import ProxyApp
    from validation_proxy.upstream import Upstream

    class Broken(Inspector):
        def request(self, *args: Any) -> Any:
            raise RuntimeError("a bug")

    class Protocol:
        def __init__(self) -> None:
            self.sent: list[Any] = []

        async def __call__(self) -> bytes:
            return b""

        def __aiter__(self) -> Any:
            return self._chunks()

        async def _chunks(self) -> Any:
            if False:
                yield b""

        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.sent.append((status, body))

        def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
            self.sent.append((status, b""))

    class Headers(dict):  # type: ignore[type-arg]
        pass

    class Scope:
        proto, method, path, query_string = "http", "GET", "/meetings/789", ""
        headers = Headers({"authorization": "Bearer suite-test-token-7f3a9c"})

    with serving(mock_app()) as upstream:
        log = ViolationLog()
        app = ProxyApp(Broken(load_spec()), Upstream(upstream, timeout_s=10, connect_timeout_s=5), log)
        protocol = Protocol()
        asyncio.run(app.__rsgi__(Scope(), protocol))
    assert protocol.sent[0][0] == 200 and json.loads(protocol.sent[0][1])["data"]["id"] == 789
    assert log.counts["unchecked_exchanges"] == 1


def _got(violations: list[Violation]) -> dict[str, str]:
    return {violation.rule: violation.got for violation in violations}


def test_got_holds_what_came_or_absent_never_the_schema_keyword() -> None:
    """``got`` in /__proxy/violations and check's JSON: the value received, as JSON spells it and
    clipped, "absent" for none, a credential hidden."""
    create = {"content-type": "application/json", "authorization": "Bearer t"}
    seen = INSPECTOR.request("POST", "/meetings", create, json.dumps({"person_name": "Ann", "scenario_id": "seven", "allow_chat": "y" * 500}).encode())
    got = _got(seen.violations)
    assert got["schema: body.scenario_id"] == '"seven"'
    assert got["schema: body.allow_chat"].startswith('"yyy') and got["schema: body.allow_chat"].endswith("…") and len(got["schema: body.allow_chat"]) <= 120
    assert _got(INSPECTOR.request("POST", "/meetings", create, b'{"person_name": "Ann"}').violations) == {"schema: body.scenario_id": "absent"}
    assert _got(INSPECTOR.request("POST", "/meetings", {"authorization": "Bearer t", "content-type": "text/plain"}, b"{}").violations) == {"media type": "text/plain"}
    assert _got(INSPECTOR.request("POST", "/meetings", create, b"{not json").violations) == {"body": "{not json"}
    assert _got(INSPECTOR.request("GET", "/meetings/789", {"authorization": "Basic c2VjcmV0OnNlY3JldA=="}, b"").violations) == {"security": "Basic REDACTED"}
    assert _got(INSPECTOR.request("GET", "/meetings/789", {}, b"").violations) == {"security": "absent"}
    assert _got(INSPECTOR.request("GET", "/meetings/x1", {"authorization": "Bearer t"}, b"").violations) == {"schema: path.id": '"x1"'}

    fresh = Inspector(load_spec())  # no memory of other tests' exchanges (a meeting 790 created there)
    read = fresh.request("GET", "/meetings/790", {"authorization": "Bearer t"}, b"")
    answer = {"status": "success", "data": {"id": 790, "room_url": "https://x.example/r", "room_token": 12345, "person_name": "A", "scenario_id": 456,
                                            "status": "created", "meeting_type": "regular", "created_at": "2024-01-15T10:00:00Z"}}  # fmt: skip
    got = _got(fresh.response(read, 200, {"content-type": "application/json"}, json.dumps(answer).encode()))
    assert got == {"schema: body.data.room_token": "REDACTED", "schema: body.data.updated_at": "absent"}, got


def test_a_rule_of_the_spec_names_a_missing_field_absent() -> None:
    from mock_server import create_app

    body = {"person_name": "Ann", "scenario_id": 456}  # meeting_type omitted: its default must come back
    answer = create_app(access_log=False, journal=False).test_client().post("/meetings", json=body, headers={"Authorization": "Bearer t"}).get_json()
    del answer["data"]["meeting_type"]
    fresh = Inspector(load_spec())
    seen = fresh.request("POST", "/meetings", {"content-type": "application/json", "authorization": "Bearer t"}, json.dumps(body).encode())
    found = fresh.response(seen, 200, {"content-type": "application/json"}, json.dumps(answer).encode())
    assert {v.rule.split(":")[0]: v.got for v in found} == {"schema": "absent", "default": "absent"}, found
