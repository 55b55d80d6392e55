"""What the tests of recordings share: a token spelled to be hard to hide, the ways it can be
written in a file, a server broken twice that sets cookies, and the offline check as users run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, quote_plus

from broken_servers import BROKEN
from mock_server import create_app
from servers import Rewriting

ROOT = Path(__file__).resolve().parent.parent


#: A token with the characters that change spelling when URL-encoded or JSON-escaped.
TOKEN = "Tk3n.with/slash+plus~7f3a9c"


COOKIE = "ck-5d1e9b2a77c4"


SET_COOKIE = "sc-0a9f8e7d6c5b"


def spellings(secret: str) -> set[str]:
    """The ways a secret can be written in a file: raw, URL-encoded, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1], secret.replace("/", "\\/"), secret.replace("/", "\\u002f")}


class SetsCookies:
    """WSGI middleware: each answer sets a session cookie and echoes the request's token in a header of no credential name."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        echo = [("X-Debug-Echo", environ["HTTP_AUTHORIZATION"].split()[-1])] if environ.get("HTTP_AUTHORIZATION", "").strip() else []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("Set-Cookie", f"session={SET_COOKIE}; Path=/; HttpOnly"), *echo], exc_info)

        return self.app(environ, start)


def broken_server() -> Any:
    """The mock (any token) broken twice as the contract suite's BROKEN servers are: a documented
    default not applied (a rule of the judge) and a string id (a schema), setting cookies."""
    default, string_id = BROKEN["default not applied"].wrapper["on_answer"], BROKEN["string id"].wrapper["on_answer"]

    def on_answer(method: str, path: str, body: Any, status: int, answer: Any) -> tuple[int, Any]:
        return string_id(method, path, body, *default(method, path, body, status, answer))

    return SetsCookies(Rewriting(create_app(access_log=False, journal=False), on_answer=on_answer))


def check_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m validation_proxy check ARGS`` from this checkout, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "validation_proxy", "check", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
