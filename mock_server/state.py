"""The mock's memory in SQLite: every world (``mock_server.store``), its meetings, end users,
scenarios and balance, and a request journal.

It lives in one SQLite file so that every worker process sees the same worlds: a meeting
created through one worker reads back through any other. Each process (and thread) opens its
own connection; writes queue on a lock file, then take SQLite's write lock (``BEGIN
IMMEDIATE``), so concurrent creates never hand out the same id or spend the same minutes twice.
Under ``waterrai-mock`` the creates one worker answers in one turn of its event loop share one
transaction, committed at the end of the turn (``share_creates``): a commit costs more than the
rest of a create, and no answer is sent before the commit (``after_commit``).

Each table holds the rows of every world, keyed by the world's id. The balance is kept like a
ledger: the world's row holds an opening balance and each meeting created since the balance
was last set the balance left once it was paid, so a create writes one row, not two. Every
table is bounded: meetings and end users per world, worlds of tokens by ``max_sandboxes``.
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
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from mock_server.store import (
    SHARED,
    InsufficientMinutes,
    JournalLine,
    Keeps,
    Limits,
    NewMeeting,
    SandboxInfo,
    Seed,
    SeedFor,
    Wanted,
    WorldGone,
    short_key,
)

__all__ = ["InsufficientMinutes", "JournalLine", "Limits", "NewMeeting", "Seed", "State", "Wanted", "WorldGone", "short_key"]

_log = logging.getLogger("mock_server.state")

_SCHEMA = """
-- one row per world: the shared one (key '*') or a token's (the SHA-256 of the token, in hex)
CREATE TABLE IF NOT EXISTS worlds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    made_at REAL NOT NULL,
    last_used REAL NOT NULL,
    balance INTEGER NOT NULL,  -- the balance as last set (made, reset, seeded)
    since INTEGER NOT NULL DEFAULT 0,  -- ... after the meetings up to this id
    seed_balance INTEGER NOT NULL,  -- the balance its seeds give (a reload applies a new one)
    seed TEXT  -- the seed documents posted to it (a JSON list), NULL if none
);
CREATE TABLE IF NOT EXISTS scenarios (
    world INTEGER NOT NULL,
    id INTEGER NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (world, id)
);
-- objects a request field identifies (the spec's x-reuses: end users by email), as JSON
CREATE TABLE IF NOT EXISTS reused_objects (
    id INTEGER PRIMARY KEY,
    world INTEGER NOT NULL,
    key TEXT,  -- JSON of the identifying value (NULL for an object made without one)
    document TEXT NOT NULL,
    seeded INTEGER NOT NULL DEFAULT 0,
    UNIQUE (world, key)
);
-- the last number handed out for each identity field of those objects (id, membership_id)
CREATE TABLE IF NOT EXISTS counters (
    world INTEGER NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (world, name)
);
CREATE TABLE IF NOT EXISTS meetings (
    world INTEGER NOT NULL,
    id INTEGER NOT NULL,
    document TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seeded INTEGER NOT NULL DEFAULT 0,
    balance_after INTEGER,  -- the world's balance once this meeting was paid (NULL if seeded)
    PRIMARY KEY (world, id)
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    world INTEGER,  -- NULL: a request no world was resolved for (refused credentials, the docs)
    at REAL NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_world ON requests (world, id);
-- values of the whole store: 'fingerprint', of the spec and seed files the worlds were planted from
CREATE TABLE IF NOT EXISTS kit (name TEXT PRIMARY KEY, value TEXT NOT NULL)
"""

#: The tables as version 4 of the state wrote them (one world), which ``_upgrade`` moves on from.
_V4_TABLES = """
CREATE TABLE IF NOT EXISTS reused_objects (id INTEGER PRIMARY KEY, key TEXT UNIQUE, document TEXT NOT NULL, seeded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)
"""

#: The generation counter's layout (``State.generation``): one native unsigned 64-bit integer.
_COUNTER = struct.Struct("=Q")
#: States whose counter is mapped: a process forked from this one maps its own (a mapping made
#: before the fork is shared memory still, but the kit keeps each process's own).
_MAPPED: weakref.WeakSet[State] = weakref.WeakSet()


def _forget_mappings_after_fork() -> None:
    for state in list(_MAPPED):
        state._counter = None
        state._generation = None
    _MAPPED.clear()


os.register_at_fork(after_in_child=_forget_mappings_after_fork)

#: Bumped when a table changes shape; ``_upgrade`` brings older state files along.
_SCHEMA_VERSION = 5

#: A world's balance: what the newest meeting created since it was set left, else the balance set.
_BALANCE = (
    "COALESCE((SELECT balance_after FROM meetings WHERE world = w.id AND id > w.since AND balance_after IS NOT NULL"
    " ORDER BY id DESC LIMIT 1), w.balance)"
)
#: A create's starting point, read under the write lock: the next meeting id and the balance
#: (no row: the world is gone).
_NEXT_MEETING = f"SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM meetings WHERE world = w.id), {_BALANCE} FROM worlds AS w WHERE w.id = ?"

#: The tables that hold a world's rows (besides ``worlds``).
_WORLD_TABLES = ("scenarios", "reused_objects", "counters", "meetings", "requests")


class _ThreadState(threading.local):
    """What each thread keeps of the state: its connection, lock file and shared transaction.
    Class attributes are the defaults, so that reading an unset one is a plain lookup."""

    connection: sqlite3.Connection | None = None
    lock_file: Any = None
    schedule: Callable[[Callable[[], None]], object] | None = None
    turn: "_Turn | None" = None
    taken_away: bool = False  # the open write transaction takes meetings away: bump once committed


@dataclass
class _Turn:
    """The write transaction that the creates of one turn of the event loop share."""

    lock: int  # the writer lock file's descriptor, held until the transaction ends
    waiters: list[Callable[[BaseException | None], None]] = field(default_factory=list)
    #: (id, balance) after this turn's latest create, by world.
    next_meeting: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: The turn's meetings, inserted together at its end (one statement for the turn, not one
    #: per create: no other writer can come between, and no answer leaves before the commit).
    meetings: list[tuple[int, int, str, str, int]] = field(default_factory=list)
    #: The oldest created meetings to drop at the end, up to this id, by world.
    prunes: dict[int, int] = field(default_factory=dict)


def dumps(value: Any) -> str:
    """JSON text of ``value``; integers beyond 64 bits (valid JSON) go through the stdlib."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False)


def _table_exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}  # noqa: S608 - fixed names


def _upgrade(db: sqlite3.Connection) -> None:
    """Bring a state file an earlier version of the kit wrote to the current tables (a new file
    only gets its version number; ``_SCHEMA`` creates the tables)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < 2:  # the journal's time became seconds since the epoch; the journal is disposable
        db.execute("DROP TABLE IF EXISTS requests")
    if version < 3 and _table_exists(db, "meetings") and "balance_after" not in _columns(db, "meetings"):
        # the balance became a ledger; the account's balance, spent down until now, opens it
        db.execute("ALTER TABLE meetings ADD COLUMN balance_after INTEGER")
    if version < 4 and _table_exists(db, "end_users"):
        # end users became generic reused objects: the columns of the first release, as JSON
        _execute_all(db, _V4_TABLES)
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
    if version < 5 and _table_exists(db, "account"):
        # one world became many: what the file held is the shared world's
        _to_worlds(db)
    db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")


def _to_worlds(db: sqlite3.Connection) -> None:
    """Version 4's tables (one account, no world) as the shared world of version 5."""
    balance = db.execute("SELECT balance FROM account WHERE id = 1").fetchone()
    for table in ("meetings", "reused_objects", "counters"):
        if _table_exists(db, table):
            db.execute(f"ALTER TABLE {table} RENAME TO old_{table}")  # noqa: S608 - fixed names
    db.execute("DROP TABLE IF EXISTS requests")  # the journal is disposable
    _execute_all(db, _SCHEMA)
    now = time.time()
    opening = 0 if balance is None else balance[0]
    db.execute(
        "INSERT INTO worlds (id, key, made_at, last_used, balance, since, seed_balance) VALUES (1, ?, ?, ?, ?, 0, ?)",
        (SHARED, now, now, opening, opening),
    )
    if _table_exists(db, "old_meetings"):
        db.execute("INSERT INTO meetings SELECT 1, id, document, updated_at, seeded, balance_after FROM old_meetings")
    if _table_exists(db, "old_reused_objects"):
        db.execute("INSERT INTO reused_objects (id, world, key, document, seeded) SELECT id, 1, key, document, seeded FROM old_reused_objects")
    if _table_exists(db, "old_counters"):
        db.execute("INSERT INTO counters SELECT 1, name, value FROM old_counters")
    for table in ("old_meetings", "old_reused_objects", "old_counters", "account"):
        db.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 - fixed names


def _execute_all(db: sqlite3.Connection, script: str) -> None:
    """A script one statement at a time (``executescript`` would commit the transaction; no
    comment in it holds a semicolon)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _rfc3339_micro(seconds: float) -> str:
    """``2026-11-25T08:03:38.123456Z``: a journal line's time, to the microsecond, in UTC."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class State:
    """One SQLite database shared by every worker of one mock server (the ``Store`` of SQLite)."""

    def __init__(self, path: Path, limits: Limits, *, durable: bool = False) -> None:
        self.path = path
        self.limits = limits
        self._durable = durable
        self._local = _ThreadState()
        self._generation: mmap.mmap | None = None  # the counter's page, mapped once per process
        self._counter: memoryview | None = None  # ... as one unsigned 64-bit integer
        # Old meetings and end users go in batches, not one per create: at most 1% over the limit.
        self._prune_every = max(1, min(64, limits.max_meetings // 100))
        self._prune_users_every = max(1, min(64, limits.max_end_users // 100))

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
        turn are committed first: transactions do not nest, and this write comes after them.
        If the block took meetings away (``_taking_away``), the generation moves on once the
        commit is done, still under the writer lock: a reader in between reads what is committed."""
        self.commit()
        connection = self._connection()
        lock = self._begin(connection)
        self._local.taken_away = False
        try:
            yield connection
            connection.execute("COMMIT")
            if self._local.taken_away:
                self._bump_generation()
        except BaseException:
            self._roll_back(connection)
            raise
        finally:
            self._local.taken_away = False
            fcntl.flock(lock, fcntl.LOCK_UN)

    def _taking_away(self) -> None:
        """The open write transaction takes meetings (or scenarios) away or replaces them."""
        self._local.taken_away = True

    # -- the generation ----------------------------------------------------------------------

    def generation(self) -> int:
        """How many times meetings or scenarios were taken away or replaced (a reset, a seed, a
        prune, a reload, a sandbox removed) in this state, by any process: what a reader caches
        of them holds while this stays the same (a meeting never changes once written). Eight
        bytes in a file beside the state, mapped once per process and read as one integer
        (every read and create asks: it costs a tenth of a microsecond)."""
        counter = self._counter
        if counter is None:
            counter = self._map_generation()
        return counter[0]

    def _bump_generation(self) -> None:
        """Called under the writer lock, which orders the bumps of every process."""
        counter = self._counter
        if counter is None:
            counter = self._map_generation()
        counter[0] += 1

    def _map_generation(self) -> memoryview:
        descriptor = os.open(f"{self.path}.generation", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(descriptor).st_size < _COUNTER.size:
                os.ftruncate(descriptor, _COUNTER.size)
            mapped = mmap.mmap(descriptor, _COUNTER.size)
        finally:
            os.close(descriptor)
        self._generation = mapped
        self._counter = memoryview(mapped).cast("Q")
        _MAPPED.add(self)
        return self._counter

    def _unmap_generation(self) -> None:
        if self._counter is not None:
            self._counter.release()
            self._counter = None
        if self._generation is not None:
            self._generation.close()
            self._generation = None

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
                    self._store_meetings(connection, turn.meetings, turn.prunes)
                    connection.execute("COMMIT")
                    if turn.prunes:
                        self._bump_generation()
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
        self._unmap_generation()
        connection = self._local.connection
        if connection is not None:
            self._local.connection = None
            connection.close()
        lock_file = self._local.lock_file
        if lock_file is not None:
            self._local.lock_file = None
            lock_file.close()

    # -- set-up and coordination between workers ---------------------------------------------

    def prepare(self, seed: Seed, fingerprint: str, *, shared: bool) -> None:
        """Create (or upgrade) the tables; make the shared world when ``shared``. A state file
        kept from a run on other spec or seed files gets their seeds planted again in each of
        its worlds (created meetings stay, and so does each balance). Every worker may call it."""
        with self._write() as db:
            _upgrade(db)
            _execute_all(db, _SCHEMA)
        self.adopt(fingerprint, lambda posted: seed, None, balances=False)
        if shared:
            self.world(SHARED, seed)

    def adopt(self, fingerprint: str, seed_for: SeedFor, keeps: Keeps | None, *, balances: bool) -> int | None:
        """Plant the seeds of edited spec or seed files in every world, once for all workers
        (None, and nothing done, when the worlds were planted from this ``fingerprint``): each
        world's seeded meetings, end users and scenarios are replaced by its new seeds (those
        posted to it on top), its balance too where the seeds now give another one and
        ``balances``; created meetings ``keeps`` refuses go. The number of meetings dropped."""
        with self._write() as db:
            stored = db.execute("SELECT value FROM kit WHERE name = 'fingerprint'").fetchone()
            if stored is not None and stored[0] == fingerprint:
                return None
            dropped = 0
            worlds = db.execute("SELECT id, seed, seed_balance FROM worlds ORDER BY id").fetchall()
            for world, posted, seed_balance in worlds:
                seed = seed_for(None if posted is None else orjson.loads(posted))
                self._plant(db, world, seed, set_balance=balances and seed.balance != seed_balance)
                if keeps is not None:
                    rows = db.execute("SELECT id, document, updated_at FROM meetings WHERE world = ?", (world,)).fetchall()
                    gone = [(world, meeting_id) for meeting_id, document, updated_at in rows if not keeps(document, updated_at)]
                    db.executemany("DELETE FROM meetings WHERE world = ? AND id = ?", gone)
                    dropped += len(gone)
            db.execute("INSERT INTO kit (name, value) VALUES ('fingerprint', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", (fingerprint,))
            if worlds:
                self._taking_away()
            return dropped

    # -- worlds --------------------------------------------------------------------------------

    def world(self, key: str, seed: Seed) -> int:
        """The id of the world of ``key``, made and planted with ``seed`` if there is none."""
        row = self._connection().execute("SELECT id FROM worlds WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return int(row[0])
        with self._write() as db:
            row = db.execute("SELECT id FROM worlds WHERE key = ?", (key,)).fetchone()  # another worker may have made it
            if row is not None:
                return int(row[0])
            if key != SHARED:
                self._make_room(db)
            now = time.time()
            world = db.execute(
                "INSERT INTO worlds (key, made_at, last_used, balance, since, seed_balance) VALUES (?, ?, ?, ?, 0, ?)",
                (key, now, now, seed.balance, seed.balance),
            ).lastrowid
            assert world is not None
            self._plant(db, world, seed, set_balance=True)
            return int(world)

    def _make_room(self, db: sqlite3.Connection) -> None:
        """Remove the least recently used sandboxes until a new one fits under ``max_sandboxes``."""
        count = db.execute("SELECT COUNT(*) FROM worlds WHERE key != ?", (SHARED,)).fetchone()[0]
        excess = count - self.limits.max_sandboxes + 1
        if excess <= 0:
            return
        victims = db.execute(
            "SELECT id, key, last_used FROM worlds WHERE key != ? ORDER BY last_used, id LIMIT ?", (SHARED, excess)
        ).fetchall()
        for world, key, last_used in victims:
            self._remove_world(db, world)
            _log.warning(
                "sandbox %s removed, the least recently used (at %s), to make room: at most %d sandboxes (--max-sandboxes)",
                short_key(key), _rfc3339_micro(last_used)[:19] + "Z", self.limits.max_sandboxes,
            )

    def _remove_world(self, db: sqlite3.Connection, world: int) -> None:
        for table in _WORLD_TABLES:
            db.execute(f"DELETE FROM {table} WHERE world = ?", (world,))  # noqa: S608 - fixed names
        db.execute("DELETE FROM worlds WHERE id = ?", (world,))
        self._taking_away()

    def sandboxes(self) -> list[SandboxInfo]:
        db = self._connection()
        rows = db.execute(
            f"SELECT w.id, w.key, w.made_at, w.last_used, {_BALANCE}, w.seed IS NOT NULL,"
            " (SELECT COUNT(*) FROM meetings WHERE world = w.id),"
            " (SELECT COUNT(*) FROM meetings WHERE world = w.id AND seeded = 0),"
            " (SELECT COUNT(*) FROM reused_objects WHERE world = w.id),"
            " (SELECT COUNT(*) FROM scenarios WHERE world = w.id)"
            " FROM worlds AS w ORDER BY w.last_used DESC, w.id DESC"
        ).fetchall()
        return [
            SandboxInfo(
                world=world, key=key, made_at=made_at, last_used=last_used, balance=balance, seeded_at_run_time=bool(posted),
                counts={"meetings": meetings, "created_meetings": created, "reused_objects": users, "scenarios": scenarios},
            )
            for world, key, made_at, last_used, balance, posted, meetings, created, users, scenarios in rows
        ]

    def touch(self, used: dict[int, float]) -> None:
        if used:
            with self._write() as db:
                self._touch(db, used)

    @staticmethod
    def _touch(db: sqlite3.Connection, used: dict[int, float]) -> None:
        db.executemany("UPDATE worlds SET last_used = MAX(last_used, ?) WHERE id = ?", [(at, world) for world, at in used.items()])

    # -- planting seeds ------------------------------------------------------------------------

    def _plant(self, db: sqlite3.Connection, world: int, seed: Seed, *, set_balance: bool) -> None:
        """Replace the world's seeded rows by ``seed``'s (a seeded meeting or end user replaces a
        created one where ids meet) and its scenarios; set its balance to the seed's when
        ``set_balance``, else keep it (the ledger starts again from what it was)."""
        balance = seed.balance if set_balance else self._balance(db, world)
        db.execute("DELETE FROM scenarios WHERE world = ?", (world,))
        db.executemany(
            "INSERT INTO scenarios (world, id, document) VALUES (?, ?, ?)", [(world, scenario["id"], dumps(scenario)) for scenario in seed.scenarios]
        )
        db.execute("DELETE FROM meetings WHERE world = ? AND seeded = 1", (world,))
        db.executemany(
            "INSERT OR REPLACE INTO meetings (world, id, document, updated_at, seeded) VALUES (?, ?, ?, ?, 1)",
            [(world, document["id"], dumps(document), updated_at) for document, updated_at in seed.meetings],
        )
        db.execute("DELETE FROM reused_objects WHERE world = ? AND seeded = 1", (world,))
        for key, document in seed.reused:
            key_text = None if key is None else dumps(key)
            for name in seed.identity:  # a created object with the same number goes
                if isinstance(document.get(name), int):
                    db.execute("DELETE FROM reused_objects WHERE world = ? AND json_extract(document, ?) = ?", (world, _json_path(name), document[name]))
            db.execute("INSERT OR REPLACE INTO reused_objects (world, key, document, seeded) VALUES (?, ?, ?, 1)", (world, key_text, dumps(document)))
        for name in seed.identity:
            numbers = [document[name] for _, document in seed.reused if isinstance(document.get(name), int)]
            db.execute("INSERT OR IGNORE INTO counters (world, name, value) VALUES (?, ?, 0)", (world, name))
            db.execute("UPDATE counters SET value = MAX(value, ?) WHERE world = ? AND name = ?", (max(numbers, default=0), world, name))
        since = db.execute("SELECT COALESCE(MAX(id), 0) FROM meetings WHERE world = ?", (world,)).fetchone()[0]
        db.execute("UPDATE worlds SET balance = ?, since = ?, seed_balance = ? WHERE id = ?", (balance, since, seed.balance, world))

    @staticmethod
    def _balance(db: sqlite3.Connection, world: int) -> int:
        row = db.execute(f"SELECT {_BALANCE} FROM worlds AS w WHERE w.id = ?", (world,)).fetchone()
        if row is None:
            raise WorldGone(world)
        return int(row[0])

    def seed(self, world: int, document: dict[str, Any], seed_for: SeedFor, *, set_balance: bool) -> None:
        """Add ``document`` to the seeds posted to the world and plant ``seed_for(all of them)``,
        in one transaction (two posts at once both count); the balance becomes the seed's when
        ``set_balance``, else it stays."""
        with self._write() as db:
            row = db.execute("SELECT seed FROM worlds WHERE id = ?", (world,)).fetchone()
            if row is None:
                raise WorldGone(world)
            posted = [*(orjson.loads(row[0]) if row[0] else []), document]
            db.execute("UPDATE worlds SET seed = ? WHERE id = ?", (dumps(posted), world))
            self._plant(db, world, seed_for(posted), set_balance=set_balance)
            self._taking_away()

    def posted_seed(self, world: int) -> list[dict[str, Any]] | None:
        row = self._connection().execute("SELECT seed FROM worlds WHERE id = ?", (world,)).fetchone()
        return None if row is None or row[0] is None else orjson.loads(row[0])

    def reset(self, world: int | None, seed_for: SeedFor, *, forget_posted: bool = False) -> int:
        """Back to its seeds (those posted to it too, unless ``forget_posted``): one world, or
        every one (None). Created meetings, end users and journal lines go; the balance is the
        seeds'. The number of worlds reset."""
        with self._write() as db:
            query = "SELECT id, seed FROM worlds" + ("" if world is None else " WHERE id = ?")
            worlds = db.execute(query, () if world is None else (world,)).fetchall()
            if world is not None and not worlds:
                raise WorldGone(world)
            for found, posted in worlds:
                for table in _WORLD_TABLES:
                    db.execute(f"DELETE FROM {table} WHERE world = ?", (found,))  # noqa: S608 - fixed names
                if forget_posted:
                    db.execute("UPDATE worlds SET seed = NULL WHERE id = ?", (found,))
                self._plant(db, found, seed_for(None if forget_posted or posted is None else orjson.loads(posted)), set_balance=True)
            self._taking_away()
            return len(worlds)

    # -- reads -------------------------------------------------------------------------------

    def meeting(self, world: int, meeting_id: int) -> tuple[str, str] | None:
        """``(document JSON text, updated_at)`` of a meeting, or None."""
        row = self._connection().execute(
            "SELECT document, updated_at FROM meetings WHERE world = ? AND id = ?", (world, meeting_id)
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def scenarios(self, world: int) -> dict[int, dict[str, Any]]:
        rows = self._connection().execute("SELECT id, document FROM scenarios WHERE world = ? ORDER BY rowid", (world,)).fetchall()
        return {int(scenario_id): orjson.loads(document) for scenario_id, document in rows}

    def balance(self, world: int) -> int:
        return self._balance(self._connection(), world)

    def counts(self, world: int) -> dict[str, int]:
        db = self._connection()
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {table} WHERE world = ?", (world,)).fetchone()[0]  # noqa: S608
            for table in ("meetings", "reused_objects", "scenarios", "requests")
        }

    def recent_requests(self, world: int | None, limit: int) -> list[dict[str, Any]]:
        """The journal's newest lines of ``world`` (None: of every world, and of none)."""
        where = "" if world is None else " WHERE world = ?"
        rows = self._connection().execute(
            f"SELECT id, at, method, path, status, duration_ms FROM requests{where} ORDER BY id DESC LIMIT ?",  # noqa: S608
            (limit,) if world is None else (world, limit),
        ).fetchall()
        keys = ("seq", "at", "method", "path", "status", "duration_ms")
        return [dict(zip(keys, (seq, _rfc3339_micro(at), *rest), strict=True)) for seq, at, *rest in rows]

    # -- writes ------------------------------------------------------------------------------

    def create_meeting(
        self,
        world: int,
        minutes: int,
        build: Callable[[int, dict[str, Any] | None, int], NewMeeting],
        wanted: Wanted | None = None,
    ) -> Any:
        """Spend ``minutes`` of ``world`` and store the meeting ``build(id, reused object,
        balance left)`` makes.

        All or nothing, under SQLite's write lock (with the turn's other creates, when they
        share a transaction: a create half written loses them all, and each is told). ``wanted`` (dynamic meetings: the end user)
        is found by its key when one was sent and is known, else made. Returns the new
        meeting's answer; raises ``InsufficientMinutes``, or ``WorldGone`` (nothing written).
        """
        with self._create_transaction() as (db, turn):
            # Within a turn, no other writer can come between its creates: the last one's
            # id and balance are where the next one in the same world starts.
            start = None if turn is None else turn.next_meeting.get(world)
            if start is None:
                row = db.execute(_NEXT_MEETING, (world,)).fetchone()
                if row is None:
                    raise WorldGone(world)
                start = row
            meeting_id, balance = start
            if balance < minutes:
                raise InsufficientMinutes(minutes, balance)  # nothing of this create written
            left = balance - minutes
            user = None if wanted is None else self._find_or_make(db, world, wanted)
            meeting = build(meeting_id, user, left)
            row = (world, meeting_id, dumps(meeting.document), meeting.updated_at, left)
            limit = self.limits.max_meetings
            prune = meeting_id - limit if meeting_id > limit and meeting_id % self._prune_every == 0 else None
            if turn is None:
                self._store_meetings(db, [row], {} if prune is None else {world: prune})
                if prune is not None:
                    self._taking_away()
            else:
                turn.meetings.append(row)
                if prune is not None:
                    turn.prunes[world] = prune
                turn.next_meeting[world] = (meeting_id + 1, left)
        return meeting.answer

    def _store_meetings(self, db: sqlite3.Connection, rows: list[tuple[int, int, str, str, int]], prunes: dict[int, int]) -> None:
        """Insert created meetings, and drop each world's oldest created ones up to its prune id
        (a world keeps at most ``max_meetings``; seeded ones stay), in the open transaction."""
        if rows:
            db.executemany("INSERT INTO meetings (world, id, document, updated_at, balance_after) VALUES (?, ?, ?, ?, ?)", rows)
        for world, through in prunes.items():
            db.execute("DELETE FROM meetings WHERE world = ? AND seeded = 0 AND id <= ?", (world, through))

    def _find_or_make(self, db: sqlite3.Connection, world: int, wanted: Wanted) -> dict[str, Any]:
        key = None if wanted.key is None else dumps(wanted.key)
        if key is not None:
            row = db.execute("SELECT document FROM reused_objects WHERE world = ? AND key = ?", (world, key)).fetchone()
            if row is not None:
                return orjson.loads(row[0])
        document = dict(wanted.fields)
        for name in wanted.identity:
            db.execute("INSERT OR IGNORE INTO counters (world, name, value) VALUES (?, ?, 0)", (world, name))
            document[name] = db.execute(
                "UPDATE counters SET value = value + 1 WHERE world = ? AND name = ? RETURNING value", (world, name)
            ).fetchone()[0]
        row_id = db.execute("INSERT INTO reused_objects (world, key, document) VALUES (?, ?, ?)", (world, key, dumps(document))).lastrowid
        if row_id is not None and row_id % self._prune_users_every == 0:
            db.execute(
                "DELETE FROM reused_objects WHERE world = ? AND seeded = 0 AND id <= (SELECT id FROM reused_objects"
                " WHERE world = ? AND seeded = 0 ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (world, world, self.limits.max_end_users),
            )
        return document

    def record_requests(self, lines: list[JournalLine], used: dict[int, float] | None = None) -> None:
        """Add lines to the journal the admin routes list, and when each world was last used, in
        one transaction; each world keeps its newest lines."""
        with self._write() as db:
            db.executemany(
                "INSERT INTO requests (at, method, path, status, duration_ms, world) VALUES (?, ?, ?, ?, ?, ?)",
                [line if len(line) == 6 else (*line, None) for line in lines],
            )
            for world in {line[5] if len(line) == 6 else None for line in lines}:
                db.execute(
                    "DELETE FROM requests WHERE world IS ? AND id <= (SELECT id FROM requests WHERE world IS ?"
                    " ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (world, world, self.limits.recent_requests),
                )
            if used:
                self._touch(db, used)


def _json_path(name: str) -> str:
    """The JSON path of a top-level member (SQLite's ``json_extract``), quoted."""
    return "$." + json.dumps(name)
