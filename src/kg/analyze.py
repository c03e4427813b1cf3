"""Network analysis of the graph with networkx (``kg analyze``).

Three analyses, each a :class:`pandas.DataFrame` whose every column holds one type (IRIs and
labels as ``str``, ranks, sizes and counts as ``int``, betweenness as ``float``), which
``kg analyze`` prints as a table, CSV or TSV. They run on the part of the store a view would
show — the threat-intelligence picture, or one report's facts — cut in SPARQL first
(:mod:`kg.viz.cut`) and converted to networkx for that part alone (:mod:`kg.network`):

* :func:`centrality`: the most central threat actors, agencies and techniques, by degree (how
  many distinct things a node is linked to) and betweenness (how often it lies on the shortest
  paths between others), measured over that graph taken as undirected;
* :func:`community_table`: the communities of the graph (seeded Louvain, split into connected
  parts), largest first, with their hub and best-linked members;
* :func:`co_issuance_pairs`: the pairs of agencies that issued advisories or attributions
  together, with how many and which.

The shipped graph, in memory (``kg.open_graph()`` is the built store):

>>> import kg
>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> with kg.load(Sources.of(project_home()).files) as graph:
...     pairs = analyze(graph, analyses=["co-issuance"])["co-issuance"]
>>> pairs.columns.tolist()
['agency1', 'label1', 'agency2', 'label2', 'count', 'advisories']
>>> top = pairs.iloc[0]                                   # the most advisories together first
>>> top["label1"], top["label2"], int(top["count"])
('Japan Cybercrime Control Center', 'National Police Agency', 3)
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kg.errors import InputError

if TYPE_CHECKING:
    import networkx as nx
    import pandas

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


#: Each analysis's columns and their types: one type per column, so that columns sort and compare.
COLUMNS: dict[str, dict[str, type]] = {
    "centrality": {"group": str, "rank": int, "entity": str, "label": str, "degree": int, "betweenness": float},
    "communities": {"community": int, "size": int, "hub": str, "label": str, "kinds": str, "members": str},
    "co-issuance": {"agency1": str, "label1": str, "agency2": str, "label2": str, "count": int, "advisories": str},
}


def _frame(analysis: str, rows: Iterable[Sequence[Any]]) -> pandas.DataFrame:
    """Return ``rows`` as a DataFrame with the analysis's columns, each of one dtype."""
    import pandas

    columns = COLUMNS[analysis]
    frame = pandas.DataFrame(list(rows), columns=list(columns))
    return frame.astype({name: ("string" if kind is str else kind) for name, kind in columns.items()})


def centrality(
    graph: nx.Graph, *, lang: str = "en", top: int = 10, groups: Mapping[str, Iterable[str]] = GROUPS
) -> pandas.DataFrame:
    """Rank the members of each group by degree, then betweenness (normalised, 0 to 1), and
    return the ``top`` of each: ``group, rank, entity, label, degree, betweenness``.

    >>> import networkx as nx
    >>> star = nx.MultiDiGraph()
    >>> for name, classes in [("hub", ["ThreatActor"]), ("a", ["Technique"]), ("b", ["Technique"])]:
    ...     star.add_node(name, label_en=name, classes=classes)
    >>> star.add_edges_from([("hub", "a"), ("hub", "b")])
    [0, 0]
    >>> centrality(star, top=1).values.tolist()
    [['actors', 1, 'hub', 'hub', 2, 1.0], ['techniques', 1, 'a', 'a', 1, 0.0]]
    """
    import networkx as nx

    from kg.network import simple_graph

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
                group,
                rank,
                node,
                simple.nodes[node][f"label_{lang}"],
                simple.degree(node),
                round(betweenness[node], 4),
            )
            for rank, node in enumerate(members[:top], 1)
        ]
    return _frame("centrality", rows)


def community_table(graph: nx.Graph, *, lang: str = "en", top: int = 10, members: int = 5) -> pandas.DataFrame:
    """Return the ``top`` largest communities: ``community, size, hub, label, kinds, members``
    (the hub is the best-linked member; kinds count members per kind; members lists the
    ``members`` best-linked labels)."""
    from kg.network import communities, simple_graph

    simple = simple_graph(graph)
    rows = []
    for number, group in enumerate(communities(simple)[:top], 1):
        ranked = sorted(group, key=lambda node: (-simple.degree(node), simple.nodes[node][f"label_{lang}"]))
        kinds = Counter(simple.nodes[node]["kind"] for node in group)
        shown = [simple.nodes[node][f"label_{lang}"] for node in ranked[:members]]
        rows.append(
            (
                number,
                len(group),
                ranked[0],
                shown[0],
                ", ".join(f"{kind} {count}" for kind, count in kinds.most_common()),
                "; ".join(shown) + ("; …" if len(ranked) > members else ""),
            )
        )
    return _frame("communities", rows)


