"""The mock's SQLite state: a failed COMMIT frees the write lock, creates that share a turn's
transaction are all or nothing and told how it ended, the server's parent process holds no
descriptor of the state, and a --balance that cannot apply says so."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from typing import Any, Callable

from conftest import AUTH
from mock_server import create_app
from mock_server.state import InsufficientMinutes, NewMeeting, State, Wanted
from processes import Server, call
from state_traps import arm_commit_trap


#: The shared world's id in a fresh state (the first world made).
WORLD = 1


def _journal_line(path: str) -> tuple[float, str, str, int, float]:
    return (time.time(), "GET", path, 200, 1.0)


def _paths(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT path FROM requests ORDER BY id")]


def test_a_failed_commit_rolls_back_and_the_next_writer_is_not_stuck(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state = create_app(state_path=database, access_log=False, journal=False).extensions["waterrai_mock"].state
    other = create_app(state_path=database, access_log=False, journal=False, initialize=False).extensions["waterrai_mock"].state
    arm_commit_trap(database, "requests", state)
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

    from processes import SCRIPT, free_port

    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database, but someone's notes\n" * 100)
    result = subprocess.run([str(SCRIPT), "--state", str(bogus), "--port", str(free_port())], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "is not a state file of the mock" in result.stderr and "Traceback" not in result.stderr
    assert bogus.read_text().startswith("not a database")


# -- creates that share one transaction per turn of the event loop -------------------------


class Turns:
    """A stand-in for the event loop's ``call_soon``: the callbacks wait until ``run``."""

    def __init__(self) -> None:
        self.scheduled: list[Callable[[], None]] = []

    def __call__(self, callback: Callable[[], None]) -> None:
        self.scheduled.append(callback)

    def run(self) -> None:
        scheduled, self.scheduled = self.scheduled, []
        for callback in scheduled:
            callback()


def _shared_state(database: Path, balance: int = 1000) -> tuple[State, Turns]:
    ctx = create_app(state_path=database, access_log=False, journal=False, balance=balance).extensions["waterrai_mock"]
    assert ctx.worlds.shared() == WORLD
    state = ctx.state
    turns = Turns()
    state.share_creates(turns)
    return state, turns


def _build(meeting_id: int, user: dict[str, Any] | None, left: int) -> NewMeeting:
    return NewMeeting({"id": meeting_id, "left": left, "user": user}, "2024-01-15T10:40:00Z", (meeting_id, left))


def _created(database: Path) -> list[int]:
    """The ids of created meetings as another connection (another worker) reads them."""
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT id FROM meetings WHERE seeded = 0 ORDER BY world, id")]


