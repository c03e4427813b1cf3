"""``kg tables``: compile the CSV tables of graph/tables/ into graph/'s Turtle, or check they agree."""

from __future__ import annotations

import argparse
import sys

from kg.commands import HelpFormatter


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "tables",
        help="compile graph/tables/*.csv into graph/ Turtle (or check they agree)",
        description="Sections, figures, footnotes, series, categories and observations are written as CSV "
        'tables in graph/tables/ (schema: graph/tables/csv-metadata.json, CONVENTIONS.md "Tables"). '
        "`compile` checks every row and writes graph/<folder>/<table>.ttl; a bad row is reported as "
        "file, row and column, and nothing is written. `check` exits 1 when a Turtle file is not what "
        "its table compiles to.",
        epilog="examples:\n  kg tables compile\n  kg tables check",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("action", nargs="?", choices=("compile", "check"), default="compile")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    from kg.build import Sources, display_path
    from kg.paths import project_home
    from kg.tables import COMPILE_COMMAND, compile_tables, stale_outputs, write_outputs

    sources = Sources.of(project_home())
    outputs = compile_tables(sources)
    if arguments.action == "check":
        stale = stale_outputs(outputs)
        for path in stale:
            print(
                f"{display_path(path, sources.home)}: out of date with its table; run `{COMPILE_COMMAND}`",
                file=sys.stderr,
            )
        if not stale:
            print(f"{len(outputs)} generated files agree with their tables")
        return 1 if stale else 0
    changed = write_outputs(outputs)
    for path in changed:
        print(f"wrote {display_path(path, sources.home)}")
    print(f"{len(outputs)} tables compiled, {len(changed)} files changed")
    return 0
