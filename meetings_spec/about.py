"""What kit this is: the version every command's ``--version`` prints, read from the installed
package's metadata (pyproject.toml is the one place it is written)."""

from __future__ import annotations

from importlib import metadata

from meetings_spec.loader import default_spec_path

DISTRIBUTION = "waterrai-meetings-contract-kit"


def kit_version() -> str:
    """The installed kit's version; a clone that was never installed has none."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "(not installed: run `make venv`, or pip install the kit)"


def version_text(prog: str) -> str:
    """``PROG VERSION (spec: PATH)``: which kit, and which spec file it reads unless told otherwise."""
    return f"{prog} {kit_version()} (spec: {default_spec_path()})"
