"""The impact of a spec change on recorded traffic (``waterrai-spec diff OLD NEW --traffic FILE.har``):
each expected count is computed here from the exchanges the test wrote into its HAR, never read
back from what the kit reports; every output format carries it; ``--fail-on-impact`` fails only
on changes that touch enough recorded exchanges."""

from __future__ import annotations

import copy
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from meetings_spec import load_spec
from spec_diff.cli import main
from traffic import CREATE, DYNAMIC, UNKEPT, Call, meeting, read_answer, write_har

ROOT = Path(__file__).resolve().parent.parent
VENDORS = ("elevenlabs", "azure")
CARTESIA = (5, 17, 29)
ROOMLESS = (2, 8)  # answers without a room_url
LONGEST_NAME = 8  # NEW's maxLength of person_name (lenient view)
LONGEST_VENDOR = 9  # and of voice_vendor: "elevenlabs" is refused too


def recorded() -> list[Call]:
    calls = []
    for n in range(41):
        body: dict[str, Any] = {"person_name": f"Person {n}", "scenario_id": 456}
        if n in CARTESIA:
            body["voice_vendor"] = "cartesia"
        elif n % 4 == 1:
            body["voice_vendor"] = VENDORS[(n // 4) % 2]
        if n % 3 == 0:
            body["allow_recording"] = n % 2 == 0
        if n % 5 == 0:
            body["meeting_type"] = "regular"
        status = 402 if n in (11, 23) else 201 if n == 30 else 200
        answer = {"error": "balance"} if status == 402 else meeting(body, n, **({"room_url": UNKEPT} if n in ROOMLESS else {}))
        calls.append(Call("POST", CREATE, body, status, answer))
    calls += [
        Call("POST", CREATE, UNKEPT, 200, meeting({"person_name": "Unkept"}, 90)),  # the HAR lacks its body
        Call("POST", CREATE, {"person_name": "Al", "scenario_id": 456, "voice_vendor": "acme"}, 400, {"error": "x"}),  # OLD refused it already
        Call("POST", CREATE, {"person_name": "Nobody answered", "scenario_id": 456, "voice_vendor": "cartesia"}, 0),
        *[Call("POST", DYNAMIC, {"scenario_id": 456, "voice_vendor": "azure", "email": f"u{n}@example.com"}, 400, {"error": "x"}) for n in range(4)],
        Call("GET", "/meetings/789", None, 200, read_answer(789)),
    ]
    return calls


def new_spec() -> dict[str, Any]:
    """NEW: cartesia removed and vendors' names at most 9 characters, allow_recording's default flipped, 402 no longer a create's answer
    (strict view), data.room_url gone from a create's answer, meeting_type required, names at
    most 8 characters (lenient view)."""
    spec = copy.deepcopy(load_spec())
    schemas = spec["components"]["schemas"]
    schemas["VoiceSettings"]["properties"]["voice_vendor"]["enum"].remove("cartesia")
    schemas["VoiceSettings"]["properties"]["voice_vendor"]["maxLength"] = LONGEST_VENDOR
    schemas["MeetingControls"]["properties"]["allow_recording"]["default"] = False
    del spec["paths"][CREATE]["post"]["responses"]["402"]
    created = schemas["CreatedMeeting"]
    del created["properties"]["room_url"]
    created["required"].remove("room_url")
    own = schemas["CreateMeetingRequest"]["allOf"][4]
    own["required"].append("meeting_type")
    own["properties"]["person_name"]["maxLength"] = LONGEST_NAME
    return spec


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("impact")
    new = folder / "new.yaml"
    new.write_text(yaml.safe_dump(new_spec(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {"old": ROOT / "openapi" / "meetings.yaml", "new": new, "har": write_har(folder / "staging.har", recorded(), page_assets=3), "folder": folder}


def diff(capsys: pytest.CaptureFixture[str], files: dict[str, Path], *extra: str) -> tuple[int, str]:
    status = main(["diff", str(files["old"]), str(files["new"]), "--traffic", str(files["har"]), *extra])
    return status, capsys.readouterr().out


def _impacts(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    status, out = diff(capsys, files, "--format", "json")
    assert status == 1
    report = json.loads(out)
    return {(c["rule"], c["where"], c["part"], c["field"]): c for c in report["changes"]}


def test_each_change_counts_the_recorded_exchanges_it_touches(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    changes = _impacts(capsys, files)
    calls = recorded()
    creates = [c for c in calls if c.method == "POST" and c.path == CREATE]
    kept = [c.body for c in creates if c.body is not UNKEPT]
    unkept = sum(c.body is UNKEPT for c in creates)
    unanswered = sum(c.status == 0 for c in creates)

    def impact(rule: str, where: str, part: str, field: str) -> dict[str, Any]:
        found = changes[(rule, where, part, field)]["impact"]
        assert found["counted"] and found["operation"] == where_ids[where], found
        return found

    where_ids = {"POST /meetings": "createMeeting", "POST /meetings/create-dynamic-meeting": "createDynamicMeeting"}
    vendor = impact("request-value-removed", "POST /meetings", "request body", "voice_vendor")
    assert (vendor["touched"], vendor["of"], vendor["unknown"]) == (sum(b.get("voice_vendor") == "cartesia" for b in kept), len(kept), unkept) == (4, 43, 1)
    assert vendor["what"] == 'send voice_vendor "cartesia", which NEW refuses and OLD accepted'  # "acme" was refused by OLD: not this change
    longer = impact("request-maxLength-tightened", "POST /meetings", "request body", "voice_vendor")  # the same field, another keyword
    assert longer["touched"] == sum(b.get("voice_vendor") in VENDORS and len(b["voice_vendor"]) > LONGEST_VENDOR for b in kept) > 0
    dynamic = impact("request-value-removed", "POST /meetings/create-dynamic-meeting", "request body", "voice_vendor")
    assert (dynamic["touched"], dynamic["of"]) == (0, sum(c.path == DYNAMIC for c in calls))
    assert changes[("request-value-removed", "POST /meetings/create-dynamic-meeting", "request body", "voice_vendor")]["impact"]["text"].endswith(
        "still breaking: the recording is a sample")
    default = impact("default-changed", "POST /meetings", "request body", "allow_recording")
    assert (default["touched"], default["unknown"]) == (sum("allow_recording" not in b for b in kept), unkept)
    required = impact("request-property-became-required", "POST /meetings", "request body", "meeting_type")
    assert required["touched"] == sum("meeting_type" not in b for b in kept) and required["what"] == "leave meeting_type out"
    names = impact("request-maxLength-tightened", "POST /meetings", "request body", "person_name")
    assert names["touched"] == sum(len(b["person_name"]) > LONGEST_NAME for b in kept)
    assert changes[("request-maxLength-tightened", "POST /meetings", "request body", "person_name")]["view"] == "lenient"
    status = impact("response-status-removed", "POST /meetings", "response 402", "")
    assert (status["touched"], status["unknown"]) == (sum(c.status == 402 for c in creates), unanswered)
    room = impact("response-property-removed", "POST /meetings", "response 200 body", "data.room_url")
    holding = sum(c.status == 200 and "room_url" in c.answer["data"] for c in creates)
    assert (room["touched"], room["of"]) == (holding, len(creates) - unanswered) and room["what"] == "got data.room_url in a 200 answer"
    assert impact("response-property-removed", "POST /meetings", "response 201 body", "data.room_url")["touched"] == sum(c.status == 201 for c in creates)
    traffic = json.loads(diff(capsys, files, "--format", "json")[1])["traffic"]
    assert traffic == {"files": [str(files["har"])], "entries": len(calls) + 3, "exchanges": len(calls), "fail_on_impact": None}


def test_without_a_countable_touch_a_change_says_so(capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path) -> None:
    spec = load_spec()
    edited = copy.deepcopy(spec)
    edited["components"]["schemas"]["MeetingType"]["enum"].append("team")  # more accepted: nothing recorded can send it
    edited["servers"][0]["description"] = "Production, described anew."
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(edited, sort_keys=False, allow_unicode=True), encoding="utf-8")
    status = main(["diff", str(files["old"]), str(path), "--traffic", str(files["har"]), "--format", "json"])
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert status == 1  # a response may now hold "team": breaking for a reader, counted by the answers holding it
    by_rule = {c["rule"]: c["impact"] for c in changes}
    assert by_rule["request-value-added"] == {"counted": False, "reason": by_rule["request-value-added"]["reason"], "text": by_rule["request-value-added"]["text"]}
    assert "nothing recorded under OLD can hold" in by_rule["request-value-added"]["reason"]
    assert by_rule["description-changed"]["counted"] is False
    answers = [c for c in recorded() if c.path == CREATE and c.status == 200]
    widened = next(c["impact"] for c in changes if (c["rule"], c["where"], c["part"], c["field"]) == ("response-value-added", "POST /meetings", "response 200 body", "data.meeting_type"))
    assert widened["touched"] == sum("meeting_type" in c.answer["data"] for c in answers) > 0


def test_every_format_carries_the_impact(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    line = "impact: 4 of 43 recorded createMeeting calls send voice_vendor \"cartesia\", which NEW refuses and OLD accepted"
    status, text = diff(capsys, files)
    assert status == 1 and line in text and line + "; 1 more the recording cannot tell (it lacks their body or their answer)" in text
    assert f"weighed against {len(recorded())} recorded exchanges of the API (1 HAR file(s))" in text
    _, markdown = diff(capsys, files, "--format", "markdown")
    assert "| level | where | change | recorded traffic |" in markdown and line.removeprefix("impact: ") in markdown
    _, junit = diff(capsys, files, "--format", "junit")
    failures = [f.text or "" for f in ET.fromstring(junit).iter("failure")]
    assert any(line in text for text in failures)
    _, github = diff(capsys, files, "--format", "github")
    assert any(annotation.startswith("::error ") and "%0A" + line in annotation for annotation in github.splitlines())


def test_fail_on_impact_fails_only_on_changes_that_touch_enough_exchanges(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    changes = _impacts(capsys, files)
    breaking = [c["impact"]["touched"] for c in changes.values() if c["level"] == "breaking"]
    most = max(breaking)
    status, out = diff(capsys, files, "--fail-on-impact", str(most + 1))
    assert status == 0, out
    assert f"{len(breaking)} change(s) at or above breaking touch fewer than {most + 1} recorded exchanges and do not fail it" in out
    status, out = diff(capsys, files, "--fail-on-impact", "5", "--format", "json")
    report = json.loads(out)
    assert status == 1 and report["traffic"]["fail_on_impact"] == 5
    assert {c["field"] for c in report["changes"] if c["fails"]} == {c["field"] for c in report["changes"] if c["level"] == "breaking" and c["impact"]["touched"] >= 5}
    assert not any(c["fails"] for c in report["changes"] if c["rule"] == "request-value-removed")  # 4 and 0 recorded creates: under 5


def test_bad_traffic_options_are_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], files: dict[str, Path], tmp_path: Path) -> None:
    old, new = str(files["old"]), str(files["new"])
    for args, said in (
        (["--fail-on-impact", "3"], "--fail-on-impact counts recorded exchanges: give the recording with --traffic FILE.har"),
        (["--traffic", str(files["har"]), "--fail-on-impact", "0"], "--fail-on-impact takes a number of recorded exchanges, 1 or more"),
        (["--traffic", str(tmp_path / "missing.har")], "--traffic: cannot read"),
        (["--traffic", str(files["old"])], "is not a HAR: it is not JSON"),
    ):
        assert main(["diff", old, new, *args]) == 2, args
        captured = capsys.readouterr()
        assert captured.out == "" and said in captured.err and captured.err.count("\n") == 1, captured.err


@pytest.mark.processes
def test_make_spec_check_takes_traffic(files: dict[str, Path]) -> None:
    """``make spec-check TRAFFIC=...`` weighs the changes since the latest release against each HAR given."""
    done = subprocess.run(["make", "-s", "spec-check", f"TRAFFIC={files['har']} {files['har']}"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"weighed against {2 * len(recorded())} recorded exchanges of the API (2 HAR file(s))" in done.stdout
    assert "      impact: " in done.stdout
