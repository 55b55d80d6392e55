"""``waterrai-spec``: which changes to the spec would break a client.

    waterrai-spec diff OLD NEW      compare two OpenAPI 3.1 files (paths, or git:REF:PATH)
    waterrai-spec check             compare the spec with its latest release (make spec-check)
    waterrai-spec release           keep the spec as a release (make release-spec)
    waterrai-spec rules             list the rules a diff applies, with their levels

Exit status: 0 nothing at or above ``--fail-on``, 1 something is, 2 an input cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from meetings_spec.files import write_atomically
from meetings_spec.har_input import HarLog, HarUnreadable, read_har
from meetings_spec.loader import default_spec_path
from spec_diff.catalogue import CATALOGUE
from spec_diff.engine import diff_specs
from spec_diff.model import Level
from spec_diff.release import check, release
from spec_diff.report import FORMATS, RULES_FORMATS, Report, render, render_rules
from spec_diff.source import InputError, display_path, read_source

EXIT_UNREADABLE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waterrai-spec",
        description="Find the changes between two versions of an OpenAPI 3.1 spec that would break a client.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    diff = commands.add_parser(
        "diff", help="compare two versions of the spec",
        description="List each change from OLD to NEW with its level: breaking (a client written against OLD may "
                    "fail against NEW), possibly breaking (the spec alone cannot tell, or only the mock's strict view "
                    "changes), compatible. Exit 0: nothing breaking; 1: something breaking; 2: an input is unreadable.",
    )
    diff.add_argument("old", metavar="OLD", help="the spec clients were written against: a path, or git:REF:PATH")
    diff.add_argument("new", metavar="NEW", help="the changed spec: a path, or git:REF:PATH")
    _output_options(diff)
    _traffic_options(diff)

    spec_check = commands.add_parser(
        "check", help="compare the spec with its latest release",
        description="Compare the spec with the latest release kept in the released directory. Fails when a change "
                    "at or above --fail-on comes without a new major info.version.",
    )
    _release_options(spec_check)
    _output_options(spec_check)
    _traffic_options(spec_check)

    keep = commands.add_parser(
        "release", help="keep the spec as the release of its info.version",
        description="Copy the spec to RELEASED/<info.version>.yaml, once it passes check. A release is never rewritten.",
    )
    _release_options(keep)

    listing = commands.add_parser(
        "rules", help="list the rules a diff applies",
        description="List every rule waterrai-spec diff applies: its id (as reports name it), its level, its family "
                    "and what it means. A change found only in the spec's strict view is reported at most possibly "
                    "breaking, whatever its rule's level.",
    )
    listing.add_argument("--format", choices=RULES_FORMATS, default="text", help="text (default) or json")
    return parser


def _output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), json, markdown (a CI job summary), junit (JUnit XML), "
                             "github (annotations on the lines of NEW)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--fail-on", choices=[level.option for level in Level], default=Level.BREAKING.option,
                        help="the lowest level that fails the run (default: breaking)")


def _traffic_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--traffic", nargs="+", action="extend", metavar="FILE.har",
                        help="recorded traffic (HAR files: waterrai-proxy --record, a browser's, Playwright's): beside each "
                             "change, how many recorded exchanges it would break or alter")
    parser.add_argument("--fail-on-impact", type=int, metavar="N",
                        help="with --traffic: fail only on changes (at or above --fail-on) that touch at least N recorded "
                             "exchanges, or whose impact traffic cannot show")
    parser.add_argument("--base-path", default=None, metavar="PATH",
                        help="with --traffic: the path the API is served under in the recording, e.g. /v1")


def _hars(args: argparse.Namespace) -> list[HarLog] | None:
    """The HARs of ``--traffic``, read; ``InputError`` for one that cannot be, or a bad option."""
    if args.fail_on_impact is not None and not args.traffic:
        raise InputError("--fail-on-impact counts recorded exchanges: give the recording with --traffic FILE.har")
    if args.fail_on_impact is not None and args.fail_on_impact < 1:
        raise InputError(f"--fail-on-impact takes a number of recorded exchanges, 1 or more, not {args.fail_on_impact}")
    if not args.traffic:
        return None
    try:
        return [read_har(location) for location in args.traffic]
    except HarUnreadable as error:
        raise InputError(f"--traffic: {error}") from None


def _release_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", default=None, help="the working spec (default: $WATERRAI_SPEC or the kit's own)")
    parser.add_argument("--released", default=None, metavar="DIR",
                        help="where releases are kept (default: released/ beside the spec)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "rules":
        sys.stdout.write(render_rules(CATALOGUE, args.format))
        return 0
    try:
        if args.command == "release":
            spec = args.spec or display_path(str(default_spec_path()))
            status, message = release(spec, Path(args.released) if args.released else Path(spec).parent / "released")
            print(message, file=sys.stdout if status == 0 else sys.stderr)
            return status
        fail_on = Level.from_option(args.fail_on)
        traffic = {"hars": _hars(args), "fail_on_impact": args.fail_on_impact, "base_path": args.base_path}
        if args.command == "check":
            spec = args.spec or display_path(str(default_spec_path()))
            report = check(spec, Path(args.released) if args.released else Path(spec).parent / "released", fail_on, **traffic)
        else:
            old, new = read_source(args.old), read_source(args.new)
            report = Report(old, new, diff_specs(old.document, new.document, (old.label, new.label)), fail_on, **traffic)
    except InputError as exc:
        print(f"waterrai-spec: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except (TypeError, AttributeError, KeyError, ValueError, RecursionError) as exc:
        # A document whose shape passed the first checks but not the walk: still an input problem.
        print(f"waterrai-spec: cannot compare these documents, one of them is not well-formed OpenAPI "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        emit(render(report, args.format), args.output)
    except OSError as exc:
        print(f"waterrai-spec: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.output and args.format != "text":
        print(report.summary() + (f"\n{report.verdict}" if report.verdict else ""), file=sys.stderr)
    return report.status


def emit(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` whole (a reader never sees half a report)."""
    if output is None:
        sys.stdout.write(text)
        return
    write_atomically(Path(output), text)


if __name__ == "__main__":
    sys.exit(main())
