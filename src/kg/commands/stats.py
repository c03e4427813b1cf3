"""``kg stats``: counts per class and per report."""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter, add_store_options, open_from


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "stats",
        help="count triples, instances per class and per report",
        description="Count the store's triples and the instances of each kg class, overall and per report.",
        epilog="example: kg stats",
        formatter_class=HelpFormatter,
    )
    add_store_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.stats import graph_stats

    with open_from(arguments) as graph:
        stats = graph_stats(graph.store)
    from kg.output import terminal_width

    print(stats.table(width=terminal_width()), end="")
    return 0
