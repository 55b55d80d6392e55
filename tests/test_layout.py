"""The packages stand side by side on ``meetings_spec``, never on each other.

Proven on what Python actually loads, in a fresh interpreter each: importing a package (and its
command line) must not bring in a sibling, nor what only the mock needs (Flask, its SQLite state).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

#: What each package's modules may not load; ``mock_server`` and ``fixtures_builder`` are the
#: only packages allowed Flask, werkzeug and sqlite3 (the fixtures builder records from the mock).
SIBLINGS = ["mock_server", "fixtures_builder", "validation_proxy", "spec_diff", "contract_tests"]
MOCK_ONLY = ["flask", "werkzeug", "sqlite3", "_sqlite3"]
PACKAGES = {
    "meetings_spec": ["meetings_spec.contract", "meetings_spec.judge", "meetings_spec.routing", "meetings_spec.har", "meetings_spec.har_input", "meetings_spec.coverage", "meetings_spec.coverage_report", "meetings_spec.ledger"],
    "validation_proxy": ["validation_proxy.cli", "validation_proxy.check", "validation_proxy.rsgi", "validation_proxy.recording"],
    "spec_diff": ["spec_diff.cli", "spec_diff.impact"],
    "contract_tests": ["contract_tests.cli"],
}


def _loaded(modules: list[str]) -> set[str]:
    code = f"import importlib, json, sys\nfor name in {modules!r}: importlib.import_module(name)\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("package", list(PACKAGES))
def test_a_package_loads_no_sibling_and_nothing_only_the_mock_needs(package: str) -> None:
    loaded = _loaded(PACKAGES[package])
    siblings = {name for name in loaded if name.split(".")[0] in SIBLINGS and name.split(".")[0] != package}
    assert siblings == set(), f"{package} loads {sorted(siblings)}"
    if package != "contract_tests":  # the suite runs schemathesis, which needs werkzeug
        assert not (loaded & set(MOCK_ONLY)), f"{package} loads {sorted(loaded & set(MOCK_ONLY))}"


def test_the_check_detects_a_forbidden_import() -> None:
    """The test above can fail: the mock's own modules do load Flask and the state."""
    loaded = _loaded(["mock_server.app"])
    assert {"flask", "sqlite3"} <= loaded
