"""The validation proxy as users run it (``waterrai-proxy``, a subprocess) in front of real
servers: the mock, the contract suite's broken servers, and upstreams that fail."""

from __future__ import annotations

import json
import re
import shutil
import socket
import struct
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from fixtures_builder.record import SEED
from mock_server import create_app

from proxies import COERCION_WITNESSES, CREATE, NULL_WITNESSES, ROOT, drive, proxying, send
from servers import COERCIONS, TOKEN, Recording, Rewriting, mock_app, null_as_not_given, serving
from broken_servers import BROKEN, alternative_choices, run_suite

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON_AUTH = {**AUTH, "Content-Type": "application/json"}


def _response_side(violations: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for v in violations["violations"] if v["side"] == "response"]


# ------------------------------------------------------------------ in front of a correct server


def _frozen_mock() -> Any:
    """The mock with a fixed seed and clock: two of them answer the same session with the same bytes."""
    frozen = datetime(2024, 1, 15, 10, 40, tzinfo=timezone.utc)
    return create_app(token=TOKEN, seed=SEED, clock=lambda: frozen, access_log=False, journal=False)


def test_answers_come_through_byte_for_byte(tmp_path: Path) -> None:
    with serving(_frozen_mock()) as direct:
        expected = drive(direct)
    with serving(_frozen_mock()) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        got = drive(proxy.url)
    assert len(got) == len(expected) > 60
    # the time, the proxy's own header, and Connection, which is hop-by-hop (never forwarded)
    ignored = {"date", "x-contract-violations", "connection"}

    def kept(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """By name (a stable sort: the order of repeated headers counts, as HTTP says)."""
        return sorted(((k.lower(), v) for k, v in headers if k.lower() not in ignored), key=lambda pair: pair[0])

    for want, came in zip(expected, got, strict=True):
        where = f"{want.method} {want.path} {want.request_body!r}"[:200]
        assert (came.status, came.body) == (want.status, want.body), where
        assert kept(came.headers) == kept(want.headers), where


def test_a_session_against_the_mock_gives_no_answer_violation_and_flags_each_bad_request(tmp_path: Path) -> None:
    with serving(mock_app()) as upstream, proxying(upstream, *SCENARIOS, tmp=tmp_path) as proxy:
        sent = drive(proxy.url)
        found = proxy.violations()
    assert _response_side(found) == []
    flagged = {v["exchange"]["id"] for v in found["violations"]}
    nulls = [i for i, s in enumerate(sent, start=1) if (s.path, s.request_body) in NULL_WITNESSES]
    assert len(nulls) == len(NULL_WITNESSES) and all(sent[i - 1].status == 400 for i in nulls), "the mock refuses a null the docs are silent on"
    refused = [i for i, s in enumerate(sent, start=1) if 400 <= s.status < 500 and s.status not in (402, 404, 413) and i not in nulls]
    assert set(refused) == flagged, "a request is flagged exactly when it breaks the spec (and the mock refused it), a null left to the server never"
    for number, answer in enumerate(sent, start=1):
        header = dict((k.lower(), v) for k, v in answer.headers).get("x-contract-violations")
        assert (header is not None) == (number in flagged)
        assert header is None or re.fullmatch(r"[1-9][0-9]*", header)
    assert found["counts"]["exchanges"] == len(sent)
    assert len([line for line in proxy.stderr.splitlines() if re.search(r"-> \d+: ", line)]) == found["counts"]["violations"], "one log line per violation"
    assert TOKEN not in proxy.stderr and "Bearer" not in proxy.stderr


def test_the_contract_suite_through_the_proxy_gets_the_same_verdict_and_no_answer_breaks_the_spec(tmp_path: Path) -> None:
    with serving(mock_app()) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        result = run_suite(proxy.url, "--scenario-attribute", "call_duration=none", tmp_path=tmp_path)
        found = proxy.violations()
    assert result.returncode == 0, result.stdout[-3000:]
    assert found["counts"]["exchanges"] > 100
    assert _response_side(found) == [], json.dumps(_response_side(found)[:5], indent=1)
    for violation in found["violations"]:  # what the suite sent broken on purpose was refused
        assert 400 <= violation["exchange"]["status"] < 500, violation


def test_a_server_choosing_differently_where_the_docs_are_silent_gives_no_violation(tmp_path: Path) -> None:
    with serving(Rewriting(mock_app(), on_answer=alternative_choices)) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        drive(proxy.url)
        found = proxy.violations()
    assert _response_side(found) == []


def test_a_server_reading_null_as_not_given_gives_no_violation_for_it(tmp_path: Path) -> None:
    with serving(Rewriting(mock_app(), on_request=null_as_not_given("everywhere"))) as upstream, proxying(upstream, "--quiet", *SCENARIOS, tmp=tmp_path) as proxy:
        sent = drive(proxy.url)
        found = proxy.violations()
    assert _response_side(found) == [], json.dumps(_response_side(found)[:5], indent=1)
    nulls = {i: s for i, s in enumerate(sent, start=1) if (s.path, s.request_body) in NULL_WITNESSES}
    assert any(200 <= s.status < 300 for s in nulls.values()), "no null was read as not given: nothing was judged"
    assert not [v for v in found["violations"] if v["exchange"]["id"] in nulls], "a null left to the server was flagged"


# ------------------------------------------------------------------ in front of broken servers

#: What the proxy must report for each of the contract suite's broken servers: a response
#: violation whose rule starts so. Left out, with the reason: what live traffic cannot show.
EXPECTED_RULE = {
    "default not applied": "default: ",
    "duration not from the scenario": "x-default-from-scenario: createMeeting: meeting_duration_minutes omitted comes from the scenario",
    "sent field not echoed": "x-echo: ",
    "name not built from first and last": "x-default-from: ",
    "duration differs on one scenario": "x-default-from-scenario: ",
    "new meeting not created": "x-initial-value: ",
    "wrong query parameters": "x-query-params: ",
    "remaining minutes grow": "x-non-increasing: ",
    "user not reused": "x-reuses: createDynamicMeeting: the same email",
    "anonymous user reused": "x-reuses: createDynamicMeeting: no email",
    "read differs from create": "x-mutable: ",
    "created meeting not readable": "x-mutable: ",
    "wrong envelope": "schema: ",
    "string id": "schema: body.data.id",
    "undocumented status": "status",
    "bad timestamp": "schema: body.data.created_at",
    "null echoed back as null": "x-default-from: createDynamicMeeting: person_name omitted is made from first_name and last_name",
    "null read without its default": "default: createMeeting: meeting_type omitted",
    "bad enum accepted": "invalid request accepted",
    "500 on some input": "status",
    **{f"coerces: {name}": "invalid request accepted" for name in COERCIONS},
}
NOT_FROM_TRAFFIC = {
    "nameless person not called Anonymous (strict)": "an assumption of the strict view; the proxy holds staging to the docs (lenient)",
    "null accepted (strict)": "an assumption of the strict view; the proxy holds staging to the docs (lenient)",
    "documented request refused": "a 4xx is declared (4XX); only the suite knows the request holds documented values alone",
    "documented null refused": "a 4xx is declared (4XX); only the suite knows the request holds documented values alone",
    "bad token accepted": "only the suite knows which token is the right one",
    **{
        breakage: "only the text probe's own names show it; the traffic here carries the docs' names, which it leaves alone"
        for breakage in ("text folded to ASCII", "text normalised to NFC", "text cut at 255 bytes", "text outside the BMP replaced", "text normalised on read-back only")
    },
    **{
        breakage: "an assumption of the strict view; the proxy holds staging to the docs (lenient)"
        for breakage in ("valid text refused (strict)", "text past the strict limit taken (strict)")
    },
    **{
        breakage: "only the edge probe's integers show it; the traffic here carries none past 32 bits nor a path id with leading zeros"
        for breakage in ("500 on integers past 32 bits", "500 on body integers past 64 bits", "leading zeros answered with a broken body")
    },
    "edge failure, then the write budget spent": "the suite's write budget, which a proxy does not have",
    "unknown reference answered 200 with an error": "only a scenario or meeting that does not exist shows it; the traffic here names those the mock has",
}


def test_every_broken_server_of_the_suite_is_covered_or_excused() -> None:
    assert set(EXPECTED_RULE) | set(NOT_FROM_TRAFFIC) == set(BROKEN)
    assert not set(EXPECTED_RULE) & set(NOT_FROM_TRAFFIC)


#: What the mock's scenarios hold, told to the proxy as a user tells it what staging's hold.
SCENARIOS = ("--scenario-attribute", "456:call_duration=none", "--scenario-attribute", "457:call_duration=45")


def _found_behind(breakage: str, tmp_path: Path) -> tuple[list[dict[str, Any]], list[Any]]:
    folder = tmp_path / breakage.replace(" ", "_").replace(":", "")
    with serving(Rewriting(mock_app(), **BROKEN[breakage].wrapper)) as upstream, proxying(upstream, "--quiet", *SCENARIOS, tmp=folder) as proxy:
        sent = drive(proxy.url)
        return _response_side(proxy.violations()), sent


def test_each_broken_server_is_reported_naming_its_rule(tmp_path: Path) -> None:
    for breakage in EXPECTED_RULE:
        (tmp_path / breakage.replace(" ", "_").replace(":", "")).mkdir()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(EXPECTED_RULE, pool.map(lambda b: _found_behind(b, tmp_path), EXPECTED_RULE)))
    for breakage, rule in EXPECTED_RULE.items():
        found, sent = results[breakage]
        assert any(v["rule"].startswith(rule) for v in found), f"{breakage}: no '{rule}' among {[v['rule'] for v in found][:8]}"
        for violation in found:
            assert violation["expected"] and violation["got"] and violation["operation"] in ("createMeeting", "createDynamicMeeting", "getMeeting")
        if breakage.startswith("coerces: "):
            path, body = COERCION_WITNESSES[breakage.removeprefix("coerces: ")]
            accepted = [v for v in found if v["rule"] == "invalid request accepted" and v["exchange"]["path"] == path]
            assert accepted, f"{breakage}: the witness {body} was not reported"


