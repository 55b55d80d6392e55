"""The spec is valid OpenAPI 3.1, states every fact of the docs, and its examples fit its schemas."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from meetings_spec import SPEC_PATH, View, contract_view, load_spec
from meetings_spec.assumptions import README_BEGIN, README_END, iter_assumptions, readme_section
from meetings_spec.refs import RefResolver, spec_registry
from meetings_spec.model import lookup, operations
from meetings_spec.shapes import properties
from reference_validators import FORMAT_CHECKER, SpecValidators, iter_media_examples
from meetings_spec.shapes import flatten


def schema_properties(spec: dict, name: str) -> dict:
    """Flattened properties of ``components/schemas/<name>``."""
    return properties({"$ref": f"#/components/schemas/{name}"}, RefResolver(spec))


def readme_block(readme_text: str) -> str | None:
    """The generated block as README.md has it now, or None if its markers are missing."""
    match = re.search(re.escape(README_BEGIN) + r".*?" + re.escape(README_END), readme_text, re.S)
    return match.group(0) if match else None

SPEC = load_spec()
README = Path(__file__).resolve().parent.parent / "README.md"

# The docs' facts, field by field: (name, JSON type, required?, default or NO_DEFAULT, enum or None).
NO_DEFAULT = object()
SHARED = [
    ("voice_id", "string", False, NO_DEFAULT, None),
    ("voice_vendor", "string", False, "azure", ["elevenlabs", "azure", "cartesia"]),
    ("language", "string", False, "English", None),
    ("welcome_message", "string", False, NO_DEFAULT, None),
    ("allow_recording", "boolean", False, True, None),
    ("allow_transcription", "boolean", False, False, None),
    ("allow_chat", "boolean", False, False, None),
    ("allow_screen_share", "boolean", False, False, None),
    ("allow_participant_video", "boolean", False, False, None),
    ("allow_participant_audio", "boolean", False, True, None),
    ("max_participants", ["integer", "null"], False, None, None),
    ("waiting_room_enabled", "boolean", False, False, None),
    ("auto_admit", "boolean", False, False, None),
    ("meeting_duration_minutes", "integer", False, NO_DEFAULT, None),
    ("deep_think", "boolean", False, False, None),
    ("is_live_llm_service", "boolean", False, False, None),
    ("use_gpt_vision", "boolean", False, False, None),
    ("allow_web_search", "boolean", False, False, None),
    ("use_own_keys", "boolean", False, False, None),
]
DOCS_FIELDS = {
    "createMeeting": SHARED
    + [
        ("person_name", "string", True, NO_DEFAULT, None),
        ("scenario_id", "integer", True, NO_DEFAULT, None),
        ("meeting_type", "string", False, "regular", ["regular", "end-user"]),
        ("end_user_id", "integer", False, NO_DEFAULT, None),
    ],
    "createDynamicMeeting": SHARED
    + [
        ("scenario_id", "integer", True, NO_DEFAULT, None),
        ("person_name", "string", False, NO_DEFAULT, None),
        ("email", "string", False, NO_DEFAULT, None),
        ("first_name", "string", False, NO_DEFAULT, None),
        ("last_name", "string", False, NO_DEFAULT, None),
        ("user_metadata", "object", False, NO_DEFAULT, None),
    ],
}
DOCS_OPERATIONS = {
    "createMeeting": ("post", "/meetings"),
    "createDynamicMeeting": ("post", "/meetings/create-dynamic-meeting"),
    "getMeeting": ("get", "/meetings/{id}"),
}
DOCS_EXAMPLES = ["DocsCreateMeeting", "DocsMeetingCreated", "DocsCreateDynamicMeeting",
                 "DocsDynamicMeetingCreated", "DocsMeeting789"]


def test_openapi_spec_validator_accepts_the_spec() -> None:
    validate_openapi(SPEC)
    assert SPEC["openapi"].startswith("3.1")


@pytest.mark.parametrize("view", list(View))
def test_both_views_are_valid_openapi(view: View) -> None:
    validate_openapi(contract_view(SPEC, view))


def test_the_three_documented_operations_and_nothing_else() -> None:
    found = {op_id: (op.method, op.path) for op_id, op in operations(SPEC).items()}
    assert found == DOCS_OPERATIONS
    for op in operations(SPEC).values():
        assert op.definition["summary"] and op.definition["description"]
        assert op.definition["security"] == [{"bearerAuth": []}]
    scheme = SPEC["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_path_id_is_an_integer() -> None:
    (parameter,) = operations(SPEC)["getMeeting"].parameters
    assert (parameter["name"], parameter["in"], parameter["required"]) == ("id", "path", True)
    assert parameter["schema"]["type"] == "integer"


@pytest.mark.parametrize("operation_id", sorted(DOCS_FIELDS))
def test_request_fields_types_defaults_enums_and_required_match_the_docs(operation_id: str) -> None:
    """The lenient view is the docs' promise: exactly the documented fields, no extra rule."""
    op = operations(contract_view(SPEC, View.LENIENT))[operation_id]
    documented = {name: rest for name, *rest in DOCS_FIELDS[operation_id]}
    assert set(op.request_fields) == set(documented)
    assert set(op.required_fields) == {name for name, (_, req, _, _) in documented.items() if req}
    for name, (json_type, _, default, enum) in documented.items():
        schema = op.request_fields[name].schema
        assert schema.get("type") == json_type, name
        if default is NO_DEFAULT:
            assert "default" not in schema, name
        else:
            assert "default" in schema and schema["default"] == default and type(schema["default"]) is type(default), name
        assert schema.get("enum") == enum, name
        assert schema.get("description"), f"{name} has no description"


