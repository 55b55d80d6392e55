"""``waterrai-proxy check FILE.har``: judge a recorded HAR against the spec offline, with the
proxy's own rules (``validation_proxy.inspection.Inspector``), exchange after exchange in file
order, so that the rules spanning exchanges see them as the server answered them.

Entries off the API (page assets, other hosts' calls) are counted, not judged; entries without
an answer are counted with the reason; a body the HAR lacks has its checks skipped and said so,
never passed. Exit status: 0 clean, 1 violations, 2 unreadable input (or output), 3 nothing
checked (no exchange of the API, or none that could be judged: not a pass). ``--fail-on`` says
which side's violations count for exit 1: a staging check fails on the server's answers only,
and a request the client sent wrong (no token, answered with the 401 it deserved) is still
reported, as not counted. No credential
of the HAR reaches the output: each exchange's violations are redacted with its own secrets, as
the proxy redacts them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

from meetings_spec import SpecError, View, load_spec
from meetings_spec.about import VersionAction
from meetings_spec.coverage import Coverage
from meetings_spec.coverage_report import write_coverage
from meetings_spec.files import write_atomically
from meetings_spec.ledger import Ledger
from meetings_spec.har_input import Entry, HarLog, HarUnreadable, api_path, base_path_of, read_har
from meetings_spec.loader import default_spec_path
from validation_proxy.check_report import FAIL_ON, FORMATS, Report, Result, nothing_checked, report_line
from validation_proxy.inspection import SCENARIO_HELP, Inspector, UsageError, scenarios_from
from validation_proxy.recording import secrets_of
from validation_proxy.redaction import redactor_for, text_redactor

#: Chrome's exporter: its "Save all as HAR (sanitized)" drops Authorization and Cookie headers.
CHROME = "WebInspector"
SANITIZED = "Bearer header-removed-by-the-browser-export"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="waterrai-proxy check",
        description="Check recorded HARs (waterrai-proxy --record, a browser's 'Save all as HAR', Playwright's recordHar) against the spec, "
        "with the proxy's rules; --coverage also says what the traffic reached of the spec. Exit 0: no violation; 1: violations; 2: unreadable input; "
        "3: nothing checked (no exchange of the API, or none that could be judged).",
        allow_abbrev=False,
    )
    parser.add_argument(
        "hars", nargs="+", metavar="FILE.har",
        help="one or more HARs: a .har file, Playwright's .zip, or a folder waterrai-proxy --record wrote (each judged as a session of its own)",
    )  # fmt: skip
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: the kit's openapi/meetings.yaml)")
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="text (default), json or junit (JUnit XML)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report here (whole or not at all) instead of standard output")
    parser.add_argument(
        "--base-path", default=None, metavar="PATH",
        help="the path the API is served under, e.g. /v1 for https://staging.example.com/v1/meetings "
        "(default: none; a recording of the proxy says its upstream's)",
    )  # fmt: skip
    parser.add_argument("--scenario-attribute", action="append", default=[], dest="scenario_attributes", metavar="ID:NAME=VALUE", help=SCENARIO_HELP)
    parser.add_argument(
        "--fail-on", choices=sorted(FAIL_ON), default="any",
        help="which violations fail the check (exit 1): answers (the server's side only: a staging check), "
        "requests (the client's side only), any (default); the others are still reported, as not counted",
    )  # fmt: skip
    parser.add_argument(
        "--coverage", type=Path, metavar="DIR",
        help="also write what the traffic reached of the spec into DIR: coverage.json, coverage.md and coverage.html "
        "(operations, statuses, request fields and enum values the clients used, each rule's outcome)",
    )  # fmt: skip
    parser.add_argument("--version", action=VersionAction)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        spec = load_spec((args.spec or default_spec_path()).resolve())
        scenarios = scenarios_from(spec, args.scenario_attributes)
        if args.coverage is not None and args.coverage.exists() and not args.coverage.is_dir():
            raise UsageError(f"--coverage {args.coverage} is a file; give a folder (it is made if missing)")
        hars = [read_har(location) for location in args.hars]
    except (SpecError, HarUnreadable, UsageError) as error:
        print(f"waterrai-proxy check: {error}", file=sys.stderr)
        return 2
    coverage = traffic_coverage(spec, hars) if args.coverage is not None else None
    reports = []
    ledger = None
    for har in hars:
        inspector = Inspector(spec, scenarios=scenarios)  # each recording a session of its own: the rules' memory starts afresh
        if coverage is not None:
            ledger = ledger or Ledger(inspector.judge, source="this traffic", keep_failures=3)
            inspector.ledger = ledger
        reports.append(check(har, inspector, base_path_of(har, args.base_path), coverage))
    report = merged(reports)
    report.fail_on = args.fail_on
    text = FORMATS[args.format](report)
    if coverage is not None:
        if ledger is not None:
            coverage.add_rules(ledger)
        try:  # the rules' messages may quote what an exchange sent: every secret the HARs showed is hidden
            write_coverage(args.coverage, coverage.as_json(), text_redactor([s for report in reports for s in report.secrets]))
        except OSError as error:
            print(f"waterrai-proxy check: cannot write the coverage into {args.coverage}: {error.strerror or error}", file=sys.stderr)
            return 2
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomically(args.output, text)
        except OSError as error:
            blocked = next((parent for parent in args.output.parents if parent.exists() and not parent.is_dir()), None)
            reason = f"{blocked} is a file, not a folder" if blocked is not None else error.strerror or error
            print(f"waterrai-proxy check: cannot write {args.output}: {reason}", file=sys.stderr)
            return 2
        print(f"waterrai-proxy check: {report_line(report)}; report in {args.output}", file=sys.stderr)
    if report.failing:
        return 1
    return 3 if nothing_checked(report) else 0


def traffic_coverage(spec: dict[str, Any], hars: list[HarLog]) -> Coverage:
    """The coverage model of recorded traffic (the lenient view: what real clients and servers are held to)."""
    return Coverage(spec, View.LENIENT, source={"kind": "recorded traffic", "files": [har.source for har in hars]})


def merged(reports: list[Report]) -> Report:
    """One report of several HARs' (each exchange labelled with its file when there are several)."""
    if len(reports) == 1:
        return reports[0]
    for report in reports:
        for result in report.results:
            result.source = report.source
    return Report(
        ", ".join(report.source for report in reports),
        [result for report in reports for result in report.results],
        sum(report.entries for report in reports),
        sum(report.not_api for report in reports),
        [f"{report.source}: {note}" for report in reports for note in report.notes],
    )


