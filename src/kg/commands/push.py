"""``kg push``: load the built graph into a remote SPARQL store, replacing a named graph."""

from __future__ import annotations

import argparse

from kg.commands import positive_integer, positive_number


def register(commands: argparse._SubParsersAction) -> None:
    from kg.push import DEFAULT_BATCH, DEFAULT_TIMEOUT, PROTOCOLS

    parser = commands.add_parser(
        "push", help="push the built graph to a remote SPARQL store (replaces the graph)",
        description="Load the built store (ontology, graph and materialised inferences) into a remote store, "
        "replacing the named graph (or the default graph), so that pushing twice gives the same store. "
        "--protocol gsp (default) uses the SPARQL 1.1 Graph Store HTTP Protocol and --endpoint is the graph "
        "store URL; --protocol update uses SPARQL 1.1 Update and --endpoint is the update URL. Credentials come "
        "from KG_ENDPOINT_TOKEN, KG_ENDPOINT_USER/KG_ENDPOINT_PASSWORD or ~/.config/kg/endpoints.toml.",
        epilog="examples:\n"
        "  kg push --endpoint http://localhost:3030/kg/data --graph https://w3id.org/npa-cyber-kg/graph\n"
        "  kg push --endpoint http://localhost:7200/repositories/kg/rdf-graphs/service --graph urn:kg\n"
        "  kg push --protocol update --endpoint https://neptune.example.org:8182/sparql --graph urn:kg\n"
        "see docs/remote-endpoints.md for the URLs of Fuseki, GraphDB, Virtuoso, Neptune and Oxigraph",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, metavar="URL",
                        help="graph store URL (--protocol gsp) or update URL (--protocol update)")
    parser.add_argument("--graph", metavar="IRI", help="named graph to replace (default: the default graph)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="gsp", help="how to send the graph (default gsp)")
    parser.add_argument("--store", metavar="DIR", help="store folder written by `kg build` (default: $KG_STORE or .kg)")
    parser.add_argument("--batch", type=positive_integer, default=DEFAULT_BATCH, metavar="TRIPLES",
                        help=f"triples per request (default {DEFAULT_BATCH}); one batch is an atomic replace")
    parser.add_argument("--timeout", type=positive_number, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"seconds to wait for each request (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.commands import progress_printer
    from kg.push import push

    report = push(arguments.endpoint, graph=arguments.graph, protocol=arguments.protocol, store=arguments.store,
                  batch_size=arguments.batch, timeout=arguments.timeout, progress=progress_printer(arguments.quiet))
    print(report.summary())
    return 0
