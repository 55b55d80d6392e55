"""Servers that each break one rule of the contract (and correct ones that choose differently),
for the tests that the suite, the proxy and the check of a recording catch them: ``BROKEN``
names each breakage, what the suite's report must say, and which of its tests must fail.
``run_suite`` runs the suite as users run it, in a subprocess."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from contract_tests.probes import INTEGER_EDGES
from servers import COERCIONS, TOKEN, coercing, null_as_not_given

CREATE, DYNAMIC = "/meetings", "/meetings/create-dynamic-meeting"
#: The suite's modules each probe runs in.
TEXT_PROBE, EDGES, UNKNOWN = ("test_text_probe",), ("test_edge_values",), ("test_unknown_references",)


ROOT = Path(__file__).resolve().parent.parent


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


def alternative_choices(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
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


def edges_taken(method: str, path: str, body: Any) -> Any:
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


def _accepted_as_202(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    """A create answered 202 Accepted: a status the spec does not declare (200 and 201 it does)."""
    return (202, answer) if method == "POST" and status in (200, 201) else (status, answer)


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
    "undocumented status": Breakage({"on_answer": _accepted_as_202}, ("Undocumented HTTP status code", "does not declare the status 202"), "test_documented_requests", ("test_documented_requests",)),
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
    "leading zeros answered with a broken body": Breakage({"on_answer": _id_echoed_as_sent}, ("edge_value_handled", "with leading zeros (000789) was answered 200 with a body that breaks the schema", '"000789" is not of type "integer"'), "test_edge_values.py::test_a_path_id", EDGES, PROBE_ARGS),
    "edge failure, then the write budget spent": Breakage({"on_request": _fails_then_takes, "on_answer": _fails_at_2_31}, ("edge_value_handled", "at 2^31 (2147483648) was answered 500", "(the rest was not sent: the write budget (--max-creates 1) is spent"), "test_edge_values.py::test_an_integer_field", EDGES, ("--max-creates", "1")),
    "unknown reference answered 200 with an error": Breakage({"on_answer": _not_found_as_200}, ("no_error_dressed_as_success", "scenario_id is 2147483647", "dressed as a 200", '{"success": false'), "test_unknown_references", UNKNOWN, PROBE_ARGS),
    **{
        f"coerces: {name}": Breakage({"on_request": coercing(name)}, ("mistyped_value_refused", "was accepted with 200"), "test_mistyped_values", ("test_mistyped_values",))
        for name in COERCIONS
    },
}
