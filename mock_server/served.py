"""What a worker serves, as one object: the compiled spec and the seeds, swapped whole on a reload.

``load_served`` reads the spec and the seed files (``--seed``) and checks them all; a request
takes the ``Served`` in force when it is routed and is answered by it to the end, so requests in
flight during a reload get the old spec or the new one, never a mix and never an error.

``Watcher`` (``--watch``) polls the files each worker serves from (the spec, the files its
``$ref``s name, the seed files) a few times a second, with ``stat``: every worker process
watches for itself, so each picks an edit up on its own. A good edit is compiled, planted in the
state once for all workers (``Store.adopt``: seeds planted again, meetings that no longer read
back under the new spec dropped), then swapped in; a broken one leaves the last good ``Served``
in place, and its error (file, line, place) is logged once and shown by ``/__mock/health`` and
on ``/docs`` until an edit clears it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from meetings_spec import SpecError
from meetings_spec.loader import default_spec_path
from meetings_spec.refs import keyed
from mock_server.answer import assemble
from mock_server.compiled import CompiledSpec, compile_spec
from mock_server.seeds import SeedError, SeedRules, known_scenarios
from mock_server.store import Seed

if TYPE_CHECKING:
    from mock_server.act import MockContext

_log = logging.getLogger("mock_server.reload")

#: How often a watching worker looks at its files, in seconds.
POLL_SECONDS = 0.25


@dataclass(eq=False)
class Served:
    """The compiled spec and the seeds one worker serves, until a reload replaces it whole."""

    compiled: CompiledSpec
    rules: SeedRules
    seed: Seed  # the spec's seed with the seed files on top (and --balance)
    sources: list[str]  # where ``seed`` came from, bottom first
    fingerprint: str  # of the files' bytes and --balance: workers agree on it without talking
    files: tuple[Path, ...]  # what a watcher looks at
    loaded_at: float
    #: What the docs page rendered from this spec (its views), kept as long as it is served.
    views: dict[Any, bytes] = field(default_factory=dict)
    #: The core's routing table of this spec and the Flask app's routes (``Core.routes``).
    routes: Any = None

    def seed_for(self, posted: list[dict[str, Any]] | None) -> Seed:
        """The seed of a world: the files' seed with the documents posted to it on top. A posted
        document that no longer fits this spec (it was edited since) is left out, and logged."""
        seed = self.seed
        for document in posted or ():
            problems = self.rules.check(document, known_scenarios(seed))
            if problems:
                _log.warning("a seed posted to a sandbox no longer fits the spec (%s); it is left out", problems[0])
                continue
            seed = seed.layered(self.rules.layer(document))
        return seed

    def keeps(self, document: str, updated_at: str) -> bool:
        """Whether a stored meeting still reads back under this spec: its read's answer, laid
        out as ``act.read`` lays it, keeps the schema."""
        read = self.rules.read
        validator = read.contract.answer_validators.get(read.spec.success_status)
        if validator is None:
            return True
        try:
            meeting = {**orjson.loads(document), self.rules.updated_key: updated_at}
        except orjson.JSONDecodeError:
            return False
        return bool(validator.is_valid(assemble(read, {self.compiled.answers["meeting"]: meeting})))


def load_served(spec_path: str | os.PathLike[str] | None, seed_files: Sequence[str | os.PathLike[str]] = (), balance: int | None = None) -> Served:
    """Read and check the spec and the seed files: ``SpecError`` or ``SeedError`` naming the file
    and the place of the first thing wrong."""
    spec_file = Path(spec_path) if spec_path else default_spec_path()
    seed_paths = [Path(path) for path in seed_files]
    contents = [_read(path) for path in (spec_file, *seed_paths)]
    compiled = compile_spec(spec_path)
    try:
        rules = SeedRules(compiled)
        rules.check_spec_scenarios()
    except SpecError as error:
        raise error.located(spec_file) from error.__cause__
    seed = compiled.seed
    sources = [f"{spec_file.name} (x-mock)"]
    for path in seed_paths:
        seed = seed.layered(rules.checked_file(path, known_scenarios(seed)))
        sources.append(str(path))
    if balance is not None:
        seed = replace(seed, balance=balance)
        sources.append(f"--balance {balance}")
    referenced = _referenced_files(compiled, spec_file)
    digest = hashlib.sha256(repr(balance).encode())
    for path, content in zip((spec_file, *seed_paths, *referenced), (*contents, *map(_read, referenced)), strict=True):
        digest.update(str(path).encode() + b"\0" + (content or b"") + b"\0")
    return Served(compiled, rules, seed, sources, digest.hexdigest(), (spec_file, *seed_paths, *referenced), time.time())


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _referenced_files(compiled: CompiledSpec, spec_file: Path) -> tuple[Path, ...]:
    """Files the spec's ``$ref``s name (``other.yaml#/...``), beside the spec: watched too."""
    names = {value.split("#", 1)[0] for _, value in keyed(compiled.raw, "$ref") if isinstance(value, str) and not value.startswith("#")}
    return tuple(sorted(spec_file.parent / name for name in names if name and "://" not in name))


