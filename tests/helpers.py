"""Helpers the tests share."""

from __future__ import annotations

import os
import subprocess
import sys


def run_kg(
    *arguments: str, env: dict[str, str] | None = None, timeout: float = 300, cwd: str | os.PathLike[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``kg`` command in a fresh process (as a user would) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *arguments],
        capture_output=True,
        text=True,
        env=env or os.environ.copy(),
        timeout=timeout,
        cwd=cwd,
    )
