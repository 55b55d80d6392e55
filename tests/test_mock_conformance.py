"""The mock follows the spec: every answer validates, a changed spec changes the mock, and its
fast validator agrees with the reference one. Also: concurrent creates stay consistent."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AUTH, CREATE, DYNAMIC
from meetings_spec import View, contract_view, load_spec
from meetings_spec.model import operations
from reference_validators import SpecValidators
from mock_server import create_app
from mock_server.compiled import compile_spec

TEXT = {**AUTH, "Content-Type": "text/plain"}
BIG = json.dumps({"scenario_id": 456, "person_name": "A", "welcome_message": "x" * 70_000})

# For every status the strict view declares, a request that makes the mock answer it.
TRIGGERS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "createMeeting": {
        "200": ("POST", {"json": {"person_name": "A", "scenario_id": 456}}),
        "400": ("POST", {"json": {"person_name": "A"}}),
        "401": ("POST", {"json": {"person_name": "A", "scenario_id": 456}, "headers": {}}),
        "402": ("POST", {"json": {"person_name": "A", "scenario_id": 456, "meeting_duration_minutes": 1440}, "broke": True}),
        "404": ("POST", {"json": {"person_name": "A", "scenario_id": 9999}}),
        "413": ("POST", {"data": BIG, "headers": {**AUTH, "Content-Type": "application/json"}}),
        "415": ("POST", {"data": "x", "headers": TEXT}),
        "500": ("POST", {"json": {"person_name": "A", "scenario_id": 456}, "headers": {**AUTH, "Prefer": "fault=server_error"}}),
    },
    "getMeeting": {
        "200": ("GET", {}),
        "400": ("GET", {"id": "abc"}),
        "401": ("GET", {"headers": {}}),
        "404": ("GET", {"id": "4242"}),
        "500": ("GET", {"headers": {**AUTH, "Prefer": "fault=server_error"}}),
    },
}
TRIGGERS["createDynamicMeeting"] = {
    **TRIGGERS["createMeeting"],
    "200": ("POST", {"json": {"scenario_id": 456}}),
    "400": ("POST", {"json": {"scenario_id": "456"}}),
    "402": ("POST", {"json": {"scenario_id": 456, "meeting_duration_minutes": 1440}, "broke": True}),
    "404": ("POST", {"json": {"scenario_id": 9999}}),
}


def _call(op_id: str, status: str) -> Any:
    method, kwargs = TRIGGERS[op_id][status]
    kwargs = dict(kwargs)
    client = create_app(access_log=False, balance=10 if kwargs.pop("broke", False) else None).test_client()
    headers = kwargs.pop("headers", AUTH)
    path = operations(load_spec())[op_id].path.replace("{id}", kwargs.pop("id", "789"))
    return client.open(path, method=method, headers=headers, **kwargs)


@pytest.mark.parametrize(
    ("op_id", "status"),
    [(op_id, status) for op_id, op in operations(contract_view(load_spec(), View.STRICT)).items() for status in op.responses],
)
def test_every_status_the_spec_declares_is_answered_conformingly(op_id: str, status: str, strict_validators: SpecValidators) -> None:
    assert status in TRIGGERS[op_id], f"no request in this test makes the mock answer {status} to {op_id}"
    response = _call(op_id, status)
    assert str(response.status_code) == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    op = operations(strict_validators.spec)[op_id]
    validator = strict_validators.response_body(op.path, op.method, status)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.get_json())]
    assert not errors


@pytest.mark.parametrize("op_id", ["createMeeting", "createDynamicMeeting", "getMeeting"])
def test_every_canned_answer_conforms(op_id: str, client: FlaskClient, strict_validators: SpecValidators) -> None:
    op = operations(strict_validators.spec)[op_id]
    for status in op.responses:
        for name in op.examples(status):
            body = {"scenario_id": 456, "person_name": "A"} if op.method == "post" else None
            response = client.open(op.path.replace("{id}", "789"), method=op.method.upper(), headers={**AUTH, "Prefer": f"example={name}"}, json=body)
            assert str(response.status_code) == status
            assert strict_validators.response_body(op.path, op.method, status).is_valid(response.get_json()), name


def test_errors_outside_operations_use_the_error_schema(client: FlaskClient, strict_validators: SpecValidators) -> None:
    error = strict_validators.at("/components/schemas/Error")
    for response in (client.get("/nope"), client.delete("/meetings/1"), client.get("/__mock/requests?limit=x")):
        assert 400 <= response.status_code < 500
        assert error.is_valid(response.get_json())


# ------------------------------------------------------------------------ the spec drives the mock


def _modified_spec(tmp_path: Path, change: Any) -> Path:
    document = load_spec()
    change(document)
    path = tmp_path / "meetings.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_new_enum_value_and_default_need_no_python(tmp_path: Path) -> None:
    original = create_app(access_log=False).test_client()
    assert original.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456, "meeting_type": "webinar"}).status_code == 400

    def change(spec: dict) -> None:
        spec["components"]["schemas"]["MeetingType"]["enum"].append("webinar")
        request = spec["components"]["schemas"]["CreateMeetingRequest"]["allOf"][-1]["properties"]
        request["meeting_type"]["default"] = "webinar"

    client = create_app(_modified_spec(tmp_path, change), access_log=False).test_client()
    sent = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456, "meeting_type": "webinar"})
    assert sent.status_code == 200 and sent.get_json()["data"]["meeting_type"] == "webinar"
    omitted = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456})
    assert omitted.get_json()["data"]["meeting_type"] == "webinar"


def test_new_field_is_validated_defaulted_and_echoed_with_no_python(tmp_path: Path) -> None:
    def change(spec: dict) -> None:
        request = spec["components"]["schemas"]["CreateMeetingRequest"]["allOf"][-1]["properties"]
        request["topic"] = {
            "type": "string",
            "description": "What the meeting is about.",
            "default": "general",
            "x-echo": "/data/topic",
            "x-assumption": "test",
            "x-strict": {"maxLength": 8},
        }
        for meeting in ("CreatedMeeting", "StoredMeeting"):
            spec["components"]["schemas"][meeting]["properties"]["topic"] = {"type": "string"}

    client = create_app(_modified_spec(tmp_path, change), access_log=False).test_client()
    too_long = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456, "topic": "far too long"})
    assert too_long.status_code == 400
    assert too_long.get_json()["error"]["details"][0]["field"] == "body.topic"
    sent = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456, "topic": "pricing"})
    assert sent.get_json()["data"]["topic"] == "pricing"
    omitted = client.post(CREATE, headers=AUTH, json={"person_name": "A", "scenario_id": 456})
    assert omitted.get_json()["data"]["topic"] == "general"
    read = client.get(f"/meetings/{sent.get_json()['data']['id']}", headers=AUTH)
    assert read.get_json()["data"]["topic"] == "pricing"


def test_validators_are_compiled_once_at_start(monkeypatch: pytest.MonkeyPatch, client: Any) -> None:
    """Once the app is built, serving compiles no schema and reads no spec, whatever it serves,
    in either lane. The spies sit on the modules' attributes the kit's code looks up at each
    call (``jsonschema_rs.validator_for``, ``yaml.load``), so they see every call."""
    import jsonschema_rs
    import yaml

    calls: list[str] = []

    def counted(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    for name in ("validator_for", "Draft202012Validator", "Registry"):
        monkeypatch.setattr(jsonschema_rs, name, counted(name, getattr(jsonschema_rs, name)))
    monkeypatch.setattr(yaml, "load", counted("yaml.load", yaml.load))
    for body in ({"person_name": "A", "scenario_id": 456}, {"person_name": 5}, {"scenario_id": 457, "email": "a@b.example"}):
        client.post(CREATE, headers=AUTH, json=body)
        client.post(DYNAMIC, headers=AUTH, json=body)
    client.get("/meetings/789", headers=AUTH)
    client.get("/meetings/abc", headers=AUTH)
    assert calls == []
    create_app(access_log=False)  # the spies see a build: they would see a compile while serving
    assert "validator_for" in calls and "yaml.load" in calls


# ------------------------------------------------------------------------ fast validator == reference

_COMPILED = compile_spec()
_REFERENCE = SpecValidators(contract_view(load_spec(), View.STRICT))
_FIELDS = sorted({name for op in _COMPILED.operations.values() for name in op.spec.request_fields})
_PLAUSIBLE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=3000),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["regular", "end-user", "azure", "elevenlabs", "cartesia", "English", "", " ", "a@b.co", "x@y", "A" * 300]),
    st.text(max_size=12),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    op_id=st.sampled_from(["createMeeting", "createDynamicMeeting"]),
    body=st.dictionaries(st.sampled_from(_FIELDS + ["extra"]), _PLAUSIBLE, max_size=8) | _PLAUSIBLE,
)
def test_fast_validator_agrees_with_the_reference(op_id: str, body: Any) -> None:
    op = _COMPILED.operations[op_id]
    reference = _REFERENCE.request_body(op.spec.path, op.spec.method)
    assert op.contract.body_validator.is_valid(body) == reference.is_valid(body)  # type: ignore[union-attr]


# ------------------------------------------------------------------------ concurrency


def test_concurrent_creates_get_unique_ids_and_all_read_back() -> None:
    app = create_app(access_log=False, balance=1_000_000)
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        client = app.test_client()
        for n in range(25):
            path, body = (DYNAMIC, {"scenario_id": 456, "email": f"user{n % 3}@example.com"}) if n % 2 else (CREATE, {"person_name": f"P{index}", "scenario_id": 457})
            response = client.post(path, headers=AUTH, json=body)
            with lock:
                if response.status_code == 200:
                    results.append(response.get_json())
                else:
                    failures.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    ids = [r["data"]["id"] for r in results]
    assert len(ids) == 200 and len(set(ids)) == 200
    client = app.test_client()
    for result in results:
        read = client.get(f"/meetings/{result['data']['id']}", headers=AUTH).get_json()["data"]
        assert read["room_url"] == result["data"]["room_url"]
    spent = sum(r["session_minutes_info"]["estimatedMinutes"] for r in results)
    assert client.get("/__mock/health").get_json()["balance"] == 1_000_000 - spent
    users = {r["data"]["end_user"]["email"]: r["data"]["end_user"]["id"] for r in results if "end_user" in r["data"]}
    same_email = [r["data"]["end_user"]["id"] for r in results if r["data"].get("end_user", {}).get("email") == "user1@example.com"]
    assert len(users) == 3 and len(set(same_email)) == 1
