"""Reload on edit (``--watch``): a good edit of the spec or a seed file is served, a broken one
changes nothing but says where it is broken, meetings stay where they still read back, and a
request routed before a reload is answered wholly by the spec it was routed by.

Each test looks at the files itself (``Watcher.check``, what the watching thread calls a few
times a second), so none waits on a clock; the process test drives the thread."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from flask import Flask

from conftest import AUTH, CREATE
from mock_server import create_app
from mock_server.core import Answer, Request

Client = Callable[[Flask], Any]


def _write(path: Path, spec: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture()
def spec_file(tmp_path: Path, spec: dict[str, Any]) -> Path:
    path = tmp_path / "meetings.yaml"
    _write(path, spec)
    return path


def _edited(spec: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    changed = copy.deepcopy(spec)
    edit(changed)
    return changed


def test_a_good_edit_is_served_after_one_look(client_for: Client, spec_file: Path, spec: dict[str, Any]) -> None:
    app = create_app(spec_file, access_log=False)
    client, watcher = client_for(app), app.extensions["waterrai_watcher"]
    before = client.get("/__mock/health").get_json()["spec"]
    assert client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 457}).get_json()["session_minutes_info"]["estimatedMinutes"] == 45
    assert watcher.check() is False  # nothing changed
    _write(spec_file, _edited(spec, lambda s: s["x-mock"]["scenarios"][1].update(call_duration=50)))
    assert watcher.check() is True
    assert client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 457}).get_json()["session_minutes_info"]["estimatedMinutes"] == 50
    after = client.get("/__mock/health").get_json()["spec"]
    assert after["error"] is None and after["path"] == before["path"] == str(spec_file)


def test_a_broken_edit_keeps_the_last_good_spec_and_says_where_it_is_broken(client_for: Client, spec_file: Path, spec: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(spec_file, access_log=False)
    client, watcher = client_for(app), app.extensions["waterrai_watcher"]
    good = spec_file.read_text()
    spec_file.write_text(good.replace("$ref: '#/components/schemas/MeetingId'", "$ref: '#/components/schemas/NoSuchThing'", 1))
    with caplog.at_level("ERROR", logger="mock_server.reload"):
        assert watcher.check() is False
        assert watcher.check() is False  # looked at again
        spec_file.write_text(spec_file.read_text())  # saved again, as broken
        assert watcher.check() is False  # logged once all the same
    error = client.get("/__mock/health").get_json()["spec"]["error"]
    line = next(number for number, text in enumerate(spec_file.read_text().splitlines(), 1) if "NoSuchThing" in text)
    assert error.startswith(f"{spec_file}, line {line}, at /components/schemas/") and "leads nowhere" in error
    assert [r.getMessage() for r in caplog.records] == [f"the edit cannot be used, the last good spec and seeds are still served: {error}"]
    assert client.get("/meetings/789", headers=AUTH).status_code == 200  # the last good one serves on
    assert client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456}).status_code == 200
    page = client.get("/docs").get_data(as_text=True)
    assert 'class="mock-spec-error"' in page and "NoSuchThing" in page and f"line {line}" in page
    spec_file.write_text("openapi: 3.1.0\ninfo: [unclosed\n")  # another broken edit: its own error
    watcher.check()
    assert re.search(r"line \d+: not valid YAML", client.get("/__mock/health").get_json()["spec"]["error"])
    spec_file.write_text(good.replace("Enterprise Software Objection Handling", "Objections, Edited"))  # fixed
    assert watcher.check() is True
    assert client.get("/__mock/health").get_json()["spec"]["error"] is None
    assert 'class="mock-spec-error"' not in client.get("/docs").get_data(as_text=True)


def test_meetings_stay_where_they_still_read_back_under_the_new_spec(client_for: Client, spec_file: Path, spec: dict[str, Any]) -> None:
    app = create_app(spec_file, access_log=False, sandboxes=True)
    client, watcher = client_for(app), app.extensions["waterrai_watcher"]
    ada = client.post(CREATE, headers=AUTH, json={"person_name": "Ada", "scenario_id": 456}).get_json()["data"]["id"]
    zoe = client.post(CREATE, headers=AUTH, json={"person_name": "Zoe", "scenario_id": 456}).get_json()["data"]["id"]
    other = {"Authorization": "Bearer another-sandbox"}
    zed = client.post(CREATE, headers=other, json={"person_name": "Zed", "scenario_id": 456}).get_json()["data"]["id"]
    assert client.get(f"/meetings/{zoe}", headers=AUTH).status_code == 200  # read, and kept by the worker
    # a stored meeting's name may no longer start with Z
    _write(spec_file, _edited(spec, lambda s: s["components"]["schemas"]["MeetingPersonName"].update(pattern="^[^Z]")))
    assert watcher.check() is True
    assert client.get(f"/meetings/{ada}", headers=AUTH).status_code == 200
    assert client.get(f"/meetings/{zoe}", headers=AUTH).status_code == 404
    assert client.get(f"/meetings/{zed}", headers=other).status_code == 404  # in every sandbox
    assert client.get("/meetings/789", headers=AUTH).status_code == 200


def test_an_edit_of_a_seed_file_is_served_and_a_broken_one_is_named(client_for: Client, spec_file: Path, tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("balance: 100\n")
    app = create_app(spec_file, access_log=False, seeds=[seed])
    client, watcher = client_for(app), app.extensions["waterrai_watcher"]
    client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456})
    assert client.get("/__mock/health").get_json()["balance"] == 70
    meeting = {**client.get("/meetings/789", headers=AUTH).get_json()["data"], "id": 5000, "person_name": "Seeded later"}
    seed.write_text(yaml.safe_dump({"balance": 100, "meetings": [meeting]}))
    assert watcher.check() is True
    assert client.get("/meetings/5000", headers=AUTH).get_json()["data"]["person_name"] == "Seeded later"
    assert client.get("/__mock/health").get_json()["balance"] == 70  # the seeds' balance did not change: what was spent stays
    seed.write_text(yaml.safe_dump({"balance": 5, "meetings": [meeting]}))
    assert watcher.check() is True
    assert client.get("/__mock/health").get_json()["balance"] == 5  # it did: set
    seed.write_text(yaml.safe_dump({"balance": 5, "meetings": [{**meeting, "scenario_id": 999}]}))
    assert watcher.check() is False
    error = client.get("/__mock/health").get_json()["spec"]["error"]
    assert error.startswith(f"{seed}, line ") and "meetings[0].scenario_id: no scenario has the id 999" in error
    assert client.get("/meetings/5000", headers=AUTH).status_code == 200


def test_a_reload_replaces_what_a_worker_kept_of_its_reads(client_for: Client, spec_file: Path, spec: dict[str, Any]) -> None:
    app = create_app(spec_file, access_log=False)
    client, watcher = client_for(app), app.extensions["waterrai_watcher"]
    assert client.get("/meetings/789", headers=AUTH).get_json()["data"]["person_name"] == "John Doe"  # kept
    _write(spec_file, _edited(spec, lambda s: s["components"]["examples"]["DocsMeeting789"]["value"]["data"].update(person_name="Jane Roe")))
    assert watcher.check() is True
    assert client.get("/meetings/789", headers=AUTH).get_json()["data"]["person_name"] == "Jane Roe"


def test_a_request_routed_before_a_reload_is_answered_wholly_by_its_spec(spec_file: Path, spec: dict[str, Any]) -> None:
    app = create_app(spec_file, access_log=False)
    core, watcher = app.extensions["waterrai_core"], app.extensions["waterrai_watcher"]
    headers = {"authorization": AUTH["Authorization"], "content-type": "application/json"}
    request = Request("POST", CREATE, headers.get, lambda body: {})
    routed = core.route("POST", CREATE)
    _write(spec_file, _edited(spec, lambda s: s["x-mock"]["urls"].update({"/data/room_url": "https://rooms.example.com/{room}"})))
    assert watcher.check() is True
    outcome = core.respond(routed, request, b'{"person_name": "In flight", "scenario_id": 456}')
    assert isinstance(outcome, Answer) and outcome.status == 200
    assert b'"room_url":"https://waterrai.daily.co/' in outcome.body  # the old spec's, whole
    fresh = core.respond(core.route("POST", CREATE), request, b'{"person_name": "After", "scenario_id": 456}')
    assert b'"room_url":"https://rooms.example.com/' in fresh.body


def test_a_reload_serves_new_paths_and_drops_old_ones(client_for: Client, spec_file: Path, spec: dict[str, Any]) -> None:
    app = create_app(spec_file, access_log=False)
    client, watcher = client_for(app), app.extensions["waterrai_watcher"]

    def move(s: dict[str, Any]) -> None:
        s["paths"]["/v2/meetings/{id}"] = s["paths"].pop("/meetings/{id}")

    _write(spec_file, _edited(spec, move))
    assert watcher.check() is True
    assert client.get("/v2/meetings/789", headers=AUTH).status_code == 200
    assert client.get("/meetings/789", headers=AUTH).status_code in (404, 405)
    assert "/v2/meetings/{id}" in client.get("/openapi.json").get_json()["paths"]
