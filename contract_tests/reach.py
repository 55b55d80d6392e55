"""The run's coverage (``--coverage DIR``): what it sent and got, counted where every request
passes, and what the suite knows of its own reach.

The model and its files are the ground's (``meetings_spec.coverage``), the same that counts
recorded traffic; the suite feeds it from schemathesis's ``after_call`` hook (``target.py``),
which sees every request of every test as it went on the wire, and the rules' outcomes from the
run's ledger. Where a declared status was never seen and the suite knows why (it never spends the
balance; it asks for no server error), the coverage says so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from contract_tests.probes import TEXT_PROBES
from contract_tests.settings import RunSettings
from meetings_spec import View, load_spec
from meetings_spec.coverage import Coverage

SOURCE_KIND = "contract run"


def start(settings: RunSettings) -> Coverage:
    return Coverage(
        load_spec(),
        View.STRICT if settings.strict else View.LENIENT,
        source={"kind": SOURCE_KIND, "target": settings.base_url, "mode": settings.mode, "seed": settings.seed},
    )


def unjudged(asked: Any, reason: str) -> dict[str, Any]:
    """The coverage of a run that stopped before sending anything: every status, field and rule
    the spec declares, none reached, and why (so that a CI job publishing it shows a run that did
    not happen, never an empty page)."""
    coverage = Coverage(
        load_spec(),
        View.STRICT if asked.contract_strict else View.LENIENT,
        source={"kind": SOURCE_KIND, "target": asked.base_url, "mode": "strict" if asked.contract_strict else "lenient", "seed": asked.seed},
    )
    coverage.notes.append(f"nothing was sent: {reason}")
    return coverage.as_json()


def observe(coverage: Coverage, base_url: str, case: Any, response: Any) -> None:
    """Count one request as it went out (``response.request``: method, URL, media type, body
    bytes) and the status it got."""
    request = getattr(response, "request", None)
    if request is None:  # not sent over HTTP (no transport kept it): read the case instead
        coverage.observe(case.method, case.formatted_path, content_type=case.media_type, body=None, status=response.status_code)
        return
    path = unquote(urlsplit(request.url).path)
    base = urlsplit(base_url).path.rstrip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):] or "/"
    body = request.body
    body = b"" if body is None else body.encode("utf-8") if isinstance(body, str) else bytes(body)
    coverage.observe(request.method, path, content_type=request.headers.get("Content-Type"), body=body, status=response.status_code)


def finish(coverage: Coverage, run: Any) -> dict[str, Any]:
    """The coverage document: the counts, each rule's outcome, and why a status was not seen
    where the suite knows it."""
    coverage.add_rules(run.ledger)
    for op_id, covered in coverage.operations.items():
        for key, status in covered.statuses.items():
            reason = _why_not(key, covered.method, run) if status.declared and not status.seen else None
            if reason:
                coverage.explain(op_id, key, reason)
    return coverage.as_json()


def _why_not(key: str, method: str, run: Any) -> str | None:
    """Why the suite never reaches a status, as it knows its own requests (None: not known)."""
    settings, budget = run.settings, run.budget
    writes = method.upper() not in ("GET", "HEAD", "OPTIONS")
    if key == "402" and writes:
        return (
            f"needs the account's session minutes spent; the run is capped at {settings.max_creates} creates "
            f"(--max-creates; it made {budget.creates}), so it never spends the balance"
        )
    if key == "413" and writes:
        longest = max(len(text) for text in TEXT_PROBES.values())
        return f"needs a body larger than the server takes; the suite's largest holds a name of {longest:,} characters"
    if key.startswith("5"):
        return "a server failure: the suite asks for none (the mock fails only when asked to), and none came"
    return None
