"""Small edits to the real spec, each with the level ``waterrai-spec diff`` must give it.

Every rule of ``spec_diff.catalogue`` has at least one edit here that triggers it (a test holds
the two together): adding a rule means adding the edit that shows it. The first three lists are
the edits a spec author makes; ``EDITS_BY_FAMILY`` reaches the rules they leave out.

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
    """``apply`` changes the spec; the diff from before to after must find ``rule`` at ``level``, the worst it finds."""

    name: str
    apply: Callable[[Spec], Any]
    level: str | None  # the worst level the diff must find; None: no change at all
    rule: str | None = None  # a rule that must be found at that level
    places: int | None = None  # how many places it must be reported at (once each)
    view: str | None = None  # "strict" / "lenient": found in that view only, and says so; "both": in both views
    base: Callable[[Spec], Any] | None = None  # applied to both sides first: the edit starts from the spec so changed
    undone: bool = False  # the diff runs from the edited spec back to the spec: the edit taken back

    def sides(self, spec: Spec) -> tuple[Spec, Spec]:
        """``(OLD, NEW)`` for this edit of ``spec`` (which it leaves alone)."""
        before = copy.deepcopy(spec)
        if self.base is not None:
            self.base(before)
        after = copy.deepcopy(before)
        self.apply(after)
        return (after, before) if self.undone else (before, after)


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
         COMPATIBLE, "response-status-split"),
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
         POSSIBLY, "response-success-status-removed-others-remain", 1),
    Edit("mock seed loses a scenario", lambda s: s["x-mock"]["scenarios"].pop(), POSSIBLY, "mock-setting-removed", 1),
    Edit("strict-only error body pattern changed",
         lambda s: component(s, "Error")["properties"]["error"]["properties"]["code"].__setitem__("pattern", "^[A-Z_]+$"),
         POSSIBLY, "response-pattern-changed", None, "strict"),
    Edit("mock server marked production", _put(lambda s: s["servers"][1], "x-production", True),
         POSSIBLY, "production-mark-added", 1),
]



# ---------------------------------------------------------------------- every other rule, by family

QUERY_PARAMETER = {"name": "fields", "in": "query", "schema": {"type": "string"}}


def _query(spec: Spec) -> dict[str, Any]:
    """GET /meetings/{id}'s query parameter ``fields`` (which ``_add_query`` adds)."""
    return next(p for p in operation(spec, *GET)["parameters"] if p.get("name") == "fields")


def _add_query(spec: Spec, **extra: Any) -> None:
    operation(spec, *GET)["parameters"].append({**copy.deepcopy(QUERY_PARAMETER), **extra})


def _rename_path_parameter(spec: Spec) -> None:
    item = spec["paths"].pop("/meetings/{id}")
    item["get"]["parameters"][0]["name"] = "meetingId"
    spec["paths"]["/meetings/{meetingId}"] = item


def _response(name: str) -> Callable[[Spec], dict[str, Any]]:
    return lambda spec: spec["components"]["responses"][name]


def _header(required: bool) -> Callable[[Spec], None]:
    return lambda spec: _response("MeetingFound")(spec).setdefault("headers", {}).__setitem__(
        "X-Request-Id", {"required": required, "schema": {"type": "string"}})


def _request_media(spec: Spec) -> dict[str, Any]:
    return operation(spec, *CREATE)["requestBody"]["content"]["application/json"]


def _inline_component(spec: Spec, field: str, name: str) -> None:
    """Write component ``name`` out where the meetings' ``field`` refers to it, and remove the component."""
    inline_ref(spec, field)
    del spec["components"]["schemas"][name]


#: Plain fields the schema rules are shown on, one of each type: added to a request
#: (``CreateMeetingRequest``, one place) and to a response (``ScenarioSummary``, in the dynamic
#: create's 200 and 201: two places), so that each edit changes nothing else.
FIELDS = {"note": {"type": "string"}, "seats": {"type": "integer"},
          "labels": {"type": "array", "items": {"type": "string"}}, "extra": {"type": "object"}}
SIDES = {"request": ("CreateMeetingRequest", 1), "response": ("ScenarioSummary", 2)}


