"""Execute the analysis notebooks in ``notebooks/`` from a fresh kernel.

``python -m kg.notebooks`` runs every notebook and fails on the first error; with ``--write``
it saves each notebook with its new outputs (``make notebooks``), so that readers see the
answers without running anything. Notebooks assert their key answers, so a wrong graph fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TIMEOUT_SECONDS = 600


def notebook_paths(folder: Path) -> list[Path]:
    """Return the numbered notebooks of the folder ``folder`` (a project's ``notebooks/``), in order."""
    return sorted(folder.glob("[0-9][0-9]-*.ipynb"))


def execute(path: Path, *, write: bool = False) -> object:
    """Run one notebook top to bottom in a fresh kernel; save it in place when ``write``.

    Raises nbclient's CellExecutionError, naming the failing cell, when a cell fails.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=TIMEOUT_SECONDS, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    if write:
        from kg.atomic import atomic_write

        with atomic_write(path, text=True) as handle:
            nbformat.write(notebook, handle)
    return notebook


def main(argv: list[str] | None = None) -> int:
    """Run every notebook of the project of ``KG_HOME`` (``--write`` saves outputs); print one
    line per notebook. This is a command line's edge, so it reads the environment."""
    from kg.paths import project_home

    parser = argparse.ArgumentParser(prog="python -m kg.notebooks", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="save the notebooks with their new outputs")
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all)")
    arguments = parser.parse_args(argv)
    for path in arguments.notebooks or notebook_paths(project_home() / "notebooks"):
        print(f"running {path} ...", flush=True)
        execute(path, write=arguments.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
