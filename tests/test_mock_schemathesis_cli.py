"""The schemathesis CLI, as a user would point it at the running mock's own ``/openapi.json``
(the strict view, naming the mock as its server), finds no failure over all its checks and
phases."""

from __future__ import annotations

import pytest

import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from processes import TOKEN, Server

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_schemathesis_cli_finds_no_failure_in_the_running_mock(tmp_path: Path) -> None:
    server = Server("--workers", "1", "--token", TOKEN, "--quiet")
    try:
        junit = tmp_path / "schemathesis.xml"
        command = [
            str(SCHEMATHESIS), "run", f"{server.base}/openapi.json",
            "--header", f"Authorization: Bearer {TOKEN}",
            "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", "15", "--seed", "7",  # a fixed, quick run: the CLI's defaults take ~40 s here
            "--report", "junit", "--report-junit-path", str(junit),
            "--no-color",
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    finally:
        server.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "No issues found" in output
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in output, f"phase {phase} did not pass:\n{output[-3000:]}"
    suite = ElementTree.parse(junit).getroot()
    cases = suite.findall(".//testcase")
    assert len(cases) == 3 + 1  # the three operations, and the stateful run over their links
    assert not suite.findall(".//failure") and not suite.findall(".//error")
