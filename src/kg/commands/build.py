"""``kg build``: build the embedded store from ontology/ and graph/."""

from __future__ import annotations

import argparse
import sys

from kg.build import DEFAULT_MAX_DROP
from kg.commands import HelpFormatter, add_store_options, progress_printer, store_folder


def fraction(text: str) -> float:
    """Parse a fraction from 0 to 1 (argparse type)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a fraction from 0 to 1, got {text!r}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "build",
        help="build the store (parse, infer, validate, write atomically)",
        description="Load ontology/ and every .ttl under graph/, materialise inferences, validate against "
        "the shapes and write the Oxigraph store atomically. Skips when nothing changed.",
        epilog="example: kg build --force",
        formatter_class=HelpFormatter,
    )
    add_store_options(parser, remote=False, writes=True)
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    parser.add_argument("--no-validate", action="store_true", help="skip SHACL validation (not recommended)")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="when another build is writing the same store, wait for it instead of refusing",
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="build even when there are no facts or far fewer triples than the live store",
    )
    parser.add_argument(
        "--max-drop",
        type=fraction,
        default=DEFAULT_MAX_DROP,
        metavar="FRACTION",
        help=f"refuse a build smaller than the live store by more than this fraction (default {DEFAULT_MAX_DROP:g})",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print no progress")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.build import Sources, build
    from kg.errors import ValidationFailed
    from kg.paths import project_home
    from kg.progress import progress_bars

    try:
        with progress_bars(quiet=arguments.quiet) as progress:
            report = build(
                sources=Sources.of(project_home()),
                store=store_folder(arguments),
                force=arguments.force,
                validate=not arguments.no_validate,
                progress=progress,
                wait=arguments.wait,
                allow_shrink=arguments.allow_shrink,
                max_drop=arguments.max_drop,
                notice=progress_printer(False),
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
    if report.class_counts:
        from kg.output import terminal_width, text_table

        print(text_table([], list(report.class_counts.items()), width=terminal_width(), indent="  "))
    return 0
