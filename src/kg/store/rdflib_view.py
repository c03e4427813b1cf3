"""An rdflib view of a pyoxigraph store, for rdflib-based tools (pySHACL) to read in place.

Imported only by the steps that need rdflib, so that the query path does not load it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph
import rdflib
from oxrdflib import OxigraphStore
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID


class UnchangingOxigraphStore(OxigraphStore):  # type: ignore[misc]
    """oxrdflib's store over a pyoxigraph store that does not change while it is read, whose
    graph is every graph of the store: the asserted triples and the inferred graph.

    pySHACL takes ``len()`` of the data graph for every result it reports, and oxrdflib answers
    each time with a ``COUNT(DISTINCT …)`` over the whole store (20 of the 21 s pySHACL took on
    the shipped graph; 450 MB of hash set at a million triples). The graph is counted
    once, streaming: kg's graphs share no triple, so no DISTINCT is needed.
    """

    _size: int | None = None

    def __len__(self, context: Any = None) -> int:
        if self._size is None:
            count = "SELECT (COUNT(*) AS ?triples) WHERE { ?s ?p ?o }"
            self._size = int(next(iter(self._inner.query(count, use_default_graph_as_union=True)))[0].value)
        return self._size

    def triples(self, triple_pattern: Any, context: Any = None) -> Any:
        return super().triples(triple_pattern, None)  # None: every graph


def union_graph_view(store: pyoxigraph.Store) -> rdflib.Graph:
    """Every graph of ``store`` as one read-only rdflib ``Graph``, without copying it.

    >>> from pyoxigraph import Literal, NamedNode, Quad, Store
    >>> store = Store()
    >>> store.add(Quad(NamedNode("urn:s"), NamedNode("urn:p"), Literal("o")))
    >>> store.add(Quad(NamedNode("urn:s"), NamedNode("urn:q"), Literal("i"), NamedNode("urn:inferred")))
    >>> graph = union_graph_view(store)
    >>> len(graph), str(graph.value(rdflib.URIRef("urn:s"), rdflib.URIRef("urn:q")))
    (2, 'i')
    """
    return rdflib.Graph(store=UnchangingOxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
