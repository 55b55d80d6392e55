"""Read one side of a diff: a file on disk or ``git:REF:PATH``, parsed with the line of every node.

The lines let the reports point at where a change is written in NEW (GitHub annotations, the
text report). YAML is parsed once into nodes that keep their marks and built from those nodes,
so the data and the lines come from the same reading.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meetings_spec.places import line_of, record_lines

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
GIT_PREFIX = "git:"


class InputError(Exception):
    """One side of the diff cannot be read as an OpenAPI 3.1 document."""


@dataclass
class SpecSource:
    """A parsed spec, with where it came from and the line of each JSON pointer in it."""

    label: str  # as the user named it (``openapi/meetings.yaml``, ``git:v1.0.0:openapi/meetings.yaml``)
    file: str  # the path a report should point at (for git sources, the path inside the repository)
    document: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict, repr=False)

    def line_of(self, pointer: str | None) -> int | None:
        """The line of ``pointer`` or, when it is not written there, of its nearest written parent
        (``meetings_spec.places.line_of``: a keyword merged from ``x-strict`` is found under it)."""
        return line_of(self.lines, pointer)


def read_source(name: str) -> SpecSource:
    """Read ``name``: a path, or ``git:REF:PATH`` (PATH as ``git show`` takes it, from the repository's root)."""
    if name.startswith(GIT_PREFIX):
        ref, sep, path = name[len(GIT_PREFIX):].partition(":")
        if not sep or not ref or not path:
            raise InputError(f"{name}: write a git source as git:REF:PATH, e.g. git:main:openapi/meetings.yaml")
        text = _git_show(ref, path, name)
        return parse_source(text, label=name, file=path.removeprefix("./"))
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{name}: cannot read it: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text: {exc}") from exc
    return parse_source(text, label=name, file=display_path(name))


def parse_source(text: str, *, label: str, file: str | None = None) -> SpecSource:
    """Parse YAML or JSON text into a spec, keeping the line of each node when the text allows it."""
    document: Any
    lines: dict[str, int] = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = loader.construct_document(node) if node is not None else None
        if node is not None:
            record_lines(node, "", lines)
    except yaml.YAMLError as exc:
        # JSON that YAML 1.1 refuses (an escaped "\/", say) is still JSON.
        try:
            document = json.loads(text)
        except ValueError:
            raise InputError(f"{label}: neither YAML nor JSON: {_yaml_problem(exc)}") from exc
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        raise InputError(f"{label}: not an OpenAPI document (its top is not a mapping)")
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3.1"):
        raise InputError(f"{label}: not an OpenAPI 3.1 document (it has openapi: {version!r}, not 3.1.x)")
    return SpecSource(label=label, file=file or label, document=document, lines=lines)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error in one line: where, and what."""
    mark = getattr(exc, "problem_mark", None)
    words = " ".join(str(w) for w in (getattr(exc, "problem", None), getattr(exc, "context", None)) if w)
    if mark is None:
        return " ".join(str(exc).split())
    return f"line {mark.line + 1}, column {mark.column + 1}: {words or 'malformed'}"


def _git_show(ref: str, path: str, name: str) -> str:
    try:
        done = subprocess.run(
            ["git", "show", f"{ref}:{path}"], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"{name}: cannot run git: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"git show exited {done.returncode}"
        raise InputError(f"{name}: {message}")
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text: {exc}") from exc


def display_path(name: str) -> str:
    """``name`` relative to the working directory when it lies below it (as CI annotations want)."""
    path = Path(name)
    if path.is_absolute():
        try:
            return os.path.relpath(path, Path.cwd()) if path.is_relative_to(Path.cwd()) else name
        except ValueError:
            return name
    return os.path.normpath(name)
