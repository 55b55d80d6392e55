"""The contract suite passes a server that keeps the contract, and fails, naming the rule,
every server that breaks one. The suite runs as users run it: pytest in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote

import pytest

from contract_tests.checks import ANSWER_TITLES, SUITE_CHECKS
from contract_tests.probes import ABSENT_ID, EDGE_CREATES, INTEGER_EDGES, TEXT_PROBES
from meetings_spec.judge import EXTENSIONS
from meetings_spec.problems import Part

from broken_servers import BROKEN, CREATE, DYNAMIC, EDGES, KNOWN_SCENARIO, TEXT_PROBE, UNKNOWN, alternative_choices, edges_taken, run_suite
from processes import CHROMIUM, CHROMIUM_ARGS, chromium_missing
from servers import COERCIONS, NULL_READINGS, TOKEN, Recording, Rewriting, mock_app, null_as_not_given, serving

REPORTS = Path(__file__).resolve().parent.parent / "reports"

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes



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


def test_a_server_choosing_differently_where_the_docs_are_silent_passes(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with serving(Rewriting(mock_app(), on_answer=alternative_choices)) as base_url:
        result = run_suite(base_url, *KNOWN_SCENARIO, "--report-json", str(report), tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout[-5000:]
    # the names it refuses are not counted as echoed: the text probe says it could not judge them
    tests = json.loads(report.read_text())["tests"]["items"]
    refused = {t["nodeid"].split("[", 1)[1] for t in tests if t["outcome"] == "skipped" and "was refused with 422" in (t["reason"] or "")}
    lengths = ("255 characters", "1,000 characters", "10,000 characters")
    assert refused == {f"{op}.person_name:{length}]" for op in ("createMeeting", "createDynamicMeeting") for length in lengths}, refused
    with serving(Rewriting(mock_app(), on_answer=alternative_choices)) as base_url:
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
    """The suite's own checks, each extension the rule engine reads, each part of an answer the
    contract library judges (titled as schemathesis titles its own checks), and the state machine."""
    expected = " ".join(text for broken in BROKEN.values() for text in broken.expect)
    for check in SUITE_CHECKS:
        if check not in ("spec_rules", "answer_keeps_the_contract"):
            assert check in expected, f"no broken server shows that {check} catches anything"
    for part in (Part.STATUS, Part.SCHEMA):  # a Rewriting server sends JSON: media type and body are the mock's
        assert ANSWER_TITLES[part] in expected, f"no broken server shows that answer_keeps_the_contract catches a {part.value} problem"
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
    with serving(Rewriting(mock_app(), on_request=edges_taken)) as base_url:
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


@pytest.fixture(scope="module")
def recorded_run(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One default run against the mock, every request the mock received kept in order, with the
    run's coverage and JSON report: the tests below share it (a run takes seconds)."""
    folder = tmp_path_factory.mktemp("recorded-run")
    recorder = Recording(mock_app())
    with serving(recorder) as base_url:
        result = run_suite(base_url, *KNOWN_SCENARIO, "--coverage", str(folder / "coverage"), "--report-json", str(folder / "report.json"), tmp_path=folder)
    assert result.returncode == 0, result.stdout[-3000:]
    return SimpleNamespace(exchanges=recorder.exchanges, media_types=recorder.media_types, folder=folder, coverage=json.loads((folder / "coverage" / "coverage.json").read_text()))


def test_runs_are_deterministic(recorded_run: SimpleNamespace, tmp_path: Path) -> None:
    """Two runs with the same seed send the same requests, in the same order, every one of them."""
    recorder = Recording(mock_app())
    with serving(recorder) as base_url:
        assert run_suite(base_url, *KNOWN_SCENARIO, tmp_path=tmp_path).returncode == 0
    assert len(recorded_run.exchanges) > 400
    assert recorded_run.exchanges == recorder.exchanges


def _operation(method: str, path: str) -> str | None:
    """Which operation the mock answered, told from the method and path alone (not by the kit's routing)."""
    if method == "POST" and path == "/meetings":
        return "createMeeting"
    if method == "POST" and path == "/meetings/create-dynamic-meeting":
        return "createDynamicMeeting"
    if method == "GET" and re.fullmatch(r"/meetings/[^/]+", path) and path != "/meetings/create-dynamic-meeting":
        return "getMeeting"
    return None


