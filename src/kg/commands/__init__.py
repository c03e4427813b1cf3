"""One module per ``kg`` command. Each defines ``register(subparsers)``, which adds its parser
with ``run`` as the default function; heavy imports stay inside ``run`` so that every command
starts fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg.errors import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter that keeps descriptions and epilogs as written, and measures the
    terminal only when it lays out help or an error: argparse makes a formatter for every option
    it adds, and its measuring imports shutil, a twentieth of ``kg query``'s cold start."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position, width=80 if width is None else width)
        self._measure = width is None
        self._widest_help_position = max_help_position

    def format_help(self) -> str:
        if self._measure:  # what argparse.HelpFormatter.__init__ does without a width
            import shutil

            self._width = shutil.get_terminal_size().columns - 2
            self._max_help_position = min(self._widest_help_position, max(self._width - 20, self._indent_increment * 2))
        return super().format_help()


def add_store_options(parser: argparse.ArgumentParser, *, remote: bool = True, writes: bool = False) -> None:
    """Add the options that choose which store a command reads: ``--store`` or, with ``remote``,
    ``--endpoint`` and ``--graph``; ``writes`` for the command that writes the store (``kg build``)."""
    made = "to write" if writes else "written by `kg build`"
    parser.add_argument("--store", metavar="DIR", help=f"store folder {made} (default: $KG_STORE or .kg)")
    if remote:
        parser.add_argument("--endpoint", metavar="URL", help="query a remote SPARQL 1.1 endpoint instead of the store")
        parser.add_argument(
            "--graph", metavar="IRI", help="with --endpoint: the named graph holding kg (default graph if unset)"
        )


def store_folder(arguments: argparse.Namespace) -> Path:
    """Return the store folder the command names: ``--store``, else ``KG_STORE``, else ``.kg`` in
    the project (the environment is read here, at the command line's edge, not in the library)."""
    from kg.paths import store_home

    return Path(arguments.store) if getattr(arguments, "store", None) else store_home()


def open_from(arguments: argparse.Namespace, *, in_process: bool = False) -> Any:
    """Open the graph the command-line options name (``in_process``: the built store runs its
    queries on a thread of this process, see :class:`~kg.store.embedded.EmbeddedStore`)."""
    from kg.graph import open_graph

    endpoint = getattr(arguments, "endpoint", None)
    timeout = getattr(arguments, "timeout", None)
    if endpoint:
        options = {"timeout": timeout} if timeout is not None else {}
        return open_graph(endpoint=endpoint, graph=getattr(arguments, "graph", None), **options)
    limits = {name: getattr(arguments, name) for name in ("timeout", "max_result_mb") if hasattr(arguments, name)}
    return open_graph(store_folder(arguments), in_process=in_process, **limits)


def positive_number(text: str) -> float:
    """Parse a finite number above 0 (argparse type, for time limits and sizes)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"a number above 0, got {text!r}")
    return value


def progress_printer(quiet: bool = False) -> Any:
    """Return a progress callback printing to stderr, or None when ``quiet``."""
    if quiet:
        return None

    def show(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    return show


def positive_integer(text: str) -> int:
    """Parse a whole number above 0 (argparse type, for counts such as batch sizes)."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number above 0, got {text!r}")
    return int(text)
