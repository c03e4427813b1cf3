"""`kg analyze`: centrality, communities and co-issuance pairs, on the small graph of
tests/data/viz (whose answers are known) and on the real graph."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import networkx as nx
import pytest

import kg
from kg.analyze import analyze, centrality, co_issuance_pairs, community_table
from kg.errors import InputError
from tests.helpers import run_kg
from tests.viz_data import (
    BLACKTECH,
    FBI,
    HOSTILE,
    NISC,
    NPA,
    RELATIONS,
    TECHNIQUE,
    build_fixture_project,
)


def test_centrality_ranks_each_group_by_degree_then_betweenness(instances: nx.MultiDiGraph) -> None:
    result = centrality(instances)
    assert list(result.columns) == ["group", "rank", "entity", "label", "degree", "betweenness"]
    ranked = [(group, rank, entity, degree) for group, rank, entity, _, degree, _ in result.values.tolist()]
    # FBI and NISC both have two neighbours; FBI alone links the United States, so it lies on more paths
    assert ranked == [
        ("actors", 1, BLACKTECH, 3),
        ("actors", 2, HOSTILE, 1),
        ("agencies", 1, NPA, 5),
        ("agencies", 2, FBI, 2),
        ("agencies", 3, NISC, 2),
        ("techniques", 1, TECHNIQUE, 2),
    ]
    # betweenness as networkx measures it on the relations, taken as an undirected simple graph
    expected = nx.betweenness_centrality(nx.Graph([(source, target) for source, _, target in RELATIONS]))
    assert {row[2]: float(row[5]) for row in result.values.tolist()} == {
        node: round(expected[node], 4) for node in (BLACKTECH, HOSTILE, NPA, FBI, NISC, TECHNIQUE)
    }
    japanese = centrality(instances, lang="ja", top=1)
    assert [row[3] for row in japanese.values.tolist()] == ["BlackTech", "警察庁", "ルーターのファームウェア改ざん"]


def test_communities_cover_the_graph_largest_first(instances: nx.MultiDiGraph) -> None:
    result = community_table(instances, top=100)
    assert list(result.columns) == ["community", "size", "hub", "label", "kinds", "members"]
    sizes = [row[1] for row in result.values.tolist()]
    assert sum(sizes) == instances.number_of_nodes() and sizes == sorted(sizes, reverse=True)
    assert [row[0] for row in result.values.tolist()] == list(range(1, len(sizes) + 1))
    hubs = {row[2] for row in result.values.tolist()}
    assert NPA in hubs  # the best-linked node heads its community
    assert len(community_table(instances, top=1)) == 1


@pytest.mark.parametrize("analysis", ["centrality", "communities", "co-issuance"])
def test_every_column_has_one_type_and_sorts(small: kg.KnowledgeGraph, analysis: str) -> None:
    frame = analyze(small, analyses=[analysis])[analysis]
    assert len(frame) > 0
    for column in frame.columns:
        kinds = {type(value) for value in frame[column].tolist()}
        assert len(kinds) == 1, (column, kinds)
        assert frame.sort_values(column)[column].is_monotonic_increasing
    assert [str(dtype) for dtype in frame.dtypes].count("object") == 0


def test_co_issuance_pairs_with_counts_and_advisories(instances: nx.MultiDiGraph) -> None:
    result = co_issuance_pairs(instances)
    assert list(result.columns) == ["agency1", "label1", "agency2", "label2", "count", "advisories"]
    assert [(first, second, count) for first, _, second, _, count, _ in result.values.tolist()] == [
        (NISC, NPA, 2),
        (FBI, NISC, 1),
        (FBI, NPA, 1),
    ]
    assert (
        result.values.tolist()[0][5]
        == "NPA and NISC warning on APT40 (July 2021); Joint advisory on BlackTech (2023-09-27)"
    )
    japanese = tuple(co_issuance_pairs(instances, lang="ja").values.tolist()[0])
    assert japanese[:4] == (NISC, "内閣サイバーセキュリティセンター", NPA, "警察庁")


def test_analyze_runs_the_named_analyses_on_one_report(small: kg.KnowledgeGraph) -> None:
    results = analyze(small, analyses=["co-issuance", "centrality"], report="2021")
    assert list(results) == ["co-issuance", "centrality"]
    assert [(row[0], row[2], row[4]) for row in results["co-issuance"].values.tolist()] == [(NISC, NPA, 1)]
    advisories = results["co-issuance"]["advisories"].tolist()
    assert advisories == ["NPA and NISC warning on APT40 (July 2021)"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"analyses": ["pagerank"]}, "unknown analysis 'pagerank'; choose from centrality, communities, co-issuance"),
        ({"lang": "fr"}, "language 'fr' is not one of en, ja"),
        ({"top": 0}, "--top must be 1 or more, not 0"),
        ({"report": "1999"}, "no report '1999'"),
    ],
)
def test_analyze_rejects_what_it_cannot_do(small: kg.KnowledgeGraph, options: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match="^" + message.replace("(", r"\(")):
        analyze(small, **options)  # type: ignore[arg-type]


# --- the command -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_fixture_project(tmp_path_factory.mktemp("analyze-cli"))


def test_kg_analyze_prints_three_tables(fixture_env: dict[str, str]) -> None:
    result = run_kg("analyze", env=fixture_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Most central actors, agencies and techniques (degree, betweenness)"
    assert "Communities (Louvain, largest first)" in lines and "Agencies that issued advisories together" in lines
    assert lines[2].split() == ["group", "rank", "entity", "label", "degree", "betweenness"]
    assert lines[4].split()[:5] == ["actors", "1", "kgr:actor-blacktech", "BlackTech", "3"]
    assert lines[-1] == "(3 rows)"


def test_kg_analyze_writes_csv_with_full_iris(fixture_env: dict[str, str]) -> None:
    result = run_kg("analyze", "co-issuance", "--format", "csv", "--lang", "ja", env=fixture_env)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["agency1", "label1", "agency2", "label2", "count", "advisories"]
    assert rows[1][:5] == [NISC, "内閣サイバーセキュリティセンター", NPA, "警察庁", "2"]
    assert len(rows) == 4


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "csv"], "--format csv holds one table: name one analysis (centrality, communities, co-issuance)"),
        (["pagerank"], "unknown analysis 'pagerank'"),
        (["--report", "1999"], "no report '1999'"),
    ],
)
def test_kg_analyze_errors_are_one_line(fixture_env: dict[str, str], arguments: list[str], message: str) -> None:
    result = run_kg("analyze", *arguments, env=fixture_env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"kg analyze: error: {message}") and result.stderr.count("\n") == 1


def test_real_graph_npa_is_the_most_central_agency(graph: kg.KnowledgeGraph) -> None:
    results = analyze(graph, analyses=["centrality", "co-issuance"])
    agencies = [row for row in results["centrality"].values.tolist() if row[0] == "agencies"]
    assert agencies[0][2] == NPA
    pairs = {frozenset((row[0], row[2])): row[4] for row in results["co-issuance"].values.tolist()}
    assert pairs[frozenset((NPA, NISC))] >= 1 and pairs[frozenset((NPA, FBI))] >= 1


def test_real_graph_csv_from_the_command(kg_env: dict[str, str], tmp_path: Path) -> None:
    result = run_kg("analyze", "centrality", "--format", "csv", "--top", "3", env=kg_env)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["group"] for row in rows] == ["actors"] * 3 + ["agencies"] * 3 + ["techniques"] * 3
    assert all(0.0 <= float(row["betweenness"]) <= 1.0 and int(row["degree"]) >= 0 for row in rows)


def test_real_graph_dates_make_one_typed_column_that_sorts(graph: kg.KnowledgeGraph) -> None:
    # the graph's dates are days (xsd:date), months and years: one column of their lexical forms
    result = graph.query("SELECT ?date WHERE { ?thing <http://purl.org/dc/terms/date> ?date }")
    datatypes = {row["date"].get("datatype") for row in result.bindings}
    assert len(datatypes) > 1, datatypes
    frame = result.to_dataframe()
    assert len({type(value) for value in frame["date"]}) == 1
    assert frame["date"].sort_values().tolist() == sorted(row["date"]["value"] for row in result.bindings)
