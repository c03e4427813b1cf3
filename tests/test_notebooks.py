"""Every notebook runs top to bottom from a fresh kernel against the built graph; the notebooks
assert their key answers, so a wrong graph fails here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.notebooks import execute, notebook_paths

NOTEBOOKS = notebook_paths()


def test_the_five_analyses_exist() -> None:
    assert [path.name[:3] for path in NOTEBOOKS] == ["01-", "02-", "03-", "04-", "05-"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_is_committed_with_outputs_and_opens_with_its_question(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    first = "".join(notebook["cells"][0]["source"])
    assert "Question" in first and "問い" in first
    assert any(cell.get("outputs") for cell in notebook["cells"] if cell["cell_type"] == "code")
    sources = "".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "sys.path" not in sources


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs(path: Path, kg_env: dict[str, str]) -> None:
    execute(path)
