"""The validation proxy as users run it (``waterrai-proxy`` in a subprocess), and the traffic a
frontend session sends through it: every documented case of the fixtures, reads of what was
created, and values in the forms lax frameworks coerce."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from fixtures_builder.cases import AUTH_PLACEHOLDER, Step
from fixtures_builder.record import all_cases
from meetings_spec import load_spec

from servers import TOKEN
from meetings_spec.serving import free_port

ROOT = Path(__file__).resolve().parent.parent
CREATE, DYNAMIC = "/meetings", "/meetings/create-dynamic-meeting"


@dataclass
class Proxy:
    url: str
    process: subprocess.Popen[str]
    log: Path
    stderr: str = ""

    def violations(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/__proxy/violations", timeout=10) as answer:
            return json.load(answer)


@contextmanager
def proxying(upstream: str, *args: str, env: dict[str, str] | None = None, tmp: Path) -> Iterator[Proxy]:
    """``waterrai-proxy --upstream`` on a free port until the block ends; its stderr is kept in
    ``Proxy.stderr`` once it has stopped."""
    port = free_port()
    log = tmp / f"proxy-{port}.log"
    command = [sys.executable, "-m", "validation_proxy", "--upstream", upstream, "--port", str(port), *args]
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}, start_new_session=True)
    proxy = Proxy(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the proxy exited with {process.returncode}: {log.read_text()}")
            try:
                proxy.violations()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the proxy did not answer in 30 s: {log.read_text()}") from None
                time.sleep(0.1)
        yield proxy
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        proxy.stderr = log.read_text()


@dataclass
class Sent:
    """One request sent and its answer: status, headers (as a list), body bytes."""

    method: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    request_body: Any = None
    request_headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


def send(base_url: str, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, raw: str | None = None) -> Sent:
    data = raw.encode() if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return Sent(method, path, answer.status, list(answer.headers.items()), answer.read(), body, headers or {})
    except urllib.error.HTTPError as error:
        return Sent(method, path, error.code, list(error.headers.items()), error.read(), body, headers or {})


def _with_token(headers: dict[str, str]) -> dict[str, str]:
    return {k: (f"Bearer {TOKEN}" if v == AUTH_PLACEHOLDER else v) for k, v in headers.items()}


def _step(base_url: str, step: Step) -> Sent:
    return send(base_url, step.method, step.path, step.body, _with_token(step.headers), step.raw)


def documented_session(*, faults: bool = False) -> list[Step]:
    """Every case of the fixtures, set-up steps first, as one session sends them (token
    placeholders included; ``send`` puts the token in). The cases of a small balance and, unless
    ``faults``, those asking the mock for a 500 are left out: they need a mock of their own."""
    steps: list[Step] = []
    for case in all_cases(load_spec()):
        if case.balance is not None and case.balance < 100:
            continue
        if not faults and "fault=" in case.request.headers.get("Prefer", ""):
            continue
        steps += [*case.setup, case.request]
    return steps


#: A value in a form a lax framework coerces, per class of ``servers.COERCIONS``, on top of a
#: documented create: a correct server refuses each one; a server of that class accepts it.
BASE = {"person_name": "John Doe", "scenario_id": 456}
COERCION_WITNESSES: dict[str, tuple[str, dict[str, Any]]] = {
    "digit strings read as integers": (CREATE, {**BASE, "scenario_id": "456"}),
    "fractions truncated to integers": (CREATE, {**BASE, "meeting_duration_minutes": 30.5}),
    "words read as booleans": (CREATE, {**BASE, "allow_recording": "yes"}),
    "0 and 1 read as booleans": (CREATE, {**BASE, "allow_recording": 1}),
    "booleans read as numbers or text": (CREATE, {**BASE, "person_name": True}),
    "numbers read as text": (CREATE, {**BASE, "person_name": 5}),
    "one-item lists unwrapped": (CREATE, {**BASE, "scenario_id": [456]}),
    "empty strings read as null": (CREATE, {**BASE, "meeting_duration_minutes": ""}),
    "enums matched in any case": (CREATE, {**BASE, "meeting_type": "REGULAR"}),
    "JSON text read as objects": (DYNAMIC, {"scenario_id": 456, "user_metadata": '{"plan": "pro"}'}),
}


#: Nulls the docs are silent on (``meetings_spec.nulls``), for a field with a default and fields
#: without: no violation of the request; a server may refuse them (the mock does) or read them
#: as not given, and then its answer is judged as for the fields omitted.
NULL_WITNESSES: list[tuple[str, dict[str, Any]]] = [
    (CREATE, {**BASE, "meeting_type": None, "voice_id": None}),
    (DYNAMIC, {"scenario_id": 456, "first_name": "Jane", "last_name": "Smith", "person_name": None, "email": None}),
]


def drive(base_url: str, *, faults: bool = False) -> list[Sent]:
    """A session through ``base_url``: the documented cases, a read of each meeting created,
    the coercion witnesses and the null witnesses."""
    sent = [_step(base_url, step) for step in documented_session(faults=faults)]
    created = [s.json()["data"]["id"] for s in sent if s.method == "POST" and 200 <= s.status < 300 and isinstance(s.json().get("data"), dict) and "id" in s.json()["data"]]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    sent += [send(base_url, "GET", f"/meetings/{meeting}", headers=auth) for meeting in created]
    witnesses = [*COERCION_WITNESSES.values(), *NULL_WITNESSES]
    sent += [send(base_url, "POST", path, body, {**auth, "Content-Type": "application/json"}) for path, body in witnesses]
    return sent
