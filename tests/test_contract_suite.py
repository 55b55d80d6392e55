"""The contract suite passes a server that keeps the contract, and fails, naming the rule,
every server that breaks one. The suite runs as users run it: pytest in a subprocess."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from contract_tests.checks import SUITE_CHECKS
from contract_tests.probes import ABSENT_ID, EDGE_CREATES, INTEGER_EDGES, TEXT_PROBES
from meetings_spec.judge import EXTENSIONS

from servers import COERCIONS, NULL_READINGS, TOKEN, Recording, Rewriting, coercing, mock_app, null_as_not_given, serving

ROOT = Path(__file__).resolve().parent.parent
CREATE, DYNAMIC = "/meetings", "/meetings/create-dynamic-meeting"


def run_suite(
    base_url: str, *args: str, tmp_path: Path, env: dict[str, str] | None = None, modules: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """The suite in a subprocess, as a user runs it; ``modules`` narrows it to some test files."""
    environment = {**os.environ, "WATERRAI_API_TOKEN": TOKEN, **(env or {})}
    if "WATERRAI_SCENARIO_ID" not in (env or {}):
        environment.pop("WATERRAI_SCENARIO_ID", None)
    paths = [f"contract_tests/{module}.py" for module in modules] or ["contract_tests"]
    command = [sys.executable, "-m", "pytest", *paths, "--base-url", base_url, "-p", "no:cacheprovider", "-rs", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


#: What the mock's scenario 456 holds, for the rules that read it (the mock's x-mock seed says null).
KNOWN_SCENARIO = ("--scenario-attribute", "call_duration=none")


# ------------------------------------------------------------------------ a correct server passes


@pytest.mark.parametrize("mode", [[], ["--contract-strict"]], ids=["lenient", "strict"])
def test_the_mock_keeps_the_contract(mode: list[str], tmp_path: Path) -> None:
    junit, summary, report = tmp_path / "junit.xml", tmp_path / "summary.md", tmp_path / "report.json"
    with serving(mock_app()) as base_url:
        result = run_suite(
            base_url, *mode, *KNOWN_SCENARIO, "--junitxml", str(junit), "--summary", str(summary), "--report-json", str(report), tmp_path=tmp_path
        )
    assert result.returncode == 0, result.stdout[-5000:]
    text = summary.read_text()
    assert "contract: kept" in text and "meetings created" in text
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    assert len(cases) >= 100
    data = json.loads(report.read_text())
    rules = {rule["rule"]: rule for rule in data["rules"]}
    assert len(rules) >= 20 and all(rule["outcome"] != "failed" for rule in rules.values())
    skipped = {name: rule["detail"] for name, rule in rules.items() if rule["outcome"] == "skipped"}
    if mode:  # strict: every rule was judged, the docs-silent one included
        assert skipped == {}, skipped
    else:  # lenient: only the assumption the docs do not make is left out, and it says why
        assert list(skipped) == ["createDynamicMeeting: person_name omitted with no first_name or last_name either"], skipped
        assert "strict mode only" in next(iter(skipped.values()))
        assert "| skipped | the docs give no value for this case" in text
    for output in (result.stdout, result.stderr, junit.read_text(), text, report.read_text()):
        assert TOKEN not in output


def _alternative_choices(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    """Choices the docs leave open, made differently: 201 for creates, 422 and its own error body,
    403, and a lower limit on names (200 characters, where the mock takes 255)."""
    if isinstance(body, dict) and len(str(body.get("person_name", ""))) > 200:
        return 422, {"detail": [{"loc": ["body", "person_name"], "msg": "ensure this value has at most 200 characters"}]}
    if status == 200 and method == "POST":
        return 201, answer
    if status == 400:
        return 422, {"detail": [{"loc": ["body"], "msg": "invalid"}]}
    if status == 401:
        return 403, {"message": "Forbidden"}
    return status, answer


def test_a_server_choosing_differently_where_the_docs_are_silent_passes(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with serving(Rewriting(mock_app(), on_answer=_alternative_choices)) as base_url:
        result = run_suite(base_url, *KNOWN_SCENARIO, "--report-json", str(report), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    # the names it refuses are not counted as echoed: the text probe says it could not judge them
    tests = json.loads(report.read_text())["tests"]["items"]
    refused = {t["nodeid"].split("[", 1)[1] for t in tests if t["outcome"] == "skipped" and "was refused with 422" in (t["reason"] or "")}
    lengths = ("255 characters", "1,000 characters", "10,000 characters")
    assert refused == {f"{op}.person_name:{length}]" for op in ("createMeeting", "createDynamicMeeting") for length in lengths}, refused
    with serving(Rewriting(mock_app(), on_answer=_alternative_choices)) as base_url:
        strict = run_suite(base_url, "--contract-strict", tmp_path=tmp_path, modules=("test_documented_requests", "test_auth"))
    assert strict.returncode == 1, "strict mode holds a server to the mock's choices"


def _holds_a_null(body: bytes) -> bool:
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return isinstance(document, dict) and None in document.values()


@pytest.mark.parametrize("where", NULL_READINGS)
def test_a_server_reading_null_as_not_given_passes(where: str, tmp_path: Path) -> None:
    """A null for an optional field is a case the docs leave open: read as not given (and then
    answered as for the field omitted), it passes (the strict view holds the mock's refusal:
    BROKEN's "null accepted (strict)")."""
    recorder = Recording(Rewriting(mock_app(), on_request=null_as_not_given(where)))
    report = tmp_path / "report.json"
    with serving(recorder) as base_url:
        result = run_suite(base_url, *KNOWN_SCENARIO, "--report-json", str(report), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    accepted = [body for method, _, body, status in recorder.exchanges if method == "POST" and status.startswith("2") and _holds_a_null(body)]
    assert accepted, "no request with a null was accepted: the reading was never judged"
    tests = json.loads(report.read_text())["tests"]["items"]
    assert not [t for t in tests if "write budget" in (t["reason"] or "")], "the nulls read as not given spent the write budget"
    nulls = [t for t in tests if "test_null_values" in t["nodeid"]]
    assert nulls and all(t["outcome"] == "passed" for t in nulls), nulls


# ------------------------------------------------------------------------ broken servers fail


def _answer(change: Callable[[str, str, Any, Any], Any], only: str | None = None) -> Callable[..., tuple[int, Any]]:
    def on_answer(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
        if 200 <= status < 300 and (only is None or path == only or (only == "GET" and method == "GET")):
            answer = change(method, path, body, copy.deepcopy(answer))
        return status, answer

    return on_answer


def _default_not_applied(method: str, path: str, body: Any, answer: Any) -> Any:
    if path == CREATE and isinstance(body, dict) and "meeting_type" not in body:
        answer["data"]["meeting_type"] = "end-user"
    return answer


def _name_not_echoed(method: str, path: str, body: Any, answer: Any) -> Any:
    if isinstance(body, dict) and "person_name" in body:
        answer["data"]["person_name"] = body["person_name"].upper()
    return answer


def _status_not_created(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["data"]["status"] = "pending"
    return answer


def _read_envelope_on_create(method: str, path: str, body: Any, answer: Any) -> Any:
    answer.pop("success")
    return {"status": "success", **answer}


def _string_id(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["data"]["id"] = str(answer["data"]["id"])
    return answer


def _bad_timestamp(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["data"]["created_at"] = answer["data"]["created_at"].replace("T", " ").rstrip("Z")
    return answer


def _swapped_query(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["meeting_url"] = answer["meeting_url"].replace("membership_id=", "membership_id=9")
    return answer


def _growing_minutes(method: str, path: str, body: Any, answer: Any) -> Any:
    _growing_minutes.calls = getattr(_growing_minutes, "calls", 0) + 1  # type: ignore[attr-defined]
    answer["session_minutes_info"]["remainingMinutes"] = 1000 + _growing_minutes.calls  # type: ignore[attr-defined]
    return answer


def _duration_ignores_the_scenario(method: str, path: str, body: Any, answer: Any) -> Any:
    if isinstance(body, dict) and "meeting_duration_minutes" not in body:
        answer["session_minutes_info"]["estimatedMinutes"] = 30
    return answer


_DURATIONS = iter(range(30, 10**9))


def _duration_varies(method: str, path: str, body: Any, answer: Any) -> Any:
    if isinstance(body, dict) and "meeting_duration_minutes" not in body:
        answer["session_minutes_info"]["estimatedMinutes"] = next(_DURATIONS)
    return answer


def _read_differs(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["data"]["person_name"] = answer["data"]["person_name"] + " (edited)"
    return answer


def _name_not_built(method: str, path: str, body: Any, answer: Any) -> Any:
    if isinstance(body, dict) and "person_name" not in body and "first_name" in body:
        answer["data"]["person_name"] = "Guest"
    return answer


def _nameless_not_anonymous(method: str, path: str, body: Any, answer: Any) -> Any:
    if isinstance(body, dict) and not {"person_name", "first_name", "last_name"} & set(body):
        answer["data"]["person_name"] = "Guest"
    return answer


def _no_email_always_same_user(method: str, path: str, body: Any) -> Any:
    if path == DYNAMIC and isinstance(body, dict) and "email" not in body:
        return {**body, "email": "everyone@example.com"}
    return body


_COUNTER = iter(range(10**9))


def _email_never_matches(method: str, path: str, body: Any) -> Any:
    if path == DYNAMIC and isinstance(body, dict) and "email" in body:
        return {**body, "email": f"{next(_COUNTER)}.{body['email']}"}
    return body


_NULL_READ = null_as_not_given("everywhere")


def _null_echoed(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    """Accepts a null as not given, then answers it back as null where the meeting has the field."""
    if 200 <= status < 300 and isinstance(body, dict) and isinstance(answer.get("data"), dict):
        answer["data"].update({name: None for name, value in body.items() if value is None and name in answer["data"]})
    return status, answer


def _null_not_defaulted(method: str, path: str, body: Any) -> Any:
    """Accepts a null for meeting_type (documented default: regular), but reads it as end-user."""
    if isinstance(body, dict) and "meeting_type" in body and body["meeting_type"] is None:
        body = {**body, "meeting_type": "end-user"}
    return _NULL_READ(method, path, body)


def _refuses_a_documented_null(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    """Refuses the null the docs list as max_participants' value ("default: null - unlimited")."""
    if isinstance(body, dict) and "max_participants" in body and body["max_participants"] is None:
        return 422, {"detail": "max_participants may not be null"}
    return status, answer


def _accepts_unknown_enum(method: str, path: str, body: Any) -> Any:
    if isinstance(body, dict) and body.get("meeting_type") not in (None, "regular", "end-user"):
        return {k: v for k, v in body.items() if k != "meeting_type"}
    return body


def _crashes_on_cartesia(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if isinstance(body, dict) and body.get("voice_vendor") == "cartesia":
        return 500, {"error": "boom"}
    return status, answer


def _refuses_elevenlabs(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if isinstance(body, dict) and body.get("voice_vendor") == "elevenlabs":
        return 422, {"detail": "voice vendor not enabled"}
    return status, answer


def _created_meetings_unreadable(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if method == "GET" and path.rsplit("/", 1)[-1].isdigit() and int(path.rsplit("/", 1)[-1]) > 789:
        return 404, {"error": {"code": "meeting_not_found", "message": "gone"}}
    return status, answer


def _text_fields(rewrite: Callable[[str], str]) -> Callable[[str, str, Any], Any]:
    """A request rewrite that changes every name sent, as a server might store it."""

    def on_request(method: str, path: str, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("person_name"), str):
            return {**body, "person_name": rewrite(body["person_name"])}
        return body

    return on_request


def _ascii_folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _cut_at_255_bytes(text: str) -> str:
    return text.encode()[:255].decode(errors="ignore")


def _astral_replaced(text: str) -> str:
    return "".join("\ufffd" if ord(char) > 0xFFFF else char for char in text)


def _read_back_normalised(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["data"]["person_name"] = unicodedata.normalize("NFC", answer["data"]["person_name"])
    return answer


def _refuses_right_to_left(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if isinstance(body, dict) and any(unicodedata.bidirectional(char) in ("R", "AL") for char in str(body.get("person_name", ""))):
        return 422, {"detail": "unsupported characters in person_name"}
    return status, answer


def _takes_long_names(method: str, path: str, body: Any) -> Any:
    """Takes names over the strict view's 255 characters (and keeps their first 255)."""
    if isinstance(body, dict) and isinstance(body.get("person_name"), str):
        return {**body, "person_name": body["person_name"][:255]}
    return body


def _integers_in(body: Any) -> list[int]:
    return [v for v in body.values() if type(v) is int] if isinstance(body, dict) else []


def _fails_past_32_bits(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    last = path.rsplit("/", 1)[-1]
    too_wide = any(abs(v) >= 2**31 for v in _integers_in(body)) or (last.lstrip("-").isdigit() and abs(int(last)) >= 2**31)
    return (500, {"error": "integer out of range for type integer"}) if too_wide else (status, answer)


def _fails_past_64_bits(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if method == "POST" and any(v >= 2**63 or v < -(2**63) for v in _integers_in(body)):
        return 500, {"error": "OverflowError: int too large to convert"}
    return status, answer


def _id_echoed_as_sent(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    last = path.rsplit("/", 1)[-1]
    if method == "GET" and status == 200 and last.startswith("0"):
        answer["data"]["id"] = last  # the id as the path spelled it, a string
    return status, answer


def _edges_taken(method: str, path: str, body: Any) -> Any:
    """Takes every edge value (as 5, which the mock stores): a server without limits."""
    if isinstance(body, dict):
        return {key: 5 if type(value) is int and value in INTEGER_EDGES.values() else value for key, value in body.items()}
    return body


def _fails_then_takes(method: str, path: str, body: Any) -> Any:
    """Fails on 2^31 (see ``_fails_at_2_31``) and takes 2^53 + 1: a create, then the next edge."""
    if isinstance(body, dict):
        return {key: 5 if value == 2**53 + 1 else value for key, value in body.items()}
    return body


def _fails_at_2_31(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    return (500, {"error": "boom"}) if method == "POST" and 2**31 in _integers_in(body) else (status, answer)


def _not_found_as_200(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if status == 404:
        return 200, {"success": False, "error": answer.get("error", {}).get("message", "not found")}
    return status, answer


def _any_token_works(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class Breakage:
    """A server that breaks one rule, what the report must say, and which test must fail."""

    wrapper: dict[str, Any]
    expect: tuple[str, ...]
    failing: str  # part of the node id of a test that must fail
    modules: tuple[str, ...] = ()  # the suite's modules to run (all if empty), to keep each run short
    args: tuple[str, ...] = KNOWN_SCENARIO
    env: dict[str, str] = field(default_factory=dict)


RULES_RUN = ("test_documented_requests", "test_rules", "test_spec_rules")
#: The probes send fixed values, whatever the seed and the number of examples: shown by running
#: the broken servers they catch with one example and another seed.
PROBE_ARGS = ("--seed", "7", "--max-examples", "1")
TEXT_PROBE, EDGES, UNKNOWN = ("test_text_probe",), ("test_edge_values",), ("test_unknown_references",)
BROKEN: dict[str, Breakage] = {
    "default not applied": Breakage({"on_answer": _answer(_default_not_applied)}, ("Spec rule broken (default)", "documented default"), "test_spec_rules.py::test_rule[createMeeting: meeting_type omitted", RULES_RUN),
    "sent field not echoed": Breakage({"on_answer": _answer(_name_not_echoed)}, ("Spec rule broken (x-echo)", "person_name was sent"), "test_documented_requests", RULES_RUN),
    "name not built from first and last": Breakage({"on_answer": _answer(_name_not_built, DYNAMIC)}, ("Spec rule broken (x-default-from)", "made from first_name and last_name"), "test_documented_requests", RULES_RUN),
    "nameless person not called Anonymous (strict)": Breakage({"on_answer": _answer(_nameless_not_anonymous, DYNAMIC)}, ("Spec rule broken (x-default-from)", "'Anonymous'"), "test_spec_rules.py::test_rule[createDynamicMeeting: person_name omitted with no", RULES_RUN, ("--contract-strict", *KNOWN_SCENARIO)),
    "duration not from the scenario": Breakage({"on_answer": _answer(_duration_ignores_the_scenario)}, ("Spec rule broken (x-default-from-scenario)", "scenario 457's call_duration is 45"), "test_documented_requests", RULES_RUN, ("--scenario-attribute", "call_duration=45"), {"WATERRAI_SCENARIO_ID": "457"}),
    "duration differs on one scenario": Breakage({"on_answer": _answer(_duration_varies)}, ("Spec rule broken (x-default-from-scenario)", "is the same for every request on one scenario"), "test_documented_requests", RULES_RUN, ()),
    "new meeting not created": Breakage({"on_answer": _answer(_status_not_created, CREATE)}, ("Spec rule broken (x-initial-value)", "should be 'created'"), "test_documented_requests", RULES_RUN),
    "wrong query parameters": Breakage({"on_answer": _answer(_swapped_query, DYNAMIC)}, ("Spec rule broken (x-query-params)", "membership_id"), "test_documented_requests", RULES_RUN),
    "remaining minutes grow": Breakage({"on_answer": _answer(_growing_minutes, CREATE)}, ("Spec rule broken (x-non-increasing)", "remainingMinutes grew"), "test_documented_requests", RULES_RUN),
    "user not reused": Breakage({"on_request": _email_never_matches}, ("Spec rule broken (x-reuses)", "the same email gives the same data.end_user"), "test_same_key_gives_the_same_object", RULES_RUN),
    "anonymous user reused": Breakage({"on_request": _no_email_always_same_user}, ("Spec rule broken (x-reuses)", "no email gives a new data.end_user"), "test_no_key_gives_a_new_object_each_time", RULES_RUN),
    "read differs from create": Breakage({"on_answer": _answer(_read_differs, "GET")}, ("Spec rule broken (x-mutable)", "reads back as"), "test_created_resource_reads_back", RULES_RUN),
    "created meeting not readable": Breakage({"on_answer": _created_meetings_unreadable}, ("test_stateful.py",), "test_stateful.py::TestLinkedCalls", ("test_stateful",)),
    "documented request refused": Breakage({"on_answer": _refuses_elevenlabs}, ("accepted_with_2xx", "built only from documented values was answered 422"), "test_documented_requests", ("test_documented_requests",)),
    "bad token accepted": Breakage({"on_headers": _any_token_works}, ("refused_without_a_valid_token",), "test_auth", ("test_auth",)),
    "wrong envelope": Breakage({"on_answer": _answer(_read_envelope_on_create, CREATE)}, ("Response violates schema", "success"), "test_documented_requests", ("test_documented_requests",)),
    "string id": Breakage({"on_answer": _answer(_string_id, CREATE)}, ("Response violates schema", 'is not of type "integer"'), "test_documented_requests", ("test_documented_requests",)),
    "bad timestamp": Breakage({"on_answer": _answer(_bad_timestamp, CREATE)}, ("Response violates schema", "date-time"), "test_documented_requests", ("test_documented_requests",)),
    "null echoed back as null": Breakage({"on_request": _NULL_READ, "on_answer": _null_echoed}, ("Spec rule broken (default)", "Spec rule broken (x-default-from)", "was sent as null, which reads as omitted"), "test_null_values.py::test_a_null_the_docs_are_silent_on_is_refused_or_read_as_not_given[createDynamicMeeting.person_name]", ("test_null_values",)),
    "null read without its default": Breakage({"on_request": _null_not_defaulted}, ("Spec rule broken (default)", "meeting_type omitted comes back as its default 'regular'", "meeting_type was sent as null, which reads as omitted"), "test_null_values.py::test_a_null_the_docs_are_silent_on_is_refused_or_read_as_not_given[createMeeting.meeting_type]", ("test_null_values",)),
    "null accepted (strict)": Breakage({"on_request": _NULL_READ}, ("null_refused", "the strict view (the mock's assumption) refuses a null"), "test_null_values.py::test_a_null_the_docs_are_silent_on_is_refused_or_read_as_not_given", ("test_null_values",), ("--contract-strict", *KNOWN_SCENARIO)),
    "documented null refused": Breakage({"on_answer": _refuses_a_documented_null}, ("accepted_with_2xx", "answered 422"), "test_null_values.py::test_a_documented_null_is_accepted", ("test_null_values",)),
    "bad enum accepted": Breakage({"on_request": _accepts_unknown_enum}, ("Schema-violating request accepted", "meeting_type"), "test_generated", ("test_generated",)),
    "500 on some input": Breakage({"on_answer": _crashes_on_cartesia}, ("Server error",), "test_documented_requests", ("test_documented_requests",)),
    "text folded to ASCII": Breakage({"on_request": _text_fields(_ascii_folded)}, ("text_comes_back_as_sent", "folded to ASCII", "in the answer of createMeeting"), "test_text_probe", TEXT_PROBE, PROBE_ARGS),
    "text normalised to NFC": Breakage({"on_request": _text_fields(lambda t: unicodedata.normalize("NFC", t))}, ("text_comes_back_as_sent", "accents as combining marks", "normalised to NFC"), "test_text_probe.py::test_text_comes_back_as_sent[createDynamicMeeting", TEXT_PROBE, PROBE_ARGS),
    "text cut at 255 bytes": Breakage({"on_request": _text_fields(_cut_at_255_bytes)}, ("text_comes_back_as_sent", "person_name sent as 255 characters", "cut short: 158 of its 255 characters"), "test_text_probe", TEXT_PROBE, PROBE_ARGS),
    "text outside the BMP replaced": Breakage({"on_request": _text_fields(_astral_replaced)}, ("text_comes_back_as_sent", "outside the Basic Multilingual Plane", "U+20BB7 sent, U+FFFD back"), "test_text_probe", TEXT_PROBE, PROBE_ARGS),
    "text normalised on read-back only": Breakage({"on_answer": _answer(_read_back_normalised, "GET")}, ("text_comes_back_as_sent", "its read-back through getMeeting", "Spec rule broken (x-mutable)"), "test_text_probe", TEXT_PROBE, PROBE_ARGS),
    "valid text refused (strict)": Breakage({"on_answer": _refuses_right_to_left}, ("answered_as_the_view_allows", "right-to-left text is valid in the strict view", "got 422"), "test_text_probe", TEXT_PROBE, ("--contract-strict", *PROBE_ARGS)),
    "text past the strict limit taken (strict)": Breakage({"on_request": _takes_long_names}, ("answered_as_the_view_allows", "breaks the strict view of the spec (maxLength 255 at person_name)"), "test_text_probe", TEXT_PROBE, ("--contract-strict", *PROBE_ARGS)),
    "500 on integers past 32 bits": Breakage({"on_answer": _fails_past_32_bits}, ("edge_value_handled", "path parameter id at 2^31 (2147483648) was answered 500", "max_participants at 2^31"), "test_edge_values", EDGES, PROBE_ARGS),
    "500 on body integers past 64 bits": Breakage({"on_answer": _fails_past_64_bits}, ("edge_value_handled", "at 2^64 (18446744073709551616) was answered 500"), "test_edge_values.py::test_an_integer_field_at_an_edge_is_answered_safely", EDGES, PROBE_ARGS),
    "leading zeros answered with a broken body": Breakage({"on_answer": _id_echoed_as_sent}, ("edge_value_handled", "with leading zeros (000789) was answered 200 with a body that breaks the schema", "'000789' is not of type 'integer'"), "test_edge_values.py::test_a_path_id", EDGES, PROBE_ARGS),
    "edge failure, then the write budget spent": Breakage({"on_request": _fails_then_takes, "on_answer": _fails_at_2_31}, ("edge_value_handled", "at 2^31 (2147483648) was answered 500", "(the rest was not sent: the write budget (--max-creates 1) is spent"), "test_edge_values.py::test_an_integer_field", EDGES, ("--max-creates", "1")),
    "unknown reference answered 200 with an error": Breakage({"on_answer": _not_found_as_200}, ("no_error_dressed_as_success", "scenario_id is 2147483647", "dressed as a 200", '{"success": false'), "test_unknown_references", UNKNOWN, PROBE_ARGS),
    **{
        f"coerces: {name}": Breakage({"on_request": coercing(name)}, ("mistyped_value_refused", "was accepted with 200"), "test_mistyped_values", ("test_mistyped_values",))
        for name in COERCIONS
    },
}


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_a_broken_server_fails_and_the_failure_names_the_rule(breakage: str, tmp_path: Path) -> None:
    broken = BROKEN[breakage]
    report = tmp_path / "report.json"
    with serving(Rewriting(mock_app(), **broken.wrapper)) as base_url:
        result = run_suite(
            base_url, "--max-examples", "6", "--report-json", str(report), *broken.args, tmp_path=tmp_path, env=broken.env, modules=broken.modules
        )
    assert result.returncode == 1, f"the suite passed a server with '{breakage}':\n{result.stdout[-3000:]}"
    for text in broken.expect:
        assert text in result.stdout, f"'{text}' not in the report of '{breakage}':\n{result.stdout[-4000:]}"
    failed = [t["nodeid"] for t in json.loads(report.read_text())["tests"]["items"] if t["outcome"] == "failed"]
    assert any(broken.failing in nodeid for nodeid in failed), f"{broken.failing} did not fail: {failed}"
    assert "curl -X" in result.stdout
    assert TOKEN not in result.stdout + result.stderr


def test_every_check_and_rule_of_the_suite_has_a_broken_server_it_catches() -> None:
    """The suite's own checks, each extension the rule engine reads, and the state machine."""
    expected = " ".join(text for broken in BROKEN.values() for text in broken.expect)
    for check in SUITE_CHECKS:
        if check != "spec_rules":
            assert check in expected, f"no broken server shows that {check} catches anything"
    for extension in sorted(EXTENSIONS | {"default"}):
        assert f"Spec rule broken ({extension})" in expected, f"no broken server breaks the {extension} rule"
    assert any(broken.failing.startswith("test_stateful") for broken in BROKEN.values())
    assert {f"coerces: {name}" for name in COERCIONS} <= set(BROKEN)


def test_the_curl_command_of_a_failure_reproduces_it(tmp_path: Path) -> None:
    """Pasted into a shell with the token in the environment, the command gets the same answer."""
    broken = BROKEN["default not applied"]
    summary = tmp_path / "summary.md"
    with serving(Rewriting(mock_app(), **broken.wrapper)) as base_url:
        result = run_suite(base_url, "-k", "documented_request", "--summary", str(summary), tmp_path=tmp_path)
        commands = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("E ") and "curl -X" in line]
        assert commands, result.stdout[-3000:]
        from_summary = [line.strip() for line in summary.read_text().splitlines() if line.strip().startswith("curl -X")]
        assert from_summary, summary.read_text()
        answers = []
        for command in (commands[0].removeprefix("E").strip(), from_summary[0]):
            answer = subprocess.run(["bash", "-c", command + " -s"], env={**os.environ, "WATERRAI_API_TOKEN": TOKEN}, capture_output=True, text=True, timeout=30)
            answers.append(json.loads(answer.stdout)["data"]["meeting_type"])
    assert answers == ["end-user", "end-user"], answers


def test_the_curl_line_of_an_auth_failure_sends_the_credential_that_was_accepted(tmp_path: Path) -> None:
    """A server that lets an unknown token in: the summary's curl line carries that token (the
    suite's own invalid one, no secret), so pasted as it is it gets the same 200, and the
    failure names the token that was sent."""
    from mock_server import create_app

    summary = tmp_path / "summary.md"
    with serving(create_app(access_log=False, journal=False)) as base_url:  # no token of its own: any is let in
        result = run_suite(base_url, "-k", "without_a_valid_token and getMeeting", "--summary", str(summary), tmp_path=tmp_path, modules=("test_auth",))
        assert result.returncode == 1, result.stdout[-3000:]
        text = summary.read_text()
        commands = [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]
        assert len(commands) == 1, text
        assert "-H 'Authorization: Bearer contract-suite-invalid-20240115'" in commands[0]
        assert "a request with 'Authorization: Bearer contract-suite-invalid-20240115' (unknown-token) was answered 200" in text
        answer = subprocess.run(["bash", "-c", commands[0] + " -s -o /dev/null -w '%{http_code}'"], capture_output=True, text=True, timeout=30)
    assert answer.stdout == "200", "the pasted curl line did not reproduce the failure"


# ------------------------------------------------------------------------ safety


def test_production_is_refused_without_the_flag(tmp_path: Path) -> None:
    result = run_suite("https://api.waterrai.com", tmp_path=tmp_path)
    assert result.returncode == 4
    assert "production" in result.stderr and "--allow-production" in result.stderr


def test_pytests_own_strict_flag_is_refused_with_the_suites_name_for_it(tmp_path: Path) -> None:
    result = run_suite("http://127.0.0.1:9", "--strict", tmp_path=tmp_path)
    assert result.returncode == 4
    assert "--contract-strict" in result.stderr and "pytest's own flag" in result.stderr


def test_a_token_is_required_and_never_taken_from_the_command_line(tmp_path: Path) -> None:
    result = run_suite("http://127.0.0.1:9", tmp_path=tmp_path, env={"WATERRAI_API_TOKEN": ""})
    assert result.returncode == 4 and "WATERRAI_API_TOKEN" in result.stderr


def test_an_unreachable_server_stops_the_run_at_once(tmp_path: Path) -> None:
    result = run_suite("http://127.0.0.1:9", tmp_path=tmp_path)
    assert result.returncode == 2 and "nothing answers" in (result.stdout + result.stderr)


def test_writes_stay_under_the_cap_and_what_could_not_run_is_skipped_not_passed(tmp_path: Path) -> None:
    app = mock_app()
    summary, junit, report = tmp_path / "summary.md", tmp_path / "junit.xml", tmp_path / "report.json"
    with serving(app) as base_url:
        result = run_suite(
            base_url, "--max-creates", "5", "--summary", str(summary), "--junitxml", str(junit), "--report-json", str(report), *KNOWN_SCENARIO, tmp_path=tmp_path
        )
    counts = app.test_client().get("/__mock/health").get_json()["counts"]
    assert result.returncode == 0, result.stdout[-3000:]  # a spent budget skips writes, it fails nothing
    assert counts["meetings"] == 5 + 1  # plus the seeded meeting 789
    written = summary.read_text()
    assert "meetings created: 5 (cap 5;" in written and "; 0 writes skipped" not in written, written
    data = json.loads(report.read_text())
    tests = data["tests"]["items"]  # a list: schemathesis's tests share one node id
    budget = [t for t in tests if t["outcome"] == "skipped" and "write budget (--max-creates 5) is spent" in (t["reason"] or "")]
    # every kind of test that writes reports the spent budget instead of passing unseen
    for kind in ("test_documented_requests", "test_generated", "test_rules", "test_stateful", "test_mistyped_values"):
        assert any(kind in t["nodeid"] for t in budget), f"no {kind} test was skipped for the budget"
    skipped_cases = {c.get("name") for c in ET.parse(junit).getroot().iter("testcase") if c.find("skipped") is not None}
    assert len(skipped_cases) >= len(budget)
    assert "## Skipped (could not run)" in written and "write budget" in written
    not_exercised = [r for r in data["rules"] if r["outcome"] == "skipped" and "not exercised" in r["detail"]]
    assert not_exercised, "some rules need more creates than 5, and must say they were not judged"


def test_the_probes_reach_every_value_whatever_the_seed_and_the_examples(tmp_path: Path) -> None:
    """The text, edge and unknown-reference probes do not depend on hypothesis drawing their values."""
    runs = []
    for args in (("--seed", "1", "--max-examples", "1"), ("--seed", "2", "--max-examples", "20")):
        recorder = Recording(mock_app())
        with serving(recorder) as base_url:
            result = run_suite(base_url, *args, tmp_path=tmp_path, modules=TEXT_PROBE + EDGES + UNKNOWN)
        assert result.returncode == 0, result.stdout[-3000:]
        runs.append(recorder.exchanges)
    assert runs[0] == runs[1]
    paths = {path.split("?")[0] for _, path, _, _ in runs[0]}
    bodies = [(path.split("?")[0], json.loads(body)) for _, path, body, _ in runs[0] if body]
    for op_path in (CREATE, DYNAMIC):
        sent = [body for path, body in bodies if path == op_path]
        assert {body.get("person_name") for body in sent} >= set(TEXT_PROBES.values()), op_path
        for field in ("scenario_id", "max_participants", "meeting_duration_minutes"):
            assert {body.get(field) for body in sent} >= set(INTEGER_EDGES.values()), (op_path, field)
        assert any(body.get("scenario_id") == ABSENT_ID for body in sent), op_path
    assert {f"/meetings/{value}" for value in INTEGER_EDGES.values()} | {"/meetings/000789", f"/meetings/{ABSENT_ID}"} <= paths


def test_the_edge_probe_creates_no_more_than_its_allowance_and_says_what_it_did_not_send(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with serving(Rewriting(mock_app(), on_request=_edges_taken)) as base_url:
        result = run_suite(base_url, "--report-json", str(report), tmp_path=tmp_path, modules=EDGES)
    assert result.returncode == 0, result.stdout[-3000:]
    data = json.loads(report.read_text())
    assert data["requests"]["created"] == EDGE_CREATES
    reasons = [t["reason"] for t in data["tests"]["items"] if t["outcome"] == "skipped"]
    assert reasons and all(f"the server took {EDGE_CREATES} edge values already" in reason for reason in reasons), reasons


def test_a_run_keeps_its_connection_alive(tmp_path: Path) -> None:
    """Against a server far away each new connection costs a round trip (two or three over TLS):
    the suite's requests share one. Counted by the forwarder that times the run at 50 ms
    (``benchmarks/slow_link.py``), here with no delay, in front of the mock's own process."""
    from benchmarks.slow_link import measure

    status, _, connections = measure(0.0, ["-k", "unknown_reference or test_auth"], tmp_path / "mock.log")
    assert status == 0
    assert connections <= 2, f"{connections} connections: one for the check that the server answers, one for the run"


def test_runs_are_deterministic(tmp_path: Path) -> None:
    """Two runs with the same seed send the same requests, in the same order, every one of them."""
    runs = []
    for _ in range(2):
        recorder = Recording(mock_app())
        with serving(recorder) as base_url:
            assert run_suite(base_url, *KNOWN_SCENARIO, tmp_path=tmp_path).returncode == 0
        runs.append(recorder.exchanges)
    assert len(runs[0]) > 400
    assert runs[0] == runs[1]
