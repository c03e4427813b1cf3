"""kg: a knowledge graph of the cyber threat situation reported by Japan's National Police Agency.

The Python API that the ``kg`` command, the notebooks and the tests share:

>>> import kg
>>> from kg.build import Sources
>>> from kg.paths import project_home
>>> shipped = Sources.of(project_home())                        # the project folder's files
>>> with kg.load(shipped.files, queries_folder=shipped.queries) as graph:  # or kg.open_graph()
...     result = graph.select("cq-r5a-blacktech-advisory-issuers")
>>> sorted({row[3] for row in result.rows})                    # the issuers' countries
['Japan', 'United States']

Heavy dependencies (rdflib, pySHACL, networkx, pyvis) are imported only by the functions that
need them, and the names below only when first used (``kg.__version__`` reads the installed
package's metadata, which alone took a third of ``kg query``'s start), so that opening the store
and running a query start fast.
"""

from __future__ import annotations

from kg.errors import TYPE_CHECKING, KgError

if TYPE_CHECKING:
    from typing import Any

    from kg.graph import KnowledgeGraph, load, open_graph
    from kg.results import QueryResult

    __version__: str

_LAZY = {"KnowledgeGraph": "kg.graph", "load": "kg.graph", "open_graph": "kg.graph", "QueryResult": "kg.results"}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("kg")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


__all__ = ["KgError", "KnowledgeGraph", "QueryResult", "__version__", "load", "open_graph"]
