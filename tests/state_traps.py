"""Traps set in a state's SQLite file, to fail a COMMIT as SQLite fails one (for the tests of what happens then)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mock_server.state import State


def arm_commit_trap(database: Path, table: str, state: State) -> None:
    """Make the next COMMIT of ``state`` that holds a row inserted into ``table`` fail, once, as
    SQLite fails a COMMIT: a deferred foreign key, checked only at COMMIT, which leaves the
    transaction open. Its disarming is part of that transaction, so a rollback re-arms it; another
    connection disarms it with ``UPDATE trap_armed SET armed = 0`` (foreign keys are off there)."""
    with sqlite3.connect(database) as setup:
        setup.executescript(
            f"""
            CREATE TABLE trap_parent (id INTEGER PRIMARY KEY);
            CREATE TABLE trap (parent INTEGER REFERENCES trap_parent (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TABLE trap_armed (armed INTEGER);
            INSERT INTO trap_armed VALUES (1);
            CREATE TRIGGER spring AFTER INSERT ON {table} WHEN (SELECT armed FROM trap_armed) BEGIN
                INSERT INTO trap VALUES (1);
                UPDATE trap_armed SET armed = 0;
            END;
            """
        )
    state._connection().execute("PRAGMA foreign_keys = ON")  # the trap needs its foreign key checked