@pytest.mark.parametrize("operation_id", sorted(DOCS_FIELDS))
def test_lenient_view_adds_no_limits_of_its_own(operation_id: str) -> None:
    limits = {"minLength", "maxLength", "pattern", "minimum", "maximum", "format", "maxProperties"}
    op = operations(contract_view(SPEC, View.LENIENT))[operation_id]
    for name, field in op.request_fields.items():
        extra = limits & set(field.schema)
        assert not extra, f"{name} carries {extra} in the lenient view"
    if operation_id == "createDynamicMeeting":
        # the docs never say a malformed email is refused: only the strict view does
        validators = SpecValidators(contract_view(SPEC, View.LENIENT))
        body = {"scenario_id": 456, "email": "not an address"}
        assert validators.request_body("/meetings/create-dynamic-meeting", "post").is_valid(body)
        strict = SpecValidators(contract_view(SPEC, View.STRICT))
        assert not strict.request_body("/meetings/create-dynamic-meeting", "post").is_valid(body)


def test_duration_has_no_fixed_default_and_says_why() -> None:
    field = operations(SPEC)["createMeeting"].request_fields["meeting_duration_minutes"]
    assert "call_duration" in field.schema["description"] and "30" in field.schema["description"]
    assert field.scenario_default == ("scenario_id", "call_duration", 30)


def test_shared_request_parts_are_components_used_by_both_creates() -> None:
    refs = RefResolver(SPEC)
    for name in ("CreateMeetingRequest", "CreateDynamicMeetingRequest"):
        branches = [b.get("$ref") for b in SPEC["components"]["schemas"][name]["allOf"]]
        for part in ("VoiceSettings", "SessionSettings", "MeetingControls", "AIConfiguration"):
            assert f"#/components/schemas/{part}" in branches, (name, part)
    for envelope in ("CreateMeetingResponse", "CreateDynamicMeetingResponse"):
        assert flatten({"$ref": f"#/components/schemas/{envelope}"}, refs)["properties"]["success"] == {"const": True}
    assert flatten({"$ref": "#/components/schemas/MeetingResponse"}, refs)["properties"]["status"] == {"const": "success"}


@pytest.mark.parametrize("view", list(View))
def test_every_example_validates_against_its_schema(view: View) -> None:
    """Draft 2020-12, ``$ref``s resolved by ``referencing``, formats asserted."""
    document = contract_view(SPEC, view)
    registry = spec_registry(document)
    seen = 0
    for pointer, place, name, value in iter_media_examples(document):
        validator = Draft202012Validator(
            {"$ref": f"urn:waterrai:meetings-api#{pointer}"}, registry=registry, format_checker=FORMAT_CHECKER
        )
        errors = [e.message for e in validator.iter_errors(value)]
        assert not errors, f"example {name} of {place} breaks its schema: {errors}"
        seen += 1
    assert seen >= len(DOCS_EXAMPLES)


def test_format_checker_really_asserts_date_time_and_uri() -> None:
    """Without the format extras jsonschema silently skips these formats."""
    assert not FORMAT_CHECKER.conforms("2024-01-15 10:40", "date-time")
    assert FORMAT_CHECKER.conforms("2024-01-15T10:40:00Z", "date-time")
    assert not FORMAT_CHECKER.conforms("not a uri", "uri")


def test_documented_examples_carry_the_docs_values() -> None:
    examples = SPEC["components"]["examples"]
    assert set(DOCS_EXAMPLES) <= set(examples)
    assert examples["DocsCreateMeeting"]["value"]["scenario_id"] == 456
    assert examples["DocsMeetingCreated"]["value"]["session_minutes_info"] == {"estimatedMinutes": 35, "remainingMinutes": 265}
    assert examples["DocsMeeting789"]["value"]["data"]["status"] == "ended"
    dynamic = examples["DocsDynamicMeetingCreated"]["value"]
    assert dynamic["meeting_url"].endswith("?end_user_id=123&membership_id=456")
    # the docs' "[email protected]" is an obfuscation artefact, not an address
    assert "[email" not in SPEC_PATH.read_text().replace('"[email protected]"', "")
    assert examples["DocsCreateDynamicMeeting"]["value"]["email"].endswith("@example.com")


def test_responses_require_every_field_the_docs_show() -> None:
    refs = RefResolver(SPEC)
    for op in operations(SPEC).values():
        schema = op.response_schema(op.success_status)
        for value in op.examples(op.success_status).values():
            _assert_keys_required(value, schema, refs, op.operation_id)


