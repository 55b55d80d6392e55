"""A sandbox per token (``--sandboxes``): each bearer token its own world, admin routes on the
caller's, a bounded number of them, the same through every worker and a state file."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Callable

import pytest
from flask import Flask

from conftest import CREATE, DYNAMIC
from mock_server import create_app

Client = Callable[[Flask], Any]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def short(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:12]


def _create(client: Any, token: str, name: str, path: str = CREATE, **fields: Any) -> dict[str, Any]:
    answer = client.post(path, headers=auth(token), json={"person_name": name, "scenario_id": 456, **fields})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_each_token_has_a_world_of_its_own(client_for: Client) -> None:
    client = client_for(create_app(access_log=False, sandboxes=True, balance=1000))
    ada = _create(client, "token-ada", "Ada")
    bob = _create(client, "token-bob", "Bob", meeting_duration_minutes=100)
    assert ada["data"]["id"] == bob["data"]["id"] == 790  # ids start where the seeds leave off, in each
    assert client.get("/meetings/790", headers=auth("token-ada")).get_json()["data"]["person_name"] == "Ada"
    assert client.get("/meetings/790", headers=auth("token-bob")).get_json()["data"]["person_name"] == "Bob"
    assert client.get("/meetings/790", headers=auth("token-ada")).get_json()["data"]["person_name"] == "Ada"  # kept per sandbox
    second = _create(client, "token-ada", "Ada again")["data"]["id"]
    assert client.get(f"/meetings/{second}", headers=auth("token-bob")).status_code == 404
    assert ada["session_minutes_info"]["remainingMinutes"] == 970 and bob["session_minutes_info"]["remainingMinutes"] == 900
    # end users by e-mail: the same e-mail is another end user in another sandbox, numbered alike
    first = _create(client, "token-ada", "A", DYNAMIC, email="same@example.com")["data"]["end_user"]
    other = _create(client, "token-bob", "B", DYNAMIC, email="same@example.com")["data"]["end_user"]
    assert first["id"] == other["id"] and first["first_name"] is None
    assert _create(client, "token-ada", "A", DYNAMIC, email="same@example.com")["data"]["end_user"] == first


def test_without_sandboxes_every_token_shares_one_world(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    created = _create(client, "token-ada", "Ada")["data"]["id"]
    assert client.get(f"/meetings/{created}", headers=auth("token-bob")).get_json()["data"]["person_name"] == "Ada"


def test_the_admin_routes_act_on_the_callers_sandbox(client_for: Client) -> None:
    client = client_for(create_app(access_log=False, sandboxes=True))
    ada_meeting = _create(client, "token-ada", "Ada")["data"]["id"]
    _create(client, "token-bob", "Bob")
    assert client.post("/__mock/seed", headers=auth("token-bob"), json={"balance": 7}).status_code == 200
    assert client.get("/__mock/health", headers=auth("token-bob")).get_json()["balance"] == 7
    assert client.get("/__mock/health", headers=auth("token-ada")).get_json()["balance"] == 1_000_000_000 - 30
    assert client.post("/__mock/reset", headers=auth("token-bob")).status_code == 200
    assert client.get(f"/meetings/{ada_meeting}", headers=auth("token-ada")).status_code == 200  # not Ada's
    assert client.get(f"/meetings/{ada_meeting}", headers=auth("token-bob")).status_code == 404
    assert client.get("/__mock/health", headers=auth("token-bob")).get_json()["balance"] == 7  # back to its seeds
    journal = client.get("/__mock/requests", headers=auth("token-ada")).get_json()["requests"]
    assert [(line["method"], line["path"]) for line in journal] == [("GET", f"/meetings/{ada_meeting}"), ("POST", CREATE)]
    assert client.post("/__mock/reset?all=1").get_json() == {"status": "reset", "worlds": 2}
    assert client.get(f"/meetings/{ada_meeting}", headers=auth("token-ada")).status_code == 404


@pytest.mark.parametrize(("method", "path"), [("POST", "/__mock/reset"), ("GET", "/__mock/seed"), ("POST", "/__mock/seed"), ("DELETE", "/__mock/seed"), ("GET", "/__mock/requests")])
def test_with_sandboxes_an_admin_route_without_a_token_is_a_401_saying_why(client_for: Client, method: str, path: str) -> None:
    client = client_for(create_app(access_log=False, sandboxes=True))
    answer = client.open(path, method=method, json={"balance": 1} if method == "POST" else None, headers={"Authorization": "Basic abc"})
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "caller's sandbox" in answer.get_json()["error"]["message"]
    health = client.get("/__mock/health").get_json()  # a readiness probe needs none
    assert health["status"] == "ok" and health["sandboxes"] is True and "balance" not in health


def test_the_listing_names_sandboxes_by_a_short_hash_never_by_the_token(client_for: Client) -> None:
    client = client_for(create_app(access_log=False, sandboxes=True))
    _create(client, "secret-token-of-ada", "Ada")
    client.post("/__mock/seed", headers=auth("secret-token-of-bob"), json={"balance": 3})
    listed = client.get("/__mock/sandboxes")
    text = listed.get_data(as_text=True)
    assert "secret-token" not in text
    sandboxes = {entry["sandbox"]: entry for entry in listed.get_json()["sandboxes"]}
    assert set(sandboxes) == {short("secret-token-of-ada"), short("secret-token-of-bob")}
    assert sandboxes[short("secret-token-of-bob")]["balance"] == 3 and sandboxes[short("secret-token-of-bob")]["seeded_at_run_time"]
    assert sandboxes[short("secret-token-of-ada")]["counts"]["created_meetings"] == 1
    assert listed.get_json()["max"] == 100


def test_the_least_recently_used_sandbox_goes_past_the_bound_and_the_log_says_so(caplog: pytest.LogCaptureFixture, client_for: Client) -> None:
    app = create_app(access_log=False, sandboxes=True, max_sandboxes=2)
    client = client_for(app)
    journal = app.extensions["waterrai_mock"].journal
    old = _create(client, "token-old", "Old")["data"]["id"]
    journal.flush()
    _create(client, "token-mid", "Mid")
    journal.flush()
    client.get(f"/meetings/{old}", headers=auth("token-old"))  # used again: now the middle one is the oldest used
    journal.flush()
    with caplog.at_level(logging.WARNING, logger="mock_server.state"):
        _create(client, "token-new", "New")
    (line,) = [record.getMessage() for record in caplog.records if "removed" in record.getMessage()]
    assert f"sandbox {short('token-mid')} removed, the least recently used" in line and "at most 2 sandboxes" in line
    assert "token-mid" not in line
    assert {entry["sandbox"] for entry in client.get("/__mock/sandboxes").get_json()["sandboxes"]} == {short("token-old"), short("token-new")}
    assert client.get(f"/meetings/{old}", headers=auth("token-old")).get_json()["data"]["person_name"] == "Old"
    assert client.get("/meetings/790", headers=auth("token-mid")).status_code == 404  # made afresh from the seeds


def test_sandboxes_are_shared_by_workers_and_kept_in_a_state_file(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    first = create_app(access_log=False, sandboxes=True, state_path=database).test_client()
    worker = create_app(access_log=False, sandboxes=True, state_path=database, initialize=False).test_client()
    created = _create(first, "token-ada", "Ada")["data"]["id"]
    assert worker.get(f"/meetings/{created}", headers=auth("token-ada")).get_json()["data"]["person_name"] == "Ada"
    assert worker.get(f"/meetings/{created}", headers=auth("token-bob")).status_code == 404
    _create(worker, "token-bob", "Bob")
    assert first.get(f"/meetings/{created}", headers=auth("token-bob")).get_json()["data"]["person_name"] == "Bob"
    # a reset through one worker reaches what the other kept of its reads
    assert worker.post("/__mock/reset", headers=auth("token-ada")).status_code == 200
    assert first.get(f"/meetings/{created}", headers=auth("token-ada")).status_code == 404
    restarted = create_app(access_log=False, sandboxes=True, state_path=database).test_client()
    assert restarted.get(f"/meetings/{created}", headers=auth("token-bob")).get_json()["data"]["person_name"] == "Bob"
    assert len(restarted.get("/__mock/sandboxes").get_json()["sandboxes"]) == 2
    with __import__("sqlite3").connect(database) as db:  # the file holds hashes, never a token
        keys = [row[0] for row in db.execute("SELECT key FROM worlds")]
    assert sorted(keys) == sorted(hashlib.sha256(t.encode()).hexdigest() for t in ("token-ada", "token-bob"))
    assert b"token-ada" not in database.read_bytes()


def test_a_sandbox_removed_by_another_worker_is_made_again(tmp_path: Path) -> None:
    """Another worker removes the sandbox (the least recently used) between this worker's two
    creates: the second is served in a sandbox made afresh, not lost, nor an error."""
    database = tmp_path / "state.sqlite3"
    one = create_app(access_log=False, sandboxes=True, max_sandboxes=1, state_path=database).test_client()
    other = create_app(access_log=False, sandboxes=True, max_sandboxes=1, state_path=database, initialize=False).test_client()
    _create(one, "token-ada", "Ada")
    _create(other, "token-bob", "Bob")  # removes Ada's sandbox
    again = _create(one, "token-ada", "Ada again")
    assert again["data"]["id"] == 790 and one.get("/meetings/790", headers=auth("token-ada")).get_json()["data"]["person_name"] == "Ada again"


def test_a_sandbox_removed_between_finding_it_and_creating_in_it_is_made_again(tmp_path: Path) -> None:
    """The narrow case: the worker found the sandbox (and keeps its id), then it went before the
    create's transaction (here: its row deleted with the generation left alone, as happens when
    the removal lands in between): the create is served in a sandbox made afresh."""
    import sqlite3

    database = tmp_path / "state.sqlite3"
    client = create_app(access_log=False, sandboxes=True, state_path=database).test_client()
    _create(client, "token-ada", "Ada")
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM worlds WHERE key = ?", (hashlib.sha256(b"token-ada").hexdigest(),))
    again = _create(client, "token-ada", "Ada again")
    assert again["data"]["id"] == 790 and again["session_minutes_info"]["remainingMinutes"] == 1_000_000_000 - 30


def test_the_listing_without_sandboxes_shows_the_shared_world(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    listed = client.get("/__mock/sandboxes").get_json()
    assert listed["enabled"] is False and [entry["sandbox"] for entry in listed["sandboxes"]] == ["shared"]
    assert json.dumps(listed).count("sandbox") >= 1
