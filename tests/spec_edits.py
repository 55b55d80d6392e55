"""Small edits to the real spec, each with the level ``waterrai-spec diff`` must give it.

Schemas are addressed by component and property name (``prop(spec, "MeetingControls",
"allow_chat")``), never by their place inside an ``allOf``, so the table survives a restructure of
the spec that keeps its facts (issue 16 turns the response schemas into plain objects).
"""

from __future__ import annotations

import copy

from dataclasses import dataclass
from typing import Any, Callable

Spec = dict[str, Any]

BREAKING, POSSIBLY, COMPATIBLE, NOTHING = "breaking", "possibly breaking", "compatible", None


# ---------------------------------------------------------------------- helpers


def component(spec: Spec, name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def _declaring(schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The object (the schema itself or one of its inline ``allOf`` branches) that declares ``name``."""
    found = None
    if name in schema.get("properties", {}):
        found = schema
    for branch in schema.get("allOf", []):
        found = _declaring(branch, name) or found
    return found


def prop(spec: Spec, component_name: str, name: str) -> dict[str, Any]:
    """The property ``name`` as ``component_name`` declares it (not following ``$ref``)."""
    holder = _declaring(component(spec, component_name), name)
    assert holder is not None, f"{component_name} declares no property {name}"
    return holder["properties"][name]


def set_prop(spec: Spec, component_name: str, name: str, schema: dict[str, Any]) -> None:
    holder = _declaring(component(spec, component_name), name)
    assert holder is not None, f"{component_name} declares no property {name}"
    holder["properties"][name] = schema


def add_prop(spec: Spec, component_name: str, name: str, schema: dict[str, Any], *, required: bool = False) -> None:
    """A new property of the component's object (its last inline ``allOf`` branch, or itself)."""
    schema_ = component(spec, component_name)
    inline = [b for b in schema_.get("allOf", []) if "$ref" not in b]
    holder = inline[-1] if inline else schema_
    holder.setdefault("properties", {})[name] = schema
    if required:
        require(spec, component_name, name)


def remove_prop(spec: Spec, component_name: str, name: str) -> None:
    holder = _declaring(component(spec, component_name), name)
    assert holder is not None
    del holder["properties"][name]
    unrequire(spec, component_name, name)


def require(spec: Spec, component_name: str, name: str) -> None:
    """Make ``name`` required by the component (a ``required`` at its top applies to all its branches)."""
    component(spec, component_name).setdefault("required", []).append(name)


def unrequire(spec: Spec, component_name: str, name: str) -> None:
    def walk(schema: dict[str, Any]) -> None:
        if name in schema.get("required", []):
            schema["required"].remove(name)
        for branch in schema.get("allOf", []):
            walk(branch)

    walk(component(spec, component_name))


def operation(spec: Spec, path: str, method: str) -> dict[str, Any]:
    return spec["paths"][path][method]


def reorder_all(spec: Spec) -> None:
    """The whole spec with every mapping's keys in reverse order."""
    reordered = reorder(spec)
    spec.clear()
    spec.update(reordered)


def reorder(node: Any) -> Any:
    """Every mapping with its keys in reverse order (lists keep theirs: their order means something)."""
    if isinstance(node, dict):
        return {key: reorder(node[key]) for key in reversed(list(node))}
    if isinstance(node, list):
        return [reorder(value) for value in node]
    return node


#: The answers' meetings, which share each field by $ref (issue 16).
MEETINGS = ("CreatedMeeting", "DynamicMeeting", "StoredMeeting")


def inline_ref(spec: Spec, field: str) -> None:
    """Write each meeting's ``$ref`` to a shared field schema out in place: the same schema."""
    for name in MEETINGS:
        properties = component(spec, name)["properties"]
        target = properties[field]["$ref"].rsplit("/", 1)[1]
        properties[field] = copy.deepcopy(component(spec, target))


# ---------------------------------------------------------------------- the edits


@dataclass(frozen=True)
class Edit:
    name: str
    apply: Callable[[Spec], Any]
    level: str | None  # the worst level the diff must find; None: no change at all
    rule: str | tuple[str, ...] = ()  # a rule that must be found at that level
    places: int | None = None  # how many places it must be reported at (once each)
    view: str | None = None  # "strict" / "lenient": found in that view only, and says so; "both": in both views


def _do(*steps: Callable[[Spec], Any]) -> Callable[[Spec], None]:
    def apply(spec: Spec) -> None:
        for step in steps:
            step(spec)
    return apply


def _put(getter: Callable[[Spec], dict[str, Any]], key: str, value: Any) -> Callable[[Spec], None]:
    return lambda spec: getter(spec).__setitem__(key, value)


def _drop(getter: Callable[[Spec], dict[str, Any]], key: str) -> Callable[[Spec], None]:
    return lambda spec: getter(spec).__delitem__(key)


def _p(component_name: str, name: str) -> Callable[[Spec], dict[str, Any]]:
    return lambda spec: prop(spec, component_name, name)


GET = ("/meetings/{id}", "get")
CREATE = ("/meetings", "post")
DYNAMIC = ("/meetings/create-dynamic-meeting", "post")

BREAKING_EDITS = [
    Edit("path removed", lambda s: s["paths"].pop("/meetings/create-dynamic-meeting"), BREAKING, "path-removed", 1),
    Edit("method changed (POST to PUT)",
         lambda s: s["paths"][DYNAMIC[0]].__setitem__("put", s["paths"][DYNAMIC[0]].pop("post")),
         BREAKING, "operation-removed", 1),
    Edit("request field made required", lambda s: require(s, "CreateMeetingRequest", "meeting_type"),
         BREAKING, "request-property-became-required", 1),
    Edit("new required request field",
         lambda s: add_prop(s, "CreateDynamicMeetingRequest", "team_id", {"type": "integer"}, required=True),
         BREAKING, "request-property-added-required", 1),
    Edit("request enum narrowed (shared VoiceSettings)",
         lambda s: prop(s, "VoiceSettings", "voice_vendor")["enum"].remove("cartesia"),
         BREAKING, "request-value-removed", 2),
    Edit("default changed, schema the same (shared MeetingControls)",
         _put(_p("MeetingControls", "allow_recording"), "default", False), BREAKING, "default-changed", 2),
    Edit("response field removed (shared ScenarioSummary)", lambda s: remove_prop(s, "ScenarioSummary", "scenario_link"),
         BREAKING, "response-property-removed", 2),
    Edit("response field made optional (shared EndUser)", lambda s: unrequire(s, "EndUser", "membership_id"),
         BREAKING, "response-property-became-optional", 2),
    Edit("response field made nullable (shared SessionMinutesInfo)",
         _put(_p("SessionMinutesInfo", "remainingMinutes"), "type", ["integer", "null"]),
         BREAKING, "response-nullable-added", 4),
    Edit("request type changed (shared ScenarioId)", lambda s: component(s, "ScenarioId").__setitem__("type", "string"),
         BREAKING, "request-type-changed", 2),
    Edit("request length limit made a fact (shared SessionSettings)",
         _put(_p("SessionSettings", "welcome_message"), "maxLength", 500), BREAKING,
         "request-maxLength-tightened", 2, "lenient"),
    Edit("request minimum made a fact (shared MeetingControls)",
         _put(_p("MeetingControls", "meeting_duration_minutes"), "minimum", 5), BREAKING, "request-minimum-tightened", 2),
    Edit("request format added", _put(_p("CreateDynamicMeetingRequest", "email"), "format", "email"),
         BREAKING, "request-format-added", 1),
    Edit("response format removed (shared MeetingRoomUrl)", _drop(lambda s: component(s, "MeetingRoomUrl"), "format"),
         BREAKING, "response-format-removed", 5),
    Edit("shared enum widened (MeetingType: requests fine, responses break)",
         lambda s: component(s, "MeetingType")["enum"].append("team"), BREAKING, "response-value-added", 3),
    Edit("response object made nullable through anyOf (shared EndUser)",
         lambda s: set_prop(s, "DynamicMeeting", "end_user",
                            {"anyOf": [{"$ref": "#/components/schemas/EndUser"}, {"type": "null"}]}),
         BREAKING, "response-nullable-added", 2),
    Edit("x-echo removed", _drop(_p("CreateMeetingRequest", "person_name"), "x-echo"), BREAKING, "echo-removed", 1),
    Edit("x-default-from join changed",
         lambda s: prop(s, "CreateDynamicMeetingRequest", "person_name")["x-default-from"]["join"].reverse(),
         BREAKING, "default-rule-changed", 1),
    Edit("x-default-from-scenario otherwise changed",
         lambda s: prop(s, "MeetingControls", "meeting_duration_minutes")["x-default-from-scenario"].__setitem__("otherwise", 60),
         BREAKING, "default-changed", 2),
    Edit("x-reuses compares fewer fields",
         lambda s: prop(s, "CreateDynamicMeetingRequest", "email")["x-reuses"]["compare"].remove("membership_id"),
         BREAKING, "reuses-compare-removed", 1),
    Edit("x-query-params loses a parameter",
         lambda s: prop(s, "CreateDynamicMeetingResponse", "meeting_url")["x-query-params"].pop("membership_id"),
         BREAKING, "query-params-param-removed", 2),
    Edit("x-initial-value changed", _put(lambda s: component(s, "MeetingStatus"), "x-initial-value", "pending"),
         BREAKING, "initial-value-changed", 5),
    Edit("x-mutable added", _put(lambda s: component(s, "MeetingPersonName"), "x-mutable", True), BREAKING, "mutable-added", 5),
    Edit("x-non-increasing removed", _drop(_p("SessionMinutesInfo", "remainingMinutes"), "x-non-increasing"),
         BREAKING, "non-increasing-removed", 4),
    Edit("only success status removed", lambda s: operation(s, *GET)["responses"].pop("200"),
         BREAKING, "response-success-status-removed", 1),
    Edit("response media type removed",
         lambda s: s["components"]["responses"]["MeetingFound"].__setitem__(
             "content", {"application/vnd.waterrai+json": s["components"]["responses"]["MeetingFound"]["content"]["application/json"]}),
         BREAKING, "response-media-type-removed", 1),
    Edit("security requirement added",
         _do(lambda s: s["components"]["securitySchemes"].__setitem__("apiKey", {"type": "apiKey", "in": "header", "name": "X-Key"}),
             lambda s: operation(s, *GET).__setitem__("security", [{"bearerAuth": [], "apiKey": []}])),
         BREAKING, "security-requirement-added", 1),
    Edit("security scheme changed", lambda s: s["components"]["securitySchemes"]["bearerAuth"].__setitem__("scheme", "basic"),
         BREAKING, "security-scheme-changed", 3),
    Edit("x-production removed from the production server", lambda s: s["servers"][0].pop("x-production"),
         BREAKING, "production-mark-removed", 1),
    Edit("required query parameter added",
         lambda s: operation(s, *GET)["parameters"].append(
             {"name": "fields", "in": "query", "required": True, "schema": {"type": "string"}}),
         BREAKING, "parameter-added-required", 1),
    Edit("path parameter type changed", _put(lambda s: operation(s, *GET)["parameters"][0]["schema"], "type", "string"),
         BREAKING, "request-type-changed", 1),
    Edit("unknown request fields refused", _put(lambda s: component(s, "CreateMeetingRequest"), "additionalProperties", False),
         BREAKING, "request-additionalProperties-tightened", 1),
]

COMPATIBLE_EDITS = [
    Edit("new optional request field", lambda s: add_prop(s, "CreateMeetingRequest", "notes", {"type": "string"}),
         COMPATIBLE, "request-property-added", 1),
    Edit("new response field (shared EndUser)", lambda s: add_prop(s, "EndUser", "company", {"type": "string"}),
         COMPATIBLE, "response-property-added", 2),
    Edit("new required response field (shared SessionMinutesInfo)",
         lambda s: add_prop(s, "SessionMinutesInfo", "currency", {"type": "string"}, required=True),
         COMPATIBLE, "response-property-added", 4),
    Edit("request enum widened (shared VoiceSettings)",
         lambda s: prop(s, "VoiceSettings", "voice_vendor")["enum"].append("openai"), COMPATIBLE, "request-value-added", 2),
    Edit("reordered file", reorder_all, NOTHING),
    Edit("description changed (shared MeetingControls)",
         _put(_p("MeetingControls", "allow_chat"), "description", "Offer a chat."), COMPATIBLE, "description-changed", 2),
    Edit("request field made optional", lambda s: unrequire(s, "CreateMeetingRequest", "person_name"),
         COMPATIBLE, "request-property-became-optional", 1),
    Edit("response field made required (DynamicMeeting)", lambda s: require(s, "DynamicMeeting", "created_at"),
         COMPATIBLE, "response-property-became-required", 2),
    Edit("response field no longer nullable (shared EndUser)", _put(_p("EndUser", "first_name"), "type", "string"),
         COMPATIBLE, "response-nullable-removed", 2),
    Edit("request field made nullable (shared ScenarioId)",
         lambda s: component(s, "ScenarioId").__setitem__("type", ["integer", "null"]), COMPATIBLE, "request-nullable-added", 2),
    Edit("request number widened (integer to number)", _put(_p("MeetingControls", "max_participants"), "type", ["number", "null"]),
         COMPATIBLE, "request-type-widened", 2),
    Edit("response values limited (shared ScenarioSummary)", _put(_p("ScenarioSummary", "type"), "enum", ["roleplay"]),
         COMPATIBLE, "response-values-limited", 2),
    Edit("new operation",
         lambda s: s["paths"]["/meetings/{id}"].__setitem__(
             "delete", {"operationId": "deleteMeeting", "responses": {"204": {"description": "Deleted."}}}),
         COMPATIBLE, "operation-added", 1),
    Edit("new error status",
         lambda s: operation(s, *CREATE)["responses"].__setitem__(
             "409", {"description": "Conflict.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
         COMPATIBLE, ("response-status-split", "response-status-added")),
    Edit("new optional query parameter",
         lambda s: operation(s, *GET).setdefault("parameters", []).append(
             {"name": "fields", "in": "query", "schema": {"type": "string"}}),
         COMPATIBLE, "parameter-added", 1),
    Edit("x-echo added (shared SessionSettings)", _put(_p("SessionSettings", "welcome_message"), "x-echo", "/data/welcome_message"),
         COMPATIBLE, "echo-added", 2),
    Edit("x-query-params gains a parameter",
         lambda s: prop(s, "CreateDynamicMeetingResponse", "meeting_url")["x-query-params"].__setitem__("scenario_id", "/data/scenario_id"),
         COMPATIBLE, "query-params-param-added", 2),
    Edit("x-reuses compares more fields",
         lambda s: prop(s, "CreateDynamicMeetingRequest", "email")["x-reuses"]["compare"].append("email"),
         COMPATIBLE, "reuses-compare-added", 1),
    Edit("x-mutable removed (shared MeetingUpdatedAt)", _drop(lambda s: component(s, "MeetingUpdatedAt"), "x-mutable"),
         COMPATIBLE, "mutable-removed", 5),
    Edit("x-non-increasing added (shared SessionMinutesInfo)",
         _put(_p("SessionMinutesInfo", "estimatedMinutes"), "x-non-increasing", True), COMPATIBLE, "non-increasing-added", 4),
    Edit("default documented where there was none", _put(_p("SessionSettings", "welcome_message"), "default", "Hello!"),
         COMPATIBLE, "default-added", 2),
    Edit("security alternative added", lambda s: operation(s, *GET)["security"].append({}),
         COMPATIBLE, "security-alternative-added", 1),
    Edit("x-strict limit relaxed (strict view only)",
         lambda s: prop(s, "CreateMeetingRequest", "person_name")["x-strict"].__setitem__("maxLength", 500),
         COMPATIBLE, "request-maxLength-relaxed", 1, "strict"),
    Edit("response additionalProperties closed (shared SessionMinutesInfo)",
         _put(lambda s: component(s, "SessionMinutesInfo"), "additionalProperties", False),
         COMPATIBLE, "response-additionalProperties-tightened", 4),
    Edit("operation deprecated", _put(lambda s: operation(s, *GET), "deprecated", True), COMPATIBLE, "deprecated-changed", 1),
    Edit("nullable written as anyOf (shared EndUser)",
         lambda s: set_prop(s, "EndUser", "first_name", {
             "anyOf": [{"type": "string"}, {"type": "null"}],
             **{k: v for k, v in prop(s, "EndUser", "first_name").items() if k != "type"}}),
         NOTHING),
    Edit("a shared field's $ref written out in each meeting", lambda s: inline_ref(s, "id"), NOTHING),
    Edit("response media type added",
         lambda s: s["components"]["responses"]["MeetingFound"]["content"].__setitem__("application/xml", {}),
         COMPATIBLE, "response-media-type-added", 1),
    Edit("x-strict maximum relaxed (strict view only)",
         lambda s: prop(s, "MeetingControls", "meeting_duration_minutes")["x-strict"].__setitem__("maximum", 2880),
         COMPATIBLE, "request-maximum-relaxed", 2),
    Edit("request number allowed as a string too (oneOf)",
         lambda s: set_prop(s, "CreateMeetingRequest", "end_user_id", {
             "oneOf": [{"type": "integer"}, {"type": "string", "pattern": "^[0-9]+$"}],
             **{k: v for k, v in prop(s, "CreateMeetingRequest", "end_user_id").items() if k != "type"}}),
         COMPATIBLE, "request-alternative-added", 1),
    Edit("operation summary changed", _put(lambda s: operation(s, *GET), "summary", "Read a meeting"),
         COMPATIBLE, "summary-changed", 1),
    Edit("mock seeds one more scenario",
         lambda s: s["x-mock"]["scenarios"].append({**s["x-mock"]["scenarios"][0], "id": 458}),
         COMPATIBLE, "mock-setting-added", 1),
]

POSSIBLY_EDITS = [
    Edit("x-strict limit tightened (strict view only)",
         lambda s: prop(s, "CreateMeetingRequest", "person_name")["x-strict"].__setitem__("maxLength", 100),
         POSSIBLY, "request-maxLength-tightened", 1, "strict"),
    Edit("x-assumption reworded (shared ScenarioId)",
         _put(lambda s: component(s, "ScenarioId"), "x-assumption", "Ids run from 1 to 2^63-1."),
         POSSIBLY, "assumption-changed", 2, "strict"),
    Edit("x-default-from otherwise changed in the strict view only",
         lambda s: prop(s, "CreateDynamicMeetingRequest", "person_name")["x-strict"]["x-default-from"].__setitem__("otherwise", "Guest"),
         POSSIBLY, "default-changed", 1, "strict"),
    Edit("request field removed", lambda s: remove_prop(s, "CreateDynamicMeetingRequest", "user_metadata"),
         POSSIBLY, "request-property-removed", 1, "both"),
    Edit("operationId renamed",
         _do(_put(lambda s: operation(s, *GET), "operationId", "readMeeting"),
             _put(lambda s: s["components"]["links"]["ReadCreatedMeeting"], "operationId", "readMeeting")),
         POSSIBLY, "operationId-changed", 1),
    Edit("strict-only error response removed", lambda s: operation(s, *CREATE)["responses"].pop("402"),
         POSSIBLY, "response-status-removed", 1, "strict"),
    Edit("one of two success statuses removed", lambda s: operation(s, *CREATE)["responses"].pop("200"),
         POSSIBLY, "response-success-status-removed", 1),
    Edit("mock seed loses a scenario", lambda s: s["x-mock"]["scenarios"].pop(), POSSIBLY, "mock-setting-removed", 1),
    Edit("strict-only error body pattern changed",
         lambda s: component(s, "Error")["properties"]["error"]["properties"]["code"].__setitem__("pattern", "^[A-Z_]+$"),
         POSSIBLY, "response-pattern-changed", None, "strict"),
    Edit("mock server marked production", _put(lambda s: s["servers"][1], "x-production", True),
         POSSIBLY, "production-mark-added", 1),
]

EDITS = BREAKING_EDITS + COMPATIBLE_EDITS + POSSIBLY_EDITS
