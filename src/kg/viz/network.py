"""The views ``kg viz`` draws, as networkx graphs: cut in SPARQL on the store first
(:mod:`kg.viz.cut`), then converted for what they show by :mod:`kg.network`.

:func:`view_graph` is what ``kg viz`` calls; :func:`find_nodes`, :func:`neighbourhood`,
:func:`only_classes` and :func:`from_report` cut views out of a graph already converted (a
notebook's, or the co-issuance network).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.namespaces import PREFIXES
from kg.network import (
    LANGUAGES,
    citations,
    class_entry,
    class_label,
    co_issuance_graph,
    communities,
    instance_graph,
    label,
    property_label,
    simple_graph,
)
from kg.results import compact_iri
from kg.terms import expand_iri

if TYPE_CHECKING:
    import networkx as nx

    from kg.graph import KnowledgeGraph
    from kg.store.base import SparqlStore

__all__ = [
    "LANGUAGES",
    "citations",
    "class_label",
    "co_issuance_graph",
    "communities",
    "find_nodes",
    "from_report",
    "instance_graph",
    "label",
    "neighbourhood",
    "only_classes",
    "property_label",
    "resolve_report",
    "simple_graph",
    "view_graph",
]


def _normal(text: str) -> str:
    """Fold width, case and surrounding space, as the page's search does (:func:`kg.search_text.fold`)."""
    from kg.search_text import fold

    return fold(text)


def _names(data: Mapping[str, Any]) -> set[str]:
    return {_normal(text) for text in (data["label_en"], data["label_ja"], *data["aliases"])}


def find_nodes(graph: nx.Graph, name: str) -> list[str]:
    """Return the nodes ``name`` designates: an IRI (``<…>``, ``kgr:…``, ``https://…``), or a label
    or alias in either language (ignoring case and full/half width).

    Every node with exactly that label or alias is returned (``LockBit`` is both a group and its
    ransomware); failing that, the one node whose label contains ``name``. Raises
    :class:`~kg.errors.InputError` when nothing matches, or when a partial name fits several.
    """
    text = name.strip()
    prefix = text.partition(":")[0]
    if text.startswith(("<", "http://", "https://")) or (":" in text and prefix in PREFIXES):
        iri = expand_iri(text) if not text.startswith("http") else text
        if iri in graph:
            return [iri]
        raise InputError(f"{text!r} is not a node of this view (an instance with a kg class)")
    wanted = _normal(text)
    if not wanted:
        raise InputError("the name to look for is empty")
    exact = sorted(node for node, data in graph.nodes(data=True) if wanted in _names(data))
    if exact:
        return exact
    partial = sorted(node for node, data in graph.nodes(data=True) if any(wanted in known for known in _names(data)))
    if len(partial) == 1:
        return partial
    if not partial:
        raise InputError(f"nothing is labelled {text!r} in English or Japanese, nor has it as an alias")
    shown = ", ".join(f"{graph.nodes[node]['label_en']} ({compact_iri(node)})" for node in partial[:8])
    more = f" and {len(partial) - 8} more" if len(partial) > 8 else ""
    raise InputError(f"{text!r} is part of several labels: {shown}{more}; give a full label or an IRI")


def neighbourhood(graph: nx.Graph, roots: Collection[str], depth: int) -> nx.Graph:
    """Return the nodes within ``depth`` steps of any root (in either direction), and their edges.

    The result records ``focus`` (the roots) and ``depth`` in its graph attributes.
    """
    import networkx as nx

    if depth < 0:
        raise InputError(f"the depth must be 0 or more, not {depth}")
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    keep: set[str] = set()
    for root in roots:
        keep.update(nx.single_source_shortest_path_length(undirected, root, cutoff=depth))
    view = graph.subgraph(keep).copy()
    view.graph.update(focus=sorted(roots), depth=depth)
    return view


def _present_classes(graph: nx.Graph) -> list[str]:
    return sorted({name for _, classes in graph.nodes(data="classes") for name in classes})


def _class_names(graph: nx.Graph) -> dict[str, str]:
    """Map every way of naming a class of the graph's nodes (local name, label, kg:Name) to its name."""
    names: dict[str, str] = {}
    for name in _present_classes(graph):
        info = graph.graph["classes"][name]
        for alias in (name, f"kg:{name}", info["iri"], info["label_en"], info["label_ja"]):
            names.setdefault(_normal(alias), name)
    return names


