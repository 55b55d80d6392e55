"""Drive one load with wrk and read its numbers from a JSON line, not from wrk's text for people."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.loads import Load

_MARKER = "BENCH_RESULT "
_ERROR_KINDS = ("connect", "read", "write", "status", "timeout")

# wrk counts only answers of 400 and above as status errors; every answer outside 2xx is one here,
# counted in each thread's response() (a 1xx or 3xx too). wrk calls done() once, after all threads
# finish, with the threads' globals still readable; summary.duration and the percentiles are in µs.
_COUNT_AND_DONE = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then not_2xx = not_2xx + 1 end
end
function done(summary, latency, requests)
  local e, status = summary.errors, 0
  for _, thread in ipairs(threads) do status = status + thread:get("not_2xx") end
  io.write(string.format(
    '\\n%s{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%.1f,"p99_us":%.1f}\\n',
    MARKER, summary.requests, summary.duration, e.connect, e.read, e.write, status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Result:
    """What one measured run gives; ``status`` counts every answer outside 2xx (a 402 once minutes run out, a 3xx)."""

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
    path.write_text("\n".join(lines) + "\n" + _COUNT_AND_DONE, encoding="utf-8")
    return path


def run(wrk: str, script: Path, url: str, *, seconds: float, connections: int, threads: int = 2) -> Result:
    """One wrk run of ``seconds`` against ``url`` (the path is in the URL, the rest in the script)."""
    command = [
        wrk, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "-s", str(script), url
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode < 0:
        raise RuntimeError(f"wrk was stopped by signal {-done.returncode}, which the bench never sends: run it again")
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
