r"""Draw a graph from :mod:`kg.viz.network` as one self-contained, offline HTML page, with pyvis.

pyvis holds the vis-network nodes, edges and options (built here as plain lists, which the
measurements in the tooling notes show is ~60x faster than ``add_node`` at 5,000 nodes). The page
comes from this package's own template (``static/view.html``), not pyvis's, because that one
loads Bootstrap and vis-network from CDNs even with inline resources. Everything the page needs
is inside it: vis-network 9.1.2 and its stylesheet, read from the installed pyvis package
(dual-licensed Apache-2.0/MIT, the licence header travels with the script), the page's own
script and style, and the data as JSON.

Safety: the data travels in a ``<script type="application/json">`` block (``<``, ``>`` and ``&``
escaped) and the page writes text only with ``textContent``; vis-network draws labels on a canvas
and shows string tooltips as plain text. A Content-Security-Policy lets only the page's own
scripts run (by hash) and forbids every request, so a label such as
``<img src=x onerror=alert(1)>`` stays text and nothing leaves the machine.

Size: below :data:`PRECOMPUTED` nodes vis-network lays the graph out with a bounded number of
physics iterations and then turns physics off; from there on the layout is computed here with
networkx (:func:`precomputed_layout`) and the page starts with physics off, so a 5,000-node page
is interactive within seconds. From :data:`LARGE` nodes on, edges are drawn straight, their
labels move into the hover text and they hide while dragging.

>>> import networkx as nx
>>> graph = nx.MultiDiGraph(view="overview", classes={}, properties={}, reports={})
>>> graph.add_node("urn:x", label_en="<b>X</b>", label_ja="エックス", aliases=[], type="Thing",
...                kind="Thing", classes=["Thing"], properties=[], sources=[], reports=[])
>>> html = render_html(graph, lang="ja")
>>> "<b>X</b>" in html, "\\u003cb\\u003eX\\u003c/b\\u003e" in html, "https://cdn" in html
(False, True, False)
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import InputError, KgError
from kg.network import LANGUAGES, citations, class_label, communities, label, property_label, simple_graph
from kg.results import compact_iri

if TYPE_CHECKING:
    import networkx as nx
    from pyvis.network import Network

__all__ = [
    "LARGE",
    "PRECOMPUTED",
    "STYLES",
    "node_tooltip",
    "page_title",
    "precomputed_layout",
    "render_html",
    "to_pyvis",
    "write_html",
    "write_page",
]

STATIC = Path(__file__).resolve().parent / "static"
VIS_VERSION = "9.1.2"

#: From this many nodes on, the layout is computed here with networkx (communities laid out
#: side by side) and the page starts with physics off: vis-network's physics costs ~13 µs per
#: node per iteration on a 2-core machine, so 5,000 nodes would need seconds per 100 iterations.
PRECOMPUTED = 300
#: Below that, the page runs at most this many physics iterations (fewer for bigger graphs)
#: and then freezes the layout.
STABILISATION_BUDGET = 150_000
STABILISATION_MAX = 1000
#: From this many nodes on, edges are straight, unlabelled (relation on hover) and hidden while
#: dragging or zooming, so that drawing stays fluid.
LARGE = 1000
#: Room per node in a precomputed layout, in vis-network units (a node is ~10-40 across).
SPACING = 70.0
#: Communities bigger than this are laid out as a sunflower, hubs in the middle, because
#: networkx's spring layout needs scipy from 500 nodes on.
SPRING_LIMIT = 400
#: Views bigger than this are grouped by kind rather than into Louvain communities, and more
#: groups than :data:`PACK_LIMIT` are placed on a spiral rather than pushed apart pairwise
#: (which costs groups² per round: 75 s for a sample of 5,000 mostly unlinked things).
COMMUNITY_LIMIT = 1500
PACK_LIMIT = 100
#: Lines of key properties in a tooltip, and the longest value shown before "…".
TOOLTIP_PROPERTIES = 8
#: Kinds drawn bigger, with bigger labels, in views of at least PROMINENT_FROM nodes.
PROMINENT = ("ThreatActor",)
PROMINENT_FROM = 100
#: The longest label drawn on the canvas before "…" (the whole label is in the tooltip).
LABEL_LENGTH = 48
TOOLTIP_VALUE = 160

#: Colour and vis-network shape for each kind of node: its most general kg class, or its own
#: class in views that say so with a ``colour_by`` graph attribute (the co-issuance view).
#: Colours come from the Okabe–Ito and Paul Tol (muted, bright) palettes, which stay apart
#: under the common colour-vision deficiencies; kinds whose colours are near each other get
#: different shapes, so that no two kinds of a view look alike.
STYLES: dict[str, tuple[str, str]] = {
    "ThreatActor": ("#D55E00", "diamond"),  # Okabe–Ito vermillion
    "Malware": ("#CC79A7", "triangle"),  # Okabe–Ito reddish purple
    "Tool": ("#882255", "triangleDown"),  # Tol wine
    "Technique": ("#E69F00", "triangle"),  # Okabe–Ito orange
    "Vulnerability": ("#AA4499", "star"),  # Tol purple
    "Product": ("#999933", "square"),  # Tol olive
    "Organisation": ("#0072B2", "dot"),  # Okabe–Ito blue
    "Country": ("#88CCEE", "hexagon"),  # Tol cyan
    "Sector": ("#44AA99", "square"),  # Tol teal
    "PartyType": ("#DDCC77", "square"),  # Tol sand
    "Advisory": ("#009E73", "star"),  # Okabe–Ito bluish green
    "Countermeasure": ("#117733", "hexagon"),  # Tol green
    "Measure": ("#56B4E9", "diamond"),  # Okabe–Ito sky blue
    "MeasureKind": ("#BBBBBB", "triangleDown"),  # Tol grey
    "Incident": ("#CC6677", "dot"),  # Tol rose
    "Event": ("#F0E442", "diamond"),  # Okabe–Ito yellow
    "Operation": ("#332288", "star"),  # Tol indigo
    "Arrest": ("#000000", "triangleDown"),  # black
    "Offender": ("#666666", "square"),  # dark grey
    "Law": ("#DDDDDD", "dot"),  # pale grey
    "Offence": ("#DDDDDD", "diamond"),  # pale grey, the law's colour
    "StatisticalSeries": ("#999933", "hexagon"),
    "Observation": ("#DDCC77", "dot"),
    "Category": ("#BBBBBB", "triangle"),
    "Dimension": ("#666666", "triangle"),
    "Unit": ("#DDDDDD", "triangleDown"),
    "SourcePart": ("#BBBBBB", "square"),
    "Report": ("#000000", "star"),
    # kinds of organisation, which the co-issuance view colours by
    "PoliceOrganisation": ("#0072B2", "dot"),
    "GovernmentAgency": ("#56B4E9", "square"),
    "InternationalOrganisation": ("#CC79A7", "diamond"),
    "IndustryBody": ("#E69F00", "triangle"),
    "Company": ("#009E73", "star"),
}
_SPARE_COLOURS = ("#EE7733", "#0077BB", "#33BBEE", "#EE3377", "#CC3311", "#009988", "#BBBBBB", "#000000")
_SPARE_SHAPES = ("dot", "square", "diamond", "triangle", "triangleDown", "star", "hexagon")

#: The page's words in each language; ``{n}`` and friends are filled in by the page's script.
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "search": "Find a node by label",
        "find": "Find",
        "classes": "Classes",
        "all": "All",
        "none": "None",
        "found": "{n} found",
        "notFound": "no shown node has that label",
        "shown": "{nodes} of {total} nodes, {edges} edges",
        "layout": "laying out…",
        "details": "Click a node or an edge to see its details here.",
        "type": "Type",
        "aliases": "Also known as",
        "source": "Source",
        "issued": "Issued {n}",
        "joint": "{n} joint issues",
        "overview": "Knowledge graph overview",
        "focus": "Neighbourhood of {names} (depth {depth})",
        "co-issuance": "Agencies that issued advisories together",
        "report": " — {year} report",
        "types": " — {names}",
        "separator": ", ",
        "reading": "Reading the picture",
        "size": "Node size: how many things a node is linked to.",
        "sizeIssued": "Node size: how many advisories and attributions the agency issued.",
        "width": "Edge width and number: advisories and attributions the two agencies issued together.",
        "edges": "Edges: relations, labelled by name; hover for both languages.",
        "hub": "Dashed outline: a hub (a country, a sector, or linked to many things); the view does not "
        "expand through it (kg viz --through-hubs does).",
        "left": "Statistics and report structure are left out: kg viz --statistics or --sources draws them.",
        "truncated": "Showing {shown} of {total} things: a sample of each class; each dashed node counts the rest "
        "of a class. Narrow the view with --types, --report or --focus, or raise --max-nodes.",
        "truncatedFocus": "Showing the nearest {shown} things: the last step was cut short at --max-nodes; each "
        "dashed node counts the things of a class left out.",
        "hubNote": "hub: shown, not expanded",
        "more": "+{n} more: {name}",
        "clusterNote": "{n} more things of the class {name} are not drawn: the view shows a share of each class. "
        "Narrow it with --types, --report or --focus, or raise --max-nodes.",
        "clusters": "Dashed node with a count: the things of one class that the view leaves out, aggregated.",
    },
    "ja": {
        "search": "ラベルでノードを検索",
        "find": "検索",
        "classes": "クラス",
        "all": "すべて",
        "none": "なし",
        "found": "{n}件",
        "notFound": "表示中のノードに該当なし",
        "shown": "{total}ノード中{nodes}件表示、エッジ{edges}件",
        "layout": "配置中…",
        "details": "ノードかエッジをクリックすると詳細をここに表示します。",
        "type": "種別",
        "aliases": "別名",
        "source": "出典",
        "issued": "発出 {n}件",
        "joint": "共同発出 {n}件",
        "overview": "ナレッジグラフの全体像",
        "focus": "{names}の周辺（{depth}段階）",
        "co-issuance": "注意喚起を共同で発出した機関",
        "report": "（{year}年の報告）",
        "types": "（{names}）",
        "separator": "、",
        "reading": "図の読み方",
        "size": "ノードの大きさ：つながっている対象の数。",
        "sizeIssued": "ノードの大きさ：その機関が発出した注意喚起・パブリック・アトリビューションの数。",
        "width": "エッジの太さと数字：2機関が共同で発出した注意喚起・パブリック・アトリビューションの数。",
        "edges": "エッジ：関係（名称を表示。マウスを重ねると日英両方）。",
        "hub": "破線の枠：ハブ（国・地域、分野、多数の対象とつながるもの）。このビューはハブの先へは広げません"
        "（kg viz --through-hubs で広げます）。",
        "left": "統計と報告書の構成は省略しています（kg viz --statistics または --sources で表示）。",
        "truncated": "{total}件中{shown}件を表示（各クラスから抽出。破線のノードは各クラスの残りの件数）。--types、"
        "--report、--focus で絞り込むか、--max-nodes を増やしてください。",
        "truncatedFocus": "近い順に{shown}件を表示（最後の段階は --max-nodes で打ち切り。"
        "破線のノードは省いたクラスごとの件数）。",
        "hubNote": "ハブ：表示のみ、先へは広げない",
        "more": "ほか{n}件：{name}",
        "clusterNote": "{name}のほか{n}件は描画していません（各クラスから一部を表示）。--types、--report、--focus "
        "で絞り込むか、--max-nodes を増やしてください。",
        "clusters": "数字付きの破線のノード：このビューが省いた、あるクラスの対象をまとめたもの。",
    },
}


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise InputError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")


def style(kind: str) -> tuple[str, str]:
    """Return the colour and shape of a kind of node; kinds without a style get a stable one.

    >>> style("ThreatActor")
    ('#D55E00', 'diamond')
    >>> style("Spaceship") == style("Spaceship")
    True
    """
    if kind in STYLES:
        return STYLES[kind]
    number = zlib.crc32(kind.encode())
    return _SPARE_COLOURS[number % len(_SPARE_COLOURS)], _SPARE_SHAPES[number % len(_SPARE_SHAPES)]


def _shorten(text: str, limit: int = TOOLTIP_VALUE) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key_properties(graph: nx.Graph, properties: list[tuple[str, str, str]], lang: str) -> list[str]:
    """One line per property: its values in ``lang``, else untagged, else in the other language."""
    by_property: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for prop, value, value_lang in properties:
        by_property[prop][value_lang].append(value)
    lines = []
    for prop, values in by_property.items():
        chosen = next(values[key] for key in (lang, "", *LANGUAGES) if values.get(key))
        lines.append(f"{property_label(graph, prop, lang)}: {_shorten('; '.join(chosen))}")
    return sorted(lines)


def node_tooltip(graph: nx.Graph, node: str, lang: str = "en") -> str:
    """Return a node's hover text (plain text): both labels, type, aliases, key properties,
    what it issued (co-issuance view), its sources and its IRI."""
    _check_lang(lang)
    words = STRINGS[lang]
    data = graph.nodes[node]
    other = "ja" if lang == "en" else "en"
    lines = [label(graph, node, lang)]
    if label(graph, node, other) != lines[0]:
        lines.append(label(graph, node, other))
    lines.append(f"{words['type']}: {class_label(graph, data['type'], lang)} ({data['type']})")
    if data["aliases"]:
        lines.append(f"{words['aliases']}: {', '.join(data['aliases'])}")
    properties = _key_properties(graph, data["properties"], lang)
    lines += properties[:TOOLTIP_PROPERTIES] + (["…"] if len(properties) > TOOLTIP_PROPERTIES else [])
    if "advisories" in data:
        lines.append(words["issued"].format(n=len(data["advisories"])) + ":")
        lines += [f"  • {_advisory_line(graph, advisory, lang)}" for advisory in data["advisories"]]
    sources = citations(graph, node, lang)
    if sources:
        lines.append(f"{words['source']}: {sources[0]}")
        lines += [f"  {line}" for line in sources[1:]]
    lines.append(compact_iri(node))
    return "\n".join(lines)


def _advisory_line(graph: nx.Graph, advisory: str, lang: str) -> str:
    info = graph.graph["advisories"][advisory]
    return " ".join(filter(None, (info["date"], info[f"label_{lang}"])))


def _edge_tooltip(graph: nx.Graph, source: str, target: str, relations: list[str], lang: str) -> str:
    other = "ja" if lang == "en" else "en"
    names = [f"{property_label(graph, prop, lang)} / {property_label(graph, prop, other)}" for prop in relations]
    return "\n".join([*names, f"{label(graph, source, lang)} → {label(graph, target, lang)}"])


def _search_terms(data: dict[str, Any]) -> str:
    """The folded labels and aliases, one per line, for the page's search box (:mod:`kg.search_text`)."""
    from kg.search_text import search_terms

    return search_terms((data["label_en"], data["label_ja"], *data["aliases"]))


