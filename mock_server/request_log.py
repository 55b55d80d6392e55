"""One log line per request, and a bounded journal of recent requests for ``/__mock/requests``.

Both lanes report every request here, Flask's routes included, once its outcome was carried
out. It records the method, path, status and duration: never headers or bodies, so no token can
leak into the log.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Callable

from meetings_spec.logs import log_to_stderr
from mock_server.journal import Journal

access_log = logging.getLogger("mock_server.access")

ADMIN_PREFIX = "/__mock/"


def configure_access_log() -> None:
    """Send access lines to stderr, one per request, unless the host app configured logging."""
    log_to_stderr(access_log)


LineWriter = Callable[[str], None]


def to_logging(line: str) -> None:
    """The access line as a ``mock_server.access`` log record (for apps that embed the mock)."""
    access_log.info("%s", line)


def to_stderr(line: str) -> None:
    """The access line straight to stderr: a tenth of a logging record's cost, for the server."""
    sys.stderr.write(line + "\n")


class TurnLines:
    """Access lines gathered over one turn of an event loop and written together at its end:
    one write to stderr per turn rather than one per request, and no line waits longer than
    the turn. The RSGI lane uses it (``schedule`` is its loop's ``call_soon``); call it from
    the loop's thread only. ``write`` gets the turn's lines at once, joined by newlines."""

    def __init__(self, write: LineWriter, schedule: Callable[[Callable[[], None]], object]) -> None:
        self._write = write
        self._schedule = schedule
        self._lines: list[str] = []

    def __call__(self, line: str) -> None:
        if not self._lines:
            self._schedule(self.flush)
        self._lines.append(line)

    def flush(self) -> None:
        lines, self._lines = self._lines, []
        if lines:
            self._write("\n".join(lines))


class AccessLog:
    """One line per request (when ``write`` is set) and the journal behind ``/__mock/requests``
    (when ``journal`` is): the lanes report every request here once its outcome was carried out."""

    def __init__(self, journal: Journal | None, *, write: LineWriter | None) -> None:
        self.journal = journal
        self.write = write

    def record(self, method: str, path: str, remote: str, status: int, seconds: float, note: str = "", world: int | None = None) -> None:
        """Log and journal one request; ``status`` 0 is a request that got no HTTP answer (a
        fault); ``world``: the one it acted in, whose journal lists it (never the token)."""
        milliseconds = seconds * 1000
        if self.write is not None:
            shown = path if path.isprintable() else path.encode("unicode_escape").decode("ascii")  # no forged lines
            self.write(f'{remote} "{method} {shown}" {status or "-"} {milliseconds:.2f}ms{note}')
        if self.journal is not None and not path.startswith(ADMIN_PREFIX):
            self.journal.add((time.time(), method, path[:512], status, round(milliseconds, 3), world))
