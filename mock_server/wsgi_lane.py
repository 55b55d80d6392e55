"""The mock as a WSGI app, for embedded use (``create_app().test_client()``, Werkzeug's or
another WSGI server): reads the request off the environ, asks the core, writes the answer.

WSGI hands an app no connection, so the faults that break one (``connection_reset``,
``empty_response``, ``timeout``) raise ``ConnectionFault`` here, for the embedding code or
server to see; ``waterrai-mock`` carries them out on the socket. Waits sleep the thread.
"""

from __future__ import annotations

import io
import time
from typing import Any, Callable, Iterable

from meetings_spec.bodies import DRAIN_LIMIT
from mock_server.chaos import MAX_DELAY_MS
from mock_server.core import REASONS, AfterCommit, Answer, Broken, Core, Delayed, Outcome, Request

_CHUNK = 64 * 1024


class ConnectionFault(Exception):
    """A fault that breaks the connection, which a WSGI app cannot reach; ``fault`` names it."""

    def __init__(self, fault: str) -> None:
        super().__init__(f"fault {fault}: a WSGI app cannot break its connection; waterrai-mock can")
        self.fault = fault


class WsgiLane:
    """A WSGI app answering every request through ``core``."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        core = self.core
        path = environ.get("PATH_INFO") or "/"
        if not path.isascii():  # WSGI gives the path's bytes as latin-1: read them as UTF-8
            path = path.encode("latin-1").decode("utf-8", "replace")
        method = environ.get("REQUEST_METHOD", "")
        header = _header_getter(environ)
        match = core.route(method, path)
        body: bytes | None = _read_body(environ, core.max_body_bytes) if core.wants_body(match, header) else b""
        request = Request(method, path, header, lambda body: _with_body(environ, body))
        status, note = 0, ""
        try:
            answer = _carried_out(core.respond(match, request, body))
            status, note = answer.status, answer.note
            start_response(REASONS.get(answer.status, str(answer.status)), answer.wire_headers())
            return [b""] if answer.head else [answer.body]
        except ConnectionFault as fault:
            note = f" fault {fault.fault}"
            raise
        finally:
            core.finished(method, path, environ.get("REMOTE_ADDR", "-"), status, time.perf_counter() - started, note, request.world)


def _carried_out(outcome: Outcome) -> Answer:
    """The answer an outcome comes to, waiting where it says so; ``ConnectionFault`` for a fault
    that would break the connection."""
    while True:
        if isinstance(outcome, Answer):
            return outcome
        if isinstance(outcome, Delayed):
            time.sleep(outcome.seconds)
            outcome = outcome.then()
        elif isinstance(outcome, AfterCommit):
            ended: list[BaseException | None] = []
            if outcome.wait(ended.append):
                outcome.commit()
            outcome = outcome.unwritten() if ended and ended[0] is not None else outcome.answer
        else:
            assert isinstance(outcome, Broken)
            if outcome.fault == "timeout":
                time.sleep(MAX_DELAY_MS / 1000)
            raise ConnectionFault(outcome.fault)


def _header_getter(environ: dict[str, Any]) -> Callable[[str], str | None]:
    """Headers by lower-case name, as the environ holds them (servers join repeated ones)."""

    def header(name: str) -> str | None:
        key = name.upper().replace("-", "_")
        return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key) or None

    return header


def _with_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The environ for Flask, its input the body the lane read (or the stream, when none was)."""
    if not body:
        return environ
    return {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}


def _read_body(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body, or None when it is over ``limit`` (then read and dropped up to ``DRAIN_LIMIT``,
    so that a client still sending it reads the 413 rather than a broken pipe)."""
    stream = environ["wsgi.input"]
    raw = environ.get("CONTENT_LENGTH") or ""
    if raw.isdigit():
        length = int(raw)
        if length <= limit:
            return stream.read(length) if length else b""
        left = length if length <= DRAIN_LIMIT else 0
        while left > 0:
            chunk = stream.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
        return None
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and a server that would block on reading past the body
    data = stream.read(limit + 1)
    if len(data) <= limit:
        return data
    drained = len(data)
    while drained < DRAIN_LIMIT and (chunk := stream.read(_CHUNK)):
        drained += len(chunk)
    return None
