"""The kit as another repository gets it: the wheel built from this tree, installed into a fresh
virtualenv outside the repository, and its commands run from an unrelated folder that has a
pytest set-up of its own (which the contract run must ignore)."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from servers import TOKEN as BROKEN_SERVER_TOKEN
from servers import Rewriting, mock_app, serving
from meetings_spec.serving import free_port
from processes import CHROMIUM, chromium_missing

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
#: the wheels `make venv` downloaded once; without them pip fetches from the index
WHEELS = Path(sys.prefix) / "wheels"
TOKEN = "install-test-token-5d81e"
COMMANDS = {"waterrai-mock": "mock_server", "waterrai-contract": "contract_tests", "waterrai-fixtures": "fixtures_builder", "waterrai-proxy": "validation_proxy"}
FRONTEND = ROOT / "examples" / "frontend"


@dataclass
class Installed:
    wheel: Path
    venv: Path
    elsewhere: Path  # the folder commands run from: no clone of the kit in sight

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        """A caller's environment: the venv first on PATH, a pytest set-up of their own, no kit settings."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("WATERRAI_", "PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
        # PYTEST_ADDOPTS as a caller's CI might set it for their own tests: the contract run ignores it
        return {**keep, "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}", "PYTEST_ADDOPTS": "--caller-only-option", **extra}

    def run(self, *command: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=self.elsewhere, env=self.env(**env), capture_output=True, text=True, timeout=timeout)


def _pip(*args: str) -> None:
    offline = ["--no-index", "--find-links", str(WHEELS)] if WHEELS.is_dir() else []
    result = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args, *offline], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def _copy_of_the_tree(target: Path) -> Path:
    """What a clone holds (tracked files, and new ones not ignored), without build leftovers:
    setuptools would put stale files from an old build/ into the wheel."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("building the wheel from a copy of the tree needs git and a git checkout")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("installed-kit")
    source = _copy_of_the_tree(base / "source")
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(base / "dist"), str(source))
    (wheel,) = (base / "dist").glob("*.whl")
    # another team's project, with its own pytest set-up (which would break the run if the contract
    # suite read it) and its virtualenv inside, where pytest looks for configuration and conftest.py
    elsewhere = base / "their-project"
    elsewhere.mkdir()
    (elsewhere / "pytest.ini").write_text("[pytest]\naddopts = --caller-only-option\n")
    (elsewhere / "conftest.py").write_text("raise SystemExit('the caller conftest.py was loaded')\n")
    venv = elsewhere / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    # no byte-compiling of every file now: each command compiles what it imports, once
    _pip("--python", str(venv / "bin" / "python"), "install", "--quiet", "--no-compile", str(wheel))
    return Installed(wheel=wheel, venv=venv, elsewhere=elsewhere)


def _leftovers(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} - {"pytest.ini", "conftest.py", ".venv", "reports", "fixtures"}


# ------------------------------------------------------------------------ the wheel


def test_the_wheel_carries_the_spec_and_every_module_of_the_kit(kit: Installed) -> None:
    with zipfile.ZipFile(kit.wheel) as wheel:
        names = set(wheel.namelist())
        spec = wheel.read("meetings_spec/openapi/meetings.yaml")
    assert spec == (ROOT / "openapi" / "meetings.yaml").read_bytes()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert [name for name in tracked if name.endswith("meetings.yaml")] == ["openapi/meetings.yaml"], "one spec, one copy"
    packages = {name.split("/")[0] for name in tracked if name.count("/") == 1 and name.endswith("/__init__.py")}
    assert packages - {"benchmarks"} <= {name.split("/")[0] for name in names}, "a package of the kit is missing from the wheel"
    for name in tracked:
        if name.split("/")[0] in packages - {"benchmarks"} and "/" in name:
            assert name in names, f"{name} is not in the wheel (package-data in pyproject.toml?)"
    assert not any(name.startswith(("openapi/", "benchmarks/", "tests/")) for name in names), "only the kit's own packages at the top"


def test_the_installed_kit_reads_the_spec_inside_the_package(kit: Installed) -> None:
    probe = "import json, mock_server; from meetings_spec.loader import SPEC_PATH, CHECKOUT_ROOT; print(json.dumps([mock_server.__file__, str(SPEC_PATH), CHECKOUT_ROOT]))"
    result = kit.run(str(kit.bin / "python"), "-c", probe)
    module, spec, checkout = json.loads(result.stdout)
    assert Path(module).is_relative_to(kit.venv) and Path(spec).is_relative_to(kit.venv), "the kit came from the repository, not the install"
    assert Path(spec).name == "meetings.yaml" and Path(spec).is_file() and checkout is None


def test_readme_lists_every_command_the_kit_installs_and_says_the_url_is_a_placeholder() -> None:
    """"Using the kit from another repository": each console script of pyproject.toml with its
    ``python -m``, and the github.com/your-org address named a placeholder."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Using the kit from another repository", 1)[1].split("\n## ", 1)[0]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert len(scripts) == 5
    for command, target in scripts.items():
        package = target.split(":")[0].rsplit(".", 1)[0]
        assert re.search(rf"^\| `{command}[^`]*` \| `python -m {package}` \|", section, re.M), f"{command} (python -m {package}) is not listed"
    assert "github.com/your-org/...` is a placeholder" in section


