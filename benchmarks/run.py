"""``python -m benchmarks.run`` (``make bench``): the mock under wrk, started as ``make mock`` starts it, against Prism.

Both servers serve the same spec and get the same two loads (the documented GET and the
documented create), one server at a time so they never compete for the two cores. The exit
status is 0 even when targets are missed: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from benchmarks import report, wrk
from benchmarks.loads import READ, Load, documented_create
from benchmarks.report import MOCK, PRISM, Measured
from benchmarks.servers import ServerError, free_port, serve
from benchmarks.tools import SetupError, ensure_prism, ensure_wrk
from meetings_spec import load_spec
from meetings_spec.loader import default_spec_path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
WARMUP_SECONDS = 1.0
THREADS = 2


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="Load-test the mock (as make mock starts it) against Prism with wrk."
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each measured wrk run (default: 5)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default: 16)")
    parser.add_argument("--no-prism", action="store_true", help="measure the mock only (no ratio)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.connections < 1:
        parser.error("--duration must be positive and --connections at least 1")
    return args


def probe(port: int, load: Load) -> tuple[int, str]:
    """One request outside wrk, to see which status (and error body) lies behind wrk's error count."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(load.method, load.path, body=load.body, headers=load.headers)
        answer = connection.getresponse()
        return answer.status, answer.read(300).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as error:
        return 0, f"no answer ({error})"
    finally:
        connection.close()


def measure(
    name: str, command: list[str], port: int, loads: list[Load], args: argparse.Namespace, wrk_path: str, scratch: Path
) -> Measured:
    """Start one server, put each load on it (after an uncounted warm-up), and stop it."""
    with serve(name, command, port, READ.raw_request(port), BENCH_DIR / f"{name}.log", cwd=ROOT, timeout=60) as server:
        print(f"{name}: first 200 after {server.first_200_s:.3f} s (log: {server.log.relative_to(ROOT)})", flush=True)
        measured = Measured(server.first_200_s)
        for load in loads:
            script = wrk.write_script(load, scratch / f"{name}-{load.method}.lua")
            url = f"http://127.0.0.1:{port}{load.path}"
            wrk.run(wrk_path, script, url, seconds=WARMUP_SECONDS, connections=args.connections, threads=THREADS)
            result = wrk.run(wrk_path, script, url, seconds=args.duration, connections=args.connections, threads=THREADS)
            measured.loads[load.name] = result
            measured.probes[load.name] = probe(port, load)
            print(f"{name}: {load.name}: {result.rps:.0f} req/s, {result.error_count} errors", flush=True)
        return measured


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        wrk_path = ensure_wrk()
        prism = None if args.no_prism else ensure_prism(BENCH_DIR)
    except SetupError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    BENCH_DIR.mkdir(exist_ok=True)
    spec = default_spec_path()
    loads = [READ, documented_create(load_spec(spec))]
    mock = str(Path(sysconfig.get_path("scripts")) / "waterrai-mock")
    commands: dict[str, Callable[[int], list[str]]] = {
        MOCK: lambda port: [mock, "--host", "127.0.0.1", "--port", str(port)],  # as make mock, nothing added
    }
    if prism is not None:
        commands[PRISM] = lambda port: [str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "silent", str(spec)]
    runs: dict[str, Measured] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="waterrai-bench-") as scratch:
            for name, command in commands.items():
                port = free_port()
                runs[name] = measure(name, command(port), port, loads, args, wrk_path, Path(scratch))
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    except (ServerError, RuntimeError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print()
    print(report.table(runs))
    for line in report.notes(runs):
        print(line)
    settings = {"duration_s": args.duration, "connections": args.connections, "threads": THREADS, "warmup_s": WARMUP_SECONDS}
    report.write_json(report.as_json(runs, settings), BENCH_DIR / "results.json")
    print(f"results: {(BENCH_DIR / 'results.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
