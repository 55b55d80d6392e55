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

from meetings_spec.rules import lookup
from mock_server.answer import assemble, echoes, place
from mock_server.compiled import CompiledOperation, CompiledSpec
from mock_server.errors import ApiError, Problem
from mock_server.journal import Journal
from mock_server.state import InsufficientMinutes, NewMeeting, Seed, State

#: Where the minutes a meeting is charged come back (``x-echo`` of the duration field).
ESTIMATE = "/session_minutes_info/estimatedMinutes"
REMAINING = "/session_minutes_info/remainingMinutes"
_JWT_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
_ROOM_ALPHABET = string.ascii_lowercase + string.digits
_ROOM_PAIRS = [a + b for b in _ROOM_ALPHABET for a in _ROOM_ALPHABET]
_PAIRS_COUNT = len(_ROOM_PAIRS)


@dataclass
class MockContext:
    """What the acts share: the compiled spec, the state, a clock and a source of randomness."""

    compiled: CompiledSpec
    state: State
    seed: Seed
    clock: Callable[[], float]  # seconds since the epoch, as time.time()
    rng: random.Random
    signing_key: bytes
    journal: Journal | None = None

    scenarios: dict[int, dict[str, Any]] = dataclasses.field(init=False)  # by id, from the seed: fixed for the server's life

    _signer: hmac.HMAC = dataclasses.field(init=False, repr=False)
    _last_stamp: tuple[int, str] | None = dataclasses.field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.scenarios = {int(scenario["id"]): scenario for scenario in self.seed.scenarios}
        self._signer = hmac.new(self.signing_key, digestmod="sha256")

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


Answer = tuple[int, Any]
Act = Callable[[MockContext, CompiledOperation, Any, Mapping[str, Any]], Answer]


def apply_defaults(op: CompiledOperation, body: Mapping[str, Any], scenario: Mapping[str, Any]) -> dict[str, Any]:
    """The request as the API understands it: every omitted field given the value the spec says."""
    effective = dict(body)
    for field in op.fields:
        name = field.name
        if name in effective:
            value = effective[name]
            if field.integer and isinstance(value, float) and value.is_integer():
                effective[name] = int(value)  # 5.0 is an integer to JSON Schema: answer it as 5
        elif field.has_default:
            effective[name] = field.default
        elif field.default_from:
            parts = [str(body[part]) for part in field.default_from if body.get(part)]
            effective[name] = " ".join(parts) if parts else field.default_otherwise
        elif field.scenario_default:
            attribute, otherwise = field.scenario_default
            effective[name] = scenario.get(attribute) or otherwise
    return effective


