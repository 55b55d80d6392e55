"""Slow and failing answers on demand: what a request asks for (``Prefer: delay=…, fault=…``) and
the defaults the mock runs with (``--delay``, ``--fault-rate``/``--fault``, ``/__mock/settings``).

This module only decides; the lanes carry the decision out, each with its own I/O (a lane under
Granian waits without holding a thread and can reset a connection; the WSGI lane sleeps).
The defaults live in a few shared bytes (a memory-mapped file under the server, anonymous
memory in an embedded app), so that a change made through one worker process reaches them all
and costs a request no more than reading a counter.
"""

from __future__ import annotations

import fcntl
import json
import mmap
import os
import random
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

#: Longest delay (and longest a ``timeout`` fault holds a connection) anyone may ask for, in ms.
MAX_DELAY_MS = 60_000

#: The network failures a client must survive, by the name a request or the settings use.
FAULTS = {
    "connection_reset": "the connection is reset (TCP RST) without an answer",
    "empty_response": "the connection is closed without a byte of answer",
    "malformed_body": "a 200 whose JSON body is cut off halfway",
    "timeout": f"no answer until the client gives up (the mock closes the connection after {MAX_DELAY_MS // 1000} s)",
    "server_error": "a 500 with a JSON error body",
}
#: Faults that need the connection itself, not an HTTP answer.
CONNECTION_FAULTS = frozenset({"connection_reset", "empty_response", "timeout"})


class SettingError(ValueError):
    """A delay, fault or rate that the mock does not take; the message says what it takes."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field  # delay, fault or fault_rate


@dataclass(frozen=True)
class Delay:
    """A fixed delay (``low == high``) or a uniform range, in milliseconds."""

    low: int
    high: int

    @classmethod
    def parse(cls, text: Any) -> Delay:
        """``500``, ``"500"`` or ``"100-900"`` (ms), up to ``MAX_DELAY_MS``."""
        if isinstance(text, Mapping):
            text = f"{text.get('min_ms')}-{text.get('max_ms')}"
        if isinstance(text, bool) or not isinstance(text, (int, str)):
            raise SettingError(f"a delay is a number of milliseconds or MIN-MAX, not {shown(text)}", "delay")
        low_text, _, high_text = str(text).strip().partition("-")
        try:
            low = int(low_text)
            high = int(high_text) if high_text else low
        except ValueError:
            raise SettingError(f"a delay is a number of milliseconds or MIN-MAX, not {shown(text)}", "delay") from None
        if not 0 <= low <= high:
            raise SettingError(f"a delay range needs 0 <= MIN <= MAX, not {shown(text)}", "delay")
        if high > MAX_DELAY_MS:
            raise SettingError(f"a delay may be at most {MAX_DELAY_MS} ms, not {high}", "delay")
        return cls(low, high)

    def draw(self, rng: random.Random) -> float:
        """One delay, in seconds."""
        return (self.low if self.low == self.high else rng.uniform(self.low, self.high)) / 1000

    def as_json(self) -> dict[str, int]:
        return {"min_ms": self.low, "max_ms": self.high}

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}-{self.high}"


def shown(value: Any) -> str:
    """A value in a message as JSON spells it (``null``, ``true``, ``"0.5"``): settings come as JSON."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def fault_name(name: Any) -> str:
    if name not in FAULTS:
        raise SettingError(f"unknown fault {shown(name)}; the faults are: {', '.join(FAULTS)}", "fault")
    return str(name)


def fault_rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise SettingError(f"a fault rate is a number from 0 to 1, not {shown(value)}", "fault_rate")
    return float(value)


