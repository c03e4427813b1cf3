"""The graph as a STIX 2.1 bundle, for OpenCTI, MISP and other threat-intelligence platforms.

Each exchanged thing becomes one STIX object (:data:`STIX_TYPES`), each link between two of them
one ``relationship`` whose ``external_references`` cite the report sections and figures it comes
from, each NPA report (and each advisory) one ``report`` with ``object_refs`` of what it states.
Japanese labels and descriptions travel in ``language-content`` objects. IDs are UUIDv5 of the kg
IRI, so that re-importing an updated export updates objects instead of duplicating them, and
``created``/``modified`` are the publication dates of the first and last NPA report that state
the thing, so the same graph always gives the same bundle.

What STIX has no object for (police measures, arrests, statistics) stays out.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from kg.attack import attack_reference, d3fend_reference
from kg.interchange import ACTOR_KINDS, Citation, Link, Snapshot, Thing
from kg.namespaces import KGR

#: The namespace of kg's STIX IDs: uuid5(NAMESPACE_URL, <the kg IRI base>).
KG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/npa-cyber-kg/")
PRODUCER_IRI = "https://w3id.org/npa-cyber-kg/"

#: The STIX type of each exchanged kg class.
STIX_TYPES = {
    "ActorCategory": "threat-actor",  # a kind of actor ("hacktivists"), not one group
    "HacktivistGroup": "threat-actor",
    "ThreatActor": "intrusion-set",
    "Ransomware": "malware",
    "Malware": "malware",
    "Tool": "tool",
    "Technique": "attack-pattern",
    "Vulnerability": "vulnerability",
    "Countermeasure": "course-of-action",
    "Incident": "incident",
    "Operation": "grouping",
    "Advisory": "report",
    "Report": "report",
    "Country": "location",
    "Region": "location",
    "Sector": "identity",
    "PartyType": "identity",
    "Organisation": "identity",
}

#: The STIX relationship type of each kg link property (STIX's own vocabulary where it has one).
RELATIONSHIP_TYPES = {
    "uses": "uses",
    "intrusionVector": "uses",
    "exploits": "exploits",
    "targets": "targets",
    "attributedTo": "attributed-to",
    "backedBy": "attributed-to",  # an actor backed by a state (body); a country becomes originates-from
    "claimedBy": "claimed-by",
    "mitigates": "mitigates",
    "country": "located-at",
}

#: kg sectors and the STIX industry-sector-ov value each one is (where one fits).
INDUSTRY_SECTORS = {
    "sector-aerospace": "aerospace",
    "sector-airports": "transportation",
    "sector-aviation": "transportation",
    "sector-biopharmaceutical": "pharmaceuticals",
    "sector-credit-card": "financial-services",
    "sector-critical-infrastructure": "infrastructure",
    "sector-defence": "defense",
    "sector-delivery": "transportation",
    "sector-ecommerce": "retail",
    "sector-electricity": "utilities",
    "sector-electronics": "technology",
    "sector-energy": "energy",
    "sector-finance": "financial-services",
    "sector-government": "government",
    "sector-healthcare": "healthcare",
    "sector-insurance": "insurance",
    "sector-local-government": "government-local",
    "sector-logistics": "transportation",
    "sector-manufacturing": "manufacturing",
    "sector-telecommunications": "telecommunications",
}

#: kg regions and the STIX region-ov value of each.
REGIONS = {"region-east-asia": "eastern-asia"}


def stix_id(stix_type: str, key: str) -> str:
    """The deterministic STIX ID of ``key`` (a kg IRI, or a link's key) as a ``stix_type``.

    >>> stix_id("intrusion-set", "https://w3id.org/npa-cyber-kg/id/actor-blacktech")
    'intrusion-set--...'
    >>> stix_id("malware", "x") == stix_id("malware", "x")
    True
    """
    return f"{stix_type}--{uuid.uuid5(KG_NAMESPACE, key)}"


def _timestamp(value: str) -> str:
    """A STIX timestamp for an xsd date, gYearMonth or gYear (the first day of the period)."""
    parts = [*value.split("-"), "01", "01"][:3]
    return f"{parts[0]}-{parts[1]}-{parts[2]}T00:00:00.000Z"


def _citation_reference(citation: Citation, reports: dict[str, Thing]) -> dict[str, str]:
    report = reports.get(citation.report)
    title = report.values.get("title@ja", [report.name("ja")])[0] if report else citation.report
    where = citation.path or citation.label_ja
    return {
        "source_name": f"警察庁「{title}」 {where}".strip(),
        "description": " / ".join(text for text in (citation.label_ja, citation.label_en) if text),
        "url": citation.iri,
        "external_id": "kgr:" + citation.iri[len(KGR) :],
    }


class _Builder:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        reference = attack_reference()
        self.attack = reference.objects
        self.d3fend = d3fend_reference()
        self.reports = {thing.iri: thing for thing in snapshot.things.values() if thing.kind == "Report"}
        all_dates = sorted(
            _timestamp(thing.values["issued"][0]) for thing in self.reports.values() if thing.values.get("issued")
        )
        self.first_date = all_dates[0] if all_dates else "2022-04-07T00:00:00.000Z"
        self.producer = stix_id("identity", PRODUCER_IRI)
        self.ids = {iri: stix_id(STIX_TYPES[thing.kind], iri) for iri, thing in snapshot.things.items()}

    def dates(self, thing: Thing) -> tuple[str, str]:
        dates = sorted(
            _timestamp(self.reports[report].values["issued"][0])
            for report in thing.reports
            if report in self.reports and self.reports[report].values.get("issued")
        )
        return (dates[0], dates[-1]) if dates else (self.first_date, self.first_date)

    def common(self, thing: Thing) -> dict[str, Any]:
        created, modified = self.dates(thing)
        references = [{"source_name": "npa-cyber-kg", "url": thing.iri, "external_id": "kgr:" + thing.iri[len(KGR) :]}]
        for attack_id in sorted(thing.values.get("attackId", [])):
            attack = self.attack[attack_id]
            source = "mitre-attack" if attack.domain == "enterprise-attack" else "mitre-mobile-attack"
            references.append({"source_name": source, "external_id": attack_id, "url": attack.url})
        for d3fend_id in sorted(thing.values.get("d3fendId", [])):
            technique = self.d3fend[d3fend_id]
            references.append({"source_name": "d3fend", "external_id": d3fend_id, "url": technique.url})
        for cve in thing.values.get("cveId", []):
            references.append(
                {"source_name": "cve", "external_id": cve, "url": f"https://nvd.nist.gov/vuln/detail/{cve}"}
            )
        references += [_citation_reference(citation, self.reports) for citation in thing.citations]
        obj: dict[str, Any] = {
            "type": STIX_TYPES[thing.kind],
            "spec_version": "2.1",
            "id": self.ids[thing.iri],
            "created_by_ref": self.producer,
            "created": created,
            "modified": modified,
            "name": thing.name("en"),
        }
        if "en" in thing.descriptions:
            obj["description"] = thing.descriptions["en"]
        elif "ja" in thing.descriptions:
            obj["description"] = thing.descriptions["ja"]
        obj["external_references"] = references
        return obj

    def sdo(self, thing: Thing, refs: list[str]) -> dict[str, Any] | None:
        obj = self.common(thing)
        kind, local = thing.kind, thing.iri[len(KGR) :]
        aliases = [alias for alias in thing.aliases if alias != obj["name"]]
        if kind in ACTOR_KINDS:
            if aliases:
                obj["aliases"] = aliases
            if kind == "HacktivistGroup":
                obj["threat_actor_types"] = ["activist"]
            if thing.values.get("active"):
                obj["first_seen"] = _timestamp(thing.values["active"][0])
            if thing.values.get("motivation"):
                obj["goals"] = thing.values["motivation"]
        elif kind in ("Malware", "Ransomware"):
            obj["is_family"] = True
            if kind == "Ransomware":
                obj["malware_types"] = ["ransomware"]
            if aliases:
                obj["aliases"] = aliases
        elif kind == "Technique":
            phases = []
            for attack_id in sorted(thing.values.get("attackId", [])):
                attack = self.attack[attack_id]
                chain = "mitre-attack" if attack.domain == "enterprise-attack" else "mitre-mobile-attack"
                phases += [{"kill_chain_name": chain, "phase_name": tactic} for tactic in attack.tactics]
            if phases:
                obj["kill_chain_phases"] = [dict(item) for item in {tuple(sorted(p.items())) for p in phases}]
                obj["kill_chain_phases"].sort(key=lambda phase: (phase["kill_chain_name"], phase["phase_name"]))
        elif kind in ("Country", "Region"):
            if local in REGIONS:
                obj["region"] = REGIONS[local]
            elif local.startswith("country-"):
                obj["country"] = local[len("country-") :].upper()
            else:
                return None
        elif kind == "Sector":
            obj["identity_class"] = "class"
            if local in INDUSTRY_SECTORS:
                obj["sectors"] = [INDUSTRY_SECTORS[local]]
        elif kind == "PartyType":
            obj["identity_class"] = "class"
        elif kind == "Organisation":
            obj["identity_class"] = "organization"
        elif kind in ("Report", "Advisory"):
            if not refs:
                return None
            obj["report_types"] = ["threat-report"]
            if kind == "Report":
                obj["name"] = thing.values.get("title@en", [obj["name"]])[0]
                issued = thing.values.get("issued", [])
            else:
                issued = thing.values.get("date", [])
            if not issued:
                return None
            obj["published"] = _timestamp(issued[0])
            obj["object_refs"] = sorted(set(refs))
        elif kind == "Operation":
            if not refs:
                return None
            obj["context"] = "unspecified"
            obj["object_refs"] = sorted(set(refs))
        return obj

    def relationship(self, link: Link) -> dict[str, Any]:
        subject, target = self.snapshot.things[link.subject], self.snapshot.things[link.object]
        relationship_type = RELATIONSHIP_TYPES[link.prop]
        if (
            link.prop in ("attributedTo", "country")
            and target.kind in ("Country", "Region")
            and subject.kind != "Organisation"
        ):
            relationship_type = "originates-from"  # an actor's or incident's country is where it comes from
        created, modified = self.dates(subject)
        citations = self.snapshot.citations_of(link)
        obj: dict[str, Any] = {
            "type": "relationship",
            "spec_version": "2.1",
            "id": stix_id("relationship", f"{link.subject} {link.prop} {link.object}"),
            "created_by_ref": self.producer,
            "created": created,
            "modified": modified,
            "relationship_type": relationship_type,
            "source_ref": self.ids[link.subject],
            "target_ref": self.ids[link.object],
            "description": f"{subject.name('en')} {link.prop} {target.name('en')} (kg:{link.prop})",
        }
        if citations:
            obj["external_references"] = [_citation_reference(citation, self.reports) for citation in citations]
        return obj

    def language_content(self, thing: Thing, obj: dict[str, Any]) -> dict[str, Any] | None:
        contents: dict[str, str] = {}
        if "ja" in thing.labels:
            contents["name"] = thing.values.get("title@ja", [thing.labels["ja"]])[0]
        if "ja" in thing.descriptions:
            contents["description"] = thing.descriptions["ja"]
        if not contents:
            return None
        return {
            "type": "language-content",
            "spec_version": "2.1",
            "id": stix_id("language-content", thing.iri + "#ja"),
            "created_by_ref": self.producer,
            "created": obj["created"],
            "modified": obj["modified"],
            "object_ref": obj["id"],
            "object_modified": obj["modified"],
            "contents": {"ja": contents},
        }


def _refs_of(builder: _Builder, thing: Thing, links: Iterable[Link], relationship_ids: dict[Link, str]) -> list[str]:
    """What a report, advisory or operation groups: for an NPA report, every object and
    relationship it states; for an advisory or operation, what it links to."""
    snapshot = builder.snapshot
    if thing.kind == "Report":
        refs = [
            builder.ids[iri]
            for iri, other in snapshot.things.items()
            if thing.iri in other.reports and iri != thing.iri
        ]
        refs += [
            relationship_ids[link]
            for link in links
            if any(citation.report == thing.iri for citation in snapshot.citations_of(link))
        ]
        return refs
    return [builder.ids[link.object] for link in links if link.subject == thing.iri] + [
        builder.ids[link.subject] for link in links if link.object == thing.iri and link.prop in ("participant",)
    ]


def stix_bundle(snapshot: Snapshot) -> dict[str, Any]:
    """Return the STIX 2.1 bundle (a dict ready for ``json.dump``) of ``snapshot``."""
    builder = _Builder(snapshot)
    exploited = {(link.subject, link.object) for link in snapshot.links if link.prop == "exploits"}
    links = [
        link
        for link in snapshot.links
        if link.prop in RELATIONSHIP_TYPES and not (link.prop == "uses" and (link.subject, link.object) in exploited)
    ]  # kg:exploits is a sub-property of kg:uses: one relationship, the more precise
    grouping_links = [link for link in snapshot.links if link.prop not in RELATIONSHIP_TYPES]
    relationships = {link: builder.relationship(link) for link in links}
    relationship_ids = {link: obj["id"] for link, obj in relationships.items()}
    objects: list[dict[str, Any]] = []
    exported: set[str] = set()
    deferred: list[Thing] = []
    for iri in sorted(snapshot.things):
        thing = snapshot.things[iri]
        if thing.kind in ("Report", "Advisory", "Operation"):
            deferred.append(thing)
            continue
        obj = builder.sdo(thing, [])
        if obj is not None:
            objects.append(obj)
            exported.add(obj["id"])
    kept = [
        obj for link, obj in relationships.items() if obj["source_ref"] in exported and obj["target_ref"] in exported
    ]
    exported.update(obj["id"] for obj in kept)
    kept_links = [link for link in links if relationships[link]["id"] in exported]
    for thing in sorted(deferred, key=lambda thing: (thing.kind == "Report", thing.iri)):  # NPA reports last
        grouped = grouping_links if thing.kind != "Report" else kept_links
        refs = [ref for ref in _refs_of(builder, thing, grouped, relationship_ids) if ref in exported]
        obj = builder.sdo(thing, refs)
        if obj is not None:
            objects.append(obj)
            exported.add(obj["id"])
    by_id = {obj["id"]: obj for obj in objects}
    language = [
        content
        for iri, thing in sorted(snapshot.things.items())
        if builder.ids[iri] in by_id and (content := builder.language_content(thing, by_id[builder.ids[iri]]))
    ]
    producer = {
        "type": "identity",
        "spec_version": "2.1",
        "id": builder.producer,
        "created": builder.first_date,
        "modified": builder.first_date,
        "name": "kg — knowledge graph of the NPA cyber threat reports",
        "description": "Produced from the National Police Agency of Japan's annual reports on the cyber threat "
        "situation; every object cites the report section or figure it comes from.",
        "identity_class": "system",
        "external_references": [{"source_name": "npa-cyber-kg", "url": PRODUCER_IRI}],
    }
    return {
        "type": "bundle",
        "id": stix_id("bundle", PRODUCER_IRI + "#bundle"),
        "objects": [producer, *objects, *kept, *language],
    }


def dumps(bundle: dict[str, Any]) -> str:
    """The bundle as JSON text, UTF-8 Japanese kept readable, keys in a stable order."""
    return json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