def _scenario(ctx: MockContext, body: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario the request names, from the seed: scenarios are fixed for a server's life."""
    scenario_id = body["scenario_id"]
    scenario = ctx.scenarios.get(int(scenario_id))
    if scenario is None:
        message = f"There is no scenario with id {scenario_id}."
        raise ApiError(404, "scenario_not_found", message, [Problem("body.scenario_id", "exists", message)])
    return scenario


@dataclass(frozen=True)
class Room:
    """A meeting's room, drawn before the write lock is taken; its name and token also carry
    the meeting id, which is only known inside it (``url_and_token``)."""

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

    def url_and_token(self, ctx: MockContext, meeting_id: int) -> tuple[str, str]:
        """A unique room URL (its name ends with the meeting id) and a JWT-shaped token for it."""
        name = f"{self.letters}{meeting_id}"
        claims = {"room": name, "meeting_id": meeting_id, "iat": self.issued, "exp": self.issued + 60 * self.minutes}
        signed = _JWT_HEADER + b"." + base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=")
        signature = base64.urlsafe_b64encode(ctx.sign(signed)).rstrip(b"=")
        return ctx.compiled.mock["urls"]["room"].format(room=name), (signed + b"." + signature).decode()


def _charge(ctx: MockContext, minutes: int, end_user: dict[str, Any] | None, build: Callable[..., NewMeeting]) -> Any:
    try:
        return ctx.state.create_meeting(minutes, build, end_user)
    except InsufficientMinutes as short:
        raise ApiError(
            402,
            "insufficient_minutes",
            f"The meeting needs {short.needed} session minutes but the account has {short.left} left.",
        ) from None


def create_meeting(ctx: MockContext, op: CompiledOperation, body: Any, params: Mapping[str, Any]) -> Answer:
    """``POST /meetings``: spend the minutes, store the meeting, answer the create envelope."""
    scenario = _scenario(ctx, body)
    effective = apply_defaults(op, body, scenario)
    values = {**echoes(op, effective), **dict(op.initial_values)}
    minutes = values[ESTIMATE]
    issued, now = ctx.stamp()
    room = Room.draw(ctx, minutes, issued)
    # Laid out before the write lock; only what needs the id and the balance is filled in under it.
    answer = assemble(op, {**values, **dict.fromkeys(_ASSIGNED), "/data/created_at": now})

    def build(meeting_id: int, _user: Any, remaining: int) -> NewMeeting:
        room_url, room_token = room.url_and_token(ctx, meeting_id)
        for pointer, value in zip(_ASSIGNED, (meeting_id, room_url, room_token, remaining), strict=True):
            place(answer, pointer, value)
        return NewMeeting(answer["data"], now, answer)

    return 200, _charge(ctx, minutes, None, build)


#: What a create's answer only knows once the meeting is stored: in ``build``'s order.
_ASSIGNED = ("/data/id", "/data/room_url", "/data/room_token", REMAINING)


def create_dynamic_meeting(ctx: MockContext, op: CompiledOperation, body: Any, params: Mapping[str, Any]) -> Answer:
    """``POST /meetings/create-dynamic-meeting``: find or create the end user, then as a create."""
    scenario = _scenario(ctx, body)
    effective = apply_defaults(op, body, scenario)
    values = {**dict(op.initial_values)}
    minutes = echoes(op, effective)[ESTIMATE]
    # the end user's fields that the request can set (email, names): who to find or create
    wanted_user = {key: body.get(key) for key in ctx.compiled.end_user_fields if key in op.spec.request_fields}
    issued, now = ctx.stamp()
    room = Room.draw(ctx, minutes, issued)

    def build(meeting_id: int, user: dict[str, Any], remaining: int) -> NewMeeting:
        # A reused end user lends their stored names to fields built from names the request lacks.
        lent = {
            part: user[part]
            for field in op.spec.request_fields.values()
            for part in field.default_from
            if body.get(part) is None and user.get(part) is not None
        }
        request = apply_defaults(op, {**body, **lent}, scenario) if lent else effective
        room_url, room_token = room.url_and_token(ctx, meeting_id)
        fields = {
            **values,
            **echoes(op, request),
            "/data/id": meeting_id,
            "/data/room_url": room_url,
            "/data/room_token": room_token,
            "/data/created_at": now,
            "/data/scenario": {k: scenario[k] for k in ctx.compiled.scenario_fields if k in scenario},
            "/data/end_user": {k: user[k] for k in ctx.compiled.end_user_fields if k in user},
            REMAINING: remaining,
        }
        bases = {
            "/meeting_url": room_url,
            "/scenario_url": ctx.compiled.mock["urls"]["scenario"].format(**scenario),
        }
        draft = assemble(op, fields)
        for url_pointer, parameters in op.spec.success_rule("x-query-params"):
            query = urlencode({name: lookup(draft, pointer) for name, pointer in parameters.items()})
            fields[url_pointer] = f"{bases[url_pointer]}?{query}"
        answer = assemble(op, fields)
        return NewMeeting(answer["data"], now, answer)

    return 200, _charge(ctx, minutes, wanted_user, build)


def get_meeting(ctx: MockContext, op: CompiledOperation, body: Any, params: Mapping[str, Any]) -> Answer:
    """``GET /meetings/{id}``: what was created, in the read envelope, or 404."""
    found = ctx.state.meeting(params["id"])
    if found is None:
        raise ApiError(404, "meeting_not_found", f"There is no meeting with id {params['id']}.")
    document, updated_at = found
    return 200, assemble(op, {"/data": {**orjson.loads(document), "updated_at": updated_at}})


def documented_example(ctx: MockContext, op: CompiledOperation, body: Any, params: Mapping[str, Any]) -> Answer:
    """For an operation the docs give no behaviour: its first success example, verbatim."""
    examples = op.spec.examples(op.spec.success_status)
    return int(op.spec.success_status), next(iter(examples.values()), None)


ACTS: dict[str, Act] = {
    "createMeeting": create_meeting,
    "createDynamicMeeting": create_dynamic_meeting,
    "getMeeting": get_meeting,
}
