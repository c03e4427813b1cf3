"""Cut a view out of the store in SPARQL, before anything is converted to networkx.

Each view is first a set of things, chosen by queries that start from what the view is about
(one entity, some classes, one report, the advisories' issuers) and so cost what the view
shows, not what the store holds; :func:`kg.network.instance_graph` then reads those things
alone. On a generated graph of a million triples a depth-1 focus reads a few hundred rows
instead of converting the whole store.

* :func:`overview_nodes`: the threat-intelligence picture — every thing whose most general
  class is not statistics (series, observations, categories, dimensions, units) nor report
  structure (sections, figures, reports), unless those are asked for.
* :func:`class_nodes`: the things of some classes (subclasses included: types are
  materialised by ``kg build``).
* :func:`report_nodes`: the facts derived from one report's sections and figures, and the
  things they involve that come from no report in particular (actors, agencies, countries).
* :func:`focus_nodes`: the neighbourhood of some things, breadth first, which does not expand
  through hubs — countries, sectors, kinds of party, and anything linked to more than
  ``degree_cap`` things (the NPA issues most advisories) — unless ``through_hubs``.
* :func:`issuer_nodes`: the advisories with issuers, and the issuers.

Where a view would draw more than a page can hold (``max_nodes``), :func:`bounded` keeps a
fair share of each class (every class with fewer things than its share whole), and the view
says how many it left out of each class (:func:`left_out`), which the page draws as aggregated
nodes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.errors import InputError
from kg.namespaces import KG, KGR
from kg.network import PROVENANCE_KINDS, _local, _node_classes, _read_schema, _Schema, rows_about
from kg.viz.network import LASTING_KINDS, _normal

if TYPE_CHECKING:
    from kg.store.base import SparqlStore

__all__ = [
    "DEFAULT_DEGREE_CAP",
    "HUB_KINDS",
    "MAX_NODES",
    "STATISTICS_KINDS",
    "Catalogue",
    "bounded",
    "class_nodes",
    "focus_nodes",
    "issuer_nodes",
    "overview_nodes",
    "report_nodes",
]

#: The kinds of the statistics, which the overview leaves out unless asked.
STATISTICS_KINDS = ("StatisticalSeries", "Observation", "Category", "Dimension", "Unit")
#: Kinds a focus does not expand through: nearly everything is linked to a country or a sector.
HUB_KINDS = ("Country", "Sector", "PartyType")
#: A focus does not expand through a thing linked to more than this many things.
DEFAULT_DEGREE_CAP = 25
#: The most nodes a view draws; beyond it, a fair share of each class and one aggregated node
#: per class for the rest. A page of this many things is written in about a second from a
#: million-triple store (bench/views.py); ``--max-nodes`` draws more.
MAX_NODES = 1000

#: How many things one class has (``?class`` bound; types are materialised, so a root class
#: counts every thing under it).
CLASS_COUNT_QUERY = """
SELECT (COUNT(?thing) AS ?count) WHERE {
  ?thing a ?class .
  FILTER(STRSTARTS(STR(?thing), STR(kgr:)))
}"""
#: The things of one class (``?class`` bound), at most a given number.
MEMBERS_QUERY = """
SELECT ?thing WHERE {
  ?thing a ?class .
  FILTER(STRSTARTS(STR(?thing), STR(kgr:)))
}"""
#: The kg classes of some things (``?subject`` bound in batches).
CLASSES_OF_QUERY = """
SELECT ?subject ?class WHERE {
  ?subject a ?class .
  FILTER(STRSTARTS(STR(?class), STR(kg:)))
}"""
#: The things linked to some things, either way, leaving provenance links out.
NEIGHBOURS_QUERY = """
SELECT DISTINCT ?subject ?neighbour WHERE {
  { ?subject ?link ?neighbour } UNION { ?neighbour ?link ?subject }
  FILTER(isIRI(?neighbour) && STRSTARTS(STR(?neighbour), STR(kgr:)))
  FILTER(?link NOT IN (rdf:type, prov:wasDerivedFrom, kg:inReport, kg:reportedIn, kg:mentionedIn, dcterms:isPartOf))
}"""
#: How many things some things are linked to, either way (same links as NEIGHBOURS_QUERY).
DEGREE_QUERY = """
SELECT ?subject (COUNT(DISTINCT ?neighbour) AS ?degree) WHERE {
  { ?subject ?link ?neighbour } UNION { ?neighbour ?link ?subject }
  FILTER(isIRI(?neighbour) && STRSTARTS(STR(?neighbour), STR(kgr:)))
  FILTER(?link NOT IN (rdf:type, prov:wasDerivedFrom, kg:inReport, kg:reportedIn, kg:mentionedIn, dcterms:isPartOf))
} GROUP BY ?subject"""
#: The facts of one report (``?report`` bound): derived from its sections and figures.
REPORT_FACTS_QUERY = """
SELECT DISTINCT ?fact WHERE {
  ?part kg:inReport ?report .
  ?fact prov:wasDerivedFrom ?part .
}"""
#: The same, leaving out the statistics (observations, series…), which are most of a report's facts.
REPORT_FACTS_NO_STATISTICS_QUERY = REPORT_FACTS_QUERY.replace(
    "?fact prov:wasDerivedFrom ?part .",
    "?fact prov:wasDerivedFrom ?part .\n  MINUS { ?fact a ?statistic . VALUES ?statistic { "
    + " ".join(f"kg:{kind}" for kind in STATISTICS_KINDS)
    + " } }",
)
#: What some facts are linked to, either way, that is lasting (:data:`LASTING_KINDS`) or derived
#: from no report's section or figure. Literals and IRIs outside ``kgr:`` come back too and are
#: dropped in Python: a ``STRSTARTS(STR(…))`` or ``isIRI`` test on each of the 37,000 links of a
#: million-triple report's hubs (the NPA…) cost more than the query without it (it decodes every
#: term), while the ``MINUS`` is one scan of the derivations and a hash anti-join on term ids
#: (a lookup per thing, ``FILTER EXISTS`` or a join on the lasting classes, costs 30–40 µs each).
INVOLVED_QUERY = (
    """
