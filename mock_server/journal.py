"""The request journal behind ``/__mock/requests``, written in batches.

A write transaction per request would cost more than the rest of the request, so each worker
keeps the lines it served in memory and a background thread writes them in one transaction
every twentieth of a second. Serving a request never writes the journal itself: under
``waterrai-mock`` the thread that serves may hold the writer lock for its turn's creates
(``State.share_creates``) while the journal's thread waits for that lock. The admin routes
flush their own worker first; lines served by another worker show within 0.1 s.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from collections import deque

from mock_server.state import State
from mock_server.store import JournalLine

INTERVAL_SECONDS = 0.05

_log = logging.getLogger("mock_server.journal")


class Journal:
    """One worker's pending journal lines, flushed to the shared state in batches."""

    def __init__(self, state: State, *, interval: float = INTERVAL_SECONDS) -> None:
        self.state = state
        self.interval = interval
        # the state keeps only the newest lines: pending ones past that many would be deleted at once
        self._lines: deque[JournalLine] = deque(maxlen=state.limits.recent_requests)
        self._lock = threading.Lock()  # guards the start of the flusher
        self._writing = threading.Lock()  # a flush returns only once every earlier line is written
        self._flusher_running = False  # started on the first line: in the worker that serves, not in
        # the parent process that builds an app before forking (a thread does not survive a fork)
        self._used: dict[int, float] = {}  # when each world was last used, since the last flush

    def add(self, line: JournalLine) -> None:
        """Keep ``line`` for the next flush; never waits for a write (nor for a lock: a deque's
        ``append`` and ``popleft`` are each one step the GIL does not split)."""
        self._lines.append(line)
        if not self._flusher_running:
            self._start()

    def touch(self, world: int, at: float) -> None:
        """``world`` was used at ``at``: written with the next flush (the least recently used
        sandbox is the one that goes when there are too many)."""
        self._used[world] = at
        if not self._flusher_running:
            self._start()

    def _start(self) -> None:
        with self._lock:
            start, self._flusher_running = not self._flusher_running, True
        if start:
            self._start_flusher()

    def flush(self) -> None:
        """Write the pending lines, and when each world was last used, in one transaction (the
        state keeps only the newest lines)."""
        with self._writing:
            pending, lines = self._lines, []
            try:
                while pending:
                    lines.append(pending.popleft())
            except IndexError:  # ``discard`` emptied it meanwhile
                pass
            used, self._used = self._used, {}
            if lines or used:
                self.state.record_requests(lines, used)

    def discard(self) -> None:
        """Forget the pending lines (the state is being reset)."""
        self._lines.clear()

    def _start_flusher(self) -> None:
        thread = threading.Thread(target=_flush_while_alive, args=(weakref.ref(self),), daemon=True, name="journal")
        thread.start()


def _flush_while_alive(journal_ref: weakref.ref[Journal]) -> None:
    """Flush every interval until the journal (and its app) is gone."""
    while (journal := journal_ref()) is not None:
        interval = journal.interval
        try:
            journal.flush()
        except sqlite3.Error as error:  # a full disk must not end the thread, nor a request
            _log.warning("request journal not written: %s", error)
        del journal
        time.sleep(interval)
