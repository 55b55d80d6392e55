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
