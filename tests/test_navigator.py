"""`kg export --format navigator`: ATT&CK Navigator layers (format 4.5) that mitreattack-python's
layer classes load without dropping or rejecting anything, scored by the facts that cite each
technique."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from mitreattack.navlayers import Layer

import kg
from kg.attack import attack_reference
from kg.errors import InputError
from kg.navigator import navigator_layer
from tests.helpers import run_kg


def load_with_mitreattack(layer: dict[str, Any]) -> dict[str, Any]:
    """Load the layer with mitreattack-python and return what it understood; it reports problems
    on standard output instead of raising, so any output is a failure."""
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        loaded = Layer()
        loaded.from_dict(layer)
        understood = loaded.to_dict()
    assert said.getvalue() == "", said.getvalue()
    return understood


@pytest.mark.parametrize(
    "cut", [{}, {"report": "2023"}, {"report": "2021"}, {"actor": "BlackTech"}, {"domain": "mobile-attack"}], ids=str
)
def test_layers_load_losslessly_in_mitreattack_python(graph: kg.KnowledgeGraph, cut: dict[str, str]) -> None:
    layer = navigator_layer(graph, **cut)
    assert load_with_mitreattack(layer) == layer
    assert layer["versions"] == {"attack": "18", "navigator": "5.1.0", "layer": "4.5"}
    assert layer["domain"] == cut.get("domain", "enterprise-attack")
    reference = attack_reference().objects
    for technique in layer["techniques"]:
        assert reference[technique["techniqueID"]].domain == layer["domain"]
        assert technique["score"] >= 1 and "Sources" in technique["comment"]


def test_mitreattack_python_would_notice_a_bad_layer() -> None:
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        Layer().from_dict(
            {
                "name": "x",
                "domain": "enterprise-attack",
                "versions": {"layer": "4.5"},
                "techniques": [{"techniqueID": "T1566", "score": "many"}],
            }
        )
    assert said.getvalue() != ""


def test_scores_count_facts_and_comments_cite_sections(graph: kg.KnowledgeGraph) -> None:
    blacktech = {t["techniqueID"]: t for t in navigator_layer(graph, actor="BlackTech")["techniques"]}
    assert set(blacktech) == {"T1601.001", "T1199"}
    assert blacktech["T1601.001"]["score"] == 1  # BlackTech uses router firmware modification
    assert "2023 図表1" in blacktech["T1601.001"]["comment"] or "2023 第1部" in blacktech["T1601.001"]["comment"]
    whole = {t["techniqueID"]: t["score"] for t in navigator_layer(graph)["techniques"]}
    r2023 = {t["techniqueID"]: t["score"] for t in navigator_layer(graph, report="2023")["techniques"]}
    r2021 = {t["techniqueID"]: t["score"] for t in navigator_layer(graph, report="2021")["techniques"]}
    assert set(r2023) | set(r2021) == set(whole)
    for attack_id, score in whole.items():
        assert score <= r2023.get(attack_id, 0) + r2021.get(attack_id, 0)  # a fact may cite both reports
    facts = graph.query(
        "SELECT (COUNT(DISTINCT ?fact) AS ?n) WHERE { ?fact kg:uses|kg:intrusionVector|kg:mitigates|kg:addresses"
        '|kg:about|kg:exploits ?t . ?t kg:attackId "T1498" . ?fact prov:wasDerivedFrom ?s }'
    ).rows[0][0]
    assert whole["T1498"] == facts


def test_unknown_actor_or_domain_is_a_clear_error(graph: kg.KnowledgeGraph) -> None:
    with pytest.raises(InputError, match="BlackTech"):
        navigator_layer(graph, actor="Nobody")
    with pytest.raises(InputError, match="enterprise-attack"):
        navigator_layer(graph, domain="ics")


def test_cli_writes_the_layer(kg_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "r2023.json"
    result = run_kg("export", "-f", "navigator", "--report", "2023", "-o", str(target), env=kg_env)
    assert result.returncode == 0, result.stderr
    layer = json.loads(target.read_text(encoding="utf-8"))
    assert load_with_mitreattack(layer) == layer and "2023" in layer["name"]
