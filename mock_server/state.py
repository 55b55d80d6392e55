"""The mock's memory: meetings, end users, the account balance and a request journal.

It lives in one SQLite file so that every worker process sees the same meetings: a meeting
created through one worker reads back through any other. Each process (and thread) opens its
own connection; writes queue on a lock file, then take SQLite's write lock (``BEGIN
IMMEDIATE``), so concurrent creates never hand out the same id or spend the same minutes twice.
Under ``waterrai-mock`` the creates one worker answers in one turn of its event loop share one
transaction, committed at the end of the turn (``share_creates``): a commit costs more than the
rest of a create, and no answer is sent before the commit (``after_commit``).
The balance is kept like a ledger: the account holds the opening balance and each created
meeting the balance left once it was paid, so a create writes one row, not two. Every table
is bounded. Scenarios are not here: they come from the spec and never change.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import mmap
import os
import sqlite3
import struct
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

_log = logging.getLogger("mock_server.state")

_SCHEMA = """
-- the opening balance: what the account holds before any created meeting
CREATE TABLE IF NOT EXISTS account (id INTEGER PRIMARY KEY CHECK (id = 1), balance INTEGER NOT NULL);
-- objects a request field identifies (the spec's x-reuses: end users by email), as JSON
CREATE TABLE IF NOT EXISTS reused_objects (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE,  -- JSON of the identifying value (NULL for an object made without one)
    document TEXT NOT NULL,
    seeded INTEGER NOT NULL DEFAULT 0
);
-- the last number handed out for each identity field of those objects (id, membership_id)
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meetings (
    id INTEGER PRIMARY KEY,
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seeded INTEGER NOT NULL DEFAULT 0,
    balance_after INTEGER  -- the account's balance once this meeting was paid (NULL if seeded)
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms REAL NOT NULL
);
"""

#: The generation counter's layout (``State.generation``).
_COUNTER = struct.Struct("<Q")

#: Bumped when a table changes shape; ``_upgrade`` brings older state files along.
_SCHEMA_VERSION = 4

#: The account's balance: what the newest created meeting left, else the opening balance.
_BALANCE = (
    "COALESCE((SELECT balance_after FROM meetings WHERE balance_after IS NOT NULL ORDER BY id DESC LIMIT 1),"
    " (SELECT balance FROM account WHERE id = 1))"
)
#: A create's starting point, read under the write lock: the next meeting id and the balance.
_NEXT_MEETING = f"SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM meetings), {_BALANCE}"


#: (at, in seconds since the epoch; method, path, status, duration in ms): one request as the
#: journal keeps it. The time is formatted when listed, not on every request.
JournalLine = tuple[float, str, str, int, float]


class InsufficientMinutes(Exception):
    """The account cannot pay for the meeting; nothing was written."""

    def __init__(self, needed: int, left: int) -> None:
        super().__init__(f"needs {needed} minutes, {left} left")
        self.needed, self.left = needed, left


@dataclass(frozen=True)
class Seed:
    """What a fresh (or reset) state holds, read from the spec's ``x-mock`` block."""

    balance: int
    scenarios: list[dict[str, Any]]
    meetings: list[tuple[dict[str, Any], str]]  # (document without updated_at, updated_at)
    reused: list[tuple[Any, dict[str, Any]]]  # (identifying value, object): end users by email
    identity: tuple[str, ...] = ()  # the reused objects' numbered fields (x-reuses ``compare``)


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
    max_meetings: int
    max_end_users: int  # reused objects (end users) kept
    recent_requests: int


class _ThreadState(threading.local):
    """What each thread keeps of the state: its connection, lock file and shared transaction.
    Class attributes are the defaults, so that reading an unset one is a plain lookup."""

    connection: sqlite3.Connection | None = None
    lock_file: Any = None
    schedule: Callable[[Callable[[], None]], object] | None = None
    turn: "_Turn | None" = None


@dataclass
class _Turn:
    """The write transaction that the creates of one turn of the event loop share."""

    lock: int  # the writer lock file's descriptor, held until the transaction ends
    waiters: list[Callable[[BaseException | None], None]] = field(default_factory=list)
    next_meeting: tuple[int, int] | None = None  # (id, balance) after this turn's latest create
    #: The turn's meetings, inserted together at its end (one statement for the turn, not one
    #: per create: no other writer can come between, and no answer leaves before the commit).
    meetings: list[tuple[int, str, str, int]] = field(default_factory=list)
    prune_through: int | None = None  # the oldest created meetings to drop at the end, up to this id


def dumps(value: Any) -> str:
    """JSON text of ``value``; integers beyond 64 bits (valid JSON) go through the stdlib."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False)


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a state file an earlier version of the kit wrote to the current tables (a new file
    only gets its version number; ``_SCHEMA`` creates the tables)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < 2:  # the journal's time became seconds since the epoch; the journal is disposable
        db.execute("DROP TABLE IF EXISTS requests")
    if version < 3 and db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meetings'").fetchone():
        # the balance became a ledger; the account's balance, spent down until now, opens it
        db.execute("ALTER TABLE meetings ADD COLUMN balance_after INTEGER")
    if version < 4 and db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'end_users'").fetchone():
        # end users became generic reused objects: the columns of the first release, as JSON
        _create_tables(db)
        db.execute(
            "INSERT INTO reused_objects (key, document, seeded) SELECT"
            " CASE WHEN email IS NULL THEN NULL ELSE json_quote(email) END,"
            " json_object('id', id, 'first_name', first_name, 'last_name', last_name, 'email', email,"
            " 'membership_id', membership_id), seeded FROM end_users ORDER BY id"
        )
        db.execute(
            "INSERT INTO counters (name, value) SELECT 'id', COALESCE(MAX(id), 0) FROM end_users"
            " UNION ALL SELECT 'membership_id', COALESCE(MAX(membership_id), 0) FROM end_users"
        )
        db.execute("DROP TABLE end_users")
    db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")


def _create_tables(db: sqlite3.Connection) -> None:
    """``_SCHEMA``, one statement at a time (``executescript`` would commit the transaction;
    no comment in it holds a semicolon)."""
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)


def _rfc3339_micro(seconds: float) -> str:
    """``2026-11-25T08:03:38.123456Z``: a journal line's time, to the microsecond, in UTC."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class State:
    """One SQLite database shared by every worker of one mock server."""

    def __init__(self, path: Path, limits: Limits, *, durable: bool = False) -> None:
        self.path = path
        self.limits = limits
        self._durable = durable
        self._local = _ThreadState()
        self._generation: tuple[int, mmap.mmap] | None = None  # (pid, map): mapped once per process
        # Old meetings go in batches, not one per create: at most 1% over the limit.
        self._prune_every = max(1, min(64, limits.max_meetings // 100))

    # -- connections -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection = self._local.connection
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=True)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(f"PRAGMA synchronous={'NORMAL' if self._durable else 'OFF'}")
            connection.execute("PRAGMA busy_timeout=10000")
            self._local.connection = connection
        return connection

    def _writer_lock(self) -> int:
        """This thread's descriptor of the lock file that writers queue on (held by a file
        object, so that it is closed with the state, not leaked, if nobody calls ``close``)."""
        lock_file = self._local.lock_file
        if lock_file is None:
            lock_file = os.fdopen(os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600), "r+b", buffering=0)
            self._local.lock_file = lock_file
        return lock_file.fileno()

    def _begin(self, connection: sqlite3.Connection) -> int:
        """Start a write transaction; the writer lock's descriptor, for the caller to release.
        Writers first queue on an ``flock`` of a lock file, which the kernel hands to the next
        writer the moment it is free; SQLite's own busy handler would make them sleep and poll
        instead, and creates under load would wait tens of ms."""
        lock = self._writer_lock()
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            fcntl.flock(lock, fcntl.LOCK_UN)
            raise
        return lock

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction of its own, committed on leaving the block. The creates of the
        turn are committed first: transactions do not nest, and this write comes after them."""
        self.commit()
        connection = self._connection()
        lock = self._begin(connection)
        try:
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            self._roll_back(connection)
            raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    # -- the generation ----------------------------------------------------------------------

    def generation(self) -> int:
        """How many times meetings were taken away (a reset, a prune) in this state, by any
        process: what a reader caches of a meeting holds while this stays the same (meetings
        never change once written). Eight bytes in a file beside the state, mapped once."""
        return _COUNTER.unpack_from(self._generation_map())[0]

    def _bump_generation(self) -> None:
        """Called under the writer lock, which orders the bumps of every process."""
        page = self._generation_map()
        _COUNTER.pack_into(page, 0, _COUNTER.unpack_from(page)[0] + 1)

    def _generation_map(self) -> mmap.mmap:
        mapped = self._generation
        if mapped is None or mapped[0] != os.getpid():
            descriptor = os.open(f"{self.path}.generation", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(descriptor).st_size < _COUNTER.size:
                    os.ftruncate(descriptor, _COUNTER.size)
                mapped = self._generation = (os.getpid(), mmap.mmap(descriptor, _COUNTER.size))
            finally:
                os.close(descriptor)
        return mapped[1]

    # -- creates that share a commit ---------------------------------------------------------

    def share_creates(self, schedule: Callable[[Callable[[], None]], object]) -> None:
        """From now on, on this thread, creates share one write transaction until the callback
        passed to ``schedule`` runs and commits it. The RSGI lane passes its event loop's
        ``call_soon``: the creates answered in one turn of the loop then pay for one commit,
        and the writer lock is held for one turn at most. Their answers wait: ``after_commit``."""
        self._local.schedule = schedule

    def in_shared_transaction(self) -> bool:
        """Whether this thread's creates have a shared transaction open (answers must wait)."""
        return self._local.turn is not None

    def after_commit(self, callback: Callable[[BaseException | None], None]) -> bool:
        """Call ``callback`` once this thread's shared transaction has ended: with None once it
        is committed, or with the error that lost it. False, and no call, when none is open."""
        turn: _Turn | None = self._local.turn
        if turn is None:
            return False
        turn.waiters.append(callback)
        return True

    def commit(self) -> None:
        """Commit this thread's shared transaction now, if one is open (before another write,
        an admin request, or when the loop stops). A failure goes to its waiters, not here."""
        turn: _Turn | None = self._local.turn
        if turn is not None:
            self._end_turn(turn, None)

    @contextmanager
    def _create_transaction(self) -> Iterator[tuple[sqlite3.Connection, _Turn | None]]:
        """Where a create writes: this thread's shared transaction (opened, and its commit
        scheduled, by the turn's first create) when creates share one, else one of its own."""
        schedule = self._local.schedule
        if schedule is None:
            with self._write() as db:
                yield db, None
            return
        connection = self._connection()
        turn: _Turn | None = self._local.turn
        if turn is None:
            turn = self._local.turn = _Turn(self._begin(connection))
            try:
                schedule(functools.partial(self._end_turn, turn, None))
            except BaseException as error:  # a closed loop: no commit would ever come, nor the lock go
                self._end_turn(turn, error)
                raise
        changes = connection.total_changes
        try:
            yield connection, turn
        except BaseException as error:
            if connection.total_changes != changes:  # half a create was written: the turn is lost
                self._end_turn(turn, error)
            raise

    def _end_turn(self, turn: _Turn, error: BaseException | None) -> None:
        """Commit the turn's transaction (roll it back if ``error``, or if the COMMIT fails),
        free the writer lock, and tell every waiter how it ended. Ends a turn once."""
        if self._local.turn is not turn:
            return
        self._local.turn = None
        connection = self._connection()
        try:
            if error is None:
                try:
                    self._store_meetings(connection, turn.meetings, turn.prune_through)
                    connection.execute("COMMIT")
                except sqlite3.Error as failed:
                    error = failed
            if error is not None:
                _log.error("the creates of one turn were not written: %s", error)
                self._roll_back(connection)
        finally:
            fcntl.flock(turn.lock, fcntl.LOCK_UN)
        for waiter in turn.waiters:
            waiter(error)

    def _roll_back(self, connection: sqlite3.Connection) -> None:
        """End a failed transaction, a failed COMMIT included (a deferred constraint, a full disk
        or I/O error leave it open), so that SQLite's write lock goes to the next writer. If even
        ROLLBACK fails, the connection is closed, which rolls back; the next write opens another."""
        try:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
        except sqlite3.Error:
            self._local.connection = None
            connection.close()

    def close(self) -> None:
        """Close this thread's connection and lock file. The parent of the server's workers calls
        it once the state is prepared, so that no process holds the state file it no longer uses
        (and no worker inherits an open SQLite connection across the fork)."""
        self.commit()
        if self._generation is not None:
            self._generation[1].close()
            self._generation = None
        connection = self._local.connection
        if connection is not None:
            self._local.connection = None
            connection.close()
        lock_file = self._local.lock_file
        if lock_file is not None:
            self._local.lock_file = None
            lock_file.close()

    # -- set-up ------------------------------------------------------------------------------

    def initialize(self, seed: Seed, *, reset: bool = False) -> None:
        """Create the tables and plant the seed; idempotent, so every worker may call it."""
        with self._write() as db:
            _upgrade(db)
            _create_tables(db)
        with self._write() as db:
            self._bump_generation()
            if reset:
                for table in ("account", "reused_objects", "counters", "meetings", "requests"):
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            db.execute("INSERT OR IGNORE INTO account (id, balance) VALUES (1, ?)", (seed.balance,))
            db.executemany(
                "INSERT OR IGNORE INTO meetings (id, document, updated_at, seeded) VALUES (?, ?, ?, 1)",
                [(doc["id"], dumps(doc), updated_at) for doc, updated_at in seed.meetings],
            )
            db.executemany(
                "INSERT OR IGNORE INTO reused_objects (key, document, seeded) VALUES (?, ?, 1)",
                [(None if key is None else dumps(key), dumps(document)) for key, document in seed.reused],
            )
            for name in seed.identity:
                numbers = [document[name] for _, document in seed.reused if isinstance(document.get(name), int)]
                db.execute("INSERT OR IGNORE INTO counters (name, value) VALUES (?, ?)", (name, max(numbers, default=0)))

    # -- reads -------------------------------------------------------------------------------

    def meeting(self, meeting_id: int) -> tuple[str, str] | None:
        """``(document JSON text, updated_at)`` of a meeting, or None."""
        row = self._connection().execute(
            "SELECT document, updated_at FROM meetings WHERE id = ?", (meeting_id,)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def balance(self) -> int:
        return self._connection().execute(f"SELECT {_BALANCE}").fetchone()[0]

    def counts(self) -> dict[str, int]:
        db = self._connection()
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("meetings", "reused_objects", "requests")
        }

    def recent_requests(self, limit: int) -> list[dict[str, Any]]:
        rows = self._connection().execute(
            "SELECT id, at, method, path, status, duration_ms FROM requests ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        keys = ("seq", "at", "method", "path", "status", "duration_ms")
        return [dict(zip(keys, (seq, _rfc3339_micro(at), *rest), strict=True)) for seq, at, *rest in rows]

    # -- writes ------------------------------------------------------------------------------

    def create_meeting(
        self,
        minutes: int,
        build: Callable[[int, dict[str, Any] | None, int], NewMeeting],
        wanted: Wanted | None = None,
    ) -> Any:
        """Spend ``minutes`` and store the meeting ``build(id, reused object, balance left)`` makes.

        All or nothing, under SQLite's write lock (with the turn's other creates, when they
        share a transaction: a create half written loses them all, and each is told). ``wanted`` (dynamic meetings: the end user)
        is found by its key when one was sent and is known, else made. Returns the new
        meeting's answer; raises ``InsufficientMinutes``.
        """
        with self._create_transaction() as (db, turn):
            # Within a turn, no other writer can come between its creates: the last one's
            # id and balance are where the next one starts.
            start = None if turn is None else turn.next_meeting
            meeting_id, balance = start or db.execute(_NEXT_MEETING).fetchone()
            if balance < minutes:
                raise InsufficientMinutes(minutes, balance)  # nothing of this create written
            left = balance - minutes
            user = None if wanted is None else self._find_or_make(db, wanted)
            meeting = build(meeting_id, user, left)
            row = (meeting_id, dumps(meeting.document), meeting.updated_at, left)
            prune = meeting_id - self.limits.max_meetings if meeting_id > self.limits.max_meetings and meeting_id % self._prune_every == 0 else None
            if turn is None:
                self._store_meetings(db, [row], prune)
            else:
                turn.meetings.append(row)
                turn.prune_through = prune if prune is not None else turn.prune_through
                turn.next_meeting = (meeting_id + 1, left)
        return meeting.answer

    def _store_meetings(self, db: sqlite3.Connection, rows: list[tuple[int, str, str, int]], prune_through: int | None) -> None:
        """Insert created meetings, and drop the oldest created ones up to ``prune_through`` (the
        state keeps at most ``max_meetings``; seeded ones stay), in the open transaction."""
        if rows:
            db.executemany("INSERT INTO meetings (id, document, updated_at, balance_after) VALUES (?, ?, ?, ?)", rows)
        if prune_through is not None:
            self._bump_generation()
            db.execute("DELETE FROM meetings WHERE seeded = 0 AND id <= ?", (prune_through,))

    def _find_or_make(self, db: sqlite3.Connection, wanted: Wanted) -> dict[str, Any]:
        key = None if wanted.key is None else dumps(wanted.key)
        if key is not None:
            row = db.execute("SELECT document FROM reused_objects WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return orjson.loads(row[0])
        document = dict(wanted.fields)
        for name in wanted.identity:
            db.execute("INSERT OR IGNORE INTO counters (name, value) VALUES (?, 0)", (name,))
            document[name] = db.execute("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", (name,)).fetchone()[0]
        row_id = db.execute("INSERT INTO reused_objects (key, document) VALUES (?, ?)", (key, dumps(document))).lastrowid
        db.execute("DELETE FROM reused_objects WHERE seeded = 0 AND id <= ?", (row_id - self.limits.max_end_users,))
        return document

    def record_requests(self, lines: list[JournalLine]) -> None:
        """Add lines to the journal the admin routes list, in one transaction; keeps the newest."""
        with self._write() as db:
            db.executemany("INSERT INTO requests (at, method, path, status, duration_ms) VALUES (?, ?, ?, ?, ?)", lines)
            newest = db.execute("SELECT MAX(id) FROM requests").fetchone()[0] or 0
            db.execute("DELETE FROM requests WHERE id <= ?", (newest - self.limits.recent_requests,))
