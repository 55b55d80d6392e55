"""The mock with an edited spec (``--spec``): any spec it cannot use is refused with one message
that names the file, the place in it (the line YAML gives, and the JSON pointer) and what is
wrong; a seeded example that breaks its schema is named as seed data; and the folder a served
mock keeps its fresh state in goes away on every way out, a killed mock's at the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from meetings_spec import SPEC_PATH, SpecError
from mock_server import create_app
from mock_server.scratch import OWNER, PREFIX, ScratchFolder, memory_folder, sweep
from processes import SCRIPT, free_port, wait_until_answering

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

KIT_SPEC = SPEC_PATH.read_text(encoding="utf-8")


def _edited(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The kit's spec with the first ``old`` replaced by ``new``, and the line it is on."""
    assert old in KIT_SPEC, old
    path = tmp_path / "edited.yaml"
    path.write_text(KIT_SPEC.replace(old, new, 1), encoding="utf-8")
    return path, KIT_SPEC[: KIT_SPEC.index(old)].count("\n") + 1


def _refusal(path: Path) -> str:
    with pytest.raises(SpecError) as refused:
        create_app(path, access_log=False)
    return str(refused.value)


def test_a_ref_to_a_missing_schema_is_named_where_it_is_written(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "$ref: '#/components/schemas/CreateMeetingRequest'", "$ref: '#/components/schemas/CreateMeetingRequestt'")
    message = _refusal(path)
    assert message.startswith(f"{path}, line {line}, at /paths/~1meetings/post/requestBody/content/application~1json/schema/$ref: "), message
    assert "'#/components/schemas/CreateMeetingRequestt' leads nowhere" in message


def test_a_malformed_schema_is_named_at_its_keyword(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "    MeetingId:\n      type: integer", "    MeetingId:\n      type: integr")
    message = _refusal(path)
    assert message.startswith(f"{path}, line {line + 1}, at /components/schemas/MeetingId/type: not a valid JSON Schema"), message


SEEDED = "    DocsMeeting789:\n      summary: The answer from the docs\n      value:\n        status: success\n        data:\n          id: 789\n"


def test_a_seeded_example_that_breaks_its_schema_is_named_as_seed_data(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, SEEDED, SEEDED.replace("id: 789", "id: seven"))
    line += 5
    message = _refusal(path)
    assert message.startswith(f"{path}, line {line}, at /components/examples/DocsMeeting789/value/data/id: seed data breaks its schema"), message
    for said in ("example DocsMeeting789", "x-mock.seed_examples.meetings", 'data.id = "seven"', "rule 'type'"):
        assert said in message, message
    assert "state" not in message


def test_a_plain_openapi_file_is_told_what_it_lacks_and_where_to_copy_it_from(tmp_path: Path) -> None:
    plain = yaml.safe_load(KIT_SPEC)
    del plain["x-mock"]
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(plain, sort_keys=False), encoding="utf-8")
    message = _refusal(path)
    kit_line = KIT_SPEC[: KIT_SPEC.index("\nx-mock:")].count("\n") + 2
    assert message.startswith(f"{path}, line 1, at /x-mock: no x-mock settings"), message
    assert f"Copy that block from the kit's spec, {SPEC_PATH} (line {kit_line})" in message


def test_an_operation_without_its_operation_id_is_named(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "    post:\n      operationId: createMeeting\n", "    post:\n")
    message = _refusal(path)
    assert message == f"{path}, line {line}, at /paths/~1meetings/post: an operation needs an operationId (the kit names each operation by it)"


def test_a_limit_the_mock_cannot_use_is_named_with_its_line(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "    max_meetings: 10000\n", "    max_meetings: lots\n")
    assert _refusal(path) == f"{path}, line {line}, at /x-mock/limits/max_meetings: x-mock.limits.max_meetings must be a whole number of at least 1, not 'lots'"