# ------------------------------------------------------------------ --errors


def test_errors_refuses_a_bad_request_before_the_upstream_and_replaces_a_bad_answer(tmp_path: Path) -> None:
    recording = Recording(Rewriting(mock_app(), on_answer=BROKEN["string id"].wrapper["on_answer"]))
    with serving(recording) as upstream, proxying(upstream, "--errors", "--quiet", tmp=tmp_path) as proxy:
        refused = send(proxy.url, "POST", CREATE, {"person_name": "A", "scenario_id": "456"}, JSON_AUTH)
        assert recording.exchanges == [], "a request that breaks the spec never reaches the upstream"
        replaced = send(proxy.url, "POST", CREATE, {"person_name": "A", "scenario_id": 456}, JSON_AUTH)
        fine = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
    assert refused.status == 400
    error = refused.json()["error"]
    assert error["code"] == "contract_violation" and error["violations"][0]["rule"] == "schema: body.scenario_id"
    assert replaced.status == 502 and len(recording.exchanges) == 2
    assert any(v["rule"] == "schema: body.data.id" for v in replaced.json()["error"]["violations"])
    assert fine.status == 200 and "x-contract-violations" not in {k.lower() for k, _ in fine.headers}


# ------------------------------------------------------------------ upstreams that fail


@contextmanager
def _accepting(handle: Any) -> Iterator[int]:
    """A TCP server on a free port that hands each connection to ``handle`` in a thread of its own."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    stop = threading.Event()

    def accept_loop() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()


@contextmanager
def _listener(behaviour: str) -> Iterator[int]:
    """A server that resets each connection, or reads the request and never answers."""
    held: list[socket.socket] = []

    def handle(connection: socket.socket) -> None:
        connection.recv(65536)
        if behaviour == "reset":
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            connection.close()
        else:
            held.append(connection)

    try:
        with _accepting(handle) as port:
            yield port
    finally:
        for connection in held:
            connection.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("behaviour", "status", "code"),
    [("refuse", 502, "upstream_unreachable"), ("reset", 502, "upstream_disconnected"), ("hang", 504, "upstream_timeout")],
)
def test_a_failing_upstream_gives_a_clean_gateway_error_in_time(behaviour: str, status: int, code: str, tmp_path: Path) -> None:
    if behaviour == "refuse":
        upstream_port, context = _closed_port(), None
    else:
        context = _listener(behaviour)
        upstream_port = context.__enter__()
    try:
        with proxying(f"http://127.0.0.1:{upstream_port}", "--timeout", "1.5", "--quiet", tmp=tmp_path) as proxy:
            started = time.monotonic()
            answer = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
            took = time.monotonic() - started
            found = proxy.violations()
    finally:
        if context is not None:
            context.__exit__(None, None, None)
    assert (answer.status, answer.json()["error"]["code"]) == (status, code)
    assert took < 5
    assert found["counts"]["exchanges"] == 1 and found["violations"] == []


def _https_mock(tmp_path: Path) -> tuple[Any, Path]:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


def test_the_upstreams_certificate_is_verified(tmp_path: Path) -> None:
    context, ca_file = _https_mock(tmp_path)
    with serving(mock_app(), ssl_context=context) as upstream:
        with proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
            untrusted = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
        with proxying(upstream, "--quiet", "--ca-file", str(ca_file), tmp=tmp_path) as proxy:
            trusted = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
    assert (untrusted.status, untrusted.json()["error"]["code"]) == (502, "upstream_certificate")
    assert trusted.status == 200 and trusted.json()["data"]["id"] == 789


# ------------------------------------------------------------------ the production guard


def _proxy_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "validation_proxy", *args]


@pytest.mark.parametrize(
    "upstream", ["https://api.waterrai.com", "https://API.WaterRAI.com.:443/", "http://user:pw@api.waterrai.com:8443", "https://ａｐｉ.waterrai.com"]
)
def test_the_production_host_is_refused_before_any_connection(upstream: str) -> None:
    command = _proxy_command("--upstream", upstream, "--port", "4999")
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]  # no network at all: the refusal cannot come from a connection
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "production API" in result.stderr and "--allow-production" in result.stderr
    assert "Traceback" not in result.stderr and time.monotonic() - started < 20


def test_allow_production_lets_it_through_the_guard(tmp_path: Path) -> None:
    """With the flag the proxy starts (it would connect only when a request comes)."""
    with proxying("https://api.waterrai.com", "--allow-production", "--quiet", tmp=tmp_path) as proxy:
        assert proxy.violations()["counts"]["exchanges"] == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--upstream", "ftp://staging.example.com"], "http:// or https://"),
        (["--upstream", "https://"], "not a usable URL"),
        (["--upstream", "https://staging.example.com/?a=1"], "without a query"),
        (["--upstream", "http://127.0.0.1:1", "--ca-file", "/nonexistent.pem"], "is not a file"),
        (["--upstream", "https://127.0.0.1:1", "--ca-file", str(Path(__file__))], "holds no certificate"),
        (["--upstream", "http://127.0.0.1:1", "--timeout", "0"], "--timeout"),
        (["--upstream", "http://127.0.0.1:1", "--scenario-attribute", "call_duration=45"], "ID:NAME=VALUE"),
        (["--upstream", "http://127.0.0.1:1", "--scenario-attribute", "456:colour=red"], "NAME one of call_duration"),
    ],
)
def test_unusable_options_exit_2_with_a_reason(args: list[str], says: str) -> None:
    result = subprocess.run(_proxy_command(*args), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# ------------------------------------------------------------------ what it lists and logs


def test_violations_are_listed_newest_first_and_the_header_stays_short_whatever_the_messages(tmp_path: Path) -> None:
    def noisy(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
        if status == 200 and isinstance(answer, dict) and isinstance(answer.get("data"), dict):
            answer["data"]["id"] = "日本語の識別子" * 200 + f" {TOKEN}"
        return status, answer

    with serving(Rewriting(mock_app(), on_answer=noisy)) as upstream, proxying(upstream, tmp=tmp_path) as proxy:
        first = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
        second = send(proxy.url, "POST", CREATE, {"person_name": "A", "scenario_id": 456}, JSON_AUTH)
        listed = proxy.violations()
        limited = json.loads(send(proxy.url, "GET", "/__proxy/violations?limit=1").body)
        bad_limit = send(proxy.url, "GET", "/__proxy/violations?limit=x")
        cleared = send(proxy.url, "DELETE", "/__proxy/violations")
        after = proxy.violations()
    for answer in (first, second):
        header = dict((k.lower(), v) for k, v in answer.headers)["x-contract-violations"]
        assert re.fullmatch(r"[1-9][0-9]{0,3}", header)
    ids = [v["exchange"]["id"] for v in listed["violations"]]
    assert ids == sorted(ids, reverse=True) and ids[0] == 2
    assert len(limited["violations"]) == 1 and limited["violations"][0]["exchange"]["id"] == 2
    assert bad_limit.status == 400 and cleared.status == 204 and after["violations"] == []
    assert all(len(v["message"]) <= 300 for v in listed["violations"])
    assert TOKEN not in json.dumps(listed) and TOKEN not in proxy.stderr


# ------------------------------------------------------------------ bodies as they travel


def _fixed_answer(body: bytes, headers: list[tuple[str, str]], status: str = "200 OK") -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return app


def test_a_compressed_answer_comes_back_compressed_and_is_checked_decoded(tmp_path: Path) -> None:
    import gzip

    document = {"status": "success", "data": {"id": "789"}}
    compressed = gzip.compress(json.dumps(document).encode())
    app = _fixed_answer(compressed, [("Content-Type", "application/json"), ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])
    with serving(app) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        answer = send(proxy.url, "GET", "/meetings/789", headers={**AUTH, "Accept-Encoding": "gzip"})
        found = proxy.violations()
    assert answer.body == compressed, "the bytes the upstream sent, still compressed"
    assert dict((k.lower(), v) for k, v in answer.headers)["content-encoding"] == "gzip"
    assert [v["got"] for v in found["violations"] if v["rule"] == "schema: body.data.id"] == ['"789"'], found  # what came, not the rule


@pytest.mark.parametrize(
    ("body", "content_type", "rule"),
    [(b"<html>oops</html>", "text/html", "media type"), (b'{"status": "success", "data": ', "application/json", "body")],
)
def test_an_answer_that_is_not_json_is_reported(body: bytes, content_type: str, rule: str, tmp_path: Path) -> None:
    with serving(_fixed_answer(body, [("Content-Type", content_type)])) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        answer = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
        found = proxy.violations()["violations"]
    assert answer.status == 200 and answer.body == body
    assert [(v["side"], v["rule"]) for v in found] == [("response", rule)]
    assert found[0]["got"] == (content_type if rule == "media type" else body.decode())  # what came
    assert "access-control-expose-headers" not in {k.lower() for k, _ in answer.headers}  # only --expose-violations adds it


def test_expose_violations_lets_a_browser_read_the_header_merged_with_the_upstreams(tmp_path: Path) -> None:
    document = json.dumps({"status": "success", "data": {"id": "789"}}).encode()  # breaks the spec: a violation
    cors = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", "X-Request-Id, ETag")]
    with serving(_fixed_answer(document, cors)) as upstream, proxying(upstream, "--quiet", "--expose-violations", tmp=tmp_path) as proxy:
        answer = send(proxy.url, "GET", "/meetings/789", headers={**AUTH, "Origin": "http://app.localhost:5173"})
    exposed = [v for k, v in answer.headers if k.lower() == "access-control-expose-headers"]
    assert exposed == ["X-Request-Id, ETag, X-Contract-Violations"], answer.headers
    assert int(dict((k.lower(), v) for k, v in answer.headers)["x-contract-violations"]) >= 1


def test_head_and_unknown_paths_pass_through(tmp_path: Path) -> None:
    with serving(mock_app()) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        head = send(proxy.url, "HEAD", "/meetings/789", headers=AUTH)
        unknown = send(proxy.url, "GET", "/__mock/health")
        preflight = send(proxy.url, "OPTIONS", CREATE, headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"})
        found = proxy.violations()
    assert head.status == 200 and head.body == b""
    assert unknown.status == 200 and preflight.status in (200, 204)
    assert found["violations"] == [] and found["counts"]["unchecked_exchanges"] == 2


def test_concurrent_exchanges_keep_their_own_violations(tmp_path: Path) -> None:
    """Answers that come back out of order are each listed with the exchange they belong to."""
    import random

    def slow_and_wrong(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        time.sleep(random.uniform(0, 0.05))
        meeting = environ["PATH_INFO"].rsplit("/", 1)[-1]
        body = json.dumps({"status": "success", "data": {"id": f"wrong-{meeting}"}}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    with serving(slow_and_wrong) as upstream, proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(lambda n: send(proxy.url, "GET", f"/meetings/{n}", headers=AUTH), range(1, 41)))
        found = [v for v in proxy.violations()["violations"] if v["rule"] == "schema: body.data.id"]
    assert len(found) == 40
    assert len({v["exchange"]["id"] for v in found}) == 40, "each exchange its own number"
    for violation in found:
        assert f'"wrong-{violation["exchange"]["path"].rsplit("/", 1)[-1]}"' in violation["message"], violation


@contextmanager
def _raw_upstream(answer: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """A server that keeps each request's bytes as they arrived and sends ``answer``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            head, _, rest = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
            while len(rest) < length:
                rest += connection.recv(65536)
            received.append(head + b"\r\n\r\n" + rest)
            connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", received
    finally:
        thread.join(timeout=5)
        server.close()


