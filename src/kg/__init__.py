"""kg: a knowledge graph of the cyber threat situation reported by Japan's National Police Agency.

The Python API that the ``kg`` command, the notebooks and the tests share:

>>> import kg
>>> graph = kg.open_graph()                       # doctest: +SKIP
>>> graph.select("cq-r5a-blacktech-advisory-issuers").rows   # doctest: +SKIP

Heavy dependencies (rdflib, pySHACL, networkx, pyvis) are imported only by the functions that
need them, so that opening the store and running a query start fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from kg.errors import KgError
from kg.graph import KnowledgeGraph, open_graph
from kg.results import QueryResult

try:
    __version__ = version("kg")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["KgError", "KnowledgeGraph", "QueryResult", "__version__", "open_graph"]
