"""``kg export``: write the graph as RDF (Turtle, N-Triples, N-Quads, TriG, RDF/XML, JSON-LD),
a STIX 2.1 bundle or an ATT&CK Navigator layer."""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter, add_store_options
from kg.export import ALIASES, FORMATS

EPILOG = """examples:
  kg export -o kg.ttl                                 format from the extension (.ttl .nt .nq .trig .jsonld .rdf)
  kg export -f json-ld -o - --asserted-only           compacted JSON-LD of the asserted triples, to stdout
  kg export -f stix -o kg-stix.json --report 2023     STIX 2.1 bundle of one report
  kg export -f navigator -o blacktech.json --actor BlackTech   ATT&CK Navigator layer
"""


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export the graph as RDF, a STIX 2.1 bundle or an ATT&CK Navigator layer",
        description="Write the built store to a file (atomically) or to standard output (-o -). "
        "RDF includes the build's inferences unless --asserted-only.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--format",
        "-f",
        metavar="FORMAT",
        help=f"one of {', '.join(FORMATS)} (also {', '.join(ALIASES)}); default: from the file extension, else turtle",
    )
    parser.add_argument("--output", "-o", required=True, metavar="FILE", help="file to write, or - for standard output")
    parser.add_argument("--asserted-only", action="store_true", help="RDF: the asserted triples, without inferences")
    parser.add_argument("--report", metavar="YEAR", help="STIX/Navigator: only what one report states (2021, 2023)")
    parser.add_argument("--actor", metavar="NAME", help="STIX/Navigator: one threat actor (name, alias or IRI)")
    parser.add_argument(
        "--domain",
        default="enterprise-attack",
        choices=("enterprise-attack", "mobile-attack"),
        help="Navigator: the ATT&CK domain of the layer (default enterprise-attack)",
    )
    add_store_options(parser, remote=False)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    import sys

    from kg.build import Sources
    from kg.commands import store_folder
    from kg.export import export
    from kg.paths import project_home

    summary = export(
        arguments.output,
        fmt=arguments.format,
        store=store_folder(arguments),
        asserted_only=arguments.asserted_only,
        sources=Sources.of(project_home()) if arguments.asserted_only else None,
        report=arguments.report,
        actor=arguments.actor,
        domain=arguments.domain,
    )
    where = "standard output" if arguments.output == "-" else arguments.output
    print(f"wrote {summary} to {where}", file=sys.stderr if arguments.output == "-" else sys.stdout)
    return 0
