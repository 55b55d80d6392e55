"""pytest wiring of the contract suite: options, the target, redaction and the run summary."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from contract_tests import settings as run_settings
from contract_tests.redaction import RedactionPlugin, check_capture_mode
from contract_tests.settings import SettingsError
from contract_tests.calls import ContractBroken
from contract_tests.results import FailureRecord, TestRecord, write_reports
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
    group.addoption("--seed", type=int, default=run_settings.DEFAULT_SEED, help="seed of the generated requests (default: fixed, so runs repeat)")
    group.addoption("--max-creates", type=int, default=run_settings.DEFAULT_MAX_CREATES, help=f"most meetings the run may create (default: {run_settings.DEFAULT_MAX_CREATES})")
    group.addoption("--max-examples", type=int, default=10, help="generated requests per operation and property (default: 10)")
    group.addoption("--allow-production", action="store_true", help="allow running against the production API")
    group.addoption("--summary", default=None, metavar="FILE", help="write a Markdown summary of the run to FILE")
    group.addoption("--report-json", default=None, metavar="FILE", help="write the run's results (tests, rules, requests) as JSON to FILE")
    group.addoption(
        "--coverage", default=None, metavar="DIR",
        help="write what the run reached into DIR: coverage.json (for scripts), coverage.md (a CI job summary) and coverage.html "
        "(statuses seen or never and why, request fields sent, omitted or invalid, enum values sent, each rule's outcome)",
    )  # fmt: skip
    group.addoption(
        "--scenario-attribute",
        action="append",
        dest="scenario_attributes",
        metavar="NAME=VALUE",
        help="what the target's scenario holds, e.g. call_duration=45 or call_duration=none: the rules that depend on it "
        "(a duration taken from the scenario) are skipped, saying so, until it is given",
    )


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
    check_capture_mode(config.getoption("capture"))
    activate(settings)
    # every report, log record, warning (and with -s the terminal itself) without the token
    config.pluginmanager.register(
        RedactionPlugin(settings.redact, wrap_streams=config.getoption("capture") == "no"), "waterrai-redaction"
    )


#: The module whose tests read the rules' tallies (run last).
LEDGER_MODULE = "test_spec_rules"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with one clear line, if nothing answers at the base URL (before the
    checks are collected, which takes a few seconds)."""
    import requests

    if session.config.getoption("help", False) or session.config.option.collectonly:
        return
    base_url = current().settings.base_url
    try:
        requests.get(base_url, timeout=10)
    except requests.RequestException as error:
        pytest.exit(f"contract suite: nothing answers at {base_url} ({type(error).__name__})", returncode=2)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """A failure outside schemathesis's checks (an error, a test's own assertion) keeps its
    message as data too (redacted: the reports' own redaction is ``RedactionPlugin``'s)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None and not isinstance(call.excinfo.value, ContractBroken):
        text = str(call.excinfo.value).strip()
        run = current()
        run.results.pending.append(FailureRecord("", call.excinfo.typename, run.settings.redact(text.splitlines()[0] if text else "")))


def pytest_runtest_setup(item: pytest.Item) -> None:
    current().ledger.current_test = item.nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keep each test's outcome as data (the reports are built from it)."""
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
        reason = None
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        current().results.add(TestRecord(report.nodeid, outcome, round(report.duration, 3), reason))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module that could not be collected ran none of its checks: a failure of its own."""
    if report.failed:
        lines = [line for line in str(report.longrepr).splitlines() if line.strip()]
        errors = [line[1:].strip() for line in lines if line.startswith("E ")]
        message = (errors or lines or ["could not be collected"])[-1]
        failure = FailureRecord("", "collection error", current().settings.redact(message))
        current().results.tests.append(TestRecord(report.nodeid, "failed", 0.0, failures=[failure]))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The rules' tallies are read last, once every other test has sent its requests."""
    last = [item for item in items if item.module is not None and item.module.__name__.endswith(LEDGER_MODULE)]
    items[:] = [item for item in items if item not in last] + last


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    try:
        run = current()
    except RuntimeError:
        return  # the run never started (a usage error was reported)
    write_reports(run, int(exitstatus), run.settings.redact)


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = current().settings
    known = ", ".join(f"{k}={v}" for k, v in s.scenario_attributes.items()) or "no attributes given"
    return [
        f"contract: {s.base_url} ({s.mode} mode), scenario {s.scenario_id} ({known}), seed {s.seed}, "
        f"at most {s.max_creates} creates, {s.max_examples} examples per operation; token from ${run_settings.TOKEN_ENV}"
    ]
