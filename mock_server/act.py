"""Act stage: what each operation does, where the docs give it behaviour of its own.

Defaults, echoes and consts come from the spec (``apply_defaults``, ``answer.echoes``,
``answer.assemble``); this module only adds what the docs describe in words: a meeting gets an
id, a room and a token, spends session minutes, and reads back later; a dynamic meeting finds
or creates its end user and links to the room and the scenario with the user's identifiers.
An operation without an act here answers its first documented example, as Prism would.
"""

from __future__ import annotations

import base64
import dataclasses
import hmac
import random
import string
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

import orjson

from meetings_spec.model import lookup
from mock_server.answer import assemble, echoes, place
from mock_server.compiled import CompiledOperation, CompiledSpec, relative
from meetings_spec.problems import Problem
from mock_server.errors import ApiError
from mock_server.journal import Journal
from mock_server.served import Served
from mock_server.store import InsufficientMinutes, NewMeeting, Store, Wanted
from mock_server.worlds import Worlds

_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
_ROOM_ALPHABET = string.ascii_lowercase + string.digits
_ROOM_PAIRS = [a + b for b in _ROOM_ALPHABET for a in _ROOM_ALPHABET]
_PAIRS_COUNT = len(_ROOM_PAIRS)


@dataclass
class MockContext:
    """What the acts share: what is served (the compiled spec and the seeds, swapped whole on a
    reload), the state and this worker's view of its worlds, a clock and a source of randomness."""

    served: Served
    state: Store
    clock: Callable[[], float]  # seconds since the epoch, as time.time()
    rng: random.Random
    signing_key: bytes
    journal: Journal | None = None
    sandboxes: bool = False
    worlds: Worlds = dataclasses.field(init=False)
    #: Why the latest edit of the spec or seed files cannot be served (``--watch``), or None.
    spec_error: str | None = None

    _signer: hmac.HMAC = dataclasses.field(init=False, repr=False)
    _last_stamp: tuple[int, str] | None = dataclasses.field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.worlds = Worlds(self.state, lambda: self.served.seed, sandboxes=self.sandboxes, journal=self.journal)
        self._signer = hmac.new(self.signing_key, digestmod="sha256")

    @property
    def compiled(self) -> CompiledSpec:
        """The spec served now (a request already routed keeps its own: ``op.owner``)."""
        return self.served.compiled

    def sign(self, message: bytes) -> bytes:
        """HS256 of ``message``: copies a keyed HMAC, where ``hmac.digest`` would look the hash
        up by name on every call (a tenth of a create's time)."""
        mac = self._signer.copy()
        mac.update(message)
        return mac.digest()

    def stamp(self) -> tuple[int, str]:
        """One reading of the clock, as seconds since the epoch and as RFC 3339 to the second
        (``2024-01-15T10:40:00Z``): a token's ``iat`` and the meeting's ``created_at`` agree."""
        second = int(self.clock())
        last = self._last_stamp  # the text changes once a second, not once a create
        if last is None or last[0] != second:
            last = self._last_stamp = (second, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second)))
        return last


ActResult = tuple[int, bytes]  # the status and the JSON text of an answer
#: ``act(ctx, op, world, body, path parameters)``: what an operation does in the caller's world.
Act = Callable[[MockContext, CompiledOperation, int, Any, Mapping[str, Any]], ActResult]


