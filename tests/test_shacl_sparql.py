"""The SPARQL validation engine finds exactly what pySHACL, the reference, finds."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.build import load_sources
from kg.shacl_sparql import UnsupportedShape, constraint_queries
from kg.validate import Violation, shacl_violations
from tests.helpers import SHIPPED

DATA = Path(__file__).parent / "data"
#: Every graph fixture of the tests (the shapes' PASS/FAIL pairs and the other areas' FAIL cases).
FIXTURES = sorted(
    path for path in DATA.rglob("*.ttl") if path.parent.name not in ("viz", "shacl") and path.name != "bad-turtle.ttl"
)


def both_engines(store: object, shapes: Path) -> tuple[list[Violation], list[Violation]]:
    return shacl_violations(store, shapes, engine="sparql"), shacl_violations(store, shapes, engine="pyshacl")


def key(violation: Violation) -> tuple[str, str, str, str]:
    return (violation.focus, violation.path, violation.value, violation.message)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[path.name for path in FIXTURES])
def test_every_pass_and_fail_fixture_gets_the_same_violations_from_both_engines(fixture: Path) -> None:
    with kg.load([*SHIPPED.modules, fixture]) as graph:
        sparql, reference = both_engines(graph.store.store, SHIPPED.shapes)  # type: ignore[attr-defined]
    assert {key(violation) for violation in sparql} == {key(violation) for violation in reference}
    if fixture.parent.name == "shapes":
        assert bool(sparql) == fixture.name.endswith("-fail.ttl")


def test_the_fixture_breaking_every_rule_finds_each_kind_of_constraint() -> None:
    with kg.load([*SHIPPED.modules, DATA / "shapes" / "every-rule-fail.ttl"]) as graph:
        violations = shacl_violations(graph.store.store, SHIPPED.shapes)  # type: ignore[attr-defined]
    messages = {violation.message for violation in violations}
    assert len(messages) >= 15  # every rule the fixture breaks, each with its own message


def test_the_shipped_graph_conforms_for_both_engines() -> None:
    with kg.load(SHIPPED.files) as graph:
        assert both_engines(graph.store.store, SHIPPED.shapes) == ([], [])  # type: ignore[attr-defined]


def test_every_translated_constraint_and_target_matches_pyshacl() -> None:
    """Test shapes with every constraint, target and path kind the translation covers (no sh:message:
    pySHACL words its default messages its own way, so focus, path and value are compared)."""
    shapes = DATA / "shacl" / "constraints-shapes.ttl"
    store = load_sources([DATA / "shacl" / "constraints-data.ttl"])
    sparql, reference = both_engines(store, shapes)

    def found(violations: list[Violation]) -> set[tuple[str, str, str]]:
        def path(text: str) -> str:  # pySHACL names an inverse or sequence path by its blank node
            return text if text.startswith("http") or not text else "complex path"

        return {(violation.focus, path(violation.path), violation.value) for violation in violations}

    assert found(sparql) == found(reference)
    values = {(violation.focus, violation.path, violation.value) for violation in sparql}
    kind = "https://example.org/kind"
    assert {(focus, path) for focus, path, _ in values if focus == "https://example.org/good"} == {
        ("https://example.org/good", kind)  # only the violation-severity property shape of ex:WarningShape
    }
    assert ("https://example.org/bad-thing", "https://example.org/colour", "red") in values  # sh:in
    assert ("https://example.org/bad-thing", "https://example.org/size", "0") in values  # sh:minInclusive
    assert ("urn:not-example", "", "urn:not-example") in values  # a node shape's sh:pattern
    assert ("https://example.org/special", "http://www.w3.org/2000/01/rdf-schema#label", "Spécial") in values
    assert ("https://example.org/bad-thing", "^<https://example.org/owns>", "https://example.org/bob") in values
    for record in ("record-empty", "record-both"):  # sh:or, sh:xone, sh:not, sh:and; qualified counts
        focus = f"https://example.org/{record}"
        assert {(focus, "", focus), (focus, "https://example.org/title", "")} <= values
    assert not any(focus.endswith(("record-good", "record-computed")) for focus, _, _ in values)


@pytest.mark.parametrize(
    ("constraint", "named"),
    [
        ("sh:closed true", "closed"),
        (
            "sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1 ; "
            "sh:qualifiedValueShapesDisjoint true ]",
            "Disjoint",
        ),
        ("sh:sparql [ sh:select 'SELECT $this WHERE { }' ]", "sparql"),
        ("sh:property [ sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 ]", "zeroOrMorePath"),
        ("sh:property [ sh:path ex:p ; sh:or ( [ sh:minCount 1 ] ) ]", "minCount"),
    ],
)
def test_an_unsupported_constraint_fails_loudly(tmp_path: Path, constraint: str, named: str) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        f"ex:S a sh:NodeShape ; sh:targetClass ex:C ; {constraint} .\n",
        encoding="utf-8",
    )
    with pytest.raises(UnsupportedShape, match=named) as raised:
        constraint_queries(shapes)
    assert "https://example.org/S" in str(raised.value) and "--engine pyshacl" in str(raised.value)


def test_every_constraint_of_the_shipped_shapes_is_translated() -> None:
    queries = constraint_queries(SHIPPED.shapes)
    assert {query.shape for query in queries} >= {"https://w3id.org/npa-cyber-kg/shapes#ObservationShape"}
    assert len(queries) >= 40
