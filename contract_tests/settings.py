"""What one contract run is about: the target, the token, the mode and the budget.

Filled once from the command line and the environment when pytest starts (``conftest.py``),
read by the test modules when they are collected.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Sequence
from urllib.parse import urlsplit

from contract_tests.redaction import PLACEHOLDER, Redactor
from meetings_spec.hosts import origin, production_server
from meetings_spec.model import scenario_attribute

TOKEN_ENV = "WATERRAI_API_TOKEN"
SCENARIO_ENV = "WATERRAI_SCENARIO_ID"
DEFAULT_SCENARIO_ID = 456
DEFAULT_SEED = 20240115
DEFAULT_MAX_CREATES = 80
#: What the token is replaced with in every reproduction command and report.
TOKEN_PLACEHOLDER = f"Bearer {PLACEHOLDER}"


class SettingsError(Exception):
    """The run cannot start as asked; the message says what to change."""


@dataclass
class RunSettings:
    base_url: str
    token: str = field(repr=False)
    scenario_id: int
    strict: bool
    seed: int
    max_creates: int
    max_examples: int
    summary_path: str | None
    #: What is known of the target's scenario (``--scenario-attribute NAME=VALUE``), for the
    #: rules whose value it decides (``x-default-from-scenario``).
    scenario_attributes: dict[str, Any] = field(default_factory=dict)
    report_json_path: str | None = None
    #: Where ``coverage.json``, ``coverage.md`` and ``coverage.html`` go (``--coverage DIR``).
    coverage_dir: str | None = None

    @property
    def mode(self) -> str:
        return "strict" if self.strict else "lenient"

    @property
    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @cached_property
    def redact(self) -> Redactor:
        """Hides the token in text the suite prints, logs or writes (``contract_tests.redaction``)."""
        return Redactor([self.token])


def configure(options: Any, spec: dict[str, Any]) -> RunSettings:
    """Check the options and environment: the run's settings."""
    base_url = (options.base_url or os.environ.get("WATERRAI_BASE_URL") or "").strip().rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise SettingsError("give the server to check: --base-url http://host:port (or make contract BASE_URL=...)")
    try:
        production = production_server(base_url, spec)
    except ValueError as error:
        raise SettingsError(f"--base-url is not a URL the suite can use: {error}") from None
    if production is not None and not options.allow_production:
        raise SettingsError(
            f"--base-url points at {origin(base_url).host}, the production API ({production} in the spec): "
            "every create spends real session minutes. Point the suite at staging, "
            "or pass --allow-production if you mean it."
        )
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise SettingsError(f"set {TOKEN_ENV} to an API token of the target (it is never printed)")
    raw_scenario = os.environ.get(SCENARIO_ENV, str(DEFAULT_SCENARIO_ID))
    if not raw_scenario.isdigit():
        raise SettingsError(f"{SCENARIO_ENV} must be the integer id of a scenario on the target, not {raw_scenario!r}")
    if options.max_creates < 0 or options.max_examples < 1:
        raise SettingsError("--max-creates must be 0 or more and --max-examples at least 1")
    return RunSettings(
        scenario_attributes=_scenario_attributes(getattr(options, "scenario_attributes", None) or [], spec),
        report_json_path=getattr(options, "report_json", None),
        coverage_dir=_coverage_dir(getattr(options, "coverage", None)),
        base_url=base_url,
        token=token,
        scenario_id=int(raw_scenario),
        strict=bool(options.contract_strict),
        seed=options.seed,
        max_creates=options.max_creates,
        max_examples=options.max_examples,
        summary_path=options.summary,
    )


def _coverage_dir(given: str | None) -> str | None:
    """``--coverage DIR``: a folder (made if missing), never a file, checked before anything is sent."""
    if given is None:
        return None
    if not given.strip():
        raise SettingsError("--coverage takes a folder to write coverage.json, coverage.md and coverage.html into")
    if os.path.exists(given) and not os.path.isdir(given):
        raise SettingsError(f"--coverage {given} is a file; give a folder (it is made if missing)")
    return given


def _scenario_attributes(given: list[str], spec: dict[str, Any]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs, for attributes the spec's ``x-default-from-scenario`` rules read."""
    attributes: dict[str, Any] = {}
    for pair in given:
        try:
            name, value = scenario_attribute(spec, pair)
        except ValueError as error:
            raise SettingsError(f"--scenario-attribute {error}") from None
        attributes[name] = value
    return attributes


def asked_reports(arguments: Sequence[str]) -> argparse.Namespace:
    """The reports a command line asks for (``--junitxml``, ``--summary``, ``--report-json``) and
    what the run was to check, read without pytest: for a run that stops before pytest reads
    them (an unknown option, a missing token, a server that cannot be reached)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--junitxml", "--junit-xml", dest="junitxml")
    parser.add_argument("--summary")
    parser.add_argument("--report-json")
    parser.add_argument("--coverage")
    parser.add_argument("--base-url")
    parser.add_argument("--contract-strict", action="store_true")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--max-creates", type=int, default=DEFAULT_MAX_CREATES)
    try:
        asked, _ = parser.parse_known_args(list(arguments))
    except SystemExit:  # a value of ours that is not one (--seed x): pytest said so; keep what parses
        asked = parser.parse_known_args([a for a in arguments if not a.startswith(("--seed", "--max-creates"))])[0]
    asked.base_url = (asked.base_url or os.environ.get("WATERRAI_BASE_URL") or "").strip().rstrip("/") or None
    return asked