@pytest.mark.parametrize("edit", ["ref", "seed"])
def test_the_command_refuses_an_unusable_spec_with_exit_2_one_line_and_no_folder_left(edit: str, tmp_path: Path) -> None:
    old, new = {
        "ref": ("$ref: '#/components/schemas/CreateMeetingRequest'", "$ref: '#/components/schemas/Gone'"),
        "seed": (SEEDED, SEEDED.replace("id: 789", "id: seven")),
    }[edit]
    path, _ = _edited(tmp_path, old, new)
    process = subprocess.Popen([str(SCRIPT), "--spec", str(path), "--port", str(free_port())], stderr=subprocess.PIPE, text=True)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"waterrai-mock: {path}, line "), stderr
    assert "Traceback" not in stderr and "state file" not in stderr
    assert not [f for f in _folders() if _owner(f) == process.pid], "a failed start left its folder behind"


# ------------------------------------------------------------------ the fresh state's folder


def _folders() -> set[Path]:
    return set(Path(memory_folder() or "/tmp").glob(f"{PREFIX}*"))


def _owner(folder: Path) -> int | None:
    try:
        return int((folder / OWNER).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def test_sweep_removes_only_folders_the_kit_wrote_whose_mock_is_gone(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()

    def kit_folder(name: str, pid: int, *extra: str) -> Path:
        folder = tmp_path / f"{PREFIX}{name}"
        folder.mkdir()
        (folder / OWNER).write_text(f"{pid} 0\n")
        for file in ("state.sqlite3", "settings", *extra):
            (folder / file).write_text("x")
        return folder

    abandoned = kit_folder("abandoned", gone.pid)
    running = kit_folder("running", os.getppid())  # a process that runs: pytest's parent
    foreign = kit_folder("with-a-file-of-yours", gone.pid, "notes.txt")
    unmarked = tmp_path / f"{PREFIX}unmarked"
    unmarked.mkdir()
    (unmarked / "state.sqlite3").write_text("x")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / OWNER).write_text(f"{gone.pid} 0\n")
    (tmp_path / f"{PREFIX}link").symlink_to(elsewhere)
    ours = ScratchFolder(str(tmp_path))  # this process: it runs

    assert sweep(str(tmp_path)) == [abandoned]
    assert not abandoned.exists()
    assert sorted(p.name for p in running.iterdir()) == sorted([OWNER, "state.sqlite3", "settings"])
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]  # the kit's files went, yours stayed
    assert (unmarked / "state.sqlite3").exists() and (elsewhere / OWNER).exists() and ours.path.is_dir()
    ours.remove()
    assert not ours.path.exists()


@pytest.mark.skipif(memory_folder() is None, reason="no RAM folder (/dev/shm) here")
def test_the_folder_goes_at_sigterm_and_ctrl_c_and_a_killed_mocks_at_the_next_start() -> None:
    def start() -> tuple[subprocess.Popen[bytes], Path]:
        port = free_port()
        process = subprocess.Popen([str(SCRIPT), "--port", str(port), "--workers", "1", "--quiet"], stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until_answering(process, f"http://127.0.0.1:{port}")
        folder = next(f for f in _folders() if _owner(f) == process.pid)
        return process, folder

    started: list[subprocess.Popen[bytes]] = []
    try:
        for stop in ("SIGTERM to the server", "Ctrl-C to its group"):
            process, folder = start()
            started.append(process)
            if stop.startswith("SIGTERM"):
                process.send_signal(signal.SIGTERM)
            else:
                os.killpg(process.pid, signal.SIGINT)
            assert process.wait(timeout=30) == 0
            assert not folder.exists(), f"{stop} left {folder}"
        killed, folder = start()
        started.append(killed)
        os.killpg(killed.pid, signal.SIGKILL)  # no chance to clean up
        killed.wait(timeout=30)
        time.sleep(0.2)
        assert folder.exists()
        process, _ = start()
        started.append(process)
        assert not folder.exists(), "the next mock did not remove the killed one's folder"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # the groups this test started, and only them
                process.wait()