SELECT DISTINCT ?thing WHERE {
  { ?subject ?link ?thing } UNION { ?thing ?link ?subject }
  FILTER(?link NOT IN (rdf:type, prov:wasDerivedFrom, kg:inReport, kg:reportedIn, kg:mentionedIn, dcterms:isPartOf))
  MINUS {
    ?thing prov:wasDerivedFrom ?part .
    MINUS { ?thing a ?lasting . VALUES ?lasting { """
    + " ".join(f"kg:{kind}" for kind in sorted(LASTING_KINDS))
    + """ } }
  }
}"""
)
#: How many facts go into one INVOLVED_QUERY: its MINUS reads every derivation of the store once
#: a query (0.1 s at a million triples), so a report's facts (1,737 of the 2021 report's at 1M,
#: 4,825 with its statistics) go in one query, not in batches of :data:`kg.network.BATCH`.
REPORT_BATCH = 10_000
#: The reports, with the year each covers.
REPORTS_QUERY = """
SELECT ?report ?year WHERE { ?report a kg:Report . OPTIONAL { ?report kg:coversYear ?year } }"""
#: Advisories with their issuers.
ISSUERS_QUERY = """
SELECT ?advisory ?issuer WHERE { ?advisory kg:issuedBy ?issuer . }"""


@dataclass
class Catalogue:
    """What the cuts need to know about the store's classes: the ontology, and for a set of
    things their kinds and classes (read on demand, remembered)."""

    store: SparqlStore
    schema: _Schema = field(init=False)
    kinds: dict[str, str] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.schema = _read_schema(self.store)

    def learn(self, things: Iterable[str]) -> None:
        """Read the kinds and classes of ``things`` not known yet."""
        new = {thing for thing in things if thing not in self.kinds}
        found: dict[str, set[str]] = defaultdict(set)
        for row in rows_about(self.store, CLASSES_OF_QUERY, new):
            found[row["subject"]["value"]].add(row["class"]["value"])
        for thing in new:
            if found.get(thing):
                _, kind, names = _node_classes(frozenset(found[thing]), self.schema)
                self.kinds[thing], self.classes[thing] = kind, set(names)
            else:
                self.kinds[thing], self.classes[thing] = "", set()  # not a thing of a kg class

    def classes_named(self) -> list[str]:
        """Every kg class of the ontology, by local name."""
        return sorted(
            {_local(term) for term in self.schema.labels if term.startswith(KG) and term[len(KG) :][:1].isupper()}
        )

    def roots(self) -> list[str]:
        """The most general kg classes, by local name."""
        named = {term for term in self.schema.labels if term.startswith(KG)} | set(self.schema.parents)
        return sorted(
            _local(term) for term in named if term[len(KG) :][:1].isupper() and not self.schema.parents.get(term)
        )

    def resolve(self, names: Iterable[str]) -> list[str]:
        """Return the classes (local names) that ``names`` designate: local names, ``kg:`` names,
        IRIs or labels in either language."""
        known: dict[str, str] = {}
        for term, labels in sorted(self.schema.labels.items()):
            if term.startswith(KG) and term[len(KG) :][:1].isupper():
                name = _local(term)
                for alias in (name, f"kg:{name}", term, *labels.values()):
                    known.setdefault(_normal(alias), name)
        chosen = []
        for name in names:
            if not name.strip():
                continue
            if _normal(name) not in known:
                present = sorted(name for name, count in class_counts(self, self.classes_named()).items() if count)
                raise InputError(f"no class {name.strip()!r} in this graph; classes: " + ", ".join(present))
            chosen.append(known[_normal(name)])
        if not chosen:
            raise InputError("name at least one class, for example ThreatActor,Advisory,Organisation")
        return sorted(set(chosen))


def _members(store: SparqlStore, class_name: str, limit: int | None = None) -> list[str]:
    query = MEMBERS_QUERY + (f" LIMIT {int(limit)}" if limit is not None else "")
    result = store.execute(query, bindings={"class": {"type": "uri", "value": KG + class_name}})
    return [row["thing"]["value"] for row in result.bindings]


def class_counts(catalogue: Catalogue, names: Iterable[str]) -> dict[str, int]:
    """How many things each of the kg classes ``names`` (local names) has: one indexed count
    per class, never a scan of every type."""
    counts = {}
    for name in names:
        result = catalogue.store.execute(CLASS_COUNT_QUERY, bindings={"class": {"type": "uri", "value": KG + name}})
        counts[name] = int(result.bindings[0]["count"]["value"]) if result.bindings else 0
    return counts


def excluded_kinds(*, statistics: bool, sources: bool) -> set[str]:
    """The kinds a view leaves out unless asked for."""
    return (set() if statistics else set(STATISTICS_KINDS)) | (set() if sources else set(PROVENANCE_KINDS))


def overview_nodes(
    catalogue: Catalogue, *, statistics: bool = False, sources: bool = False, max_nodes: int = MAX_NODES
) -> tuple[set[str], dict[str, int]]:
    """Return the things the overview draws and how many of each kind there are.

    When they are more than ``max_nodes``, a fair share of each kind (:func:`_shares`) is read instead
    (never the whole list), so a big store still gives a page at once.
    """
    left_out = excluded_kinds(statistics=statistics, sources=sources)
    counts = class_counts(catalogue, [kind for kind in catalogue.roots() if kind not in left_out])
    kinds = {kind: count for kind, count in counts.items() if count}
    total = sum(kinds.values())
    shares = _shares(kinds, max_nodes) if total > max_nodes else dict(kinds)
    nodes: set[str] = set()
    for kind, share in shares.items():
        nodes.update(_members(catalogue.store, kind, share if total > max_nodes else None))
    return nodes, kinds


def _shares(counts: Mapping[str, int], limit: int) -> dict[str, int]:
    """Split ``limit`` among kinds fairly: a kind with fewer things than its fair share is shown
    whole and what it leaves goes to the others (max-min fairness), so that the eight threat
    actors of a graph of forty thousand things are all drawn. When there are more kinds than
    ``limit``, the biggest kinds get one each.

    >>> _shares({"a": 900, "b": 90, "c": 10}, 100)
    {'a': 45, 'b': 45, 'c': 10}
    >>> _shares({"a": 5, "b": 4, "c": 1}, 2)
    {'a': 1, 'b': 1}
    >>> _shares({"a": 3, "b": 2}, 10)
    {'a': 3, 'b': 2}
    """
    present = {kind: count for kind, count in counts.items() if count}
    if len(present) > limit:
        biggest = sorted(present, key=lambda kind: (-present[kind], kind))[: max(limit, 0)]
        return {kind: 1 for kind in sorted(biggest, key=list(present).index)}
    shares: dict[str, int] = {}
    left = limit
    waiting = sorted(present, key=lambda kind: (present[kind], kind))
    while waiting:
        fair = left // len(waiting)
        if present[waiting[0]] <= fair:
            kind = waiting.pop(0)
            shares[kind] = present[kind]
            left -= present[kind]
            continue
        # every kind left has more than its fair share: split what is left, the remainder to the biggest
        extra = left - fair * len(waiting)
        for index, kind in enumerate(sorted(waiting, key=lambda kind: (-present[kind], kind))):
            shares[kind] = fair + (1 if index < extra else 0)
        break
    return {kind: shares[kind] for kind in present if shares.get(kind)}


def class_nodes(
    catalogue: Catalogue, names: Iterable[str], *, max_nodes: int = MAX_NODES
) -> tuple[set[str], list[str]]:
    """Return the things of the classes ``names`` designate (a fair share of each, see
    :func:`_shares`, when they are more than ``max_nodes``), and those classes' local names."""
    chosen = catalogue.resolve(names)
    wanted = class_counts(catalogue, chosen)
    shares = _shares(wanted, max_nodes) if sum(wanted.values()) > max_nodes else None
    nodes: set[str] = set()
    for name in chosen:
        if shares is None or shares.get(name):
            nodes.update(_members(catalogue.store, name, shares[name] if shares else None))
    return nodes, chosen


