"""Network analysis of the graph with networkx (``kg analyze``).

Three analyses, each a :class:`~kg.results.QueryResult`, so that they print as a table, CSV or
TSV and turn into DataFrames like any query's answer:

* :func:`centrality`: the most central threat actors, agencies and techniques, by degree (how
  many distinct things a node is linked to) and betweenness (how often it lies on the shortest
  paths between others), measured over the whole instance graph taken as undirected;
* :func:`community_table`: the communities of the graph (seeded Louvain, split into connected
  parts), largest first, with their hub and best-linked members;
* :func:`co_issuance_pairs`: the pairs of agencies that issued advisories or attributions
  together, with how many and which.

>>> import kg                                                    # doctest: +SKIP
>>> results = analyze(kg.open_graph(), analyses=["co-issuance"])  # doctest: +SKIP
>>> print(results["co-issuance"].format("table"))                # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import XSD
from kg.results import QueryResult, Term

if TYPE_CHECKING:
    import networkx as nx

    from kg.graph import KnowledgeGraph
    from kg.store.base import SparqlStore

#: The analyses ``kg analyze`` knows, in the order it prints them.
ANALYSES = ("centrality", "communities", "co-issuance")
#: What counts as an actor, an agency and a technique: kg classes, subclasses included.
GROUPS: dict[str, tuple[str, ...]] = {
    "actors": ("ThreatActor",),
    "agencies": ("GovernmentAgency", "InternationalOrganisation"),
    "techniques": ("Technique",),
}
#: Above this many nodes betweenness is estimated from a seeded sample of this many sources,
#: because the exact measure grows with nodes x edges.
BETWEENNESS_SAMPLE = 1000


def _iri(value: str) -> Term:
    return {"type": "uri", "value": value}


def _text(value: str) -> Term:
    return {"type": "literal", "value": value}


def _integer(value: int) -> Term:
    return {"type": "literal", "value": str(value), "datatype": XSD + "integer"}


def _decimal(value: float) -> Term:
    return {"type": "literal", "value": f"{value:.4f}", "datatype": XSD + "decimal"}


def _result(variables: Sequence[str], rows: Iterable[Sequence[Term]]) -> QueryResult:
    return QueryResult(
        variables=list(variables), bindings=[dict(zip(variables, row, strict=True)) for row in rows], ordered=True
    )


def centrality(
    graph: nx.Graph, *, lang: str = "en", top: int = 10, groups: Mapping[str, Iterable[str]] = GROUPS
) -> QueryResult:
    """Rank the members of each group by degree, then betweenness (normalised, 0 to 1), and
    return the ``top`` of each: ``group, rank, entity, label, degree, betweenness``.

    >>> import networkx as nx
    >>> star = nx.MultiDiGraph()
    >>> for name, classes in [("hub", ["ThreatActor"]), ("a", ["Technique"]), ("b", ["Technique"])]:
    ...     star.add_node(name, label_en=name, classes=classes)
    >>> star.add_edges_from([("hub", "a"), ("hub", "b")])
    [0, 0]
    >>> centrality(star, top=1).lexical_rows()
    [('actors', '1', 'hub', 'hub', '2', '1.0000'), ('techniques', '1', 'a', 'a', '1', '0.0000')]
    """
    import networkx as nx

    from kg.viz.network import simple_graph

    simple = simple_graph(graph)
    sample = BETWEENNESS_SAMPLE if simple.number_of_nodes() > BETWEENNESS_SAMPLE else None
    betweenness = nx.betweenness_centrality(simple, k=sample, seed=0 if sample else None)
    rows = []
    for group, classes in groups.items():
        wanted = set(classes)
        members = [node for node, data in simple.nodes(data=True) if wanted & set(data["classes"])]
        members.sort(key=lambda node: (-simple.degree(node), -betweenness[node], simple.nodes[node][f"label_{lang}"]))
        rows += [
            (
                _text(group),
                _integer(rank),
                _iri(node),
                _text(simple.nodes[node][f"label_{lang}"]),
                _integer(simple.degree(node)),
                _decimal(betweenness[node]),
            )
            for rank, node in enumerate(members[:top], 1)
        ]
    return _result(("group", "rank", "entity", "label", "degree", "betweenness"), rows)


def community_table(graph: nx.Graph, *, lang: str = "en", top: int = 10, members: int = 5) -> QueryResult:
    """Return the ``top`` largest communities: ``community, size, hub, label, kinds, members``
    (the hub is the best-linked member; kinds count members per kind; members lists the
    ``members`` best-linked labels)."""
    from kg.viz.network import communities, simple_graph

    simple = simple_graph(graph)
    rows = []
    for number, group in enumerate(communities(simple)[:top], 1):
        ranked = sorted(group, key=lambda node: (-simple.degree(node), simple.nodes[node][f"label_{lang}"]))
        kinds = Counter(simple.nodes[node]["kind"] for node in group)
        shown = [simple.nodes[node][f"label_{lang}"] for node in ranked[:members]]
        rows.append(
            (
                _integer(number),
                _integer(len(group)),
                _iri(ranked[0]),
                _text(shown[0]),
                _text(", ".join(f"{kind} {count}" for kind, count in kinds.most_common())),
                _text("; ".join(shown) + ("; …" if len(ranked) > members else "")),
            )
        )
    return _result(("community", "size", "hub", "label", "kinds", "members"), rows)


def co_issuance_pairs(graph: nx.Graph, *, lang: str = "en") -> QueryResult:
    """Return the pairs of agencies that issued advisories together, most joint issues first
    (then by IRI):
    ``agency1, label1, agency2, label2, count, advisories``. ``graph`` is an instance graph or
    already a co-issuance graph (:func:`~kg.viz.network.co_issuance_graph`)."""
    from kg.viz.network import co_issuance_graph

    co = graph if graph.graph.get("view") == "co-issuance" else co_issuance_graph(graph)

    def name(node: str) -> str:
        return co.nodes[node][f"label_{lang}"]

    # by IRI, not label, so that the rows come in the same order whatever the language
    pairs = [(*sorted((first, second)), data) for first, second, data in co.edges(data=True)]
    pairs.sort(key=lambda pair: (-pair[2]["weight"], pair[0], pair[1]))
    rows = [
        (
            _iri(first),
            _text(name(first)),
            _iri(second),
            _text(name(second)),
            _integer(data["weight"]),
            _text("; ".join(co.graph["advisories"][advisory][f"label_{lang}"] for advisory in data["advisories"])),
        )
        for first, second, data in pairs
    ]
    return _result(("agency1", "label1", "agency2", "label2", "count", "advisories"), rows)


def analyze(
    source: KnowledgeGraph | SparqlStore,
    *,
    analyses: Iterable[str] = ANALYSES,
    lang: str = "en",
    top: int = 10,
    report: str | None = None,
) -> dict[str, QueryResult]:
    """Run the named ``analyses`` on the instance graph of ``source`` (limited to one ``report``
    if given) and return their results by name."""
    from kg.viz.network import LANGUAGES, from_report, instance_graph

    chosen = list(dict.fromkeys(analyses))
    unknown = [name for name in chosen if name not in ANALYSES]
    if unknown:
        raise InputError(f"unknown analysis {unknown[0]!r}; choose from {', '.join(ANALYSES)}")
    if lang not in LANGUAGES:
        raise InputError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    if top < 1:
        raise InputError(f"--top must be 1 or more, not {top}")
    graph: Any = instance_graph(source)
    if report:
        graph = from_report(graph, report)
    run = {
        "centrality": lambda: centrality(graph, lang=lang, top=top),
        "communities": lambda: community_table(graph, lang=lang, top=top),
        "co-issuance": lambda: co_issuance_pairs(graph, lang=lang),
    }
    return {name: run[name]() for name in chosen}
