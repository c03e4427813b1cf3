"""The HTML views in a real headless Chromium (Debian's, driven by Playwright), opened from disk
with every non-file request blocked and recorded: no console error, no request attempted, the
expected nodes in the vis network, hostile labels shown as inert text, search and class filter
working, a screenshot of each view in tests/artifacts/ (git-ignored) for inspection. Also the
page as a file (self-contained, CSP hashes right), atomic writing, and the `kg viz` command.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import time
from collections import Counter
from html import unescape
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import kg
from kg.errors import InputError
from kg.namespaces import KG, KGR, RDF, RDFS
from kg.viz.network import view_graph
from kg.viz.render import page_title, render_html, to_pyvis, write_html
from tests.browser import HOSTILE_LABELS, kg_in, opened, screenshot
from tests.helpers import SHIPPED
from tests.viz_data import (
    ADVISORY_2023,
    BLACKTECH,
    HOSTILE,
    NISC,
    NPA,
    build_fixture_project,
    fixture_graph,
)

# name: (view_graph options, language, nodes expected in the page)
VIEWS: dict[str, tuple[dict[str, Any], str, int]] = {
    "overview": ({}, "en", 13),
    "overview-ja": ({}, "ja", 13),
    "focus-blacktech-ja": ({"focus": "ブラックテック", "depth": 1}, "ja", 4),
    "types": ({"types": ["ThreatActor", "Advisory", "Organisation"]}, "en", 8),
    "report-2021": ({"report": "2021"}, "en", 3),
    "co-issuance": ({"co_issuance": True}, "en", 3),
    "sources": ({"sources": True}, "en", 18),
}


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[nx.Graph, Path]]:
    """Each view of the test graph, as a graph and as a page written to a folder of the module's own."""
    folder = tmp_path_factory.mktemp("views")
    graph = fixture_graph()
    written = {}
    for name, (options, lang, _) in VIEWS.items():
        view = view_graph(graph, **options)
        written[name] = (view, write_html(view, folder / f"{name}.html", lang=lang))
    return written


def test_the_checks_see_requests_and_console_errors(browser: Any, tmp_path: Path) -> None:
    """The harness itself: a page that reaches out and logs an error is caught doing both."""
    page_file = tmp_path / "leaky.html"
    page_file.write_text(
        '<!DOCTYPE html><html><body><img src="https://cdn.example.org/x.png">'
        '<script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    with opened(browser, page_file, ready=False) as page:
        page.page.wait_for_load_state("load")
        problems = page.problems()
    assert problems["requests"] == ["https://cdn.example.org/x.png"]
    assert "error: boom" in problems["errors"]


def test_pyvis_own_template_would_go_online(
    browser: Any, views: dict[str, tuple[nx.Graph, Path]], tmp_path: Path
) -> None:
    """Why the views use a template of their own: pyvis's, even with inline resources, loads
    Bootstrap from a CDN."""
    network = to_pyvis(views["co-issuance"][0])
    page_file = tmp_path / "pyvis.html"
    page_file.write_text(network.generate_html(str(page_file)), encoding="utf-8")
    with opened(browser, page_file, ready=False) as page:
        page.page.wait_for_load_state("load")
        requests = page.problems()["requests"]
    assert any(url.startswith("https://cdn.jsdelivr.net/npm/bootstrap") for url in requests)


@pytest.mark.parametrize("name", list(VIEWS))
def test_view_opens_offline_with_every_node(browser: Any, views: dict[str, tuple[nx.Graph, Path]], name: str) -> None:
    view, path = views[name]
    _, lang, expected = VIEWS[name]
    assert view.number_of_nodes() == expected
    with opened(browser, path) as page:
        assert page.evaluate("() => Object.keys(kgView.network.getPositions()).length") == expected
        assert page.evaluate("() => kgView.edges.length") == view.number_of_edges()  # no parallel edges here
        assert page.evaluate("() => kgView.ready && (kgView.stabilised || !kgView.network.physics.options.enabled)")
        assert page.page.title() == page_title(view, lang)
        shot = screenshot(page, name)
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_hostile_labels_are_shown_as_text_and_run_nothing(
    browser: Any, views: dict[str, tuple[nx.Graph, Path]], lang: str
) -> None:
    _, path = views["overview" if lang == "en" else "overview-ja"]
    payload = HOSTILE_LABELS[lang]
    html = path.read_text(encoding="utf-8")
    assert payload not in html and "<svg onload" not in html and "<iframe srcdoc" not in html
    with opened(browser, path) as page:
        assert page.evaluate("(id) => kgView.nodes.get(id).label", HOSTILE) == payload
        # hover the node: vis-network shows its tooltip
        x, y = page.evaluate(
            """(id) => {
            const position = kgView.network.canvasToDOM(kgView.network.getPositions([id])[id]);
            const box = document.getElementById('kg-network').getBoundingClientRect();
            return [position.x + box.left, position.y + box.top];
        }""",
            HOSTILE,
        )
        page.page.mouse.move(x, y)
        tooltip = page.page.wait_for_selector("div.vis-tooltip", state="visible", timeout=10_000)
        assert payload in tooltip.inner_text()
        # plain text: its only elements are the line breaks innerText makes of "\n"
        assert tooltip.evaluate("(element) => [...element.children].map((child) => child.tagName)") == [
            "BR"
        ] * tooltip.evaluate("(element) => element.innerText.split('\\n').length - 1")
        # find it with the search box: the details panel shows it as text
        page.page.fill("#kg-search", payload)
        page.page.press("#kg-search", "Enter")
        assert page.page.text_content("#kg-search-status") == ("1 found" if lang == "en" else "1件")
        assert page.evaluate("() => kgView.network.getSelectedNodes()") == [HOSTILE]
        assert payload in page.page.text_content("#kg-details")
        assert page.evaluate("() => document.getElementById('kg-details').children.length") == 0
        assert page.evaluate("() => document.querySelectorAll('img, svg, iframe, object, embed').length") == 0
        assert page.evaluate("() => window.__xss === undefined")
        screenshot(page, f"hostile-{lang}")
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}


