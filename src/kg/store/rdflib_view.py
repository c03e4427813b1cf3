"""An rdflib view of a pyoxigraph store, for rdflib-based tools (pySHACL) to read in place.

Imported only by the steps that need rdflib, so that the query path does not load it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph
import rdflib
from oxrdflib import OxigraphStore
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.store.solutions import count


class UnchangingOxigraphStore(OxigraphStore):
    """oxrdflib's store over a pyoxigraph store that does not change while it is read.

    pySHACL takes ``len()`` of the data graph for every result it reports, and oxrdflib answers
    each time with a ``COUNT(DISTINCT …)`` over the whole store (20 of the 21 s pySHACL took on
    the shipped graph; 450 MB of hash set at a million triples). The default graph is counted
    once, streaming: a graph holds no duplicate triples, so no DISTINCT is needed.
    """

    _size: int | None = None

    def __len__(self, context: Any = None) -> int:
        if self._size is None:
            self._size = count(self._inner)
        return self._size


def default_graph_view(store: pyoxigraph.Store) -> rdflib.Graph:
    """The default graph of ``store`` as a read-only rdflib ``Graph``, without copying it.

    >>> from pyoxigraph import Literal, NamedNode, Quad, Store
    >>> store = Store()
    >>> store.add(Quad(NamedNode("urn:s"), NamedNode("urn:p"), Literal("o")))
    >>> graph = default_graph_view(store)
    >>> len(graph), str(graph.value(rdflib.URIRef("urn:s"), rdflib.URIRef("urn:p")))
    (1, 'o')
    """
    return rdflib.Graph(store=UnchangingOxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