@dataclass(frozen=True)
class Settings:
    """The defaults every answer of the API's operations gets unless its request says otherwise."""

    delay: Delay | None = None
    fault: str | None = None
    fault_rate: float = 0.0

    def __post_init__(self) -> None:
        if self.fault_rate and self.fault is None:
            raise SettingError("a fault rate needs a fault to inject (--fault NAME, or \"fault\" in the settings)", "fault_rate")

    def as_json(self) -> dict[str, Any]:
        return {"delay": None if self.delay is None else self.delay.as_json(), "fault": self.fault, "fault_rate": self.fault_rate}

    def updated(self, changes: Mapping[str, Any]) -> Settings:
        """These settings with the fields ``changes`` names replaced (``null`` clears one)."""
        unknown = sorted(set(changes) - {"delay", "fault", "fault_rate"})
        if unknown:
            raise SettingError(f"unknown setting {shown(unknown[0])}; the settings are delay, fault and fault_rate", unknown[0])
        delay, fault, rate = self.delay, self.fault, self.fault_rate
        if "delay" in changes:
            delay = None if changes["delay"] is None else Delay.parse(changes["delay"])
        if "fault" in changes:
            fault = None if changes["fault"] is None else fault_name(changes["fault"])
            if fault is None and "fault_rate" not in changes:
                rate = 0.0
        if "fault_rate" in changes:
            rate = 0.0 if changes["fault_rate"] is None else fault_rate(changes["fault_rate"])
        return Settings(delay, fault, rate)

    def to_bytes(self) -> bytes:
        return json.dumps(self.as_json()).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Settings:
        return cls().updated(json.loads(data))


@dataclass(frozen=True)
class Plan:
    """What happens to one request before (or instead of) its answer."""

    delay_s: float = 0.0
    fault: str | None = None


NO_PLAN = Plan()


def plan(settings: Settings, preferences: Mapping[str, str], rng: random.Random) -> Plan:
    """The delay and fault for one request: its ``Prefer`` first, then the running defaults.

    Raises ``SettingError`` for a ``Prefer`` the mock cannot honour (the lane answers 400).
    """
    delay = settings.delay
    if "delay" in preferences:
        delay = Delay.parse(preferences["delay"])
    fault = settings.fault if settings.fault_rate and rng.random() < settings.fault_rate else None
    if "fault" in preferences:
        fault = fault_name(preferences["fault"])
    seconds = delay.draw(rng) if delay is not None else 0.0
    return NO_PLAN if not seconds and fault is None else Plan(seconds, fault)


_HEADER = struct.Struct("<QI")  # generation (odd while a writer is busy), length of the JSON
_SIZE = 4096


class SharedSettings:
    """Settings shared by every worker process: a seqlock over a page of shared memory.

    ``current`` reads an 8-byte counter per call and parses the JSON only when it moved.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is None:
            self._map = mmap.mmap(-1, _SIZE)  # shared with processes forked from here
        else:
            with open(self.path, "a+b") as file:
                if os.fstat(file.fileno()).st_size < _SIZE:
                    file.truncate(_SIZE)
                self._map = mmap.mmap(file.fileno(), _SIZE)
        self._seen = -1
        self._settings = Settings()

    def close(self) -> None:
        """Unmap the page (and close the descriptor mmap keeps of its file); ``current`` and
        ``store`` fail after it. The server's parent calls it once it has stored the start-up
        settings, so that it holds nothing of its workers' files."""
        self._map.close()

    def current(self) -> Settings:
        generation, length = _HEADER.unpack_from(self._map, 0)
        if generation == self._seen or generation & 1:
            return self._settings  # unchanged, or a writer is busy: keep the last complete one
        data = self._map[_HEADER.size : _HEADER.size + length]
        if _HEADER.unpack_from(self._map, 0)[0] != generation:
            return self._settings
        self._settings = Settings.from_bytes(data) if length else Settings()
        self._seen = generation
        return self._settings

    def store(self, settings: Settings) -> None:
        data = settings.to_bytes()
        if len(data) > _SIZE - _HEADER.size:
            raise SettingError("settings too large", "settings")
        lock = open(self.path, "rb") if self.path is not None else None  # noqa: SIM115 - closed below
        try:
            if lock is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            generation = _HEADER.unpack_from(self._map, 0)[0]
            generation += 1 if generation % 2 == 0 else 2
            _HEADER.pack_into(self._map, 0, generation, 0)  # odd: readers keep what they have
            self._map[_HEADER.size : _HEADER.size + len(data)] = data
            _HEADER.pack_into(self._map, 0, generation + 1, len(data))
        finally:
            if lock is not None:
                lock.close()
