"""Which server a URL points at, compared the way a client resolves it.

The spec marks its production server(s) with ``x-production``. Whether a URL is one of them is
decided on the normalised host name, so that writing the host another way (``API.waterrai.com``,
a trailing dot, ``:443``, ``user:pw@``, percent-encoding, full-width or other Unicode forms that
IDNA maps to the same name) does not slip past the guard. Any scheme and any port on that host
count: it is the same machine. Independent of pytest, for every tool that must not touch
production by accident (the contract suite; a validation proxy).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

import idna

#: The port a client uses when the URL names none.
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port of a URL, each in one canonical form.

    ``host`` is lower-case ASCII (IDNA A-labels), without user info, trailing dot or brackets;
    ``port`` is always explicit (the scheme's default when the URL names none).
    """

    scheme: str
    host: str
    port: int | None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if self.port is None else f":{self.port}")


def normalise_host(raw: str) -> str:
    """The host name a client connects to, in one form: percent-decoded, IDNA-mapped (UTS #46,
    which also folds case and full-width characters), lower-case, without trailing dots; an IP
    address in its compressed form. Raises ``ValueError`` for a host no client could resolve."""
    host = unquote(raw, errors="strict").strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).compressed
    except ValueError:
        pass
    if not host.isascii():
        host = _to_ascii(host)
    host = host.lower().rstrip(".")
    if not host or any(c.isspace() or c in "\\/@?#" or ord(c) < 0x20 for c in host):
        raise ValueError(f"{raw!r} is not a host name")
    return host


def _to_ascii(host: str) -> str:
    """IDNA 2008 with the UTS #46 mapping (what ``requests`` does), else IDNA 2003 (Python's codec)."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise ValueError(f"{host!r} is not a valid internationalised host name ({error})") from None


def origin(url: str) -> Origin:
    """The canonical origin of ``url``; ``ValueError`` if it has no usable host or port."""
    parts = urlsplit(url.strip())
    if "\\" in parts.netloc:
        # browsers read "\" as "/", Python's clients as part of the host: two different servers
        raise ValueError(f"{url!r} has a backslash in its host part, which clients read differently")
    hostport = parts.netloc.rpartition("@")[2]  # user info is not part of the host
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port_text = rest.removeprefix(":") if rest.startswith(":") else ("" if not rest else None)
        if port_text is None:
            raise ValueError(f"{url!r} has text after its IPv6 address")
    else:
        host, _, port_text = hostport.partition(":")
    if not host:
        raise ValueError(f"{url!r} names no host")
    scheme = parts.scheme.lower()
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{url!r} has an invalid port {port_text!r}")
        port: int | None = int(port_text)
    else:
        port = DEFAULT_PORTS.get(scheme)
    return Origin(scheme, normalise_host(host), port)


def production_servers(spec: dict[str, Any]) -> list[str]:
    """The URLs of the spec's servers marked ``x-production``."""
    return [server["url"] for server in spec.get("servers", []) if server.get("x-production")]


def matching_server(url: str, servers: Iterable[str]) -> str | None:
    """The first of ``servers`` on the same host as ``url`` (any scheme or port), else None."""
    host = origin(url).host
    for server in servers:
        if origin(server).host == host:
            return server
    return None


def production_server(url: str, spec: dict[str, Any]) -> str | None:
    """The spec's production server that ``url`` points at, however it is written; else None.

    Raises ``ValueError`` when ``url`` has no host a client could use (refuse such a URL)."""
    return matching_server(url, production_servers(spec))