_Stats = tuple[tuple[int, int, int] | None, ...]


class Watcher:
    """Reloads a worker's ``Served`` when its files change (``check``, or a thread that calls it)."""

    def __init__(self, ctx: MockContext, spec_path: str | os.PathLike[str] | None, seed_files: Sequence[str | os.PathLike[str]], balance: int | None) -> None:
        self.ctx = ctx
        self.spec_path, self.seed_files, self.balance = spec_path, list(seed_files), balance
        self._seen: _Stats | None = self._stats()
        self._lock = threading.Lock()
        self.running = False

    def _stats(self) -> _Stats:
        found: list[tuple[int, int, int] | None] = []
        for path in self.ctx.served.files:
            try:
                info = os.stat(path)
                found.append((info.st_mtime_ns, info.st_size, info.st_ino))
            except OSError:
                found.append(None)
        return tuple(found)

    def check(self) -> bool:
        """Look at the files once; reload if they changed. True when a new spec is served."""
        with self._lock:
            stats = self._stats()
            if stats == self._seen:
                return False
            try:
                served = load_served(self.spec_path, self.seed_files, self.balance)
            except (SpecError, SeedError) as error:
                self._seen = stats
                self._failed(str(error))
                return False
            if self._stats() != stats:
                return False  # edited again while it was read: the next look reads it whole
            self._seen = stats
            if served.fingerprint == self.ctx.served.fingerprint:
                self._cleared()
                return False
            dropped = self.ctx.state.adopt(served.fingerprint, served.seed_for, served.keeps, balances=True)
            self.ctx.served = served
            self._seen = self._stats()  # the files it serves from now (a $ref may name others)
            self._cleared()
            note = "" if not dropped else f"; {dropped} meeting{'s' if dropped != 1 else ''} that no longer read back under it dropped"
            _log.info("reloaded %s%s", ", ".join(str(path) for path in served.files[: 1 + len(self.seed_files)]), note)
            return True

    def _failed(self, error: str) -> None:
        if error != self.ctx.spec_error:
            _log.error("the edit cannot be used, the last good spec and seeds are still served: %s", error)
        self.ctx.spec_error = error

    def _cleared(self) -> None:
        if self.ctx.spec_error is not None:
            _log.info("the spec and seeds can be used again")
        self.ctx.spec_error = None

    def start(self, interval: float = POLL_SECONDS) -> None:
        """Watch in a thread of this process (a daemon, gone with the app or the process)."""
        if not self.running:
            self.running = True
            threading.Thread(target=_watch, args=(weakref.ref(self), interval), daemon=True, name="spec-watcher").start()


def _watch(watcher_ref: weakref.ref[Watcher], interval: float) -> None:
    while True:
        time.sleep(interval)
        watcher = watcher_ref()
        if watcher is None:
            return
        try:
            watcher.check()
        except Exception:  # noqa: BLE001 - a failed look (a full disk, a locked state) must not end the watching
            _log.exception("watching the spec failed once; it goes on")
        del watcher
