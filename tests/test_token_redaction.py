"""The token appears in no output channel of the contract suite, in no spelling, and a very short
token does not garble the output.

The suite runs as users run it (pytest in a subprocess) against a broken server that echoes the
credential it received in its (wrong) answers, and with a plugin that puts the token into every
other channel: a collection error, log records (with a traceback), printed output (in pieces
too) and a warning. Each channel is then read as the user would get it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from contract_tests.redaction import LONG_ENOUGH, PLACEHOLDER, Redactor, token_pattern
from mock_server import create_app
from servers import Rewriting, serving

ROOT = Path(__file__).resolve().parent.parent
#: A realistic token with the characters that encodings change: + / = " ' & < > %
LONG_TOKEN = 'wr_9fKq+3x/Zp="Lm\'T&u<v>%41~.Q'
SHORT_TOKEN = "a"

#: Puts the token into the channels a server cannot reach. Every leak carries a marker, so that
#: the test knows the channel was really there (and shown) while the token was not.
LEAKY_PLUGIN = '''
import json, logging, os, sys, warnings
from urllib.parse import quote, quote_plus
import pytest

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

TOKEN = os.environ["WATERRAI_API_TOKEN"]
AUTH = "Bearer " + TOKEN
FORMS = " ".join([AUTH, quote(AUTH, safe=""), quote_plus(AUTH), json.dumps({"Authorization": AUTH}), repr({"Authorization": AUTH})])
log = logging.getLogger("leaky")


class Unloadable(pytest.File):
    def collect(self):
        raise RuntimeError("LEAK-COLLECT could not load, the request had " + FORMS)


def pytest_collect_file(file_path, parent):
    if file_path.name == "test_auth.py":
        return Unloadable.from_parent(parent, path=file_path)


@pytest.fixture(autouse=True)
def leak_everywhere():
    log.debug("LEAK-LOG %s", FORMS)
    try:
        raise ValueError("LEAK-TRACEBACK " + FORMS)
    except ValueError:
        log.warning("LEAK-LOG-EXC", exc_info=True)
    print("LEAK-STDOUT " + FORMS)
    print("LEAK-PIECES Authorization: Bearer", TOKEN, "end")
    print("LEAK-STDERR " + FORMS, file=sys.stderr)
    warnings.warn("LEAK-WARNING " + FORMS)
    yield
'''


class EchoingCredentials(Rewriting):
    """A broken server: its answers carry the credential it received, in several encodings, and
    an id that is not an integer, so that the suite fails and shows the answers."""

    def __init__(self, token: str) -> None:
        self.local = threading.local()
        super().__init__(create_app(token=token, access_log=False, journal=False), on_headers=self._keep, on_answer=self._echo)

    def _keep(self, headers: dict[str, str]) -> dict[str, str]:
        self.local.auth = headers.get("Authorization", "")
        return headers

    def _echo(self, method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
        if 200 <= status < 300 and isinstance(answer, dict) and isinstance(answer.get("data"), dict):
            auth = self.local.auth
            answer["data"]["id"] = f"debug: {auth}"
            answer["debug"] = {"authorization": auth, "url": "https://example.com/?auth=" + quote(auth, safe=""), "form": quote_plus(auth)}
        return status, answer


def spellings(token: str) -> list[str]:
    """The token as output may spell it."""
    forms = {
        token,
        quote(token, safe=""),
        quote(token),
        quote_plus(token),
        json.dumps(token)[1:-1],
        json.dumps(token, ensure_ascii=False)[1:-1],
        repr(token)[1:-1],
        html.escape(token),
        html.escape(token, quote=False),
        shlex.quote(token),
    }
    return sorted(forms)


def leaked(text: str, token: str) -> list[str]:
    """Where ``text`` holds the token: anywhere for a long one, as a credential for a short one."""
    if len(token) >= LONG_ENOUGH:
        found = [form for form in spellings(token) if form in text]
        # cut short by an output limit ("wr_9fKq+..."): still most of the secret
        return found + [
            form[:size] + dots
            for form in (spelling.removeprefix("'") for spelling in spellings(token))  # a shell word's quote is no secret
            for size in range(LONG_ENOUGH // 2, len(form))
            for dots in ("...", " ...", "…")
            if form[:size] + dots in text
        ]
    found = re.findall(r"(?i:bearer)(?:\s|%20|\+)+(?:" + token_pattern(token) + r")(?![A-Za-z0-9._~+/=-])", text)
    return found


def run_suite(base_url: str, token: str, tmp_path: Path, *args: str) -> dict[str, str]:
    """Run the suite; every channel the user can read, by name."""
    (tmp_path / "leaky.py").write_text(LEAKY_PLUGIN)
    junit, summary, log_file = tmp_path / "junit.xml", tmp_path / "summary.md", tmp_path / "run.log"
    environment = {**os.environ, "WATERRAI_API_TOKEN": token, "PYTHONPATH": str(tmp_path)}
    environment.pop("WATERRAI_SCENARIO_ID", None)
    command = [
        sys.executable, "-m", "pytest", "contract_tests", "--base-url", base_url, "-p", "no:cacheprovider", "-p", "leaky",
        "-k", "documented_request and example", "--continue-on-collection-errors", "-rA",
        "--junitxml", str(junit), "-o", "junit_logging=all", "--summary", str(summary),
        "--log-cli-level=DEBUG", "--log-file", str(log_file), "--log-file-level=DEBUG",
        "--max-creates", "1",  # the second create is skipped: a skip's report keeps its shape for JUnit XML
        *args,
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
    junit_text = junit.read_text()
    parsed = " ".join(t for element in ET.fromstring(junit_text).iter() for t in (element.text or "", *element.attrib.values()))
    return {
        "terminal (stdout)": result.stdout,
        "terminal (stderr)": result.stderr,
        "JUnit XML (file)": junit_text,
        "JUnit XML (as read)": parsed,
        "Markdown summary": summary.read_text(),
        "log file": log_file.read_text(),
        "exit status": str(result.returncode),
    }


#: Where each marker must show up for the check of that channel to mean anything.
SHOWN = {
    "terminal (stdout)": ["LEAK-COLLECT", "LEAK-LOG", "LEAK-TRACEBACK", "LEAK-STDOUT", "LEAK-PIECES", "LEAK-WARNING", "debug: Bearer"],
    "JUnit XML (as read)": ["LEAK-COLLECT", "LEAK-LOG", "LEAK-STDOUT", "LEAK-STDERR", "debug: Bearer"],
    "Markdown summary": ["LEAK-COLLECT"],
    "log file": ["LEAK-LOG", "LEAK-TRACEBACK"],
}


@pytest.mark.parametrize(
    ("token", "capture"),
    [(LONG_TOKEN, "captured"), (SHORT_TOKEN, "-s")],
    ids=["long-special-token-captured", "one-char-token-with-s"],
)
def test_the_token_is_in_no_channel_in_no_spelling(token: str, capture: str, tmp_path: Path) -> None:
    with serving(EchoingCredentials(token)) as base_url:
        channels = run_suite(base_url, token, tmp_path, *(["-s"] if capture == "-s" else []))
    assert channels.pop("exit status") == "1", channels["terminal (stdout)"][-3000:]
    assert "INTERNALERROR" not in channels["terminal (stdout)"] + channels["terminal (stderr)"]
    assert "write budget" in channels["JUnit XML (as read)"], "the skipped test and its reason are in the JUnit XML"
    shown = {name: list(markers) for name, markers in SHOWN.items()}
    if capture == "-s":  # printed output goes straight to the terminal, not into reports
        shown["terminal (stderr)"] = ["LEAK-STDERR"]
        shown["JUnit XML (as read)"] = [m for m in shown["JUnit XML (as read)"] if m not in ("LEAK-STDOUT", "LEAK-STDERR")]
    for name, markers in shown.items():
        missing = [marker for marker in markers if marker not in channels[name]]
        assert not missing, f"{name} does not show {missing}: the check of this channel would prove nothing"
    for name, text in channels.items():
        assert not leaked(text, token), f"the token is in the {name}: {leaked(text, token)}"
    terminal = channels["terminal (stdout)"]
    assert PLACEHOLDER in terminal and PLACEHOLDER in channels["JUnit XML (as read)"]
    # the curl command of a failure still reproduces it, the token taken from the environment
    assert f'"Authorization: Bearer {PLACEHOLDER}"' in terminal
    if len(token) < LONG_ENOUGH:  # hidden as a credential only: the rest of the report reads as usual
        for words in ("test session starts", "failed", "contract_tests/test_documented_requests.py", "createMeeting", "Response violates schema"):
            assert words in terminal, f"{words!r} is garbled in the report"


def test_a_short_token_is_hidden_as_a_credential_only() -> None:
    redact = Redactor([SHORT_TOKEN])
    text = "a passed test; Authorization: Bearer a; GET /meetings/a?auth=Bearer%20a; 'Bearer abc' stays"
    assert redact(text) == (
        f"a passed test; Authorization: Bearer {PLACEHOLDER}; GET /meetings/a?auth=Bearer%20{PLACEHOLDER}; 'Bearer abc' stays"
    )


@pytest.mark.parametrize(
    "text",
    [
        "{form}",
        "curl -H 'Authorization: Bearer {form}' http://x",
        '{{"authorization": "Bearer {form}"}}',
        "https://x/?token={form}&next=1",
        "<failure message=\"Bearer {form}\"/>",
    ],
)
def test_every_spelling_of_a_long_token_is_hidden(text: str) -> None:
    redact = Redactor([LONG_TOKEN])
    for form in spellings(LONG_TOKEN) + [quote(quote(LONG_TOKEN, safe=""), safe=""), json.dumps(json.dumps(LONG_TOKEN))[2:-2]]:
        assert not leaked(redact(text.format(form=form)), LONG_TOKEN), form
        assert PLACEHOLDER in redact(text.format(form=form)), form
        for cut in (form[:LONG_ENOUGH // 2] + "...", form[:-1] + " ...", form[:LONG_ENOUGH] + "…"):
            assert not leaked(redact(text.format(form=cut)), LONG_TOKEN), cut


def test_tee_sys_capture_is_refused(tmp_path: Path) -> None:
    environment = {**os.environ, "WATERRAI_API_TOKEN": LONG_TOKEN}
    command = [sys.executable, "-m", "pytest", "contract_tests", "--base-url", "http://127.0.0.1:9", "-p", "no:cacheprovider", "--capture=tee-sys"]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 4 and "--capture=tee-sys" in result.stderr and "use the default capture" in result.stderr


def test_a_jwt_sized_token_is_hidden_whole_and_cut_short() -> None:
    token = ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjb250cmFjdCJ9+/=" * 25)[:1200]
    redact = Redactor([token])
    assert redact(f"Authorization: Bearer {token}; next") == f"Authorization: Bearer {PLACEHOLDER}; next"
    for cut in (LONG_ENOUGH // 2, 60, 64, 65, 300, len(token) - 1):
        shown = redact(f'"debug": "Bearer {quote(token[:cut], safe="")}..."')
        assert not leaked(shown, token) and PLACEHOLDER in shown, cut
