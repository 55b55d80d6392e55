"""Seeds: your own data in the mock (``--seed FILE``, ``POST /__mock/seed``), checked against the
spec, refused with the entry and the field named, never half applied."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from flask import Flask

from conftest import AUTH, CREATE, DYNAMIC
from meetings_spec import SpecError
from mock_server import create_app
from mock_server.seeds import SeedError, read_seed_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "frontend" / "seed.yaml"

Client = Callable[[Flask], Any]


def _readme_seed() -> str:
    """The seed file README's "Your own data" shows, as written there."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own data", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert found, "README's Your own data shows no seed file"
    return found.group(1)


def test_the_readme_shows_the_example_seed_file_the_frontend_example_loads() -> None:
    assert _readme_seed() == EXAMPLE.read_text(encoding="utf-8")


def test_the_example_seed_brings_its_scenario_meeting_end_user_and_balance(client_for: Client, tmp_path: Path) -> None:
    seed = tmp_path / "my-data.yaml"
    seed.write_text(_readme_seed(), encoding="utf-8")
    document = read_seed_file(seed)[0]
    client = client_for(create_app(access_log=False, seeds=[seed]))
    read = client.get("/meetings/1001", headers=AUTH).get_json()["data"]
    assert read == {**document["meetings"][0], "created_at": "2024-03-01T09:00:00Z", "updated_at": "2024-03-01T09:45:00Z"}
    assert client.get("/meetings/789", headers=AUTH).status_code == 200  # the spec's own seed stays
    first = client.post(CREATE, headers=AUTH, json={"person_name": "Ada", "scenario_id": 900}).get_json()
    assert first["data"]["id"] == 1002  # ids start where the seeds leave off
    assert first["session_minutes_info"] == {"estimatedMinutes": 15, "remainingMinutes": 75}  # the scenario's call_duration
    dynamic = client.post(DYNAMIC, headers=AUTH, json={"scenario_id": 900, "email": "grace@example.com"}).get_json()["data"]
    assert dynamic["end_user"] == document["end_users"][0]  # found again by e-mail
    assert dynamic["scenario"]["scenario_link"] == "onboarding-301"
    assert client.post(CREATE, headers=AUTH, json={"person_name": "B", "scenario_id": 900, "meeting_duration_minutes": 61}).status_code == 402  # 60 left
    shown = client.get("/__mock/seed").get_json()
    assert shown["sources"] == ["meetings.yaml (x-mock)", str(seed)]
    assert shown["seed"]["balance"] == 90 and 900 in [s["id"] for s in shown["seed"]["scenarios"]]


def test_seeds_replace_where_ids_meet_and_later_files_win(tmp_path: Path) -> None:
    base = read_seed_file(EXAMPLE)[0]
    first, second = tmp_path / "first.yaml", tmp_path / "second.json"
    docs_meeting = create_app(access_log=False).test_client().get("/meetings/789", headers=AUTH).get_json()["data"]
    first.write_text(yaml.safe_dump({"meetings": [{**docs_meeting, "person_name": "Replaced"}], "balance": 10}))
    second.write_text(json.dumps({"scenarios": [{**base["scenarios"][0], "id": 456, "call_duration": 20}], "balance": 77}))
    client = create_app(access_log=False, seeds=[first, second]).test_client()
    assert client.get("/meetings/789", headers=AUTH).get_json()["data"]["person_name"] == "Replaced"
    assert client.get("/__mock/health").get_json()["balance"] == 77
    created = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456}).get_json()
    assert created["session_minutes_info"]["estimatedMinutes"] == 20  # scenario 456 replaced, whose duration is 20


