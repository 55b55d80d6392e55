"""Use a client that openapi-python-client generated from the kit's spec, as a Python project would.

    python drive_mock.py BASE_URL TOKEN      (the generated package importable, e.g. on PYTHONPATH)

It calls a running server (the mock, or the real API) with the generated, typed functions: both
creates, the read of the created meeting, and three refused requests. Each answer must come back
parsed into the model the spec names for its status, reading every field the docs give through
typed attributes, with nothing the server sent left outside the model (a field the model does not
declare lands in ``additional_properties``; a declared one the parser skipped goes missing from
``to_dict()``). It prints one JSON report and exits 0, or names the first broken expectation and
exits 1.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from typing import Any

import attrs
from water_ai_meetings_api_client import AuthenticatedClient
from water_ai_meetings_api_client.api.meetings import create_dynamic_meeting, create_meeting, get_meeting
from water_ai_meetings_api_client.models import (
    CreateDynamicMeetingRequest,
    CreateDynamicMeetingRequestUserMetadata,
    CreateDynamicMeetingResponse,
    CreateMeetingRequest,
    CreateMeetingResponse,
    Error,
    MeetingResponse,
    MeetingType,
)
from water_ai_meetings_api_client.types import Response

_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


class Broken(Exception):
    """An answer that the typed client did not read as the spec says it should."""


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Broken(what)


def _comparable(value: Any) -> Any:
    """JSON with its date-times as datetimes: the model writes ``+00:00`` where the server sent ``Z``."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    if isinstance(value, str) and _RFC3339.match(value):
        return datetime.datetime.fromisoformat(value)
    return value


def _undeclared(model: Any, where: str) -> list[str]:
    """Fields the server sent that a model (or a model inside it) does not declare."""
    found = [f"{where}.{name}" for name in getattr(model, "additional_properties", {})]
    for field in attrs.fields(type(model)):
        value = getattr(model, field.name)
        for item in value if isinstance(value, list) else [value]:
            if attrs.has(type(item)):
                found += _undeclared(item, f"{where}.{field.name}")
    return found


def read(name: str, response: Response[Any], status: int, model: type) -> Any:
    """The parsed answer, after checking it is the typed model, whole and exact."""
    expect(response.status_code == status, f"{name}: status {response.status_code}, expected {status}: {response.content[:300]!r}")
    parsed = response.parsed
    expect(isinstance(parsed, model), f"{name}: parsed as {type(parsed).__name__}, expected {model.__name__}")
    undeclared = _undeclared(parsed, name)
    expect(not undeclared, f"{name}: fields outside the typed model: {undeclared}")
    sent = json.loads(response.content)
    expect(_comparable(parsed.to_dict()) == _comparable(sent), f"{name}: the model lost or changed fields: {parsed.to_dict()} != {sent}")
    REPORT["calls"].append({"call": name, "status": response.status_code, "model": type(parsed).__name__, "body": sent})
    return parsed


