"""`kg show`: entity cards from the real graph, looked up by label, alias, IRI, ATT&CK ID or CVE."""

from __future__ import annotations

import json
import re

import pytest

import kg
from kg.errors import InputError
from kg.namespaces import KGR
from kg.show import card_text, entity_card, entity_cards
from tests.helpers import run_kg

BLACKTECH = KGR + "actor-blacktech"
NPA = KGR + "org-npa"
ADVISORY = KGR + "advisory-2023-09-27-blacktech"


def relation(card: object, prop: str, direction: str = "out") -> list[str]:
    for entry in card.relations:  # type: ignore[attr-defined]
        if entry["property"] == prop and entry["direction"] == direction:
            return [thing["iri"] for thing in entry["things"]]
    return []


@pytest.mark.parametrize(
    "name", ["BlackTech", "ブラックテック", "ｂｌａｃｋｔｅｃｈ", "G0098", "g0098", "kgr:actor-blacktech"]
)
def test_an_actor_is_found_by_label_alias_iri_or_attack_id(graph: kg.KnowledgeGraph, name: str) -> None:
    assert [card.iri for card in entity_cards(graph, name)] == [BLACKTECH]


def test_actor_card(graph: kg.KnowledgeGraph) -> None:
    card = entity_card(graph, BLACKTECH)
    assert card.labels == {"en": "BlackTech", "ja": "BlackTech"} and card.aliases["ja"] == ["ブラックテック"]
    # BlackTech is both a state-linked group and a named group (neither class is below the other)
    assert card.type["name"] in {"StateLinkedGroup", "NamedGroup"} and card.type["ja"]
    assert {"scheme": "ATT&CK", "value": "G0098"} in card.identifiers
    assert relation(card, "kg:backedBy") == [KGR + "country-cn"]  # state backing, not attribution (issue #19 §4)
    assert ADVISORY in relation(card, "kg:about", "in")  # the advisory about it, shown from its side
    assert KGR + "sector-government" in relation(card, "kg:targets")
    topic = next(source for source in card.sources if source["part"] == KGR + "r5-sec-p1-topic1")
    assert (topic["year"], topic["path"], topic["file"], topic["line"]) == (
        "2023",
        "第1部 トピック1",
        "npa-r5-2023.txt",
        61,
    )
    text = card_text(card, lang="en")
    assert text.startswith("BlackTech\n=========\n") and "ATT&CK G0098" in text
    assert "• 2023 report, 第1部 トピック1 “Topic 1 Public attribution of BlackTech”  (npa-r5-2023.txt:61)" in text


def test_agency_card_in_japanese(graph: kg.KnowledgeGraph) -> None:
    [card] = entity_cards(graph, "警察庁")
    assert card.iri == NPA and card.type["name"] == "PoliceOrganisation"
    issued = relation(card, "kg:issued")
    assert ADVISORY in issued and len(issued) >= 9
    assert not relation(card, "kg:issuedBy", "in")  # the inverse is not shown twice
    text = card_text(card, lang="ja")
    assert text.startswith("警察庁\nNational Police Agency\n") and "発出した注意喚起" in text
    assert "BlackTechに関する合同の注意喚起（2023年9月27日）" in text


def test_advisory_card(graph: kg.KnowledgeGraph) -> None:
    card = entity_card(graph, ADVISORY)
    assert card.type["name"] == "PublicAttribution"
    assert {"scheme": "identifier", "value": "AA23-270A"} in card.identifiers
    assert [entry["value"] for entry in card.dates if entry["property"] == "dcterms:date"] == ["2023-09-27"]
    assert {NPA, KGR + "org-nisc", KGR + "org-fbi", KGR + "org-nsa", KGR + "org-cisa"} <= set(
        relation(card, "kg:issuedBy")
    )
    assert BLACKTECH in relation(card, "kg:about")


def test_a_cve_finds_its_vulnerability(graph: kg.KnowledgeGraph) -> None:
    [card] = entity_cards(graph, "cve-2023-27997")
    assert card.iri == KGR + "vuln-cve-2023-27997" and {"scheme": "CVE", "value": "CVE-2023-27997"} in card.identifiers


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Lazarus", "nothing is labelled 'Lazarus' in English or Japanese, nor has it as an alias or ATT&CK/CVE ID"),
        ("lockbt", "did you mean LockBit (kgr:actor-lockbit), LockBit ransomware (kgr:malware-lockbit)?"),
        ('x" } UNION { ?thing ?p ?o } #', "nothing is labelled"),  # bound as a value: never part of the query
        ("kgr:nobody", "'kgr:nobody' is not a thing in this graph"),
        ("G9999", "nothing is labelled 'G9999'"),
    ],
)
def test_unknown_names_say_so_and_suggest_near_misses(graph: kg.KnowledgeGraph, name: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        entity_cards(graph, name)


def test_kg_show_command(kg_env: dict[str, str]) -> None:
    shown = run_kg("show", "BlackTech", "--lang", "ja", env=kg_env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("BlackTech\n") and "関係" in shown.stdout and "出典" in shown.stdout
    as_json = run_kg("show", "LockBit", "--format", "json", env=kg_env)
    assert as_json.returncode == 0, as_json.stderr
    cards = json.loads(as_json.stdout)
    assert [card["iri"] for card in cards] == [KGR + "actor-lockbit", KGR + "malware-lockbit"]
    assert cards[0]["sources"] and cards[0]["type"]["name"] == "RansomwareGroup" and "Ransomware" in cards[1]["classes"]
    unknown = run_kg("show", "Lazarus", env=kg_env)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert (
        unknown.stderr.startswith("kg show: error: nothing is labelled 'Lazarus'") and unknown.stderr.count("\n") == 1
    )


def test_kg_show_suggests_near_misses_and_finds_an_agency_by_alias_and_an_advisory_by_id(
    kg_env: dict[str, str],
) -> None:
    near = run_kg("show", "lockbt", env=kg_env)
    assert near.returncode == 2 and near.stdout == "" and near.stderr.count("\n") == 1
    assert near.stderr.startswith("kg show: error: nothing is labelled 'lockbt'")
    assert "did you mean LockBit (kgr:actor-lockbit), LockBit ransomware (kgr:malware-lockbit)?" in near.stderr
    agency = run_kg("show", "NISC", "--format", "json", env=kg_env)
    assert agency.returncode == 0, agency.stderr
    [card] = json.loads(agency.stdout)
    assert card["iri"] == KGR + "org-nisc" and ADVISORY in [
        thing["iri"] for entry in card["relations"] if entry["property"] == "kg:issued" for thing in entry["things"]
    ]
    advisory = run_kg("show", "kgr:advisory-2023-09-27-blacktech", env=kg_env)
    assert advisory.returncode == 0, advisory.stderr
    assert advisory.stdout.startswith("Joint advisory on BlackTech (2023-09-27)\n") and "AA23-270A" in advisory.stdout