def apply_defaults(op: CompiledOperation, body: Mapping[str, Any], scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The request as the API understands it: every omitted field given the value the spec says."""
    effective = {**op.defaults, **body}
    for name in op.integers:
        value = effective.get(name)
        if type(value) is float and value.is_integer():
            effective[name] = int(value)  # 5.0 is an integer to JSON Schema: answer it as 5
    for field in op.made_defaults:
        if field.name in body:
            continue
        if field.default_from:
            parts = [str(body[part]) for part in field.default_from if body.get(part)]
            effective[field.name] = " ".join(parts) if parts else field.default_otherwise
        else:
            _, attribute, otherwise = field.scenario_default  # type: ignore[misc]
            effective[field.name] = scenario.get(attribute) or otherwise
    return effective


def _scenario(ctx: MockContext, op: CompiledOperation, world: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario the request names (by the field the spec's ``x-default-from-scenario``
    names), in the caller's world (its seeds'). 404 for an unknown one."""
    field = op.spec.scenario_field
    if field is None:
        return {}
    scenario_id = body[field]
    scenario = ctx.worlds.scenarios(world).get(int(scenario_id))
    if scenario is None:
        message = f"There is no scenario with id {int(scenario_id)}."  # 1e2 is the integer 100 to JSON Schema
        raise ApiError(404, "scenario_not_found", message, [Problem(f"body.{field}", "exists", message)])
    return scenario


@dataclass(frozen=True)
class Room:
    """A meeting's room, drawn before the write lock is taken; its name and token also carry
    the meeting id, which is only known inside it (``made``)."""

    letters: str
    issued: int
    minutes: int

    @classmethod
    def draw(cls, ctx: MockContext, minutes: int, issued: int) -> Room:
        """Six letters or digits: three pairs picked with one 32-bit draw."""
        number, first = divmod(ctx.rng.getrandbits(32), _PAIRS_COUNT)
        number, second = divmod(number, _PAIRS_COUNT)
        third = number % _PAIRS_COUNT
        return cls(_ROOM_PAIRS[first] + _ROOM_PAIRS[second] + _ROOM_PAIRS[third], issued, minutes)

    def made(self, ctx: MockContext, meeting_id: int) -> tuple[str, str]:
        """A unique room name (it ends with the meeting id) and a JWT-shaped token for it."""
        name = f"{self.letters}{meeting_id}"
        claims = {"room": name, "meeting_id": meeting_id, "iat": self.issued, "exp": self.issued + 60 * self.minutes}
        signed = _JWT_HEADER + b"." + base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=")
        signature = base64.urlsafe_b64encode(ctx.sign(signed)).rstrip(b"=")
        return name, (signed + b"." + signature).decode()


def _charge(ctx: MockContext, world: int, minutes: int, wanted: Wanted | None, build: Callable[..., NewMeeting]) -> Any:
    try:
        return ctx.state.create_meeting(world, minutes, build, wanted)
    except InsufficientMinutes as short:
        raise ApiError(
            402,
            "insufficient_minutes",
            f"The meeting needs {short.needed} session minutes but the account has {short.left} left.",
        ) from None


def _wanted(ctx: MockContext, op: CompiledOperation, body: Mapping[str, Any]) -> Wanted | None:
    """The object the request identifies by its ``x-reuses`` field (the end user, by email):
    its other properties take the request's fields of the same name."""
    if op.reuses is None:
        return None
    key_field, pointer, identity = op.reuses
    names = op.objects.get(pointer, [])
    fields = {name: body.get(name) for name in names if name not in identity}
    return Wanted(body.get(key_field), fields, identity)


def create(ctx: MockContext, op: CompiledOperation, world: int, body: Any, params: Mapping[str, Any]) -> ActResult:
    """A create (both of the docs' creates): spend the meeting's minutes, store it, answer it.

    What it answers is laid out by the spec: echoed request values and defaults (``x-echo``),
    the initial status (``x-initial-value``), consts; the values made here go where
    ``x-mock.answers`` and ``x-mock.urls`` say, the balance left where ``x-non-increasing``
    marks it, the id where the links read it, the reused end user where ``x-reuses`` names it,
    with ``x-query-params`` added to the URLs that carry them.
    """
    scenario = _scenario(ctx, op, world, body)
    effective = apply_defaults(op, body, scenario)
    places = op.owner.answers
    values = {**echoes(op, effective), **dict(op.initial_values)}
    minutes = values[places["charged_minutes"]]
    issued, now = ctx.stamp()
    room = Room.draw(ctx, minutes, issued)
    wanted = _wanted(ctx, op, body)
    scenario_place = places.get("scenario")
    if scenario_place in op.objects:
        values[scenario_place] = {k: scenario[k] for k in op.objects[scenario_place] if k in scenario}
    values[places["created_at"]] = now

    def assigned(meeting_id: int, remaining: int) -> dict[str, Any]:
        """The values only known under the write lock, by pointer (``op.assigned`` keeps those
        the answer has)."""
        name, token = room.made(ctx, meeting_id)
        made: dict[str, Any] = dict.fromkeys(op.balance_pointers, remaining)
        made[places.get("room_token", "")] = token
        made.update((pointer, template.format(room=name, **scenario)) for pointer, template in op.owner.urls.items())
        if op.id_pointer:
            made[op.id_pointer] = meeting_id
        return made

    if op.reuses is None and not op.query_params:
        # Laid out before the write lock; only what needs the id and the balance is filled in under it.
        answer = assemble(op, {**values, **dict.fromkeys(op.assigned)})

        def build(meeting_id: int, reused: dict[str, Any] | None, remaining: int) -> NewMeeting:
            made = assigned(meeting_id, remaining)
            for pointer in op.assigned:
                place(answer, pointer, made[pointer])
            return NewMeeting(lookup(answer, places["meeting"]), now, answer)

    else:

        def build(meeting_id: int, reused: dict[str, Any] | None, remaining: int) -> NewMeeting:
            made = {**values, **assigned(meeting_id, remaining)}
            if reused is not None and op.reuses is not None:
                made.update(_lend(op, body, reused, scenario))
                made[op.reuses[1]] = {k: reused[k] for k in op.objects.get(op.reuses[1], []) if k in reused}
            if op.query_params:
                draft = assemble(op, made)
                for url_pointer, parameters in op.query_params.items():
                    if url_pointer in made:
                        query = urlencode({name: lookup(draft, pointer) for name, pointer in parameters.items()})
                        made[url_pointer] = f"{made[url_pointer]}?{query}"
            answer = assemble(op, made)
            return NewMeeting(lookup(answer, places["meeting"]), now, answer)

    return int(op.spec.success_status), orjson.dumps(_charge(ctx, world, minutes, wanted, build))


def _lend(op: CompiledOperation, body: Mapping[str, Any], reused: Mapping[str, Any], scenario: Mapping[str, Any]) -> dict[str, Any]:
    """Fields the spec makes from others (``x-default-from``) take, for the parts the request
    leaves out, the values of the object it names to ``lend`` them (a known end user's stored
    names): the echoes of the request so completed."""
    assert op.reuses is not None
    lent = {
        part: reused[part]
        for field in op.fields
        if field.default_lend == op.reuses[1]
        for part in field.default_from
        if body.get(part) is None and reused.get(part) is not None
    }
    return echoes(op, apply_defaults(op, {**body, **lent}, scenario)) if lent else {}


def read(ctx: MockContext, op: CompiledOperation, world: int, body: Any, params: Mapping[str, Any]) -> ActResult:
    """A read of a meeting (``GET /meetings/{id}``): what was created in the caller's world, in
    the read's envelope, or 404. A meeting never changes once written, so its answer is rendered
    once per worker and kept while the state's generation says no meeting was taken away or
    replaced, in any world (``ReadCache``, the operation's own: a reload brings another)."""
    (name, value), = params.items()
    generation = ctx.state.generation()
    reads = op.reads
    if reads is None:
        reads = op.reads = ReadCache()
    key = (world, value)
    answer = reads.get(generation, key)
    if answer is None:
        found = ctx.state.meeting(world, value)
        if found is None:
            raise ApiError(404, "meeting_not_found", f"There is no meeting with id {value}.")
        document, updated_at = found
        places = op.owner.answers
        meeting = {**orjson.loads(document), relative(places["updated_at"], places["meeting"]): updated_at}
        answer = orjson.dumps(assemble(op, {places["meeting"]: meeting}))
        reads.put(generation, key, answer)
    return int(op.spec.success_status), answer


class ReadCache:
    """Rendered answers of reads by id, in one worker, valid for one generation of the state:
    a meeting is never changed once written, only taken away (a reset, a prune), and each of
    those moves the generation on. Bounded: past ``limit`` answers it starts afresh."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._generation = -1
        self._answers: dict[Any, bytes] = {}

    def get(self, generation: int, key: Any) -> bytes | None:
        if generation != self._generation:
            self._answers.clear()
            self._generation = generation
            return None
        return self._answers.get(key)

    def put(self, generation: int, key: Any, answer: bytes) -> None:
        if generation != self._generation:
            return
        if len(self._answers) >= self.limit:
            self._answers.clear()
        self._answers[key] = answer


def documented_example(ctx: MockContext, op: CompiledOperation, world: int, body: Any, params: Mapping[str, Any]) -> ActResult:
    """For an operation the docs give no behaviour: its first success example, verbatim."""
    examples = op.spec.examples(op.spec.success_status)
    return int(op.spec.success_status), orjson.dumps(next(iter(examples.values()), None))


#: What each of the docs' operations does; an operation not listed answers its documented example.
ACTS: dict[str, Act] = {
    "createMeeting": create,
    "createDynamicMeeting": create,
    "getMeeting": read,
}
