"""The graph's techniques as an ATT&CK Navigator layer (layer format 4.5): the NPA's picture of a
report, a year or an actor as a heat map over the ATT&CK matrix.

A technique's score is the number of facts (incidents, countermeasures, measures, advisories,
actors …) that refer to a kg technique mapped to it; its comment names those kg techniques and
cites the report sections and figures the facts come from.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from kg.attack import attack_reference
from kg.graph import KnowledgeGraph
from kg.interchange import read_snapshot, resolve_actor, resolve_report
from kg.namespaces import KG, KGR, OWL, PROV, RDFS, SKOS

LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.1.0"
DOMAINS = ("enterprise-attack", "mobile-attack")

_FACTS = f"""
SELECT ?node ?id ?label ?fact ?part ?path ?figure ?report WHERE {{
  ?node <{KG}attackId> ?id ;
        a <{KG}Technique> ;
        <{KG}attackDomain> ?domain .
  ?fact ?link ?node .
  FILTER(?link != <{SKOS}broader>)
  FILTER NOT EXISTS {{ ?forward <{OWL}inverseOf> ?link }}
  ?fact <{PROV}wasDerivedFrom> ?part .
  ?part <{KG}inReport> ?report .
  OPTIONAL {{ ?part <{KG}sectionPath> ?path }}
  OPTIONAL {{ ?part <{KG}figureNumber> ?figure }}
  OPTIONAL {{ ?node <{RDFS}label> ?label FILTER(lang(?label) = "en") }}
}}"""

_ACTOR_FACTS = f"""
SELECT ?fact WHERE {{
  {{ ?fact <{KG}attributedTo> ?actor }} UNION {{ ?fact <{KG}claimedBy> ?actor }}
}}"""


def navigator_layer(
    graph: KnowledgeGraph,
    *,
    report: str | None = None,
    actor: str | None = None,
    domain: str = "enterprise-attack",
) -> dict[str, Any]:
    """Return the Navigator layer (a dict ready for ``json.dump``) of the techniques that the
    facts of ``report`` (a year or a report IRI), of ``actor`` (a name, alias or IRI), or of the
    whole graph refer to, in the ATT&CK ``domain``."""
    from kg.errors import InputError

    if domain not in DOMAINS:
        raise InputError(f"unknown ATT&CK domain {domain!r}; choose from {', '.join(DOMAINS)}")
    reference = attack_reference()
    snapshot = read_snapshot(graph)
    report_iri = resolve_report(snapshot, report) if report else None
    actor_iri = resolve_actor(snapshot, actor) if actor else None
    bindings: dict[str, dict[str, str]] = {"domain": {"type": "literal", "value": domain}}
    if report_iri:
        bindings["report"] = {"type": "uri", "value": report_iri}
    actor_facts: set[str] | None = None
    if actor_iri:
        answer = graph.query(_ACTOR_FACTS, bindings={"actor": {"type": "uri", "value": actor_iri}})
        actor_facts = {actor_iri} | {row["fact"]["value"] for row in answer.bindings}

    facts: dict[str, set[str]] = defaultdict(set)
    sections: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for row in graph.query(_FACTS, bindings=bindings).bindings:
        fact = row["fact"]["value"]
        if actor_facts is not None and fact not in actor_facts:
            continue
        attack_id = row["id"]["value"]
        facts[attack_id].add(fact)
        names[attack_id].add(row.get("label", row["node"])["value"])
        report_thing = snapshot.things.get(row["report"]["value"])
        year = report_thing.values.get("coversYear", [""])[0] if report_thing else ""
        where = row["path"]["value"] if "path" in row else f"図表{row['figure']['value']}" if "figure" in row else ""
        sections[attack_id].add(f"{year} {where}".strip())

    techniques: list[dict[str, Any]] = []
    for attack_id in sorted(facts):
        attack = reference.objects[attack_id]
        comment = (
            f"{len(facts[attack_id])} fact(s) on: {'; '.join(sorted(names[attack_id]))}. "
            f"Sources (NPA report year, section or figure): {', '.join(sorted(sections[attack_id]))}."
        )
        techniques.append(
            {
                "techniqueID": attack_id,
                "score": len(facts[attack_id]),
                "comment": comment,
                "enabled": True,
                "showSubtechniques": False,
                "metadata": [{"name": "kg facts", "value": str(len(facts[attack_id]))}],
                "links": [{"label": f"ATT&CK {attack_id} {attack.name}", "url": attack.url}],
            }
        )
    scope = []
    if report_iri:
        scope.append(f"report {snapshot.things[report_iri].values.get('coversYear', [report_iri])[0]}")
    if actor_iri:
        scope.append(f"actor {snapshot.things[actor_iri].name('en')}")
    title = "NPA cyber threat reports" + (f" — {', '.join(scope)}" if scope else "")
    top = max((technique["score"] for technique in techniques), default=1)
    return {
        "name": title,
        "versions": {"attack": reference.version.split(".")[0], "navigator": NAVIGATOR_VERSION, "layer": LAYER_VERSION},
        "domain": domain,
        "description": (
            f"Techniques the facts of the National Police Agency of Japan's cyber threat reports refer to "
            f"({', '.join(scope) or 'all reports'}); score = number of facts, comment = sections cited. "
            f"ATT&CK identifiers are kg's mapping, checked against ATT&CK v{reference.version}, not the reports'."
        ),
        "sorting": 3,
        "layout": {"layout": "side", "aggregateFunction": "average", "showID": True, "showName": True},
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": ["#ffe766", "#ff6666"], "minValue": 1, "maxValue": max(top, 2)},
        "metadata": [
            {"name": "ATT&CK version", "value": reference.version},
            {"name": "source", "value": KGR.rstrip("/")},
        ],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
        "selectVisibleTechniques": False,
    }


def dumps(layer: dict[str, Any]) -> str:
    """The layer as JSON text."""
    return json.dumps(layer, ensure_ascii=False, indent=1) + "\n"