def _with_fields(side: str, *then: Callable[[Spec], Any]) -> Callable[[Spec], None]:
    def base(spec: Spec) -> None:
        for name, schema in FIELDS.items():
            add_prop(spec, SIDES[side][0], name, copy.deepcopy(schema))
        for step in then:
            step(spec)
    return base


def _schema_edits(side: str) -> list[Edit]:
    """An edit for each schema rule of one side: a narrowing breaks a request, a widening a response."""
    narrower, wider = (BREAKING, COMPATIBLE) if side == "request" else (COMPATIBLE, BREAKING)
    places = SIDES[side][1]

    def field(name: str) -> Callable[[Spec], dict[str, Any]]:
        return _p(SIDES[side][0], name)

    def edit(what: str, apply: Callable[[Spec], Any], level: str, rule: str, *then: Callable[[Spec], Any],
             undone: bool = False) -> Edit:
        return Edit(f"{side} {what}", apply, level, f"{side}-{rule}", places, base=_with_fields(side, *then), undone=undone)

    def alternatives(*branches: dict[str, Any], keyword: str = "oneOf") -> Callable[[Spec], None]:
        return lambda spec: set_prop(spec, SIDES[side][0], "seats", {keyword: copy.deepcopy(list(branches))})

    number_or_digits = ({"type": "integer"}, {"type": "string", "pattern": "^[0-9]+$"})
    bounded = {"minimum": ("seats", 5), "maximum": ("seats", 5), "minLength": ("note", 5), "maxLength": ("note", 5),
               "minItems": ("labels", 2), "maxItems": ("labels", 2), "minProperties": ("extra", 2),
               "maxProperties": ("extra", 2)}
    edits = []
    for keyword, (name, value) in bounded.items():
        edits.append(edit(f"{keyword} added", _put(field(name), keyword, value), narrower, f"{keyword}-tightened"))
        edits.append(edit(f"{keyword} removed", _put(field(name), keyword, value), wider, f"{keyword}-relaxed", undone=True))
    return edits + [
        edit("exclusiveMinimum added", _put(field("seats"), "exclusiveMinimum", 0), narrower, "minimum-tightened"),
        edit("multipleOf added", _put(field("seats"), "multipleOf", 2), narrower, "multipleOf-tightened"),
        edit("multipleOf removed", _put(field("seats"), "multipleOf", 2), wider, "multipleOf-relaxed", undone=True),
        edit("multipleOf 2 made 3", _put(field("seats"), "multipleOf", 3), BREAKING, "multipleOf-changed",
             _put(field("seats"), "multipleOf", 2)),
        edit("uniqueItems added", _put(field("labels"), "uniqueItems", True), narrower, "uniqueItems-added"),
        edit("uniqueItems removed", _put(field("labels"), "uniqueItems", True), wider, "uniqueItems-removed", undone=True),
        edit("pattern added", _put(field("note"), "pattern", "^[a-z]+$"), narrower, "pattern-added"),
        edit("pattern removed", _put(field("note"), "pattern", "^[a-z]+$"), wider, "pattern-removed", undone=True),
        edit("pattern changed", _put(field("note"), "pattern", "^[A-Z]+$"), POSSIBLY, "pattern-changed",
             _put(field("note"), "pattern", "^[a-z]+$")),
        edit("format added", _put(field("note"), "format", "email"), narrower, "format-added"),
        edit("format removed", _put(field("note"), "format", "email"), wider, "format-removed", undone=True),
        edit("format changed", _put(field("note"), "format", "uri"), BREAKING, "format-changed",
             _put(field("note"), "format", "email")),
        edit("unknown fields refused", _put(field("extra"), "additionalProperties", False), narrower,
             "additionalProperties-tightened"),
        edit("unknown fields allowed", _put(field("extra"), "additionalProperties", False), wider,
             "additionalProperties-relaxed", undone=True),
        edit("array items no longer constrained", _drop(field("labels"), "items"), wider, "items-relaxed"),
        edit("array items constrained", _drop(field("labels"), "items"), narrower, "items-constrained", undone=True),
        edit("limited to an enum", _put(field("note"), "enum", ["a", "b"]), narrower, "values-limited"),
        edit("no longer limited to an enum", _put(field("note"), "enum", ["a", "b"]), wider, "values-unlimited", undone=True),
        edit("enum value removed", _put(field("note"), "enum", ["a"]), narrower, "value-removed",
             _put(field("note"), "enum", ["a", "b"])),
        edit("enum value added", _put(field("note"), "enum", ["a"]), wider, "value-added",
             _put(field("note"), "enum", ["a", "b"]), undone=True),
        edit("integer may be a string too", _put(field("seats"), "type", ["integer", "string"]), wider, "type-widened"),
        edit("type no longer limited", _drop(field("seats"), "type"), wider, "type-widened"),
        edit("integer no longer a string too", _put(field("seats"), "type", ["integer", "string"]), narrower,
             "type-narrowed", undone=True),
        edit("integer made a string", _put(field("seats"), "type", "string"), BREAKING, "type-changed"),
        edit("made nullable", _put(field("note"), "type", ["string", "null"]), wider, "nullable-added"),
        edit("no longer nullable", _put(field("note"), "type", ["string", "null"]), narrower, "nullable-removed", undone=True),
        edit("alternative added", alternatives(*number_or_digits), wider, "alternative-added"),
        edit("alternative removed", alternatives(*number_or_digits), narrower, "alternative-removed", undone=True),
        edit("oneOf made anyOf", alternatives(*number_or_digits, keyword="anyOf"), POSSIBLY, "alternatives-keyword-changed",
             alternatives(*number_or_digits)),
        edit("two oneOf combined", lambda spec: set_prop(spec, SIDES[side][0], "seats", {"allOf": [
            {"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}]},
            {"oneOf": [{"type": "integer", "maximum": 99}, {"type": "string", "maxLength": 2}]}]}),
             POSSIBLY, "alternatives-changed"),
        edit("another assertion added (not)", _put(field("note"), "not", {"const": "x"}), POSSIBLY, "keyword-changed"),
        edit("readOnly added", _put(field("note"), "readOnly", True), POSSIBLY, "readOnly-changed"),
        edit("writeOnly added", _put(field("note"), "writeOnly", True), POSSIBLY, "writeOnly-changed"),
    ]


#: A value for each documentation keyword, written on a shared request field (two places).
DOCUMENTATION_VALUES = {
    "title": "Chat", "examples": [True], "example": True, "$comment": "The chat beside the call.",
    "externalDocs": {"url": "https://example.com/chat"}, "xml": {"name": "chat"},
    "$id": "https://example.com/schemas/allow_chat", "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$anchor": "chat", "$dynamicAnchor": "chat", "$defs": {"Flag": {"type": "boolean"}},
    "definitions": {"Flag": {"type": "boolean"}}, "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": True},
}

