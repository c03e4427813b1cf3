"""Every competency query returns its expected answer, kept beside it as <name>.expected.csv.

Rows compare as sets (as multisets where duplicates matter), or as lists when the query has
ORDER BY. Expected answers were written from the report text, not from running the query.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation

import pytest

import kg
from kg.queries import NamedQuery, catalog
from tests.helpers import SHIPPED

COMPETENCY = [query for query in catalog(SHIPPED.queries).values() if query.kind == "cq"]


def test_there_are_at_least_forty_competency_queries() -> None:
    assert len(COMPETENCY) >= 40


@pytest.mark.parametrize("query", COMPETENCY, ids=lambda query: query.name)
def test_header_states_the_question_in_english_and_japanese(query: NamedQuery) -> None:
    assert query.question_en.endswith("?"), query.path
    assert query.question_ja, query.path
    assert query.expected_path.is_file(), f"no expected answer beside {query.path}"


def canonical(row: tuple[str, ...]) -> tuple[str, ...]:
    """Compare numbers by value: stores write 9.0 as "9" or "9.0", both mean nine."""

    def cell(text: str) -> str:
        try:
            return format(Decimal(text).normalize(), "f") if text.strip() else text
        except InvalidOperation:
            return text

    return tuple(cell(text) for text in row)


@pytest.mark.parametrize("query", COMPETENCY, ids=lambda query: query.name)
def test_competency_query_returns_the_expected_answer(graph: kg.KnowledgeGraph, query: NamedQuery) -> None:
    result = graph.query(query.name)
    header, expected = query.expected()
    assert result.variables == header
    actual = [canonical(row) for row in result.lexical_rows()]
    expected = [canonical(row) for row in expected]
    if result.ordered:
        assert actual == expected
    else:
        assert Counter(actual) == Counter(expected)
