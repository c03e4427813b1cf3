"""Interactive views of the graph (``kg viz``): views cut in SPARQL on the store
(:mod:`kg.viz.cut`, names looked up by :mod:`kg.viz.lookup`), a pure conversion of what they
show to networkx (:mod:`kg.viz.network`), a thin pyvis renderer writing offline HTML pages
(:mod:`kg.viz.render`) and the timeline of dated facts (:mod:`kg.viz.timeline`).

>>> import kg                                                    # doctest: +SKIP
>>> from kg.viz import view_graph, write_html                    # doctest: +SKIP
>>> graph = view_graph(kg.open_graph(), focus="BlackTech", depth=2)   # doctest: +SKIP
>>> write_html(graph, "views/blacktech.html", lang="ja")         # doctest: +SKIP

networkx and pyvis are imported by the functions that use them, not by this package.
"""

from __future__ import annotations

from kg.viz.network import co_issuance_graph, find_nodes, instance_graph, view_graph
from kg.viz.render import render_html, to_pyvis, write_html

__all__ = ["co_issuance_graph", "find_nodes", "instance_graph", "render_html", "to_pyvis", "view_graph", "write_html"]
