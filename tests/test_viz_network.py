"""The networkx conversion behind `kg viz` and `kg analyze`: nodes, edges and their attributes.

Most tests read the small hand-written graph in tests/data/viz (see its README) from an in-memory
Oxigraph store, inferred as `kg build` infers; the last ones read the real graph, a built store
pushed to a real Oxigraph server, and check that both agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import networkx as nx
import pytest

import kg
from kg.build import BuildReport, check
from kg.errors import InputError
from kg.namespaces import DCTERMS, KG, KGR, PROV, RDF, RDFS
from kg.push import push
from kg.serve import OxigraphServer
from kg.viz.network import (
    citations,
    co_issuance_graph,
    communities,
    find_nodes,
    from_report,
    instance_graph,
    neighbourhood,
    only_classes,
    view_graph,
)
from tests.helpers import SHIPPED
from tests.viz_data import (
    ADVISORY_2021,
    ADVISORY_2023,
    ADVISORY_NPA,
    BLACKTECH,
    CHINA,
    FBI,
    HOSTILE,
    INCIDENT,
    MEASURE,
    NISC,
    NPA,
    RELATIONS,
    SOURCES,
    TECHNIQUE,
    THINGS,
    USA,
    build_fixture_project,
)


def relations(graph: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(source, key, target) for source, target, key in graph.edges(keys=True)}


def test_fixture_graph_conforms_to_the_shapes(small: kg.KnowledgeGraph) -> None:
    report = check(small.store.store, shapes=SHIPPED.shapes, queries=SHIPPED.queries)  # type: ignore[attr-defined]
    assert report.conforms, "\n".join(str(violation) for violation in report.violations)


def test_nodes_are_things_not_classes_literals_vocabulary_or_sources(instances: nx.MultiDiGraph) -> None:
    assert set(instances) == THINGS
    assert instances.number_of_nodes() == 13


def test_each_relation_is_one_edge_however_inference_doubled_it(instances: nx.MultiDiGraph) -> None:
    assert relations(instances) == RELATIONS
    assert instances.number_of_edges() == 13
    drawn = {key for _, _, key in instances.edges(keys=True)}
    # inverses, super-properties, chain shortcuts and class membership never become edges
    assert not drawn & {
        KG + "issued",
        KG + "implemented",
        KG + "usedBy",
        KG + "targetedBy",
        KG + "reportedIn",
        KG + "mentionedIn",
        PROV + "wasAttributedTo",
        PROV + "wasAssociatedWith",
        RDF + "type",
    }


def test_with_sources_sections_figures_and_reports_are_nodes_too(small: kg.KnowledgeGraph) -> None:
    graph = instance_graph(small, sources=True)
    assert set(graph) == THINGS | SOURCES
    added = relations(graph) - RELATIONS
    assert (ADVISORY_2023, PROV + "wasDerivedFrom", KGR + "r5-fig-1") in added
    assert (KGR + "r5-fig-1", DCTERMS + "isPartOf", KGR + "r5-sec-p1-topic1") in added
    assert (KGR + "r3-sec-1-1", KG + "inReport", KGR + "report-r3-2021") in added
    assert (KGR + "report-r5-2023", DCTERMS + "publisher", NPA) in added
    # things point at reports only through the sections and figures they cite (12 from facts, 4 from lasting things)
    assert len(added) == 16 and not any(key in (KG + "reportedIn", KG + "mentionedIn") for _, key, _ in added)
    assert graph.nodes[KGR + "r5-fig-1"]["kind"] == "SourcePart"


def test_node_attributes_carry_labels_classes_and_properties(instances: nx.MultiDiGraph) -> None:
    actor = instances.nodes[BLACKTECH]
    assert (actor["label_en"], actor["label_ja"], actor["aliases"]) == ("BlackTech", "BlackTech", ["ブラックテック"])
    assert (actor["type"], actor["kind"], actor["classes"]) == (
        "StateLinkedGroup",
        "ThreatActor",
        ["StateLinkedGroup", "ThreatActor"],
    )
    assert actor["properties"] == [
        (DCTERMS + "description", "China-backed group", "en"),
        (DCTERMS + "description", "中国を背景とするグループ", "ja"),
    ]
    agency = instances.nodes[NPA]
    assert (agency["label_ja"], agency["aliases"], agency["type"], agency["kind"]) == (
        "警察庁",
        ["NPA"],
        "PoliceOrganisation",
        "Organisation",
    )
    # a vocabulary term is a property shown by its labels, not a node
    assert instances.nodes[MEASURE]["properties"] == [
        (KG + "measureKind", "request", "en"),
        (KG + "measureKind", "要請", "ja"),
    ]
    assert (DCTERMS + "date", "2023-09-27", "") in instances.nodes[ADVISORY_2023]["properties"]
    assert instances.graph["classes"]["StateLinkedGroup"]["parents"] == ["ThreatActor"]
    assert instances.graph["properties"][KG + "issuedBy"] == {"label_en": "issued by", "label_ja": "発出機関"}


def test_edges_carry_the_relation_and_its_labels(instances: nx.MultiDiGraph) -> None:
    edge = instances.edges[ADVISORY_2023, NPA, KG + "issuedBy"]
    assert edge == {"predicate": KG + "issuedBy", "label_en": "issued by", "label_ja": "発出機関"}


def test_provenance_names_reports_sections_and_figures(instances: nx.MultiDiGraph) -> None:
    advisory = instances.nodes[ADVISORY_2023]
    assert advisory["reports"] == [KGR + "report-r5-2023"]
    assert [(source["part"], source["year"], source["path"], source["figure"]) for source in advisory["sources"]] == [
        (KGR + "r5-sec-p1-topic1", "2023", "第1部 トピック1", None),
        (KGR + "r5-fig-1", "2023", None, "1"),
    ]
    assert citations(instances, ADVISORY_2023, "en") == [
        "2023 report, 第1部 トピック1 “Topic 1 Public attribution of BlackTech”",
        "2023 report, Figure 1 Advisory on BlackTech",
    ]
    assert citations(instances, ADVISORY_2023, "ja") == [
        "2023年の報告 第1部 トピック1 「トピック1 BlackTechに対するパブリック・アトリビューション」",
        "2023年の報告 図表1 BlackTechに関する注意喚起",
    ]
    assert instances.nodes[ADVISORY_2021]["reports"] == [KGR + "report-r3-2021"]
    assert instances.nodes[BLACKTECH]["reports"] == [] and citations(instances, BLACKTECH, "en") == []
    assert instances.graph["reports"][KGR + "report-r3-2021"]["year"] == "2021"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BlackTech", [BLACKTECH]),
        ("ブラックテック", [BLACKTECH]),  # a Japanese alias
        ("警察庁", [NPA]),  # a Japanese label
        ("npa", [NPA]),  # an alias, whatever the case
        ("ＮＰＡ", [NPA]),  # full-width letters
        ("  Federal Bureau  ", [FBI]),  # the one label that contains it
        ("kgr:org-nisc", [NISC]),
        (f"<{NISC}>", [NISC]),
        (NISC, [NISC]),
    ],
)
def test_find_nodes_by_label_alias_or_iri(instances: nx.MultiDiGraph, name: str, expected: list[str]) -> None:
    assert find_nodes(instances, name) == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Lazarus", "nothing is labelled 'Lazarus'"),
        (
            "National",
            "'National' is part of several labels: National center of Incident readiness and Strategy for "
            "Cybersecurity (kgr:org-nisc), National Police Agency (kgr:org-npa); give a full label or an IRI",
        ),
        ("kgr:org-nobody", "'kgr:org-nobody' is not a node"),
        ("zz:thing", "nothing is labelled 'zz:thing'"),
        (" ", "the name to look for is empty"),
    ],
)
def test_find_nodes_says_why_nothing_was_found(instances: nx.MultiDiGraph, name: str, message: str) -> None:
    with pytest.raises(InputError, match="^" + re.escape(message)):
        find_nodes(instances, name)


def test_neighbourhood_goes_depth_steps_either_way(instances: nx.MultiDiGraph) -> None:
    assert set(neighbourhood(instances, [BLACKTECH], 0)) == {BLACKTECH}
    first = neighbourhood(instances, [BLACKTECH], 1)
    assert set(first) == {BLACKTECH, CHINA, TECHNIQUE, ADVISORY_2023}
    assert relations(first) == {relation for relation in RELATIONS if {relation[0], relation[2]} <= set(first)}
    assert set(neighbourhood(instances, [BLACKTECH], 2)) == set(first) | {NPA, NISC, FBI, INCIDENT}
    assert first.graph["focus"] == [BLACKTECH] and first.graph["depth"] == 1
    assert "focus" not in instances.graph  # the input is left as it was
    with pytest.raises(InputError, match="depth must be 0 or more"):
        neighbourhood(instances, [BLACKTECH], -1)


def test_only_classes_keeps_subclasses_and_accepts_labels(instances: nx.MultiDiGraph) -> None:
    chosen = only_classes(instances, ["ThreatActor", "kg:Advisory"])
    assert set(chosen) == {BLACKTECH, HOSTILE, ADVISORY_2023, ADVISORY_2021, ADVISORY_NPA}
    assert chosen.graph["types"] == ["Advisory", "ThreatActor"]
    by_label = only_classes(instances, ["public attribution", "国・地域"], keep=[NPA])
    assert set(by_label) == {ADVISORY_2023, CHINA, USA, NPA}
    with pytest.raises(InputError, match=r"^no class 'Actor' in this graph; classes: Advisory, Country, CriminalGroup"):
        only_classes(instances, ["Actor"])
    with pytest.raises(InputError, match="name at least one class"):
        only_classes(instances, ["", " "])


def test_from_report_keeps_its_facts_and_what_they_involve(instances: nx.MultiDiGraph) -> None:
    earlier = from_report(instances, "2021")
    assert set(earlier) == {ADVISORY_2021, NPA, NISC}
    assert earlier.graph["report"] == "2021"
    later = from_report(instances, "kgr:report-r5-2023")
    assert ADVISORY_2021 not in later and {ADVISORY_2023, ADVISORY_NPA, MEASURE, INCIDENT, FBI} <= set(later)
    assert set(from_report(instances, "r5-2023")) == set(later)
    with pytest.raises(InputError, match=r"^no report '2022'; the graph has: 2021 \(kgr:report-r3-2021\), 2023"):
        from_report(instances, "2022")


def test_co_issuance_links_agencies_by_joint_issues(instances: nx.MultiDiGraph) -> None:
    co = co_issuance_graph(instances)
    assert set(co) == {NPA, NISC, FBI}
    weights = {frozenset((first, second)): data["weight"] for first, second, data in co.edges(data=True)}
    assert weights == {frozenset((NPA, NISC)): 2, frozenset((NPA, FBI)): 1, frozenset((NISC, FBI)): 1}
    assert co.edges[NPA, NISC]["advisories"] == [ADVISORY_2021, ADVISORY_2023]  # in date order
    assert co.nodes[NPA]["advisories"] == [ADVISORY_2021, ADVISORY_NPA, ADVISORY_2023]
    assert co.nodes[NPA]["label_ja"] == "警察庁" and co.graph["colour_by"] == "type"
    assert co.graph["advisories"][ADVISORY_NPA]["date"] == "2023-05"


def test_view_graph_composes_report_co_issuance_types_and_focus(small: kg.KnowledgeGraph) -> None:
    co_2023 = view_graph(small, report="2023", co_issuance=True)
    assert co_2023.edges[NPA, NISC]["weight"] == 1
    assert set(view_graph(small, co_issuance=True, focus="FBI", depth=1)) == {FBI, NPA, NISC}
    focused = view_graph(small, focus="BlackTech", depth=1, types=["Advisory"])
    assert set(focused) == {BLACKTECH, ADVISORY_2023}  # the focus stays whatever its class


def test_communities_are_connected_and_cover_the_graph(instances: nx.MultiDiGraph) -> None:
    groups = communities(instances)
    assert set().union(*groups) == set(instances)
    assert sum(len(group) for group in groups) == instances.number_of_nodes()
    undirected = instances.to_undirected()
    assert all(nx.is_connected(undirected.subgraph(group)) for group in groups)
    assert groups == communities(instances)  # seeded: the same every run


# --- the real graph, and a remote endpoint ----------------------------------------------


@pytest.fixture(scope="module")
def fixture_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_fixture_project(tmp_path_factory.mktemp("viz-project"))


@pytest.fixture(scope="module")
def remote_fixture(oxigraph_server: OxigraphServer, fixture_env: dict[str, str]) -> Iterator[kg.KnowledgeGraph]:
    graph = "https://w3id.org/npa-cyber-kg/test/viz"
    push(f"{oxigraph_server.url}/store", graph=graph, store=fixture_env["KG_STORE"])
    with kg.open_graph(endpoint=f"{oxigraph_server.url}/query", graph=graph) as opened:
        yield opened


def test_a_remote_endpoint_gives_the_same_graph(remote_fixture: kg.KnowledgeGraph, fixture_env: dict[str, str]) -> None:
    with kg.open_graph(fixture_env["KG_STORE"]) as local:
        expected = instance_graph(local)
    found = instance_graph(remote_fixture)
    assert dict(found.nodes(data=True)) == dict(expected.nodes(data=True))
    assert sorted(found.edges(keys=True, data=True)) == sorted(expected.edges(keys=True, data=True))
    assert found.graph == expected.graph
    assert relations(found) == RELATIONS


def test_real_graph_things_and_relations(graph: kg.KnowledgeGraph, built: BuildReport) -> None:
    real = instance_graph(graph)
    assert real.number_of_nodes() > 100
    assert all(node.startswith(KGR) for node in real)
    assert all(data["label_en"] and data["label_ja"] and data["kind"] for _, data in real.nodes(data=True))
    drawn = {key for _, _, key in real.edges(keys=True)}
    assert not drawn & {
        KG + "issued",
        KG + "implemented",
        KG + "usedBy",
        KG + "targetedBy",
        KG + "participatedIn",
        KG + "reportedIn",
        KG + "mentionedIn",
        RDF + "type",
        RDFS + "subClassOf",
    }


def test_real_graph_finds_the_entities_the_issue_names(graph: kg.KnowledgeGraph) -> None:
    real = instance_graph(graph)
    assert find_nodes(real, "BlackTech") == [BLACKTECH]
    assert find_nodes(real, "警察庁") == [NPA]
    assert KGR + "actor-lockbit" in find_nodes(real, "LockBit")


def test_real_graph_blacktech_advisory_issuers_all_co_issued(graph: kg.KnowledgeGraph) -> None:
    real = instance_graph(graph)
    issuers = sorted(target for _, target, key in real.out_edges(ADVISORY_2023, keys=True) if key == KG + "issuedBy")
    assert {NPA, NISC, KGR + "org-fbi", KGR + "org-nsa", KGR + "org-cisa"} <= set(issuers)
    co = co_issuance_graph(real)
    assert all(
        ADVISORY_2023 in co.edges[first, second]["advisories"]
        for index, first in enumerate(issuers)
        for second in issuers[index + 1 :]
    )


# --- views cut in SPARQL ------------------------------------------------------------------


def test_views_cut_in_sparql_match_the_networkx_cut(small: kg.KnowledgeGraph, instances: nx.MultiDiGraph) -> None:
    """The SPARQL cut and the same cut of the whole instance graph give the same nodes and edges."""
    for options, expected in [
        ({"focus": "BlackTech", "depth": 2}, neighbourhood(instances, [BLACKTECH], 2)),
        ({"types": ["ThreatActor", "Advisory"]}, only_classes(instances, ["ThreatActor", "Advisory"])),
        ({"report": "2021"}, from_report(instances, "2021")),
    ]:
        cut = view_graph(small, **options)
        assert set(cut) == set(expected), options
        assert relations(cut) == relations(expected), options
        assert all(cut.nodes[node] == expected.nodes[node] for node in cut), options


def test_co_issuance_cut_matches_the_whole_conversion(small: kg.KnowledgeGraph, instances: nx.MultiDiGraph) -> None:
    """The co-issuance view reads its advisories briefly (labels, date, issuers), yet says the same."""
    cut, whole = view_graph(small, co_issuance=True), co_issuance_graph(instances)

    def joint(graph: nx.Graph) -> set[tuple[frozenset[str], int, tuple[str, ...]]]:
        return {(frozenset((a, b)), data["weight"], tuple(data["advisories"])) for a, b, data in graph.edges(data=True)}

    assert set(cut) == set(whole) and joint(cut) == joint(whole)
    assert cut.graph["advisories"] == whole.graph["advisories"]
    assert all(cut.nodes[node] == whole.nodes[node] for node in cut)


def test_focus_accepts_attack_and_cve_ids(graph: kg.KnowledgeGraph) -> None:
    assert view_graph(graph, focus="G0098", depth=0).graph["focus"] == [BLACKTECH]
    assert view_graph(graph, focus="cve-2023-27997", depth=0).graph["focus"] == [KGR + "vuln-cve-2023-27997"]


def test_real_focus_does_not_run_through_hubs_unless_asked(graph: kg.KnowledgeGraph) -> None:
    japan = KGR + "country-jp"
    focused = view_graph(graph, focus="BlackTech", depth=2)
    assert japan in focused.graph["hubs"] and focused.number_of_nodes() < 30
    # nothing is there only because it is linked to Japan: every node but Japan has another link
    undirected = focused.to_undirected()
    assert all(any(other != japan for other in undirected.neighbors(node)) for node in focused if node != japan)
    through = view_graph(graph, focus="BlackTech", depth=2, through_hubs=True)
    assert through.number_of_nodes() > 3 * focused.number_of_nodes() and not through.graph["hubs"]
    # one step further the NPA is met before the last step: linked to more than 25 things, it is a hub
    deeper = view_graph(graph, focus="BlackTech", depth=3)
    assert NPA in deeper.graph["hubs"] and deeper.number_of_nodes() < 40
    capped = view_graph(graph, focus="BlackTech", depth=3, degree_cap=1000)  # only the kinds are hubs now
    assert NPA not in capped.graph["hubs"] and capped.number_of_nodes() > deeper.number_of_nodes() + 30


def test_real_overview_is_the_threat_picture_and_every_label_is_a_name(graph: kg.KnowledgeGraph) -> None:
    overview = view_graph(graph)
    kinds = {kind for _, kind in overview.nodes(data="kind")}
    assert {"ThreatActor", "Malware", "Advisory", "Organisation", "Incident", "Measure", "Arrest"} <= kinds
    assert not kinds & {"Observation", "StatisticalSeries", "Category", "SourcePart", "Report"}
    everything = view_graph(graph, statistics=True)
    assert "Observation" in {kind for _, kind in everything.nodes(data="kind")}
    for view in (overview, everything):
        for node, data in view.nodes(data=True):
            for lang in ("en", "ja"):
                text = data[f"label_{lang}"]
                assert text and not text.startswith(("kgr:", "http://", "https://", "<")), (node, text)
    observation = everything.nodes[KGR + "r5-obs-ib-fraud-losses-2023"]
    assert observation["label_ja"] == "インターネットバンキングに係る不正送金事犯の被害額 2023: 約87億3,130万円"
    assert observation["label_en"].endswith(" 2023: about 8.7313 billion yen"), observation["label_en"]


def test_a_view_too_big_for_a_page_says_so_and_shows_a_sample(graph: kg.KnowledgeGraph) -> None:
    sample = view_graph(graph, max_nodes=60)
    assert sample.number_of_nodes() <= 60
    whole = view_graph(graph).number_of_nodes()
    assert sample.graph["truncated"] == {"shown": sample.number_of_nodes(), "total": whole}
    assert len({kind for _, kind in sample.nodes(data="kind")}) >= 10  # every class has its share
    with pytest.raises(InputError, match="the most nodes to draw must be 1 or more"):
        view_graph(graph, max_nodes=0)