def reports(store: SparqlStore) -> dict[str, str]:
    """The reports and the year each covers."""
    return {
        row["report"]["value"]: row.get("year", {}).get("value", "") for row in store.execute(REPORTS_QUERY).bindings
    }


def resolve_report(store: SparqlStore, report: str) -> tuple[str, str]:
    """Return the IRI and year of the report ``report`` names: its year, IRI or local name."""
    from kg.results import compact_iri

    wanted = _normal(report)
    known = reports(store)
    for iri, year in sorted(known.items()):
        local = compact_iri(iri).removeprefix("kgr:")
        if wanted in {
            _normal(year),
            _normal(iri),
            _normal(compact_iri(iri)),
            _normal(local),
            _normal(local.removeprefix("report-")),
        }:
            return iri, year
    listed = ", ".join(f"{year} ({compact_iri(iri)})" for iri, year in sorted(known.items(), key=lambda i: i[1]))
    raise InputError(f"no report {report!r}; the graph has: {listed or 'no reports'}")


def report_nodes(store: SparqlStore, report_iri: str, *, statistics: bool = True) -> set[str]:
    """Return the facts from one report and the things they involve that are lasting or come
    from no report (without ``statistics``, the report's statistics and what only they involve
    are left out)."""
    query = REPORT_FACTS_QUERY if statistics else REPORT_FACTS_NO_STATISTICS_QUERY
    result = store.execute(query, bindings={"report": {"type": "uri", "value": report_iri}})
    facts = {row["fact"]["value"] for row in result.bindings if row["fact"]["value"].startswith(KGR)}
    involved = {
        row["thing"]["value"]
        for row in rows_about(store, INVOLVED_QUERY, facts, batch=REPORT_BATCH)
        if row["thing"]["type"] == "uri" and row["thing"]["value"].startswith(KGR)
    }
    return facts | involved


