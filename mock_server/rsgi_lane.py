"""The mock as Granian serves it (``waterrai-mock``): an RSGI app that reads the request off
the RSGI scope, asks the core, and carries the outcome out on the connection.

RSGI rather than WSGI because an answer that must wait (a delay, a ``timeout`` fault, a commit)
then holds no thread, so one slow answer never holds up the others, and because the RSGI scope
names the client's port, which finds the connection a ``connection_reset`` or
``empty_response`` fault breaks (``connections``).

Granian calls ``__rsgi_init__`` with the worker's event loop before serving: from then on the
creates answered in one turn of the loop share one commit of the state (``State.share_creates``)
and their answers wait for it (``AfterCommit``), and the turn's access lines are written
together (``TurnLines``). A commit or a write to stderr per request cost more than the rest of a
create.

After a fault has broken the connection (or a ``timeout`` has held it), the answer sent
carries both ``Transfer-Encoding`` and ``Content-Length``, which Granian's HTTP layer (hyper)
refuses to send: it closes the connection instead, without writing a byte.
"""

from __future__ import annotations

import asyncio
import io
import sys
import time
from typing import Any, Callable

from meetings_spec.bodies import DRAIN_LIMIT, declared_length, read_rsgi_body
from mock_server import connections
from mock_server.chaos import MAX_DELAY_MS
from mock_server.core import AfterCommit, Answer, Broken, Core, Delayed, Outcome, Request
from mock_server.request_log import TurnLines

#: An answer hyper refuses to send: it closes the connection without writing a byte.
_UNSENDABLE = [("transfer-encoding", "chunked"), ("content-length", "0")]


class RsgiLane:
    """RSGI app: every request through ``core``."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian calls it in the worker, on the loop's thread, before the first request."""
        self.core.ctx.state.share_creates(loop.call_soon)
        log = self.core.log
        if log.write is not None:
            log.write = TurnLines(log.write, loop.call_soon)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Granian calls it once the loop has stopped: what the last turn left is written."""
        self.core.ctx.state.commit()
        if isinstance(self.core.log.write, TurnLines):
            self.core.log.write.flush()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        started = time.perf_counter()
        core = self.core
        method, path = scope.method, scope.path
        header = _header_getter(scope.headers)
        match = core.route(method, path)
        body: bytes | None = b""
        if core.wants_body(match, header):
            body = await read_rsgi_body(protocol, declared_length(header("content-length")), core.max_body_bytes, drain=DRAIN_LIMIT)
        request = Request(method, path, header, lambda body: _environ(scope, body))
        outcome = core.respond(match, request, body)
        status, note = await _carry_out(outcome, scope, protocol)
        remote = scope.client.rpartition(":")[0].strip("[]") if core.log.write is not None else "-"
        core.finished(method, path, remote, status, time.perf_counter() - started, note, request.world)


async def _carry_out(outcome: Outcome, scope: Any, protocol: Any) -> tuple[int, str]:
    """Wait, send or break as the outcome says; the status sent (0: none) and a log note."""
    while True:
        if type(outcome) is Answer:
            headers = outcome.wire_headers()
            if outcome.head or not outcome.body:
                protocol.response_empty(outcome.status, headers)
            else:
                protocol.response_bytes(outcome.status, headers, outcome.body)
            return outcome.status, outcome.note
        if isinstance(outcome, AfterCommit):
            committed: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
            if outcome.wait(lambda error: committed.done() or committed.set_result(error)):
                outcome = outcome.answer if await committed is None else outcome.unwritten()
            else:
                outcome = outcome.answer
        elif isinstance(outcome, Delayed):
            await asyncio.sleep(outcome.seconds)
            outcome = outcome.then()
        else:
            assert isinstance(outcome, Broken)
            return 0, await _break(outcome.fault, scope, protocol)


async def _break(fault: str, scope: Any, protocol: Any) -> str:
    """Carry out a fault that breaks the connection; the log's note."""
    note = f" fault {fault}"
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
    return note


def _header_getter(headers: Any) -> Callable[[str], str | None]:
    """Headers by lower-case name; ``Prefer``, a list (RFC 7240), sent several times reads as
    one comma-separated list, as a WSGI server joins any repeated header."""

    def header(name: str) -> str | None:
        if name != "prefer":
            return headers.get(name)
        values = headers.get_all(name)
        return ", ".join(values) if values else None

    return header


def _environ(scope: Any, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an RSGI request, for Flask."""
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
