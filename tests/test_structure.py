"""Rules of issue #19 §3-§5, each tested on a small FAIL fixture that the old pattern trips:
likely duplicates, description-like texts in one language only, and attribution vs backing."""

from __future__ import annotations

from pathlib import Path

import kg
from kg.namespaces import KG, PROV, RDFS
from kg.queries import catalog
from kg.validate import Violation, shacl_violations
from tests.helpers import SHIPPED

DATA = Path(__file__).parent / "data" / "structure"
KGR = "https://w3id.org/npa-cyber-kg/id/"
GRAPH = SHIPPED.graph


def shape_violations(data: Path) -> list[Violation]:
    with kg.load([*SHIPPED.modules, data]) as graph:
        return shacl_violations(graph.store.store, SHIPPED.shapes)  # type: ignore[attr-defined]


def rows_of(query_name: str, data: Path) -> set[tuple[str, ...]]:
    with kg.load([*SHIPPED.modules, data], queries_folder=SHIPPED.queries) as graph:
        return set(graph.query(query_name).lexical_rows())


def test_likely_duplicates_are_found_and_only_they() -> None:
    rows = rows_of("likely-duplicate-violation", DATA / "twins-fail.ttl")
    pairs = {(focus, other) for focus, other, *_ in rows}
    # not the different date, not the other class family, not the linked measure/advisory
    assert pairs == {(KGR + "test-incident-a", KGR + "test-incident-b"), (KGR + "test-cm-a", KGR + "test-cm-b")}


def test_likely_duplicates_by_prefix_not_a_number_cut_short() -> None:
    rows = rows_of("likely-duplicate-violation", DATA / "twins-prefix-fail.ttl")
    pairs = {(focus[len(KGR) :], other[len(KGR) :]) for focus, other, *_ in rows}
    # "Incident case 1" starts "Incident case 12" but for a number cut short: not a twin
    assert pairs == {
        ("test-x1", "test-x3"),
        ("test-x4", "test-x5"),
        ("test-x7", "test-x8"),
        ("test-x7", "test-x9"),
        ("test-x8", "test-x9"),
        ("test-y1", "test-y2"),
    }


def test_the_allow_listed_near_twins_exist() -> None:
    # the allow-list names real pairs: a renamed node would leave a stale entry behind
    text = catalog(SHIPPED.queries)["likely-duplicate-violation"].text
    for iri in (
        "r3-measure-c2-takedown-2021",
        "r5-measure-c2-takedown",
        "r3-measure-cii-network",
        "r5-measure-cci-network",
    ):
        assert f"kgr:{iri}" in text
        assert any(f"kgr:{iri} a " in path.read_text() for path in GRAPH.rglob("*.ttl")), iri


def test_description_in_one_language_or_twice_in_one_is_a_violation() -> None:
    rows = rows_of("description-language-violation", DATA / "languages-fail.ttl")
    found = {(focus, path, ja, en) for focus, path, ja, en, _message in rows}
    assert found == {
        (KGR + "test-japanese-only", "http://purl.org/dc/terms/description", "1", "0"),
        (KGR + "test-two-english", KG + "impact", "1", "2"),
    }


def test_attribution_points_to_an_actor_and_backing_to_a_state() -> None:
    rules = {KG + "attributedTo", KG + "backedBy"}
    violations = {(v.focus, v.path) for v in shape_violations(DATA / "backing-fail.ttl") if v.path in rules}
    assert violations == {
        (KGR + "test-incident-state", KG + "attributedTo"),
        (KGR + "test-actor-bad", KG + "backedBy"),
    }


def test_the_shipped_graph_has_no_state_in_attributed_to(graph) -> None:
    # state backing was moved from kg:attributedTo to kg:backedBy: no incident or actor names a
    # country or a government body as what it is attributed to
    result = graph.query(
        "SELECT ?x ?y WHERE { ?x kg:attributedTo ?y . { ?y a kg:Country } UNION { ?y a kg:GovernmentAgency } }"
    )
    assert len(result) == 0, result.format("table")


def test_every_arrest_has_a_law_or_says_the_report_gives_none() -> None:
    rows = rows_of("arrest-without-charge-violation", DATA / "arrests-fail.ttl")
    assert {row[0] for row in rows} == {KGR + "test-arrest-no-charge"}


def test_offence_periods_have_one_start_and_an_end_after_it() -> None:
    rows = rows_of("offence-period-violation", DATA / "arrests-fail.ttl")
    assert {(row[0], row[2]) for row in rows} == {
        (KGR + "test-arrest-two-starts", "2"),
        (KGR + "test-arrest-backwards", "2023-02"),
    }


def test_a_finding_needs_kind_status_source_labels_and_a_typed_date() -> None:
    finding = KGR + "test-finding"
    # the technique rules (provenance on every technique) are the tables' FAIL fixtures' business
    found = {
        (v.focus, v.path)
        for v in shape_violations(DATA / "finding-fail.ttl")
        if v.focus == finding or v.path == KG + "impersonates"
    }
    assert {
        (finding, KG + "findingKind"),
        (finding, KG + "findingStatus"),
        (finding, PROV + "wasDerivedFrom"),
        (finding, RDFS + "label"),
        (finding, KG + "asOf"),
        (KGR + "test-lure", KG + "impersonates"),
    } == found


def test_warnings_follow_one_model_and_the_old_patterns_are_caught() -> None:
    rows = rows_of("warning-pattern-violation", DATA / "warnings-fail.ttl")
    assert {(focus, path) for focus, path, _message in rows} == {
        (KGR + "test-measure-only", KG + "produced"),
        (KGR + "test-advisory-product", KG + "about"),
    }


def test_who_worked_with_whom_is_one_pattern_over_every_role() -> None:
    # issuer, implementer, partner, addressee…: each role is a kg:involves, so one pattern
    # finds the organisations that worked together on an act
    query = """PREFIX kg: <https://w3id.org/npa-cyber-kg/ontology#>
        SELECT ?act ?other WHERE { ?act kg:involves <https://w3id.org/npa-cyber-kg/id/test-org-a> , ?other .
        FILTER(?other != <https://w3id.org/npa-cyber-kg/id/test-org-a>) }"""
    with kg.load([*SHIPPED.modules, DATA / "warnings-fail.ttl"]) as graph:
        rows = set(graph.query(query).lexical_rows())
    assert rows == {
        (KGR + "test-measure-ok", KGR + "test-org-b"),
        (KGR + "test-measure-ok", KGR + "test-party"),
    }


def test_an_organisation_without_its_kind_is_caught() -> None:
    rows = rows_of("organisation-without-kind-violation", DATA / "warnings-fail.ttl")
    assert {focus for focus, _path, _message in rows} == {KGR + "test-org-bare"}
