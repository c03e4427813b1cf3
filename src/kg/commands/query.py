"""``kg query``: run SPARQL on the store or a remote endpoint."""

from __future__ import annotations

import argparse
import sys

from kg.commands import HelpFormatter, add_store_options, open_from, positive_number
from kg.commands.completion import named_queries
from kg.store.embedded import DEFAULT_MAX_RESULT_MB, DEFAULT_TIMEOUT

FORMATS = ("table", "csv", "tsv", "json", "turtle", "nt")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "query",
        help="run a SPARQL query (text, .rq file or named query)",
        description="Run SPARQL given as text, a .rq file or the name of a named query (see `kg queries`). "
        "The kg, kgr, kgv, rdfs, skos, dcterms, prov, qb, owl and xsd prefixes are predeclared.",
        epilog="examples:\n  kg query cq-r5a-blacktech-advisory-issuers --lang en\n"
        "  kg query cq-r5a-co-issued-advisories --limit 20 --offset 20\n"
        "  kg query my.rq --format csv\n  kg query 'SELECT ?l WHERE { ?a rdfs:label ?l }' --bind a=kgr:actor-lockbit",
        formatter_class=HelpFormatter,
    )
    query = parser.add_argument("query", help="SPARQL text, a .rq file, or a named query")
    query.completer = named_queries  # argcomplete reads it
    parser.add_argument(
        "--format",
        "-f",
        choices=FORMATS,
        default=None,
        help="output format (default: table for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE)",
    )
    parser.add_argument("--lang", choices=("en", "ja"), help="show IRIs as their labels in this language")
    parser.add_argument(
        "--bind",
        "-b",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help='bind a variable: kgr:x, <iri>, "text"@ja, 2023, 2023-09-27 (repeatable)',
    )
    parser.add_argument("--limit", type=int, metavar="N", help="print at most N rows (one page of the answer)")
    parser.add_argument("--offset", type=int, metavar="N", help="skip the first N rows (with --limit: the next page)")
    parser.add_argument(
        "--timeout",
        type=positive_number,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop the query after this many seconds (default {DEFAULT_TIMEOUT:g}); Ctrl-C stops it at once",
    )
    parser.add_argument(
        "--max-result-mb",
        type=positive_number,
        default=DEFAULT_MAX_RESULT_MB,
        metavar="MB",
        help=f"refuse answers larger than this from the built store (default {DEFAULT_MAX_RESULT_MB:g})",
    )
    add_store_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.terms import parse_binding

    bindings = dict(parse_binding(text) for text in arguments.bind)
    # alone in its process (the `kg` program), the query runs on a thread, not in a worker process
    with open_from(arguments, in_process=getattr(arguments, "alone", False)) as graph:
        result = graph.query(arguments.query, bindings=bindings, limit=arguments.limit, offset=arguments.offset)
        labels = graph.labels(result.iris(), arguments.lang) if arguments.lang and result.kind == "select" else None
    fmt = arguments.format or ("turtle" if result.kind == "graph" else "table")
    from kg.output import terminal_width

    sys.stdout.write(result.format(fmt, labels=labels, width=terminal_width()))
    return 0
