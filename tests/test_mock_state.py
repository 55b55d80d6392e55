"""The mock's SQLite state: a failed COMMIT frees the write lock, the server's parent process
holds no descriptor of the state, and a --balance that cannot apply says so."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from mock_server import create_app
from test_mock_server_process import Server, call


def _journal_line(path: str) -> tuple[float, str, str, int, float]:
    return (time.time(), "GET", path, 200, 1.0)


def _paths(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT path FROM requests ORDER BY id")]


def test_a_failed_commit_rolls_back_and_the_next_writer_is_not_stuck(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state = create_app(state_path=database, access_log=False, journal=False).extensions["waterrai_mock"].state
    other = create_app(state_path=database, access_log=False, journal=False, initialize=False).extensions["waterrai_mock"].state
    # A trap that makes the next COMMIT of a journal line fail once, as SQLite fails a COMMIT:
    # a deferred foreign key, checked only at COMMIT, which leaves the transaction open.
    with sqlite3.connect(database) as setup:
        setup.executescript(
            """
            CREATE TABLE trap_parent (id INTEGER PRIMARY KEY);
            CREATE TABLE trap (parent INTEGER REFERENCES trap_parent (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TABLE trap_armed (armed INTEGER);
            INSERT INTO trap_armed VALUES (1);
            CREATE TRIGGER spring AFTER INSERT ON requests WHEN (SELECT armed FROM trap_armed) BEGIN
                INSERT INTO trap VALUES (1);
                UPDATE trap_armed SET armed = 0;
            END;
            """
        )
    state._connection().execute("PRAGMA foreign_keys = ON")  # the trap needs its foreign key checked
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        state.record_requests([_journal_line("/failed-commit")])
    # another process's writer gets the write lock at once (it would wait out its busy timeout)
    started = time.monotonic()
    with sqlite3.connect(database, timeout=2) as writer:
        writer.execute("INSERT INTO trap_parent VALUES (7)")
    assert time.monotonic() - started < 1.5
    other.record_requests([_journal_line("/other-worker")])
    # and the same connection writes again (it would be stuck inside the failed transaction)
    state.record_requests([_journal_line("/after")])
    assert _paths(database) == ["/other-worker", "/after"]  # the failed line was rolled back
    state.close()
    other.close()


def test_closing_the_state_releases_its_files(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state = create_app(state_path=database, access_log=False, journal=False).extensions["waterrai_mock"].state
    state.record_requests([_journal_line("/x")])
    assert _open_files(os.getpid(), str(database))
    state.close()
    assert not _open_files(os.getpid(), str(database))
    state.record_requests([_journal_line("/y")])  # a later use opens them again
    assert _paths(database) == ["/x", "/y"]
    state.close()


def _open_files(pid: int, needle: str) -> list[str]:
    """The files process ``pid`` holds open whose path contains ``needle``."""
    found = []
    for descriptor in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except OSError:
            continue
        if needle in target:
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list a process's open files")
@pytest.mark.parametrize("state", ["file", "fresh"])
def test_the_servers_parent_process_holds_no_descriptor_of_the_state(state: str, tmp_path: Path) -> None:
    database = tmp_path / "mock.sqlite3"
    server = Server("--workers", "1", *(["--state", str(database)] if state == "file" else []))
    try:
        assert call(server.base, "POST", "/meetings", {"person_name": "A", "scenario_id": 456})[0] == 200
        needle = str(database) if state == "file" else "waterrai-mock-"
        assert not _open_files(server.process.pid, needle), "the parent process keeps the state open across the fork"
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
        assert any(_open_files(int(child), needle) for child in children), "the worker should hold the state (the check would see nothing)"
    finally:
        server.stop()


def test_a_balance_for_an_existing_state_file_is_reported_as_ignored(tmp_path: Path) -> None:
    database = tmp_path / "mock.sqlite3"
    first = Server("--workers", "1", "--state", str(database), "--balance", "500")
    try:
        assert call(first.base, "POST", "/meetings", {"person_name": "A", "scenario_id": 456, "meeting_duration_minutes": 30})[0] == 200
    finally:
        _, first_err = first.stop()
    assert "ignored" not in first_err
    second = Server("--workers", "1", "--state", str(database), "--balance", "1000")
    try:
        assert call(second.base, "GET", "/__mock/health")[1]["balance"] == 470
    finally:
        _, err = second.stop()
    assert f"--balance 1000 is ignored: {database} already holds the account, with 470 minutes left" in err
    assert "remove the file or give --state a new one" in err


def test_a_state_file_that_is_not_one_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess

    from test_mock_server_process import SCRIPT, free_port

    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database, but someone's notes\n" * 100)
    result = subprocess.run([str(SCRIPT), "--state", str(bogus), "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "is not a state file of the mock" in result.stderr and "Traceback" not in result.stderr
    assert bogus.read_text().startswith("not a database")
