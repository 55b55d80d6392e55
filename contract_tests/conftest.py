"""pytest wiring of the contract suite: options, the target, redaction and the run summary."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from contract_tests import settings as run_settings
from contract_tests.settings import SettingsError
from contract_tests.summary import write_summary
from contract_tests.target import activate, current
from meetings_spec import load_spec


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("waterrai contract", "Meetings API contract suite")
    group.addoption("--base-url", default=None, help="server to check, e.g. https://staging.example.com")
    group.addoption(
        "--contract-strict",
        action="store_true",
        help="also enforce every assumption the spec marks (exact statuses, error bodies, limits): for a server you own",
    )
    group.addoption("--seed", type=int, default=20240115, help="seed of the generated requests (default: fixed, so runs repeat)")
    group.addoption("--max-creates", type=int, default=60, help="most meetings the run may create (default: 60)")
    group.addoption("--max-examples", type=int, default=10, help="generated requests per operation and property (default: 10)")
    group.addoption("--allow-production", action="store_true", help="allow running against the production API")
    group.addoption("--summary", default=None, metavar="FILE", help="write a Markdown summary of the run to FILE")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("help", False):
        return  # --help lists the options; it needs no target
    if config.getoption("strict", False):
        # pytest's own --strict (strict markers, config and xfail) once doubled as the suite's mode
        raise pytest.UsageError(
            "contract suite: --strict is pytest's own flag (strict markers and xfail), not the suite's; "
            "to hold the server to every assumption the spec marks, pass --contract-strict"
        )
    try:
        settings = run_settings.configure(config.option, load_spec())
    except SettingsError as error:
        raise pytest.UsageError(f"contract suite: {error}") from None
    activate(settings)
    config.stash[_SECRETS] = [settings.token, f"Bearer {settings.token}"]


_SECRETS = pytest.StashKey[list[str]]()


@pytest.fixture(scope="session", autouse=True)
def target_answers() -> None:
    """Stop at once, with one clear line, if nothing answers at the base URL."""
    import requests

    base_url = current().settings.base_url
    try:
        requests.get(base_url, timeout=10)
    except requests.RequestException as error:
        pytest.exit(f"contract suite: nothing answers at {base_url} ({type(error).__name__})", returncode=2)


def _redact(text: str, secrets: list[str]) -> str:
    """Hide the token; and double-quote the placeholder header in curl commands, so that a
    pasted command picks the token up from the environment."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, run_settings.TOKEN_PLACEHOLDER)
    header = f"Authorization: {run_settings.TOKEN_PLACEHOLDER}"
    return text.replace(f"'{header}'", f'"{header}"')


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """No report (terminal, JUnit XML, summary) ever holds the token, whatever failed."""
    outcome = yield
    report = outcome.get_result()
    secrets = item.config.stash.get(_SECRETS, [])
    if isinstance(report.longrepr, tuple):  # a skip: (file, line, reason), kept a tuple for JUnit XML
        where, line, reason = report.longrepr
        report.longrepr = (where, line, _redact(reason, secrets))
    elif report.longrepr is not None:
        text = str(report.longrepr)
        report.longrepr = _redact(text, secrets)
    report.sections = [(title, _redact(content, secrets)) for title, content in report.sections]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = current()
    if run.settings.summary_path:
        write_summary(run, session, exitstatus)


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = current().settings
    return [
        f"contract: {s.base_url} ({s.mode} mode), scenario {s.scenario_id}, seed {s.seed}, "
        f"at most {s.max_creates} creates, {s.max_examples} examples per operation; token from ${run_settings.TOKEN_ENV}"
    ]