def test_search_box_and_class_filter(browser: Any, views: dict[str, tuple[nx.Graph, Path]]) -> None:
    _, path = views["overview"]
    with opened(browser, path) as page:

        def search(text: str) -> tuple[str | None, list[str]]:
            page.page.fill("#kg-search", text)
            page.page.click("#kg-search-form button")
            return page.page.text_content("#kg-search-status"), page.evaluate("() => kgView.network.getSelectedNodes()")

        assert search("ブラックテック") == ("1 found", [BLACKTECH])  # an alias
        assert search("ＮＡＴＩＯＮＡＬ") == ("2 found", [NISC, NPA])  # part of two labels, any width or case
        assert page.page.text_content("#kg-status") == "13 of 13 nodes, 13 edges"
        page.page.uncheck("#kg-classes input[value=Advisory]")
        assert page.evaluate("() => kgView.nodes.get({filter: (node) => node.hidden}).length") == 3
        assert page.page.text_content("#kg-status") == "10 of 13 nodes, 6 edges"
        assert search("Joint advisory on BlackTech (2023-09-27)") == ("no shown node has that label", [])
        page.page.check("#kg-classes input[value=Advisory]")
        assert search("Joint advisory on BlackTech (2023-09-27)") == ("1 found", [ADVISORY_2023])
        page.page.click("#kg-none")
        assert page.page.text_content("#kg-status") == "0 of 13 nodes, 0 edges"
        page.page.click("#kg-all")
        assert page.page.text_content("#kg-status") == "13 of 13 nodes, 13 edges"
        legend = page.evaluate("() => [...document.querySelectorAll('#kg-classes label')].map((l) => l.textContent)")
        assert legend[:2] == ["advisory (3)", "organisation (3)"] and len(legend) == 7
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}


# --- 5,000 nodes --------------------------------------------------------------------------


