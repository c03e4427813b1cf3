"""Every notebook runs top to bottom from a fresh kernel against the built graph; the notebooks
assert their key answers, so a wrong graph fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kg.notebooks import execute, notebook_paths
from tests.helpers import PROJECT

NOTEBOOKS = notebook_paths(PROJECT / "notebooks")


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


def outputs(path: Path) -> list[dict[str, object]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [output for cell in notebook["cells"] for output in cell.get("outputs", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_committed_tables_show_their_answers_whole(path: Path) -> None:
    """pandas cuts a cell at 50 characters with "..." unless told not to; no committed table is cut."""
    for output in outputs(path):
        html = "".join(output.get("data", {}).get("text/html", []))  # type: ignore[attr-defined]
        assert not re.search(r"\.\.\.</td>", html), re.findall(r"<td>[^<]{0,60}\.\.\.</td>", html)[:3]


def test_an_embedded_view_comes_with_a_static_picture() -> None:
    """An iframe does not render where notebooks are usually read (GitHub, nbviewer): every
    notebook that embeds an interactive view also shows a picture of it."""
    embedding = [path for path in NOTEBOOKS if any("<iframe" in str(output.get("data")) for output in outputs(path))]
    assert [path.name[:3] for path in embedding] == ["03-"]
    for path in embedding:
        pictures = [output for output in outputs(path) if "image/png" in output.get("data", {})]  # type: ignore[operator]
        assert pictures, f"{path.name} embeds a view but shows no picture of it"
