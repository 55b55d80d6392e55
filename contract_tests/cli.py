"""``waterrai-contract`` / ``python -m contract_tests`` / ``make contract``: run the contract suite
installed with the kit against a server, from any directory.

A thin wrapper around pytest. Every option it does not know itself (the suite's ``--base-url``,
``--contract-strict``, ``--summary``..., pytest's ``--junitxml``, ``-k``, ``-x``...) goes to pytest
as given, so an option added to the suite's conftest works here at once. What the wrapper adds:
the run is isolated from the caller's own pytest set-up, skipped checks say why, and pytest's
exit codes become three that a CI job can act on.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from pluggy import HookimplMarker

PROG = "waterrai-contract"
KEPT, BROKEN, NO_VERDICT = 0, 1, 2
SUITE = Path(__file__).resolve().parent
#: The caller's pytest settings from the environment; the run ignores them, as it ignores their
#: pytest.ini / pyproject.toml (options for this run go on its command line).
IGNORED_ENVIRONMENT = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")
HYPOTHESIS_STORAGE = "HYPOTHESIS_STORAGE_DIRECTORY"
#: pytest's own marker for hook implementations (``pytest.hookimpl``), without importing pytest.
hookimpl = HookimplMarker("pytest")


def pytest_arguments(forwarded: Sequence[str]) -> list[str]:
    """pytest's command line: the installed suite, none of the caller's configuration, then theirs."""
    return [
        str(SUITE),
        "--rootdir",
        str(SUITE.parent),  # test ids read contract_tests/test_x.py::..., wherever the kit lives
        "-c",
        os.devnull,  # no pytest.ini, pyproject.toml, tox.ini or setup.cfg of the caller's
        "--confcutdir",
        str(SUITE),  # and no conftest.py of theirs
        "-p",
        "no:cacheprovider",  # nothing written into their folder, nor into site-packages
        "--assert=plain",  # as contract_tests/pytest.ini says: no rewriting all of schemathesis each run
        "-rfEs",  # failures, errors, and why each check that could not run was skipped
        "--tb=short",  # a failure says what broke and how to reproduce it; the suite's own frames add nothing (--tb=long brings them back)
        *forwarded,
    ]


class _WhyStopped:
    """A pytest plugin that keeps the reason a run stopped before its verdict (a usage error,
    ``pytest.exit`` from the suite, errors during collection, Ctrl-C), names the command in
    pytest's usage messages, and notes whether the session finished (and so wrote its reports)."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.usage: str | None = None
        self.finished = False

    def pytest_addoption(self, parser: Any) -> None:
        parser.prog = PROG  # "usage: waterrai-contract ...", not pytest.main()'s

    @staticmethod
    def _usage_reason(message: str) -> str:
        """The line of a usage error that says what is wrong (argparse's ``PROG: error: ...``)."""
        lines = [line.strip() for line in message.splitlines() if line.strip()]
        said = next((line.split(": error: ", 1)[1] for line in lines if ": error: " in line), None)
        return said or (lines[0] if lines else "usage error")

    def _keep_usage(self, error: BaseException) -> None:
        import pytest

        if isinstance(error, pytest.UsageError) and self.usage is None:
            self.usage = self._usage_reason(str(error))

    @hookimpl(wrapper=True)
    def pytest_cmdline_parse(self) -> Any:
        try:
            return (yield)
        except BaseException as error:
            self._keep_usage(error)
            raise

    @hookimpl(wrapper=True)
    def pytest_cmdline_main(self) -> Any:
        try:
            return (yield)
        except BaseException as error:
            self._keep_usage(error)
            raise

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        import pytest

        error = excinfo.value
        if isinstance(error, pytest.exit.Exception):
            self.reason = str(error.msg)
        else:
            self.reason = f"interrupted: {error}" if str(error) else "interrupted"

    def pytest_sessionfinish(self) -> None:
        self.finished = True


def verdict(exit_code: int, why_stopped: str | None, usage: str | None = None) -> tuple[int, str | None]:
    """pytest's exit code as ours, and the line that says why there is no verdict."""
    import pytest

    codes = pytest.ExitCode
    if exit_code == codes.OK:
        return KEPT, None
    if exit_code == codes.TESTS_FAILED:
        return BROKEN, None
    if exit_code == codes.USAGE_ERROR:
        if usage:
            return NO_VERDICT, f"usage error: {usage}; nothing was checked"
        return NO_VERDICT, "usage error (the ERROR line above says what to change); nothing was checked"
    if exit_code == codes.NO_TESTS_COLLECTED:
        return NO_VERDICT, "no check was selected (a -k or -m expression that matches nothing?)"
    if why_stopped:
        return NO_VERDICT, f"the run stopped: {why_stopped}"
    if exit_code == codes.INTERNAL_ERROR:
        return NO_VERDICT, "internal error in pytest or the suite (traceback above)"
    return NO_VERDICT, f"the run stopped with pytest exit code {int(exit_code)}"