def page_title(graph: nx.Graph, lang: str = "en") -> str:
    """Return the title that says what a view shows: which view, around what, from which report."""
    _check_lang(lang)
    words = STRINGS[lang]
    view = graph.graph.get("view", "overview")
    title = words["co-issuance" if view == "co-issuance" else "overview"]
    if graph.graph.get("focus"):
        names = words["separator"].join(label(graph, node, lang) for node in graph.graph["focus"])
        title = words["focus"].format(names=names, depth=graph.graph["depth"])
        if view == "co-issuance":
            title = f"{words['co-issuance']}: {title}"
    if graph.graph.get("types"):
        names = words["separator"].join(class_label(graph, name, lang) for name in graph.graph["types"])
        title += words["types"].format(names=names)
    if graph.graph.get("report"):
        title += words["report"].format(year=graph.graph["report"])
    return title


def _sunflower(count: int, spacing: float) -> list[tuple[float, float]]:
    """Spread ``count`` points evenly over a disc, ``spacing`` apart, the first in the middle."""
    golden = math.pi * (3 - math.sqrt(5))
    return [
        (
            spacing * math.sqrt(index + 0.5) * math.cos(index * golden),
            spacing * math.sqrt(index + 0.5) * math.sin(index * golden),
        )
        for index in range(count)
    ]