def only_classes(graph: nx.Graph, names: Iterable[str], *, keep: Collection[str] = ()) -> nx.Graph:
    """Return the part of ``graph`` whose nodes belong to one of the classes ``names`` (local
    names such as ``ThreatActor``, ``kg:`` names or class labels; subclasses count), plus ``keep``.
    """
    known = _class_names(graph)
    chosen = set()
    for name in names:
        if not name.strip():
            continue
        if _normal(name) not in known:
            known_names = ", ".join(_present_classes(graph))
            raise InputError(f"no class {name.strip()!r} in this graph; classes: {known_names}")
        chosen.add(known[_normal(name)])
    if not chosen:
        raise InputError("name at least one class, for example ThreatActor,Advisory,Organisation")
    members = [node for node, classes in graph.nodes(data="classes") if chosen & set(classes) or node in keep]
    view = graph.subgraph(members).copy()
    view.graph["types"] = sorted(chosen)
    return view


def resolve_report(graph: nx.Graph, report: str) -> str:
    """Return the IRI of the report ``report`` names: the year it covers (``2023``), its IRI,
    ``kgr:report-r5-2023`` or ``r5-2023``."""
    wanted = _normal(report)
    for iri, info in sorted(graph.graph["reports"].items()):
        local = compact_iri(iri).removeprefix("kgr:")
        if wanted in {
            _normal(info["year"]),
            _normal(iri),
            _normal(compact_iri(iri)),
            _normal(local),
            _normal(local.removeprefix("report-")),
        }:
            return iri
    known = ", ".join(f"{info['year']} ({compact_iri(iri)})" for iri, info in sorted(graph.graph["reports"].items()))
    raise InputError(f"no report {report!r}; the graph has: {known or 'no reports'}")


#: Kinds of thing that outlive one report: a report's view shows them when its facts involve them.
LASTING_KINDS = frozenset(
    {
        "Organisation",
        "Country",
        "Region",
        "ThreatActor",
        "Technique",
        "Malware",
        "Tool",
        "Sector",
        "PartyType",
        "Product",
        "Vulnerability",
        "Law",
        "Offence",
    }
)


def from_report(graph: nx.Graph, report: str) -> nx.Graph:
    """Return the facts from one report and the things they involve.

    A node stays when it comes from the report, or when it is linked to a node that does and
    comes from no report in particular or is a lasting thing (an actor, an agency, a country, a
    technique: every such thing cites where a report describes it, yet it belongs to no one report).
    """
    iri = resolve_report(graph, report)
    facts = {node for node, reports in graph.nodes(data="reports") if iri in reports}
    undirected = graph.to_undirected(as_view=True) if graph.is_directed() else graph
    involved = {
        neighbour
        for node in facts
        for neighbour in undirected.neighbors(node)
        if not graph.nodes[neighbour]["reports"] or graph.nodes[neighbour]["kind"] in LASTING_KINDS
    }
    view = graph.subgraph(facts | involved).copy()
    view.graph["report"] = graph.graph["reports"][iri]["year"]
    return view