def test_balance_on_the_command_line_wins_over_the_seeds(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("balance: 10\n")
    client = create_app(access_log=False, seeds=[seed], balance=500).test_client()
    assert client.get("/__mock/health").get_json()["balance"] == 500


# ---------------------------------------------------------------------- bad seed files at start

_MEETING = read_seed_file(EXAMPLE)[0]["meetings"][0]
_SCENARIO = read_seed_file(EXAMPLE)[0]["scenarios"][0]
_USER = read_seed_file(EXAMPLE)[0]["end_users"][0]

#: (file text, the words the refusal must hold: entry and field, and what is wrong)
BAD_FILES = {
    "wrong type": (yaml.safe_dump({"meetings": [{**_MEETING, "id": "seven"}]}), 'meetings[0].id: "seven" is not of type "integer"'),
    "unknown part": ("balance: 5\ncolour: blue\n", "colour: not a field of a seed (it has balance, scenarios, meetings, end_users)"),
    "unknown field": (yaml.safe_dump({"meetings": [{**_MEETING, "colour": "blue"}]}), "meetings[0].colour: not a field of an entry of meetings"),
    "unknown scenario attribute": (yaml.safe_dump({"scenarios": [{**_SCENARIO, "mood": "calm"}]}), "scenarios[0].mood: not a field"),
    "duplicate meeting ids": (yaml.safe_dump({"meetings": [_MEETING, {**_MEETING, "person_name": "Other"}]}), "meetings[1].id: 1001 is already the id of meetings[0]"),
    "duplicate scenario ids": (yaml.safe_dump({"scenarios": [_SCENARIO, _SCENARIO]}), "scenarios[1].id: 900 is already the id of scenarios[0]"),
    "duplicate e-mails": (yaml.safe_dump({"end_users": [_USER, {**_USER, "id": 501, "membership_id": 801}]}), 'end_users[1].email: "grace@example.com" is already the email of end_users[0]'),
    "duplicate end user ids": (yaml.safe_dump({"end_users": [_USER, {**_USER, "email": "ada@example.com", "membership_id": 801}]}), "end_users[1].id: 500 is already the id"),
    "negative balance": ("balance: -5\n", "balance: -5 is less than the minimum of 0"),
    "fractional balance": ("balance: 2.5\n", 'balance: 2.5 is not of type "integer"'),
    "meeting of a missing scenario": (yaml.safe_dump({"meetings": [{**_MEETING, "scenario_id": 999}]}), "meetings[0].scenario_id: no scenario has the id 999 (the scenarios: 456, 457)"),
    "missing field": (yaml.safe_dump({"meetings": [{k: v for k, v in _MEETING.items() if k != "room_url"}], "scenarios": [_SCENARIO]}), "meetings[0].room_url: missing"),
    "enum": (yaml.safe_dump({"meetings": [{**_MEETING, "status": "paused"}], "scenarios": [_SCENARIO]}), "meetings[0].status:"),
    "date-time": (yaml.safe_dump({"meetings": [{**_MEETING, "created_at": "yesterday"}], "scenarios": [_SCENARIO]}), "meetings[0].created_at:"),
    "id the read cannot read back": (yaml.safe_dump({"meetings": [{**_MEETING, "id": 0}], "scenarios": [_SCENARIO]}), "meetings[0].id: GET /meetings/{id} could not read it back"),
    "past 64 bits": (yaml.safe_dump({"end_users": [{**_USER, "membership_id": 2**70}]}), "end_users[0].membership_id: 1180591620717411303424 is past the 64-bit integers"),
    "scenario duration out of range": (yaml.safe_dump({"scenarios": [{**_SCENARIO, "call_duration": 0}]}), "scenarios[0].call_duration:"),
    "not a mapping": ("- balance: 5\n", "a seed is a mapping of balance, scenarios, meetings, end_users"),
    "not YAML": ("meetings: [\n  {id: 1\n", "line 3: not valid YAML"),
    "a key that is no text": ("1: one\n", "1: a key must be text"),
    "binary": ("balance: !!binary aGVsbG8=\n", "balance: a bytes is no JSON value"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_seed_file_stops_the_start_naming_file_entry_and_field(name: str, tmp_path: Path) -> None:
    text, expected = BAD_FILES[name]
    path = tmp_path / "my-data.yaml"
    path.write_text(text)
    with pytest.raises(SeedError) as refused:
        create_app(access_log=False, seeds=[path], state_path=tmp_path / "state.sqlite3")
    message = str(refused.value)
    assert message.startswith(f"{path}, line ") or message.startswith(f"{path}: "), message
    assert expected in message, message
    assert "Traceback" not in message


def test_a_bad_seed_file_names_the_line_of_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("balance: 5\nmeetings:\n  - id: seven\n")
    with pytest.raises(SeedError, match=r"data\.yaml, line 3: meetings\[0\]"):
        create_app(access_log=False, seeds=[path])


def test_a_json_seed_file_is_read_as_json(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"balance": 5,\n "meetings": [}')
    with pytest.raises(SeedError, match=r"data\.json, line 2: not valid JSON"):
        create_app(access_log=False, seeds=[path])
    path.write_text('{"balance": 1e2}')  # a whole number, as JSON Schema reads it
    assert create_app(access_log=False, seeds=[path]).test_client().get("/__mock/health").get_json()["balance"] == 100


def test_a_seed_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"missing\.yaml: cannot read the seed file: No such file"):
        create_app(access_log=False, seeds=[tmp_path / "missing.yaml"])


def test_the_spec_s_own_scenarios_are_held_to_the_same_rules(tmp_path: Path, spec: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(spec))
    broken["x-mock"]["scenarios"][1]["call_duration"] = "forty-five"
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(broken, sort_keys=False))
    with pytest.raises(SpecError) as refused:
        create_app(path, access_log=False)
    assert "at /x-mock/scenarios/1/call_duration" in str(refused.value) and "line " in str(refused.value)


# ---------------------------------------------------------------------- seeds at run time


def test_a_seed_posted_at_run_time_goes_into_the_world_and_a_reset_goes_back_to_it(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    document = read_seed_file(EXAMPLE)[0]
    created = client.post(CREATE, headers=AUTH, json={"person_name": "Before", "scenario_id": 456}).get_json()["data"]["id"]
    answer = client.post("/__mock/seed", json=document)
    assert answer.status_code == 200 and answer.get_json()["balance"] == 90
    assert client.get("/meetings/1001", headers=AUTH).status_code == 200
    assert client.get(f"/meetings/{created}", headers=AUTH).status_code == 200  # what was created stays
    assert client.get("/__mock/seed").get_json()["sources"][-1] == "POST /__mock/seed"
    client.post(CREATE, headers=AUTH, json={"person_name": "After", "scenario_id": 900})
    assert client.post("/__mock/reset").get_json()["balance"] == 90  # back to the seeds, the posted one included
    assert client.get(f"/meetings/{created}", headers=AUTH).status_code == 404
    assert client.get("/meetings/1001", headers=AUTH).status_code == 200
    assert client.delete("/__mock/seed").status_code == 200  # forget it: back to the start's seeds
    assert client.get("/meetings/1001", headers=AUTH).status_code == 404
    assert client.get("/__mock/health").get_json()["balance"] == 1_000_000_000


def test_a_balance_posted_alone_sets_the_balance_and_keeps_the_meetings(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    created = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456}).get_json()["data"]["id"]
    assert client.post("/__mock/seed", json={"balance": 0}).status_code == 200
    assert client.post(CREATE, headers=AUTH, json={"person_name": "B", "scenario_id": 456}).status_code == 402
    assert client.get(f"/meetings/{created}", headers=AUTH).status_code == 200
    assert client.post("/__mock/seed", json={"scenarios": [_SCENARIO]}).get_json()["balance"] == 0  # no balance given: it stays


def test_a_seed_replacing_a_meeting_is_read_at_once_where_the_old_one_was_kept(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    assert client.get("/meetings/789", headers=AUTH).get_json()["data"]["person_name"] == "John Doe"  # read, and kept by the worker
    meeting = {**client.get("/meetings/789", headers=AUTH).get_json()["data"], "person_name": "Jane Roe"}
    assert client.post("/__mock/seed", json={"meetings": [meeting]}).status_code == 200
    assert client.get("/meetings/789", headers=AUTH).get_json()["data"]["person_name"] == "Jane Roe"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"balance": 5, "meetings": [{**_MEETING, "id": "seven"}]}, "body.meetings[0].id", 'is not of type "integer"'),
        ({"balance": 5, "meetings": [{**_MEETING, "scenario_id": 31337}]}, "body.meetings[0].scenario_id", "no scenario has the id 31337"),
        ({"balance": 5, "colour": "blue"}, "body.colour", "not a field of a seed"),
        ({"balance": -1}, "body.balance", "less than the minimum of 0"),
        ({"balance": 5, "end_users": [_USER, _USER]}, "body.end_users[1].email", "is already the email"),
        ([{"balance": 5}], "body", "a seed is a mapping"),
        ({"balance": 99999999999999999999999}, "body.balance", "past the 64-bit integers"),
    ],
)
def test_a_bad_seed_posted_is_a_400_naming_entry_and_field_and_nothing_is_applied(client_for: Client, body: Any, field: str, words: str) -> None:
    client = client_for(create_app(access_log=False))
    before = client.get("/__mock/health").get_json()
    answer = client.post("/__mock/seed", json=body)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_seed" and any(d["field"] == field and words in d["message"] for d in error["details"]), error
    after = client.get("/__mock/health").get_json()
    assert (after["balance"], after["counts"]["meetings"]) == (before["balance"], before["counts"]["meetings"])
    assert "POST /__mock/seed" not in client.get("/__mock/seed").get_json()["sources"]


