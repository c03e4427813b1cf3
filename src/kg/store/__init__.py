"""Where the graph lives: one contract, two backends.

* :class:`~kg.store.embedded.EmbeddedStore`: the on-disk Oxigraph store that ``kg build`` writes.
* :class:`~kg.store.remote.RemoteStore`: any SPARQL 1.1 endpoint (Fuseki, GraphDB, Virtuoso,
  Neptune, Oxigraph server), through SPARQLWrapper.

Both answer :meth:`SparqlStore.execute` with the same :class:`~kg.results.QueryResult`.
"""

from __future__ import annotations

from kg.store.base import SparqlStore

__all__ = ["SparqlStore"]
