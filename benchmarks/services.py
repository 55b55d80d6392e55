"""Throwaway servers the bench and the tests start on loopback: PostgreSQL (Debian's package) and
nginx, each in a folder of its own, on a free port, stopped and removed at the end.

The machine runs as root, and PostgreSQL refuses to: its cluster is made and run as the
``postgres`` user (``runuser``), in a folder that user owns. Where a server cannot be had (the
package is missing, no ``postgres`` user), ``Unavailable`` says why, for a test to skip saying so.
``.ci/run`` installs both packages; ``make postgres`` starts a cluster by hand.

    python -m benchmarks.services postgres     # a throwaway cluster; prints its URL; Ctrl-C stops it
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from meetings_spec.serving import free_port

#: Where Debian puts each major version's server programs.
_PG_BINARIES = "/usr/lib/postgresql/*/bin"


class Unavailable(Exception):
    """The server cannot be started here; the message says why and what would fix it."""


def _postgres_bin() -> Path:
    found = sorted(glob.glob(_PG_BINARIES), key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0)
    if not found or not (Path(found[-1]) / "pg_ctl").exists():
        raise Unavailable("PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)")
    return Path(found[-1])


def _as_postgres() -> list[str]:
    """The prefix that runs a command as the user PostgreSQL runs as (the machine runs as root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("there is no postgres user to run PostgreSQL as (apt-get install postgresql creates it)") from None
    if shutil.which("runuser") is None:
        raise Unavailable("runuser is missing: cannot run PostgreSQL as the postgres user")
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class Postgres:
    """One throwaway cluster: ``url`` names its database; ``stop_server``/``start_server`` take it
    down and up again on the same port (for the tests of a database that goes away)."""

    folder: Path
    port: int
    binaries: Path
    prefix: list[str]
    database: str = "waterrai"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    @classmethod
    def start(cls) -> Postgres:
        binaries, prefix = _postgres_bin(), _as_postgres()
        folder = Path(tempfile.mkdtemp(prefix="waterrai-pg-"))
        if prefix:
            owner = pwd.getpwnam("postgres")
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        server = cls(folder, free_port(), binaries, prefix)
        try:
            server._run(["initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])
            server.start_server()
            server._run(["createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", server.database])
        except BaseException:
            server.stop()
            raise
        return server

    def start_server(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(["pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-o", options, "-w", "-t", "60", "start"])

    def stop_server(self, mode: str = "fast") -> None:
        self._run(["pg_ctl", "-D", str(self.folder / "data"), "-m", mode, "-w", "-t", "60", "stop"], check=False)

    def stop(self) -> None:
        """Stop the server and remove its folder (only the folder this object made)."""
        if (self.folder / "data" / "postmaster.pid").exists():
            self.stop_server("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.folder / "server.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _run(self, command: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.prefix, str(self.binaries / command[0]), *command[1:]], capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise Unavailable(f"{command[0]} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}\n{self.log()[-1000:]}")
        return done


@dataclass
class Nginx:
    """nginx in a folder of its own, in the foreground, with the configuration given (as text)."""

    folder: Path
    process: subprocess.Popen[str]

    @classmethod
    def start(cls, configuration: str, port: int) -> Nginx:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise Unavailable("nginx is not installed (apt-get install nginx; .ci/run does it)")
        folder = Path(tempfile.mkdtemp(prefix="waterrai-nginx-"))
        (folder / "logs").mkdir()
        (folder / "nginx.conf").write_text(configuration, encoding="utf-8")
        command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "logs" / "error.log"), "-g", "daemon off; pid nginx.pid;"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        server = cls(folder, process)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if process.poll() is not None:
                server.stop()
                raise Unavailable(f"nginx did not start: {process.stderr.read() if process.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return server
            except OSError:
                time.sleep(0.05)
        server.stop()
        raise Unavailable("nginx did not listen within 15 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # finish what is in flight, then stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _serve_postgres() -> int:
    try:
        server = Postgres.start()
    except Unavailable as why:
        print(f"services: {why}", file=sys.stderr)
        return 2
    print(f"PostgreSQL on {server.url} (Ctrl-C stops it and removes its folder)", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.services", description="Start a throwaway server on loopback.")
    parser.add_argument("service", choices=["postgres"])
    parser.parse_args(argv)
    return _serve_postgres()


if __name__ == "__main__":
    sys.exit(main())
