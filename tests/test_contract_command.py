"""``waterrai-contract`` and ``make contract`` from a clone: pytest's exit codes that are not a
verdict become 2, with a line that says why (the installed command: tests/test_install.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from servers import mock_app, serving

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
COMMAND = Path(sys.executable).with_name("waterrai-contract")


def _environment(**extra: str) -> dict[str, str]:
    """No kit settings from the test run's environment; byte code may be cached (pytest rewrites
    the asserts of its plugins' modules on every import otherwise)."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("WATERRAI_", "PYTEST_", "PYTHONDONTWRITEBYTECODE"))}
    return {**keep, **extra}


def test_a_selection_that_matches_no_check_gets_exit_2(tmp_path: Path) -> None:
    """pytest's 5 (nothing collected) is no verdict: a typo in -k must not pass a CI job."""
    with serving(mock_app()) as base_url:  # a server that answers: the run gets as far as selecting checks
        result = subprocess.run(
            [str(COMMAND), "--base-url", base_url, "-k", "no_such_check"],
            cwd=tmp_path, env=_environment(WATERRAI_API_TOKEN="t"), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 2, result.stdout[-2000:]
    assert "no verdict (exit 2): no check was selected" in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_contract_runs_waterrai_contract() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "contract", "BASE_URL=http://127.0.0.1:9"],
        cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr  # make's own status for a failed recipe
    assert "waterrai-contract --base-url 'http://127.0.0.1:9'" in result.stdout
    assert "WATERRAI_API_TOKEN" in result.stderr and "no verdict (exit 2): usage error" in result.stderr


def test_pytest_help_read_in_part_ends_quietly(tmp_path: Path) -> None:
    """``waterrai-contract --pytest-help | head``: a reader that stops early is no error of ours."""
    process = subprocess.Popen([str(COMMAND), "--pytest-help"], cwd=tmp_path, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stdout.readline().startswith(b"usage:")
    process.stdout.close()  # as head does after its lines
    _, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()
    assert process.returncode == 0


def test_a_failure_is_shown_without_the_suites_own_source(tmp_path: Path) -> None:
    """Short tracebacks: what broke and the curl that reproduces it, not the suite's code."""
    from mock_server import create_app

    with serving(create_app(access_log=False, journal=False)) as base_url:  # any token: "unknown-token" is let in
        result = subprocess.run(
            [str(COMMAND), "--base-url", base_url, "-k", "without_a_valid_token and getMeeting and unknown"],
            cwd=tmp_path, env=_environment(WATERRAI_API_TOKEN="t"), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "Reproduce with:" in result.stdout and "refused_without_a_valid_token" in result.stdout
    assert "def test_requests_without_a_valid_token_are_refused" not in result.stdout  # the suite's source
    assert "def __exit__" not in result.stdout  # contextlib's


def _reports(tmp_path: Path) -> list[str]:
    return ["--junitxml", str(tmp_path / "junit.xml"), "--summary", str(tmp_path / "summary.md"), "--report-json", str(tmp_path / "report.json"),
            "--coverage", str(tmp_path / "coverage")]  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["unreachable server", "no token", "unknown option"],
)
def test_a_run_that_checks_nothing_still_writes_every_report_saying_why(case: str, tmp_path: Path) -> None:
    """A CI job's publish step finds each file it asked for: JUnit with one errored case, the
    summary, the JSON and the coverage saying why nothing was checked."""
    import json
    import xml.etree.ElementTree as ET

    token = "ci-secret-token-5b8e1d0c"
    arguments, environment, why = {
        "unreachable server": ([], {"WATERRAI_API_TOKEN": token}, "nothing answers at http://127.0.0.1:9"),
        "no token": ([], {}, "set WATERRAI_API_TOKEN"),
        "unknown option": (["--no-such-option"], {"WATERRAI_API_TOKEN": token}, "unrecognized arguments: --no-such-option"),
    }[case]
    result = subprocess.run(
        [str(COMMAND), "--base-url", "http://127.0.0.1:9", *_reports(tmp_path), *arguments],
        cwd=tmp_path, env=_environment(**environment), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    cases = list(suite.iter("testcase"))
    assert len(cases) == 1 and cases[0].find("error") is not None, ET.tostring(suite)
    assert why in cases[0].find("error").get("message", "")  # type: ignore[union-attr]
    summary = (tmp_path / "summary.md").read_text()
    assert "NOT JUDGED" in summary and f"nothing was checked: " in summary and why in summary, summary
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["verdict"] == "not judged" and data["exit_status"] == 2 and why in data["reason"]
    assert data["target"] == "http://127.0.0.1:9" and data["tests"]["items"] == []
    assert why in result.stderr.splitlines()[-1]
    coverage = json.loads((tmp_path / "coverage" / "coverage.json").read_text())
    assert coverage["summary"]["requests"] == 0 and coverage["summary"]["statuses"]["declared"] > 0
    assert len(coverage["notes"]) == 1 and why in coverage["notes"][0] and why in (tmp_path / "coverage" / "coverage.md").read_text()
    for text in (result.stdout, result.stderr, summary, (tmp_path / "junit.xml").read_text(), json.dumps(data), json.dumps(coverage)):
        assert token not in text


def test_an_unknown_option_names_the_command_and_the_last_line_says_what_is_wrong(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(COMMAND), "--base-url", "http://127.0.0.1:9", "--no-such-option"],
        cwd=tmp_path, env=_environment(WATERRAI_API_TOKEN="t"), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert "pytest.main()" not in result.stderr, result.stderr
    assert "usage: waterrai-contract" in result.stderr and "waterrai-contract: error: unrecognized arguments: --no-such-option" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == "waterrai-contract: no verdict (exit 2): usage error: unrecognized arguments: --no-such-option; nothing was checked", last
