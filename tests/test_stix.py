"""`kg export --format stix`: a STIX 2.1 bundle that the OASIS validator accepts with zero errors,
that the stix2 library reads back, and whose objects match the graph's counts."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string

import kg
from kg.interchange import cut, read_snapshot
from kg.namespaces import KGR
from kg.stix import KG_NAMESPACE, stix_bundle
from tests.helpers import run_kg


@pytest.fixture(scope="module")
def bundle(graph: kg.KnowledgeGraph) -> dict[str, Any]:
    return stix_bundle(read_snapshot(graph))


def by_type(bundle: dict[str, Any]) -> Counter[str]:
    return Counter(obj["type"] for obj in bundle["objects"])


def count(graph: kg.KnowledgeGraph, cls: str) -> int:
    return graph.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a kg:{cls} }}").rows[0][0]


def assert_valid(text: str) -> None:
    results = validate_string(text, ValidationOptions(version="2.1"))
    errors = [str(error) for error in results.errors]
    assert results.is_valid and errors == [], "\n".join(errors[:20])


def test_the_oasis_validator_finds_zero_errors(bundle: dict[str, Any]) -> None:
    assert_valid(json.dumps(bundle, ensure_ascii=False))


def test_the_validator_rejects_a_broken_bundle(graph: kg.KnowledgeGraph) -> None:
    broken = stix_bundle(cut(read_snapshot(graph), actor="BlackTech"))
    del broken["objects"][1]["created"]  # a required property
    assert not validate_string(json.dumps(broken), ValidationOptions(version="2.1")).is_valid


def test_the_stix2_library_parses_it_back(bundle: dict[str, Any]) -> None:
    parsed = stix2.parse(bundle, allow_custom=False)
    assert len(parsed.objects) == len(bundle["objects"])
    blacktech = [obj for obj in parsed.objects if obj.type == "intrusion-set" and obj.name == "BlackTech"]
    assert blacktech and any(ref.external_id == "G0098" for ref in blacktech[0].external_references)


def test_object_counts_match_the_graph(bundle: dict[str, Any], graph: kg.KnowledgeGraph) -> None:
    types = by_type(bundle)
    assert types["attack-pattern"] == count(graph, "Technique") > 30
    assert types["intrusion-set"] + types["threat-actor"] == count(graph, "ThreatActor")
    kinds = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { { ?x a kg:HacktivistGroup } UNION { ?x a kg:ActorCategory } }"
    assert types["threat-actor"] == graph.query(kinds).rows[0][0] > 0
    assert types["malware"] == count(graph, "Malware")
    assert types["tool"] == count(graph, "Tool")
    assert types["vulnerability"] == count(graph, "Vulnerability")
    assert types["course-of-action"] == count(graph, "Countermeasure")
    assert types["incident"] == count(graph, "Incident")
    places = "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { { ?x a kg:Country } UNION { ?x a kg:Region } }"
    assert types["location"] == graph.query(places).rows[0][0]
    assert types["grouping"] == count(graph, "Operation")
    assert types["report"] == count(graph, "Report") + count(graph, "Advisory")
    identities = count(graph, "Organisation") + count(graph, "Sector") + count(graph, "PartyType")
    assert types["identity"] == identities + 1  # and the producer
    named = [obj for obj in bundle["objects"] if obj["type"] not in ("relationship", "language-content")]
    assert types["language-content"] == len(named) - 1  # every object but the producer has Japanese


def test_ids_are_uuid5_of_the_kg_iri_and_exports_repeat_exactly(
    bundle: dict[str, Any], graph: kg.KnowledgeGraph
) -> None:
    iri = f"{KGR}actor-blacktech"
    expected = f"intrusion-set--{uuid.uuid5(KG_NAMESPACE, iri)}"
    assert expected in {obj["id"] for obj in bundle["objects"]}
    assert stix_bundle(read_snapshot(graph)) == bundle
    assert len({obj["id"] for obj in bundle["objects"]}) == len(bundle["objects"])


def test_attack_patterns_carry_attack_references(bundle: dict[str, Any]) -> None:
    patterns = {obj["name"]: obj for obj in bundle["objects"] if obj["type"] == "attack-pattern"}
    sim = {(ref["source_name"], ref.get("external_id")) for ref in patterns["SIM swapping"]["external_references"]}
    assert ("mitre-mobile-attack", "T1451") in sim
    defacement = patterns["website defacement"]
    assert {
        "source_name": "mitre-attack",
        "external_id": "T1491.002",
        "url": "https://attack.mitre.org/techniques/T1491/002/",
    } in defacement["external_references"]
    assert {"kill_chain_name": "mitre-attack", "phase_name": "impact"} in defacement["kill_chain_phases"]
    mitigations = {obj["name"]: obj for obj in bundle["objects"] if obj["type"] == "course-of-action"}
    mfa = {
        (ref["source_name"], ref.get("external_id"))
        for ref in mitigations["Using multi-factor authentication"]["external_references"]
    }
    assert {("mitre-attack", "M1032"), ("d3fend", "D3-MFA")} <= mfa
    vulnerabilities = [obj for obj in bundle["objects"] if obj["type"] == "vulnerability"]
    assert any(
        ref.get("external_id") == "CVE-2021-44228" for obj in vulnerabilities for ref in obj["external_references"]
    )


def test_relationships_cite_sections_and_reports_list_what_they_state(
    bundle: dict[str, Any], graph: kg.KnowledgeGraph
) -> None:
    ids = {obj["id"]: obj for obj in bundle["objects"]}
    relationships = [obj for obj in bundle["objects"] if obj["type"] == "relationship"]
    assert {"uses", "targets", "attributed-to", "mitigates", "located-at", "originates-from"} <= {
        obj["relationship_type"] for obj in relationships
    }
    cited = [obj for obj in relationships if obj.get("external_references")]
    assert len(cited) > 200
    for obj in cited:
        assert all(ref["external_id"].startswith(("kgr:r5-", "kgr:r3-")) for ref in obj["external_references"])
        assert obj["source_ref"] in ids and obj["target_ref"] in ids
    blacktech_uses = [
        obj
        for obj in relationships
        if ids[obj["source_ref"]]["name"] == "BlackTech" and obj["relationship_type"] == "uses"
    ]
    assert any("図表5" in ref["source_name"] for obj in blacktech_uses for ref in obj["external_references"])
    npa = [obj for obj in bundle["objects"] if obj["type"] == "report" and obj["name"].startswith("The Cyber Threat")]
    assert sorted(obj["published"][:10] for obj in npa) == ["2022-04-07", "2024-03-14"]
    for obj in npa:
        assert all(ref in ids for ref in obj["object_refs"]) and len(obj["object_refs"]) > 100
    producer = bundle["objects"][0]
    assert producer["type"] == "identity"
    assert all(obj.get("created_by_ref") == producer["id"] for obj in bundle["objects"][1:])


def test_japanese_travels_in_language_content(bundle: dict[str, Any]) -> None:
    ids = {obj["id"]: obj for obj in bundle["objects"]}
    contents = {
        ids[obj["object_ref"]]["name"]: obj["contents"]["ja"]
        for obj in bundle["objects"]
        if obj["type"] == "language-content"
    }
    assert contents["SIM swapping"]["name"] == "SIMスワップ"
    assert "携帯電話機販売店" in contents["SIM swapping"]["description"]


def test_cut_by_actor_and_by_report(graph: kg.KnowledgeGraph) -> None:
    snapshot = read_snapshot(graph)
    blacktech = stix_bundle(cut(snapshot, actor="BlackTech"))
    names = {obj.get("name") for obj in blacktech["objects"]}
    assert {"BlackTech", "modifying router firmware without detection"} <= names
    assert "LockBit" not in names and "APT40" not in names
    assert_valid(json.dumps(blacktech))
    r2021 = stix_bundle(cut(snapshot, report="2021"))
    reports = [
        obj["name"] for obj in r2021["objects"] if obj["type"] == "report" and obj["name"].startswith("The Cyber")
    ]
    assert reports == ["The Cyber Threat Situation in 2021 (Reiwa 3)"]
    assert "APT40" in {obj.get("name") for obj in r2021["objects"]}
    assert "BlackTech" not in {obj.get("name") for obj in r2021["objects"]}


def test_cli_writes_a_valid_bundle_and_names_bad_choices(kg_env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "blacktech.json"
    result = run_kg("export", "--format", "stix", "--actor", "blacktech", "--output", str(target), env=kg_env)
    assert result.returncode == 0, result.stderr
    assert_valid(target.read_text(encoding="utf-8"))
    unknown = run_kg("export", "-f", "stix", "--actor", "Nobody", "-o", str(tmp_path / "x.json"), env=kg_env)
    assert unknown.returncode == 2 and "BlackTech" in unknown.stderr and not (tmp_path / "x.json").exists()
