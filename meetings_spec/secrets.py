"""Keep a secret (the API token, any credential) out of text, in every spelling it can take.

The token can reach output in many spellings: as sent (``Bearer <token>``), URL-encoded in a
query or a curl command, JSON-escaped in a response body a server echoes, escaped in a Python
repr, shell-quoted, XML-escaped. ``Redactor`` matches every one of them, character by character,
so mixed spellings are caught too.

Where it matches: a token long enough to be unmistakable (``LONG_ENOUGH`` characters or more) is
hidden wherever it appears; a shorter one only where it stands as a credential (after
``Bearer``), since hiding every ``a`` of a one-letter token would garble the whole report.
Shared by everything that writes: the contract suite's reports (``contract_tests.redaction``)
and the validation proxy's logs and recordings.
"""

from __future__ import annotations

import re
from typing import Iterable

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


_CREDENTIAL_NAME = re.compile(r"authorization|cookie|api[-_]?key|token|secret|session|password|passwd|credential|signature", re.IGNORECASE)


def is_credential(name: str) -> bool:
    """Whether a header or field of this name holds a credential (its value is never shown)."""
    return bool(_CREDENTIAL_NAME.search(name))


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