def co_issuance_pairs(graph: nx.Graph, *, lang: str = "en") -> pandas.DataFrame:
    """Return the pairs of agencies that issued advisories together, most joint issues first
    (then by IRI):
    ``agency1, label1, agency2, label2, count, advisories``. ``graph`` is an instance graph or
    already a co-issuance graph (:func:`~kg.network.co_issuance_graph`)."""
    from kg.network import co_issuance_graph

    co = graph if graph.graph.get("view") == "co-issuance" else co_issuance_graph(graph)

    def name(node: str) -> str:
        return co.nodes[node][f"label_{lang}"]

    # by IRI, not label, so that the rows come in the same order whatever the language
    pairs = [(*sorted((first, second)), data) for first, second, data in co.edges(data=True)]
    pairs.sort(key=lambda pair: (-pair[2]["weight"], pair[0], pair[1]))
    rows = [
        (
            first,
            name(first),
            second,
            name(second),
            data["weight"],
            "; ".join(co.graph["advisories"][advisory][f"label_{lang}"] for advisory in data["advisories"]),
        )
        for first, second, data in pairs
    ]
    return _frame("co-issuance", rows)


def analyze(
    source: KnowledgeGraph | SparqlStore,
    *,
    analyses: Iterable[str] = ANALYSES,
    lang: str = "en",
    top: int = 10,
    report: str | None = None,
) -> dict[str, pandas.DataFrame]:
    """Run the named ``analyses`` on the threat-intelligence picture of ``source`` (or on one
    ``report``'s facts and what they involve) and return their DataFrames by name.

    The things analysed are chosen in SPARQL (:mod:`kg.viz.cut`: no statistics, no report
    structure) and only they are converted to networkx, so the store is never converted whole.
    """
    from kg.graph import KnowledgeGraph
    from kg.network import LANGUAGES, instance_graph
    from kg.viz import cut

    chosen = list(dict.fromkeys(analyses))
    unknown = [name for name in chosen if name not in ANALYSES]
    if unknown:
        raise InputError(f"unknown analysis {unknown[0]!r}; choose from {', '.join(ANALYSES)}")
    if lang not in LANGUAGES:
        raise InputError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    if top < 1:
        raise InputError(f"--top must be 1 or more, not {top}")
    store = source.store if isinstance(source, KnowledgeGraph) else source
    catalogue = cut.Catalogue(store)
    left_out = cut.excluded_kinds(statistics=False, sources=False)
    if report:
        things = cut.report_nodes(store, cut.resolve_report(store, report)[0])
        catalogue.learn(things)
        nodes = {thing for thing in things if catalogue.kinds[thing] and catalogue.kinds[thing] not in left_out}
    else:
        nodes, _ = cut.overview_nodes(catalogue, max_nodes=sys.maxsize)
    graph: Any = instance_graph(store, nodes=nodes)
    run = {
        "centrality": lambda: centrality(graph, lang=lang, top=top),
        "communities": lambda: community_table(graph, lang=lang, top=top),
        "co-issuance": lambda: co_issuance_pairs(graph, lang=lang),
    }
    return {name: run[name]() for name in chosen}


def frame_text(frame: pandas.DataFrame, fmt: str = "table", *, width: int | None = None) -> str:
    """Write an analysis's DataFrame as an aligned ``table`` (IRIs compacted, ``kgr:…``), or as
    ``csv`` or ``tsv`` (full IRIs), every value whole; a table's widest columns wrap to fit ``width``.

    >>> print(frame_text(_frame("co-issuance", [("https://w3id.org/npa-cyber-kg/id/org-a", "A",
    ...     "https://w3id.org/npa-cyber-kg/id/org-b", "B", 2, "x; y")]), "csv"), end="")
    agency1,label1,agency2,label2,count,advisories
    https://w3id.org/npa-cyber-kg/id/org-a,A,https://w3id.org/npa-cyber-kg/id/org-b,B,2,x; y
    """
    from kg.output import text_table
    from kg.results import compact_iri

    header = [str(name) for name in frame.columns]
    if fmt == "table":
        cells = [
            [compact_iri(value) if isinstance(value, str) else _cell(value) for value in row]
            for row in frame.itertuples(index=False)
        ]
        footer = f"({len(cells)} row{'s' if len(cells) != 1 else ''})"
        return text_table(header, cells, width=width) + "\n" + footer + "\n"
    if fmt not in ("csv", "tsv"):
        raise InputError(f"format {fmt!r} is not one of table, csv, tsv")
    return frame.to_csv(index=False, sep="," if fmt == "csv" else "\t", lineterminator="\n", float_format="%.4f")


def _cell(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
