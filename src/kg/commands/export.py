"""``kg export``: write the graph as Turtle, N-Triples, N-Quads, RDF/XML or JSON-LD."""

from __future__ import annotations

import argparse
import sys

from kg.export import FORMATS


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export the built graph to an RDF file",
        description="Write the built store (asserted and inferred triples) to a file, atomically.",
        epilog="example: kg export --format nt --output kg.nt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--format", "-f", choices=tuple(FORMATS), default="turtle", help="RDF format (default turtle)")
    parser.add_argument("--output", "-o", required=True, metavar="FILE", help="file to write (- for standard output)")
    parser.add_argument("--store", metavar="DIR", help="store folder (default: $KG_STORE or .kg)")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from kg.export import export

    to_stdout = arguments.output == "-"
    count = export(arguments.output if to_stdout else Path(arguments.output), fmt=arguments.format,
                   store=arguments.store)
    # the message goes where it does not mix with the data: stderr when the data went to stdout
    print(f"wrote {count} triples to {arguments.output}", file=sys.stderr if to_stdout else sys.stdout)
    return 0