def run_suite(forwarded: Sequence[str]) -> int:
    import pytest

    for name in IGNORED_ENVIRONMENT:
        os.environ.pop(name, None)
    why = _WhyStopped()
    with tempfile.TemporaryDirectory(prefix="waterrai-contract-") as scratch:
        # Hypothesis keeps caches in ./.hypothesis unless told otherwise: not in the caller's folder
        os.environ.setdefault(HYPOTHESIS_STORAGE, scratch)
        code, reason = verdict(pytest.main(pytest_arguments(forwarded), plugins=[why]), why.reason, why.usage)
    if not why.finished and reason:
        # the session never got to write the reports asked for: a CI job's publish step must
        # still find each one, saying why nothing was checked
        write_unjudged_reports(forwarded, reason, code)
    if reason:
        print(f"{PROG}: no verdict (exit {code}): {reason}", file=sys.stderr)
    return code


def write_unjudged_reports(forwarded: Sequence[str], reason: str, code: int) -> None:
    """``--junitxml``, ``--summary``, ``--report-json`` and ``--coverage`` of a run that checked
    nothing: one errored case, and a summary, JSON and coverage that say why (whole files, the
    token nowhere)."""
    from contract_tests.results import junit_unjudged, markdown, unjudged
    from contract_tests.settings import TOKEN_ENV, asked_reports
    from meetings_spec.files import write_atomically
    from meetings_spec.secrets import Redactor

    asked = asked_reports(forwarded)
    token = os.environ.get(TOKEN_ENV, "").strip()
    redact = Redactor([token]) if token else (lambda text: text)
    data = unjudged(asked, redact(reason.removesuffix("; nothing was checked")), code)
    for path, text in ((asked.junitxml, junit_unjudged(data)), (asked.summary, markdown(data)), (asked.report_json, json.dumps(data, indent=2, ensure_ascii=False) + "\n")):
        if path:
            try:
                write_atomically(Path(path), redact(text))
            except OSError as error:
                print(f"{PROG}: cannot write {path}: {error.strerror or error}", file=sys.stderr)
    if asked.coverage:
        from contract_tests.reach import unjudged as unreached
        from meetings_spec.coverage_report import write_coverage

        try:
            write_coverage(asked.coverage, unreached(asked, redact(reason.removesuffix("; nothing was checked"))), redact)
        except OSError as error:
            print(f"{PROG}: cannot write the coverage into {asked.coverage}: {error.strerror or error}", file=sys.stderr)


def suite_options_help() -> str:
    """The suite's own options, as its conftest declares them (read from pytest's --help)."""
    import pytest

    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        pytest.main(pytest_arguments(["--help"]))
    sections: list[list[str]] = [[]]
    for line in text.getvalue().splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            sections.append([])
        sections[-1].append(line)
    ours = [section for section in sections if any("--base-url" in line for line in section)]
    return "\n".join(ours[0]).rstrip() if ours else "(pytest did not list them: see --pytest-help)"


def _exit_statuses() -> str:
    from contract_tests.settings import TOKEN_ENV

    return (
        "exit status:\n"
        "  0  the server keeps the contract\n"
        "  1  it breaks it (each violation is named, with a curl command that reproduces it)\n"
        "  2  no verdict: a usage error, a server that cannot be reached, or an interrupted run\n"
        "     (a line on stderr says which)\n\n"
        f"example:\n  {TOKEN_ENV}=... {PROG} --base-url https://staging.example.com \\\n"
        "      --junitxml reports/contract.xml --summary reports/contract.md\n\n"
        "pytest's own options (--junitxml FILE, -k EXPR, -x, -v...) are listed by --pytest-help."
    )


def _parser() -> argparse.ArgumentParser:
    from contract_tests.settings import SCENARIO_ENV, TOKEN_ENV
    from meetings_spec.about import VersionAction

    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=f"{PROG} --base-url URL [suite and pytest options]",
        description=(
            "Check a server against the Water AI Meetings API contract (the contract suite, run by pytest).\n"
            f"The API token comes from ${TOKEN_ENV} (never the command line); ${SCENARIO_ENV} names a\n"
            "scenario that exists on the target. Every option not listed under 'this command' goes to pytest\n"
            "as given; the caller's pytest.ini, pyproject.toml, conftest.py and $PYTEST_ADDOPTS are ignored."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
        allow_abbrev=False,  # a prefix of one of ours must not swallow one of pytest's
    )
    own = parser.add_argument_group("this command")
    own.add_argument("-h", "--help", action="store_true", help="show this help (with the suite's options) and exit")
    own.add_argument("--pytest-help", action="store_true", help="show every pytest option too, and exit")
    own.add_argument("--version", action=VersionAction)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    own, forwarded = parser.parse_known_args(argv)
    if own.help:
        print(f"{parser.format_help().rstrip()}\n\n{suite_options_help()}\n\n{_exit_statuses()}")
        return KEPT
    if own.pytest_help:
        try:
            return run_suite(["--help"])
        except BrokenPipeError:  # the reader (head, a pager) stopped reading: nothing went wrong
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's documented way out
            return KEPT
    return run_suite(forwarded)


if __name__ == "__main__":
    sys.exit(main())
