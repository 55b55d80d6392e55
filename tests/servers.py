"""Servers for testing the contract suite: the mock, served over a real socket from a thread,
optionally behind a WSGI wrapper that rewrites requests or answers to break (or merely vary)
one rule of the contract."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from mock_server import create_app

TOKEN = "suite-test-token-7f3a9c"
Json = Any
RequestRewrite = Callable[[str, str, Json], Json]  # (method, path, body) -> body
AnswerRewrite = Callable[[str, str, Json, int, Json], tuple[int, Json]]  # (..., status, answer) -> (status, answer)


class Rewriting:
    """WSGI middleware: let ``on_request`` change the JSON body sent in, ``on_answer`` the JSON answer."""

    def __init__(
        self,
        app: Any,
        on_request: RequestRewrite | None = None,
        on_answer: AnswerRewrite | None = None,
        on_headers: Callable[[dict[str, str]], dict[str, str]] | None = None,
    ) -> None:
        self.app, self.on_request, self.on_answer, self.on_headers = app, on_request, on_answer, on_headers

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        raw = request.get_data()
        body = _json_or(raw)
        if self.on_request is not None and body is not _NOT_JSON:
            body = self.on_request(request.method, request.path, body)
            raw = json.dumps(body).encode()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length",)}
        if self.on_headers is not None:
            headers = self.on_headers(headers)
        inner = self.app.test_client().open(
            request.full_path if request.query_string else request.path,
            method=request.method,
            headers=headers,
            data=raw,
        )
        status, answer = inner.status_code, _json_or(inner.get_data())
        if self.on_answer is not None and answer is not _NOT_JSON:
            status, answer = self.on_answer(request.method, request.path, body, status, answer)
            data = json.dumps(answer).encode()
        else:
            data = inner.get_data()
        response = Response(data, status=status, headers={k: v for k, v in inner.headers.items() if k.lower() != "content-length"})
        return response(environ, start_response)


_NOT_JSON = object()


def _json_or(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else _NOT_JSON
    except ValueError:
        return _NOT_JSON


class _Quiet(WSGIRequestHandler):
    """No access log: a contract run sends hundreds of requests."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port for the duration; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def mock_app(*, journal: bool = False) -> Any:
    """The mock with one token, quiet; with ``journal``, it keeps the requests it answered."""
    return create_app(token=TOKEN, access_log=False, journal=journal)
