"""Turn recorded exchanges into files: one JSON per exchange, an index, HAR logs and a README.

Everything is rendered in memory first and then written to a temporary folder beside the
target, which replaces the target only once complete: a failed run never leaves half a set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from fixtures_builder.har import MAIN, har_files, own_file, replayed_by, request_text


#: The line of the README template that the table of shared requests replaces.
SHARED_REQUESTS = "<!-- shared requests -->"


def dump(value: Any) -> str:
    """Stable JSON text: two-space indent, keys in recorded order, UTF-8, final newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def fixture_path(exchange: dict[str, Any]) -> str:
    return f"{exchange['operationId']}/{exchange['case']}.json"


def render(exchanges: list[dict[str, Any]]) -> dict[str, str]:
    """Every file of the fixture folder, relative path to text."""
    files = {fixture_path(e): dump(e) for e in exchanges}
    chosen = replayed_by(exchanges)
    files["index.json"] = dump(
        {
            "about": "Request/response pairs recorded from the Meetings API mock; see README.md.",
            "fixtures": [
                {
                    "file": fixture_path(e),
                    "operationId": e["operationId"],
                    "case": e["case"],
                    "method": e["request"]["method"],
                    "path": e["request"]["path"],
                    "status": e["response"]["status"],
                    "description": e["description"],
                    "har": MAIN if chosen[i] == i else own_file(e),
                    **({} if chosen[i] == i else {"meetingsHarAnswersWith": fixture_path(exchanges[chosen[i]])}),
                }
                for i, e in enumerate(exchanges)
            ],
        }
    )
    files.update({path: dump(log) for path, log in har_files(exchanges).items()})
    template = resources.files("fixtures_builder").joinpath("fixtures_readme.md").read_text(encoding="utf-8")
    if SHARED_REQUESTS not in template:
        raise ValueError(f"fixtures_readme.md has lost its {SHARED_REQUESTS} line, where the table of shared requests goes")
    files["README.md"] = template.replace(SHARED_REQUESTS, shared_requests_table(exchanges, chosen))
    return files


def shared_requests_table(exchanges: list[dict[str, Any]], chosen: list[int]) -> str:
    """Markdown: each exchange that ``meetings.har`` answers with another, and the HAR that gives it."""
    rows = ["| exchange | its request | `meetings.har` answers with | replay it with |", "|---|---|---|---|"]
    for i, e in enumerate(exchanges):
        if chosen[i] == i:
            continue
        other = exchanges[chosen[i]]
        same = ", the same answer" if other["response"] == e["response"] else ""
        request = f"{e['request']['method']} {e['request']['path']}"
        body = request_text(e["request"])
        if body is not None:
            request += " " + (body if len(body) <= 60 else body[:57] + "...")
        rows.append(
            f"| {e['operationId']}/{e['case']} ({e['response']['status']}) | `{request}` "
            f"| {other['operationId']}/{other['case']} ({other['response']['status']}{same}) | `fixtures/{own_file(e)}` |"
        )
    return "\n".join(rows) if len(rows) > 2 else "None: every exchange has a request of its own."


def write_atomically(files: dict[str, str], target: Path) -> None:
    """Replace ``target`` with exactly ``files``: built aside, swapped in with renames."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(old)
        staging.rename(target)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def differences(files: dict[str, str], target: Path) -> list[str]:
    """Paths under ``target`` that differ from ``files`` (missing, changed or extra)."""
    present = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()} if target.exists() else set()
    changed = [r for r, text in files.items() if r not in present or (target / r).read_text(encoding="utf-8") != text]
    return sorted(changed + sorted(present - set(files)))
