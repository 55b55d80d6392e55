"""The mock behaves as the docs describe: creates, defaults, end users, reads, minutes, auth."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from conftest import AUTH, CREATE, DYNAMIC, docs_example
from mock_server import create_app

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def create(client: FlaskClient, body: dict[str, Any], path: str = CREATE) -> dict[str, Any]:
    response = client.post(path, headers=AUTH, json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_docs_request_gives_the_docs_answer_but_for_volatile_values(client: FlaskClient, spec: dict) -> None:
    app = create_app(access_log=False, balance=300)  # the docs' example leaves 265 of 300 minutes
    answer = create(app.test_client(), docs_example(spec, "DocsCreateMeeting"))
    expected = docs_example(spec, "DocsMeetingCreated")
    volatile = {"id", "room_url", "room_token", "created_at"}
    assert {k: v for k, v in answer["data"].items() if k not in volatile} == {
        k: v for k, v in expected["data"].items() if k not in volatile
    }
    assert answer["success"] is True
    assert answer["session_minutes_info"] == expected["session_minutes_info"]


def test_create_echoes_and_applies_documented_defaults(client: FlaskClient) -> None:
    data = create(client, {"person_name": "Ada Lovelace", "scenario_id": 456})
    meeting = data["data"]
    assert meeting["person_name"] == "Ada Lovelace"
    assert meeting["scenario_id"] == 456
    assert meeting["meeting_type"] == "regular"
    assert meeting["status"] == "created"
    assert data["session_minutes_info"]["estimatedMinutes"] == 30  # scenario 456 has no call_duration


def test_duration_comes_from_the_scenario_then_the_request(client: FlaskClient) -> None:
    from_scenario = create(client, {"person_name": "A", "scenario_id": 457})
    assert from_scenario["session_minutes_info"]["estimatedMinutes"] == 45
    explicit = create(client, {"person_name": "A", "scenario_id": 457, "meeting_duration_minutes": 12})
    assert explicit["session_minutes_info"]["estimatedMinutes"] == 12


def test_meeting_type_sent_is_echoed(client: FlaskClient) -> None:
    assert create(client, {"person_name": "A", "scenario_id": 456, "meeting_type": "end-user"})["data"]["meeting_type"] == "end-user"


def test_created_at_is_now_in_rfc3339(client: FlaskClient) -> None:
    created_at = create(client, {"person_name": "A", "scenario_id": 456})["data"]["created_at"]
    assert RFC3339.match(created_at)
    moment = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    assert abs(datetime.now(timezone.utc) - moment) < timedelta(seconds=5)


def test_created_at_and_token_iat_follow_the_clock_second_by_second() -> None:
    utc = timezone.utc
    moments = [datetime(1970, 1, 1, tzinfo=utc), datetime(2024, 1, 15, 10, 40, tzinfo=utc),
               datetime(2024, 1, 15, 10, 40, 0, 600000, tzinfo=utc), datetime(2024, 1, 15, 10, 40, 1, tzinfo=utc)]
    readings = iter(moments)
    client = create_app(access_log=False, clock=lambda: next(readings)).test_client()
    for moment in moments:
        meeting = create(client, {"person_name": "A", "scenario_id": 456})["data"]
        second = moment.replace(microsecond=0)
        assert meeting["created_at"] == second.strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = meeting["room_token"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["iat"] == int(second.timestamp())


def test_rooms_are_unique_and_tokens_jwt_shaped(client: FlaskClient) -> None:
    meetings = [create(client, {"person_name": "A", "scenario_id": 456})["data"] for _ in range(20)]
    assert len({m["room_url"] for m in meetings}) == 20
    assert len({m["id"] for m in meetings}) == 20
    for meeting in meetings:
        assert meeting["room_url"].startswith("https://waterrai.daily.co/")
        header, payload, signature = meeting["room_token"].split(".")
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        assert decoded == {"alg": "HS256", "typ": "JWT"}
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["meeting_id"] == meeting["id"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", signature)


def test_remaining_minutes_is_the_balance_after_each_meeting() -> None:
    client = create_app(access_log=False, balance=100).test_client()
    first = create(client, {"person_name": "A", "scenario_id": 456, "meeting_duration_minutes": 40})
    second = create(client, {"person_name": "A", "scenario_id": 456, "meeting_duration_minutes": 35})
    assert first["session_minutes_info"] == {"estimatedMinutes": 40, "remainingMinutes": 60}
    assert second["session_minutes_info"] == {"estimatedMinutes": 35, "remainingMinutes": 25}


def test_running_out_of_minutes_is_402_and_creates_nothing() -> None:
    client = create_app(access_log=False, balance=50).test_client()
    refused = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456, "meeting_duration_minutes": 51})
    assert refused.status_code == 402
    assert refused.get_json()["error"]["code"] == "insufficient_minutes"
    refused = client.post(DYNAMIC, headers=AUTH, json={"scenario_id": 456, "email": "new@example.com", "meeting_duration_minutes": 51})
    assert refused.status_code == 402
    # nothing was spent, no meeting and no end user were made
    after = create(client, {"person_name": "A", "scenario_id": 456, "meeting_duration_minutes": 50})
    assert after["session_minutes_info"]["remainingMinutes"] == 0
    assert after["data"]["id"] == 790
    assert client.get("/__mock/health").get_json()["counts"]["end_users"] == 1


def test_created_meeting_reads_back(client: FlaskClient) -> None:
    created = create(client, {"person_name": "Grace", "scenario_id": 457})["data"]
    response = client.get(f"/meetings/{created['id']}", headers=AUTH)
    assert response.status_code == 200
    read = response.get_json()
    assert read["status"] == "success"
    assert {k: read["data"][k] for k in created} == created
    assert read["data"]["updated_at"] == created["created_at"]


def test_documented_meeting_789_is_seeded(client: FlaskClient, spec: dict) -> None:
    response = client.get("/meetings/789", headers=AUTH)
    assert response.status_code == 200
    assert response.get_json() == docs_example(spec, "DocsMeeting789")


@pytest.mark.parametrize("meeting_id", ["999999", "790", "2147483647"])
def test_unknown_meeting_is_404(client: FlaskClient, meeting_id: str) -> None:
    response = client.get(f"/meetings/{meeting_id}", headers=AUTH)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "meeting_not_found"


@pytest.mark.parametrize("path", [CREATE, DYNAMIC])
def test_unknown_scenario_is_404(client: FlaskClient, path: str) -> None:
    response = client.post(path, headers=AUTH, json={"person_name": "A", "scenario_id": 999999})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "scenario_not_found"
    assert (error["details"][0]["field"], error["details"][0]["rule"]) == ("body.scenario_id", "exists")
    assert "999999" in error["message"]


# ------------------------------------------------------------------------ dynamic meetings


def test_dynamic_meeting_reuses_the_documented_end_user_by_email(client: FlaskClient, spec: dict) -> None:
    answer = create(client, docs_example(spec, "DocsCreateDynamicMeeting"), DYNAMIC)
    expected = docs_example(spec, "DocsDynamicMeetingCreated")
    assert answer["data"]["end_user"] == expected["data"]["end_user"]
    assert answer["data"]["scenario"] == expected["data"]["scenario"]
    assert answer["data"]["meeting_type"] == "end-user"
    assert answer["data"]["person_name"] == "Jane Smith"
    assert answer["scenario_url"] == expected["scenario_url"]
    assert urlsplit(answer["meeting_url"]).query == urlsplit(expected["meeting_url"]).query


def test_same_new_email_twice_gives_the_same_end_user(client: FlaskClient) -> None:
    first = create(client, {"scenario_id": 456, "email": "sam@example.org", "first_name": "Sam"}, DYNAMIC)
    second = create(client, {"scenario_id": 457, "email": "sam@example.org"}, DYNAMIC)
    other = create(client, {"scenario_id": 456, "email": "kim@example.org"}, DYNAMIC)
    assert first["data"]["end_user"] == second["data"]["end_user"]
    assert first["data"]["end_user"]["email"] == "sam@example.org"
    assert other["data"]["end_user"]["id"] != first["data"]["end_user"]["id"]
    assert other["data"]["end_user"]["membership_id"] != first["data"]["end_user"]["membership_id"]
    assert second["data"]["person_name"] == "Sam"  # the reused user lends the name it was created with


def test_no_email_creates_a_new_anonymous_end_user_each_time(client: FlaskClient) -> None:
    users = [create(client, {"scenario_id": 456}, DYNAMIC)["data"] for _ in range(3)]
    assert len({u["end_user"]["id"] for u in users}) == 3
    for meeting in users:
        assert meeting["end_user"]["email"] is None
        assert meeting["person_name"] == "Anonymous"


def test_person_name_is_built_from_first_and_last_name(client: FlaskClient) -> None:
    answer = create(client, {"scenario_id": 456, "first_name": "Ada", "last_name": "Lovelace"}, DYNAMIC)
    assert answer["data"]["person_name"] == "Ada Lovelace"
    assert answer["data"]["end_user"]["first_name"] == "Ada"
    sent = create(client, {"scenario_id": 456, "first_name": "Ada", "last_name": "L", "person_name": "Countess"}, DYNAMIC)
    assert sent["data"]["person_name"] == "Countess"


def test_dynamic_urls_carry_the_end_user_ids(client: FlaskClient) -> None:
    answer = create(client, {"scenario_id": 457, "email": "q@example.net"}, DYNAMIC)
    user = answer["data"]["end_user"]
    for key in ("meeting_url", "scenario_url"):
        query = parse_qs(urlsplit(answer[key]).query)
        assert query == {"end_user_id": [str(user["id"])], "membership_id": [str(user["membership_id"])]}
    assert answer["meeting_url"].startswith(answer["data"]["room_url"] + "?")
    assert answer["scenario_url"].startswith("https://app.waterrai.com/s/discovery-call-201?")


def test_dynamic_meeting_reads_back(client: FlaskClient) -> None:
    created = create(client, {"scenario_id": 456, "email": "r@example.com"}, DYNAMIC)["data"]
    read = client.get(f"/meetings/{created['id']}", headers=AUTH).get_json()["data"]
    assert {k: read[k] for k in created} == created


# ------------------------------------------------------------------------ auth


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Bearer   "}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "test-token"}],
)
def test_missing_or_malformed_bearer_is_401(client: FlaskClient, headers: dict[str, str]) -> None:
    for response in (
        client.get("/meetings/789", headers=headers),
        client.post(CREATE, headers=headers, json={"person_name": "A", "scenario_id": 456}),
    ):
        assert response.status_code == 401
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized"
        assert error["details"][0]["field"] == "header.Authorization"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_any_bearer_token_is_accepted_by_default(client: FlaskClient) -> None:
    assert client.get("/meetings/789", headers={"Authorization": "Bearer whatever"}).status_code == 200
    assert client.get("/meetings/789", headers={"Authorization": "bearer lower-case-scheme"}).status_code == 200


def test_token_option_accepts_only_that_token() -> None:
    client = create_app(access_log=False, token="s3cret").test_client()
    assert client.get("/meetings/789", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    wrong = client.get("/meetings/789", headers={"Authorization": "Bearer other"})
    assert wrong.status_code == 401
    assert "s3cret" not in wrong.get_data(as_text=True)


# ------------------------------------------------------------------------ state


def test_state_file_keeps_meetings_and_end_users_across_restarts(tmp_path) -> None:
    path = tmp_path / "state.sqlite3"
    first = create_app(access_log=False, state_path=path).test_client()
    meeting = create(first, {"scenario_id": 456, "email": "keep@example.com"}, DYNAMIC)["data"]
    second = create_app(access_log=False, state_path=path).test_client()
    assert second.get(f"/meetings/{meeting['id']}", headers=AUTH).get_json()["data"]["id"] == meeting["id"]
    again = create(second, {"scenario_id": 456, "email": "keep@example.com"}, DYNAMIC)
    assert again["data"]["end_user"] == meeting["end_user"]
    assert again["data"]["id"] == meeting["id"] + 1
    assert second.get("/__mock/health").get_json()["balance"] == again["session_minutes_info"]["remainingMinutes"]
    third = create_app(access_log=False, state_path=path, balance=5).test_client()  # the kept balance wins
    assert third.get("/__mock/health").get_json()["balance"] == again["session_minutes_info"]["remainingMinutes"]


def test_fresh_state_by_default() -> None:
    first = create_app(access_log=False).test_client()
    create(first, {"person_name": "A", "scenario_id": 456})
    second = create_app(access_log=False).test_client()
    assert second.get("/meetings/790", headers=AUTH).status_code == 404


def test_state_is_bounded(tmp_path, spec: dict) -> None:
    import yaml

    small = dict(spec, **{"x-mock": {**spec["x-mock"], "limits": {**spec["x-mock"]["limits"], "max_meetings": 5, "max_end_users": 3}}})
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small))
    client = create_app(path, access_log=False).test_client()
    ids = [create(client, {"scenario_id": 456}, DYNAMIC)["data"]["id"] for _ in range(12)]
    counts = client.get("/__mock/health").get_json()["counts"]
    assert counts["meetings"] <= 5 + 1  # the bound plus the seeded meeting 789
    assert counts["end_users"] <= 3 + 1
    assert client.get(f"/meetings/{ids[-1]}", headers=AUTH).status_code == 200
    assert client.get(f"/meetings/{ids[0]}", headers=AUTH).status_code == 404
    assert client.get("/meetings/789", headers=AUTH).status_code == 200


# ------------------------------------------------------------------------ admin routes


def test_admin_reset_health_and_request_journal(client: FlaskClient, spec: dict) -> None:
    create(client, {"person_name": "A", "scenario_id": 456})
    client.get("/meetings/790", headers=AUTH)
    journal = client.get("/__mock/requests?limit=2").get_json()["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in journal] == [("GET", "/meetings/790", 200), ("POST", "/meetings", 200)]
    assert "test-token" not in json.dumps(journal)
    health = client.get("/__mock/health").get_json()
    assert health["status"] == "ok" and health["counts"]["meetings"] == 2
    assert client.post("/__mock/reset").status_code == 200
    assert client.get("/meetings/790", headers=AUTH).status_code == 404
    assert client.get("/meetings/789", headers=AUTH).status_code == 200
    assert client.get("/__mock/health").get_json()["balance"] == spec["x-mock"]["account"]["session_minutes"]
    assert client.get("/__mock/requests?limit=0").status_code == 400
    assert client.get("/__mock/requests?limit=abc").status_code == 400


def test_journal_times_are_rfc3339_in_utc_to_the_microsecond(client: FlaskClient) -> None:
    before = datetime.now(timezone.utc)
    client.get("/meetings/789", headers=AUTH)
    (line,) = client.get("/__mock/requests?limit=1").get_json()["requests"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", line["at"])
    at = datetime.strptime(line["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert before - timedelta(seconds=1) <= at <= datetime.now(timezone.utc)


#: The tables as the kit's first release wrote them: the balance spent down in place, the journal's
#: time as text.
FIRST_RELEASE_TABLES = """
CREATE TABLE account (id INTEGER PRIMARY KEY CHECK (id = 1), balance INTEGER NOT NULL);
CREATE TABLE end_users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, first_name TEXT, last_name TEXT,
    membership_id INTEGER NOT NULL, seeded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE meetings (id INTEGER PRIMARY KEY, document TEXT NOT NULL, updated_at TEXT NOT NULL,
    seeded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE requests (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, status INTEGER NOT NULL, duration_ms REAL NOT NULL);
INSERT INTO account VALUES (1, 500);
INSERT INTO end_users VALUES (40, 'old@example.com', 'Ola', 'Old', 70, 0);
INSERT INTO meetings VALUES (900, '{"id": 900, "person_name": "Old"}', '2024-01-15T10:40:00Z', 0);
INSERT INTO requests (at, method, path, status, duration_ms) VALUES ('2024-01-15T10:40:00.000000Z', 'GET', '/x', 200, 1.0);
"""


def test_state_file_from_the_first_release_keeps_its_meetings_and_balance(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.executescript(FIRST_RELEASE_TABLES)
    client = create_app(access_log=False, state_path=path).test_client()
    assert client.get("/meetings/900", headers=AUTH).get_json()["data"]["person_name"] == "Old"
    assert client.get("/__mock/health").get_json()["balance"] == 500
    created = create(client, {"person_name": "New", "scenario_id": 456})
    assert created["data"]["id"] == 901
    assert created["session_minutes_info"]["remainingMinutes"] == 500 - created["session_minutes_info"]["estimatedMinutes"]
    assert [(r["method"], r["path"]) for r in client.get("/__mock/requests").get_json()["requests"]] == [
        ("POST", "/meetings"),
        ("GET", "/meetings/900"),
    ]  # newest first; the old journal's lines are gone
    known = create(client, {"scenario_id": 456, "email": "old@example.com"}, DYNAMIC)["data"]["end_user"]
    assert known == {"id": 40, "first_name": "Ola", "last_name": "Old", "email": "old@example.com", "membership_id": 70}
    fresh = create(client, {"scenario_id": 456}, DYNAMIC)["data"]["end_user"]
    seeded = client.get("/__mock/seed").get_json()["seed"]["end_users"][0]  # the spec's end user, planted beside them
    # numbering goes on after the old ones and the seeded one: no number is handed out twice
    assert (fresh["id"], fresh["membership_id"]) == (max(40, seeded["id"]) + 1, max(70, seeded["membership_id"]) + 1)


@pytest.mark.parametrize("limits", [{"max_meetings": 0}, {"max_meetings": None}], ids=["zero", "missing"])
def test_limits_the_spec_leaves_out_or_below_one_are_refused_at_start(tmp_path, spec: dict, limits: dict) -> None:
    import yaml

    from meetings_spec import SpecError

    stated = {k: v for k, v in {**spec["x-mock"]["limits"], **limits}.items() if v is not None}
    broken = dict(spec, **{"x-mock": {**spec["x-mock"], "limits": stated}})
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    with pytest.raises(SpecError, match="max_meetings"):
        create_app(path, access_log=False)


def test_request_journal_is_bounded(client: FlaskClient) -> None:
    for _ in range(300):
        client.get("/meetings/789", headers=AUTH)
    assert client.get("/__mock/health").get_json()["counts"]["requests"] <= 200 + 64
    assert len(client.get("/__mock/requests").get_json()["requests"]) == 200
