"""``waterrai-proxy --record DIR``: the proxy's process in front of the mock (correct, or broken
one rule at a time), the fixtures' requests and a few carrying credentials sent through it, then
the folder read back: every file whole, every exchange listed, no credential anywhere, and
``waterrai-proxy check`` on the HAR finding what the proxy found live."""

from __future__ import annotations

import base64
import json
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

import pytest
from proxies import Proxy, drive, proxying, send
from servers import TOKEN as SUITE_TOKEN
from servers import serving
from recordings import COOKIE, SET_COOKIE, TOKEN, broken_server, check_command, spellings

from mock_server import create_app
from validation_proxy.cli import main as proxy_main
from validation_proxy.exchanges import Recorded
from validation_proxy.inspection import Violation
from validation_proxy.recording import GENERATOR, HAR, INDEX, Recorder, RecordingRefused, dump

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes


def send_credentials(base_url: str) -> int:
    """Requests carrying the token and a cookie everywhere a client might put them; how many."""
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", "Cookie": f"sid={COOKIE}; short=a1b2"}
    escaped = TOKEN.replace("/", "\\u002f")
    # in the query, named as a credential and not; in the body, JSON-escaped, which the mock echoes
    send(base_url, "POST", f"/meetings?access_token={quote(TOKEN, safe='')}&note={quote_plus(TOKEN)}", headers=auth, raw=f'{{"scenario_id": 456, "person_name": "{escaped}"}}')
    send(base_url, "POST", "/meetings", {"scenario_id": 456, "meeting_type": TOKEN}, auth)  # refused: the violation's message quotes it
    send(base_url, "GET", "/meetings/790", headers={"Authorization": f"Bearer {TOKEN}", "Cookie": f"sid={COOKIE}"})
    return 3


