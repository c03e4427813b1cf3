"""The ``kg`` command: a thin layer over the Python API, one module per command in
:mod:`kg.commands`. Errors print one line to stderr and exit non-zero (2 for an error, 1 for
validation failures); they never show a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from kg.commands import HelpFormatter
from kg.errors import KgError

#: The commands, in the order ``kg --help`` lists them; each is a module of kg.commands.
COMMANDS = (
    "build", "validate", "query", "queries", "stats", "export", "docs", "viz", "show", "analyze", "serve", "push",
    "tables", "draft", "completion",
)  # fmt: skip

EPILOG = """examples:
  kg build                                   build the store from ontology/ and graph/
  kg query cq-r5a-blacktech-advisory-issuers run a named competency query
  kg query 'SELECT * WHERE { ?s ?p ?o } LIMIT 5' --format csv
  kg queries                                 list the named queries and their questions
"""


class VersionAction(argparse.Action):
    """``--version``: reads the installed package's version only when asked (it is slow to read)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show kg's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import kg

        print(f"kg {kg.__version__}")
        parser.exit()


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Return the argument parser with every available command registered, or, when ``argv``
    names a command, that command alone (importing every command's module took a fifth of
    ``kg query``'s start)."""
    wanted = [argv[0]] if argv and argv[0] in COMMANDS else COMMANDS
    main = argparse.ArgumentParser(
        prog="kg",
        description="A knowledge graph of the cyber threat situation reported by Japan's National Police Agency.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    main.add_argument("--version", action=VersionAction)
    # prog named, as argparse would lay it out, so that no help is laid out before it is asked for
    commands = main.add_subparsers(dest="command", metavar="COMMAND", required=True, prog="kg")
    for name in wanted:
        try:
            module = importlib.import_module(f"kg.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"kg.commands.{name}":
                continue
            raise
        module.register(commands)
    return main


#: Commands that never load rdflib, whose log records :func:`quiet_libraries` keeps quiet
#: (importing ``logging`` is a twentieth of ``kg query``'s start).
WITHOUT_RDFLIB = frozenset({"query", "queries", "completion"})


def quiet_libraries() -> None:
    """Keep libraries' log records with tracebacks off the terminal: rdflib logs one for every
    ill-typed literal (``"2023-13-45"^^xsd:date``), which the shapes then report in one line."""
    import logging

    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


def check_environment() -> None:
    """Refuse a ``KG_HOME`` that is not a folder before any command reads from it."""
    import os
    from pathlib import Path

    from kg.errors import InputError

    home = os.environ.get("KG_HOME")
    if home and not Path(home).is_dir():
        raise InputError(
            f"KG_HOME={home} is not a folder: set KG_HOME to the folder holding ontology/, graph/ "
            "and queries/, or unset it"
        )


def complete_if_asked() -> None:
    """Answer the shell's completion request and exit, when the shell asked (``_ARGCOMPLETE`` is
    set by the script ``kg completion`` prints); argcomplete is imported only then."""
    import os

    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser(), exit_method=sys.exit)


def main(argv: Sequence[str] | None = None, *, alone: bool = False) -> int:
    """Run the ``kg`` command line and return its exit code; ``alone``: this process runs this
    one command and ends after it (:func:`console`, the ``kg`` program), so ``kg query`` runs its
    query on a thread of this process rather than in a worker process."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    argv = list(sys.argv[1:] if argv is None else argv)
    complete_if_asked()
    arguments = parser(argv).parse_args(argv)
    arguments.alone = alone
    if arguments.command not in WITHOUT_RDFLIB:
        quiet_libraries()
    try:
        check_environment()
        return int(arguments.run(arguments) or 0)
    except KgError as error:
        print(f"kg {arguments.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"kg {arguments.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


#: Commands whose process :func:`console` ends at once, without Python's clean-up of its modules
#: (a tenth of ``kg query``'s cold start): they leave nothing to clean up once their output is
#: flushed, and ``kg query`` may leave a query computing on a thread (stopped at its time limit
#: or by Ctrl-C), which ending the process stops.
ENDS_AT_ONCE = frozenset({"query"})


def console() -> None:
    """The ``kg`` program (and ``python -m kg.cli``): :func:`main` in a process of its own."""
    argv = sys.argv[1:]
    code = main(argv, alone=True)
    if argv[:1] and argv[0] in ENDS_AT_ONCE:
        end_now(code)
    sys.exit(code)


def end_now(code: int) -> None:
    """Flush the output and end the process with exit code ``code`` at once (a reader that
    stopped reading, ``kg query … | head``, is no error, as in :func:`main`)."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 - contextlib is not otherwise imported on kg query's path
            stream.flush()
        except BrokenPipeError:
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
