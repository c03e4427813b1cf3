"""The ``kg`` command: a thin layer over the Python API, one module per command in
:mod:`kg.commands`. Errors print one line to stderr and exit non-zero (2 for an error, 1 for
validation failures); they never show a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kg.errors import KgError

#: The commands, in the order ``kg --help`` lists them; each is a module of kg.commands.
COMMANDS = ("build", "validate", "query", "queries", "stats", "export", "viz", "show", "analyze", "serve", "push")

EPILOG = """examples:
  kg build                                   build the store from ontology/ and graph/
  kg query cq-r5a-blacktech-advisory-issuers run a named competency query
  kg query 'SELECT * WHERE { ?s ?p ?o } LIMIT 5' --format csv
  kg queries                                 list the named queries and their questions
"""


def parser() -> argparse.ArgumentParser:
    """Return the argument parser with every available command registered."""
    from kg import __version__

    main = argparse.ArgumentParser(
        prog="kg",
        description="A knowledge graph of the cyber threat situation reported by Japan's National Police Agency.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    main.add_argument("--version", action="version", version=f"kg {__version__}")
    commands = main.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"kg.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"kg.commands.{name}":
                continue
            raise
        module.register(commands)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kg`` command line and return its exit code."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    arguments = parser().parse_args(argv)
    try:
        return int(arguments.run(arguments) or 0)
    except KgError as error:
        print(f"kg {arguments.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"kg {arguments.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
