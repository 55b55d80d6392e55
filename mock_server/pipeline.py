"""The stages every request to an operation goes through, whichever way it came in.

The front (``mock_server.front``) calls ``serve`` for every request to an operation, whichever
lane read it (WSGI in embedded use, RSGI under ``waterrai-mock``), so they cannot answer
differently.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

from mock_server.act import ACTS, MockContext, documented_example
from mock_server.compiled import CompiledOperation
from mock_server.negotiate import negotiate
from mock_server.validate import check_body, check_bearer, check_parameters, parse_json_body


class Incoming(NamedTuple):
    """What the stages read from a request: three headers and, on demand, the body."""

    authorization: str | None
    content_type: str | None
    prefer: str | None
    read_body: Callable[[], bytes]


def serve(
    ctx: MockContext, op: CompiledOperation, token: str | None, incoming: Incoming, path_parameters: Mapping[str, str]
) -> tuple[int, Any]:
    """Status and JSON body of the answer: route -> validate -> negotiate -> act.

    Raises ``ApiError`` for a request the mock refuses; the caller renders it.
    """
    check_bearer(op, incoming.authorization, token)
    params = check_parameters(op, path_parameters)
    body: Any = None
    if op.body_validator is not None:
        body = parse_json_body(incoming.content_type, incoming.read_body())
        check_body(op, body)
    canned = negotiate(op, incoming.prefer)
    if canned is not None:
        return canned.status, canned.body
    act = ACTS.get(op.spec.operation_id, documented_example)
    return act(ctx, op, body, params)
