"""``kg queries``: list the named queries and the questions they answer."""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "queries",
        help="list named queries with their questions",
        description="List the competency queries (queries/cq) and quality checks (queries/qc) with their questions.",
        epilog="example: kg queries --lang ja --kind cq",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--lang", choices=("en", "ja"), default="en", help="language of the questions")
    parser.add_argument("--kind", choices=("cq", "qc"), help="only competency queries or only quality checks")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.output import terminal_width, text_table
    from kg.paths import queries_dir
    from kg.queries import catalog

    named = [query for query in catalog(queries_dir()).values() if arguments.kind in (None, query.kind)]
    rows = [[query.name, query.question_ja if arguments.lang == "ja" else query.question_en] for query in named]
    if rows:
        print(text_table([], rows, width=terminal_width()))
    return 0
