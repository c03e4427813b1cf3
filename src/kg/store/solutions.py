"""SELECT answers of a pyoxigraph store, typed as solutions.

``pyoxigraph.Store.query`` is typed as any of solutions, a boolean or triples; the steps that run
their own SELECT on an in-memory or on-disk store (counts, the reports' corpus files, the SHACL
constraint queries) take the solutions from :func:`select`, which says so to the type checker
and refuses any other answer.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))
>>> [row["o"].value for row in select(store, "SELECT ?o WHERE { ?s ?p ?o }")]
['o']
>>> count(store)
1
"""

from __future__ import annotations

from typing import Any

import pyoxigraph


def select(store: pyoxigraph.Store, query: str, **options: Any) -> pyoxigraph.QuerySolutions:
    """Run the SELECT ``query`` on ``store`` (``options`` go to ``Store.query``) and return its solutions.

    A query that is not a SELECT raises ``TypeError``: callers run their own queries, not a user's.
    """
    answer = store.query(query, **options)
    if not isinstance(answer, pyoxigraph.QuerySolutions):
        raise TypeError(f"not a SELECT query: {query.strip()[:60]!r}")
    return answer


def count(store: pyoxigraph.Store, graph: pyoxigraph.NamedNode | None = None) -> int:
    """Return how many triples the default graph of ``store`` (or its named graph ``graph``) holds."""
    options = {"default_graph": graph} if graph is not None else {}
    solutions = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **options)
    return int(next(iter(solutions))[0].value)
