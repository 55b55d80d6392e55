"""``waterrai-fixtures --out DIR`` writes only into its own folder, and touches only its own files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from fixtures_builder import writers
from fixtures_builder.cli import main
from fixtures_builder.writers import GENERATOR, INDEX, FolderRefused, dump, plan, write_fixtures


def kit_set(**files: str) -> dict[str, str]:
    """A fixture set as the kit writes one: the files given (``a__b`` is ``a/b``) and an index listing them."""
    named = {name.replace("__", "/").replace("_json", ".json"): text for name, text in files.items()}
    named[INDEX] = dump({"about": "test", "generator": GENERATOR, "fixtures": [], "files": sorted([*named, INDEX])})
    return named


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included), relative path to text."""
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def folders(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_dir())


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project, as the working directory."""
    work = tmp_path / "project"
    (work / "src").mkdir(parents=True)
    (work / "src" / "app.py").write_text("print('mine')\n")
    (work / "README.md").write_text("# my project\n")
    (work / "notes.txt").write_text("do not lose\n")
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize("check", [[], ["--check"]], ids=["write", "check"])
def test_out_dot_in_a_project_is_refused_and_nothing_is_touched(workdir: Path, check: list[str], capsys: Any) -> None:
    before = tree(workdir)
    assert main(["--out", ".", *check]) == 2
    error = capsys.readouterr().err
    assert "will not write into ." in error and "not a fixtures folder of the kit" in error and "Nothing was written" in error
    assert tree(workdir) == before and folders(workdir) == ["src"]


@pytest.mark.parametrize("check", [[], ["--check"]], ids=["write", "check"])
def test_a_folder_with_a_foreign_index_is_refused(tmp_path: Path, check: list[str], capsys: Any) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / INDEX).write_text(json.dumps({"pages": ["home"], "files": ["index.json"]}))
    (out / "home.html").write_text("<h1>home</h1>")
    before = tree(out)
    assert main(["--out", str(out), *check]) == 2
    assert f"{out / INDEX} was not written by {GENERATOR}" in capsys.readouterr().err
    assert tree(out) == before


def test_a_file_for_a_folder_is_refused(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "fixtures"
    out.write_text("a file")
    assert main(["--out", str(out)]) == 2
    assert "is not a folder" in capsys.readouterr().err and out.read_text() == "a file"


def test_an_empty_or_missing_folder_is_written(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "missing" / "deeper"):
        files = kit_set(a__one_json="1")
        write_fixtures(files, out)
        assert tree(out) == files
    umask = os.umask(0)
    os.umask(umask)
    assert (out / "a" / "one.json").stat().st_mode & 0o777 == 0o666 & ~umask  # as any file the user writes


def test_users_files_in_the_kits_folder_stay_and_only_listed_files_go(tmp_path: Path) -> None:
    out = tmp_path / "fixtures"
    write_fixtures(kit_set(a__one_json="1", a__two_json="2", gone__x_json="x"), out)
    (out / "a" / "mine.txt").write_text("a user's file beside ours")
    (out / "notes.md").write_text("a user's notes")
    (out / ".hidden").write_text("a user's hidden file")
    new = kit_set(a__one_json="1 changed", b__three_json="3")
    changes = write_fixtures(new, out)
    assert changes.remove == ["a/two.json", "gone/x.json"] and set(changes.write) == {"a/one.json", "b/three.json", INDEX}
    assert tree(out) == {**new, "a/mine.txt": "a user's file beside ours", "notes.md": "a user's notes", ".hidden": "a user's hidden file"}
    assert folders(out) == ["a", "b"]  # gone/ held only a file of ours; a/ holds the user's file too


def test_a_file_the_kit_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "fixtures"
    write_fixtures(kit_set(a__one_json="1"), out)
    (out / "b").mkdir()
    (out / "b" / "three.json").write_text("the user's own three")
    before = tree(out)
    with pytest.raises(FolderRefused, match="three.json is in the way: the kit did not write it"):
        write_fixtures(kit_set(a__one_json="1", b__three_json="3"), out)
    assert tree(out) == before
    # a file that already holds exactly what the kit writes is no loss (a rerun after an interrupted one)
    (out / "b" / "three.json").write_text("3")
    write_fixtures(kit_set(a__one_json="1", b__three_json="3"), out)


def test_an_index_cannot_make_the_kit_delete_outside_its_folder(tmp_path: Path) -> None:
    out, outside = tmp_path / "fixtures", tmp_path / "outside.txt"
    outside.write_text("keep")
    out.mkdir()
    (out / "elsewhere").mkdir()
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "x.json").write_text("keep too")
    (out / "linked").symlink_to(tmp_path / "target")
    listed = ["../outside.txt", str(outside), "linked/x.json", "a/../../outside.txt", INDEX]
    (out / INDEX).write_text(dump({"generator": GENERATOR, "files": listed}))
    write_fixtures(kit_set(a__one_json="1"), out)
    assert outside.read_text() == "keep" and (tmp_path / "target" / "x.json").read_text() == "keep too"
    with pytest.raises(FolderRefused, match="symbolic link"):
        write_fixtures(kit_set(linked__y_json="y"), out)
    assert not (tmp_path / "target" / "y.json").exists()


def test_a_crash_mid_write_leaves_the_old_set_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "fixtures"
    write_fixtures(kit_set(a__one_json="1", a__two_json="2"), out)
    (out / "mine.txt").write_text("the user's")
    before, before_folders = tree(out), folders(out)
    written: list[Path] = []
    real_write = writers._write_new

    def full_disk_on_the_third(path: Path, text: str) -> None:
        written.append(path)
        if len(written) == 3:
            real_write(path, text[: len(text) // 2])  # half a file, then the disk is full
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(writers, "_write_new", full_disk_on_the_third)
    with pytest.raises(OSError, match="No space left"):
        write_fixtures(kit_set(a__one_json="1 new", a__two_json="2 new", c__d__three_json="3", e_json="e"), out)
    monkeypatch.undo()
    assert len(written) == 3
    assert tree(out) == before and folders(out) == before_folders  # no temporary file, no new folder


def test_a_folder_written_before_the_index_named_its_generator_is_the_kits(tmp_path: Path) -> None:
    out = tmp_path / "fixtures"
    (out / "op").mkdir(parents=True)
    (out / "op" / "case.json").write_text("old")
    (out / "meetings.har").write_text("old")
    (out / "mine.txt").write_text("the user's")
    legacy = {"about": "Request/response pairs recorded from the Meetings API mock; see README.md.", "fixtures": [{"file": "op/case.json"}]}
    (out / INDEX).write_text(dump(legacy))
    changes = plan(kit_set(op__case_json="new"), out)
    assert changes.remove == ["meetings.har"] and set(changes.write) == {"op/case.json", INDEX}
    write_fixtures(kit_set(op__case_json="new"), out)
    assert (out / "mine.txt").read_text() == "the user's" and (out / "op" / "case.json").read_text() == "new"


def test_the_command_keeps_a_users_file_and_check_agrees_with_a_write(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "fixtures"
    assert main(["--out", str(out)]) == 0
    (out / "notes.md").write_text("the user's")
    assert main(["--out", str(out), "--check"]) == 0  # a write would change nothing: not stale
    (out / "meetings.har").write_text("{}")
    capsys.readouterr()
    assert main(["--out", str(out), "--check"]) == 1
    assert "['meetings.har']" in capsys.readouterr().err
    assert main(["--out", str(out)]) == 0
    assert "wrote 1 changed file(s) of" in capsys.readouterr().out
    assert (out / "notes.md").read_text() == "the user's" and (out / "meetings.har").read_text() != "{}"
    assert main(["--out", str(out), "--check"]) == 0