def synthetic_graph(tmp_path: Path, nodes: int = 5000, edges: int = 15000) -> kg.KnowledgeGraph:
    """A made-up graph of ``nodes`` things in clusters of 50 (most links inside a cluster, as
    in the real graph) with ``edges`` distinct relations, over the real ontology, inferred."""
    classes = ["ThreatActor", "Technique", "GovernmentAgency", "Incident", "Advisory", "Measure", "Sector", "Malware"]
    relations = ["targets", "uses", "addresses", "partner"]
    chance = random.Random(1)
    lines = []
    for number in range(nodes):
        thing = f"<{KGR}synthetic-{number}>"
        lines += [
            f"{thing} <{RDF}type> <{KG}{classes[number % len(classes)]}> .",
            f'{thing} <{RDFS}label> "synthetic {number}"@en .',
            f'{thing} <{RDFS}label> "合成{number}"@ja .',
        ]
    links: set[tuple[int, str, int]] = set()
    while len(links) < edges:
        first = chance.randrange(nodes)
        second = first // 50 * 50 + chance.randrange(50) if chance.random() < 0.8 else chance.randrange(nodes)
        if first != second:
            links.add((first, chance.choice(relations), second))
    lines += [
        f"<{KGR}synthetic-{first}> <{KG}{relation}> <{KGR}synthetic-{second}> ." for first, relation, second in links
    ]
    synthetic = tmp_path / "synthetic.ttl"  # N-Triples, which is Turtle too
    synthetic.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return kg.load([*SHIPPED.modules, synthetic])


def test_five_thousand_nodes_become_interactive(
    browser: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    graph = synthetic_graph(tmp_path)
    started = time.perf_counter()
    view = view_graph(graph, max_nodes=5000)  # above the default bound: the page can hold it
    converted = time.perf_counter() - started
    assert (view.number_of_nodes(), view.number_of_edges()) == (5000, 15000)
    started = time.perf_counter()
    path = write_html(view, tmp_path / "big.html")
    written = time.perf_counter() - started
    started = time.perf_counter()
    with opened(browser, path) as page:
        loaded = time.perf_counter() - started
        assert page.evaluate("() => Object.keys(kgView.network.getPositions()).length") == 5000
        # interactive: laid out, physics off, and a search selects and centres a node at once
        assert page.evaluate("() => kgView.ready && !kgView.network.physics.options.enabled")
        in_page = page.evaluate("() => kgView.seconds")
        search_ms = page.evaluate("""() => {
            const started = performance.now();
            const found = kgView.find('synthetic 4999');
            kgView.network.redraw();
            return [found, performance.now() - started];
        }""")
        assert search_ms[0] == [f"{KGR}synthetic-4999"]
        screenshot(page, "5000-nodes")
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}
    with capsys.disabled():
        print(
            f"\n  5,000 nodes / 15,000 edges: conversion {converted:.1f} s, page written in {written:.1f} s "
            f"({path.stat().st_size / 1e6:.1f} MB); interactive {in_page:.1f} s after the script started, "
            f"{loaded:.1f} s after navigation; search + redraw {search_ms[1]:.0f} ms "
            f"(target: interactive within a few seconds)"
        )


# --- the page as a file ----------------------------------------------------------------------


def test_page_is_self_contained_and_its_policy_allows_only_its_own_scripts(
    views: dict[str, tuple[nx.Graph, Path]],
) -> None:
    html = views["overview"][1].read_text(encoding="utf-8")
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "@import" not in html
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert found is not None
    policy = unescape(found[1])
    assert "default-src 'none'" in policy and "unsafe" not in policy.split("style-src")[0]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 2  # vis-network and the page's own; the data is JSON, not script
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" for script in scripts}
    assert set(re.findall(r"'sha256-[^']+'", policy)) == hashes


def test_write_html_is_atomic(tmp_path: Path) -> None:
    graph = view_graph(fixture_graph(), co_issuance=True)
    target = write_html(graph, tmp_path / "new" / "folder" / "view.html")
    assert [path.name for path in target.parent.iterdir()] == ["view.html"]
    before = target.read_bytes()
    with pytest.raises(InputError, match="language 'fr'"):
        write_html(graph, target, lang="fr")
    assert target.read_bytes() == before and [path.name for path in target.parent.iterdir()] == ["view.html"]
    occupied = tmp_path / "occupied.html"
    occupied.mkdir()
    with pytest.raises(InputError, match=r"occupied\.html: is a folder: name a file to write"):
        write_html(graph, occupied)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new", "occupied.html"] and occupied.is_dir()


def test_rendering_is_reproducible() -> None:
    graph = view_graph(fixture_graph())
    assert render_html(graph) == render_html(graph)


# --- the command ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return build_fixture_project(tmp_path_factory.mktemp("viz-cli"))


