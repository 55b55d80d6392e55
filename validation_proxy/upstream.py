"""Forward one request to the upstream as it was sent, and bring its answer back as it came.

aiohttp's client, set so that it adds nothing of its own (no User-Agent, Accept-Encoding or
Content-Type of its choosing), decodes nothing (the body bytes come back as the upstream sent
them, compressed or not), keeps no cookies between clients and follows no redirect. The
upstream's TLS certificate is verified (against the system's authorities, or ``--ca-file``).
Every way the upstream can fail ends as an ``UpstreamFailure`` with the status a gateway
answers: 502 (refused, reset, closed, bad certificate) or 504 (no answer in time).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

#: Headers that belong to one connection (RFC 9110, 7.6.1), never forwarded either way; and
#: those the client library must set itself for the connection it opens (Host, Content-Length).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}
)
_SET_BY_CLIENT = frozenset({"host", "content-length"})


class UpstreamFailure(Exception):
    """The upstream gave no usable answer: the status to answer with and why, in words."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Answer:
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


def answered_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The answer's headers but the hop-by-hop ones; Content-Length is the server's to write."""
    pairs = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
    named = {token.strip().lower() for name, value in pairs if name.lower() == "connection" for token in value.split(",")}
    dropped = HOP_BY_HOP | {"content-length"} | named
    return [(name, value) for name, value in pairs if name.lower() not in dropped]


class Upstream:
    """One upstream server and the connection pool to it (created in the serving event loop)."""

    def __init__(self, base_url: str, *, timeout_s: float, connect_timeout_s: float, ca_file: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.timeout = aiohttp.ClientTimeout(total=timeout_s, connect=connect_timeout_s)
        self.ssl = ssl.create_default_context(cafile=ca_file) if parts.scheme == "https" else None
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=256, ssl=self.ssl if self.ssl is not None else False, ttl_dns_cache=60),
                timeout=self.timeout,
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                trust_env=False,
            )
        return self._session

    def url(self, path: str, query: str) -> str:
        """The upstream's URL for a request. Granian hands the path over percent-decoded, so it is
        encoded again where it must be (RFC 3986 path characters stay as they are); the query
        goes as it came."""
        return self.base + quote(path, safe="/:@!$&'()*+,;=") + (f"?{query}" if query else "")

    async def send(self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes) -> Answer:
        """The upstream's answer to the request, or ``UpstreamFailure``."""
        try:
            async with self._client().request(
                method, URL(self.url(path, query), encoded=True), headers=forwarded_headers(headers), data=body or None, allow_redirects=False
            ) as response:
                data = await response.read()
                return Answer(response.status, answered_headers(response.raw_headers), data)
        except asyncio.TimeoutError:
            raise UpstreamFailure(504, "upstream_timeout", f"the upstream gave no answer within {self.timeout.total:g} s") from None
        except aiohttp.ClientConnectorCertificateError as error:
            raise UpstreamFailure(502, "upstream_certificate", f"the upstream's TLS certificate is not trusted: {error.certificate_error}") from None
        except aiohttp.ClientSSLError as error:
            raise UpstreamFailure(502, "upstream_tls", f"TLS with the upstream failed: {error}") from None
        except aiohttp.ClientConnectorError as error:
            raise UpstreamFailure(502, "upstream_unreachable", f"cannot connect to the upstream: {error.os_error.strerror or error.os_error}") from None
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError) as error:
            raise UpstreamFailure(502, "upstream_disconnected", f"the upstream closed or reset the connection before answering in full ({type(error).__name__})") from None
        except aiohttp.ClientResponseError as error:
            raise UpstreamFailure(502, "upstream_bad_answer", f"the upstream's answer is not valid HTTP ({error.message})") from None
        except aiohttp.ClientError as error:
            raise UpstreamFailure(502, "upstream_error", f"the upstream could not be asked ({type(error).__name__})") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
