"""The SHACL shapes, tested with PASS/FAIL pairs: a FAIL case asserts its exact violations."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.namespaces import DCTERMS, KG, PROV, QB, RDFS
from kg.validate import shacl_violations
from tests.helpers import SHIPPED

DATA = Path(__file__).parent / "data" / "shapes"
KGR = "https://w3id.org/npa-cyber-kg/id/"


def violations_of(data: Path) -> set[tuple[str, str]]:
    with kg.load([*SHIPPED.modules, data]) as graph:
        store = graph.store.store  # type: ignore[attr-defined]
        return {(violation.focus, violation.path) for violation in shacl_violations(store, SHIPPED.shapes)}


@pytest.mark.parametrize("name", ["advisory-pass.ttl", "observation-pass.ttl"])
def test_pass_cases_conform(name: str) -> None:
    assert violations_of(DATA / name) == set()


def test_advisory_fail_case_breaks_exactly_the_expected_rules() -> None:
    advisory = KGR + "test-advisory"
    assert violations_of(DATA / "advisory-fail.ttl") == {
        (advisory, RDFS + "label"),  # the French label
        (advisory, ""),  # no issuer, and no kg:issuerStated false saying the report names none
        (advisory, DCTERMS + "date"),  # untyped date
        (advisory, PROV + "wasDerivedFrom"),  # no source
    }


def test_observation_fail_case_breaks_exactly_the_expected_rules() -> None:
    observation = KGR + "test-observation"
    assert violations_of(DATA / "observation-fail.ttl") == {
        (observation, KG + "value"),
        (observation, KG + "unit"),
        (observation, KG + "period"),
        (observation, QB + "dataSet"),
        (observation, ""),  # neither printed (kg:printedText) nor derived; neither a total nor broken down
        (observation, PROV + "wasDerivedFrom"),
    }