def test_kg_viz_writes_the_views_the_makefile_asks_for(
    browser: Any, tmp_path: Path, fixture_env: dict[str, str]
) -> None:
    overview = kg_in(tmp_path, "viz", "--output", "views/overview.html", env=fixture_env)
    assert overview.returncode == 0, overview.stderr
    assert re.fullmatch(r"wrote views/overview\.html: 13 nodes, 13 edges \(\d+\.\ds\)\n", overview.stdout)
    co = kg_in(tmp_path, "viz", "--co-issuance", "--output", "views/co-issuance.html", env=fixture_env)
    assert co.returncode == 0 and co.stdout.startswith("wrote views/co-issuance.html: 3 nodes, 3 edges"), co.stderr
    for name, expected in (("overview", 13), ("co-issuance", 3)):
        with opened(browser, tmp_path / "views" / f"{name}.html") as page:
            assert page.evaluate("() => Object.keys(kgView.network.getPositions()).length") == expected
            assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}


def test_kg_viz_names_the_file_after_the_view(tmp_path: Path, fixture_env: dict[str, str]) -> None:
    result = kg_in(
        tmp_path,
        "viz",
        "--focus",
        "警察庁",
        "--depth",
        "1",
        "--lang",
        "ja",
        "--report",
        "2023",
        "--types",
        "Advisory,Organisation",
        env=fixture_env,
    )
    assert result.returncode == 0, result.stderr
    page = tmp_path / "views" / "focus-org-npa-2023.html"
    # NPA and the two 2023 advisories it issued; the 2021 one is from the other report
    assert result.stdout.startswith(f"wrote {page.relative_to(tmp_path)}: 3 nodes, 2 edges")
    assert "<title>警察庁の周辺（1段階）（注意喚起、組織）（2023年の報告）</title>" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--focus", "Lazarus"], "nothing is labelled 'Lazarus' in English or Japanese, nor has it as an alias"),
        (["--types", "Actor"], "no class 'Actor' in this graph; classes: Advisory, Country"),
        (["--report", "2022"], "no report '2022'; the graph has: 2021 (kgr:report-r3-2021), 2023 (kgr:report-r5-2023)"),
        (["--depth", "2"], "--depth needs --focus"),
        (["--focus", "BlackTech", "--depth", "-1"], "the depth must be 0 or more, not -1"),
        (["--through-hubs"], "--through-hubs needs --focus"),
        (["--focus", "BlackTech", "--degree-cap", "0"], "the degree cap must be 1 or more, not 0"),
        (["--max-nodes", "0"], "the most nodes to draw must be 1 or more, not 0"),
    ],
)
def test_kg_viz_errors_are_one_line_and_write_nothing(
    tmp_path: Path, fixture_env: dict[str, str], arguments: list[str], message: str
) -> None:
    result = kg_in(tmp_path, "viz", *arguments, env=fixture_env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"kg viz: error: {message}") and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


# --- the focus view of the real graph ------------------------------------------------------


def test_focus_is_centred_selected_and_legible(browser: Any, graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    """The issue's example: BlackTech at depth 2 on the real graph, at 1400x900."""
    view = view_graph(graph, focus="BlackTech", depth=2)
    path = write_html(view, tmp_path / "focus-blacktech.html")
    with opened(browser, path) as page:
        assert page.evaluate("() => kgView.network.getSelectedNodes()") == [BLACKTECH]
        box = page.evaluate(
            """(id) => {
            const position = kgView.network.canvasToDOM(kgView.network.getPositions([id])[id]);
            const area = document.getElementById('kg-network').getBoundingClientRect();
            return {x: position.x, y: position.y, width: area.width, height: area.height,
                    scale: kgView.network.getScale()};
        }""",
            BLACKTECH,
        )
        # in view, and near the middle of the drawing
        assert 0.3 * box["width"] < box["x"] < 0.7 * box["width"], box
        assert 0.3 * box["height"] < box["y"] < 0.7 * box["height"], box
        # legible: a 14 px label is drawn at 10 px or more
        assert box["scale"] >= 0.75, box
        # every node of the view is drawn inside the window at that scale
        outside = page.evaluate("""() => {
            const area = document.getElementById('kg-network').getBoundingClientRect();
            return Object.entries(kgView.network.getPositions()).filter(([id, p]) => {
                const d = kgView.network.canvasToDOM(p);
                return d.x < 0 || d.y < 0 || d.x > area.width || d.y > area.height;
            }).length;
        }""")
        assert outside <= view.number_of_nodes() // 4
        assert "BlackTech" in page.page.text_content("#kg-details")
        legend = page.page.text_content("#kg-reading")
        assert "Node size" in legend and "hub" in legend
        screenshot(page, "focus-blacktech-real")
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}