def degrees(store: SparqlStore, things: Iterable[str]) -> dict[str, int]:
    """How many things each of ``things`` is linked to (provenance left out)."""
    return {row["subject"]["value"]: int(row["degree"]["value"]) for row in rows_about(store, DEGREE_QUERY, things)}


def focus_nodes(
    catalogue: Catalogue,
    roots: Collection[str],
    depth: int,
    *,
    allowed: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
    excluded: Collection[str] = (),
    through_hubs: bool = False,
    degree_cap: int | None = DEFAULT_DEGREE_CAP,
    max_nodes: int = MAX_NODES,
) -> tuple[set[str], set[str], dict[str, int]]:
    """Return the things within ``depth`` steps of ``roots``, the hubs met on the way (shown,
    not expanded), and how many things of each kind ``max_nodes`` left out when it cut the last
    step short (empty when it did not; the step keeps a fair share of each kind, :func:`fair_sample`).

    A step goes along any relation between things, either way. A neighbour is kept when it is
    in ``allowed`` (if given), has one of the classes ``kinds`` (if given) and is not of an
    ``excluded`` kind. It is not expanded further when it is a hub: of a :data:`HUB_KINDS` kind
    or linked to more than ``degree_cap`` things — unless ``through_hubs``. The roots are always
    expanded.
    """
    if depth < 0:
        raise InputError(f"the depth must be 0 or more, not {depth}")
    if degree_cap is not None and degree_cap < 1:
        raise InputError(f"the degree cap must be 1 or more, not {degree_cap}")
    keep = set(roots)
    hubs: set[str] = set()
    frontier = set(roots)
    dropped: dict[str, int] = {}
    for step in range(1, depth + 1):
        if not frontier:
            break
        found = {row["neighbour"]["value"] for row in rows_about(catalogue.store, NEIGHBOURS_QUERY, frontier)} - keep
        catalogue.learn(found)
        found = {
            thing
            for thing in found
            if catalogue.kinds[thing]
            and catalogue.kinds[thing] not in excluded
            and (allowed is None or thing in allowed)
            and (kinds is None or catalogue.classes[thing] & set(kinds))
        }
        if len(keep) + len(found) > max_nodes:
            kept = fair_sample(catalogue, found, max(0, max_nodes - len(keep)))
            dropped = dict(Counter(catalogue.kinds[thing] for thing in found - kept))
            found = kept
        keep |= found
        if through_hubs:
            frontier = found
            continue
        met = {thing for thing in found if catalogue.kinds[thing] in HUB_KINDS}
        if degree_cap is not None and step < depth:  # the last step's hubs are not expanded anyway
            met |= {thing for thing, count in degrees(catalogue.store, found - met).items() if count > degree_cap}
        hubs |= met
        frontier = found - met
        if dropped:
            break
    return keep, hubs, dropped