def test_requests_reach_the_upstream_as_sent_but_for_hop_by_hop_headers(tmp_path: Path) -> None:
    import http.client

    body = b'{"person_name":"Zo\xc3\xab","scenario_id":456}'
    answer = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    with _raw_upstream(answer) as (upstream, received), proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        connection = http.client.HTTPConnection(proxy.url.removeprefix("http://"), timeout=10)
        connection.putrequest("POST", "/meetings?trace=a%20b&x=1", skip_host=True, skip_accept_encoding=True)
        for name, value in [("Host", "example.test"), ("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "application/json"),
                            ("X-Trace", "one"), ("X-Trace", "two"), ("Connection", "keep-alive, X-Hop"), ("X-Hop", "gone"),
                            ("Keep-Alive", "timeout=5"), ("Content-Length", str(len(body)))]:
            connection.putheader(name, value)
        connection.endheaders(body)
        assert connection.getresponse().status == 404
        connection.close()
    head, _, data = received[0].partition(b"\r\n\r\n")
    request_line, *lines = head.decode("latin-1").split("\r\n")
    headers = [(name.lower(), value.strip()) for name, _, value in (line.partition(":") for line in lines)]
    assert request_line == "POST /meetings?trace=a%20b&x=1 HTTP/1.1" and data == body
    assert [v for n, v in headers if n == "x-trace"] == ["one", "two"], "a repeated header goes as often as it came"
    assert ("authorization", f"Bearer {TOKEN}") in headers and ("content-length", str(len(body))) in headers
    assert not {"connection", "x-hop", "keep-alive"} & {n for n, _ in headers}, "hop-by-hop headers stay with their connection"
    assert not {"user-agent", "accept-encoding", "accept"} & {n for n, _ in headers}, "nothing the client did not send"
    assert dict(headers)["host"] == upstream.removeprefix("http://")


DOC = b'{"status": "success", "data": {"id": 789}}'


@pytest.mark.parametrize(
    ("answer", "status", "body_or_code"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + DOC[:16] + b"\r\n"
         + f"{len(DOC) - 16:x}".encode() + b"\r\n" + DOC[16:] + b"\r\n0\r\n\r\n", 200, DOC),
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + DOC, 200, DOC),
        (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n" + DOC, 502, "upstream_disconnected"),
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", 502, "upstream_bad_answer"),
        (b"", 502, "upstream_disconnected"),
    ],
    ids=["chunked", "until-close", "cut-short", "not-http", "closed-at-once"],
)
def test_answers_framed_any_way_come_back_whole_and_broken_ones_as_502(answer: bytes, status: int, body_or_code: Any, tmp_path: Path) -> None:
    with _raw_upstream(answer) as (upstream, _), proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        got = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
    assert got.status == status
    if status == 200:
        assert got.body == body_or_code
        assert dict((k.lower(), v) for k, v in got.headers).get("content-length") == str(len(DOC))
    else:
        assert got.json()["error"]["code"] == body_or_code


