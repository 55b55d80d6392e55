"""``waterrai-proxy check FILE.har`` on HARs as others write them: Chrome's "Save all as HAR"
(a sample in its shape), Playwright's ``recordHar`` (recorded for real through the proxy, in
each of its content modes), garbage; and its three output formats."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from proxies import ROOT, proxying
from servers import Rewriting, serving
from recordings import TOKEN, broken_server, check_command, spellings

from mock_server import create_app
from validation_proxy.check import main as check_main
from processes import CHROMIUM, CHROMIUM_ARGS, chromium_missing

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

API = "https://api.example.com"
FIXTURES = ROOT / "fixtures"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def run_check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = check_main([*args])
    out, err = capsys.readouterr()
    return status, out, err


# ------------------------------------------------------------------ Chrome's "Save all as HAR"


def _chrome_entry(method: str, url: str, status: int, *, request: list[tuple[str, str]] = (), body: str | None = None,  # type: ignore[assignment]
                  answer: bytes | None = b"", mime: str = "application/json", kind: str = "fetch", base64_body: bool = False, **extra: Any) -> dict[str, Any]:  # fmt: skip
    """One entry as Chrome DevTools writes it: HTTP/2 pseudo headers, lower-case names, its own ``_`` fields."""
    path = url.split("/", 3)[-1]
    headers = [(":authority", url.split("/")[2]), (":method", method), (":path", "/" + path), (":scheme", "https"), ("accept", "*/*"), *request]
    content: dict[str, Any] = {"size": -1 if answer is None else len(answer), "mimeType": mime}
    if answer is not None:
        content.update({"text": base64.b64encode(answer).decode(), "encoding": "base64"} if base64_body else {"text": answer.decode()})
    entry = {
        "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": kind, "cache": {}, "connection": "443", "pageref": "page_1",
        "request": {
            "method": method, "url": url, "httpVersion": "http/2.0", "headers": [{"name": n, "value": v} for n, v in headers],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0 if body is None else len(body.encode()),
            **({} if body is None else {"postData": {"mimeType": "application/json", "text": body}}),
        },
        "response": {
            "status": status, "statusText": "", "httpVersion": "http/2.0",
            "headers": [{"name": "content-type", "value": mime}, {"name": "content-encoding", "value": "br"}], "cookies": [], "content": content,
            "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 321, "_error": None,
        },
        "serverIPAddress": "203.0.113.7", "startedDateTime": "2026-01-05T10:00:00.000Z", "time": 42.1,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 40.0, "receive": 0.8, "_blocked_queueing": 0.9},
    }  # fmt: skip
    entry["response"].update(extra.pop("response", {}))
    entry.update(extra)
    return entry


def chrome_har(api: str = API) -> dict[str, Any]:
    """A HAR as Chrome saves it from a page of app.example.com calling the API; what each entry should give is in its name."""
    auth = [("authorization", f"Bearer {TOKEN}"), ("content-type", "application/json"), ("cookie", "sid=chrome-cookie-0a1b2c3d"), ("origin", "https://app.example.com")]
    created, read = fixture("createMeeting/docs-example.json"), fixture("getMeeting/created-meeting.json")
    bad_read = copy.deepcopy(read["response"]["body"])
    bad_read["data"]["id"] = str(bad_read["data"]["id"])
    refused = fixture("createMeeting/error-enum-value.json")["response"]["body"]
    return {
        "log": {
            "version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [{"startedDateTime": "2026-01-05T10:00:00.000Z", "id": "page_1", "title": "https://app.example.com/", "pageTimings": {}}],
            "entries": [
                _chrome_entry("GET", "https://app.example.com/", 200, answer=b"<!doctype html><title>app</title>", mime="text/html", kind="document"),
                _chrome_entry("GET", "https://cdn.example.com/app.js", 200, answer=b"fetch('/meetings')", mime="text/javascript", kind="script"),
                _chrome_entry("OPTIONS", f"{api}/meetings", 204, answer=None, kind="preflight"),
                _chrome_entry("POST", f"{api}/meetings", 200, request=auth, body=json.dumps(created["request"]["body"]), answer=json.dumps(created["response"]["body"]).encode(), base64_body=True),
                _chrome_entry("GET", f"{api}/meetings/790", 200, request=auth, answer=None),
                _chrome_entry("GET", f"{api}/meetings/790", 0, request=auth, answer=None, response={"_error": "net::ERR_ABORTED"}),
                _chrome_entry("GET", f"{api}/meetings/790", 200, request=auth, answer=json.dumps(bad_read).encode()),
                _chrome_entry("POST", f"{api}/meetings", 400, request=auth, body=json.dumps({"scenario_id": 456, "person_name": "Ann", "voice_vendor": TOKEN}), answer=json.dumps(refused).encode()),
            ],
        }
    }  # fmt: skip


def write(tmp_path: Path, document: dict[str, Any], name: str = "chrome.har") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_chrome_har_is_checked_entry_by_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_check(capsys, str(write(tmp_path, chrome_har())))
    assert status == 1, out + err
    lines = out.splitlines()
    assert {": ".join(line.split(": ")[:2]) for line in lines[:-1]} == {
        "#3 OPTIONS /meetings -> 204 -: not checked",  # a preflight
        "#5 GET /meetings/790 -> 200 getMeeting: checked in part",  # no content.text
        "#6 GET /meetings/790 -> no answer getMeeting: not checked",  # status 0
        "#7 GET /meetings/790 -> 200 getMeeting response: schema",  # the id as a string...
        "#7 GET /meetings/790 -> 200 getMeeting response: x-mutable",  # ... is not what was created
        "#8 POST /meetings -> 400 createMeeting request: schema",  # the bad request (the answer, base64 and brotli'd, is fine)
    }, out
    assert '#8 POST /meetings -> 400 createMeeting request: schema: body.voice_vendor: "$WATERRAI_API_TOKEN" is not one of' in out
    assert "#5 GET /meetings/790 -> 200 getMeeting: checked in part: the answer's body was not recorded" in lines
    assert "#6 GET /meetings/790 -> no answer getMeeting: not checked: no answer (net::ERR_ABORTED)" in lines
    assert lines[-1].endswith(
        "in 2 of 4 exchanges checked; 1 checked in part (the answer's body was not recorded); "
        "2 not checked (OPTIONS (a CORS preflight) is not an operation of the spec, no answer (net::ERR_ABORTED)); 2 of 8 entries not of the API"
    ), lines[-1]


def test_a_sanitized_chrome_har_is_not_failed_for_the_headers_chrome_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = chrome_har()
    for entry in document["log"]["entries"]:
        entry["request"]["headers"] = [h for h in entry["request"]["headers"] if h["name"] not in ("authorization", "cookie")]
    status, out, _ = run_check(capsys, str(write(tmp_path, document)), "--format", "json")
    report = json.loads(out)
    assert status == 1 and {v["rule"].split(":")[0] for v in report["violations"]} == {"schema", "x-mutable"}
    assert "the bearer check was skipped" in report["notes"][0]


def test_an_api_under_a_base_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    har = write(tmp_path, chrome_har(f"{API}/v1"))
    status, out, _ = run_check(capsys, str(har))
    assert status == 3 and "nothing was checked: no entry is of the API; is the API served under a base path (--base-path)?" in out
    assert "8 of 8 entries not of the API" in out
    status, out, _ = run_check(capsys, str(har), "--base-path", "/v1/")
    assert status == 1 and "in 2 of 4 exchanges checked" in out


# ------------------------------------------------------------------ output


def test_json_and_junit_reports_parse_and_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    har = write(tmp_path, chrome_har())
    assert run_check(capsys, str(har), "--format", "json", "--output", str(tmp_path / "report.json"))[0] == 1
    assert run_check(capsys, str(har), "--format", "junit", "--output", str(tmp_path / "report.xml"))[0] == 1
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    counts = report["counts"]
    assert counts.pop("violations") == counts.pop("failing") == len(report["violations"]) >= 3  # the id, what it read back as, the request
    assert counts == {"entries": 8, "not_of_the_api": 2, "exchanges": 6, "checked": 4, "checked_in_part": 1, "not_checked": 2, "exchanges_with_violations": 2}
    assert set(report["violations"][0]) == {"operation", "side", "rule", "expected", "got", "message", "exchange"}
    got = {(v["exchange"]["number"], v["rule"]): v["got"] for v in report["violations"]}
    assert got[(7, "schema: body.data.id")] == '"790"'  # the value that came, not the rule ("type")
    assert got[(8, "schema: body.voice_vendor")] == '"$WATERRAI_API_TOKEN"'  # a credential it echoes, hidden
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("6", "2", "3")
    outcomes = {case.get("name"): [child.tag for child in case] for case in suite.iter("testcase")}
    assert outcomes["#4 POST /meetings -> 200"] == [] and outcomes["#5 GET /meetings/790 -> 200"] == ["skipped"]
    assert outcomes["#7 GET /meetings/790 -> 200"] == ["failure"]
    for text in ((tmp_path / "report.json").read_text(), (tmp_path / "report.xml").read_text()):
        assert not any(spelling in text for spelling in spellings(TOKEN)) and "chrome-cookie-0a1b2c3d" not in text


def test_an_unwritable_output_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").write_text("a file")
    status, _, err = run_check(capsys, str(write(tmp_path, chrome_har())), "--output", str(tmp_path / "taken" / "report.txt"))
    assert status == 2 and err.startswith("waterrai-proxy check: cannot write")
    assert f"{tmp_path / 'taken'} is a file, not a folder" in err, err


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.har", None, "cannot read"),
        ("empty.har", b"", "is not a HAR: it is not JSON"),
        ("page.har", b"<html></html>", "is not a HAR: it is not JSON"),
        ("binary.har", b"\x89PNG\r\n\x1a\n\x00\xff", "is not a HAR: it is not UTF-8 text"),
        ("list.har", b"[]", "is not a HAR: it has no log.entries list"),
        ("nolog.har", b'{"log": {"version": "1.2"}}', "is not a HAR: it has no log.entries list"),
        ("deep.har", b"[" * 100_000, "is not a HAR: it is not JSON"),
        ("other.zip", "zip", "a zip archive with 0 .har files in it"),
    ],
)
def test_unreadable_input_is_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: Any, message: str) -> None:
    path = tmp_path / name
    if content == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "no HAR here")
    elif content is not None:
        path.write_bytes(content)
    status, out, err = run_check(capsys, str(path))
    assert (status, out) == (2, "") and message in err and err.count("\n") == 1, err


def test_malformed_entries_are_reported_not_crashed_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    get = {"method": "GET", "url": f"{API}/meetings/1", "headers": "not a list"}
    document = {"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [None, {"request": {}}, {"request": get}, {"request": get, "response": {"status": "200"}}]}}
    status, out, _ = run_check(capsys, str(write(tmp_path, document)))
    assert status == 1 and out.count("not checked: a malformed entry") == 2 and "#3 GET /meetings/1 -> no answer getMeeting: not checked: no answer" in out
    assert "#4 GET /meetings/1 -> 200 getMeeting request: security" in out  # its headers unreadable: none sent


def test_a_har_whose_api_exchanges_could_not_be_judged_is_exit_3_never_a_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    get = {"method": "GET", "url": f"{API}/meetings/1", "headers": [{"name": "Authorization", "value": "Bearer t"}]}
    document = {"log": {"version": "1.2", "creator": {"name": "x"}, "entries": [{"request": get}, {"request": {}}]}}
    status, out, _ = run_check(capsys, str(write(tmp_path, document)))
    assert status == 3 and "0 violations in 0 of 0 exchanges checked" in out, out
    assert "nothing was checked: no exchange of the API could be judged" in out


def test_an_empty_har_is_exit_3_and_a_skipped_case_in_junit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = write(tmp_path, {"log": {"version": "1.2", "creator": {"name": "x"}, "entries": []}})
    status, out, _ = run_check(capsys, str(empty))
    assert status == 3 and "nothing was checked: the HAR holds no entries" in out and "base path" not in out
    status, out, _ = run_check(capsys, str(empty), "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert status == 3 and suite is not None and (suite.get("tests"), suite.get("skipped"), suite.get("failures")) == ("1", "1", "0")
    skipped = suite.find("testcase/skipped")
    assert skipped is not None and skipped.get("message") == "nothing was checked: the HAR holds no entries"


def test_the_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.har").write_text("{not json")
    done = check_command(str(tmp_path / "bad.har"))
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.startswith("waterrai-proxy check: ")
    assert check_command().returncode == 2  # argparse: the HAR is required


# ------------------------------------------------------------------ Playwright's recordHar, for real


def _browse(har_path: Path, proxy_base: str, content: str) -> None:
    """A page served through the proxy (the mock's /docs) calls the API through it, as a frontend does."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(record_har_path=str(har_path), record_har_content=content)
            page = context.new_page()
            page.goto(proxy_base + "/docs")
            page.evaluate(
                """async (token) => {
                    const headers = {Authorization: `Bearer ${token}`, 'Content-Type': 'application/json'};
                    const read = async (answer) => (await answer).text();  // a body the page never reads, Playwright leaves out
                    const post = (body) => read(fetch('/meetings?access_token=' + encodeURIComponent(token), {method: 'POST', headers, body: JSON.stringify(body)}));
                    const created = JSON.parse(await post({scenario_id: 456, person_name: 'Ann'}));
                    await post({scenario_id: 456, person_name: 'Bo', meeting_type: 'regular'});
                    await read(fetch(`/meetings/${created.data.id}`, {headers}));
                    await post({scenario_id: 456, person_name: 'Cy', voice_vendor: token});
                    await read(fetch('/meetings/not-a-number', {headers}));
                }""",
                TOKEN,
            )
            context.close()
        finally:
            browser.close()


def _findings(report: dict[str, Any]) -> Counter[tuple[str, str, str]]:
    return Counter((v["operation"], v["side"], v["rule"]) for v in report["violations"])


@pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))
@pytest.mark.parametrize("mode", ["embed", "attach", "attach-zip"])
def test_a_playwright_har_gives_what_the_proxy_found_live(tmp_path: Path, mode: str) -> None:
    har = tmp_path / ("pw.zip" if mode == "attach-zip" else "pw.har")
    with serving(broken_server()) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as running:
        _browse(har, running.url, mode.split("-")[0])
        live = Counter((v["operation"], v["side"], v["rule"]) for v in running.violations()["violations"])
    assert {rule for _, _, rule in live} >= {"schema: body.data.id", "schema: body.voice_vendor", "schema: path.id"} and any(r.startswith("default:") for _, _, r in live)
    if mode == "attach":  # the bodies are files beside the HAR, not in it
        attached = [e["response"]["content"].get("_file") for e in json.loads(har.read_text())["log"]["entries"]]
        assert all(name and (tmp_path / name).is_file() for name in attached), attached
    for form in ("json", "text", "junit"):
        done = check_command(str(har), "--format", form)
        assert done.returncode == 1, done.stdout + done.stderr
        assert not any(spelling in done.stdout + done.stderr for spelling in spellings(TOKEN)), form
        if form == "json":
            report = json.loads(done.stdout)
            assert _findings(report) == live
            assert report["counts"]["not_of_the_api"] > 0 and report["counts"]["checked_in_part"] == 0
        if form == "junit":
            ET.fromstring(done.stdout)


@pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))
def test_a_playwright_har_without_content_is_never_a_pass(tmp_path: Path) -> None:
    har = tmp_path / "pw.har"
    with serving(Rewriting(create_app(token=TOKEN, access_log=False, journal=False))) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as running:
        _browse(har, running.url, "omit")
    done = check_command(str(har), "--format", "json")
    report = json.loads(done.stdout)
    # only what needs no body is judged (the path's id); the rest is said to be skipped, never passed
    assert done.returncode == 1 and {v["rule"] for v in report["violations"]} == {"schema: path.id"}
    assert {e["outcome"] for e in report["exchanges"] if e["path"] != "/meetings/not-a-number"} == {"skipped"}
    assert report["counts"]["checked_in_part"] == 5 and report["counts"]["not_of_the_api"] > 0


def test_a_recording_folder_moved_with_its_har_still_checks(tmp_path: Path) -> None:
    """A HAR's ``_file``s are read beside it, wherever it was moved; never from outside its folder."""
    answer = fixture("getMeeting/created-meeting.json")["response"]["body"]
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "answer.json").write_text(json.dumps(answer))
    (tmp_path / "secret.json").write_text(json.dumps(answer))
    entry = {"request": {"method": "GET", "url": f"{API}/meetings/790", "headers": [{"name": "Authorization", "value": "Bearer t"}]}}
    document = {"log": {"version": "1.2", "creator": {"name": "Playwright"}, "entries": [
        {**entry, "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}], "content": {"size": 1, "mimeType": "application/json", "_file": "answer.json"}}},
        {**entry, "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}], "content": {"size": 1, "mimeType": "application/json", "_file": "../secret.json"}}},
    ]}}  # fmt: skip
    write(tmp_path / "a", document, "moved.har")
    shutil.move(tmp_path / "a", tmp_path / "b")
    done = check_command(str(tmp_path / "b" / "moved.har"), "--format", "json")
    report = json.loads(done.stdout)
    assert done.returncode == 0 and [e["outcome"] for e in report["exchanges"]] == ["passed", "skipped"]


def test_an_answer_is_not_judged_against_a_request_body_the_har_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Playwright's ``omit`` keeps ``postData.text`` empty with the real ``bodySize``: not "no field sent"."""
    created = fixture("createMeeting/docs-example.json")
    answer = copy.deepcopy(created["response"]["body"])
    answer["data"]["meeting_type"] = "end-user"  # right if it was sent so; wrong had it been omitted
    headers = [{"name": "Authorization", "value": "Bearer t"}, {"name": "Content-Type", "value": "application/json"}]
    entry = {
        "startedDateTime": "2026-01-05T10:00:00.000Z",
        "request": {"method": "POST", "url": f"{API}/meetings", "headers": headers, "bodySize": 64, "postData": {"mimeType": "application/json", "text": "", "params": []}},
        "response": {"status": 200, "headers": headers[1:], "content": {"size": 1, "mimeType": "application/json", "text": json.dumps(answer)}},
    }
    status, out, _ = run_check(capsys, str(write(tmp_path, {"log": {"version": "1.2", "creator": {"name": "Playwright"}, "entries": [entry]}})))
    assert status == 0 and "#1 POST /meetings -> 200 createMeeting: checked in part: the request's body was not recorded" in out


def test_a_null_left_to_the_server_is_no_violation_and_its_answer_is_judged_as_for_the_field_omitted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The proxy's rule, and the contract suite's (``meetings_spec.nulls``), on a recording."""
    created = fixture("createMeeting/docs-example.json")
    request, answer = created["request"]["body"], created["response"]["body"]
    auth = [("authorization", f"Bearer {TOKEN}"), ("content-type", "application/json")]

    def entry(body: dict[str, Any], meeting_type: str = "regular") -> dict[str, Any]:
        sent = {**answer, "data": {**answer["data"], "meeting_type": meeting_type}}
        return _chrome_entry("POST", f"{API}/meetings", 200, request=auth, body=json.dumps(body), answer=json.dumps(sent).encode())

    har = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "entries": [
        entry({**request, "meeting_type": None, "voice_id": None}),  # read as not given: the default came back
        entry({**request, "max_participants": None}),  # a null the docs list as a value
        entry({**request, "meeting_type": None}, "end-user"),  # read as not given, but not answered so
        entry({**request, "person_name": None}),  # a required field: wrong input, and accepted
    ]}}  # fmt: skip
    status, out, err = run_check(capsys, str(write(tmp_path, har)))
    assert status == 1, out + err
    found = sorted(": ".join(line.split(": ")[:2]) for line in out.splitlines()[:-1])
    assert found == [
        "#3 POST /meetings -> 200 createMeeting response: default",
        "#4 POST /meetings -> 200 createMeeting request: schema",
        "#4 POST /meetings -> 200 createMeeting response: invalid request accepted",
    ], out
    assert "should be 'regular', the documented default, because meeting_type was omitted; the server answered 'end-user' (meeting_type was sent as null, which reads as omitted)" in out


def test_fail_on_answers_fails_a_staging_check_on_the_servers_side_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A request the client sent without a token, refused with the 401 it deserved, is the
    client's doing: ``--fail-on answers`` reports it, not counted, and passes; the default fails."""
    unauthorized = _chrome_entry("GET", f"{API}/meetings/789", 401, answer=b'{"message": "Unauthorized"}')
    har = write(tmp_path, {"log": {"version": "1.2", "creator": {"name": "Playwright"}, "entries": [unauthorized]}})
    assert run_check(capsys, str(har))[0] == 1  # default: any
    status, out, _ = run_check(capsys, str(har), "--fail-on", "answers")
    assert status == 0, out
    assert "#1 GET /meetings/789 -> 401 getMeeting request (not counted): security" in out
    assert "1 violation in 1 of 1 exchange checked; 1 not counted (--fail-on answers: only the answers fail the check)" in out
    assert run_check(capsys, str(har), "--fail-on", "requests")[0] == 1
    status, out, _ = run_check(capsys, str(har), "--fail-on", "answers", "--format", "junit")
    case = ET.fromstring(out).find("testsuite/testcase")
    assert status == 0 and case is not None and case.find("failure") is None and "not counted" in (case.findtext("system-out") or "")
    status, out, _ = run_check(capsys, str(har), "--fail-on", "answers", "--format", "json")
    assert json.loads(out)["fail_on"] == "answers" and json.loads(out)["counts"]["failing"] == 0

    document = chrome_har()  # with answers that break the spec too: those fail it
    assert run_check(capsys, str(write(tmp_path, document)), "--fail-on", "answers")[0] == 1
