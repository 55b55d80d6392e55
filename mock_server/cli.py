"""``waterrai-mock`` / ``python -m mock_server`` / ``make mock``: serve the mock on a real WSGI server.

The parent process checks the spec and prepares the shared SQLite state, then Granian (a
production server written in Rust) runs the mock in worker processes that all read and write
that one state: the API's paths through its RSGI interface (``mock_server.rsgi``), so that a
slow or held answer keeps no thread and a fault can break the connection, and the rest (docs,
spec, admin routes) through the Flask app behind it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any, Sequence

from meetings_spec import SpecError
from meetings_spec.about import VersionAction
from mock_server.chaos import FAULTS, MAX_DELAY_MS, Delay, SettingError, Settings, fault_rate
from meetings_spec.loader import default_spec_path
from meetings_spec.serving import serve_rsgi, unavailable
from mock_server.scratch import ScratchFolder, memory_folder, sweep
from mock_server.store import DEFAULT_MAX_SANDBOXES

SETTINGS_ENV = "WATERRAI_MOCK_SETTINGS"
TOKEN_ENV = "WATERRAI_MOCK_TOKEN"


def default_workers() -> int:
    """Two workers, leaving a core for the client (a browser, a test runner, a load generator):
    on two cores a second worker only competes with it, and answers slower."""
    return 2 if (os.cpu_count() or 1) > 2 else 1


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="waterrai-mock",
        description="Serve a mock of the Water AI Meetings API, built from its OpenAPI spec.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=4010, help="port to listen on (default: 4010, as Prism)")
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: the kit's openapi/meetings.yaml)")
    parser.add_argument(
        "--token",
        default=None,
        help=f"accept only this bearer token (default: any non-empty one; ${TOKEN_ENV} also sets it)",
    )
    parser.add_argument("--state", type=Path, default=None, help="SQLite file that keeps meetings across restarts (default: fresh each start)")
    parser.add_argument("--balance", type=int, default=None, help="the account's session minutes (default: the spec's x-mock, or the seed files')")
    parser.add_argument(
        "--seed",
        type=Path,
        action="append",
        dest="seeds",
        default=[],
        metavar="FILE",
        help="your own data (YAML or JSON: balance, scenarios, meetings, end_users), on top of the spec's; repeatable, later files win where ids meet",
    )
    parser.add_argument("--sandboxes", action="store_true", help="a world of its own (balance, meetings, end users, ids) for each bearer token, made from the seeds on first use")
    parser.add_argument(
        "--max-sandboxes",
        type=int,
        default=DEFAULT_MAX_SANDBOXES,
        metavar="N",
        help=f"with --sandboxes, keep at most N (default {DEFAULT_MAX_SANDBOXES}); the least recently used goes",
    )
    parser.add_argument("--watch", action="store_true", help="serve edits of the spec and seed files within a second or two, without a restart")
    parser.add_argument(
        "--cors-origin",
        action="append",
        dest="cors_origins",
        metavar="ORIGIN",
        help="allow browser calls from this origin only (repeatable; default: any origin)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help=f"worker processes, sharing one state (default here: {default_workers()}; two, or one on a two-core machine)",
    )
    parser.add_argument("--quiet", action="store_true", help="no access log line per request")
    parser.add_argument(
        "--delay",
        metavar="MS|MIN-MAX",
        help=f"delay every answer of the API's operations by MS milliseconds, or by a uniform draw from MIN-MAX (at most {MAX_DELAY_MS})",
    )
    parser.add_argument("--fault", choices=list(FAULTS), help="the fault --fault-rate injects: " + "; ".join(f"{k}: {v}" for k, v in FAULTS.items()))
    parser.add_argument("--fault-rate", type=float, default=0.0, metavar="P", help="inject --fault into this share (0 to 1) of the API's answers")
    parser.add_argument("--version", action=VersionAction)
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, not {args.port}")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.balance is not None and args.balance < 0:
        parser.error("--balance cannot be negative")
    if args.max_sandboxes < 1:
        parser.error("--max-sandboxes must be at least 1")
    try:
        rate = fault_rate(args.fault_rate)
        args.chaos = Settings(Delay.parse(args.delay) if args.delay else None, args.fault, rate)
    except SettingError as error:
        parser.error(f"{error}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    taken = unavailable(args.host, args.port)
    if taken is not None:
        print(f"waterrai-mock: {taken}", file=sys.stderr)
        return 2
    memory = memory_folder()
    sweep(memory)  # the folders of mocks killed without a chance to remove theirs
    previous = signal.signal(signal.SIGTERM, _stop)  # until Granian takes over: a stop still runs the finally below
    folder = ScratchFolder(memory)
    try:
        return _serve(args, folder.path)
    finally:
        signal.signal(signal.SIGTERM, previous)
        folder.remove()


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _serve(args: argparse.Namespace, temporary: Path) -> int:
    """Check the spec and prepare the state (in the parent, once), then serve until stopped."""
    from mock_server.app import create_app  # here, so that --help answers at once
    from mock_server.seeds import SeedError

    spec = (args.spec or default_spec_path()).resolve()
    state = args.state.resolve() if args.state else temporary / "state.sqlite3"
    settings: dict[str, Any] = {
        "spec_path": str(spec),
        "state_path": str(state),
        "settings_path": str(temporary / "settings"),  # delays and faults, shared by the workers
        "balance": args.balance,
        "seeds": [str(path.resolve()) for path in args.seeds],
        "sandboxes": args.sandboxes,
        "max_sandboxes": args.max_sandboxes,
        "watch": args.watch,
        "cors_origins": args.cors_origins or "*",
        "access_log": not args.quiet,
    }
    kept = args.state is not None and state.is_file() and state.stat().st_size > 0
    try:
        # fail here, once, on a bad spec or seed; plant the seeds (the workers watch, not this process)
        prepared = create_app(**{**settings, "watch": False}, settings=args.chaos, initialize=True)
    except (SpecError, SeedError) as error:
        print(f"waterrai-mock: {error}", file=sys.stderr)
        return 2
    except (sqlite3.DatabaseError, OverflowError) as error:
        if args.state is None:  # a fresh state, made here: what failed is the seed x-mock plants
            print(f"waterrai-mock: {spec}: the seed x-mock plants does not fit a fresh state ({error})", file=sys.stderr)
            return 2
        print(f"waterrai-mock: {state} is not a state file of the mock ({error}); give --state a new file", file=sys.stderr)
        return 2
    prepared_ctx = prepared.extensions["waterrai_mock"]
    prepared_state = prepared_ctx.state
    if kept and args.balance is not None and not args.sandboxes:
        print(
            f"waterrai-mock: --balance {args.balance} is ignored: {state} already holds the account, with "
            f"{prepared_state.balance(prepared_ctx.worlds.shared())} minutes left. To start from {args.balance}, remove the file or give --state a new one.",
            file=sys.stderr,
        )
    elif kept and args.balance is not None:
        print(
            f"waterrai-mock: --balance {args.balance} applies to the sandboxes made from now on (and to those reset); "
            f"the ones {state} holds keep their balance.",
            file=sys.stderr,
        )
    # the workers open their own; the parent keeps no descriptor of the state, nor of the settings
    # (waiting for the garbage collector to free the app would leave them open, or not, by chance)
    prepared_state.close()
    prepared.extensions["waterrai_core"].settings.close()
    del prepared, prepared_state, prepared_ctx
    os.environ[SETTINGS_ENV] = json.dumps(settings)
    token = args.token or os.environ.get(TOKEN_ENV)
    if token:
        os.environ[TOKEN_ENV] = token
    print(
        f"waterrai-mock: serving {spec.name} on http://{args.host}:{args.port} "
        f"({args.workers} worker{'s' if args.workers > 1 else ''}, state {'in ' + str(state) if args.state else 'fresh'}, "
        f"{'one token only' if token else 'any bearer token'}{_world_note(args)}{_chaos_note(args.chaos)}); docs on http://{args.host}:{args.port}/docs",
        file=sys.stderr,
        flush=True,
    )
    serve_rsgi("mock_server.rsgi:build_app", args.host, args.port, workers=args.workers, kill_timeout=3, respawn=True)
    return 0


def _world_note(args: argparse.Namespace) -> str:
    notes = [f"seeds from {', '.join(path.name for path in args.seeds)}"] if args.seeds else []
    if args.sandboxes:
        notes.append(f"a sandbox per token (at most {args.max_sandboxes})")
    if args.watch:
        notes.append("watching the spec and seed files")
    return "".join(f", {note}" for note in notes)


def _chaos_note(chaos: Settings) -> str:
    note = f", delay {chaos.delay} ms" if chaos.delay else ""
    return note + (f", fault {chaos.fault} at rate {chaos.fault_rate:g}" if chaos.fault_rate else "")


if __name__ == "__main__":
    sys.exit(main())
