"""What the exchange formats (STIX, ATT&CK Navigator) read from the built graph: the things, their
labels in both languages, their ATT&CK and CVE identifiers, the links between them, the report
sections and figures each one comes from, and cuts of the graph by report or by actor.

Everything is read with a handful of SPARQL queries whose only inputs are bound terms, never
pasted text, so it works the same on the embedded store and on a remote endpoint.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.errors import InputError
from kg.graph import KnowledgeGraph
from kg.namespaces import DCTERMS, KG, KGR, PROV, RDFS, SKOS

#: The kg classes the exchange formats carry, most specific first.
EXCHANGED_CLASSES = (
    "ActorCategory",
    "HacktivistGroup",
    "ThreatActor",
    "Ransomware",
    "Malware",
    "Tool",
    "Technique",
    "Vulnerability",
    "Countermeasure",
    "Incident",
    "Operation",
    "Advisory",
    "Report",
    "Country",
    "Region",
    "Sector",
    "PartyType",
    "Organisation",
)

#: The kinds of threat actor (the first three classes above).
ACTOR_KINDS = ("ActorCategory", "HacktivistGroup", "ThreatActor")

#: Properties between things that the exchange formats turn into links (the forward direction of
#: each owl:inverseOf pair; the inverses the build adds are left out).
LINK_PROPERTIES = (
    "uses",
    "intrusionVector",
    "exploits",
    "targets",
    "attributedTo",
    "backedBy",
    "claimedBy",
    "mitigates",
    "country",
    "about",
    "recommends",
    "issuedBy",
    "participant",
    "produced",
)


@dataclass(frozen=True)
class Citation:
    """A report section or figure that a thing or a fact comes from."""

    iri: str
    report: str
    label_en: str
    label_ja: str
    path: str


@dataclass
class Thing:
    """One node of the graph, with what the exchange formats need of it."""

    iri: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    citations: list[Citation] = field(default_factory=list)
    reports: set[str] = field(default_factory=set)

    def name(self, lang: str = "en") -> str:
        """The label in ``lang``, else in the other language, else the IRI's last part."""
        other = "ja" if lang == "en" else "en"
        return self.labels.get(lang) or self.labels.get(other) or self.iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Link:
    """``subject property object`` between two exchanged things."""

    subject: str
    prop: str
    object: str


@dataclass
class Snapshot:
    """The exchanged part of the graph: things by IRI, links, and the reports."""

    things: dict[str, Thing]
    links: list[Link]

    def of_kind(self, *kinds: str) -> list[Thing]:
        """The things of the given kinds, in IRI order."""
        return sorted((thing for thing in self.things.values() if thing.kind in kinds), key=lambda t: t.iri)

    def citations_of(self, link: Link) -> list[Citation]:
        """Where a link is stated: the sections of its subject, else those of its object."""
        return self.things[link.subject].citations or self.things[link.object].citations


def _values(graph: KnowledgeGraph, sparql: str) -> list[dict[str, str]]:
    return [{key: term["value"] for key, term in row.items()} for row in graph.query(sparql).bindings]


def _lang_values(graph: KnowledgeGraph, sparql: str) -> list[tuple[str, str, str]]:
    out = []
    for row in graph.query(sparql).bindings:
        out.append((row["thing"]["value"], row["value"]["value"], row["value"].get("xml:lang", "")))
    return out


def read_snapshot(graph: KnowledgeGraph) -> Snapshot:
    """Read every exchanged thing, its texts, identifiers, citations and links from ``graph``."""
    classes = " ".join(f"<{KG}{name}>" for name in EXCHANGED_CLASSES)
    rank = {f"{KG}{name}": position for position, name in enumerate(EXCHANGED_CLASSES)}
    kinds: dict[str, str] = {}
    for row in _values(graph, f"SELECT ?thing ?class WHERE {{ VALUES ?class {{ {classes} }} ?thing a ?class }}"):
        current = kinds.get(row["thing"])
        if current is None or rank[row["class"]] < rank[f"{KG}{current}"]:
            kinds[row["thing"]] = row["class"][len(KG) :]
    things = {iri: Thing(iri=iri, kind=kind) for iri, kind in kinds.items()}

    texts = (
        ("labels", f"<{RDFS}label>"),
        ("descriptions", f"<{DCTERMS}description>"),
        ("titles", f"<{DCTERMS}title>"),
        ("aliases", f"<{SKOS}altLabel>"),
    )
    for slot, prop in texts:
        for iri, value, lang in _lang_values(graph, f"SELECT ?thing ?value WHERE {{ ?thing {prop} ?value }}"):
            thing = things.get(iri)
            if thing is None:
                continue
            if slot == "aliases":
                if value not in thing.aliases:
                    thing.aliases.append(value)
            elif slot == "titles":
                thing.values[f"title@{lang}"].append(value)
            else:
                getattr(thing, slot).setdefault(lang or "en", value)

    literal_properties = {
        "attackId": f"<{KG}attackId>",
        "attackDomain": f"<{KG}attackDomain>",
        "cveId": f"<{KG}cveId>",
        "d3fendId": f"<{KG}d3fendId>",
        "date": f"<{DCTERMS}date>",
        "issued": f"<{DCTERMS}issued>",
        "coversYear": f"<{KG}coversYear>",
        "active": f"<{KG}active>",
        "motivation": f"<{KG}motivation>",
    }
    for name, prop in literal_properties.items():
        for iri, value, lang in _lang_values(graph, f"SELECT ?thing ?value WHERE {{ ?thing {prop} ?value }}"):
            if iri in things and (name != "motivation" or lang in ("en", "")):
                things[iri].values[name].append(value)

    sources: dict[str, Citation] = {}
    citation_rows = _values(
        graph,
        f"""SELECT ?part ?report ?en ?ja ?path ?figure WHERE {{
          ?part <{KG}inReport> ?report .
          OPTIONAL {{ ?part <{RDFS}label> ?en FILTER(lang(?en) = "en") }}
          OPTIONAL {{ ?part <{RDFS}label> ?ja FILTER(lang(?ja) = "ja") }}
          OPTIONAL {{ ?part <{KG}sectionPath> ?path }}
          OPTIONAL {{ ?part <{KG}figureNumber> ?figure }}
        }}""",
    )
    for row in citation_rows:
        path = row.get("path") or (f"図表{row['figure']}" if row.get("figure") else "")
        sources[row["part"]] = Citation(row["part"], row["report"], row.get("en", ""), row.get("ja", ""), path)
    for row in _values(graph, f"SELECT ?thing ?part WHERE {{ ?thing <{PROV}wasDerivedFrom> ?part }}"):
        if row["thing"] in things and row["part"] in sources:
            things[row["thing"]].citations.append(sources[row["part"]])
    for thing in things.values():
        thing.citations.sort(key=lambda citation: citation.iri)
        thing.reports.update(citation.report for citation in thing.citations)
    for row in _values(
        graph,
        f"SELECT ?thing ?report WHERE {{ {{ ?thing <{KG}mentionedIn> ?report }} "
        f"UNION {{ ?thing <{KG}reportedIn> ?report }} }}",
    ):
        if row["thing"] in things:
            things[row["thing"]].reports.add(row["report"])

    properties = " ".join(f"<{KG}{name}>" for name in LINK_PROPERTIES)
    links = sorted(
        {
            Link(row["s"], row["p"][len(KG) :], row["o"])
            for row in _values(graph, f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {properties} }} ?s ?p ?o }}")
            if row["s"] in things and row["o"] in things
        },
        key=lambda link: (link.subject, link.prop, link.object),
    )
    return Snapshot(things=things, links=links)


