"""Every rule the spec declares has a reader on each side it concerns: the mock obeys it and the
judge (the contract suite's and the proxy's rule engine) checks it, both read from the spec.

The inventory test fails on an extension the spec uses that nothing reads. The edit tests change
one rule in a copy of the spec and show that the change reaches both sides: the mock built from
the edited spec answers differently, and the judge built from it accepts that answer where the
judge of the original spec does not (or the reverse, for a rule only the judge concerns).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from conftest import AUTH, CREATE, DYNAMIC
from meetings_spec import View, contract_view, load_spec
from meetings_spec.judge import EXTENSIONS, Exchange, Judge, Outcome
from meetings_spec.model import lookup, operations
from mock_server import create_app

SPEC = load_spec()

#: Extensions that are not rules about traffic, and who reads each.
NOT_RULES = {
    "x-assumption": "meetings_spec.assumptions (README's list) and the docs",
    "x-strict": "meetings_spec.views (the strict view)",
    "x-only-in": "meetings_spec.views (responses of one view)",
    "x-production": "the contract suite's production guard",
    "x-mock": "mock_server.compiled (the mock's settings and seed)",
}
#: Rules only the judging side concerns (the mock never changes a meeting after creating it).
JUDGE_ONLY = {"x-mutable"}


def _extensions(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("x-"):
                found.add(key)
            found |= _extensions(value)
    elif isinstance(node, list):
        for value in node:
            found |= _extensions(value)
    return found


def test_every_extension_the_spec_uses_has_a_reader() -> None:
    used = _extensions(SPEC)
    assert used, "the spec declares no extension: this test would prove nothing"
    unread = used - EXTENSIONS - set(NOT_RULES)
    assert not unread, f"the spec uses {sorted(unread)}, which no check of the judge and no part of the kit reads"
    rules = used & EXTENSIONS
    assert rules - JUDGE_ONLY <= set(EDITS), f"no test shows the mock obeys {sorted(rules - JUDGE_ONLY - set(EDITS))}"
    assert rules & JUDGE_ONLY <= set(EDITS)


# ------------------------------------------------------------------------ edits reach both sides


def _schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def _property(spec: dict[str, Any], schema: str, name: str) -> dict[str, Any]:
    """A property of a component schema, wherever its allOf branches declare it."""
    node = _schema(spec, schema)
    for branch in [node, *node.get("allOf", [])]:
        if name in branch.get("properties", {}):
            return branch["properties"][name]
    raise KeyError(f"{schema}.{name}")


def _find(node: Any, key: str) -> dict[str, Any]:
    """The first object in the spec holding ``key``."""
    if isinstance(node, dict):
        if key in node:
            return node
        for value in node.values():
            try:
                return _find(value, key)
            except KeyError:
                pass
    elif isinstance(node, list):
        for value in node:
            try:
                return _find(value, key)
            except KeyError:
                pass
    raise KeyError(key)


def _move(spec: dict[str, Any], key: str, to: dict[str, Any]) -> None:
    to[key] = _find(spec, key).pop(key)


Edit = Callable[[dict[str, Any]], None]
Step = tuple[str, str, Any]  # method, path, body
#: extension -> (edit of the spec, requests, pointer into the last answer, value the edited mock answers there)
EDITS: dict[str, tuple[Edit, list[Step], str, Any]] = {
    "x-initial-value": (
        lambda s: _schema(s, "MeetingStatus").update({"x-initial-value": "ended"}),
        [("POST", CREATE, {"person_name": "Ada", "scenario_id": 456})],
        "/data/status",
        "ended",
    ),
    "default": (
        lambda s: _property(s, "CreateMeetingRequest", "meeting_type").update({"default": "end-user"}),
        [("POST", CREATE, {"person_name": "Ada", "scenario_id": 456})],
        "/data/meeting_type",
        "end-user",
    ),
    "x-echo": (
        lambda s: _property(s, "CreateDynamicMeetingRequest", "person_name").update({"x-echo": "/data/scenario/name"}),
        [("POST", DYNAMIC, {"person_name": "Ada", "scenario_id": 456})],
        "/data/scenario/name",
        "Ada",
    ),
    "x-default-from": (
        lambda s: _find(s, "x-default-from")["x-default-from"].update({"join": ["last_name", "first_name"]}),
        [("POST", DYNAMIC, {"scenario_id": 456, "first_name": "Ada", "last_name": "Lovelace"})],
        "/data/person_name",
        "Lovelace Ada",
    ),
    "x-default-from-scenario": (
        lambda s: _find(s, "x-default-from-scenario")["x-default-from-scenario"].update({"otherwise": 25}),
        [("POST", CREATE, {"person_name": "Ada", "scenario_id": 456})],
        "/session_minutes_info/estimatedMinutes",
        25,
    ),
    "x-query-params": (
        lambda s: _find(s, "x-query-params")["x-query-params"].update({"user": _find(s, "x-query-params")["x-query-params"].pop("end_user_id")}),
        [("POST", DYNAMIC, {"scenario_id": 456})],
        "/meeting_url",
        lambda url: "user=" in url and "end_user_id=" not in url,
    ),
    "x-non-increasing": (
        lambda s: _move(s, "x-non-increasing", _property(s, "SessionMinutesInfo", "estimatedMinutes")),
        [("POST", CREATE, {"person_name": "Ada", "scenario_id": 456, "meeting_duration_minutes": 5})] * 2,
        "/session_minutes_info/estimatedMinutes",
        lambda minutes: minutes > 1000,  # the balance left now goes where the marker is
    ),
    "x-reuses": (
        lambda s: _move(s, "x-reuses", _property(s, "CreateDynamicMeetingRequest", "first_name")),
        [("POST", DYNAMIC, {"scenario_id": 456, "first_name": "Kim", "email": "one@example.com"}),
         ("POST", DYNAMIC, {"scenario_id": 456, "first_name": "Kim", "email": "two@example.com"})],
        "/data/end_user/email",
        "one@example.com",  # found by first name: the end user of the first request
    ),
    "x-mutable": (
        lambda s: _schema(s, "MeetingStatus").pop("x-mutable"),
        [("POST", CREATE, {"person_name": "Ada", "scenario_id": 456})],
        "/data/status",
        "created",  # the mock never changes a meeting: only the judge reads this rule
    ),
}


def _serve(spec: dict[str, Any], tmp_path: Path, steps: list[Step]) -> list[tuple[Step, int, Any]]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    client = create_app(path, access_log=False).test_client()
    return [((method, url, body), (r := client.open(url, method=method, headers=AUTH, json=body)).status_code, r.get_json()) for method, url, body in steps]


def _verdicts(spec: dict[str, Any], exchanges: list[tuple[Step, int, Any]], extension: str) -> list[Outcome]:
    """What a judge of ``spec`` (strict view, the mock's scenario 456 known) says of the
    exchanges under rules read from ``extension``."""
    view = contract_view(spec, View.STRICT)
    judge = Judge(view, strict=True, scenarios={456: {"call_duration": None}})
    by_path = {(op.method.upper(), op.path): op for op in operations(view).values()}
    outcomes = []
    for (method, url, body), status, answer in exchanges:
        op = by_path.get((method, url)) or by_path[(method, "/meetings/{id}")]
        parameters = {} if op.path == url else {"id": int(url.rsplit("/", 1)[1])}
        findings = judge.judge(Exchange(op, body, parameters, status, answer))
        outcomes += [f.outcome for f in findings if f.extension == extension]
    return outcomes


@pytest.mark.parametrize("extension", list(EDITS))
def test_an_edit_of_a_rule_reaches_the_mock_and_the_judge(extension: str, tmp_path: Path) -> None:
    edit, steps, pointer, wanted = EDITS[extension]
    edited = copy.deepcopy(SPEC)
    edit(edited)
    assert edited != SPEC
    exchanges = _serve(edited, tmp_path, steps)
    assert all(status == 200 for _, status, _ in exchanges), exchanges
    got = lookup(exchanges[-1][2], pointer)
    if extension in JUDGE_ONLY:
        read = (("GET", f"/meetings/{lookup(exchanges[-1][2], '/data/id')}", None), 200, _changed_status(exchanges[-1][2]))
        assert Outcome.PASSED in _verdicts(SPEC, [*exchanges, read], extension), "the original spec lets the status change"
        assert Outcome.FAILED in _verdicts(edited, [*exchanges, read], extension), "the judge did not follow the edit"
        assert got == wanted
        return
    assert (wanted(got) if callable(wanted) else got == wanted), f"the mock did not follow the edit: {pointer} is {got!r}"
    edited_verdicts, original_verdicts = _verdicts(edited, exchanges, extension), _verdicts(SPEC, exchanges, extension)
    assert Outcome.PASSED in edited_verdicts and Outcome.FAILED not in edited_verdicts, edited_verdicts
    if extension not in ("x-non-increasing", "x-reuses"):  # rules of several exchanges: see below
        assert Outcome.FAILED in original_verdicts, f"the original spec's judge should refuse the edited mock's answer: {original_verdicts}"


def _changed_status(created: dict[str, Any]) -> dict[str, Any]:
    """The read of a meeting whose status moved on since it was created."""
    data = {**created["data"], "status": "ended", "updated_at": created["data"]["created_at"]}
    return {"status": "success", "data": data}


def test_a_judges_memory_is_bounded_and_forgetting_only_judges_less(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy runs for days: past the bound the oldest creations are forgotten, so reading one
    back is no longer judged, and never judged wrongly."""
    import meetings_spec.judge as judge_module

    monkeypatch.setattr(judge_module, "MEMORY_LIMIT", 3)
    view = contract_view(SPEC, View.LENIENT)
    judge, ops = Judge(view), operations(view)
    client = create_app(access_log=False).test_client()
    created = []
    for _ in range(5):
        answer = client.post(CREATE, headers=AUTH, json={"person_name": "Ada", "scenario_id": 456}).get_json()
        judge.judge(Exchange(ops["createMeeting"], {"person_name": "Ada", "scenario_id": 456}, {}, 200, answer))
        created.append(answer)
    gone = {"error": {"code": "meeting_not_found", "message": "gone"}}

    def read_back(answer: dict[str, Any]) -> list[Any]:
        findings = judge.judge(Exchange(ops["getMeeting"], judge_module.ABSENT, {"id": answer["data"]["id"]}, 404, gone))
        return [f.outcome for f in findings if f.extension == "x-mutable"]

    assert read_back(created[0]) == [], "forgotten: not judged"
    assert read_back(created[-1]) == [Outcome.FAILED], "remembered: a 404 for it breaks the rule"
    assert len(judge._memory["created getMeeting by createMeeting"]) == 3
