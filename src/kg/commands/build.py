"""``kg build``: build the embedded store from ontology/ and graph/."""

from __future__ import annotations

import argparse
import sys

from kg.commands import progress_printer


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build",
        help="build the store (parse, infer, validate, write atomically)",
        description="Load ontology/ and every .ttl under graph/, materialise inferences, validate against "
        "the shapes and write the Oxigraph store atomically. Skips when nothing changed.",
        epilog="example: kg build --force",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--store", metavar="DIR", help="store folder (default: $KG_STORE or .kg)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation (not recommended)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from kg.build import build
    from kg.errors import ValidationFailed

    try:
        report = build(
            force=arguments.force,
            validate=not arguments.no_validate,
            home=Path(arguments.store) if arguments.store else None,
            progress=progress_printer(arguments.quiet),
        )
    except ValidationFailed as failure:
        for violation in failure.report.violations:
            print(violation, file=sys.stderr)
        print(f"kg build: {failure}; the previous store is unchanged (see `kg validate`)", file=sys.stderr)
        return 1
    if not report.built:
        print(f"store is up to date ({report.triples} triples in {report.store}); use --force to rebuild")
        return 0
    steps = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in report.seconds.items())
    print(
        f"built {report.store}: {report.files} files, {report.asserted_triples} asserted + "
        f"{report.inferred_triples} inferred = {report.triples} triples ({steps})"
    )
    width = max((len(name) for name in report.class_counts), default=0)
    for name, count in report.class_counts.items():
        print(f"  {name:<{width}}  {count}")
    return 0
