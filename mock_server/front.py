"""The front door of the API's paths: what every lane asks before and after the pipeline.

A lane (``wsgi_lane`` in front of Flask for embedded and test use, ``rsgi_lane`` under
Granian) reads a request its own way and then asks the front, in this order: which route
(``route``), which CORS headers (``cors``), which delay and fault (``plan``), and for the
answer itself (``serve``, ``options``, ``not_allowed``, ``too_large``, ``fault_answer``).
Routing, CORS, ``Prefer``, delays, faults and rendering are therefore written once; only
waiting, reading the body and breaking a connection differ by lane. Requests to paths the API
does not have (the docs, ``/__mock/``, unknown paths) go to Flask.
"""

from __future__ import annotations

import logging
import random
from http import HTTPStatus
from typing import Any, Callable, NamedTuple

import orjson
from flask_cors.core import get_cors_headers

from mock_server.act import MockContext
from mock_server.chaos import NO_PLAN, Plan, SettingError, SharedSettings, plan
from mock_server.errors import ApiError, Problem, unexpected_error
from mock_server.negotiate import preferences
from mock_server.pipeline import Incoming, serve
from mock_server.routes import Match, RouteTable

log = logging.getLogger("mock_server")

#: Headers a browser may send cross-origin; ``Prefer`` lets frontends pick error answers, delays and faults.
CORS_HEADERS = ["Authorization", "Content-Type", "Prefer"]

#: How much of an over-long body is read and thrown away before the 413 is sent, so that
#: clients that send the whole body before reading (Python's urllib) read the 413 instead of a
#: broken pipe. Past it the connection is closed on the sender.
DRAIN_LIMIT = 16 * 1024 * 1024

REASONS = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
HeaderGetter = Callable[[str], "str | None"]


class Answer(NamedTuple):
    """An HTTP answer ready to send: status, headers (without Content-Length) and body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _Headers:
    """The request headers as flask-cors reads them (``get`` and ``in``), from a lane's getter."""

    __slots__ = ("_get",)

    def __init__(self, get: HeaderGetter) -> None:
        self._get = get

    def get(self, name: str, default: Any = None) -> Any:
        value = self._get(name)
        return default if value is None else value

    def __contains__(self, name: str) -> bool:
        return self._get(name) is not None


class Front:
    """Routes, CORS, delays and faults of the API's paths, and the answers' rendering."""

    def __init__(
        self,
        ctx: MockContext,
        token: str | None,
        *,
        cors_options: Any,
        settings: SharedSettings,
        rng: random.Random | None = None,
    ) -> None:
        self.ctx = ctx
        self.token = token
        self.routes = RouteTable(ctx.compiled.operations.values())
        self.route = self.routes.match
        self.max_body_bytes = ctx.compiled.max_body_bytes
        self.settings = settings
        self.rng = rng or random.Random()
        self.cors_options = cors_options  # flask-cors's, as for Flask's own routes
        # The same for every request that names no origin (all but browsers): computed once.
        self.plain_cors = self._cors(lambda name: None, "GET")

    # ------------------------------------------------------------------ before the answer
    def cors(self, header: HeaderGetter, method: str) -> list[tuple[str, str]]:
        """The CORS headers flask-cors gives this request (Flask's own routes get them from it too)."""
        if header("Origin") is None and method != "OPTIONS":
            return self.plain_cors
        return self._cors(header, method)

    def _cors(self, header: HeaderGetter, method: str) -> list[tuple[str, str]]:
        return [(name, str(value)) for name, value in get_cors_headers(self.cors_options, _Headers(header), method).items(multi=True)]

    def plan(self, prefer: str | None) -> Plan:
        """Delay and fault for a request to an operation; ``ApiError`` 400 for a bad ``Prefer``."""
        settings = self.settings.current()
        if prefer is None and settings.delay is None and not settings.fault_rate:
            return NO_PLAN
        wanted = preferences(prefer) if prefer else {}
        try:
            return plan(settings, wanted, self.rng)
        except SettingError as error:
            kind = error.field
            message = f"Prefer asks for a {kind} the mock cannot give: {error}."
            raise ApiError(400, "unknown_preference", message, [Problem("header.Prefer", kind, message)]) from None

    def content_length(self, raw: str | None) -> int | None:
        """The declared body length, or None when there is none (or it is not a number)."""
        return int(raw) if raw and raw.isdigit() else None

    # ------------------------------------------------------------------ answers
    def serve(self, match: Match, incoming: Incoming, cors: list[tuple[str, str]]) -> Answer:
        """The operation's answer: route -> validate -> negotiate -> act -> answer, as JSON."""
        try:
            status, body = serve(self.ctx, match.op, self.token, incoming, match.params)  # type: ignore[arg-type]
        except ApiError as error:
            return self.error(error, cors)
        except Exception:  # noqa: BLE001 - a bug must still answer JSON, as Flask's handler does
            return self.error(unexpected_error(), cors)
        return Answer(status, [("Content-Type", "application/json"), *cors], orjson.dumps(body))

    def error(self, error: ApiError, cors: list[tuple[str, str]]) -> Answer:
        return Answer(error.status, [("Content-Type", "application/json"), *error.headers.items(), *cors], orjson.dumps(error.body()))

    def unwritten(self, cors: list[tuple[str, str]]) -> Answer:
        """For a request whose changes to the state were lost (the state's log says why)."""
        return self.error(ApiError(500, "state_not_written", "The mock could not store this request's changes; see its log."), cors)

    def options(self, match: Match, cors: list[tuple[str, str]]) -> Answer:
        """``OPTIONS`` on a path of the API: its methods (and, for a preflight, CORS's answer)."""
        return Answer(204, [("Allow", match.allow), *cors], b"")

    def not_allowed(self, match: Match, cors: list[tuple[str, str]]) -> Answer:
        message = f"This path does not take this method; it takes {match.allow}."
        return self.error(ApiError(405, "method_not_allowed", message, headers={"Allow": match.allow}), cors)

    def too_large(self, cors: list[tuple[str, str]]) -> Answer:
        return self.error(ApiError(413, "payload_too_large", f"The body is larger than {self.max_body_bytes} bytes."), cors)

    def fault_answer(self, fault: str, match: Match, cors: list[tuple[str, str]]) -> Answer:
        """The faults that are HTTP answers: a 500, or a 200 whose JSON stops halfway."""
        if fault == "server_error":
            message = "The mock failed this request on purpose (fault server_error), as a real server may."
            return self.error(ApiError(500, "server_error", message), cors)
        examples = match.op.spec.examples(match.op.spec.success_status)  # type: ignore[union-attr]
        whole = orjson.dumps(next(iter(examples.values()), {}))
        return Answer(200, [("Content-Type", "application/json"), *cors], whole[: max(1, len(whole) // 2)])


def render_headers(answer: Answer) -> list[tuple[str, str]]:
    """Headers to send, with the body's length (a HEAD answer gives the length GET would)."""
    if answer.status == 204:
        return answer.headers
    return [*answer.headers, ("Content-Length", str(len(answer.body)))]
