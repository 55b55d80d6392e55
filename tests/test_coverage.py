"""Coverage of recorded traffic (``waterrai-proxy check FILE.har ... --coverage DIR``): every count
of coverage.json is computed here from the exchanges the test wrote into its HARs, never read
back from what the kit reports; coverage.md and coverage.html say the same, the page loading
nothing from anywhere."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from meetings_spec import load_spec
from traffic import CREATE, UNKEPT, Call, meeting, read_answer, write_har
from validation_proxy.check import main as check_main

VENDORS = ("elevenlabs", "azure", "cartesia")
#: The create whose answer breaks the documented default of meeting_type (omitted, yet "end-user").
WRONG_DEFAULT = 9


def recorded() -> list[Call]:
    """Creates sending various fields and values (two refused for the balance, one answered 201),
    refused and unanswerable ones, a body the HAR lacks, a status no view declares, reads."""
    calls = []
    for n in range(24):
        body: dict[str, Any] = {"person_name": f"Person {n}", "scenario_id": 456}
        if n % 4:
            body["voice_vendor"] = VENDORS[n % 3]
        if n % 5 == 0:
            body["meeting_type"] = "end-user" if n % 10 == 0 else "regular"
        if n % 6 == 0:
            body["use_own_keys"] = n % 12 == 0
        status = 402 if n in (7, 19) else 201 if n % 8 == 3 else 200
        answer = meeting(body, n) if status < 300 else {"error": {"code": "insufficient_minutes"}}
        if n == WRONG_DEFAULT:
            answer = meeting(body, n, meeting_type="end-user")
        calls.append(Call("POST", CREATE, body, status, answer))
    calls += [
        Call("POST", CREATE, {"person_name": "Bo", "scenario_id": 456, "voice_vendor": "acme"}, 422, {"detail": "voice_vendor"}),
        Call("POST", CREATE, {"person_name": 7, "scenario_id": 456}, 400, {"error": "person_name"}),
        Call("POST", CREATE, {"scenario_id": 456, "notes": "hi"}, 400, {"error": "person_name"}),
        Call("POST", CREATE, UNKEPT, 200, meeting({"person_name": "Unkept"}, 90)),
        Call("POST", CREATE, {"person_name": "Cy", "scenario_id": 456}, 503, {"error": "down"}),
        # the client's token sent as a name, and the answer changes it: the broken echo's message must not quote it
        Call("POST", CREATE, {"person_name": "a-recorded-token", "scenario_id": 456}, 200, meeting({"person_name": "someone else"}, 91)),
        Call("POST", CREATE, {"person_name": "Di", "scenario_id": 456, "voice_vendor": "azure"}, 0),
        Call("GET", "/meetings/789", None, 200, read_answer(789)),
        Call("GET", "/meetings/abc", None, 400, {"error": "id"}),
        Call("GET", "/meetings/31337", None, 404, {"error": "not found"}),
        Call("GET", CREATE, None, 405, {"error": "method"}),
    ]
    return calls


def _expected_status_keys(spec: dict[str, Any], path: str, method: str, code: int) -> list[str]:
    """The spec's response keys (read from the file, every view) that cover ``code``."""
    declared = spec["paths"][path][method]["responses"]
    return [key for key in (str(code), f"{str(code)[0]}XX") if key in declared]


@pytest.fixture(scope="module")
def coverage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("traffic")
    calls = recorded()
    first, second = write_har(folder / "a.har", calls[:15], page_assets=2), write_har(folder / "b.har", calls[15:])
    status = check_main([str(first), str(second), "--coverage", str(folder / "coverage"), "--format", "json", "--output", str(folder / "check.json")])
    assert status == 1  # the traffic breaks the spec (a 503, a request sent wrong): the check says so, and counts all the same
    return {
        "json": json.loads((folder / "coverage" / "coverage.json").read_text(encoding="utf-8")),
        "md": (folder / "coverage" / "coverage.md").read_text(encoding="utf-8"),
        "html": (folder / "coverage" / "coverage.html").read_text(encoding="utf-8"),
        "calls": calls,
        "files": [str(first), str(second)],
    }


def test_operations_and_statuses_are_counted_as_the_traffic_holds_them(coverage: dict[str, Any]) -> None:
    data, calls, spec = coverage["json"], coverage["calls"], load_spec()
    assert data["version"] == 1 and data["view"] == "lenient"
    assert data["source"] == {"kind": "recorded traffic", "files": coverage["files"]}
    creates = [c for c in calls if c.method == "POST" and c.path == CREATE]
    reads = [c for c in calls if c.method == "GET" and c.path.startswith("/meetings/")]
    ops = data["operations"]
    assert (ops["createMeeting"]["requests"], ops["getMeeting"]["requests"], ops["createDynamicMeeting"]["requests"]) == (len(creates), len(reads), 0)
    assert data["other_requests"] == {"GET /meetings": 1}  # a method the path lacks; the page's assets are not counted at all
    for op_id, path, method, sent in (("createMeeting", CREATE, "post", creates), ("getMeeting", "/meetings/{id}", "get", reads)):
        expected: Counter[str] = Counter()
        for call in sent:
            if call.status:  # no answer: no status
                expected.update(_expected_status_keys(spec, path, method, call.status) or [str(call.status)])
        statuses = ops[op_id]["statuses"]
        assert {key: status["seen"] for key, status in statuses.items() if status["seen"]} == dict(expected)
        # every status the spec declares (in either view) is listed, seen or not, and one never seen says why
        assert set(spec["paths"][path][method]["responses"]) <= set(statuses)
        for key, status in statuses.items():
            assert status["declared"] is (key in spec["paths"][path][method]["responses"])
            assert bool(status.get("reason")) is (status["seen"] == 0)
    assert ops["createMeeting"]["statuses"]["503"] == {"declared": False, "seen": 1}
    assert ops["createMeeting"]["statuses"]["4XX"]["codes"] == {"400": 2, "402": 2, "422": 1}
    assert all(status["seen"] == 0 for status in ops["createDynamicMeeting"]["statuses"].values())


