"""Both ways into the mock, in process: Flask's test client (the WSGI lane embedders use) and an
RSGI client that drives the lane ``waterrai-mock`` serves, with the same interface, so that one
behaviour test can run against either (``conftest.client`` is parametrized over both).

The RSGI client turns each request into the scope and protocol Granian would hand the lane,
runs it on an event loop the lane was initialised with (``__rsgi_init__``, as in a worker: the
creates of a turn share a commit) and reads the answer back as a Werkzeug response.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator
from urllib.parse import unquote

from flask import Flask
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from mock_server.rsgi_lane import RsgiLane


class _Sent(Response):
    """An answer with exactly the headers the lane sent (Werkzeug adds none of its defaults)."""

    default_mimetype = None
    automatically_set_content_length = False


class BrokenConnection(ConnectionError):
    """The RSGI lane broke the connection instead of answering (a fault)."""


class RsgiHeaders:
    """Request headers as an RSGI scope holds them: lower-case names, repeated ones kept."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = [(name.lower(), value) for name, value in pairs]

    def get(self, name: str, default: Any = None) -> Any:
        return next((value for key, value in self._pairs if key == name), default)

    def get_all(self, name: str) -> list[str]:
        return [value for key, value in self._pairs if key == name]

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self._pairs)


class RsgiScope:
    """An RSGI HTTP scope as Granian gives it (the path percent-decoded, as Granian does)."""

    proto, http_version, scheme = "http", "1.1", "http"
    server, client, authority = "127.0.0.1:4010", "127.0.0.1:50000", "127.0.0.1:4010"

    def __init__(self, method: str, path: str, headers: list[tuple[str, str]], query_string: str = "") -> None:
        self.method, self.path, self.query_string = method, unquote(path), query_string
        self.headers = RsgiHeaders(headers)


class RsgiProtocol:
    """An RSGI HTTP protocol holding the request body and recording the answer."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.answer: tuple[int, list[tuple[str, str]], bytes] | None = None

    async def __call__(self) -> bytes:
        return self.body

    async def _chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), 4096):
            yield self.body[start : start + 4096]

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def client_disconnect(self) -> None:
        await asyncio.sleep(3600)  # a client that waits as long as it is let

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.answer = (status, headers, body)

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.answer = (status, headers, b"")


class RsgiClient:
    """Flask's test-client interface (``open``, ``get``, ``post``...) over the RSGI lane."""

    def __init__(self, app: Flask) -> None:
        self.lane = RsgiLane(app.extensions["waterrai_core"])
        self.loop = asyncio.new_event_loop()
        self.lane.__rsgi_init__(self.loop)

    def close(self) -> None:
        self.lane.__rsgi_del__(self.loop)
        self.loop.close()

    def send(self, scope: RsgiScope, protocol: RsgiProtocol) -> None:
        """One exchange through the lane, on the client's loop."""
        self.loop.run_until_complete(self.lane.__rsgi__(scope, protocol))

    def open(self, path: str = "/", method: str = "GET", *, follow_redirects: bool = False, **options: Any) -> Response:
        answer = self._open(path, method, **options)
        while follow_redirects and answer.status_code in (301, 302, 303, 307, 308):
            answer = self._open(answer.headers["Location"], "GET" if answer.status_code == 303 else method, **options)
        return answer

    def _open(self, path: str, method: str, **options: Any) -> Response:
        builder = EnvironBuilder(path=path, method=method, **options)
        try:
            environ = builder.get_environ()
            body = builder.input_stream.read() if builder.input_stream is not None else b""
        finally:
            builder.close()
        headers = [("Host", environ["HTTP_HOST"]), *builder.headers.items()]
        if body and "content-length" not in {name.lower() for name, _ in headers}:
            headers.append(("Content-Length", str(len(body))))
        protocol = RsgiProtocol(body)
        self.send(RsgiScope(method, builder.path, headers, environ.get("QUERY_STRING", "")), protocol)
        if protocol.answer is None:
            raise ConnectionError("the lane closed the connection without an answer")
        status, answer_headers, data = protocol.answer
        if answer_headers == [("transfer-encoding", "chunked"), ("content-length", "0")]:
            raise BrokenConnection("the lane broke the connection (a fault), as it does under waterrai-mock")
        return _Sent(data, status=status, headers=answer_headers)

    def __getattr__(self, method: str) -> Any:
        """``get``, ``post``, ``put``... as Flask's test client has them."""
        if method not in ("get", "post", "put", "patch", "delete", "head", "options", "trace"):
            raise AttributeError(method)
        return lambda path="/", **options: self.open(path, method.upper(), **options)
