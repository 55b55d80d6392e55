"""A direct way in for the spec's own operations, in front of Flask.

For every request Flask builds a request context, matches URL rules, runs after-request hooks
(flask-cors) and a Response object; on two cores that alone keeps the mock under twice Prism's
throughput. The operations are few and fixed, so requests that need none of that machinery
(not from a browser, a known path and method, a plain body) skip it and run the same stages
(``pipeline.serve``) with the same JSON rendering. Everything else goes to Flask as before:
browsers (the ``Origin`` header, preflights), HEAD and OPTIONS, admin routes, unknown paths and
methods, bodies without a length or over the limit, paths outside ASCII.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any, Callable, Iterable

import orjson

from mock_server.act import MockContext
from mock_server.compiled import CompiledOperation
from mock_server.errors import ApiError, unexpected_error
from mock_server.pipeline import Incoming, serve

log = logging.getLogger("mock_server")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_REASONS = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class FastLane:
    """WSGI middleware: serve plain requests to the spec's operations, hand the rest to ``app``."""

    def __init__(
        self,
        app: WsgiApp,
        ctx: MockContext,
        token: str | None,
        common_headers: list[tuple[str, str]],
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.token = token
        self.common_headers = common_headers
        self.max_body_bytes = max_body_bytes
        self.exact: dict[tuple[str, str], CompiledOperation] = {}
        self.templated: list[tuple[str, re.Pattern[str], CompiledOperation]] = []
        for op in ctx.compiled.operations.values():
            method, path = op.spec.method.upper(), op.spec.path
            if "{" in path:
                pattern = re.sub(r"\\\{([^}/]+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
                self.templated.append((method, re.compile(pattern), op))
            else:
                self.exact[(method, path)] = op
        self.concrete_paths = {path for _, path in self.exact}

    def route(self, method: str, path: str) -> tuple[CompiledOperation, dict[str, str]] | None:
        op = self.exact.get((method, path))
        if op is not None:
            return op, {}
        if path in self.concrete_paths:
            return None  # a concrete path with another method: Flask answers 405
        for wanted, pattern, op in self.templated:
            if wanted == method and (match := pattern.fullmatch(path)):
                return op, match.groupdict()
        return None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if "HTTP_ORIGIN" in environ or not path.isascii():
            return self.app(environ, start_response)
        found = self.route(environ.get("REQUEST_METHOD", ""), path)
        if found is None:
            return self.app(environ, start_response)
        op, path_parameters = found
        length = environ.get("CONTENT_LENGTH") or "0"
        if op.body_validator is not None and (
            "HTTP_TRANSFER_ENCODING" in environ or not (length.isdigit() and int(length) <= self.max_body_bytes)
        ):
            return self.app(environ, start_response)  # chunked or too large: Werkzeug's rules apply
        incoming = Incoming(
            authorization=environ.get("HTTP_AUTHORIZATION"),
            content_type=environ.get("CONTENT_TYPE"),
            prefer=environ.get("HTTP_PREFER"),
            read_body=lambda: environ["wsgi.input"].read(int(length)) if length != "0" else b"",
        )
        headers: dict[str, str] = {}
        try:
            status, body = serve(self.ctx, op, self.token, incoming, path_parameters)
        except ApiError as error:
            status, body, headers = error.status, error.body(), error.headers
        except Exception:  # noqa: BLE001 - a bug must still answer JSON, as Flask's handler does
            failure = unexpected_error()
            status, body, headers = failure.status, failure.body(), failure.headers
        data = orjson.dumps(body)
        start_response(
            _REASONS.get(status, str(status)),
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                *headers.items(),
                *self.common_headers,
            ],
        )
        return [data]
