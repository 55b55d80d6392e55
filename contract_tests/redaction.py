"""Keep the API token out of everything the contract suite prints, logs or writes.

``RedactionPlugin`` applies ``meetings_spec.secrets.Redactor`` (every spelling of the token) to
every channel of a pytest run: test and collection reports (terminal, JUnit XML, the Markdown
summary read them), captured output and log sections, live logs and log files (through the log
record factory), warnings, and with ``-s`` the terminal streams themselves.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable, TextIO

import pytest

from meetings_spec.secrets import LONG_ENOUGH, PLACEHOLDER, Redactor, cut_pattern, token_pattern

__all__ = ["LONG_ENOUGH", "PLACEHOLDER", "Redactor", "cut_pattern", "token_pattern", "RedactionPlugin", "check_capture_mode"]


Redact = Callable[[str], str]


def scrub(value: Any, redact: Redact, depth: int = 0) -> Any:
    """``value`` with every string inside redacted: text, lists, tuples, dicts and pytest's
    report objects (kept as objects, so that terminal and JUnit XML render them as usual)."""
    if isinstance(value, str):
        return redact(value)
    if depth > 20:
        return value
    if isinstance(value, list):
        value[:] = [scrub(item, redact, depth + 1) for item in value]
        return value
    if isinstance(value, tuple):
        items = [scrub(item, redact, depth + 1) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)  # a named tuple stays one
    if isinstance(value, dict):
        return {key: scrub(item, redact, depth + 1) for key, item in value.items()}
    if hasattr(value, "toterminal") and hasattr(value, "__dict__"):  # pytest's TerminalRepr family
        for name, item in list(vars(value).items()):
            object.__setattr__(value, name, scrub(item, redact, depth + 1))
    return value


def redact_longrepr(longrepr: Any, redact: Redact) -> Any:
    """A report's failure or skip description without the token, in its own shape where possible
    (a skip stays a tuple, a traceback an object the short summary can read)."""
    if longrepr is None or isinstance(longrepr, (str, tuple)):
        return scrub(longrepr, redact)
    scrub(longrepr, redact)
    text = str(longrepr)
    clean = redact(text)
    return longrepr if clean == text else clean  # an object whose text still held the token: its text


def redact_report(report: Any, redact: Redact) -> None:
    """Everything a test or collection report carries to the terminal, JUnit XML and the summary."""
    report.longrepr = redact_longrepr(report.longrepr, redact)
    report.sections = [(title, redact(content)) for title, content in report.sections]
    if hasattr(report, "user_properties"):
        report.user_properties = [(name, scrub(value, redact)) for name, value in report.user_properties]
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = redact(report.wasxfail)


class RedactingStream:
    """A text stream that hides the token before writing to the one it wraps. Whole lines are
    written (a token printed in pieces is still caught); ``flush`` writes what is pending."""

    def __init__(self, stream: TextIO, redact: Redact) -> None:
        self._stream, self._redact, self._pending = stream, redact, ""
        self._detached = False

    def write(self, text: str) -> int:
        self._pending += text
        if self._detached:  # the run is over: nothing would flush a pending line any more
            self.flush()
        elif "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            self._stream.write(self._redact(lines + "\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            text, self._pending = self._pending, ""
            self._stream.write(self._redact(text))
        self._stream.flush()

    def detach(self) -> None:
        """Write what is pending; from now on, write at once (nothing will flush later)."""
        self.flush()
        self._detached = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class RedactionPlugin:
    """pytest hooks that pass every output channel of the run through ``redact``."""

    def __init__(self, redact: Redact, *, wrap_streams: bool) -> None:
        self.redact = redact
        self._factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(self._record)
        self._streams: list[tuple[str, TextIO, RedactingStream]] = []
        if wrap_streams:  # -s: output goes straight to the terminal, not through a report
            for name in ("stdout", "stderr"):
                original = getattr(sys, name)
                wrapper = RedactingStream(original, redact)
                setattr(sys, name, wrapper)
                self._streams.append((name, original, wrapper))

    def _record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """Every log record, for every handler (live logs, log files, captured logs), made
        without the token: its message, its traceback and its stack."""
        record = self._factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it, with the raw text
            return record
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return record

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Any:
        report = yield
        redact_report(report, self.redact)
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Any:
        report = yield
        redact_report(report, self.redact)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        text = str(warning_message.message)
        clean = self.redact(text)
        if clean != text:
            warning_message.message = UserWarning(clean)  # its category is kept for display

    def pytest_unconfigure(self) -> None:
        logging.setLogRecordFactory(self._factory)
        for name, original, wrapper in self._streams:
            wrapper.detach()  # the terminal reporter may still hold it
            if getattr(sys, name) is wrapper:
                setattr(sys, name, original)


def check_capture_mode(capture: str) -> None:
    """``--capture=tee-sys`` copies output to the terminal before the suite sees it: refuse it."""
    if capture == "tee-sys":
        raise pytest.UsageError(
            "contract suite: --capture=tee-sys copies test output to the terminal before the token can be hidden "
            "in it; use the default capture (output of failing tests is shown, the token hidden) or -s"
        )
