"""The mock as Granian serves it (``waterrai-mock``): an RSGI app in front of the Flask app.

Requests to the API's paths are answered here through ``Front``, as the WSGI lane answers them
in embedded use; everything else (docs, spec, ``/__mock/``, unknown paths) is handed to the
Flask app as a WSGI request. RSGI rather than WSGI because an answer that must wait (a delay,
a ``timeout`` fault) then holds no thread, so one slow answer never holds up the others, and
because the RSGI scope names the client's port, which finds the connection a
``connection_reset`` or ``empty_response`` fault breaks (``connections``).

Granian calls ``__rsgi_init__`` with the worker's event loop before serving: from then on the
creates answered in one turn of the loop share one commit of the state (``State.share_creates``)
and their answers wait for it, and the turn's access lines are written together
(``TurnLines``). A commit or a write to stderr per request cost more than the rest of a create.

After a fault has broken the connection (or a ``timeout`` has held it), the answer sent
carries both ``Transfer-Encoding`` and ``Content-Length``, which Granian's HTTP layer (hyper)
refuses to send: it closes the connection instead, without writing a byte.
"""

from __future__ import annotations

import asyncio
import io
import sys
import time
from typing import Any, Callable, Iterable

from werkzeug.test import run_wsgi_app

from mock_server import connections
from mock_server.chaos import MAX_DELAY_MS
from mock_server.errors import ApiError
from mock_server.front import DRAIN_LIMIT, Answer, Front, render_headers
from mock_server.pipeline import Incoming
from mock_server.request_log import RequestLog, TurnLines
from mock_server.routes import Kind, Match

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: An answer hyper refuses to send: it closes the connection without writing a byte.
_UNSENDABLE = [("transfer-encoding", "chunked"), ("content-length", "0")]


