"""``waterrai-proxy`` / ``python -m validation_proxy`` / ``make proxy``: the validation proxy.

``waterrai-proxy --upstream URL`` serves on 127.0.0.1:4010 and forwards everything to the
upstream, checking each exchange against the spec; ``waterrai-proxy check FILE.har`` checks a
recording offline with the same rules. The parent process checks the options, the spec and the
production guard before anything connects anywhere; Granian then serves the RSGI app
(``validation_proxy.rsgi``) in one worker, whose one event loop holds the memory of the rules
that span exchanges.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from meetings_spec import SpecError, load_spec
from meetings_spec.about import VersionAction
from meetings_spec.hosts import origin, production_server
from meetings_spec.loader import default_spec_path
from meetings_spec.serving import serve_rsgi, unavailable
from validation_proxy.inspection import SCENARIO_HELP, UsageError, scenarios_from

SETTINGS_ENV = "WATERRAI_PROXY_SETTINGS"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_CONNECT_TIMEOUT_S = 5.0


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="waterrai-proxy",
        description="Forward traffic to a real server of the Water AI Meetings API unchanged, and report where it breaks the spec. "
        "'waterrai-proxy check FILE.har' checks a recording offline.",
        allow_abbrev=False,
    )
    parser.add_argument("--upstream", required=True, metavar="URL", help="the server to forward to, e.g. https://staging.example.com")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=4010, help="port to listen on (default: 4010)")
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: the kit's openapi/meetings.yaml)")
    parser.add_argument("--errors", action="store_true", help="refuse a request that breaks the spec (4xx, not forwarded) and replace an answer that breaks it by a 502")
    parser.add_argument("--record", type=Path, metavar="DIR", help="write every exchange here: one JSON each, index.json and a HAR (credentials replaced)")
    parser.add_argument("--allow-production", action="store_true", help="allow an upstream on the spec's production host")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S", help=f"seconds the upstream has to answer before a 504 (default: {DEFAULT_TIMEOUT_S:g})")
    parser.add_argument("--connect-timeout", type=float, default=DEFAULT_CONNECT_TIMEOUT_S, metavar="S", help=f"seconds to connect to the upstream before a 504 (default: {DEFAULT_CONNECT_TIMEOUT_S:g})")
    parser.add_argument("--ca-file", type=Path, metavar="PEM", help="also trust certificates this authority signed (the system's authorities are always trusted)")
    parser.add_argument("--scenario-attribute", action="append", default=[], dest="scenario_attributes", metavar="ID:NAME=VALUE", help=SCENARIO_HELP)
    parser.add_argument(
        "--expose-violations", action="store_true",
        help="add X-Contract-Violations to Access-Control-Expose-Headers (merged with the upstream's), so that a browser app "
        "on another origin can read it: for a development overlay",
    )  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no log line per exchange (violations are still logged)")
    parser.add_argument("--version", action=VersionAction)
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, not {args.port}")
    if not (0 < args.timeout <= 600 and 0 < args.connect_timeout <= 600):
        parser.error("--timeout and --connect-timeout take seconds, more than 0 and at most 600")
    return args


def check_upstream(url: str, spec: dict[str, Any], allow_production: bool) -> str:
    """The upstream URL, refused (``UsageError``) when no client could use it or when it is the
    production server and that was not allowed: decided on the normalised host, before any
    connection."""
    try:
        where = origin(url)
        production = production_server(url, spec)
    except ValueError as error:
        raise UsageError(f"--upstream {url!r} is not a usable URL: {error}") from None
    if where.scheme not in ("http", "https"):
        raise UsageError(f"--upstream must be an http:// or https:// URL, not {url!r}")
    if "?" in url or "#" in url:
        raise UsageError(f"--upstream is the server's base URL, without a query or fragment, not {url!r}")
    if production is not None and not allow_production:
        raise UsageError(
            f"--upstream points at {where.host}, the production API ({production} in the spec): every request through the "
            "proxy would reach it and spend real minutes. Point it at staging or the mock, or pass --allow-production if you mean it."
        )
    return url.strip().rstrip("/")


def _check_authority(path: Path) -> None:
    """Refuse, before serving, an authority file TLS cannot read (the worker would fail on it)."""
    import ssl

    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError) as error:
        raise UsageError(f"--ca-file {path} holds no certificate TLS can read ({getattr(error, 'reason', None) or error})") from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["check"]:
        from validation_proxy.check import main as check_main

        return check_main(argv[1:])
    args = parse_args(argv)
    spec_path = (args.spec or default_spec_path()).resolve()
    try:
        spec = load_spec(spec_path)
        upstream = check_upstream(args.upstream, spec, args.allow_production)
        taken = unavailable(args.host, args.port)
        if taken is not None:
            raise UsageError(taken)
        scenarios = scenarios_from(spec, args.scenario_attributes)
        if args.ca_file is not None and not args.ca_file.is_file():
            raise UsageError(f"--ca-file {args.ca_file} is not a file")
        if args.ca_file is not None:
            _check_authority(args.ca_file)
        if args.record is not None:
            from validation_proxy.recording import Recorder, RecordingRefused

            try:
                Recorder.check_folder(args.record)
            except RecordingRefused as error:
                raise UsageError(str(error)) from None
    except (SpecError, UsageError) as error:
        print(f"waterrai-proxy: {error}", file=sys.stderr)
        return 2
    settings = {
        "spec_path": str(spec_path),
        "upstream": upstream,
        "errors": args.errors,
        "expose_violations": args.expose_violations,
        "record": str(args.record.resolve()) if args.record else None,
        "timeout_s": args.timeout,
        "connect_timeout_s": args.connect_timeout,
        "ca_file": str(args.ca_file.resolve()) if args.ca_file else None,
        "access_log": not args.quiet,
        "scenarios": {str(k): v for k, v in scenarios.items()},
    }
    os.environ[SETTINGS_ENV] = json.dumps(settings)
    print(
        f"waterrai-proxy: http://{args.host}:{args.port} -> {upstream}, checking against {spec_path.name}"
        f"{' (refusing what breaks it)' if args.errors else ''}{f', recording into {args.record}' if args.record else ''}; "
        f"violations on http://{args.host}:{args.port}/__proxy/violations",
        file=sys.stderr,
        flush=True,
    )
    # one worker: one memory for the rules that span exchanges; 10 s to finish the recording at a stop
    serve_rsgi("validation_proxy.rsgi:build_app", args.host, args.port, workers=1, kill_timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
