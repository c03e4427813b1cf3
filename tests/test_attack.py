"""ATT&CK identifiers in the graph: each one names the object ATT&CK publishes, marked as external."""

from __future__ import annotations

import json
from pathlib import Path

import rdflib

import kg
from kg.attack import ATTACK_VERSION, D3FEND_VERSION, attack_reference, check_against_cti, d3fend_reference
from kg.build import Sources, build
from kg.namespaces import KG, RDFS, SKOS

PROJECT = Path(__file__).resolve().parents[1]
MATCHES = {f"{SKOS}{kind}Match" for kind in ("exact", "close", "broad", "narrow")}


def rows(graph: kg.KnowledgeGraph, sparql: str) -> list[dict[str, str]]:
    return [{key: term["value"] for key, term in row.items()} for row in graph.query(sparql).bindings]


def test_every_attack_id_is_the_object_attack_publishes(graph: kg.KnowledgeGraph) -> None:
    reference = attack_reference()
    found = rows(
        graph,
        f"SELECT ?node ?id ?version WHERE {{ ?node <{KG}attackId> ?id ; <{KG}attackVersion> ?version }}",
    )
    assert len({row["id"] for row in found}) >= 25
    for row in found:
        assert row["id"] in reference.objects, f"{row['node']}: {row['id']} is not in ATT&CK v{reference.version}"
        assert row["version"] == ATTACK_VERSION == reference.version
    ids_without_version = rows(
        graph,
        f"SELECT ?node WHERE {{ ?node <{KG}attackId> ?id . FILTER NOT EXISTS {{ ?node <{KG}attackVersion> ?v }} }}",
    )
    assert ids_without_version == []


def test_each_id_has_its_page_its_match_kind_domain_and_external_marker(graph: kg.KnowledgeGraph) -> None:
    reference = attack_reference()
    for row in rows(graph, f"SELECT DISTINCT ?node ?id WHERE {{ ?node <{KG}attackId> ?id }}"):
        node, attack = row["node"], reference.objects[row["id"]]
        pages = {r["page"] for r in rows(graph, f"SELECT ?page WHERE {{ <{node}> <{RDFS}seeAlso> ?page }}")}
        assert attack.url in pages, node
        matches = rows(graph, f"SELECT ?p WHERE {{ <{node}> ?p <{attack.url}> }}")
        assert {m["p"] for m in matches} & MATCHES, f"{node} has no SKOS match to {attack.url}"
        domains = {r["d"] for r in rows(graph, f"SELECT ?d WHERE {{ <{node}> <{KG}attackDomain> ?d }}")}
        assert attack.domain in domains, node
        comments = " ".join(r["c"] for r in rows(graph, f"SELECT ?c WHERE {{ <{node}> <{RDFS}comment> ?c }}"))
        assert "not from the report" in comments and row["id"] in comments, node


def test_reference_objects_are_typed_as_attack_types_them() -> None:
    prefixes = {"attack-pattern": "T", "intrusion-set": "G", "malware": "S", "tool": "S", "course-of-action": "M"}
    for attack_id, attack in attack_reference().objects.items():
        assert attack.stix_id.startswith(f"{attack.stix_type}--")
        assert attack_id.startswith(prefixes[attack.stix_type])
        assert attack.domain in {"enterprise-attack", "mobile-attack"}
    assert attack_reference().objects["T1451"].domain == "mobile-attack"  # SIM Card Swap is Mobile
    assert attack_reference().objects["G0065"].name == "Leviathan"  # APT40 is its alias


def test_known_mappings(graph: kg.KnowledgeGraph) -> None:
    found = {
        (row["node"].rsplit("/", 1)[1], row["id"])
        for row in rows(graph, f"SELECT ?node ?id WHERE {{ ?node <{KG}attackId> ?id }}")
    }
    assert {
        ("actor-blacktech", "G0098"),
        ("actor-apt40", "G0065"),
        ("malware-lockbit", "S1199"),
        ("malware-lockbit", "S1202"),
        ("technique-sim-swap", "T1451"),
        ("technique-website-defacement", "T1491.002"),
    } <= found


