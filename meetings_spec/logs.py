"""Where the kit's servers (the mock, the proxy) write their lines: standard error, one a line."""

from __future__ import annotations

import logging
import sys


def log_to_stderr(logger: logging.Logger, prefix: str = "") -> None:
    """``logger``'s INFO lines and above to stderr, unless the host app configured it already."""
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"{prefix}%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
