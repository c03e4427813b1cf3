"""``kg viz``: write an interactive HTML view of the graph that works offline."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kg.commands import HelpFormatter, add_store_options, open_from
from kg.commands.completion import class_names

EPILOG = """examples:
  kg viz --output views/overview.html              every thing in the graph, coloured by class
  kg viz --focus BlackTech --depth 2 --lang ja     the neighbourhood of one entity, Japanese labels
  kg viz --focus 警察庁 --types Advisory,Organisation
  kg viz --report 2021 --types ThreatActor,Advisory,Organisation
  kg viz --co-issuance --output views/co-issuance.html   agencies that issued advisories together
  kg viz --focus G0098 --depth 2 --through-hubs    an ATT&CK or CVE ID works too; expand through hubs
  kg viz --timeline --report 2023                   dated facts on a time axis

The page needs no network: open it from disk in any browser.
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "viz",
        help="write an interactive HTML view (overview, focus, types, report, co-issuance)",
        description="Write a self-contained HTML page that draws the graph: things as nodes coloured and shaped by "
        "class, relations as labelled edges, a legend that filters by class, a search box, and tooltips with both "
        "labels, type, key properties and the report section or figure each fact comes from.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="HTML file to write, atomically (default: views/<view>.html)"
    )
    parser.add_argument(
        "--focus",
        metavar="NAME_OR_IRI",
        help="show the neighbourhood of this entity: a label or alias (English or Japanese) or IRI",
    )
    parser.add_argument("--depth", type=int, metavar="N", help="with --focus: how many steps out to go (default 2)")
    types = parser.add_argument(
        "--types", metavar="CLASS,...", help="keep only things of these classes, e.g. ThreatActor,Advisory,Organisation"
    )
    types.completer = class_names  # argcomplete reads it
    parser.add_argument("--report", metavar="YEAR", help="keep only facts from one report: 2021 or 2023")
    parser.add_argument(
        "--co-issuance",
        action="store_true",
        help="draw the agencies that issued advisories and attributions together instead",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="draw the dated facts (advisories, attributions, incidents, arrests, measures, "
        "operations, events, report publications) on a time axis instead",
    )
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="draw statistical series, observations and categories too (left out by default)",
    )
    parser.add_argument(
        "--through-hubs",
        action="store_true",
        help="with --focus: expand through hubs (countries, sectors, things linked to many others) too",
    )
    parser.add_argument(
        "--degree-cap",
        type=int,
        metavar="N",
        help="with --focus: do not expand through things linked to more than N others (default 25)",
    )
    parser.add_argument(
        "--max-nodes",
        type=int,
        metavar="N",
        help="draw at most N things; a bigger view shows a share of each class and one aggregated node per class "
        "for the rest (default 1000)",
    )
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the labels (default en)")
    parser.add_argument(
        "--sources",
        action="store_true",
        help="draw report sections, figures and reports as nodes too (tooltips always cite them)",
    )
    add_store_options(parser)
    parser.set_defaults(run=run)


def default_output(view: Any) -> str:
    """Name the file after the view: ``views/overview.html``, ``views/co-issuance-2023.html``,
    ``views/focus-actor-blacktech.html``… (from the graph's IRIs and years, never from user text)."""
    from kg.results import compact_iri

    name = "co-issuance" if view.graph["view"] == "co-issuance" else "overview"
    if focus := view.graph.get("focus"):
        name = "focus-" + "-".join(slug(compact_iri(node).rpartition(":")[2]) for node in focus[:3])
    if year := view.graph.get("report"):
        name += f"-{slug(str(year))}"
    return f"views/{name}.html"


def slug(text: str, *, limit: int = 60) -> str:
    """Return ``text`` as a file-name slug: lowercase ASCII letters and digits joined by ``-``.

    Names made from data never leave their folder: no ``/``, no ``..``, no hidden file.

    >>> slug("../../../../outside"), slug("actor-blacktech"), slug("ブラックテック")
    ('outside', 'actor-blacktech', 'entity')
    """
    import re

    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-")
    return cleaned or "entity"


def run(arguments: argparse.Namespace) -> int:
    import time

    from kg.errors import InputError
    from kg.viz.network import view_graph
    from kg.viz.render import write_html

    if arguments.depth is not None and not arguments.focus:
        raise InputError("--depth needs --focus: it counts the steps out from the focused entity")
    for option in ("through_hubs", "degree_cap"):
        if getattr(arguments, option) not in (None, False) and not arguments.focus:
            raise InputError(f"--{option.replace('_', '-')} needs --focus: it says how far a focus expands")
    types = arguments.types.split(",") if arguments.types is not None else None
    started = time.perf_counter()
    if arguments.timeline:
        return _timeline(arguments, types, started)
    with open_from(arguments) as graph:
        view = view_graph(
            graph,
            focus=arguments.focus,
            depth=2 if arguments.depth is None else arguments.depth,
            types=types,
            report=arguments.report,
            co_issuance=arguments.co_issuance,
            sources=arguments.sources,
            statistics=arguments.statistics,
            through_hubs=arguments.through_hubs,
            degree_cap=arguments.degree_cap,
            max_nodes=arguments.max_nodes,
        )
    output = arguments.output or default_output(view)
    written = write_html(view, output, lang=arguments.lang)
    if truncated := view.graph.get("truncated"):
        total = f" of {truncated['total']:,}" if truncated.get("total") else ""
        print(
            f"kg viz: the view is bigger than a page can draw: showing {truncated['shown']:,}{total} things, "
            "a sample of each class; narrow it with --types, --report or --focus, or raise --max-nodes",
            file=sys.stderr,
        )
    print(
        f"wrote {written}: {view.number_of_nodes()} nodes, {view.number_of_edges()} edges "
        f"({time.perf_counter() - started:.1f}s)"
    )
    return 0


def _timeline(arguments: argparse.Namespace, types: list[str] | None, started: float) -> int:
    import time

    from kg.errors import InputError
    from kg.viz.timeline import timeline_facts, write_timeline

    for option in ("focus", "co_issuance", "sources", "statistics"):
        if getattr(arguments, option):
            raise InputError(
                f"--{option.replace('_', '-')} does not apply to --timeline; filter it with --report "
                "and --types, or in the page"
            )
    with open_from(arguments) as graph:
        facts = timeline_facts(graph, report=arguments.report, types=types)
    output = arguments.output or "views/timeline" + (f"-{facts.year}" if facts.year else "") + ".html"
    written = write_timeline(facts, output, lang=arguments.lang)
    if facts.total > len(facts.items):
        print(
            f"kg viz: the timeline is bigger than a page can draw: showing {len(facts.items):,} of "
            f"{facts.total:,} dated facts, a sample of each kind; narrow it with --report or --types",
            file=sys.stderr,
        )
    print(f"wrote {written}: {len(facts.items)} dated facts ({time.perf_counter() - started:.1f}s)")
    return 0