def test_the_coverage_of_a_run_counts_what_the_server_received(recorded_run: SimpleNamespace, spec: dict) -> None:
    """Every count of coverage.json against the requests the mock itself received and the
    statuses it gave; every status the spec declares is listed, seen or not, and never seen says why."""
    data = recorded_run.coverage
    sent = list(zip(recorded_run.exchanges, recorded_run.media_types, strict=True))[1:]  # the first is the suite's "is anything there?" GET /
    assert data["source"]["kind"] == "contract run" and data["view"] == "lenient"
    by_operation: dict[str, list[Any]] = {}
    for (method, full_path, body, status), media in sent:
        by_operation.setdefault(_operation(method, unquote(full_path.split("?")[0])) or "", []).append((body, int(status.split()[0]), media))
    assert data["summary"]["requests"] == len(sent) == json.loads((recorded_run.folder / "report.json").read_text())["requests"]["sent"]
    assert sum(data["other_requests"].values()) == len(by_operation.get("", []))
    paths = {"createMeeting": ("/meetings", "post"), "createDynamicMeeting": ("/meetings/create-dynamic-meeting", "post"), "getMeeting": ("/meetings/{id}", "get")}
    for op_id, (path, method) in paths.items():
        covered, received = data["operations"][op_id], by_operation[op_id]
        assert covered["requests"] == len(received), op_id
        declared = spec["paths"][path][method]["responses"]
        statuses = Counter(status for _, status, _ in received)
        assert set(declared) <= set(covered["statuses"]), op_id  # every status the spec declares, in either view
        for code, times in statuses.items():
            assert covered["statuses"][str(code)]["seen"] == times, (op_id, code)  # the mock answers only statuses the strict view lists
        for key, status in covered["statuses"].items():
            assert status["seen"] == (statuses[int(key)] if key.isdigit() else sum(n for c, n in statuses.items() if str(c)[0] == key[0]))
            assert bool(status.get("reason")) is (status["seen"] == 0), (op_id, key)
        bodies = [json.loads(body) for body, _, media in received if body and media.startswith("application/json") and _json_object(body)]
        for name, field in covered["fields"].items():
            if field["in"] == "body":
                assert (field["sent"], field["omitted"]) == (sum(name in b for b in bodies), sum(name not in b for b in bodies)), (op_id, name)
            for value, times in field.get("values", {}).items():
                assert times == sum(name in b and not isinstance(b[name], (dict, list)) and (b[name] if isinstance(b[name], str) else json.dumps(b[name])) == value for b in bodies), (op_id, name, value)
    create = data["operations"]["createMeeting"]["statuses"]
    assert create["402"]["seen"] == 0 and "the run is capped at 80 creates (--max-creates" in create["402"]["reason"]
    assert create["201"]["reason"] == "the server answered 200 instead; the spec allows either as a success"
    report_rules = {rule["rule"]: rule["outcome"] for rule in json.loads((recorded_run.folder / "report.json").read_text())["rules"]}
    assert {rule["rule"]: rule["outcome"] for rule in data["rules"]} == report_rules
    assert all(rule["operation"] in paths for rule in data["rules"])


def _json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


@pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))
def test_the_coverage_page_reads_in_a_browser(recorded_run: SimpleNamespace) -> None:
    """coverage.html in Chromium: an operation a row, a cell per status coloured by whether it was
    seen, each reason at hand, and nothing fetched but the page itself."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    page_file = recorded_run.folder / "coverage" / "coverage.html"
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            fetched: list[str] = []
            page.on("request", lambda request: fetched.append(request.url))
            page.goto(page_file.as_uri())
            rows = page.query_selector_all("tbody tr")
            assert [row.query_selector("th").inner_text().split("\n")[0] for row in rows] == list(recorded_run.coverage["operations"])
            never = page.locator("tbody tr").first.locator(".cell.none", has_text="402 never")
            assert never.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(255, 205, 210)"
            assert "--max-creates" in (never.get_attribute("title") or "")
            seen = page.locator("tbody tr").first.locator(".cell.full", has_text="200 ×")
            assert seen.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(200, 230, 201)"
            REPORTS.mkdir(exist_ok=True)
            page.screenshot(path=str(REPORTS / "coverage-page.png"), full_page=True)
        finally:
            browser.close()
    assert fetched == [page_file.as_uri()], fetched
    assert (REPORTS / "coverage-page.png").stat().st_size > 50_000
