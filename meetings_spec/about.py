"""What kit this is: the version every command's ``--version`` prints, read from the installed
package's metadata (pyproject.toml is the one place it is written)."""

from __future__ import annotations

import argparse
from importlib import metadata
from typing import Any, Sequence

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


class VersionAction(argparse.Action):
    """``--version``: print :func:`version_text` on one line (argparse's own action wraps a long
    path at the terminal's width) and exit."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the kit's version and the spec it reads, and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, values: Any, option_string: str | None = None) -> None:
        print(version_text(parser.prog))
        parser.exit()
