"""Keep the API token out of everything the contract suite prints, logs or writes.

The token can reach the output in many spellings: as sent (``Bearer <token>``), URL-encoded in a
query or a curl command, JSON-escaped in a response body a server echoes, escaped in a Python
repr, shell-quoted, XML-escaped. ``Redactor`` matches every one of them, character by character,
so mixed spellings are caught too.

Where it matches: a token long enough to be unmistakable (``LONG_ENOUGH`` characters or more) is
hidden wherever it appears; a shorter one only where it stands as a credential (after
``Bearer``), since hiding every ``a`` of a one-letter token would garble the whole report.

``RedactionPlugin`` applies it to every channel of a pytest run: test and collection reports
(terminal, JUnit XML, the Markdown summary read them), captured output and log sections, live
logs and log files (through the log record factory), warnings, and with ``-s`` the terminal
streams themselves.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, Callable, Iterable, TextIO

import pytest

#: What the token is replaced with: the variable a pasted curl command reads it from.
PLACEHOLDER = "$WATERRAI_API_TOKEN"
#: Tokens at least this long are hidden everywhere; shorter ones where they are a credential.
LONG_ENOUGH = 8

_XML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos"}
#: How the characters that separate ``Bearer`` from its token are spelled in the same encodings.
_SEPARATOR = r"(?:[ \t]|%20|\+|\\+u0020|\\+x20|&#0*32;|&#[xX]0*20;)+"
#: A character that could continue a token: a short token is only a match when none follows.
_TOKEN_GOES_ON = r"(?![A-Za-z0-9._~+/=-])"


def _hex(value: int, width: int) -> str:
    """``value`` in hexadecimal, each letter matching either case."""
    return "".join(f"[{d.upper()}{d.lower()}]" if d.isalpha() else d for d in f"{value:0{width}x}")


def _spellings(char: str) -> str:
    """A regular expression for one character of the token in every encoding output may hold."""
    code = ord(char)
    forms = [re.escape(char)]
    forms.append("".join(f"%(?:25)?{_hex(byte, 2)}" for byte in char.encode("utf-8")))  # URL (and twice)
    forms.append(rf"\\+u{_hex(code, 4)}" if code < 0x10000 else rf"\\+U{_hex(code, 8)}")  # JSON, JS, Python
    if code < 0x100:
        forms.append(rf"\\+x{_hex(code, 2)}")  # Python repr
    forms.append(rf"&#0*{code};|&#[xX]0*{_hex(code, 1)};")  # XML, HTML
    if char in _XML_NAMED:
        forms.append(f"&(?:amp;)?{_XML_NAMED[char]};")
    if not char.isalnum():
        forms.append(rf"\\+{re.escape(char)}")  # backslash-escaped (JSON, repr, shell), at any depth
    if char == " ":
        forms.append(r"\+")  # form encoding
    if char == "'":
        forms.append(r"'\"'\"'|'\\''")  # inside a single-quoted shell word
    return "(?:" + "|".join(forms) + ")"


def token_pattern(token: str) -> str:
    """A regular expression matching ``token`` in any of the encodings, even mixed."""
    return "".join(_spellings(char) for char in token)


#: Where output cut a long value short (schemathesis ends a cut line with "..." or " ..."),
#: maybe in the middle of an escaped character.
_CUT = r"(?:%(?:25)?[0-9A-Fa-f]?|\\+(?:[uUx][0-9A-Fa-f]*)?|&#?[xX]?\w*)?(?=\s?(?:\.\.\.|…))"


#: How many characters of a cut-short token are matched one by one; past that, whatever follows
#: up to the cut (nesting deeper would exhaust the regular expression compiler).
_CUT_CHARACTERS = 64


def cut_pattern(token: str, shortest: int) -> str:
    """A regular expression matching the first ``shortest`` or more characters of ``token`` (but
    not all), where the output was cut short right after them: still most of the secret."""
    if len(token) <= shortest:
        return "(?!)"
    parts = [_spellings(char) for char in token[:-1]]
    upto = min(len(parts), _CUT_CHARACTERS)
    rest = ""
    for part in reversed(parts[shortest:upto]):
        rest = f"(?:{part}{rest})?"
    pattern = "".join(parts[:shortest]) + rest + _CUT
    if len(parts) > upto:  # a long token (a JWT) cut later still
        pattern += "|" + "".join(parts[:upto]) + r"\S*?" + _CUT
    return pattern


class Redactor:
    """Replace secrets in text: long ones everywhere, every one after ``Bearer``; and what is
    left of one where the output was cut short."""

    def __init__(self, secrets: Iterable[str]) -> None:
        secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        credential = "|".join([*(token_pattern(s) + _TOKEN_GOES_ON for s in secrets), *(cut_pattern(s, 1) for s in secrets)])
        long = [s for s in secrets if len(s) >= LONG_ENOUGH]
        anywhere = "|".join([*(token_pattern(s) for s in long), *(cut_pattern(s, LONG_ENOUGH // 2) for s in long)])
        self._credential = re.compile(rf"(?P<scheme>(?i:bearer){_SEPARATOR})(?:{credential})") if secrets else None
        self._anywhere = re.compile(anywhere) if anywhere else None

    def __call__(self, text: str) -> str:
        if self._credential is not None:
            text = self._credential.sub(lambda m: m.group("scheme") + PLACEHOLDER, text)
        if self._anywhere is not None:
            text = self._anywhere.sub(PLACEHOLDER, text)
        # a curl command's header, single-quoted, would send the placeholder literally: double
        # quotes let the shell put the token back in from the environment
        return text.replace(f"'Authorization: Bearer {PLACEHOLDER}'", f'"Authorization: Bearer {PLACEHOLDER}"')


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
