"""``kg viz``: write an interactive HTML view of the graph that works offline."""

from __future__ import annotations

import argparse
from typing import Any

from kg.commands import add_store_options, open_from

EPILOG = """examples:
  kg viz --output views/overview.html              every thing in the graph, coloured by class
  kg viz --focus BlackTech --depth 2 --lang ja     the neighbourhood of one entity, Japanese labels
  kg viz --focus 警察庁 --types Advisory,Organisation
  kg viz --report 2021 --types ThreatActor,Advisory,Organisation
  kg viz --co-issuance --output views/co-issuance.html   agencies that issued advisories together

The page needs no network: open it from disk in any browser.
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "viz", help="write an interactive HTML view (overview, focus, types, report, co-issuance)",
        description="Write a self-contained HTML page that draws the graph: things as nodes coloured and shaped by "
        "class, relations as labelled edges, a legend that filters by class, a search box, and tooltips with both "
        "labels, type, key properties and the report section or figure each fact comes from.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="HTML file to write, atomically (default: views/<view>.html)")
    parser.add_argument("--focus", metavar="NAME_OR_IRI",
                        help="show the neighbourhood of this entity: a label or alias (English or Japanese) or IRI")
    parser.add_argument("--depth", type=int, metavar="N", help="with --focus: how many steps out to go (default 2)")
    parser.add_argument("--types", metavar="CLASS,...",
                        help="keep only things of these classes, e.g. ThreatActor,Advisory,Organisation")
    parser.add_argument("--report", metavar="YEAR", help="keep only facts from one report: 2021 or 2023")
    parser.add_argument("--co-issuance", action="store_true",
                        help="draw the agencies that issued advisories and attributions together instead")
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the labels (default en)")
    parser.add_argument("--sources", action="store_true",
                        help="draw report sections, figures and reports as nodes too (tooltips always cite them)")
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
    started = time.perf_counter()
    with open_from(arguments) as graph:
        view = view_graph(graph, focus=arguments.focus, depth=2 if arguments.depth is None else arguments.depth,
                          types=arguments.types.split(",") if arguments.types is not None else None,
                          report=arguments.report, co_issuance=arguments.co_issuance, sources=arguments.sources)
    output = arguments.output or default_output(view)
    written = write_html(view, output, lang=arguments.lang)
    print(f"wrote {written}: {view.number_of_nodes()} nodes, {view.number_of_edges()} edges "
          f"({time.perf_counter() - started:.1f}s)")
    return 0