def _assert_keys_required(value: object, schema: dict, refs: RefResolver, where: str) -> None:
    if not isinstance(value, dict):
        return
    flat = flatten(schema, refs)
    missing = set(value) - set(flat.get("required", []))
    assert not missing, f"{where}: {sorted(missing)} shown by the docs but not required"
    assert flat.get("additionalProperties", True) is not False, f"{where} refuses unknown fields"
    for key, sub in value.items():
        _assert_keys_required(sub, flat["properties"][key], refs, f"{where}.{key}")


def test_response_formats() -> None:
    for name in ("CreatedMeeting", "DynamicMeeting", "StoredMeeting"):
        meeting = schema_properties(SPEC, name)
        assert meeting["created_at"]["format"] == meeting["updated_at"]["format"] == "date-time"
        assert meeting["room_url"]["format"] == "uri"
    dynamic = schema_properties(SPEC, "CreateDynamicMeetingResponse")
    assert dynamic["meeting_url"]["format"] == dynamic["scenario_url"]["format"] == "uri"


@pytest.mark.parametrize("operation_id", ["createMeeting", "createDynamicMeeting"])
def test_each_create_links_to_the_read(operation_id: str) -> None:
    ops = operations(SPEC)
    op = ops[operation_id]
    for status in ("200", "201"):
        links = op.responses[status]["links"]
        (link,) = [RefResolver(SPEC).deref(link) for link in links.values()]
        assert link["operationId"] == "getMeeting"
        assert link["parameters"] == {"id": "$response.body#/data/id"}
        for example in op.examples(status).values():
            assert isinstance(lookup(example, "/data/id"), int)


def test_views_differ_only_where_assumptions_are_marked() -> None:
    lenient = operations(contract_view(SPEC, View.LENIENT))
    strict = operations(contract_view(SPEC, View.STRICT))
    for op_id in DOCS_OPERATIONS:
        assert "4XX" in lenient[op_id].responses and "4XX" not in strict[op_id].responses
        assert "400" in strict[op_id].responses and "400" not in lenient[op_id].responses
    assert "201" in lenient["createMeeting"].responses and "201" not in strict["createMeeting"].responses
    assert strict["createMeeting"].request_fields["person_name"].schema["maxLength"] == 255


def test_every_choice_the_docs_do_not_make_is_marked_with_a_reason() -> None:
    """``x-strict`` and ``x-only-in`` only ever sit beside an ``x-assumption``."""
    unmarked = []

    def visit(node: object, pointer: str) -> None:
        if isinstance(node, dict):
            if ("x-strict" in node or "x-only-in" in node) and not node.get("x-assumption"):
                unmarked.append(pointer)
            for key, value in node.items():
                visit(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{pointer}/{index}")

    visit(SPEC, "")
    assert not unmarked
    reasons = [reason for _, reason in iter_assumptions(SPEC)]
    assert all(len(r.splitlines()) == 1 and len(r) > 20 for r in reasons)
    refs = RefResolver(SPEC)
    responses = [
        (f"{method.upper()} {path} {status}", status, refs.deref(response))
        for path, item in SPEC["paths"].items()
        for method, operation in item.items()
        for status, response in operation["responses"].items()
    ]
    assert len(responses) == sum(len(o["responses"]) for item in SPEC["paths"].values() for o in item.values())
    for where, status, response in responses:
        if status != "200":
            assert response.get("x-assumption"), f"response {where} is not in the docs but carries no reason"


def test_readme_lists_every_assumption() -> None:
    block = readme_block(README.read_text(encoding="utf-8"))
    assert block is not None, "README.md lost its assumption markers"
    assert block == readme_section(SPEC), "README's assumptions are stale: run `python -m meetings_spec.assumptions`"


def test_mock_seed_scenario_is_the_documented_one() -> None:
    documented = SPEC["components"]["examples"]["DocsDynamicMeetingCreated"]["value"]["data"]["scenario"]
    seeded = {s["id"]: s for s in SPEC["x-mock"]["scenarios"]}
    assert {k: seeded[456][k] for k in documented} == documented
    assert any(s["call_duration"] for s in seeded.values()), "no scenario shows the call_duration rule"


def test_schema_level_examples_fit_their_fields() -> None:
    """``examples`` on a field (used for fixtures) must be valid values of that field, strictly."""
    strict = contract_view(SPEC, View.STRICT)
    for op in operations(strict).values():
        for name, field in op.request_fields.items():
            for value in field.schema.get("examples", []):
                validator = Draft202012Validator({**field.schema, "examples": None}, registry=spec_registry(strict))
                assert validator.is_valid(value), (op.operation_id, name, value)


@pytest.mark.parametrize("view", list(View))
def test_each_view_keeps_only_the_shared_responses_it_uses(view: View) -> None:
    """A view is a document of its own (served as /openapi.json, read by linters and generators):
    no response of the other view is left behind, unused, in its components."""
    document = contract_view(SPEC, view)
    text = json.dumps(document["paths"])
    shared = document["components"]["responses"]
    assert shared, "the spec shares no response: this test would prove nothing"
    unused = [name for name in shared if f'"#/components/responses/{name}"' not in text]
    assert unused == []