def resolve_report(snapshot: Snapshot, report: str) -> str:
    """The IRI of the NPA report meant by ``report``: the year it covers (2023), its IRI or its
    compact IRI (kgr:report-r5-2023). Raises InputError naming the choices otherwise."""
    reports = snapshot.of_kind("Report")
    for thing in reports:
        years = thing.values.get("coversYear", [])
        if report in years or report in (thing.iri, "kgr:" + thing.iri[len(KGR) :], thing.iri[len(KGR) :]):
            return thing.iri
    choices = ", ".join(sorted(year for thing in reports for year in thing.values.get("coversYear", [])))
    raise InputError(f"no report {report!r}; choose a year the reports cover ({choices}) or a report IRI")


def resolve_actor(snapshot: Snapshot, actor: str) -> str:
    """The IRI of the threat actor meant by ``actor``: a label or alias in either language
    (compared as :func:`kg.search_text.fold` compares a name typed to find a thing), an IRI or a
    compact IRI. Raises InputError naming the choices otherwise."""
    from kg.search_text import fold

    wanted = fold(actor)
    actors = snapshot.of_kind(*ACTOR_KINDS)
    for thing in actors:
        names = {*thing.labels.values(), *thing.aliases, thing.iri, "kgr:" + thing.iri[len(KGR) :]}
        if wanted in {fold(name) for name in names}:
            return thing.iri
    choices = ", ".join(sorted(thing.name() for thing in actors))
    raise InputError(f"no threat actor {actor!r}; choose one of: {choices}")


def cut(snapshot: Snapshot, *, report: str | None = None, actor: str | None = None) -> Snapshot:
    """The part of ``snapshot`` one report states (``report``), or one actor and what it is
    directly linked to (``actor``), or both; the NPA reports that state what is kept stay."""
    keep = set(snapshot.things)
    if report is not None:
        report_iri = resolve_report(snapshot, report)
        keep = {iri for iri in keep if report_iri in snapshot.things[iri].reports or iri == report_iri}
    if actor is not None:
        actor_iri = resolve_actor(snapshot, actor)
        near = {actor_iri}
        for link in snapshot.links:
            if actor_iri in (link.subject, link.object):
                near.update((link.subject, link.object))
        incidents = {iri for iri in near if snapshot.things[iri].kind in ("Incident", "Operation")}
        for link in snapshot.links:  # what the actor's incidents used
            if link.subject in incidents and link.prop in ("uses", "intrusionVector", "exploits"):
                near.add(link.object)
        keep &= near
        keep |= snapshot.things[actor_iri].reports & set(snapshot.things)
    things = {iri: snapshot.things[iri] for iri in keep}
    links = [link for link in snapshot.links if link.subject in things and link.object in things]
    if report is not None:
        report_iri = resolve_report(snapshot, report)
        links = [
            link
            for link in links
            if any(citation.report == report_iri for citation in snapshot.citations_of(link))
            or not snapshot.citations_of(link)
        ]
    return Snapshot(things=things, links=links)


def facts_citing(snapshot: Snapshot, iris: Iterable[str]) -> dict[str, list[Link]]:
    """For each IRI, the links (facts) that have it as their object or subject."""
    wanted = set(iris)
    found: dict[str, list[Link]] = {iri: [] for iri in wanted}
    for link in snapshot.links:
        for end in (link.subject, link.object):
            if end in wanted:
                found[end].append(link)
    return found