def test_make_test_says_why_each_skipped_test_was_skipped(tmp_path: Path) -> None:
    """``make test`` runs pytest with the repository's settings: a skip is listed with its reason."""
    (tmp_path / "test_one_skip.py").write_text("import pytest\n\n\ndef test_x():\n    pytest.skip('no Chromium here (apt-get install chromium)')\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", ".", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout
    assert "SKIPPED [1] test_one_skip.py:5: no Chromium here (apt-get install chromium)" in result.stdout, result.stdout


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_and_python_m_tell_their_version(kit: Installed, command: str) -> None:
    spec = kit.venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages" / "meetings_spec" / "openapi" / "meetings.yaml"
    for invocation in ([str(kit.bin / command)], [str(kit.bin / "python"), "-m", COMMANDS[command]]):
        result = kit.run(*invocation, "--version", timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"{command} {VERSION} (spec: {spec})"


# ------------------------------------------------------------------------ waterrai-contract


def _wait_until_it_answers(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"it exited with {process.returncode}"
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answered at {url} within {seconds} s")


@contextmanager
def installed_mock(kit: Installed, *args: str) -> Iterator[str]:
    """``waterrai-mock`` from the venv, started from the unrelated folder; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(kit.bin / "waterrai-mock"), "--port", str(port), "--quiet", *args],
        cwd=kit.elsewhere,
        env=kit.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_until_it_answers(f"http://127.0.0.1:{port}/__mock/health", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this test started, and only it
            process.wait()


def test_the_installed_suite_passes_the_installed_mock(kit: Installed) -> None:
    with installed_mock(kit, "--token", TOKEN) as base_url:
        result = kit.run(
            str(kit.bin / "waterrai-contract"), "--base-url", base_url,
            "--junitxml", "reports/contract.xml", "--summary", "reports/contract.md",
            WATERRAI_API_TOKEN=TOKEN,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    suite = ET.parse(kit.elsewhere / "reports" / "contract.xml").getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", 0)) >= 30 and suite.get("failures") == "0" and suite.get("errors") == "0"
    assert "contract: kept" in (kit.elsewhere / "reports" / "contract.md").read_text()
    assert "contract_tests/test_auth.py " in result.stdout
    assert [line for line in result.stdout.splitlines() if line.startswith("configfile: ")][0].endswith(os.devnull.lstrip("/"))
    for text in (result.stdout, result.stderr, (kit.elsewhere / "reports" / "contract.xml").read_text()):
        assert TOKEN not in text
    assert _leftovers(kit.elsewhere) == set(), "the run left files in the caller's folder (.pytest_cache, .hypothesis...)"


def _any_token_works(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Authorization": f"Bearer {BROKEN_SERVER_TOKEN}"}


def test_a_server_that_breaks_the_contract_gets_exit_1_with_skips_explained(kit: Installed) -> None:
    """It accepts any token; with no meeting allowed to be created, the checks that need one are
    skipped, and both the terminal report and the JUnit file say why."""
    with serving(Rewriting(mock_app(), on_headers=_any_token_works)) as base_url:
        result = kit.run(
            str(kit.bin / "waterrai-contract"), "--base-url", base_url, "--max-creates", "0", "--max-examples", "3",
            "--junitxml", "reports/broken.xml",
            WATERRAI_API_TOKEN=BROKEN_SERVER_TOKEN,
        )  # fmt: skip
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert failed and all("test_requests_without_a_valid_token_are_refused" in line for line in failed), result.stdout[-3000:]
    skips = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED [")]
    assert skips and all(line.split(": ", 1)[-1].strip() for line in skips), result.stdout[-3000:]
    junit = ET.parse(kit.elsewhere / "reports" / "broken.xml").getroot()
    skipped = [element.get("message", "") for element in junit.iter("skipped")]
    assert skipped and all(skipped), "the JUnit report lists the skipped checks, each with its reason"
    assert "no verdict" not in result.stderr and BROKEN_SERVER_TOKEN not in result.stdout + result.stderr


def test_a_closed_port_gets_exit_2_and_says_so(kit: Installed) -> None:
    with socket.socket() as reserved:  # bound, never listening: connections are refused at once
        reserved.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{reserved.getsockname()[1]}"
        result = kit.run(str(kit.bin / "waterrai-contract"), "--base-url", url, timeout=180, WATERRAI_API_TOKEN=TOKEN)
    assert result.returncode == 2, result.stdout[-3000:] + result.stderr
    assert f"no verdict (exit 2): the run stopped: contract suite: nothing answers at {url}" in result.stderr


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (["--base-url", "http://127.0.0.1:9"], {}, "WATERRAI_API_TOKEN"),
        (["--base-url", "http://127.0.0.1:9", "--no-such-option"], {"WATERRAI_API_TOKEN": TOKEN}, "--no-such-option"),
    ],
    ids=["no token", "unknown option"],
)
def test_a_usage_error_gets_exit_2_and_says_so(kit: Installed, args: list[str], env: dict[str, str], says: str) -> None:
    result = kit.run(str(kit.bin / "waterrai-contract"), *args, timeout=120, **env)
    assert result.returncode == 2
    assert says in result.stderr and "no verdict (exit 2): usage error" in result.stderr


# ------------------------------------------------------------------------ waterrai-proxy


def test_the_installed_proxy_forwards_to_the_installed_mock_and_checks(kit: Installed) -> None:
    port = free_port()
    with installed_mock(kit, "--token", TOKEN) as base_url:
        process = subprocess.Popen(
            [str(kit.bin / "waterrai-proxy"), "--upstream", base_url, "--port", str(port), "--quiet"],
            cwd=kit.elsewhere, env=kit.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_until_it_answers(f"http://127.0.0.1:{port}/__proxy/violations", process)
            good = urllib.request.Request(f"http://127.0.0.1:{port}/meetings/789", headers={"Authorization": f"Bearer {TOKEN}"})
            with urllib.request.urlopen(good, timeout=10) as answer:
                assert json.load(answer)["data"]["id"] == 789 and "X-Contract-Violations" not in answer.headers
            bad = urllib.request.Request(f"http://127.0.0.1:{port}/meetings/abc", headers={"Authorization": f"Bearer {TOKEN}"})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(bad, timeout=10)
            assert refused.value.code == 400 and refused.value.headers["X-Contract-Violations"] == "1"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__proxy/violations", timeout=10) as listed:
                violations = json.load(listed)["violations"]
            assert [(v["side"], v["rule"]) for v in violations] == [("request", "schema: path.id")]
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# ------------------------------------------------------------------------ waterrai-fixtures


def test_fixtures_are_written_into_an_empty_folder_and_match_the_committed_ones(kit: Installed) -> None:
    out = kit.elsewhere / "fixtures"
    out.mkdir()
    result = kit.run(str(kit.bin / "waterrai-fixtures"), "--out", "fixtures", timeout=120)
    assert result.returncode == 0, result.stderr
    comparison = filecmp.dircmp(ROOT / "fixtures", out)
    differing = []

    def walk(node: filecmp.dircmp[str]) -> None:
        differing.extend(node.left_only + node.right_only + node.diff_files)
        for child in node.subdirs.values():
            walk(child)

    walk(comparison)
    assert differing == [], "the installed kit wrote other fixtures than the clone's"


def test_an_installed_waterrai_fixtures_needs_out(kit: Installed) -> None:
    result = kit.run(str(kit.bin / "waterrai-fixtures"), timeout=60)
    assert result.returncode == 2 and "--out" in result.stderr
    assert not list(kit.venv.rglob("fixtures/index.json")), "it wrote into the virtualenv"
    assert _leftovers(kit.elsewhere) == set()


# ------------------------------------------------------------------------ the recipes use what exists


def _kit_invocations(script: str) -> list[list[str]]:
    """Each ``waterrai-*`` command line in a shell script, split as the shell would."""
    joined = script.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        found += [words[i:] for i, word in enumerate(words) if Path(word).name in COMMANDS]
    return found


def _recipe_scripts() -> dict[str, str]:
    scripts = {}
    github = yaml.safe_load((ROOT / "examples" / "ci" / "github-contract.yml").read_text())
    for job_name, job in github["jobs"].items():
        for number, step in enumerate(job["steps"]):
            if "run" in step:
                scripts[f"github {job_name} step {number}"] = step["run"]
    gitlab = yaml.safe_load((ROOT / "examples" / "ci" / "gitlab-contract.yml").read_text())
    for job_name, job in gitlab.items():
        if isinstance(job, dict):
            for part in ("before_script", "script", "after_script"):
                scripts[f"gitlab {job_name} {part}"] = "\n".join(job.get(part, []))
    for name, script in json.loads((FRONTEND / "package.json").read_text())["scripts"].items():
        scripts[f"package.json {name}"] = script
    scripts["with-mock.sh"] = (FRONTEND / "with-mock.sh").read_text()
    return scripts


def test_the_recipes_use_only_commands_and_options_the_installed_kit_has(kit: Installed) -> None:
    helps: dict[str, str] = {}
    for command in COMMANDS:
        pages = [kit.run(str(kit.bin / command), "--help", timeout=120).stdout]
        if command == "waterrai-contract":
            pages.append(kit.run(str(kit.bin / command), "--pytest-help", timeout=120).stdout)  # pytest's own
        helps[command] = "\n".join(pages)
    used = 0
    for where, script in _recipe_scripts().items():
        for words in _kit_invocations(script):
            command = Path(words[0]).name
            for word in words[1:]:
                if word.startswith("-"):
                    option = word.split("=")[0]
                    listed = helps[command].replace("=", " ").replace(",", " ").split()
                    assert option in listed, f"{where}: {command} has no option {option}"
                    used += 1
    assert used >= 8, "the recipes were not read"


# ------------------------------------------------------------------------ the frontend recipe


def _port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _frontend(kit: Installed, *command: str) -> tuple[subprocess.CompletedProcess[str], int]:
    if shutil.which("npm") is None or not (FRONTEND / "node_modules").is_dir():
        pytest.skip("the frontend recipe needs npm and examples/frontend/node_modules (make test runs npm ci there)")
    port = free_port()
    env = kit.env(MOCK_PORT=str(port), MOCK_TOKEN="frontend-test-token")
    result = subprocess.run(command, cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=180)
    return result, port


def test_the_frontend_recipe_starts_the_installed_mock_tests_and_stops_it(kit: Installed) -> None:
    result, port = _frontend(kit, "npm", "test")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "# pass 2" in result.stdout and "# fail 0" in result.stdout
    assert _port_is_closed(port), "the mock still runs after npm test"


def test_the_shell_recipe_does_the_same_and_keeps_the_commands_exit_status(kit: Installed) -> None:
    result, port = _frontend(kit, "./with-mock.sh", "npm", "run", "test:api")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "# pass 2" in result.stdout and _port_is_closed(port)
    failed, port = _frontend(kit, "./with-mock.sh", "sh", "-c", "exit 3")
    assert failed.returncode == 3 and _port_is_closed(port)


# ------------------------------------------------------------------------ the Playwright project


def _playwright(kit: Installed, tmp_path: Path, mock_port: int, **env: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``npm run test:e2e`` in examples/frontend (Playwright Test, parallel workers, Debian's
    Chromium) against the installed mock on ``mock_port``, its report as JSON."""
    if shutil.which("npm") is None or not (FRONTEND / "node_modules" / "@playwright" / "test").is_dir():
        pytest.skip("the Playwright project needs npm and examples/frontend/node_modules (make test runs npm ci there)")
    if chromium_missing() is not None:
        pytest.skip(str(chromium_missing()))
    settings = {"MOCK_PORT": str(mock_port), "APP_PORT": str(free_port()), "CHROMIUM": CHROMIUM, "PLAYWRIGHT_OUTPUT_DIR": str(tmp_path / "results"), **env}
    command = ["npm", "run", "--silent", "test:e2e", "--", "--reporter=json"]
    result = subprocess.run(command, cwd=FRONTEND, env=kit.env(**settings), capture_output=True, text=True, timeout=240)
    try:
        return result, json.loads(result.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON report:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}") from None


def _outcomes(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each test's title and its results (status, worker), from Playwright's JSON report."""
    found: dict[str, list[dict[str, Any]]] = {}

    def walk(suite: dict[str, Any]) -> None:
        for spec in suite.get("specs", []):
            for test in spec["tests"]:
                found[spec["title"]] = test["results"]
        for child in suite.get("suites", []):
            walk(child)

    for suite in report["suites"]:
        walk(suite)
    return found


def test_the_playwright_project_runs_its_tests_in_parallel_each_in_a_sandbox_of_its_own(kit: Installed, tmp_path: Path) -> None:
    port = free_port()
    result, report = _playwright(kit, tmp_path, port)
    outcomes = _outcomes(report)
    assert result.returncode == 0, json.dumps({title: [r["status"] for r in results] for title, results in outcomes.items()}) + result.stderr[-2000:]
    assert report["stats"]["expected"] == len(outcomes) == 7 and report["stats"]["unexpected"] == 0
    assert len({results[0]["workerIndex"] for results in outcomes.values()}) >= 2, "the tests did not run in parallel workers"
    assert _port_is_closed(port), "the mock Playwright started still runs"


def test_the_playwright_project_would_see_other_tests_data_in_a_world_shared_by_all(kit: Installed, tmp_path: Path) -> None:
    """The same tests against one mock without --sandboxes (reused: MOCK_REUSE): a test that
    reads another token's meeting sees it, and fails saying so. The isolation above is what
    these tests check, not an accident of their timing."""
    with installed_mock(kit, "--seed", str(FRONTEND / "seed.yaml")) as base_url:
        result, report = _playwright(kit, tmp_path, int(base_url.rsplit(":", 1)[1]), MOCK_REUSE="1")
    outcomes = _outcomes(report)
    assert result.returncode != 0
    assert outcomes["a meeting made with another token is not there"][0]["status"] == "failed"
