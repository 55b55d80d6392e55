"""Why a spec that loaded cannot be used, and where: a failure while a tool reads one part of it
becomes a ``SpecError`` naming that part, and the schema at fault when one is malformed.

A tool reads the spec in steps (each operation, then its own settings); ``reading(pointer)``
wraps a step. The spec that works pays nothing: the search for a malformed schema runs only
once a step has failed.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, UnknownType
from referencing.exceptions import Unresolvable

from meetings_spec.loader import SpecError
from meetings_spec.places import pointer_of

#: What reading a malformed spec raises in the kit's code and the validators it compiles
#: (jsonschema-rs's ValidationError is a ValueError; python-jsonschema's own errors too).
READ_FAILURES = (LookupError, TypeError, ValueError, AttributeError, RecursionError, SchemaError, UnknownType, Unresolvable)


@contextmanager
def reading(document: dict[str, Any], pointer: str, what: str = "") -> Iterator[None]:
    """Turn a failure of the block into a ``SpecError`` at the malformed schema under
    ``pointer`` (or anywhere in the document's schemas), else at ``pointer`` itself."""
    try:
        yield
    except SpecError:
        raise
    except READ_FAILURES as error:
        found = malformed_schema(document, under=pointer) or malformed_schema(document)
        if found is not None:
            raise SpecError(found[1], pointer=found[0]) from error
        doing = f" while reading {what}" if what else ""
        raise SpecError(f"cannot be used{doing}: {first_line(error)}", pointer=pointer) from error


def first_line(error: BaseException) -> str:
    """An exception in one line, its type named when the text alone says little."""
    text = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"{type(error).__name__}: {text}" if isinstance(error, (LookupError, AttributeError)) or not text else text


def malformed_schema(document: dict[str, Any], under: str = "") -> tuple[str, str] | None:
    """``(pointer, problem)`` of the first schema of the document, below ``under``, that is not a
    JSON Schema (2020-12, OpenAPI 3.1's dialect): ``type: strin``, ``required: id``..."""
    for pointer, schema in _schemas(document, ""):
        if not pointer.startswith(under):
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            where = pointer + pointer_of(*error.path)
            return where, f"not a valid JSON Schema: {error.message} (rule {error.validator!r} of the 2020-12 metaschema)"
    return None


def _schemas(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """Every schema the document writes: ``components/schemas`` entries and each ``schema``
    of a parameter, header or media type, outermost first."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{pointer}{pointer_of(key)}"
            if (key == "schema" or pointer == "/components/schemas") and isinstance(value, (dict, bool)):
                yield here, value
            elif not str(key).startswith("x-") and key not in ("example", "examples", "default", "const", "enum"):
                yield from _schemas(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas(value, f"{pointer}/{index}")
