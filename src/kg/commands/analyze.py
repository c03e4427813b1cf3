"""``kg analyze``: network analysis of the graph (centrality, communities, co-issuance)."""

from __future__ import annotations

import argparse
import sys

from kg.analyze import ANALYSES  # light: networkx is imported by the functions that need it
from kg.commands import HelpFormatter, add_store_options, open_from

TITLES = {
    "centrality": "Most central actors, agencies and techniques (degree, betweenness)",
    "communities": "Communities (Louvain, largest first)",
    "co-issuance": "Agencies that issued advisories together",
}

EPILOG = """examples:
  kg analyze                                 all three analyses as tables
  kg analyze co-issuance --format csv        the co-issuing pairs with counts, as CSV
  kg analyze centrality --top 5 --lang ja --report 2023
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "analyze",
        help="network analysis: central actors/agencies/techniques, communities, co-issuance",
        description="Analyse the graph of things and relations with networkx: the most central threat actors, "
        "agencies and techniques (degree and betweenness), its communities, and the pairs of agencies that issued "
        "advisories together, with counts.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "analyses", nargs="*", metavar="ANALYSIS", help=f"which analyses to run: {', '.join(ANALYSES)} (default: all)"
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=("table", "csv", "tsv"),
        default="table",
        help="output format (csv and tsv take one analysis)",
    )
    parser.add_argument(
        "--top", type=int, default=10, metavar="N", help="rows per group, or communities, to show (default 10)"
    )
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the labels (default en)")
    parser.add_argument("--report", metavar="YEAR", help="analyse only facts from one report: 2021 or 2023")
    add_store_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.analyze import analyze, frame_text
    from kg.errors import InputError

    chosen = arguments.analyses or list(ANALYSES)
    if arguments.format != "table" and len(set(chosen)) != 1:
        raise InputError(f"--format {arguments.format} holds one table: name one analysis ({', '.join(ANALYSES)})")
    with open_from(arguments) as graph:
        results = analyze(graph, analyses=chosen, lang=arguments.lang, top=arguments.top, report=arguments.report)
    if arguments.format != "table":
        sys.stdout.write(frame_text(next(iter(results.values())), arguments.format))
        return 0
    from kg.output import terminal_width

    width = terminal_width()
    blocks = [f"{TITLES[name]}\n\n{frame_text(frame, width=width)}" for name, frame in results.items()]
    sys.stdout.write("\n".join(blocks))
    return 0
