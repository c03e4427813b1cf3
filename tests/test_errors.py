"""Hostile or clumsy input gets one line naming the problem and a non-zero exit, never a traceback,
never a silent reinterpretation; names made from data stay inside their folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.errors import ValidationFailed
from kg.store.builds import DATABASE, current_build
from tests.helpers import build_project, run_kg

QUERY = "SELECT ?a WHERE { ?a ?p ?o } LIMIT 1"


def one_line(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.returncode == 2, (result.stdout, stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    return stderr.strip()


# --- 17. no silent reinterpretation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("binding", "says"),
    [
        ("a=kgx:foo", "unknown prefix 'kgx' in 'kgx:foo'"),
        ('a="x"@123', "malformed literal '\"x\"@123'"),
        ("a=_:b1", "cannot bind the blank node '_:b1'"),
        ("nothere=kgr:actor-lockbit", "cannot bind nothere: the query has no variable ?nothere"),
    ],
)
def test_bind_refuses_what_it_would_have_turned_into_a_string(binding: str, says: str, kg_env: dict[str, str]) -> None:
    assert says in one_line(run_kg("query", QUERY, "--bind", binding, env=kg_env))


@pytest.mark.parametrize(
    "update",
    ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "PREFIX ex: <urn:x#> DELETE WHERE { ?s ex:p ?o }", "CLEAR ALL"],
)
def test_an_update_is_not_accepted(update: str, kg_env: dict[str, str]) -> None:
    assert one_line(run_kg("query", update, env=kg_env)) == (
        "kg query: error: query: updates are not accepted: kg reads the built store only; change the files in "
        "graph/ and run `kg build`"
    )


def test_an_unknown_prefix_is_named(kg_env: dict[str, str]) -> None:
    message = one_line(run_kg("query", "SELECT * WHERE { ?s foo:bar ?o }", env=kg_env))
    assert message.startswith("kg query: error: query: unknown prefix foo: (declare it with PREFIX")


# --- 16. tracebacks that became one line ---------------------------------------------------------


def test_a_file_as_the_store_is_one_line(kg_env: dict[str, str]) -> None:
    for command in (["query", "ASK {}"], ["stats"], ["build"]):
        assert "/etc/passwd" in one_line(run_kg(*command, "--store", "/etc/passwd", env=kg_env))


def test_a_query_file_that_is_not_utf8_names_its_line(kg_env: dict[str, str], tmp_path: Path) -> None:
    query = tmp_path / "latin1.rq"
    query.write_bytes('SELECT * WHERE {\n  ?s ?p "caf\xe9" }\n'.encode("latin-1"))
    assert one_line(run_kg("query", str(query), env=kg_env)) == (
        f"kg query: error: {query}:2: not UTF-8 text (byte 0xe9); save the query as UTF-8"
    )


def test_a_corrupted_store_is_one_line_saying_how_to_rebuild(small_project: Path) -> None:
    build_project(small_project, validate=False)
    database = current_build(small_project / ".kg") / DATABASE
    for path in database.iterdir():
        if path.name.startswith(("MANIFEST", "CURRENT")) or path.suffix == ".sst":
            path.write_bytes(b"\0garbage" * 10)
    message = one_line(run_kg("query", "ASK { ?s ?p ?o }", env=os.environ.copy()))
    assert "cannot open the store" in message and "kg build --force" in message


@pytest.mark.parametrize("option", [["--timeout", "-1"], ["--timeout", "nan"], ["--batch", "0"]])
def test_bad_push_numbers_are_refused(option: list[str], kg_env: dict[str, str]) -> None:
    result = run_kg("push", "--endpoint", "http://127.0.0.1:9/store", *option, env=kg_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"kg push: error: argument {option[0]}:")


@pytest.mark.parametrize(
    ("triple", "says"),
    [
        ('kgr:test-advisory kg:value "abc"^^xsd:integer .', '"abc" is not a valid xsd:integer'),
        ('kgr:test-advisory kg:value "2023-13-45"^^xsd:date .', '"2023-13-45" is not a valid xsd:date'),
    ],
)
def test_an_ill_typed_number_or_date_fails_the_build_without_a_traceback(
    small_project: Path, triple: str, says: str
) -> None:
    graph = small_project / "graph" / "advisory.ttl"
    graph.write_text(graph.read_text() + "\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + triple + "\n")
    with pytest.raises(ValidationFailed) as failed:
        build_project(small_project)
    assert any(says in str(violation) for violation in failed.value.report.violations)
    result = run_kg("build", "--quiet")
    assert result.returncode == 1 and "Traceback" not in result.stderr and says in result.stderr


# --- 14. names from data stay in their folder ----------------------------------------------------


def test_an_iri_with_dot_dot_fails_validation_and_cannot_name_a_file_outside_views(
    small_project: Path, tmp_path: Path
) -> None:
    hostile = "https://w3id.org/npa-cyber-kg/id/../../../../outside"
    graph = small_project / "graph" / "advisory.ttl"
    graph.write_text(graph.read_text() + f'\n<{hostile}> a kg:ThreatActor ; rdfs:label "Outside"@en, "外"@ja .\n')
    with pytest.raises(ValidationFailed) as failed:
        build_project(small_project)
    assert any(
        "is not a slug" in str(violation) and hostile in str(violation) for violation in failed.value.report.violations
    )
    build_project(small_project, validate=False)  # built anyway, as a careless user could
    work = tmp_path / "work"
    work.mkdir()
    before = sorted(path.name for path in tmp_path.iterdir())
    result = run_kg("viz", "--focus", hostile, "--depth", "1", cwd=work)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (work / "views").iterdir()) == ["focus-outside.html"]
    assert sorted(path.name for path in tmp_path.iterdir()) == before  # nothing written beside the work folder
    shutil.rmtree(work)
