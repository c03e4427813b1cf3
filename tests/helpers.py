"""Helpers the tests share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kg.build import BuildReport, Sources, build

#: This checkout's project folder, and its sources: the shipped ontology, shapes, queries and graph.
PROJECT = Path(__file__).resolve().parents[1]
SHIPPED = Sources.of(PROJECT)


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


def build_project(project: Path, **options: Any) -> BuildReport:
    """Build the project folder ``project`` into its own ``.kg``, naming both explicitly as any
    library caller does (``options`` go to :func:`kg.build.build`)."""
    return build(sources=Sources.of(project), store=project / ".kg", **options)