def precomputed_layout(graph: nx.Graph, *, spacing: float = SPACING, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Return positions for every node, computed with networkx so that the page needs no physics.

    The graph is split into groups (:func:`_groups`: :func:`~kg.network.communities`, unlinked
    things by kind); each group gets a spring layout (or a sunflower of its nodes, hubs first,
    when it is big or unlinked, or the view has :data:`LARGE` nodes) and the groups are placed
    by a spring layout of the graph of groups, then pushed apart until they do not overlap — or,
    when they are many, on a spiral.
    Seeded, so the same graph always gets the same picture.

    >>> import networkx as nx
    >>> positions = precomputed_layout(nx.path_graph(3))
    >>> sorted(positions) == [0, 1, 2] and len(set(positions.values())) == 3
    True
    """
    import networkx as nx
    import numpy

    simple = simple_graph(graph)
    groups = _groups(simple, seed=seed)
    local: dict[str, tuple[float, float]] = {}
    radii = []
    # spring layouts cost ~0.3 s per 1,000 nodes: a big view's groups are sunflowers, hubs in the middle
    springs = simple.number_of_nodes() < LARGE
    for group in groups:
        members = sorted(group, key=lambda node: (-simple.degree(node), node))
        if springs and len(members) <= SPRING_LIMIT and any(simple.degree(node) for node in members):
            spring = nx.spring_layout(simple.subgraph(members), seed=seed, scale=spacing * math.sqrt(len(members)) / 2)
            points = [tuple(spring[node]) for node in members]
        else:
            points = _sunflower(len(members), spacing / 2)
        local.update(zip(members, points, strict=True))
        radii.append(max(math.hypot(x, y) for x, y in points) + spacing / 2)

    # where each group goes: near the groups it has edges with, without overlapping
    index = {node: number for number, group in enumerate(groups) for node in group}
    radius = numpy.array(radii)
    if len(groups) > PACK_LIMIT:
        centres = _spiral(radius)
    else:
        between = nx.Graph()
        between.add_nodes_from(range(len(groups)))
        for first, second in simple.edges():
            if index[first] != index[second]:
                pair = (index[first], index[second])
                between.add_edge(*pair, weight=between.get_edge_data(*pair, {"weight": 0})["weight"] + 1)
        spring = nx.spring_layout(between, seed=seed, weight="weight")
        # scaled so that the discs' total area roughly fills the unit square the layout spans
        scale = float(numpy.sqrt((radius**2).sum()))
        centres = numpy.array([spring[number] for number in range(len(groups))], dtype=float) * scale
        for _ in range(100):
            offsets = centres[:, None, :] - centres[None, :, :]
            distance = numpy.sqrt((offsets**2).sum(axis=-1)) + numpy.eye(len(radius))
            overlap = numpy.clip(radius[:, None] + radius[None, :] - distance, 0, None)
            numpy.fill_diagonal(overlap, 0)
            if overlap.max(initial=0) < 1:
                break
            centres += (offsets / distance[..., None] * overlap[..., None] / 2).sum(axis=1) * 0.5
    return {
        node: (round(x + centres[index[node]][0], 1), round(y + centres[index[node]][1], 1))
        for node, (x, y) in local.items()
    }


def _groups(simple: nx.Graph, *, seed: int) -> list[set[str]]:
    """The groups a precomputed layout draws together, largest first: Louvain communities, with
    the unlinked things gathered by kind (a bounded overview is mostly unlinked things); in views
    bigger than :data:`COMMUNITY_LIMIT`, the kinds themselves."""
    isolated: dict[str, set[str]] = defaultdict(set)
    groups: list[set[str]] = []
    if simple.number_of_nodes() > COMMUNITY_LIMIT:
        for node, kind in simple.nodes(data="kind"):
            isolated[str(kind)].add(node)
    else:
        for group in communities(simple, seed=seed):
            if len(group) == 1 and not simple.degree(next(iter(group))):
                node = next(iter(group))
                isolated[str(simple.nodes[node].get("kind"))].add(node)
            else:
                groups.append(group)
    groups += isolated.values()
    return sorted(groups, key=lambda group: (-len(group), min(map(str, group))))


def _spiral(radius: Any) -> Any:
    """Centres for discs of ``radius`` (biggest first) on a golden-angle spiral, each a little
    outside the area of those before it: no pairwise pushing, so it costs one pass."""
    import numpy

    golden = math.pi * (3 - math.sqrt(5))
    area = numpy.concatenate([[0.0], numpy.cumsum(numpy.pi * radius**2)[:-1]])
    distance = numpy.sqrt(area / numpy.pi) * 1.15 + numpy.where(area > 0, radius, 0)
    angle = numpy.arange(len(radius)) * golden
    return numpy.stack([distance * numpy.cos(angle), distance * numpy.sin(angle)], axis=1)


def _stabilisation(nodes: int) -> int:
    return min(STABILISATION_MAX, STABILISATION_BUDGET // max(nodes, 1))


def _options(nodes: int, *, directed: bool, weighted: bool) -> dict[str, Any]:
    large = nodes >= LARGE
    edges: dict[str, Any] = {
        "arrows": {"to": {"enabled": directed, "scaleFactor": 0.5}},
        "color": {"color": "#a0a8b0", "highlight": "#303840", "hover": "#303840"},
        "font": {"size": 10, "align": "middle", "color": "#505860", "strokeWidth": 3},
        "smooth": False if large else {"enabled": True, "type": "continuous", "roundness": 0.3},
    }
    if weighted:
        # width grows with the joint issues, whose count sits on white so a thick edge cannot hide it
        edges["scaling"] = {"min": 1, "max": 10, "label": {"enabled": False}}
        edges["font"] = {"size": 12, "align": "middle", "color": "#303840", "background": "#ffffff"}
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": nodes <= 200},
        "physics": {
            "enabled": 0 < nodes < PRECOMPUTED,
            "solver": "barnesHut",
            # small views get more room per node, so that their labels do not overlap
            "barnesHut": {
                "gravitationalConstant": -9000 if nodes < 80 else -6000,
                "centralGravity": 0.3,
                "springLength": 180 if nodes < 80 else 140,
                "springConstant": 0.04,
                "damping": 0.4,
                "avoidOverlap": 0.6 if nodes < 80 else 0.1,
            },
            "stabilization": {"enabled": True, "iterations": _stabilisation(nodes), "updateInterval": 25, "fit": True},
            "minVelocity": 1.0,
        },
        "interaction": {
            "hover": not large,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "multiselect": True,
        },
        "nodes": {"font": {"size": 14, "face": "sans-serif"}, "borderWidth": 1},
        "edges": edges,
    }


def to_pyvis(graph: nx.Graph, *, lang: str = "en", title: str | None = None) -> Network:
    """Return a pyvis Network of ``graph``: nodes coloured and shaped by kind, labelled in
    ``lang``, with plain-text tooltips; edges labelled by relation (directed graphs) or weighted
    by joint issues (the co-issuance graph)."""
    from pyvis.network import Network

    _check_lang(lang)
    weighted = not graph.is_directed()
    large = graph.number_of_nodes() >= LARGE
    focus = set(graph.graph.get("focus", ()))
    hubs = set(graph.graph.get("hubs", ()))
    positions = precomputed_layout(graph) if graph.number_of_nodes() >= PRECOMPUTED else {}
    nodes = []
    colour_by = graph.graph.get("colour_by", "kind")
    for node, data in graph.nodes(data=True):
        colour, shape = style(data[colour_by])
        degree = len(data["advisories"]) if weighted and "advisories" in data else graph.degree(node)
        entry = {
            "id": node,
            "label": _shorten(data[f"label_{lang}"], LABEL_LENGTH),
            "name": data[f"label_{lang}"],
            "title": node_tooltip(graph, node, lang),
            "kind": data[colour_by],
            "color": colour,
            "shape": shape,
            "size": round(min(40.0, 8 + 3 * math.sqrt(degree)), 1),
            "search": _search_terms(data),
        }
        if data["kind"] in PROMINENT and node not in focus and graph.number_of_nodes() >= PROMINENT_FROM:
            # in a big picture the actors are what an analyst looks for first
            entry.update(size=entry["size"] + 10, font={"size": 22, "strokeWidth": 5})
        if node in focus:
            # centred (fixed at the origin while the rest is laid out around it) and highlighted
            entry.update(
                borderWidth=5,
                borderWidthSelected=6,
                size=entry["size"] + 10,
                font={"size": 20, "strokeWidth": 4},
                color={
                    "background": colour,
                    "border": "#000000",
                    "highlight": {"background": colour, "border": "#000000"},
                },
            )
            if len(focus) == 1 and not positions:
                entry.update(x=0, y=0, fixed=True)
        elif node in hubs:
            entry.update(
                shapeProperties={"borderDashes": [4, 3]},
                borderWidth=2,
                color={"background": colour, "border": "#303840"},
            )
            entry["title"] += f"\n({STRINGS[lang]['hubNote']})"
        if node in positions:
            entry["x"], entry["y"] = positions[node]
        nodes.append(entry)

    nodes += _cluster_nodes(graph, positions, lang)
    edges = []
    if weighted:
        for first, second, data in graph.edges(data=True):
            listed = "\n".join(f"• {_advisory_line(graph, advisory, lang)}" for advisory in data["advisories"])
            heading = f"{label(graph, first, lang)} — {label(graph, second, lang)}"
            edges.append(
                {
                    "from": first,
                    "to": second,
                    "value": data["weight"],
                    "label": str(data["weight"]),
                    "title": f"{heading}\n{STRINGS[lang]['joint'].format(n=data['weight'])}:\n{listed}",
                }
            )
    else:
        # one drawn edge per ordered pair, however many relations join it
        relations: dict[tuple[str, str], list[str]] = defaultdict(list)
        for source, target, key in graph.edges(keys=True):
            relations[source, target].append(key)
        for (source, target), keys in relations.items():
            entry = {"from": source, "to": target, "title": _edge_tooltip(graph, source, target, keys, lang)}
            if not large:
                entry["label"] = ", ".join(property_label(graph, key, lang) for key in keys)
            edges.append(entry)

    network = Network(
        height="100%",
        width="100%",
        directed=graph.is_directed(),
        heading=title if title is not None else page_title(graph, lang),
        cdn_resources="in_line",
    )
    network.nodes, network.edges = nodes, edges
    network.node_ids = [entry["id"] for entry in nodes]
    network.node_map = {entry["id"]: entry for entry in nodes}
    network.options = _options(len(nodes), directed=graph.is_directed(), weighted=weighted)
    return network


def _cluster_nodes(graph: nx.Graph, positions: dict[str, tuple[float, float]], lang: str) -> list[dict[str, Any]]:
    """One node per class the view leaves things out of (the graph's ``clusters``), labelled
    with the count, on a ring around the picture (fixed there when the layout is precomputed)."""
    from kg.search_text import search_terms

    clusters = graph.graph.get("clusters", ())
    words = STRINGS[lang]
    reach = max((math.hypot(x, y) for x, y in positions.values()), default=0.0) + 2 * SPACING
    entries = []
    for number, cluster in enumerate(clusters):
        colour, shape = style(cluster["kind"])
        name = class_label(graph, cluster["class"], lang)
        count = f"{cluster['count']:,}"
        text = words["more"].format(n=count, name=name)
        angle = 2 * math.pi * number / len(clusters) - math.pi / 2
        entry = {
            "id": f"kg-cluster:{cluster['class']}",
            "label": text,
            "name": text,
            "title": words["clusterNote"].format(n=count, name=name),
            "kind": cluster["kind"],
            "cluster": cluster["count"],
            "color": {"background": colour, "border": "#303840"},
            "shape": shape,
            # big enough to read when the whole picture is in view: they stand for most of it
            "size": round(min(70.0, 30 + 10 * math.log10(cluster["count"] + 1)), 1),
            "borderWidth": 3,
            "shapeProperties": {"borderDashes": [6, 4]},
            "font": {"size": 36, "strokeWidth": 6},
            "search": search_terms((text, name)),
            "x": round(reach * math.cos(angle), 1),
            "y": round(reach * math.sin(angle), 1),
        }
        if positions:
            entry["fixed"] = True
        entries.append(entry)
    return entries


def _legend(graph: nx.Graph, lang: str) -> list[dict[str, Any]]:
    counts = Counter(kind for _, kind in graph.nodes(data=graph.graph.get("colour_by", "kind")))
    more: Counter[str] = Counter()
    for cluster in graph.graph.get("clusters", ()):
        counts.setdefault(cluster["kind"], 0)  # a class drawn only as its aggregated node can be hidden too
        more[cluster["kind"]] += cluster["count"]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        {
            "kind": kind,
            "label": class_label(graph, kind, lang),
            "color": style(kind)[0],
            "shape": style(kind)[1],
            "count": count,
            "more": more[kind],
        }
        for kind, count in ordered
    ]


def reading_notes(graph: nx.Graph, lang: str) -> list[str]:
    """The legend's lines on how to read the picture: what node size and edge width mean."""
    words = STRINGS[lang]
    if not graph.is_directed():
        return [words["sizeIssued"], words["width"]]
    notes = [words["size"], words["edges"]]
    if graph.graph.get("clusters"):
        notes.append(words["clusters"])
    if graph.graph.get("hubs"):
        notes.append(words["hub"])
    kinds = {kind for _, kind in graph.nodes(data="kind")}
    if not kinds & {"Observation", "StatisticalSeries", "SourcePart", "Report"} and not graph.graph.get("types"):
        notes.append(words["left"])
    return notes


def _notice(graph: nx.Graph, lang: str) -> str:
    """What the page says when it shows only part of the view."""
    truncated = graph.graph.get("truncated")
    if not truncated:
        return ""
    if truncated.get("total") is None:
        return STRINGS[lang]["truncatedFocus"].format(shown=f"{truncated['shown']:,}")
    return STRINGS[lang]["truncated"].format(shown=f"{truncated['shown']:,}", total=f"{truncated['total']:,}")


def _asset(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise KgError(f"cannot read {path}: {error.strerror or error}; reinstall kg and pyvis") from None


def _vis_assets() -> tuple[str, str]:
    import pyvis

    folder = Path(pyvis.__file__).resolve().parent / "lib" / f"vis-{VIS_VERSION}"
    return _asset(folder / "vis-network.min.js"), _asset(folder / "vis-network.css")


def _script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def render_html(graph: nx.Graph, *, lang: str = "en", title: str | None = None) -> str:
    """Return the page showing ``graph`` (see the module documentation): search box, class
    filter with legend, details panel and the vis-network drawing, all inline."""
    network = to_pyvis(graph, lang=lang, title=title)
    nodes, edges, heading, _, _, options = network.get_network_data()
    vis_script, vis_style = _vis_assets()
    page_script, page_style = _asset(STATIC / "view.js"), _asset(STATIC / "view.css")
    data = {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "classes": _legend(graph, lang),
        "strings": STRINGS[lang],
        "lang": lang,
        "focus": list(graph.graph.get("focus", ())),
        "reading": reading_notes(graph, lang),
        "notice": _notice(graph, lang),
    }
    return render_page(
        "view.html",
        lang=lang,
        title=heading,
        data=data,
        library=vis_script,
        library_style=vis_style,
        page_script=page_script,
        page_style=page_style,
        words=STRINGS[lang],
    )


def render_page(template: str, **context: Any) -> str:
    """Render one of the page templates (``static/*.html``, each extending ``page.html``) with
    ``context``; the content-security policy lets exactly its two scripts, ``library`` and
    ``page_script``, run (by hash). The templates escape every value they insert."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(STATIC), autoescape=True, undefined=jinja2.StrictUndefined
    )
    hashes = " ".join(_script_hash(context[name]) for name in ("library", "page_script"))
    return environment.get_template(template).render(script_hashes=hashes, **context)


def write_html(graph: nx.Graph, path: str | Path, *, lang: str = "en", title: str | None = None) -> Path:
    """Write the page for ``graph`` to ``path`` atomically (a temporary file beside it, renamed
    into place) and return the path; the folder is created if needed."""
    return write_page(render_html(graph, lang=lang, title=title), path)


def write_page(html: str, path: str | Path) -> Path:
    """Write a page to ``path`` atomically (kg.atomic: a temporary file beside it, renamed into
    place) and return the path; the folder is created if needed."""
    from kg.atomic import atomic_write

    target = Path(path)
    if str(target) != "-":
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"cannot write there: {error.strerror or error}", path=str(target)) from None
    with atomic_write(target, text=True) as stream:
        stream.write(html)
    return target
