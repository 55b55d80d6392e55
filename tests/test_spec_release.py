"""The spec keeps its latest release (``make spec-check``, run by ``make test``), and releasing keeps it."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from meetings_spec import SPEC_PATH, load_spec
from spec_diff.release import check, release, released
from spec_diff.report import text
from tests.spec_edits import prop

ROOT = Path(__file__).resolve().parent.parent
RELEASED = ROOT / "openapi" / "released"
SPEC = load_spec()


def test_the_spec_keeps_its_latest_release() -> None:
    """Fails when openapi/meetings.yaml breaks the latest release without a new major info.version."""
    report = check(str(SPEC_PATH), RELEASED)
    assert report.status == 0, text(report)


def test_each_release_is_named_after_its_info_version() -> None:
    releases = released(RELEASED)
    assert "1.0.0" in [str(r.version) for r in releases]
    for one in releases:
        assert str(load_spec(one.path)["info"]["version"]) == one.path.stem


def _project(tmp_path: Path, spec: dict[str, Any]) -> tuple[Path, Path]:
    """A spec and a released/ directory holding today's spec as 1.0.0."""
    directory = tmp_path / "released"
    directory.mkdir()
    (directory / "1.0.0.yaml").write_text(yaml.safe_dump(_versioned("1.0.0"), sort_keys=False), encoding="utf-8")
    path = tmp_path / "meetings.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path, directory


def _versioned(version: str, *, breaking: bool = False, compatible: bool = False) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    spec["info"]["version"] = version
    if breaking:
        prop(spec, "MeetingControls", "allow_recording")["default"] = False
    if compatible:
        prop(spec, "MeetingControls", "allow_chat")["description"] = "Offer a chat."
    return spec


@pytest.mark.parametrize(("version", "status", "verdict"), [
    ("1.0.0", 1, "the release of its info.version 1.0.0, and a release is never rewritten: bump info.version (to 2.0.0"),
    ("1.1.0", 1, "raise info.version to a new major version (2.0.0)"),
    ("2.0.0", 0, "allowed: info.version 2.0.0 is a new major version"),
    ("0.9.0", 1, "older than the latest release"),
])
def test_a_breaking_change_needs_a_new_major_version(tmp_path: Path, version: str, status: int, verdict: str) -> None:
    spec, directory = _project(tmp_path, _versioned(version, breaking=True))
    report = check(str(spec), directory)
    assert report.status == status and verdict in (report.verdict or ""), text(report)
    assert [c.rule for c in report.changes].count("default-changed") == 2


def test_compatible_changes_under_a_new_unreleased_version_keep_the_release(tmp_path: Path) -> None:
    spec, directory = _project(tmp_path, _versioned("1.1.0", compatible=True))
    report = check(str(spec), directory)
    assert report.status == 0 and report.verdict == "keeps release 1.0.0"
    assert {c.level.label for c in report.changes} == {"compatible"}


def test_a_spec_that_differs_from_the_release_of_its_own_version_fails(tmp_path: Path) -> None:
    """Two specs would go by one version: even a compatible change needs a new info.version."""
    spec, directory = _project(tmp_path, _versioned("1.0.0", compatible=True))
    report = check(str(spec), directory)
    assert report.status == 1, text(report)
    assert report.verdict == (
        f"{spec} differs from {directory / '1.0.0.yaml'}, the release of its info.version 1.0.0, and a release is never rewritten: "
        "bump info.version (to 1.1.0, for what changed since 1.0.0), then run `make release-spec` (waterrai-spec release)"
    )
    assert {c.level.label for c in report.changes} == {"compatible"}  # and what changed since, listed
    shutil.copy(directory / "1.0.0.yaml", spec)
    assert check(str(spec), directory).verdict == "keeps release 1.0.0"  # the release itself passes


def test_release_copies_the_spec_once_and_never_rewrites_it(tmp_path: Path) -> None:
    spec, directory = _project(tmp_path, _versioned("1.1.0", compatible=True))
    assert release(str(spec), directory)[0] == 0
    kept = directory / "1.1.0.yaml"
    assert kept.read_bytes() == spec.read_bytes()
    assert release(str(spec), directory) == (0, f"{kept} already holds this spec: nothing to do")

    spec.write_text(spec.read_text(encoding="utf-8") + "# an edit without a new version\n", encoding="utf-8")
    status, message = release(str(spec), directory)
    assert status == 1 and "never rewritten" in message
    assert kept.read_bytes() != spec.read_bytes()

    spec.write_text(yaml.safe_dump(_versioned("1.2.0", breaking=True), sort_keys=False), encoding="utf-8")
    status, message = release(str(spec), directory)
    assert status == 1 and message.startswith("not released:")
    assert sorted(p.name for p in directory.iterdir()) == ["1.0.0.yaml", "1.1.0.yaml"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_spec_check_and_release_spec() -> None:
    done = subprocess.run(["make", "-s", "spec-check"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keeps release 1.0.0" in done.stdout
    kept = RELEASED / f"{SPEC['info']['version']}.yaml"
    if kept.exists() and kept.read_bytes() == SPEC_PATH.read_bytes():  # then releasing again writes nothing
        done = subprocess.run(["make", "-s", "release-spec"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              check=False)
        assert done.returncode == 0 and "already holds this spec" in done.stdout, done.stdout + done.stderr
