"""Read the OpenAPI file from disk into plain Python data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import yaml
from referencing.exceptions import Unresolvable

from meetings_spec.places import line_of, lines_of
from meetings_spec.refs import RefResolver, escape_segment

_PACKAGE = Path(__file__).resolve().parent
#: Where a wheel puts the spec (pyproject.toml maps ``openapi/`` to ``meetings_spec.openapi``).
_INSTALLED_SPEC = _PACKAGE / "openapi" / "meetings.yaml"
#: Where a clone keeps it: the one file people edit (an editable install reads it there too).
_CHECKOUT_SPEC = _PACKAGE.parent / "openapi" / "meetings.yaml"

#: The spec shipped with the kit; ``WATERRAI_SPEC`` or an explicit path overrides it.
SPEC_PATH = _INSTALLED_SPEC if _INSTALLED_SPEC.is_file() else _CHECKOUT_SPEC
#: The clone the kit runs from (a checkout, or an editable install of one); None when installed.
CHECKOUT_ROOT: Path | None = None if SPEC_PATH == _INSTALLED_SPEC else _PACKAGE.parent

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SpecError(Exception):
    """The spec file is missing, unreadable, not an OpenAPI 3.1 document, or one a tool of the kit
    cannot use. Says which file, where in it (a JSON pointer, and the line YAML gives it) and
    what is wrong, on one line: ``FILE, line N, at /pointer: problem``."""

    def __init__(self, problem: str, *, pointer: str | None = None, file: str | os.PathLike[str] | None = None, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.pointer, self.line = problem, pointer, line
        self.file = None if file is None else str(file)

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.pointer is not None:
            where.append(f"at {self.pointer or '/'}")
        return f"{', '.join(where)}: {self.problem}" if where else self.problem

    def located(self, path: str | os.PathLike[str]) -> SpecError:
        """This error, naming ``path`` and the line of its pointer there (read again only now:
        a spec that loads pays nothing for it)."""
        if self.file is not None:
            return self
        line = self.line
        if line is None and self.pointer is not None:
            try:
                line = line_of(lines_of(Path(path).read_text(encoding="utf-8")), self.pointer)
            except (OSError, UnicodeError):
                line = None
        located = SpecError(self.problem, pointer=self.pointer, file=path, line=line)
        located.__cause__ = self.__cause__
        return located


def default_spec_path() -> Path:
    """The spec to use when none is named: ``$WATERRAI_SPEC`` or the kit's own."""
    return Path(os.environ.get("WATERRAI_SPEC") or SPEC_PATH)


def load_spec(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Parse the spec at ``path`` (YAML or JSON), check it is an OpenAPI 3.1 document whose
    ``$ref``s all lead somewhere, and return it.

    Returns a fresh dict on every call, so callers may transform it freely.
    """
    spec_path = Path(path) if path is not None else default_spec_path()
    try:
        text = spec_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the spec: {exc.strerror or exc}", file=spec_path) from exc
    except UnicodeError as exc:
        raise SpecError(f"cannot read the spec: it is not UTF-8 text ({exc})", file=spec_path) from exc
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(exc).split()) if mark is None else " ".join(str(getattr(exc, "problem", None) or "malformed").split())
        raise SpecError(f"not valid YAML: {problem}", file=spec_path, line=None if mark is None else mark.line + 1) from exc
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError("not an OpenAPI 3.1 document (no 'openapi: 3.1.x' at its top)", file=spec_path, line=1)
    try:
        check_references(document)
    except SpecError as error:
        raise error.located(spec_path) from None
    return document


#: Keywords whose values are data, not description: a ``$ref`` key inside them is no reference.
_DATA_KEYWORDS = frozenset({"example", "default", "const", "enum"})
_EXAMPLE_FIELDS = frozenset({"summary", "description", "value", "externalValue"})


def check_references(document: dict[str, Any]) -> None:
    """Every ``$ref`` inside the document (``#/...``) must lead to something it holds: a dangling
    one is named where it is written, before any tool trips over it far from there."""
    refs = RefResolver(document)
    for pointer, target in _references(document, ""):
        try:
            refs.lookup(target)
        except (Unresolvable, LookupError, TypeError, ValueError):
            missing = target[1:] or "/"
            raise SpecError(f"$ref {target!r} leads nowhere: the spec has nothing at {missing}", pointer=f"{pointer}/$ref") from None


def _references(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """``(pointer of the object, target)`` of each local ``$ref`` outside data and the ``x-``
    extensions (but ``x-strict``, which holds schema keywords)."""
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#"):
            yield pointer, target
        is_example = "value" in node and set(node) <= _EXAMPLE_FIELDS
        for key, value in node.items():
            name = str(key)
            if name in _DATA_KEYWORDS or (name.startswith("x-") and name != "x-strict") or (is_example and name == "value"):
                continue
            yield from _references(value, f"{pointer}/{escape_segment(name)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, f"{pointer}/{index}")
