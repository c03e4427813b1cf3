"""``kg validate``: check the sources against the shapes and quality queries."""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate",
        help="validate the graph (exit 0 conforms, 1 violations, 2 error)",
        description="Load and infer the sources, then check them against ontology/shapes.ttl and the "
        "quality queries in queries/qc. Exit 0 when they conform, 1 with violations, 2 on error.",
        epilog="example: kg validate --quiet",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    parser.add_argument(
        "--engine",
        choices=("sparql", "pyshacl"),
        default="sparql",
        help="what checks the shapes: sparql (default: the shapes as SPARQL run by Oxigraph, fast) "
        "or pyshacl (the reference SHACL engine, slow on big graphs)",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.build import Sources, validate
    from kg.paths import project_home
    from kg.progress import progress_bars

    with progress_bars(quiet=arguments.quiet) as progress:
        report = validate(Sources.of(project_home()), progress=progress, engine=arguments.engine)
    for violation in report.violations:
        print(violation)
    print(report.summary())
    return 0 if report.conforms else 1