def view_graph(
    source: KnowledgeGraph | SparqlStore,
    *,
    focus: str | None = None,
    depth: int = 2,
    types: Iterable[str] | None = None,
    report: str | None = None,
    co_issuance: bool = False,
    sources: bool = False,
    statistics: bool = False,
    through_hubs: bool = False,
    degree_cap: int | None = None,
    max_nodes: int | None = None,
) -> nx.Graph:
    """Return the graph one ``kg viz`` view shows, cut in SPARQL first (:mod:`kg.viz.cut`) and
    converted to networkx only for what it shows.

    The overview is the threat-intelligence picture: statistics (series, observations,
    categories) only with ``statistics``, report sections, figures and reports only with
    ``sources``. ``report`` keeps the facts from one report and what they involve; ``types``
    keeps things of some classes; ``focus`` (a label, alias, IRI, ATT&CK or CVE ID, see
    :func:`kg.viz.lookup.find_things`) keeps the neighbourhood within ``depth`` steps, not
    expanding through hubs (countries, sectors, things linked to more than ``degree_cap``
    others) unless ``through_hubs``; ``co_issuance`` turns the advisories into the network of
    their issuers. A view of more than ``max_nodes`` things (default
    :data:`kg.viz.cut.MAX_NODES`) shows a fair share of each class and says so in its
    ``truncated`` attribute, ``{"shown": n, "total": N}`` (``N`` is None for a focus cut short),
    and ``clusters`` lists, biggest first, how many things of each class it left out
    (``{"class": "Incident", "kind": "Incident", "count": 9139}``), which the page draws as one
    aggregated node per class.
    """
    from kg.graph import KnowledgeGraph
    from kg.viz import cut
    from kg.viz.lookup import find_things

    store = source.store if isinstance(source, KnowledgeGraph) else source
    cap = cut.DEFAULT_DEGREE_CAP if degree_cap is None else degree_cap
    limit = cut.MAX_NODES if max_nodes is None else max_nodes
    if limit < 1:
        raise InputError(f"the most nodes to draw must be 1 or more, not {limit}")
    if depth < 0:
        raise InputError(f"the depth must be 0 or more, not {depth}")
    catalogue = cut.Catalogue(store)
    excluded = cut.excluded_kinds(statistics=statistics or types is not None, sources=sources)
    year = None
    allowed: set[str] | None = None
    if report:
        report_iri, year = cut.resolve_report(store, report)
        allowed = cut.report_nodes(store, report_iri, statistics=statistics or types is not None)

    if co_issuance:
        advisories, issuers = cut.issuer_nodes(store, within=allowed)
        # the advisories are read for what the network says of them (labels, date), the agencies whole
        everything = instance_graph(
            store, nodes=advisories | issuers, brief=advisories - issuers, schema=catalogue.schema
        )
        graph: nx.Graph = co_issuance_graph(everything)
        if year:
            graph.graph["report"] = year
        roots = find_nodes(graph, focus) if focus else []
        if types is not None:
            graph = only_classes(graph, types, keep=roots)
        if focus:
            graph = neighbourhood(graph, roots, depth)
        return graph

    roots = find_things(store, focus) if focus else []
    chosen: list[str] | None = None
    total: int | None = None
    hubs: set[str] = set()
    dropped: dict[str, int] = {}
    class_totals: dict[str, int] | None = None
    if types is not None:
        # sampled in the store only when nothing else narrows the view (a focus or a report cuts it first)
        narrowed = bool(focus) or allowed is not None
        type_nodes, chosen = cut.class_nodes(catalogue, types, max_nodes=10**9 if narrowed else limit)
    if focus:
        nodes, hubs, dropped = cut.focus_nodes(
            catalogue,
            roots,
            depth,
            allowed=allowed,
            kinds=chosen,
            excluded=excluded,
            through_hubs=through_hubs,
            degree_cap=None if through_hubs else cap,
            max_nodes=limit,
        )
    elif chosen is not None:
        nodes = type_nodes & allowed if allowed is not None else type_nodes
        if allowed is None:
            class_totals = cut.class_counts(catalogue, chosen)
            total = sum(class_totals.values())
        else:
            total = len(nodes)
    elif allowed is not None:
        catalogue.learn(allowed)
        nodes = {node for node in allowed if catalogue.kinds[node] and catalogue.kinds[node] not in excluded}
        total = len(nodes)
    else:
        nodes, class_totals = cut.overview_nodes(catalogue, statistics=statistics, sources=sources, max_nodes=limit)
        total = sum(class_totals.values())
    candidates = nodes
    nodes = cut.bounded(catalogue, nodes, roots, limit)
    graph = instance_graph(store, nodes=nodes, sources=sources, schema=catalogue.schema)
    if year:
        graph.graph["report"] = year
    if chosen is not None:
        graph.graph["types"] = chosen
    if focus:
        graph.graph.update(focus=sorted(roots), depth=depth, hubs=sorted(hubs & set(graph)))
    if dropped or (total is not None and total > limit):
        graph.graph["truncated"] = {"shown": graph.number_of_nodes(), "total": total}
        if class_totals is not None:  # the overview, or whole classes: counted in the store, not read
            shown = Counter(name for _, classes in graph.nodes(data="classes") for name in classes)
            dropped = {name: count - shown[name] for name, count in class_totals.items() if count > shown[name]}
        elif not dropped:
            dropped = cut.left_out(catalogue, candidates, graph)
        graph.graph["clusters"] = [
            {"class": name, "kind": cut.kind_of(catalogue, name), "count": count}
            for name, count in sorted(dropped.items(), key=lambda item: (-item[1], item[0]))
        ]
        for cluster in graph.graph["clusters"]:  # a class drawn only as its aggregated node is named too
            for name in (cluster["class"], cluster["kind"]):
                graph.graph["classes"].setdefault(name, class_entry(name, catalogue.schema))
    return graph
