"""The embedded store: an on-disk Oxigraph database written by ``kg build``.

The store home's layout, and the rules that keep builds and readers from stepping on each other,
are in :mod:`kg.store.builds`: ``current`` links to the build to read, and a reader holds that
build (a shared lock) for as long as it is open, so a rebuild never removes it under the reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.errors import KgError, QuerySyntaxError, StoreMissingError
from kg.namespaces import PREFIXES
from kg.outbound import refuse_outbound
from kg.results import QueryResult, Term
from kg.store.base import SparqlStore, is_ordered
from kg.store.builds import BUILDS, CURRENT, DATABASE, MANIFEST, current_build, hold_current
from kg.terms import with_bindings

__all__ = ["BUILDS", "CURRENT", "DATABASE", "MANIFEST", "EmbeddedStore", "OxigraphStore", "current_build"]

ERROR_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)


def read_manifest(home: Path) -> dict[str, Any]:
    """Return the manifest of the current build (inputs digest, counts, timings)."""
    return json.loads((current_build(home) / MANIFEST).read_text(encoding="utf-8"))


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
        refuse_outbound(query, where=source or "query")
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
        if self.home.exists() and not self.home.is_dir():
            raise StoreMissingError(
                f"{self.home} is not a store folder: point --store or KG_STORE at the folder "
                "`kg build` writes (default .kg)"
            )
        self.build, self._hold = hold_current(self.home)
        try:
            store = pyoxigraph.Store.read_only(str(self.build / DATABASE))
        except (OSError, ValueError, RuntimeError) as error:
            self._hold.close()
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise KgError(
                f"cannot open the store in {self.build}: {reason}; run `kg build --force` to rebuild it"
            ) from None
        super().__init__(store, str(self.home))

    def close(self) -> None:
        """Release the database and the build it reads (a later build may then remove it)."""
        super().close()
        if self._hold is not None:
            self._hold.close()
            self._hold = None
