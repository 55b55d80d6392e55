"""Forward one request to the upstream as it was sent, and bring its answer back as it came.

HTTP/1.1 over asyncio streams, the answer read by httptools (llhttp, the parser of Node.js and
uvicorn), with a pool of kept-alive connections. Not aiohttp's client: it costs some 100 µs of
CPU more per request, a third of the proxy's whole cost, and a proxy sits in a developer's
every click. It adds nothing to the request (no User-Agent, Accept-Encoding or Content-Type of
its own; Host is the upstream's), decodes nothing in the answer (the body bytes come back as the
upstream sent them, compressed or not; only the chunked framing is undone, since Granian frames
the answer again), keeps no cookies and follows no redirect. The upstream's TLS certificate is
verified (against the system's authorities, or ``--ca-file``). Every way the upstream can fail
ends as an ``UpstreamFailure`` with the status a gateway answers: 502 (refused, reset, closed,
bad certificate, not HTTP) or 504 (no answer in time).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, urlsplit

import httptools

from meetings_spec.hosts import DEFAULT_PORTS

#: Headers that belong to one connection (RFC 9110, 7.6.1), never forwarded either way; and
#: those this client writes itself for the connection it uses (Host, Content-Length), or that
#: were answered already (Expect: the proxy has read the whole body).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
_SET_BY_CLIENT = frozenset({"host", "content-length", "expect"})
#: An idle connection older than this is not reused (servers close theirs after 5 to 75 s).
IDLE_SECONDS = 4.0
MAX_IDLE = 64
_READ_SIZE = 65536
#: Methods whose request carries a length even when empty (a server may wait for one otherwise).
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
#: Methods a client may repeat without a second effect (RFC 9110, 9.2.2).
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class UpstreamFailure(Exception):
    """The upstream gave no usable answer: the status to answer with and why, in words."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class UpstreamAnswer:
    """The upstream's answer, untouched (header names as the upstream spelled them)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request's headers but the hop-by-hop ones (and those its Connection header names)."""
    pairs = list(headers)
    named = {token.strip().lower() for name, value in pairs if name.lower() == "connection" for token in value.split(",")}
    dropped = HOP_BY_HOP | _SET_BY_CLIENT | named
    return [(name, value) for name, value in pairs if name.lower() not in dropped]


