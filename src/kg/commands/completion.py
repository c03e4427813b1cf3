"""``kg completion``: print the script that makes the shell complete ``kg``'s commands, options,
named queries (``kg query cq-r5a-<TAB>``) and class names (``kg viz --types Thr<TAB>``).

Completion is argcomplete's: the shell runs ``kg`` with ``_ARGCOMPLETE`` set, and
:func:`kg.cli.main` answers from the full parser before doing anything else. The completers
below read the project's own files (``queries/``, ``ontology/``), never the store.
"""

from __future__ import annotations

import argparse

from kg.commands import HelpFormatter
from kg.errors import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

SHELLS = ("bash", "zsh", "fish", "tcsh")

EPILOG = """examples:
  eval "$(kg completion bash)"                 in ~/.bashrc
  eval "$(kg completion zsh)"                  in ~/.zshrc (after compinit)
  kg completion fish > ~/.config/fish/completions/kg.fish
"""


def named_queries(prefix: str = "", **_: Any) -> list[str]:
    """Complete a named query: the names of ``queries/cq`` and ``queries/qc`` that start with ``prefix``."""
    from kg.errors import KgError
    from kg.paths import queries_dir
    from kg.queries import catalog

    try:
        return [name for name in catalog(queries_dir()) if name.startswith(prefix)]
    except KgError:
        return []


def class_names(prefix: str = "", **_: Any) -> list[str]:
    """Complete a comma-separated list of kg class names (``ThreatActor,Adv`` → ``ThreatActor,Advisory``…),
    read from the ontology's ``owl:Class`` declarations."""
    import pyoxigraph

    from kg.namespaces import KG
    from kg.paths import ontology_dir

    done, _comma, last = prefix.rpartition(",")
    store = pyoxigraph.Store()
    for path in sorted(ontology_dir().glob("*.ttl")):
        try:
            store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        except (SyntaxError, OSError):
            continue
    found = store.query("SELECT DISTINCT ?class WHERE { ?class a <http://www.w3.org/2002/07/owl#Class> }")
    assert isinstance(found, pyoxigraph.QuerySolutions)
    names = sorted({row[0].value[len(KG) :] for row in found if row[0].value.startswith(KG)})
    return [f"{done}," * bool(done) + name for name in names if name.startswith(last)]


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "completion",
        help="print the shell completion script (bash, zsh, fish, tcsh)",
        description="Print the script that makes SHELL complete kg's commands, options, named queries and class "
        "names. Load it from your shell's start-up file.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    import sys

    import argcomplete

    sys.stdout.write(argcomplete.shellcode(["kg"], shell=arguments.shell))
    return 0