@contextmanager
def _keep_alive_upstream(requests_per_connection: int, *, reset: bool = False) -> Iterator[tuple[str, list[int]]]:
    """A server that answers each request on a connection kept alive, closing it after
    ``requests_per_connection`` answers, as servers close idle or worn connections (with
    ``reset``, it waits for the next request and resets the connection instead: the request met
    a socket already closed); yields its URL and the number of requests each connection served."""
    served: list[int] = []

    def connection_loop(connection: socket.socket) -> None:
        count, data = 0, b""
        with connection:
            while count < requests_per_connection or reset:
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        served.append(count)
                        return
                    data += chunk
                if count == requests_per_connection:  # the request one too many: RST, no answer
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    served.append(count)
                    return
                _, _, data = data.partition(b"\r\n\r\n")
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(DOC) + DOC)
                count += 1
        served.append(count)

    with _accepting(connection_loop) as port:
        yield f"http://127.0.0.1:{port}", served


def test_kept_alive_connections_are_reused_and_one_the_upstream_closed_is_no_error(tmp_path: Path) -> None:
    with _keep_alive_upstream(requests_per_connection=7) as (upstream, served), proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        statuses = [send(proxy.url, "GET", "/meetings/789", headers=AUTH).status for _ in range(30)]
        time.sleep(0.2)
    assert statuses == [200] * 30, "a connection the upstream closed is replaced, never a 502"
    assert sum(served) == 30 and len(served) <= 6, f"connections reused: {served}"


