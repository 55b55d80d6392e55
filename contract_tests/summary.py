"""A short Markdown account of a run, for a CI job's summary page (``--summary FILE``)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

_TITLE = re.compile(r"^E?[\s|+]*- ((?:ST\d+ |Custom check failed).*)$")


def failure_titles(longrepr: str) -> list[str]:
    """The rules a failure report names: schemathesis's ``- ST108 ...`` lines, custom checks."""
    titles = [m.group(1).strip() for line in longrepr.splitlines() if (m := _TITLE.match(line))]
    if titles:
        return list(dict.fromkeys(titles))
    errors = [line[1:].strip() for line in longrepr.splitlines() if line.startswith("E ")]
    return errors[:1] or [longrepr.strip().splitlines()[-1] if longrepr.strip() else "failed"]


def write_summary(target: Any, session: Any, exitstatus: int) -> None:
    settings = target.settings
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    passed, failed = len(stats.get("passed", [])), len(stats.get("failed", [])) + len(stats.get("error", []))
    lines = [
        f"# Meetings API contract: {'kept' if exitstatus == 0 else 'BROKEN'}",
        "",
        f"- target: {settings.base_url} ({settings.mode} mode, seed {settings.seed})",
        f"- tests: {passed} passed, {failed} failed, {len(stats.get('skipped', []))} skipped",
        f"- requests sent: {target.budget.total_requests}; meetings created: {target.budget.creates} "
        f"(cap {settings.max_creates}; {target.budget.skipped_writes} writes skipped by the cap)",
        "",
    ]
    if failed:
        lines += ["## Failures", ""]
        for report in stats.get("failed", []) + stats.get("error", []):
            titles = "; ".join(failure_titles(str(report.longrepr)))
            lines.append(f"- `{report.nodeid}`: {titles}")
        lines.append("")
    lines += ["## Requests by operation", "", "| operation | requests |", "|---|---|"]
    lines += [f"| {label} | {count} |" for label, count in sorted(target.budget.requests.items())]
    _write_atomically(Path(settings.summary_path), settings.redact("\n".join(lines) + "\n"))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
