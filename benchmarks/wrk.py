"""Drive one load with wrk and read its numbers from a JSON line, not from wrk's text for people."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.loads import Load

_MARKER = "BENCH_RESULT "
_ERROR_KINDS = ("connect", "read", "write", "status", "timeout")

# wrk calls done() once, after all threads finish; summary.duration and the percentiles are in µs.
_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n%s{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%.1f,"p99_us":%.1f}\\n',
    MARKER, summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Result:
    """What one measured run gives; wrk counts answers outside 2xx/3xx as ``status`` errors."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def lua_string(text: str) -> str:
    """A Lua literal for ``text``. wrk's LuaJIT knows no ``\\u`` escapes, so any byte outside
    printable ASCII (and the quote and backslash) is written as a decimal escape."""
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else f"\\{b:03d}" for b in text.encode()) + '"'


def write_script(load: Load, path: Path) -> Path:
    lines = [f"MARKER = {lua_string(_MARKER)}", f"wrk.method = {lua_string(load.method)}"]
    if load.body is not None:
        lines.append(f"wrk.body = {lua_string(load.body)}")
    lines += [f"wrk.headers[{lua_string(name)}] = {lua_string(value)}" for name, value in load.headers.items()]
    path.write_text("\n".join(lines) + "\n" + _DONE, encoding="utf-8")
    return path


def run(wrk: str, script: Path, url: str, *, seconds: float, connections: int, threads: int = 2) -> Result:
    """One wrk run of ``seconds`` against ``url`` (the path is in the URL, the rest in the script)."""
    command = [
        wrk, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    line = next((line for line in done.stdout.splitlines() if line.startswith(_MARKER)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed (status {done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}")
    data = json.loads(line.removeprefix(_MARKER))
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors={kind: data[kind] for kind in _ERROR_KINDS},
    )
