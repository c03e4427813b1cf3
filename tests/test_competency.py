"""Every competency query returns its expected answer, kept beside it as <name>.expected.csv.

Rows compare as sets (as multisets where duplicates matter), or as lists when the query has
ORDER BY. Expected answers were written from the report text, not from running the query.
"""

from __future__ import annotations

import re
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


#: What a competency query must not do: search text, read description-like literals, or find the
#: thing it is about by its label text instead of its IRI (CONVENTIONS.md "Queries"). An
#: organisation's kg:remit is the structured answer to "what is its remit" and may be returned.
PROSE_READING = re.compile(
    r"\b(?:CONTAINS|REGEX)\s*\(|dcterms:description|kg:(?:outcome|impact|explanation)\b|rdfs:comment"
    r"|(?:rdfs:label|skos:prefLabel|skos:altLabel)\s+\"",
    re.IGNORECASE,
)


@pytest.mark.parametrize("query", COMPETENCY, ids=lambda query: query.name)
def test_answered_from_structure_only(query: NamedQuery) -> None:
    text = re.sub(r"(^|\s)#[^\n]*", r"\1", query.path.read_text(encoding="utf-8"))
    found = PROSE_READING.search(text)
    assert found is None, f"{query.path}: reads prose or labels ({found.group(0) if found else ''})"


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


@pytest.fixture(scope="module")
def labelled(graph: kg.KnowledgeGraph) -> dict[str, set[str]]:
    """Each label text of a thing or concept (kgr:, kgv:) → the IRIs it labels."""
    result = graph.query(
        """SELECT ?thing ?label WHERE { ?thing rdfs:label ?label
           FILTER(STRSTARTS(STR(?thing), "https://w3id.org/npa-cyber-kg/id/")
                  || STRSTARTS(STR(?thing), "https://w3id.org/npa-cyber-kg/vocab/")) }"""
    )
    labels: dict[str, set[str]] = {}
    for thing, label in result.lexical_rows():
        labels.setdefault(label, set()).add(thing)
    return labels


@pytest.mark.parametrize("query", COMPETENCY, ids=lambda query: query.name)
def test_label_columns_have_their_iri_beside_them(
    graph: kg.KnowledgeGraph, labelled: dict[str, set[str]], query: NamedQuery
) -> None:
    """A label column (every value the label of a thing or concept) comes with the labelled IRI
    in the same row, so that `kg query NAME --lang ja` can show it in Japanese (issue #19 §5).
    Literal properties whose text happens to equal some label (a charge, a victim description)
    are not label columns: some of their values label nothing."""
    result = graph.query(query.name)
    literal = {
        name: [row[name] for row in result.bindings if row.get(name, {}).get("type") == "literal"]
        for name in result.variables
    }
    label_columns = [
        name for name, terms in literal.items() if terms and all(term["value"] in labelled for term in terms)
    ]
    for row in result.bindings:
        iris = {term["value"] for term in row.values() if term.get("type") == "uri"}
        for name in label_columns:
            if name in row:
                assert labelled[row[name]["value"]] & iris, (
                    f"{query.path}: ?{name} = {row[name]['value']!r} without its IRI"
                )