def all_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def read_back(folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The index and HAR, after checking every file is whole JSON and the index lists exactly the files there."""
    files = all_files(folder)
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    assert index["generator"] == GENERATOR
    assert sorted(index["files"]) == sorted(str(path.relative_to(folder)) for path in files), "a file the index does not list, or a temporary file left"
    return index, json.loads((folder / HAR).read_text(encoding="utf-8"))


def assert_no_secret(folder: Path, secrets: Iterable[str]) -> None:
    for path in all_files(folder):
        data = path.read_bytes()
        for secret in secrets:
            for spelling in spellings(secret):
                assert spelling.encode() not in data, f"{path.relative_to(folder)} holds {secret!r} as {spelling!r}"


def live_findings(proxy: Proxy) -> Counter[tuple[int, str, str, str]]:
    listed = proxy.violations()
    return Counter((v["exchange"]["id"], v["operation"], v["side"], v["rule"]) for v in listed["violations"])


def offline_findings(har: Path) -> tuple[int, dict[str, Any]]:
    done = check_command(str(har), "--format", "json")
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_a_recording_of_a_broken_server_holds_every_exchange_no_credential_and_the_same_findings(tmp_path: Path) -> None:
    folder = tmp_path / "recording"
    with serving(broken_server()) as upstream, proxying(upstream, "--quiet", "--record", str(folder), tmp=tmp_path) as running:
        statuses = [sent.status for sent in drive(running.url)]
        count = len(statuses) + send_credentials(running.url)
        live = live_findings(running)
    if "refused to gracefully stop" not in running.stderr:  # Granian kills a worker that hangs at a stop (rarely): no close then
        assert f"recorded {count} exchanges into" in running.stderr
    index, har = read_back(folder)  # complete either way: the listing is rewritten as soon as the traffic pauses
    assert [row["id"] for row in index["exchanges"]] == list(range(1, count + 1))
    assert [row["status"] for row in index["exchanges"]][: len(statuses)] == statuses
    assert [entry["_id"] for entry in har["log"]["entries"]] == list(range(1, count + 1))
    assert [entry["response"]["status"] for entry in har["log"]["entries"]] == [row["status"] for row in index["exchanges"]]
    for row in index["exchanges"]:
        exchange = json.loads((folder / row["file"]).read_text(encoding="utf-8"))
        assert (exchange["request"]["method"], exchange["request"]["path"], exchange["response"]["status"]) == (row["method"], row["path"], row["status"])
    assert_no_secret(folder, [TOKEN, SUITE_TOKEN, COOKIE, SET_COOKIE])
    assert TOKEN not in running.stderr and COOKIE not in running.stderr
    hidden = {"authorization": {"Bearer $WATERRAI_API_TOKEN"}, "cookie": {"sid=REDACTED; short=REDACTED", "sid=REDACTED"}, "set-cookie": {"session=REDACTED; Path=/; HttpOnly"}}
    for entry in har["log"]["entries"]:  # every credential header as a placeholder, short secrets too
        for header in entry["request"]["headers"] + entry["response"]["headers"]:
            assert header["value"] in hidden.get(header["name"].lower(), {header["value"]}), header

    rules = {rule for _, _, _, rule in live}
    assert any(rule.startswith("default:") for rule in rules) and "schema: body.data.id" in rules, rules  # both breakages seen
    assert any(side == "request" for _, _, side, _ in live)  # and the session's bad requests
    status, report = offline_findings(folder / HAR)
    assert status == 1
    offline = Counter((v["exchange"]["number"], v["operation"], v["side"], v["rule"]) for v in report["violations"])
    assert offline == live
    assert report["counts"]["not_of_the_api"] == 0 and report["counts"]["checked"] == count


def test_a_recording_of_the_mock_checks_clean(tmp_path: Path) -> None:
    folder = tmp_path / "recording"
    with serving(create_app(token=SUITE_TOKEN, access_log=False, journal=False)) as upstream, proxying(upstream, "--quiet", "--record", str(folder), tmp=tmp_path) as running:
        count = len(drive(running.url))
        live = running.violations()
    assert live["counts"]["exchanges"] == count and {v["side"] for v in live["violations"]} == {"request"}  # the session's bad requests, no more
    index, har = read_back(folder)
    assert len(index["exchanges"]) == len(har["log"]["entries"]) == count
    done = check_command(str(folder), "--format", "json")  # the folder stands for its HAR
    report = json.loads(done.stdout)
    assert Counter((v["exchange"]["number"], v["rule"]) for v in report["violations"]) == Counter((v["exchange"]["id"], v["rule"]) for v in live["violations"])
    clean = tmp_path / "clean.har"  # the same HAR without the bad requests: exit 0
    flagged = {v["exchange"]["id"] for v in live["violations"]}
    clean.write_text(json.dumps({"log": {**har["log"], "entries": [e for e in har["log"]["entries"] if e["_id"] not in flagged]}}))
    done = check_command(str(clean))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"0 violations in 0 of {count - len(flagged)} exchanges checked" in done.stdout


def test_a_crash_leaves_every_file_whole_and_the_index_true(tmp_path: Path) -> None:
    """SIGKILL mid-traffic: no close, no drain; whatever is there is whole and the index lists only what is there."""
    folder = tmp_path / "recording"
    body = {"scenario_id": 456, "person_name": "x" * 5000}
    with serving(create_app(access_log=False, journal=False)) as upstream, proxying(upstream, "--quiet", "--record", str(folder), tmp=tmp_path) as running:
        stop = threading.Event()

        def traffic() -> None:
            while not stop.is_set():
                try:
                    send(running.url, "POST", "/meetings", body, {"Authorization": "Bearer t", "Content-Type": "application/json"})
                except OSError:
                    return

        workers = [threading.Thread(target=traffic) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(1.5)
        os.killpg(running.process.pid, signal.SIGKILL)  # the group proxying started, and only it
        running.process.wait()
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    for path in all_files(folder):  # a temporary file the kill interrupted: never under a real name
        if path.name.endswith(".tmp"):
            path.unlink()
    files = all_files(folder)
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))  # whole
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    har = json.loads((folder / HAR).read_text(encoding="utf-8"))
    assert index["exchanges"], "nothing was recorded in 1.5 s"
    listed = set(index["files"])
    assert listed <= {str(path.relative_to(folder)) for path in files}  # the index lists only what is there
    assert [row["id"] for row in index["exchanges"]] == [entry["_id"] for entry in har["log"]["entries"]][: len(index["exchanges"])]
    ids = {row["id"] for row in index["exchanges"]}
    for path in files:  # what the index does not list yet: exchanges written after its last rewrite
        if str(path.relative_to(folder)) not in listed:
            exchange = json.loads(path.read_text(encoding="utf-8"))
            assert path.parent.name == "createMeeting" and path.stem == f"{exchange['id']:06d}" and exchange["id"] not in ids, path


# ------------------------------------------------------------------ the folder


def test_the_folder_is_refused_unless_new_or_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def refused(folder: Path) -> str:
        assert proxy_main(["--upstream", "http://127.0.0.1:9", "--record", str(folder)]) == 2
        return capsys.readouterr().err

    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine")
    assert "not empty and is not a recording of waterrai-proxy" in refused(project)
    assert (project / "notes.txt").read_text() == "mine" and len(list(project.iterdir())) == 1

    (tmp_path / "file").write_text("x")
    assert "is a file, not a folder" in refused(tmp_path / "file")

    earlier = tmp_path / "earlier"
    Recorder(earlier).close()
    before = {path: path.read_bytes() for path in all_files(earlier)}
    assert "holds an earlier recording of waterrai-proxy (0 exchanges" in refused(earlier)
    assert {path: path.read_bytes() for path in all_files(earlier)} == before

    with pytest.raises(RecordingRefused, match="earlier recording"):
        Recorder(earlier)
    Recorder.check_folder(tmp_path / "new" / "deeper")  # missing: made when the proxy starts
    (tmp_path / "empty").mkdir()
    Recorder.check_folder(tmp_path / "empty")


# ------------------------------------------------------------------ the recorder itself


def _recorded(id: int, **changes: Any) -> Recorded:
    exchange = Recorded(
        id, "2026-01-01T00:00:00.000Z", 1.5, "GET", "http://upstream.test/v1/meetings/790", [("Authorization", f"Bearer {TOKEN}")], b"",
        200, [("Content-Type", "application/json")], b'{"status": "success", "data": {"id": 790}}', "getMeeting",
    )  # fmt: skip
    for name, value in changes.items():
        setattr(exchange, name, value)
    return exchange


def test_the_recorder_never_makes_the_proxy_wait_for_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import validation_proxy.recording as recording

    slow = threading.Event()
    real = recording.write_atomically

    def slow_write(*args: Any, **kwargs: Any) -> None:
        assert slow.wait(10), "the writer was never let go"
        real(*args, **kwargs)

    monkeypatch.setattr(recording, "REWRITE_SPACING", 1e9)  # as if rewrites were costly: a second apart
    recorder = Recorder(tmp_path / "r", upstream="http://upstream.test/v1")
    monkeypatch.setattr(recording, "write_atomically", slow_write)
    began = time.perf_counter()
    for id in range(1, 51):
        recorder.add(_recorded(id))
    assert time.perf_counter() - began < 0.5  # queued, not written
    slow.set()

    def listed(count: int) -> None:
        deadline = time.monotonic() + 5  # the index catches up within a second or so, before any close
        while len(json.loads((tmp_path / "r" / INDEX).read_text())["exchanges"]) < count:
            assert time.monotonic() < deadline, f"the index did not list {count} exchanges once the traffic stopped"
            time.sleep(0.05)

    listed(50)  # in two rewrites a second apart: the second with no more traffic to wake the writer
    recorder.add(_recorded(51))
    recorder.add(_recorded(52))
    listed(52)
    for id in range(53, 61):
        recorder.add(_recorded(id))
    recorder.close()
    recorder.close()  # a second close (atexit's) does nothing
    index, har = read_back(tmp_path / "r")
    assert [row["id"] for row in index["exchanges"]] == list(range(1, 61))
    for name in (INDEX, HAR):  # spliced from entries serialised once: the same text as one dump of it all
        text = (tmp_path / "r" / name).read_text(encoding="utf-8")
        assert text == dump(json.loads(text))
    assert index["exchanges"][0]["path"] == "/meetings/790"  # the upstream's base path is not the API's
    assert har["log"]["_upstream"] == "http://upstream.test/v1"


def test_a_small_recording_is_listed_as_soon_as_the_traffic_pauses(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "r")
    for id in (1, 2, 3):
        began = time.monotonic()
        recorder.add(_recorded(id))
        while len(json.loads((tmp_path / "r" / INDEX).read_text())["exchanges"]) < id:
            assert time.monotonic() - began < 0.5, f"#{id} not listed within half a second"
            time.sleep(0.01)
    recorder.close()


def test_bodies_that_are_not_text_go_in_base64_and_compressed_answers_decoded(tmp_path: Path) -> None:
    import gzip

    answer = json.dumps({"status": "success", "data": {"id": 790, "note": TOKEN}}).encode()
    recorder = Recorder(tmp_path / "r")
    recorder.add(_recorded(1, method="POST", request_body=b"\xff\xfe" + TOKEN.encode() + b"\x00", request_headers=[("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "application/octet-stream")]))
    recorder.add(_recorded(2, response_headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("Set-Cookie", "a=1"), ("Set-Cookie", f"b={COOKIE}")], response_body=gzip.compress(answer)))
    recorder.add(_recorded(4, request_headers=[], response_body=json.dumps({"data": {"echo": TOKEN}}).encode()))  # a secret seen before
    recorder.add(_recorded(3, answered_by_proxy="the upstream gave no usable answer", status=502, violations=[Violation("getMeeting", "response", "status", "200", "502", f"token {TOKEN} seen")]))
    recorder.close()
    index, har = read_back(tmp_path / "r")
    first, second, fourth, third = har["log"]["entries"]
    assert first["request"]["postData"]["_encoding"] == "base64"
    assert base64.b64decode(first["request"]["postData"]["text"]).startswith(b"\xff\xfe$WATERRAI_API_TOKEN")
    assert "bodyBase64" in json.loads((tmp_path / "r" / index["exchanges"][0]["file"]).read_text())["request"]
    assert json.loads(second["response"]["content"]["text"])["data"]["note"] == "$WATERRAI_API_TOKEN"  # decoded, then redacted
    assert second["response"]["bodySize"] == len(gzip.compress(answer)) and "encoding" not in second["response"]["content"]
    exchange = json.loads((tmp_path / "r" / index["exchanges"][1]["file"]).read_text())
    assert exchange["response"]["headers"]["Set-Cookie"] == ["a=REDACTED", "b=REDACTED"]
    assert third["_answeredByProxy"] and third["_violations"][0]["message"] == "token $WATERRAI_API_TOKEN seen"
    assert_no_secret(tmp_path / "r", [TOKEN, COOKIE])


def test_with_errors_what_the_proxy_answered_itself_is_checked_on_the_request_side_only(tmp_path: Path) -> None:
    """--errors: a refused request (400) and a replaced answer (502) are the proxy's, not the upstream's:
    the recording says so, and the offline check judges their requests, not answers the spec never described."""
    folder = tmp_path / "recording"
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    with serving(broken_server()) as upstream, proxying(upstream, "--quiet", "--errors", "--record", str(folder), tmp=tmp_path) as running:
        assert send(running.url, "POST", "/meetings", {"scenario_id": 456}, auth).status == 400  # breaks the spec: refused
        assert send(running.url, "POST", "/meetings", {"scenario_id": 456, "person_name": "A"}, auth).status == 502  # default not applied: replaced
        live = live_findings(running)
    _, har = read_back(folder)
    assert [bool(entry.get("_answeredByProxy")) for entry in har["log"]["entries"]] == [True, True]
    status, report = offline_findings(folder / HAR)
    assert status == 1
    assert Counter((v["exchange"]["number"], v["operation"], v["side"], v["rule"]) for v in report["violations"]) == Counter(k for k in live if k[2] == "request")
    assert [e["checked_in_part"] for e in report["exchanges"]] == [["the proxy answered, not the upstream: only the request was checked"]] * 2
