"""The built graph conforms to the shapes and passes every quality query (zero rows)."""

from __future__ import annotations

import pytest

import kg
from kg.build import BuildReport
from kg.queries import NamedQuery, catalog
from tests.helpers import SHIPPED

QUALITY = [query for query in catalog(SHIPPED.queries).values() if query.kind == "qc"]


def test_quality_queries_exist_for_each_rule() -> None:
    names = {query.name for query in QUALITY}
    assert {
        "missing-label-violation",
        "fact-without-source-violation",
        "undeclared-term-violation",
        "dangling-reference-violation",
        "untagged-text-violation",
    } <= names


@pytest.mark.parametrize("query", QUALITY, ids=lambda query: query.name)
def test_quality_query_finds_nothing(graph: kg.KnowledgeGraph, query: NamedQuery) -> None:
    result = graph.query(query.name)
    assert len(result) == 0, "\n" + result.format("table")


def test_build_validated_both_reports(built: BuildReport) -> None:
    # the session build validates; both reports' facts are in it
    assert built.class_counts["kg:Report"] == 2
    assert built.class_counts["kg:Observation"] > 0
