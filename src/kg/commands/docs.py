"""``kg docs``: write the offline HTML documentation of the ontology (pyLODE)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "docs",
        help="write the ontology's HTML documentation (offline, both languages)",
        description="Write every class and property of ontology/ with labels and definitions in English and "
        "Japanese, hierarchy, domains and ranges, STIX and ATT&CK alignments and examples from the graph, "
        "as one self-contained HTML page (DIR/index.html).",
        epilog="example: kg docs --output docs/ontology",
    )
    parser.add_argument(
        "--output", "-o", default="docs/ontology", metavar="DIR", help="folder to write (default docs/ontology)"
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from kg.build import Sources
    from kg.docs import write_docs
    from kg.paths import project_home

    page = write_docs(Path(arguments.output), Sources.of(project_home()))
    print(f"wrote {page}")
    return 0