def test_a_request_that_meets_a_reset_kept_alive_connection_goes_again_on_a_new_one(tmp_path: Path) -> None:
    with _keep_alive_upstream(requests_per_connection=1, reset=True) as (upstream, served), proxying(upstream, "--quiet", tmp=tmp_path) as proxy:
        statuses = [send(proxy.url, "GET", "/meetings/789", headers=AUTH).status for _ in range(8)]
        time.sleep(0.2)
    assert statuses == [200] * 8, "a read that met a reset before any answer goes again, never a 502"
    assert sum(served) == 8


def test_an_upstream_under_a_base_path_and_a_body_past_the_bound(tmp_path: Path) -> None:
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    def elsewhere(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("418 I'm a teapot", [("Content-Length", "0")])
        return []

    mounted = DispatcherMiddleware(elsewhere, {"/v1": mock_app()})
    with serving(mounted) as upstream, proxying(upstream + "/v1/", "--quiet", tmp=tmp_path) as proxy:
        read = send(proxy.url, "GET", "/meetings/789", headers=AUTH)
        huge = send(proxy.url, "POST", CREATE, raw="x" * (11 * 1024 * 1024), headers=JSON_AUTH)
        found = proxy.violations()
    assert read.status == 200 and read.json()["data"]["id"] == 789 and found["violations"] == []
    assert huge.status == 413 and huge.json()["error"]["code"] == "body_too_large"
