"""Which world a request acts on, and what one worker keeps of the worlds between requests.

Without ``--sandboxes`` every request acts on the shared world. With it, each bearer token has
a world of its own, found by the SHA-256 of the token (the token itself is never kept, nor
logged), and made from the seeds on first use. A worker keeps, while the state's generation
holds, the world of each token hash it met and each world's scenarios: a read or a create then
asks the state for nothing but its meeting. When each world was last used goes to the state
with the journal's lines, never on a request.
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING, Any, Callable

from meetings_spec.contract import bearer_token
from mock_server.store import SHARED, Seed, Store

if TYPE_CHECKING:
    from mock_server.journal import Journal

#: Token hashes a worker keeps the world of; past it, it starts afresh.
_KEPT = 4096


def token_key(token: str) -> str:
    """A sandbox's key: the SHA-256 of its token, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class Worlds:
    """One worker's view of the worlds: ``of`` a request's credentials, their ``scenarios``."""

    def __init__(self, state: Store, seed: Callable[[], Seed], *, sandboxes: bool, journal: Journal | None = None) -> None:
        self.state = state
        self.sandboxes = sandboxes
        self.journal = journal
        self._seed = seed  # the seed a new world is made from (the files' seed in force)
        self._shared: int | None = None
        self._generation = -1
        self._ids: dict[str, int] = {}
        self._scenarios: dict[int, dict[int, dict[str, Any]]] = {}

    def of(self, authorization: str | None) -> int | None:
        """The world of a request with this ``Authorization`` header; None, with sandboxes, when
        it carries no bearer token (the request is refused before it needs one)."""
        if not self.sandboxes:
            return self.shared()
        token = bearer_token(authorization)
        return None if token is None else self.keyed(token_key(token))

    def shared(self) -> int:
        """The world everybody shares (made if there is none yet)."""
        world = self._shared
        if world is None:
            world = self._shared = self.state.world(SHARED, self._seed())
        return world

    def keyed(self, key: str) -> int:
        """The world of a token's hash, made from the seeds on first use."""
        self._current()
        world = self._ids.get(key)
        if world is None:
            if len(self._ids) >= _KEPT:
                self._ids.clear()
            world = self._ids[key] = self.state.world(key, self._seed())
        if self.journal is not None:
            self.journal.touch(world, time.time())
        return world

    def scenarios(self, world: int) -> dict[int, dict[str, Any]]:
        """The world's scenarios by id (seeds change them, and move the generation on)."""
        if self.state.generation() != self._generation:
            self._current()
        found = self._scenarios.get(world)
        if found is None:
            if len(self._scenarios) >= _KEPT:
                self._scenarios.clear()
            found = self._scenarios[world] = self.state.scenarios(world)
        return found

    def forget(self, world: int) -> None:
        """``world`` is gone (``WorldGone``): the next request makes its sandbox afresh."""
        self._ids = {key: found for key, found in self._ids.items() if found != world}
        self._scenarios.pop(world, None)
        if self._shared == world:
            self._shared = None

    def _current(self) -> None:
        generation = self.state.generation()
        if generation != self._generation:
            self._ids.clear()
            self._scenarios.clear()
            self._generation = generation
