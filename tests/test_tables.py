"""The CSV tables of graph/tables/ and the Turtle compiled from them: in step, and bad rows refused."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import rdflib

from kg.build import Sources
from kg.cli import main
from kg.namespaces import KG, KGR, XSD
from kg.tables import COMPILE_COMMAND, TableError, compile_tables, load_tables, stale_outputs
from tests.helpers import SHIPPED


def test_every_generated_file_agrees_with_its_table() -> None:
    outputs = compile_tables(SHIPPED)
    stale = stale_outputs(outputs)
    assert stale == [], f"out of date with their tables: {[str(path) for path in stale]}; run `{COMPILE_COMMAND}`"


def test_every_generated_file_names_its_table_and_the_command() -> None:
    for path, text in compile_tables(SHIPPED).items():
        first = text.splitlines()[0]
        assert first.startswith("# Generated from graph/tables/") and f"`{COMPILE_COMMAND}`" in first, path


def test_the_tables_hold_the_record_like_facts_of_both_reports() -> None:
    counts = {(table.folder, table.name): len(table.rows) for table in load_tables(SHIPPED.graph / "tables")}
    for report in ("r3-2021", "r5-2023"):
        assert counts[(report, "sections")] > 50
        assert counts[(report, "figures")] > 20
        assert counts[(report, "observations")] > 50
    assert counts[("common", "series")] > 40


def test_a_row_compiles_to_typed_triples() -> None:
    turtle = compile_tables(SHIPPED)[SHIPPED.graph / "r5-2023" / "observations.ttl"]
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    observation = rdflib.URIRef(KGR + "r5-obs-ib-fraud-losses-2023")
    assert graph.value(observation, rdflib.URIRef(KG + "value")) == rdflib.Literal(
        "8731300000", datatype=rdflib.URIRef(XSD + "integer")
    )
    period = graph.value(observation, rdflib.URIRef(KG + "period"))
    assert period.datatype == rdflib.URIRef(XSD + "gYear") and str(period) == "2023"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the graph beside a link to the real ontology (never changed here), with KG_HOME
    pointing at it for the `kg tables` runs; library calls name it (``Sources.of(project)``)."""
    (tmp_path / "ontology").symlink_to(SHIPPED.ontology, target_is_directory=True)
    shutil.copytree(SHIPPED.graph, tmp_path / "graph")
    (tmp_path / "queries").mkdir()
    monkeypatch.setenv("KG_HOME", str(tmp_path))
    return tmp_path


def edit_table(path: Path, change) -> None:
    """Rewrite a table with ``change(rows)`` applied to its rows (header first)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(rows: list[list[str]], row: int, column: str, value: str) -> None:
    rows[row - 1][rows[0].index(column)] = value


def drop_column(rows: list[list[str]], column: str) -> None:
    index = rows[0].index(column)
    for row in rows:
        del row[index]


OBSERVATIONS = "graph/tables/r5-2023/observations.csv"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda rows: set_cell(rows, 3, "value", "12a"), "row 3, column value: '12a'"),
        (
            lambda rows: set_cell(rows, 4, "series", "series-no-such-thing"),
            "row 4, column series: unknown 'series-no-such-thing'",
        ),
        (
            lambda rows: set_cell(rows, 5, "categories", "cat-no-such-thing"),
            "row 5, column categories: unknown 'cat-no-such-thing'",
        ),
        (lambda rows: set_cell(rows, 6, "unit", "unit-parsec"), "row 6, column unit: unknown 'unit-parsec'"),
        (lambda rows: set_cell(rows, 7, "period", "2023-13"), "row 7, column period: '2023-13'"),
        (lambda rows: set_cell(rows, 8, "printed", ""), None),  # optional: an empty cell states nothing
        (lambda rows: set_cell(rows, 9, "sources", ""), "row 9, column sources: '': required column value is missing"),
        (lambda rows: rows.insert(3, list(rows[2])), "row 4, column observation: duplicate key"),
        (lambda rows: drop_column(rows, "unit"), "row 1, column unit: missing column(s) unit"),
    ],
    ids=[
        "not-a-number",
        "unknown-series",
        "unknown-category",
        "unknown-unit",
        "bad-period",
        "empty-optional",
        "missing-required",
        "duplicate-key",
        "missing-column",
    ],
)
def test_a_bad_row_is_named_by_file_row_and_column(project: Path, change, expected: str | None) -> None:
    edit_table(project / OBSERVATIONS, change)
    if expected is None:
        compile_tables(Sources.of(project))
        return
    with pytest.raises(TableError) as raised:
        compile_tables(Sources.of(project))
    message = str(raised.value)
    assert message.startswith(f"{OBSERVATIONS}: ") and expected in message and "\n" not in message


def test_a_bad_row_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sections = project / "graph/tables/r5-2023/sections.csv"
    edit_table(sections, lambda rows: set_cell(rows, 2, "title_en", "A new title"))
    edit_table(project / OBSERVATIONS, lambda rows: set_cell(rows, 2, "value", "many"))
    before = {path: path.read_bytes() for path in (project / "graph").rglob("*.ttl")}
    assert main(["tables", "compile"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"{OBSERVATIONS}: row 2, column value" in error
    assert {path: path.read_bytes() for path in (project / "graph").rglob("*.ttl")} == before


def test_check_fails_on_a_stale_file_and_prints_the_command(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tables", "check"]) == 0
    edit_table(project / "graph/tables/r5-2023/sections.csv", lambda rows: set_cell(rows, 2, "title_en", "A new title"))
    assert main(["tables", "check"]) == 1
    assert f"graph/r5-2023/sections.ttl: out of date with its table; run `{COMPILE_COMMAND}`" in capsys.readouterr().err
    assert main(["tables", "compile"]) == 0
    assert "A new title" in (project / "graph/r5-2023/sections.ttl").read_text(encoding="utf-8")
    assert main(["tables", "check"]) == 0
