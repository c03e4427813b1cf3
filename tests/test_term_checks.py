"""The one-pass term checks (kg.term_checks) give the rows of the quality queries they stand in
for, on every fixture of tests/data and on the shipped graph."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.build import BuildReport
from kg.queries import catalog
from kg.store.embedded import OxigraphStore
from kg.term_checks import CHECKED, stands_in_for, term_violations
from kg.validate import Violation, quality_violations
from tests.helpers import SHIPPED

DATA = Path(__file__).parent / "data"
QUERIES = catalog(SHIPPED.queries)
FIXTURES = sorted(path for path in DATA.rglob("*.ttl") if path.name != "bad-turtle.ttl")


def query_rows(store: OxigraphStore, name: str) -> set[Violation]:
    """The rows of the quality query ``name``, as validation made them before the one-pass checks."""
    result = store.execute(QUERIES[name].text)
    return {
        Violation(*(row[key]["value"] if key in row else "" for key in ("focus", "path", "message", "value")), name)
        for row in result.bindings
    }


def assert_same_rows(store: OxigraphStore) -> int:
    found = term_violations(store.store)
    for name in CHECKED:
        assert set(found[name]) == query_rows(store, name), name
        assert len(found[name]) == len(set(found[name])), name
    return sum(len(rows) for rows in found.values())


def test_the_shipped_queries_are_the_ones_checked() -> None:
    # an edited query is run as it is; the checks stand in only for the text they were written for
    for name in CHECKED:
        assert stands_in_for(name, QUERIES[name].text), f"{name}.rq changed: update kg.term_checks and its digest"
    assert not stands_in_for("dangling-reference-violation", QUERIES["dangling-reference-violation"].text + " ")


def test_the_breaches_fixture_gives_the_queries_rows() -> None:
    with kg.load([*SHIPPED.modules, DATA / "terms" / "term-violations.ttl"]) as graph:
        found = term_violations(graph.store.store)  # type: ignore[attr-defined]
        assert_same_rows(graph.store)  # type: ignore[arg-type]
    focus = {name: {row.focus for row in rows} for name, rows in found.items()}
    kgr = "https://w3id.org/npa-cyber-kg/id/"
    assert focus["non-slug-iri-violation"] >= {kgr + "test-Bad_Slug"}
    assert any(row.value == kgr + "test/two" for row in found["non-slug-iri-violation"])
    assert {row.value for row in found["ill-typed-literal-violation"]} == {
        "abc", "1.5", "1.2.3", "1e", "yes", "2023-13-45", "2023-00", "23", "2023-01-01T25:00:00"
    }  # fmt: skip
    assert focus["undeclared-term-violation"] == {
        "https://w3id.org/npa-cyber-kg/ontology#periodEnd",
        "https://w3id.org/npa-cyber-kg/ontology#relatedTo",
        "https://w3id.org/npa-cyber-kg/vocab/no-such-class",
    }
    assert {row.value for row in found["dangling-reference-violation"]} >= {kgr + "test-nowhere", kgr + "test..up"}


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda path: str(path.relative_to(DATA)))
def test_every_fixture_gives_the_queries_rows(fixture: Path) -> None:
    with kg.load([*SHIPPED.modules, fixture]) as graph:
        assert_same_rows(graph.store)  # type: ignore[arg-type]


def test_the_shipped_graph_gives_the_queries_rows(built: BuildReport, graph: kg.KnowledgeGraph) -> None:
    import pyoxigraph

    store = pyoxigraph.Store()
    store.extend(graph.store.store.quads_for_pattern(None, None, None, pyoxigraph.DefaultGraph()))  # type: ignore[attr-defined]
    assert assert_same_rows(OxigraphStore(store)) == 0


def test_validation_reports_the_one_pass_rows_under_the_query_names() -> None:
    with kg.load([*SHIPPED.modules, DATA / "terms" / "term-violations.ttl"]) as graph:
        rows = quality_violations(graph.store, SHIPPED.queries)
        expected = {row for name in CHECKED for row in query_rows(graph.store, name)}  # type: ignore[arg-type]
    assert {row for row in rows if row.rule in CHECKED} == expected
