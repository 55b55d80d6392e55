"""Where a JSON pointer of the spec is written: the line YAML gives it, for messages that send a
person to the place to change (the mock's refusal of a spec, the spec diff's annotations)."""

from __future__ import annotations

from typing import Any

import yaml

from meetings_spec.refs import escape_segment

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def record_lines(node: yaml.Node, pointer: str, lines: dict[str, int]) -> None:
    """Fill ``lines`` with the line (from 1) of ``node`` and of everything under it, by pointer;
    a mapping's entry is on the line of its key."""
    lines.setdefault(pointer, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            here = f"{pointer}/{escape_segment(key.value)}"
            lines[here] = key.start_mark.line + 1
            record_lines(value, here, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            record_lines(value, f"{pointer}/{index}", lines)


def lines_of(text: str) -> dict[str, int]:
    """The line of every pointer of a YAML (or JSON) text; empty when it does not parse."""
    loader = _Loader(text)
    lines: dict[str, int] = {}
    try:
        node = loader.get_single_node()
        if node is not None:
            record_lines(node, "", lines)
    except yaml.YAMLError:
        return {}
    finally:
        loader.dispose()
    return lines


def line_of(lines: dict[str, int], pointer: str | None) -> int | None:
    """The line of ``pointer`` or, when it is not written there, of its nearest written parent.

    A keyword the strict view merges in from ``x-strict`` is looked up under ``x-strict``.
    """
    if pointer is None or not lines:
        return None
    while True:
        if pointer in lines:
            return lines[pointer]
        head, _, last = pointer.rpartition("/")
        if f"{head}/x-strict/{last}" in lines:
            return lines[f"{head}/x-strict/{last}"]
        if not pointer:
            return None
        pointer = head


def pointer_of(*segments: Any) -> str:
    """The JSON pointer of ``segments`` (``("paths", "/meetings", "post")`` -> ``/paths/~1meetings/post``)."""
    return "".join(f"/{escape_segment(str(segment))}" for segment in segments)