@pytest.mark.parametrize("depth", [100, 990])
def test_a_seed_nested_deeply_is_a_400_not_a_failure(client_for: Client, depth: int) -> None:
    """JSON the parser takes (up to its own limit) must not trip the checks that walk it."""
    client = client_for(create_app(access_log=False))
    answer = client.post("/__mock/seed", data='{"balance": ' + "[" * depth + "]" * depth + "}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "nests at most 64 levels" in answer.get_json()["error"]["message"]


def test_a_seed_posted_may_name_scenarios_of_the_seeds_below_it(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    assert client.post("/__mock/seed", json={"scenarios": [_SCENARIO]}).status_code == 200
    assert client.post("/__mock/seed", json={"meetings": [_MEETING]}).status_code == 200  # scenario 900, posted before
    assert client.get("/meetings/1001", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("content_type", "data", "status", "code"),
    [("text/plain", b'{"balance": 1}', 415, "unsupported_media_type"), ("application/json", b'{"balance": ', 400, "malformed_json"), ("application/json", b"", 400, "malformed_json")],
)
def test_a_seed_that_is_not_json_is_refused(client_for: Client, content_type: str, data: bytes, status: int, code: str) -> None:
    client = client_for(create_app(access_log=False))
    answer = client.post("/__mock/seed", data=data, headers={"Content-Type": content_type})
    assert answer.status_code == status and answer.get_json()["error"]["code"] == code


def test_reset_all_takes_only_one_or_true(client_for: Client) -> None:
    client = client_for(create_app(access_log=False))
    answer = client.post("/__mock/reset?all=yes-please")
    assert answer.status_code == 400 and answer.get_json()["error"]["details"][0]["field"] == "query.all"
    assert client.post("/__mock/reset?all=1").get_json() == {"status": "reset", "worlds": 1}


def test_the_token_hash_the_docs_name_is_the_sha256_of_the_token() -> None:
    from mock_server.worlds import token_key

    assert token_key("test-token") == hashlib.sha256(b"test-token").hexdigest()
