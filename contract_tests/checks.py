"""Checks for the rules a JSON Schema cannot state, each read from the spec's vendor extensions.

Each check is a small function with schemathesis's check signature ``(ctx, response, case)``;
it raises ``AssertionError`` with what was expected and what came back, and schemathesis turns
that into a failure with a reproducing curl command. None of them names a field: they apply
``x-echo``, ``x-default-from``, ``x-query-params``, ``x-non-increasing``, ``x-reuses`` and
``x-mutable`` wherever the spec puts them.
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from meetings_spec.rules import Operation, lookup

Check = Callable[[Any, Any, Any], None]
_ABSENT = object()


def _json_2xx(response: Any) -> Any:
    """The response body if it is a 2xx JSON object, else None (other checks judge the rest)."""
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _where(pointer: str) -> str:
    return pointer.lstrip("/").replace("/", ".")


def expected_echoes(op: Operation, body: Any) -> list[tuple[str, Any, str]]:
    """``(pointer, value, reason)`` the answer must carry for a request body, per the spec."""
    if not isinstance(body, dict):
        return []
    expected = []
    for name, field in op.request_fields.items():
        if not field.echo:
            continue
        if name in body:
            value = body[name]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            expected.append((field.echo, value, f"{name} was sent"))
        elif field.has_default:
            expected.append((field.echo, field.default, f"{name} was omitted and its documented default is {field.default!r}"))
        elif field.default_from and all(isinstance(body.get(part), str) for part in field.default_from):
            joined = " ".join(body[part] for part in field.default_from)
            expected.append((field.echo, joined, f"{name} was omitted, so it is made from {' and '.join(field.default_from)}"))
    return expected


def defaults_applied_and_fields_echoed(op: Operation) -> Check:
    """Sent fields come back; omitted ones come back as their documented default (``x-echo``)."""

    def defaults_applied_and_fields_echoed(ctx: Any, response: Any, case: Any) -> None:
        answer = _json_2xx(response)
        if answer is None:
            return
        for pointer, value, reason in expected_echoes(op, case.body):
            got = lookup(answer, pointer, _ABSENT)
            if got is _ABSENT or got != value or type(got) is not type(value):
                shown = "nothing" if got is _ABSENT else repr(got)
                raise AssertionError(f"{_where(pointer)} should be {value!r} because {reason}; the server answered {shown}")

    return defaults_applied_and_fields_echoed


def url_query_matches_ids(op: Operation) -> Check:
    """Returned URLs carry the query parameters the spec ties to ids in the same answer (``x-query-params``)."""
    rules = op.success_rule("x-query-params")

    def url_query_matches_ids(ctx: Any, response: Any, case: Any) -> None:
        answer = _json_2xx(response)
        if answer is None:
            return
        for url_pointer, parameters in rules:
            url = lookup(answer, url_pointer, None)
            if not isinstance(url, str):
                continue  # a missing URL is the schema check's finding
            query = parse_qs(urlsplit(url).query)
            for name, pointer in parameters.items():
                want = lookup(answer, pointer, _ABSENT)
                got = query.get(name)
                if want is _ABSENT or got != [str(want)]:
                    raise AssertionError(
                        f"{_where(url_pointer)} should carry {name}={want} (the value of {_where(pointer)}); "
                        f"it carries {name}={got[0] if got else 'nothing'}: {url}"
                    )

    return url_query_matches_ids


class NonIncreasing:
    """Numbers the spec marks ``x-non-increasing``: each answer's value never above the last one seen."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[Any, str]] = {}

    def check(self, op: Operation) -> Check:
        pointers = [pointer for pointer, marked in op.success_rule("x-non-increasing") if marked]

        def never_grows(ctx: Any, response: Any, case: Any) -> None:
            answer = _json_2xx(response)
            if answer is None:
                return
            for pointer in pointers:
                value = lookup(answer, pointer, None)
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    continue
                previous = self.last.get(pointer)
                self.last[pointer] = (value, op.operation_id)
                if previous is not None and value > previous[0]:
                    raise AssertionError(
                        f"{_where(pointer)} grew from {previous[0]} (after an earlier {previous[1]}) to {value}; "
                        "it may only stay or fall from one create to the next"
                    )

        names = "_and_".join(_where(pointer).rsplit(".", 1)[-1] for pointer in pointers)
        never_grows.__name__ = f"{names}_never_grows" if pointers else "never_grows"
        return never_grows


def reads_back_as_created(created: dict[str, Any], mutable: set[str], read_pointer: str = "/data") -> Check:
    """The read of a created resource repeats every field the create answered (but ``x-mutable`` ones)."""

    def created_meeting_reads_back(ctx: Any, response: Any, case: Any) -> None:
        if response.status_code != 200:
            raise AssertionError(f"reading the meeting just created answered {response.status_code}, expected 200")
        answer = _json_2xx(response)
        read = lookup(answer, read_pointer, None) if answer else None
        if not isinstance(read, dict):
            return  # the schema check reports the shape
        for name, value in created.items():
            if name in mutable or name not in read:
                continue
            if read[name] != value:
                raise AssertionError(f"{_where(read_pointer)}.{name} was {value!r} when created but reads back as {read[name]!r}")

    return created_meeting_reads_back


def _object_in_2xx(response: Any, pointer: str, request: str) -> dict[str, Any]:
    """The object at ``pointer`` of a 2xx answer ({} if absent); fails naming ``request`` otherwise."""
    answer = _json_2xx(response)
    if answer is None:
        raise AssertionError(f"{request} answered {response.status_code}, expected 2xx")
    return lookup(answer, pointer, {})


def same_object_again(pointer: str, compare: tuple[str, ...], first: dict[str, Any], key: str, value: Any) -> Check:
    """A second request with the same ``key`` value gets the same object (``x-reuses``)."""

    def same_key_reuses_object(ctx: Any, response: Any, case: Any) -> None:
        again = _object_in_2xx(response, pointer, f"the second request with the same {key}")
        for name in compare:
            if again.get(name) != first.get(name):
                raise AssertionError(
                    f"{key} {value!r} was sent twice: the first answer's {_where(pointer)}.{name} was {first.get(name)!r}, "
                    f"the second's is {again.get(name)!r}; the existing one must be reused"
                )

    same_key_reuses_object.__name__ = f"same_{key}_same_{_where(pointer).rsplit('.', 1)[-1]}"
    return same_key_reuses_object


def new_object_each_time(pointer: str, compare: tuple[str, ...], seen: list[dict[str, Any]], key: str) -> Check:
    """A request without the ``x-reuses`` key gets an object none before had."""

    def absent_key_creates_new_object(ctx: Any, response: Any, case: Any) -> None:
        fresh = _object_in_2xx(response, pointer, f"a request without {key}")
        for earlier in seen:
            if all(fresh.get(name) == earlier.get(name) for name in compare):
                raise AssertionError(
                    f"no {key} was sent, so {_where(pointer)} must be a new one, but it repeats an earlier one "
                    f"({', '.join(f'{n}={fresh.get(n)!r}' for n in compare)})"
                )

    absent_key_creates_new_object.__name__ = f"no_{key}_new_{_where(pointer).rsplit('.', 1)[-1]}"
    return absent_key_creates_new_object
