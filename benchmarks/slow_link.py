"""A server far away, on loopback: a TCP forwarder that adds a round trip's delay, and the contract
suite's default run timed through it.

The contract suite sends its requests one after another, so against a staging server across a
network its run time is mostly round trips. This measures it without a network: every byte that
crosses the forwarder, either way, arrives half a round trip late, and a new connection waits one
round trip before its first byte goes through (the TCP handshake a real link costs; TLS would
cost more).

    python -m benchmarks.slow_link                        # a default run against the mock, 50 ms away
    python -m benchmarks.slow_link --rtt-ms 100 -- --contract-strict   # options after -- go to the suite
    python -m benchmarks.slow_link --no-handshake         # only the bytes delayed, connections free
    python -m benchmarks.slow_link forward --upstream 127.0.0.1:4010 --port 4011   # only the forwarder

It listens on 127.0.0.1 only, forwards only to 127.0.0.1, and stops when its run ends (or on
Ctrl-C for ``forward``). Not part of ``make bench``: it times the suite, not the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from benchmarks.servers import serve
from meetings_spec.serving import free_port

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
_CHUNK = 65536
_TOKEN = "slow-link-measure-token"


@dataclass
class Link:
    """A link ``rtt`` seconds long to ``upstream``; counts the connections it carried."""

    upstream: tuple[str, int]
    rtt: float
    handshake: bool = True
    connections: int = 0

    def __post_init__(self) -> None:
        if self.upstream[0] != LOOPBACK:
            raise ValueError(f"the forwarder only forwards to {LOOPBACK}, not {self.upstream[0]}")

    async def carry(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        """One client connection, to a connection of its own upstream."""
        self.connections += 1
        try:
            await self._carry(client_r, client_w)
        except asyncio.CancelledError:
            client_w.close()  # the link is taken down (asyncio's server would log it as an error)

    async def _carry(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            if self.handshake:
                await asyncio.sleep(self.rtt)  # SYN, SYN-ACK: the client's first byte leaves after them
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        try:
            await asyncio.gather(_pipe(client_r, server_w, self.rtt / 2), _pipe(server_r, client_w, self.rtt / 2))
        finally:
            for writer in (server_w, client_w):
                writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy ``reader`` to ``writer``, each chunk ``delay`` seconds after it arrived, in order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def read() -> None:
        try:
            while chunk := await reader.read(_CHUNK):
                queue.put_nowait((loop.time() + delay, chunk))
        finally:
            queue.put_nowait((loop.time() + delay, b""))

    async def write() -> None:
        while True:
            due, chunk = await queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    try:
        await asyncio.gather(read(), write())
    except (ConnectionError, OSError):
        pass


async def forward(link: Link, port: int, *, ready: threading.Event | None = None, stop: asyncio.Event | None = None) -> None:
    """Listen on 127.0.0.1:``port`` and carry each connection over ``link`` (until ``stop``)."""
    server = await asyncio.start_server(link.carry, LOOPBACK, port)
    async with server:
        if ready is not None:
            ready.set()
        if stop is None:
            await server.serve_forever()
        else:
            await stop.wait()
    # connections a client left open end with the link
    carried = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in carried:
        task.cancel()
    await asyncio.gather(*carried, return_exceptions=True)


@contextmanager
def forwarding(link: Link) -> Iterator[int]:
    """The forwarder in a thread of its own for the ``with`` block; yields the port it listens on."""
    port, ready = free_port(), threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(forward(link, port, ready=ready, stop=stop),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the forwarder did not start")
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        if not thread.is_alive():
            loop.close()


def measure(rtt: float, suite_args: Sequence[str], log: Path, *, handshake: bool = True) -> tuple[int, float, int]:
    """A mock on loopback, the forwarder in front of it, and the suite's run through both:
    ``(the suite's exit status, its wall-clock seconds, connections opened)``, the suite's
    start-up included."""
    mock_port = free_port()
    command = [sys.executable, "-m", "mock_server", "--port", str(mock_port), "--token", _TOKEN, "--quiet"]
    probe = f"GET /meetings/789 HTTP/1.1\r\nHost: {LOOPBACK}\r\nAuthorization: Bearer {_TOKEN}\r\nConnection: close\r\n\r\n".encode()
    link = Link((LOOPBACK, mock_port), rtt, handshake)
    with serve("waterrai-mock", command, mock_port, probe, log, cwd=ROOT, timeout=30), forwarding(link) as port:
        environment = {**os.environ, "WATERRAI_API_TOKEN": _TOKEN}
        started = time.perf_counter()
        suite = [sys.executable, "-m", "contract_tests", "--base-url", f"http://{LOOPBACK}:{port}", "-q", *suite_args]
        status = subprocess.run(suite, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL).returncode
        return status, time.perf_counter() - started, link.connections


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.slow_link",
        description=(__doc__ or "").split("\n\n")[0],
        epilog="measure: options after -- go to the contract suite (e.g. -- --contract-strict)",
    )
    parser.add_argument("mode", nargs="?", choices=["measure", "forward"], default="measure")
    parser.add_argument("--rtt-ms", type=float, default=50.0, help="round trip the link adds (default 50)")
    parser.add_argument("--no-handshake", action="store_true", help="delay only the bytes: a new connection costs nothing")
    parser.add_argument("--upstream", default=None, help="forward: 127.0.0.1:PORT to forward to")
    parser.add_argument("--port", type=int, default=None, help="forward: port to listen on")
    arguments = list(sys.argv[1:] if argv is None else argv)
    suite_args: list[str] = []
    if "--" in arguments:  # the rest is the suite's
        suite_args, arguments = arguments[arguments.index("--") + 1 :], arguments[: arguments.index("--")]
    options = parser.parse_args(arguments)
    rtt, handshake = options.rtt_ms / 1000, not options.no_handshake
    if options.mode == "forward":
        if not options.upstream or options.port is None:
            parser.error("forward needs --upstream 127.0.0.1:PORT and --port PORT")
        host, _, port = options.upstream.rpartition(":")
        try:
            link = Link((host, int(port)), rtt, handshake)
        except ValueError as error:
            parser.error(str(error))
        try:
            asyncio.run(forward(link, options.port))
        except KeyboardInterrupt:
            pass
        return 0
    log = ROOT / ".bench" / "slow_link_mock.log"
    log.parent.mkdir(exist_ok=True)
    status, seconds, connections = measure(rtt, suite_args, log, handshake=handshake)
    link = f"a {options.rtt_ms:g} ms round trip" + ("" if handshake else " (connections free)")
    print(f"contract suite through {link}: exit {status}, {seconds:.1f} s, {connections} connections")
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
