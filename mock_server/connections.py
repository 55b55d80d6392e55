"""Break one client connection on purpose, from inside the server process that holds it.

A Python web app is never handed its connection's socket under Granian. The RSGI scope does
name both ends of the connection (``server`` and ``client``, each ``address:port``), and the
socket is one of this process's file descriptors: ``find`` picks it out by those two addresses
and returns a duplicate of it (socket options set on a duplicate apply to the connection).

A reset must reach the client before anything else: the server's own close would send FIN
first. So ``reset`` points the server's descriptor at a fresh, unconnected socket (``dup2``,
atomic) and closes the last reference to the connection itself, with SO_LINGER set to zero,
which sends RST. The server then fails on its placeholder and drops it.
"""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path

_FD_FOLDERS = (Path("/proc/self/fd"), Path("/dev/fd"))
#: SO_LINGER on with a zero timeout: closing the socket sends RST instead of FIN.
RESET_ON_CLOSE = struct.pack("ii", 1, 0)


def parse_address(text: str) -> tuple[str, int]:
    """``127.0.0.1:4010`` or ``[::1]:4010`` as ``(host, port)``."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


class Connection:
    """A client connection found among this process's descriptors: a duplicate and the original's number."""

    def __init__(self, sock: socket.socket, fd: int) -> None:
        self.sock = sock
        self.fd = fd

    def reset(self) -> None:
        """Send RST now, before any byte of an answer."""
        placeholder = socket.socket(self.sock.family, socket.SOCK_STREAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET_ON_CLOSE)
            if os.fstat(self.fd).st_ino == os.fstat(self.sock.fileno()).st_ino:  # still this connection
                os.dup2(placeholder.fileno(), self.fd)  # the server's descriptor lets go of the connection
        finally:
            placeholder.close()
            self.sock.close()  # the last reference: closed with linger zero, RST

    def hang_up(self) -> None:
        """Send FIN now, before any byte of an answer."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the client left already
        finally:
            self.sock.close()


def find(server: tuple[str, int], client: tuple[str, int]) -> Connection | None:
    """This process's TCP connection from ``client`` to ``server``; None if it holds none."""
    folder = next((f for f in _FD_FOLDERS if f.is_dir()), None)
    if folder is None:
        return None
    for entry in folder.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            duplicate = os.dup(int(entry.name))
        except OSError:
            continue
        try:
            sock = socket.socket(fileno=duplicate)
        except OSError:
            os.close(duplicate)
            continue
        try:
            if sock.type == socket.SOCK_STREAM and _same(sock.getpeername(), client) and _same(sock.getsockname(), server):
                return Connection(sock, int(entry.name))
        except OSError:
            pass
        sock.close()
    return None


def _same(address: object, wanted: tuple[str, int]) -> bool:
    return isinstance(address, tuple) and len(address) >= 2 and (address[0], address[1]) == wanted