def _end_users(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT COUNT(*) FROM reused_objects WHERE seeded = 0").fetchone()[0]


def test_creates_of_one_turn_share_one_commit_and_each_hears_of_it(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state, turns = _shared_state(database)
    told: list[Any] = []
    answers = [state.create_meeting(WORLD, 30, _build) for _ in range(3)]
    assert state.after_commit(told.append)
    first = answers[0][0]
    # one id after another, each paid from what the one before left, within the open turn
    assert answers == [(first, 970), (first + 1, 940), (first + 2, 910)]
    assert len(turns.scheduled) == 1  # one commit for the turn, not one per create
    assert _created(database) == [] and told == []  # another worker sees nothing yet
    turns.run()
    assert _created(database) == [first, first + 1, first + 2] and told == [None]
    assert not state.after_commit(told.append)  # nothing is open any more
    assert state.create_meeting(WORLD, 30, _build) == (first + 3, 880)  # the next turn reads where this one ended
    turns.run()
    assert state.balance(WORLD) == 880
    state.close()


def test_a_create_refused_in_a_turn_leaves_the_others_of_the_turn(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state, turns = _shared_state(database, balance=50)
    first = state.create_meeting(WORLD, 30, _build)
    with pytest.raises(InsufficientMinutes):
        state.create_meeting(WORLD, 30, _build)
    turns.run()
    assert _created(database) == [first[0]] and state.balance(WORLD) == 20
    state.close()


def test_a_create_half_written_loses_its_turn_and_every_create_of_it_is_told(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state, turns = _shared_state(database)
    told: list[Any] = []
    state.create_meeting(WORLD, 30, _build)
    state.after_commit(told.append)

    def broken(meeting_id: int, user: dict[str, Any] | None, left: int) -> NewMeeting:
        raise RuntimeError("a bug after the end user was written")

    with pytest.raises(RuntimeError):
        state.create_meeting(WORLD, 30, broken, Wanted("new@example.com", {"first_name": "N"}, ("id",)))
    assert len(told) == 1 and isinstance(told[0], RuntimeError)
    assert _created(database) == [] and _end_users(database) == 0  # neither the meeting nor the end user stayed
    # the writer lock is free at once for another worker, and this one writes again
    with sqlite3.connect(database, timeout=0.5) as other:
        other.execute("UPDATE worlds SET balance = balance")
    again = state.create_meeting(WORLD, 30, _build)
    turns.run()  # the lost turn's callback is a no-op; the new turn's commits
    assert _created(database) == [again[0]] and state.balance(WORLD) == 970
    state.close()


def test_a_turn_whose_commit_fails_is_rolled_back_and_its_creates_are_told(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state, turns = _shared_state(database)
    arm_commit_trap(database, "meetings", state)
    told: list[Any] = []
    state.create_meeting(WORLD, 30, _build)
    state.create_meeting(WORLD, 30, _build)
    state.after_commit(told.append)
    turns.run()
    assert len(told) == 1 and isinstance(told[0], sqlite3.IntegrityError)
    assert _created(database) == [] and state.balance(WORLD) == 1000
    with sqlite3.connect(database, timeout=0.5) as other:  # the writer lock was freed; the trap is disarmed
        other.execute("UPDATE trap_armed SET armed = 0")  # (its own disarming was rolled back with the turn)
    state.create_meeting(WORLD, 30, _build)
    turns.run()
    assert len(_created(database)) == 1 and state.balance(WORLD) == 970
    state.close()


def test_a_write_of_its_own_commits_the_open_turn_first(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state, turns = _shared_state(database)
    told: list[Any] = []
    created = state.create_meeting(WORLD, 30, _build)
    state.after_commit(told.append)
    state.record_requests([_journal_line("/after-the-create")])  # would nest in the open turn
    assert _created(database) == [created[0]] and told == [None]
    assert _paths(database) == ["/after-the-create"]
    turns.run()  # the turn's own callback finds it ended
    state.create_meeting(WORLD, 30, _build)
    state.close()  # closing commits what is open, too
    assert len(_created(database)) == 2


def test_serving_never_waits_for_the_journal_while_its_turn_holds_the_writer_lock(tmp_path: Path) -> None:
    """The journal's thread waits for the writer lock that the serving thread's turn holds: the
    serving thread must not wait for the journal in turn (before, the 64th line flushed inline
    and the worker hung for good)."""
    import threading

    from mock_server.journal import Journal

    database = tmp_path / "state.sqlite3"
    state, turns = _shared_state(database)
    journal = Journal(state, interval=3600)  # no timed flush: the test drives it
    state.create_meeting(WORLD, 30, _build)  # the turn holds the writer lock
    flushing = threading.Thread(target=journal.flush, daemon=True)
    journal.add(_journal_line("/first"))
    flushing.start()  # waits for the writer lock, holding the journal's own
    time.sleep(0.1)
    served = threading.Thread(target=lambda: [journal.add(_journal_line(f"/{n}")) for n in range(100)], daemon=True)
    served.start()
    served.join(5)
    assert not served.is_alive(), "serving waited for the journal, which waits for the turn: a deadlock"
    turns.run()  # the turn ends; the journal's write goes through
    flushing.join(5)
    journal.flush()
    assert _paths(database) == ["/first", *(f"/{n}" for n in range(100))]
    state.close()


def test_a_turn_that_cannot_be_scheduled_frees_the_writer_lock(tmp_path: Path) -> None:
    database = tmp_path / "state.sqlite3"
    state = create_app(state_path=database, access_log=False, journal=False).extensions["waterrai_mock"].state

    def closed_loop(callback: Callable[[], None]) -> None:
        raise RuntimeError("Event loop is closed")

    state.share_creates(closed_loop)
    with pytest.raises(RuntimeError):
        state.create_meeting(WORLD, 30, _build)
    with sqlite3.connect(database, timeout=0.5) as other:  # no turn was left holding the lock
        other.execute("UPDATE worlds SET balance = balance")
    assert _created(database) == []
    state.close()


def test_a_read_kept_by_one_worker_goes_when_another_takes_meetings_away(tmp_path: Path) -> None:
    """Each worker keeps the answers of its reads; a reset or a prune through another process
    (another State on the same file) moves the state's generation on, and the kept answer goes."""
    database = tmp_path / "state.sqlite3"
    first = create_app(state_path=database, access_log=False, journal=False).test_client()
    second = create_app(state_path=database, access_log=False, journal=False, initialize=False)
    created = first.post("/meetings", headers=AUTH, json={"person_name": "Ada", "scenario_id": 456}).get_json()["data"]["id"]
    assert first.get(f"/meetings/{created}", headers=AUTH).status_code == 200  # read, and kept
    assert first.get(f"/meetings/{created}", headers=AUTH).status_code == 200
    before = second.extensions["waterrai_mock"].state.generation()
    second.test_client().post("/__mock/reset")
    assert second.extensions["waterrai_mock"].state.generation() == before + 1
    assert first.get(f"/meetings/{created}", headers=AUTH).status_code == 404


def test_a_prune_moves_the_generation_on_and_a_plain_create_does_not(tmp_path: Path) -> None:
    """Readers keep answers of meetings while the generation holds; the oldest meetings pruned
    past the limit are taken away, so a prune must move it on."""
    from mock_server.state import Limits, Seed

    state = State(tmp_path / "state.sqlite3", Limits(max_meetings=3, max_end_users=10, recent_requests=10))
    state.prepare(Seed(balance=10_000, scenarios=[], meetings=[], reused=[]), "a test's files", shared=True)
    start = state.generation()
    state.create_meeting(WORLD, 1, _build)
    state.create_meeting(WORLD, 1, _build)
    state.create_meeting(WORLD, 1, _build)
    assert state.generation() == start  # nothing taken away yet
    state.create_meeting(WORLD, 1, _build)  # the fourth meeting prunes the first
    assert state.generation() == start + 1 and state.meeting(WORLD, 1) is None
    state.close()


def test_the_sqlite_state_offers_the_whole_store_interface() -> None:
    """Every method of ``mock_server.store.Store`` (what the rest of the mock asks of a store),
    with the same parameters: a second store (PostgreSQL) is held to the same list."""
    import inspect

    from mock_server.store import Store

    wanted = {name: member for name, member in vars(Store).items() if callable(member) and not name.startswith("_")}
    assert len(wanted) >= 20
    for name, member in wanted.items():
        offered = getattr(State, name, None)
        assert offered is not None, f"State has no {name}"
        assert list(inspect.signature(offered).parameters) == list(inspect.signature(member).parameters), name
