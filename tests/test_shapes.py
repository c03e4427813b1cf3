"""The SHACL shapes, tested with PASS/FAIL pairs: a FAIL case asserts its exact violations."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import load_sources, source_files
from kg.infer import materialise
from kg.namespaces import DCTERMS, KG, PROV, QB, RDFS
from kg.paths import shapes_file
from kg.validate import shacl_violations

DATA = Path(__file__).parent / "data" / "shapes"
KGR = "https://w3id.org/npa-cyber-kg/id/"
ONTOLOGY = [path for path in source_files() if path.parent.name == "ontology"]


def violations_of(data: Path) -> set[tuple[str, str]]:
    store = load_sources([*ONTOLOGY, data])
    materialise(store)
    return {(violation.focus, violation.path) for violation in shacl_violations(store, shapes_file())}


@pytest.mark.parametrize("name", ["advisory-pass.ttl", "observation-pass.ttl"])
def test_pass_cases_conform(name: str) -> None:
    assert violations_of(DATA / name) == set()


def test_advisory_fail_case_breaks_exactly_the_expected_rules() -> None:
    advisory = KGR + "test-advisory"
    assert violations_of(DATA / "advisory-fail.ttl") == {
        (advisory, RDFS + "label"),  # the French label
        (advisory, KG + "issuedBy"),  # no issuer
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