def test_co_issuance_legend_explains_edge_width(browser: Any, views: dict[str, tuple[nx.Graph, Path]]) -> None:
    with opened(browser, views["co-issuance"][1]) as page:
        legend = page.page.text_content("#kg-reading")
        assert "Edge width and number: advisories and attributions the two agencies issued together" in legend
        widths = page.evaluate("() => kgView.edges.get().map((edge) => [edge.value, edge.label])")
        assert all(str(value) == label for value, label in widths) and max(value for value, _ in widths) == 2


def test_class_colours_and_shapes_tell_every_kind_apart() -> None:
    from kg.viz.render import STYLES

    kinds = [
        "ThreatActor",
        "Malware",
        "Tool",
        "Technique",
        "Vulnerability",
        "Product",
        "Organisation",
        "Country",
        "Sector",
        "PartyType",
        "Advisory",
        "Countermeasure",
        "Measure",
        "MeasureKind",
        "Incident",
        "Event",
        "Operation",
        "Arrest",
        "Offender",
        "Law",
    ]
    assert len({STYLES[kind] for kind in kinds}) == len(kinds)

    def rgb(colour: str) -> tuple[int, int, int]:
        return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)

    # two kinds with near colours (as a deuteranope might see them) never share a shape
    for index, first in enumerate(kinds):
        for second in kinds[index + 1 :]:
            (c1, s1), (c2, s2) = STYLES[first], STYLES[second]
            near = sum(abs(a - b) for a, b in zip(rgb(c1), rgb(c2), strict=True)) < 120
            assert not (near and s1 == s2), (first, second)