def test_every_mapped_node_in_the_attack_file_is_defined_elsewhere() -> None:
    mapped = rdflib.Graph().parse(PROJECT / "graph" / "common" / "attack.ttl")
    rest = rdflib.Graph()
    for path in sorted((PROJECT / "graph").rglob("*.ttl")):
        if path.name != "attack.ttl":
            rest.parse(path)
    for subject in set(mapped.subjects()):
        assert (subject, rdflib.RDF.type, None) in rest, f"{subject} is mapped to ATT&CK but defined nowhere"


def test_quality_query_finds_a_technique_with_neither_id_nor_reason(small_project: Path, tmp_path: Path) -> None:
    (small_project / "graph" / "technique.ttl").write_text(
        "@prefix kg: <https://w3id.org/npa-cyber-kg/ontology#> .\n"
        "@prefix kgr: <https://w3id.org/npa-cyber-kg/id/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        'kgr:technique-unmapped a kg:Technique ; rdfs:label "unmapped"@en , "未対応"@ja .\n'
        'kgr:technique-explained a kg:Technique ; rdfs:label "explained"@en , "説明あり"@ja ;\n'
        '    kg:noAttackMappingReason "crime-specific"@en , "犯罪特有"@ja .\n'
        'kgr:actor-unmapped a kg:HacktivistGroup ; rdfs:label "unmapped actor"@en , "未対応の主体"@ja .\n',
        encoding="utf-8",
    )
    store = tmp_path / "store"
    build(sources=Sources.of(small_project), store=store, force=True, validate=False)
    with kg.open_graph(store) as opened:
        found = [row["focus"]["value"] for row in opened.query("technique-without-attack-mapping-violation").bindings]
    assert found == ["https://w3id.org/npa-cyber-kg/id/technique-unmapped"]


def test_every_actor_and_malware_has_an_attack_id_or_a_reason(graph: kg.KnowledgeGraph) -> None:
    unmapped = rows(
        graph,
        f"""SELECT ?node WHERE {{
          {{ ?node a <{KG}ThreatActor> }} UNION {{ ?node a <{KG}Malware> }} UNION {{ ?node a <{KG}Tool> }}
          MINUS {{ ?node <{KG}attackId> ?id }}
          MINUS {{ ?node <{KG}noAttackMappingReason> ?reason }}
        }}""",
    )
    assert unmapped == []


def test_the_check_against_a_mitre_cti_checkout_finds_differences(tmp_path: Path) -> None:
    # A small checkout in mitre/cti's layout, made from the shipped reference: one object renamed,
    # one revoked, one left out; the rest agree.
    reference = attack_reference().objects
    renamed, revoked, left_out = "T1566", "G0098", "T1451"
    for attack_id, attack in reference.items():
        if attack_id == left_out:
            continue
        folder = tmp_path / attack.domain / attack.stix_type
        folder.mkdir(parents=True, exist_ok=True)
        source = "mitre-attack" if attack.domain == "enterprise-attack" else "mitre-mobile-attack"
        obj = {
            "type": attack.stix_type,
            "id": attack.stix_id,
            "name": "Renamed" if attack_id == renamed else attack.name,
            "revoked": attack_id == revoked,
            "external_references": [{"source_name": source, "external_id": attack_id, "url": attack.url}],
        }
        (folder / f"{attack.stix_id}.json").write_text(json.dumps({"type": "bundle", "objects": [obj]}))
    problems = check_against_cti(tmp_path)
    assert len(problems) == 3
    assert any(p.startswith("T1566:") and "'Renamed'" in p for p in problems)
    assert "G0098: revoked or deprecated in enterprise-attack" in problems
    assert "T1451: missing in mobile-attack" in problems


def test_d3fend_ids_name_the_class_of_the_d3fend_ontology(graph: kg.KnowledgeGraph) -> None:
    reference = d3fend_reference()
    found = rows(
        graph, f"SELECT ?node ?id ?version WHERE {{ ?node <{KG}d3fendId> ?id ; <{KG}d3fendVersion> ?version }}"
    )
    assert {row["id"] for row in found} == {"D3-MFA", "D3-SU", "D3-TAAN"}
    for row in found:
        technique = reference[row["id"]]
        assert row["version"] == D3FEND_VERSION
        matches = rows(graph, f"SELECT ?p WHERE {{ <{row['node']}> ?p <{technique.ontology_class}> }}")
        assert {m["p"] for m in matches} & MATCHES, row
        pages = {r["page"] for r in rows(graph, f"SELECT ?page WHERE {{ <{row['node']}> <{RDFS}seeAlso> ?page }}")}
        assert technique.url in pages