def test_fields_and_enum_values_are_counted_from_what_was_sent(coverage: dict[str, Any]) -> None:
    fields = coverage["json"]["operations"]["createMeeting"]["fields"]
    creates = [c for c in coverage["calls"] if c.method == "POST" and c.path == CREATE]
    bodies = [c.body for c in creates if isinstance(c.body, dict)]
    for name in ("person_name", "scenario_id", "voice_vendor", "meeting_type", "use_own_keys", "language"):
        assert (fields[name]["sent"], fields[name]["omitted"]) == (sum(name in b for b in bodies), sum(name not in b for b in bodies)), name
    assert fields["voice_vendor"]["invalid"] == sum(b.get("voice_vendor") not in (None, *VENDORS) for b in bodies) == 1
    assert fields["person_name"]["invalid"] == sum("person_name" in b and not isinstance(b["person_name"], str) for b in bodies) == 1
    assert fields["scenario_id"]["invalid"] == 0 and fields["person_name"]["required"] and not fields["voice_vendor"]["required"]
    vendors = Counter(b["voice_vendor"] for b in bodies if b.get("voice_vendor") in VENDORS)
    assert fields["voice_vendor"]["values"] == {vendor: vendors[vendor] for vendor in VENDORS}
    assert fields["meeting_type"]["values"] == {kind: sum(b.get("meeting_type") == kind for b in bodies) for kind in ("regular", "end-user")}
    assert fields["use_own_keys"]["values"] == {"true": sum(b.get("use_own_keys") is True for b in bodies), "false": sum(b.get("use_own_keys") is False for b in bodies)}
    assert "values" not in fields["person_name"]  # no enum: no values to count
    created = coverage["json"]["operations"]["createMeeting"]
    assert created["bodies_unread"] == sum(c.body is UNKEPT for c in creates) == 1
    assert created["undeclared_fields"] == {"notes": 1}
    read_id = coverage["json"]["operations"]["getMeeting"]["fields"]["id"]
    reads = [c for c in coverage["calls"] if c.method == "GET" and c.path.startswith("/meetings/")]
    assert read_id == {"in": "path", "required": True, "sent": len(reads), "omitted": 0, "invalid": sum(not c.path.rsplit("/", 1)[1].isdigit() for c in reads)}


def test_each_rule_says_how_often_it_was_kept_broken_or_why_it_never_was(coverage: dict[str, Any]) -> None:
    rules = {rule["rule"]: rule for rule in coverage["json"]["rules"]}
    answered = [c for c in coverage["calls"] if c.path == CREATE and c.method == "POST" and 200 <= c.status < 300 and isinstance(c.body, dict)]
    echo = rules["createMeeting: person_name sent comes back at data.person_name"]
    assert (echo["operation"], echo["field"], echo["outcome"], echo["passed"], echo["failed"]) == ("createMeeting", "person_name", "failed", len(answered) - 1, 1)
    assert "should be '$WATERRAI_API_TOKEN'" in echo["reason"]  # the token it quotes, hidden
    default = rules["createMeeting: meeting_type omitted comes back as its default 'regular'"]
    omitting = [c for c in answered if "meeting_type" not in c.body]
    assert (default["outcome"], default["failed"], default["passed"]) == ("failed", 1, len(omitting) - 1)
    assert "should be 'regular'" in default["reason"]
    scenario = rules["createMeeting: meeting_duration_minutes omitted comes from the scenario's call_duration, else 30"]
    assert scenario["outcome"] == "skipped" and "--scenario-attribute" in scenario["reason"]
    unjudged = rules["createDynamicMeeting: the same email gives the same data.end_user"]
    assert unjudged["outcome"] == "skipped" and unjudged["reason"].startswith("not exercised by this traffic: it needs")


def test_the_summary_and_page_say_the_same_and_the_page_loads_nothing(coverage: dict[str, Any]) -> None:
    data, md, page = coverage["json"], coverage["md"], coverage["html"]
    summary = data["summary"]
    assert summary["operations"] == {"declared": 3, "called": 2}
    assert f"statuses seen {summary['statuses']['seen']} of {summary['statuses']['declared']} declared (+1 undeclared)" in md
    assert "| 402 | strict | 2 |" in md and "| 503 | **no** | 1 |" in md
    vendor = data["operations"]["createMeeting"]["fields"]["voice_vendor"]
    assert f"| voice_vendor | {vendor['sent']} | {vendor['omitted']} | {vendor['invalid']} |" in md
    for text in (md, page):
        assert "meeting_type omitted comes back as its default" in text and "not exercised by this traffic" in text
    assert page.startswith("<!doctype html>") and page.count("<tr") == 1 + len(data["operations"])
    assert not re.search(r"<script|<link|\bsrc=|\bhref=|@import|url\(", page, re.IGNORECASE), "the page loads something"
    assert "a-recorded-token" not in json.dumps(data) + md + page


def test_coverage_into_a_file_is_refused_before_anything_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine")
    har = write_har(tmp_path / "t.har", [Call("GET", "/meetings/789", None, 200, read_answer(789))])
    assert check_main([str(har), "--coverage", str(taken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--coverage" in err and "is a file" in err
    assert taken.read_text() == "mine"
