"""What frontend developers lean on: Prism's Prefer header and open CORS."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from conftest import AUTH, CREATE, DYNAMIC, docs_example
from mock_server import create_app

VALID = {"person_name": "Ada", "scenario_id": 456}


def test_prefer_code_answers_that_response_example(client: FlaskClient, spec: dict) -> None:
    response = client.get("/meetings/789", headers={**AUTH, "Prefer": "code=404"})
    assert response.status_code == 404
    assert response.get_json() == docs_example(spec, "MeetingNotFound")
    response = client.post(CREATE, headers={**AUTH, "Prefer": "code=402"}, json=VALID)
    assert response.status_code == 402
    assert response.get_json() == docs_example(spec, "InsufficientMinutes")
    # a canned answer changes nothing
    assert client.get("/__mock/health").get_json()["counts"]["meetings"] == 1


def test_prefer_example_answers_it_verbatim(client: FlaskClient, spec: dict) -> None:
    response = client.post(DYNAMIC, headers={**AUTH, "Prefer": "example=DocsDynamicMeetingCreated"}, json={"scenario_id": 456})
    assert response.status_code == 200
    assert response.get_json() == docs_example(spec, "DocsDynamicMeetingCreated")
    both = client.get("/meetings/1", headers={**AUTH, "Prefer": "code=200, example=DocsMeeting789"})
    assert both.get_json() == docs_example(spec, "DocsMeeting789")


def test_prefer_success_code_acts_as_usual(client: FlaskClient) -> None:
    response = client.post(CREATE, headers={**AUTH, "Prefer": "code=200"}, json=VALID)
    assert response.status_code == 200
    assert response.get_json()["data"]["id"] == 790


@pytest.mark.parametrize(
    ("prefer", "kind", "listed"),
    [("code=418", "code", "404"), ("code=abc", "code", "200"), ("example=Nope", "example", "DocsMeeting789")],
)
def test_unknown_preference_is_400_naming_what_exists(client: FlaskClient, prefer: str, kind: str, listed: str) -> None:
    response = client.get("/meetings/789", headers={**AUTH, "Prefer": prefer})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "unknown_preference"
    assert error["details"][0] == {"field": "header.Prefer", "rule": kind, "message": error["message"]}
    assert listed in error["message"]


def test_other_preferences_are_ignored(client: FlaskClient) -> None:
    assert client.get("/meetings/789", headers={**AUTH, "Prefer": "respond-async, wait=5"}).status_code == 200


def test_a_preference_given_twice_keeps_its_first_value(client: FlaskClient) -> None:
    """RFC 7240, section 2: only the first instance of a preference counts."""
    assert client.get("/meetings/789", headers={**AUTH, "Prefer": "code=404, code=500"}).status_code == 404
    assert client.get("/meetings/789", headers={**AUTH, "Prefer": "code=500, code=404"}).status_code == 500


def test_validation_comes_before_preference(client: FlaskClient) -> None:
    assert client.get("/meetings/789", headers={"Prefer": "code=200"}).status_code == 401
    assert client.post(CREATE, headers={**AUTH, "Prefer": "code=200"}, json={}).status_code == 400


PREFLIGHT = {
    "Origin": "http://localhost:5173",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, prefer",
}


@pytest.mark.parametrize("path", [CREATE, DYNAMIC, "/meetings/789"])
def test_cors_preflight_is_answered_for_any_origin(client: FlaskClient, path: str) -> None:
    response = client.options(path, headers={**PREFLIGHT, "Access-Control-Request-Method": "GET" if "789" in path else "POST"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] in ("*", "http://localhost:5173")
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "prefer"} <= {h.strip() for h in allowed.split(",")}


def test_cors_headers_on_answers_and_errors(client: FlaskClient) -> None:
    origin = {"Origin": "https://app.example"}
    assert client.get("/meetings/789", headers={**AUTH, **origin}).headers["Access-Control-Allow-Origin"]
    assert client.get("/meetings/789", headers=origin).headers["Access-Control-Allow-Origin"]  # the 401 too


def test_cors_can_be_restricted() -> None:
    client = create_app(access_log=False, cors_origins=["http://localhost:3000"]).test_client()
    allowed = client.options(CREATE, headers={**PREFLIGHT, "Origin": "http://localhost:3000"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    refused = client.options(CREATE, headers={**PREFLIGHT, "Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_faults_that_are_answers_work_in_either_lane_and_connection_faults_break_or_say_why_not(client: FlaskClient) -> None:
    from lanes import BrokenConnection
    from mock_server.wsgi_lane import ConnectionFault

    assert client.get("/meetings/789", headers={**AUTH, "Prefer": "fault=server_error"}).status_code == 500
    broken = ConnectionFault if isinstance(client, FlaskClient) else BrokenConnection
    with pytest.raises(broken, match="waterrai-mock"):
        client.get("/meetings/789", headers={**AUTH, "Prefer": "fault=connection_reset"})
    assert client.get("/__mock/health", headers={"Prefer": "fault=server_error"}).status_code == 200  # never on admin routes


def test_a_connection_fault_is_logged_and_journaled_with_status_0_embedded_as_served() -> None:
    """One status for one event: no answer went out, so 0 (the access line shows "-"), as
    waterrai-mock logs it (tests/test_mock_chaos_process.py), not a 500 no client saw."""
    from mock_server.wsgi_lane import ConnectionFault

    lines: list[str] = []
    client = create_app(access_log=lines.append).test_client()
    with pytest.raises(ConnectionFault):
        client.get("/meetings/789", headers={**AUTH, "Prefer": "fault=connection_reset"})
    assert '"GET /meetings/789" - ' in lines[-1] and lines[-1].endswith(" fault connection_reset"), lines
    newest = client.get("/__mock/requests?limit=1").get_json()["requests"][0]
    assert (newest["path"], newest["status"]) == ("/meetings/789", 0)


def test_prefer_delay_slows_an_embedded_answer_too(client: FlaskClient) -> None:
    import time

    started = time.monotonic()
    assert client.get("/meetings/789", headers={**AUTH, "Prefer": "delay=120"}).status_code == 200
    assert time.monotonic() - started >= 0.12
