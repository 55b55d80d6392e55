"""The violations a proxy has found, newest first, bounded, as ``GET /__proxy/violations`` lists them."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from validation_proxy.inspection import Violation

#: How many violations ``/__proxy/violations`` keeps; older ones are dropped (the counts go on).
DEFAULT_LIMIT = 1000


@dataclass(frozen=True)
class ExchangeNote:
    """Which exchange a violation belongs to: enough to find it, no header value, no body."""

    id: int
    method: str
    path: str  # without the query, which may carry credentials
    status: int  # what the client got (0: no answer)
    at: str  # when the request came in, ISO 8601 UTC

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "method": self.method, "path": self.path, "status": self.status, "at": self.at}


class ViolationLog:
    """Violations with their exchanges, at most ``limit`` of them, and counts of everything seen."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._entries: deque[tuple[ExchangeNote, Violation]] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self.counts = {"exchanges": 0, "exchanges_with_violations": 0, "violations": 0, "unchecked_exchanges": 0}

    def add(self, note: ExchangeNote, violations: list[Violation], *, checked: bool = True) -> None:
        with self._lock:
            self.counts["exchanges"] += 1
            if not checked:
                self.counts["unchecked_exchanges"] += 1
            if violations:
                self.counts["exchanges_with_violations"] += 1
                self.counts["violations"] += len(violations)
                self._entries.extend((note, violation) for violation in violations)

    def newest(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._entries)
        entries.reverse()
        return [{**violation.as_json(), "exchange": note.as_json()} for note, violation in entries[:limit]]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            for key in self.counts:
                self.counts[key] = 0

    def as_json(self, limit: int | None = None) -> dict[str, Any]:
        with self._lock:
            counts = dict(self.counts)
        kept = self._entries.maxlen
        return {"counts": counts, "kept": kept, "violations": self.newest(limit)}
