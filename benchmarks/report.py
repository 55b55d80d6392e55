"""Turn measurements into the tables people read, the target verdicts, and ``results.json`` for later runs."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from meetings_spec.files import write_atomically
from benchmarks.wrk import Result

MOCK = "waterrai-mock"
PRISM = "prism"
PROXY = "waterrai-proxy"
PRISM_PROXY = "prism-proxy"


@dataclass(frozen=True)
class Comparison:
    """One side by side of a run: our server against Prism doing the same job, and the bar ours must clear.

    ``first_200_s`` is None where the start-up time is shown but not judged.
    """

    part: str
    ours: str
    theirs: str
    ratios: dict[str, float]  # by method: the least ours over theirs
    p99_ms: float
    first_200_s: float | None = None

    @property
    def targets(self) -> str:
        bars = ", ".join(f">= {ratio:.1f} on {method}" for method, ratio in self.ratios.items())
        wanted = f"ratio {bars}, p99 < {self.p99_ms:g} ms, 0 errors"
        return wanted if self.first_200_s is None else f"{wanted}, first 200 <= {self.first_200_s:g} s"


MOCKS = Comparison("mock", MOCK, PRISM, ratios={"GET": 5.0, "POST": 2.5}, p99_ms=10.0, first_200_s=0.5)
PROXIES = Comparison("proxy", PROXY, PRISM_PROXY, ratios={"GET": 1.5, "POST": 1.5}, p99_ms=15.0)


@dataclass(frozen=True)
class Probe:
    """One request sent outside wrk: its status, the start of its body, and a proxy's violation header (if any)."""

    status: int
    body: str
    violations: str = ""


@dataclass
class Measured:
    """One server's numbers. ``probes`` holds the answer to one request sent after each load;
    ``flags_bad_request`` whether a proxy flagged a request that breaks the spec (None: not asked)."""

    first_200_s: float
    loads: dict[str, Result] = field(default_factory=dict)
    probes: dict[str, Probe] = field(default_factory=dict)
    flags_bad_request: bool | None = None


def ratios(runs: dict[str, Measured], comparison: Comparison) -> dict[str, float]:
    """Ours over theirs in requests per second, per load; empty when theirs did not run (``--no-prism``)."""
    if comparison.theirs not in runs:
        return {}
    ours, theirs = runs[comparison.ours].loads, runs[comparison.theirs].loads
    return {name: ours[name].rps / theirs[name].rps if theirs[name].rps else float("inf") for name in ours}


def missed_targets(runs: dict[str, Measured], comparison: Comparison) -> list[str]:
    """The targets our server missed, each with its number; the ratio ones only when Prism ran."""
    ours, by_ratio, missed = runs[comparison.ours], ratios(runs, comparison), []
    for name, result in ours.loads.items():
        method = name.split()[0]
        if name in by_ratio and by_ratio[name] < comparison.ratios[method]:
            missed.append(f"{method} ratio {by_ratio[name]:.2f}x")
        if result.p99_ms >= comparison.p99_ms:
            missed.append(f"{method} p99 {result.p99_ms:.1f} ms")
        if result.error_count:
            missed.append(f"{method} {result.error_count} errors")
    if comparison.first_200_s is not None and ours.first_200_s > comparison.first_200_s:
        missed.append(f"first 200 after {ours.first_200_s:.2f} s")
    if ours.flags_bad_request is False:
        missed.append("a request that breaks the spec went unflagged")
    return missed


def _errors(result: Result) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in result.errors.items() if count)
    return f"{result.error_count} ({kinds})" if kinds else "0"


def _row(label: str, cells: list[str], ratio: str = "") -> str:
    return (f"{label:<20}" + "".join(f"{cell:<21}" for cell in cells) + ratio).rstrip()


def table(runs: dict[str, Measured], comparison: Comparison) -> str:
    names = list(runs)
    by_ratio = ratios(runs, comparison)
    lines = [_row("", names, "ratio" if by_ratio else "")]
    for load in runs[comparison.ours].loads:
        results = [runs[name].loads[load] for name in names]
        ratio = "" if load not in by_ratio else f"{by_ratio[load]:.2f}x" if math.isfinite(by_ratio[load]) else "n/a"
        lines.append(_row(load, [f"{r.rps:.0f} req/s" for r in results], ratio))
        lines.append(_row("  p50 / p99", [f"{r.p50_ms:.1f} / {r.p99_ms:.1f} ms" for r in results]))
        lines.append(_row("  errors", [_errors(r) for r in results]))
    lines.append(_row("first 200", [f"{runs[name].first_200_s:.2f} s" for name in names]))
    if any(measured.flags_bad_request is not None for measured in runs.values()):
        flagged = [{True: "yes", False: "NO", None: "-"}[runs[name].flags_bad_request] for name in names]
        lines.append(_row("flags a bad request", flagged))
    missed = missed_targets(runs, comparison)
    verdict = f"NOT met: {', '.join(missed)}" if missed else "met"
    if not by_ratio:
        verdict += " (ratio not measured: --no-prism)"
    lines.append(f"targets: {comparison.targets}  -> {verdict}")
    return "\n".join(lines)


def notes(runs: dict[str, Measured]) -> list[str]:
    """What lies behind odd figures: answers outside 2xx after a load (why wrk counted status errors,
    e.g. a 402 once the minutes ran out), a proxy that flagged the documented traffic (so it logged
    every request), and a proxy that let a bad request through unflagged (so it was not validating)."""
    lines = []
    for name, measured in runs.items():
        for load, answer in measured.probes.items():
            if not 200 <= answer.status < 300:
                lines.append(f"note: after its run, {name} answered {load} with {answer.status}: {answer.body}")
            if answer.violations:
                lines.append(f"note: {name} flagged the documented {load}: {answer.violations[:300]}")
        if measured.flags_bad_request is False:
            lines.append(f"note: {name} did not flag a request that breaks the spec: its figures are not a validating proxy's")
    return lines


def _server_json(measured: Measured) -> dict[str, Any]:
    return {
        "first_200_s": round(measured.first_200_s, 4),
        "flags_bad_request": measured.flags_bad_request,
        "loads": {
            load: {
                "rps": round(result.rps, 1),
                "requests": result.requests,
                "seconds": round(result.seconds, 3),
                "p50_ms": round(result.p50_ms, 3),
                "p99_ms": round(result.p99_ms, 3),
                "errors": result.errors,
                "status_after": measured.probes[load].status,
            }
            for load, result in measured.loads.items()
        },
    }


def as_json(parts: list[tuple[Comparison, dict[str, Measured]]], settings: dict[str, Any]) -> dict[str, Any]:
    """One entry per part that ran (``mock``, ``proxy``), each with its servers, ratios and verdict."""
    data: dict[str, Any] = {"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "settings": settings}
    for comparison, runs in parts:
        missed = missed_targets(runs, comparison)
        data[comparison.part] = {
            "servers": {name: _server_json(measured) for name, measured in runs.items()},
            "ratios": {load: round(r, 3) if math.isfinite(r) else None for load, r in ratios(runs, comparison).items()},
            "targets": {"wanted": comparison.targets, "met": not missed, "missed": missed},
        }
    return data


def write_json(data: dict[str, Any], path: Path) -> None:
    """The results as JSON, written whole (a reader never sees half a file)."""
    write_atomically(path, json.dumps(data, indent=2) + "\n")
