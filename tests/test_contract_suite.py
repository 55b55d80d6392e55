"""The contract suite passes a server that keeps the contract, and fails, naming the rule,
every server that breaks one. The suite runs as users run it: pytest in a subprocess."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable

import pytest

from servers import TOKEN, Rewriting, mock_app, serving

ROOT = Path(__file__).resolve().parent.parent
CREATE, DYNAMIC = "/meetings", "/meetings/create-dynamic-meeting"


def run_suite(base_url: str, *args: str, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "WATERRAI_API_TOKEN": TOKEN, **(env or {})}
    environment.pop("WATERRAI_SCENARIO_ID", None) if "WATERRAI_SCENARIO_ID" not in (env or {}) else None
    command = [sys.executable, "-m", "pytest", "contract_tests", "--base-url", base_url, "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


# ------------------------------------------------------------------------ a correct server passes


@pytest.mark.parametrize("mode", [[], ["--contract-strict"]], ids=["lenient", "strict"])
def test_the_mock_keeps_the_contract(mode: list[str], tmp_path: Path) -> None:
    junit, summary = tmp_path / "junit.xml", tmp_path / "summary.md"
    with serving(mock_app()) as base_url:
        result = run_suite(base_url, *mode, "--junitxml", str(junit), "--summary", str(summary), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    text = summary.read_text()
    assert "contract: kept" in text and "meetings created" in text
    cases = ET.parse(junit).getroot().iter("testcase")
    assert sum(1 for _ in cases) >= 30
    for output in (result.stdout, result.stderr, junit.read_text(), text):
        assert TOKEN not in output


def _alternative_choices(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    """Choices the docs leave open, made differently: 201 for creates, 422 and its own error body, 403."""
    if status == 200 and method == "POST":
        return 201, answer
    if status == 400:
        return 422, {"detail": [{"loc": ["body"], "msg": "invalid"}]}
    if status == 401:
        return 403, {"message": "Forbidden"}
    return status, answer


def test_a_server_choosing_differently_where_the_docs_are_silent_passes(tmp_path: Path) -> None:
    with serving(Rewriting(mock_app(), on_answer=_alternative_choices)) as base_url:
        result = run_suite(base_url, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    with serving(Rewriting(mock_app(), on_answer=_alternative_choices)) as base_url:
        strict = run_suite(base_url, "--contract-strict", tmp_path=tmp_path)
    assert strict.returncode == 1, "strict mode holds a server to the mock's choices"


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


def _read_differs(method: str, path: str, body: Any, answer: Any) -> Any:
    answer["data"]["person_name"] = answer["data"]["person_name"] + " (edited)"
    return answer


def _name_not_built(method: str, path: str, body: Any, answer: Any) -> Any:
    if isinstance(body, dict) and "person_name" not in body:
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


def _accepts_unknown_enum(method: str, path: str, body: Any) -> Any:
    if isinstance(body, dict) and body.get("meeting_type") not in (None, "regular", "end-user"):
        return {k: v for k, v in body.items() if k != "meeting_type"}
    return body


def _crashes_on_cartesia(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
    if isinstance(body, dict) and body.get("voice_vendor") == "cartesia":
        return 500, {"error": "boom"}
    return status, answer


def _any_token_works(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Authorization": f"Bearer {TOKEN}"}


BROKEN: dict[str, tuple[dict[str, Any], list[str]]] = {
    "default not applied": ({"on_answer": _answer(_default_not_applied)}, ["defaults_applied_and_fields_echoed", "documented default is 'regular'"]),
    "wrong envelope": ({"on_answer": _answer(_read_envelope_on_create, CREATE)}, ["Response violates schema", "success"]),
    "bad enum accepted": ({"on_request": _accepts_unknown_enum}, ["Schema-violating request accepted", "meeting_type"]),
    "500 on some input": ({"on_answer": _crashes_on_cartesia}, ["Server error"]),
    "bad token accepted": ({"on_headers": _any_token_works}, ["refused_without_a_valid_token"]),
    "user not reused": ({"on_request": _email_never_matches}, ["same_email_same_end_user"]),
    "anonymous user reused": ({"on_request": _no_email_always_same_user}, ["no_email_new_end_user"]),
    "wrong query parameters": ({"on_answer": _answer(_swapped_query, DYNAMIC)}, ["url_query_matches_ids", "membership_id"]),
    "string id": ({"on_answer": _answer(_string_id, CREATE)}, ["Response violates schema", "is not of type \"integer\""]),
    "bad timestamp": ({"on_answer": _answer(_bad_timestamp, CREATE)}, ["Response violates schema", "date-time"]),
    "remaining minutes grow": ({"on_answer": _answer(_growing_minutes, CREATE)}, ["remainingMinutes_never_grows"]),
    "read differs from create": ({"on_answer": _answer(_read_differs, "GET")}, ["created_meeting_reads_back"]),
    "name not built from first and last": ({"on_answer": _answer(_name_not_built, DYNAMIC)}, ["made from first_name and last_name"]),
}


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_a_broken_server_fails_and_the_failure_names_the_rule(breakage: str, tmp_path: Path) -> None:
    wrapper, expected = BROKEN[breakage]
    with serving(Rewriting(mock_app(), **wrapper)) as base_url:
        result = run_suite(base_url, "--max-examples", "6", tmp_path=tmp_path)
    assert result.returncode == 1, f"the suite passed a server with '{breakage}'"
    for text in expected:
        assert text in result.stdout, f"'{text}' not in the report of '{breakage}':\n{result.stdout[-4000:]}"
    assert "curl -X" in result.stdout
    assert TOKEN not in result.stdout + result.stderr


def test_the_curl_command_of_a_failure_reproduces_it(tmp_path: Path) -> None:
    """Pasted into a shell with the token in the environment, the command gets the same answer."""
    wrapper, _ = BROKEN["default not applied"]
    with serving(Rewriting(mock_app(), **wrapper)) as base_url:
        result = run_suite(base_url, "-k", "documented_request", tmp_path=tmp_path)
        commands = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("E ") and "curl -X" in line]
        assert commands, result.stdout[-3000:]
        command = commands[0].removeprefix("E").strip()
        answer = subprocess.run(["bash", "-c", command + " -s"], env={**os.environ, "WATERRAI_API_TOKEN": TOKEN}, capture_output=True, text=True, timeout=30)
    assert json.loads(answer.stdout)["data"]["meeting_type"] == "end-user", answer.stdout


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


def test_writes_stay_under_the_cap(tmp_path: Path) -> None:
    app = mock_app()
    summary = tmp_path / "summary.md"
    with serving(app) as base_url:
        result = run_suite(base_url, "--max-creates", "5", "--summary", str(summary), tmp_path=tmp_path)
    counts = app.test_client().get("/__mock/health").get_json()["counts"]
    assert result.returncode == 0, result.stdout[-3000:]  # a spent budget skips writes, it fails nothing
    assert counts["meetings"] == 5 + 1  # plus the seeded meeting 789
    written = summary.read_text()
    assert "meetings created: 5 (cap 5;" in written and "; 0 writes skipped" not in written, written


def test_runs_are_deterministic(tmp_path: Path) -> None:
    journals = []
    for _ in range(2):
        app = mock_app(journal=True)
        with serving(app) as base_url:
            assert run_suite(base_url, tmp_path=tmp_path).returncode == 0
        journals.append([(r["method"], r["path"], r["status"]) for r in app.test_client().get("/__mock/requests").get_json()["requests"]])
    assert journals[0] == journals[1]

