"""Turn measurements into the table people read, the target verdict, and ``results.json`` for later runs."""

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
TARGET_RATIO = 2.0
TARGET_P99_MS = 10.0
TARGET_FIRST_200_S = 0.5
TARGETS = (
    f"ratio >= {TARGET_RATIO:.1f} on GET and POST, p99 < {TARGET_P99_MS:g} ms, 0 errors, "
    f"first 200 <= {TARGET_FIRST_200_S:g} s"
)


@dataclass
class Measured:
    """One server's numbers; ``probes`` holds the status (and body start) of one request sent after each load."""

    first_200_s: float
    loads: dict[str, Result] = field(default_factory=dict)
    probes: dict[str, tuple[int, str]] = field(default_factory=dict)


def ratios(runs: dict[str, Measured]) -> dict[str, float]:
    if PRISM not in runs:
        return {}
    mock, prism = runs[MOCK].loads, runs[PRISM].loads
    return {name: mock[name].rps / prism[name].rps if prism[name].rps else float("inf") for name in mock}


def missed_targets(runs: dict[str, Measured]) -> list[str]:
    """The targets the mock missed, each with its number; the ratio ones only when Prism ran."""
    mock, by_ratio, missed = runs[MOCK], ratios(runs), []
    for name, result in mock.loads.items():
        method = name.split()[0]
        if name in by_ratio and by_ratio[name] < TARGET_RATIO:
            missed.append(f"{method} ratio {by_ratio[name]:.2f}x")
        if result.p99_ms >= TARGET_P99_MS:
            missed.append(f"{method} p99 {result.p99_ms:.1f} ms")
        if result.error_count:
            missed.append(f"{method} {result.error_count} errors")
    if mock.first_200_s > TARGET_FIRST_200_S:
        missed.append(f"first 200 after {mock.first_200_s:.2f} s")
    return missed


def _errors(result: Result) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in result.errors.items() if count)
    return f"{result.error_count} ({kinds})" if kinds else "0"


def _row(label: str, cells: list[str], ratio: str = "") -> str:
    return (f"{label:<20}" + "".join(f"{cell:<21}" for cell in cells) + ratio).rstrip()


def table(runs: dict[str, Measured]) -> str:
    names = list(runs)
    by_ratio = ratios(runs)
    lines = [_row("", names, "ratio" if by_ratio else "")]
    for load in runs[MOCK].loads:
        results = [runs[name].loads[load] for name in names]
        ratio = "" if load not in by_ratio else f"{by_ratio[load]:.2f}x" if math.isfinite(by_ratio[load]) else "n/a"
        lines.append(_row(load, [f"{r.rps:.0f} req/s" for r in results], ratio))
        lines.append(_row("  p50 / p99", [f"{r.p50_ms:.1f} / {r.p99_ms:.1f} ms" for r in results]))
        lines.append(_row("  errors", [_errors(r) for r in results]))
    lines.append(_row("first 200", [f"{runs[name].first_200_s:.2f} s" for name in names]))
    missed = missed_targets(runs)
    verdict = f"NOT met: {', '.join(missed)}" if missed else "met"
    if not by_ratio:
        verdict += " (ratio not measured: --no-prism)"
    lines.append(f"targets: {TARGETS}  -> {verdict}")
    return "\n".join(lines)


def notes(runs: dict[str, Measured]) -> list[str]:
    """Answers outside 2xx after a load: they tell why wrk counted status errors (e.g. a 402 once the minutes ran out)."""
    return [
        f"note: after its run, {name} answered {load} with {status}: {body}"
        for name, measured in runs.items()
        for load, (status, body) in measured.probes.items()
        if not 200 <= status < 300
    ]


def as_json(runs: dict[str, Measured], settings: dict[str, Any]) -> dict[str, Any]:
    missed = missed_targets(runs)
    return {
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": settings,
        "servers": {
            name: {
                "first_200_s": round(measured.first_200_s, 4),
                "loads": {
                    load: {
                        "rps": round(result.rps, 1),
                        "requests": result.requests,
                        "seconds": round(result.seconds, 3),
                        "p50_ms": round(result.p50_ms, 3),
                        "p99_ms": round(result.p99_ms, 3),
                        "errors": result.errors,
                        "status_after": measured.probes[load][0],
                    }
                    for load, result in measured.loads.items()
                },
            }
            for name, measured in runs.items()
        },
        "ratios": {load: round(ratio, 3) if math.isfinite(ratio) else None for load, ratio in ratios(runs).items()},
        "targets": {"wanted": TARGETS, "met": not missed, "missed": missed},
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    """The results as JSON, written whole (a reader never sees half a file)."""
    write_atomically(path, json.dumps(data, indent=2) + "\n")
