"""The servers each part of the bench measures, and how each is started on a port.

Part ``mock``: the mock as ``make mock`` starts it, against ``prism mock``. Part ``proxy``: our
validation proxy against ``prism proxy``, both in front of the same upstream (the mock, quiet, with
minutes to spare), both silent per request and both validating requests and responses.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from benchmarks.report import MOCK, PRISM, PRISM_PROXY, PROXY
from benchmarks.tools import SetupError

UPSTREAM = "upstream-mock"
# The documented create spends 35 minutes; the spec's billion covers some 28 million creates, and
# this covers more than 100k creates a second for an hour: a 402 never stands in for a proxy's speed.
UPSTREAM_BALANCE = 10**12
# The header each proxy adds to an answer when it found violations; none is added when all is well.
VIOLATION_HEADERS = {PROXY: "X-Contract-Violations", PRISM_PROXY: "sl-violations"}


@dataclass(frozen=True)
class Contender:
    """A server to measure: its name (also its log's), and its command for a given port."""

    name: str
    command: Callable[[int], list[str]]

    @property
    def violation_header(self) -> str | None:
        return VIOLATION_HEADERS.get(self.name)


def script(name: str) -> Path:
    """A console script of this environment (the kit's ``.venv/bin``), whether or not it is on PATH."""
    return Path(sysconfig.get_path("scripts")) / name


def mocks(spec: Path, prism: Path | None) -> list[Contender]:
    mock = str(script(MOCK))
    found = [Contender(MOCK, lambda port: [mock, "--host", "127.0.0.1", "--port", str(port)])]  # as make mock, nothing added
    if prism is not None:
        found.append(Contender(PRISM, lambda port: [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "silent", str(spec)]))
    return found


def upstream_command(port: int) -> list[str]:
    """The mock both proxies forward to: no access log (its cost is not the proxies'), minutes to spare."""
    return [str(script(MOCK)), "--host", "127.0.0.1", "--port", str(port), "--quiet", "--balance", str(UPSTREAM_BALANCE)]


def our_proxy() -> list[str]:
    """``waterrai-proxy``, or ``python -m validation_proxy`` where ``make venv`` has not made the script yet."""
    if script(PROXY).exists():
        return [str(script(PROXY))]
    if importlib.util.find_spec("validation_proxy") is None:
        raise SetupError("validation_proxy is not installed here: run make venv, or pass --only mock")
    return [sys.executable, "-m", "validation_proxy"]


def proxies(spec: Path, upstream: str, prism: Path | None) -> list[Contender]:
    """Ours with ``--quiet``; Prism with ``-v silent``, request validation asked for (responses it always
    validates as a proxy) and ``--errors=false``, so that it forwards what it flags, as ours does."""
    ours = our_proxy()
    found = [Contender(PROXY, lambda port: [*ours, "--upstream", upstream, "--host", "127.0.0.1", "--port", str(port), "--quiet"])]
    if prism is not None:
        found.append(
            Contender(
                PRISM_PROXY,
                lambda port: [
                    str(prism), "proxy", "-h", "127.0.0.1", "-p", str(port), "-v", "silent",
                    "--validate-request=true", "--errors=false", str(spec), upstream,
                ],  # fmt: skip
            )
        )
    return found
