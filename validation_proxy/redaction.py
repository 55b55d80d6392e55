"""Credentials out of everything the proxy logs, lists or records.

A header is a credential when its name says so (Authorization, cookies, API keys, tokens,
sessions, secrets, passwords); its value is replaced by a placeholder before anything reaches
the disk, and the secret in it (the bearer token, each cookie's value) is then searched for in
every other text of the exchange (a URL, a body that echoes it) in all its spellings, through
the same ``meetings_spec.secrets.Redactor`` the contract suite uses.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Callable, Iterable, Mapping

from meetings_spec.problems import HIDDEN
from meetings_spec.secrets import PLACEHOLDER, Redactor, is_credential
from validation_proxy.inspection import Violation

#: What a cookie's or another credential's value becomes.
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9._~+/-]*)[ \t]+(?P<secret>\S.*)")


def credentials_of(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[str]:
    """The secrets the request's (or answer's) headers carry, to hide wherever else they appear."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    found: list[str] = []
    for name, value in pairs:
        if not is_credential(name) or not value.strip():
            continue
        lowered = name.lower()
        if lowered in ("cookie", "set-cookie"):
            parts = value.split(";") if lowered == "cookie" else value.split(";")[:1]  # Set-Cookie: its attributes are no secret
            for part in parts:
                _, _, secret = part.partition("=")
                if secret.strip():
                    found.append(secret.strip())
            continue
        match = _SCHEME.fullmatch(value.strip())
        found.append(match.group("secret").strip() if match and lowered.endswith("authorization") else value.strip())
    return found


def hidden_header(name: str, value: str) -> str:
    """The value a recording keeps of a header: a credential's replaced, the rest as sent."""
    if not is_credential(name):
        return value
    lowered = name.lower()
    if lowered == "cookie":
        return "; ".join(f"{part.partition('=')[0].strip()}={HIDDEN}" for part in value.split(";") if part.strip())
    if lowered == "set-cookie":
        cookie, _, attributes = value.partition(";")
        return f"{cookie.partition('=')[0].strip()}={HIDDEN}" + (f";{attributes}" if attributes else "")
    match = _SCHEME.fullmatch(value.strip())
    if match and lowered.endswith("authorization"):
        return f"{match.group('scheme')} {PLACEHOLDER if match.group('scheme').lower() == 'bearer' else HIDDEN}"
    return HIDDEN


def text_redactor(secrets: Iterable[str]) -> Callable[[str], str]:
    """Every spelling of each secret replaced; the identity when there is none."""
    secrets = [s for s in secrets if s]
    return Redactor(secrets) if secrets else (lambda text: text)


def redactor_for(secrets: Iterable[str]) -> Callable[[Violation], Violation]:
    """A violation with its texts redacted (a server may echo a credential into a message)."""
    redact = text_redactor(secrets)

    def redacted(violation: Violation) -> Violation:
        return dataclasses.replace(
            violation, expected=redact(violation.expected), got=redact(violation.got), message=redact(violation.message), rule=redact(violation.rule)
        )

    return redacted