EDITS_BY_FAMILY = [
    # paths
    Edit("operation tags changed", _put(lambda s: operation(s, *GET), "tags", ["meetings", "reads"]),
         COMPATIBLE, "tags-changed", 1),
    # parameters
    Edit("optional query parameter removed", _add_query, POSSIBLY, "parameter-removed", 1, undone=True),
    Edit("query parameter made required", _put(_query, "required", True), BREAKING, "parameter-became-required", 1,
         base=_add_query),
    Edit("query parameter made optional", _put(_query, "required", True), COMPATIBLE, "parameter-became-optional", 1,
         base=_add_query, undone=True),
    Edit("path parameter renamed", _rename_path_parameter, COMPATIBLE, "path-parameter-renamed", 1),
    Edit("query parameter style changed", _put(_query, "style", "pipeDelimited"), BREAKING, "parameter-style-changed", 1,
         base=_add_query),
    Edit("query parameter explode changed", _put(_query, "explode", False), BREAKING, "parameter-explode-changed", 1,
         base=_add_query),
    Edit("query parameter allowReserved changed", _put(_query, "allowReserved", True), BREAKING,
         "parameter-allowReserved-changed", 1, base=_add_query),
    # request body
    Edit("required request body on a read",
         _put(lambda s: operation(s, *GET), "requestBody",
              {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}),
         BREAKING, "request-body-added-required", 1),
    Edit("optional request body on a read",
         _put(lambda s: operation(s, *GET), "requestBody", {"content": {"application/json": {"schema": {"type": "object"}}}}),
         COMPATIBLE, "request-body-added", 1),
    Edit("request body removed", _drop(lambda s: operation(s, *CREATE), "requestBody"), POSSIBLY, "request-body-removed", 1),
    Edit("request body made optional", _put(lambda s: operation(s, *CREATE)["requestBody"], "required", False),
         COMPATIBLE, "request-body-became-optional", 1),
    Edit("request body made required", _put(lambda s: operation(s, *CREATE)["requestBody"], "required", False),
         BREAKING, "request-body-became-required", 1, undone=True),
    # media types
    Edit("request media type removed",
         lambda s: operation(s, *CREATE)["requestBody"].__setitem__(
             "content", {"application/vnd.waterrai+json": _request_media(s)}),
         BREAKING, "request-media-type-removed", 1),
    Edit("request media type added",
         lambda s: operation(s, *CREATE)["requestBody"]["content"].__setitem__(
             "application/x-www-form-urlencoded", {"schema": {"$ref": "#/components/schemas/CreateMeetingRequest"}}),
         COMPATIBLE, "request-media-type-added", 1),
    # examples
    Edit("named request example removed", _drop(_request_media, "examples"), POSSIBLY, "example-removed", 1),
    Edit("named request example added",
         lambda s: _request_media(s)["examples"].__setitem__(
             "Minimal", {"value": {"person_name": "Ann", "scenario_id": 456}}),
         COMPATIBLE, "example-added", 1),
    Edit("named answer example changed",
         lambda s: s["components"]["examples"]["DocsMeeting789"]["value"]["data"].__setitem__("person_name", "Jane Doe"),
         COMPATIBLE, "example-changed", 1),
    # responses
    Edit("error status no longer listed apart from 4XX",
         lambda s: operation(s, *CREATE)["responses"].__setitem__("409", {"description": "Conflict."}),
         POSSIBLY, "response-status-merged", 1, undone=True),
    Edit("new success status", lambda s: operation(s, *GET)["responses"].__setitem__("202", {"description": "Accepted."}),
         POSSIBLY, "response-success-status-added", 1),
    Edit("new status outside any range", lambda s: operation(s, *GET)["responses"].__setitem__("304", {"description": "Not modified."}),
         COMPATIBLE, "response-status-added", 1),
    Edit("response header that was always sent removed", _drop(_response("MeetingFound"), "headers"), BREAKING,
         "response-header-removed", 1, base=_header(required=True)),
    Edit("response header no longer always sent", _header(required=False), BREAKING, "response-header-became-optional", 1,
         base=_header(required=True)),
    Edit("optional response header removed", _drop(_response("MeetingFound"), "headers"), POSSIBLY,
         "response-optional-header-removed", 1, base=_header(required=False)),
    Edit("response header added", _header(required=False), COMPATIBLE, "response-header-added", 1),
    Edit("response link removed", _drop(_response("MeetingCreated"), "links"), POSSIBLY, "link-removed", 1),
    Edit("shared response link changed",
         lambda s: s["components"]["links"]["ReadCreatedMeeting"]["parameters"].__setitem__("id", "$response.body#/data/scenario_id"),
         POSSIBLY, "link-changed", 4),
    Edit("response link added",
         _put(_response("MeetingFound"), "links",
              {"Self": {"operationId": "getMeeting", "parameters": {"id": "$response.body#/data/id"}}}),
         COMPATIBLE, "link-added", 1),
    # schemas: each rule on each side, and the rules of one side only
    *_schema_edits("request"),
    *_schema_edits("response"),
    Edit("request field removed where unknown fields are refused",
         _do(_put(lambda s: component(s, "CreateMeetingRequest"), "additionalProperties", False),
             lambda s: remove_prop(s, "CreateMeetingRequest", "end_user_id")),
         BREAKING, "request-property-removed-closed", 1),
    Edit("optional response field removed (CreatedMeeting)", lambda s: remove_prop(s, "CreatedMeeting", "updated_at"),
         POSSIBLY, "response-optional-property-removed", 2),
    Edit("new response field where no others were promised",
         lambda s: add_prop(s, "SessionMinutesInfo", "currency", {"type": "string"}),
         BREAKING, "response-property-added-closed", 4,
         base=_put(lambda s: component(s, "SessionMinutesInfo"), "additionalProperties", False)),
    # defaults
    Edit("documented default dropped (shared VoiceSettings)", _drop(_p("VoiceSettings", "voice_vendor"), "default"),
         POSSIBLY, "default-removed", 2),
    Edit("value when omitted now taken from the scenario",
         _put(_p("SessionSettings", "welcome_message"), "x-default-from-scenario", {"scenario": "scenario_id", "field": "greeting"}),
         COMPATIBLE, "default-rule-added", 2),
    Edit("value when omitted no longer taken from the scenario",
         _put(_p("SessionSettings", "welcome_message"), "x-default-from-scenario", {"scenario": "scenario_id", "field": "greeting"}),
         POSSIBLY, "default-rule-removed", 2, undone=True),
    # the kit's promises
    Edit("x-echo moved", _put(_p("CreateMeetingRequest", "person_name"), "x-echo", "/data/name"), BREAKING, "echo-changed", 1),
    Edit("x-reuses added", _put(_p("CreateMeetingRequest", "end_user_id"), "x-reuses", {"object": "/data", "compare": ["id"]}),
         COMPATIBLE, "reuses-added", 1),
    Edit("x-reuses removed", _drop(_p("CreateDynamicMeetingRequest", "email"), "x-reuses"), BREAKING, "reuses-removed", 1),
    Edit("x-reuses names another object",
         lambda s: prop(s, "CreateDynamicMeetingRequest", "email")["x-reuses"].__setitem__("object", "/data/scenario"),
         BREAKING, "reuses-object-changed", 1),
    Edit("x-query-params parameter equals another value",
         lambda s: prop(s, "CreateDynamicMeetingResponse", "meeting_url")["x-query-params"].__setitem__(
             "end_user_id", "/data/id"),
         BREAKING, "query-params-param-changed", 2),
    Edit("x-initial-value added (shared MeetingUpdatedAt)", _put(lambda s: component(s, "MeetingUpdatedAt"), "x-initial-value", None),
         COMPATIBLE, "initial-value-added", 5),
    Edit("x-initial-value removed (shared MeetingStatus)", _drop(lambda s: component(s, "MeetingStatus"), "x-initial-value"),
         BREAKING, "initial-value-removed", 5),
    # documentation and extensions
    *[Edit(f"`{keyword}` added (shared MeetingControls)", _put(_p("MeetingControls", "allow_chat"), keyword, value),
           COMPATIBLE, f"{keyword.lstrip('$')}-changed", 2) for keyword, value in DOCUMENTATION_VALUES.items()],
    Edit("unknown extension added (shared MeetingControls)", _put(_p("MeetingControls", "allow_chat"), "x-team", "chat"),
         POSSIBLY, "extension-changed", 2),
    # servers
    Edit("production server removed", lambda s: s["servers"].pop(0), BREAKING, "production-server-changed", 1),
    Edit("mock server removed", lambda s: s["servers"].pop(1), POSSIBLY, "server-removed", 1),
    Edit("server added", lambda s: s["servers"].append({"url": "https://staging.waterrai.com"}), COMPATIBLE, "server-added", 1),
    # components
    Edit("unused component schema added", lambda s: s["components"]["schemas"].__setitem__("Unused", {"type": "string"}),
         COMPATIBLE, "component-schema-added", 1),
    Edit("component schema written out where used, and removed",
         lambda s: _inline_component(s, "created_at", "MeetingCreatedAt"), COMPATIBLE, "component-schema-removed", 1),
    # the mock's settings
    Edit("mock limit changed", lambda s: s["x-mock"]["limits"].__setitem__("max_meetings", 5000),
         POSSIBLY, "mock-setting-changed", 1),
]

EDITS = BREAKING_EDITS + COMPATIBLE_EDITS + POSSIBLY_EDITS + EDITS_BY_FAMILY
