"""`kg build` and `kg validate`: atomic store writes, skipping unchanged inputs, and clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kg
from kg.errors import InputError, ValidationFailed
from kg.store.embedded import CURRENT, current_build
from tests.helpers import build_project, run_kg

DATA = Path(__file__).parent / "data"


def count_advisories(home: Path) -> int:
    with kg.open_graph(home / ".kg") as graph:
        return graph.query("SELECT (COUNT(?a) AS ?n) WHERE { ?a a kg:Advisory }").rows[0][0]


def test_build_writes_a_store_that_answers_queries(small_project: Path) -> None:
    report = build_project(small_project)
    assert report.built
    assert report.class_counts["kg:Advisory"] == 1
    assert report.inferred_triples > 0
    with kg.open_graph(small_project / ".kg") as graph:
        # kg:issued is only inferred (the inverse of kg:issuedBy)
        rows = graph.query("SELECT ?advisory WHERE { kgr:test-agency kg:issued ?advisory }").rows
        assert rows == [("https://w3id.org/npa-cyber-kg/id/test-advisory",)]
        # kg:reportedIn is inferred from the property chain prov:wasDerivedFrom / kg:inReport
        assert graph.query("ASK { kgr:test-advisory kg:reportedIn kgr:test-report }").boolean is True


def test_unchanged_inputs_skip_the_build_and_a_change_rebuilds(small_project: Path) -> None:
    first = build_project(small_project)
    second = build_project(small_project)
    assert first.built and not second.built
    assert second.digest == first.digest
    (small_project / "graph" / "advisory.ttl").write_text(
        (small_project / "graph" / "advisory.ttl").read_text() + '\nkgr:test-agency rdfs:comment "changed"@en .\n'
    )
    assert build_project(small_project).built


def test_malformed_turtle_names_file_and_line_and_keeps_the_previous_store(small_project: Path) -> None:
    build_project(small_project)
    before = current_build(small_project / ".kg")
    shutil.copy(DATA / "bad-turtle.ttl", small_project / "graph" / "bad.ttl")
    with pytest.raises(InputError) as raised:
        build_project(small_project)
    assert "graph/bad.ttl:4" in str(raised.value)
    assert current_build(small_project / ".kg") == before
    assert count_advisories(small_project) == 1


def test_cli_reports_malformed_turtle_in_one_line_with_exit_2(small_project: Path) -> None:
    shutil.copy(DATA / "bad-turtle.ttl", small_project / "graph" / "bad.ttl")
    result = run_kg("build", "--quiet")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(error_lines) == 1 and "graph/bad.ttl:4" in error_lines[0]
    assert not (small_project / ".kg" / CURRENT).exists()


def test_shape_violation_fails_the_build_with_a_readable_list(small_project: Path) -> None:
    build_project(small_project)
    before = current_build(small_project / ".kg")
    shutil.copy(DATA / "shapes" / "advisory-fail.ttl", small_project / "graph" / "more.ttl")
    with pytest.raises(ValidationFailed) as raised:
        build_project(small_project)
    assert current_build(small_project / ".kg") == before
    focus_paths = {
        (violation.focus.rsplit("/", 1)[-1], violation.path.rsplit("#", 1)[-1])
        for violation in raised.value.report.violations
    }
    # merged with the conforming advisory of the same IRI: only the French label and the date break
    assert focus_paths == {("test-advisory", "label"), ("test-advisory", "http://purl.org/dc/terms/date")}

    result = run_kg("validate", "--quiet")
    assert result.returncode == 1
    assert "kgr:test-advisory" in result.stdout and "rdfs:label" in result.stdout
    assert "violation" in result.stdout.splitlines()[-1]


def test_validate_exits_0_on_a_conforming_graph(small_project: Path) -> None:
    result = run_kg("validate", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("conforms")


def test_quality_queries_catch_a_dangling_reference(small_project: Path) -> None:
    (small_project / "graph" / "dangling.ttl").write_text(
        "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .\n"
        "@prefix kgr: <https://w3id.org/npa-cyber-kg/id/> .\n"
        "kgr:test-advisory kg:about kgr:actor-that-does-not-exist .\n"
    )
    with pytest.raises(ValidationFailed) as raised:
        build_project(small_project)
    rules = {violation.rule for violation in raised.value.report.violations}
    assert rules == {"dangling-reference-violation"}


def test_missing_store_says_which_command_builds_it(small_project: Path) -> None:
    result = run_kg("query", "SELECT * WHERE { ?s ?p ?o }")
    assert result.returncode == 2
    assert "run `kg build`" in result.stderr and "Traceback" not in result.stderr


def test_a_changed_quality_query_rebuilds_and_revalidates(small_project: Path) -> None:
    assert build_project(small_project).built
    assert not build_project(small_project).built
    # a quality query that flags every advisory: the unchanged Turtle must not hide it behind "up to date"
    (small_project / "queries" / "qc" / "every-advisory-violation.rq").write_text(
        "# every advisory, as a violation (test)\nSELECT ?focus WHERE { ?focus a kg:Advisory }\n", encoding="utf-8"
    )
    with pytest.raises(ValidationFailed):
        build_project(small_project)
    assert count_advisories(small_project) == 1  # the refused build left the last store in place
