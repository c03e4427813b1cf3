"""`kg query`: output formats, typed bindings, labels, and errors, on a small built project."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

import kg
from kg.errors import InputError, QuerySyntaxError
from kg.terms import parse_binding
from tests.helpers import build_project, run_kg

ISSUERS = (
    "SELECT ?agency ?label WHERE { ?advisory kg:issuedBy ?agency . ?agency rdfs:label ?label . "
    "FILTER(lang(?label) = 'en') }"
)


@pytest.fixture()
def built_small(small_project: Path) -> Path:
    build_project(small_project)
    return small_project


def test_table_is_aligned_and_counts_rows(built_small: Path) -> None:
    result = run_kg("query", ISSUERS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["agency", "label"]
    assert lines[2].split() == ["kgr:test-agency", "Agency"]
    assert lines[-1] == "(1 row)"


def test_csv_is_w3c_results_csv_with_full_iris(built_small: Path) -> None:
    result = run_kg("query", ISSUERS, "--format", "csv")
    # run_kg reads text with universal newlines; the W3C format's CRLF is checked below
    assert result.stdout == "agency,label\nhttps://w3id.org/npa-cyber-kg/id/test-agency,Agency\n"
    with kg.open_graph() as graph:
        assert graph.query(ISSUERS).format("csv").endswith(",Agency\r\n")


def test_tsv_is_w3c_results_tsv_with_terms_as_in_turtle(built_small: Path) -> None:
    result = run_kg("query", ISSUERS, "--format", "tsv")
    assert result.stdout == '?agency\t?label\n<https://w3id.org/npa-cyber-kg/id/test-agency>\t"Agency"@en\n'


def test_tsv_with_labels_shows_the_labels(built_small: Path) -> None:
    result = run_kg("query", ISSUERS, "--format", "tsv", "--lang", "ja")
    assert result.stdout.splitlines() == ["agency\tlabel", "機関\tAgency"]


def test_json_is_sparql_results_json(built_small: Path) -> None:
    document = json.loads(run_kg("query", ISSUERS, "--format", "json").stdout)
    assert document["head"]["vars"] == ["agency", "label"]
    assert document["results"]["bindings"][0]["label"] == {"type": "literal", "value": "Agency", "xml:lang": "en"}


def test_construct_gives_turtle_or_ntriples(built_small: Path) -> None:
    query = "CONSTRUCT { ?a kg:issuedBy ?b } WHERE { ?a kg:issuedBy ?b }"
    turtle = run_kg("query", query).stdout
    assert "kgr:test-advisory kg:issuedBy kgr:test-agency" in turtle
    ntriples = run_kg("query", query, "--format", "nt").stdout
    assert ntriples.strip() == (
        "<https://w3id.org/npa-cyber-kg/id/test-advisory> "
        "<https://w3id.org/npa-cyber-kg/ontology#issuedBy> "
        "<https://w3id.org/npa-cyber-kg/id/test-agency> ."
    )


def test_lang_shows_labels_instead_of_iris(built_small: Path) -> None:
    query = "SELECT ?agency WHERE { ?advisory kg:issuedBy ?agency }"
    assert run_kg("query", query, "--lang", "ja", "--format", "csv").stdout.splitlines() == ["agency", "機関"]
    assert run_kg("query", query, "--lang", "en", "--format", "csv").stdout.splitlines() == ["agency", "Agency"]


def test_lang_keeps_the_iri_of_a_column_whose_label_is_printed_beside_it(built_small: Path) -> None:
    # ISSUERS prints each agency's English label beside it: --lang en would print it twice
    assert run_kg("query", ISSUERS, "--lang", "en", "--format", "csv").stdout.splitlines() == [
        "agency,label",
        "https://w3id.org/npa-cyber-kg/id/test-agency,Agency",
    ]
    assert run_kg("query", ISSUERS, "--lang", "en").stdout.splitlines()[2].split() == ["kgr:test-agency", "Agency"]


def test_bindings_are_typed_terms_not_text(built_small: Path) -> None:
    query = "SELECT ?advisory WHERE { ?advisory dcterms:date ?day }"
    matching = run_kg("query", query, "--bind", "day=2023-09-27", "--format", "csv").stdout.splitlines()
    assert matching == ["advisory", "https://w3id.org/npa-cyber-kg/id/test-advisory"]
    # a string is not a date, so it matches nothing
    assert run_kg("query", query, "--bind", 'day="2023-09-27"', "--format", "csv").stdout.splitlines() == ["advisory"]
    # an attempt at injection stays one literal value
    for hostile in ('day="x } ?s ?p ?o { "', "day=x } ?s ?p ?o {"):
        result = run_kg("query", query, "--bind", hostile, "--format", "csv")
        assert result.returncode == 0 and result.stdout.splitlines() == ["advisory"]
    # and a malformed literal is refused, naming it, instead of being read as some other string
    result = run_kg("query", query, "--bind", 'day="x" } ?s ?p ?o { ', "--format", "csv")
    assert result.returncode == 2 and result.stderr.startswith('kg query: error: malformed literal \'"x" }')


def test_api_accepts_bindings_in_cli_syntax(built_small: Path) -> None:
    with kg.open_graph() as graph:
        rows = graph.query(
            "SELECT ?label WHERE { ?agency rdfs:label ?label }", bindings={"agency": "kgr:test-agency"}
        ).rows
    assert sorted(rows) == [("Agency",), ("機関",)]


def test_syntax_error_gives_position_and_expectation_with_exit_2(built_small: Path) -> None:
    result = run_kg("query", "SELECT * WHERE { ?s ?p }")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "query:1: SPARQL syntax error at column 25: expected" in result.stderr


def test_syntax_error_in_a_file_names_the_file_and_line(built_small: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "broken.rq"
    query_file.write_text("# a comment\nSELECT ?s\nWHERE { ?s ?p ?o . FILTER( }\n")
    with kg.open_graph() as graph, pytest.raises(QuerySyntaxError) as raised:
        graph.query(str(query_file))
    # the position is Oxigraph's (where its parser gave up); the message names file, line and expectation
    assert re.match(
        rf"{re.escape(str(query_file))}:\d+: SPARQL syntax error at column \d+: expected ", str(raised.value)
    )


def test_missing_query_file_and_bad_binding_are_clear_errors(built_small: Path) -> None:
    result = run_kg("query", "nothing-here.rq")
    assert result.returncode == 2 and "nothing-here.rq: no such query file" in result.stderr
    with pytest.raises(InputError, match="--bind takes name=value"):
        parse_binding("no-equals-sign")
    with pytest.raises(InputError, match="unknown prefix 'zz'"):
        parse_binding('x="a"^^zz:y')


def test_long_query_text_is_not_mistaken_for_a_file_name(built_small: Path) -> None:
    # regression: os.stat on a query longer than a file name raised "File name too long"
    query = "SELECT ?x WHERE { VALUES ?x { " + " ".join(f"kgr:thing-{n}" for n in range(60)) + " } }"
    result = run_kg("query", query, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 61


def test_dataframe_columns_have_one_type_so_they_sort(built_small: Path) -> None:
    query = (
        'SELECT ?day ?n WHERE { VALUES (?day ?n) { ("2023-09-27"^^xsd:date 1) ("2021"^^xsd:gYear 2.5) '
        '("2023-09"^^xsd:gYearMonth UNDEF) } }'
    )
    with kg.open_graph() as graph:
        frame = graph.dataframe(query)
    assert sorted(frame["day"]) == ["2021", "2023-09", "2023-09-27"]  # a date beside strings would raise TypeError
    assert {type(value) for value in frame["n"].dropna()} == {Decimal}
