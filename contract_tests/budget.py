"""Count what a run sends, and hold writes (creates) under the cap ``--max-creates``.

Every create on a shared staging server spends the account's session minutes, so a request that
may create something is only sent while the budget allows it; later ones are skipped and
counted, and the summary says how many.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Budget:
    max_creates: int
    requests: Counter[str] = field(default_factory=Counter)
    creates: int = 0
    skipped_writes: int = 0

    def may_send(self, method: str) -> bool:
        """Whether a request may go out: no write once the cap is reached (refusals are counted).

        Requests go out one at a time and a create is counted when it is answered, so the number
        of creates never passes the cap.
        """
        if method.upper() in READ_METHODS:
            return True
        if self.creates >= self.max_creates:
            self.skipped_writes += 1
            return False
        return True

    def record(self, label: str, method: str, status: int) -> None:
        """Count one request that went out, and a create if a write was answered 2xx."""
        self.requests[label] += 1
        if method.upper() not in READ_METHODS and 200 <= status < 300:
            self.creates += 1

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())
