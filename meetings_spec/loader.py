"""Read the OpenAPI file from disk into plain Python data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

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
    """The spec file is missing, unreadable or not an OpenAPI 3.1 document."""


def default_spec_path() -> Path:
    """The spec to use when none is named: ``$WATERRAI_SPEC`` or the kit's own."""
    return Path(os.environ.get("WATERRAI_SPEC") or SPEC_PATH)


def load_spec(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Parse the spec at ``path`` (YAML or JSON) and check it is an OpenAPI 3.1 document.

    Returns a fresh dict on every call, so callers may transform it freely.
    """
    spec_path = Path(path) if path is not None else default_spec_path()
    try:
        text = spec_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the spec at {spec_path}: {exc.strerror or exc}") from exc
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise SpecError(f"{spec_path} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError(f"{spec_path} is not an OpenAPI 3.1 document (no 'openapi: 3.1.x' at its top)")
    return document
