"""The committed fixtures are current, valid against the spec, deterministic, and readable as HAR."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from haralyzer import HarParser
from jsonschema import Draft202012Validator

from fixtures_builder.cli import DEFAULT_OUT, main
from fixtures_builder.record import record_all
from fixtures_builder.writers import plan, render, write_fixtures
from meetings_spec import View, contract_view, load_spec
from meetings_spec.refs import SPEC_URI, response_body_pointer, request_body_pointer, spec_registry, RefResolver
from meetings_spec.model import operations
from reference_validators import FORMAT_CHECKER

FIXTURES = DEFAULT_OUT


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render(record_all())


def test_committed_fixtures_are_current(rendered: dict[str, str]) -> None:
    stale = plan(rendered, FIXTURES).changes
    assert not stale, f"fixtures/ is stale ({stale[:5]}...): run `make fixtures` and commit the result"


def test_two_runs_give_identical_bytes(rendered: dict[str, str]) -> None:
    assert render(record_all()) == rendered


def _fixtures() -> list[tuple[str, dict[str, Any]]]:
    index = json.loads((FIXTURES / "index.json").read_text())
    return [(entry["file"], json.loads((FIXTURES / entry["file"]).read_text())) for entry in index["fixtures"]]


def test_index_lists_every_fixture_file() -> None:
    listed = {file for file, _ in _fixtures()}
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.json")}
    assert listed == on_disk
    index = json.loads((FIXTURES / "index.json").read_text())["fixtures"]
    for entry, (_, fixture) in zip(index, _fixtures()):
        assert (entry["operationId"], entry["case"], entry["status"]) == (fixture["operationId"], fixture["case"], fixture["response"]["status"])
        assert entry["description"] and "\n" not in entry["description"]


def test_every_fixture_validates_against_the_spec() -> None:
    """Independent of the builder: plain Draft 2020-12 validators over the strict view."""
    spec = contract_view(load_spec(), View.STRICT)
    registry, refs = spec_registry(spec), RefResolver(spec)
    by_path = {(op.method.upper(), op.operation_id): op for op in operations(spec).values()}
    statuses: dict[str, set[int]] = {}
    for file, fixture in _fixtures():
        op = by_path[(fixture["request"]["method"], fixture["operationId"])]
        status = str(fixture["response"]["status"])
        assert status in op.responses, file
        pointer = response_body_pointer(refs, op.path, op.method, status)
        validator = Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=FORMAT_CHECKER)
        assert not list(validator.iter_errors(fixture["response"]["body"])), file
        if status.startswith("2") and "body" in fixture["request"]:
            request = Draft202012Validator({"$ref": f"{SPEC_URI}#{request_body_pointer(refs, op.path, op.method)}"}, registry=registry)
            assert request.is_valid(fixture["request"]["body"]), file
        statuses.setdefault(op.operation_id, set()).add(int(status))
    for op_id, op in operations(spec).items():  # every response the spec describes has a fixture
        assert {int(s) for s in op.responses} == statuses[op_id], op_id


def test_fixtures_hold_no_secret_and_name_their_cases() -> None:
    for file, fixture in _fixtures():
        auth = fixture["request"]["headers"].get("Authorization")
        assert auth in (None, "Bearer YOUR_API_TOKEN"), file
        assert file == f"{fixture['operationId']}/{fixture['case']}.json"


def test_user_cases_show_the_docs_rules() -> None:
    load = lambda case: json.loads((FIXTURES / "createDynamicMeeting" / f"{case}.json").read_text())["response"]["body"]["data"]  # noqa: E731
    assert load("user-same-email-again")["end_user"] == load("user-new-email")["end_user"]
    assert load("user-known-email")["end_user"]["id"] == 123
    assert load("user-no-email")["end_user"]["email"] is None
    assert load("user-name-from-first-and-last")["person_name"] == "Jane Smith"
    docs = json.loads((FIXTURES / "createMeeting" / "docs-example.json").read_text())["response"]["body"]
    assert docs["session_minutes_info"] == {"estimatedMinutes": 35, "remainingMinutes": 265}


HAR_ENTRY_KEYS = {"startedDateTime", "time", "request", "response", "cache", "timings"}
HAR_REQUEST_KEYS = {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"}
HAR_RESPONSE_KEYS = {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize"}


def test_har_file_reads_as_har_1_2() -> None:
    document = json.loads((FIXTURES / "meetings.har").read_text())
    log = document["log"]
    assert log["version"] == "1.2" and {"name", "version"} <= set(log["creator"])
    parser = HarParser(document)
    entries = [entry for page in parser.pages for entry in page.entries]
    assert len(entries) == len(log["entries"]) == len(_fixtures())
    for raw, (file, fixture) in zip(log["entries"], _fixtures()):
        assert HAR_ENTRY_KEYS <= set(raw) and HAR_REQUEST_KEYS <= set(raw["request"]) and HAR_RESPONSE_KEYS <= set(raw["response"])
        assert {"send", "wait", "receive"} <= set(raw["timings"]) and {"size", "mimeType"} <= set(raw["response"]["content"])
        assert raw["response"]["status"] == fixture["response"]["status"], file
        assert json.loads(raw["response"]["content"]["text"]) == fixture["response"]["body"], file
        assert raw["request"]["url"].endswith(fixture["request"]["path"])
    assert {entry.request.method for entry in entries} == {"GET", "POST"}
    assert {entry.response.status for entry in entries} >= {200, 400, 401, 404}


def test_a_fixture_that_does_not_validate_stops_the_run_and_writes_nothing(tmp_path: Path, capsys: Any) -> None:
    spec = load_spec()
    spec["components"]["schemas"]["CreatedMeeting"]["required"].append("never_sent")
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "fixtures"
    write_fixtures(render([]), out)  # a fixtures folder of the kit's, with a user's file in it
    (out / "keep.json").write_text("{}")
    before = sorted((p.name, p.read_text()) for p in out.iterdir())
    assert main(["--spec", str(broken), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "fixture createMeeting/docs-example" in error and "never_sent" in error and "Nothing was written" in error
    assert sorted((p.name, p.read_text()) for p in out.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "fixtures"]


def test_an_answer_with_another_status_than_its_case_expects_stops_the_run(tmp_path: Path, capsys: Any) -> None:
    spec = load_spec()
    spec["x-mock"]["limits"]["max_body_bytes"] = 1 << 20  # the oversized body now fits: its long text gets 400, not 413
    roomy = tmp_path / "roomy.yaml"
    roomy.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert main(["--spec", str(roomy), "--out", str(tmp_path / "fixtures")]) == 2
    error = capsys.readouterr().err
    assert "error-payload-too-large: the mock answered 400, where the case expects 413" in error, error


def test_check_mode_reports_stale_fixtures(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "fixtures"
    assert main(["--out", str(out)]) == 0
    assert main(["--out", str(out), "--check"]) == 0
    (out / "createMeeting" / "minimal.json").write_text("{}")
    assert main(["--out", str(out), "--check"]) == 1
    assert "run `make fixtures`" in capsys.readouterr().err


def test_every_exchange_names_a_har_that_holds_its_request() -> None:
    """index.json's ``har``: meetings.har, or for an exchange whose request meetings.har answers
    with an earlier one, a HAR holding that exchange alone (replayed in Chromium by test_fixtures_in_tools)."""
    index = json.loads((FIXTURES / "index.json").read_text())["fixtures"]
    by_file = {entry["file"]: entry for entry in index}
    own = {entry["har"] for entry in index if entry["har"] != "meetings.har"}
    assert own == {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("har/*/*.har")}
    for entry in index:
        fixture = json.loads((FIXTURES / entry["file"]).read_text())
        entries = json.loads((FIXTURES / entry["har"]).read_text())["log"]["entries"]
        if entry["har"] == "meetings.har":
            assert "meetingsHarAnswersWith" not in entry
            continue
        assert len(entries) == 1 and json.loads(entries[0]["response"]["content"]["text"]) == fixture["response"]["body"]
        other = by_file[entry["meetingsHarAnswersWith"]]
        assert index.index(other) < index.index(entry) and (other["method"], other["path"]) == (entry["method"], entry["path"])
        other_request = json.loads((FIXTURES / other["file"]).read_text())["request"]
        assert other_request.get("body") == fixture["request"].get("body") and "bodyText" not in fixture["request"]
        assert f"`fixtures/{entry['har']}`" in (FIXTURES / "README.md").read_text()