def issuer_nodes(store: SparqlStore, *, within: Collection[str] | None = None) -> tuple[set[str], set[str]]:
    """Return the advisories that have issuers (those in ``within``, if given) and their issuers."""
    if within is not None:
        rows = rows_about(store, ISSUERS_QUERY, within, variable="advisory")
    else:
        rows = iter(store.execute(ISSUERS_QUERY).bindings)
    advisories: set[str] = set()
    issuers: set[str] = set()
    for row in rows:
        advisories.add(row["advisory"]["value"])
        issuers.add(row["issuer"]["value"])
    return advisories, issuers


def bounded(
    catalogue: Catalogue,
    nodes: set[str],
    keep: Collection[str],
    max_nodes: int,
    *,
    kinds: Mapping[str, str] | None = None,
) -> set[str]:
    """Return ``nodes`` if they are at most ``max_nodes``, else ``keep`` and a fair share of
    each kind (:func:`fair_sample`; ``kinds`` saves reading the kinds the caller knows)."""
    if len(nodes) <= max_nodes:
        return nodes
    return set(keep) | fair_sample(catalogue, nodes - set(keep), max(1, max_nodes - len(keep)), kinds=kinds)


def fair_sample(
    catalogue: Catalogue, things: Iterable[str], limit: int, *, kinds: Mapping[str, str] | None = None
) -> set[str]:
    """Return at most ``limit`` of ``things``: a fair share of each kind (:func:`_shares`), the
    first of each kind in IRI order, so runs agree. The kinds are read from the store unless
    ``kinds`` gives them."""
    known = kinds or {}
    by_kind: dict[str, list[str]] = defaultdict(list)
    ordered = sorted(things)
    catalogue.learn(node for node in ordered if node not in known)
    for node in ordered:
        by_kind[known[node] if node in known else catalogue.kinds[node]].append(node)
    shares = _shares({kind: len(members) for kind, members in by_kind.items()}, limit)
    return {node for kind, members in by_kind.items() for node in members[: shares.get(kind, 0)]}


def left_out(catalogue: Catalogue, nodes: Iterable[str], shown: Collection[str]) -> dict[str, int]:
    """How many of ``nodes`` of each kind are not ``shown``."""
    missing = [node for node in nodes if node not in shown]
    catalogue.learn(missing)
    return dict(Counter(catalogue.kinds[node] for node in missing if catalogue.kinds[node]))


def kind_of(catalogue: Catalogue, class_name: str) -> str:
    """The most general kg class above the class ``class_name`` (local names)."""
    return _node_classes(frozenset({KG + class_name}), catalogue.schema)[1]