def answered_headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The answer's headers but the hop-by-hop ones; Content-Length is the server's to write."""
    pairs = list(pairs)
    named = {token.strip().lower() for name, value in pairs if name.lower() == "connection" for token in value.split(",")}
    dropped = HOP_BY_HOP | {"content-length"} | named
    return [(name, value) for name, value in pairs if name.lower() not in dropped]


def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Certificates verified against the system's authorities, and ``ca_file``'s too if given
    (a staging server signed by a company's own authority)."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _head_bytes(lines: list[str]) -> bytes:
    """The request line and headers as bytes: Latin-1 as HTTP has it, UTF-8 for a header a
    client sent in it (the bytes it sent)."""
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8", "surrogateescape")


def _ends_with_the_connection(headers: list[tuple[str, str]]) -> bool:
    """An answer with neither Content-Length nor chunked framing: its body ends when the connection does."""
    names = {name.lower() for name, _ in headers}
    return "content-length" not in names and "transfer-encoding" not in names


class _Reading:
    """httptools' callbacks for one answer: status, headers as spelled, body, and when it ends."""

    def __init__(self, head_only: bool) -> None:
        self.head_only = head_only
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.status = 0
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True

    def on_body(self, data: bytes) -> None:
        self.body.append(data)

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200 and self.status != 101:  # an interim answer: the real one follows
            self.headers, self.body, self.headers_done, self.status = [], [], False, 0
            return
        self.complete = True
        self.keep_alive = self.parser.should_keep_alive()  # asked now: the parser resets after this

    def done(self) -> bool:
        return self.complete or (self.head_only and self.headers_done)


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = time.monotonic()
        self.reused = False
        self.answered = False  # whether a byte of an answer came on it during the exchange under way

    def usable(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing() and time.monotonic() - self.idle_since < IDLE_SECONDS

    def close(self) -> None:
        self.writer.close()


class Upstream:
    """One upstream server and the kept-alive connections to it (used from one event loop)."""

    def __init__(self, base_url: str, *, timeout_s: float, connect_timeout_s: float, ca_file: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.prefix = parts.path.rstrip("/")
        self.host = parts.hostname or ""
        self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        self.host_header = parts.netloc.rpartition("@")[2]
        self.timeout_s, self.connect_timeout_s = timeout_s, connect_timeout_s
        self.ssl = _tls_context(ca_file) if parts.scheme == "https" else None
        self._idle: deque[_Connection] = deque()

    def url(self, path: str, query: str) -> str:
        return self.base + self.target(path, query)[len(self.prefix):]

    def target(self, path: str, query: str) -> str:
        """The request target sent upstream. Granian hands the path over percent-decoded, so it
        is encoded again where it must be (RFC 3986 path characters stay as they are); the
        query goes as it came."""
        return self.prefix + quote(path, safe="/:@!$&'()*+,;=") + (f"?{query}" if query else "")

    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> UpstreamAnswer:
        """The upstream's answer to the request, or ``UpstreamFailure``."""
        deadline = time.monotonic() + self.timeout_s
        for attempt in (1, 2):
            connection = await self._connection(fresh=attempt == 2)
            try:
                return await asyncio.wait_for(self._exchange(connection, method, path, query, headers, body), max(deadline - time.monotonic(), 0.001))
            except asyncio.TimeoutError:
                connection.close()
                raise UpstreamFailure(504, "upstream_timeout", f"the upstream gave no answer within {self.timeout_s:g} s") from None
            except httptools.HttpParserError as error:
                connection.close()
                raise UpstreamFailure(502, "upstream_bad_answer", f"the upstream's answer is not valid HTTP ({error})") from None
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
                connection.close()
                # a kept-alive connection the upstream closed just as it was reused, before any
                # byte of an answer (an end of stream, or a reset when the request met the closed
                # socket): a request that may be repeated goes again, once, on a new one
                if attempt == 1 and connection.reused and not connection.answered and method in _IDEMPOTENT:
                    continue
                raise UpstreamFailure(502, "upstream_disconnected", f"the upstream closed or reset the connection before answering in full ({type(error).__name__})") from None
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _connection(self, *, fresh: bool = False) -> _Connection:
        """A kept-alive connection if one is usable (unless ``fresh``), else a new one."""
        while self._idle and not fresh:
            connection = self._idle.pop()
            if connection.usable():
                connection.reused = True
                return connection
            connection.close()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=self.ssl, server_hostname=self.host if self.ssl else None, limit=_READ_SIZE),
                self.connect_timeout_s,
            )
        except asyncio.TimeoutError:
            raise UpstreamFailure(504, "upstream_timeout", f"could not connect to the upstream within {self.connect_timeout_s:g} s") from None
        except ssl.SSLCertVerificationError as error:
            raise UpstreamFailure(502, "upstream_certificate", f"the upstream's TLS certificate is not trusted: {error.verify_message}") from None
        except ssl.SSLError as error:
            raise UpstreamFailure(502, "upstream_tls", f"TLS with the upstream failed: {error.reason or error}") from None
        except OSError as error:
            raise UpstreamFailure(502, "upstream_unreachable", f"cannot connect to the upstream: {error.strerror or error}") from None
        return _Connection(reader, writer)

    async def _exchange(self, connection: _Connection, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> UpstreamAnswer:
        lines = [f"{method} {self.target(path, query)} HTTP/1.1", f"Host: {self.host_header}"]
        lines += [f"{name}: {value}" for name, value in forwarded_headers(headers)]
        if body or method in _WITH_BODY:
            lines.append(f"Content-Length: {len(body)}")
        connection.writer.write(_head_bytes(lines) + body)
        if connection.writer.transport.get_write_buffer_size() > _READ_SIZE:
            await connection.writer.drain()
        reading = _Reading(head_only=method == "HEAD")
        connection.answered = False
        while not reading.done():
            data = await connection.reader.read(_READ_SIZE)
            connection.answered = connection.answered or bool(data)
            if not data:
                if not (reading.headers_done and _ends_with_the_connection(reading.headers)):
                    raise asyncio.IncompleteReadError(b"", None)
                reading.complete = True  # neither a length nor chunks: the body ran to the close
                break
            reading.parser.feed_data(data)
        if reading.keep_alive and len(self._idle) < MAX_IDLE:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()
        return UpstreamAnswer(reading.status, answered_headers(reading.headers), b"".join(reading.body))

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()