def typed(name: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    """A field read through the model's attribute, with the Python type its annotation promises."""
    expect(isinstance(value, kind), f"{name} is {type(value).__name__} {value!r}, expected {kind}")
    REPORT["fields"][name] = type(value).__name__
    return value


REPORT: dict[str, Any] = {"calls": [], "fields": {}}


def drive(base_url: str, token: str) -> None:
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)

    # POST /meetings, with the docs' request
    body = CreateMeetingRequest(
        person_name="John Doe",
        scenario_id=456,
        meeting_type=MeetingType.REGULAR,
        language="English",
        meeting_duration_minutes=35,
        allow_recording=True,
        allow_transcription=False,
        allow_chat=False,
        allow_screen_share=False,
        allow_participant_video=False,
        allow_participant_audio=True,
        deep_think=False,
    )
    created = read("createMeeting", create_meeting.sync_detailed(client=client, body=body), 200, CreateMeetingResponse)
    typed("createMeeting.success", created.success, bool)
    meeting_id = typed("createMeeting.data.id", created.data.id, int)
    typed("createMeeting.data.room_url", created.data.room_url, str)
    typed("createMeeting.data.room_token", created.data.room_token, str)
    expect(typed("createMeeting.data.person_name", created.data.person_name, str) == "John Doe", "person_name not echoed")
    typed("createMeeting.data.scenario_id", created.data.scenario_id, int)
    typed("createMeeting.data.status", created.data.status, str)
    expect(typed("createMeeting.data.meeting_type", created.data.meeting_type, MeetingType) is MeetingType.REGULAR, "meeting_type")
    created_at = typed("createMeeting.data.created_at", created.data.created_at, datetime.datetime)
    minutes = created.session_minutes_info
    expect(typed("createMeeting.session_minutes_info.estimated_minutes", minutes.estimated_minutes, int) == 35, "estimate")
    typed("createMeeting.session_minutes_info.remaining_minutes", minutes.remaining_minutes, int)

    # POST /meetings/create-dynamic-meeting, with the docs' request
    dynamic_body = CreateDynamicMeetingRequest(
        scenario_id=456,
        person_name="Jane Smith",
        email="jane.smith@example.com",
        first_name="Jane",
        last_name="Smith",
        language="English",
        meeting_duration_minutes=35,
        welcome_message="Hello! I am ready to help you practice today.",
        user_metadata=CreateDynamicMeetingRequestUserMetadata.from_dict({"company": "Acme Inc", "role": "Sales Manager"}),
    )
    dynamic = read(
        "createDynamicMeeting",
        create_dynamic_meeting.sync_detailed(client=client, body=dynamic_body),
        200,
        CreateDynamicMeetingResponse,
    )
    typed("createDynamicMeeting.data.id", dynamic.data.id, int)
    expect(typed("createDynamicMeeting.data.meeting_type", dynamic.data.meeting_type, str) == "end-user", "meeting_type")
    scenario = dynamic.data.scenario
    typed("createDynamicMeeting.data.scenario.id", scenario.id, int)
    typed("createDynamicMeeting.data.scenario.name", scenario.name, str)
    typed("createDynamicMeeting.data.scenario.scenario_link", scenario.scenario_link, str)
    user = dynamic.data.end_user
    end_user_id = typed("createDynamicMeeting.data.end_user.id", user.id, int)
    expect(typed("createDynamicMeeting.data.end_user.email", user.email, str) == "jane.smith@example.com", "email")
    typed("createDynamicMeeting.data.end_user.first_name", user.first_name, str)
    membership_id = typed("createDynamicMeeting.data.end_user.membership_id", user.membership_id, int)
    meeting_url = typed("createDynamicMeeting.meeting_url", dynamic.meeting_url, str)
    expect(f"end_user_id={end_user_id}" in meeting_url and f"membership_id={membership_id}" in meeting_url, "meeting_url")
    typed("createDynamicMeeting.scenario_url", dynamic.scenario_url, str)
    typed("createDynamicMeeting.session_minutes_info.remaining_minutes", dynamic.session_minutes_info.remaining_minutes, int)

    # GET /meetings/{id}, of the meeting created first
    stored = read("getMeeting", get_meeting.sync_detailed(id=meeting_id, client=client), 200, MeetingResponse)
    expect(typed("getMeeting.status", stored.status, str) == "success", "read envelope")
    expect(typed("getMeeting.data.id", stored.data.id, int) == meeting_id, "read another meeting")
    expect(typed("getMeeting.data.created_at", stored.data.created_at, datetime.datetime) == created_at, "created_at")
    typed("getMeeting.data.updated_at", stored.data.updated_at, datetime.datetime)
    typed("getMeeting.data.meeting_type", stored.data.meeting_type, MeetingType)

    # refused: an unknown scenario, an unknown meeting, a token the server does not accept
    unknown = CreateMeetingRequest(person_name="John Doe", scenario_id=999999)
    refused = read("createMeeting refused", create_meeting.sync_detailed(client=client, body=unknown), 404, Error)
    typed("createMeeting refused.error.code", refused.error.code, str)
    expect(refused.error.details[0].field == "body.scenario_id", "the error names the field")
    missing = read("getMeeting refused", get_meeting.sync_detailed(id=999999, client=client), 404, Error)
    typed("getMeeting refused.error.message", missing.error.message, str)
    stranger = AuthenticatedClient(base_url=base_url, token=token + "-not-this-one")
    denied = read("getMeeting unauthorized", get_meeting.sync_detailed(id=meeting_id, client=stranger), 401, Error)
    typed("getMeeting unauthorized.error.code", denied.error.code, str)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python drive_mock.py BASE_URL TOKEN", file=sys.stderr)
        return 2
    try:
        drive(*argv)
    except Broken as broken:
        print(f"drive_mock: {broken}", file=sys.stderr)
        return 1
    print(json.dumps(REPORT, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
