"""The canonical Turtle layout (kg.turtle_style): the project's files keep it, the tables compiler
writes it, and the fixer puts a messy file into it without losing a comment or a triple."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import rdflib
from rdflib.compare import isomorphic

from kg.tables import compile_tables
from kg.turtle_style import check, problems
from tests.helpers import SHIPPED

PROJECT = Path(__file__).resolve().parents[1]

MESSY = (
    "\ufeff\n"
    "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#>.\r\n"
    "# a section comment, kept\r\n"
    "kg:A a kg:B ;\t\r\n"
    '\tkg:c "x" .   # a citation, kept\r\n'
    "\n\n\n"
    "kg:D a kg:B .\n\n\n"
)


def style(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.turtle_style", *arguments], capture_output=True, text=True, timeout=120
    )


def test_the_ontology_and_the_graph_are_in_the_canonical_layout() -> None:
    assert check([PROJECT / "ontology", PROJECT / "graph"]) == []


def test_the_tables_compiler_writes_the_canonical_layout() -> None:
    outputs = compile_tables(SHIPPED)
    assert outputs
    assert [line for path, text in outputs.items() for line in problems(str(path), text)] == []


def test_the_check_names_each_line_and_prints_the_command_that_fixes_it(tmp_path: Path) -> None:
    messy = tmp_path / "messy.ttl"
    messy.write_bytes(MESSY.encode("utf-8"))
    result = style(str(tmp_path))
    assert result.returncode == 1
    assert f"{messy}:1: byte-order mark" in result.stderr
    assert f"{messy}:4: tab (indent with spaces)" in result.stderr
    assert f"{messy}:7: two blank lines in a row" in result.stderr
    assert result.stderr.rstrip().endswith("run `make fmt-ttl` to fix the layout")


def test_the_fixer_keeps_comments_and_triples(tmp_path: Path) -> None:
    messy = tmp_path / "messy.ttl"
    messy.write_bytes(MESSY.encode("utf-8"))
    before = rdflib.Graph().parse(data=MESSY.removeprefix("\ufeff"), format="turtle")
    result = style("--fix", str(messy))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"formatted {messy}\n"
    assert messy.read_text(encoding="utf-8") == (
        "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .\n"
        "# a section comment, kept\n"
        "kg:A a kg:B ;\n"
        '    kg:c "x" .   # a citation, kept\n'
        "\n"
        "kg:D a kg:B .\n"
    )
    assert isomorphic(before, rdflib.Graph().parse(messy, format="turtle"))
    assert style(str(messy)).returncode == 0


def test_misplaced_prefixes_and_broken_turtle_are_reported(tmp_path: Path) -> None:
    late = tmp_path / "late.ttl"
    late.write_text(
        "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .\nkg:A a kg:B .\n"
        "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.ttl"
    broken.write_text("kg:A a kg:B .\n", encoding="utf-8")
    result = style(str(tmp_path))
    assert result.returncode == 1
    assert f"{late}:3: prefix kg: declared again (first on line 1)" in result.stderr
    assert f"{late}:3: prefix kg: after the first statement (move it to the top)" in result.stderr
    assert f"{broken}: does not parse as Turtle" in result.stderr
    assert style(str(tmp_path / "nowhere")).returncode == 2
