"""Every bad request gets a 4xx with a JSON body naming the field and the rule; never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AUTH, CREATE, DYNAMIC
from mock_server import create_app

VALID = {"person_name": "Ada", "scenario_id": 456}
JSON_HEADERS = {**AUTH, "Content-Type": "application/json"}


def post_raw(client: FlaskClient, data: bytes | str, path: str = CREATE, headers: dict[str, str] | None = None) -> Any:
    return client.post(path, headers=headers or JSON_HEADERS, data=data)


def assert_error(response: Any, status: int, field: str, rule: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    details = response.get_json()["error"].get("details", [])
    assert (field, rule) in [(d["field"], d["rule"]) for d in details], details


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"scenario_id": 456}, "body.person_name", "required"),
        ({"person_name": "Ada"}, "body.scenario_id", "required"),
        ({**VALID, "scenario_id": "456"}, "body.scenario_id", "type"),
        ({**VALID, "scenario_id": True}, "body.scenario_id", "type"),
        ({**VALID, "scenario_id": 4.5}, "body.scenario_id", "type"),
        ({**VALID, "allow_chat": "true"}, "body.allow_chat", "type"),
        ({**VALID, "allow_chat": 1}, "body.allow_chat", "type"),
        ({**VALID, "deep_think": None}, "body.deep_think", "type"),
        ({**VALID, "max_participants": "5"}, "body.max_participants", "type"),
        ({**VALID, "meeting_type": "webinar"}, "body.meeting_type", "enum"),
        ({**VALID, "voice_vendor": "Azure"}, "body.voice_vendor", "enum"),
        ({**VALID, "person_name": 42}, "body.person_name", "type"),
        ({**VALID, "person_name": ""}, "body.person_name", "minLength"),
        ({**VALID, "person_name": "   "}, "body.person_name", "pattern"),
        ({**VALID, "person_name": "x" * 256}, "body.person_name", "maxLength"),
        ({**VALID, "meeting_duration_minutes": 0}, "body.meeting_duration_minutes", "minimum"),
        ({**VALID, "meeting_duration_minutes": 2**70}, "body.meeting_duration_minutes", "maximum"),
        ({**VALID, "scenario_id": -(2**70)}, "body.scenario_id", "minimum"),
        ({**VALID, "max_participants": 0}, "body.max_participants", "minimum"),
    ],
)
def test_invalid_create_bodies_name_the_field_and_rule(client: FlaskClient, body: dict, field: str, rule: str) -> None:
    assert_error(client.post(CREATE, headers=AUTH, json=body), 400, field, rule)


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({}, "body.scenario_id", "required"),
        ({"scenario_id": 456, "email": "not-an-address"}, "body.email", "pattern"),
        ({"scenario_id": 456, "user_metadata": ["a"]}, "body.user_metadata", "type"),
        ({"scenario_id": 456, "first_name": 7}, "body.first_name", "type"),
    ],
)
def test_invalid_dynamic_bodies_name_the_field_and_rule(client: FlaskClient, body: dict, field: str, rule: str) -> None:
    assert_error(client.post(DYNAMIC, headers=AUTH, json=body), 400, field, rule)


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null", "true"])
def test_a_body_that_is_not_an_object(client: FlaskClient, body: str) -> None:
    assert_error(post_raw(client, body), 400, "body", "type")


@pytest.mark.parametrize(
    "raw",
    [
        "{bad json",
        '{"person_name": "Ada", "scenario_id": 456',
        "",
        "   ",
        '{"person_name": "Ada", "scenario_id": NaN}',
        '{"person_name": "Ada", "scenario_id": Infinity}',
        b'{"person_name": "\xff\xfe", "scenario_id": 456}',
        '{"person_name": "\\ud800", "scenario_id": 456}',
        "[" * 3000 + "]" * 3000,
        '{"user_metadata":' * 3000 + "{}" + "}" * 3000,
    ],
)
def test_malformed_json_is_400(client: FlaskClient, raw: str | bytes) -> None:
    for path in (CREATE, DYNAMIC):
        assert_error(post_raw(client, raw, path), 400, "body", "json")


def test_numbers_past_64_bits_and_odd_unicode_are_handled(client: FlaskClient) -> None:
    huge = '{"person_name": "Ada", "scenario_id": 123456789012345678901234567890}'
    refused = post_raw(client, huge)
    assert_error(refused, 400, "body.scenario_id", "maximum")
    assert "123456789012345678901234567890 is greater" in refused.get_json()["error"]["details"][0]["message"], "read exactly, not as a float"
    metadata = '{"scenario_id": 456, "user_metadata": {"n": 123456789012345678901234567890, "e": 1e400}}'
    assert post_raw(client, metadata, DYNAMIC).status_code == 200
    odd = {"person_name": "Zoë \u200b 🎉 \u0000 \U0010ffff", "scenario_id": 456}
    response = client.post(CREATE, headers=AUTH, json=odd)
    assert response.status_code == 200
    assert response.get_json()["data"]["person_name"] == odd["person_name"]


@pytest.mark.parametrize(("number", "named"), [("1e999", "Infinity (a number past 1.8e308)"), ("-1e400", "-Infinity (a number past 1.8e308)")])
def test_a_number_past_a_double_is_named_as_such_not_as_null(client: FlaskClient, number: str, named: str) -> None:
    refused = post_raw(client, f'{{"person_name": "Ada", "scenario_id": {number}}}')
    assert_error(refused, 400, "body.scenario_id", "type")
    assert refused.get_json()["error"]["details"][0]["message"] == f'{named} is not of type "integer"'


def test_an_unknown_scenario_given_as_1e2_is_named_as_the_integer_100(client: FlaskClient) -> None:
    missing = post_raw(client, '{"person_name": "Ada", "scenario_id": 1e2}')
    assert missing.status_code == 404 and missing.get_json()["error"]["message"] == "There is no scenario with id 100."


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
def test_wrong_content_type_is_415(client: FlaskClient, content_type: str | None) -> None:
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    assert_error(client.post(CREATE, headers=headers, data=json.dumps(VALID)), 415, "header.Content-Type", "media_type")


def test_json_content_type_with_charset_is_accepted(client: FlaskClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json; charset=utf-8"}
    assert client.post(CREATE, headers=headers, data=json.dumps(VALID)).status_code == 200


def test_oversized_body_is_413(client: FlaskClient) -> None:
    body = json.dumps({**VALID, "welcome_message": "x" * 70_000})
    response = post_raw(client, body)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_unknown_path_and_method_are_json_4xx(client: FlaskClient) -> None:
    missing = client.get("/nothing/here", headers=AUTH)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = client.delete("/meetings/789", headers=AUTH)
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    assert client.put(CREATE, headers=AUTH, json=VALID).status_code == 405
    # a concrete path wins over a template (as OpenAPI says): not GET /meetings/{id}
    concrete = client.get("/meetings/create-dynamic-meeting", headers=AUTH)
    assert concrete.status_code == 405 and concrete.headers["Allow"] == "POST, OPTIONS"
    options = client.options("/meetings/create-dynamic-meeting")
    assert options.status_code == 204 and options.headers["Allow"] == "POST, OPTIONS"
    assert client.options("/meetings/789").headers["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("meeting_id", ["abc", "1.5", "-1", "0", "99999999999999999999999", "%00", "１２"])
def test_bad_path_ids_are_400(client: FlaskClient, meeting_id: str) -> None:
    response = client.get(f"/meetings/{meeting_id}", headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["error"]["details"][0]["field"] == "path.id"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.dictionaries(
        st.sampled_from(["person_name", "scenario_id", "email", "meeting_type", "allow_chat", "max_participants", "user_metadata", "x"]),
        JSON_VALUES,
    )
    | JSON_VALUES,
    path=st.sampled_from([CREATE, DYNAMIC]),
)
def test_no_json_input_gets_a_5xx(body: Any, path: str) -> None:
    client = _shared_client()
    response = client.post(path, headers=AUTH, json=body)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    if response.status_code >= 400:
        assert response.get_json()["error"]["code"]


@settings(max_examples=150, deadline=None)
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_no_byte_string_gets_a_5xx(raw: bytes) -> None:
    response = _shared_client().post(CREATE, headers=JSON_HEADERS, data=raw)
    assert 400 <= response.status_code < 500 or response.status_code == 200
    assert response.mimetype == "application/json"


_CLIENT: list[FlaskClient] = []


def _shared_client() -> FlaskClient:
    """One mock for all hypothesis examples (a fresh app per example would be slow)."""
    if not _CLIENT:
        _CLIENT.append(create_app(access_log=False, journal=False).test_client())
    return _CLIENT[0]
