"""``python -m benchmarks.run`` (``make bench``): our servers under wrk, each beside Prism doing the same job.

Part ``mock``: the mock, started as ``make mock`` starts it, against ``prism mock``. Part ``proxy``:
the validation proxy against ``prism proxy``, both in front of one upstream mock that runs for the
whole part. Every server gets the same two loads (the documented GET and the documented create),
one server at a time so they never compete for the two cores. The exit status is 0 even when
targets are missed: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from benchmarks import contenders, report, wrk
from benchmarks.contenders import UPSTREAM, Contender
from benchmarks.loads import BROKEN_CREATE, READ, Load, documented_create
from benchmarks.report import MOCKS, PROXIES, Probe, Comparison, Measured
from benchmarks.servers import ServerError, serve
from meetings_spec.serving import free_port
from benchmarks.tools import SetupError, ensure_prism, ensure_wrk
from meetings_spec import load_spec
from meetings_spec.loader import default_spec_path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / ".bench"
WARMUP_SECONDS = 1.0
THREADS = 2
PARTS = {"mock": MOCKS, "proxy": PROXIES}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Load-test the mock (as make mock starts it) against Prism's, and the validation proxy against Prism's, with wrk.",
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of each measured wrk run (default: 5)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default: 16)")
    parser.add_argument("--no-prism", action="store_true", help="measure ours only (no ratio)")
    parser.add_argument("--only", choices=list(PARTS), help="run one part: the mock or the proxy (default: both)")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.connections < 1:
        parser.error("--duration must be positive and --connections at least 1")
    return args


def probe(port: int, load: Load, violation_header: str | None = None) -> Probe:
    """One request outside wrk, to see which status (and error body, and violations) lies behind wrk's figures."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(load.method, load.path, body=load.body, headers=load.headers)
        answer = connection.getresponse()
        violations = (answer.getheader(violation_header) or "") if violation_header else ""
        return Probe(answer.status, answer.read(300).decode("utf-8", "replace"), violations)
    except (OSError, http.client.HTTPException) as error:
        return Probe(0, f"no answer ({error})")
    finally:
        connection.close()


def measure(contender: Contender, loads: list[Load], args: argparse.Namespace, wrk_path: str, scratch: Path) -> Measured:
    """Start one server, put each load on it (after an uncounted warm-up), and stop it.
    A proxy is also sent one request that breaks the spec, to show that it validates."""
    name, port = contender.name, free_port()
    log = BENCH_DIR / f"{name}.log"
    with serve(name, contender.command(port), port, READ.raw_request(port), log, cwd=ROOT, timeout=60) as server:
        print(f"{name}: first 200 after {server.first_200_s:.3f} s (log: {server.log.relative_to(ROOT)})", flush=True)
        measured = Measured(server.first_200_s)
        for load in loads:
            script = wrk.write_script(load, scratch / f"{name}-{load.method}.lua")
            url = f"http://127.0.0.1:{port}{load.path}"
            wrk.run(wrk_path, script, url, seconds=WARMUP_SECONDS, connections=args.connections, threads=THREADS)
            result = wrk.run(wrk_path, script, url, seconds=args.duration, connections=args.connections, threads=THREADS)
            measured.loads[load.name] = result
            measured.probes[load.name] = probe(port, load, contender.violation_header)
            print(f"{name}: {load.name}: {result.rps:.0f} req/s, {result.error_count} errors", flush=True)
        if contender.violation_header is not None:
            measured.flags_bad_request = bool(probe(port, BROKEN_CREATE, contender.violation_header).violations)
        return measured


def run_parts(
    parts: list[str], spec: Path, prism: Path | None, args: argparse.Namespace, wrk_path: str
) -> list[tuple[Comparison, dict[str, Measured]]]:
    """Each part in turn; the proxy part inside one upstream mock's lifetime, so both proxies meet the same one."""
    loads = [READ, documented_create(load_spec(spec))]
    done: list[tuple[Comparison, dict[str, Measured]]] = []
    with tempfile.TemporaryDirectory(prefix="waterrai-bench-") as scratch:
        if "mock" in parts:
            done.append((MOCKS, {c.name: measure(c, loads, args, wrk_path, Path(scratch)) for c in contenders.mocks(spec, prism)}))
        if "proxy" in parts:
            port = free_port()
            command = contenders.upstream_command(port)
            with serve(UPSTREAM, command, port, READ.raw_request(port), BENCH_DIR / f"{UPSTREAM}.log", cwd=ROOT, timeout=60):
                proxies = contenders.proxies(spec, f"http://127.0.0.1:{port}", prism)
                done.append((PROXIES, {c.name: measure(c, loads, args, wrk_path, Path(scratch)) for c in proxies}))
    return done


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    parts = [args.only] if args.only else list(PARTS)
    try:
        wrk_path = ensure_wrk()
        prism = None if args.no_prism else ensure_prism(BENCH_DIR)
        if "proxy" in parts:
            contenders.our_proxy()  # missing before any server starts, not after the mock's part
    except SetupError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    BENCH_DIR.mkdir(exist_ok=True)
    try:
        done = run_parts(parts, default_spec_path(), prism, args, wrk_path)
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    except (ServerError, RuntimeError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    for comparison, runs in done:
        print(f"\n{comparison.part}: {comparison.ours} against {comparison.theirs}")
        print(report.table(runs, comparison))
        for line in report.notes(runs):
            print(line)
    settings = {"duration_s": args.duration, "connections": args.connections, "threads": THREADS, "warmup_s": WARMUP_SECONDS}
    if "proxy" in parts:
        settings["upstream_balance"] = contenders.UPSTREAM_BALANCE
    report.write_json(report.as_json(done, settings), BENCH_DIR / "results.json")
    print(f"\nresults: {(BENCH_DIR / 'results.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