def check(har: HarLog, inspector: Inspector, base_path: str = "", coverage: Coverage | None = None) -> Report:
    """Every entry of ``har`` judged in order; those not of the API only counted (and, with
    ``coverage``, every exchange of the API counted in it)."""
    api = []
    for entry in har.entries:
        path = api_path(entry.path, base_path)
        match = None if path is None else inspector.routes.match(entry.method, path)
        if match is not None or not entry.url:  # a malformed entry is reported, not taken for a page asset
            api.append((entry, path or "", match.target.operation_id if match is not None and match.target is not None else ""))
    report = Report(har.source, [], len(har.entries), len(har.entries) - len(api))
    sanitized = har.creator == CHROME and api and not any(name.lower() == "authorization" for entry, _, _ in api for name, _ in entry.request_headers)
    if sanitized:
        report.notes.append("no request of the API has an Authorization header, as Chrome's sanitized export leaves them: the bearer check was skipped")
    secrets: list[str] = []  # every secret the HAR has shown so far: a later exchange may echo one
    for entry, path, operation in api:
        secrets += [s for s in dict.fromkeys(secrets_of(entry.url, entry.request_headers, entry.response_headers)) if s not in secrets]
        report.results.append(_judged(inspector, entry, path, operation, bool(sanitized), secrets))
        report.secrets = secrets
        if coverage is not None and entry.url:
            content_type = next((value for name, value in entry.request_headers if name.lower() == "content-type"), None)
            status = None if entry.unusable or entry.answered_by_proxy else entry.status  # the server's answer, or none
            coverage.observe(entry.method, path, content_type=content_type, body=entry.request_body, status=status)
    return report


def _judged(inspector: Inspector, entry: Entry, path: str, operation: str, sanitized: bool, secrets: list[str]) -> Result:
    redact = text_redactor(secrets)
    result = Result(entry.number, entry.method, redact(path), entry.status, operation, redact(entry.started))
    if entry.unusable:
        result.skipped = redact(entry.unusable)
        return result
    headers = {name.lower(): value for name, value in entry.request_headers}
    if sanitized:
        headers["authorization"] = SANITIZED
    seen = inspector.request(entry.method, path, headers, entry.request_body)
    if seen.operation is not None or seen.violations:
        result.operation = seen.label  # as the proxy names it: "METHOD path" for a method the path lacks
    if seen.unchecked:
        result.skipped = seen.unchecked
        return result
    found = list(seen.violations)
    if seen.unrecorded:
        result.partial.append(seen.unrecorded)
    if entry.answered_by_proxy:
        result.partial.append("the proxy answered, not the upstream: only the request was checked")
    else:
        # a HAR holds the answer's body decoded: its Content-Encoding no longer applies
        answer = {name.lower(): value for name, value in entry.response_headers if name.lower() != "content-encoding"}
        found += inspector.response(seen, entry.status, answer, entry.response_body)
        if entry.response_body is None and seen.operation is not None:
            result.partial.append("the answer's body was not recorded")
    redacted = redactor_for(secrets)
    result.violations = [redacted(violation) for violation in found]
    return result
