"""``kg push``: load the built graph into a remote SPARQL store, replacing a named graph."""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter, add_store_options, positive_integer, positive_number, store_folder


def register(commands: argparse._SubParsersAction) -> None:
    from kg.push import DEFAULT_BATCH, DEFAULT_TIMEOUT, PROTOCOLS

    parser = commands.add_parser(
        "push",
        help="push the built graph to a remote SPARQL store (replaces the graph)",
        description="Load the built store (ontology, graph and materialised inferences) into a remote store, "
        "replacing the named graph (or the default graph), so that pushing twice gives the same store. "
        "--protocol gsp (default) uses the SPARQL 1.1 Graph Store HTTP Protocol and --endpoint is the graph "
        "store URL; --protocol update uses SPARQL 1.1 Update and --endpoint is the update URL. Afterwards kg counts "
        "the graph on the server and fails unless it holds what was sent. Credentials come from KG_ENDPOINT_TOKEN, "
        "KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD (KG_ENDPOINT_AUTH=basic|digest|bearer) or ~/.config/kg/endpoints.toml.",
        epilog="examples:\n"
        "  kg push --endpoint http://localhost:3030/kg/data --graph https://w3id.org/npa-cyber-kg/graph\n"
        "  kg push --endpoint http://localhost:7200/repositories/kg/rdf-graphs/service --graph urn:kg\n"
        "  kg push --protocol update --endpoint https://neptune.example.org:8182/sparql --graph urn:kg\n"
        "  KG_ENDPOINT_USER=dba KG_ENDPOINT_PASSWORD=… KG_ENDPOINT_AUTH=digest \\\n"
        "    kg push --endpoint http://localhost:8890/sparql-graph-crud-auth --graph urn:kg "
        "--count-endpoint http://localhost:8890/sparql\n"
        "see docs/remote-endpoints.md for the URLs of Fuseki, GraphDB, Virtuoso, Neptune and Oxigraph",
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--endpoint",
        required=True,
        metavar="URL",
        help="graph store URL (--protocol gsp) or update URL (--protocol update)",
    )
    parser.add_argument("--graph", metavar="IRI", help="named graph to replace (default: the default graph)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="gsp", help="how to send the graph (default gsp)")
    add_store_options(parser, remote=False)
    parser.add_argument(
        "--batch",
        type=positive_integer,
        default=DEFAULT_BATCH,
        metavar="TRIPLES",
        help=f"triples per request (default {DEFAULT_BATCH}); one batch is an atomic replace",
    )
    parser.add_argument(
        "--timeout",
        type=positive_number,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds to wait for each request (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--count-endpoint",
        metavar="URL",
        help="query URL on which to count the pushed graph (default: read the graph back through "
        "--endpoint for gsp, a COUNT query to --endpoint for update)",
    )
    parser.add_argument(
        "--bulk",
        metavar="DIR",
        help="Virtuoso on this host only: load through its bulk loader (ld_dir/rdf_loader_run via "
        "isql-vt) from a Turtle file written in DIR, a folder its DirsAllowed lists",
    )
    parser.add_argument(
        "--isql-port", type=int, default=1111, metavar="PORT", help="with --bulk: Virtuoso's SQL port (default 1111)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from kg.errors import InputError
    from kg.progress import progress_bars
    from kg.push import bulk_push, push

    if arguments.bulk and not arguments.graph:
        raise InputError("--bulk loads into a named graph: give --graph IRI")
    with progress_bars(quiet=arguments.quiet) as progress:
        if arguments.bulk:
            report = bulk_push(
                arguments.endpoint,
                graph=arguments.graph,
                folder=Path(arguments.bulk),
                sql_port=arguments.isql_port,
                store=store_folder(arguments),
                count_url=arguments.count_endpoint,
                timeout=arguments.timeout,
                progress=progress,
            )
        else:
            report = push(
                arguments.endpoint,
                graph=arguments.graph,
                protocol=arguments.protocol,
                store=store_folder(arguments),
                batch_size=arguments.batch,
                timeout=arguments.timeout,
                count_url=arguments.count_endpoint,
                progress=progress,
            )
    print(report.summary())
    return 0
