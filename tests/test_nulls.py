"""A null for a request field (``meetings_spec.nulls``): which fields leave it to the server, read
from the spec; the mock's refusal where they do (the strict view's assumption); the view handed
to schemathesis; the judge reading it as the field omitted; the proxy's request check."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from conftest import AUTH
from meetings_spec import View, contract_view, load_spec
from meetings_spec.judge import Exchange, Judge, Outcome
from meetings_spec.nulls import tolerating_nulls
from meetings_spec.refs import RefResolver, request_body_pointer, schema_ref, spec_registry
from meetings_spec.model import Operation, operations
from spec_edits import prop, require, set_prop
from validation_proxy.inspection import Inspector

SPEC = load_spec()
LENIENT = contract_view(SPEC, View.LENIENT)
OPS = [op for op in operations(LENIENT).values() if op.request_schema is not None]


def _docs_request(op: Operation) -> dict[str, Any]:
    return dict(next(iter(op.request_examples().values())))


def test_the_mock_refuses_a_null_exactly_where_the_docs_give_none(client: FlaskClient) -> None:
    """The strict view's assumption: a null is refused for a required field and for every
    optional one the rule leaves to the server, and taken where the schema lists null."""
    for op in OPS:
        assert op.silent_nulls, f"{op.operation_id}: no field leaves a null to the server; the test would prove nothing"
        for name in op.request_fields:
            answer = client.open(op.path, method=op.method.upper(), headers=AUTH, json={**_docs_request(op), name: None})
            refused = name in op.silent_nulls or name in op.required_fields
            assert (answer.status_code == 400) is refused and (answer.status_code < 300) is not refused, (op.operation_id, name, answer.status_code)
            if refused:
                assert f"body.{name}" in answer.get_data(as_text=True)


def _silent(spec: dict[str, Any], operation_id: str) -> frozenset[str]:
    return operations(contract_view(spec, View.LENIENT))[operation_id].silent_nulls


def test_which_nulls_are_left_to_the_server_is_read_from_the_spec() -> None:
    """Required lists and the schemas' types decide, wherever a field is written."""
    original = _silent(SPEC, "createMeeting")
    edited = copy.deepcopy(SPEC)
    voice = prop(edited, "VoiceSettings", "voice_id")
    set_prop(edited, "VoiceSettings", "voice_id", {**voice, "type": ["string", "null"]})  # null becomes a value
    require(edited, "SessionSettings", "welcome_message")  # required: a null is wrong input
    set_prop(edited, "MeetingControls", "max_participants", {**prop(edited, "MeetingControls", "max_participants"), "type": "integer", "default": 5})
    changed = _silent(edited, "createMeeting")
    assert {"voice_id", "welcome_message"} <= original and "max_participants" not in original
    assert changed == (original - {"voice_id", "welcome_message"}) | {"max_participants"}
    assert _silent(edited, "createDynamicMeeting") == (_silent(SPEC, "createDynamicMeeting") - {"voice_id", "welcome_message"}) | {"max_participants"}


def _body_validator(view: dict[str, Any], op: Operation) -> Draft202012Validator:
    return Draft202012Validator(schema_ref(request_body_pointer(RefResolver(view), op.path, op.method)), registry=spec_registry(view))


def test_the_view_for_generation_takes_exactly_the_nulls_left_to_the_server() -> None:
    widened = tolerating_nulls(LENIENT)
    assert widened["components"] == LENIENT["components"], "a shared component changed: the answers' schemas would too"
    for op in OPS:
        before, after = _body_validator(LENIENT, op), _body_validator(widened, op)
        for name in op.request_fields:
            body = {**_docs_request(op), name: None}
            assert after.is_valid(body) is (name not in op.required_fields), (op.operation_id, name)
            assert before.is_valid(body) is (name not in op.required_fields and name not in op.silent_nulls), (op.operation_id, name)
            wrong = {**_docs_request(op), name: [None]}  # any other wrong value stays wrong
            assert not after.is_valid(wrong), (op.operation_id, name)


CREATE_OP = next(op for op in operations(LENIENT).values() if op.operation_id == "createMeeting")


def _answered(meeting_type: str) -> dict[str, Any]:
    answer = copy.deepcopy(next(iter(CREATE_OP.examples(CREATE_OP.success_status).values())))
    answer["data"]["meeting_type"] = meeting_type
    return answer


@pytest.mark.parametrize(("answered", "outcome"), [("regular", Outcome.PASSED), ("end-user", Outcome.FAILED)])
def test_the_judge_reads_a_null_left_to_the_server_as_the_field_omitted(answered: str, outcome: Outcome) -> None:
    sent = {**_docs_request(CREATE_OP), "meeting_type": None, "voice_id": None}
    findings = Judge(LENIENT).judge(Exchange(CREATE_OP, sent, {}, 200, _answered(answered)))
    default = [f for f in findings if f.extension == "default" and f.rule.startswith("createMeeting: meeting_type omitted")]
    assert [f.outcome for f in default] == [outcome]
    assert not [f for f in findings if f.extension == "x-echo" and "meeting_type" in f.rule], "a null read as omitted is no value to echo"
    if outcome is Outcome.FAILED:
        assert default[0].message.endswith("(meeting_type, voice_id were sent as null, which reads as omitted)"), default[0].message


def test_the_proxy_flags_a_null_only_where_the_docs_make_it_wrong() -> None:
    inspector = Inspector(SPEC)
    headers = {"authorization": "Bearer t", "content-type": "application/json"}
    for op in OPS:
        for name in op.request_fields:
            body = {**_docs_request(op), name: None}
            seen = inspector.request(op.method.upper(), op.path, headers, json.dumps(body).encode())
            flagged = [v.rule for v in seen.violations]
            assert bool(flagged) is (name in op.required_fields), (op.operation_id, name, flagged)