def test_kg_viz_says_when_a_view_is_too_big_and_draws_a_sample(tmp_path: Path, fixture_env: dict[str, str]) -> None:
    result = kg_in(tmp_path, "viz", "--max-nodes", "5", "--output", "small.html", env=fixture_env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("kg viz: the view is bigger than a page can draw: showing 5 of 13 things")
    assert result.stdout.startswith("wrote small.html: 5 nodes")
    assert "Showing 5 of 13 things: a sample of each class" in (tmp_path / "small.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def generated_graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    """The benchmark's generated graph of about 20,000 triples (the shipped graph included)."""
    from bench.generate import generate

    from kg.build import Sources
    from kg.paths import project_home

    folder = tmp_path_factory.mktemp("generated")
    generate(20_000, folder, include=project_home() / "graph")
    return kg.load(Sources.of(project_home(), graph=folder / "graph").files)


def test_an_overview_too_big_to_draw_is_bounded_and_aggregates_the_rest(
    browser: Any, generated_graph: kg.KnowledgeGraph, tmp_path: Path
) -> None:
    view = view_graph(generated_graph, max_nodes=300)
    truncated, clusters = view.graph["truncated"], view.graph["clusters"]
    assert view.number_of_nodes() <= 300 and truncated == {"shown": view.number_of_nodes(), "total": truncated["total"]}
    assert truncated["total"] > 2 * 300
    # every thing left out is counted in one aggregated node of its class, biggest first
    assert view.number_of_nodes() + sum(cluster["count"] for cluster in clusters) == truncated["total"]
    counts = [cluster["count"] for cluster in clusters]
    assert counts == sorted(counts, reverse=True)
    # a fair share of each class: the classes cut short got at least as many as any drawn whole
    drawn_of = Counter(kind for _, kind in view.nodes(data="kind"))
    cut_short = {cluster["class"] for cluster in clusters}
    whole = set(drawn_of) - cut_short
    assert whole and cut_short <= set(drawn_of)
    assert min(drawn_of[kind] for kind in cut_short) >= max(drawn_of[kind] for kind in whole)
    path = write_html(view, tmp_path / "bounded-overview.html")
    with opened(browser, path) as page:
        drawn = page.evaluate("() => kgView.nodes.get().map(node => [node.id, node.label, node.cluster || 0])")
        assert len(drawn) == view.number_of_nodes() + len(clusters)
        biggest = clusters[0]
        assert [f"kg-cluster:{biggest['class']}", f"+{biggest['count']:,} more: ", biggest["count"]] == [
            drawn[-len(clusters)][0],
            drawn[-len(clusters)][1][: len(f"+{biggest['count']:,} more: ")],
            drawn[-len(clusters)][2],
        ]
        notice = page.evaluate("() => document.getElementById('kg-notice').textContent")
        assert notice.startswith(f"Showing {view.number_of_nodes():,} of {truncated['total']:,} things")
        status = page.evaluate("() => document.getElementById('kg-status').textContent")
        shown = view.number_of_nodes()
        assert status.startswith(f"{shown} of {shown} nodes")  # the aggregated nodes are not things
        screenshot(page, "bounded-overview")
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}


def test_a_focus_cut_short_and_a_bounded_report_count_what_they_leave_out(generated_graph: kg.KnowledgeGraph) -> None:
    focus = view_graph(generated_graph, focus="kgr:org-npa", depth=1, max_nodes=40)
    assert focus.number_of_nodes() == 40 and focus.graph["truncated"] == {"shown": 40, "total": None}
    everything = view_graph(generated_graph, focus="kgr:org-npa", depth=1, max_nodes=10**6)
    assert sum(cluster["count"] for cluster in focus.graph["clusters"]) == everything.number_of_nodes() - 40
    report = view_graph(generated_graph, report="2021", max_nodes=50)
    whole = view_graph(generated_graph, report="2021", max_nodes=10**6)
    assert report.number_of_nodes() <= 50 and report.graph["truncated"]["total"] == whole.number_of_nodes()
    assert report.number_of_nodes() + sum(c["count"] for c in report.graph["clusters"]) == whole.number_of_nodes()
    assert set(report) <= set(whole)
    # classes within a report: the share is taken of what the report has of them, not before
    chosen = {"types": ["Advisory", "Organisation"], "report": "2021"}
    both, sample = (
        view_graph(generated_graph, **chosen, max_nodes=10**6),
        view_graph(generated_graph, **chosen, max_nodes=20),
    )
    assert both.number_of_nodes() > 20 and sample.graph["truncated"]["total"] == both.number_of_nodes()
    assert sample.number_of_nodes() == 20 and set(sample) <= set(both)


def _report_by_definition(graph: kg.KnowledgeGraph, report: str, *, statistics: bool) -> set[str]:
    """A report's things as :func:`kg.viz.cut.report_nodes` defines them, worked out in Python
    from every triple: its facts (derived from its sections and figures; statistics only with
    ``statistics``), and what they are linked to, either way, that is lasting or derived from
    no report."""
    from kg.namespaces import DCTERMS, PROV
    from kg.viz.cut import STATISTICS_KINDS
    from kg.viz.network import LASTING_KINDS

    triples = [(row["s"], row["p"]["value"], row["o"]) for row in graph.store.execute("SELECT * { ?s ?p ?o }").bindings]
    types: dict[str, set[str]] = {}
    derived_from: dict[str, set[str]] = {}
    in_report: dict[str, str] = {}
    for subject, predicate, value in triples:
        if predicate == RDF + "type":
            types.setdefault(subject["value"], set()).add(value["value"])
        elif predicate == PROV + "wasDerivedFrom":
            derived_from.setdefault(subject["value"], set()).add(value["value"])
        elif predicate == KG + "inReport":
            in_report[subject["value"]] = value["value"]
    left_out = set() if statistics else {KG + kind for kind in STATISTICS_KINDS}
    facts = {
        thing
        for thing, parts in derived_from.items()
        if thing.startswith(KGR)
        and any(in_report.get(part) == report for part in parts)
        and not types.get(thing, set()) & left_out
    }
    provenance = {RDF + "type", PROV + "wasDerivedFrom", KG + "inReport", KG + "reportedIn", KG + "mentionedIn"}
    provenance.add(DCTERMS + "isPartOf")
    linked = set()
    for subject, predicate, value in triples:
        if predicate in provenance or value["type"] != "uri" or subject["type"] != "uri":
            continue
        if subject["value"] in facts:
            linked.add(value["value"])
        if value["value"] in facts:
            linked.add(subject["value"])
    lasting = {KG + kind for kind in LASTING_KINDS}
    return facts | {
        thing
        for thing in linked
        if thing.startswith(KGR) and (types.get(thing, set()) & lasting or thing not in derived_from)
    }


def test_a_report_cut_is_what_its_definition_says(graph: kg.KnowledgeGraph, generated_graph: kg.KnowledgeGraph) -> None:
    """The report's cut in one query (its facts' links less what is derived and not lasting) gives
    the things the definition gives, on the shipped graph and on a generated one, every report."""
    from kg.viz import cut

    for source in (graph, generated_graph):
        for report in sorted(cut.reports(source.store)):
            for statistics in (False, True):
                expected = _report_by_definition(source, report, statistics=statistics)
                assert cut.report_nodes(source.store, report, statistics=statistics) == expected, report
                assert expected, report


# --- hostile labels in every kind of view ----------------------------------------------------

HOSTILE_EN = HOSTILE_LABELS["en"].replace('"', '\\"')  # as a Turtle string
#: An agency with markup for labels that co-issued an advisory (also markup) with the NPA, so
#: that the co-issuance view too has a hostile node, a hostile tooltip and a hostile edge title.
HOSTILE_CO_ISSUER = f"""
@prefix kg: <{KG}> .
@prefix kgr: <{KGR}> .
@prefix rdfs: <{RDFS}> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
kgr:org-hostile a kg:GovernmentAgency ;
    rdfs:label "{HOSTILE_EN}"@en , "{HOSTILE_LABELS["ja"]}"@ja .
kgr:advisory-hostile a kg:Advisory ;
    rdfs:label "{HOSTILE_EN}"@en , "{HOSTILE_LABELS["ja"]}"@ja ;
    dcterms:date "2023-06"^^xsd:gYearMonth ;
    kg:issuedBy kgr:org-hostile , kgr:org-npa ;
    prov:wasDerivedFrom kgr:r5-sec-p1-topic1 .
"""
# name: (view_graph options, language); each view holds a node labelled with the payload
HOSTILE_VIEWS: dict[str, tuple[dict[str, Any], str]] = {
    "focus": ({"focus": "kgr:actor-hostile", "depth": 1}, "en"),
    "types": ({"types": ["ThreatActor", "Organisation"]}, "ja"),
    "report": ({"report": "2023"}, "en"),
    "co-issuance": ({"co_issuance": True}, "ja"),
    "sources": ({"sources": True}, "en"),
}


@pytest.fixture(scope="module")
def hostile_graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    from kg.build import Sources
    from tests.viz_data import DATA, PROJECT

    extra = tmp_path_factory.mktemp("hostile") / "hostile-co-issuer.ttl"
    extra.write_text(HOSTILE_CO_ISSUER, encoding="utf-8")
    return kg.load([*Sources.of(PROJECT, graph=DATA).files, extra])


@pytest.mark.parametrize("name", list(HOSTILE_VIEWS))
def test_every_kind_of_view_shows_hostile_labels_as_text_and_runs_nothing(
    browser: Any, hostile_graph: kg.KnowledgeGraph, tmp_path: Path, name: str
) -> None:
    options, lang = HOSTILE_VIEWS[name]
    payload = HOSTILE_LABELS[lang]
    view = view_graph(hostile_graph, **options)
    hostile = sorted(node for node, data in view.nodes(data=True) if data[f"label_{lang}"] == payload)
    assert hostile, f"the {name} view has no hostile node to test"
    path = write_html(view, tmp_path / f"hostile-{name}.html", lang=lang)
    html = path.read_text(encoding="utf-8")
    assert payload not in html and "<svg onload" not in html and "<iframe srcdoc" not in html
    with opened(browser, path) as page:
        assert page.evaluate("() => Object.keys(kgView.network.getPositions()).length") == view.number_of_nodes()
        assert [page.evaluate("(id) => kgView.nodes.get(id).label", node) for node in hostile] == [payload] * len(
            hostile
        )
        page.page.fill("#kg-search", payload)
        page.page.press("#kg-search", "Enter")
        assert page.evaluate("() => kgView.network.getSelectedNodes()")[0] in hostile
        assert payload in page.page.text_content("#kg-details")
        assert page.evaluate("() => document.getElementById('kg-details').children.length") == 0
        assert page.evaluate("() => document.querySelectorAll('img, svg, iframe, object, embed').length") == 0
        assert page.evaluate("() => window.__xss === undefined")
        screenshot(page, f"hostile-{name}-{lang}")
        assert page.problems() == {"requests": [], "errors": [], "dialogs": [], "csp": []}
