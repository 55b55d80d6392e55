"""How the kit's servers (``waterrai-mock``, ``waterrai-proxy``) are served: Granian's RSGI
interface, set up once here, after asking whether the address can be listened on alone.

Granian sets ``SO_REUSEPORT`` on its listening sockets (its workers share them), so a second
``waterrai-mock`` or ``waterrai-proxy`` started on a port one of them already listens on would
not fail: the kernel would deal the connections out between the two servers, and some of a
client's requests would reach the wrong one (creates that read back 404, traffic that skips the
proxy). A probe bound without ``SO_REUSEPORT`` is refused then, as it is for a port another
program holds, an address this machine does not have, or a port it may not use.
"""

from __future__ import annotations

import errno
import socket

#: Granian stops accepting connections past this many in flight: kept at the listen backlog, so
#: that no client's connection starves while others are served.
BACKPRESSURE = 1024


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now, as the system picks one (a server started on it a
    moment later may lose a race to another program: fine for tests and the bench)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def unavailable(host: str, port: int) -> str | None:
    """Why a server cannot listen on ``host:port`` alone, in words; None when it can (or for
    port 0, which the system picks). The probe is closed at once: a race with another program
    that binds in between is left to the server's own bind."""
    if port == 0:
        return None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        return f"cannot listen on {host}:{port}: {host} is not an address of this machine ({error})"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Granian: a closed server's TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"{host}:{port} is already in use (another server listens there, perhaps another waterrai-mock or waterrai-proxy); choose another --port"
            return f"cannot listen on {host}:{port}: {error.strerror or error}"
    return None


def serve_rsgi(target: str, host: str, port: int, *, workers: int, kill_timeout: int, respawn: bool = False) -> None:
    """Serve the RSGI app factory ``target`` (``module:function``) until stopped. ``kill_timeout``:
    seconds a worker gets to finish at a stop before it is killed (a worker that got the stop
    signal too, as Ctrl-C sends it to the whole process group, sometimes never leaves Granian's
    wait for it; without a deadline the server would never exit)."""
    from granian import Granian  # imported here so that --help answers at once
    from granian.constants import Interfaces

    Granian(
        target,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        workers=workers,
        websockets=False,
        backpressure=BACKPRESSURE,
        respawn_failed_workers=respawn,
        workers_kill_timeout=kill_timeout,
        log_access=False,  # each server writes its own access lines
    ).serve()
