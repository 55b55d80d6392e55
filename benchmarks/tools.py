"""Fetch the two outside tools the bench needs, so ``make bench`` works on a fresh machine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class SetupError(Exception):
    """A tool is missing and could not be installed; the bench cannot run."""


def ensure_wrk() -> str:
    """Path of ``wrk``, installed with apt-get if missing (the package lists may be stale, so update once)."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise SetupError("wrk is not installed and there is no apt-get to install it; install wrk and run again")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False)
        subprocess.run(install, check=False)
    found = shutil.which("wrk")
    if found is None:
        raise SetupError("could not install wrk with apt-get (are you root?); install wrk and run again")
    return found


def ensure_prism(prefix: Path) -> Path:
    """Prism 5 installed under ``prefix`` (not globally), so the bench never touches the machine's npm tree."""
    prism = prefix / "node_modules" / ".bin" / "prism"
    if prism.exists():
        return prism
    if shutil.which("npm") is None:
        raise SetupError("Prism is not installed and there is no npm to install it; install Node.js and npm, or pass --no-prism")
    print(f"bench: installing Prism into {prefix} ...", flush=True)
    command = ["npm", "install", "--prefix", str(prefix), "@stoplight/prism-cli@5", "--no-audit", "--no-fund", "--loglevel=error"]
    if subprocess.run(command, check=False).returncode != 0 or not prism.exists():
        raise SetupError(f"npm could not install Prism into {prefix}; see npm's message above, or pass --no-prism")
    return prism
