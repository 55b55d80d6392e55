"""What the mock keeps, and the one small interface every store of it offers.

A **world** is what one caller sees: an account balance, scenarios, meetings, end users and
the numbers handed out next. Every world belongs to a **sandbox**: one for everybody (the
shared world, key ``SHARED``), or, with ``--sandboxes``, one per bearer token, keyed by the
SHA-256 of the token (the token itself is never kept). A world is made from the seeds on first
use, and a reset plants them again.

``Store`` is what the rest of the mock asks of a store, so that a second store (PostgreSQL,
for replicas on several hosts) can stand in for the SQLite one (``mock_server.state``) without
a line elsewhere changing. Every method is one transaction; a create is one write transaction
(``create_meeting``), and a read one query. What a store holds, per world: the world's row
(its key, balance, when it was made and last used, the seeds posted to it), its scenarios, its
meetings (seeded or created; each created one carries the balance it left, a ledger), its end
users (the spec's ``x-reuses`` objects) and their counters, and the request journal. Besides,
one value per store: the fingerprint of the spec and seed files its worlds were planted from.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Protocol

#: The key of the world everybody shares (a SHA-256 in hex never is this).
SHARED = "*"
#: Sandboxes of tokens kept at most unless told (``--max-sandboxes``); the least recently used goes past it.
DEFAULT_MAX_SANDBOXES = 100

#: (at, in seconds since the epoch; method, path, status, duration in ms; world or None): one
#: request as the journal keeps it. The time is formatted when listed, not on every request.
JournalLine = tuple[float, str, str, int, float, "int | None"]


def short_key(key: str) -> str:
    """How a world is named in lists and logs: ``shared``, or the first 12 hex digits of the
    SHA-256 of its token (``printf %s "$TOKEN" | sha256sum | cut -c1-12``)."""
    return "shared" if key == SHARED else key[:12]


class InsufficientMinutes(Exception):
    """The account cannot pay for the meeting; nothing was written."""

    def __init__(self, needed: int, left: int) -> None:
        super().__init__(f"needs {needed} minutes, {left} left")
        self.needed, self.left = needed, left


class WorldGone(Exception):
    """The world a request was resolved to was removed meanwhile (the least recently used
    sandbox made room for a new one): resolve it again, which makes it afresh from the seeds."""


@dataclass(frozen=True)
class Seed:
    """What a world holds when it is made or reset: the balance, scenarios, meetings and reused
    objects (end users by their key, the e-mail). ``layered`` puts another seed on top: where
    ids meet, the upper one replaces; a balance it gives replaces the balance."""

    balance: int
    scenarios: list[dict[str, Any]]
    meetings: list[tuple[dict[str, Any], str]]  # (document without updated_at, updated_at)
    reused: list[tuple[Any, dict[str, Any]]]  # (identifying value, object): end users by email
    identity: tuple[str, ...] = ()  # the reused objects' numbered fields (x-reuses ``compare``)

    def layered(self, upper: SeedLayer) -> Seed:
        scenarios = _by_id(self.scenarios, upper.scenarios, lambda s: s["id"])
        meetings = _by_id(self.meetings, upper.meetings, lambda m: m[0]["id"])
        reused = [old for old in self.reused if not any(_same_object(old, new, self.identity) for new in upper.reused)]
        return replace(
            self,
            balance=self.balance if upper.balance is None else upper.balance,
            scenarios=scenarios,
            meetings=meetings,
            reused=[*reused, *upper.reused],
        )


@dataclass(frozen=True)
class SeedLayer:
    """A seed as a file or ``POST /__mock/seed`` gives it: each part may be left out."""

    balance: int | None = None
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    reused: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)


def _by_id(lower: list[Any], upper: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    """``lower`` with each entry of ``upper`` replacing the one of the same id, or added."""
    merged = {key(entry): entry for entry in lower}
    merged.update((key(entry), entry) for entry in upper)
    return list(merged.values())


def _same_object(old: tuple[Any, dict[str, Any]], new: tuple[Any, dict[str, Any]], identity: Iterable[str]) -> bool:
    """Whether ``new`` replaces ``old``: the same key (e-mail), or the same number in an identity field."""
    if old[0] is not None and old[0] == new[0]:
        return True
    return any(name in new[1] and old[1].get(name) == new[1][name] for name in identity)


@dataclass(frozen=True)
class Wanted:
    """The object a request asks to find or make (x-reuses): found by ``key`` when it is not
    None; else made of ``fields``, with a new number in each ``identity`` field."""

    key: Any
    fields: dict[str, Any]
    identity: tuple[str, ...]


@dataclass(frozen=True)
class NewMeeting:
    """What a create stores (the meeting as it reads back) and what it answers."""

    document: dict[str, Any]
    updated_at: str
    answer: Any


@dataclass(frozen=True)
class Limits:
    max_meetings: int  # per world
    max_end_users: int  # reused objects (end users) kept, per world
    recent_requests: int  # journal lines kept, per world
    max_sandboxes: int = DEFAULT_MAX_SANDBOXES  # worlds of tokens; the least recently used goes past it


@dataclass(frozen=True)
class SandboxInfo:
    """One world as ``GET /__mock/sandboxes`` lists it (never the token: its hash)."""

    world: int
    key: str
    made_at: float
    last_used: float
    balance: int
    counts: dict[str, int]
    seeded_at_run_time: bool


#: ``seed_for(posted)``: the seed of a world, given the seed documents posted to it (or None).
SeedFor = Callable[["list[dict[str, Any]] | None"], Seed]
#: ``keeps(document, updated_at)``: whether a stored meeting still reads back under the spec.
Keeps = Callable[[str, str], bool]


class Store(Protocol):
    """What the mock asks of its state. ``world`` arguments are the ids ``world`` hands out."""

    limits: Limits

    # -- set-up and coordination between workers -----------------------------------------
    def prepare(self, seed: Seed, fingerprint: str, *, shared: bool) -> None:
        """Create (or upgrade) the tables; make the shared world when ``shared``; plant the
        seeds again in the worlds a state file kept, if they were planted from other files."""

    def adopt(self, fingerprint: str, seed_for: SeedFor, keeps: Keeps | None, *, balances: bool) -> int | None:
        """Plant the seeds of edited files in every world, once for all workers (None when the
        store holds this ``fingerprint`` already); drop meetings ``keeps`` refuses. The number dropped."""

    def generation(self) -> int:
        """Moves on whenever meetings or scenarios are taken away or replaced, in any world, by
        any process: what a worker caches of them holds while this stays."""

    # -- worlds -------------------------------------------------------------------------------
    def world(self, key: str, seed: Seed) -> int:
        """The world of ``key``, made from ``seed`` if there is none (the least recently used
        sandbox goes first when they are ``max_sandboxes`` already)."""

    def sandboxes(self) -> list[SandboxInfo]: ...

    def touch(self, used: dict[int, float]) -> None:
        """When each world was last used (written with the journal, never per request)."""

    # -- reads --------------------------------------------------------------------------------
    def meeting(self, world: int, meeting_id: int) -> tuple[str, str] | None: ...

    def scenarios(self, world: int) -> dict[int, dict[str, Any]]: ...

    def balance(self, world: int) -> int: ...

    def counts(self, world: int) -> dict[str, int]: ...

    def posted_seed(self, world: int) -> list[dict[str, Any]] | None: ...

    def recent_requests(self, world: int | None, limit: int) -> list[dict[str, Any]]: ...

    # -- writes -------------------------------------------------------------------------------
    def create_meeting(self, world: int, minutes: int, build: Callable[[int, dict[str, Any] | None, int], NewMeeting], wanted: Wanted | None = None) -> Any:
        """Spend ``minutes`` and store what ``build(id, reused object, balance left)`` makes,
        in one write transaction; ``InsufficientMinutes``, ``WorldGone``."""

    def seed(self, world: int, document: dict[str, Any], seed_for: SeedFor, *, set_balance: bool) -> None:
        """Add ``document`` to the seeds posted to the world and plant ``seed_for(every one
        posted)``, in one transaction; the balance becomes the seed's when ``set_balance``."""

    def reset(self, world: int | None, seed_for: SeedFor, *, forget_posted: bool = False) -> int:
        """Back to its seeds: one world, or every one (None). The number reset."""

    def record_requests(self, lines: list[JournalLine], used: dict[int, float] | None = None) -> None:
        """Journal lines, and when each world was last used (``touch``), in one transaction;
        each world keeps its ``recent_requests`` newest lines."""

    # -- creates of one turn of the event loop share a transaction ------------------------------
    def share_creates(self, schedule: Callable[[Callable[[], None]], object]) -> None: ...

    def in_shared_transaction(self) -> bool: ...

    def after_commit(self, callback: Callable[[BaseException | None], None]) -> bool: ...

    def commit(self) -> None: ...

    def close(self) -> None: ...
