"""The embedded store: an on-disk Oxigraph database written by ``kg build``.

Layout of the store home (``KG_STORE``, default ``.kg/``)::

    .kg/
      current -> builds/20261122T040000-1a2b3c4d   (symlink, swapped atomically)
      builds/20261122T040000-1a2b3c4d/
        oxigraph/        the database
        manifest.json    what was built from what (input digest, counts, times)

A build writes a new folder beside the current one and then replaces the ``current`` link in
one rename, so a failed or interrupted build never leaves a half-written store behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.errors import KgError, QuerySyntaxError, StoreMissingError
from kg.namespaces import PREFIXES
from kg.results import QueryResult, Term
from kg.store.base import SparqlStore, is_ordered
from kg.terms import with_bindings

CURRENT = "current"
BUILDS = "builds"
DATABASE = "oxigraph"
MANIFEST = "manifest.json"

ERROR_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def current_build(home: Path) -> Path:
    """Return the folder of the current build under ``home``.

    Raises :class:`~kg.errors.StoreMissingError` saying how to build one when there is none.
    """
    link = home / CURRENT
    target = link.resolve() if link.is_symlink() else None
    if target is None or not (target / DATABASE).is_dir():
        raise StoreMissingError(f"no built store in {home}: run `kg build` to build it")
    return target


def read_manifest(home: Path) -> dict[str, Any]:
    """Return the manifest of the current build (inputs digest, counts, timings)."""
    return json.loads((current_build(home) / MANIFEST).read_text(encoding="utf-8"))


def publish_build(home: Path, build: Path) -> None:
    """Make ``build`` the current build in one atomic step and remove older builds."""
    temporary_link = home / f".{CURRENT}.{os.getpid()}"
    if temporary_link.is_symlink():
        temporary_link.unlink()
    temporary_link.symlink_to(build.relative_to(home))
    os.replace(temporary_link, home / CURRENT)
    for old in (home / BUILDS).iterdir():
        if old != build and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def syntax_error(error: SyntaxError, source: str | None) -> QuerySyntaxError:
    """Turn Oxigraph's SPARQL syntax error into a one-line error with line and column."""
    message = str(error.msg if hasattr(error, "msg") else error)
    if match := ERROR_POSITION.match(message):
        line, column, expected = match.groups()
        return QuerySyntaxError(
            f"SPARQL syntax error at column {column}: {expected}", path=source or "query", line=int(line)
        )
    return QuerySyntaxError(f"SPARQL syntax error: {message}", path=source or "query")


class OxigraphStore(SparqlStore):
    """Any pyoxigraph store, in memory or on disk, behind the :class:`SparqlStore` contract."""

    def __init__(self, store: Any, location: str = "memory") -> None:
        self.store = store
        self.location = location

    def execute(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, source: str | None = None
    ) -> QueryResult:
        """Run a query on the store; see :meth:`SparqlStore.execute`."""
        try:
            answer = self.store.query(with_bindings(query, bindings), prefixes=PREFIXES)
        except SyntaxError as error:
            raise syntax_error(error, source) from None
        except (OSError, ValueError, RuntimeError) as error:
            raise KgError(f"{source or 'query'}: query failed: {error}") from None
        return QueryResult.from_oxigraph(answer, ordered=is_ordered(query))

    def close(self) -> None:
        """Release the database."""
        self.store = None


class EmbeddedStore(OxigraphStore):
    """The built Oxigraph store, opened read-only so that several readers can share it.

    >>> store = EmbeddedStore()                       # doctest: +SKIP
    >>> store.execute("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows   # doctest: +SKIP
    [(12345,)]
    """

    def __init__(self, home: Path | None = None) -> None:
        import pyoxigraph

        from kg.paths import store_home

        self.home = Path(home) if home is not None else store_home()
        self.build = current_build(self.home)
        try:
            store = pyoxigraph.Store.read_only(str(self.build / DATABASE))
        except OSError as error:
            raise KgError(
                f"cannot open the store in {self.build}: {error}; run `kg build --force` to rebuild it"
            ) from error
        super().__init__(store, str(self.home))