class RsgiLane:
    """RSGI app: the API's paths through ``front``, the rest to the WSGI ``app``."""

    def __init__(self, front: Front, app: WsgiApp, log: RequestLog) -> None:
        self.front = front
        self.app = app
        self.log = log
        self.state = front.ctx.state

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian calls it in the worker, on the loop's thread, before the first request."""
        self.state.share_creates(loop.call_soon)
        if self.log.write is not None:
            self.log.write = TurnLines(self.log.write, loop.call_soon)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian calls it once the loop has stopped: what the last turn left is written."""
        self.state.commit()
        if isinstance(self.log.write, TurnLines):
            self.log.write.flush()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        method, path = scope.method, scope.path
        match = self.front.route(method, path)
        if match is None:
            await self._to_wsgi(scope, protocol)
            return
        started = time.perf_counter()
        status, note = await self._api(scope, protocol, method, match)
        remote = scope.client.rpartition(":")[0].strip("[]") if self.log.write is not None else "-"
        self.log.record(method, path, remote, status, time.perf_counter() - started, note)

    async def _api(self, scope: Any, protocol: Any, method: str, match: Match) -> tuple[int, str]:
        """Answer one request to a path of the API; the status sent (0: none) and a log note."""
        front = self.front
        headers = scope.headers
        header = _header_getter(headers)
        cors = front.cors(header, method)
        if match.kind is Kind.OPTIONS:
            return _send(protocol, front.options(match, cors)), ""
        if match.kind is Kind.NOT_ALLOWED:
            return _send(protocol, front.not_allowed(match, cors)), ""
        # RFC 7240: several Prefer headers say what one comma-separated header says
        prefer = ", ".join(headers.get_all("prefer")) or None
        try:
            plan = front.plan(prefer)
        except ApiError as error:
            return _send(protocol, front.error(error, cors), match.head), ""
        body: bytes | None = b""
        if match.op.body_validator is not None:  # type: ignore[union-attr]
            declared = front.content_length(headers.get("content-length"))
            if declared is not None and declared <= front.max_body_bytes:
                body = await protocol()
            else:
                body = await _read_body(protocol, declared, front.max_body_bytes)
            if body is None:
                answer = front.too_large(cors)
                return _send(protocol, answer._replace(headers=[*answer.headers, ("Connection", "close")])), ""
        if plan.delay_s:
            await asyncio.sleep(plan.delay_s)
        if plan.fault is not None:
            return await self._fault(scope, protocol, plan.fault, match, cors)
        incoming = Incoming(headers.get("authorization"), headers.get("content-type"), prefer, lambda: body or b"")
        answer = await self._committed(front.serve(match, incoming, cors), cors)
        return _send(protocol, answer, match.head), ""

    async def _committed(self, answer: Answer, cors: list[tuple[str, str]]) -> Answer:
        """``answer`` once the writes of this turn it may show are committed, or a 500 if they
        were lost: no client hears of a meeting another worker could not yet read back."""
        committed: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
        if not self.state.after_commit(lambda error: committed.done() or committed.set_result(error)):
            return answer
        return answer if await committed is None else self.front.unwritten(cors)

    async def _fault(self, scope: Any, protocol: Any, fault: str, match: Match, cors: list[tuple[str, str]]) -> tuple[int, str]:
        note = f" fault {fault}"
        if fault in ("server_error", "malformed_body"):
            return _send(protocol, self.front.fault_answer(fault, match, cors), match.head), note
        if fault == "timeout":
            try:
                await asyncio.wait_for(protocol.client_disconnect(), MAX_DELAY_MS / 1000)
            except asyncio.TimeoutError:
                pass
        else:
            connection = connections.find(connections.parse_address(scope.server), connections.parse_address(scope.client))
            if connection is None:
                note += " (connection not found: closed instead)"
            elif fault == "connection_reset":
                connection.reset()
            else:
                connection.hang_up()
        protocol.response_empty(200, _UNSENDABLE)
        return 0, note

    async def _to_wsgi(self, scope: Any, protocol: Any) -> None:
        """Hand a request the API does not serve to the Flask app, as WSGI (body read first, up
        to the same limit as the API's), once the turn's creates are committed: the admin
        routes see and write the state as every worker does."""
        self.state.commit()
        headers = scope.headers
        body: bytes | None = b""
        if "content-length" in headers or "transfer-encoding" in headers:
            body = await _read_body(protocol, self.front.content_length(headers.get("content-length")), self.front.max_body_bytes)
        if body is None:
            status = _send(protocol, self.front.too_large(self.front.cors(_header_getter(headers), scope.method)))
            self.log.record(scope.method, scope.path, scope.client.rpartition(":")[0].strip("[]"), status, 0.0)
            return
        response, status, headers = run_wsgi_app(self.app, _environ(scope, body), buffered=True)
        try:
            data = b"".join(response)
        finally:
            getattr(response, "close", lambda: None)()
        protocol.response_bytes(int(status.split(" ", 1)[0]), list(headers.items()), data)


def _header_getter(headers: Any) -> Callable[[str], str | None]:
    def header(name: str) -> str | None:
        return headers.get(name.lower())

    return header


async def _read_body(protocol: Any, declared: int | None, limit: int) -> bytes | None:
    """The body, or None when it is over ``limit``: then read and dropped up to ``DRAIN_LIMIT``
    so that a client still sending it (Python's urllib) reads the 413, not a broken pipe."""
    if declared is not None and declared <= limit:
        return await protocol()
    if declared is not None and declared > DRAIN_LIMIT:
        return None
    parts: list[bytes] = []
    size = 0
    async for chunk in protocol:
        size += len(chunk)
        if size <= limit:
            parts.append(chunk)
        elif size > DRAIN_LIMIT:
            break
    return b"".join(parts) if size <= limit else None


def _send(protocol: Any, answer: Answer, head: bool = False) -> int:
    headers = render_headers(answer)
    if head or not answer.body:
        protocol.response_empty(answer.status, headers)
    else:
        protocol.response_bytes(answer.status, headers, answer.body)
    return answer.status


def _environ(scope: Any, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an RSGI request."""
    server_host, server_port = connections.parse_address(scope.server)
    client_host, client_port = connections.parse_address(scope.client)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": server_host,
        "SERVER_PORT": str(server_port),
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client_host,
        "REMOTE_PORT": str(client_port),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for name, value in scope.headers.items():
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    if "HTTP_HOST" not in environ and scope.authority:
        environ["HTTP_HOST"] = scope.authority
    return environ
