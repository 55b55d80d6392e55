"""The API's paths as WSGI middleware in front of Flask: the mock embedded in Python
(``create_app().test_client()``, Werkzeug's or another WSGI server).

Every request to a path of the API is answered here, through ``Front``; the rest (docs, spec,
``/__mock/``, unknown paths) goes on to Flask. Under ``waterrai-mock`` the RSGI lane answers
instead (``rsgi_lane``); both ask the same front, so they answer alike.

WSGI hands an app no connection, so the faults that break one (``connection_reset``,
``empty_response``, ``timeout``) raise ``ConnectionFault`` here, for the embedding code or
server to see; ``waterrai-mock`` carries them out on the socket.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from mock_server.chaos import CONNECTION_FAULTS, MAX_DELAY_MS
from mock_server.errors import ApiError
from mock_server.front import DRAIN_LIMIT, REASONS, Answer, Front, render_headers
from mock_server.pipeline import Incoming
from mock_server.routes import Kind

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_CHUNK = 64 * 1024


class ConnectionFault(Exception):
    """A fault that breaks the connection, which a WSGI app cannot reach; ``fault`` names it."""

    def __init__(self, fault: str) -> None:
        super().__init__(f"fault {fault}: a WSGI app cannot break its connection; waterrai-mock can")
        self.fault = fault


class WsgiLane:
    """WSGI middleware: answer the API's paths through ``front``, hand the rest to ``app``."""

    def __init__(self, app: WsgiApp, front: Front) -> None:
        self.app = app
        self.front = front

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if not path.isascii():  # WSGI gives the path's bytes as latin-1: read them as UTF-8
            path = path.encode("latin-1").decode("utf-8", "replace")
        method = environ.get("REQUEST_METHOD", "")
        match = self.front.route(method, path)
        if match is None:
            return self.app(environ, start_response)
        front = self.front
        header = _header_getter(environ)
        cors = front.cors(header, method)
        if match.kind is Kind.OPTIONS:
            return _send(start_response, front.options(match, cors))
        if match.kind is Kind.NOT_ALLOWED:
            return _send(start_response, front.not_allowed(match, cors))
        try:
            plan = front.plan(environ.get("HTTP_PREFER"))
        except ApiError as error:
            return _send(start_response, front.error(error, cors), match.head)
        body = b""
        if match.op.body_validator is not None:  # type: ignore[union-attr]
            body = _read_body(environ, front.max_body_bytes)
            if body is None:
                return _send(start_response, front.too_large(cors), match.head)
        if plan.delay_s:
            time.sleep(plan.delay_s)
        if plan.fault in CONNECTION_FAULTS:
            if plan.fault == "timeout":
                time.sleep(MAX_DELAY_MS / 1000)
            raise ConnectionFault(plan.fault)
        if plan.fault is not None:
            return _send(start_response, front.fault_answer(plan.fault, match, cors), match.head)
        incoming = Incoming(header("Authorization"), environ.get("CONTENT_TYPE"), environ.get("HTTP_PREFER"), lambda: body)
        return _send(start_response, front.serve(match, incoming, cors), match.head)


def _header_getter(environ: dict[str, Any]) -> Callable[[str], str | None]:
    def header(name: str) -> str | None:
        return environ.get("HTTP_" + name.upper().replace("-", "_"))

    return header


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


def _send(start_response: Callable[..., Any], answer: Answer, head: bool = False) -> list[bytes]:
    start_response(REASONS.get(answer.status, str(answer.status)), render_headers(answer))
    return [b""] if head else [answer.body]
