"""The folder ``waterrai-mock`` keeps its fresh state and its workers' shared settings in: in RAM
where the system has a RAM folder (``/dev/shm``), made at start and removed on every way out.

A mock killed with SIGKILL gets no chance to remove its folder, so each mock that starts removes
the folders of mocks that are gone. Only folders the kit provably wrote are touched: a directory
of this user, named ``waterrai-mock-*``, holding the owner file the kit writes first (the owning
process's id and start time); it is removed when that process no longer runs. Only the files
the kit writes there are deleted, and the folder itself only once it is empty, so anything else
found inside is left where it is.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

PREFIX = "waterrai-mock-"
OWNER = ".waterrai-mock-owner"
#: Every file the kit writes in its folder: the only names ever deleted there.
KIT_FILES = (
    "state.sqlite3",
    "state.sqlite3-wal",
    "state.sqlite3-shm",
    "state.sqlite3-journal",
    "state.sqlite3.lock",  # the writers' lock (mock_server.state)
    "state.sqlite3.generation",  # what readers cache holds while it stays (mock_server.state)
    "settings",
    OWNER,
)


def memory_folder() -> str | None:
    """The system's RAM folder (``/dev/shm`` on Linux) when this user may write there: a fresh
    state is thrown away at exit anyway, and SQLite commits there cost less."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


class ScratchFolder:
    """A new folder for one run of the mock, marked as this process's; ``remove()`` at exit."""

    def __init__(self, parent: str | None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        _write_owner(self.path)

    def remove(self) -> None:
        remove_kit_folder(self.path)


def sweep(parent: str | None) -> list[Path]:
    """Remove the folders of mocks that no longer run, under ``parent`` (the system's temporary
    folder when None); the folders removed."""
    removed = []
    for candidate in Path(parent or tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if _abandoned(candidate) and remove_kit_folder(candidate):
                removed.append(candidate)
        except OSError:
            continue  # another mock removed it meanwhile, or it is not ours to read
    return removed


def remove_kit_folder(folder: Path) -> bool:
    """Delete the kit's files in ``folder``, then the folder if nothing else is left there."""
    for name in KIT_FILES:
        try:
            os.unlink(folder / name)  # a symbolic link is removed itself, never what it points at
        except FileNotFoundError:
            pass
        except OSError:
            return False
    try:
        folder.rmdir()
    except OSError:
        return False  # something the kit did not write is in it: left alone
    return True


def _write_owner(folder: Path) -> None:
    """The owner file, written whole before it has its name: a folder with no owner file (a
    mock that is still starting) is never taken for an abandoned one."""
    temporary = folder / f"{OWNER}.tmp"
    with open(temporary, "x", encoding="ascii") as stream:
        stream.write(f"{os.getpid()} {_start_time(os.getpid()) or 0}\n")
    os.replace(temporary, folder / OWNER)


def _abandoned(folder: Path) -> bool:
    """Whether ``folder`` is one the kit wrote and its mock no longer runs."""
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False  # a link, a file, or someone else's: never ours to remove
    descriptor = os.open(folder / OWNER, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        owner = os.read(descriptor, 64).decode("ascii", "replace").split()
    finally:
        os.close(descriptor)
    if len(owner) != 2 or not all(part.isdigit() for part in owner):
        return False  # not an owner file the kit wrote
    pid, started = int(owner[0]), int(owner[1])
    return not _runs(pid, started)


def _runs(pid: int, started: int) -> bool:
    """Whether process ``pid`` runs and is the one that started at ``started`` (clock ticks
    since boot, where ``/proc`` says; a reused process id is then told apart)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it runs, as another user
    now = _start_time(pid)
    return not (started and now and now != started)


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started, in clock ticks since boot (Linux's ``/proc``); else None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None
